/**
 * The errors the SDK throws at its boundary, and the exit codes the `zkmargin` CLI maps them to.
 * Every bad input is reported ONCE, before any proving starts, as a ZkMarginInputError naming the field
 * (a JSON-path-like name such as `statements[1].holdings[0].size`) and the problem.
 */

/** Exit codes of the `zkmargin` CLI (documented in `zkmargin --help`); scripts can rely on them. */
export const ExitCode = {
  /** success: proof written, proof valid, report printed, demo finished */
  Ok: 0,
  /** bad input: a malformed, tampered or inconsistent file or option (the message names the field) */
  BadInput: 1,
  /** rejected: the proof is invalid, or the book does not meet the requirement */
  Rejected: 2,
  /** artifacts missing: the instance's keys are not built (run `npm run build`) */
  MissingArtifacts: 3,
  /** on-chain failure: a transaction reverted (the decoded custom error is printed) */
  ChainError: 4,
  /** anything else: a bug; the stack trace is printed */
  Internal: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A bad input, caught before proving. `field` names what is wrong, `problem` says how. */
export class ZkMarginInputError extends Error {
  override readonly name: string = "ZkMarginInputError";
  readonly exitCode: ExitCode = ExitCode.BadInput;
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

/** The book is well-formed but does not meet the requirement (excess below minExcess). */
export class ZkMarginInsufficientMarginError extends ZkMarginInputError {
  override readonly name: string = "ZkMarginInsufficientMarginError";
  override readonly exitCode: ExitCode = ExitCode.Rejected;
  constructor(
    field: string,
    problem: string,
    /** how far the excess is below minExcess, USD × 1e8 (> 0) */
    readonly shortfall: bigint,
  ) {
    super(field, problem);
  }
}

/** An instance's build artifacts (wasm, zkey, verification key) are missing. */
export class ZkMarginArtifactError extends Error {
  override readonly name: string = "ZkMarginArtifactError";
  readonly exitCode: ExitCode = ExitCode.MissingArtifacts;
}

/** A contract call reverted; `errorName` is the decoded custom error when the ABI knows it. */
export class ZkMarginChainError extends Error {
  override readonly name: string = "ZkMarginChainError";
  readonly exitCode: ExitCode = ExitCode.ChainError;
  constructor(
    message: string,
    readonly errorName?: string,
    readonly errorArgs?: readonly unknown[],
  ) {
    super(message);
  }
}

/** USD × 1e8 as "$1,234,567.89" (negative as "-$…"), exact (no floats). */
export function formatUsd(x: bigint): string {
  const neg = x < 0n;
  const abs = neg ? -x : x;
  const cents = (abs + 500_000n) / 1_000_000n; // round half up to the cent
  const dollars = (cents / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const frac = (cents % 100n).toString().padStart(2, "0");
  return `${neg ? "-" : ""}$${dollars}.${frac}`;
}
