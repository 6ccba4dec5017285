/**
 * Model v2 (prover/model.ts): every new term disabled reproduces v1; each term moves the requirement in the expected
 * direction by the amount worked out by hand on a small book; the v2 validity rules reject what they should.
 */
import { expect } from "chai";
import fc from "fast-check";
import { evaluateMargin, evaluateMarginExact, withV2TermsOff } from "../../prover/model.ts";
import { riskParamsHash, riskWords } from "../../prover/commitments.ts";
import { parseRisk, toJsonValue } from "../../prover/statement.ts";
import type { RiskParams, RiskParamsV2 } from "../../prover/types.ts";
import { BTC_ATM_CALL, TEST_ASSETS, bookHoldings, btcShortCallBook, hedgedEthBook, option, perp, prodDeskBook, prodMarket, prodRisk, spot, testMarket, testRisk, testRiskV1, usd } from "../fixtures/market.ts";

const { USDC, ETH, BTC } = TEST_ASSETS;
const off = (): RiskParamsV2 => withV2TermsOff(testRiskV1());
const req = (book: Parameters<typeof evaluateMargin>[0], r: RiskParams) => evaluateMargin(book, testMarket(), r).requirement;

describe("model v2 (prover/model.ts)", () => {
  describe("# every v2 term off", () => {
    it("should give exactly v1's numbers on the fixture books", () => {
      for (const book of [hedgedEthBook(), btcShortCallBook()]) {
        const v1 = evaluateMarginExact(bookHoldings(book), testMarket(), testRiskV1());
        const v2 = evaluateMarginExact(book.map((v) => v.holdings), testMarket(), off());
        expect(v2.requirement).to.equal(v1.requirement);
        expect(v2.excess).to.equal(v1.excess);
        expect(v2.scenarioPnl).to.deep.equal(v1.scenarioPnl);
      }
      const { basisCharge, concentration, shortOptionMin, vegaGross, noGammaGain, venueDefault, ...prodV1 } = prodRisk();
      expect([basisCharge, concentration, shortOptionMin, vegaGross, noGammaGain, venueDefault].every((x) => x !== undefined)).to.equal(true);
      const d1 = evaluateMargin(bookHoldings(prodDeskBook()), prodMarket(), prodV1);
      const d2 = evaluateMargin(prodDeskBook().map((v) => v.holdings), prodMarket(), withV2TermsOff(prodRisk()));
      expect(d2.excess).to.equal(d1.excess);
      expect(d2.requirement).to.equal(d1.requirement);
    });

    it("should give v1's excess on random books (@props)", () => {
      const holding = fc.record({
        asset: fc.integer({ min: 0, max: 2 }),
        kind: fc.constantFrom(0, 1, 2),
        size: fc.bigInt({ min: -(10n ** 14n), max: 10n ** 14n }),
        entry: fc.bigInt({ min: 0n, max: 10n ** 13n }),
        delta: fc.bigInt({ min: -(10n ** 8n), max: 10n ** 8n }),
        gamma: fc.bigInt({ min: -(10n ** 14n), max: 10n ** 14n }),
        vega: fc.bigInt({ min: -(10n ** 13n), max: 10n ** 13n }),
      }).map((h) => ({ asset: h.asset, kind: h.kind as 0 | 1 | 2, size: h.size, entryPrice: h.kind === 1 ? h.entry : 0n, mark: h.kind === 2 ? h.entry : 0n, delta: h.delta, gamma: h.gamma, vega: h.vega }));
      fc.assert(
        fc.property(fc.array(fc.array(holding, { maxLength: 3 }), { minLength: 1, maxLength: 3 }), (venues) => {
          const v1 = evaluateMarginExact(venues.flat(), testMarket(), testRiskV1());
          const v2 = evaluateMarginExact(venues, testMarket(), off());
          return v1.excess === v2.excess && v1.requirement === v2.requirement;
        }),
        { numRuns: Number(process.env.PROP_RUNS ?? 200), seed: 11 },
      );
    });

    it("should keep the v1 hash layout for v1-shaped params and append the v2 fields otherwise", () => {
      // A = 3, K = 4: word 0 holds H, B, ρ (20 bits each), r + 1e6 (21), c (1): 246 bits; G starts word 1
      const v1 = riskWords(testRiskV1());
      const v2 = riskWords(off());
      expect(v1).to.have.length(2);
      expect(v2).to.have.length(2);
      expect(v2[0]).to.equal(v1[0]);
      expect(v1[1]).to.equal(testRiskV1().grossCharge);
      // the v2 fields follow G in word 1: all 0, they add no bit, so the words (and the hash) are v1's — the same
      // numbers; the circuit and RiskParams.sol only ever read the v2 layout
      expect(v2[1]).to.equal(v1[1]);
      const on = riskWords(testRisk());
      expect(on[0]).to.equal(v1[0]);
      expect(on[1] & ((1n << 20n) - 1n)).to.equal(testRisk().grossCharge);
      expect((on[1] >> 20n) & ((1n << 20n) - 1n)).to.equal(testRisk().basisCharge![0]);
      expect(riskParamsHash(testRisk())).to.not.equal(riskParamsHash(testRiskV1()));
    });
  });

  describe("# each term, by hand (test market: ETH $3,000 S 15% Σ 10 vol points, BTC $60,000 S 12%)", () => {
    const book = [[spot(USDC, "10000"), perp(ETH, "10", "3000")], [perp(ETH, "-10", "3000"), option(BTC, "-2", BTC_ATM_CALL)]];

    it("should add b·|size|·P per asset for the venue basis", () => {
      const r = { ...off(), basisCharge: [0n, 10_000n, 0n] }; // 1 % of ETH's gross $60,000
      expect(req(book, r) - req(book, off())).to.equal(usd("600"));
    });

    it("should grow the concentration charge with the square of the gross notional", () => {
      const r = { ...off(), concentration: [0n, 1000n, 0n] }; // 1000 ppm per $1M: $60,000 → 0.06 × 0.1 % × $60,000 = $3.60
      expect(req(book, r) - req(book, off())).to.equal(usd("3.6"));
      const big = [[perp(ETH, "100", "3000")], [perp(ETH, "-100", "3000")]];
      expect(req(big, r) - req(big, off())).to.equal(usd("360")); // 10× the size → 100× the charge
    });

    it("should charge short options m·S·P per unit", () => {
      const r = { ...off(), shortOptionMin: [0n, 0n, 500_000n] }; // 0.5 × 12 % × $60,000 × 2 = $7,200
      expect(req(book, r) - req(book, off())).to.equal(usd("7200"));
      const long = [[option(BTC, "2", BTC_ATM_CALL)]];
      expect(req(long, r)).to.equal(req(long, off())); // long options: no minimum
    });

    it("should charge vega gross, so that offsetting venue vegas do not net", () => {
      const r = { ...off(), vegaGross: 1_000_000n };
      const spread = [[option(BTC, "1", BTC_ATM_CALL)], [option(BTC, "-1", BTC_ATM_CALL)]];
      // 2 × 6,864 × 8 vol points = $1,098.24; v1's net vega is 0
      expect(req(spread, r) - req(spread, off())).to.equal(usd("1098.24"));
    });

    it("should not let positive gamma lower the requirement", () => {
      const fake = { ...BTC_ATM_CALL, cashGammaUsd: "100000000" }; // absurd long gamma
      const hedged = [[option(BTC, "-2", BTC_ATM_CALL)], [option(BTC, "1", fake)]];
      const onlyShort = [[option(BTC, "-2", BTC_ATM_CALL)], [option(BTC, "1", { ...fake, cashGammaUsd: "0" })]];
      const r = { ...off(), noGammaGain: 1n };
      expect(req(hedged, off())).to.be.lessThan(req(onlyShort, off())); // v1: the fake gamma helps
      expect(req(hedged, r)).to.equal(req(onlyShort, r)); // v2: it earns nothing
    });

    it("should charge δ of each venue's positive mark equity, without netting a venue's loss against another's gain", () => {
      const r = { ...off(), venueDefault: 100_000n }; // 10 %
      const a = [[spot(USDC, "10000")], [spot(USDC, "-4000")]];
      expect(req(a, r) - req(a, off())).to.equal(usd("1000")); // 10 % of +$10,000; the −$4,000 venue adds 0
      expect(req([a.flat()], r) - req([a.flat()], off())).to.equal(usd("600")); // one venue: 10 % of $6,000
    });

    it("should price a long/short pair of different assets through the correlation scenarios", () => {
      const pair = [[perp(ETH, "20", "3000"), perp(BTC, "-1.25", "60000")]]; // scan-range neutral: 20·3000·15% = 1.25·60000·12%
      // perfect correlation (ρ = 1, r = 0, v1's joint moves): the legs cancel, only the 0.5 % gross charge on $135,000
      const joint = { ...off(), factorLoading: [0n, 1_000_000n, 1_000_000n], residualLoading: [0n, 0n, 0n] };
      expect(req(pair, joint)).to.equal(usd("675"));
      // ρ 0.95 and r ±0.35 in the shared column: moves (1.3, 0.6), (0.6, 1.3), (−1.3, −0.6), (−0.6, −1.3)
      const corr = { ...off(), factorLoading: [0n, 950_000n, 950_000n], residualLoading: [0n, 350_000n, -350_000n] };
      // exposures are $9,000 per scan range each; scenario (0.6, 1.3): 0.6·9,000 − 1.3·9,000 = −$6,300, + gross $675
      expect(req(pair, corr)).to.equal(usd("6975"));
    });
  });

  describe("# v2 validity rules and bad params", () => {
    it("should reject an option with |delta| > 1 under v2 only", () => {
      const h = [[option(BTC, "1", { ...BTC_ATM_CALL, delta: "1.5" })]];
      expect(() => evaluateMargin(h.flat(), testMarket(), testRiskV1())).to.not.throw();
      expect(() => evaluateMargin(h, testMarket(), off())).to.throw(RangeError, /^holdings\[0\]\[0\]\.delta: .*\|delta\| ≤ 1/);
    });

    it("should reject a book whose gross notional is not below 2^96", () => {
      const huge = [[spot(BTC, "90000000000")]]; // 9e10 BTC × $60,000 ≈ $5.4e15
      expect(() => evaluateMargin(huge, testMarket(), off())).to.throw(RangeError, /^holdings: .*2\^96/);
    });

    it("should reject a partial set of v2 fields, naming the missing one", () => {
      const partial = { ...testRiskV1(), basisCharge: [0n, 0n, 0n] };
      expect(() => evaluateMargin([], testMarket(), partial)).to.throw(RangeError, /^risk\.concentration: missing/);
    });

    it("should name the v2 field out of range", () => {
      expect(() => evaluateMargin([], testMarket(), { ...off(), noGammaGain: 2n })).to.throw(RangeError, /^risk\.noGammaGain: /);
      expect(() => evaluateMargin([], testMarket(), { ...off(), shortOptionMin: [0n, 0n, 3_000_001n] })).to.throw(RangeError, /^risk\.shortOptionMin\[2\]: /);
      expect(() => evaluateMargin([], testMarket(), { ...off(), concentration: [0n, 1n << 20n, 0n] })).to.throw(RangeError, /^risk\.concentration\[1\]: /);
    });

    it("should round-trip v2 params through the JSON schema", () => {
      const r = { ...off(), basisCharge: [1n, 2n, 3n], venueDefault: 7n };
      expect(parseRisk(toJsonValue(r))).to.deep.equal(r);
    });
  });
});
