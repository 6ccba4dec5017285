/**
 * generateProof: statements from several venues + trader secret + market snapshot + risk params → validated
 * request (prover/validate.ts, every bad input stops here) → circuit input (prover/circuitInput.ts) → witness →
 * Groth16 proof, with progress reported on the long steps. The artifacts are passed in (prover/artifacts.ts: bytes,
 * paths or URLs and the instance descriptor from the build manifest), or a warm ProverSession that holds them
 * (prover/proverSession.ts). The witness comes from the artifacts' `witness` generator when given (Node: circom's
 * C++ generator), else from the WASM; the proof from the artifacts' `prover` when given (Node: the native prover),
 * else from snarkjs.
 *
 * The result names every public signal (prover/publicSignals.ts), carries the snarkjs proof, the epoch it was proved
 * for (inside the context hash, not a public signal) and the packed uint256[8] in the order the Solidity verifier
 * wants (prover/packProof.ts).
 */
import { checkInstance, loadArtifact, type InstanceDescriptor, type ProverArtifacts } from "./artifacts.ts";
import { buildCircuitInput } from "./circuitInput.ts";
import { packProof, type Groth16Proof, type PackedProof } from "./packProof.ts";
import { ProverSession } from "./proverSession.ts";
import { flattenPublicInputs, parsePublicSignals, type PublicInputs } from "./publicSignals.ts";
import { snark, terminateCurve, type CircuitInput, type Logger, type MemFile } from "./snark.ts";
import { PROOF_FORMAT } from "./statement.ts";
import { validateProveInput, type ProveInput } from "./validate.ts";
import { asInputError } from "./venue.ts";

/** A margin proof: the public inputs by name, the snarkjs proof and the verifier's packed points. */
export interface ZkMarginProof {
  format: typeof PROOF_FORMAT;
  /** the circuit instance it was proved with (its descriptor's name) */
  instance: string;
  /** the epoch of the statements, market snapshot and roots (bound through the context hash; MarginAttestor takes it) */
  epoch?: bigint;
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
  onProgress?: (p: ProofProgress) => void;
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

/**
 * Prove that the book in `input` meets the requirement with at least `minExcess` to spare, with `prover`: the
 * instance's artifacts or a warm ProverSession.
 * Throws ZkMarginInputError (with `field`) before any proving if the input is bad, ZkMarginArtifactError if an
 * artifact is missing, unreadable or not the one the descriptor's manifest recorded.
 */
export async function generateProof(input: ProveInput, prover: ProverArtifacts | ProverSession, opts: GenerateProofOptions = {}): Promise<ZkMarginProof> {
  const report = opts.onProgress ?? (() => undefined);
  const session = prover instanceof ProverSession ? prover : undefined;
  const instance: InstanceDescriptor = session ? session.instance : checkInstance((prover as ProverArtifacts)?.instance, "artifacts.instance");

  report({ stage: "validate", fraction: 0, message: "checking statements, market and risk params" });
  const { request } = validateProveInput(input, instance);
  const { input: circuitInput, publicInputs } = asInputError(() => buildCircuitInput(request));
  let zkey: MemFile | undefined;
  let wasm: Uint8Array | undefined;
  const artifacts = session ? undefined : (prover as ProverArtifacts);
  if (artifacts) {
    // both keys are read (and their sha256 checked) before any witness is computed; a native prover checks the
    // key it reads itself (prover/node.ts nativeProver)
    if (!artifacts.prover) zkey = { type: "mem", data: await loadArtifact(artifacts.zkey, `instance "${instance.name}": zkey`, instance.sha256?.zkey) };
    if (!artifacts.witness) wasm = await loadArtifact(artifacts.wasm, `instance "${instance.name}": wasm`, instance.sha256?.wasm);
  }
  report({ stage: "validate", fraction: 1, message: "input valid" });

  report({ stage: "witness", fraction: 0, message: "computing the witness" });
  const wtns: MemFile = { type: "mem" };
  if (artifacts?.witness) wtns.data = await artifacts.witness.calculate(circuitInput as CircuitInput);
  else if (wasm) await snark.wtns.calculate(circuitInput as CircuitInput, { type: "mem", data: wasm }, wtns);
  // (a session computes the witness itself)
  report({ stage: "witness", fraction: 1, message: "witness computed" });

  report({ stage: "prove", fraction: 0, message: "proving (Groth16)" });
  const onStep = (fraction: number, step: string) => report({ stage: "prove", fraction, message: step });
  const { proof, publicSignals } = session
    ? await session.prove(circuitInput as CircuitInput, progressLogger(report), onStep)
    : artifacts?.prover
      ? await artifacts.prover.prove(wtns.data ?? new Uint8Array(), onStep)
      : await snark.groth16.prove(zkey!, wtns, progressLogger(report));
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
    instance: instance.name,
    epoch: input.epoch,
    publicInputs: parsePublicSignals(publicSignals, instance.V),
    publicSignals,
    proof: cleanProof,
    points: packProof(cleanProof),
  };
}

/** Stop snarkjs's worker threads so that a CLI process or a test run can exit. */
export async function releaseProver(): Promise<void> {
  await terminateCurve();
}
