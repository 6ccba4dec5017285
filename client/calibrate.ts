/**
 * `zkmargin risk calibrate --prices data/prices --assets USDC,ETH,… --scenarios 16`: model v2's risk parameters and
 * oracle settings from price history (prover/risk/calibrate.ts), with the reason for each value. Writes the risk
 * params in the format prover/statement.ts parseRisk reads (`--out`, e.g. data/risk/prod.json) and the oracle
 * settings beside it (`prod.oracle.json`). Registered in client/cli.ts.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { ZkMarginInputError } from "../prover/errors.ts";
import { calibrate, type CalibrationResult } from "../prover/risk/calibrate.ts";
import { indexOfDate } from "../prover/risk/prices.ts";
import { stringifyJson } from "../prover/statement.ts";
import { loadPrices } from "./backtest.ts";

export const ORACLE_FORMAT = "zkmargin-oracle/1";

/** The oracle settings file written beside a calibrated risk file. */
export function oracleFileFor(riskFile: string): string {
  return riskFile.replace(/\.json$/, "") + ".oracle.json";
}

export function calibrationFiles(cal: CalibrationResult): { risk: string; oracle: string } {
  return {
    risk: stringifyJson(cal.risk),
    oracle: stringifyJson({ format: ORACLE_FORMAT, assets: cal.symbols, window: cal.window, config: cal.oracle.config, oracleAssets: cal.oracle.assets, report: cal.report }),
  };
}

interface CalibrateOpts {
  prices: string;
  assets: string;
  scenarios: string;
  from?: string;
  to: string;
  out?: string;
  venueDefault: string;
  json?: boolean;
}

function calibrateCommand(o: CalibrateOpts): number {
  const symbols = o.assets.split(",").map((s) => s.trim().toUpperCase()).filter(Boolean);
  if (symbols.length === 0) throw new ZkMarginInputError("--assets", "expected a comma-separated list of symbols");
  const K = Number(o.scenarios);
  // the sign design [H; −H] of the factor structure needs K = 2·2^m (H of order K/2 ≥ 2), as the circuit instances
  if (!Number.isInteger(K) || K < 4 || K > 64 || (K & (K - 1)) !== 0) {
    throw new ZkMarginInputError("--scenarios", `"${o.scenarios}" is not a scenario count 2·2^m in [4, 64] (4, 8, 16, 32 or 64: the sign design [H; −H] needs a Hadamard matrix of order K/2)`);
  }
  const delta = Number(o.venueDefault);
  if (!Number.isFinite(delta) || delta < 0 || delta > 1) throw new ZkMarginInputError("--venue-default", `"${o.venueDefault}" is not a fraction in [0, 1]`);
  const table = loadPrices(o.prices, symbols);
  const from = o.from ? indexOfDate(table, o.from, "--from") : 0;
  const to = indexOfDate(table, o.to, "--to") + 1;
  if (to - from < 120) throw new ZkMarginInputError("--to", `the calibration window ${table.dates[from]} … ${o.to} has ${to - from} days, at least 120 are needed`);
  const cal = calibrate(table, { from, to, K, venueDefault: delta });
  const files = calibrationFiles(cal);
  if (o.out) {
    mkdirSync(path.dirname(o.out), { recursive: true });
    writeFileSync(o.out, files.risk);
    writeFileSync(oracleFileFor(o.out), files.oracle);
  }
  if (o.json) process.stdout.write(files.oracle);
  else {
    process.stdout.write(`Calibration of model v2: ${symbols.join(", ")} (A = ${symbols.length}), K = ${K}\n\n${cal.report.join("\n")}\n`);
    if (o.out) process.stdout.write(`\nwrote ${o.out} (risk params) and ${oracleFileFor(o.out)} (oracle settings)\n`);
  }
  return 0;
}

/** Register `risk calibrate` on the zkmargin program (client/cli.ts). */
export function registerRisk(program: Command, run: (action: () => Promise<number> | number) => Promise<void>): void {
  const risk = program.command("risk").description("risk model tools: calibrate model v2's parameters from price history");
  risk
    .command("calibrate")
    .description("derive the risk params (scenarios, haircuts, charges) and oracle settings (λ, κ, ν, floors) from daily closes, printing why each value is what it is")
    .option("--prices <dir>", "directory of <SYMBOL>.csv files (date,close)", "data/prices")
    .option("--assets <list>", "comma-separated symbols in asset-index order", "USDC,ETH,BTC,SOL,LINK,XRP,USDT,DOGE")
    .option("--scenarios <K>", "number of scenarios K = 2·2^m (the instance's: 4 for test, 16 for prod)", "16")
    .option("--from <date>", "first day of the calibration window (default: the first row)")
    .option("--to <date>", "last day of the calibration window (later data is out-of-sample)", "2021-12-31")
    .option("--venue-default <fraction>", "venue default charge δ (an assumption, docs/RISK.md §2.2)", "0.05")
    .option("-o, --out <file>", "write the risk params JSON here and the oracle settings beside it (<file>.oracle.json)")
    .option("--json", "print the oracle settings and report as JSON")
    .action(async (o: CalibrateOpts) => run(() => calibrateCommand(o)));
}
