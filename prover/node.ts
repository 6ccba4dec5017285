/**
 * The SDK's Node-only part (`@zkmargin/prover/node`; the rest of the SDK runs in browsers too): circom's C++ witness
 * generator as a WitnessGenerator, and the artifacts of one instance from a build directory (the manifest.json the
 * build writes and the files it lists), so that a Node program outside this repository can prove with a copied
 * build/<instance>/ folder:
 *
 *   const artifacts = artifactsFromDir("./artifacts/test");
 *   const proof = await generateProof(input, artifacts);
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { instanceFromManifest, type ProverArtifacts } from "./artifacts.ts";
import { ZkMarginArtifactError } from "./errors.ts";
import type { CircuitInput } from "./snark.ts";
import type { WitnessEngine, WitnessGenerator } from "./witness.ts";

/** JSON of a circuit input for circom's C++ main (decimal strings for every number). */
export function inputJson(input: Record<string, unknown>): string {
  return JSON.stringify(input, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : typeof v === "number" ? String(v) : v));
}

/**
 * Run circom's C++ witness generator `binary` on `input`: the .wtns bytes. Throws with the generator's message when
 * the input violates an assertion of the circuit (the generator exits non-zero).
 */
export function runCpp(binary: string, input: Record<string, unknown>): Uint8Array {
  const dir = mkdtempSync(path.join(tmpdir(), "zkmargin-wtns-"));
  try {
    const inFile = path.join(dir, "input.json");
    const outFile = path.join(dir, "witness.wtns");
    writeFileSync(inFile, inputJson(input));
    const res = spawnSync(binary, [inFile, outFile], { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
    if (res.error) throw new Error(`could not run the C++ witness generator ${binary}: ${res.error.message}`);
    if (res.status !== 0 || !existsSync(outFile)) {
      throw new Error(`the C++ witness generator rejected the input: ${`${res.stdout ?? ""}${res.stderr ?? ""}`.trim().split("\n").slice(-3).join(" ")}`);
    }
    return new Uint8Array(readFileSync(outFile));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** circom's C++ witness generator (a built binary) as a WitnessGenerator. */
export function cppWitnessGenerator(binary: string): WitnessGenerator {
  return { engine: "cpp", calculate: async (input: CircuitInput) => runCpp(binary, input) };
}

/** The parts of a build manifest (scripts/lib/pipeline.ts Manifest) read here. */
export interface ManifestFiles {
  instance: string;
  files: Record<string, { path: string; sha256: string }>;
  witnessCpp?: { built: true; path: string; sha256: string } | { built: false; reason: string };
}

/** A file the manifest lists (a path below build/<instance>/), inside `dir`. */
function inBuildDir(dir: string, m: ManifestFiles, p: string): string {
  const prefix = `build/${m.instance}/`;
  return path.join(dir, p.startsWith(prefix) ? p.slice(prefix.length) : path.basename(p));
}

/**
 * circom's C++ witness generator of the build in `dir` (manifest `m`), when the manifest records one, its binary is
 * there with the recorded sha256 and the platform is x86-64 Linux; otherwise the reason. `engine` "wasm" (or
 * ZKMARGIN_WITNESS=wasm) asks for none.
 */
export function manifestWitness(dir: string, m: ManifestFiles, engine?: WitnessEngine): { witness?: WitnessGenerator; fallbackReason?: string } {
  const want = engine ?? (process.env.ZKMARGIN_WITNESS === "wasm" ? "wasm" : "cpp");
  const rec = m.witnessCpp;
  if (want === "wasm") return { fallbackReason: "WASM requested" };
  if (process.platform !== "linux" || process.arch !== "x64") return { fallbackReason: `platform ${process.platform}-${process.arch} (the C++ generator is built for x86-64 Linux)` };
  if (rec === undefined) return { fallbackReason: "the build made no C++ witness generator (older manifest)" };
  if (!rec.built) return { fallbackReason: rec.reason };
  const binary = inBuildDir(dir, m, rec.path);
  if (!existsSync(binary)) return { fallbackReason: `${binary} is missing` };
  if (createHash("sha256").update(readFileSync(binary)).digest("hex") !== rec.sha256) return { fallbackReason: `${binary} changed since the build` };
  return { witness: cppWitnessGenerator(binary) };
}

/**
 * The artifacts of one instance in `dir`, a build/<instance>/ folder (or a copy of it): manifest.json and the
 * wasm, zkey and verification key it lists (found under `dir` by their place below build/<instance>/), and the C++
 * witness generator when usable (manifestWitness; `witnessFallback` says why not). Throws ZkMarginArtifactError
 * naming what is missing or when the manifest is not a margin-proof instance's.
 */
export function artifactsFromDir(dir: string, opts: { engine?: WitnessEngine } = {}): ProverArtifacts & { vkey: string; files: { wasm: string; zkey: string; vkey: string; manifest: string } } {
  const manifestFile = path.join(dir, "manifest.json");
  let text: string;
  try {
    text = readFileSync(manifestFile, "utf8");
  } catch {
    throw new ZkMarginArtifactError(`no build manifest at ${manifestFile}: build the keys first (npm run build)`);
  }
  const instance = instanceFromManifest(text, manifestFile);
  const m = JSON.parse(text) as ManifestFiles;
  const files = { wasm: inBuildDir(dir, m, m.files.wasm.path), zkey: inBuildDir(dir, m, m.files.zkey.path), vkey: inBuildDir(dir, m, m.files.vkey.path), manifest: manifestFile };
  for (const k of ["wasm", "zkey", "vkey"] as const) {
    if (!existsSync(files[k])) throw new ZkMarginArtifactError(`instance "${instance.name}": ${k} not found at ${files[k]}; build the keys first (npm run build)`);
  }
  const { witness, fallbackReason } = manifestWitness(dir, m, opts.engine);
  return { instance, wasm: files.wasm, zkey: files.zkey, vkey: files.vkey, witness, witnessFallback: fallbackReason, files };
}
