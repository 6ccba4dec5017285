/**
 * The venue's persistent store: one SQLite file (Node's built-in `node:sqlite`, docs/DESIGN.md §6 says why) holding
 * the venue's parameters, its accounts (owner, salt, leaf index, the key that signs statement requests), versioned
 * holdings, the account tree's nodes versioned by epoch (a path at any built epoch is a read, never a rebuild),
 * holdings imported for the next epoch (staged), and the epochs built and posted with their transactions.
 *
 * The tree is kept as node groups: one row per (level, parent index, epoch) holding the parent's four children at
 * that level (128 bytes: the parent's hash input). A build writes a quarter as many rows as one row per node would,
 * and a path is D rows (each gives the three siblings; level 0's also the leaf). The root is in `epochs`.
 *
 * Versioning: a holdings row or a node group is written only in the epoch it changes; its value at epoch e is the
 * row with the largest epoch ≤ e (a group never written holds four empty subtrees z_level). An epoch build is one SQLite
 * transaction (client/venue/build.ts), so a crash mid-build leaves the store exactly as before it (SQLite rolls
 * the open transaction back on the next open) and a half-built epoch is never visible, posted or served.
 *
 * Field elements are stored as 32-byte little-endian BLOBs (the batch hasher's encoding), so a build copies them
 * into hashing buffers without conversion.
 */
import { existsSync } from "node:fs";
import type { DatabaseSync as DatabaseSyncT, StatementSync } from "node:sqlite";
import { ZkMarginInputError } from "../../prover/errors.ts";
import { readElement } from "../../prover/poseidon/batch.ts";
import { DatabaseSync } from "../sqlite.ts";
type DatabaseSync = DatabaseSyncT;

/** Schema version of the store file; `open` refuses any other. */
export const STORE_VERSION = 2;

/** Bytes of a node group: four 32-byte children. */
export const GROUP_BYTES = 4 * 32;

export interface VenueMeta {
  venueId: bigint;
  /** holding slots per account */
  N: number;
  /** assets */
  A: number;
  /** tree depth (arity 4: capacity 4^D accounts) */
  D: number;
  /** circuit instance the dims come from ("prod", "test", or "custom") */
  instance: string;
}

export interface AccountRow {
  /** the venue's own account id */
  id: string;
  leafIndex: number;
  owner: Uint8Array;
  salt: Uint8Array;
  /** lower-case 0x address whose signature authorises statement requests */
  signer: string;
  /** first epoch whose tree contains the account, null until built */
  builtEpoch: number | null;
}

export type EpochStatus = "built" | "posting" | "posted";

export interface EpochRow {
  epoch: number;
  root: Uint8Array;
  accounts: number;
  changed: number;
  status: EpochStatus;
  builtAt: number;
  txHash: string | null;
  chainId: string | null;
  registry: string | null;
  block: number | null;
  postedAt: number | null;
}

const SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE accounts (
  id TEXT PRIMARY KEY, leaf_index INTEGER NOT NULL UNIQUE, owner BLOB NOT NULL, salt BLOB NOT NULL,
  signer TEXT NOT NULL, built_epoch INTEGER
) STRICT;
CREATE TABLE holdings (
  leaf_index INTEGER NOT NULL, epoch INTEGER NOT NULL, holdings TEXT NOT NULL, words BLOB NOT NULL,
  PRIMARY KEY (leaf_index, epoch)
) STRICT, WITHOUT ROWID;
CREATE TABLE staged (
  epoch INTEGER NOT NULL, leaf_index INTEGER NOT NULL, holdings TEXT NOT NULL, words BLOB NOT NULL, source TEXT NOT NULL,
  PRIMARY KEY (epoch, leaf_index)
) STRICT, WITHOUT ROWID;
CREATE TABLE node_groups (
  level INTEGER NOT NULL, idx INTEGER NOT NULL, epoch INTEGER NOT NULL, children BLOB NOT NULL CHECK (length(children) = 128),
  PRIMARY KEY (level, idx, epoch)
) STRICT, WITHOUT ROWID;
CREATE TABLE epochs (
  epoch INTEGER PRIMARY KEY, root BLOB NOT NULL, accounts INTEGER NOT NULL, changed INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('built', 'posting', 'posted')), built_at INTEGER NOT NULL,
  tx_hash TEXT, chain_id TEXT, registry TEXT, block INTEGER, posted_at INTEGER
) STRICT;
`;

function toEpochRow(r: Record<string, unknown>): EpochRow {
  return {
    epoch: Number(r.epoch),
    root: r.root as Uint8Array,
    accounts: Number(r.accounts),
    changed: Number(r.changed),
    status: r.status as EpochStatus,
    builtAt: Number(r.built_at),
    txHash: (r.tx_hash as string | null) ?? null,
    chainId: (r.chain_id as string | null) ?? null,
    registry: (r.registry as string | null) ?? null,
    block: r.block === null || r.block === undefined ? null : Number(r.block),
    postedAt: r.posted_at === null || r.posted_at === undefined ? null : Number(r.posted_at),
  };
}

function toAccountRow(r: Record<string, unknown>): AccountRow {
  return {
    id: r.id as string,
    leafIndex: Number(r.leaf_index),
    owner: r.owner as Uint8Array,
    salt: r.salt as Uint8Array,
    signer: r.signer as string,
    builtEpoch: r.built_epoch === null ? null : Number(r.built_epoch),
  };
}

export class VenueStore {
  readonly meta: VenueMeta;
  private readonly stmts = new Map<string, StatementSync>();

  private constructor(
    readonly db: DatabaseSync,
    readonly path: string,
  ) {
    const rows = db.prepare("SELECT key, value FROM meta").all() as { key: string; value: string }[];
    const m = new Map(rows.map((r) => [r.key, r.value]));
    if (Number(m.get("version")) !== STORE_VERSION) {
      throw new ZkMarginInputError("store", `${path}: store version ${m.get("version") ?? "(none)"}, this kit reads version ${STORE_VERSION}`);
    }
    this.meta = { venueId: BigInt(m.get("venueId")!), N: Number(m.get("N")), A: Number(m.get("A")), D: Number(m.get("D")), instance: m.get("instance")! };
  }

  /** Create a new store file (refuses an existing one). */
  static create(path: string, meta: VenueMeta): VenueStore {
    if (existsSync(path)) throw new ZkMarginInputError("db", `${path} already exists (a store is created once; use it or choose another path)`);
    const db = new DatabaseSync(path);
    VenueStore.pragmas(db);
    db.exec("BEGIN");
    db.exec(SCHEMA);
    const put = db.prepare("INSERT INTO meta (key, value) VALUES (?, ?)");
    const entries: [string, string][] = [
      ["version", String(STORE_VERSION)],
      ["venueId", meta.venueId.toString()],
      ["N", String(meta.N)],
      ["A", String(meta.A)],
      ["D", String(meta.D)],
      ["instance", meta.instance],
    ];
    for (const [k, v] of entries) put.run(k, v);
    db.exec("COMMIT");
    return new VenueStore(db, path);
  }

  /** Open an existing store. An epoch build that a crash interrupted is rolled back by SQLite here. */
  static open(path: string): VenueStore {
    if (!existsSync(path)) throw new ZkMarginInputError("db", `${path} does not exist (create it with \`zkmargin venue init\`)`);
    let db: DatabaseSync;
    try {
      db = new DatabaseSync(path);
      VenueStore.pragmas(db);
      db.prepare("SELECT 1 FROM meta LIMIT 1").get();
    } catch (e) {
      throw new ZkMarginInputError("db", `${path} is not a venue store (${(e as Error).message})`);
    }
    return new VenueStore(db, path);
  }

  private static pragmas(db: DatabaseSync): void {
    // WAL: the statement service reads the last committed state while a build writes; synchronous=NORMAL in WAL is
    // durable against process crashes (a power loss may lose the last commits, never corrupt the file).
    db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 10000; PRAGMA cache_size = -262144;");
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  /** A cached prepared statement. */
  stmt(sql: string): StatementSync {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  /** Run fn in one write transaction (BEGIN IMMEDIATE … COMMIT, ROLLBACK on any throw). */
  transaction<T>(fn: () => T): T {
    this.db.exec("BEGIN IMMEDIATE");
    try {
      const out = fn();
      this.db.exec("COMMIT");
      return out;
    } catch (e) {
      if (this.db.isTransaction) this.db.exec("ROLLBACK");
      throw e;
    }
  }

  /** Tree capacity 4^D. */
  get capacity(): number {
    return 4 ** this.meta.D;
  }

  accountCount(): number {
    return Number((this.stmt("SELECT COUNT(*) AS n FROM accounts").get() as { n: number }).n);
  }

  accountById(id: string): AccountRow | undefined {
    const r = this.stmt("SELECT * FROM accounts WHERE id = ?").get(id) as Record<string, unknown> | undefined;
    return r ? toAccountRow(r) : undefined;
  }

  accountByIndex(leafIndex: number): AccountRow | undefined {
    const r = this.stmt("SELECT * FROM accounts WHERE leaf_index = ?").get(leafIndex) as Record<string, unknown> | undefined;
    return r ? toAccountRow(r) : undefined;
  }

  /** Map of every account id to its leaf index (imports resolve ids through it). */
  accountIndex(): Map<string, number> {
    const out = new Map<string, number>();
    for (const r of this.stmt("SELECT id, leaf_index FROM accounts").iterate() as Iterable<{ id: string; leaf_index: number }>) out.set(r.id, Number(r.leaf_index));
    return out;
  }

  epoch(epoch: number): EpochRow | undefined {
    const r = this.stmt("SELECT * FROM epochs WHERE epoch = ?").get(epoch) as Record<string, unknown> | undefined;
    return r ? toEpochRow(r) : undefined;
  }

  epochs(): EpochRow[] {
    return (this.stmt("SELECT * FROM epochs ORDER BY epoch").all() as Record<string, unknown>[]).map(toEpochRow);
  }

  lastEpoch(): EpochRow | undefined {
    const r = this.stmt("SELECT * FROM epochs ORDER BY epoch DESC LIMIT 1").get() as Record<string, unknown> | undefined;
    return r ? toEpochRow(r) : undefined;
  }

  /**
   * The four children (level `level`, indices 4·parent … 4·parent + 3) of node `parent` at level + 1, as of `epoch`
   * (default: latest), GROUP_BYTES long; undefined if never written (four empty subtrees z_level).
   */
  group(level: number, parent: number, epoch = Number.MAX_SAFE_INTEGER): Uint8Array | undefined {
    const r = this.stmt("SELECT children FROM node_groups WHERE level = ? AND idx = ? AND epoch <= ? ORDER BY epoch DESC LIMIT 1").get(level, parent, epoch) as
      | { children: Uint8Array }
      | undefined;
    return r?.children;
  }

  /** The tree node (level 0 = leaves, below D) as of `epoch` (default: latest), undefined if never written (empty subtree). */
  node(level: number, idx: number, epoch = Number.MAX_SAFE_INTEGER): Uint8Array | undefined {
    const g = this.group(level, Math.floor(idx / 4), epoch);
    const at = (idx % 4) * 32;
    return g?.subarray(at, at + 32);
  }

  /** An account's holdings (canonical JSON) and words as of `epoch`. */
  holdingsAt(leafIndex: number, epoch = Number.MAX_SAFE_INTEGER): { holdings: string; words: Uint8Array; epoch: number } | undefined {
    const r = this.stmt("SELECT holdings, words, epoch FROM holdings WHERE leaf_index = ? AND epoch <= ? ORDER BY epoch DESC LIMIT 1").get(leafIndex, epoch) as
      | { holdings: string; words: Uint8Array; epoch: number }
      | undefined;
    return r ? { ...r, epoch: Number(r.epoch) } : undefined;
  }

  /** Number of staged (imported, not yet built) holdings rows for `epoch`. */
  stagedCount(epoch: number): number {
    return Number((this.stmt("SELECT COUNT(*) AS n FROM staged WHERE epoch = ?").get(epoch) as { n: number }).n);
  }

  /** Epochs that have staged rows. */
  stagedEpochs(): { epoch: number; rows: number }[] {
    return (this.stmt("SELECT epoch, COUNT(*) AS n FROM staged GROUP BY epoch ORDER BY epoch").all() as { epoch: number; n: number }[]).map((r) => ({
      epoch: Number(r.epoch),
      rows: Number(r.n),
    }));
  }
}

/** A 32-byte LE element BLOB as a bigint. */
export function blobToBigint(b: Uint8Array): bigint {
  return readElement(b, 0);
}
