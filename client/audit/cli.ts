/**
 * `zkmargin audit [--instance test]`: the auditor's toolkit (client/audit/) on one built circuit instance.
 * Prints the constraint report per template, the circom --inspect warnings with their allow-list reasons, the
 * soundness scan, zkey verify, the verifier's constants and the manifest's hashes; exits 2 on any finding.
 * `zkmargin audit --mutate [--check MarginProof#5]`: the mutation run (client/audit/mutate.ts), exit 2 on a survivor.
 *
 * Registered in client/cli.ts with `registerAudit(program, run)`; also runs alone: `npx tsx client/audit/cli.ts --instance test`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { Command, Option } from "commander";
import { ZkMarginInputError } from "../../prover/errors.ts";
import { runAudit, type AuditReport } from "./index.ts";
import { mutationReport, runMutants } from "./mutate.ts";
import { terminateCurve } from "../../scripts/lib/snark.ts";

export interface AuditCliOptions {
  instance: string;
  input?: string;
  skipZkey?: boolean;
  json?: string;
  /** the mutation run instead of the audit */
  mutate?: boolean;
  /** with --mutate: only these checks ("MarginProof#5", or a template name) */
  check?: string[];
  /** with --mutate: the test files to run (default test/circuit/*.test.ts) */
  tests?: string[];
  /** with --mutate: one mutant per constraint statement of each check */
  statements?: boolean;
  /** also check this deployment (client/audit/chain.ts) */
  rpc?: string;
  deployment?: string;
  /** with --rpc/--deployment: only the deployment checks */
  chainOnly?: boolean;
}

const INSECURE_VERDICT = " — INSECURE: the keys come from the development setup (a development ptau, fixed phase-2 entropy); anyone can forge proofs; never for real value";

/** `audit --rpc --deployment`: the deployment checks and the verdict; exit 2 on a finding. */
async function deploymentAudit(o: AuditCliOptions, circuitOk: boolean | undefined): Promise<number> {
  const { auditDeployment } = await import("./chain.ts");
  const { checks, insecure } = await auditDeployment({ instance: o.instance, rpc: o.rpc, deployment: o.deployment });
  const ok = checks.every((c) => c.ok) && circuitOk !== false;
  const out = ["Deployment checks:", ...checks.map((c) => `  ${c.ok ? "ok  " : "FAIL"} ${c.name}: ${c.detail}`), ""];
  out.push(`${ok ? (circuitOk === undefined ? "deployment audit passed (circuit audit not run: --chain-only)" : "audit passed") : "audit FAILED"}${insecure ? INSECURE_VERDICT : ""}`, "");
  process.stdout.write(out.join("\n"));
  return ok ? 0 : 2;
}

function table(rows: (string | number)[][], head: string[]): string {
  const all = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...all.map((r) => String(r[i] ?? "").length)));
  const line = (r: (string | number)[]) => r.map((c, i) => (typeof c === "number" ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join("  ");
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** Human-readable audit report. */
export function renderAudit(r: AuditReport): string {
  const out: string[] = [];
  out.push(`zkmargin audit — instance "${r.instance}": ${r.constraintsO2} constraints (--O2), ${r.scan.wires} wires`);
  out.push("", "Constraints by top-level component (non-linear, --O0 audit compile):");
  out.push(table(r.constraints.topLevel.map((c) => [c.path, c.template, c.instances, c.total, Math.round(c.total / c.instances)]), ["component", "template", "n", "total", "each"]));
  out.push("", "Constraints by template (inclusive of sub-components):");
  out.push(table(r.constraints.templates.map((t) => [t.template, t.perInstance, t.instances, t.total]), ["template", "each", "instances", "total"]));
  out.push(`(--O0 non-linear total ${r.constraints.constraints}; --O2 removes ${r.constraints.constraints - r.constraintsO2} more)`);
  out.push("", `circom --inspect warnings: ${r.warnings.length}`);
  for (const w of r.warnings) out.push(`  [${w.code}] ${w.message}${w.source ? `  «${w.source}»` : ""}\n      ${w.allowed ? `allowed: ${w.allowed}` : "NOT EXPLAINED by circuits/inspect-allowlist.json"}`);
  out.push("", `Soundness scan: ${r.scan.wires - 1} wires perturbed one at a time, ${r.scan.free.length} free (${(r.scan.ms / 1000).toFixed(1)} s)`);
  for (const f of r.scan.free) out.push(`  wire ${f.wire} ${f.names.join(" = ")} (${f.constraints} constraints): ${f.allowed ? `allowed: ${f.allowed}` : "UNDER-CONSTRAINED"}`);
  out.push("", "Checks:");
  for (const c of r.checks) out.push(`  ${c.ok ? "ok  " : "FAIL"} ${c.name}: ${c.detail}`);
  out.push("", r.ok ? "audit passed" : "audit FAILED", "");
  return out.join("\n");
}

/**
 * The mutation run: each numbered check removed in turn, the circuit tests run on each mutant; exit 2 when a mutant
 * survives (a check no test depends on) or cannot be built.
 */
export async function mutateCommand(o: AuditCliOptions): Promise<number> {
  const results = await runMutants({ only: o.check, tests: o.tests, statements: o.statements, log: (l) => process.stderr.write(`${l}\n`) });
  process.stdout.write(`${mutationReport(results)}\n`);
  if (o.json) writeFileSync(o.json, JSON.stringify(results, null, 2));
  return results.some((r) => r.status === "survived" || r.status === "error") ? 2 : 0;
}

/** Run the audit and print it; returns the exit code (0 ok, 2 findings). */
export async function auditCommand(o: AuditCliOptions): Promise<number> {
  if (o.mutate) return mutateCommand(o);
  const onChain = o.rpc !== undefined || o.deployment !== undefined;
  if (o.chainOnly) {
    if (!onChain) throw new ZkMarginInputError("chain-only", "--chain-only needs --rpc and --deployment (or ZKMARGIN_RPC and ZKMARGIN_DEPLOYMENT)");
    return deploymentAudit(o, undefined);
  }
  try {
    const input = o.input ? (JSON.parse(readFileSync(o.input, "utf8")) as Record<string, unknown>) : undefined;
    const report = await runAudit({ instance: o.instance, input, skipZkey: o.skipZkey, log: (l) => process.stderr.write(`${l}\n`) });
    const { localArtifacts } = await import("../../scripts/lib/instances.ts");
    const insecure = onChain ? false : localArtifacts(o.instance).instance.insecure; // with a deployment, its verdict line says it
    process.stdout.write(renderAudit(report).replace(/(audit (passed|FAILED))\n$/, `$1${insecure ? INSECURE_VERDICT : ""}\n`));
    if (o.json) writeFileSync(o.json, JSON.stringify(report, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2));
    if (onChain) return deploymentAudit(o, report.ok);
    return report.ok ? 0 : 2;
  } finally {
    await terminateCurve();
  }
}

function define(cmd: Command): Command {
  return cmd
    .description("audit a circuit instance: constraints per template, --inspect warnings, soundness scan, zkey verify, verifier constants, manifest hashes")
    .option("--instance <name>", "circuit instance (circuits/circuits.json)", "test")
    .option("--input <file>", "circuit input JSON for the soundness scan (default: the built-in sample book)")
    .option("--skip-zkey", "skip zkey verify (the slow check)")
    .option("--json <file>", "also write the full report as JSON")
    .option("--mutate", "mutation run: remove each numbered check (Check (n)) in turn and run the circuit tests; lists the survivors")
    .option("--check <ids...>", "with --mutate: only these checks (MarginProof#5, or a template name)")
    .option("--tests <files...>", "with --mutate: test files to run on each mutant (default test/circuit/*.test.ts)")
    .option("--statements", "with --mutate: one mutant per constraint statement of each check (finer than one per check)")
    .addOption(new Option("--rpc <url>", "also check a deployment on this JSON-RPC node against the local keys").env("ZKMARGIN_RPC"))
    .addOption(new Option("--deployment <file>", "the deployment file (zkmargin deploy) to check: its verifiers' and attestor's code, vkey hash, domain").env("ZKMARGIN_DEPLOYMENT"))
    .option("--chain-only", "with --rpc/--deployment: only the deployment checks (the circuit audit done already)")
    .addHelpText("after", "\nExit codes: 0 passed, 1 bad input (unknown instance, unreachable node, wrong chain), 2 findings, 3 keys not built.\nThe verdict line says INSECURE when the keys come from the development setup.");
}

/** Register `audit` on the zkmargin program (client/cli.ts). `run` maps the returned exit code and errors. */
export function registerAudit(program: Command, run: (action: () => Promise<number> | number) => Promise<void>): void {
  define(program.command("audit")).action(async (o: AuditCliOptions) => run(() => auditCommand(o)));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const cmd = define(new Command("zkmargin-audit"));
  cmd.action(async (o: AuditCliOptions) => {
    process.exitCode = await auditCommand(o);
  });
  await cmd.parseAsync(process.argv);
}
