/**
 * The proving Web Worker: witness generation and Groth16 proving run here, off the page's main thread, so the
 * page stays responsive. The SDK runs unchanged: the worker hands it the artifacts the page's server serves (URLs)
 * and the instance descriptor of the build manifest (prover/artifacts.ts), and keeps one warm ProverSession per
 * instance (the proving key's bytes, the witness generator and snarkjs's curve stay loaded between proofs).
 */
/// <reference lib="webworker" />
import { instanceFromManifest, loadVerificationKey, type ProverArtifacts } from "../../prover/artifacts.ts";
import { buildCircuitInput } from "../../prover/circuitInput.ts";
import { generateProof, type ProofProgress } from "../../prover/generateProof.ts";
import { ProverSession } from "../../prover/proverSession.ts";
import { snark, type CircuitInput } from "../../prover/snark.ts";
import { validateProveInput, type ProveInput } from "../../prover/validate.ts";
import { asInputError } from "../../prover/venue.ts";
import { verifyProof } from "../../prover/verifyProof.ts";
import type { BenchRun, FromWorker, ToWorker } from "./protocol.ts";
import { artifactUrls } from "./protocol.ts";
import { ProgressTracker } from "./progress.ts";

declare const self: DedicatedWorkerGlobalScope;

function post(msg: FromWorker): void {
  self.postMessage(msg);
}

/** Fetch a served file; a missing one fails with the server's message (which names the build command). */
async function fetchOk(url: string, what: string): Promise<Response> {
  const res = await fetch(url);
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { error?: string };
    throw new Error(`${what}: ${body.error ?? `${res.status} ${res.statusText}`}`);
  }
  return res;
}

const artifactsCache = new Map<string, Promise<ProverArtifacts>>();
const sessions = new Map<string, Promise<ProverSession>>();

/** The served artifacts of an instance, with the descriptor of its build manifest (sha256 checked on load). */
function artifactsFor(instance: string): Promise<ProverArtifacts> {
  let a = artifactsCache.get(instance);
  if (!a) {
    a = (async () => {
      const urls = artifactUrls(instance, self.location.origin);
      const manifest: unknown = await (await fetchOk(urls.manifest, "manifest.json")).json();
      const descriptor = instanceFromManifest(manifest, `/artifacts/${instance}/manifest.json`);
      return { instance: descriptor, wasm: urls.wasm, zkey: urls.zkey, vkey: await loadVerificationKey(urls.vkey, descriptor) };
    })();
    a.catch(() => artifactsCache.delete(instance));
    artifactsCache.set(instance, a);
  }
  return a;
}

/** A warm prover for the instance (downloaded and loaded once per page). */
function sessionFor(instance: string): Promise<ProverSession> {
  let s = sessions.get(instance);
  if (!s) {
    s = artifactsFor(instance).then((a) => ProverSession.open(a, { engine: "wasm" }));
    s.catch(() => sessions.delete(instance));
    sessions.set(instance, s);
  }
  return s;
}

/** Prove a raw circuit input with snarkjs's browser bundle (the "leaf" pipeline instance; no SDK request involved). */
async function proveRaw(id: number, instance: string, input: Record<string, unknown>): Promise<void> {
  const urls = artifactUrls(instance, self.location.origin);
  const tracker = new ProgressTracker((stage, fraction) => post({ type: "progress", id, stage, fraction }));
  tracker.stage("downloading artifacts");
  const [wasm, zkey, vkey] = await Promise.all([fetchOk(urls.wasm, "circuit.wasm"), fetchOk(urls.zkey, "circuit.zkey"), fetchOk(urls.vkey, "verification_key.json")]).then(
    async ([w, z, v]) => [new Uint8Array(await w.arrayBuffer()), new Uint8Array(await z.arrayBuffer()), await v.json()] as const,
  );
  const t0 = performance.now();
  const wtns: { type: "mem"; data?: Uint8Array } = { type: "mem" };
  await snark.wtns.calculate(input as CircuitInput, { type: "mem", data: wasm }, wtns);
  const { proof, publicSignals } = await snark.groth16.prove({ type: "mem", data: zkey }, wtns, { ...tracker.logger, log: tracker.logger.info });
  const proveMs = performance.now() - t0;
  tracker.stage("verifying");
  const verified = await snark.groth16.verify(vkey, publicSignals, proof);
  tracker.stage("done", 1);
  post({ type: "done", id, result: { proof, publicSignals }, proveMs, verified });
}

/** Overall progress from the SDK's per-stage progress: loading 0–5%, validate 5–7%, witness 7–20%, prove 20–97%, verify 97–100%. */
const STAGE_SPAN: Record<ProofProgress["stage"], [number, number]> = {
  validate: [0.05, 0.07],
  witness: [0.07, 0.2],
  prove: [0.2, 0.97],
  done: [0.97, 0.97],
};

/** Prove a trader's request with the SDK's generateProof (the CLI's code) on a warm session, then verify it. */
async function prove(id: number, instance: string, input: ProveInput): Promise<void> {
  let last = 0;
  post({ type: "progress", id, stage: "loading the proving key", fraction: 0.01 });
  const session = await sessionFor(instance);
  const artifacts = await artifactsFor(instance);
  const t0 = performance.now();
  const proof = await generateProof(input, session, {
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

/**
 * The benchmark: `runs` proofs of one request on the warm session, each timed as witness and Groth16 proof
 * (ProverSession.prove, the call generateProof makes), after one untimed warm-up proof.
 */
async function bench(id: number, instance: string, input: ProveInput, runs: number): Promise<void> {
  const t0 = performance.now();
  const session = await sessionFor(instance);
  const loadMs = performance.now() - t0;
  const { request } = validateProveInput(input, session.instance);
  const circuitInput = asInputError(() => buildCircuitInput(request)).input as CircuitInput;
  await session.prove(circuitInput);
  const out: BenchRun[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await session.prove(circuitInput);
    out.push({ witnessMs: r.witnessMs, proveMs: r.proveMs });
    post({ type: "progress", id, stage: `run ${i + 1}/${runs}`, fraction: (i + 1) / runs });
  }
  post({ type: "done", id, result: { loadMs, runs: out, hardwareConcurrency: self.navigator.hardwareConcurrency }, proveMs: 0, verified: true });
}

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const msg = ev.data;
  const run =
    msg.type === "prove-raw"
      ? proveRaw(msg.id, msg.instance, msg.input)
      : msg.type === "bench"
        ? bench(msg.id, msg.instance, msg.input as ProveInput, msg.runs)
        : prove(msg.id, msg.instance, msg.input as ProveInput);
  run.catch((e: unknown) => {
    const err = e as { message?: string; field?: string };
    post({ type: "error", id: msg.id, message: String(err.message ?? e), field: typeof err.field === "string" ? err.field : undefined });
  });
};
