// Types for the two untyped iden3 packages the circuit tests use (witness calculation and R1CS reading).

declare module "circom_runtime" {
  export interface WitnessCalculator {
    calculateWitness(input: Record<string, unknown>, sanityCheck: boolean): Promise<bigint[]>;
  }
  export function WitnessCalculatorBuilder(code: Uint8Array, options?: Record<string, unknown>): Promise<WitnessCalculator>;
}

declare module "r1csfile" {
  export interface R1cs {
    nVars: number;
    nOutputs: number;
    nPubInputs: number;
    nPrvInputs: number;
    nConstraints: number;
    /** each constraint is [A, B, C], each a map from wire index to a coefficient in the curve's internal form */
    constraints: [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>][];
    F: { toObject(x: unknown): bigint };
    curve: { terminate(): Promise<void> };
  }
  export function readR1cs(
    fileName: string,
    options: { loadConstraints?: boolean; loadMap?: boolean; singleThread?: boolean },
  ): Promise<R1cs>;
}
