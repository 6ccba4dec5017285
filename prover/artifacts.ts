/**
 * What the SDK proves and verifies with, passed in by the caller (as Semaphore's `snarkArtifacts`): the circuit's
 * WASM witness generator, the Groth16 proving key and the verification key, each as bytes, a file path (Node) or a
 * URL (Node and browsers), plus an instance descriptor (V, N, A, K, D and the public-signal layout) read from the
 * build manifest. The SDK never knows where a repository keeps its build output: the CLI and the scripts resolve
 * the repository's build/<instance>/ (scripts/lib/instances.ts localArtifacts, prover/node.ts artifactsFromDir), a
 * page passes the URLs it serves, another project passes its own files.
 *
 *   const manifest = await (await fetch("/artifacts/test/manifest.json")).json();
 *   const artifacts = { instance: instanceFromManifest(manifest), wasm: "/artifacts/test/circuit.wasm", zkey: …, vkey: … };
 *   const proof = await generateProof(input, artifacts);
 *   const ok = await verifyProof(proof, artifacts);
 *
 * When the descriptor carries the manifest's sha256 of an artifact, the loaded bytes must have it
 * (ZkMarginArtifactError otherwise): a stale or swapped key is named before any witness is computed.
 */
import { z } from "zod";
import { ZkMarginArtifactError } from "./errors.ts";
import { publicSignalCount, publicSignalNames } from "./publicSignals.ts";
import type { SnarkProof, VerificationKey } from "./snark.ts";
import type { InstanceParams } from "./types.ts";
import type { WitnessGenerator } from "./witness.ts";

/** An artifact: its bytes, a file path (Node; in a browser a relative URL) or a URL (http, https, file, data, blob). */
export type ArtifactSource = string | URL | Uint8Array | ArrayBuffer;

/** The public inputs of a MarginProof instance, in circuit order (docs/DESIGN.md §4, prover/publicSignals.ts). */
export const MARGIN_PUBLIC_INPUTS = ["subject", "domain", "contextHash", "venueRoots", "bookNullifier", "tail"] as const;

/** A MarginProof circuit instance as the SDK needs it: dimensions and the public-signal layout. */
export interface InstanceDescriptor extends InstanceParams {
  /** the instance's name in circuits/circuits.json (recorded in every proof) */
  name: string;
  /** the public signals in order, e.g. subject, domain, contextHash, venueRoots[0], … (publicSignalNames(V)) */
  publicSignals: readonly string[];
  /** true when the keys come from an insecure development setup (a development ptau or fixed phase-2 entropy) */
  insecure: boolean;
  /** sha256 (hex) of the artifacts' bytes, from the manifest; checked when the SDK loads them */
  sha256?: { wasm?: string; zkey?: string; vkey?: string };
}

/** What verifyProof needs. */
export interface VerifierArtifacts {
  instance: InstanceDescriptor;
  /** verification_key.json: its source, or the parsed object */
  vkey: ArtifactSource | VerificationKey;
}

/** What generateProof and ProverSession need. */
export interface ProverArtifacts {
  instance: InstanceDescriptor;
  /** the circuit's WASM witness generator (<name>.wasm) */
  wasm: ArtifactSource;
  /** the Groth16 proving key (<name>.zkey) */
  zkey: ArtifactSource;
  /** verification_key.json (needed only to verify with the same object) */
  vkey?: ArtifactSource | VerificationKey;
  /**
   * A faster witness generator to use instead of the WASM (Node: circom's C++ generator, prover/node.ts
   * cppWitnessGenerator); it must compute exactly the WASM's witness.
   */
  witness?: WitnessGenerator;
  /** why `witness` is absent (shown by ProverSession.witnessEngine) */
  witnessFallback?: string;
  /**
   * A faster Groth16 prover to use instead of snarkjs's (Node: the project's native prover, prover/node.ts
   * nativeProver, which verifies each of its proofs before returning it); it proves with the key `zkey` names.
   */
  prover?: Groth16Prover;
  /** why `prover` is absent (shown by ProverSession.proverEngine) */
  proverFallback?: string;
}

/** Which Groth16 prover runs: snarkjs's (WASM, Node and browsers) or the native one (Node on x86-64 Linux). */
export type ProverEngine = "native" | "snarkjs";

/**
 * A Groth16 prover of one instance's key: the proof and public signals of a .wtns witness, as snarkjs returns them;
 * `onProgress` hears each step (fraction 0..1 within the proof, the step's name).
 */
export interface Groth16Prover {
  engine: "native";
  prove(wtns: Uint8Array, onProgress?: (fraction: number, step: string) => void): Promise<{ proof: SnarkProof; publicSignals: string[] }>;
}

/** A descriptor for a MarginProof instance of the given dimensions (its public-signal layout follows from V). */
export function instanceDescriptor(name: string, params: InstanceParams, extra: Pick<InstanceDescriptor, "insecure" | "sha256"> = { insecure: false }): InstanceDescriptor {
  return checkInstance({ name, V: params.V, N: params.N, A: params.A, K: params.K, D: params.D, publicSignals: publicSignalNames(params.V), ...extra });
}

/** Check a descriptor passed in by a caller; throws ZkMarginArtifactError naming the bad field. */
export function checkInstance(d: InstanceDescriptor, label = "instance"): InstanceDescriptor {
  if (d === null || typeof d !== "object") throw new ZkMarginArtifactError(`${label}: expected an instance descriptor (instanceFromManifest)`);
  if (typeof d.name !== "string" || !/^[A-Za-z0-9_-]+$/.test(d.name)) throw new ZkMarginArtifactError(`${label}.name: expected an instance name`);
  for (const k of ["V", "N", "A", "K", "D"] as const) {
    if (!Number.isInteger(d[k]) || d[k] < 1) throw new ZkMarginArtifactError(`${label}.${k}: instance "${d.name}" needs a positive integer ${k}`);
  }
  const want = publicSignalNames(d.V);
  if (!Array.isArray(d.publicSignals) || d.publicSignals.length !== want.length || d.publicSignals.some((s, i) => s !== want[i])) {
    throw new ZkMarginArtifactError(`${label}.publicSignals: instance "${d.name}" declares [${String(d.publicSignals)}], this SDK proves [${want.join(", ")}]`);
  }
  return d;
}

const FileEntry = z.object({ path: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }).passthrough();
const ManifestSchema = z
  .object({
    instance: z.string().min(1),
    template: z.string(),
    params: z.record(z.string(), z.number().int()),
    pubs: z.array(z.string()),
    nPublic: z.number().int(),
    ptau: z.object({ insecure: z.boolean() }).passthrough(),
    phase2: z.object({ insecure: z.boolean() }).passthrough(),
    files: z.object({ wasm: FileEntry, zkey: FileEntry, vkey: FileEntry }).passthrough(),
  })
  .passthrough();

/**
 * The instance descriptor recorded in a build manifest (build/<instance>/manifest.json, object or JSON text).
 * Throws ZkMarginArtifactError when it is not a MarginProof instance whose public signals this SDK proves.
 */
export function instanceFromManifest(manifest: unknown, label = "manifest"): InstanceDescriptor {
  let data = manifest;
  if (typeof manifest === "string") {
    try {
      data = JSON.parse(manifest) as unknown;
    } catch (e) {
      throw new ZkMarginArtifactError(`${label}: not valid JSON (${(e as Error).message})`);
    }
  }
  const res = ManifestSchema.safeParse(data);
  if (!res.success) {
    const issue = res.error.issues[0];
    throw new ZkMarginArtifactError(`${label}.${issue.path.join(".")}: ${issue.message} (not a zkmargin build manifest)`);
  }
  const m = res.data;
  if (m.pubs.length !== MARGIN_PUBLIC_INPUTS.length || m.pubs.some((p, i) => p !== MARGIN_PUBLIC_INPUTS[i])) {
    throw new ZkMarginArtifactError(`${label}: instance "${m.instance}" (${m.template}) has public inputs [${m.pubs.join(", ")}], not a margin proof's [${MARGIN_PUBLIC_INPUTS.join(", ")}]`);
  }
  const p = m.params;
  for (const k of ["V", "N", "A", "K", "D"] as const) {
    if (typeof p[k] !== "number") throw new ZkMarginArtifactError(`${label}.params.${k}: instance "${m.instance}" has no parameter ${k}`);
  }
  if (m.nPublic !== publicSignalCount(p.V)) {
    throw new ZkMarginArtifactError(`${label}.nPublic: instance "${m.instance}" has ${m.nPublic} public signals, V=${p.V} needs ${publicSignalCount(p.V)}`);
  }
  return instanceDescriptor(m.instance, { V: p.V, N: p.N, A: p.A, K: p.K, D: p.D }, {
    insecure: m.ptau.insecure || m.phase2.insecure,
    sha256: { wasm: m.files.wasm.sha256, zkey: m.files.zkey.sha256, vkey: m.files.vkey.sha256 },
  });
}

/** Node (not a browser page or worker): a plain string is a file path there. */
export const IN_NODE =
  typeof (globalThis as { window?: unknown }).window === "undefined" &&
  typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === "string";

/** node:fs/promises, loaded only in Node (a variable specifier keeps it out of browser bundles). */
const NODE_FS = "node:fs/promises";
const NODE_URL = "node:url";

const URL_SCHEME = /^(https?|file|data|blob):/i;

function describe(src: ArtifactSource): string {
  if (typeof src === "string") return src;
  if (src instanceof URL) return src.href;
  return `${src.byteLength} bytes`;
}

async function readSource(src: ArtifactSource, what: string): Promise<Uint8Array> {
  if (src instanceof Uint8Array) return src;
  if (src instanceof ArrayBuffer) return new Uint8Array(src);
  const text = src instanceof URL ? src.href : src;
  if (typeof text !== "string" || text === "") throw new ZkMarginArtifactError(`${what}: expected bytes, a file path or a URL`);
  const isUrl = src instanceof URL || URL_SCHEME.test(text);
  if (IN_NODE && (!isUrl || /^file:/i.test(text))) {
    const fs = (await import(/* @vite-ignore */ NODE_FS)) as typeof import("node:fs/promises");
    const file = isUrl ? ((await import(/* @vite-ignore */ NODE_URL)) as typeof import("node:url")).fileURLToPath(text) : text;
    try {
      return new Uint8Array(await fs.readFile(file));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new ZkMarginArtifactError(`${what} not found at ${file} (${code ?? (e as Error).message}); build the keys first (npm run build)`);
    }
  }
  let res: Response;
  try {
    res = await fetch(text);
  } catch (e) {
    throw new ZkMarginArtifactError(`${what}: cannot fetch ${text} (${(e as Error).message})`);
  }
  if (!res.ok) throw new ZkMarginArtifactError(`${what}: ${text} answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""}`);
  return new Uint8Array(await res.arrayBuffer());
}

async function sha256Hex(bytes: Uint8Array): Promise<string | undefined> {
  const subtle = (globalThis as { crypto?: Crypto }).crypto?.subtle;
  if (!subtle) return undefined; // a browser page outside a secure context: no WebCrypto (the proof still fails to verify with a wrong key)
  const digest = await subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The bytes of an artifact; `sha256` (hex), when given, must match. Throws ZkMarginArtifactError naming the
 * artifact and where it was looked for.
 */
export async function loadArtifact(src: ArtifactSource, what: string, sha256?: string): Promise<Uint8Array> {
  const bytes = await readSource(src, what);
  if (sha256 !== undefined) {
    const got = await sha256Hex(bytes);
    if (got !== undefined && got !== sha256) {
      throw new ZkMarginArtifactError(`${what} (${describe(src)}): sha256 ${got} differs from the manifest's ${sha256}: the file is not the one the build recorded (rebuild, or fetch matching artifacts)`);
    }
  }
  return bytes;
}

function isVerificationKey(v: unknown): v is VerificationKey {
  return v !== null && typeof v === "object" && !(v instanceof Uint8Array) && !(v instanceof ArrayBuffer) && !(v instanceof URL) && "IC" in v;
}

/** The verification key of an instance, parsed and checked against the instance's public-signal count. */
export async function loadVerificationKey(src: ArtifactSource | VerificationKey, instance: InstanceDescriptor): Promise<VerificationKey> {
  let vk: VerificationKey;
  if (isVerificationKey(src)) vk = src;
  else {
    const bytes = await loadArtifact(src, `instance "${instance.name}": verification key`, instance.sha256?.vkey);
    try {
      vk = JSON.parse(new TextDecoder().decode(bytes)) as VerificationKey;
    } catch (e) {
      throw new ZkMarginArtifactError(`instance "${instance.name}": verification key (${describe(src)}) is not valid JSON (${(e as Error).message})`);
    }
  }
  const n = publicSignalCount(instance.V);
  if (vk?.protocol !== "groth16" || vk.curve !== "bn128" || vk.nPublic !== n || !Array.isArray(vk.IC) || vk.IC.length !== n + 1) {
    throw new ZkMarginArtifactError(`instance "${instance.name}": the verification key is not a Groth16 bn128 key with ${n} public signals (protocol ${vk?.protocol}, nPublic ${vk?.nPublic})`);
  }
  return vk;
}
