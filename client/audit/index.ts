/**
 * The auditor's toolkit for one circuit instance (`zkmargin audit --instance NAME`):
 *  1. constraint report per template (audit compile at --O0: every non-linear constraint attributed to its template);
 *  2. circom --inspect warnings, each explained by circuits/inspect-allowlist.json or failing the audit;
 *  3. soundness scan of the built r1cs on a valid witness (free wires explained by the allow-list or failing);
 *  4. zkey verify against r1cs and the ptau named in the manifest; the ptau's blake2b against the manifest;
 *  5. the generated Solidity verifier's constants against verification_key.json;
 *  6. the manifest's sha256 of every artifact against the files.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { ROOT, artifactPaths, getInstance } from "../../scripts/lib/instances.ts";
import { ptauDir, ptauHash } from "../../scripts/lib/ptau.ts";
import type { VerificationKey } from "../../scripts/lib/snark.ts";
import { compileInstanceForAudit } from "./compile.ts";
import { constraintReport, type ConstraintReport } from "./constraints.ts";
import { checkWarnings, freeSignalAllowances, loadAllowList, parseWarnings, type InspectWarning } from "./inspect.ts";
import { loadR1cs, wireIndex } from "./r1cs.ts";
import { sampleInputs, type CircuitInput } from "./samples.ts";
import { scanWitness, type FreeSignal, type ScanResult } from "./scan.ts";
import { checkManifest, checkVerifierSource, verifyZkey, type CheckResult } from "./setup.ts";
import { loadSym } from "./sym.ts";
import { computeWitness } from "./witness.ts";

export { checkVerifierBytecode, checkVerifierSource, checkManifest, verifyZkey, vkeyConstants, type CheckResult } from "./setup.ts";
export { scanWitness, type ScanResult, type FreeSignal } from "./scan.ts";
export { constraintReport, type ConstraintReport } from "./constraints.ts";
export { parseWarnings, checkWarnings, loadAllowList, type InspectWarning } from "./inspect.ts";
export { loadR1cs, wireIndex, failingConstraints } from "./r1cs.ts";
export { loadSym } from "./sym.ts";
export { computeWitness } from "./witness.ts";
export { compileCircom, compileInstanceForAudit } from "./compile.ts";

export interface AuditOptions {
  instance: string;
  /** a circuit input JSON for the scan instead of the built-in sample */
  input?: CircuitInput;
  /** skip `zkey verify` (the slow step: ~1 min for the test instance) */
  skipZkey?: boolean;
  /** progress sink */
  log?: (line: string) => void;
}

export interface AuditReport {
  instance: string;
  /** --O2 constraint count of the built r1cs */
  constraintsO2: number;
  /** per-template report, non-linear constraints of the --O0 audit compile */
  constraints: ConstraintReport;
  warnings: InspectWarning[];
  /** the scans of every sample witness merged: a wire free on any witness is listed */
  scan: ScanResult;
  /** the sample witnesses scanned */
  witnesses: string[];
  checks: CheckResult[];
  ok: boolean;
  seconds: Record<string, number>;
}

const SOURCE_DIRS = [path.join(ROOT, "circuits"), path.join(ROOT, "node_modules", "circomlib", "circuits")];

/** Union of several scans of the same r1cs (by wire). */
export function mergeScans(results: readonly ScanResult[]): ScanResult {
  const byWire = new Map<number, FreeSignal>();
  for (const r of results) for (const f of r.free) if (!byWire.has(f.wire)) byWire.set(f.wire, f);
  const free = [...byWire.values()].sort((a, b) => a.wire - b.wire);
  return {
    wires: results[0]?.wires ?? 0,
    constraints: results[0]?.constraints ?? 0,
    free,
    unexplained: free.filter((f) => f.allowed === undefined),
    ms: results.reduce((s, r) => s + r.ms, 0),
  };
}

export async function runAudit(opts: AuditOptions): Promise<AuditReport> {
  const log = opts.log ?? (() => {});
  const inst = getInstance(opts.instance);
  const p = artifactPaths(inst.name);
  if (!existsSync(p.r1cs) || !existsSync(p.wasm) || !existsSync(p.sym)) {
    throw new Error(`instance "${inst.name}" is not built (no ${path.relative(ROOT, p.r1cs)}): run \`npx tsx scripts/build.ts ${inst.name}\` first`);
  }
  const allow = loadAllowList();
  const seconds: Record<string, number> = {};
  const timed = async <T>(name: string, f: () => Promise<T> | T): Promise<T> => {
    const t0 = performance.now();
    log(`audit ${inst.name}: ${name}…`);
    const r = await f();
    seconds[name] = Math.round((performance.now() - t0) / 100) / 10;
    return r;
  };
  const checks: CheckResult[] = [];

  // 1 + 2: audit compile (O0, --inspect)
  const compiled = await timed("compile --O0 --inspect", () => compileInstanceForAudit(inst, "O0"));
  const constraints = await timed("constraint report", async () => {
    const r1cs0 = await loadR1cs(compiled.r1cs);
    return constraintReport(r1cs0, loadSym(compiled.sym, r1cs0.nVars), inst.template, SOURCE_DIRS, { nonLinearOnly: true });
  });
  const warnings = parseWarnings(compiled.log);
  const unexplained = checkWarnings(warnings, allow, inst.name);
  checks.push({
    name: "circom --inspect",
    ok: unexplained.length === 0,
    detail:
      unexplained.length === 0
        ? `${warnings.length} warning(s), all explained by circuits/inspect-allowlist.json`
        : `${unexplained.length} unexplained warning(s): ${unexplained.map((w) => `[${w.code}] ${w.message}${w.source ? ` (${w.source})` : ""}`).join("; ")}`,
  });

  // 3: soundness scan on the built (--O2) r1cs
  const r1cs = await timed("load r1cs", () => loadR1cs(p.r1cs));
  const scans = await timed("soundness scan", async () => {
    const inputs = opts.input ? [{ label: "--input", input: opts.input }] : await sampleInputs(inst.name);
    const sym = loadSym(p.sym, r1cs.nVars);
    const index = wireIndex(r1cs);
    const out: { label: string; result: ScanResult }[] = [];
    for (const { label, input } of inputs) {
      const witness = await computeWitness(p.wasm, input);
      out.push({ label, result: scanWitness(r1cs, witness, sym, freeSignalAllowances(allow, inst.name), index) });
    }
    return out;
  });
  const scan = mergeScans(scans.map((s) => s.result));
  checks.push({
    name: "soundness scan",
    ok: scan.unexplained.length === 0,
    detail:
      scan.unexplained.length === 0
        ? `${scan.wires - 1} wires perturbed on ${scans.length} witness(es) (${scans.map((s) => s.label).join("; ")}), ${scan.free.length} free (all explained by the allow-list)`
        : `${scan.unexplained.length} under-constrained wire(s): ${scan.unexplained.map((f) => f.names.join("=")).join(", ")}`,
  });

  // 4-6: setup and artifacts
  const manifestRaw = existsSync(p.manifest) ? (JSON.parse(readFileSync(p.manifest, "utf8")) as { ptau?: { name?: string; blake2b?: string } }) : undefined;
  if (!manifestRaw) checks.push({ name: "manifest", ok: false, detail: `no ${path.relative(ROOT, p.manifest)}: run the build` });
  else {
    checks.push(...(await timed("manifest hashes", () => checkManifest(p.manifest))));
    const ptauName = manifestRaw.ptau?.name;
    const ptauFile = ptauName ? path.join(ptauDir(), ptauName) : undefined;
    const userPtau = process.env.ZKMARGIN_PTAU;
    const ptau = ptauFile && existsSync(ptauFile) ? ptauFile : userPtau && path.basename(userPtau) === ptauName ? userPtau : undefined;
    if (!ptau) checks.push({ name: "ptau", ok: false, detail: `the manifest's ptau ${ptauName ?? "(none)"} is not in ${ptauDir()} (set ZKMARGIN_PTAU to it)` });
    else {
      const hash = await timed("ptau hash", () => ptauHash(ptau));
      checks.push({
        name: "ptau",
        ok: hash === manifestRaw.ptau?.blake2b,
        detail: hash === manifestRaw.ptau?.blake2b ? `${ptauName} blake2b matches the manifest${/insecure/.test(ptauName ?? "") ? " (INSECURE development ptau)" : ""}` : `${ptauName}: blake2b ${hash.slice(0, 16)}… differs from the manifest's`,
      });
      if (!opts.skipZkey) checks.push(await timed("zkey verify", () => verifyZkey(p.r1cs, ptau, p.zkey)));
    }
  }
  if (existsSync(p.vkey) && existsSync(p.verifier)) {
    const vk = JSON.parse(readFileSync(p.vkey, "utf8")) as VerificationKey;
    checks.push(checkVerifierSource(readFileSync(p.verifier, "utf8"), vk));
  } else checks.push({ name: "verifier source constants", ok: false, detail: "verification_key.json or Groth16Verifier.sol missing: run the build" });

  return {
    instance: inst.name,
    constraintsO2: r1cs.nConstraints,
    constraints,
    warnings,
    scan,
    witnesses: scans.map((s) => s.label),
    checks,
    ok: checks.every((c) => c.ok),
    seconds,
  };
}
