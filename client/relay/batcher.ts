/**
 * The relayer's batcher: when the queue holds `maxBatch` requests, or its oldest has waited `maxWaitMs`, it re-checks
 * each queued request against the chain now (client/relay/check.ts; one that fails is marked failed with the reason),
 * and sends ONE attestBatch with the rest.
 *
 * Crash safety: the transaction is signed locally, and its raw bytes and hash are stored with the batch (its requests
 * move to `submitted` in the same SQLite transaction) BEFORE it is broadcast. On start, every batch still `sent` is
 * reconciled from the chain by its hash: a receipt settles it; a transaction the node still holds is waited for; one
 * the node never saw is broadcast again from the stored bytes (same nonce, same hash: it cannot land twice); if the
 * node refuses it (its nonce was used meanwhile) the batch is dropped and its requests go back to the queue.
 *
 * Outcomes: a mined batch marks each request attested, or skipped with the reason of its `AttestSkipped` event
 * (entries that would not move their subject forward when the batch ran). A batch the node refuses at estimation or
 * broadcast, or that reverts in a block, has each request re-checked: those that now fail are failed with their own
 * reason, and the others go back to the queue without penalty; when no culprit is found, each goes back once and is
 * failed with the revert reason the second time.
 */
import { Transaction, type TransactionReceipt } from "ethers";
import { attestRequest, decodeChainError, marginAttestorInterface, skippedEntries } from "../attestor.ts";
import { checkRequest, parseRequest, RelayError, type RelayContext } from "./check.ts";
import type { BatchRow, RelayStore } from "./store.ts";

export interface BatcherOptions {
  /** send a batch once this many requests are queued (attestBatch's cost per proof falls with n; default 16) */
  maxBatch: number;
  /** …or once the oldest queued request has waited this long, ms */
  maxWaitMs: number;
  /** how often the queue and pending receipts are looked at, ms (default 250) */
  pollMs?: number;
  /** progress lines (default: none) */
  log?: (line: string) => void;
}

/** At the re-check a request must still be valid this many seconds ahead: its batch lands in a later block. */
export const DEADLINE_MARGIN = 30n;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A node's refusal as one line: the decoded custom error, or ethers' message with the node's own (e.g. "insufficient funds"). */
function refusal(e: unknown): string {
  const decoded = decodeChainError(e).message;
  const node = (e as { error?: { message?: unknown } }).error?.message;
  return typeof node === "string" && !decoded.includes(node) ? `${decoded} (${node})` : decoded;
}

export class Batcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;
  private readonly pollMs: number;
  private readonly log: (line: string) => void;

  constructor(
    private readonly ctx: RelayContext,
    private readonly store: RelayStore,
    private readonly opts: BatcherOptions,
  ) {
    this.pollMs = opts.pollMs ?? 250;
    this.log = opts.log ?? (() => undefined);
  }

  /** Reconcile the batches a previous run left unsettled, then look at the queue every pollMs. */
  async start(): Promise<void> {
    for (const b of this.store.unsettledBatches()) await this.reconcile(b);
    this.timer = setInterval(() => this.kick(), this.pollMs);
  }

  /** Look at the queue now (after an intake, or on the timer); one run at a time. */
  kick(): void {
    if (this.stopping || this.running) return;
    this.running = this.runOnce()
      .catch((e) => this.log(`batcher: ${(e as Error).message}`))
      .finally(() => {
        this.running = undefined;
      });
  }

  /**
   * Stop: no new batch is started; an in-flight batch is left persisted (its hash is stored: the next start reconciles
   * it) once its broadcast returned, without waiting for its receipt.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Whether the queue is due for a batch now. */
  private due(): boolean {
    const n = this.store.queueLength();
    if (n === 0) return false;
    if (n >= this.opts.maxBatch) return true;
    const oldest = this.store.oldestQueuedAt();
    return oldest !== undefined && Date.now() - oldest >= this.opts.maxWaitMs;
  }

  private async runOnce(): Promise<void> {
    while (!this.stopping && this.due()) await this.sendBatch();
  }

  /** Re-check the oldest maxBatch queued requests, send the survivors as one attestBatch, settle it. */
  private async sendBatch(): Promise<void> {
    const rows = this.store.queued(this.opts.maxBatch);
    const keep: { id: string; r: Awaited<ReturnType<typeof parseRequest>> }[] = [];
    for (const row of rows) {
      try {
        const r = await parseRequest(JSON.parse(row.body) as unknown);
        await checkRequest(this.ctx, r, false, DEADLINE_MARGIN);
        keep.push({ id: row.id, r });
      } catch (e) {
        if (!(e instanceof RelayError)) throw e;
        this.store.fail(row.id, e.message);
        this.log(`request ${row.id}: failed the re-check: ${e.message}`);
      }
    }
    if (keep.length === 0) return;
    const { chain, wallet } = this.ctx;
    const to = chain.deployment.contracts.MarginAttestor;
    const data = marginAttestorInterface.encodeFunctionData("attestBatch", [
      keep.map((k) => k.r.item.points),
      keep.map((k) => attestRequest(k.r.item, k.r.deadline)),
      keep.map((k) => k.r.signature),
    ]);
    const ids = keep.map((k) => k.id);
    let raw: string;
    try {
      // estimation runs the whole batch: a revert here sends nothing
      const gas = await wallet.estimateGas({ to, data });
      const tx = await wallet.populateTransaction({ to, data, gasLimit: gas + gas / 5n });
      raw = await wallet.signTransaction(tx);
    } catch (e) {
      await this.failBatch(null, "dropped", `attestBatch refused by the node: ${refusal(e)}`, ids);
      return;
    }
    const hash = Transaction.from(raw).hash!;
    const batchId = this.store.recordBatch(hash, raw, ids);
    this.log(`batch ${batchId}: ${ids.length} request(s), tx ${hash}`);
    try {
      await chain.provider.broadcastTransaction(raw);
    } catch (e) {
      if ((await chain.provider.getTransaction(hash).catch(() => null)) === null) {
        await this.failBatch(batchId, "dropped", `the node refused attestBatch ${hash}: ${refusal(e)}`, ids);
        return;
      }
    }
    await this.settle(this.store.batch(batchId)!);
  }

  /**
   * A batch that did not land: re-check each of its requests against the chain now. Those that fail (a subject that
   * cancelled its nonce after the re-check, a deadline that passed …) are failed with their own reason; if one is
   * found, the others go back to the queue without the attempt counting against them (one subject cannot exhaust
   * the others' attempts); if none is, each goes back once and is failed the second time.
   */
  private async failBatch(batchId: number | null, status: "reverted" | "dropped", reason: string, ids: readonly string[], extra?: { block?: number; gasUsed?: bigint }): Promise<void> {
    let culprits = 0;
    for (const id of ids) {
      const row = this.store.get(id);
      if (!row) continue;
      try {
        await checkRequest(this.ctx, await parseRequest(JSON.parse(row.body) as unknown), false);
      } catch (e) {
        if (!(e instanceof RelayError)) throw e;
        this.store.fail(id, `${e.message} (after ${reason})`);
        culprits++;
      }
    }
    this.store.settleFailed(batchId, status, reason, ids, extra, culprits === 0);
    this.log(`batch${batchId === null ? "" : ` ${batchId}`}: ${reason}; ${culprits} request(s) failed their re-check, the others are queued again`);
  }

  /** A batch found `sent` at start: settle it from its receipt, wait for it, or broadcast its stored bytes again. */
  private async reconcile(b: BatchRow): Promise<void> {
    const p = this.ctx.chain.provider;
    const receipt = await p.getTransactionReceipt(b.txHash);
    if (receipt) return this.apply(b, receipt);
    if ((await p.getTransaction(b.txHash)) === null) {
      try {
        await p.broadcastTransaction(b.rawTx);
        this.log(`batch ${b.id}: broadcast again from the queue (tx ${b.txHash})`);
      } catch (e) {
        // the stored transaction cannot land any more (its nonce was used): it never reached the chain
        const reason = `attestBatch ${b.txHash} never reached the chain and cannot be sent again: ${refusal(e)}`;
        await this.failBatch(b.id, "dropped", reason, this.store.batchRequests(b.id).map((r) => r.id));
        return;
      }
    }
    await this.settle(b);
  }

  /** Wait for a batch's receipt (until stopped: then it stays `sent`, to be reconciled by the next start). */
  private async settle(b: BatchRow): Promise<void> {
    for (;;) {
      const receipt = await this.ctx.chain.provider.getTransactionReceipt(b.txHash);
      if (receipt) return this.apply(b, receipt);
      if (this.stopping) {
        this.log(`batch ${b.id}: stopping before its receipt; tx ${b.txHash} is stored and reconciled at the next start`);
        return;
      }
      await sleep(this.pollMs);
    }
  }

  private async apply(b: BatchRow, receipt: TransactionReceipt): Promise<void> {
    if (receipt.status !== 1) {
      const reason = `attestBatch ${b.txHash} reverted in block ${receipt.blockNumber}${await this.revertReason(b)}`;
      await this.failBatch(b.id, "reverted", reason, this.store.batchRequests(b.id).map((r) => r.id), { block: receipt.blockNumber, gasUsed: receipt.gasUsed });
      return;
    }
    // the attestor's own reading of its AttestSkipped events: the entry's index and the reason's name (IMarginAttestor.SkipReason)
    const skipped = new Map<number, string>();
    for (const e of skippedEntries(receipt, this.ctx.chain.deployment.contracts.MarginAttestor)) skipped.set(e.index, `skipped by the attestor: ${e.reason}`);
    this.store.settleMined(b.id, receipt.blockNumber, receipt.gasUsed, skipped);
    this.log(`batch ${b.id}: mined in block ${receipt.blockNumber}, gas ${receipt.gasUsed} (${b.size - skipped.size} attested, ${skipped.size} skipped)`);
  }

  /** Why a mined batch reverted: the same call replayed against the chain now, decoded (best effort). */
  private async revertReason(b: BatchRow): Promise<string> {
    try {
      const tx = Transaction.from(b.rawTx);
      await this.ctx.chain.provider.call({ to: tx.to, data: tx.data, from: this.ctx.wallet.address });
      return "";
    } catch (e) {
      return `: ${decodeChainError(e).message}`;
    }
  }
}
