/**
 * One backtest run as the CLI and the bench present it: "before" (today's parameters, every v2 term off) and "after"
 * (calibrated model v2) on the same market and books, per book class, plus the coverage-vs-efficiency trade-off of a
 * few settings. Pure TypeScript.
 */
import { withV2TermsOff } from "../model.ts";
import type { RiskParams } from "../types.ts";
import { runBacktest, type BacktestResult, type ClassStats, type OracleSetup } from "./backtest.ts";
import { BOOK_CLASSES, makeBooks, type Book } from "./books.ts";
import { calibrate, todayParams, type CalibrateOptions } from "./calibrate.ts";
import type { MarketPath } from "./paths.ts";
import type { PriceTable } from "./prices.ts";

export interface RunOptions {
  path: MarketPath;
  after: { risk: RiskParams; oracle: OracleSetup };
  books?: Book[];
  booksPerClass: number;
  seed: number;
  from: number;
  to: number;
  split?: string;
  /** for the trade-off: the calibration input (history mode), or undefined to skip it */
  tradeoff?: { table: PriceTable; calibration: CalibrateOptions; booksPerClass: number };
  log?: (line: string) => void;
}

export interface ClassRow {
  cls: string;
  title: string;
  hedged: boolean;
  before: ClassStats;
  after: ClassStats;
}

export interface TradeoffRow {
  setting: string;
  /** per class: portfolio coverage %, portfolio / isolated % */
  classes: Record<string, { coverage: number; efficiency: number; worst: number }>;
}

export interface RunSummary {
  rows: ClassRow[];
  tradeoff: TradeoffRow[];
  after: BacktestResult;
  before: BacktestResult;
  ms: number;
}

export const coverage = (s: ClassStats, m: "isolated" | "cross" | "portfolio" = "portfolio"): number => (s.days === 0 ? NaN : (100 * s.covered[m]) / s.days);
/** Mean loss ÷ portfolio margin over the worst `share` of book-days (an expected-shortfall ratio: ES_99 for 0.01). */
export function tailMean(s: ClassStats, share = 0.01): number {
  const r = s.ratios.filter((x) => !Number.isNaN(x)).sort((a, b) => b - a);
  if (r.length === 0) return NaN;
  const k = Math.max(1, Math.ceil(share * r.length));
  return r.slice(0, k).reduce((x, y) => x + y, 0) / k;
}
/** Book-days whose loss exceeds `multiple` × the portfolio margin. */
export const daysBeyond = (s: ClassStats, multiple: number): number => s.ratios.filter((x) => x > multiple).length;
export const efficiency = (s: ClassStats): number => (s.margin.isolated === 0 ? NaN : (100 * s.margin.portfolio) / s.margin.isolated);

export function runRiskBacktest(o: RunOptions): RunSummary {
  const t0 = performance.now();
  const log = o.log ?? (() => {});
  const symbols = o.path.symbols;
  const books = o.books ?? makeBooks(symbols, o.booksPerClass, o.seed);
  const today = todayParams(symbols, o.after.risk.scenarios);
  const base = { path: o.path, books, from: o.from, to: o.to, split: o.split };
  log(`after: calibrated model v2, ${books.length} books, ${o.to - o.from} days`);
  const after = runBacktest({ ...base, risk: o.after.risk, oracle: o.after.oracle });
  log(`after: ${after.bookDays} book-days in ${(after.ms / 1000).toFixed(1)} s; before: today's parameters, v2 terms off`);
  const before = runBacktest({ ...base, risk: withV2TermsOff(today.risk), oracle: today.oracle });
  log(`before: ${(before.ms / 1000).toFixed(1)} s`);
  const classes = [...new Set(books.map((b) => b.cls))];
  const rows: ClassRow[] = classes.map((cls) => {
    const c = BOOK_CLASSES.find((x) => x.id === cls);
    const a = after.classes.find((x) => x.cls === cls);
    const b = before.classes.find((x) => x.cls === cls);
    return { cls, title: c?.title ?? cls, hedged: c?.hedged ?? true, after: a!, before: b! };
  }).filter((r) => r.after && r.before);

  const tradeoff: TradeoffRow[] = [];
  if (o.tradeoff) {
    const tb = makeBooks(symbols, o.tradeoff.booksPerClass, o.seed + 1);
    const settings: [string, Partial<CalibrateOptions>, (r: RiskParams) => RiskParams][] = [
      ["calibrated", {}, (r) => r],
      ["κ × 0.8", { kappaScale: 0.8 }, (r) => r],
      ["κ × 1.2", { kappaScale: 1.2 }, (r) => r],
      ["δ = 0 (no venue default charge)", { venueDefault: 0 }, (r) => r],
      ["δ = 20 %", { venueDefault: 0.2 }, (r) => r],
      ["basis b × 0.5", {}, (r) => ({ ...r, basisCharge: r.basisCharge!.map((x) => x / 2n) })],
    ];
    for (const [name, co, edit] of settings) {
      const cal = calibrate(o.tradeoff.table, { ...o.tradeoff.calibration, ...co });
      const res = runBacktest({ ...base, books: tb, risk: edit(cal.risk), oracle: cal.oracle, methods: ["isolated", "portfolio"] });
      log(`trade-off "${name}": ${(res.ms / 1000).toFixed(1)} s`);
      tradeoff.push({
        setting: name,
        classes: Object.fromEntries(res.classes.map((c) => [c.cls, { coverage: coverage(c), efficiency: efficiency(c), worst: c.worst.ratio }])),
      });
    }
  }
  return { rows, tradeoff, after, before, ms: performance.now() - t0 };
}

const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : x === Infinity ? "∞" : "—");
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : x === Infinity ? "∞" : "—");

/** Markdown tables of a run (also what `zkmargin backtest` prints). */
export function renderSummary(s: RunSummary): string {
  const lines: string[] = [];
  lines.push("| book class | books | days | coverage before | coverage after | isolated coverage after | portfolio / isolated before | portfolio / isolated after | worst loss ÷ margin before | worst after | worst day after | worst after, no venue failure | worst ÷ isolated margin after | mean of the worst 1 % after | days > 2× after | out-of-sample coverage after |");
  lines.push("| :--- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :--- | ---: | ---: | ---: | ---: | ---: |");
  for (const r of s.rows) {
    const a = r.after;
    const b = r.before;
    lines.push(
      `| ${r.cls}${r.hedged ? "" : " (unhedged)"} | ${a.books} | ${a.days} | ${f2(coverage(b))} % | ${f2(coverage(a))} % | ${f2(coverage(a, "isolated"))} % | ${f1(efficiency(b))} % | ${f1(efficiency(a))} % | ${f2(b.worst.ratio)} | ${f2(a.worst.ratio)} | ${a.worst.date} | ${f2(a.worstNoFailure.ratio)} (${a.worstNoFailure.date}) | ${f2(a.worstIsolated.ratio)} | ${f2(tailMean(a))} | ${daysBeyond(a, 2)} | ${a.oosDays ? `${f2((100 * a.oosCovered) / a.oosDays)} %` : "—"} |`,
    );
  }
  if (s.tradeoff.length > 0) {
    const classes = s.rows.map((r) => r.cls);
    lines.push("", `| setting | ${classes.join(" | ")} |`, `| :--- | ${classes.map(() => "---:").join(" | ")} |`);
    for (const t of s.tradeoff) {
      lines.push(`| ${t.setting} | ${classes.map((c) => (t.classes[c] ? `${f2(t.classes[c].coverage)} / ${f1(t.classes[c].efficiency)} / ${f2(t.classes[c].worst)}` : "—")).join(" | ")} |`);
    }
  }
  return lines.join("\n");
}
