/**
 * The library templates on their own (each compiled as a tiny instance under build/unit_*): every bound passes at
 * its extreme and fails one past it, and the hashes agree with prover/hash.ts and prover/tree.ts.
 */
import { expect } from "chai";
import fc from "fast-check";
import { HOLDINGS_SPONGE_WIDTH, PARAMS_SPONGE_WIDTH, sponge, toField } from "../../prover/hash.ts";
import { marketHash, riskParamsHash } from "../../prover/commitments.ts";
import { VenueTree, rootFromPath } from "../../prover/tree.ts";
import { loadCircuit, unitInstance, type CompiledCircuit } from "../helpers/witness.ts";
import { prodMarket, prodRisk, testMarket, testRisk } from "../fixtures/market.ts";
import { FIELD } from "./helpers.ts";

const s = (x: bigint) => toField(x).toString();

describe("circuit library templates", function () {
  describe("# SignedRange(64)", () => {
    let c: CompiledCircuit;
    before(async () => {
      c = await loadCircuit(unitInstance("lib/SignedRange", "SignedRange", { BITS: 64 }));
    });
    it("should accept −2^63 and 2^63 − 1 with the right sign bit", async () => {
      for (const [x, nonNeg] of [[-(1n << 63n), 0n], [(1n << 63n) - 1n, 1n], [0n, 1n], [-1n, 0n]] as const) {
        const w = await c.accept({ in: s(x) });
        expect(w[c.index("main.nonNeg")], String(x)).to.equal(nonNeg);
      }
    });
    it("should reject −2^63 − 1, 2^63 and wrapped values", async () => {
      for (const x of [-(1n << 63n) - 1n, 1n << 63n, FIELD - (1n << 64n), (FIELD - 1n) / 2n]) {
        expect(await c.accepts({ in: s(x) }), String(x)).to.equal(false);
      }
    });
  });

  describe("# BoundedRange(23, −3e6, 3e6) (scenario moves)", () => {
    let c: CompiledCircuit;
    before(async () => {
      c = await loadCircuit(unitInstance("lib/BoundedRange", "BoundedRange", { BITS: 23, LO: -3_000_000, HI: 3_000_000 }));
    });
    it("should accept both ends and reject one past each", async () => {
      expect(await c.accepts({ in: s(-3_000_000n) })).to.equal(true);
      expect(await c.accepts({ in: s(3_000_000n) })).to.equal(true);
      expect(await c.accepts({ in: s(-3_000_001n) })).to.equal(false);
      expect(await c.accepts({ in: s(3_000_001n) })).to.equal(false);
      expect(await c.accepts({ in: s(1n << 23n) })).to.equal(false);
    });
  });

  describe("# BoundedRange(20, 0, 1e6) (ppm ratios)", () => {
    let c: CompiledCircuit;
    before(async () => {
      c = await loadCircuit(unitInstance("lib/BoundedRange", "BoundedRange", { BITS: 20, LO: 0, HI: 1_000_000 }));
    });
    it("should accept 0 and 1e6 and reject −1 and 1e6 + 1", async () => {
      expect(await c.accepts({ in: "0" })).to.equal(true);
      expect(await c.accepts({ in: "1000000" })).to.equal(true);
      expect(await c.accepts({ in: s(-1n) })).to.equal(false);
      expect(await c.accepts({ in: "1000001" })).to.equal(false);
    });
  });

  describe("# OneHot(3)", () => {
    let c: CompiledCircuit;
    before(async () => {
      c = await loadCircuit(unitInstance("lib/OneHot", "OneHot", { N: 3 }));
    });
    it("should select each index and reject 3 and −1", async () => {
      for (let i = 0; i < 3; i++) {
        const w = await c.accept({ in: String(i) });
        expect([0, 1, 2].map((j) => w[c.index(`main.out[${j}]`)])).to.deep.equal([0, 1, 2].map((j) => (j === i ? 1n : 0n)));
      }
      expect(await c.accepts({ in: "3" })).to.equal(false);
      expect(await c.accepts({ in: s(-1n) })).to.equal(false);
    });
    it("should not accept a forged selector (two bits, or a bit at the wrong place)", async () => {
      const w = await c.accept({ in: "1" });
      const forged = [...w];
      forged[c.index("main.out[0]")] = 1n;
      expect(c.violated(forged)).to.not.be.empty;
    });
  });

  describe("# Sponge and MerkleRoot agree with prover/hash.ts and prover/tree.ts", () => {
    let sp: CompiledCircuit;
    let mr: CompiledCircuit;
    before(async () => {
      sp = await loadCircuit(unitInstance("lib/Sponge", "Sponge", { LEN: 24, WIDTH: HOLDINGS_SPONGE_WIDTH }));
      mr = await loadCircuit(unitInstance("lib/MerkleRoot", "MerkleRoot", { D: 4 }));
    });
    it("should hash 24 fields (one venue's holdings) like sponge()", async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.bigInt({ min: 0n, max: FIELD - 1n }), { minLength: 24, maxLength: 24 }), async (fields) => {
          const w = await sp.accept({ in: fields.map(String) });
          expect(w[sp.index("main.out")]).to.equal(sponge(fields, HOLDINGS_SPONGE_WIDTH));
        }),
        { numRuns: 10 },
      );
    });
    it("should compute the VenueTree root for every leaf position", async () => {
      const leaves = Array.from({ length: 11 }, (_, i) => BigInt(i * 7919 + 1));
      const tree = new VenueTree(4, leaves);
      for (const i of [0, 1, 6, 10]) {
        const p = tree.path(i);
        const w = await mr.accept({ leaf: String(p.leaf), index: String(i), siblings: p.siblings.map(String) });
        expect(w[mr.index("main.root")]).to.equal(tree.root);
        expect(rootFromPath(p.leaf, i, p.siblings)).to.equal(tree.root);
      }
      // an index of 2^D would alias position 0: it has no witness
      const p0 = tree.path(0);
      expect(await mr.accepts({ leaf: String(p0.leaf), index: "16", siblings: p0.siblings.map(String) })).to.equal(false);
    });
  });

  describe("# market and risk hashes agree with prover/commitments.ts (the contracts' definitions)", () => {
    // The production-sized templates take ~30 s to compile: they run in the larger run (PROP_RUNS set, test:props).
    const large = process.env.PROP_RUNS !== undefined;
    for (const [label, A, K, market, risk] of [
      ["test instance", 3, 4, testMarket, testRisk],
      ["production instance", 8, 16, prodMarket, prodRisk],
    ] as const) {
      const title = `should hash the ${label} snapshot and risk params identically`;
      (A === 3 || large ? it : it.skip)(A === 3 ? title : `${title} @props`, async () => {
        const mh = await loadCircuit(unitInstance("MarketSnapshotHash", "MarketSnapshotHash", { A }));
        const rh = await loadCircuit(unitInstance("RiskParamsHash", "RiskParamsHash", { A, K }));
        const m = market();
        const r = risk();
        const wm = await mh.accept({ price: m.price.map(s), scanRange: m.scanRange.map(s), volShock: m.volShock.map(s) });
        expect(wm[mh.index("main.hash")]).to.equal(marketHash(m));
        const wr = await rh.accept({
          haircut: r.haircut.map(s),
          debtAddOn: r.debtAddOn.map(s),
          moves: r.moves.map((row) => row.map(s)),
          volDirs: r.volDirs.map((row) => row.map(s)),
          weights: r.weights.map(s),
          grossCharge: s(r.grossCharge),
        });
        expect(wr[rh.index("main.hash")]).to.equal(riskParamsHash(r));
        expect(PARAMS_SPONGE_WIDTH).to.equal(8);
      });
    }
  });
});
