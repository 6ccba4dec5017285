/**
 * The epoch build: recompute only the changed leaves, rehash only the tree nodes above them, record the epoch —
 * all in ONE store transaction, so a crash at any point leaves no trace of the half-built epoch.
 *
 * Tree (docs/DESIGN.md §4): arity 4, depth D, node = Poseidon(c0, c1, c2, c3), empty leaf 0, empty subtree of
 * height h = z_h. Leaves are level 0, the root is level D index 0. A level is rehashed as one batch: the dirty
 * nodes' parents, each with its four children (dirty values from this build, clean ones read from the store,
 * never-written ones z_level), go to the batch hasher (native, every core) in chunks.
 *
 * Changed leaves of epoch e: accounts opened since the last build (their holdings, or none) and accounts whose
 * staged holdings differ from their current ones (compared as holding words, which are injective).
 */
import { ZkMarginInputError } from "../../prover/errors.ts";
import { type BatchHasher, ELEMENT_BYTES, elementsToBytes } from "../../prover/poseidon/batch.ts";
import { venueHasher } from "./hasher.ts";
import { checkNextEpoch, holdingsJson } from "./importer.ts";
import { holdingWordCount, holdingWords } from "../../prover/commitments.ts";
import type { EpochRow, VenueStore } from "./store.ts";

export type BuildStage = "scan" | "leaves" | "tree" | "commit";

export interface BuildProgress {
  stage: BuildStage;
  done: number;
  total: number;
}

export interface BuildOptions {
  hasher?: BatchHasher;
  onProgress?: (p: BuildProgress) => void;
  /** rows per hashing batch (progress granularity) */
  chunk?: number;
}

export interface BuildResult extends EpochRow {
  /** leaves rehashed */
  leaves: number;
  /** inner nodes rehashed */
  nodes: number;
  /** wall time per stage, ms */
  timings: Record<BuildStage, number>;
}

/** Empty-subtree roots z_0 … z_D as 32-byte elements. */
export function zeroSubtrees(D: number, hasher: BatchHasher): Uint8Array[] {
  const z: Uint8Array[] = [new Uint8Array(ELEMENT_BYTES)];
  for (let h = 0; h < D; h++) {
    const row = new Uint8Array(4 * ELEMENT_BYTES);
    for (let c = 0; c < 4; c++) row.set(z[h], c * ELEMENT_BYTES);
    z.push(hasher.hashBatch(4, row));
  }
  return z;
}

interface Level {
  /** sorted indices of the nodes written at this level in this build */
  idx: number[];
  /** their values, 32 bytes each, in idx order */
  values: Uint8Array;
}

/** Build epoch `epoch` from the store's accounts and the holdings staged for it. */
export function buildEpoch(store: VenueStore, epoch: number, opts: BuildOptions = {}): BuildResult {
  const hasher = opts.hasher ?? venueHasher();
  const chunk = opts.chunk ?? 32768;
  const progress = opts.onProgress ?? (() => undefined);
  const { D, N, A, venueId } = store.meta;
  const W = holdingWordCount({ N, A });
  const width = 2 + W;
  if (width > 16) throw new ZkMarginInputError("dims", `a leaf of ${width} inputs is a Poseidon(16) sponge; the venue kit hashes leaves of at most 16 inputs (2 + W, W = ${W})`);
  checkNextEpoch(store, epoch, "epoch");
  const timings: Record<BuildStage, number> = { scan: 0, leaves: 0, tree: 0, commit: 0 };
  let t = performance.now();
  const lap = (s: BuildStage) => {
    const now = performance.now();
    timings[s] += now - t;
    t = now;
  };

  return store.transaction(() => {
    // 1. scan: which leaves change
    progress({ stage: "scan", done: 0, total: 1 });
    const emptyWords = elementsToBytes(holdingWords([], { N, A }));
    const emptyJson = holdingsJson([]);
    const changes: { leafIndex: number; owner: Uint8Array; words: Uint8Array; json: string | undefined }[] = [];
    const staged = store
      .stmt(
        `SELECT a.leaf_index AS leaf_index, a.owner AS owner, a.built_epoch AS built_epoch, s.holdings AS holdings, s.words AS words,
                (SELECT h.words FROM holdings h WHERE h.leaf_index = a.leaf_index ORDER BY h.epoch DESC LIMIT 1) AS prev
         FROM accounts a LEFT JOIN staged s ON s.epoch = ? AND s.leaf_index = a.leaf_index
         WHERE s.leaf_index IS NOT NULL OR a.built_epoch IS NULL
         ORDER BY a.leaf_index`,
      )
      .iterate(epoch) as Iterable<{ leaf_index: number; owner: Uint8Array; built_epoch: number | null; holdings: string | null; words: Uint8Array | null; prev: Uint8Array | null }>;
    for (const r of staged) {
      const isNew = r.built_epoch === null;
      const words = r.words ?? (r.prev ?? emptyWords);
      const holdingsChanged = r.words !== null ? r.prev === null || !bytesEqual(r.words, r.prev) : r.prev === null;
      if (!isNew && !holdingsChanged) continue;
      changes.push({ leafIndex: Number(r.leaf_index), owner: r.owner, words, json: holdingsChanged ? (r.holdings ?? emptyJson) : undefined });
    }
    lap("scan");

    // 2. leaves
    const insNode = store.stmt("INSERT INTO nodes (level, idx, epoch, value) VALUES (?, ?, ?, ?)");
    const insHoldings = store.stmt("INSERT INTO holdings (leaf_index, epoch, holdings, words) VALUES (?, ?, ?, ?)");
    const venueEl = elementsToBytes([venueId]);
    const leafLevel: Level = { idx: changes.map((c) => c.leafIndex), values: new Uint8Array(changes.length * ELEMENT_BYTES) };
    for (let from = 0; from < changes.length; from += chunk) {
      const part = changes.slice(from, from + chunk);
      const inputs = new Uint8Array(part.length * width * ELEMENT_BYTES);
      part.forEach((c, k) => {
        const at = k * width * ELEMENT_BYTES;
        inputs.set(c.owner, at);
        inputs.set(venueEl, at + ELEMENT_BYTES);
        inputs.set(c.words, at + 2 * ELEMENT_BYTES);
      });
      const leaves = hasher.hashBatch(width, inputs);
      leafLevel.values.set(leaves, from * ELEMENT_BYTES);
      part.forEach((c, k) => {
        insNode.run(0, c.leafIndex, epoch, leaves.subarray(k * ELEMENT_BYTES, (k + 1) * ELEMENT_BYTES));
        if (c.json !== undefined) insHoldings.run(c.leafIndex, epoch, c.json, c.words);
      });
      progress({ stage: "leaves", done: from + part.length, total: changes.length });
    }
    lap("leaves");

    // 3. tree, level by level
    const zeros = zeroSubtrees(D, hasher);
    let level = leafLevel;
    let nodes = 0;
    const totalNodes = estimateNodes(changes.length, D);
    for (let l = 0; l < D && level.idx.length > 0; l++) {
      const parents: number[] = [];
      for (const i of level.idx) {
        const p = Math.floor(i / 4);
        if (parents.length === 0 || parents[parents.length - 1] !== p) parents.push(p);
      }
      const next: Level = { idx: parents, values: new Uint8Array(parents.length * ELEMENT_BYTES) };
      let cursor = 0; // into level.idx (sorted): the dirty children of each parent are consecutive
      for (let from = 0; from < parents.length; from += chunk) {
        const part = parents.slice(from, from + chunk);
        const inputs = new Uint8Array(part.length * 4 * ELEMENT_BYTES);
        part.forEach((p, k) => {
          for (let c = 0; c < 4; c++) {
            const child = 4 * p + c;
            const at = (k * 4 + c) * ELEMENT_BYTES;
            if (cursor < level.idx.length && level.idx[cursor] === child) {
              inputs.set(level.values.subarray(cursor * ELEMENT_BYTES, (cursor + 1) * ELEMENT_BYTES), at);
              cursor++;
            } else {
              inputs.set(store.node(l, child) ?? zeros[l], at);
            }
          }
        });
        const out = hasher.hashBatch(4, inputs);
        next.values.set(out, from * ELEMENT_BYTES);
        part.forEach((p, k) => insNode.run(l + 1, p, epoch, out.subarray(k * ELEMENT_BYTES, (k + 1) * ELEMENT_BYTES)));
        nodes += part.length;
        progress({ stage: "tree", done: nodes, total: totalNodes });
      }
      level = next;
    }
    lap("tree");

    // 4. record the epoch
    progress({ stage: "commit", done: 0, total: 1 });
    const root = store.node(D, 0) ?? zeros[D];
    const accounts = store.accountCount();
    store.stmt("INSERT INTO epochs (epoch, root, accounts, changed, status, built_at) VALUES (?, ?, ?, ?, 'built', ?)").run(epoch, root, accounts, changes.length, Date.now());
    store.stmt("DELETE FROM staged WHERE epoch = ?").run(epoch);
    store.stmt("UPDATE accounts SET built_epoch = ? WHERE built_epoch IS NULL").run(epoch);
    pauseForCrashTest();
    const row = store.epoch(epoch)!;
    lap("commit");
    return { ...row, leaves: changes.length, nodes, timings };
  });
}

/** Inner nodes a build of `changed` leaves rehashes at most (for progress totals). */
function estimateNodes(changed: number, D: number): number {
  let n = 0;
  for (let l = 1; l <= D; l++) n += Math.min(changed, 4 ** (D - l));
  return n;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Test hook for the crash test (test/venue/crash.test.ts): with ZKMARGIN_TEST_PAUSE_BEFORE_COMMIT=<ms>, the build
 * says so on stderr and waits that long with everything written but not committed, so the test can kill it there.
 */
function pauseForCrashTest(): void {
  const ms = Number(process.env.ZKMARGIN_TEST_PAUSE_BEFORE_COMMIT ?? 0);
  if (ms > 0) {
    process.stderr.write("build: written, pausing before commit\n");
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  }
}

/** Guard used by post-root and the service: the epoch exists and is built. */
export function requireEpoch(store: VenueStore, epoch: number, field = "epoch"): EpochRow {
  const e = store.epoch(epoch);
  if (!e) {
    const last = store.lastEpoch();
    throw new ZkMarginInputError(field, `epoch ${epoch} is not built${last ? ` (last built: ${last.epoch})` : " (no epoch is built yet)"}`);
  }
  return e;
}
