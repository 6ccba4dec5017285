/**
 * Full witness (every r1cs wire) of a circuit input, computed in-process with circom's WASM through circom_runtime
 * (what snarkjs uses), with circom's own sanity checks on.
 */
import { readFileSync } from "node:fs";

interface WitnessCalculator {
  calculateWitness(input: Record<string, unknown>, sanityCheck: boolean): Promise<bigint[]>;
}
interface CircomRuntime {
  WitnessCalculatorBuilder(code: Uint8Array, options?: Record<string, unknown>): Promise<WitnessCalculator>;
}

/** Compute the witness of `input` with the circuit's wasm. Throws circom's message if an assertion fails. */
export async function computeWitness(wasmFile: string, input: Record<string, unknown>): Promise<bigint[]> {
  const rt = (await import("circom_runtime" as string)) as CircomRuntime;
  const wc = await rt.WitnessCalculatorBuilder(readFileSync(wasmFile));
  return (await wc.calculateWitness(input, true)).map((x) => BigInt(x));
}
