/**
 * What every command's --help ends with: the exit codes (prover/errors.ts ExitCode), the units, and where keys and
 * the chain come from. Shared so that every command documents them the same way.
 */
import { Option, type Command } from "commander";

export const EXIT_HELP = `
Exit codes:
  0   ok
  1   bad input: a malformed, tampered or inconsistent file or option, a wrong chain, an unreachable node
      (the message names the field; nothing was proved or sent)
  2   rejected: the proof is invalid, the book does not meet the requirement, the audit has findings, or
      (status --require-live) the attestation or lien is not Live
  3   artifacts missing: the instance's keys are not built (npm run build) or the contracts not compiled
      (npx hardhat build)
  4   on-chain failure: a transaction or call reverted (the decoded custom error is printed)
  70  internal error (a bug: please report the stack trace)`;

export const UNITS_HELP = `
Units: amounts in USD, exact to 1e-8 (250000 or 250,000.50; on-chain USD × 1e8); durations in seconds; times are
the chain's block time, printed as UTC; ratios (scan floors, vol) in parts per million (ppm).`;

export const CHAIN_HELP = `
Chain: --rpc <url> (or ZKMARGIN_RPC), a JSON-RPC endpoint; --deployment <file> (or ZKMARGIN_DEPLOYMENT), the file
\`zkmargin deploy\` wrote (its chain id must be the node's).`;

export const KEYS_HELP = `
Keys, never on the command line: --keystore <file> (or ZKMARGIN_KEYSTORE), an encrypted JSON keystore
(zkmargin keys wallet), password from ZKMARGIN_KEYSTORE_PASSWORD or typed at the terminal; or ZKMARGIN_PRIVATE_KEY.`;

/** Add --rpc and --deployment (with their environment variables) to a command. */
export function withChain(cmd: Command, opts: { deployment?: boolean } = {}): Command {
  cmd.addOption(new Option("--rpc <url>", "JSON-RPC endpoint of the chain").env("ZKMARGIN_RPC"));
  if (opts.deployment !== false) cmd.addOption(new Option("--deployment <file>", "deployment file written by `zkmargin deploy`").env("ZKMARGIN_DEPLOYMENT"));
  return cmd;
}

/** Add --keystore (with ZKMARGIN_KEYSTORE) to a command that signs as `role`. */
export function withKey(cmd: Command, role: string): Command {
  return cmd.addOption(new Option("--keystore <file>", `encrypted JSON keystore of ${role} (or ZKMARGIN_PRIVATE_KEY)`).env("ZKMARGIN_KEYSTORE"));
}

/** The help text after a command's options. */
export function helpAfter(cmd: Command, parts: { chain?: boolean; keys?: boolean; units?: boolean; extra?: string } = {}): Command {
  const text = [parts.extra ?? "", parts.units ? UNITS_HELP : "", parts.chain ? CHAIN_HELP : "", parts.keys ? KEYS_HELP : "", EXIT_HELP].filter(Boolean).join("\n");
  return cmd.addHelpText("after", text);
}

/** Print a result: one JSON object (--json), or the lines for people. */
export function emit(json: boolean | undefined, value: unknown, lines: () => string[]): void {
  if (json) process.stdout.write(`${JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))}\n`);
  else process.stdout.write(`${lines().join("\n")}\n`);
}
