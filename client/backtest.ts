/**
 * `zkmargin backtest`: the margin model against history (or generated paths), per book class, before (today's
 * parameters, v2 terms off) and after (calibrated model v2): coverage, portfolio / isolated, the worst day; a chart
 * (requirement vs realised loss over time, and the loss distribution) as SVG (vega-lite). The engine is
 * prover/risk/ (pure TypeScript); this file reads the files, prints and draws. Registered in client/cli.ts.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { parse } from "csv-parse/sync";
import { z } from "zod";
import { ZkMarginInputError } from "../prover/errors.ts";
import { isRiskV2, validateRisk } from "../prover/model.ts";
import type { Book, Position } from "../prover/risk/books.ts";
import type { OracleSetup } from "../prover/risk/backtest.ts";
import { calibrate } from "../prover/risk/calibrate.ts";
import { generatedPath, historyPath, isStable } from "../prover/risk/paths.ts";
import { alignSeries, indexOfDate, parsePriceCsv, type PriceTable } from "../prover/risk/prices.ts";
import { coverage, daysBeyond, efficiency, renderSummary, tailMean, runRiskBacktest, type RunSummary } from "../prover/risk/run.ts";
import { parseRisk, parseWith, toJsonValue, zU64 } from "../prover/statement.ts";
import type { RiskParams } from "../prover/types.ts";

/** Read `<dir>/<SYMBOL>.csv` for each symbol and align them; a missing file or bad row is one error naming it. */
export function loadPrices(dir: string, symbols: readonly string[]): PriceTable {
  if (!existsSync(dir)) throw new ZkMarginInputError("--prices", `${dir}: no such directory`);
  return alignSeries(
    symbols.map((s) => {
      const file = path.join(dir, `${s}.csv`);
      if (!existsSync(file)) throw new ZkMarginInputError(`${file}:1`, `unknown asset ${s}: no price file ${s}.csv in ${dir}`);
      return parsePriceCsv(readFileSync(file, "utf8"), file, s);
    }),
  );
}

const OracleFileSchema = z
  .object({
    format: z.literal("zkmargin-oracle/1"),
    assets: z.array(z.string().min(1)).min(1),
    window: z.object({ from: z.string(), to: z.string() }).optional(),
    config: z.object({ ewmaLambdaPpm: zU64, kappaPpm: zU64, horizonEpochs: zU64, volShockMultPpm: zU64, maxEpochStep: zU64 }).strict(),
    oracleAssets: z.array(z.object({ scanFloorPpm: zU64, volShockFloorPpm: zU64, initialVolPpm: zU64 }).strict()).min(1),
    report: z.array(z.string()).optional(),
  })
  .strict();

function readText(file: string, option: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new ZkMarginInputError(option, `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** A calibrated risk file and its oracle settings (the `.oracle.json` beside it). */
export function readRiskFiles(riskFile: string): { risk: RiskParams; oracle: OracleSetup; symbols: string[] } {
  const risk = parseRisk(readText(riskFile, "--risk"), riskFile);
  const oracleFile = riskFile.replace(/\.json$/, "") + ".oracle.json";
  const o = parseWith(OracleFileSchema, readText(oracleFile, "--risk"), oracleFile);
  if (o.oracleAssets.length !== o.assets.length) throw new ZkMarginInputError(`${oracleFile}.oracleAssets`, `expected ${o.assets.length} entries (one per asset)`);
  try {
    validateRisk(risk, o.assets.length);
  } catch (e) {
    throw new ZkMarginInputError(riskFile, (e as Error).message);
  }
  return { risk, oracle: { config: o.config, assets: o.oracleAssets }, symbols: o.assets };
}

const KINDS = ["spot", "perp", "option"] as const;

/**
 * A books file: CSV `book,class,venue,symbol,kind,notional,type,moneyness,tenorDays`, one position a row (notional in
 * USD, signed; options: type call|put, strike = moneyness × price, tenor in days). Books are re-struck each day.
 */
export function parseBooksCsv(text: string, file: string, symbols: readonly string[]): Book[] {
  const fail = (line: number, problem: string): never => {
    throw new ZkMarginInputError(`${file}:${line}`, problem);
  };
  let rows: string[][];
  try {
    rows = parse(text, { skip_empty_lines: true, trim: true }) as string[][];
  } catch (e) {
    return fail((e as { lines?: number }).lines ?? 1, `malformed CSV (${(e as Error).message})`);
  }
  if (rows.length === 0) return fail(1, "empty book file: expected a header and one position a row");
  const head = rows[0].map((h) => h.toLowerCase());
  const cols = ["book", "class", "venue", "symbol", "kind", "notional", "type", "moneyness", "tenordays"];
  if (cols.some((c, i) => head[i] !== c)) fail(1, `expected the header \`${["book", "class", "venue", "symbol", "kind", "notional", "type", "moneyness", "tenorDays"].join(",")}\``);
  if (rows.length < 2) fail(2, "empty book file: no positions after the header");
  const books = new Map<string, { cls: string; specs: { line: number; venue: number; symbol: string; kind: (typeof KINDS)[number]; notional: number; type?: "call" | "put"; moneyness?: number; tenorDays?: number }[] }>();
  for (let i = 1; i < rows.length; i++) {
    const line = i + 1;
    const [id, cls, venue, symbol, kind, notional, type, moneyness, tenor] = rows[i];
    const v = Number(venue);
    if (!Number.isInteger(v) || v < 0 || v > 3) fail(line, `venue "${venue}" is not 0, 1, 2 or 3`);
    const sym = (symbol ?? "").toUpperCase();
    if (!symbols.includes(sym)) fail(line, `unknown asset "${symbol}": the instance's assets are ${symbols.join(", ")}`);
    if (!(KINDS as readonly string[]).includes(kind)) fail(line, `kind "${kind}" is not spot, perp or option`);
    const n = Number(notional);
    if (!Number.isFinite(n) || n === 0) fail(line, `notional "${notional}" is not a non-zero number (USD, signed)`);
    const spec = { line, venue: v, symbol: sym, kind: kind as (typeof KINDS)[number], notional: n } as (typeof books extends Map<string, infer B> ? B : never)["specs"][number];
    if (kind === "option") {
      if (type !== "call" && type !== "put") fail(line, `option type "${type}" is not call or put`);
      const m = Number(moneyness);
      const d = Number(tenor);
      if (!Number.isFinite(m) || m <= 0) fail(line, `moneyness "${moneyness}" is not a positive number (strike / price)`);
      if (!Number.isInteger(d) || d < 2 || d > 730) fail(line, `tenorDays "${tenor}" is not a whole number of days in [2, 730]`);
      Object.assign(spec, { type, moneyness: m, tenorDays: d });
    }
    if (!books.has(id)) books.set(id, { cls: cls || "custom", specs: [] });
    books.get(id)!.specs.push(spec);
  }
  let n = 0;
  return [...books.values()].map(({ cls, specs }) => ({
    cls,
    id: n++,
    symbols: [...new Set(specs.map((s) => s.symbol))],
    positions: (d) =>
      specs.map((s): Position => {
        const a = d.index(s.symbol)!;
        const units = s.notional / d.P[a];
        if (s.kind === "spot") return { kind: "spot", venue: s.venue, asset: a, units };
        if (s.kind === "perp") return { kind: "perp", venue: s.venue, asset: a, units, entry: d.F[s.venue][a] };
        return { kind: "option", venue: s.venue, asset: a, units, type: s.type!, strike: s.moneyness! * d.F[s.venue][a], tenorDays: s.tenorDays! };
      }),
  }));
}

/** The chart: portfolio margin vs realised loss over time (one book), and the distribution of loss ÷ margin. */
export async function renderChart(s: RunSummary, title: string): Promise<string> {
  const vega = await import("vega");
  const vl = await import("vega-lite");
  const series = s.after.chart.flatMap((p) => [
    { date: p.date, usd: p.margin, series: "margin (requirement + haircuts)" },
    { date: p.date, usd: p.loss, series: "realised next-day loss" },
  ]);
  const ratios = s.after.classes.flatMap((c) => c.ratios.filter(Number.isFinite).map((r) => ({ ratio: Math.max(-1, Math.min(2.5, r)) })));
  const spec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    vconcat: [
      {
        title: `${s.after.chart.length ? "desk book #0" : "(no desk book)"}: portfolio margin vs realised loss, model v2`,
        width: 900,
        height: 260,
        data: { values: series },
        mark: { type: "line", strokeWidth: 1 },
        encoding: {
          x: { field: "date", type: "temporal", title: null },
          y: { field: "usd", type: "quantitative", title: "USD" },
          color: { field: "series", type: "nominal", title: null },
        },
      },
      {
        title: "loss ÷ margin, every book-day of every class (model v2; > 1 is a shortfall; clipped to [−1, 2.5])",
        width: 900,
        height: 200,
        data: { values: ratios },
        mark: "bar",
        encoding: {
          x: { field: "ratio", type: "quantitative", bin: { maxbins: 70 }, title: "loss ÷ margin" },
          y: { aggregate: "count", type: "quantitative", scale: { type: "symlog" }, title: "book-days" },
        },
      },
    ],
  };
  const compiled = vl.compile(spec as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

export interface BacktestOpts {
  prices: string;
  from: string;
  to: string;
  split: string;
  books?: string;
  risk: string;
  generate?: boolean;
  seed: string;
  days: string;
  booksPerClass: string;
  tradeoff: boolean;
  json?: boolean;
  chart?: string;
  quiet?: boolean;
}

function int(text: string, option: string, lo: number, hi: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < lo || n > hi) throw new ZkMarginInputError(option, `"${text}" is not a whole number in [${lo}, ${hi}]`);
  return n;
}

export async function backtestCommand(o: BacktestOpts): Promise<number> {
  const log = (l: string) => {
    if (!o.quiet && !o.json) process.stderr.write(`[backtest] ${l}\n`);
  };
  const seed = int(o.seed, "--seed", 0, 2 ** 31 - 1);
  const perClass = int(o.booksPerClass, "--books-per-class", 1, 100);
  const after = readRiskFiles(o.risk);
  if (!isRiskV2(after.risk)) log(`${o.risk} has no model v2 fields: "after" is model v1 with these params`);
  const symbols = after.symbols;
  const table = loadPrices(o.prices, symbols);
  const books = o.books ? parseBooksCsv(readText(o.books, "--books"), o.books, symbols) : undefined;
  let summary: RunSummary;
  let window: string;
  if (o.generate) {
    const days = int(o.days, "--days", 200, 20_000);
    const calTo = indexOfDate(table, "2021-12-31", "--to");
    const cal = calibrate(table, { from: 0, to: calTo + 1, K: after.risk.scenarios });
    const vol = symbols.map((s, a) => (isStable(s) ? 0.002 : cal.stats[a].sigma));
    const path = generatedPath(symbols, { venues: 4, seed, days: days + 250, vol, rho: cal.stats.map((x) => x.rho) });
    log(`generated paths: ${days} days after a 250-day warm-up, GARCH(1,1)-t(4), jumps, one factor, depegs, venue basis and failures (seed ${seed})`);
    summary = runRiskBacktest({ path, after, books, booksPerClass: perClass, seed, from: 250, to: path.dates.length - 1, log });
    window = `generated, ${days} days, seed ${seed}`;
  } else {
    const from = indexOfDate(table, o.from, "--from");
    const to = indexOfDate(table, o.to, "--to");
    if (to <= from) throw new ZkMarginInputError("--to", `${o.to} is not after --from ${o.from}`);
    const path = historyPath(table, { venues: 4, seed });
    const calTo = indexOfDate(table, "2021-12-31", "--to");
    summary = runRiskBacktest({
      path,
      after,
      books,
      booksPerClass: perClass,
      seed,
      from,
      to,
      split: o.split,
      tradeoff: o.tradeoff ? { table, calibration: { from: 0, to: calTo + 1, K: after.risk.scenarios }, booksPerClass: Math.max(1, Math.ceil(perClass / 3)) } : undefined,
      log,
    });
    window = `real history ${o.from} … ${o.to} (out-of-sample from ${o.split})`;
  }
  if (o.chart) {
    mkdirSync(path.dirname(o.chart), { recursive: true });
    writeFileSync(o.chart, await renderChart(summary, `zkmargin backtest: ${window}`));
    log(`chart → ${o.chart}`);
  }
  if (o.json) {
    const out = {
      window,
      seconds: summary.ms / 1000,
      failures: summary.after.failures,
      classes: summary.rows.map((r) => ({
        class: r.cls,
        title: r.title,
        hedged: r.hedged,
        books: r.after.books,
        days: r.after.days,
        before: { coverage: coverage(r.before), isolatedCoverage: coverage(r.before, "isolated"), portfolioOverIsolated: efficiency(r.before), worst: { ...r.before.worst }, worstNoFailure: r.before.worstNoFailure },
        after: { coverage: coverage(r.after), isolatedCoverage: coverage(r.after, "isolated"), crossCoverage: coverage(r.after, "cross"), portfolioOverIsolated: efficiency(r.after), worst: r.after.worst, worstNoFailure: r.after.worstNoFailure, worstIsolated: r.after.worstIsolated, tailMean1pct: tailMean(r.after), daysBeyond2x: daysBeyond(r.after, 2), outOfSampleDays: r.after.oosDays, outOfSampleCoverage: r.after.oosDays ? (100 * r.after.oosCovered) / r.after.oosDays : null },
      })),
      tradeoff: summary.tradeoff,
    };
    process.stdout.write(`${JSON.stringify(toJsonValue(out), (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v), 2)}\n`);
  } else {
    process.stdout.write(`zkmargin backtest: ${window}; ${summary.after.bookDays} book-days per parameter set; venue failures: ${summary.after.failures.map((f) => `venue ${f.venue + 1} on ${f.date}`).join(", ") || "none"}; ${(summary.ms / 1000).toFixed(1)} s\n\n`);
    process.stdout.write(`${renderSummary(summary)}\n`);
    if (summary.tradeoff.length) process.stdout.write("\n(trade-off cells: portfolio coverage % / portfolio ÷ isolated % / worst loss ÷ margin)\n");
  }
  return 0;
}

function define(cmd: Command): Command {
  return cmd
    .description("backtest the margin model day by day (oracle rule → snapshot, reference model → requirements, full revaluation → next-day loss), before (today's params) and after (calibrated model v2), per book class")
    .option("--prices <dir>", "directory of <SYMBOL>.csv files (date,close)", "data/prices")
    .option("--from <date>", "first day of the evaluation period (earlier rows warm up the estimators)", "2019-01-01")
    .option("--to <date>", "last day of the evaluation period", "2023-12-31")
    .option("--split <date>", "report days from this date as out-of-sample too", "2022-01-01")
    .option("--books <file>", "books CSV (book,class,venue,symbol,kind,notional,type,moneyness,tenorDays) instead of the generated book classes")
    .option("--risk <file>", "calibrated risk params (and <file>.oracle.json beside it)", "data/risk/prod.json")
    .option("--generate", "generated paths (GARCH(1,1)-Student-t, jumps, correlated assets, venue basis drift, depegs) instead of history")
    .option("--seed <n>", "seed of the generated books, basis and paths", "1")
    .option("--days <n>", "generated mode: days to evaluate", "1500")
    .option("--books-per-class <n>", "books generated per class", "6")
    .option("--no-tradeoff", "skip the coverage-vs-efficiency table (history mode)")
    .option("--json", "print the table as JSON")
    .option("--chart <file>", "write the chart (SVG)", "build/backtest/backtest.svg")
    .option("-q, --quiet", "no progress on stderr");
}

/** Register `backtest` on the zkmargin program (client/cli.ts). */
export function registerBacktest(program: Command, run: (action: () => Promise<number> | number) => Promise<void>): void {
  define(program.command("backtest")).action(async (o: BacktestOpts) => run(() => backtestCommand(o)));
}
