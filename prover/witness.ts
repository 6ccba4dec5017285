/**
 * The witness of a circuit input, as the .wtns bytes snarkjs's prover reads: with circom's C++ generator when the
 * build made one for the instance and it is intact (scripts/lib/witnessCpp.ts; checked byte-identical to the WASM
 * witness at build time), otherwise with the WASM generator. Node only: the browser always uses the WASM.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { ROOT, artifactPaths } from "../scripts/lib/instances.ts";
import type { Manifest } from "../scripts/lib/pipeline.ts";
import { snark, type CircuitInput } from "../scripts/lib/snark.ts";
import { runCpp } from "../scripts/lib/witnessCpp.ts";

export type WitnessEngine = "cpp" | "wasm";

/** A witness generator of one instance; `engine` says which one runs. */
export interface WitnessGenerator {
  engine: WitnessEngine;
  /** why the C++ generator is not used (undefined when it is) */
  fallbackReason?: string;
  calculate(input: CircuitInput): Promise<Uint8Array>;
}

/** The C++ generator of an instance if the manifest records one and the binary on disk still has its sha256. */
export function cppGenerator(instance: string): { binary: string } | { reason: string } {
  const file = artifactPaths(instance).manifest;
  if (!existsSync(file)) return { reason: `instance "${instance}" has no manifest` };
  const m = JSON.parse(readFileSync(file, "utf8")) as Partial<Manifest>;
  const rec = m.witnessCpp;
  if (rec === undefined) return { reason: "the build made no C++ witness generator (older manifest)" };
  if (!rec.built) return { reason: rec.reason };
  const binary = path.join(ROOT, rec.path);
  if (!existsSync(binary)) return { reason: `${rec.path} is missing` };
  if (createHash("sha256").update(readFileSync(binary)).digest("hex") !== rec.sha256) return { reason: `${rec.path} changed since the build` };
  return { binary };
}

/**
 * The witness generator to use for an instance: C++ when available (unless `engine` is "wasm" or
 * ZKMARGIN_WITNESS=wasm), else WASM. The WASM generator is kept loaded (circom_runtime) between calls.
 */
export async function witnessGenerator(instance: string, opts: { engine?: WitnessEngine; wasm?: string } = {}): Promise<WitnessGenerator> {
  const wasmFile = opts.wasm ?? artifactPaths(instance).wasm;
  const want = opts.engine ?? (process.env.ZKMARGIN_WITNESS === "wasm" ? "wasm" : "cpp");
  const cpp = want === "cpp" ? cppGenerator(instance) : { reason: "WASM requested" };
  if ("binary" in cpp) {
    const binary = cpp.binary;
    return { engine: "cpp", calculate: async (input) => runCpp(binary, input) };
  }
  return { engine: "wasm", fallbackReason: cpp.reason, calculate: wasmCalculator(wasmFile) };
}

interface WasmCalculator {
  calculateWTNSBin(input: Record<string, unknown>, sanityCheck: boolean): Promise<Uint8Array>;
}

/** The WASM generator, instantiated once and reused (what snarkjs's wtns.calculate does per call). */
function wasmCalculator(wasmFile: string): (input: CircuitInput) => Promise<Uint8Array> {
  let calc: Promise<WasmCalculator> | undefined;
  return async (input) => {
    calc ??= (async () => {
      const rt = (await import("circom_runtime" as string)) as { WitnessCalculatorBuilder(code: Uint8Array): Promise<WasmCalculator> };
      return rt.WitnessCalculatorBuilder(readFileSync(wasmFile));
    })();
    return (await calc).calculateWTNSBin(input, true);
  };
}

/** One witness of `input` for `instance`, by the best generator available (see witnessGenerator). */
export async function calculateWitness(instance: string, input: CircuitInput, opts: { engine?: WitnessEngine; wasm?: string } = {}): Promise<{ engine: WitnessEngine; wtns: Uint8Array }> {
  const gen = await witnessGenerator(instance, opts);
  return { engine: gen.engine, wtns: await gen.calculate(input) };
}

/** snarkjs's own WASM witness (wtns.calculate), the reference the others are compared with. */
export async function snarkjsWitness(input: CircuitInput, wasmFile: string): Promise<Uint8Array> {
  const mem: { type: "mem"; data?: Uint8Array } = { type: "mem" };
  await snark.wtns.calculate(input, wasmFile, mem);
  return mem.data ?? new Uint8Array();
}
