/**
 * Account leaves in bulk: the inputs of leaf = Poseidon(owner, venueId, word_0 … word_{W−1}) (docs/DESIGN.md §4),
 * written straight into a hashing buffer so a whole epoch's changed leaves go to the batch hasher in one call.
 *
 * `leafInputs` is the venue kit's copy of the holding-word layout of DESIGN.md §4, kept until the circuit
 * engineer's reference (prover/commitments.ts holdingWords / accountLeaf, format zkmargin-statement/2) lands;
 * test/venue/leaf.test.ts then pins this to it on random holdings.
 */
import { packWords, type PackValue } from "../../prover/hash.ts";
import { padHoldings } from "../../prover/commitments.ts";
import { writeElement } from "../../prover/poseidon/batch.ts";
import { DELTA_BITS, GREEK_BITS, PRICE_BITS, SIZE_BITS } from "../../prover/model.ts";
import type { Holding } from "../../prover/types.ts";

export interface LeafDims {
  /** holding slots per account */
  N: number;
  /** assets */
  A: number;
}

const signed = (field: string, value: bigint, bits: number): PackValue => ({
  field,
  value,
  min: -(1n << BigInt(bits - 1)),
  max: (1n << BigInt(bits - 1)) - 1n,
  width: bits,
});
const unsigned = (field: string, value: bigint, width: number): PackValue => ({ field, value, min: 0n, max: (1n << BigInt(width)) - 1n, width });

/** Bits of an asset index: ⌈log2 A⌉, at least 1. */
export function assetBits(A: number): number {
  return Math.max(1, Math.ceil(Math.log2(A)));
}

/** The packed values of one account's N holdings (padded), in DESIGN.md §4 order. */
export function holdingPackValues(holdings: readonly Holding[], dims: LeafDims): PackValue[] {
  const ab = assetBits(dims.A);
  return padHoldings(holdings, dims.N).flatMap((h, i) => [
    { field: `holdings[${i}].asset`, value: BigInt(h.asset), min: 0n, max: BigInt(dims.A - 1), width: ab },
    unsigned(`holdings[${i}].kind`, BigInt(h.kind), 2),
    signed(`holdings[${i}].size`, h.size, SIZE_BITS),
    unsigned(`holdings[${i}].entryPrice`, h.entryPrice + h.mark, PRICE_BITS),
    signed(`holdings[${i}].delta`, h.delta, DELTA_BITS),
    signed(`holdings[${i}].gamma`, h.gamma, GREEK_BITS),
    signed(`holdings[${i}].vega`, h.vega, GREEK_BITS),
  ]);
}

/** The holding words of an account (W of them for the instance's N and A). */
export function holdingWordsOf(holdings: readonly Holding[], dims: LeafDims): bigint[] {
  return packWords(holdingPackValues(holdings, dims));
}

/** W: holding words per account. */
export function wordCount(dims: LeafDims): number {
  return holdingWordsOf([], dims).length;
}

/** The Poseidon inputs of one leaf: [owner, venueId, word_0 … word_{W−1}]. */
export function leafInputs(owner: bigint, venueId: bigint, holdings: readonly Holding[], dims: LeafDims): bigint[] {
  return [owner, venueId, ...holdingWordsOf(holdings, dims)];
}

/** Write the leaf inputs of row `row` into a batch buffer of rows of 2 + W elements. */
export function writeLeafInputs(buf: Uint8Array, row: number, owner: bigint, venueId: bigint, holdings: readonly Holding[], dims: LeafDims): void {
  const inputs = leafInputs(owner, venueId, holdings, dims);
  inputs.forEach((x, i) => writeElement(buf, row * inputs.length + i, x));
}
