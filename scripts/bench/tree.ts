/**
 * The SDK's in-memory venue account tree (prover/tree.ts VenueTree over @zk-kit/imt, arity 4, Poseidon(4) nodes,
 * poseidon-lite): build time for 10^5 and 10^6 accounts at the production depth, time per account update (one path
 * rehashed) and per path. The venue kit's persistent tree (native hasher, SQLite) is measured in scripts/bench/venue.ts.
 */
import { randomBytes } from "node:crypto";
import { loadavg } from "node:os";
import { FIELD } from "../../prover/hash.ts";
import { VenueTree } from "../../prover/tree.ts";
import { getInstance } from "../lib/instances.ts";
import { mdTable, ms, sec, thousands, time, type Section } from "./common.ts";

/** the production instance's depth (arity 4: 4^D accounts) */
const DEPTH = getInstance("prod").params.D;
const UPDATES = 500;

const randomLeaf = (): bigint => BigInt(`0x${randomBytes(32).toString("hex")}`) % FIELD;

export const treeSection: Section = {
  id: "tree",
  title: "Venue account tree",
  async run(ctx) {
    const rows: (string | number)[][] = [];
    for (const n of [100_000, 1_000_000]) {
      const leaves = Array.from({ length: n }, randomLeaf);
      ctx.log(`tree: building ${thousands(n)} leaves at depth ${DEPTH}`);
      const heapBefore = process.memoryUsage().heapUsed;
      const built = await time(() => new VenueTree(DEPTH, leaves));
      const tree = built.value;
      const heap = process.memoryUsage().heapUsed - heapBefore;
      const idx = Array.from({ length: UPDATES }, () => Math.floor(Math.random() * n));
      const upd = await time(() => {
        for (const i of idx) tree.update(i, randomLeaf());
      });
      const paths = await time(() => {
        for (const i of idx) tree.path(i);
      });
      // the same updates on the underlying @zk-kit/imt tree, without VenueTree's bounds check (see the note)
      const imt = (tree as unknown as { imt: { update(i: number, leaf: bigint): void } }).imt;
      const raw = await time(() => {
        for (const i of idx) imt.update(i, randomLeaf());
      });
      rows.push([
        thousands(n),
        DEPTH,
        sec(built.ms),
        ms((built.ms * 1000) / n),
        ms(upd.ms / UPDATES),
        ms(raw.ms / UPDATES),
        ms(paths.ms / UPDATES),
        Math.max(0, heap / 1024 / 1024).toFixed(0),
        loadavg()[0].toFixed(1),
      ]);
      ctx.log(`tree: ${thousands(n)} built in ${sec(built.ms)} s, update ${ms(upd.ms / UPDATES)} ms`);
    }
    return [
      mdTable(
        ["accounts", "depth", "build (s)", "build per account (µs)", `VenueTree.update (ms, mean of ${UPDATES})`, "IMT.update alone (ms)", "VenueTree.path (ms)", "heap growth (MiB, approx.)", "load avg (1 min)"],
        rows,
      ),
      "",
      `Build = \`new VenueTree(${DEPTH}, leaves)\` (one pass over the leaves, then each level hashed once); update = \`tree.update(i, leaf)\` at random indices (${DEPTH} Poseidon(4) hashes); path = \`tree.path(i)\`. Poseidon from poseidon-lite (pure JS, one core). The venue kit's tree (native Poseidon on both cores, persistent) is in the "Venue kit" section. The load average shows how busy the 2-core machine was during the run.`,
      "",
      "`VenueTree` keeps its own leaf count: @zk-kit/imt's `leaves` getter copies the whole leaf array (O(n) per call), which made update and path cost 36 ms and 31 ms at 10^6 accounts before the fix (4c679f1).",
    ].join("\n");
  },
};
