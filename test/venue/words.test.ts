/** The venue kit's fast holding-word packer equals prover/commitments.ts holdingWords (the definition). */
import { expect } from "chai";
import fc from "fast-check";
import { fastHoldingWords } from "../../client/venue/words.ts";
import { holdingWords } from "../../prover/commitments.ts";
import { Kind, type Holding } from "../../prover/types.ts";

const RUNS = Number(process.env.PROP_RUNS ?? 300);
const signed = (bits: number) => fc.oneof(fc.bigInt({ min: -(1n << BigInt(bits - 1)), max: (1n << BigInt(bits - 1)) - 1n }), fc.constantFrom(-(1n << BigInt(bits - 1)), (1n << BigInt(bits - 1)) - 1n, 0n));
const u64 = fc.oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.constantFrom(0n, (1n << 64n) - 1n));

function holdingArb(A: number): fc.Arbitrary<Holding> {
  return fc.record({ asset: fc.integer({ min: 0, max: A - 1 }), kind: fc.constantFrom(Kind.Spot, Kind.Linear, Kind.Option), size: signed(64), price: u64, delta: signed(32), gamma: signed(64), vega: signed(64) }).map((r) => ({
    asset: r.asset,
    kind: r.kind,
    size: r.size,
    entryPrice: r.kind === Kind.Linear ? r.price : 0n,
    mark: r.kind === Kind.Option ? r.price : 0n,
    delta: r.delta,
    gamma: r.gamma,
    vega: r.vega,
  }));
}

describe("venue fast holding words", function () {
  for (const dims of [{ N: 3, A: 3 }, { N: 8, A: 8 }, { N: 5, A: 17 }]) {
    it(`should equal holdingWords for N=${dims.N}, A=${dims.A} on random and boundary holdings @props`, function () {
      fc.assert(
        fc.property(fc.array(holdingArb(dims.A), { maxLength: dims.N }), (hs) => {
          expect(fastHoldingWords(hs, dims)).to.deep.equal(holdingWords(hs, dims));
        }),
        { numRuns: RUNS },
      );
    });
  }

  it("should refuse more holdings than slots", function () {
    expect(() => fastHoldingWords(Array.from({ length: 4 }, () => ({ asset: 0, kind: 0, size: 0n, entryPrice: 0n, mark: 0n, delta: 0n, gamma: 0n, vega: 0n })), { N: 3, A: 3 })).to.throw(RangeError, /N=3/);
  });
});
