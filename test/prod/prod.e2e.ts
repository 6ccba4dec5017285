/**
 * @prod The production instance (V=4, N=8, A=8, K=16, D=20) end to end: its key from the pipeline (`npm run
 * build:prod`, a 2^16 ptau), a real proof of a four-venue book made by a warm ProverSession with circom's C++
 * witness generator (when the build made one), verified off-chain and on-chain through MarginAttestor on Hardhat's
 * in-process network, and a tampered proof rejected on both sides.
 *
 * Not part of `npm test` (the prod build takes minutes): `npm run test:prod`, which .ci/run runs after `npm test`.
 */
import { expect } from "chai";
import type { Signer } from "ethers";
import hre from "hardhat";
import { AttestorClient, LifecycleState, attestable } from "../../client/attestor.ts";
import { deployZkMargin, type ZkMarginDeployment } from "../../client/deploy.ts";
import { ZkMarginChainError } from "../../prover/errors.ts";
import { generateProof, releaseProver, type ZkMarginProof } from "../../prover/generateProof.ts";
import { ProverSession } from "../../prover/proverSession.ts";
import { verifyProof } from "../../prover/verifyProof.ts";
import type { Statement } from "../../prover/statement.ts";
import { accountKeys, Venue } from "../../prover/venue.ts";
import { builtWitness, localArtifacts } from "../../scripts/lib/instances.ts";
import { readManifest } from "../../scripts/lib/pipeline.ts";
import { PROD_PARAMS, prodDeskBook, prodMarket, prodRisk, usd } from "../fixtures/market.ts";

const EPOCH = 9n;
const SECRET = 0x9e0d_5ec2e7n;

describe("@prod production instance end to end (key, warm prover, off-chain and on-chain verification)", function () {
  let zk: ZkMarginDeployment;
  let trader: Signer;
  let traderAddr: string;
  let session: ProverSession;
  let proof: ZkMarginProof;
  const statements: Statement[] = [];

  before(async function () {
    const m = readManifest("prod");
    if (!m) throw new Error('instance "prod" is not built: run `npm run build:prod` first (npm run test:prod does)');
    await hre.tasks.getTask("build").run({ quiet: true, noTests: true });
    const { ethers } = await hre.network.create();
    const signers = (await ethers.getSigners()) as unknown as Signer[];
    trader = signers[1];
    traderAddr = await trader.getAddress();
    zk = await deployZkMargin(ethers, { instance: "prod" });
    await zk.setRiskParams(prodRisk()); // before the snapshot, which binds the risk-params version
    await zk.setMarket(prodMarket(), EPOCH);
    for (const [i, { venueId, holdings }] of prodDeskBook().entries()) {
      const venue = Venue.forInstance(venueId, PROD_PARAMS);
      for (let k = 0; k < 3; k++) venue.openAccount(1000n + BigInt(k), 77n + BigInt(k), []); // other traders
      const keys = accountKeys(SECRET, 0x5a17_0000n + venueId); // a salt per venue, as a trader's wallet makes them
      const index = venue.openAccount(keys.owner, keys.salt, holdings);
      const operator = signers[10 + i];
      await zk.registerVenue(venueId, operator);
      await zk.postRoot(operator, venueId, EPOCH, venue.root);
      statements.push(venue.statement(index, EPOCH));
    }
    session = await ProverSession.open(localArtifacts("prod"));
  });

  after(async function () {
    await session?.close();
    await releaseProver();
  });

  it("should have a verified production key from the pipeline, and a C++ witness generator where the toolchain is", function () {
    const m = readManifest("prod");
    expect(m?.r1cs.nConstraints).to.be.greaterThan(2 ** 15);
    expect(m?.ptau.power).to.be.at.least(16);
    expect(m?.phase2.verified).to.not.equal(false);
    const cpp = builtWitness("prod");
    // either the generator is there and intact, or the manifest says why not (never silently absent)
    if (!cpp.witness) expect(m?.witnessCpp?.built).to.equal(false);
    else expect(session.witnessEngine.engine).to.equal("cpp");
  });

  it("should prove a four-venue book with the warm session and verify it off-chain", async function () {
    proof = await generateProof(
      { statements, traderSecret: SECRET, market: prodMarket(), risk: prodRisk(), epoch: EPOCH, subject: BigInt(traderAddr), domain: zk.domain, minExcess: usd("100000") },
      session,
    );
    expect(proof.instance).to.equal("prod");
    expect(proof.publicInputs.venueIds).to.deep.equal([1n, 2n, 3n, 5n]);
    expect(await verifyProof(proof, localArtifacts("prod"))).to.equal(true);
  });

  it("should prove again in the same session (the key and workers stay loaded) and get a different valid proof", async function () {
    const again = await generateProof(
      { statements, traderSecret: SECRET, market: prodMarket(), risk: prodRisk(), epoch: EPOCH, subject: BigInt(traderAddr), domain: zk.domain, minExcess: usd("100000") },
      session,
    );
    expect(again.publicSignals).to.deep.equal(proof.publicSignals);
    expect(again.points).to.not.deep.equal(proof.points); // Groth16 re-randomises
    expect(await verifyProof(again, localArtifacts("prod"))).to.equal(true);
  });

  it("should not verify a tampered proof or public input off-chain", async function () {
    const badPoint = { ...proof, proof: { ...proof.proof, pi_a: [proof.proof.pi_c[0], proof.proof.pi_c[1], "1"] } };
    expect(await verifyProof(badPoint, localArtifacts("prod"))).to.equal(false);
    const badInput = { ...proof, publicSignals: proof.publicSignals.map((s, i) => (i === proof.publicSignals.length - 1 ? (BigInt(s) + 1n).toString() : s)) };
    expect(await verifyProof(badInput, localArtifacts("prod")).catch(() => false)).to.equal(false);
  });

  it("should attest on-chain through MarginAttestor and the generated prod verifier", async function () {
    const client = new AttestorClient(await zk.attestor.getAddress(), trader);
    expect(await client.verify(attestable(proof, EPOCH))).to.equal(true);
    const tx = await client.attest(attestable(proof, EPOCH));
    expect(tx.receipt.status).to.equal(1);
    console.log(`      (attest gas, prod instance V=4, 4 venues: ${tx.gasUsed})`);
    expect((await client.attestation(traderAddr)).minExcess).to.equal(usd("100000"));
    const status = await client.status(traderAddr);
    expect([status.state, status.available]).to.deep.equal([LifecycleState.Live, usd("100000")]);
  });

  it("should not attest a tampered proof on-chain", async function () {
    const client = new AttestorClient(await zk.attestor.getAddress(), trader);
    const forged: ZkMarginProof = { ...proof, points: [...proof.points.slice(0, 6), proof.points[7], proof.points[6]] as ZkMarginProof["points"] };
    expect(await client.verify(attestable(forged, EPOCH))).to.equal(false);
    let err: unknown;
    try {
      await client.attest(attestable(forged, EPOCH));
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(ZkMarginChainError);
    expect((err as ZkMarginChainError).errorName).to.equal("MarginAttestor__InvalidProof");
  });
});
