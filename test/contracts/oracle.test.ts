/**
 * OracleHub: quorum median of fresh, agreeing feeds read defensively; the oracle rule (n-scaled EWMA → scan range and
 * vol shock) value for value against prover/risk/oracleRule.ts (property test); the context hash = prover
 * contextHashOf; bounded epoch steps; configuration checks. The lifecycle file tests the misbehaving feeds.
 */
import { expect } from "chai";
import fc from "fast-check";
import { network } from "hardhat";
import type { Signer } from "ethers";
import { DEFAULT_ORACLE_CONFIG, deployCore, type MockAggregatorV3, type OracleConfig, type OracleHub, type ZkMarginCore } from "../../client/deploy.ts";
import { contextHashOf, marketWords } from "../../prover/commitments.ts";
import { initialOracleState, isqrt, oracleSnapshot, type OracleAsset, type OracleState } from "../../prover/risk/oracleRule.ts";
import { testMarket, testRisk } from "../fixtures/market.ts";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ROOT } from "../../scripts/lib/instances.ts";

const { ethers, networkHelpers } = await network.create();

/** The snapshot price rule in plain TypeScript: fresh positive feeds, quorum, median, deviation filter, median. */
function referencePrice(answers: bigint[], maxDeviationPpm: bigint, minGood: number): { price: bigint } | { good: number; quorum: number } {
  const median = (xs: bigint[]) => {
    const s = [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const n = s.length;
    return n % 2 === 1 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2n;
  };
  const quorum = Math.max(minGood, Math.floor(answers.length / 2) + 1);
  const fresh = answers.filter((a) => a > 0n && a < 2n ** 64n);
  if (fresh.length < quorum) return { good: fresh.length, quorum };
  const med = median(fresh);
  const good = fresh.filter((p) => (p > med ? p - med : med - p) * 1_000_000n <= maxDeviationPpm * med);
  if (good.length < quorum) return { good: good.length, quorum };
  return { price: median(good) };
}

describe("OracleHub", function () {
  let core: ZkMarginCore;
  let oracle: OracleHub;
  let other: Signer;
  const A = 3;

  /** Configure every asset with its 4 mock feeds; asset 1 (ETH) gets `floor`, `shockFloor` and `initialVol`. */
  async function configure(prices: bigint[][], opts: { floor?: bigint; shockFloor?: bigint; initialVol?: bigint } = {}) {
    for (let a = 0; a < A; a++) {
      const feeds = core.feeds[a];
      for (let f = 0; f < feeds.length; f++) await feeds[f].setAnswer(prices[a][f] ?? prices[a][0]);
      await oracle.setAsset(BigInt(a), await Promise.all(feeds.map((x) => x.getAddress())), opts.floor ?? 10_000n, opts.shockFloor ?? 50_000n, opts.initialVol ?? 0n);
    }
  }
  const flat = (p: bigint) => [[p], [p], [p]];

  beforeEach(async function () {
    [, other] = await ethers.getSigners();
    core = await deployCore(ethers, { instance: "test", feedsPerAsset: 4, riskDelay: 0n });
    await core.setRiskParams(testRisk());
    oracle = core.oracle;
  });

  describe("# snapshot", function () {
    it("should store the fixture snapshot with the context hash prover/commitments.ts computes", async function () {
      const m = testMarket();
      const hash = await core.setMarket(m, 1n);
      expect(hash).to.equal(contextHashOf(1n, m, testRisk()));
      const [price, scanRange, volShock, ctx] = await oracle.snapshotAt(1n);
      expect([price, scanRange, volShock]).to.deep.equal([m.price, m.scanRange, m.volShock]);
      expect(ctx.contextHash).to.equal(hash);
      expect(ctx.riskVersion).to.equal(1n);
      expect(ctx.takenAt).to.equal(BigInt(await networkHelpers.time.latest()));
      expect(await oracle.marketWordsAt(1n)).to.deep.equal(marketWords(m));
      expect(await oracle.latestEpoch()).to.equal(1n);
    });

    it("should pack and hash a snapshot at the top of every range as prover/commitments.ts does", async function () {
      const m = { price: [(1n << 64n) - 1n, 1n, 1n << 63n], scanRange: [1_000_000n, 0n, 1_000_000n], volShock: [1_000_000n, 1_000_000n, 0n] };
      expect(await core.setMarket(m, 1n)).to.equal(contextHashOf(1n, m, testRisk()));
    });

    it("should refuse a snapshot before any risk params exist", async function () {
      const bare = await deployCore(ethers, { instance: "test", feedsPerAsset: 3, riskDelay: 0n });
      for (let a = 0; a < A; a++) await bare.oracle.setAsset(BigInt(a), await Promise.all(bare.feeds[a].map((f) => f.getAddress())), 0n, 0n, 0n);
      await expect(bare.oracle.snapshot(1n)).to.be.revertedWithCustomError(bare.oracle, "OracleHub__NoRiskParams");
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

    it("should leave out a stale feed and still snapshot with the quorum of the rest", async function () {
      await configure(flat(100_000_000n));
      const now = BigInt(await networkHelpers.time.latest());
      await core.feeds[0][3].setAnswerAt(1n, now - DEFAULT_ORACLE_CONFIG.maxAge - 10n); // stale and wildly off
      await expect(oracle.snapshot(1n)).to.emit(oracle, "FeedLeftOut").withArgs(1n, 0n, await core.feeds[0][3].getAddress(), 3);
      const [price] = await oracle.snapshotAt(1n);
      expect(price[0]).to.equal(100_000_000n);
    });

    it("should leave out a feed updated in the future", async function () {
      await configure(flat(100_000_000n));
      const now = BigInt(await networkHelpers.time.latest());
      await core.feeds[2][1].setAnswerAt(1n, now + 1000n);
      await expect(oracle.snapshot(1n)).to.emit(oracle, "FeedLeftOut").withArgs(1n, 2n, await core.feeds[2][1].getAddress(), 3);
    });

    it("should stop the snapshot naming the asset when fewer fresh feeds than the quorum remain (majority of 4 = 3)", async function () {
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
      await configure([[100n, 100n, 102n, 130n].map((x) => x * 1_000_000n), [1n], [1n]]);
      await oracle.snapshot(1n);
      let [price] = await oracle.snapshotAt(1n);
      expect(price[0]).to.equal(100_000_000n); // median of 100, 100, 102 (130 left out: 14% from the median 101)
      await core.feeds[0][2].setAnswer(103_000_000n);
      await core.feeds[0][3].setAnswer(130_000_000n);
      await oracle.snapshot(2n);
      [price] = await oracle.snapshotAt(2n);
      expect(price[0]).to.equal(100_000_000n);
    });

    it("should stop the snapshot when feeds disagree so that fewer than the quorum are near the median", async function () {
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

    it("should normalise each feed's decimals to USD × 1e8 (read once, at setAsset)", async function () {
      await configure(flat(300_000_000_000n));
      const f18 = (await ethers.deployContract("MockAggregatorV3", [18n, "ETH/USD 18d", 3000n * 10n ** 18n])) as unknown as MockAggregatorV3;
      const f6 = (await ethers.deployContract("MockAggregatorV3", [6n, "ETH/USD 6d", 3000n * 10n ** 6n])) as unknown as MockAggregatorV3;
      const feeds = [await f18.getAddress(), await f6.getAddress(), await core.feeds[1][0].getAddress()];
      await oracle.setAsset(1n, feeds, 10_000n, 0n, 0n);
      expect((await oracle.assetInfo(1n)).decimals).to.deep.equal([18n, 6n, 8n]);
      await oracle.snapshot(1n);
      const [price] = await oracle.snapshotAt(1n);
      expect(price[1]).to.equal(300_000_000_000n);
    });

    it("should accept a price of 2^64 − 1 and leave out a feed answering 2^64", async function () {
      await configure(flat(2n ** 64n - 1n));
      await oracle.snapshot(1n);
      await core.feeds[0][0].setAnswer(2n ** 64n);
      await expect(oracle.snapshot(2n)).to.emit(oracle, "FeedLeftOut").withArgs(2n, 0n, await core.feeds[0][0].getAddress(), 4);
    });

    it("should only move epochs forward, by at most maxEpochStep, within [1, 2^32)", async function () {
      await configure(flat(100_000_000n));
      await expect(oracle.snapshot(0n)).to.be.revertedWithCustomError(oracle, "OracleHub__EpochOutOfRange").withArgs(0n);
      await expect(oracle.snapshot(2n ** 32n)).to.be.revertedWithCustomError(oracle, "OracleHub__EpochOutOfRange").withArgs(2n ** 32n);
      await oracle.snapshot(5n);
      await expect(oracle.snapshot(5n)).to.be.revertedWithCustomError(oracle, "OracleHub__EpochNotForward").withArgs(5n, 5n);
      await expect(oracle.snapshot(4n)).to.be.revertedWithCustomError(oracle, "OracleHub__EpochNotForward").withArgs(4n, 5n);
      await expect(oracle.snapshot(13n)).to.be.revertedWithCustomError(oracle, "OracleHub__EpochStepTooLarge").withArgs(13n, 5n, 7n);
      await oracle.snapshot(12n);
      expect(await oracle.latestEpoch()).to.equal(12n);
      expect((await oracle.contextAt(5n)).supersededAt).to.equal(BigInt(await networkHelpers.time.latest()));
    });

    it("should refuse an unconfigured asset and a caller other than the owner", async function () {
      await expect(oracle.snapshot(1n)).to.be.revertedWithCustomError(oracle, "OracleHub__AssetNotConfigured").withArgs(0n);
      await expect((oracle.connect(other) as OracleHub).snapshot(1n)).to.be.revertedWithCustomError(oracle, "OwnableUnauthorizedAccount");
      await expect((oracle.connect(other) as OracleHub).setConfig(DEFAULT_ORACLE_CONFIG)).to.be.revertedWithCustomError(oracle, "OwnableUnauthorizedAccount");
    });

    it("should report no snapshot for an epoch never taken", async function () {
      expect(await oracle.contextHashAt(9n)).to.equal(0n);
      const c = await oracle.contextAt(9n);
      expect([c.contextHash, c.takenAt, c.supersededAt, c.riskVersion]).to.deep.equal([0n, 0n, 0n, 0n]);
      await expect(oracle.snapshotAt(9n)).to.be.revertedWithCustomError(oracle, "OracleHub__NoSnapshot").withArgs(9n);
    });
  });

  describe("# price rule vs a TypeScript reference @props", function () {
    it("should agree with the reference on random feed answers (3 or 4 feeds, some off, dead or out of range)", async function () {
      await configure(flat(100_000_000n));
      let epoch = 0n;
      const answer = fc.oneof(
        { weight: 6, arbitrary: fc.bigInt({ min: 97_000_000n, max: 103_000_000n }) },
        { weight: 1, arbitrary: fc.bigInt({ min: 1n, max: 400_000_000n }) },
        { weight: 1, arbitrary: fc.constant(0n) },
        { weight: 1, arbitrary: fc.bigInt({ min: 2n ** 64n, max: 2n ** 255n - 1n }) },
      );
      await fc.assert(
        fc.asyncProperty(fc.array(answer, { minLength: 3, maxLength: 4 }), async (answers) => {
          const feeds = core.feeds[0].slice(0, answers.length);
          for (const [i, f] of feeds.entries()) await f.setAnswer(answers[i]);
          await oracle.setAsset(0n, await Promise.all(feeds.map((f) => f.getAddress())), 10_000n, 0n, 0n);
          epoch += 1n;
          const ref = referencePrice(answers, DEFAULT_ORACLE_CONFIG.maxDeviationPpm, Number(DEFAULT_ORACLE_CONFIG.minGoodFeeds));
          if ("price" in ref) {
            await oracle.snapshot(epoch);
            const [price] = await oracle.snapshotAt(epoch);
            expect(price[0]).to.equal(ref.price);
          } else {
            await expect(oracle.snapshot(epoch))
              .to.be.revertedWithCustomError(oracle, "OracleHub__TooFewGoodFeeds")
              .withArgs(0n, BigInt(ref.good), BigInt(ref.quorum));
            epoch -= 1n;
          }
        }),
        { numRuns: Number(process.env.PROP_RUNS ?? 25) },
      );
    });
  });

  describe("# oracle rule = prover/risk/oracleRule.ts @props", function () {
    it("should compute σ, the scan range and the vol shock value for value on random paths, steps and settings", async function () {
      const settings = fc.record({
        ewmaLambdaPpm: fc.bigInt({ min: 0n, max: 1_000_000n }),
        kappaPpm: fc.bigInt({ min: 1n, max: 10_000_000n }),
        horizonEpochs: fc.bigInt({ min: 1n, max: 10_000n }),
        volShockMultPpm: fc.bigInt({ min: 0n, max: 100_000_000n }),
        maxEpochStep: fc.bigInt({ min: 1n, max: 10n }),
      });
      const asset = fc.record({
        scanFloorPpm: fc.bigInt({ min: 0n, max: 1_000_000n }),
        volShockFloorPpm: fc.bigInt({ min: 0n, max: 1_000_000n }),
        initialVolPpm: fc.bigInt({ min: 0n, max: 1_000_000n }),
      });
      const price = fc.oneof(fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 90_000_000n, max: 110_000_000n }));
      const path = fc.array(fc.record({ step: fc.integer({ min: 1, max: 10 }), prices: fc.array(price, { minLength: A, maxLength: A }) }), { minLength: 1, maxLength: 4 });
      await fc.assert(
        fc.asyncProperty(settings, fc.array(asset, { minLength: A, maxLength: A }), path, async (cfg, assets, steps) => {
          const fresh = await deployCore(ethers, { instance: "test", feedsPerAsset: 3, riskDelay: 0n });
          await fresh.setRiskParams(testRisk());
          const config: OracleConfig = { ...DEFAULT_ORACLE_CONFIG, ewmaLambdaPpm: cfg.ewmaLambdaPpm, kappaPpm: cfg.kappaPpm, horizonEpochs: cfg.horizonEpochs, nuPpm: cfg.volShockMultPpm, maxEpochStep: cfg.maxEpochStep };
          await fresh.oracle.setConfig(config);
          const oracleAssets: OracleAsset[] = assets;
          for (let a = 0; a < A; a++) {
            await fresh.oracle.setAsset(BigInt(a), await Promise.all(fresh.feeds[a].map((f) => f.getAddress())), assets[a].scanFloorPpm, assets[a].volShockFloorPpm, assets[a].initialVolPpm);
          }
          let state: OracleState = initialOracleState(oracleAssets);
          let epoch = 1n;
          for (const [i, s] of steps.entries()) {
            if (i > 0) epoch += BigInt(s.step);
            for (let a = 0; a < A; a++) for (const f of fresh.feeds[a]) await f.setAnswer(s.prices[a]);
            const tooFar = i > 0 && BigInt(s.step) > cfg.maxEpochStep;
            if (tooFar) {
              await expect(fresh.oracle.snapshot(epoch)).to.be.revertedWithCustomError(fresh.oracle, "OracleHub__EpochStepTooLarge");
              epoch -= BigInt(s.step);
              continue;
            }
            const ref = oracleSnapshot(state, epoch, s.prices, oracleAssets, cfg);
            await fresh.oracle.snapshot(epoch);
            const [p, S, Sig] = await fresh.oracle.snapshotAt(epoch);
            expect(p).to.deep.equal(ref.market.price);
            expect(S, "scan range").to.deep.equal(ref.market.scanRange);
            expect(Sig, "vol shock").to.deep.equal(ref.market.volShock);
            for (let a = 0; a < A; a++) expect(await fresh.oracle.sigmaPpm(BigInt(a))).to.equal(ref.sigmaPpm[a]);
            state = ref.state;
          }
        }),
        { numRuns: Number(process.env.PROP_RUNS ?? 8) },
      );
    });
  });

  describe("# volatility", function () {
    it("should update the EWMA variance each snapshot and scale S = max(floor, κ·σ·√h), Σ = max(floor, ν·σ)", async function () {
      const cfg = { ...DEFAULT_ORACLE_CONFIG, kappaPpm: 3_000_000n, horizonEpochs: 4n, nuPpm: 2_000_000n };
      await oracle.setConfig(cfg);
      const seedVol = 20_000n; // 2% per epoch
      await configure(flat(100_000_000n), { floor: 50_000n, shockFloor: 10_000n, initialVol: seedVol });
      await oracle.snapshot(1n);
      // First snapshot: no return yet, σ = seed; S = 3 · 2% · √4 = 12%, Σ = 2 · 2% = 4 vol points.
      let [, scanRange, volShock] = await oracle.snapshotAt(1n);
      expect([scanRange[1], volShock[1]]).to.deep.equal([120_000n, 40_000n]);
      for (const f of core.feeds[1]) await f.setAnswer(110_000_000n);
      for (const a of [0, 2]) for (const f of core.feeds[a]) await f.setAnswer(100_000_000n);
      await oracle.snapshot(2n);
      const variance = (cfg.ewmaLambdaPpm * seedVol * seedVol + (1_000_000n - cfg.ewmaLambdaPpm) * 100_000n * 100_000n) / 1_000_000n;
      const sigma = isqrt(variance);
      expect(await oracle.sigmaPpm(1n)).to.equal(sigma);
      [, scanRange, volShock] = await oracle.snapshotAt(2n);
      expect(scanRange[1]).to.equal((cfg.kappaPpm * sigma * isqrt(cfg.horizonEpochs * 10n ** 12n)) / 10n ** 12n);
      expect(volShock[1]).to.equal((cfg.nuPpm * sigma) / 1_000_000n);
    });

    it("should keep the scan range at its floor when volatility is low, and cap both at 100%", async function () {
      await oracle.setConfig({ ...DEFAULT_ORACLE_CONFIG, nuPpm: 100_000_000n });
      await configure(flat(100_000_000n), { floor: 50_000n, initialVol: 1_000n });
      await oracle.snapshot(1n);
      let [, scanRange] = await oracle.snapshotAt(1n);
      expect(scanRange[1]).to.equal(50_000n);
      await configure(flat(100_000_000n), { floor: 50_000n, initialVol: 1_000_000n });
      await oracle.snapshot(2n);
      let volShock: bigint[];
      [, scanRange, volShock] = await oracle.snapshotAt(2n);
      expect([scanRange[1], volShock[1]]).to.deep.equal([1_000_000n, 1_000_000n]);
    });
  });

  describe("# configuration", function () {
    it("should deploy with the risk calibration's λ, κ, ν, h and epoch step (data/risk/test.oracle.json)", async function () {
      const file = JSON.parse(readFileSync(path.join(ROOT, "data", "risk", "test.oracle.json"), "utf8")) as { config: Record<string, string> };
      const c = await oracle.config();
      expect([c.ewmaLambdaPpm, c.kappaPpm, c.nuPpm, c.horizonEpochs, c.maxEpochStep]).to.deep.equal(
        ["ewmaLambdaPpm", "kappaPpm", "volShockMultPpm", "horizonEpochs", "maxEpochStep"].map((k) => BigInt(file.config[k])),
      );
    });

    it("should need at least three feeds per asset", async function () {
      const feeds = await Promise.all(core.feeds[0].slice(0, 2).map((x) => x.getAddress()));
      await expect(oracle.setAsset(0n, feeds, 0n, 0n, 0n)).to.be.revertedWithCustomError(oracle, "OracleHub__TooFewFeedsConfigured").withArgs(0n, 2n, 3n);
    });

    it("should reject a repeated feed, a feed without decimals(), an unknown asset and a floor above 100%", async function () {
      const f = await core.feeds[0][0].getAddress();
      const g = await core.feeds[0][1].getAddress();
      const h = await core.feeds[0][2].getAddress();
      await expect(oracle.setAsset(0n, [f, g, f], 0n, 0n, 0n)).to.be.revertedWithCustomError(oracle, "OracleHub__InvalidFeed").withArgs(0n, f);
      const notAFeed = await core.poseidon.getAddress();
      await expect(oracle.setAsset(0n, [f, g, notAFeed], 0n, 0n, 0n)).to.be.revertedWithCustomError(oracle, "OracleHub__InvalidFeed").withArgs(0n, notAFeed);
      const eoa = await other.getAddress();
      await expect(oracle.setAsset(0n, [f, g, eoa], 0n, 0n, 0n)).to.be.revertedWithCustomError(oracle, "OracleHub__InvalidFeed").withArgs(0n, eoa);
      await expect(oracle.setAsset(3n, [f, g, h], 0n, 0n, 0n)).to.be.revertedWithCustomError(oracle, "OracleHub__UnknownAsset").withArgs(3n);
      await expect(oracle.setAsset(0n, [f, g, h], 1_000_001n, 0n, 0n))
        .to.be.revertedWithCustomError(oracle, "OracleHub__InvalidConfig")
        .withArgs("scanFloorPpm", 1_000_001n);
      await expect(oracle.setAsset(0n, [f, g, h], 0n, 1_000_001n, 0n))
        .to.be.revertedWithCustomError(oracle, "OracleHub__InvalidConfig")
        .withArgs("volShockFloorPpm", 1_000_001n);
    });

    const bad: [keyof OracleConfig, bigint][] = [
      ["minGoodFeeds", 1n],
      ["maxAge", 0n],
      ["maxDeviationPpm", 0n],
      ["ewmaLambdaPpm", 1_000_001n],
      ["kappaPpm", 0n],
      ["nuPpm", 100_000_001n],
      ["horizonEpochs", 0n],
      ["maxEpochStep", 0n],
      ["feedGas", 9_999n],
    ];
    for (const [field, value] of bad) {
      it(`should reject ${field} = ${value} naming the setting`, async function () {
        await expect(oracle.setConfig({ ...DEFAULT_ORACLE_CONFIG, [field]: value }))
          .to.be.revertedWithCustomError(oracle, "OracleHub__InvalidConfig")
          .withArgs(field, value);
      });
    }
  });
});
