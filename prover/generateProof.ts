/**
 * generateProof: statements from several venues + trader secret + market snapshot + risk params → validated
 * request (prover/validate.ts, every bad input stops here) → circuit input (prover/circuitInput.ts) → witness →
 * Groth16 proof, with progress reported on the long steps. The witness comes from circom's C++ generator when the
 * build made one (prover/witness.ts), else the WASM; a warm ProverSession (prover/proverSession.ts) may be passed. Artifacts are found by instance name
 * (build/<instance>/, scripts/lib/instances.ts) or passed explicitly.
 *
 * The result names every public signal (prover/publicSignals.ts), carries the snarkjs proof, and the packed
 * uint256[8] in the order the Solidity verifier wants (prover/packProof.ts).
 */
import { existsSync } from "node:fs";
import { artifactPaths, getInstance } from "../scripts/lib/instances.ts";
import { snark, terminateCurve, type CircuitInput, type Logger } from "../scripts/lib/snark.ts";
import { buildCircuitInput } from "./circuitInput.ts";
import { ZkMarginArtifactError } from "./errors.ts";
import { packProof, type Groth16Proof, type PackedProof } from "./packProof.ts";
import { flattenPublicInputs, parsePublicSignals, type PublicInputs } from "./publicSignals.ts";
import { PROOF_FORMAT } from "./statement.ts";
import type { InstanceParams } from "./types.ts";
import { validateProveInput, type ProveInput } from "./validate.ts";
import { asInputError } from "./venue.ts";
import type { ProverSession } from "./proverSession.ts";
import { witnessGenerator } from "./witness.ts";

/** A margin proof: the public inputs by name, the snarkjs proof and the verifier's packed points. */
export interface ZkMarginProof {
  format: typeof PROOF_FORMAT;
  /** the circuit instance it was proved with (circuits/circuits.json) */
  instance: string;
  publicInputs: PublicInputs;
  /** the same values in circuit order, decimal strings */
  publicSignals: string[];
  proof: Groth16Proof;
  /** [A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y] */
  points: PackedProof;
}

export type ProofStage = "validate" | "witness" | "prove" | "done";

export interface ProofProgress {
  stage: ProofStage;
  /** progress within the stage, 0..1 */
  fraction: number;
  message: string;
}

export interface GenerateProofOptions {
  /** instance name in circuits/circuits.json (default "test") */
  instance?: string;
  onProgress?: (p: ProofProgress) => void;
  /** a warm prover (prover/proverSession.ts) of the same instance: key, curve and witness generator stay loaded */
  session?: ProverSession;
}

/** An instance's parameters (V, N, A, K, D) from circuits/circuits.json. */
export function instanceParams(instance: string): InstanceParams {
  const p = getInstance(instance).params;
  for (const k of ["V", "N", "A", "K", "D"] as const) {
    if (typeof p[k] !== "number") throw new Error(`instance "${instance}" has no parameter ${k}`);
  }
  return { V: p.V, N: p.N, A: p.A, K: p.K, D: p.D };
}

/** The wasm, zkey and verification key of an instance; throws ZkMarginArtifactError naming what is missing. */
export function instanceArtifacts(instance: string, need: readonly ("wasm" | "zkey" | "vkey")[] = ["wasm", "zkey"]) {
  getInstance(instance);
  const p = artifactPaths(instance);
  for (const k of need) {
    if (!existsSync(p[k])) {
      throw new ZkMarginArtifactError(`instance "${instance}": ${k} not found at ${p[k]}; build the keys first (npm run build)`);
    }
  }
  return p;
}

/** Milestones of snarkjs's groth16 prover, in the order its logger announces them. */
const PROVE_MILESTONES = [
  "Reading Wtns",
  "Reading Coeffs",
  "Building ABC",
  "IFFT_A",
  "FFT_A",
  "IFFT_B",
  "FFT_B",
  "IFFT_C",
  "FFT_C",
  "Join ABC",
  "Reading A Points",
  "Reading B1 Points",
  "Reading B2 Points",
  "Reading C Points",
  "Reading H Points",
];

function progressLogger(onProgress: (p: ProofProgress) => void): Logger {
  let reached = -1;
  const debug = (msg: string) => {
    const i = PROVE_MILESTONES.findIndex((m, j) => j > reached && msg.startsWith(m));
    if (i > reached) {
      reached = i;
      onProgress({ stage: "prove", fraction: i / PROVE_MILESTONES.length, message: PROVE_MILESTONES[i] });
    }
  };
  const quiet = () => undefined;
  return { debug, info: quiet, warn: quiet, error: quiet, log: quiet };
}

interface Prover {
  groth16: { prove(zkey: string, wtns: { type: "mem"; data?: Uint8Array }, logger?: Logger): Promise<{ proof: Groth16Proof; publicSignals: string[] }> };
}

/**
 * Prove that the book in `input` meets the requirement with at least `minExcess` to spare.
 * Throws ZkMarginInputError (with `field`) before any proving if the input is bad, ZkMarginArtifactError if the
 * instance's keys are not built.
 */
export async function generateProof(input: ProveInput, opts: GenerateProofOptions = {}): Promise<ZkMarginProof> {
  const instance = opts.session?.instance ?? opts.instance ?? "test";
  const report = opts.onProgress ?? (() => undefined);

  report({ stage: "validate", fraction: 0, message: "checking statements, market and risk params" });
  const params = instanceParams(instance);
  const { request } = validateProveInput(input, params);
  const { input: circuitInput, publicInputs } = asInputError(() => buildCircuitInput(request));
  const paths = instanceArtifacts(instance);
  report({ stage: "validate", fraction: 1, message: "input valid" });

  report({ stage: "witness", fraction: 0, message: "computing the witness" });
  const gen = opts.session ? undefined : await witnessGenerator(instance, { wasm: paths.wasm });
  const wtns: { type: "mem"; data?: Uint8Array } = { type: "mem", data: gen ? await gen.calculate(circuitInput as CircuitInput) : undefined };
  report({ stage: "witness", fraction: 1, message: "witness computed" });

  report({ stage: "prove", fraction: 0, message: "proving (Groth16)" });
  const { proof, publicSignals } = opts.session
    ? await opts.session.prove(circuitInput as CircuitInput, progressLogger(report))
    : await (snark as unknown as Prover).groth16.prove(paths.zkey, wtns, progressLogger(report));
  report({ stage: "prove", fraction: 1, message: "proof generated" });

  // The circuit's public outputs must be exactly the public inputs we meant to prove.
  const expected = flattenPublicInputs(publicInputs).map(String);
  if (publicSignals.length !== expected.length || publicSignals.some((s, i) => s !== expected[i])) {
    throw new Error(`internal: the circuit's public signals differ from the request's public inputs`);
  }
  const cleanProof: Groth16Proof = { pi_a: proof.pi_a, pi_b: proof.pi_b, pi_c: proof.pi_c, protocol: "groth16", curve: "bn128" };
  report({ stage: "done", fraction: 1, message: "done" });
  return {
    format: PROOF_FORMAT,
    instance,
    publicInputs: parsePublicSignals(publicSignals, params.V),
    publicSignals,
    proof: cleanProof,
    points: packProof(cleanProof),
  };
}

/** Stop snarkjs's worker threads so that a CLI process or a test run can exit. */
export async function releaseProver(): Promise<void> {
  await terminateCurve();
}
