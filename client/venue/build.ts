/**
 * The epoch build: recompute only the changed leaves, rehash only the tree nodes above them, record the epoch —
 * all in ONE store transaction, so a crash at any point leaves no trace of the half-built epoch.
 *
 * Tree (docs/DESIGN.md §4): arity 4, depth D, node = Poseidon(c0, c1, c2, c3), empty leaf 0, empty subtree of
 * height h = z_h. Leaves are level 0, the root is level D index 0. The store keeps the tree as node groups: one row
 * per (level, parent, epoch) holding a parent's four children (client/venue/store.ts), which is exactly the input
 * row of the parent's hash — so a level is hashed from the groups it writes, and a path is one row per level.
 *
 * A level is one batch, in chunks, pipelined: while the native hasher works on chunk k on its own threads
 * (`BatchHasher.start`), this thread writes chunk k − 1's groups to SQLite and assembles chunk k + 1 (dirty
 * children from this build, clean ones from the parent's previous group, never-written ones z_level). The
 * holdings bookkeeping (one INSERT … SELECT of the changed staged rows, clearing the staged rows, marking new
 * accounts built) runs in SQLite while the first leaf chunk hashes.
 *
 * Changed leaves of epoch e: accounts opened since the last build (their holdings, or none) and accounts whose
 * staged holdings differ from their current ones (compared as holding words, which are injective). Accounts are
 * opened with dense leaf indices in order and every epoch records the account count, so the accounts opened since
 * the last build are exactly the leaf indices from that count on.
 */
import { ZkMarginInputError } from "../../prover/errors.ts";
import { type BatchHasher, ELEMENT_BYTES, elementsToBytes, type PendingBatch } from "../../prover/poseidon/batch.ts";
import { venueHasher } from "./hasher.ts";
import { checkNextEpoch, holdingsJson } from "./importer.ts";
import { holdingWordCount, holdingWords } from "../../prover/commitments.ts";
import { GROUP_BYTES, type EpochRow, type VenueStore } from "./store.ts";

export type BuildStage = "scan" | "leaves" | "tree" | "commit";

export interface BuildProgress {
  stage: BuildStage;
  done: number;
  total: number;
}

export interface BuildOptions {
  hasher?: BatchHasher;
  onProgress?: (p: BuildProgress) => void;
  /** rows per hashing batch (progress granularity, and the pipeline's step) */
  chunk?: number;
}

export interface BuildResult extends EpochRow {
  /** leaves rehashed */
  leaves: number;
  /** inner nodes rehashed */
  nodes: number;
  /** wall time per stage, ms (commit includes SQLite's COMMIT) */
  timings: Record<BuildStage, number>;
  /** CPU time per stage, ms: user + system of the whole process, so the hasher's threads are counted */
  cpu: Record<BuildStage, number>;
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

/**
 * Hash `chunks` batches of `n`-input rows with the hashing of batch k overlapping this thread's work on the
 * others: `prepare(k)` assembles batch k's rows (called in order, while batch k − 1 hashes), `consume(k, rows,
 * hashes)` takes its results (while batch k + 1 hashes). `first` runs once, while batch 0 hashes.
 */
function pipelined(
  hasher: BatchHasher,
  n: number,
  chunks: number,
  prepare: (k: number) => Uint8Array,
  consume: (k: number, rows: Uint8Array, hashes: Uint8Array) => void,
  first: () => void = () => undefined,
): void {
  if (chunks === 0) return first();
  let rows = prepare(0);
  let pending: PendingBatch = hasher.start(n, rows);
  first();
  for (let k = 0; k < chunks; k++) {
    const nextRows = k + 1 < chunks ? prepare(k + 1) : undefined;
    const hashes = pending.wait();
    const doneRows = rows;
    if (nextRows !== undefined) {
      rows = nextRows;
      pending = hasher.start(n, rows);
    }
    consume(k, doneRows, hashes);
  }
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
  const cpu: Record<BuildStage, number> = { scan: 0, leaves: 0, tree: 0, commit: 0 };
  let t = performance.now();
  let c = process.cpuUsage();
  const lap = (s: BuildStage) => {
    const now = performance.now();
    const d = process.cpuUsage(c);
    timings[s] += now - t;
    cpu[s] += (d.user + d.system) / 1000;
    t = now;
    c = process.cpuUsage();
  };

  const result = store.transaction(() => {
    // 1. scan: which leaves change
    progress({ stage: "scan", done: 0, total: 1 });
    const last = store.lastEpoch();
    const firstNew = last?.accounts ?? 0; // accounts opened since the last build: leaf_index ≥ firstNew
    const emptyWords = elementsToBytes(holdingWords([], { N, A }));
    const emptyJson = holdingsJson([]);
    const changes: { leafIndex: number; owner: Uint8Array; words: Uint8Array }[] = [];
    /** new accounts with nothing staged: they get an empty holdings row */
    const emptyNew: number[] = [];
    const staged = store
      .stmt(
        `SELECT s.leaf_index AS leaf_index, s.words AS words, a.owner AS owner,
                (SELECT h.words FROM holdings h WHERE h.leaf_index = s.leaf_index AND h.epoch < ?1 ORDER BY h.epoch DESC LIMIT 1) AS prev
         FROM staged s JOIN accounts a ON a.leaf_index = s.leaf_index
         WHERE s.epoch = ?1 ORDER BY s.leaf_index`,
      )
      .iterate(epoch) as Iterable<{ leaf_index: number; words: Uint8Array; owner: Uint8Array; prev: Uint8Array | null }>;
    const opened = store
      .stmt(
        `SELECT a.leaf_index AS leaf_index, a.owner AS owner FROM accounts a
         WHERE a.leaf_index >= ? AND NOT EXISTS (SELECT 1 FROM staged s WHERE s.epoch = ? AND s.leaf_index = a.leaf_index)
         ORDER BY a.leaf_index`,
      )
      .all(firstNew, epoch) as { leaf_index: number; owner: Uint8Array }[];
    let o = 0; // merge the two sorted lists
    const takeOpened = (upTo: number) => {
      for (; o < opened.length && Number(opened[o].leaf_index) < upTo; o++) {
        const leafIndex = Number(opened[o].leaf_index);
        changes.push({ leafIndex, owner: opened[o].owner, words: emptyWords });
        emptyNew.push(leafIndex);
      }
    };
    for (const r of staged) {
      const leafIndex = Number(r.leaf_index);
      takeOpened(leafIndex);
      // a new account has no holdings row yet (prev null): it always changes
      if (r.prev !== null && bytesEqual(r.words, r.prev)) continue;
      changes.push({ leafIndex, owner: r.owner, words: r.words });
    }
    takeOpened(Infinity);
    lap("scan");

    // 2. leaves, with the holdings bookkeeping in SQLite while the first chunk hashes
    const venueEl = elementsToBytes([venueId]);
    const leafLevel: Level = { idx: changes.map((c) => c.leafIndex), values: new Uint8Array(changes.length * ELEMENT_BYTES) };
    const chunks = Math.ceil(changes.length / chunk);
    pipelined(
      hasher,
      width,
      chunks,
      (k) => {
        const from = k * chunk;
        const part = changes.slice(from, from + chunk);
        const inputs = new Uint8Array(part.length * width * ELEMENT_BYTES);
        part.forEach((c, j) => {
          const at = j * width * ELEMENT_BYTES;
          inputs.set(c.owner, at);
          inputs.set(venueEl, at + ELEMENT_BYTES);
          inputs.set(c.words, at + 2 * ELEMENT_BYTES);
        });
        return inputs;
      },
      (k, _rows, leaves) => {
        leafLevel.values.set(leaves, k * chunk * ELEMENT_BYTES);
        progress({ stage: "leaves", done: Math.min(changes.length, (k + 1) * chunk), total: changes.length });
      },
      () => {
        // the staged holdings that change become the epoch's holdings rows (unchanged ones are dropped with the rest)
        store
          .stmt(
            `INSERT INTO holdings (leaf_index, epoch, holdings, words)
             SELECT s.leaf_index, s.epoch, s.holdings, s.words FROM staged s
             WHERE s.epoch = ?1 AND s.words IS NOT (SELECT h.words FROM holdings h WHERE h.leaf_index = s.leaf_index AND h.epoch < ?1 ORDER BY h.epoch DESC LIMIT 1)`,
          )
          .run(epoch);
        const insHoldings = store.stmt("INSERT INTO holdings (leaf_index, epoch, holdings, words) VALUES (?, ?, ?, ?)");
        for (const leafIndex of emptyNew) insHoldings.run(leafIndex, epoch, emptyJson, emptyWords);
        store.stmt("DELETE FROM staged WHERE epoch = ?").run(epoch);
        store.stmt("UPDATE accounts SET built_epoch = ? WHERE leaf_index >= ?").run(epoch, firstNew);
      },
    );
    lap("leaves");

    // 3. tree, level by level: hash each dirty parent's group, write the group
    const zeros = zeroSubtrees(D, hasher);
    const insGroup = store.stmt("INSERT INTO node_groups (level, idx, epoch, children) VALUES (?, ?, ?, ?)");
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
      const cur = level;
      pipelined(
        hasher,
        4,
        Math.ceil(parents.length / chunk),
        (k) => {
          const part = parents.slice(k * chunk, (k + 1) * chunk);
          const groups = new Uint8Array(part.length * GROUP_BYTES);
          part.forEach((p, j) => {
            let old: Uint8Array | undefined | null = null; // the parent's previous group, read only if a child is clean
            for (let c = 0; c < 4; c++) {
              const child = 4 * p + c;
              const at = j * GROUP_BYTES + c * ELEMENT_BYTES;
              if (cursor < cur.idx.length && cur.idx[cursor] === child) {
                groups.set(cur.values.subarray(cursor * ELEMENT_BYTES, (cursor + 1) * ELEMENT_BYTES), at);
                cursor++;
              } else {
                if (old === null) old = store.group(l, p);
                groups.set(old ? old.subarray(c * ELEMENT_BYTES, (c + 1) * ELEMENT_BYTES) : zeros[l], at);
              }
            }
          });
          return groups;
        },
        (k, groups, out) => {
          next.values.set(out, k * chunk * ELEMENT_BYTES);
          const from = k * chunk;
          const count = out.length / ELEMENT_BYTES;
          for (let j = 0; j < count; j++) insGroup.run(l, parents[from + j], epoch, groups.subarray(j * GROUP_BYTES, (j + 1) * GROUP_BYTES));
          nodes += count;
          progress({ stage: "tree", done: nodes, total: totalNodes });
        },
      );
      level = next;
    }
    lap("tree");

    // 4. record the epoch
    progress({ stage: "commit", done: 0, total: 1 });
    // the root: the last level's one node if anything changed, else the previous epoch's (or the empty tree's)
    const root = changes.length > 0 ? level.values.slice(0, ELEMENT_BYTES) : (last?.root ?? zeros[D]);
    const accounts = store.accountCount();
    store.stmt("INSERT INTO epochs (epoch, root, accounts, changed, status, built_at) VALUES (?, ?, ?, ?, 'built', ?)").run(epoch, root, accounts, changes.length, Date.now());
    pauseForCrashTest();
    return { ...store.epoch(epoch)!, leaves: changes.length, nodes };
  });
  lap("commit");
  return { ...result, timings, cpu };
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
