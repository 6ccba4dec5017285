/**
 * The backtest section of docs/BENCHMARKS.md (`npm run bench -- --only backtest`): the margin model before (today's
 * parameters, v2 terms off) and after (calibrated model v2, data/risk/prod.json) on the real history to 2023-12-31
 * and on generated paths, per book class, with the coverage-vs-efficiency trade-off; the same engine and defaults
 * as `npm run backtest` (client/backtest.ts, prover/risk/).
 */
import os from "node:os";
import path from "node:path";
import { loadPrices, readRiskFiles } from "../../client/backtest.ts";
import { calibrate } from "../../prover/risk/calibrate.ts";
import { generatedPath, historyPath, isStable } from "../../prover/risk/paths.ts";
import { indexOfDate } from "../../prover/risk/prices.ts";
import { renderSummary, runRiskBacktest } from "../../prover/risk/run.ts";
import { ROOT } from "../lib/instances.ts";
import type { Section } from "./common.ts";

export const backtestSection: Section = {
  id: "backtest",
  title: "Backtest: coverage and efficiency of the margin model, before and after model v2",
  async run(ctx) {
    const after = readRiskFiles(path.join(ROOT, "data", "risk", "prod.json"));
    const table = loadPrices(path.join(ROOT, "data", "prices"), after.symbols);
    const from = indexOfDate(table, "2019-01-01", "--from");
    const to = indexOfDate(table, "2023-12-31", "--to");
    const calTo = indexOfDate(table, "2021-12-31", "--to") + 1;
    const load0 = os.loadavg()[0];
    const hist = runRiskBacktest({
      path: historyPath(table, { venues: 4, seed: 1 }),
      after,
      booksPerClass: 6,
      seed: 1,
      from,
      to,
      split: "2022-01-01",
      tradeoff: { table, calibration: { from: 0, to: calTo, K: after.risk.scenarios }, booksPerClass: 2 },
      log: ctx.log,
    });
    const cal = calibrate(table, { from: 0, to: calTo, K: after.risk.scenarios });
    const vol = after.symbols.map((s, a) => (isStable(s) ? 0.002 : cal.stats[a].sigma));
    const genPath = generatedPath(after.symbols, { venues: 4, seed: 1, days: 1750, vol, rho: cal.stats.map((x) => x.rho) });
    const gen = runRiskBacktest({ path: genPath, after, booksPerClass: 6, seed: 1, from: 250, to: genPath.dates.length - 1, log: ctx.log });
    return `Real history: \`npm run backtest\` (= \`npx zkmargin backtest\`: 2019-01-01 … 2023-12-31, 6 books per class, seed 1; parameters calibrated on data to 2021-12-31 only, so 2022–2023 is out-of-sample). ${hist.after.bookDays} book-days per parameter set; venue failures: ${hist.after.failures.map((f) => `venue ${f.venue + 1} on ${f.date}`).join(", ")}. Whole run including the trade-off: ${(hist.ms / 1000).toFixed(1)} s (load average ${load0.toFixed(1)} at the start).

Coverage = share of book-days whose next-day loss (full revaluation + liquidation cost + venue failure) is at most the margin (requirement + haircut deductions, docs/RISK.md §1). Portfolio / isolated = Σ portfolio margin ÷ Σ isolated margin. Worst = max loss ÷ portfolio margin (∞: the margin was ≤ 0); worst ÷ isolated margin = the same day-by-day maximum with every leg margined alone (the most conservative regime the product has); mean of the worst 1 % = the average loss ÷ portfolio margin over the class's worst 1 % of book-days (an expected-shortfall ratio; below 1 means the margin covers even the average tail day); days > 2× = book-days whose loss exceeded twice the margin. "Before" = today's parameters (test/fixtures prodRisk values, today's oracle) with every v2 term off; "after" = data/risk/prod.json.

${renderSummary(hist)}

(trade-off cells: portfolio coverage % / portfolio ÷ isolated % / worst loss ÷ margin; 2 books per class, re-calibrated per setting)

Generated paths: \`npx zkmargin backtest --generate --days 1500\` (GARCH(1,1)-t(4), market and idiosyncratic jumps, one factor with the calibrated ρ, stablecoin depegs, venue basis drift and failures at 1/1500 per venue-day; seed 1). ${gen.after.bookDays} book-days, ${(gen.ms / 1000).toFixed(1)} s; venue failures: ${gen.after.failures.length}.

${renderSummary(gen)}`;
  },
};
