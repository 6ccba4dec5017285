/**
 * The on-chain Poseidon(8) (circomlibjs bytecode) and the Solidity PoseidonSponge agree with prover/hash.ts, and
 * OracleHub / RiskParams store exactly marketHash() / riskParamsHash() of prover/commitments.ts.
 */
import { expect } from "chai";
import fc from "fast-check";
import { network } from "hardhat";
import { FIELD, poseidon, sponge, PARAMS_SPONGE_WIDTH } from "../../prover/hash.ts";
import { dataContractInitCode, deployCore, poseidonT9Constants } from "../../client/deploy.ts";
import type { PoseidonT9 } from "../../client/deploy.ts";

const { ethers } = await network.create();

type Harness = { hash(fields: bigint[]): Promise<bigint> };

describe("PoseidonSponge (Solidity) vs prover/hash.ts", function () {
  let p8: PoseidonT9;
  let harness: Harness;

  before(async function () {
    const core = await deployCore(ethers, { instance: "test", feedsPerAsset: 0 });
    p8 = core.poseidon;
    harness = (await ethers.deployContract("PoseidonSpongeHarness", [await p8.getAddress()])) as unknown as Harness;
  });

  it("should compute circomlib's Poseidon(8) like poseidon-lite", async function () {
    const inputs = [1n, 2n, 3n, 4n, 5n, 6n, 7n, FIELD - 1n];
    expect(await p8.poseidon(inputs)).to.equal(poseidon(inputs));
  });

  it("should compute the sponge like prover/hash.ts for every length 0..30 (padding and chunk edges)", async function () {
    for (let len = 0; len <= 30; len++) {
      const fields = Array.from({ length: len }, (_, i) => (BigInt(i + 1) * 0x1234567890abcdefn) % FIELD);
      expect(await harness.hash(fields), `length ${len}`).to.equal(sponge(fields, PARAMS_SPONGE_WIDTH));
    }
  });

  it("should agree with prover/hash.ts on random field vectors @props", async function () {
    const runs = Number(process.env.PROP_RUNS ?? 20);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.bigInt({ min: 0n, max: FIELD - 1n }), { maxLength: 40 }), async (fields) => {
        expect(await harness.hash(fields)).to.equal(sponge(fields, PARAMS_SPONGE_WIDTH));
      }),
      { numRuns: runs },
    );
  });

  it("should stay under 0.25M gas per Poseidon(8) call (printed)", async function () {
    const g = await p8.poseidon.estimateGas([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]);
    console.log(`      Poseidon(8) call, eth_estimateGas incl. 21k base: ${g}`);
    expect(g).to.be.lessThan(250_000n);
  });

  it("should refuse to deploy over constants that are not circomlibjs's (code-hash pin)", async function () {
    const words = poseidonT9Constants();
    const half = words.length / 2;
    const deployData = async (part: bigint[]) => {
      const data = new Uint8Array(part.length * 32);
      part.forEach((w, i) => data.set(Buffer.from(w.toString(16).padStart(64, "0"), "hex"), i * 32));
      const [admin] = await ethers.getSigners();
      const receipt = await (await admin.sendTransaction({ data: dataContractInitCode(data) })).wait();
      return receipt!.contractAddress!;
    };
    const good0 = await deployData(words.slice(0, half));
    const good1 = await deployData(words.slice(half));
    const tampered = words.slice(half);
    tampered[100] = (tampered[100] + 1n) % FIELD;
    const bad1 = await deployData(tampered);
    const factory = await ethers.getContractFactory("PoseidonT9");
    await expect(factory.deploy(good0, bad1)).to.be.revertedWithCustomError(factory, "PoseidonT9__BadConstants");
    await expect(factory.deploy(good1, good0)).to.be.revertedWithCustomError(factory, "PoseidonT9__BadConstants");
    const ok = (await factory.deploy(good0, good1)) as unknown as PoseidonT9;
    expect(await ok.poseidon([8n, 7n, 6n, 5n, 4n, 3n, 2n, 1n])).to.equal(poseidon([8n, 7n, 6n, 5n, 4n, 3n, 2n, 1n]));
  });

  it("should not hash a value outside the field", async function () {
    await expect(harness.hash([1n, FIELD])).to.be.revertedWithCustomError(harness as never, "PoseidonSponge__NotInField").withArgs(1n, FIELD);
  });
});
