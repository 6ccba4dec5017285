/**
 * Capital efficiency: total requirement of the same books under isolated margin (each holding alone), per-venue cross
 * margin (each venue's holdings together) and portfolio margin (every venue together: what a zkmargin proof attests),
 * with the reference model (prover/model.ts through prover/report.ts marginReport, the CLI's `report`).
 * Books are generated with fast-check from a fixed seed on the production market and risk params (A = 8, K = 16),
 * within the production instance's V = 4 venues × N = 8 slots; the fixture books of test/fixtures/market.ts are
 * listed too, on the test market.
 */
import fc from "fast-check";
import { formatUsd } from "../../prover/errors.ts";
import { marginReport, type BookAccount } from "../../prover/report.ts";
import type { Holding, MarketSnapshot, RiskParams } from "../../prover/types.ts";
import {
  PROD_ASSETS,
  btcLongCallBook,
  btcShortCallBook,
  hedgedEthBook,
  perp,
  prodMarket,
  prodRisk,
  spot,
  spotVsShortPerpBook,
  testMarket,
  testRisk,
  type Book,
} from "../../test/fixtures/market.ts";
import { mdTable, type Section } from "./common.ts";

const SEED = 20261124;
const BOOKS = 200;
const RISKY = [PROD_ASSETS.ETH, PROD_ASSETS.BTC, PROD_ASSETS.SOL, PROD_ASSETS.LINK, PROD_ASSETS.AVAX, PROD_ASSETS.ARB, PROD_ASSETS.DOGE];
const VENUES = [1n, 2n, 3n, 4n];

/** Units of `asset` worth `notionalUsd` at the market price, as a decimal string with 8 decimals. */
function qtyFor(market: MarketSnapshot, asset: number, notionalUsd: number): string {
  const price = Number(market.price[asset]) / 1e8;
  return (notionalUsd / price).toFixed(8);
}
const entry = (market: MarketSnapshot, asset: number, driftPct: number): string => ((Number(market.price[asset]) / 1e8) * (1 + driftPct / 100)).toFixed(8);

interface Leg {
  asset: number;
  notional: number;
  drift: number;
  mismatch: number;
  venues: [number, number];
  kind: "perp-perp" | "spot-perp";
}

const legArb = fc.record({
  asset: fc.constantFrom(...RISKY),
  notional: fc.integer({ min: 10_000, max: 1_000_000 }),
  drift: fc.integer({ min: -5, max: 5 }),
  mismatch: fc.integer({ min: -10, max: 10 }),
  venues: fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 3 })).map(([a, d]): [number, number] => [a, (a + d) % 4]),
  kind: fc.constantFrom("perp-perp" as const, "spot-perp" as const),
});

/**
 * Hedged book: 1-3 hedges, each a long leg at one venue and an opposite leg (±10% size mismatch) at another
 * (long perp vs short perp, or spot vs short perp: cash-and-carry), plus USDC collateral of 20% of the notional at each
 * venue used. Unhedged book: the same legs with both sides in the same direction (a directional book spread over venues).
 */
function toBooks(legs: Leg[], market: MarketSnapshot): { hedged: Book; unhedged: Book } {
  const mk = (hedged: boolean): Book => {
    const per = new Map<bigint, Holding[]>();
    const add = (v: bigint, h: Holding) => per.set(v, [...(per.get(v) ?? []), h]);
    for (const l of legs) {
      const [va, vb] = l.venues.map((i) => VENUES[i]);
      const q = qtyFor(market, l.asset, l.notional);
      const q2 = qtyFor(market, l.asset, (l.notional * (100 + l.mismatch)) / 100);
      if (l.kind === "perp-perp") add(va, perp(l.asset, q, entry(market, l.asset, l.drift)));
      else add(va, spot(l.asset, q));
      add(vb, perp(l.asset, hedged ? `-${q2}` : q2, entry(market, l.asset, -l.drift)));
    }
    const total = legs.reduce((s, l) => s + l.notional, 0);
    for (const v of per.keys()) add(v, spot(PROD_ASSETS.USDC, ((total * 0.2) / per.size).toFixed(2)));
    return [...per.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([venueId, holdings]) => ({ venueId, holdings }));
  };
  return { hedged: mk(true), unhedged: mk(false) };
}

interface Totals {
  isolated: bigint;
  cross: bigint;
  portfolio: bigint;
  equity: bigint;
  ratiosCross: number[];
  ratiosPortfolio: number[];
}

function margin(book: Book, market: MarketSnapshot, risk: RiskParams) {
  return marginReport(book as BookAccount[], market, risk);
}

function accumulate(t: Totals, book: Book, market: MarketSnapshot, risk: RiskParams): void {
  const r = margin(book, market, risk);
  t.isolated += r.isolated.requirement;
  t.cross += r.cross.requirement;
  t.portfolio += r.portfolio.requirement;
  t.equity += r.portfolio.equity;
  if (r.isolated.requirement > 0n) {
    t.ratiosCross.push(Number((r.cross.requirement * 10_000n) / r.isolated.requirement) / 100);
    t.ratiosPortfolio.push(Number((r.portfolio.requirement * 10_000n) / r.isolated.requirement) / 100);
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const pctOf = (x: bigint, base: bigint): string => (base === 0n ? "—" : `${(Number((x * 2000n) / base + 1n) / 20).toFixed(1)}%`); // nearest 0.1%

export const capitalSection: Section = {
  id: "capital",
  title: "Capital efficiency: isolated vs per-venue cross vs portfolio margin",
  async run(ctx) {
    const market = prodMarket();
    const risk = prodRisk();
    const samples = fc.sample(fc.array(legArb, { minLength: 1, maxLength: 3 }), { seed: SEED, numRuns: BOOKS });
    const hedged: Totals = { isolated: 0n, cross: 0n, portfolio: 0n, equity: 0n, ratiosCross: [], ratiosPortfolio: [] };
    const unhedged: Totals = { isolated: 0n, cross: 0n, portfolio: 0n, equity: 0n, ratiosCross: [], ratiosPortfolio: [] };
    const t0 = performance.now();
    for (const legs of samples) {
      const b = toBooks(legs, market);
      accumulate(hedged, b.hedged, market, risk);
      accumulate(unhedged, b.unhedged, market, risk);
    }
    ctx.log(`capital: ${2 * BOOKS} generated books margined three ways in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const row = (name: string, t: Totals) => [
      name,
      BOOKS,
      formatUsd(t.isolated),
      formatUsd(t.cross),
      formatUsd(t.portfolio),
      pctOf(t.cross, t.isolated),
      pctOf(t.portfolio, t.isolated),
      `${median(t.ratiosCross).toFixed(1)}% / ${median(t.ratiosPortfolio).toFixed(1)}%`,
    ];
    const fixtures: [string, Book][] = [
      ["hedged ETH perps across two venues", hedgedEthBook()],
      ["spot ETH vs short ETH perp", spotVsShortPerpBook()],
      ["short 2 BTC calls vs USDC", btcShortCallBook()],
      ["long BTC call + short BTC perp", btcLongCallBook()],
    ];
    const fixtureRows = fixtures.map(([name, book]) => {
      const r = margin(book, testMarket(), testRisk());
      return [name, book.length, formatUsd(r.isolated.requirement), formatUsd(r.cross.requirement), formatUsd(r.portfolio.requirement), pctOf(r.portfolio.requirement, r.isolated.requirement), formatUsd(r.portfolio.equity)];
    });
    return [
      `${BOOKS} generated books of each kind (fast-check, seed ${SEED}; production market and risk params, A = 8, K = 16, up to 4 venues). Requirement totals summed over the books; the last column is the median per-book ratio to isolated (cross / portfolio).`,
      "",
      mdTable(
        ["books", "n", "isolated", "per-venue cross", "portfolio", "cross / isolated", "portfolio / isolated", "median per book"],
        [row("hedged (opposite legs at different venues)", hedged), row("unhedged (same legs, one direction)", unhedged)],
      ),
      "",
      "Hedged book: 1–3 hedges, each a long perp or spot leg at one venue against a short perp (size mismatch up to ±10%, entry prices within ±5% of the mark) at another venue, with USDC collateral of 20% of the notional spread over the venues used. Unhedged book: the same legs, all in one direction.",
      "",
      "Fixture books (test/fixtures/market.ts, test market and risk params, A = 3, K = 4):",
      "",
      mdTable(["book", "venues", "isolated", "per-venue cross", "portfolio", "portfolio / isolated", "equity"], fixtureRows),
    ].join("\n");
  },
};
