/**
 * The page's handle on the proving worker: one worker, one request at a time, progress by callback.
 */
import type { FromWorker, ToWorker } from "./protocol.ts";

export interface WorkerResult {
  result: unknown;
  proveMs: number;
  verified: boolean;
}

/** An error the worker reported; `field` is set for input errors (ZkMarginInputError). */
export class WorkerError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "WorkerError";
  }
}

type Pending = {
  resolve: (r: WorkerResult) => void;
  reject: (e: Error) => void;
  onProgress?: (stage: string, fraction: number) => void;
};

export class ProverWorker {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor() {
    this.worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module", name: "zkmargin-prover" });
    this.worker.onmessage = (ev: MessageEvent<FromWorker>) => this.receive(ev.data);
    this.worker.onerror = (ev: ErrorEvent) => {
      for (const p of this.pending.values()) p.reject(new WorkerError(`prover worker crashed: ${ev.message}`));
      this.pending.clear();
    };
  }

  private receive(msg: FromWorker): void {
    const p = this.pending.get(msg.id);
    if (!p) return;
    if (msg.type === "progress") p.onProgress?.(msg.stage, msg.fraction);
    else {
      this.pending.delete(msg.id);
      if (msg.type === "done") p.resolve({ result: msg.result, proveMs: msg.proveMs, verified: msg.verified });
      else p.reject(new WorkerError(msg.message, msg.field));
    }
  }

  /** Send one request; resolves with the worker's result. */
  run(
    req: ToWorker extends infer T ? (T extends { id: number } ? Omit<T, "id"> : never) : never,
    onProgress?: (stage: string, fraction: number) => void,
  ): Promise<WorkerResult> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.worker.postMessage({ ...req, id } as ToWorker);
    });
  }
}
