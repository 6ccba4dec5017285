/**
 * The parts of snarkjs the build pipeline uses, typed once (snarkjs ships no type declarations), plus the build's
 * error type and logger shape.
 */
// @ts-ignore -- snarkjs ships no type declarations: the Snark interface below types the parts used here
import * as snarkjs from "snarkjs";

/** A build problem with one clear message: the CLI prints it without a stack trace and exits non-zero. */
export class BuildError extends Error {
  override name = "BuildError";
}

/** snarkjs's logger interface (logplease-like); `log` is used by `powersoftau new`. */
export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  log(msg: string): void;
}

export interface Curve {
  terminate(): Promise<void>;
}

/** snarkjs's Groth16 verification key JSON. */
export interface VerificationKey {
  protocol: "groth16";
  curve: string;
  nPublic: number;
  vk_alpha_1: string[];
  vk_beta_2: string[][];
  vk_gamma_2: string[][];
  vk_delta_2: string[][];
  vk_alphabeta_12: string[][][];
  IC: string[][];
}

/** snarkjs's Groth16 proof JSON (projective coordinates as decimal strings). */
export interface Groth16Proof {
  pi_a: string[];
  pi_b: string[][];
  pi_c: string[];
  protocol: string;
  curve: string;
}

export type CircuitInput = Record<string, bigint | string | number | (bigint | string | number)[] | (bigint | string | number)[][]>;

export interface Snark {
  curves: { getCurveFromName(name: string): Promise<Curve> };
  powersOfTau: {
    newAccumulator(curve: Curve, power: number, fileName: string, logger?: Logger): Promise<unknown>;
    beacon(oldPtau: string, newPtau: string, name: string, beaconHash: string, numIterationsExp: number, logger?: Logger): Promise<unknown>;
    preparePhase2(oldPtau: string, newPtau: string, logger?: Logger): Promise<unknown>;
  };
  zKey: {
    /** returns -1 on failure (reported through the logger), the constraint-system hash otherwise */
    newZKey(r1cs: string, ptau: string, zkey: string, logger?: Logger): Promise<unknown>;
    contribute(oldZkey: string, newZkey: string, name: string, entropy: string, logger?: Logger): Promise<Uint8Array>;
    beacon(oldZkey: string, newZkey: string, name: string, beaconHash: string, numIterationsExp: number, logger?: Logger): Promise<Uint8Array | false>;
    verifyFromR1cs(r1cs: string, ptau: string, zkey: string, logger?: Logger): Promise<boolean>;
    exportVerificationKey(zkey: string, logger?: Logger): Promise<VerificationKey>;
    exportSolidityVerifier(zkey: string, templates: { groth16: string }, logger?: Logger): Promise<string>;
  };
  groth16: {
    fullProve(input: CircuitInput, wasm: string, zkey: string, logger?: Logger): Promise<{ proof: Groth16Proof; publicSignals: string[] }>;
    verify(vkey: VerificationKey, publicSignals: readonly (string | bigint)[], proof: Groth16Proof, logger?: Logger): Promise<boolean>;
    exportSolidityCallData(proof: Groth16Proof, publicSignals: readonly (string | bigint)[]): Promise<string>;
  };
  wtns: {
    calculate(input: CircuitInput, wasm: string, wtnsFile: string | { type: "mem"; data?: Uint8Array }): Promise<void>;
  };
}

export const snark = snarkjs as unknown as Snark;

/** Stop snarkjs's bn128 worker threads (cached on globalThis by snarkjs) so that the process can exit. */
export async function terminateCurve(): Promise<void> {
  const g = globalThis as { curve_bn128?: Curve | null };
  if (g.curve_bn128) {
    await g.curve_bn128.terminate();
    g.curve_bn128 = null;
  }
}
