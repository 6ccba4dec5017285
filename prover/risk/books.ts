/**
 * Book classes of the backtest: each is a generator of many books (seeded), and each book is a rule that turns a
 * day's market into positions of a constant composition (notional, moneyness and tenor fixed, re-struck each day),
 * so that every day is one independent sample of the class. Positions are floats (units, USD); prover/risk/backtest.ts
 * turns them into model holdings and revalues them in full.
 */
import type { OptionType } from "./blackScholes.ts";
import { isStable } from "./paths.ts";
import { Rng } from "./random.ts";

export type Position =
  | { kind: "spot"; venue: number; asset: number; units: number }
  | { kind: "perp"; venue: number; asset: number; units: number; entry: number }
  | { kind: "option"; venue: number; asset: number; units: number; type: OptionType; strike: number; tenorDays: number };

/** What a book sees on the day it is struck. */
export interface DayView {
  /** index price per asset (USD) */
  P: number[];
  /** venue derivative price [venue][asset] */
  F: number[][];
  /** the oracle's scan range per asset, as a fraction of price */
  S: number[];
  /** asset index by symbol (undefined when the symbol is not in the instance) */
  index: (symbol: string) => number | undefined;
}

export interface Book {
  cls: string;
  id: number;
  /** symbols the book uses (a day is skipped while any of them has no warmed-up price) */
  symbols: string[];
  positions(day: DayView): Position[];
}

export interface BookClass {
  id: string;
  title: string;
  /** true when the class is a hedge (the 2× worst-day and efficiency targets apply to hedges) */
  hedged: boolean;
  make(rng: Rng, id: number, symbols: readonly string[]): Book | undefined;
}

const RISKY_MAJOR = ["BTC", "ETH"];
/** Pairs by correlation of daily returns over 2020-04…2021-12 (docs/RISK.md §5 lists the measured values). */
const HIGH_PAIRS: [string, string][] = [["BTC", "ETH"], ["ETH", "SOL"], ["ETH", "LINK"], ["BTC", "LINK"]];
const LOW_PAIRS: [string, string][] = [["DOGE", "XRP"], ["DOGE", "LINK"], ["XRP", "SOL"], ["BTC", "DOGE"]];

const usualNotional = (rng: Rng) => rng.uniform(1e6, 3e6);
const twoVenues = (rng: Rng, venues = 4): [number, number] => {
  const a = rng.int(0, venues - 1);
  return [a, (a + rng.int(1, venues - 1)) % venues];
};
const risky = (symbols: readonly string[]) => symbols.filter((s) => !isStable(s));
const stable = (symbols: readonly string[]) => symbols.find((s) => s === "USDC") ?? symbols.find(isStable);

function need(day: DayView, ...syms: string[]): number[] {
  return syms.map((s) => {
    const i = day.index(s);
    if (i === undefined) throw new Error(`book uses ${s}, not in the instance`);
    return i;
  });
}

function collateral(day: DayView, usd: string | undefined, venue: number, notional: number): Position[] {
  if (usd === undefined) return [];
  const [u] = need(day, usd);
  return [{ kind: "spot", venue, asset: u, units: notional / day.P[u] }];
}

function book(cls: string, id: number, symbols: string[], positions: (d: DayView) => Position[]): Book {
  return { cls, id, symbols, positions };
}

function pairClass(id: string, title: string, pairs: [string, string][], sizing: "dollar" | "scan"): BookClass {
  return {
    id,
    title,
    hedged: true,
    make(rng, n, symbols) {
      const avail = pairs.filter(([x, y]) => symbols.includes(x) && symbols.includes(y));
      if (avail.length === 0) return undefined;
      const [x, y] = rng.pick(avail);
      const flip = rng.next() < 0.5;
      const [vx, vy] = rng.next() < 0.5 ? [0, 0] : twoVenues(rng);
      const N = usualNotional(rng);
      const usd = stable(symbols);
      return book(id, n, [x, y, ...(usd ? [usd] : [])], (d) => {
        const [ix, iy] = need(d, x, y);
        const sx = flip ? -1 : 1;
        const ux = (sx * N) / d.P[ix];
        const notionalY = sizing === "dollar" ? N : (N * d.S[ix]) / d.S[iy];
        const uy = (-sx * notionalY) / d.P[iy];
        return [
          { kind: "perp", venue: vx, asset: ix, units: ux, entry: d.F[vx][ix] },
          { kind: "perp", venue: vy, asset: iy, units: uy, entry: d.F[vy][iy] },
          ...collateral(d, usd, vx, 0.2 * N),
          ...(vy !== vx ? collateral(d, usd, vy, 0.2 * N) : []),
        ];
      });
    },
  };
}

function optionClass(id: string, title: string, side: 1 | -1, hedge: boolean, otm: boolean): BookClass {
  return {
    id,
    title,
    hedged: hedge,
    make(rng, n, symbols) {
      const under = rng.pick(RISKY_MAJOR.filter((s) => symbols.includes(s)).concat(otm ? risky(symbols).slice(0, 4) : []));
      if (under === undefined) return undefined;
      const type: OptionType = rng.next() < 0.5 ? "call" : "put";
      const m = otm ? rng.uniform(0.1, 0.3) : rng.uniform(-0.1, 0.1);
      const tenor = otm ? rng.int(7, 45) : rng.int(14, 60);
      const N = usualNotional(rng);
      const [vo, vh] = rng.next() < 0.5 ? [0, 0] : twoVenues(rng);
      const usd = stable(symbols);
      return book(id, n, [under, ...(usd ? [usd] : [])], (d) => {
        const [ia] = need(d, under);
        const S = d.F[vo][ia];
        const strike = otm ? (type === "put" ? S * (1 - m) : S * (1 + m)) : S * (1 + m);
        const units = (side * N) / d.P[ia];
        const out: Position[] = [{ kind: "option", venue: vo, asset: ia, units, type, strike, tenorDays: tenor }];
        if (hedge) out.push({ kind: "perp", venue: vh, asset: ia, units: Number.NaN, entry: d.F[vh][ia] }); // delta filled in by the backtest
        out.push(...collateral(d, usd, vo, (otm ? 0.3 : 0.15) * N));
        if (vh !== vo && hedge) out.push(...collateral(d, usd, vh, 0.05 * N));
        return out;
      });
    },
  };
}

/** The book classes of issue 11 (docs/RISK.md §6.1). */
export const BOOK_CLASSES: BookClass[] = [
  {
    id: "basis",
    title: "same-asset basis across venues (long perp / short perp)",
    hedged: true,
    make(rng, n, symbols) {
      const a = rng.pick(risky(symbols));
      const [v1, v2] = twoVenues(rng);
      const N = usualNotional(rng);
      const usd = stable(symbols);
      return book("basis", n, [a, ...(usd ? [usd] : [])], (d) => {
        const [ia] = need(d, a);
        return [
          { kind: "perp", venue: v1, asset: ia, units: N / d.P[ia], entry: d.F[v1][ia] },
          { kind: "perp", venue: v2, asset: ia, units: -N / d.P[ia], entry: d.F[v2][ia] },
          ...collateral(d, usd, v1, 0.1 * N),
          ...collateral(d, usd, v2, 0.1 * N),
        ];
      });
    },
  },
  {
    id: "carry",
    title: "cash-and-carry (spot vs short perp)",
    hedged: true,
    make(rng, n, symbols) {
      const a = rng.pick(risky(symbols));
      const [v1, v2] = rng.next() < 0.3 ? [0, 0] : twoVenues(rng);
      const N = usualNotional(rng);
      const usd = stable(symbols);
      return book("carry", n, [a, ...(usd ? [usd] : [])], (d) => {
        const [ia] = need(d, a);
        return [
          { kind: "spot", venue: v1, asset: ia, units: N / d.P[ia] },
          { kind: "perp", venue: v2, asset: ia, units: -N / d.P[ia], entry: d.F[v2][ia] },
          ...collateral(d, usd, v2, 0.1 * N),
        ];
      });
    },
  },
  pairClass("pairs-high-dollar", "pair of highly correlated assets, dollar-neutral", HIGH_PAIRS, "dollar"),
  pairClass("pairs-high-scan", "pair of highly correlated assets, scan-range-neutral", HIGH_PAIRS, "scan"),
  pairClass("pairs-low-dollar", "pair of weakly correlated assets, dollar-neutral", LOW_PAIRS, "dollar"),
  pairClass("pairs-low-scan", "pair of weakly correlated assets, scan-range-neutral", LOW_PAIRS, "scan"),
  optionClass("dh-long-option", "delta-hedged long option (near the money)", 1, true, false),
  optionClass("dh-short-option", "delta-hedged short option (near the money)", -1, true, false),
  optionClass("short-otm", "short out-of-the-money put or call (10-30 % OTM)", -1, false, true),
  {
    id: "naked",
    title: "naked directional (one perp or spot, long or short)",
    hedged: false,
    make(rng, n, symbols) {
      const a = rng.pick(risky(symbols));
      const side = rng.next() < 0.5 ? 1 : -1;
      const spot = side > 0 && rng.next() < 0.4;
      const N = usualNotional(rng);
      const usd = stable(symbols);
      return book("naked", n, [a, ...(usd ? [usd] : [])], (d) => {
        const [ia] = need(d, a);
        const leg: Position = spot ? { kind: "spot", venue: 0, asset: ia, units: N / d.P[ia] } : { kind: "perp", venue: 0, asset: ia, units: (side * N) / d.P[ia], entry: d.F[0][ia] };
        return [leg, ...collateral(d, usd, 0, 0.3 * N)];
      });
    },
  },
  {
    id: "stable-collateral",
    title: "stablecoin-heavy collateral (USDC/USDT, small perps)",
    hedged: false,
    make(rng, n, symbols) {
      const stables = symbols.filter(isStable);
      if (stables.length === 0) return undefined;
      const a = rng.pick(risky(symbols));
      const N = usualNotional(rng) * 3;
      const [v1, v2] = twoVenues(rng);
      return book("stable-collateral", n, [...stables, a], (d) => {
        const [ia] = need(d, a);
        const out: Position[] = stables.map((s, i) => {
          const [is] = need(d, s);
          return { kind: "spot", venue: i % 2 === 0 ? v1 : v2, asset: is, units: N / stables.length / d.P[is] };
        });
        out.push({ kind: "perp", venue: v1, asset: ia, units: (0.1 * N) / d.P[ia], entry: d.F[v1][ia] });
        return out;
      });
    },
  },
  {
    id: "concentrated",
    title: "one concentrated position, 10× the usual size",
    hedged: false,
    make(rng, n, symbols) {
      const a = rng.pick(risky(symbols));
      const side = rng.next() < 0.5 ? 1 : -1;
      const N = 10 * usualNotional(rng);
      const usd = stable(symbols);
      return book("concentrated", n, [a, ...(usd ? [usd] : [])], (d) => {
        const [ia] = need(d, a);
        return [{ kind: "perp", venue: 0, asset: ia, units: (side * N) / d.P[ia], entry: d.F[0][ia] }, ...collateral(d, usd, 0, 0.3 * N)];
      });
    },
  },
  {
    id: "desk",
    title: "multi-venue desk (basis, pair, covered call, collateral at 4 venues)",
    hedged: true,
    make(rng, n, symbols) {
      const r = risky(symbols);
      if (r.length < 4) return undefined;
      const usd = stable(symbols);
      const x = rng.pick(RISKY_MAJOR.filter((s) => symbols.includes(s)));
      const others = r.filter((s) => s !== x);
      const y = rng.pick(others);
      const z = rng.pick(others.filter((s) => s !== y));
      const cc = rng.pick(RISKY_MAJOR.filter((s) => symbols.includes(s)));
      const N = usualNotional(rng);
      return book("desk", n, [x, y, z, cc, ...(usd ? [usd] : [])], (d) => {
        const [ix, iy, iz, ic] = need(d, x, y, z, cc);
        return [
          ...collateral(d, usd, 0, 0.25 * N),
          { kind: "perp", venue: 0, asset: ix, units: (0.4 * N) / d.P[ix], entry: d.F[0][ix] },
          ...collateral(d, usd, 1, 0.1 * N),
          { kind: "perp", venue: 1, asset: ix, units: (-0.6 * N) / d.P[ix], entry: d.F[1][ix] },
          { kind: "spot", venue: 1, asset: ix, units: (0.2 * N) / d.P[ix] },
          ...collateral(d, usd, 2, 0.08 * N),
          { kind: "perp", venue: 2, asset: iy, units: (0.3 * N) / d.P[iy], entry: d.F[2][iy] },
          { kind: "perp", venue: 2, asset: iz, units: (-0.3 * N) / d.P[iz], entry: d.F[2][iz] },
          ...collateral(d, usd, 3, 0.02 * N),
          { kind: "spot", venue: 3, asset: ic, units: (0.2 * N) / d.P[ic] },
          { kind: "option", venue: 3, asset: ic, units: (-0.2 * N) / d.P[ic], type: "call", strike: d.F[3][ic] * 1.05, tenorDays: 30 },
        ];
      });
    },
  },
];

/** `count` books of each class, seeded (a class that does not fit the asset list is left out). */
export function makeBooks(symbols: readonly string[], count: number, seed: number, classes: readonly BookClass[] = BOOK_CLASSES): Book[] {
  const out: Book[] = [];
  classes.forEach((c, ci) => {
    const rng = new Rng(seed * 7919 + ci);
    for (let i = 0; i < count; i++) {
      const b = c.make(rng, i, symbols);
      if (b) out.push(b);
    }
  });
  return out;
}

/** Assumed liquidity per asset: daily volume one can trade (USD) and the half spread (docs/RISK.md §6.3). */
export interface Liquidity {
  adv: number;
  halfSpread: number;
}
const LIQUIDITY: Record<string, Liquidity> = {
  BTC: { adv: 10e9, halfSpread: 0.0002 },
  ETH: { adv: 5e9, halfSpread: 0.0002 },
  SOL: { adv: 1e9, halfSpread: 0.0005 },
  XRP: { adv: 1e9, halfSpread: 0.0005 },
  DOGE: { adv: 5e8, halfSpread: 0.0005 },
  LINK: { adv: 2e8, halfSpread: 0.0008 },
  USDC: { adv: 5e9, halfSpread: 0.0001 },
  USDT: { adv: 1e10, halfSpread: 0.0001 },
};
export function liquidityOf(symbol: string): Liquidity {
  return LIQUIDITY[symbol.toUpperCase()] ?? { adv: 2e8, halfSpread: 0.001 };
}
/** Square-root impact constant Y: cost = |g|·(halfSpread + Y·σ_day·√(|g|/adv)). */
export const IMPACT_Y = 1.0;
