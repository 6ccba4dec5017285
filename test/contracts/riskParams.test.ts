/**
 * RiskParams: range checks naming what is wrong (every field, model v2 included); stored hash and words = prover
 * riskParamsHash / riskWords in the v2 layout (the circuit proves model v2 only); v1-shaped params refused; versions
 * kept; only the deployment's timelock sets parameters, after its delay.
 */
import { expect } from "chai";
import { network } from "hardhat";
import type { Signer } from "ethers";
import { chainRiskParams, deployCore, type RiskParamsContract, type ZkMarginCore } from "../../client/deploy.ts";
import { riskParamsHash, riskWords } from "../../prover/commitments.ts";
import type { RiskParams } from "../../prover/types.ts";
import { prodRisk, testRisk, testRiskV1 } from "../fixtures/market.ts";

const { ethers, networkHelpers } = await network.create();

/** The test instance's fixture params with the calibrated model-v2 values of data/risk/test.json. */
function v2Risk(): RiskParams {
  return {
    ...testRiskV1(),
    basisCharge: [2_195n, 6_374n, 10_315n],
    concentration: [4n, 262n, 85n],
    shortOptionMin: [0n, 78_656n, 78_656n],
    vegaGross: 1_000_000n,
    noGammaGain: 1n,
    venueDefault: 50_000n,
  };
}

describe("RiskParams", function () {
  let core: ZkMarginCore;
  let rp: RiskParamsContract;
  let governance: Signer, other: Signer;

  before(async function () {
    [governance, other] = await ethers.getSigners();
    core = await deployCore(ethers, { instance: "test", feedsPerAsset: 0 });
    // the same contract owned directly by a test signer, to check each range without the timelock's round trip
    rp = (await ethers.deployContract("RiskParams", [await governance.getAddress(), await core.poseidon.getAddress(), 3n, 4n])) as unknown as RiskParamsContract;
  });
  const set = (r: RiskParams) => rp.setParams(chainRiskParams(r));

  describe("# setParams", function () {
    it("should store the hash prover/commitments.ts computes over the v2 words, as version 1", async function () {
      const r = testRisk();
      const tx = set(r);
      await expect(tx).to.emit(rp, "ParamsSet");
      console.log(`      (setParams gas, test instance: ${(await (await tx).wait())?.gasUsed.toLocaleString("en-US")})`);
      expect(await rp.version()).to.equal(1n);
      expect(await rp.paramsHash()).to.equal(riskParamsHash(r));
      expect(await rp.words()).to.deep.equal(riskWords(r));
      expect(riskWords(r)).to.have.length(2);
    });

    it("should hash the production instance's params (A = 8, K = 16: 3-bit residual columns) as prover/commitments.ts does", async function () {
      const prod = (await ethers.deployContract("RiskParams", [await governance.getAddress(), await core.poseidon.getAddress(), 8n, 16n])) as unknown as RiskParamsContract;
      const r = prodRisk();
      const tx = prod.setParams(chainRiskParams(r));
      console.log(`      (setParams gas, production instance: ${(await (await tx).wait())?.gasUsed.toLocaleString("en-US")})`);
      expect(await prod.words()).to.deep.equal(riskWords(r));
      expect(await prod.paramsHash()).to.equal(riskParamsHash(r));
      // every column of [1, 8) in turn, each asset's bits at their own place
      for (let c = 1; c < 8; c++) {
        const rc = { ...r, residualColumn: r.residualColumn.map((x, a) => (a % 2 === 0 ? c : 8 - c)) };
        await prod.setParams(chainRiskParams(rc));
        expect(await prod.paramsHash(), `column ${c}`).to.equal(riskParamsHash(rc));
      }
    });

    it("should refuse to deploy for a scenario count that is not 2·2^m in [4, 64]", async function () {
      for (const K of [0n, 2n, 6n, 12n, 128n]) {
        await expect(ethers.deployContract("RiskParams", [await governance.getAddress(), await core.poseidon.getAddress(), 3n, K]), String(K))
          .to.be.revertedWithCustomError(rp, "RiskParams__ScenarioCountOutOfRange")
          .withArgs(K);
      }
    });

    it("should hash the calibrated model-v2 params as prover/commitments.ts does", async function () {
      const r = v2Risk();
      await set(r);
      expect(await rp.words()).to.deep.equal(riskWords(r));
      expect(await rp.paramsHash()).to.equal(riskParamsHash(r));
    });

    it("should refuse v1-shaped params (the circuit proves model v2 only), naming the first missing field", async function () {
      await expect(set(testRiskV1())).to.be.revertedWithCustomError(rp, "RiskParams__WrongLength").withArgs("basisCharge", 0n, 3n);
    });

    it("should keep every version's hash and parameters", async function () {
      const v = await rp.version();
      const r1 = testRisk();
      await set(r1);
      const r2 = v2Risk();
      r2.venueDefault = 0n;
      await set(r2);
      expect(await rp.version()).to.equal(v + 2n);
      expect(await rp.hashOf(v + 1n)).to.equal(riskParamsHash(r1));
      expect(await rp.hashOf(v + 2n)).to.equal(riskParamsHash(r2));
      const [h, cur] = await rp.current();
      expect([h, cur]).to.deep.equal([riskParamsHash(r2), v + 2n]);
      await expect(rp.hashOf(v + 3n)).to.be.revertedWithCustomError(rp, "RiskParams__UnknownVersion").withArgs(v + 3n);
      await expect(rp.hashOf(0n)).to.be.revertedWithCustomError(rp, "RiskParams__UnknownVersion").withArgs(0n);
    });

    it("should accept every bound at its maximum (v1 and v2)", async function () {
      const r: RiskParams = {
        haircut: [1_000_000n, 0n, 1_000_000n],
        debtAddOn: [1_000_000n, 1_000_000n, 0n],
        scenarios: 4,
        factorLoading: [1_000_000n, 0n, 1_000_000n],
        residualLoading: [1_000_000n, -1_000_000n, 0n],
        residualColumn: [1, 1, 1],
        grossCharge: 1_000_000n,
        basisCharge: [1_000_000n, 0n, 1n],
        concentration: [(1n << 20n) - 1n, 0n, 1n],
        shortOptionMin: [3_000_000n, 0n, 1n],
        vegaGross: 1_000_000n,
        noGammaGain: 1n,
        venueDefault: 1_000_000n,
      };
      await set(r);
      expect(await rp.paramsHash()).to.equal(riskParamsHash(r));
    });

    const cases: [string, (r: RiskParams) => void, string, unknown[]][] = [
      ["a haircut above 1e6", (r) => (r.haircut[1] = 1_000_001n), "RiskParams__HaircutOutOfRange", [1n, 1_000_001n]],
      ["a debt add-on above 1e6", (r) => (r.debtAddOn[2] = 1_000_001n), "RiskParams__DebtAddOnOutOfRange", [2n, 1_000_001n]],
      ["a factor loading above 1e6", (r) => (r.factorLoading[2] = 1_000_001n), "RiskParams__FactorLoadingOutOfRange", [2n, 1_000_001n]],
      ["a residual loading above 1e6", (r) => (r.residualLoading[1] = 1_000_001n), "RiskParams__ResidualLoadingOutOfRange", [1n, 1_000_001n]],
      ["a residual loading below -1e6", (r) => (r.residualLoading[0] = -1_000_001n), "RiskParams__ResidualLoadingOutOfRange", [0n, -1_000_001n]],
      ["residual column 0 (the market factor's)", (r) => (r.residualColumn[1] = 0), "RiskParams__ResidualColumnOutOfRange", [1n, 0n]],
      ["a residual column of K/2", (r) => (r.residualColumn[2] = 2), "RiskParams__ResidualColumnOutOfRange", [2n, 2n]],
      ["a gross charge above 1e6", (r) => (r.grossCharge = 1_000_001n), "RiskParams__GrossChargeOutOfRange", [1_000_001n]],
      ["too few haircuts", (r) => r.haircut.pop(), "RiskParams__WrongLength", ["haircut", 2n, 3n]],
      ["too few factor loadings", (r) => r.factorLoading.pop(), "RiskParams__WrongLength", ["factorLoading", 2n, 3n]],
      ["too many residual columns", (r) => r.residualColumn.push(1), "RiskParams__WrongLength", ["residualColumn", 4n, 3n]],
      ["a basis charge above 1e6", (r) => (r.basisCharge![0] = 1_000_001n), "RiskParams__BasisChargeOutOfRange", [0n, 1_000_001n]],
      ["a concentration of 2^20", (r) => (r.concentration![2] = 1n << 20n), "RiskParams__ConcentrationOutOfRange", [2n, 1n << 20n]],
      ["a short-option minimum above 3e6", (r) => (r.shortOptionMin![1] = 3_000_001n), "RiskParams__ShortOptionMinOutOfRange", [1n, 3_000_001n]],
      ["a gross vega weight above 1e6", (r) => (r.vegaGross = 1_000_001n), "RiskParams__VegaGrossOutOfRange", [1_000_001n]],
      ["noGammaGain of 2", (r) => (r.noGammaGain = 2n), "RiskParams__NoGammaGainOutOfRange", [2n]],
      ["a venue default above 1e6", (r) => (r.venueDefault = 1_000_001n), "RiskParams__VenueDefaultOutOfRange", [1_000_001n]],
      ["a partial v2 set (no concentration)", (r) => (r.concentration = []), "RiskParams__WrongLength", ["concentration", 0n, 3n]],
    ];
    for (const [what, edit, error, args] of cases) {
      it(`should reject ${what} with ${error}`, async function () {
        const r = v2Risk();
        edit(r);
        await expect(set(r))
          .to.be.revertedWithCustomError(rp, error)
          .withArgs(...args);
      });
    }

    it("should only let the owner set parameters", async function () {
      await expect((rp.connect(other) as RiskParamsContract).setParams(chainRiskParams(testRisk()))).to.be.revertedWithCustomError(rp, "OwnableUnauthorizedAccount");
    });
  });

  describe("# through the deployment's timelock", function () {
    it("should be owned by the timelock and set only after its delay", async function () {
      expect(await core.riskParams.owner()).to.equal(await core.timelock.getAddress());
      const delay = await core.timelock.getMinDelay();
      expect(delay).to.equal(2n * 86_400n);
      const r = testRisk();
      const { readyAt } = await core.proposeRiskParams(r);
      await expect(core.executeRiskParams(r)).to.be.revertedWithCustomError(core.timelock, "TimelockUnexpectedOperationState");
      await networkHelpers.time.increaseTo(readyAt);
      expect(await core.executeRiskParams(r)).to.equal(riskParamsHash(r));
      expect(await core.riskParams.version()).to.equal(1n);
    });

    it("should not let anyone but the proposer schedule, nor skip the delay", async function () {
      const data = core.riskParams.interface.encodeFunctionData("setParams", [chainRiskParams(testRisk())]);
      const target = await core.riskParams.getAddress();
      const asOther = core.timelock.connect(other) as typeof core.timelock;
      await expect(asOther.schedule(target, 0n, data, ethers.ZeroHash, ethers.ZeroHash, 2n * 86_400n)).to.be.revertedWithCustomError(core.timelock, "AccessControlUnauthorizedAccount");
      await expect(core.timelock.schedule(target, 0n, data, ethers.ZeroHash, ethers.ZeroHash, 60n)).to.be.revertedWithCustomError(core.timelock, "TimelockInsufficientDelay");
    });

    it("should bubble a range error up from the timelock's execution", async function () {
      const r = testRisk();
      r.haircut[0] = 1_000_001n;
      const { readyAt } = await core.proposeRiskParams(r);
      await networkHelpers.time.increaseTo(readyAt);
      await expect(core.executeRiskParams(r)).to.be.revertedWithCustomError(core.riskParams, "RiskParams__HaircutOutOfRange").withArgs(0n, 1_000_001n);
    });
  });
});
