/**
 * The library templates on their own (each compiled as a tiny instance under build/unit_*): every bound passes at
 * its extreme and fails one past it, and the hashes agree with prover/hash.ts and prover/tree.ts.
 */
import { expect } from "chai";
import fc from "fast-check";
import { LEAF_SPONGE_WIDTH, PACK_WORD_BITS, PARAMS_SPONGE_WIDTH, packLayout, packWords, sponge, toField, type PackValue } from "../../prover/hash.ts";
import { contextHashOf, marketWords, riskParamsHash, riskWords } from "../../prover/commitments.ts";
import type { MarketSnapshot, RiskParams } from "../../prover/types.ts";
import { VenueTree, rootFromPath } from "../../prover/tree.ts";
import { loadCircuit, unitInstance, type CompiledCircuit } from "../helpers/witness.ts";
import { prodMarket, prodRisk, testMarket, testRisk, testRiskV1 } from "../fixtures/market.ts";
import { FIELD, modInverse } from "./helpers.ts";

const s = (x: bigint) => toField(x).toString();
/** Circuit inputs of MarketSnapshotHash / RiskParamsHash from the TypeScript values. */
const marketInput = (m: MarketSnapshot) => ({ price: m.price.map(s), scanRange: m.scanRange.map(s), volShock: m.volShock.map(s) });
const riskInput = (r: RiskParams) => ({
  haircut: r.haircut.map(s),
  debtAddOn: r.debtAddOn.map(s),
  factorLoading: r.factorLoading.map(s),
  residualLoading: r.residualLoading.map(s),
  residualColumn: r.residualColumn.map((c) => String(c)),
  grossCharge: s(r.grossCharge),
  basisCharge: r.basisCharge!.map(s),
  concentration: r.concentration!.map(s),
  shortOptionMin: r.shortOptionMin!.map(s),
  vegaGross: s(r.vegaGross!),
  noGammaGain: s(r.noGammaGain!),
  venueDefault: s(r.venueDefault!),
});

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
      // `in` public, as the asset index is bound in MarginProof (a private input of a lone template would be
      // substituted away by --O2 and every forged selector would "satisfy" it)
      c = await loadCircuit({ ...unitInstance("lib/OneHot", "OneHot", { N: 3 }, ["in"]), name: "unit_OneHot_3_public" });
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
    it("should not accept one bit at another position than the index (Check (3)), nor no bit at all (Check (2))", async () => {
      const w = await c.accept({ in: "1" });
      const moved = [...w];
      moved[c.index("main.out[1]")] = 0n;
      moved[c.index("main.out[0]")] = 1n; // Σ out = 1 still, but Σ i·out = 0 ≠ 1
      expect(c.violated(moved)).to.not.be.empty;
      const w0 = await c.accept({ in: "0" });
      const none = [...w0];
      none[c.index("main.out[0]")] = 0n; // Σ i·out = 0 = in still, but Σ out = 0: the holding would vanish
      expect(c.violated(none)).to.not.be.empty;
    });
    it("should not accept a fractional selector that sums to 1 and points at the index (Check (1), the booleans)", async () => {
      // out = (1 + t, −2t, t) has Σ out = 1 and Σ i·out = 0 = in for every t: only the booleanity of each out[i]
      // stops a prover from spreading one holding's exposure over several assets with weights of its choice
      const w = await c.accept({ in: "0" });
      const t = 5n;
      const forged = [...w];
      forged[c.index("main.out[0]")] = 1n + t;
      forged[c.index("main.out[1]")] = FIELD - 2n * t;
      forged[c.index("main.out[2]")] = t;
      expect(c.violated(forged)).to.not.be.empty;
    });
  });

  describe("# Sponge and MerkleRoot agree with prover/hash.ts and prover/tree.ts", () => {
    let sp: CompiledCircuit;
    let mr: CompiledCircuit;
    before(async () => {
      sp = await loadCircuit(unitInstance("lib/Sponge", "Sponge", { LEN: 24, WIDTH: LEAF_SPONGE_WIDTH }));
      mr = await loadCircuit(unitInstance("lib/MerkleRoot", "MerkleRoot", { D: 3 }));
    });
    it("should hash 24 fields like sponge() (the leaf's fallback beyond 16 inputs)", async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.bigInt({ min: 0n, max: FIELD - 1n }), { minLength: 24, maxLength: 24 }), async (fields) => {
          const w = await sp.accept({ in: fields.map(String) });
          expect(w[sp.index("main.out")]).to.equal(sponge(fields, LEAF_SPONGE_WIDTH));
        }),
        { numRuns: 10 },
      );
    });
    it("should compute the VenueTree root for every position digit at every level", async () => {
      // 64 leaves fill a depth-3 tree: indices 0, 21, 42, 63 have digits (0,0,0), (1,1,1), (2,2,2), (3,3,3), and the
      // others mix them, so every placement branch of every level is exercised
      const leaves = Array.from({ length: 64 }, (_, i) => BigInt(i * 7919 + 1));
      const tree = new VenueTree(3, leaves);
      for (const i of [0, 21, 42, 63, 6, 57, 27, 36]) {
        const p = tree.path(i);
        const w = await mr.accept({ leaf: String(p.leaf), index: String(i), siblings: p.siblings.map((l) => l.map(String)) });
        expect(w[mr.index("main.root")], `leaf ${i}`).to.equal(tree.root);
        expect(rootFromPath(p.leaf, i, p.siblings)).to.equal(tree.root);
      }
      // a partly empty tree: zero subtrees as siblings
      const sparse = new VenueTree(3, leaves.slice(0, 5));
      const p4 = sparse.path(4);
      const w = await mr.accept({ leaf: String(p4.leaf), index: "4", siblings: p4.siblings.map((l) => l.map(String)) });
      expect(w[mr.index("main.root")]).to.equal(sparse.root);
      // an index of 4^D would alias position 0: it has no witness
      const p0 = tree.path(0);
      expect(await mr.accepts({ leaf: String(p0.leaf), index: "64", siblings: p0.siblings.map((l) => l.map(String)) })).to.equal(false);
    });

    it("should break on a witness whose leaf alone is changed (the path is hashed from the leaf, not free)", async () => {
      // An honest witness for leaf 21, then only the leaf input changed: the root output still says the tree's root, so
      // every constraint from the leaf to the root must be there to refuse it (check (2): a free assignment anywhere on
      // the path would let another leaf claim the root).
      const tree = new VenueTree(3, Array.from({ length: 64 }, (_, i) => BigInt(i * 7919 + 1)));
      const p = tree.path(21);
      const w = await mr.accept({ leaf: String(p.leaf), index: "21", siblings: p.siblings.map((l) => l.map(String)) });
      expect(mr.violated(w)).to.be.empty;
      // forged() skips a name --O2 eliminated: on a mutant whose leaf is in no constraint the witness then stays the
      // honest one, which such a mutant accepts for any leaf (the test fails on the forgery, not on the lookup)
      const t = mr.forged(w, { "main.leaf": p.leaf + 1n });
      expect(t[mr.index("main.root")]).to.equal(tree.root);
      expect(mr.violated(t)).to.not.be.empty;
    });

    it("should reject a position that is not a bit of the index (a fractional bit hashes a foreign leaf into real children)", async () => {
      // Check (1) makes the placement bits the index's bits. Were they free field elements, the placement products of
      // check (2) would mix leaf and siblings linearly: at level 0 with bit b1 = 0 the children are
      //   c0 = s0 + (1 − b0)(n − s0), c1 = s0 + b0(n − s0), c2 = s1, c3 = s2,
      // so for ANY leaf n, s0 = x0 + x1 − n and b0 = (n − x0)/(2n − x0 − x1) give the real children (x0, x1, x2, x3):
      // a leaf that is in no tree would claim the root. The forged witness below does exactly that (the index and its
      // recomposition kept honest, only the position bit, the leaf, the first sibling and t[0] = b0(n − s0) rewritten).
      const leaves = Array.from({ length: 64 }, (_, i) => BigInt(i * 7919 + 1));
      const tree = new VenueTree(3, leaves);
      const p = tree.path(21); // level-0 digit 1: b0 = 1, b1 = 0
      const w = await mr.accept({ leaf: String(p.leaf), index: "21", siblings: p.siblings.map((l) => l.map(String)) });
      const [x0, x1, x2, x3] = leaves.slice(20, 24);
      const n = 424_242n; // no leaf of the tree
      expect(leaves).to.not.include(n);
      const f = (x: bigint) => toField(x);
      const s0 = f(x0 + x1 - n);
      const b0 = f((n - x0) * modInverse(f(2n * n - x0 - x1)));
      expect(b0 === 0n || b0 === 1n).to.equal(false);
      // the forged placement really yields the honest children (so every hash above level 0 is unchanged)
      const c0 = f(s0 + (1n - b0) * (n - s0));
      const t = f(b0 * (n - s0));
      const c1 = f(s0 + t);
      expect([c0, c1, f(n + s0 + x2 + x3 - c0 - c1 - x3), x3]).to.deep.equal([x0, x1, x2, x3]);
      expect(w[mr.index("main.c0[0]")]).to.equal(x0);
      expect(w[mr.index("main.c1[0]")]).to.equal(x1);
      const forged = mr.forged(w, { "main.leaf": n, "main.siblings[0][0]": s0, "main.bits[0]": b0, "main.t[0]": t });
      expect(forged[mr.index("main.root")]).to.equal(tree.root);
      expect(mr.violated(forged)).to.not.be.empty;
    });

    it("should not accept a leaf at another position than its index says, nor swapped siblings", async () => {
      const leaves = Array.from({ length: 64 }, (_, i) => BigInt(i * 7919 + 1));
      const tree = new VenueTree(3, leaves);
      const p = tree.path(21);
      const sib = p.siblings.map((l) => l.map(String));
      for (const index of ["20", "22", "23", "17", "25", "5", "37"]) {
        expect(await mr.accepts({ leaf: String(p.leaf), index, siblings: sib }), `index ${index}`).to.equal(true);
        const w = await mr.accept({ leaf: String(p.leaf), index, siblings: sib });
        expect(w[mr.index("main.root")], `index ${index}`).to.not.equal(tree.root);
      }
      const swapped = sib.map((l, k) => (k === 1 ? [l[1], l[0], l[2]] : l));
      const w = await mr.accept({ leaf: String(p.leaf), index: "21", siblings: swapped });
      expect(w[mr.index("main.root")]).to.not.equal(tree.root);
    });
  });

  describe("# word packing (prover/hash.ts packWords, mirrored by lib/Pack.circom and lib/WordPacker.sol)", () => {
    it("should lay values out greedily, little-endian, never straddling a word", () => {
      expect(packLayout([200, 48, 1, 247, 248, 1])).to.deep.equal([
        { word: 0, shift: 0 },
        { word: 0, shift: 200 },
        { word: 1, shift: 0 },
        { word: 1, shift: 1 },
        { word: 2, shift: 0 },
        { word: 3, shift: 0 },
      ]);
      expect(() => packLayout([249])).to.throw(RangeError, /width 249/);
    });
    it("should pack the test market into 2 words and the test risk params into 2, with the documented offsets", () => {
      const m = testMarket();
      const w = marketWords(m);
      expect(w).to.have.length(2);
      // word 0: P0, P1, P2 (64 bits each) then S0, S1 (20 bits each) = 232 bits; word 1: S2, Σ0, Σ1, Σ2.
      expect(w[0]).to.equal(m.price[0] + (m.price[1] << 64n) + (m.price[2] << 128n) + (m.scanRange[0] << 192n) + (m.scanRange[1] << 212n));
      expect(w[1]).to.equal(m.scanRange[2] + (m.volShock[0] << 20n) + (m.volShock[1] << 40n) + (m.volShock[2] << 60n));
      const r = testRiskV1();
      const rw = riskWords(r);
      expect(rw).to.have.length(2);
      // word 0: H, B, ρ (3 × 20 bits each) = 180 bits, r + 1e6 (3 × 21) from bit 180, c (3 × 1 bit, K = 4) from bit 243
      expect((rw[0] >> 120n) & ((1n << 20n) - 1n)).to.equal(r.factorLoading[0]);
      expect((rw[0] >> 201n) & ((1n << 21n) - 1n)).to.equal(r.residualLoading[1] + 1_000_000n);
      expect((rw[0] >> 222n) & ((1n << 21n) - 1n)).to.equal(r.residualLoading[2] + 1_000_000n); // r = −0.5e6
      expect(rw[0] >> 243n).to.equal(0b111n); // every residual column is 1
      // word 1: grossCharge (G does not fit 246 + 20 > 248)
      expect(rw[1]).to.equal(r.grossCharge);
      // model v2 params continue word 1 with b (3 × 20), c (3 × 20), m (3 × 22) from bit 20, ω at 206, the flag at 226,
      // δ at 227 (247 bits in all)
      const v2 = testRisk();
      const w2 = riskWords(v2);
      expect(w2).to.have.length(2);
      expect((w2[1] >> 20n) & ((1n << 20n) - 1n)).to.equal(v2.basisCharge![0]);
      expect((w2[1] >> 140n) & ((1n << 22n) - 1n)).to.equal(v2.shortOptionMin![0]);
      expect(w2[1] >> 206n).to.equal(v2.vegaGross! + (v2.noGammaGain! << 20n) + (v2.venueDefault! << 21n));
      // prod (A = 8, K = 16: c has 3 bits): 6 words, one Poseidon(8) permutation in the sponge
      expect(riskWords(prodRisk())).to.have.length(6);
    });
    it("should name the field of a value out of its range", () => {
      const m = testMarket();
      expect(() => marketWords({ ...m, price: [m.price[0], 1n << 64n, m.price[2]] })).to.throw(RangeError, /^price\[1\]: /);
      expect(() => marketWords({ ...m, volShock: [0n, 0n, -1n] })).to.throw(RangeError, /^volShock\[2\]: /);
      const r = testRisk();
      expect(() => riskWords({ ...r, factorLoading: [0n, 1_000_001n, 0n] })).to.throw(RangeError, /^factorLoading\[1\]: 1000001 is outside/);
      expect(() => riskWords({ ...r, residualLoading: [0n, 0n, -1_000_001n] })).to.throw(RangeError, /^residualLoading\[2\]: -1000001 is outside/);
      expect(() => riskWords({ ...r, residualColumn: [1, 2, 1] })).to.throw(RangeError, /^residualColumn\[1\]: 2 is outside \[0, 1\]/);
      expect(() => riskWords({ ...r, scenarios: 6 })).to.throw(RangeError, /^scenarios: 6 is not a scenario count/);
      expect(() => riskWords({ ...r, grossCharge: 1_000_001n })).to.throw(RangeError, /^grossCharge: /);
    });
    it("should be injective: every value reads back from its bit field (property)", () => {
      const value = fc.record({ width: fc.integer({ min: 1, max: PACK_WORD_BITS }), min: fc.bigInt({ min: -(1n << 30n), max: 1n << 30n }) }).chain(({ width, min }) =>
        fc.bigInt({ min, max: min + (1n << BigInt(width)) - 1n }).map((v): PackValue => ({ field: "x", value: v, min, max: min + (1n << BigInt(width)) - 1n, width })),
      );
      fc.assert(
        fc.property(fc.array(value, { minLength: 1, maxLength: 40 }), (values) => {
          const words = packWords(values);
          const layout = packLayout(values.map((v) => v.width));
          for (const w of words) expect(w < 1n << BigInt(PACK_WORD_BITS)).to.equal(true);
          values.forEach((v, i) => {
            const { word, shift } = layout[i];
            expect(((words[word] >> BigInt(shift)) & ((1n << BigInt(v.width)) - 1n)) + v.min).to.equal(v.value);
          });
        }),
        { numRuns: Number(process.env.PROP_RUNS ?? 100) },
      );
    });
  });

  describe("# market words, risk and context hashes agree with prover/commitments.ts (the contracts' definitions)", () => {
    // The production-sized templates take ~30 s to compile: they run with the production instance (npm run test:prod
    // sets ZKMARGIN_PROD_TESTS=1 and runs --grep @prod-circuit) and in the larger run (PROP_RUNS set, test:props).
    const large = process.env.PROP_RUNS !== undefined || process.env.ZKMARGIN_PROD_TESTS === "1";
    const contextInput = (epoch: bigint, m: MarketSnapshot, r: RiskParams) => ({ epoch: s(epoch), ...marketInput(m), ...riskInput(r) });
    for (const [label, A, K, market, risk] of [
      ["test instance", 3, 4, testMarket, testRisk],
      ["production instance", 8, 16, prodMarket, prodRisk],
    ] as const) {
      const title = `should compute the ${label} market words, risk params hash and context hash identically`;
      if (A !== 3 && !large) continue;
      it(A === 3 ? title : `${title} @props @prod-circuit`, async () => {
        const mw = await loadCircuit(unitInstance("MarketWords", "MarketWords", { A }));
        const rh = await loadCircuit(unitInstance("RiskParamsHash", "RiskParamsHash", { A, K }));
        const ch = await loadCircuit(unitInstance("ContextHash", "ContextHash", { A, K }));
        const m = market();
        const r = risk();
        const wm = await mw.accept(marketInput(m));
        expect(marketWords(m).map((_, i) => wm[mw.index(`main.words[${i}]`)])).to.deep.equal(marketWords(m));
        const wr = await rh.accept(riskInput(r));
        expect(wr[rh.index("main.hash")]).to.equal(riskParamsHash(r));
        // the bits of each residual column, least significant first (what PortfolioMargin's sign design reads)
        r.residualColumn.forEach((c, a) => {
          for (let j = 0; j < Math.log2(K / 2); j++) expect(wr[rh.index(`main.residualColumnBits[${a}][${j}]`)], `c[${a}] bit ${j}`).to.equal(BigInt((c >> j) & 1));
        });
        for (const epoch of [0n, 42n, (1n << 64n) - 1n]) {
          const wc = await ch.accept(contextInput(epoch, m, r));
          expect(wc[ch.index("main.hash")]).to.equal(contextHashOf(epoch, m, r));
        }
        expect(PARAMS_SPONGE_WIDTH).to.equal(8);
      });
    }

    it("should not let the residual column bits differ from the hashed column (the sign design would read a column governance did not set)", async () => {
      // RiskParamsHash Check (2): residualColumnBits[a] are Num2Bits' bits of the hashed column c[a], and PortfolioMargin's
      // sign design reads the bits, not c. The forged witness: the honest one with one asset's bit flipped (c = 1 read
      // as column 0), the hash unchanged. Were the bits only assigned from Num2Bits, the margin would charge the
      // residual risk of a scenario column the hashed (governance-set) parameters do not name.
      const rh = await loadCircuit(unitInstance("RiskParamsHash", "RiskParamsHash", { A: 3, K: 4 }));
      const r = testRisk();
      const w = await rh.accept(riskInput(r));
      expect(w[rh.index("main.residualColumnBits[0][0]")]).to.equal(BigInt(r.residualColumn[0] & 1));
      for (const a of [0, 2]) {
        const forged = rh.forged(w, { [`main.residualColumnBits[${a}][0]`]: 1n - BigInt(r.residualColumn[a] & 1) });
        expect(forged[rh.index("main.hash")]).to.equal(riskParamsHash(r));
        expect(rh.violated(forged), `asset ${a}`).to.not.be.empty;
      }
    });

    it("should reject a context hash that is not the sponge of its own epoch, market and risk params (a stale context claimed for another epoch)", async () => {
      // Check (3): the output is the sponge of [epoch, riskHash, words…]. A forged witness that keeps every wire of
      // epoch 7's context but claims epoch 8's hash must fail: else a proof over one market snapshot (and one set of
      // risk parameters) would verify against the public context of any other epoch, market or parameter version.
      const ch = await loadCircuit(unitInstance("ContextHash", "ContextHash", { A: 3, K: 4 }));
      const m = testMarket();
      const r = testRisk();
      const w = await ch.accept(contextInput(7n, m, r));
      expect(w[ch.index("main.hash")]).to.equal(contextHashOf(7n, m, r));
      for (const [label, other] of [
        ["the next epoch", contextHashOf(8n, m, r)],
        ["another price", contextHashOf(7n, { ...m, price: [m.price[0] + 1n, m.price[1], m.price[2]] }, r)],
      ] as const) {
        const forged = ch.forged(w, { "main.hash": other });
        expect(ch.violated(forged), label).to.not.be.empty;
      }
      // and the other way round: epoch 8 in the witness, epoch 7's hash out (the epoch is bound into the sponge)
      expect(ch.index("main.epoch")).to.be.above(0);
      expect(ch.violated(ch.forged(w, { "main.epoch": 8n })), "the epoch").to.not.be.empty;
    });

    it("should not let the context hash a risk parameter other than the one the circuit uses (its inputs bound to RiskParamsHash's)", async () => {
      // ContextHash Check (2): its risk inputs (which MarginProof also feeds to PortfolioMargin) are RiskParamsHash's
      // inputs. A forged witness that keeps every wire of the honest one but changes one risk input alone (a haircut
      // of 0, no default charge) must fail: else a proof would be priced with parameters the
      // public context hash does not commit to. (A name --O2 eliminated is skipped by forged(): a mutant in which the
      // input is in no constraint then accepts the honest witness whatever the input says. Not the residual columns:
      // at K = 4 a column is one bit, and --O2 keeps it only as RiskParamsHash's bit output, tested above.)
      const ch = await loadCircuit(unitInstance("ContextHash", "ContextHash", { A: 3, K: 4 }));
      const r = testRisk();
      const w = await ch.accept(contextInput(7n, testMarket(), r));
      expect([r.haircut[0], r.venueDefault]).to.not.include(0n);
      for (const [name, value] of [
        ["main.haircut[0]", 0n],
        ["main.venueDefault", 0n],
      ] as const) {
        const forged = ch.forged(w, { [name]: value });
        expect(forged[ch.index("main.hash")]).to.equal(w[ch.index("main.hash")]);
        expect(ch.violated(forged), name).to.not.be.empty;
      }
    });

    it("should agree at the extremes of every packed range (top bits of every field set)", async () => {
      const ch = await loadCircuit(unitInstance("ContextHash", "ContextHash", { A: 3, K: 4 }));
      const top = (1n << 64n) - 1n;
      const markets: MarketSnapshot[] = [
        { price: [top, top, top], scanRange: [1_000_000n, 1_000_000n, 1_000_000n], volShock: [1_000_000n, 1_000_000n, 1_000_000n] },
        { price: [0n, top, 1n], scanRange: [0n, 1_000_000n, 0n], volShock: [1_000_000n, 0n, 1n] },
      ];
      const v2Top = { basisCharge: [1_000_000n, 1_000_000n, 1_000_000n], concentration: [(1n << 20n) - 1n, (1n << 20n) - 1n, (1n << 20n) - 1n], shortOptionMin: [3_000_000n, 3_000_000n, 3_000_000n], vegaGross: 1_000_000n, noGammaGain: 1n, venueDefault: 1_000_000n };
      const zero = { basisCharge: [0n, 0n, 0n], concentration: [0n, 0n, 0n], shortOptionMin: [0n, 0n, 0n], vegaGross: 0n, noGammaGain: 0n, venueDefault: 0n };
      const mixed = { basisCharge: [1n, 0n, 1_000_000n], concentration: [0n, (1n << 20n) - 1n, 5n], shortOptionMin: [3_000_000n, 0n, 1n], vegaGross: 999_999n, noGammaGain: 1n, venueDefault: 1n };
      const risks: RiskParams[] = [
        { haircut: [1_000_000n, 1_000_000n, 1_000_000n], debtAddOn: [1_000_000n, 1_000_000n, 1_000_000n], scenarios: 4, factorLoading: [1_000_000n, 1_000_000n, 1_000_000n], residualLoading: [1_000_000n, 1_000_000n, 1_000_000n], residualColumn: [1, 1, 1], grossCharge: 1_000_000n, ...v2Top },
        { haircut: [0n, 0n, 0n], debtAddOn: [0n, 0n, 0n], scenarios: 4, factorLoading: [0n, 0n, 0n], residualLoading: [-1_000_000n, -1_000_000n, -1_000_000n], residualColumn: [1, 1, 1], grossCharge: 0n, ...zero },
        { haircut: [1n, 0n, 1_000_000n], debtAddOn: [0n, 1_000_000n, 7n], scenarios: 4, factorLoading: [1_000_000n, 0n, 1n], residualLoading: [0n, -1n, 999_999n], residualColumn: [1, 1, 1], grossCharge: 1_000_000n, ...mixed },
      ];
      for (const m of markets) {
        for (const r of risks) {
          const wc = await ch.accept(contextInput(7n, m, r));
          expect(wc[ch.index("main.hash")]).to.equal(contextHashOf(7n, m, r));
        }
      }
    });
  });
});
