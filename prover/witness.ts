/**
 * Witness generators: the circuit's WASM (circom_runtime, the calculator snarkjs uses, kept instantiated between
 * calls) in Node and in browsers, or a faster one the caller passes in (Node: circom's C++ generator,
 * prover/node.ts cppWitnessGenerator, checked byte-identical to the WASM at build time). Each returns the .wtns bytes
 * snarkjs's prover reads.
 */
import { snark, type CircuitInput } from "./snark.ts";

export type WitnessEngine = "cpp" | "wasm";

/** A witness generator of one instance; `engine` says which one runs. */
export interface WitnessGenerator {
  engine: WitnessEngine;
  /** why the C++ generator is not used (undefined when it is) */
  fallbackReason?: string;
  calculate(input: CircuitInput): Promise<Uint8Array>;
}

interface WasmCalculator {
  calculateWTNSBin(input: Record<string, unknown>, sanityCheck: boolean): Promise<Uint8Array>;
}

/** The WASM generator of `wasm` (the circuit's .wasm bytes), instantiated on first use and reused. */
export function wasmWitnessGenerator(wasm: Uint8Array, fallbackReason?: string): WitnessGenerator {
  let calc: Promise<WasmCalculator> | undefined;
  return {
    engine: "wasm",
    fallbackReason,
    async calculate(input) {
      calc ??= (async () => {
        const rt = (await import("circom_runtime" as string)) as { WitnessCalculatorBuilder(code: Uint8Array): Promise<WasmCalculator> };
        return rt.WitnessCalculatorBuilder(wasm);
      })();
      return (await calc).calculateWTNSBin(input, true);
    },
  };
}

/** snarkjs's own WASM witness (wtns.calculate), the reference the other generators are compared with. */
export async function snarkjsWitness(input: CircuitInput, wasm: Uint8Array): Promise<Uint8Array> {
  const mem: { type: "mem"; data?: Uint8Array } = { type: "mem" };
  await snark.wtns.calculate(input, { type: "mem", data: wasm }, mem);
  return mem.data ?? new Uint8Array();
}
