/** OracleHub: median of fresh, agreeing feeds; EWMA volatility → scan range; snapshot hash = prover marketHash. */
import { expect } from "chai";
import fc from "fast-check";
import { network } from "hardhat";
import type { Signer } from "ethers";
import { deployCore, DEFAULT_ORACLE_CONFIG, type MockAggregatorV3, type OracleHub, type ZkMarginCore } from "../../client/deploy.ts";
import { marketHash } from "../../prover/commitments.ts";
import { testMarket } from "../fixtures/market.ts";

const { ethers, networkHelpers } = await network.create();

/** The contract's integer square root (floor). */
function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = n;
  let y = (x + 1n) / 2n;
  while (y < x) {
    x = y;
    y = (x + n / x) / 2n;
  }
  return x;
}

/** The snapshot price rule in plain TypeScript: fresh positive feeds, median, deviation filter, median of the rest. */
function referencePrice(answers: bigint[], maxDeviationPpm: bigint, minGood: number): { price: bigint } | { good: number } {
  const median = (xs: bigint[]) => {
    const s = [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const n = s.length;
    return n % 2 === 1 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2n;
  };
  const fresh = answers.filter((a) => a > 0n);
  if (fresh.length < minGood) return { good: fresh.length };
  const med = median(fresh);
  const good = fresh.filter((p) => (p > med ? p - med : med - p) * 1_000_000n <= maxDeviationPpm * med);
  if (good.length < minGood) return { good: good.length };
  return { price: median(good) };
}

describe("OracleHub", function () {
  let core: ZkMarginCore;
  let oracle: OracleHub;
  let other: Signer;
  const A = 3;

  /** Configure every asset with its 4 mock feeds; asset 1 (ETH) gets `floor` and `initialVol`. */
  async function configure(prices: bigint[][], opts: { floor?: bigint; initialVol?: bigint } = {}) {
    for (let a = 0; a < A; a++) {
      const feeds = core.feeds[a];
      for (let f = 0; f < feeds.length; f++) await feeds[f].setAnswer(prices[a][f] ?? prices[a][0]);
      await oracle.setAsset(BigInt(a), await Promise.all(feeds.map((x) => x.getAddress())), opts.floor ?? 10_000n, 50_000n, opts.initialVol ?? 0n);
    }
  }
  const flat = (p: bigint) => [[p], [p], [p]];

  beforeEach(async function () {
    [, other] = await ethers.getSigners();
    core = await deployCore(ethers, { instance: "test", feedsPerAsset: 4 });
    oracle = core.oracle;
  });

  describe("# snapshot", function () {
    it("should store the fixture snapshot with the hash prover/commitments.ts computes", async function () {
      const m = testMarket();
      const hash = await core.setMarket(m, 1n);
      expect(hash).to.equal(marketHash(m));
      const [price, scanRange, volShock, h] = await oracle.snapshotAt(1n);
      expect(price).to.deep.equal(m.price);
      expect(scanRange).to.deep.equal(m.scanRange);
      expect(volShock).to.deep.equal(m.volShock);
      expect(h).to.equal(marketHash(m));
      expect(await oracle.latestEpoch()).to.equal(1n);
    });

    it("should pack and hash a snapshot at the top of every range as prover/commitments.ts does", async function () {
      const m = { price: [(1n << 64n) - 1n, 1n, 1n << 63n], scanRange: [1_000_000n, 0n, 1_000_000n], volShock: [1_000_000n, 1_000_000n, 0n] };
      expect(await core.setMarket(m, 1n)).to.equal(marketHash(m));
      const [, , , h] = await oracle.snapshotAt(1n);
      expect(h).to.equal(marketHash(m));
    });

    it("should emit SnapshotTaken with the hash", async function () {
      await configure(flat(100_000_000n));
      await expect(oracle.snapshot(4n)).to.emit(oracle, "SnapshotTaken");
      expect(await oracle.marketHashAt(4n)).to.not.equal(0n);
    });

    it("should take the median (mean of the middle two for an even count)", async function () {
      await configure([
        [100n, 101n, 102n, 103n].map((x) => x * 1_000_000n),
        [300n, 301n, 302n, 299n].map((x) => x * 1_000_000_000n),
        [5n, 5n, 5n, 5n],
      ]);
      await oracle.snapshot(1n);
      const [price] = await oracle.snapshotAt(1n);
      expect(price).to.deep.equal([101_500_000n, 300_500_000_000n, 5n]);
    });

    it("should leave out a stale feed and still snapshot with three good ones", async function () {
      await configure(flat(100_000_000n));
      const now = BigInt(await networkHelpers.time.latest());
      await core.feeds[0][3].setAnswerAt(1n, now - DEFAULT_ORACLE_CONFIG.maxAge - 10n); // stale and wildly off
      await oracle.snapshot(1n);
      const [price] = await oracle.snapshotAt(1n);
      expect(price[0]).to.equal(100_000_000n);
    });

    it("should stop the snapshot naming the asset when too few feeds are fresh", async function () {
      await configure(flat(100_000_000n));
      const now = BigInt(await networkHelpers.time.latest());
      await core.feeds[2][0].setAnswerAt(100_000_000n, now - DEFAULT_ORACLE_CONFIG.maxAge - 1n);
      await core.feeds[2][1].setAnswerAt(100_000_000n, now - DEFAULT_ORACLE_CONFIG.maxAge - 1n);
      await expect(oracle.snapshot(1n)).to.be.revertedWithCustomError(oracle, "OracleHub__TooFewGoodFeeds").withArgs(2n, 2n, 3n);
    });

    it("should treat every feed as stale once maxAge passes", async function () {
      await configure(flat(100_000_000n));
      await networkHelpers.time.increase(Number(DEFAULT_ORACLE_CONFIG.maxAge) + 1);
      await expect(oracle.snapshot(1n)).to.be.revertedWithCustomError(oracle, "OracleHub__TooFewGoodFeeds").withArgs(0n, 0n, 3n);
    });

    it("should leave out a feed deviating more than maxDeviation from the median, keeping one exactly at it", async function () {
      // maxDeviation 2%: 102 is kept (exactly 2% from the median 100), 103 is left out.
      await configure([[100n, 100n, 102n, 130n].map((x) => x * 1_000_000n), [1n], [1n]]);
      await oracle.snapshot(1n);
      let [price] = await oracle.snapshotAt(1n);
      expect(price[0]).to.equal(100_000_000n); // median of 100, 100, 102 (130 left out: 14% from the median 101)
      await core.feeds[0][2].setAnswer(103_000_000n);
      await core.feeds[0][3].setAnswer(130_000_000n);
      // median of 100,100,103,130 = 101.5: 100 is 1.5% away (kept), 103 1.5% (kept), 130 left out
      await oracle.snapshot(2n);
      [price] = await oracle.snapshotAt(2n);
      expect(price[0]).to.equal(100_000_000n);
    });

    it("should stop the snapshot when feeds disagree so that fewer than three are near the median", async function () {
      // median 102: 100 and 104 are 1.96% away (kept), 98 and 140 are not.
      await configure([[98n, 100n, 104n, 140n].map((x) => x * 1_000_000n), [1n], [1n]]);
      await expect(oracle.snapshot(1n)).to.be.revertedWithCustomError(oracle, "OracleHub__TooFewGoodFeeds").withArgs(0n, 2n, 3n);
    });

    it("should leave out a reverting feed and a non-positive answer", async function () {
      await configure(flat(100_000_000n));
      await core.feeds[1][0].setReverts(true);
      await oracle.snapshot(1n);
      await core.feeds[1][1].setAnswer(0n);
      await expect(oracle.snapshot(2n)).to.be.revertedWithCustomError(oracle, "OracleHub__TooFewGoodFeeds").withArgs(1n, 2n, 3n);
    });

    it("should normalise a feed's decimals to USD × 1e8", async function () {
      await configure(flat(300_000_000_000n));
      const f18 = (await ethers.deployContract("MockAggregatorV3", [18n, "ETH/USD 18d", 3000n * 10n ** 18n])) as unknown as MockAggregatorV3;
      const f6 = (await ethers.deployContract("MockAggregatorV3", [6n, "ETH/USD 6d", 3000n * 10n ** 6n])) as unknown as MockAggregatorV3;
      const feeds = [await f18.getAddress(), await f6.getAddress(), await core.feeds[1][0].getAddress()];
      await oracle.setAsset(1n, feeds, 10_000n, 0n, 0n);
      await oracle.snapshot(1n);
      const [price] = await oracle.snapshotAt(1n);
      expect(price[1]).to.equal(300_000_000_000n);
    });

    it("should reject a price at 2^64 and accept 2^64 − 1", async function () {
      await configure(flat(2n ** 64n - 1n));
      await oracle.snapshot(1n);
      await configure(flat(2n ** 64n));
      await expect(oracle.snapshot(2n)).to.be.revertedWithCustomError(oracle, "OracleHub__PriceOutOfRange").withArgs(0n, 2n ** 64n);
    });

    it("should only move epochs forward", async function () {
      await configure(flat(100_000_000n));
      await oracle.snapshot(5n);
      await expect(oracle.snapshot(5n)).to.be.revertedWithCustomError(oracle, "OracleHub__EpochNotForward").withArgs(5n, 5n);
      await expect(oracle.snapshot(4n)).to.be.revertedWithCustomError(oracle, "OracleHub__EpochNotForward").withArgs(4n, 5n);
      await oracle.snapshot(6n);
      expect(await oracle.latestEpoch()).to.equal(6n);
    });

    it("should refuse an unconfigured asset and a caller other than the owner", async function () {
      await expect(oracle.snapshot(1n)).to.be.revertedWithCustomError(oracle, "OracleHub__AssetNotConfigured").withArgs(0n);
      await expect((oracle.connect(other) as OracleHub).snapshot(1n)).to.be.revertedWithCustomError(oracle, "OwnableUnauthorizedAccount");
    });

    it("should report no snapshot for an epoch never taken", async function () {
      expect(await oracle.marketHashAt(9n)).to.equal(0n);
      await expect(oracle.snapshotAt(9n)).to.be.revertedWithCustomError(oracle, "OracleHub__NoSnapshot").withArgs(9n);
    });
  });

  describe("# price rule vs a TypeScript reference @props", function () {
    it("should agree with the reference on random feed answers (3 or 4 feeds, some off or dead)", async function () {
      await configure(flat(100_000_000n));
      let epoch = 0n;
      const answer = fc.oneof(
        { weight: 6, arbitrary: fc.bigInt({ min: 97_000_000n, max: 103_000_000n }) },
        { weight: 1, arbitrary: fc.bigInt({ min: 1n, max: 400_000_000n }) },
        { weight: 1, arbitrary: fc.constant(0n) },
      );
      await fc.assert(
        fc.asyncProperty(fc.array(answer, { minLength: 3, maxLength: 4 }), async (answers) => {
          const feeds = core.feeds[0].slice(0, answers.length);
          for (const [i, f] of feeds.entries()) await f.setAnswer(answers[i]);
          await oracle.setAsset(0n, await Promise.all(feeds.map((f) => f.getAddress())), 10_000n, 0n, 0n);
          epoch += 1n;
          const ref = referencePrice(answers, DEFAULT_ORACLE_CONFIG.maxDeviationPpm, 3);
          if ("price" in ref) {
            await oracle.snapshot(epoch);
            const [price] = await oracle.snapshotAt(epoch);
            expect(price[0]).to.equal(ref.price);
          } else {
            await expect(oracle.snapshot(epoch)).to.be.revertedWithCustomError(oracle, "OracleHub__TooFewGoodFeeds").withArgs(0n, BigInt(ref.good), 3n);
          }
        }),
        { numRuns: Number(process.env.PROP_RUNS ?? 25) },
      );
    });
  });

  describe("# volatility", function () {
    it("should update the EWMA variance each snapshot and scale the scan range as max(floor, κ·σ·√h)", async function () {
      const cfg = { ...DEFAULT_ORACLE_CONFIG, horizonEpochs: 4n };
      await oracle.setConfig(cfg);
      const seedVol = 20_000n; // 2% per epoch
      await configure(flat(100_000_000n), { floor: 50_000n, initialVol: seedVol });
      await oracle.snapshot(1n);
      // First snapshot: no return yet, σ = seed; S = 3 · 2% · √4 = 12%.
      let [, scanRange] = await oracle.snapshotAt(1n);
      expect(scanRange[1]).to.equal(120_000n);
      // +10% move: var = (λ·seed² + (1 − λ)·r²) / 1e6 with r = 100000 ppm.
      for (const f of core.feeds[1]) await f.setAnswer(110_000_000n);
      for (let a of [0, 2]) for (const f of core.feeds[a]) await f.setAnswer(100_000_000n);
      await oracle.snapshot(2n);
      const variance = (cfg.ewmaLambdaPpm * seedVol * seedVol + (1_000_000n - cfg.ewmaLambdaPpm) * 100_000n * 100_000n) / 1_000_000n;
      const sigma = isqrt(variance);
      expect(await oracle.sigmaPpm(1n)).to.equal(sigma);
      const expected = (cfg.kappaPpm * sigma * isqrt(cfg.horizonEpochs * 10n ** 12n)) / 10n ** 12n;
      [, scanRange] = await oracle.snapshotAt(2n);
      expect(scanRange[1]).to.equal(expected);
      expect(expected).to.be.greaterThan(120_000n);
    });

    it("should keep the scan range at its floor when volatility is low, and cap it at 100%", async function () {
      await configure(flat(100_000_000n), { floor: 50_000n, initialVol: 1_000n });
      await oracle.snapshot(1n);
      let [, scanRange] = await oracle.snapshotAt(1n);
      expect(scanRange[1]).to.equal(50_000n);
      await configure(flat(100_000_000n), { floor: 50_000n, initialVol: 1_000_000n });
      await oracle.snapshot(2n);
      [, scanRange] = await oracle.snapshotAt(2n);
      expect(scanRange[1]).to.equal(1_000_000n);
    });
  });

  describe("# configuration", function () {
    it("should need at least minGoodFeeds feeds per asset", async function () {
      const feeds = await Promise.all(core.feeds[0].slice(0, 2).map((x) => x.getAddress()));
      await expect(oracle.setAsset(0n, feeds, 0n, 0n, 0n)).to.be.revertedWithCustomError(oracle, "OracleHub__TooFewFeedsConfigured").withArgs(0n, 2n, 3n);
    });

    it("should reject a repeated feed, an unknown asset and a floor above 100%", async function () {
      const f = await core.feeds[0][0].getAddress();
      const g = await core.feeds[0][1].getAddress();
      await expect(oracle.setAsset(0n, [f, g, f], 0n, 0n, 0n)).to.be.revertedWithCustomError(oracle, "OracleHub__InvalidFeed").withArgs(0n, f);
      await expect(oracle.setAsset(3n, [f, g, f], 0n, 0n, 0n)).to.be.revertedWithCustomError(oracle, "OracleHub__UnknownAsset").withArgs(3n);
      const h = await core.feeds[0][2].getAddress();
      await expect(oracle.setAsset(0n, [f, g, h], 1_000_001n, 0n, 0n))
        .to.be.revertedWithCustomError(oracle, "OracleHub__InvalidConfig")
        .withArgs("scanFloorPpm", 1_000_001n);
    });

    it("should reject minGoodFeeds below 3 naming the setting", async function () {
      await expect(oracle.setConfig({ ...DEFAULT_ORACLE_CONFIG, minGoodFeeds: 2n }))
        .to.be.revertedWithCustomError(oracle, "OracleHub__InvalidConfig")
        .withArgs("minGoodFeeds", 2n);
    });
  });
});
