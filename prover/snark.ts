/**
 * The parts of snarkjs the SDK uses, typed once (snarkjs ships no type declarations). Artifacts are always passed
 * as bytes ({ type: "mem", data }), never as file names, so the same calls run in Node and in a browser.
 * scripts/lib/snark.ts extends this with the build pipeline's parts (setup, ceremony, exports).
 */
// @ts-ignore -- snarkjs ships no type declarations: ProverSnark below types the parts used here
import * as snarkjs from "snarkjs";
import type { Curve, Logger } from "./curve.ts";

export { terminateCurve, type Curve, type Logger } from "./curve.ts";

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

/** snarkjs's Groth16 proof JSON as it comes out of the prover (projective coordinates as decimal strings). */
export interface SnarkProof {
  pi_a: string[];
  pi_b: string[][];
  pi_c: string[];
  protocol: string;
  curve: string;
}

/** A circuit input as snarkjs and circom's witness generators take it. */
export type CircuitInput = Record<string, bigint | string | number | (bigint | string | number)[] | (bigint | string | number)[][]>;

/** An in-memory file, the form in which every artifact is handed to snarkjs here. */
export interface MemFile {
  type: "mem";
  data?: Uint8Array;
}

export interface ProverSnark {
  curves: { getCurveFromName(name: string): Promise<Curve> };
  groth16: {
    prove(zkey: MemFile, wtns: MemFile, logger?: Logger): Promise<{ proof: SnarkProof; publicSignals: string[] }>;
    verify(vkey: VerificationKey, publicSignals: readonly (string | bigint)[], proof: SnarkProof, logger?: Logger): Promise<boolean>;
  };
  wtns: {
    calculate(input: CircuitInput, wasm: MemFile, wtns: MemFile): Promise<void>;
  };
}

export const snark = snarkjs as unknown as ProverSnark;
