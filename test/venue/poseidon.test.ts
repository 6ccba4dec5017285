/**
 * The venue kit's Poseidon against circomlib's: the native build (client/venue/hasher.ts) and the JS batch hasher
 * (prover/poseidon/batch.ts) must equal poseidon-lite — which the circuit tests pin to circomlib's templates — on
 * every width 1..16, on random and edge inputs (0, 1, p − 1), in one batch and across threads.
 */
import { expect } from "chai";
import fc from "fast-check";
import { poseidon2, poseidon4, poseidon12 } from "poseidon-lite";
import { nativeHasher } from "../../client/venue/hasher.ts";
import { FIELD, poseidon } from "../../prover/hash.ts";
import { bytesToElements, ELEMENT_BYTES, elementsToBytes, jsHasher, readElement, writeElement } from "../../prover/poseidon/batch.ts";

const RUNS = Number(process.env.PROP_RUNS ?? 100);
const fieldArb = fc.oneof(fc.bigInt({ min: 0n, max: FIELD - 1n }), fc.constantFrom(0n, 1n, FIELD - 1n, FIELD - 2n, (1n << 248n) - 1n));

describe("venue Poseidon (native and batched JS)", function () {
  const native1 = nativeHasher(1);
  const native2 = nativeHasher(2);

  it("should encode field elements as 32-byte little-endian and back", function () {
    const buf = new Uint8Array(2 * ELEMENT_BYTES);
    writeElement(buf, 1, 0x0102n);
    expect(buf[32]).to.equal(2);
    expect(buf[33]).to.equal(1);
    expect(readElement(buf, 1)).to.equal(0x0102n);
    expect(() => writeElement(buf, 0, FIELD)).to.throw(RangeError, /out of range/);
    expect(() => writeElement(buf, 0, -1n)).to.throw(RangeError, /out of range/);
  });

  it("should match circomlib's known answers", function () {
    // circomlibjs's test vectors (test/poseidon.js): poseidon([1, 2]) and poseidon([1, 2, 3, 4])
    const ka2 = 0x115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189an;
    const ka4 = 0x299c867db6c1fdd79dcefa40e4510b9837e60ebb1ce0663dbaa525df65250465n;
    for (const h of [native1, native2, jsHasher]) {
      expect(bytesToElements(h.hashBatch(2, elementsToBytes([1n, 2n])))).to.deep.equal([ka2], h.name);
      expect(bytesToElements(h.hashBatch(4, elementsToBytes([1n, 2n, 3n, 4n])))).to.deep.equal([ka4], h.name);
    }
    expect(poseidon2([1n, 2n])).to.equal(ka2);
    expect(poseidon4([1n, 2n, 3n, 4n])).to.equal(ka4);
  });

  it("should equal poseidon-lite on every width 1..16 @props", function () {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 16 }).chain((n) => fc.array(fc.array(fieldArb, { minLength: n, maxLength: n }), { minLength: 1, maxLength: 24 })), (rows) => {
        const n = rows[0].length;
        const buf = elementsToBytes(rows.flat());
        const want = rows.map((r) => poseidon(r));
        expect(bytesToElements(native1.hashBatch(n, buf))).to.deep.equal(want);
        expect(bytesToElements(native2.hashBatch(n, buf))).to.deep.equal(want);
        expect(bytesToElements(jsHasher.hashBatch(n, buf))).to.deep.equal(want);
      }),
      { numRuns: RUNS },
    );
  });

  it("should split a large batch across threads with the same result as one thread", function () {
    const rows = Array.from({ length: 1000 }, (_, k) => [BigInt(k), FIELD - 1n - BigInt(k), BigInt(k) * 7n]);
    const buf = elementsToBytes(rows.flat());
    const one = native1.hashBatch(3, buf);
    expect(native2.hashBatch(3, buf)).to.deep.equal(one);
    expect(readElement(one, 999)).to.equal(poseidon(rows[999]));
    expect(readElement(one, 0)).to.equal(poseidon(rows[0]));
    const wide = elementsToBytes(Array.from({ length: 12 * 200 }, (_, i) => BigInt(i)));
    expect(readElement(native2.hashBatch(12, wide), 199)).to.equal(poseidon12(Array.from({ length: 12 }, (_, i) => BigInt(199 * 12 + i))));
  });

  it("should give the same hashes from a started batch as from hashBatch, with two batches in flight", function () {
    const rows = Array.from({ length: 3000 }, (_, k) => Array.from({ length: 13 }, (_, i) => (BigInt(k) * 1_000_003n + BigInt(i) * (FIELD / 17n)) % FIELD));
    const a = elementsToBytes(rows.slice(0, 1500).flat());
    const b = elementsToBytes(rows.slice(1500).flat());
    for (const h of [native1, native2, jsHasher]) {
      const pa = h.start(13, a);
      const pb = h.start(13, b); // both running at once on the native threads
      const want = [...bytesToElements(native1.hashBatch(13, a)), ...bytesToElements(native1.hashBatch(13, b))];
      expect([...bytesToElements(pb.wait()), ...bytesToElements(pa.wait())]).to.deep.equal([...want.slice(1500), ...want.slice(0, 1500)], h.name);
      expect(pa.wait()).to.equal(pa.wait()); // waiting again returns the same buffer
    }
    expect(readElement(native2.start(13, a).wait(), 1499)).to.equal(poseidon(rows[1499]));
    const small = native2.start(4, elementsToBytes([1n, 2n, 3n, 4n])); // below the threading threshold: done on return
    expect(readElement(small.wait(), 0)).to.equal(poseidon([1n, 2n, 3n, 4n]));
  });

  it("should not hash a non-canonical element (≥ p) nor a ragged batch", function () {
    const bad = elementsToBytes([1n, 2n]);
    bad.fill(0xff, 32, 64); // 2^256 − 1 ≥ p
    expect(() => native1.hashBatch(2, bad)).to.throw(/not a canonical field element/);
    expect(() => native1.hashBatch(2, new Uint8Array(48))).to.throw(/whole number/);
    expect(() => native1.hashBatch(17, new Uint8Array(17 * 32))).to.throw(/1\.\.16/);
    const badRows = new Uint8Array(100 * 2 * 32);
    badRows.fill(0xff, 99 * 64, 100 * 64); // the last row only: a started batch refuses it before any thread starts
    expect(() => native2.start(2, badRows)).to.throw(/not a canonical field element/);
    expect(() => jsHasher.start(2, badRows)).to.throw(/not a canonical field element/);
    expect(() => jsHasher.hashBatch(2, bad)).to.throw(/not a canonical field element/);
  });
});
