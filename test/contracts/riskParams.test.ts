/** RiskParams: range checks naming what is wrong; stored hash = prover riskParamsHash (negatives as field elements). */
import { expect } from "chai";
import { network } from "hardhat";
import { deployCore, type RiskParamsContract, type ZkMarginCore } from "../../client/deploy.ts";
import { riskParamsHash, riskWords } from "../../prover/commitments.ts";
import { toField } from "../../prover/hash.ts";
import type { RiskParams } from "../../prover/types.ts";
import { testRisk } from "../fixtures/market.ts";

const { ethers } = await network.create();

describe("RiskParams", function () {
  let core: ZkMarginCore;
  let rp: RiskParamsContract;

  before(async function () {
    core = await deployCore(ethers, { instance: "test", feedsPerAsset: 0 });
    rp = core.riskParams;
  });

  describe("# setParams", function () {
    it("should store the hash prover/commitments.ts computes, over the words of riskWords", async function () {
      const r = testRisk();
      const tx = rp.setParams(r);
      await expect(tx).to.emit(rp, "ParamsSet");
      console.log(`      (setParams gas, test instance: ${(await (await tx).wait())?.gasUsed.toLocaleString("en-US")})`);
      expect(await rp.paramsHash()).to.equal(riskParamsHash(r));
      expect(await rp.words()).to.deep.equal(riskWords(r));
      expect(riskWords(r)).to.have.length(3);
    });

    it("should accept every bound at its maximum", async function () {
      const r: RiskParams = {
        haircut: [1_000_000n, 0n, 1_000_000n],
        debtAddOn: [1_000_000n, 1_000_000n, 0n],
        moves: [
          [3_000_000n, -3_000_000n, 0n],
          [-3_000_000n, 3_000_000n, 1n],
          [0n, 0n, 0n],
          [1n, -1n, 2n],
        ],
        volDirs: [
          [1n, -1n, 0n],
          [-1n, 1n, 0n],
          [0n, 0n, 0n],
          [1n, 1n, -1n],
        ],
        weights: [1_000_000n, 0n, 350_000n, 1_000_000n],
        grossCharge: 1_000_000n,
      };
      await rp.setParams(r);
      expect(await rp.paramsHash()).to.equal(riskParamsHash(r));
    });

    const cases: [string, (r: RiskParams) => void, string, unknown[]][] = [
      ["a haircut above 1e6", (r) => (r.haircut[1] = 1_000_001n), "RiskParams__HaircutOutOfRange", [1n, 1_000_001n]],
      ["a debt add-on above 1e6", (r) => (r.debtAddOn[2] = 1_000_001n), "RiskParams__DebtAddOnOutOfRange", [2n, 1_000_001n]],
      ["a move above 3e6", (r) => (r.moves[2][1] = 3_000_001n), "RiskParams__MoveOutOfRange", [2n, 1n, 3_000_001n]],
      ["a move below -3e6", (r) => (r.moves[3][0] = -3_000_001n), "RiskParams__MoveOutOfRange", [3n, 0n, -3_000_001n]],
      ["a vol direction of 2", (r) => (r.volDirs[0][2] = 2n), "RiskParams__VolDirOutOfRange", [0n, 2n, 2n]],
      ["a vol direction of -2", (r) => (r.volDirs[1][0] = -2n), "RiskParams__VolDirOutOfRange", [1n, 0n, -2n]],
      ["a weight above 1e6", (r) => (r.weights[3] = 1_000_001n), "RiskParams__WeightOutOfRange", [3n, 1_000_001n]],
      ["a gross charge above 1e6", (r) => (r.grossCharge = 1_000_001n), "RiskParams__GrossChargeOutOfRange", [1_000_001n]],
      ["too few haircuts", (r) => r.haircut.pop(), "RiskParams__WrongLength", ["haircut", 2n, 3n]],
      ["too many scenarios", (r) => r.moves.push([0n, 0n, 0n]), "RiskParams__WrongLength", ["moves", 5n, 4n]],
      ["a short scenario row", (r) => r.volDirs[2].pop(), "RiskParams__WrongLength", ["volDirs[k]", 2n, 3n]],
    ];
    for (const [what, edit, error, args] of cases) {
      it(`should reject ${what} with ${error}`, async function () {
        const r = testRisk();
        edit(r);
        await expect(rp.setParams(r))
          .to.be.revertedWithCustomError(rp, error)
          .withArgs(...args);
      });
    }

    it("should only let governance set parameters", async function () {
      const [, other] = await ethers.getSigners();
      await expect((rp.connect(other) as RiskParamsContract).setParams(testRisk())).to.be.revertedWithCustomError(rp, "OwnableUnauthorizedAccount");
    });
  });
});
