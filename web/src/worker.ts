/**
 * The proving Web Worker: witness generation and Groth16 proving run here, off the page's main thread, so the
 * page stays responsive. It fetches the instance's wasm and zkey from the page's server (web/server.ts) and
 * reports progress from snarkjs's log lines.
 */
/// <reference lib="webworker" />
import * as snarkjs from "snarkjs";
import { generateProof, releaseProver, type ProofProgress } from "../../prover/generateProof.ts";
import type { ProveInput } from "../../prover/validate.ts";
import { verifyProof } from "../../prover/verifyProof.ts";
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

/** Overall progress from the SDK's per-stage progress: validate 0–2%, witness 2–20%, prove 20–97%, verify 97–100%. */
const STAGE_SPAN: Record<ProofProgress["stage"], [number, number]> = {
  validate: [0, 0.02],
  witness: [0.02, 0.2],
  prove: [0.2, 0.97],
  done: [0.97, 0.97],
};

/** Prove a trader's request with the SDK's generateProof (the CLI's code), then verify it with verifyProof. */
async function prove(id: number, instance: string, input: ProveInput): Promise<void> {
  let last = 0;
  const t0 = performance.now();
  const proof = await generateProof(input, {
    instance,
    onProgress: (p) => {
      const [a, b] = STAGE_SPAN[p.stage];
      last = Math.max(last, a + (b - a) * p.fraction);
      post({ type: "progress", id, stage: p.message, fraction: last });
    },
  });
  const proveMs = performance.now() - t0;
  post({ type: "progress", id, stage: "verifying the proof", fraction: 0.97 });
  const verified = await verifyProof(proof);
  post({ type: "progress", id, stage: verified ? "proof verified" : "proof did NOT verify", fraction: 1 });
  post({ type: "done", id, result: proof, proveMs, verified });
}

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const msg = ev.data;
  const run = msg.type === "prove-raw" ? proveRaw(msg.id, msg.instance, msg.input) : prove(msg.id, msg.instance, msg.input as ProveInput);
  run.catch((e: unknown) => {
    const err = e as { message?: string; field?: string };
    post({ type: "error", id: msg.id, message: String(err.message ?? e), field: typeof err.field === "string" ? err.field : undefined });
  });
};
