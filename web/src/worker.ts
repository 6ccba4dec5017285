/**
 * The proving Web Worker: witness generation and Groth16 proving run here, off the page's main thread, so the
 * page stays responsive. It fetches the instance's wasm and zkey from the page's server (web/server.ts) and
 * reports progress from snarkjs's log lines.
 */
/// <reference lib="webworker" />
import { instanceFromManifest, type ProverArtifacts } from "../../prover/artifacts.ts";
import { generateProof, type ProofProgress } from "../../prover/generateProof.ts";
import type { ProveInput } from "../../prover/validate.ts";
import { verifyProof } from "../../prover/verifyProof.ts";
import { snark, type CircuitInput, type VerificationKey } from "../../scripts/lib/snark.ts";
import type { FromWorker, ToWorker } from "./protocol.ts";
import { artifactUrls } from "./protocol.ts";
import { ProgressTracker } from "./progress.ts";

declare const self: DedicatedWorkerGlobalScope;

function post(msg: FromWorker): void {
  self.postMessage(msg);
}

/** Fetch a served artifact; a missing one fails with the server's message (which names the build command). */
async function fetchOk(url: string, what: string): Promise<Response> {
  const res = await fetch(url);
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { error?: string };
    throw new Error(`${what}: ${body.error ?? `${res.status} ${res.statusText}`}`);
  }
  return res;
}

/** Prove a raw circuit input with snarkjs's browser bundle (the "leaf" pipeline instance; no SDK involved). */
async function proveRaw(id: number, instance: string, input: Record<string, unknown>): Promise<void> {
  const urls = artifactUrls(instance, self.location.origin);
  const tracker = new ProgressTracker((stage, fraction) => post({ type: "progress", id, stage, fraction }));
  tracker.stage("downloading artifacts");
  const vkey = (await (await fetchOk(urls.vkey, "verification_key.json")).json()) as VerificationKey;
  const [wasm, zkey] = await Promise.all([fetchOk(urls.wasm, "circuit.wasm"), fetchOk(urls.zkey, "circuit.zkey")]).then((rs) =>
    Promise.all(rs.map(async (r) => new Uint8Array(await r.arrayBuffer()))),
  );
  const t0 = performance.now();
  // snarkjs's browser build reads artifacts from Uint8Arrays as well as from URLs
  const fullProve = snark.groth16.fullProve as unknown as (
    i: CircuitInput,
    w: Uint8Array,
    z: Uint8Array,
    l: ProgressTracker["logger"],
  ) => ReturnType<typeof snark.groth16.fullProve>;
  const { proof, publicSignals } = await fullProve(input as CircuitInput, wasm, zkey, tracker.logger);
  const proveMs = performance.now() - t0;
  tracker.stage("verifying");
  const verified = await snark.groth16.verify(vkey, publicSignals, proof);
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
  const urls = artifactUrls(instance, self.location.origin);
  const manifest: unknown = await (await fetchOk(`${self.location.origin}/artifacts/${encodeURIComponent(instance)}/manifest.json`, "manifest.json")).json();
  const artifacts: ProverArtifacts = { instance: instanceFromManifest(manifest), ...urls };
  const t0 = performance.now();
  const proof = await generateProof(input, artifacts, {
    onProgress: (p) => {
      const [a, b] = STAGE_SPAN[p.stage];
      last = Math.max(last, a + (b - a) * p.fraction);
      post({ type: "progress", id, stage: p.message, fraction: last });
    },
  });
  const proveMs = performance.now() - t0;
  post({ type: "progress", id, stage: "verifying the proof", fraction: 0.97 });
  const verified = await verifyProof(proof, artifacts);
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
