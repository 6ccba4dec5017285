/**
 * Setup and artifact checks: `zkey verify` of the proving key against r1cs and ptau, the Solidity verifier's
 * constants (source and deployed bytecode) against verification_key.json, the manifest's hashes against the files.
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { ROOT } from "../../scripts/lib/instances.ts";
import { snark, type Logger, type VerificationKey } from "../../scripts/lib/snark.ts";

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

const quietLogger = (lines: string[]): Logger => {
  const push = (m: string) => lines.push(m);
  return { debug: () => {}, info: push, warn: push, error: push, log: push };
};

/** snarkjs zkey verify (r1cs + ptau → the zkey's circuit and powers are the ones claimed, contributions chain). */
export async function verifyZkey(r1cs: string, ptau: string, zkey: string): Promise<CheckResult> {
  for (const [what, f] of [["r1cs", r1cs], ["ptau", ptau], ["zkey", zkey]] as const) {
    if (!existsSync(f)) return { name: "zkey verify", ok: false, detail: `${what} not found: ${f}` };
  }
  const lines: string[] = [];
  const ok = await snark.zKey.verifyFromR1cs(r1cs, ptau, zkey, quietLogger(lines));
  const contributions = lines.filter((l) => /contribution #/i.test(l)).length;
  return {
    name: "zkey verify",
    ok: ok === true,
    detail: ok === true
      ? `${path.basename(zkey)} matches ${path.basename(r1cs)} and ${path.basename(ptau)} (${contributions} phase-2 contribution(s) listed)`
      : `zkey verify FAILED: ${lines.filter((l) => /invalid|fail|error|not match|mismatch/i.test(l)).join("; ") || lines.slice(-3).join("; ")}`,
  };
}

/** Every constant of a Groth16 verification key, named as snarkjs's Solidity template names them. */
export function vkeyConstants(vk: VerificationKey): Map<string, bigint> {
  const m = new Map<string, bigint>();
  m.set("alphax", BigInt(vk.vk_alpha_1[0]));
  m.set("alphay", BigInt(vk.vk_alpha_1[1]));
  // G2 points: the template swaps each coordinate's two limbs (x1 = [0][1], x2 = [0][0], ...)
  for (const [name, p] of [["beta", vk.vk_beta_2], ["gamma", vk.vk_gamma_2], ["delta", vk.vk_delta_2]] as const) {
    m.set(`${name}x1`, BigInt(p[0][1]));
    m.set(`${name}x2`, BigInt(p[0][0]));
    m.set(`${name}y1`, BigInt(p[1][1]));
    m.set(`${name}y2`, BigInt(p[1][0]));
  }
  vk.IC.forEach((ic, i) => {
    m.set(`IC${i}x`, BigInt(ic[0]));
    m.set(`IC${i}y`, BigInt(ic[1]));
  });
  return m;
}

/** The generated verifier's `uint256 constant NAME = VALUE;` lines checked one by one against the vkey. */
export function checkVerifierSource(solidity: string, vk: VerificationKey): CheckResult {
  const declared = new Map<string, bigint>();
  for (const m of solidity.matchAll(/uint256\s+constant\s+([A-Za-z0-9_]+)\s*=\s*(\d+)\s*;/g)) declared.set(m[1], BigInt(m[2]));
  const expected = vkeyConstants(vk);
  const problems: string[] = [];
  for (const [name, value] of expected) {
    const got = declared.get(name);
    if (got === undefined) problems.push(`${name} missing`);
    else if (got !== value) problems.push(`${name} = ${got}, vkey has ${value}`);
  }
  const extraIc = [...declared.keys()].filter((k) => /^IC\d+[xy]$/.test(k) && !expected.has(k));
  if (extraIc.length > 0) problems.push(`extra IC constants ${extraIc.join(", ")} (public-input count differs from the vkey's ${vk.nPublic})`);
  return {
    name: "verifier source constants",
    ok: problems.length === 0,
    detail: problems.length === 0 ? `all ${expected.size} constants equal verification_key.json (nPublic ${vk.nPublic})` : problems.join("; "),
  };
}

/**
 * A deployed verifier's runtime bytecode checked against the vkey: every constant must appear as the immediate of
 * a PUSH instruction (the optimiser keeps 254-bit constants as PUSH32, or PUSHn when leading bytes are zero).
 * Works for any verifier that embeds the key (the snarkjs verifier and the batch verifier alike).
 */
export function checkVerifierBytecode(runtimeHex: string, vk: VerificationKey, label = "deployed verifier"): CheckResult {
  const code = runtimeHex.replace(/^0x/, "").toLowerCase();
  const missing: string[] = [];
  for (const [name, value] of vkeyConstants(vk)) {
    let hex = value.toString(16);
    if (hex.length % 2) hex = `0${hex}`;
    const push = (0x5f + hex.length / 2).toString(16);
    // the immediate must start at an opcode boundary: check every hit is preceded by its PUSH opcode
    let found = false;
    for (let at = code.indexOf(push + hex); at >= 0 && !found; at = code.indexOf(push + hex, at + 1)) found = at % 2 === 0;
    if (!found) missing.push(name);
  }
  return {
    name: `${label} bytecode`,
    ok: missing.length === 0,
    detail: missing.length === 0 ? `all ${vkeyConstants(vk).size} vkey constants are PUSH immediates of the code` : `missing from the code: ${missing.join(", ")}`,
  };
}

export async function sha256File(file: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 22 })) h.update(chunk as Buffer);
  return h.digest("hex");
}

/** Every {path|file, sha256} entry found anywhere in a manifest. */
export function manifestEntries(manifest: unknown, trail = ""): { key: string; file: string; sha256: string }[] {
  if (manifest === null || typeof manifest !== "object") return [];
  const obj = manifest as Record<string, unknown>;
  const out: { key: string; file: string; sha256: string }[] = [];
  const file = typeof obj.path === "string" ? obj.path : typeof obj.file === "string" ? obj.file : undefined;
  if (typeof obj.sha256 === "string" && file !== undefined) out.push({ key: trail || "(root)", file, sha256: obj.sha256 });
  for (const [k, v] of Object.entries(obj)) if (v !== null && typeof v === "object") out.push(...manifestEntries(v, trail ? `${trail}.${k}` : k));
  return out;
}

/** The manifest's sha256 of each artifact recomputed from the file. */
export async function checkManifest(manifestFile: string): Promise<CheckResult[]> {
  if (!existsSync(manifestFile)) return [{ name: "manifest", ok: false, detail: `no manifest at ${path.relative(ROOT, manifestFile)}: build the instance first` }];
  const manifest: unknown = JSON.parse(readFileSync(manifestFile, "utf8"));
  const entries = manifestEntries(manifest);
  if (entries.length === 0) return [{ name: "manifest", ok: false, detail: "the manifest lists no {path, sha256} entries" }];
  const out: CheckResult[] = [];
  for (const e of entries) {
    const abs = path.isAbsolute(e.file) ? e.file : path.join(ROOT, e.file);
    if (!existsSync(abs)) {
      out.push({ name: `manifest ${e.key}`, ok: false, detail: `${e.file} not found` });
      continue;
    }
    const got = await sha256File(abs);
    out.push({
      name: `manifest ${e.key}`,
      ok: got === e.sha256.toLowerCase(),
      detail: got === e.sha256.toLowerCase() ? `${path.relative(ROOT, abs)} sha256 ${got.slice(0, 16)}…` : `${path.relative(ROOT, abs)}: sha256 ${got}, manifest says ${e.sha256}`,
    });
  }
  return out;
}
