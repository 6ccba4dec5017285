/**
 * The data model of docs/DESIGN.md §3, shared by the reference model, the circuit input builder, the venue SDK,
 * the contracts' helpers and the CLI. All integers are bigint; units are documented per field.
 */

/** Holding kinds. An all-zero slot (spot, size 0) is padding and contributes nothing. */
export const Kind = { Spot: 0, Linear: 1, Option: 2 } as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

/** One holding slot at one venue. Field order in commitments: HOLDING_FIELDS. */
export interface Holding {
  /** asset index in [0, A) */
  asset: number;
  kind: Kind;
  /** signed units × 1e8, |size| < 2^63 */
  size: bigint;
  /** linear only: entry price, USD × 1e8, < 2^64 (0 otherwise) */
  entryPrice: bigint;
  /** option only: venue-attested mark per unit, USD × 1e8, < 2^64 (0 otherwise) */
  mark: bigint;
  /**
   * option only: greeks (prover/model.ts documents the scales; spot and linear use 1/0/0 whatever is committed,
   * but every committed value must still be in range):
   * delta: dimensionless per unit, 1e8 = 1.0, |delta| < 2^31;
   * gamma: CASH gamma Γ·P² in USD × 1e8 per unit (scenario P&L ½·gamma·x² for a relative move x), |gamma| < 2^63;
   * vega: ∂V/∂σ in USD × 1e8 per unit per 1.0 of σ (100 vol points), |vega| < 2^63.
   */
  delta: bigint;
  gamma: bigint;
  vega: bigint;
}

/** The order in which a holding's fields enter the holdings commitment. */
export const HOLDING_FIELDS = ["asset", "kind", "size", "entryPrice", "mark", "delta", "gamma", "vega"] as const;

/** Per-epoch oracle snapshot (docs/DESIGN.md §3), arrays of length A. */
export interface MarketSnapshot {
  /** USD × 1e8, < 2^64 */
  price: bigint[];
  /** scan range, ppm of price, in [0, 1e6] */
  scanRange: bigint[];
  /** vol shock: absolute change of σ in ppm (1e6 = 1.0 = 100 vol points), in [0, 1e6] */
  volShock: bigint[];
}

/**
 * The margin charges of the risk parameters: everything but the scenario set. RiskParams adds the scenario set by its
 * factor structure (what governance posts and the circuit proves); TableRiskParams adds an explicit scenario table
 * (the pre-factor parameter sets of the backtest's "before" column and the hand-checked model tests; not provable).
 */
export interface RiskCharges {
  /** haircut on positive spot, ppm, length A */
  haircut: bigint[];
  /** add-on on negative spot (debt), ppm, length A */
  debtAddOn: bigint[];
  /** gross-notional charge G, ppm */
  grossCharge: bigint;
  // ---- model v2 (docs/RISK.md, docs/DESIGN.md §3). All six fields are present together or absent together: absent
  // ---- means model v1 (the v1 hash layout too); present with every value 0 gives exactly v1's numbers.
  /** venue basis charge b[a], ppm of the asset's gross notional Σ|size|·P, in [0, 1e6] (20 bits), length A */
  basisCharge?: bigint[];
  /**
   * concentration c[a]: the charge is c·g²/(1e6·$1M) for the asset's gross notional g, i.e. c ppm of g per $1M of g;
   * in [0, 2^20) (20 bits), length A. Calibrated from an assumed liquidity (docs/RISK.md §concentration).
   */
  concentration?: bigint[];
  /** short-option minimum m[a], ppm of the scan range, per unit of short option underlying notional, [0, 3e6] (22 bits) */
  shortOptionMin?: bigint[];
  /** gross vega weight ω, ppm: charge ω·Σ_a Σ[a]·Σ_h |size·vega| (vega not netted across holdings), [0, 1e6] (20 bits) */
  vegaGross?: bigint;
  /** 1: an option's positive gamma (size·gamma > 0) earns nothing in the scenarios; 0: as v1. In {0, 1} (1 bit) */
  noGammaGain?: bigint;
  /** venue default charge δ, ppm of each venue's positive mark equity, [0, 1e6] (20 bits) */
  venueDefault?: bigint;
}

/**
 * Governance risk parameters (docs/DESIGN.md §3): the charges and the K stress scenarios by their factor structure.
 * Scenario k moves asset a by M[k][a] = ρ[a]·s[k][0] + r[a]·s[k][c[a]] ppm of its scan range, where s is the sign
 * design of the instance: the K = 2·C rows of [H; −H] for the Sylvester Hadamard matrix H of order C = 2^m
 * (prover/model.ts signDesign, scenarioTable). Vol directions are 0 and weights 100 % in every scenario (vega is
 * priced by the gross vega term). |M| ≤ ρ + |r| ≤ 2·10^6.
 */
export interface RiskParams extends RiskCharges {
  /** K, the number of scenarios: the instance's (not hashed), 2·2^m with m ≥ 1 (4, 8, 16, 32 or 64) */
  scenarios: number;
  /** ρ[a]: the asset's loading on the market factor (column 0 of s), ppm of its scan range, in [0, 1e6], length A */
  factorLoading: bigint[];
  /**
   * r[a] = σ[a]·ψ[a]: the signed loading on the asset's residual column, ppm of its scan range, in [−1e6, 1e6],
   * length A. Two assets sharing a column with opposite signs move against each other there (their spread is priced).
   */
  residualLoading: bigint[];
  /** c[a]: the asset's residual column of s, an integer in [1, K/2), length A (assets may share a column) */
  residualColumn: number[];
}

/** The names of RiskParams' scenario-structure fields (what TableRiskParams replaces by a ScenarioTable). */
export const SCENARIO_STRUCTURE_FIELDS = ["scenarios", "factorLoading", "residualLoading", "residualColumn"] as const;

/** An explicit scenario table, K rows of A values: what the model evaluates (prover/model.ts scenarioTable expands RiskParams to it). */
export interface ScenarioTable {
  /** scenario moves M[k][a], ppm of scan range, in [-3e6, 3e6], K × A */
  moves: bigint[][];
  /** vol directions U[k][a] in {-1, 0, 1}, K × A */
  volDirs: bigint[][];
  /** scenario weights W[k], ppm, length K */
  weights: bigint[];
}

/**
 * Risk parameters with an explicit scenario table instead of the factor structure: the reference model evaluates them
 * (the backtest's "before" column, the hand-checked model tests), the circuit cannot prove them.
 */
export type TableRiskParams = RiskCharges & ScenarioTable;

/** The model v2 fields of RiskParams, in hash (packing) order after the v1 fields. */
export const RISK_V2_FIELDS = ["basisCharge", "concentration", "shortOptionMin", "vegaGross", "noGammaGain", "venueDefault"] as const;

/** RiskParams with every model v2 field present. */
export type RiskParamsV2 = Required<RiskParams>;
/** The model v2 charges, all present. */
export type RiskChargesV2 = Required<RiskCharges>;

/** One venue account as the trader knows it. */
export interface Account {
  venueId: bigint;
  /** per-venue random salt: owner = Poseidon(traderSecret, salt) */
  salt: bigint;
  /** exactly N slots once padded (see padHoldings) */
  holdings: Holding[];
}

/** Compile-time dimensions of a circuit instance (circuits/circuits.json). */
export interface InstanceParams {
  V: number;
  N: number;
  A: number;
  K: number;
  D: number;
}

export const EMPTY_HOLDING: Holding = Object.freeze({
  asset: 0,
  kind: Kind.Spot,
  size: 0n,
  entryPrice: 0n,
  mark: 0n,
  delta: 0n,
  gamma: 0n,
  vega: 0n,
}) as Holding;
