/**
 * verifyProof: check a ZkMarginProof (object or its JSON) against an instance's verification key (passed in:
 * prover/artifacts.ts). A malformed proof object throws ZkMarginInputError naming the field; a well-formed but
 * invalid proof returns false (including when its named public inputs, signals and packed points disagree with each
 * other); a proof of another instance than the artifacts' throws ZkMarginInputError("proof.instance").
 */
import { checkInstance, loadVerificationKey, type ArtifactSource, type InstanceDescriptor, type VerifierArtifacts } from "./artifacts.ts";
import { ZkMarginInputError } from "./errors.ts";
import type { ZkMarginProof } from "./generateProof.ts";
import { packProof, type Groth16Proof } from "./packProof.ts";
import { flattenPublicInputs } from "./publicSignals.ts";
import { snark, type VerificationKey } from "./snark.ts";
import { parseWith, ProofSchema, toJsonValue } from "./statement.ts";

/** Parse a proof (object or JSON text); throws ZkMarginInputError naming the first malformed field. */
export function parseProof(value: unknown, label = "proof"): ZkMarginProof {
  const p = parseWith(ProofSchema, typeof value === "string" ? value : toJsonValue(value), label);
  return {
    ...p,
    publicSignals: p.publicSignals.map(String),
    proof: { pi_a: p.proof.pi_a, pi_b: p.proof.pi_b, pi_c: p.proof.pi_c, protocol: "groth16", curve: "bn128" } satisfies Groth16Proof,
    points: p.points.map(String) as ZkMarginProof["points"],
  };
}

/** Parsed verification keys by source (a path or URL is read once per process). */
const vkeys = new Map<string, Promise<VerificationKey>>();

function vkeyOf(v: VerifierArtifacts): Promise<VerificationKey> {
  const src = v.vkey;
  const key = typeof src === "string" ? src : src instanceof URL ? src.href : undefined;
  if (key === undefined) return loadVerificationKey(src, v.instance);
  const cacheKey = `${v.instance.name}\u0000${key}`;
  let vk = vkeys.get(cacheKey);
  if (!vk) {
    vk = loadVerificationKey(src as ArtifactSource, v.instance);
    vkeys.set(cacheKey, vk);
    vk.catch(() => vkeys.delete(cacheKey));
  }
  return vk;
}

/** True iff the proof is valid for its public inputs under the verification key of `verifier`. */
export async function verifyProof(proof: unknown, verifier: VerifierArtifacts | { instance: InstanceDescriptor; vkey?: VerifierArtifacts["vkey"] }): Promise<boolean> {
  const p = parseProof(proof);
  const instance = checkInstance(verifier?.instance, "artifacts.instance");
  if (verifier.vkey === undefined) throw new ZkMarginInputError("artifacts.vkey", "verifyProof needs the instance's verification key");
  if (p.instance !== instance.name) {
    throw new ZkMarginInputError("proof.instance", `the proof was made with instance "${p.instance}", not "${instance.name}"`);
  }
  const { V } = instance;
  const named = p.publicInputs;
  for (const f of ["venueRoots", "venueIds"] as const) {
    if (named[f].length !== V) throw new ZkMarginInputError(`proof.publicInputs.${f}`, `${named[f].length} values, instance "${instance.name}" has V=${V}`);
  }
  const vk = await vkeyOf(verifier as VerifierArtifacts);
  // The three views of the proof must agree: named inputs = ordered signals, packed points = snarkjs proof.
  const flat = flattenPublicInputs(named).map(String);
  if (flat.length !== p.publicSignals.length || flat.some((s, i) => s !== p.publicSignals[i])) return false;
  const packed = packProof(p.proof);
  if (packed.some((x, i) => x !== p.points[i])) return false;
  return snark.groth16.verify(vk, p.publicSignals, p.proof);
}
