/**
 * The commitments and hashes of SPEC.md §4, defined once. The circuit (circuits/lib/*.circom), the venue SDK and
 * the contracts (marketHash, riskParamsHash) must agree with these; tests check each pairing.
 */
import { HOLDINGS_SPONGE_WIDTH, PARAMS_SPONGE_WIDTH, type PackValue, packWords, poseidon, sponge } from "./hash.ts";
import { EMPTY_HOLDING, HOLDING_FIELDS, RISK_V2_FIELDS, type Holding, type MarketSnapshot, type RiskParams, type RiskParamsV2 } from "./types.ts";

/** owner = Poseidon(traderSecret, accountSalt) */
export function ownerHash(traderSecret: bigint, salt: bigint): bigint {
  return poseidon([traderSecret, salt]);
}

/** A holding's fields in commitment order (signed values as field elements happen in the sponge). */
export function holdingFields(h: Holding): bigint[] {
  return HOLDING_FIELDS.map((f) => BigInt(h[f]));
}

/** Pad a venue's holdings to exactly N slots with all-zero holdings. */
export function padHoldings(holdings: readonly Holding[], N: number): Holding[] {
  if (holdings.length > N) throw new RangeError(`holdings: ${holdings.length} holdings, the instance has N=${N} slots per venue`);
  return [...holdings, ...Array.from({ length: N - holdings.length }, () => ({ ...EMPTY_HOLDING }))];
}

/** holdingsCommitment = Poseidon(16)-sponge over every field of every slot, padding included. */
export function holdingsCommitment(holdings: readonly Holding[], N: number): bigint {
  return sponge(padHoldings(holdings, N).flatMap(holdingFields), HOLDINGS_SPONGE_WIDTH);
}

/** account leaf = Poseidon(owner, holdingsCommitment, venueId) */
export function accountLeaf(owner: bigint, holdingsCommit: bigint, venueId: bigint): bigint {
  return poseidon([owner, holdingsCommit, venueId]);
}

/** nullifier = Poseidon(traderSecret, accountSalt, epoch): one book, one credit line per epoch. */
export function nullifierHash(traderSecret: bigint, salt: bigint, epoch: bigint): bigint {
  return poseidon([traderSecret, salt, epoch]);
}

/** Market fields in hash (packing) order: P[0..A), S[0..A), Σ[0..A). */
export function marketFields(m: MarketSnapshot): bigint[] {
  return [...m.price, ...m.scanRange, ...m.volShock];
}

/** Bit widths and ranges of the packed values (SPEC.md §3); the circuits and contracts range-check the same. */
const PRICE_MAX = (1n << 64n) - 1n;
const PPM_ONE = 1_000_000n;
const MAX_MOVE = 3_000_000n;
const price = (field: string, value: bigint): PackValue => ({ field, value, min: 0n, max: PRICE_MAX, width: 64 });
const ppm = (field: string, value: bigint): PackValue => ({ field, value, min: 0n, max: PPM_ONE, width: 20 });
const move = (field: string, value: bigint): PackValue => ({ field, value, min: -MAX_MOVE, max: MAX_MOVE, width: 23 });
const volDir = (field: string, value: bigint): PackValue => ({ field, value, min: -1n, max: 1n, width: 2 });

/** The market values in marketFields order with their ranges: P < 2^64 (64 bits), S and Σ ∈ [0, 1e6] (20 bits). */
export function marketPackValues(m: MarketSnapshot): PackValue[] {
  return [
    ...m.price.map((v, a) => price(`price[${a}]`, v)),
    ...m.scanRange.map((v, a) => ppm(`scanRange[${a}]`, v)),
    ...m.volShock.map((v, a) => ppm(`volShock[${a}]`, v)),
  ];
}

/** The packed market words (prover/hash.ts packWords over marketPackValues); RangeError naming a field out of range. */
export function marketWords(m: MarketSnapshot): bigint[] {
  return packWords(marketPackValues(m));
}

/** marketHash = Poseidon(8)-sponge over the packed market words (2 words for A = 3, 4 for A = 8). */
export function marketHash(m: MarketSnapshot): bigint {
  return sponge(marketWords(m), PARAMS_SPONGE_WIDTH);
}

/**
 * Risk fields in hash (packing) order: H[0..A), B[0..A), M row-major (k then a), U row-major, W[0..K), G; then, for
 * model v2 params, b[0..A), c[0..A), m[0..A), ω, noGammaGain, δ (prover/types.ts RISK_V2_FIELDS).
 */
export function riskFields(r: RiskParams): bigint[] {
  const v1 = [...r.haircut, ...r.debtAddOn, ...r.moves.flat(), ...r.volDirs.flat(), ...r.weights, r.grossCharge];
  if (!hasV2(r)) return v1;
  return [...v1, ...r.basisCharge, ...r.concentration, ...r.shortOptionMin, r.vegaGross, r.noGammaGain, r.venueDefault];
}

/** Model v2 params carry all six v2 fields (prover/model.ts validateRisk rejects a partial set). */
function hasV2(r: RiskParams): r is RiskParamsV2 {
  return RISK_V2_FIELDS.every((f) => r[f] !== undefined);
}

/**
 * The risk values in riskFields order with their ranges: H, B, W, G ∈ [0, 1e6] (20 bits); M ∈ [−3e6, 3e6] stored as
 * M + 3e6 (23 bits); U ∈ {−1, 0, 1} stored as U + 1 (2 bits). Model v2 params append: b ∈ [0, 1e6] (20 bits),
 * c ∈ [0, 2^20) (20 bits), m ∈ [0, 3e6] (22 bits), ω ∈ [0, 1e6] (20 bits), noGammaGain ∈ {0, 1} (1 bit),
 * δ ∈ [0, 1e6] (20 bits). A v2 circuit instance always hashes the v2 layout; v1-shaped params (no v2 field) keep the
 * v1 layout so that today's circuit and fixtures keep their hash until the v2 port lands.
 */
export function riskPackValues(r: RiskParams): PackValue[] {
  const v1 = [
    ...r.haircut.map((v, a) => ppm(`haircut[${a}]`, v)),
    ...r.debtAddOn.map((v, a) => ppm(`debtAddOn[${a}]`, v)),
    ...r.moves.flatMap((row, k) => row.map((v, a) => move(`moves[${k}][${a}]`, v))),
    ...r.volDirs.flatMap((row, k) => row.map((v, a) => volDir(`volDirs[${k}][${a}]`, v))),
    ...r.weights.map((v, k) => ppm(`weights[${k}]`, v)),
    ppm("grossCharge", r.grossCharge),
  ];
  if (!hasV2(r)) return v1;
  return [
    ...v1,
    ...r.basisCharge.map((v, a) => ppm(`basisCharge[${a}]`, v)),
    ...r.concentration.map((v, a): PackValue => ({ field: `concentration[${a}]`, value: v, min: 0n, max: (1n << 20n) - 1n, width: 20 })),
    ...r.shortOptionMin.map((v, a): PackValue => ({ field: `shortOptionMin[${a}]`, value: v, min: 0n, max: MAX_MOVE, width: 22 })),
    ppm("vegaGross", r.vegaGross),
    { field: "noGammaGain", value: r.noGammaGain, min: 0n, max: 1n, width: 1 },
    ppm("venueDefault", r.venueDefault),
  ];
}

/** The packed risk words (packWords over riskPackValues); RangeError naming a field out of range. */
export function riskWords(r: RiskParams): bigint[] {
  return packWords(riskPackValues(r));
}

/**
 * riskParamsHash = Poseidon(8)-sponge over the packed risk words (v1: 3 words for A = 3, K = 4; 17 for A = 8, K = 16;
 * v2 params: 4 words for A = 3, K = 4; 19 for A = 8, K = 16 (the v2 fields add 3·62 + 41 and 8·62 + 41 bits).
 */
export function riskParamsHash(r: RiskParams): bigint {
  return sponge(riskWords(r), PARAMS_SPONGE_WIDTH);
}
