/**
 * The parts of snarkjs the build pipeline and tests use, typed once (snarkjs ships no type declarations); the SDK's
 * part (prover/snark.ts) is extended here with the setup, ceremony and export functions.
 * Re-exports scripts/lib/common.ts (BuildError, Logger, terminateCurve), which does not load snarkjs.
 */
// @ts-ignore -- snarkjs ships no type declarations: the Snark interface below types the parts used here
import * as snarkjs from "snarkjs";

export { BuildError, terminateCurve, type Curve, type Logger } from "./common.ts";
import type { Curve, Logger } from "./common.ts";

export type { CircuitInput, VerificationKey } from "../../prover/snark.ts";
import type { CircuitInput, SnarkProof as Groth16Proof, VerificationKey } from "../../prover/snark.ts";
/** snarkjs's Groth16 proof JSON (projective coordinates as decimal strings). */
export type { Groth16Proof };

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
