/**
 * The TypeScript definition of docs/DESIGN.md §4 (prover/commitments.ts, prover/tree.ts, prover/publicSignals.ts)
 * against answers worked out independently: packed words rebuilt bit by bit from the layout the design states,
 * hashes recomputed with poseidon-lite's fixed-arity functions, tree roots assembled node by node. The pinned hex
 * vectors at the end are what the venue kit's fast hasher and the contracts' context hash are tested against.
 */
import { expect } from "chai";
import { poseidon2, poseidon4, poseidon6, poseidon8 } from "poseidon-lite";
import {
  accountLeaf,
  accountLeafOf,
  assetBits,
  bookNullifier,
  contextHash,
  contextHashOf,
  holdingPackWidths,
  holdingWordCount,
  holdingWords,
  marketWords,
  ownerHash,
  packTail,
  riskParamsHash,
  tailWordCount,
  unpackTail,
} from "../../prover/commitments.ts";
import { LEAF_SPONGE_WIDTH, sponge } from "../../prover/hash.ts";
import { flattenPublicInputs, parsePublicSignals, publicSignalCount, publicSignalNames, type PublicInputs } from "../../prover/publicSignals.ts";
import { VenueTree, rootFromPath, treeCapacity, zeroHashes } from "../../prover/tree.ts";
import { Kind, type Holding } from "../../prover/types.ts";
import { BTC_ATM_CALL, option, perp, spot, testMarket, testRisk, TEST_ASSETS } from "../fixtures/market.ts";

const T63 = 1n << 63n;
const T31 = 1n << 31n;
const hex = (x: bigint) => `0x${x.toString(16).padStart(64, "0")}`;

describe("commitments v2 (prover/commitments.ts, docs/DESIGN.md §4)", () => {
  describe("# holding words", () => {
    it("should give the asset ⌈log2 A⌉ bits, at least 1", () => {
      expect([1, 2, 3, 4, 5, 8, 9, 16, 17].map(assetBits)).to.deep.equal([1, 1, 2, 2, 3, 3, 4, 4, 5]);
      expect(holdingPackWidths(8)).to.deep.equal([3, 2, 64, 64, 32, 64, 64]);
      expect(() => assetBits(0)).to.throw(RangeError, /^A: /);
    });

    it("should use W = 4 words for N = A = 3 and W = 11 for N = A = 8 (at most three 64-bit values per word)", () => {
      expect(holdingWordCount({ N: 3, A: 3 })).to.equal(4);
      expect(holdingWordCount({ N: 8, A: 8 })).to.equal(11);
      expect(holdingWordCount({ N: 1, A: 1 })).to.equal(2);
    });

    it("should pack the test layout bit by bit (N = 3, A = 3)", () => {
      // Layout of N = 3 holdings of widths [2, 2, 64, 64, 32, 64, 64] (292 bits each), greedy into 248-bit words:
      //   word 0: a0@0 k0@2 s0@4 p0@68 d0@132 g0@164           (228 bits; v0 does not fit)
      //   word 1: v0@0 a1@64 k1@66 s1@68 p1@132 d1@196          (228; g1 does not fit)
      //   word 2: g1@0 v1@64 a2@128 k2@130 s2@132               (196; p2 does not fit)
      //   word 3: p2@0 d2@64 g2@96 v2@160                       (224)
      const { ETH, BTC } = TEST_ASSETS;
      const h: Holding[] = [perp(ETH, "-10", "3020"), option(BTC, "2", BTC_ATM_CALL)];
      const v = h.map((x) => ({ a: BigInt(x.asset), k: BigInt(x.kind), s: x.size + T63, p: x.entryPrice + x.mark, d: x.delta + T31, g: x.gamma + T63, vv: x.vega + T63 }));
      const e = { a: 0n, k: 0n, s: T63, p: 0n, d: T31, g: T63, vv: T63 }; // the padding holding
      const [x, y, z] = [v[0], v[1], e];
      const expected = [
        x.a + (x.k << 2n) + (x.s << 4n) + (x.p << 68n) + (x.d << 132n) + (x.g << 164n),
        x.vv + (y.a << 64n) + (y.k << 66n) + (y.s << 68n) + (y.p << 132n) + (y.d << 196n),
        y.g + (y.vv << 64n) + (z.a << 128n) + (z.k << 130n) + (z.s << 132n),
        z.p + (z.d << 64n) + (z.g << 96n) + (z.vv << 160n),
      ];
      expect(holdingWords(h, { N: 3, A: 3 })).to.deep.equal(expected);
    });

    it("should put entryPrice or mark in one 64-bit field and reject a holding the circuit would reject", () => {
      const dims = { N: 1, A: 3 };
      const [w0] = holdingWords([perp(1, "1", "3000")], dims);
      expect((w0 >> 68n) & ((1n << 64n) - 1n)).to.equal(3000_00000000n);
      const [o0] = holdingWords([option(2, "1", BTC_ATM_CALL)], dims);
      expect((o0 >> 68n) & ((1n << 64n) - 1n)).to.equal(4128_00000000n);
      expect(() => holdingWords([{ ...spot(0, "1"), mark: 1n }], dims)).to.throw(RangeError, /^holdings\[0\]\.mark: must be 0/);
      expect(() => holdingWords([{ ...spot(3, "1") }], dims)).to.throw(RangeError, /^holdings\[0\]\.asset: /);
      expect(() => holdingWords([{ ...spot(0, "1"), size: T63 }], dims)).to.throw(RangeError, /^holdings\[0\]\.size: /);
      expect(() => holdingWords([{ ...spot(0, "1"), delta: T31 }], dims)).to.throw(RangeError, /^holdings\[0\]\.delta: /);
      expect(() => holdingWords([spot(0, "1"), spot(0, "1")], dims)).to.throw(RangeError, /N=1/);
    });

    it("should distinguish holdings that differ in any one value (the packing is injective)", () => {
      const dims = { N: 3, A: 3 };
      const base: Holding = { asset: 2, kind: Kind.Option, size: -5n, entryPrice: 0n, mark: 7n, delta: -3n, gamma: 11n, vega: -13n };
      const seen = new Set<string>();
      const variants: Holding[] = [base, { ...base, asset: 1 }, { ...base, kind: Kind.Linear, mark: 0n, entryPrice: 7n }, { ...base, size: -4n }, { ...base, mark: 8n }, { ...base, delta: -2n }, { ...base, gamma: 12n }, { ...base, vega: -12n }];
      for (const h of variants) seen.add(holdingWords([spot(0, "1"), h], dims).join(","));
      expect(seen.size).to.equal(variants.length);
    });
  });

  describe("# leaf, owner, book nullifier", () => {
    it("should hash the leaf as one Poseidon(owner, venueId, words…) while 2 + W ≤ 16", () => {
      const owner = ownerHash(5n, 6n);
      expect(owner).to.equal(poseidon2([5n, 6n]));
      const words = holdingWords([spot(0, "100")], { N: 3, A: 3 });
      expect(accountLeaf(owner, 9n, words)).to.equal(poseidon6([owner, 9n, ...words]));
      expect(accountLeafOf(owner, 9n, [spot(0, "100")], { N: 3, A: 3 })).to.equal(poseidon6([owner, 9n, ...words]));
    });

    it("should fall back to a Poseidon(16)-sponge beyond 16 inputs", () => {
      const words = Array.from({ length: 15 }, (_, i) => BigInt(i + 1));
      expect(accountLeaf(1n, 2n, words)).to.equal(sponge([1n, 2n, ...words], LEAF_SPONGE_WIDTH));
    });

    it("should derive the book nullifier from the secret and the domain only", () => {
      expect(bookNullifier(77n, 88n)).to.equal(poseidon2([77n, 88n]));
      expect(bookNullifier(77n, 89n)).to.not.equal(bookNullifier(77n, 88n));
    });
  });

  describe("# context hash", () => {
    it("should be the Poseidon(8)-sponge of [epoch, riskParamsHash, marketWords…]", () => {
      const m = testMarket();
      const r = testRisk();
      const mw = marketWords(m);
      const rph = riskParamsHash(r);
      expect(mw).to.have.length(2);
      // one call: [length 4, epoch, rph, w0, w1, 0, 0, 0]
      expect(contextHash(42n, rph, mw)).to.equal(poseidon8([4n, 42n, rph, mw[0], mw[1], 0n, 0n, 0n]));
      expect(contextHashOf(42n, m, r)).to.equal(contextHash(42n, rph, mw));
      expect(contextHashOf(43n, m, r)).to.not.equal(contextHashOf(42n, m, r));
    });

    it("should take a uint64 epoch only", () => {
      const max = (1n << 64n) - 1n;
      expect(() => contextHash(max, 1n, [2n])).to.not.throw();
      expect(() => contextHash(max + 1n, 1n, [2n])).to.throw(RangeError, /^epoch: /);
      expect(() => contextHash(-1n, 1n, [2n])).to.throw(RangeError, /^epoch: /);
    });
  });

  describe("# tail", () => {
    it("should pack minExcess then the venue ids into one word while V ≤ 4", () => {
      expect([1, 2, 3, 4, 5].map(tailWordCount)).to.deep.equal([1, 1, 1, 1, 2]);
      const ids = [3n, 70000n, (1n << 32n) - 1n, 0n];
      const x = (1n << 112n) - 1n;
      expect(packTail(x, ids)).to.deep.equal([x + (ids[0] << 112n) + (ids[1] << 144n) + (ids[2] << 176n)]);
      expect(unpackTail(packTail(x, ids), 4)).to.deep.equal({ minExcess: x, venueIds: ids });
    });

    it("should reject values out of range and a tail that is not exactly a packing", () => {
      expect(() => packTail(1n << 112n, [1n])).to.throw(RangeError, /^minExcess: /);
      expect(() => packTail(0n, [1n, 1n << 32n])).to.throw(RangeError, /^venueIds\[1\]: /);
      const [t] = packTail(5n, [1n, 2n, 3n]);
      expect(() => unpackTail([t + (1n << 208n)], 3)).to.throw(RangeError, /^tail\[0\]: /);
      expect(() => unpackTail([t, 0n], 3)).to.throw(RangeError, /1 words|expected 1/);
    });
  });

  describe("# public signals", () => {
    const named = (V: number): PublicInputs => ({
      subject: 0xabcn,
      domain: 0xd0n,
      contextHash: 0xc0n,
      venueRoots: Array.from({ length: V }, (_, i) => (i === V - 1 ? 0n : BigInt(100 + i))),
      bookNullifier: 0xb00cn,
      minExcess: 12345n,
      venueIds: Array.from({ length: V }, (_, i) => (i === V - 1 ? 0n : BigInt(i + 1))),
    });

    it("should order subject, domain, contextHash, venueRoots, bookNullifier, tail", () => {
      expect(publicSignalNames(3)).to.deep.equal(["subject", "domain", "contextHash", "venueRoots[0]", "venueRoots[1]", "venueRoots[2]", "bookNullifier", "tail[0]"]);
      expect(publicSignalCount(3)).to.equal(8);
      expect(publicSignalCount(4)).to.equal(9);
      const p = named(3);
      expect(flattenPublicInputs(p)).to.deep.equal([0xabcn, 0xd0n, 0xc0n, 100n, 101n, 0n, 0xb00cn, 12345n + (1n << 112n) + (2n << 144n)]);
    });

    it("should round-trip and reject a wrong count", () => {
      for (const V of [1, 3, 4, 5]) {
        const flat = flattenPublicInputs(named(V));
        expect(flat).to.have.length(publicSignalCount(V));
        expect(parsePublicSignals(flat.map(String), V)).to.deep.equal(named(V));
      }
      expect(() => parsePublicSignals(flattenPublicInputs(named(3)).slice(1), 3)).to.throw(RangeError, /expected 8 values for V=3/);
    });
  });

  describe("# arity-4 account tree (prover/tree.ts)", () => {
    it("should have z_0 = 0 and z_{h+1} = Poseidon(z_h ×4) as the empty roots", () => {
      const z = zeroHashes(3);
      expect(z[0]).to.equal(0n);
      expect(z[1]).to.equal(poseidon4([0n, 0n, 0n, 0n]));
      expect(z[3]).to.equal(poseidon4([z[2], z[2], z[2], z[2]]));
      expect(new VenueTree(3).root).to.equal(z[3]);
      expect(treeCapacity(7)).to.equal(16_384);
      expect(treeCapacity(10)).to.equal(1 << 20);
    });

    it("should build roots node by node and lay each path out as 3 siblings in position order", () => {
      const l = Array.from({ length: 7 }, (_, i) => BigInt(1000 + i));
      const z = zeroHashes(2);
      const n0 = poseidon4([l[0], l[1], l[2], l[3]]);
      const n1 = poseidon4([l[4], l[5], l[6], 0n]);
      const root = poseidon4([n0, n1, z[1], z[1]]);
      const tree = new VenueTree(2, l);
      expect(tree.root).to.equal(root);
      // index 6 = digits (2, 1): position 2 among [l4, l5, _, 0], then position 1 among [n0, _, z1, z1]
      const p = tree.path(6);
      expect(p.siblings).to.deep.equal([
        [l[4], l[5], 0n],
        [n0, z[1], z[1]],
      ]);
      for (let i = 0; i < l.length; i++) expect(rootFromPath(l[i], i, tree.path(i).siblings), `leaf ${i}`).to.equal(root);
    });

    it("should update incrementally to the rebuilt root", () => {
      const leaves = Array.from({ length: 37 }, (_, i) => BigInt(i * 31 + 7));
      const tree = new VenueTree(4, leaves);
      tree.update(17, 999n);
      tree.insert(5n);
      const again = [...leaves, 5n];
      again[17] = 999n;
      expect(tree.root).to.equal(new VenueTree(4, again).root);
    });

    it("should reject malformed paths and depths", () => {
      const tree = new VenueTree(2, [1n, 2n]);
      const { siblings } = tree.path(1);
      expect(() => rootFromPath(2n, 16, siblings)).to.throw(RangeError, /outside \[0, 4\^2\)/);
      expect(() => rootFromPath(2n, 1, [siblings[0].slice(0, 2), siblings[1]])).to.throw(RangeError, /^siblings\[0\]: 2 siblings/);
      expect(() => new VenueTree(0)).to.throw(RangeError);
      expect(() => new VenueTree(17)).to.throw(RangeError);
    });
  });

  describe("# pinned vectors (other implementations are tested against these)", () => {
    // If a definition changes on purpose, these change with it in the same commit (and docs/DESIGN.md §4).
    it("should reproduce the pinned leaf, root, nullifier and context hash", () => {
      const owner = ownerHash(0x1234n, 0x5678n);
      const holdings = [spot(0, "6000"), perp(1, "10", "2950"), option(2, "-2", BTC_ATM_CALL)];
      const words = holdingWords(holdings, { N: 3, A: 3 });
      const leaf = accountLeaf(owner, 11n, words);
      const tree = new VenueTree(7, [1n, 2n, 3n, leaf]);
      const prodWords = holdingWords(holdings, { N: 8, A: 8 });
      const vectors = {
        owner: hex(owner),
        words: words.map(hex),
        leaf: hex(leaf),
        root7: hex(tree.root),
        prodLeaf: hex(accountLeaf(owner, 11n, prodWords)),
        bookNullifier: hex(bookNullifier(0x1234n, 0xd0d0n)),
        // independent of the market and risk layouts (those belong to the risk model): two market words
        context: hex(contextHash(42n, 0x1234n, [5n, 6n])),
      };
      expect(vectors).to.deep.equal(PINNED);
    });
  });
});

const PINNED = {
  owner: "0x0176de115e7f0695841eb56d9dead6a22c6514faedfb4818bcb549c6bccb7fa1",
  words: [
    "0x000000080000000000000008000000000000000000000008000008bb2c970000",
    "0x00000008000000000000044af5ec600800000003b9aca0058000000000000000",
    "0x0000000000000007ffffffff4143e00a80000000000000008000000000000000",
    "0x000000008000009fd0a0d00080000ca900a7c00083197500000000601ccc2000",
  ],
  leaf: "0x1242f167a7c8b0ab36189a7d7e989695794c81767f29795f799e6bbb2efd3b45",
  root7: "0x1d3d3747f7409854f1dba87e890d109a071c7565aa1ce82de8d22c728188b138",
  prodLeaf: "0x03c694709416932a409930782e3bb7a5fd13ad4ee5d921a0c0f87b20c1b76c19",
  bookNullifier: "0x02b6641216b3d55921efb8bf008e8f92727a57a45ec01ff3dd203072c6caed81",
  context: "0x25bebe8733e13d7746e9873fdc21da251b7cdf50bfa544b6758cf0690cba6763",
};
