/**
 * The reference margin model (docs/DESIGN.md §3): the portfolio-margin arithmetic of circuits/MarginProof.circom in plain
 * TypeScript, `bigint` only, with the very same integer formulas. The circuit accepts a book for `minExcess` exactly
 * when `evaluateMargin(...).excess >= minExcess` (tests check it on fixed books and on random ones).
 *
 * Units (docs/DESIGN.md §3):
 * - sizes: units × 1e8 (SIZE_ONE), signed, |size| < 2^63
 * - prices, entry prices, option marks: USD × 1e8 (USD_ONE) per unit, unsigned, < 2^64
 * - ratios (haircut, debt add-on, scan range, weights, gross charge): parts per million (PPM_ONE = 1e6), in [0, 1e6]
 * - scenario moves M[k][a]: ppm of the asset's scan range. Governance's RiskParams give them by their factor structure,
 *   M[k][a] = ρ[a]·s[k][0] + r[a]·s[k][c[a]] with the instance's sign design s (signDesign: the rows of [H; −H], H the
 *   Sylvester Hadamard matrix of order K/2), ρ ∈ [0, 1e6], r ∈ [−1e6, 1e6], so |M| ≤ 2e6; vol directions 0 and
 *   weights 1e6 (scenarioTable expands them). An explicit ScenarioTable (TableRiskParams: the backtest's "before"
 *   parameters and the hand-checked tests, not provable) has M ∈ [-3e6, 3e6], U[k][a] ∈ {-1, 0, 1}, W[k] ppm.
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
 *
 * Model v2 (docs/RISK.md, docs/DESIGN.md §3) adds, when RiskParams carries its six fields (all present together):
 *   requirement = max(0, max_k −W[k]·PnL_k) + G·Σ|size·P|                                         (v1)
 *               + Σ_a b[a]·g[a]                    venue basis, g[a] = Σ_h∈a |size|·P[a]
 *               + Σ_a c[a]·g[a]² / (1e6·$1M)       concentration (faster than linear in size)
 *               + Σ_a m[a]·S[a]·P[a]·Σ_short opt |size| / 1e12     short-option minimum (tail)
 *               + ω·Σ_a Σ[a]·Σ_h∈a |size·vega| / 1e6               gross vega (no netting of venue vegas)
 *               + δ·Σ_v max(0, markEquity_v)       venue default (equity at one venue is not fungible)
 *   and, when noGammaGain = 1, an option's gamma counts in PnL_k only if size·gamma < 0 (a loss), so no venue-supplied
 *   gamma can lower the requirement; options must have |delta| ≤ 1 (sizes in underlying units); the whole book's gross
 *   notional Σ_a g[a] must be < 2^GROSS_BITS (in units·P, about $7.9e12), the bound every v2 width rests on.
 *   Cross-asset residual risk and depegs are priced by the scenarios themselves (the factor structure ρ, r, c from the
 *   correlation structure: prover/risk/calibrate.ts). Every v2 field 0 gives exactly v1's numbers.
 */
import { Kind, RISK_V2_FIELDS, type Holding, type MarketSnapshot, type RiskCharges, type RiskChargesV2, type RiskParams, type ScenarioTable, type TableRiskParams } from "./types.ts";

/** One unit of size (sizes are units × 1e8). */
export const SIZE_ONE = 10n ** 8n;
/** One USD (prices and values are USD × 1e8). */
export const USD_ONE = 10n ** 8n;
/** 1.0 of an option delta. */
export const DELTA_ONE = 10n ** 8n;
/** 1.0 of a ratio in parts per million. */
export const PPM_ONE = 10n ** 6n;
/** |scenario move| ≤ 3e6 ppm of the scan range in an explicit ScenarioTable (the factor structure stays ≤ 2e6). */
export const MAX_MOVE = 3_000_000n;
/** Factor loading ρ ∈ [0, MAX_LOADING], residual loading r ∈ [−MAX_LOADING, MAX_LOADING] (ppm of the scan range). */
export const MAX_LOADING = PPM_ONE;
/** The largest scenario count K = 2·2^m an instance may have. */
export const MAX_SCENARIOS = 64;
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
/**
 * v2: short-option minimum m·S·|size|·P, gross vega ω·Σ·|size·vega| and default δ·(equity × EQUITY_SCALE) are all
 * exact at 1e20 per USD × 1e8 (two ppm factors on a 1e8-scaled value): this factor brings them to COMPARE_SCALE.
 */
export const V2_TO_COMPARE = COMPARE_SCALE / 10n ** 20n;
/** v2: concentration c·g² (g = Σ|size|·P, 1e8 per USD × 1e8) is exact at 1e36 per USD × 1e8: factor to COMPARE_SCALE. */
export const CONC_TO_COMPARE = COMPARE_SCALE / 10n ** 36n;
/** v2: the book's gross notional Σ|size|·P (units × 1e8 times USD × 1e8) must be < 2^GROSS_BITS (≈ $7.9e12). */
export const GROSS_BITS = 96;
/** v2: |scenario-scaled short-option minimum| ≤ 3e6 ppm of the scan range. */
export const MAX_SHORT_OPTION_MIN = 3_000_000n;
/** v2: concentration coefficients are < 2^20. */
export const CONCENTRATION_BITS = 20;

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
  /** v2 (0 for v1 params): venue basis charge Σ b[a]·g[a] (rounded up) */
  basisCharge: bigint;
  /** v2: concentration charge Σ c[a]·g[a]²/(1e6·$1M) (rounded up) */
  concentrationCharge: bigint;
  /** v2: short-option minimum (rounded up) */
  shortOptionCharge: bigint;
  /** v2: gross vega charge (rounded up) */
  vegaCharge: bigint;
  /** v2: venue default charge δ·Σ_v max(0, markEquity_v) (rounded up) */
  defaultCharge: bigint;
  /** worstLoss + grossCharge (+ the v2 charges), computed exactly then rounded up */
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
  /** v2: per-asset gross notional g[a] = Σ|size|·P[a] (× SIZE_ONE), also for v1 params */
  grossByAsset: bigint[];
  /** v2: per-venue mark equity (spot size·P, linear size·(P − entry), option size·mark) × EQUITY_SCALE */
  venueEquity: bigint[];
  /** v2: Σ b[a]·g[a] × EQUITY_SCALE */
  basisCharge: bigint;
  /** v2: concentration × COMPARE_SCALE */
  concentrationCharge: bigint;
  /** v2: short-option minimum × COMPARE_SCALE */
  shortOptionCharge: bigint;
  /** v2: gross vega charge × COMPARE_SCALE */
  vegaCharge: bigint;
  /** v2: venue default charge × COMPARE_SCALE */
  defaultCharge: bigint;
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

/**
 * C = K/2, the order of the Hadamard matrix of an instance with K scenarios; throws a RangeError naming `field` unless
 * K = 2·2^m with 1 ≤ m and K ≤ MAX_SCENARIOS (the sign design needs a Sylvester Hadamard matrix of order ≥ 2).
 */
export function scenarioColumns(K: number, field = "risk.scenarios"): number {
  const ok = Number.isInteger(K) && K >= 4 && K <= MAX_SCENARIOS && (K & (K - 1)) === 0;
  check(ok, field, `${String(K)} is not a scenario count 2·2^m in [4, ${MAX_SCENARIOS}] (4, 8, 16, 32 or 64): the sign design [H; −H] needs a Sylvester Hadamard matrix of order K/2 ≥ 2`);
  return K / 2;
}

/**
 * The sign design of an instance with K scenarios: s[k][c] ∈ {−1, +1} for k < K, c < C = K/2, the rows of [H; −H] for
 * the Sylvester Hadamard matrix H[i][c] = (−1)^popcount(i & c) of order C. Column 0 is +1 for k < C and −1 after (the
 * market factor's up and down); every other column is orthogonal to it and to each other.
 */
export function signDesign(K: number): number[][] {
  const C = scenarioColumns(K, "K");
  const parity = (x: number): number => {
    let p = 0;
    for (let y = x; y > 0; y &= y - 1) p ^= 1;
    return p;
  };
  return Array.from({ length: K }, (_, k) => Array.from({ length: C }, (_, c) => (parity((k % C) & c) === 0 ? 1 : -1) * (k < C ? 1 : -1)));
}

/** Validate the charges (every field but the scenario set) for A assets; throws a RangeError naming the field. */
function validateCharges(r: RiskCharges, A: number): void {
  for (const key of ["haircut", "debtAddOn"] as const) {
    check(Array.isArray(r[key]) && r[key].length === A, `risk.${key}`, `expected ${A} values (one per asset), got ${Array.isArray(r[key]) ? r[key].length : typeof r[key]}`);
    r[key].forEach((x, a) => checkPpm(x, `risk.${key}[${a}]`));
  }
  checkPpm(r.grossCharge, "risk.grossCharge");
  if (!isRiskV2(r)) {
    const some = RISK_V2_FIELDS.filter((f) => r[f] !== undefined);
    check(some.length === 0, `risk.${RISK_V2_FIELDS.find((f) => r[f] === undefined)}`, `missing: model v2 params need all of ${RISK_V2_FIELDS.join(", ")} (got only ${some.join(", ")})`);
    return;
  }
  for (const key of ["basisCharge", "concentration", "shortOptionMin"] as const) {
    check(Array.isArray(r[key]) && r[key].length === A, `risk.${key}`, `expected ${A} values (one per asset), got ${Array.isArray(r[key]) ? r[key].length : typeof r[key]}`);
  }
  r.basisCharge.forEach((x, a) => checkPpm(x, `risk.basisCharge[${a}]`));
  r.concentration.forEach((x, a) => checkUnsigned(x, CONCENTRATION_BITS, `risk.concentration[${a}]`));
  r.shortOptionMin.forEach((x, a) => checkRange(x, 0n, MAX_SHORT_OPTION_MIN, `risk.shortOptionMin[${a}]`));
  checkPpm(r.vegaGross, "risk.vegaGross");
  checkRange(r.noGammaGain, 0n, 1n, "risk.noGammaGain");
  checkPpm(r.venueDefault, "risk.venueDefault");
}

/**
 * Validate the factor structure of `r` for A assets (and the instance's K when given): K = 2·2^m, ρ[a] ∈ [0, 1e6],
 * r[a] ∈ [−1e6, 1e6], c[a] an integer in [1, K/2). Throws a RangeError naming the field.
 */
function validateStructure(r: RiskParams, A: number, K?: number): void {
  const C = scenarioColumns(r.scenarios);
  if (K !== undefined) check(r.scenarios === K, "risk.scenarios", `${r.scenarios} scenarios, the instance has K = ${K}`);
  for (const key of ["factorLoading", "residualLoading", "residualColumn"] as const) {
    check(Array.isArray(r[key]) && r[key].length === A, `risk.${key}`, `expected ${A} values (one per asset), got ${Array.isArray(r[key]) ? r[key].length : typeof r[key]}`);
  }
  r.factorLoading.forEach((x, a) => checkRange(x, 0n, MAX_LOADING, `risk.factorLoading[${a}]`));
  r.residualLoading.forEach((x, a) => checkRange(x, -MAX_LOADING, MAX_LOADING, `risk.residualLoading[${a}]`));
  r.residualColumn.forEach((c, a) =>
    check(Number.isInteger(c) && c >= 1 && c < C, `risk.residualColumn[${a}]`, `${String(c)} is not a column of the sign design in [1, ${C}) (column 0 is the market factor's)`),
  );
}

/** Validate an explicit scenario table for A assets (K = weights.length unless given); RangeError naming the field. */
export function validateScenarioTable(t: ScenarioTable, A: number, K: number = t.weights.length): void {
  check(Array.isArray(t.weights) && t.weights.length === K, "risk.weights", `expected ${K} values (one per scenario), got ${Array.isArray(t.weights) ? t.weights.length : typeof t.weights}`);
  check(K >= 1, "risk.weights", "at least one scenario is needed");
  t.weights.forEach((w, k) => checkPpm(w, `risk.weights[${k}]`));
  for (const key of ["moves", "volDirs"] as const) {
    check(Array.isArray(t[key]) && t[key].length === K, `risk.${key}`, `expected ${K} rows (one per scenario), got ${Array.isArray(t[key]) ? t[key].length : typeof t[key]}`);
    t[key].forEach((row, k) =>
      check(Array.isArray(row) && row.length === A, `risk.${key}[${k}]`, `expected ${A} values (one per asset)`),
    );
  }
  t.moves.forEach((row, k) => row.forEach((m, a) => checkRange(m, -MAX_MOVE, MAX_MOVE, `risk.moves[${k}][${a}]`)));
  t.volDirs.forEach((row, k) => row.forEach((u, a) => checkRange(u, -1n, 1n, `risk.volDirs[${k}][${a}]`)));
}

/** True iff `r` carries an explicit scenario table (TableRiskParams) rather than the factor structure. */
export function isTableRisk(r: RiskParams | TableRiskParams): r is TableRiskParams {
  return (r as Partial<TableRiskParams>).moves !== undefined;
}

/**
 * Validate risk parameters for A assets; throws a RangeError naming the field. RiskParams: the charges and the factor
 * structure (K = r.scenarios, which must equal the instance's K when given). TableRiskParams: the charges and the table
 * (K = weights.length unless given).
 */
export function validateRisk(r: RiskParams | TableRiskParams, A: number, K?: number): void {
  check(typeof r === "object" && r !== null, "risk", "expected a risk params object");
  if (isTableRisk(r)) validateScenarioTable(r, A, K);
  else validateStructure(r, A, K);
  validateCharges(r, A);
}

/**
 * The scenario table of `r`'s factor structure (validated for A = r.factorLoading.length): M[k][a] =
 * ρ[a]·s[k][0] + r[a]·s[k][c[a]], U = 0, W = 1e6 (the circuit's scenarios; used by the report and tests).
 */
export function scenarioTable(r: RiskParams): ScenarioTable {
  validateStructure(r, Array.isArray(r.factorLoading) ? r.factorLoading.length : 0);
  const s = signDesign(r.scenarios);
  const A = r.factorLoading.length;
  return {
    moves: s.map((row) => Array.from({ length: A }, (_, a) => r.factorLoading[a] * BigInt(row[0]) + r.residualLoading[a] * BigInt(row[r.residualColumn[a]]))),
    volDirs: s.map(() => Array.from({ length: A }, () => 0n)),
    weights: s.map(() => PPM_ONE),
  };
}

/** True iff `r` carries the model v2 fields (validateRisk rejects a partial set). */
export function isRiskV2<T extends RiskCharges>(r: T): r is T & RiskChargesV2 {
  return RISK_V2_FIELDS.every((f) => r[f] !== undefined);
}

/** The same params with every model v2 term present and off (all zero): v2 evaluates them exactly as v1. */
export function withV2TermsOff<T extends RiskCharges>(r: T, A: number = r.haircut.length): T & RiskChargesV2 {
  const zeros = () => Array.from({ length: A }, () => 0n);
  return { ...r, basisCharge: zeros(), concentration: zeros(), shortOptionMin: zeros(), vegaGross: 0n, noGammaGain: 0n, venueDefault: 0n };
}

/** The effective greeks of a holding: options use their own, spot and linear use delta 1, gamma 0, vega 0. */
export function effectiveGreeks(h: Holding): { delta: bigint; gamma: bigint; vega: bigint } {
  return h.kind === Kind.Option ? { delta: h.delta, gamma: h.gamma, vega: h.vega } : { delta: DELTA_ONE, gamma: 0n, vega: 0n };
}

/** A book: a flat list of holdings (all at one venue) or one list per venue (v2's default charge is per venue). */
export type BookHoldings = readonly Holding[] | readonly (readonly Holding[])[];

/** The book as one holdings list per venue (a flat list is one venue). */
export function venuesOf(book: BookHoldings): (readonly Holding[])[] {
  if (book.length === 0) return [];
  return Array.isArray(book[0]) ? [...(book as readonly (readonly Holding[])[])] : [book as readonly Holding[]];
}

const abs = (x: bigint): bigint => (x < 0n ? -x : x);

/**
 * The exact integers of the margin model (what the circuit compares). Validates every input first. `book` is a flat
 * holdings list (one venue) or one list per venue; only v2's default charge depends on the split.
 */
export function evaluateMarginExact(book: BookHoldings, market: MarketSnapshot, risk: RiskParams | TableRiskParams): ExactMargin {
  return marginEvaluator(market, risk).exact(book);
}

/** A market snapshot and risk params validated once, for margining many books (the backtest). */
export interface MarginEvaluator {
  exact(book: BookHoldings): ExactMargin;
  evaluate(book: BookHoldings): MarginResult;
}

/**
 * Validate `market` and `risk` once and return an evaluator over private copies of them (later changes to the
 * arguments do not reach it). Each book is still validated holding by holding. RiskParams are evaluated through their
 * scenario table (scenarioTable), TableRiskParams through their own.
 */
export function marginEvaluator(market: MarketSnapshot, risk: RiskParams | TableRiskParams): MarginEvaluator {
  const A = market.price.length;
  validateMarket(market, A);
  validateRisk(risk, A);
  const m: MarketSnapshot = { price: [...market.price], scanRange: [...market.scanRange], volShock: [...market.volShock] };
  const r: RiskCharges = structuredClone(risk);
  const table = structuredClone(isTableRisk(risk) ? { moves: risk.moves, volDirs: risk.volDirs, weights: risk.weights } : scenarioTable(risk));
  // per scenario and asset: x = M·S (relative move at 1e12), the delta coefficient DELTA_TO_PNL·P·x, x², the vega one
  const co = table.moves.map((row, k) =>
    row.map((mv, a) => {
      const x = mv * m.scanRange[a];
      return { delta: DELTA_TO_PNL * m.price[a] * x, gamma: x * x, vega: VEGA_TO_PNL * table.volDirs[k][a] * m.volShock[a] };
    }),
  );
  return {
    exact: (book) => exactUnchecked(book, m, r, table.weights, co),
    evaluate: (book) => rounded(exactUnchecked(book, m, r, table.weights, co)),
  };
}

type Coefficients = { delta: bigint; gamma: bigint; vega: bigint }[][];

function exactUnchecked(book: BookHoldings, market: MarketSnapshot, risk: RiskCharges, weights: readonly bigint[], co: Coefficients): ExactMargin {
  const A = market.price.length;
  const venues = venuesOf(book);
  const nested = venues.length > 0 && venues[0] !== book;
  venues.forEach((hs, v) => hs.forEach((h, i) => validateHolding(h, A, nested ? `holdings[${v}][${i}]` : `holdings[${i}]`)));
  const K = weights.length;
  const v2 = isRiskV2(risk);
  if (v2) {
    venues.forEach((hs, v) =>
      hs.forEach((h, i) =>
        check(h.kind !== Kind.Option || abs(h.delta) <= DELTA_ONE, `${nested ? `holdings[${v}][${i}]` : `holdings[${i}]`}.delta`, `|delta| = ${abs(h.delta)} > ${DELTA_ONE}: model v2 takes option sizes in underlying units, so a vanilla option's |delta| ≤ 1`),
      ),
    );
  }
  const dropGammaGain = v2 && risk.noGammaGain === 1n;

  let equity = 0n; // × EQUITY_SCALE
  let grossNotional = 0n; // × SIZE_ONE
  const grossByAsset = Array.from({ length: A }, () => 0n); // × SIZE_ONE
  const shortOptionUnits = Array.from({ length: A }, () => 0n); // Σ |size| of short options
  const grossVega = Array.from({ length: A }, () => 0n); // Σ |size·vega|
  const venueEquity: bigint[] = [];
  // per-asset aggregates, as in the circuit: Σ size·delta, Σ size·gamma (after the v2 gamma rule), Σ size·vega
  const deltaUnits = Array.from({ length: A }, () => 0n);
  const gammaUnits = Array.from({ length: A }, () => 0n);
  const vegaUnits = Array.from({ length: A }, () => 0n);
  const used = new Set<number>();
  for (const holdings of venues) {
    let markEquity = 0n; // × EQUITY_SCALE
    for (const h of holdings) {
      const a = h.asset;
      const P = market.price[a];
      const absSize = abs(h.size);
      grossNotional += absSize * P;
      grossByAsset[a] += absSize * P;
      if (h.kind === Kind.Spot) {
        const ratio = h.size >= 0n ? PPM_ONE - risk.haircut[a] : PPM_ONE + risk.debtAddOn[a];
        equity += h.size * P * ratio;
        markEquity += PPM_ONE * h.size * P;
      } else if (h.kind === Kind.Linear) {
        equity += PPM_ONE * h.size * (P - h.entryPrice);
        markEquity += PPM_ONE * h.size * (P - h.entryPrice);
      } else {
        equity += PPM_ONE * h.size * h.mark;
        markEquity += PPM_ONE * h.size * h.mark;
        if (h.size < 0n) shortOptionUnits[a] += absSize;
        grossVega[a] += abs(h.size * h.vega);
      }
      const g = effectiveGreeks(h);
      const gamma = dropGammaGain && h.size * g.gamma > 0n ? 0n : g.gamma;
      deltaUnits[a] += h.size * g.delta;
      gammaUnits[a] += h.size * gamma;
      vegaUnits[a] += h.size * g.vega;
      used.add(a);
    }
    venueEquity.push(markEquity);
  }
  // PnL_k = Σ_a DELTA_TO_PNL·Σsize·delta·P·x + Σsize·gamma·x² + VEGA_TO_PNL·Σsize·vega·U·Σ (x = M·S at 1e12), × PNL_SCALE
  const pnl = Array.from({ length: K }, () => 0n);
  for (let k = 0; k < K; k++) {
    let sum = 0n;
    for (const a of used) {
      const c = co[k][a];
      sum += deltaUnits[a] * c.delta + gammaUnits[a] * c.gamma + vegaUnits[a] * c.vega;
    }
    pnl[k] = sum;
  }
  const grossCharge = risk.grossCharge * grossNotional; // × SIZE_ONE × PPM_ONE = EQUITY_SCALE
  let worstLoss = 0n; // × COMPARE_SCALE
  for (let k = 0; k < K; k++) {
    const loss = -weights[k] * pnl[k];
    if (loss > worstLoss) worstLoss = loss;
  }
  let basisCharge = 0n;
  let concentrationCharge = 0n;
  let shortOptionCharge = 0n;
  let vegaCharge = 0n;
  let defaultCharge = 0n;
  if (v2) {
    check(grossNotional < pow2(GROSS_BITS), "holdings", `the book's gross notional Σ|size|·P = ${grossNotional} is not below 2^${GROSS_BITS} (≈ $7.9e12), the bound of model v2`);
    for (const a of used) {
      // assets no holding uses have g = u = v = 0 and add nothing
      basisCharge += risk.basisCharge[a] * grossByAsset[a]; // × EQUITY_SCALE
      concentrationCharge += CONC_TO_COMPARE * risk.concentration[a] * grossByAsset[a] * grossByAsset[a];
      shortOptionCharge += V2_TO_COMPARE * risk.shortOptionMin[a] * market.scanRange[a] * shortOptionUnits[a] * market.price[a];
      vegaCharge += V2_TO_COMPARE * risk.vegaGross * market.volShock[a] * grossVega[a];
    }
    for (const e of venueEquity) if (e > 0n) defaultCharge += V2_TO_COMPARE * risk.venueDefault * e;
  }
  const requirement =
    worstLoss + EQUITY_TO_COMPARE * (grossCharge + basisCharge) + concentrationCharge + shortOptionCharge + vegaCharge + defaultCharge;
  const excess = EQUITY_TO_COMPARE * equity - requirement;
  return {
    equity,
    grossCharge,
    grossNotional,
    scenarioPnl: pnl,
    worstLoss,
    grossByAsset,
    venueEquity,
    basisCharge,
    concentrationCharge,
    shortOptionCharge,
    vegaCharge,
    defaultCharge,
    requirement,
    excess,
  };
}

/**
 * Portfolio margin of a set of holdings (any venues: pass the whole book for portfolio margin, a venue's holdings
 * for its isolated margin). Pass one holdings list per venue for v2's per-venue default charge (a flat list is one
 * venue). All values USD × 1e8; see the module header for rounding. Throws a RangeError naming the field on any
 * input outside the circuit's ranges.
 */
export function evaluateMargin(holdings: BookHoldings, market: MarketSnapshot, risk: RiskParams | TableRiskParams): MarginResult {
  return rounded(evaluateMarginExact(holdings, market, risk));
}

function rounded(x: ExactMargin): MarginResult {
  return {
    equity: floorDiv(x.equity, EQUITY_SCALE),
    scenarioPnl: x.scenarioPnl.map((p) => floorDiv(p, PNL_SCALE)),
    worstLoss: ceilDiv(x.worstLoss, COMPARE_SCALE),
    grossNotional: floorDiv(x.grossNotional, SIZE_ONE),
    grossCharge: ceilDiv(x.grossCharge, EQUITY_SCALE),
    basisCharge: ceilDiv(x.basisCharge, EQUITY_SCALE),
    concentrationCharge: ceilDiv(x.concentrationCharge, COMPARE_SCALE),
    shortOptionCharge: ceilDiv(x.shortOptionCharge, COMPARE_SCALE),
    vegaCharge: ceilDiv(x.vegaCharge, COMPARE_SCALE),
    defaultCharge: ceilDiv(x.defaultCharge, COMPARE_SCALE),
    requirement: ceilDiv(x.requirement, COMPARE_SCALE),
    excess: floorDiv(x.excess, COMPARE_SCALE),
  };
}

/** True iff the circuit can prove `minExcess` for this book (exact comparison, as in-circuit). */
export function meetsMinExcess(holdings: BookHoldings, market: MarketSnapshot, risk: RiskParams | TableRiskParams, minExcess: bigint): boolean {
  return evaluateMarginExact(holdings, market, risk).excess >= minExcess * COMPARE_SCALE;
}
