/** The oracle rule reference (prover/risk/oracleRule.ts), with numbers worked out by hand in Solidity's integer arithmetic. */
import { expect } from "chai";
import fc from "fast-check";
import { initialOracleState, isqrt, lambdaPow, oracleSnapshot, type OracleAsset, type OracleConfig } from "../../prover/risk/oracleRule.ts";

const config: OracleConfig = { ewmaLambdaPpm: 940_000n, kappaPpm: 3_000_000n, horizonEpochs: 1n, volShockMultPpm: 2_500_000n, maxEpochStep: 7n };
const asset: OracleAsset = { scanFloorPpm: 10_000n, volShockFloorPpm: 20_000n, initialVolPpm: 40_000n };

describe("oracle rule (prover/risk/oracleRule.ts)", () => {
  it("should keep the seeded variance at the first snapshot", () => {
    const s = oracleSnapshot(initialOracleState([asset]), 5n, [300_000_000_000n], [asset], config);
    expect(s.sigmaPpm).to.deep.equal([40_000n]);
    expect(s.market.scanRange).to.deep.equal([120_000n]); // 3 × 4 %
    expect(s.market.volShock).to.deep.equal([100_000n]); // 2.5 × 4 % = 10 vol points
  });

  it("should decay over n epochs with λⁿ by stepwise floors and divide r² by n", () => {
    const s1 = oracleSnapshot(initialOracleState([asset]), 1n, [300_000_000_000n], [asset], config);
    const s2 = oracleSnapshot(s1.state, 3n, [270_000_000_000n], [asset], config);
    // r = 10 % = 100,000 ppm; λ² = ⌊940,000²/1e6⌋ = 883,600; var = ⌊(883,600·1.6e9 + 116,400·⌊1e10/2⌋)/1e6⌋
    expect(lambdaPow(940_000n, 2n)).to.equal(883_600n);
    expect(s2.state.variance).to.deep.equal([1_995_760_000n]);
    expect(s2.sigmaPpm).to.deep.equal([44_673n]);
    expect(s2.market.scanRange).to.deep.equal([134_019n]);
    expect(s2.market.volShock).to.deep.equal([111_682n]);
  });

  it("should apply the floors and the 100 % caps", () => {
    const calm = { ...asset, initialVolPpm: 1_000n };
    const s = oracleSnapshot(initialOracleState([calm]), 1n, [100_000_000n], [calm], config);
    expect(s.market.scanRange).to.deep.equal([10_000n]);
    expect(s.market.volShock).to.deep.equal([20_000n]);
    const wild = { ...asset, initialVolPpm: 900_000n };
    const w = oracleSnapshot(initialOracleState([wild]), 1n, [100_000_000n], [wild], config);
    expect(w.market.scanRange).to.deep.equal([1_000_000n]);
    expect(w.market.volShock).to.deep.equal([1_000_000n]);
  });

  it("should not accept an epoch that does not move forward or jumps past maxEpochStep", () => {
    const s = oracleSnapshot(initialOracleState([asset]), 10n, [1n], [asset], config);
    expect(() => oracleSnapshot(s.state, 10n, [1n], [asset], config)).to.throw(RangeError, /does not move forward/);
    expect(() => oracleSnapshot(s.state, 18n, [1n], [asset], config)).to.throw(RangeError, /maxEpochStep/);
    expect(() => oracleSnapshot(s.state, 11n, [0n], [asset], config)).to.throw(RangeError, /prices\[0\]/);
  });

  it("should compute ⌊√x⌋ exactly (@props)", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 1n << 200n }), (x) => {
        const r = isqrt(x);
        return r * r <= x && (r + 1n) * (r + 1n) > x;
      }),
      { numRuns: Number(process.env.PROP_RUNS ?? 300), seed: 3 },
    );
  });
});
