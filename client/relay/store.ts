/**
 * The relayer's queue: one SQLite file (Node's built-in `node:sqlite`, as the venue kit's store; docs/DESIGN.md §5.12
 * says why) holding every accepted request and every batch transaction, so that a restart loses nothing:
 *
 *   requests  one row per accepted request: the request file as received, its status (queued → submitted →
 *             attested | skipped | failed, or back to queued once after a failed batch), its batch and position
 *   batches   one row per attestBatch transaction: the SIGNED raw transaction and its hash, written BEFORE the
 *             transaction is broadcast, then its outcome (mined, reverted, dropped), block and gas (a dropped
 *             transaction re-signed unchanged has the same hash: hashes are not unique across dropped rows)
 *
 * A request is written (and fsync'd: `synchronous = FULL`) before the service answers 202, and a batch and its
 * requests' move to `submitted` are one SQLite transaction. On restart the service reconciles every batch still `sent`
 * from the chain by its hash (client/relay/batcher.ts).
 */
import { existsSync } from "node:fs";
import type { DatabaseSync as DatabaseSyncT } from "node:sqlite";
import { ZkMarginInputError } from "../../prover/errors.ts";
import { DatabaseSync } from "../sqlite.ts";

/** Schema version of the queue file; `open` refuses any other. */
export const RELAY_STORE_VERSION = 1;

export type RequestStatus = "queued" | "submitted" | "attested" | "skipped" | "failed";
export type BatchStatus = "sent" | "mined" | "reverted" | "dropped";

export interface RequestRow {
  id: string;
  /** keccak256 of the signature and the proof's points: equal digests are the same request */
  digest: string;
  subject: string;
  epoch: string;
  /** the request file (zkmargin-attest-request/1) as accepted, JSON */
  body: string;
  status: RequestStatus;
  /** batches this request was in that failed */
  attempts: number;
  acceptedAt: number;
  batchId: number | null;
  position: number | null;
  txHash: string | null;
  reason: string | null;
}

export interface BatchRow {
  id: number;
  txHash: string;
  rawTx: string;
  size: number;
  status: BatchStatus;
  sentAt: number;
  block: number | null;
  gasUsed: string | null;
}

const SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE batches (
  id INTEGER PRIMARY KEY, tx_hash TEXT NOT NULL, raw_tx TEXT NOT NULL, size INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('sent', 'mined', 'reverted', 'dropped')), sent_at INTEGER NOT NULL,
  block INTEGER, gas_used TEXT
) STRICT;
CREATE TABLE requests (
  id TEXT PRIMARY KEY, digest TEXT NOT NULL, subject TEXT NOT NULL, epoch TEXT NOT NULL, body TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued', 'submitted', 'attested', 'skipped', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0, accepted_at INTEGER NOT NULL, batch_id INTEGER REFERENCES batches (id),
  position INTEGER, tx_hash TEXT, reason TEXT
) STRICT;
CREATE INDEX batches_status ON batches (status);
CREATE INDEX requests_queue ON requests (status, accepted_at);
CREATE INDEX requests_digest ON requests (digest);
CREATE INDEX requests_batch ON requests (batch_id, position);
`;

const toRequest = (r: Record<string, unknown>): RequestRow => ({
  id: r.id as string,
  digest: r.digest as string,
  subject: r.subject as string,
  epoch: r.epoch as string,
  body: r.body as string,
  status: r.status as RequestStatus,
  attempts: Number(r.attempts),
  acceptedAt: Number(r.accepted_at),
  batchId: r.batch_id === null ? null : Number(r.batch_id),
  position: r.position === null ? null : Number(r.position),
  txHash: (r.tx_hash as string | null) ?? null,
  reason: (r.reason as string | null) ?? null,
});

const toBatch = (r: Record<string, unknown>): BatchRow => ({
  id: Number(r.id),
  txHash: r.tx_hash as string,
  rawTx: r.raw_tx as string,
  size: Number(r.size),
  status: r.status as BatchStatus,
  sentAt: Number(r.sent_at),
  block: r.block === null ? null : Number(r.block),
  gasUsed: (r.gas_used as string | null) ?? null,
});

export class RelayStore {
  private constructor(
    private readonly db: DatabaseSyncT,
    readonly path: string,
  ) {}

  /**
   * Open the queue at `path`, creating it for (chainId, attestor) if it does not exist; a file made for another
   * deployment, or not a queue, is refused with one error naming --db.
   */
  static open(path: string, deployment: { chainId: bigint; attestor: string }): RelayStore {
    const fresh = !existsSync(path);
    let db: DatabaseSyncT;
    try {
      db = new DatabaseSync(path);
      // WAL + FULL: a request answered 202 is on disk, even across a power loss
      db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;");
      if (fresh) {
        db.exec("BEGIN");
        db.exec(SCHEMA);
        const put = db.prepare("INSERT INTO meta (key, value) VALUES (?, ?)");
        put.run("version", String(RELAY_STORE_VERSION));
        put.run("chainId", deployment.chainId.toString());
        put.run("attestor", deployment.attestor.toLowerCase());
        db.exec("COMMIT");
      }
    } catch (e) {
      throw new ZkMarginInputError("db", `${path} is not a relay queue (${(e as Error).message})`);
    }
    let meta: Map<string, string>;
    try {
      meta = new Map((db.prepare("SELECT key, value FROM meta").all() as { key: string; value: string }[]).map((r) => [r.key, r.value]));
    } catch (e) {
      db.close();
      throw new ZkMarginInputError("db", `${path} is not a relay queue (${(e as Error).message})`);
    }
    const fail = (problem: string): never => {
      db.close();
      throw new ZkMarginInputError("db", `${path}: ${problem}`);
    };
    if (Number(meta.get("version")) !== RELAY_STORE_VERSION) fail(`queue version ${meta.get("version") ?? "(none)"}, this relayer reads version ${RELAY_STORE_VERSION}`);
    if (meta.get("chainId") !== deployment.chainId.toString() || meta.get("attestor") !== deployment.attestor.toLowerCase()) {
      fail(`the queue belongs to MarginAttestor ${meta.get("attestor")} on chain ${meta.get("chainId")}, not ${deployment.attestor} on chain ${deployment.chainId}: use another --db`);
    }
    return new RelayStore(db, path);
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  /** Insert an accepted request (status queued). */
  insert(r: { id: string; digest: string; subject: string; epoch: string; body: string }): void {
    this.db
      .prepare("INSERT INTO requests (id, digest, subject, epoch, body, status, attempts, accepted_at) VALUES (?, ?, ?, ?, ?, 'queued', 0, ?)")
      .run(r.id, r.digest, r.subject, r.epoch, r.body, Date.now());
  }

  get(id: string): RequestRow | undefined {
    const r = this.db.prepare("SELECT * FROM requests WHERE id = ?").get(id) as Record<string, unknown> | undefined;
    return r && toRequest(r);
  }

  /** A queued or submitted request with this digest (a duplicate of it is refused). */
  active(digest: string): RequestRow | undefined {
    const r = this.db.prepare("SELECT * FROM requests WHERE digest = ? AND status IN ('queued', 'submitted') LIMIT 1").get(digest) as Record<string, unknown> | undefined;
    return r && toRequest(r);
  }

  /** The oldest `limit` queued requests, oldest first. */
  queued(limit = -1): RequestRow[] {
    return (this.db.prepare("SELECT * FROM requests WHERE status = 'queued' ORDER BY accepted_at, rowid LIMIT ?").all(limit) as Record<string, unknown>[]).map(toRequest);
  }

  queueLength(): number {
    return Number((this.db.prepare("SELECT count(*) AS n FROM requests WHERE status = 'queued'").get() as { n: number }).n);
  }

  /** When the oldest queued request was accepted (ms), or undefined. */
  oldestQueuedAt(): number | undefined {
    const r = this.db.prepare("SELECT min(accepted_at) AS t FROM requests WHERE status = 'queued'").get() as { t: number | null };
    return r.t === null ? undefined : Number(r.t);
  }

  /** Mark a request failed (a re-check refused it, or its second batch failed). */
  fail(id: string, reason: string): void {
    this.db.prepare("UPDATE requests SET status = 'failed', reason = ? WHERE id = ?").run(reason, id);
  }

  /** Record a signed batch transaction and move its requests to submitted, in one transaction, before broadcasting. */
  recordBatch(txHash: string, rawTx: string, ids: readonly string[]): number {
    this.db.exec("BEGIN IMMEDIATE");
    try {
      const r = this.db.prepare("INSERT INTO batches (tx_hash, raw_tx, size, status, sent_at) VALUES (?, ?, ?, 'sent', ?)").run(txHash, rawTx, ids.length, Date.now());
      const batchId = Number(r.lastInsertRowid);
      const upd = this.db.prepare("UPDATE requests SET status = 'submitted', batch_id = ?, position = ?, tx_hash = ?, reason = NULL WHERE id = ? AND status = 'queued'");
      ids.forEach((id, i) => {
        if (Number(upd.run(batchId, i, txHash, id).changes) !== 1) throw new Error(`request ${id} is not queued`);
      });
      this.db.exec("COMMIT");
      return batchId;
    } catch (e) {
      this.db.exec("ROLLBACK");
      throw e;
    }
  }

  batch(id: number): BatchRow | undefined {
    const r = this.db.prepare("SELECT * FROM batches WHERE id = ?").get(id) as Record<string, unknown> | undefined;
    return r && toBatch(r);
  }

  /** Batches whose outcome is not known yet (broadcast, or about to be, when the process stopped). */
  unsettledBatches(): BatchRow[] {
    return (this.db.prepare("SELECT * FROM batches WHERE status = 'sent' ORDER BY id").all() as Record<string, unknown>[]).map(toBatch);
  }

  /** A batch's requests in batch order. */
  batchRequests(batchId: number): RequestRow[] {
    return (this.db.prepare("SELECT * FROM requests WHERE batch_id = ? ORDER BY position").all(batchId) as Record<string, unknown>[]).map(toRequest);
  }

  /** A mined batch: `skipped` maps a position to its reason; every other request of the batch is attested. */
  settleMined(batchId: number, block: number, gasUsed: bigint, skipped: ReadonlyMap<number, string>): void {
    this.db.exec("BEGIN IMMEDIATE");
    try {
      this.db.prepare("UPDATE batches SET status = 'mined', block = ?, gas_used = ? WHERE id = ?").run(block, gasUsed.toString(), batchId);
      const upd = this.db.prepare("UPDATE requests SET status = ?, reason = ? WHERE batch_id = ? AND position = ? AND status = 'submitted'");
      for (const r of this.batchRequests(batchId)) {
        const why = skipped.get(r.position!);
        upd.run(why === undefined ? "attested" : "skipped", why ?? null, batchId, r.position!);
      }
      this.db.exec("COMMIT");
    } catch (e) {
      this.db.exec("ROLLBACK");
      throw e;
    }
  }

  /**
   * A batch that did not land (`reverted` in a block, or `dropped`: never reached the chain), or a batch refused
   * before it was sent (batchId null, `ids` given): each request goes back to the queue once, and is failed with
   * `reason` the second time. With `counted` false (the batcher found the request that made it fail) the others go
   * back without the attempt counting against them.
   */
  settleFailed(batchId: number | null, status: "reverted" | "dropped", reason: string, ids?: readonly string[], extra?: { block?: number; gasUsed?: bigint }, counted = true): void {
    this.db.exec("BEGIN IMMEDIATE");
    try {
      const list = batchId !== null ? this.batchRequests(batchId).map((r) => r.id) : [...(ids ?? [])];
      if (batchId !== null) {
        this.db.prepare("UPDATE batches SET status = ?, block = ?, gas_used = ? WHERE id = ?").run(status, extra?.block ?? null, extra?.gasUsed?.toString() ?? null, batchId);
      }
      const inc = counted ? 1 : 0;
      const upd = this.db.prepare(
        "UPDATE requests SET attempts = attempts + ?, status = CASE WHEN attempts + ? >= 2 THEN 'failed' ELSE 'queued' END, reason = ?, batch_id = CASE WHEN attempts + ? >= 2 THEN batch_id ELSE NULL END, position = CASE WHEN attempts + ? >= 2 THEN position ELSE NULL END, tx_hash = CASE WHEN attempts + ? >= 2 THEN tx_hash ELSE NULL END WHERE id = ? AND status IN ('queued', 'submitted')",
      );
      for (const id of list) upd.run(inc, inc, reason, inc, inc, inc, id);
      this.db.exec("COMMIT");
    } catch (e) {
      this.db.exec("ROLLBACK");
      throw e;
    }
  }
}
