/**
 * The backtest engine: replays the chain's view day by day. Each day t the oracle rule (prover/risk/oracleRule.ts)
 * turns the closes up to t into the market snapshot; every book is struck from that day's market, margined by the
 * reference model (prover/model.ts) isolated, per-venue cross and portfolio; the next day's loss comes from full
 * revaluation (options by Black-Scholes with the implied vol of day t+1), plus the cost of liquidating the book and
 * what a failing venue destroys. Pure TypeScript, usable in a browser.
 */
import { COMPARE_SCALE, EQUITY_SCALE, marginEvaluator } from "../model.ts";
import { Kind, type Holding, type MarketSnapshot, type RiskParams, type TableRiskParams } from "../types.ts";
import { blackScholes, impliedVol } from "./blackScholes.ts";
import { IMPACT_Y, liquidityOf, type Book, type DayView, type Position } from "./books.ts";
import { initialOracleState, oracleSnapshot, type OracleAsset, type OracleConfig } from "./oracleRule.ts";
import type { MarketPath } from "./paths.ts";

export type Method = "isolated" | "cross" | "portfolio";
export const METHODS: readonly Method[] = ["isolated", "cross", "portfolio"];

export interface OracleSetup {
  config: OracleConfig;
  assets: OracleAsset[];
}

export interface BacktestSetup {
  path: MarketPath;
  oracle: OracleSetup;
  /** the calibrated parameters (factor structure), or an explicit scenario table (the "before" parameters) */
  risk: RiskParams | TableRiskParams;
  books: readonly Book[];
  /** evaluation window: losses from day t to t+1 for from ≤ t < to (indices into path.dates) */
  from: number;
  to: number;
  /** an asset is used only after this many days of its own history (the EWMA's warm-up) */
  warmup?: number;
  /** loss given a venue failure, fraction of the venue's positive equity */
  lgd?: number;
  /** dates ≥ this are reported as out-of-sample too */
  split?: string;
  /** margin only these methods (portfolio is always computed) */
  methods?: readonly Method[];
  /** chart series for the first book of this class */
  chartClass?: string;
}

export interface WorstDay {
  ratio: number;
  date: string;
  book: number;
  loss: number;
  margin: number;
}

export interface ClassStats {
  cls: string;
  books: number;
  /** book-days evaluated */
  days: number;
  covered: Record<Method, number>;
  /** Σ margin over book-days, USD */
  margin: Record<Method, number>;
  /** worst loss / portfolio margin */
  worst: WorstDay;
  /** the same, leaving out venue-failure days */
  worstNoFailure: WorstDay;
  /** worst loss / isolated margin (every leg margined alone; NaN when isolated was not computed) */
  worstIsolated: WorstDay;
  /** out-of-sample part (dates ≥ split) */
  oosDays: number;
  oosCovered: number;
  /** per-book-day ratios loss / portfolio margin (for the distribution chart) */
  ratios: number[];
}

export interface BacktestResult {
  classes: ClassStats[];
  dates: { from: string; to: string; split?: string };
  chart: { date: string; margin: number; loss: number }[];
  failures: { venue: number; date: string }[];
  bookDays: number;
  ms: number;
}

const E8 = 1e8;
const toE8 = (x: number): bigint => BigInt(Math.round(x * E8));

/** The oracle's snapshots for every day (assets before their first close get price 1 and their seeded ranges). */
export function replayOracle(path: MarketPath, oracle: OracleSetup): { markets: MarketSnapshot[]; sigma: number[][] } {
  const A = path.symbols.length;
  const T = path.dates.length;
  const markets: MarketSnapshot[] = Array.from({ length: T }, () => ({ price: new Array<bigint>(A), scanRange: new Array<bigint>(A), volShock: new Array<bigint>(A) }));
  const sigma = path.symbols.map(() => new Array<number>(T).fill(NaN));
  for (let a = 0; a < A; a++) {
    const asset = [oracle.assets[a]];
    let state = initialOracleState(asset);
    for (let t = 0; t < T; t++) {
      const c = path.close[a][t];
      if (!Number.isFinite(c)) {
        markets[t].price[a] = 100_000_000n;
        markets[t].scanRange[a] = oracle.assets[a].scanFloorPpm;
        markets[t].volShock[a] = oracle.assets[a].volShockFloorPpm;
        continue;
      }
      let p = toE8(c);
      if (p < 1n) p = 1n;
      const snap = oracleSnapshot(state, BigInt(t), [p], asset, oracle.config);
      state = snap.state;
      markets[t].price[a] = p;
      markets[t].scanRange[a] = snap.market.scanRange[0];
      markets[t].volShock[a] = snap.market.volShock[0];
      sigma[a][t] = Number(snap.sigmaPpm[0]) / 1e6;
    }
  }
  return { markets, sigma };
}

interface Valued {
  holdings: Holding[][];
  value: number;
  /** value per venue */
  venueValue: number[];
}

function venuePrice(path: MarketPath, p: Position, t: number): number {
  const P = path.close[p.asset][t];
  return p.kind === "spot" ? P * (1 + path.spotBasis[p.venue][p.asset][t]) : P * (1 + path.basis[p.venue][p.asset][t]);
}

function optionValue(path: MarketPath, p: Extract<Position, { kind: "option" }>, t: number, ageDays: number) {
  const F = venuePrice(path, p, t);
  const tau = Math.max(0, p.tenorDays - ageDays) / 365;
  return { F, g: blackScholes(p.type, F, p.strike, tau, impliedVol(path.ivAtm[p.asset][t], F, p.strike)) };
}

/** Value (USD) of the positions on day t (age = days since they were struck), and as model holdings when asked. */
function value(path: MarketPath, positions: readonly Position[], t: number, age: number, venues: number, withHoldings: boolean): Valued {
  const holdings: Holding[][] = Array.from({ length: venues }, () => []);
  const venueValue = new Array<number>(venues).fill(0);
  let total = 0;
  for (const p of positions) {
    let v: number;
    if (p.kind === "spot") {
      v = p.units * venuePrice(path, p, t);
      if (withHoldings) holdings[p.venue].push({ asset: p.asset, kind: Kind.Spot, size: toE8(p.units), entryPrice: 0n, mark: 0n, delta: 0n, gamma: 0n, vega: 0n });
    } else if (p.kind === "perp") {
      v = p.units * (venuePrice(path, p, t) - p.entry);
      if (withHoldings) holdings[p.venue].push({ asset: p.asset, kind: Kind.Linear, size: toE8(p.units), entryPrice: toE8(p.entry), mark: 0n, delta: 0n, gamma: 0n, vega: 0n });
    } else {
      const { F, g } = optionValue(path, p, t, age);
      v = p.units * g.price;
      if (withHoldings) {
        const d = Math.max(-1, Math.min(1, g.delta));
        holdings[p.venue].push({ asset: p.asset, kind: Kind.Option, size: toE8(p.units), entryPrice: 0n, mark: toE8(g.price), delta: toE8(d), gamma: toE8(g.gamma * F * F), vega: toE8(g.vega) });
      }
    }
    total += v;
    venueValue[p.venue] += v;
  }
  return { holdings, value: total, venueValue };
}

/** Fill in delta hedges (perps with NaN units) from the options at the same asset, at day t. */
function fillHedges(path: MarketPath, positions: Position[], t: number): Position[] {
  const delta = new Map<number, number>();
  for (const p of positions) if (p.kind === "option") delta.set(p.asset, (delta.get(p.asset) ?? 0) + p.units * optionValue(path, p, t, 0).g.delta);
  return positions.map((p) => (p.kind === "perp" && Number.isNaN(p.units) ? { ...p, units: -(delta.get(p.asset) ?? 0) } : p));
}

/** Cost of liquidating the positions on day t (square-root impact, assumed liquidity), leaving out a failed venue. */
function liquidationCost(path: MarketPath, positions: readonly Position[], t: number, sigma: number[][], failed: Set<number>): number {
  let cost = 0;
  for (const p of positions) {
    if (failed.has(p.venue)) continue;
    const liq = liquidityOf(path.symbols[p.asset]);
    const P = path.close[p.asset][t];
    let n = Math.abs(p.units) * P;
    let extra = 0;
    if (p.kind === "option") {
      const { g } = optionValue(path, p, t, 1);
      n *= Math.abs(g.delta);
      extra = 0.03 * Math.abs(p.units * g.price);
    }
    const s = Number.isFinite(sigma[p.asset][t]) ? sigma[p.asset][t] : 0;
    cost += n * (liq.halfSpread + IMPACT_Y * s * Math.sqrt(n / liq.adv)) + extra;
  }
  return cost;
}

function emptyStats(cls: string): ClassStats {
  const zero = () => ({ isolated: 0, cross: 0, portfolio: 0 });
  const w = (): WorstDay => ({ ratio: -Infinity, date: "", book: -1, loss: 0, margin: 0 });
  return { cls, books: 0, days: 0, covered: zero(), margin: zero(), worst: w(), worstNoFailure: w(), worstIsolated: w(), oosDays: 0, oosCovered: 0, ratios: [] };
}

/** exact model values (COMPARE_SCALE, EQUITY_SCALE per USD × 1e8) to USD */
const CMP = Number(COMPARE_SCALE) * E8;
const EQ = Number(EQUITY_SCALE) * E8;

/** Run the backtest. */
export function runBacktest(s: BacktestSetup): BacktestResult {
  const t0 = performance.now();
  const { path } = s;
  const venues = path.basis.length;
  const warmup = s.warmup ?? 30;
  const lgd = s.lgd ?? 1;
  const methods = new Set<Method>([...(s.methods ?? METHODS), "portfolio"]);
  const { markets, sigma } = replayOracle(path, s.oracle);
  const firstDay = path.symbols.map((_, a) => path.close[a].findIndex(Number.isFinite));
  const indexOf = new Map(path.symbols.map((sym, a) => [sym, a]));
  const failuresAt = new Map<number, Set<number>>();
  for (const f of path.failures) failuresAt.set(f.t, new Set([...(failuresAt.get(f.t) ?? []), f.venue]));
  const stats = new Map<string, ClassStats>();
  const chart: BacktestResult["chart"] = [];
  const chartBook = s.books.find((b) => b.cls === (s.chartClass ?? "desk"));
  const seenBooks = new Map<string, Set<number>>();
  let bookDays = 0;

  for (let t = s.from; t < s.to; t++) {
    const market = markets[t];
    const view: DayView = {
      P: path.symbols.map((_, a) => path.close[a][t]),
      F: Array.from({ length: venues }, (_, v) => path.symbols.map((_, a) => path.close[a][t] * (1 + path.basis[v][a][t]))),
      S: market.scanRange.map((x) => Number(x) / 1e6),
      index: (sym) => indexOf.get(sym),
    };
    const failed = failuresAt.get(t + 1) ?? new Set<number>();
    const model = marginEvaluator(market, s.risk);
    const oos = s.split !== undefined && path.dates[t] >= s.split;
    for (const book of s.books) {
      const ready = book.symbols.every((sym) => {
        const a = indexOf.get(sym);
        return a !== undefined && firstDay[a] >= 0 && t - firstDay[a] >= warmup && Number.isFinite(path.close[a][t + 1]);
      });
      if (!ready) continue;
      const positions = fillHedges(path, book.positions(view), t);
      const now = value(path, positions, t, 0, venues, true);
      const next = value(path, positions, t + 1, 1, venues, false);
      let loss = now.value - next.value + liquidationCost(path, positions, t + 1, sigma, failed);
      for (const v of failed) loss += lgd * Math.max(0, next.venueValue[v]);

      const active = now.holdings.filter((h) => h.length > 0);
      const port = model.exact(active);
      const req = (hs: Parameters<typeof model.exact>[0]) => Number(model.exact(hs).requirement) / CMP;
      const deduction = now.value - Number(port.equity) / EQ;
      const margin: Record<Method, number> = { isolated: NaN, cross: NaN, portfolio: Number(port.requirement) / CMP + deduction };
      if (methods.has("cross")) margin.cross = active.reduce((x, hs) => x + req(hs), 0) + deduction;
      if (methods.has("isolated")) margin.isolated = active.flat().reduce((x, h) => x + req([h]), 0) + deduction;

      let st = stats.get(book.cls);
      if (!st) stats.set(book.cls, (st = emptyStats(book.cls)));
      let seen = seenBooks.get(book.cls);
      if (!seen) seenBooks.set(book.cls, (seen = new Set()));
      seen.add(book.id);
      st.days++;
      bookDays++;
      for (const m of methods) {
        st.margin[m] += margin[m];
        if (loss <= margin[m]) st.covered[m]++;
      }
      if (oos) {
        st.oosDays++;
        if (loss <= margin.portfolio) st.oosCovered++;
      }
      const ratio = margin.portfolio > 0 ? loss / margin.portfolio : loss > 0 ? Infinity : 0;
      st.ratios.push(ratio);
      const w = { ratio, date: path.dates[t + 1], book: book.id, loss, margin: margin.portfolio };
      if (ratio > st.worst.ratio) st.worst = w;
      if (failed.size === 0 && ratio > st.worstNoFailure.ratio) st.worstNoFailure = w;
      if (methods.has("isolated")) {
        const iso = margin.isolated > 0 ? loss / margin.isolated : loss > 0 ? Infinity : 0;
        if (iso > st.worstIsolated.ratio) st.worstIsolated = { ratio: iso, date: w.date, book: book.id, loss, margin: margin.isolated };
      }
      if (book === chartBook) chart.push({ date: path.dates[t + 1], margin: margin.portfolio, loss });
    }
  }
  for (const [cls, st] of stats) st.books = seenBooks.get(cls)?.size ?? 0;
  const order = [...new Set(s.books.map((b) => b.cls))];
  return {
    classes: order.map((c) => stats.get(c)).filter((x): x is ClassStats => x !== undefined),
    dates: { from: path.dates[s.from], to: path.dates[s.to], split: s.split },
    chart,
    failures: path.failures.filter((f) => f.t > s.from && f.t <= s.to).map((f) => ({ venue: f.venue, date: path.dates[f.t] })),
    bookDays,
    ms: performance.now() - t0,
  };
}
