/**
 * Messages between the page (web/src/main.ts) and the proving Web Worker (web/src/worker.ts). Structured clone
 * carries bigints, so requests travel as the SDK's own typed objects.
 */

/** Where the worker fetches an instance's artifacts (served by web/server.ts). */
export interface ArtifactUrls {
  wasm: string;
  zkey: string;
  vkey: string;
  /** the build manifest: the instance descriptor and the artifacts' sha256 (prover/artifacts.ts instanceFromManifest) */
  manifest: string;
}

export function artifactUrls(instance: string, base: string = globalThis.location?.origin ?? ""): ArtifactUrls {
  const dir = `${base}/artifacts/${encodeURIComponent(instance)}`;
  return { wasm: `${dir}/circuit.wasm`, zkey: `${dir}/circuit.zkey`, vkey: `${dir}/verification_key.json`, manifest: `${dir}/manifest.json` };
}

export type ToWorker =
  /** prove a raw circuit input with snarkjs (pipeline smoke test: the "leaf" instance) */
  | { type: "prove-raw"; id: number; instance: string; input: Record<string, unknown> }
  /** prove a trader's request through the SDK (prover/generateProof.ts) */
  | { type: "prove"; id: number; instance: string; input: unknown }
  /** the benchmark: `runs` timed proofs of one request on the warm session (after an untimed warm-up) */
  | { type: "bench"; id: number; instance: string; input: unknown; runs: number };

/** One timed proof of the benchmark (ProverSession.prove's split). */
export interface BenchRun {
  witnessMs: number;
  proveMs: number;
}

/** The benchmark's result: the session's load time (download + key + curve start) and each run. */
export interface BenchResult {
  loadMs: number;
  runs: BenchRun[];
  hardwareConcurrency: number;
}

export type FromWorker =
  | { type: "progress"; id: number; stage: string; fraction: number }
  | {
      type: "done";
      id: number;
      /** the SDK's proof object (prover/statement.ts ProofSchema's JSON), or for prove-raw the snarkjs pair */
      result: unknown;
      /** wall-clock milliseconds inside the worker, witness + proof */
      proveMs: number;
      /** verification inside the worker against the instance's verification key */
      verified: boolean;
    }
  | { type: "error"; id: number; message: string; field?: string };
