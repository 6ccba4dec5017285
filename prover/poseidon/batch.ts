/**
 * Batched Poseidon over byte buffers: the interface the venue kit hashes leaves and tree levels through, and its
 * pure-JS implementation (poseidon-lite), which runs anywhere (browser, any Node). The Node fast path (a native
 * Node-API build of the same permutation, client/venue/hasher.ts) implements the same interface; tests check both
 * agree with poseidon-lite on every width 1..16.
 *
 * Encoding: a field element is 32 bytes little-endian, canonical (< FIELD). `inputs` holds `count` rows of `n`
 * elements; `hashBatch` returns `count` elements, row k's hash at bytes [32k, 32k + 32).
 */
import { FIELD, poseidon } from "../hash.ts";

export const ELEMENT_BYTES = 32;

export interface BatchHasher {
  /** which implementation ("native-2t" …, "poseidon-lite"), for logs and benchmarks */
  readonly name: string;
  /** Poseidon_n of each row of `inputs` (count × n elements); throws on a non-canonical element */
  hashBatch(n: number, inputs: Uint8Array): Uint8Array;
  /**
   * The same batch, started: checks the inputs (throws as hashBatch does), then hashes while the caller goes on
   * (the native hasher on its own threads; the JS one has finished on return). `wait()` returns the hashes.
   * `inputs` must not change until then.
   */
  start(n: number, inputs: Uint8Array): PendingBatch;
}

export interface PendingBatch {
  wait(): Uint8Array;
}

const MASK64 = (1n << 64n) - 1n;

/** Write field element x (0 ≤ x < FIELD) at element position `at` of `buf`. */
export function writeElement(buf: Uint8Array, at: number, x: bigint): void {
  if (x < 0n || x >= FIELD) throw new RangeError(`field element out of range: ${x}`);
  const dv = new DataView(buf.buffer, buf.byteOffset + at * ELEMENT_BYTES, ELEMENT_BYTES);
  dv.setBigUint64(0, x & MASK64, true);
  dv.setBigUint64(8, (x >> 64n) & MASK64, true);
  dv.setBigUint64(16, (x >> 128n) & MASK64, true);
  dv.setBigUint64(24, x >> 192n, true);
}

/** Read the field element at element position `at` of `buf`. */
export function readElement(buf: Uint8Array, at: number): bigint {
  const dv = new DataView(buf.buffer, buf.byteOffset + at * ELEMENT_BYTES, ELEMENT_BYTES);
  return dv.getBigUint64(0, true) | (dv.getBigUint64(8, true) << 64n) | (dv.getBigUint64(16, true) << 128n) | (dv.getBigUint64(24, true) << 192n);
}

/** Elements as one buffer. */
export function elementsToBytes(xs: readonly bigint[]): Uint8Array {
  const buf = new Uint8Array(xs.length * ELEMENT_BYTES);
  xs.forEach((x, i) => writeElement(buf, i, x));
  return buf;
}

/** A buffer as elements. */
export function bytesToElements(buf: Uint8Array): bigint[] {
  if (buf.length % ELEMENT_BYTES !== 0) throw new RangeError(`buffer of ${buf.length} bytes is not a list of 32-byte elements`);
  return Array.from({ length: buf.length / ELEMENT_BYTES }, (_, i) => readElement(buf, i));
}

export function checkBatch(n: number, inputs: Uint8Array): number {
  if (!Number.isInteger(n) || n < 1 || n > 16) throw new RangeError(`poseidon batch: ${n} inputs per hash, expected 1..16`);
  if (inputs.length % (n * ELEMENT_BYTES) !== 0) throw new RangeError(`poseidon batch: ${inputs.length} bytes is not a whole number of ${n}-element rows`);
  return inputs.length / (n * ELEMENT_BYTES);
}

/** The pure-JS hasher (poseidon-lite): the browser's and the fallback when no native build is available. */
export const jsHasher: BatchHasher = {
  name: "poseidon-lite",
  hashBatch(n: number, inputs: Uint8Array): Uint8Array {
    const count = checkBatch(n, inputs);
    const out = new Uint8Array(count * ELEMENT_BYTES);
    const row: bigint[] = new Array<bigint>(n);
    for (let k = 0; k < count * n; k++) {
      if (readElement(inputs, k) >= FIELD) throw new RangeError(`poseidon batch: element ${k} is not a canonical field element (≥ p)`);
    }
    for (let k = 0; k < count; k++) {
      for (let i = 0; i < n; i++) row[i] = readElement(inputs, k * n + i);
      writeElement(out, k, poseidon(row));
    }
    return out;
  },
  start(n: number, inputs: Uint8Array): PendingBatch {
    const out = jsHasher.hashBatch(n, inputs);
    return { wait: () => out };
  },
};
