/**
 * Batched fixed-base multiplication on BN254: many known scalars times the G1 or G2 generator, spread over
 * worker threads (one per core), each running scripts/lib/fixedBaseWorker.ts. Used by the development ptau
 * (scripts/lib/devPtau.ts), whose every point is a known scalar times a generator.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
// @ts-ignore -- ffjavascript ships no type declarations
import { buildBn128 } from "ffjavascript";
import type { FixedBaseReply, FixedBaseRequest, Form, Group } from "./fixedBaseWorker.ts";

export type { Form, Group } from "./fixedBaseWorker.ts";
export type Points = Partial<Record<Form, Uint8Array>>;

/** Window width of the fixed-base tables: 2^c − 1 points per window, ⌈254/c⌉ mixed additions per point. */
export const DEFAULT_WINDOW_BITS = 10;

interface Job {
  resolve: (out: Points) => void;
  reject: (e: Error) => void;
}

export class FixedBasePool {
  private readonly workers: Worker[] = [];
  private readonly jobs = new Map<number, Job>();
  private nextId = 0;
  private rr = 0;

  private constructor() {}

  /** Start `threads` workers (default: one per core) and build their tables. */
  static async start(threads = availableParallelism(), windowBits = DEFAULT_WINDOW_BITS): Promise<FixedBasePool> {
    const pool = new FixedBasePool();
    // the bn128 module's bytes and generator addresses, from a single-threaded ffjavascript curve (no workers)
    const curve = (await buildBn128(true)) as { tm: { code: Uint8Array; pG1gen: number; pG2gen: number } };
    const { code, pG1gen, pG2gen } = curve.tm;
    const url = new URL("./fixedBaseWorker.ts", import.meta.url);
    await Promise.all(
      Array.from({ length: Math.max(1, threads) }, async () => {
        // the worker is TypeScript: it loads through tsx like the rest of the scripts
        const w = new Worker(url, { execArgv: ["--import", "tsx"] });
        pool.workers.push(w);
        await new Promise<void>((resolve, reject) => {
          const onMsg = (m: FixedBaseReply) => {
            if ("ready" in m) resolve();
            else if ("error" in m) reject(new Error(`fixed-base worker: ${m.error}`));
          };
          w.once("message", onMsg);
          w.once("error", reject);
          w.postMessage({ cmd: "init", windowBits, code, pG1gen, pG2gen } satisfies FixedBaseRequest);
        });
        w.on("message", (m: FixedBaseReply) => pool.settle(m));
        w.on("error", (e: Error) => pool.failAll(e));
      }),
    );
    return pool;
  }

  get threads(): number {
    return this.workers.length;
  }

  private settle(m: FixedBaseReply): void {
    const job = this.jobs.get(m.id);
    if (!job) return;
    this.jobs.delete(m.id);
    if ("error" in m) job.reject(new Error(`fixed-base worker: ${m.error}`));
    else if ("out" in m) job.resolve(m.out);
  }

  private failAll(e: Error): void {
    for (const j of this.jobs.values()) j.reject(e);
    this.jobs.clear();
  }

  private send(req: FixedBaseRequest & { id: number }, transfer: ArrayBuffer[] = []): Promise<Points> {
    const w = this.workers[this.rr++ % this.workers.length];
    return new Promise<Points>((resolve, reject) => {
      this.jobs.set(req.id, { resolve, reject });
      w.postMessage(req, transfer);
    });
  }

  /** first·inc^k·g for k = 0 … n − 1, computed by one worker (first, inc: Montgomery Fr, 32 bytes LE). */
  powers(group: Group, first: Uint8Array, inc: Uint8Array, n: number, forms: Form[]): Promise<Points> {
    return this.send({ cmd: "powers", id: this.nextId++, group, first: first.slice(), inc: inc.slice(), n, forms });
  }

  /** s_k·g for the Montgomery Fr scalars in `scalars` (32 bytes each), computed by one worker. */
  scalars(group: Group, scalars: Uint8Array, forms: Form[]): Promise<Points> {
    const copy = scalars.slice();
    return this.send({ cmd: "scalars", id: this.nextId++, group, scalars: copy, forms }, [copy.buffer as ArrayBuffer]);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}

/** Concatenate the same form of several results, in order. */
export function joinPoints(parts: Points[], form: Form): Uint8Array {
  const bufs = parts.map((p) => {
    const b = p[form];
    if (!b) throw new Error(`fixed-base result lacks form ${form}`);
    return b;
  });
  const out = new Uint8Array(bufs.reduce((a, b) => a + b.length, 0));
  let o = 0;
  for (const b of bufs) {
    out.set(b, o);
    o += b.length;
  }
  return out;
}
