/**
 * verifyProof: check a ZkMarginProof (object or its JSON) against its instance's verification key.
 * A malformed proof object throws ZkMarginInputError naming the field; a well-formed but invalid proof returns false
 * (including when its named public inputs, signals and packed points disagree with each other).
 */
import { readFileSync } from "node:fs";
import { snark, type VerificationKey } from "../scripts/lib/snark.ts";
import { ZkMarginInputError } from "./errors.ts";
import { instanceArtifacts, instanceParams, type ZkMarginProof } from "./generateProof.ts";
import { packProof, type Groth16Proof } from "./packProof.ts";
import { flattenPublicInputs } from "./publicSignals.ts";
import { parseWith, ProofSchema, toJsonValue } from "./statement.ts";

export interface VerifyProofOptions {
  /** the instance to verify against; defaults to the proof's own `instance`, and must match it when given */
  instance?: string;
}

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

const vkeys = new Map<string, VerificationKey>();

function loadVkey(instance: string): VerificationKey {
  const cached = vkeys.get(instance);
  if (cached) return cached;
  const { vkey } = instanceArtifacts(instance, ["vkey"]);
  const parsed = JSON.parse(readFileSync(vkey, "utf8")) as VerificationKey;
  vkeys.set(instance, parsed);
  return parsed;
}

/** True iff the proof is valid for its public inputs under the instance's verification key. */
export async function verifyProof(proof: unknown, opts: VerifyProofOptions = {}): Promise<boolean> {
  const p = parseProof(proof);
  const instance = opts.instance ?? p.instance;
  if (opts.instance !== undefined && opts.instance !== p.instance) {
    throw new ZkMarginInputError("proof.instance", `the proof was made with instance "${p.instance}", not "${opts.instance}"`);
  }
  const { V } = instanceParams(instance);
  const named = p.publicInputs;
  for (const f of ["venueRoots", "venueIds"] as const) {
    if (named[f].length !== V) throw new ZkMarginInputError(`proof.publicInputs.${f}`, `${named[f].length} values, instance "${instance}" has V=${V}`);
  }
  // The three views of the proof must agree: named inputs = ordered signals, packed points = snarkjs proof.
  const flat = flattenPublicInputs(named).map(String);
  if (flat.length !== p.publicSignals.length || flat.some((s, i) => s !== p.publicSignals[i])) return false;
  const packed = packProof(p.proof);
  if (packed.some((x, i) => x !== p.points[i])) return false;
  return snark.groth16.verify(loadVkey(instance), p.publicSignals, p.proof);
}
