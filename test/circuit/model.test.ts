/**
 * The reference margin model on the fixture books, with expected numbers worked out by hand (docs/DESIGN.md §3), so a
 * wrong formula in the model fails here, not only a disagreement with the circuit: the arithmetic on an explicit
 * SPAN-like scenario table (testRiskTable), and the factor structure the circuit proves (testRiskV1, prodRisk)
 * expanded into its table.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import * as model from "../../prover/model.ts";
import { evaluateMargin, evaluateMarginExact, meetsMinExcess, scenarioTable, signDesign } from "../../prover/model.ts";
import { ROOT } from "../../scripts/lib/instances.ts";
import { Kind } from "../../prover/types.ts";
import {
  TEST_ASSETS,
  BTC_ATM_CALL,
  bookHoldings,
  btcShortCallBook,
  hedgedEthBook,
  option,
  perp,
  prodMarket,
  prodRisk,
  spot,
  spotVsShortPerpBook,
  testMarket,
  testRiskTable,
  testRiskV1,
  usd,
} from "../fixtures/market.ts";

const { USDC, ETH, BTC } = TEST_ASSETS;
const margin = (h: Parameters<typeof evaluateMargin>[0]) => evaluateMargin(h, testMarket(), testRiskTable());

describe("reference model (prover/model.ts)", () => {
  describe("# fixture books, numbers checked by hand", () => {
    it("should margin hedged ETH perps across two venues for the gross charge and the depeg only", () => {
      const r = margin(bookHoldings(hedgedEthBook()));
      // equity: 12,000 USDC × 0.98 + 10·(3000 − 2950) − 10·(3000 − 3020) = 11,760 + 500 + 200
      expect(r.equity).to.equal(usd("12460"));
      // ETH legs cancel in every scenario; only the USDC depeg (−1% of 12,000) remains
      expect(r.scenarioPnl).to.deep.equal([0n, 0n, 0n, usd("-120")]);
      expect(r.worstLoss).to.equal(usd("42")); // 35% × 120
      expect(r.grossNotional).to.equal(usd("72000")); // 12,000 + 30,000 + 30,000
      expect(r.grossCharge).to.equal(usd("360")); // 0.5%
      expect(r.requirement).to.equal(usd("402"));
      expect(r.excess).to.equal(usd("12058"));
    });

    it("should need far less for the hedged pair than for either leg alone", () => {
      const [a, b] = hedgedEthBook();
      const whole = margin(bookHoldings(hedgedEthBook()));
      const legA = margin(a.holdings);
      const legB = margin(b.holdings);
      // leg A alone: worst is the extreme down move, 35% × (10·3000·45% + 60) = 4746; gross 36,000 × 0.5% = 180
      expect(legA.worstLoss).to.equal(usd("4746"));
      expect(legA.requirement).to.equal(usd("4926"));
      // leg B alone: worst is the extreme up move, 35% × 13,500 = 4725; gross 180
      expect(legB.requirement).to.equal(usd("4905"));
      expect(whole.requirement * 10n).to.be.lessThan(legA.requirement);
      expect(whole.requirement * 10n).to.be.lessThan(legB.requirement);
      expect(whole.requirement).to.be.lessThan(legA.requirement + legB.requirement);
    });

    it("should let spot collateral offset a short perp", () => {
      const book = spotVsShortPerpBook();
      const whole = margin(bookHoldings(book));
      // equity: 5 ETH × 3000 × 0.85 + 2000 × 0.98 + 0 (perp at entry)
      expect(whole.equity).to.equal(usd("14710"));
      expect(whole.scenarioPnl).to.deep.equal([0n, 0n, 0n, usd("-20")]);
      expect(whole.requirement).to.equal(usd("167")); // 35% × 20 + 0.5% × 32,000
      const perpVenue = margin(book[1].holdings);
      // the short perp alone: 35% × 5 × 3000 × 45% = 2362.5 worst loss + 85 gross charge > 1960 equity
      expect(perpVenue.requirement).to.equal(usd("2447.5"));
      expect(perpVenue.excess).to.equal(usd("-487.5"));
      expect(whole.excess).to.equal(usd("14543"));
    });

    it("should charge a short option's gamma in the large-move scenarios", () => {
      const withGamma = margin(bookHoldings(btcShortCallBook()));
      // per contract, scenario 2 (x = +36%, vol +8 points): 0.52·60000·0.36 + ½·139200·0.36² + 6864·0.08
      //   = 11232 + 9020.16 + 549.12 = 20801.28; short 2 contracts
      expect(withGamma.scenarioPnl[2]).to.equal(usd("-41602.56"));
      const noGamma = margin([spot(USDC, "40000"), option(BTC, "-2", { ...BTC_ATM_CALL, cashGammaUsd: "0" })]);
      const gammaCost = noGamma.scenarioPnl.map((p, k) => p - withGamma.scenarioPnl[k]);
      // ½ · 139200 · x² · 2 contracts: x = ±12% → 2004.48, x = ±36% → 18040.32
      expect(gammaCost).to.deep.equal([usd("2004.48"), usd("2004.48"), usd("18040.32"), usd("18040.32")]);
      expect(withGamma.worstLoss).to.equal(usd("14560.896")); // 35% × 41602.56
      expect(withGamma.requirement - noGamma.requirement).to.be.greaterThan(usd("6000"));
    });

    it("should value a long option at its mark, and spot debt with the add-on", () => {
      const r = margin([option(BTC, "1", BTC_ATM_CALL), spot(ETH, "-1")]);
      // 4128 − 3000 × 1.25
      expect(r.equity).to.equal(usd("378"));
    });

    it("should ignore committed greeks of spot and linear holdings", () => {
      const plain = margin([perp(ETH, "2", "3000"), spot(BTC, "1")]);
      const noisy = margin([
        { ...perp(ETH, "2", "3000"), delta: -5n, gamma: 123456789n, vega: -987654321n },
        { ...spot(BTC, "1"), delta: 7n, gamma: -1n, vega: 99n },
      ]);
      expect(noisy).to.deep.equal(plain);
    });

  });

  describe("# the factor structure (what the circuit proves), numbers checked by hand", () => {
    it("should build the sign design [H; −H] of the Sylvester Hadamard matrix of order K/2", () => {
      expect(signDesign(4)).to.deep.equal([[1, 1], [1, -1], [-1, -1], [-1, 1]]);
      const s = signDesign(16);
      expect(s).to.have.length(16);
      expect(s[3]).to.deep.equal([1, -1, -1, 1, 1, -1, -1, 1]); // H[3][c] = (−1)^popcount(3 & c)
      expect(s[8 + 5]).to.deep.equal([-1, 1, -1, 1, 1, -1, 1, -1]); // −H[5]
      // columns orthogonal over the K rows: Σ_k s[k][c]·s[k][d] = K·[c = d]
      for (let c = 0; c < 8; c++) for (let d = 0; d < 8; d++) expect(s.reduce((acc, row) => acc + row[c] * row[d], 0), `${c},${d}`).to.equal(c === d ? 16 : 0);
      for (const K of [2, 6, 12, 128, 0]) expect(() => signDesign(K), String(K)).to.throw(RangeError, /^K: .* is not a scenario count 2·2\^m/);
    });

    it("should expand ρ·s[k][0] + r·s[k][c] into the scenario table, with vol directions 0 and weights 100 %", () => {
      const t = scenarioTable(testRiskV1());
      // rows (+,+), (+,−), (−,−), (−,+); USDC ρ 0 r 1; ETH ρ 0.9 r 0.4; BTC ρ 0.85 r −0.5 (all in column 1)
      expect(t.moves).to.deep.equal([
        [1_000_000n, 1_300_000n, 350_000n],
        [-1_000_000n, 500_000n, 1_350_000n],
        [-1_000_000n, -1_300_000n, -350_000n],
        [1_000_000n, -500_000n, -1_350_000n],
      ]);
      expect(t.volDirs.flat().every((u) => u === 0n)).to.equal(true);
      expect(t.weights).to.deep.equal([1_000_000n, 1_000_000n, 1_000_000n, 1_000_000n]);
      // prod: ETH and BTC share column 2 with opposite residual signs; SOL alone in column 3
      const p = scenarioTable(prodRisk());
      expect(p.moves.map((row) => row[1] - row[2])).to.deep.equal(signDesign(16).map((row) => BigInt(row[0]) * 70_000n + BigInt(row[2]) * 1_000_000n));
      expect(p.moves.map((row) => row[3])).to.deep.equal(signDesign(16).map((row) => BigInt(row[0]) * 620_000n + BigInt(row[3]) * 780_000n));
    });

    it("should margin hedged ETH perps for the gross charge and the USDC depeg column only", () => {
      const r = evaluateMargin(bookHoldings(hedgedEthBook()), testMarket(), testRiskV1());
      expect(r.equity).to.equal(usd("12460"));
      // ETH cancels in every scenario; 12,000 USDC moves ±1 % (its scan range) in column 1
      expect(r.scenarioPnl).to.deep.equal([usd("120"), usd("-120"), usd("-120"), usd("120")]);
      expect(r.worstLoss).to.equal(usd("120"));
      expect(r.requirement).to.equal(usd("480")); // + 0.5 % × 72,000 gross
      expect(r.excess).to.equal(usd("11980"));
    });

    it("should price a scan-range-neutral ETH/BTC pair by the residuals (no longer a perfect hedge)", () => {
      // 20 ETH long ($9,000 per ETH scan range) against 1.25 BTC short ($9,000 per BTC scan range)
      const r = evaluateMargin([perp(ETH, "20", "3000"), perp(BTC, "-1.25", "60000")], testMarket(), testRiskV1());
      // 9,000 × (M_ETH − M_BTC): (1.3 − 0.35), (0.5 − 1.35), (−1.3 + 0.35), (−0.5 + 1.35)
      expect(r.scenarioPnl).to.deep.equal([usd("8550"), usd("-7650"), usd("-8550"), usd("7650")]);
      expect(r.requirement).to.equal(usd("8550") + usd("675")); // + 0.5 % × 135,000 gross
      // the same pair with perfectly correlated assets (ρ = 1, r = 0): the legs cancel, the gross charge remains
      const joint = { ...testRiskV1(), factorLoading: [0n, 1_000_000n, 1_000_000n], residualLoading: [0n, 0n, 0n] };
      expect(evaluateMargin([perp(ETH, "20", "3000"), perp(BTC, "-1.25", "60000")], testMarket(), joint).requirement).to.equal(usd("675"));
    });

    it("should evaluate the production market and risk params", () => {
      const r = evaluateMargin([spot(0, "100000"), perp(1, "10", "3000"), perp(1, "-10", "3000")], prodMarket(), prodRisk());
      expect(r.scenarioPnl).to.have.length(16);
      expect(r.equity).to.equal(usd("98000"));
      // v1: 0.5% × 160,000 gross; the USDC column moves 1% × 100,000 either way. v2: ETH basis 0.2% × 60,000; ETH
      // concentration 50 · 60,000² / (1e6 · $1M) = $0.18; venue default 1% × 100,000 mark equity (perps at entry)
      expect(r.requirement).to.equal(usd("800") + usd("1000") + usd("120") + usd("0.18") + usd("1000"));
    });
  });

  describe("# exactness and rounding", () => {
    it("should report excess = floor(exact excess) and compare exactly", () => {
      const book = bookHoldings(btcShortCallBook());
      const exact = evaluateMarginExact(book, testMarket(), testRiskTable());
      const r = margin(book);
      expect(r.excess).to.equal(model.floorDiv(exact.excess, model.COMPARE_SCALE));
      expect(meetsMinExcess(book, testMarket(), testRiskTable(), r.excess)).to.equal(true);
      expect(meetsMinExcess(book, testMarket(), testRiskTable(), r.excess + 1n)).to.equal(false);
      expect(r.excess - (r.equity - r.requirement)).to.be.oneOf([0n, 1n]);
    });

    it("should floor negative values toward −∞ and round requirements up", () => {
      expect(model.floorDiv(-7n, 2n)).to.equal(-4n);
      expect(model.floorDiv(7n, 2n)).to.equal(3n);
      expect(model.ceilDiv(7n, 2n)).to.equal(4n);
      expect(model.ceilDiv(-7n, 2n)).to.equal(-3n);
      // 1e-8 USDC: equity 0.98 units → 0; gross charge 0.005 → 1; depeg loss 35% × 0.01 → 1; requirement 0.0085 → 1
      const r = margin([{ asset: USDC, kind: Kind.Spot, size: 1n, entryPrice: 0n, mark: 0n, delta: 0n, gamma: 0n, vega: 0n }]);
      expect(r.equity).to.equal(0n);
      expect(r.grossCharge).to.equal(1n);
      expect(r.worstLoss).to.equal(1n);
      expect(r.requirement).to.equal(1n);
      expect(r.excess).to.equal(0n); // floor(0.98 − 0.0085): one more than equity − requirement
      const eth = margin([{ asset: ETH, kind: Kind.Spot, size: -1n, entryPrice: 0n, mark: 0n, delta: 0n, gamma: 0n, vega: 0n }]);
      expect(eth.equity).to.equal(-3750n); // −1e-8 ETH at 3000 with a 25% add-on, exact
    });

    it("should use the same scale constants as circuits/lib/Scales.circom", () => {
      const src = readFileSync(path.join(ROOT, "circuits/lib/Scales.circom"), "utf8");
      const fn = (name: string): bigint => {
        const m = new RegExp(`function ${name}\\(\\) \\{ return ([^;]+); \\}`).exec(src);
        if (!m) throw new Error(`Scales.circom has no ${name}()`);
        // evaluate the circom constant expression (digits, *, **) with bigints
        return Function(`return ${m[1].replace(/\d+/g, "$&n")}`)() as bigint;
      };
      expect(fn("DELTA_ONE")).to.equal(model.DELTA_ONE);
      expect(fn("PPM_ONE")).to.equal(model.PPM_ONE);
      expect(fn("MAX_LOADING")).to.equal(model.MAX_LOADING);
      expect(fn("EQUITY_TO_COMPARE")).to.equal(model.EQUITY_TO_COMPARE);
      expect(fn("DELTA_TO_PNL")).to.equal(model.DELTA_TO_PNL);
      expect(fn("COMPARE_SCALE")).to.equal(model.COMPARE_SCALE);
      for (const [c, t] of [["SIZE_BITS", model.SIZE_BITS], ["PRICE_BITS", model.PRICE_BITS], ["DELTA_BITS", model.DELTA_BITS], ["GREEK_BITS", model.GREEK_BITS], ["VENUE_ID_BITS", model.VENUE_ID_BITS], ["MIN_EXCESS_BITS", model.MIN_EXCESS_BITS]] as const) {
        expect(fn(c), c).to.equal(BigInt(t));
      }
    });
  });

  describe("# validation", () => {
    const cases: [string, () => unknown, RegExp][] = [
      ["asset index", () => margin([{ ...spot(0, "1"), asset: 3 }]), /^holdings\[0\]\.asset: 3 is not an asset index in \[0, 3\)/],
      ["kind", () => margin([{ ...spot(0, "1"), kind: 3 as Kind }]), /^holdings\[0\]\.kind/],
      ["size past 2^63", () => margin([{ ...spot(0, "1"), size: 1n << 63n }]), /^holdings\[0\]\.size: .* outside \[-9223372036854775808, 9223372036854775807\]/],
      ["negative price", () => evaluateMargin([], { ...testMarket(), price: [1n, -1n, 1n] }, testRiskTable()), /^market\.price\[1\]/],
      ["scan range > 1e6", () => evaluateMargin([], { ...testMarket(), scanRange: [1n, 1_000_001n, 1n] }, testRiskTable()), /^market\.scanRange\[1\]/],
      ["move past 3e6", () => evaluateMargin([], testMarket(), { ...testRiskTable(), moves: testRiskTable().moves.map((r, k) => (k === 2 ? [0n, 3_000_001n, 0n] : r)) }), /^risk\.moves\[2\]\[1\]/],
      ["vol direction 2", () => evaluateMargin([], testMarket(), { ...testRiskTable(), volDirs: testRiskTable().volDirs.map((r, k) => (k === 0 ? [2n, 0n, 0n] : r)) }), /^risk\.volDirs\[0\]\[0\]/],
      ["missing weight", () => evaluateMargin([], testMarket(), { ...testRiskTable(), weights: [1n, 1n, 1n] }), /^risk\.moves: expected 3 rows/],
      ["a scenario count that is not 2·2^m", () => evaluateMargin([], testMarket(), { ...testRiskV1(), scenarios: 6 }), /^risk\.scenarios: 6 is not a scenario count 2·2\^m/],
      ["a factor loading above 1e6", () => evaluateMargin([], testMarket(), { ...testRiskV1(), factorLoading: [0n, 1_000_001n, 0n] }), /^risk\.factorLoading\[1\]: 1000001 is outside \[0, 1000000\]/],
      ["a negative factor loading", () => evaluateMargin([], testMarket(), { ...testRiskV1(), factorLoading: [0n, 0n, -1n] }), /^risk\.factorLoading\[2\]: -1 is outside/],
      ["a residual loading below −1e6", () => evaluateMargin([], testMarket(), { ...testRiskV1(), residualLoading: [-1_000_001n, 0n, 0n] }), /^risk\.residualLoading\[0\]: -1000001 is outside \[-1000000, 1000000\]/],
      ["residual column 0 (the factor's)", () => evaluateMargin([], testMarket(), { ...testRiskV1(), residualColumn: [1, 0, 1] }), /^risk\.residualColumn\[1\]: 0 is not a column of the sign design in \[1, 2\)/],
      ["a residual column past K/2", () => evaluateMargin([], testMarket(), { ...testRiskV1(), residualColumn: [1, 1, 2] }), /^risk\.residualColumn\[2\]: 2 is not a column/],
      ["a missing residual column", () => evaluateMargin([], testMarket(), { ...testRiskV1(), residualColumn: [1, 1] }), /^risk\.residualColumn: expected 3 values/],
      ["an entry price on an option", () => margin([{ ...option(BTC, "1", BTC_ATM_CALL), entryPrice: 1n }]), /^holdings\[0\]\.entryPrice: must be 0 for a option holding/],
      ["a mark on a perp", () => margin([{ ...perp(ETH, "1", "3000"), mark: 1n }]), /^holdings\[0\]\.mark: must be 0 for a linear holding/],
      ["delta past 2^31", () => margin([{ ...option(BTC, "1", BTC_ATM_CALL), delta: 1n << 31n }]), /^holdings\[0\]\.delta/],
    ];
    for (const [name, run, message] of cases) {
      it(`should reject ${name} with a RangeError naming the field`, () => {
        expect(run).to.throw(RangeError, message);
      });
    }
  });
});
