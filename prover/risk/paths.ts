/**
 * The market the backtest replays, day by day: index closes (real history or generated), the at-the-money implied
 * vol that moves with them, each venue's basis to the index, and venue failures. Everything except real closes is
 * an assumption of the backtest, documented in docs/RISK.md §6 and generated from a seed.
 */
import { Rng } from "./random.ts";
import { dateOf, dayNumber, type PriceTable } from "./prices.ts";

export const STABLES = new Set(["USDC", "USDT", "DAI", "BUSD", "TUSD", "FDUSD"]);
export const isStable = (symbol: string): boolean => STABLES.has(symbol.toUpperCase());

/** Daily market of the backtest. Arrays are [asset][day] or [venue][asset][day]. */
export interface MarketPath {
  symbols: string[];
  dates: string[];
  close: number[][];
  /** annualised ATM implied vol (assumption: from a fast EWMA of realised vol) */
  ivAtm: number[][];
  /** relative basis of each venue's derivative price to the index: F = P·(1 + basis) */
  basis: number[][][];
  /** relative basis of each venue's spot price to the index */
  spotBasis: number[][][];
  /** venue failures: venue index fails on day t (its equity is lost between t−1 and t) */
  failures: { venue: number; t: number }[];
  generated: boolean;
}

/** Assumed venue basis per asset class (docs/RISK.md §6.2). */
export interface BasisAssumption {
  /** daily innovation std of the derivative basis */
  noise: number;
  /** typical stress spike (relative) */
  spike: number;
}
export function basisAssumption(symbol: string): BasisAssumption {
  if (isStable(symbol)) return { noise: 0.0002, spike: 0.002 };
  if (symbol === "BTC" || symbol === "ETH") return { noise: 0.0006, spike: 0.01 };
  return { noise: 0.0015, spike: 0.03 };
}
/** AR(1) coefficient of the basis (half-life ≈ 2 days). */
export const BASIS_AR = 0.7;
/** Probability that a stress day (|index return| > 3σ) brings a basis spike at a venue. */
export const SPIKE_PROB = 0.3;
/** Spot prices at a venue deviate from the index by this fraction of the derivative basis noise. */
export const SPOT_BASIS_SHARE = 0.3;

/** Fast EWMA decay of the implied-vol model and its floor and premium. */
const IV_LAMBDA = 0.9;
const IV_FLOOR = 0.3;
const IV_PREMIUM = 1.15;

function ivPath(close: number[]): number[] {
  const out: number[] = [];
  let v = NaN;
  for (let t = 0; t < close.length; t++) {
    if (t > 0 && Number.isFinite(close[t]) && Number.isFinite(close[t - 1])) {
      const r = Math.log(close[t] / close[t - 1]);
      v = Number.isNaN(v) ? r * r : IV_LAMBDA * v + (1 - IV_LAMBDA) * r * r;
    }
    out.push(Number.isNaN(v) ? NaN : Math.max(IV_FLOOR, IV_PREMIUM * Math.sqrt(365 * v)));
  }
  return out;
}

/** Basis paths for `venues` venues and the venue failures, seeded. */
function venueModel(symbols: readonly string[], close: number[][], venues: number, rng: Rng) {
  const T = close[0].length;
  const basis = Array.from({ length: venues }, () => symbols.map(() => new Array<number>(T).fill(0)));
  const spotBasis = Array.from({ length: venues }, () => symbols.map(() => new Array<number>(T).fill(0)));
  symbols.forEach((sym, a) => {
    const as = basisAssumption(sym);
    let varr = NaN;
    for (let t = 1; t < T; t++) {
      const c0 = close[a][t - 1];
      const c1 = close[a][t];
      let stress = false;
      if (Number.isFinite(c0) && Number.isFinite(c1)) {
        const r = Math.log(c1 / c0);
        stress = !Number.isNaN(varr) && Math.abs(r) > 3 * Math.sqrt(varr);
        varr = Number.isNaN(varr) ? r * r : 0.94 * varr + 0.06 * r * r;
      }
      for (let v = 0; v < venues; v++) {
        const shock = as.noise * rng.studentT(3) * (stress ? 3 : 1);
        const spike = stress && rng.next() < SPIKE_PROB ? (rng.next() < 0.5 ? -1 : 1) * as.spike * rng.uniform(0.5, 1.5) : 0;
        basis[v][a][t] = BASIS_AR * basis[v][a][t - 1] + shock + spike;
        spotBasis[v][a][t] = BASIS_AR * spotBasis[v][a][t - 1] + SPOT_BASIS_SHARE * as.noise * rng.studentT(3) * (stress ? 3 : 1);
      }
    }
  });
  return { basis, spotBasis };
}

export interface PathOptions {
  venues: number;
  seed: number;
  /** real history: venue failures on these dates (default: venue 2 on 2022-11-09, the day after FTX halted withdrawals) */
  failureDates?: { venue: number; date: string }[];
  /** generated paths: failure hazard per venue per day */
  failureHazard?: number;
}

/** The real-history market: closes from the table, the rest from the documented assumptions. */
export function historyPath(table: PriceTable, o: PathOptions): MarketPath {
  const rng = new Rng(o.seed);
  const { basis, spotBasis } = venueModel(table.symbols, table.close, o.venues, rng);
  const failures = (o.failureDates ?? [{ venue: 1, date: "2022-11-09" }])
    .map((f) => ({ venue: f.venue, t: table.dates.indexOf(f.date) }))
    .filter((f) => f.t > 0 && f.venue < o.venues);
  return { symbols: [...table.symbols], dates: [...table.dates], close: table.close.map((c) => [...c]), ivAtm: table.close.map(ivPath), basis, spotBasis, failures, generated: false };
}

/** Parameters of the generated market (per asset: daily vol and factor correlation, typically from calibration). */
export interface GenerateOptions extends PathOptions {
  days: number;
  /** per-asset long-run daily vol */
  vol: number[];
  /** per-asset correlation with the common factor */
  rho: number[];
  /** Student-t degrees of freedom of the innovations */
  df?: number;
  /** daily probability of a market jump, and of an idiosyncratic jump per asset */
  marketJump?: number;
  idioJump?: number;
  /** daily probability of a stablecoin depeg */
  depeg?: number;
}

/**
 * Generated paths: GARCH(1,1) with Student-t innovations, one common factor (correlation ρ), market and
 * idiosyncratic jumps; stablecoins stay near 1 with rare depegs that revert; venue basis and failures as for history.
 */
export function generatedPath(symbols: readonly string[], o: GenerateOptions): MarketPath {
  const rng = new Rng(o.seed ^ 0x5eed);
  const df = o.df ?? 4;
  const T = o.days;
  const A = symbols.length;
  const close = symbols.map(() => new Array<number>(T).fill(NaN));
  const alpha = 0.1;
  const beta = 0.87;
  const h = o.vol.map((v) => v * v);
  const lastR = new Array<number>(A).fill(0);
  const depegLevel = new Array<number>(A).fill(0);
  symbols.forEach((_, a) => (close[a][0] = isStable(symbols[a]) ? 1 : 100));
  for (let t = 1; t < T; t++) {
    const f = rng.studentT(df);
    const mj = rng.next() < (o.marketJump ?? 0.004) ? rng.normal() * 0.15 - 0.05 : 0;
    for (let a = 0; a < A; a++) {
      if (isStable(symbols[a])) {
        if (depegLevel[a] === 0 && rng.next() < (o.depeg ?? 0.0015)) depegLevel[a] = -rng.uniform(0.02, 0.12);
        else depegLevel[a] *= 0.6;
        if (Math.abs(depegLevel[a]) < 1e-4) depegLevel[a] = 0;
        close[a][t] = Math.max(0.5, 1 + depegLevel[a] + 0.0005 * rng.studentT(df));
        continue;
      }
      const v = o.vol[a] * o.vol[a];
      h[a] = v * (1 - alpha - beta) + alpha * lastR[a] * lastR[a] + beta * h[a];
      const rho = o.rho[a];
      const z = rho * f + Math.sqrt(1 - rho * rho) * rng.studentT(df);
      const ij = rng.next() < (o.idioJump ?? 0.003) ? rng.normal() * 0.2 : 0;
      const r = Math.max(-0.9, Math.sqrt(h[a]) * z + rho * mj + ij);
      lastR[a] = r;
      close[a][t] = close[a][t - 1] * Math.exp(r);
    }
  }
  const start = dayNumber("2100-01-01");
  const dates = Array.from({ length: T }, (_, t) => dateOf(start + t));
  const { basis, spotBasis } = venueModel(symbols, close, o.venues, rng);
  const failures: { venue: number; t: number }[] = [];
  const hz = o.failureHazard ?? 1 / 1500;
  for (let t = 1; t < T; t++) for (let v = 0; v < o.venues; v++) if (rng.next() < hz) failures.push({ venue: v, t });
  return { symbols: [...symbols], dates, close, ivAtm: close.map(ivPath), basis, spotBasis, failures, generated: true };
}
