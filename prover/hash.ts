/**
 * Field encoding, Poseidon, the fixed-length sponge and the word packing shared by the circuits, the contracts and
 * the SDKs (docs/DESIGN.md §4). circuits/lib/Sponge.circom, circuits/lib/Pack.circom and the contracts' sponge and
 * word packer implement the same definitions and tests check they agree; prover/commitments.ts builds every
 * commitment from them.
 */
import {
  poseidon1, poseidon2, poseidon3, poseidon4, poseidon5, poseidon6, poseidon7, poseidon8,
  poseidon9, poseidon10, poseidon11, poseidon12, poseidon13, poseidon14, poseidon15, poseidon16,
} from "poseidon-lite";

/** The BN254 scalar field order. */
export const FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/** Width of the account-leaf sponge, used only when a leaf has more than 16 inputs: Poseidon(16). */
export const LEAF_SPONGE_WIDTH = 16;
/** Width of the sponge over market snapshots and risk params: Poseidon(8), the widest circomlibjs deploys on-chain. */
export const PARAMS_SPONGE_WIDTH = 8;

const POSEIDON = [
  poseidon1, poseidon2, poseidon3, poseidon4, poseidon5, poseidon6, poseidon7, poseidon8,
  poseidon9, poseidon10, poseidon11, poseidon12, poseidon13, poseidon14, poseidon15, poseidon16,
];

/** A signed integer as a field element (negative x maps to FIELD + x). */
export function toField(x: bigint): bigint {
  const r = x % FIELD;
  return r < 0n ? r + FIELD : r;
}

/** A field element read back as a signed integer in (-FIELD/2, FIELD/2]. */
export function fromFieldSigned(x: bigint): bigint {
  const r = toField(x);
  return r > FIELD / 2n ? r - FIELD : r;
}

/** Poseidon over 1..16 field elements (circomlib's parameters). Signed inputs are encoded with toField. */
export function poseidon(inputs: readonly bigint[]): bigint {
  const fn = POSEIDON[inputs.length - 1];
  if (fn === undefined) throw new RangeError(`poseidon: ${inputs.length} inputs, expected 1..16`);
  return fn(inputs.map(toField));
}

/**
 * Fixed-length Poseidon sponge: acc = len(fields); for each chunk of (width - 1) fields, zero-padded,
 * acc = Poseidon_width(acc, chunk...). Starting from the length makes different lengths different domains.
 */
export function sponge(fields: readonly bigint[], width: number): bigint {
  if (width < 2 || width > 16) throw new RangeError(`sponge: width ${width}, expected 2..16`);
  const rate = width - 1;
  let acc = BigInt(fields.length);
  for (let i = 0; i < fields.length; i += rate) {
    const chunk = fields.slice(i, i + rate);
    while (chunk.length < rate) chunk.push(0n);
    acc = poseidon([acc, ...chunk]);
  }
  return acc;
}

/** Number of Poseidon calls a sponge over `len` fields makes (for constraint budgets). */
export function spongeCalls(len: number, width: number): number {
  return Math.ceil(len / (width - 1));
}

/**
 * Bits per packed word. A word is a sum of non-overlapping bit fields below 2^248 < FIELD, so distinct value lists
 * give distinct words (packing is injective); circuits/lib/Pack.circom and verifier-contracts/lib/WordPacker.sol
 * use the same width.
 */
export const PACK_WORD_BITS = 248;

/** One value to pack: it must lie in [min, max]; it is stored as the offset value (value − min) in `width` bits. */
export interface PackValue {
  /** the field's name, for errors (e.g. "moves[2][1]") */
  field: string;
  value: bigint;
  min: bigint;
  max: bigint;
  /** bits of the offset value: max − min < 2^width ≤ 2^PACK_WORD_BITS */
  width: number;
}

/** Where each value of a greedy packing lands: word index and bit position (shift) inside that word. */
export interface PackSlot {
  word: number;
  shift: number;
}

/**
 * The greedy little-endian layout of values of the given bit widths into words of at most PACK_WORD_BITS bits:
 * values in order fill the current word from bit 0 upwards; a value that does not fit starts a new word (no value
 * straddles two words). circuits/lib/Pack.circom (packWord, packShift, packWordCount) computes the same layout.
 */
export function packLayout(widths: readonly number[]): PackSlot[] {
  const slots: PackSlot[] = [];
  let word = 0;
  let used = 0;
  for (const [i, w] of widths.entries()) {
    if (!Number.isInteger(w) || w < 1 || w > PACK_WORD_BITS) throw new RangeError(`packLayout: width ${w} of value ${i}, expected 1..${PACK_WORD_BITS}`);
    if (used + w > PACK_WORD_BITS) {
      word += 1;
      used = 0;
    }
    slots.push({ word, shift: used });
    used += w;
  }
  return slots;
}

/**
 * Packs the values (in order) into words: word = Σ (value_i − min_i) · 2^shift_i over the values of that word
 * (packLayout). Throws a RangeError naming the field when a value is outside [min, max].
 */
export function packWords(values: readonly PackValue[]): bigint[] {
  const slots = packLayout(values.map((v) => v.width));
  const words: bigint[] = Array.from({ length: slots.length === 0 ? 0 : slots[slots.length - 1].word + 1 }, () => 0n);
  for (const [i, v] of values.entries()) {
    if (v.max - v.min >= 1n << BigInt(v.width)) throw new RangeError(`${v.field}: range [${v.min}, ${v.max}] does not fit ${v.width} bits`);
    if (v.value < v.min || v.value > v.max) throw new RangeError(`${v.field}: ${v.value} is outside [${v.min}, ${v.max}]`);
    words[slots[i].word] += (v.value - v.min) << BigInt(slots[i].shift);
  }
  return words;
}
