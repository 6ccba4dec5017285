/**
 * The audit's constant check for the generated single-proof MarginVerifier (scripts/lib/batchVerifier.ts
 * marginVerifierSource), beside client/audit/setup.ts checkVerifierBytecode for snarkjs's verifier: a deployed
 * MarginVerifier's (or InstanceMarginAttestor's) runtime code must hold every verification-key constant except IC₀
 * and the domain's IC point (used only by the constructor) as a PUSH immediate, and, as
 * immutables (PUSH32), its DOMAIN and its folded IC₀' = IC₀ + domain·IC_{d+1}, recomputed here off-chain with
 * ffjavascript's BN254 (snarkjs's curve library), so an on-chain verifier can be checked against a key and a domain
 * without trusting its source.
 */
import { vkeyConstants, type CheckResult } from "../../client/audit/setup.ts";
import type { VerificationKey } from "./snark.ts";

interface G1Curve {
  G1: {
    fromObject(p: readonly bigint[]): unknown;
    add(a: unknown, b: unknown): unknown;
    timesScalar(p: unknown, s: bigint): unknown;
    toAffine(p: unknown): unknown;
    toObject(p: unknown): bigint[];
    isZero(p: unknown): boolean;
  };
  terminate(): Promise<void>;
}

/** IC₀ + domain·IC_{d+1} in affine coordinates (what MarginVerifier's constructor computes with precompiles 6 and 7). */
export async function foldedIC0(vk: Pick<VerificationKey, "IC">, domainIndex: number, domain: bigint): Promise<[bigint, bigint]> {
  const ic0 = vk.IC[0].map((x) => BigInt(x));
  const icd = vk.IC[domainIndex + 1]?.map((x) => BigInt(x));
  if (!icd) throw new RangeError(`foldedIC0: the key has no IC point ${domainIndex + 1}`);
  if (domain === 0n) return [ic0[0], ic0[1]];
  // ffjavascript ships no type declarations: G1Curve types the parts used here
  const { buildBn128 } = (await import("ffjavascript" as string)) as { buildBn128(singleThread: boolean): Promise<G1Curve> };
  const bn = await buildBn128(true);
  try {
    const G1 = bn.G1;
    const sum = G1.add(G1.fromObject([ic0[0], ic0[1], 1n]), G1.timesScalar(G1.fromObject([icd[0], icd[1], 1n]), domain));
    if (G1.isZero(sum)) throw new RangeError("foldedIC0: the folded point is the point at infinity");
    const [x, y] = G1.toObject(G1.toAffine(sum));
    return [x, y];
  } finally {
    await bn.terminate();
  }
}

/** Whether `value` is an immediate of a PUSH of its minimal width (constants) or of PUSH32 (immutables) in `code`. */
function pushed(code: string, value: bigint, width: "minimal" | 32): boolean {
  let hex = value.toString(16);
  if (width === 32) hex = hex.padStart(64, "0");
  else if (hex.length % 2) hex = `0${hex}`;
  const push = (0x5f + hex.length / 2).toString(16);
  for (let at = code.indexOf(push + hex); at >= 0; at = code.indexOf(push + hex, at + 1)) if (at % 2 === 0) return true;
  return false;
}

/**
 * Check a deployed MarginVerifier's runtime code against a verification key and the domain it must have folded
 * (`domainIndex` is the public signal of the domain, 1 for MarginProof).
 */
export async function checkMarginVerifier(runtimeHex: string, vk: VerificationKey, domain: bigint, domainIndex = 1, label = "deployed MarginVerifier"): Promise<CheckResult> {
  const code = runtimeHex.replace(/^0x/, "").toLowerCase();
  const missing: string[] = [];
  // IC₀ is replaced by the folded point; IC_{d+1} is used only by the constructor (its effect is the folded point)
  const replaced = new Set(["IC0x", "IC0y", `IC${domainIndex + 1}x`, `IC${domainIndex + 1}y`]);
  for (const [name, value] of vkeyConstants(vk)) {
    if (replaced.has(name)) continue;
    if (!pushed(code, value, "minimal")) missing.push(name);
  }
  const [x, y] = await foldedIC0(vk, domainIndex, domain);
  if (!pushed(code, domain, 32)) missing.push("DOMAIN");
  if (!pushed(code, x, 32)) missing.push("IC0x (folded)");
  if (!pushed(code, y, 32)) missing.push("IC0y (folded)");
  const n = vkeyConstants(vk).size - replaced.size;
  return {
    name: `${label} bytecode`,
    ok: missing.length === 0,
    detail: missing.length === 0 ? `all ${n} vkey constants, the domain and the folded IC0 are in the code` : `missing from the code: ${missing.join(", ")}`,
  };
}
