/**
 * The SDK's Node-only part (`@zkmargin/prover/node`; the rest of the SDK runs in browsers too): circom's C++ witness
 * generator as a WitnessGenerator, the native Groth16 prover (prover/native/groth16.cpp) as a Groth16Prover, and the
 * artifacts of one instance from a build directory (the manifest.json the
 * build writes and the files it lists), so that a Node program outside this repository can prove with a copied
 * build/<instance>/ folder:
 *
 *   const artifacts = artifactsFromDir("./artifacts/test");
 *   const proof = await generateProof(input, artifacts);
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { instanceFromManifest, loadVerificationKey, type Groth16Prover, type InstanceDescriptor, type ProverArtifacts, type ProverEngine } from "./artifacts.ts";
import { ZkMarginArtifactError } from "./errors.ts";
import type { CircuitInput, SnarkProof, VerificationKey } from "./snark.ts";
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
  nativeProver?: { built: true; path: string; sha256: string } | { built: false; reason: string };
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

/** The steps the native prover announces on stdout, in order (prover/native/groth16.cpp `stage`). */
export const NATIVE_STAGES = ["read", "coefficients", "fft-a", "fft-b", "fft-c", "multiexp-h", "multiexp-a", "multiexp-b1", "multiexp-b2", "multiexp-c", "blind"] as const;
export type NativeStage = (typeof NATIVE_STAGES)[number];

/**
 * Run the native Groth16 prover `binary` (prover/native/groth16.cpp, built by the pipeline) on a .wtns witness with
 * the proving key at `zkey`: the proof and public signals as snarkjs returns them. The binary checks both files'
 * layouts and that they belong together; its refusal is a ZkMarginArtifactError naming the file. `onStage` hears each
 * step as the binary starts it (NATIVE_STAGES). OpenMP threads wait
 * passively between parallel regions (OMP_WAIT_POLICY=passive unless the caller set it): spinning waiters made a
 * proof several times slower when another process had the cores.
 */
export async function runNativeProver(
  binary: string,
  zkey: string,
  wtns: Uint8Array,
  onStage?: (stage: NativeStage, index: number) => void,
): Promise<{ proof: SnarkProof; publicSignals: string[] }> {
  const dir = await mkdtemp(path.join(tmpdir(), "zkmargin-prove-"));
  try {
    const w = path.join(dir, "witness.wtns");
    const p = path.join(dir, "proof.json");
    const pub = path.join(dir, "public.json");
    await writeFile(w, wtns);
    const env = { ...process.env, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? "passive" };
    const res = await new Promise<{ code: number | null; error?: Error; stderr: string }>((resolve) => {
      const child = spawn(binary, [zkey, w, p, pub], { env, stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      let out = "";
      child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      child.stdout.setEncoding("utf8").on("data", (d: string) => {
        out += d;
        let nl: number;
        while ((nl = out.indexOf("\n")) >= 0) {
          const line = out.slice(0, nl);
          out = out.slice(nl + 1);
          const i = NATIVE_STAGES.indexOf(line.replace(/^stage /, "") as NativeStage);
          if (line.startsWith("stage ") && i >= 0) onStage?.(NATIVE_STAGES[i], i);
        }
      });
      child.on("error", (error) => resolve({ code: null, error, stderr }));
      child.on("close", (code, signal) => resolve({ code, stderr: signal ? `${stderr}(killed by ${signal})` : stderr }));
    });
    if (res.error) throw new Error(`could not run the native prover ${binary}: ${res.error.message}`);
    const msg = res.stderr.trim().replace(/^groth16: /, "");
    if (res.code === 2 || res.code === 3) throw new ZkMarginArtifactError(`the native prover refused its input: ${msg}`);
    if (res.code !== 0) throw new Error(`the native prover ${binary} failed (exit ${res.code}): ${msg}`);
    return { proof: JSON.parse(await readFile(p, "utf8")) as SnarkProof, publicSignals: JSON.parse(await readFile(pub, "utf8")) as string[] };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The native prover `binary` for the key at `zkey` of `instance`, as a Groth16Prover. Before its first proof the
 * key's sha256 is checked against the instance's (again whenever the file changes), and every proof is verified with
 * snarkjs against `vkey` before it is returned: a proof that does not verify (a witness that breaks a constraint, a
 * wrong key, a broken binary) is an error, never a result.
 */
export function nativeProver(binary: string, zkey: string, vkey: string | VerificationKey, instance: InstanceDescriptor): Groth16Prover {
  let checked: string | undefined;
  let vk: VerificationKey | undefined;
  return {
    engine: "native",
    async prove(wtns, onProgress) {
      const st = statSync(zkey, { throwIfNoEntry: false });
      if (!st) throw new ZkMarginArtifactError(`instance "${instance.name}": zkey not found at ${zkey}; build the keys first (npm run build)`);
      const id = `${st.size}:${st.mtimeMs}`;
      if (checked !== id && instance.sha256?.zkey !== undefined) {
        const got = createHash("sha256").update(await readFile(zkey)).digest("hex");
        if (got !== instance.sha256.zkey) {
          throw new ZkMarginArtifactError(`instance "${instance.name}": zkey (${zkey}): sha256 ${got} differs from the manifest's ${instance.sha256.zkey}: the file is not the one the build recorded (rebuild, or fetch matching artifacts)`);
        }
      }
      checked = id;
      vk ??= await loadVerificationKey(vkey, instance);
      const steps = NATIVE_STAGES.length + 1; // + the verification
      const out = await runNativeProver(binary, zkey, wtns, (name, i) => onProgress?.(i / steps, name));
      onProgress?.(NATIVE_STAGES.length / steps, "verify");
      const { snark } = await import("./snark.ts"); // snarkjs only when proving (this module is loaded by every CLI command)
      if (!(await snark.groth16.verify(vk, out.publicSignals, out.proof))) {
        throw new Error(`instance "${instance.name}": the native prover's proof does not verify: the witness does not satisfy the circuit, or the key or the prover binary is not this instance's`);
      }
      return out;
    },
  };
}

/**
 * The native prover of the build in `dir` (manifest `m`), when the manifest records one, its binary is there with the
 * recorded sha256, runs here (a probe: its usage message) and the platform is x86-64 Linux; otherwise the reason. `engine` "snarkjs" (or
 * ZKMARGIN_PROVER=snarkjs) asks for none.
 */
export function manifestProver(dir: string, m: ManifestFiles, files: { zkey: string; vkey: string }, instance: InstanceDescriptor, engine?: ProverEngine): { prover?: Groth16Prover; fallbackReason?: string } {
  const want = engine ?? (process.env.ZKMARGIN_PROVER === "snarkjs" ? "snarkjs" : "native");
  const rec = m.nativeProver;
  if (want === "snarkjs") return { fallbackReason: "snarkjs requested" };
  if (process.platform !== "linux" || process.arch !== "x64") return { fallbackReason: `platform ${process.platform}-${process.arch} (the native prover is built for x86-64 Linux)` };
  if (rec === undefined) return { fallbackReason: "the build made no native prover (older manifest)" };
  if (!rec.built) return { fallbackReason: rec.reason };
  const binary = path.resolve(inBuildDir(dir, m, rec.path)); // absolute: spawn looks a bare name up in PATH
  if (!existsSync(binary)) return { fallbackReason: `${binary} is missing` };
  if (createHash("sha256").update(readFileSync(binary)).digest("hex") !== rec.sha256) return { fallbackReason: `${binary} changed since the build` };
  // a copied build folder on another machine: missing GMP or OpenMP libraries, or a CPU without the instructions
  // ffiasm's assembly uses, show here as anything but the usage message's exit code 1
  const probe = spawnSync(binary, [], { encoding: "utf8", timeout: 10_000 });
  if (probe.status !== 1) return { fallbackReason: `${binary} cannot run here (${probe.error?.message ?? (probe.signal ? `killed by ${probe.signal}` : `exit ${probe.status}: ${(probe.stderr ?? "").trim().split("\n")[0]}`)})` };
  return { prover: nativeProver(binary, files.zkey, files.vkey, instance) };
}

/**
 * The artifacts of one instance in `dir`, a build/<instance>/ folder (or a copy of it): manifest.json and the
 * wasm, zkey and verification key it lists (found under `dir` by their place below build/<instance>/), and the C++
 * witness generator when usable (manifestWitness; `witnessFallback` says why not) and the native prover when usable
 * (manifestProver; `proverFallback` says why not; `prover` "snarkjs" asks for none). Throws ZkMarginArtifactError
 * naming what is missing or when the manifest is not a margin-proof instance's.
 */
export function artifactsFromDir(dir: string, opts: { engine?: WitnessEngine; prover?: ProverEngine } = {}): ProverArtifacts & { vkey: string; files: { wasm: string; zkey: string; vkey: string; manifest: string } } {
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
  const native = manifestProver(dir, m, files, instance, opts.prover);
  return { instance, wasm: files.wasm, zkey: files.zkey, vkey: files.vkey, witness, witnessFallback: fallbackReason, prover: native.prover, proverFallback: native.fallbackReason, files };
}
