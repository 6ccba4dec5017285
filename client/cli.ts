/**
 * `zkmargin`: the command line of every actor (commander). Users run it as `npx zkmargin …` (the bin,
 * client/bin/zkmargin.js, which calls main() here), or `npm run zkmargin -- …` in this repository.
 *
 *   trader     keys new|show|wallet|address, fetch, prove, verify, report, attest [sign], status, allocate, reclaim
 *   lender     status --lender, release
 *   operators  deploy; venue register|init|import|build-epoch|post-root|serve|status (client/venue/cli.ts);
 *              oracle add-feed|mock-price|snapshot; risk set|calibrate (client/operator.ts, client/calibrate.ts)
 *   auditor    audit [--rpc --deployment] (client/audit/)
 *   relayer    relay serve|submit|status (client/relay/)
 *   demo       the end-to-end demo on Hardhat's in-process network (client/demo.ts); backtest (client/backtest.ts)
 *
 * Exit codes (prover/errors.ts ExitCode, client/help.ts): 0 ok · 1 bad input · 2 invalid proof, insufficient margin,
 * audit findings · 3 keys not built or contracts not compiled · 4 transaction reverted · 70 internal error.
 */
import { Command, CommanderError, Option } from "commander";
import { registerAudit } from "./audit/cli.ts";
import { registerBacktest } from "./backtest.ts";
import { registerRisk } from "./calibrate.ts";
import { registerRelay } from "./relay/cli.ts";
import { registerStatements, registerVenue } from "./venue/cli.ts";
import { ExitCode, ZkMarginArtifactError, ZkMarginChainError, ZkMarginInputError } from "../prover/errors.ts";
import { marginReport, renderReport } from "../prover/report.ts";
import { checkStatementIntegrity } from "../prover/validate.ts";
import { parseMarket, parseRisk, stringifyJson, toJsonValue } from "../prover/statement.ts";
import { decodeChainError } from "./attestor.ts";
import { EXIT_HELP, KEYS_HELP, UNITS_HELP, CHAIN_HELP, helpAfter, withChain, withKey } from "./help.ts";
import { readText } from "./io.ts";
import { registerOperator } from "./operator.ts";
import { proveCommand, readStatements, registerTrader, type ProveOpts } from "./trader.ts";

/** snarkjs's curve workers start only for the commands that prove or verify; they are stopped before exit. */
let proverLoaded = false;
async function releaseProver(): Promise<void> {
  if (proverLoaded) await (await import("../prover/generateProof.ts")).releaseProver();
}

async function verifyCommand(file: string, o: { instance?: string; artifacts?: string; rpc?: string; deployment?: string; json?: boolean }): Promise<number> {
  const text = readText(file, "proof");
  const [{ parseProof, verifyProof }, { localArtifacts }] = await Promise.all([import("../prover/verifyProof.ts"), import("../scripts/lib/instances.ts")]);
  const proof = parseProof(text, `proof (${file})`);
  const artifacts = localArtifacts(o.instance ?? proof.instance, { dir: o.artifacts });
  proverLoaded = true;
  const ok = await verifyProof(proof, artifacts);
  let onChain: boolean | undefined;
  if (ok && o.rpc !== undefined) {
    const { withConnectedChain } = await import("./chain.ts");
    const { attestable } = await import("./attestor.ts");
    if (proof.epoch === undefined) throw new ZkMarginInputError("proof.epoch", "the proof file does not say its epoch: on-chain verification needs it");
    const epoch = proof.epoch;
    onChain = await withConnectedChain(o, (chain) => chain.attestor.verify(attestable(proof, epoch)));
  }
  const valid = ok && onChain !== false;
  if (o.json) process.stdout.write(`${JSON.stringify({ valid, offChain: ok, onChain: onChain ?? null, instance: proof.instance, insecureKeys: artifacts.instance.insecure })}\n`);
  else process.stdout.write(`${valid ? "valid" : "invalid"}${onChain === undefined ? "" : onChain ? " (and on-chain, against the chain's roots, context and domain now)" : " on-chain (the chain's roots, context or domain differ)"}\n`);
  return valid ? ExitCode.Ok : ExitCode.Rejected;
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
 * `audit` (client/audit/), `backtest`, `risk calibrate`, the venue kit, then the trader's and the operators' commands
 * (which extend `venue` and `risk`).
 */
type Register = (program: Command, run: (action: () => Promise<number> | number) => Promise<void>) => void;
const extraCommands: Register[] = [registerTrader, registerAudit, registerBacktest, registerRisk, registerVenue, registerStatements, registerOperator, registerRelay];

/** The `zkmargin` program. */
export function buildProgram(): Command {
  const program = new Command("zkmargin")
    .description("Zero-knowledge portfolio margin across derivative venues: every actor's commands against any JSON-RPC chain — traders prove and attest, lenders read and release liens, venues, the oracle keeper and governance operate, auditors check.")
    .version("0.1.0")
    .addHelpText("after", `${UNITS_HELP}\n${CHAIN_HELP}\n${KEYS_HELP}\n${EXIT_HELP}\n\nEach command has --help. The walk-through against \`npx hardhat node\` is in README.md.`)
    .showHelpAfterError(false)
    // a command's options after its subcommand's name are the subcommand's (attest and attest sign share --json,
    // --epoch and the chain and key options; commander otherwise hands them to the parent)
    .enablePositionalOptions()
    .exitOverride();

  helpAfter(
    withKey(
      withChain(
        program
          .command("prove")
          .description("Prove that the whole book (every venue's statement together) meets the portfolio margin requirement with at least --min-excess to spare; writes the proof JSON. With --rpc every input is first checked against the chain (each statement's root, the market snapshot and risk params the oracle's context hash binds, the domain, the subject = the signer, an epoch whose attestation would be Live).")
          .requiredOption("-s, --statements <files...>", "one statement JSON per venue (zkmargin statements fetch)")
          .requiredOption("--secret <file>", "the trader keys file (zkmargin keys new), or a file holding the secret (one integer)")
          .requiredOption("--min-excess <usd>", "the excess to prove, USD (e.g. 250000 or 250000.50)")
          .option("--subject <address>", "the address the attestation is for (default: the configured key's address)")
          .option("--context <file>", "the epoch's context from `zkmargin fetch` (roots, market, risk params, domain)")
          .option("-m, --market <file>", "without --rpc/--context: the epoch's market snapshot JSON (price, scanRange, volShock)")
          .option("-r, --risk <file>", "without --rpc/--context: the risk params JSON (model v2)")
          .option("-e, --epoch <n>", "the epoch (default: the statements')")
          .option("--domain <n>", "without --rpc/--context: the deployment's domain (MarginAttestor.domain())")
          .option("--posted-roots <file>", 'without --rpc/--context: roots posted on-chain, { "<venueId>": "<root>" }')
          .addOption(new Option("-i, --instance <name>", "circuit instance (default: the deployment's, else test)"))
          .addOption(new Option("--artifacts <dir>", "the instance's build folder (default: build/<instance>/)").env("ZKMARGIN_ARTIFACTS"))
          .option("-o, --out <file>", "write the proof here (default: stdout); checked writable before proving")
          .option("-q, --quiet", "no progress output"),
      ),
      "the subject (optional: defaults --subject, and with --rpc the subject must be it)",
    ),
    { units: true, chain: true, keys: true, extra: "\nEvery bad input stops before proving with one message naming the field." },
  ).action(async (o: ProveOpts) =>
    run(() => {
      proverLoaded = true;
      return proveCommand(o);
    }),
  );

  helpAfter(
    withChain(
      program
        .command("verify")
        .description("Verify a proof JSON against its instance's verification key; prints valid or invalid. With --rpc, also MarginAttestor's view against the chain's roots, context hash and domain now.")
        .argument("<proof>", "proof JSON written by `zkmargin prove`")
        .option("-i, --instance <name>", "instance to verify against (default: the proof's own)")
        .addOption(new Option("--artifacts <dir>", "the instance's build folder (default: build/<instance>/)").env("ZKMARGIN_ARTIFACTS"))
        .option("--json", "print the result as one JSON object"),
    ),
    { chain: true, extra: "\nA script can rely on the exit code: 0 valid, 2 invalid." },
  ).action(async (file: string, o: { instance?: string; artifacts?: string; rpc?: string; deployment?: string; json?: boolean }) => run(() => verifyCommand(file, o)));

  helpAfter(
    program
      .command("report")
      .description("Margin the same book three ways, side by side: isolated (each holding alone), cross-margined per venue, and portfolio-margined across all venues, with the collateral freed.")
      .requiredOption("-s, --statements <files...>", "one statement JSON per venue")
      .requiredOption("-m, --market <file>", "market snapshot JSON (e.g. the market of `zkmargin fetch`'s output)")
      .requiredOption("-r, --risk <file>", "risk params JSON")
      .option("--json", "print the report as JSON (USD × 1e8 as decimal strings)"),
    { units: true },
  ).action(async (o: { statements: string[]; market: string; risk: string; json?: boolean }) => run(() => reportCommand(o)));

  helpAfter(
    program
      .command("demo")
      .description("End-to-end demo on Hardhat's in-process network: build keys if missing, deploy, three venues with a hedged book, margin report, prove, attest, allocate to a lender, renew across the next snapshot without a gap, lapse and reclaim; prints proof time and gas.")
      .addOption(new Option("-i, --instance <name>", "circuit instance").default("test"))
      .option("-q, --quiet", "less output"),
  ).action(async (o: { instance: string; quiet?: boolean }) =>
    run(async () => {
      proverLoaded = true;
      const { runDemo } = await import("./demo.ts");
      await runDemo({ instance: o.instance, quiet: o.quiet === true });
      return ExitCode.Ok;
    }),
  );

  for (const register of extraCommands) register(program, run);
  return program;
}

/** Run one command's action and set its exit code; errors map to the documented exit codes. */
async function run(action: () => Promise<number> | number): Promise<void> {
  let code: number;
  try {
    code = await action();
  } catch (e) {
    code = reportError(e);
  } finally {
    await releaseProver();
  }
  process.exitCode = code;
}

function reportError(e: unknown): number {
  if (e instanceof ZkMarginInputError || e instanceof ZkMarginArtifactError || e instanceof ZkMarginChainError) {
    process.stderr.write(`error: ${e.message}\n`);
    return e.exitCode;
  }
  if (e instanceof Error && typeof (e as { code?: unknown }).code === "string" && typeof (e as { shortMessage?: unknown }).shortMessage === "string") {
    // an ethers error that no command decoded: the node refused or failed a call
    process.stderr.write(`error: ${decodeChainError(e).message}\n`);
    return ExitCode.ChainError;
  }
  if (e instanceof Error && e.name === "BuildError") {
    process.stderr.write(`error: ${e.message}\n`);
    return ExitCode.MissingArtifacts;
  }
  process.stderr.write(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return ExitCode.Internal;
}

/** Parse `argv` (process.argv: node, script, args…) and run the command; sets process.exitCode. */
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
