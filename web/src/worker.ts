/**
 * The proving Web Worker: witness generation and Groth16 proving run here, off the page's main thread, so the
 * page stays responsive. It fetches the instance's wasm and zkey from the page's server (web/server.ts) and
 * reports progress from snarkjs's log lines.
 */
/// <reference lib="webworker" />
import * as snarkjs from "snarkjs";
import type { FromWorker, SnarkProof, ToWorker } from "./protocol.ts";
import { artifactUrls } from "./protocol.ts";
import { ProgressTracker } from "./progress.ts";

declare const self: DedicatedWorkerGlobalScope;

function post(msg: FromWorker): void {
  self.postMessage(msg);
}

async function fetchBytes(url: string, what: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) {
    let detail = `${res.status} ${res.statusText}`;
    try {
      detail = ((await res.json()) as { error?: string }).error ?? detail;
    } catch {
      /* not JSON */
    }
    throw new Error(`${what}: ${detail}`);
  }
  return new Uint8Array(await res.arrayBuffer());
}

async function proveRaw(id: number, instance: string, input: Record<string, unknown>): Promise<void> {
  const urls = artifactUrls(instance, self.location.origin);
  const tracker = new ProgressTracker((stage, fraction) => post({ type: "progress", id, stage, fraction }));
  tracker.stage("downloading artifacts");
  const [wasm, zkey, vkeyBytes] = await Promise.all([
    fetchBytes(urls.wasm, "circuit.wasm"),
    fetchBytes(urls.zkey, "circuit.zkey"),
    fetchBytes(urls.vkey, "verification_key.json"),
  ]);
  const vkey = JSON.parse(new TextDecoder().decode(vkeyBytes)) as object;
  const t0 = performance.now();
  const { proof, publicSignals } = (await snarkjs.groth16.fullProve(input, wasm, zkey, tracker.logger)) as {
    proof: SnarkProof;
    publicSignals: string[];
  };
  const proveMs = performance.now() - t0;
  tracker.stage("verifying");
  const verified = await snarkjs.groth16.verify(vkey, publicSignals, proof);
  tracker.stage("done", 1);
  post({ type: "done", id, result: { proof, publicSignals }, proveMs, verified });
}

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const msg = ev.data;
  const run = msg.type === "prove-raw" ? proveRaw(msg.id, msg.instance, msg.input) : Promise.reject(new Error(`unsupported ${msg.type}`));
  run.catch((e: unknown) => {
    const err = e as { message?: string; field?: string };
    post({ type: "error", id: msg.id, message: String(err.message ?? e), field: typeof err.field === "string" ? err.field : undefined });
  });
};
