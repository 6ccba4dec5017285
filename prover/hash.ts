/**
 * Field encoding and the Poseidon hashes shared by the circuits, the contracts and the SDKs.
 * Every commitment of SPEC.md §4 is defined here once; circuits/Sponge.circom and
 * verifier-contracts/PoseidonSponge.sol implement the same definitions and tests check they agree.
 */
import {
  poseidon1, poseidon2, poseidon3, poseidon4, poseidon5, poseidon6, poseidon7, poseidon8,
  poseidon9, poseidon10, poseidon11, poseidon12, poseidon13, poseidon14, poseidon15, poseidon16,
} from "poseidon-lite";

/** The BN254 scalar field order. */
export const FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/** Width (inputs per call) of the sponge over holdings: Poseidon(16), the cheapest per field in-circuit. */
export const HOLDINGS_SPONGE_WIDTH = 16;
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
