/**
 * The commitments and hashes of SPEC.md §4, defined once. The circuit (circuits/lib/*.circom), the venue SDK and
 * the contracts (marketHash, riskParamsHash) must agree with these; tests check each pairing.
 */
import { HOLDINGS_SPONGE_WIDTH, PARAMS_SPONGE_WIDTH, poseidon, sponge } from "./hash.ts";
import { EMPTY_HOLDING, HOLDING_FIELDS, type Holding, type MarketSnapshot, type RiskParams } from "./types.ts";

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

/** Market fields in hash order: P[0..A), S[0..A), Σ[0..A). */
export function marketFields(m: MarketSnapshot): bigint[] {
  return [...m.price, ...m.scanRange, ...m.volShock];
}

/** marketHash = Poseidon(8)-sponge over marketFields. */
export function marketHash(m: MarketSnapshot): bigint {
  return sponge(marketFields(m), PARAMS_SPONGE_WIDTH);
}

/** Risk fields in hash order: H[0..A), B[0..A), M row-major (k then a), U row-major, W[0..K), G. */
export function riskFields(r: RiskParams): bigint[] {
  return [...r.haircut, ...r.debtAddOn, ...r.moves.flat(), ...r.volDirs.flat(), ...r.weights, r.grossCharge];
}

/** riskParamsHash = Poseidon(8)-sponge over riskFields (signed moves and directions as field elements). */
export function riskParamsHash(r: RiskParams): bigint {
  return sponge(riskFields(r), PARAMS_SPONGE_WIDTH);
}
