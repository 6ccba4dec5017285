/**
 * Circuit instances (circuits/circuits.json): loading, validation and the build layout every script and test uses.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { ZkMarginInputError } from "../../prover/errors.ts";
import { artifactsFromDir, manifestWitness, type ManifestFiles } from "../../prover/node.ts";
import type { InstanceParams } from "../../prover/types.ts";
import type { WitnessEngine, WitnessGenerator } from "../../prover/witness.ts";
import type { ProverEngine } from "../../prover/artifacts.ts";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const InstanceSchema = z.object({
  file: z.string().regex(/^[A-Za-z0-9_/]+$/),
  template: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
  params: z.record(z.string(), z.number().int().nonnegative()),
  pubs: z.array(z.string()),
  ptauPower: z.number().int().min(8).max(28),
});
export type Instance = z.infer<typeof InstanceSchema> & { name: string };

export function loadInstances(): Record<string, Instance> {
  const raw = JSON.parse(readFileSync(path.join(ROOT, "circuits/circuits.json"), "utf8")) as Record<string, unknown>;
  const out: Record<string, Instance> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (name.startsWith("$")) continue;
    const parsed = InstanceSchema.safeParse(value);
    if (!parsed.success) throw new Error(`circuits/circuits.json: instance "${name}": ${parsed.error.message}`);
    // MarginProof's scenarios are the rows of the sign design [H; −H], H the Sylvester Hadamard matrix of order K/2:
    // K must be 2·2^m with m ≥ 1 (the circuit asserts it too, prover/model.ts scenarioColumns says why)
    const K = parsed.data.params.K;
    if (parsed.data.template === "MarginProof" && !(Number.isInteger(K) && K >= 4 && K <= 64 && (K & (K - 1)) === 0)) {
      throw new Error(`circuits/circuits.json: instance "${name}": K = ${K} is not a scenario count 2·2^m in [4, 64] (the sign design [H; −H] needs a Hadamard matrix of order K/2)`);
    }
    out[name] = { ...parsed.data, name };
  }
  return out;
}

export function getInstance(name: string): Instance {
  const all = loadInstances();
  const inst = all[name];
  if (!inst) throw new Error(`unknown circuit instance "${name}" (known: ${Object.keys(all).join(", ")})`);
  return inst;
}

/** Where ptau files are cached, outside the repo (override with ZKMARGIN_CACHE). */
export function cacheDir(): string {
  return process.env.ZKMARGIN_CACHE ?? path.join(homedir(), ".cache", "zkmargin");
}

/** Paths of an instance's build outputs (all under build/<name>/, gitignored). */
export function artifactPaths(name: string) {
  const dir = path.join(ROOT, "build", name);
  return {
    dir,
    main: path.join(ROOT, "circuits", "main", `${name}.circom`),
    r1cs: path.join(dir, `${name}.r1cs`),
    sym: path.join(dir, `${name}.sym`),
    wasm: path.join(dir, `${name}_js`, `${name}.wasm`),
    zkey: path.join(dir, `${name}.zkey`),
    vkey: path.join(dir, "verification_key.json"),
    verifierDir: path.join(ROOT, "verifier-contracts", "generated", name),
    verifier: path.join(ROOT, "verifier-contracts", "generated", name, "Groth16Verifier.sol"),
    manifest: path.join(dir, "manifest.json"),
  };
}

/**
 * A MarginProof instance's dimensions (V, N, A, K, D) from circuits/circuits.json, without any build. Throws a
 * ZkMarginInputError naming "instance" for an unknown instance or one that is not a margin proof.
 */
export function marginParams(name: string): InstanceParams {
  const all = loadInstances();
  const inst = all[name];
  if (!inst) throw new ZkMarginInputError("instance", `unknown circuit instance "${name}" (known: ${Object.keys(all).join(", ")})`);
  const p = inst.params;
  for (const k of ["V", "N", "A", "K", "D"] as const) {
    if (typeof p[k] !== "number") throw new ZkMarginInputError("instance", `instance "${name}" is not a margin-proof instance (no parameter ${k})`);
  }
  return { V: p.V, N: p.N, A: p.A, K: p.K, D: p.D };
}

/**
 * The SDK artifacts (prover/artifacts.ts) of an instance built in this repository: build/<name>/ with its manifest
 * (prover/node.ts artifactsFromDir; `dir` overrides the folder, e.g. ZKMARGIN_ARTIFACTS in the CLI). An unknown
 * instance is a ZkMarginInputError ("instance"), a missing build a ZkMarginArtifactError.
 */
export function localArtifacts(name: string, opts: { engine?: WitnessEngine; prover?: ProverEngine; dir?: string } = {}): ReturnType<typeof artifactsFromDir> {
  if (opts.dir === undefined) marginParams(name);
  return artifactsFromDir(opts.dir ?? artifactPaths(name).dir, { engine: opts.engine, prover: opts.prover });
}

/**
 * The C++ witness generator of any built instance (margin proof or not), from its manifest: `witness` when usable,
 * else `fallbackReason` (prover/node.ts manifestWitness).
 */
export function builtWitness(name: string, engine?: WitnessEngine): { witness?: WitnessGenerator; fallbackReason?: string } {
  const p = artifactPaths(name);
  let m: ManifestFiles;
  try {
    m = JSON.parse(readFileSync(p.manifest, "utf8")) as ManifestFiles;
  } catch {
    return { fallbackReason: `instance "${name}" has no manifest` };
  }
  return manifestWitness(p.dir, m, engine);
}
