#!/usr/bin/env -S npx tsx
/**
 * `zkmargin`: the trader's command line (commander). Run with `npm run zkmargin -- <command> …` or `npx zkmargin`.
 *
 *   prove    statements + secret + market + risk params → proof JSON
 *   verify   proof JSON → valid / invalid
 *   report   statements + market + risk params → isolated vs cross vs portfolio margin
 *   demo     the end-to-end demo on Hardhat's in-process network (client/demo.ts)
 *   audit    constraint report, soundness scan, zkey and verifier checks (client/audit/cli.ts registers it)
 *   backtest the margin model against history, per book class (client/backtest.ts)
 *   risk calibrate   model v2 parameters from price history (client/calibrate.ts)
 *   venue    the venue operator's kit: init, import, build-epoch, post-root, serve, status (client/venue/cli.ts)
 *   statements fetch   download a statement from a venue's service (client/venue/cli.ts)
 *
 * Exit codes (prover/errors.ts ExitCode): 0 ok · 1 bad input · 2 invalid proof or insufficient margin ·
 * 3 keys not built · 4 transaction reverted · 70 internal error.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { Command, CommanderError, Option } from "commander";
import { registerAudit } from "./audit/cli.ts";
import { registerBacktest } from "./backtest.ts";
import { registerRisk } from "./calibrate.ts";
import { registerStatements, registerVenue } from "./venue/cli.ts";
import { progressReporter } from "./progress.ts";
import { ExitCode, formatUsd, ZkMarginArtifactError, ZkMarginChainError, ZkMarginInputError } from "../prover/errors.ts";
import { marginReport, renderReport } from "../prover/report.ts";
import { checkStatementIntegrity } from "../prover/validate.ts";
import { parseMarket, parseRisk, parseStatement, stringifyJson, toJsonValue, type Statement } from "../prover/statement.ts";

/** snarkjs and the prover load only for the commands that need them (help and report start fast). */
let proverLoaded = false;
async function prover() {
  proverLoaded = true;
  const [{ generateProof, releaseProver }, { verifyProof }, { localArtifacts }] = await Promise.all([
    import("../prover/generateProof.ts"),
    import("../prover/verifyProof.ts"),
    import("../scripts/lib/instances.ts"),
  ]);
  return { generateProof, releaseProver, verifyProof, localArtifacts };
}

const EXIT_HELP = `
Exit codes:
  0   ok (proof written, proof valid, report printed, demo finished)
  1   bad input: a malformed, tampered or inconsistent file or option (the message names the field)
  2   rejected: the proof is invalid, the book does not meet the requirement, or the audit has findings
  3   the instance's keys are not built (run \`npm run build\`)
  4   a transaction reverted (the decoded custom error is printed)
  70  internal error (a bug: please report the stack trace)`;

/** Read a file as text; a missing file is bad input naming the option. */
function readText(file: string, field: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new ZkMarginInputError(field, `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function readStatements(files: readonly string[]): Statement[] {
  return files.map((f, i) => parseStatement(readText(f, `statements[${i}]`), `statements[${i}] (${f})`));
}

/** A trader secret file: one integer, decimal or 0x-hex, surrounding whitespace ignored. */
export function parseSecret(text: string, field = "secret"): bigint {
  const t = text.trim();
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(t)) throw new ZkMarginInputError(field, "expected one integer (decimal or 0x-hex)");
  return BigInt(t);
}

/** A USD amount ("250000", "250,000.50") as USD × 1e8, exactly. */
export function parseUsd(text: string, field: string): bigint {
  const t = text.replace(/[$,_\s]/g, "");
  const m = /^([0-9]+)(?:\.([0-9]{1,8}))?$/.exec(t);
  if (!m) throw new ZkMarginInputError(field, `"${text}" is not a USD amount (e.g. 250000 or 250000.50, at most 8 decimals)`);
  return BigInt(m[1]) * 100_000_000n + BigInt((m[2] ?? "").padEnd(8, "0") || "0");
}

function parseUint(text: string, field: string): bigint {
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(text.trim())) throw new ZkMarginInputError(field, `"${text}" is not a non-negative integer`);
  return BigInt(text.trim());
}

/** An address (0x + 40 hex digits) as an integer. */
function parseAddress(text: string, field: string): bigint {
  if (!/^0x[0-9a-fA-F]{40}$/.test(text.trim())) throw new ZkMarginInputError(field, `"${text}" is not an address (0x followed by 40 hex digits)`);
  return BigInt(text.trim());
}

/** Posted roots file: { "<venueId>": "<root>" } with decimal strings, e.g. read from VenueRegistry. */
function readPostedRoots(file: string): Map<bigint, bigint> {
  let data: unknown;
  try {
    data = JSON.parse(readText(file, "postedRoots"));
  } catch (e) {
    if (e instanceof ZkMarginInputError) throw e;
    throw new ZkMarginInputError("postedRoots", `not valid JSON (${(e as Error).message})`);
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) throw new ZkMarginInputError("postedRoots", 'expected { "venueId": "root", … }');
  const out = new Map<bigint, bigint>();
  for (const [k, v] of Object.entries(data)) {
    if (!/^[0-9]+$/.test(k) || typeof v !== "string" || !/^[0-9]+$/.test(v)) {
      throw new ZkMarginInputError(`postedRoots.${k}`, "expected a decimal venue id mapped to a decimal root string");
    }
    out.set(BigInt(k), BigInt(v));
  }
  return out;
}

interface ProveOpts {
  statements: string[];
  secret: string;
  market: string;
  risk: string;
  epoch: string;
  subject: string;
  domain: string;
  minExcess: string;
  instance: string;
  out?: string;
  postedRoots?: string;
  quiet?: boolean;
}

async function proveCommand(o: ProveOpts): Promise<number> {
  const statements = readStatements(o.statements);
  const input = {
    statements,
    traderSecret: parseSecret(readText(o.secret, "secret"), "secret"),
    market: parseMarket(readText(o.market, "market"), "market"),
    risk: parseRisk(readText(o.risk, "risk"), "risk"),
    epoch: parseUint(o.epoch, "epoch"),
    subject: parseAddress(o.subject, "subject"),
    domain: parseUint(o.domain, "domain"),
    minExcess: parseUsd(o.minExcess, "minExcess"),
    postedRoots: o.postedRoots ? readPostedRoots(o.postedRoots) : undefined,
  };
  const { generateProof, localArtifacts } = await prover();
  const artifacts = localArtifacts(o.instance);
  const progress = progressReporter(o.quiet === true);
  const t0 = performance.now();
  try {
    const proof = await generateProof(input, artifacts, { onProgress: progress.onProgress });
    progress.stop();
    const text = stringifyJson(proof);
    if (o.out) writeFileSync(o.out, text);
    else process.stdout.write(text);
    if (!o.quiet) {
      process.stderr.write(
        `proof for ${statements.length} venue(s), epoch ${input.epoch}, minExcess ${formatUsd(input.minExcess)}: ` +
          `${((performance.now() - t0) / 1000).toFixed(1)} s${o.out ? ` → ${o.out}` : ""}\n`,
      );
    }
    return ExitCode.Ok;
  } finally {
    progress.stop();
  }
}

async function verifyCommand(file: string, o: { instance?: string; quiet?: boolean }): Promise<number> {
  const text = readText(file, "proof");
  const { verifyProof, localArtifacts } = await prover();
  const { parseProof } = await import("../prover/verifyProof.ts");
  const ok = await verifyProof(text, localArtifacts(o.instance ?? parseProof(text).instance));
  process.stdout.write(ok ? "valid\n" : "invalid\n");
  return ok ? ExitCode.Ok : ExitCode.Rejected;
}

function reportCommand(o: { statements: string[]; market: string; risk: string; json?: boolean }): number {
  const statements = readStatements(o.statements);
  const market = parseMarket(readText(o.market, "market"), "market");
  const risk = parseRisk(readText(o.risk, "risk"), "risk");
  statements.forEach((s, i) => checkStatementIntegrity(s, `statements[${i}]`));
  statements.forEach((s, i) =>
    s.holdings.forEach((h, j) => {
      if (h.asset >= market.price.length) {
        throw new ZkMarginInputError(`statements[${i}].holdings[${j}].asset`, `asset index ${h.asset} out of range: the market has ${market.price.length} assets`);
      }
    }),
  );
  const report = marginReport(statements, market, risk);
  if (o.json) process.stdout.write(stringifyJson(toJsonValue(report)));
  else process.stdout.write(renderReport(report, `Margin report, epoch ${statements[0]?.epoch ?? "?"}`));
  return ExitCode.Ok;
}

/**
 * Commands owned by other modules register themselves here with the same `run` wrapper (exit codes, errors):
 * `audit` lives in client/audit/ (the auditor's toolkit).
 */
type Register = (program: Command, run: (action: () => Promise<number> | number) => Promise<void>) => void;
const extraCommands: Register[] = [registerAudit, registerBacktest, registerRisk, registerVenue, registerStatements];

/** The `zkmargin` program. `run` wraps each action: it maps errors to exit codes (exported for tests). */
export function buildProgram(): Command {
  const program = new Command("zkmargin")
    .description("Zero-knowledge portfolio margin across derivative venues: prove, verify, report, demo.")
    .version("0.1.0")
    .addHelpText("after", EXIT_HELP)
    .showHelpAfterError(false)
    .exitOverride();

  program
    .command("prove")
    .description("Prove that the whole book (every venue's statement together) meets the portfolio margin requirement with at least --min-excess to spare; writes the proof JSON.")
    .requiredOption("-s, --statements <files...>", "one statement JSON per venue (from each venue's SDK)")
    .requiredOption("--secret <file>", "file holding the trader secret (one integer, decimal or 0x-hex)")
    .requiredOption("-m, --market <file>", "market snapshot JSON of the epoch (price, scanRange, volShock; decimal strings)")
    .requiredOption("-r, --risk <file>", "risk params JSON (haircut, debtAddOn, moves, volDirs, weights, grossCharge)")
    .requiredOption("-e, --epoch <n>", "the epoch the statements, market and roots are for")
    .requiredOption("--subject <address>", "the address the attestation is for (0x…)")
    .requiredOption("--domain <n>", "the deployment's domain (MarginAttestor.domain(), a field element)")
    .requiredOption("--min-excess <usd>", "the excess to prove, in USD (e.g. 250000 or 250000.50)")
    .option("-i, --instance <name>", "circuit instance (circuits/circuits.json)", "test")
    .option("--posted-roots <file>", 'roots posted on-chain: { "<venueId>": "<root>" }; each statement must reach its venue\'s')
    .option("-o, --out <file>", "write the proof here (default: stdout)")
    .option("-q, --quiet", "no progress output")
    .addHelpText("after", `\nEvery bad input stops before proving with one message naming the field.${EXIT_HELP}`)
    .action(async (o: ProveOpts) => run(() => proveCommand(o)));

  program
    .command("verify")
    .description("Verify a proof JSON against its instance's verification key; prints valid or invalid.")
    .argument("<proof>", "proof JSON written by `zkmargin prove`")
    .option("-i, --instance <name>", "instance to verify against (default: the proof's own)")
    .addHelpText("after", EXIT_HELP)
    .action(async (file: string, o: { instance?: string }) => run(() => verifyCommand(file, o)));

  program
    .command("report")
    .description("Margin the same book three ways, side by side: isolated (each holding alone), cross-margined per venue, and portfolio-margined across all venues, with the collateral freed.")
    .requiredOption("-s, --statements <files...>", "one statement JSON per venue")
    .requiredOption("-m, --market <file>", "market snapshot JSON")
    .requiredOption("-r, --risk <file>", "risk params JSON")
    .option("--json", "print the report as JSON (USD × 1e8 as decimal strings)")
    .addHelpText("after", EXIT_HELP)
    .action(async (o: { statements: string[]; market: string; risk: string; json?: boolean }) => run(() => reportCommand(o)));

  program
    .command("demo")
    .description("End-to-end demo on Hardhat's in-process network: build keys if missing, deploy, three venues with a hedged book, margin report, prove, attest on-chain, allocate to a consumer protocol; prints proof time and gas.")
    .addOption(new Option("-i, --instance <name>", "circuit instance").default("test"))
    .option("-q, --quiet", "less output")
    .addHelpText("after", EXIT_HELP)
    .action(async (o: { instance: string; quiet?: boolean }) =>
      run(async () => {
        const { runDemo } = await import("./demo.ts");
        await runDemo({ instance: o.instance, quiet: o.quiet === true });
        return ExitCode.Ok;
      }),
    );

  for (const register of extraCommands) register(program, run);
  return program;
}

/** Run one command's action and exit with its code; errors map to the documented exit codes. */
async function run(action: () => Promise<number> | number): Promise<void> {
  let code: number;
  try {
    code = await action();
  } catch (e) {
    code = reportError(e);
  } finally {
    if (proverLoaded) await (await prover()).releaseProver();
  }
  process.exitCode = code;
}

function reportError(e: unknown): number {
  if (e instanceof ZkMarginInputError) {
    process.stderr.write(`error: ${e.message}\n`);
    return e.exitCode;
  }
  if (e instanceof ZkMarginArtifactError || e instanceof ZkMarginChainError) {
    process.stderr.write(`error: ${e.message}\n`);
    return e.exitCode;
  }
  if (e instanceof Error && e.name === "BuildError") {
    process.stderr.write(`error: ${e.message}\n`);
    return ExitCode.MissingArtifacts;
  }
  process.stderr.write(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return ExitCode.Internal;
}

export async function main(argv: readonly string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit 0; usage errors (unknown option, missing required option) are bad input.
      process.exitCode = e.exitCode === 0 ? ExitCode.Ok : ExitCode.BadInput;
      return;
    }
    process.exitCode = reportError(e);
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith("client/cli.ts")) {
  await main(process.argv);
}
