/**
 * The demo's market, risk parameters and institutional book (client/demo.ts). Units as in prover/model.ts: prices
 * USD × 1e8, sizes units × 1e8, ratios ppm; option greeks: delta × 1e8, cash gamma Γ·P² and vega ∂V/∂σ in USD × 1e8
 * per contract. Assets: 0 USDC, 1 ETH, 2 BTC (the test instance's A = 3; further assets of a larger instance are
 * priced but not held).
 *
 * The book is a classic cross-venue hedge that isolated margin punishes: long ETH perps at one venue, short ETH
 * perps at another, spot ETH and BTC collateral, and long BTC puts protecting the BTC.
 */
import { Kind, type Holding, type MarketSnapshot, type RiskParamsV2 } from "../prover/types.ts";

const E8 = 100_000_000n;
export const ASSET_NAMES = ["USDC", "ETH", "BTC"];
const [USDC, ETH, BTC] = [0, 1, 2];

/** "1234.5" → 1234.5 × 1e8 */
function e8(v: string): bigint {
  const [int, frac = ""] = v.replace("-", "").split(".");
  const x = BigInt(int) * E8 + BigInt(frac.padEnd(8, "0").slice(0, 8) || "0");
  return v.startsWith("-") ? -x : x;
}
/** percent → ppm */
const pct = (v: number): bigint => BigInt(Math.round(v * 10_000));

const none = { entryPrice: 0n, mark: 0n, delta: 0n, gamma: 0n, vega: 0n };
const spot = (asset: number, qty: string): Holding => ({ asset, kind: Kind.Spot, size: e8(qty), ...none });
const perp = (asset: number, qty: string, entryUsd: string): Holding => ({ asset, kind: Kind.Linear, size: e8(qty), ...none, entryPrice: e8(entryUsd) });
/** 30-day at-the-money BTC put, σ = 60%: mark $4,128, delta −0.48, cash gamma $139,200, vega $6,864 per 1.0 of σ. */
const btcPut = (qty: string): Holding => ({
  asset: BTC,
  kind: Kind.Option,
  size: e8(qty),
  entryPrice: 0n,
  mark: e8("4128"),
  delta: e8("-0.48"),
  gamma: e8("139200"),
  vega: e8("6864"),
});

/** Market of the demo epoch for A assets: USDC $1, ETH $3,000, BTC $60,000 (extra assets $10). */
export function demoMarket(A: number): MarketSnapshot {
  const price = [e8("1"), e8("3000"), e8("60000")];
  const scan = [pct(1), pct(15), pct(12)];
  const shock = [0n, pct(10), pct(8)];
  return {
    price: Array.from({ length: A }, (_, a) => price[a] ?? e8("10")),
    scanRange: Array.from({ length: A }, (_, a) => scan[a] ?? pct(25)),
    volShock: Array.from({ length: A }, (_, a) => shock[a] ?? pct(15)),
  };
}

/**
 * Risk params for A assets and K scenarios (K = 2·2^m), by their factor structure: every crypto asset loads fully on
 * the market factor (ρ = 100 %: all crypto moves up or down one scan range together, the SPAN-like joint move) with no
 * residual (r = 0), and USDC moves ±1 scan range in residual column 1 (a depeg in half of the scenarios, whichever way
 * crypto goes). Vega is charged gross (ω = 100 % of the vol shock on every option's |vega|: the scenarios move no vol);
 * the other model v2 terms are 0. Haircuts: USDC 2%, ETH 15%, BTC 12%; gross-notional charge 0.5%.
 */
export function demoRisk(A: number, K: number): RiskParamsV2 {
  const haircut = [pct(2), pct(15), pct(12)];
  const addOn = [pct(5), pct(25), pct(20)];
  const zeros = () => Array.from({ length: A }, () => 0n);
  return {
    haircut: Array.from({ length: A }, (_, a) => haircut[a] ?? pct(30)),
    debtAddOn: Array.from({ length: A }, (_, a) => addOn[a] ?? pct(40)),
    scenarios: K,
    factorLoading: Array.from({ length: A }, (_, a) => (a === USDC ? 0n : pct(100))),
    residualLoading: Array.from({ length: A }, (_, a) => (a === USDC ? pct(100) : 0n)),
    residualColumn: Array.from({ length: A }, () => 1),
    grossCharge: pct(0.5),
    basisCharge: zeros(),
    concentration: zeros(),
    shortOptionMin: zeros(),
    vegaGross: pct(100),
    noGammaGain: 0n,
    venueDefault: 0n,
  };
}

export interface DemoVenue {
  venueId: bigint;
  name: string;
  holdings: Holding[];
}

/**
 * The trader's book over min(V, 3) venues. With three venue slots (the test instance): ETH perp long at venue 1,
 * ETH perp short at venue 2, spot ETH, BTC and BTC puts at venue 3. With two (V = 2), venue 3's spot and options
 * sit at the two perp venues instead. At most 3 holdings per venue (the test instance's N).
 */
export function demoBook(V: number): DemoVenue[] {
  if (V >= 3) {
    return [
      { venueId: 1n, name: "Perp venue A", holdings: [spot(USDC, "250000"), perp(ETH, "200", "2950")] },
      { venueId: 2n, name: "Perp venue B", holdings: [spot(USDC, "150000"), perp(ETH, "-200", "3020")] },
      { venueId: 3n, name: "Spot & options venue", holdings: [spot(ETH, "50"), spot(BTC, "3"), btcPut("2")] },
    ];
  }
  return [
    { venueId: 1n, name: "Perp & spot venue A", holdings: [spot(USDC, "250000"), perp(ETH, "200", "2950"), spot(BTC, "3")] },
    { venueId: 2n, name: "Perp & options venue B", holdings: [spot(ETH, "50"), perp(ETH, "-200", "3020"), btcPut("2")] },
  ];
}
