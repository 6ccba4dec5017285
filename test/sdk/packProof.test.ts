/** pack/unpack of Groth16 proofs: the pi_b coordinate swap in one place, round-tripping. */
import { expect } from "chai";
import fc from "fast-check";
import { FIELD } from "../../prover/hash.ts";
import { packProof, proofCalldata, unpackProof, type Groth16Proof } from "../../prover/packProof.ts";

const fe = fc.bigInt({ min: 0n, max: FIELD - 1n }).map(String);
const proofArb: fc.Arbitrary<Groth16Proof> = fc
  .tuple(fe, fe, fe, fe, fe, fe, fe, fe)
  .map(([a0, a1, b00, b01, b10, b11, c0, c1]) => ({
    pi_a: [a0, a1, "1"],
    pi_b: [
      [b00, b01],
      [b10, b11],
      ["1", "0"],
    ],
    pi_c: [c0, c1, "1"],
    protocol: "groth16",
    curve: "bn128",
  }));

describe("# packProof", () => {
  it("should swap each G2 coordinate pair (imaginary part first)", () => {
    const proof: Groth16Proof = {
      pi_a: ["1", "2", "1"],
      pi_b: [
        ["3", "4"],
        ["5", "6"],
        ["1", "0"],
      ],
      pi_c: ["7", "8", "1"],
      protocol: "groth16",
      curve: "bn128",
    };
    expect(packProof(proof)).to.deep.equal(["1", "2", "4", "3", "6", "5", "7", "8"]);
    expect(proofCalldata(packProof(proof)).b).to.deep.equal([
      [4n, 3n],
      [6n, 5n],
    ]);
  });

  it("should round-trip unpack(pack(p)) = p and pack(unpack(x)) = x @props", () => {
    const runs = Number(process.env.PROP_RUNS ?? 100);
    fc.assert(fc.property(proofArb, (p) => {
        expect(unpackProof(packProof(p))).to.deep.equal(p);
      }), { numRuns: runs });
    fc.assert(
      fc.property(fc.array(fe, { minLength: 8, maxLength: 8 }), (x) => {
        expect(packProof(unpackProof(x))).to.deep.equal(x);
      }),
      { numRuns: runs },
    );
  });

  it("should not unpack a wrong number of values", () => {
    expect(() => unpackProof(["1", "2"])).to.throw(/expected 8/);
  });
});
