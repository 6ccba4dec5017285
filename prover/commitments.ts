/**
 * The commitments and hashes of docs/DESIGN.md §4, defined once. The circuits (circuits/*.circom), the venue kit's
 * fast hasher and the contracts (risk params hash, context hash) must agree with these; tests check each pairing.
 *
 *   holding words   the N·7 holding values of an account (offset to be non-negative), packed into W words
 *   owner           Poseidon(traderSecret, salt)
 *   account leaf    Poseidon(owner, venueId, word_0, …, word_{W−1})   (a Poseidon(16)-sponge when 2 + W > 16)
 *   book nullifier  Poseidon(traderSecret, domain)
 *   context hash    Poseidon(8)-sponge([epoch, riskParamsHash, marketWords…])
 *   tail            the public words packing [minExcess (112 bits), venueIds (32 bits each)]
 */
import { FIELD, LEAF_SPONGE_WIDTH, PARAMS_SPONGE_WIDTH, type PackValue, packLayout, packWords, poseidon, sponge } from "./hash.ts";
import { DELTA_BITS, EPOCH_BITS, GREEK_BITS, MIN_EXCESS_BITS, PRICE_BITS, SIZE_BITS, VENUE_ID_BITS, scenarioColumns, validateHolding } from "./model.ts";
import { EMPTY_HOLDING, HOLDING_FIELDS, RISK_V2_FIELDS, type Holding, type MarketSnapshot, type RiskParams, type RiskParamsV2 } from "./types.ts";

/** owner = Poseidon(traderSecret, salt), with a fresh random salt per venue account. */
export function ownerHash(traderSecret: bigint, salt: bigint): bigint {
  return poseidon([traderSecret, salt]);
}

/** A holding's 8 fields in HOLDING_FIELDS order (the circuit's holdings[v][i] input). */
export function holdingFields(h: Holding): bigint[] {
  return HOLDING_FIELDS.map((f) => BigInt(h[f]));
}

/** Pad a venue's holdings to exactly N slots with all-zero holdings. */
export function padHoldings(holdings: readonly Holding[], N: number): Holding[] {
  if (holdings.length > N) throw new RangeError(`holdings: ${holdings.length} holdings, the instance has N=${N} slots per venue`);
  return [...holdings, ...Array.from({ length: N - holdings.length }, () => ({ ...EMPTY_HOLDING }))];
}

/** The account dimensions the holding words depend on: N holding slots, A assets. */
export interface HoldingDims {
  N: number;
  A: number;
}

/** Bits of a packed asset index: ⌈log2 A⌉, at least 1 (circuits/lib/Scales.circom ASSET_BITS). */
export function assetBits(A: number): number {
  if (!Number.isInteger(A) || A < 1) throw new RangeError(`A: ${A} is not a positive integer`);
  return Math.max(1, (A - 1).toString(2).length);
}

/** Values each holding contributes to the holding words. */
export const HOLDING_PACK_COUNT = 7;

/** Bit widths of one holding's packed values, in order (asset, kind, size, entryPrice + mark, delta, gamma, vega). */
export function holdingPackWidths(A: number): number[] {
  return [assetBits(A), 2, SIZE_BITS, PRICE_BITS, DELTA_BITS, GREEK_BITS, GREEK_BITS];
}

const signed = (bits: number) => ({ min: -(1n << BigInt(bits - 1)), max: (1n << BigInt(bits - 1)) - 1n, width: bits });

/**
 * One holding's packed values with their ranges: asset ∈ [0, A), kind ∈ {0, 1, 2}, size + 2^63, entryPrice + mark
 * (at most one of them is non-zero and the kind says which: validateHolding checks it), delta + 2^31, gamma + 2^63,
 * vega + 2^63. Throws a RangeError naming `${field}.x` for a value the circuit would reject.
 */
export function holdingPackValues(h: Holding, A: number, field = "holding"): PackValue[] {
  validateHolding(h, A, field);
  const [aw] = holdingPackWidths(A);
  return [
    { field: `${field}.asset`, value: BigInt(h.asset), min: 0n, max: BigInt(A - 1), width: aw },
    { field: `${field}.kind`, value: BigInt(h.kind), min: 0n, max: 2n, width: 2 },
    { field: `${field}.size`, value: h.size, ...signed(SIZE_BITS) },
    { field: `${field}.entryPrice`, value: h.entryPrice + h.mark, min: 0n, max: (1n << BigInt(PRICE_BITS)) - 1n, width: PRICE_BITS },
    { field: `${field}.delta`, value: h.delta, ...signed(DELTA_BITS) },
    { field: `${field}.gamma`, value: h.gamma, ...signed(GREEK_BITS) },
    { field: `${field}.vega`, value: h.vega, ...signed(GREEK_BITS) },
  ];
}

/** W, the number of holding words of an account with N slots and A assets (4 for N = A = 3, 10 for N = A = 8). */
export function holdingWordCount(dims: HoldingDims): number {
  const widths = Array.from({ length: dims.N }, () => holdingPackWidths(dims.A)).flat();
  return packLayout(widths)[widths.length - 1].word + 1;
}

/**
 * The holding words of an account: its holdings padded to N slots, each holding's 7 values (holdingPackValues)
 * packed greedily into 248-bit words (prover/hash.ts packWords). Throws a RangeError naming `holdings[i].x`.
 */
export function holdingWords(holdings: readonly Holding[], dims: HoldingDims): bigint[] {
  if (!Number.isInteger(dims.N) || dims.N < 1) throw new RangeError(`N: ${dims.N} is not a positive integer`);
  return packWords(padHoldings(holdings, dims.N).flatMap((h, i) => holdingPackValues(h, dims.A, `holdings[${i}]`)));
}

/**
 * account leaf = Poseidon(owner, venueId, word_0, …, word_{W−1}); a Poseidon(16)-sponge over the same list when
 * 2 + W > 16. The venue computes it (it knows owner, never the secret).
 */
export function accountLeaf(owner: bigint, venueId: bigint, words: readonly bigint[]): bigint {
  if (words.length < 1) throw new RangeError("accountLeaf: at least one holding word is needed");
  const inputs = [owner, venueId, ...words];
  return inputs.length <= 16 ? poseidon(inputs) : sponge(inputs, LEAF_SPONGE_WIDTH);
}

/** The leaf of an account from its owner, venue id and (unpadded) holdings. */
export function accountLeafOf(owner: bigint, venueId: bigint, holdings: readonly Holding[], dims: HoldingDims): bigint {
  return accountLeaf(owner, venueId, holdingWords(holdings, dims));
}

/**
 * bookNullifier = Poseidon(traderSecret, domain): one per book and deployment, constant across epochs. Every proof
 * that uses any account of the book exposes it; the contracts bind it to one subject at a time.
 */
export function bookNullifier(traderSecret: bigint, domain: bigint): bigint {
  return poseidon([traderSecret, domain]);
}

/** Market fields in hash (packing) order: P[0..A), S[0..A), Σ[0..A). */
export function marketFields(m: MarketSnapshot): bigint[] {
  return [...m.price, ...m.scanRange, ...m.volShock];
}

/** Bit widths and ranges of the packed values (docs/DESIGN.md §3); the circuits and contracts range-check the same. */
const PRICE_MAX = (1n << 64n) - 1n;
const PPM_ONE = 1_000_000n;
const MAX_MOVE = 3_000_000n;
const price = (field: string, value: bigint): PackValue => ({ field, value, min: 0n, max: PRICE_MAX, width: 64 });
const ppm = (field: string, value: bigint): PackValue => ({ field, value, min: 0n, max: PPM_ONE, width: 20 });

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

/**
 * Risk fields in hash (packing) order: H[0..A), B[0..A), ρ[0..A), r[0..A), c[0..A), G; then, for model v2 params,
 * b[0..A), c[0..A), m[0..A), ω, noGammaGain, δ (prover/types.ts RISK_V2_FIELDS). K (r.scenarios) is the instance's
 * and not hashed: it fixes the width of c.
 */
export function riskFields(r: RiskParams): bigint[] {
  const v1 = [...r.haircut, ...r.debtAddOn, ...r.factorLoading, ...r.residualLoading, ...r.residualColumn.map(BigInt), r.grossCharge];
  if (!hasV2(r)) return v1;
  return [...v1, ...r.basisCharge, ...r.concentration, ...r.shortOptionMin, r.vegaGross, r.noGammaGain, r.venueDefault];
}

/** Model v2 params carry all six v2 fields (prover/model.ts validateRisk rejects a partial set). */
function hasV2(r: RiskParams): r is RiskParamsV2 {
  return RISK_V2_FIELDS.every((f) => r[f] !== undefined);
}

/** Bits of a packed residual column for K scenarios: log2(K/2) (K = 2·2^m, prover/model.ts scenarioColumns). */
export function columnBits(K: number): number {
  return Math.log2(scenarioColumns(K, "scenarios"));
}

/**
 * The risk values in riskFields order with their ranges: H, B, G ∈ [0, 1e6] (20 bits); the factor structure
 * ρ ∈ [0, 1e6] (20 bits), r ∈ [−1e6, 1e6] stored as r + 1e6 (21 bits), c ∈ [0, K/2) (log2(K/2) bits: the bits of c
 * itself, which the circuit's sign design reads; governance and validateRisk refuse c = 0). Model v2 params append:
 * b ∈ [0, 1e6] (20 bits), c ∈ [0, 2^20) (20 bits), m ∈ [0, 3e6] (22 bits), ω ∈ [0, 1e6] (20 bits), noGammaGain ∈
 * {0, 1} (1 bit), δ ∈ [0, 1e6] (20 bits). A circuit instance always hashes the v2 layout (the SDK refuses v1 params).
 */
export function riskPackValues(r: RiskParams): PackValue[] {
  const cBits = columnBits(r.scenarios);
  const v1 = [
    ...r.haircut.map((v, a) => ppm(`haircut[${a}]`, v)),
    ...r.debtAddOn.map((v, a) => ppm(`debtAddOn[${a}]`, v)),
    ...r.factorLoading.map((v, a) => ppm(`factorLoading[${a}]`, v)),
    ...r.residualLoading.map((v, a): PackValue => ({ field: `residualLoading[${a}]`, value: v, min: -PPM_ONE, max: PPM_ONE, width: 21 })),
    ...r.residualColumn.map((v, a): PackValue => ({ field: `residualColumn[${a}]`, value: BigInt(v), min: 0n, max: (1n << BigInt(cBits)) - 1n, width: cBits })),
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
 * riskParamsHash = Poseidon(8)-sponge over the packed risk words: 2 words for A = 3, K = 4 (one permutation) and 6 for
 * A = 8, K = 16 (one permutation; the factor structure takes 41 + log2(K/2) bits per asset instead of K·25, the v2
 * fields 62 per asset + 41).
 */
export function riskParamsHash(r: RiskParams): bigint {
  return sponge(riskWords(r), PARAMS_SPONGE_WIDTH);
}

/**
 * contextHash(e) = Poseidon(8)-sponge([e, riskParamsHash, marketWords…]): what OracleHub stores per epoch and the
 * proof's one public input for epoch, market snapshot and risk-parameter version. The epoch is a uint64 on-chain.
 */
export function contextHash(epoch: bigint, riskHash: bigint, mWords: readonly bigint[]): bigint {
  if (epoch < 0n || epoch >= 1n << BigInt(EPOCH_BITS)) throw new RangeError(`epoch: ${epoch} is outside [0, 2^${EPOCH_BITS})`);
  if (riskHash < 0n || riskHash >= FIELD) throw new RangeError(`riskParamsHash: ${riskHash} is not a field element`);
  return sponge([epoch, riskHash, ...mWords], PARAMS_SPONGE_WIDTH);
}

/** The context hash of an epoch's market snapshot and risk parameters. */
export function contextHashOf(epoch: bigint, market: MarketSnapshot, risk: RiskParams): bigint {
  return contextHash(epoch, riskParamsHash(risk), marketWords(market));
}

/** The tail's values: minExcess ∈ [0, 2^112), then one venue id per slot ∈ [0, 2^32) (0 = inactive slot). */
export function tailPackValues(minExcess: bigint, venueIds: readonly bigint[]): PackValue[] {
  return [
    { field: "minExcess", value: minExcess, min: 0n, max: (1n << BigInt(MIN_EXCESS_BITS)) - 1n, width: MIN_EXCESS_BITS },
    ...venueIds.map((v, i): PackValue => ({ field: `venueIds[${i}]`, value: v, min: 0n, max: (1n << BigInt(VENUE_ID_BITS)) - 1n, width: VENUE_ID_BITS })),
  ];
}

/** Bit widths of the tail's values for V venue slots. */
export function tailWidths(V: number): number[] {
  return [MIN_EXCESS_BITS, ...Array.from({ length: V }, () => VENUE_ID_BITS)];
}

/** T, the number of tail words for V venue slots (1 while V ≤ 4). */
export function tailWordCount(V: number): number {
  const widths = tailWidths(V);
  return packLayout(widths)[widths.length - 1].word + 1;
}

/** The public tail words: [minExcess, venueIds…] packed greedily (packWords). RangeError naming the field. */
export function packTail(minExcess: bigint, venueIds: readonly bigint[]): bigint[] {
  return packWords(tailPackValues(minExcess, venueIds));
}

/**
 * minExcess and the V venue ids from the tail words; throws a RangeError unless the words are exactly a packing
 * (T words, no bit set outside the value fields), so every tail has one reading.
 */
export function unpackTail(tail: readonly bigint[], V: number): { minExcess: bigint; venueIds: bigint[] } {
  const widths = tailWidths(V);
  const layout = packLayout(widths);
  const T = layout[layout.length - 1].word + 1;
  if (tail.length !== T) throw new RangeError(`tail: ${tail.length} words, expected ${T} for V=${V}`);
  const used = Array.from({ length: T }, () => 0);
  const values = widths.map((w, i) => {
    const { word, shift } = layout[i];
    used[word] = shift + w;
    return (tail[word] >> BigInt(shift)) & ((1n << BigInt(w)) - 1n);
  });
  tail.forEach((t, w) => {
    if (t < 0n || t >> BigInt(used[w]) !== 0n) throw new RangeError(`tail[${w}]: ${t} is not a packing of [minExcess, venueIds] (bits above ${used[w]} set)`);
  });
  return { minExcess: values[0], venueIds: values.slice(1) };
}
