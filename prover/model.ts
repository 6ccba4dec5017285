/**
 * The reference margin model (SPEC.md §3): the portfolio-margin arithmetic of circuits/MarginProof.circom in plain
 * TypeScript, `bigint` only, with the very same integer formulas. The circuit accepts a book for `minExcess` exactly
 * when `evaluateMargin(...).excess >= minExcess` (tests check it on fixed books and on random ones).
 *
 * Units (SPEC.md §2):
 * - sizes: units × 1e8 (SIZE_ONE), signed, |size| < 2^63
 * - prices, entry prices, option marks: USD × 1e8 (USD_ONE) per unit, unsigned, < 2^64
 * - ratios (haircut, debt add-on, scan range, weights, gross charge): parts per million (PPM_ONE = 1e6), in [0, 1e6]
 * - scenario moves M[k][a]: ppm of the asset's scan range, in [-3e6, 3e6]; vol directions U[k][a] ∈ {-1, 0, 1}
 * - vol shock Σ[a]: absolute change of σ in ppm (1e6 = +1.0 = 100 vol points), in [0, 1e6]
 *
 * Greek scales (options only; spot and linear holdings always use delta 1, gamma 0, vega 0 whatever they commit):
 * - delta: dimensionless, per unit of the holding, DELTA_ONE = 1e8 means 1.0; |delta| < 2^31
 * - gamma: CASH gamma Γ·P² in USD × 1e8 per unit, i.e. the second-order P&L coefficient for a 100% price move:
 *          ½·Γ·dP² = ½·gamma·x² with x = dP / P. Signed, |gamma| < 2^63.
 * - vega:  ∂V/∂σ in USD × 1e8 per unit per 1.0 of σ (100 vol points; the per-vol-point vega × 100). |vega| < 2^63
 *
 * Exact scales (no rounding happens in the circuit, every comparison is exact):
 * - equity and the gross charge are computed at EQUITY_SCALE = 1e14 per USD × 1e8 (size·P = 1e8 per USD × 1e8, ppm)
 * - scenario P&L at PNL_SCALE = 2·1e32 per USD × 1e8 (x = M·S at 1e12, the ½ of the gamma term folded into the 2)
 * - weighted losses and the final comparison at COMPARE_SCALE = PNL_SCALE · 1e6 = 2·1e38
 * The USD × 1e8 values of MarginResult are rounded from the exact ones: equity, scenarioPnl and excess are floored,
 * worstLoss, grossCharge and requirement are rounded up, grossNotional is floored. `excess` is floor(exact excess),
 * so `excess >= minExcess` ⇔ exact excess ≥ minExcess (minExcess is an integer): it is the value to compare, and
 * it may exceed `equity − requirement` by at most 1 unit (1e-8 USD) because of the separate rounding.
 */
import { Kind, type Holding, type MarketSnapshot, type RiskParams } from "./types.ts";

/** One unit of size (sizes are units × 1e8). */
export const SIZE_ONE = 10n ** 8n;
/** One USD (prices and values are USD × 1e8). */
export const USD_ONE = 10n ** 8n;
/** 1.0 of an option delta. */
export const DELTA_ONE = 10n ** 8n;
/** 1.0 of a ratio in parts per million. */
export const PPM_ONE = 10n ** 6n;
/** |scenario move| ≤ 3e6 ppm of the scan range. */
export const MAX_MOVE = 3_000_000n;
/** Equity and gross charge: exact value = USD × 1e8 × EQUITY_SCALE. */
export const EQUITY_SCALE = 10n ** 14n;
/** Scenario P&L: exact value = USD × 1e8 × PNL_SCALE. */
export const PNL_SCALE = 2n * 10n ** 32n;
/** Weighted losses, requirement and excess: exact value = USD × 1e8 × COMPARE_SCALE. */
export const COMPARE_SCALE = PNL_SCALE * PPM_ONE;
/** Delta term size·delta·P·x (x = M·S at 1e12) is at 1e28 per USD × 1e8: this factor brings it to PNL_SCALE. */
export const DELTA_TO_PNL = PNL_SCALE / 10n ** 28n;
/** Vega term size·vega·U·Σ is at 1e14 per USD × 1e8: this factor brings it to PNL_SCALE. */
export const VEGA_TO_PNL = PNL_SCALE / 10n ** 14n;
/** EQUITY_SCALE to COMPARE_SCALE. */
export const EQUITY_TO_COMPARE = COMPARE_SCALE / EQUITY_SCALE;

/** Bit widths enforced by the circuit (circuits/lib/Scales.circom). Signed widths include the sign bit. */
export const SIZE_BITS = 64;
export const PRICE_BITS = 64;
export const DELTA_BITS = 32;
export const GREEK_BITS = 64;
export const VENUE_ID_BITS = 32;
export const EPOCH_BITS = 64;
export const MIN_EXCESS_BITS = 112;
/** The circuit's bit bounds assume at most this many holding slots (V·N). */
export const MAX_HOLDING_SLOTS = 64;

/** Result of the margin model; every field in USD × 1e8 (rounding in the module header). */
export interface MarginResult {
  /** Σ holdings: spot size·P·(1−H) if long, size·P·(1+B) if short; linear size·(P − entry); option size·mark (floored) */
  equity: bigint;
  /** unweighted P&L of each scenario k (floored) */
  scenarioPnl: bigint[];
  /** max(0, max_k −PnL_k·W[k]): the worst weighted scenario loss (rounded up) */
  worstLoss: bigint;
  /** Σ |size·P| over all holdings (options: the underlying's notional) (floored) */
  grossNotional: bigint;
  /** G · grossNotional (rounded up) */
  grossCharge: bigint;
  /** worstLoss + grossCharge, computed exactly then rounded up */
  requirement: bigint;
  /** floor(exact equity − exact requirement): the circuit proves `minExcess` iff minExcess ≤ excess */
  excess: bigint;
}

/** The exact integers the circuit compares (scales above). */
export interface ExactMargin {
  /** Σ equity terms × EQUITY_SCALE */
  equity: bigint;
  /** Σ G·|size|·P, i.e. gross charge × EQUITY_SCALE */
  grossCharge: bigint;
  /** Σ |size|·P, i.e. gross notional × SIZE_ONE */
  grossNotional: bigint;
  /** PnL_k × PNL_SCALE */
  scenarioPnl: bigint[];
  /** max(0, max_k −W[k]·PnL_k) × COMPARE_SCALE */
  worstLoss: bigint;
  /** requirement × COMPARE_SCALE */
  requirement: bigint;
  /** (equity − requirement) × COMPARE_SCALE */
  excess: bigint;
}

const pow2 = (n: number): bigint => 1n << BigInt(n);

/** floor(a / b) for b > 0 (bigint division truncates toward zero). */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

/** ceil(a / b) for b > 0. */
export function ceilDiv(a: bigint, b: bigint): bigint {
  return -floorDiv(-a, b);
}

function check(ok: boolean, field: string, message: string): void {
  if (!ok) throw new RangeError(`${field}: ${message}`);
}

function checkBigint(x: unknown, field: string): asserts x is bigint {
  check(typeof x === "bigint", field, `expected a bigint, got ${typeof x}`);
}

/** x ∈ [lo, hi] as a bigint, or a RangeError naming the field. */
export function checkRange(x: unknown, lo: bigint, hi: bigint, field: string): void {
  checkBigint(x, field);
  check(x >= lo && x <= hi, field, `${x} is outside [${lo}, ${hi}]`);
}

const checkUnsigned = (x: unknown, bits: number, field: string) => checkRange(x, 0n, pow2(bits) - 1n, field);
const checkSigned = (x: unknown, bits: number, field: string) =>
  checkRange(x, -pow2(bits - 1), pow2(bits - 1) - 1n, field);
const checkPpm = (x: unknown, field: string) => checkRange(x, 0n, PPM_ONE, field);

/**
 * Validate one holding against an instance with A assets, exactly as the circuit does: every field in range, and
 * entryPrice 0 unless linear, mark 0 unless option. Throws a RangeError naming the field.
 */
export function validateHolding(h: Holding, A: number, field = "holding"): void {
  check(typeof h === "object" && h !== null, field, "expected a holding object");
  check(Number.isInteger(h.asset) && h.asset >= 0 && h.asset < A, `${field}.asset`, `${String(h.asset)} is not an asset index in [0, ${A})`);
  check(h.kind === Kind.Spot || h.kind === Kind.Linear || h.kind === Kind.Option, `${field}.kind`, `${String(h.kind)} is not 0 (spot), 1 (linear) or 2 (option)`);
  checkSigned(h.size, SIZE_BITS, `${field}.size`);
  checkUnsigned(h.entryPrice, PRICE_BITS, `${field}.entryPrice`);
  checkUnsigned(h.mark, PRICE_BITS, `${field}.mark`);
  check(h.kind === Kind.Linear || h.entryPrice === 0n, `${field}.entryPrice`, `must be 0 for a ${h.kind === Kind.Spot ? "spot" : "option"} holding (only linear holdings have an entry price)`);
  check(h.kind === Kind.Option || h.mark === 0n, `${field}.mark`, `must be 0 for a ${h.kind === Kind.Spot ? "spot" : "linear"} holding (only options have a mark)`);
  checkSigned(h.delta, DELTA_BITS, `${field}.delta`);
  checkSigned(h.gamma, GREEK_BITS, `${field}.gamma`);
  checkSigned(h.vega, GREEK_BITS, `${field}.vega`);
}

/** Validate a market snapshot (A = price.length unless given); throws a RangeError naming the field. */
export function validateMarket(m: MarketSnapshot, A: number = m.price.length): void {
  for (const key of ["price", "scanRange", "volShock"] as const) {
    check(Array.isArray(m[key]) && m[key].length === A, `market.${key}`, `expected ${A} values (one per asset), got ${Array.isArray(m[key]) ? m[key].length : typeof m[key]}`);
  }
  check(A >= 1, "market.price", "at least one asset is needed");
  m.price.forEach((p, a) => checkUnsigned(p, PRICE_BITS, `market.price[${a}]`));
  m.scanRange.forEach((s, a) => checkPpm(s, `market.scanRange[${a}]`));
  m.volShock.forEach((s, a) => checkPpm(s, `market.volShock[${a}]`));
}

/** Validate risk parameters for A assets (K = weights.length unless given); throws a RangeError naming the field. */
export function validateRisk(r: RiskParams, A: number, K: number = r.weights.length): void {
  for (const key of ["haircut", "debtAddOn"] as const) {
    check(Array.isArray(r[key]) && r[key].length === A, `risk.${key}`, `expected ${A} values (one per asset), got ${Array.isArray(r[key]) ? r[key].length : typeof r[key]}`);
    r[key].forEach((x, a) => checkPpm(x, `risk.${key}[${a}]`));
  }
  check(Array.isArray(r.weights) && r.weights.length === K, "risk.weights", `expected ${K} values (one per scenario), got ${Array.isArray(r.weights) ? r.weights.length : typeof r.weights}`);
  check(K >= 1, "risk.weights", "at least one scenario is needed");
  r.weights.forEach((w, k) => checkPpm(w, `risk.weights[${k}]`));
  for (const key of ["moves", "volDirs"] as const) {
    check(Array.isArray(r[key]) && r[key].length === K, `risk.${key}`, `expected ${K} rows (one per scenario), got ${Array.isArray(r[key]) ? r[key].length : typeof r[key]}`);
    r[key].forEach((row, k) =>
      check(Array.isArray(row) && row.length === A, `risk.${key}[${k}]`, `expected ${A} values (one per asset)`),
    );
  }
  r.moves.forEach((row, k) => row.forEach((m, a) => checkRange(m, -MAX_MOVE, MAX_MOVE, `risk.moves[${k}][${a}]`)));
  r.volDirs.forEach((row, k) => row.forEach((u, a) => checkRange(u, -1n, 1n, `risk.volDirs[${k}][${a}]`)));
  checkPpm(r.grossCharge, "risk.grossCharge");
}

/** The effective greeks of a holding: options use their own, spot and linear use delta 1, gamma 0, vega 0. */
export function effectiveGreeks(h: Holding): { delta: bigint; gamma: bigint; vega: bigint } {
  return h.kind === Kind.Option ? { delta: h.delta, gamma: h.gamma, vega: h.vega } : { delta: DELTA_ONE, gamma: 0n, vega: 0n };
}

/** The exact integers of the margin model (what the circuit compares). Validates every input first. */
export function evaluateMarginExact(holdings: readonly Holding[], market: MarketSnapshot, risk: RiskParams): ExactMargin {
  const A = market.price.length;
  validateMarket(market, A);
  validateRisk(risk, A);
  holdings.forEach((h, i) => validateHolding(h, A, `holdings[${i}]`));
  const K = risk.weights.length;

  let equity = 0n; // × EQUITY_SCALE
  let grossNotional = 0n; // × SIZE_ONE
  const pnl = Array.from({ length: K }, () => 0n); // × PNL_SCALE
  for (const h of holdings) {
    const a = h.asset;
    const P = market.price[a];
    const abs = h.size < 0n ? -h.size : h.size;
    grossNotional += abs * P;
    if (h.kind === Kind.Spot) {
      const ratio = h.size >= 0n ? PPM_ONE - risk.haircut[a] : PPM_ONE + risk.debtAddOn[a];
      equity += h.size * P * ratio;
    } else if (h.kind === Kind.Linear) {
      equity += PPM_ONE * h.size * (P - h.entryPrice);
    } else {
      equity += PPM_ONE * h.size * h.mark;
    }
    const g = effectiveGreeks(h);
    for (let k = 0; k < K; k++) {
      const x = risk.moves[k][a] * market.scanRange[a]; // relative move at 1e12
      pnl[k] +=
        DELTA_TO_PNL * h.size * g.delta * P * x +
        h.size * g.gamma * x * x +
        VEGA_TO_PNL * h.size * g.vega * risk.volDirs[k][a] * market.volShock[a];
    }
  }
  const grossCharge = risk.grossCharge * grossNotional; // × SIZE_ONE × PPM_ONE = EQUITY_SCALE
  let worstLoss = 0n; // × COMPARE_SCALE
  for (let k = 0; k < K; k++) {
    const loss = -risk.weights[k] * pnl[k];
    if (loss > worstLoss) worstLoss = loss;
  }
  const requirement = worstLoss + EQUITY_TO_COMPARE * grossCharge;
  const excess = EQUITY_TO_COMPARE * equity - requirement;
  return { equity, grossCharge, grossNotional, scenarioPnl: pnl, worstLoss, requirement, excess };
}

/**
 * Portfolio margin of a set of holdings (any venues: pass the whole book for portfolio margin, a venue's holdings
 * for its isolated margin). All values USD × 1e8; see the module header for rounding. Throws a RangeError naming
 * the field on any input outside the circuit's ranges.
 */
export function evaluateMargin(holdings: Holding[], market: MarketSnapshot, risk: RiskParams): MarginResult {
  const x = evaluateMarginExact(holdings, market, risk);
  return {
    equity: floorDiv(x.equity, EQUITY_SCALE),
    scenarioPnl: x.scenarioPnl.map((p) => floorDiv(p, PNL_SCALE)),
    worstLoss: ceilDiv(x.worstLoss, COMPARE_SCALE),
    grossNotional: floorDiv(x.grossNotional, SIZE_ONE),
    grossCharge: ceilDiv(x.grossCharge, EQUITY_SCALE),
    requirement: ceilDiv(x.requirement, COMPARE_SCALE),
    excess: floorDiv(x.excess, COMPARE_SCALE),
  };
}

/** True iff the circuit can prove `minExcess` for this book (exact comparison, as in-circuit). */
export function meetsMinExcess(holdings: Holding[], market: MarketSnapshot, risk: RiskParams, minExcess: bigint): boolean {
  return evaluateMarginExact(holdings, market, risk).excess >= minExcess * COMPARE_SCALE;
}
