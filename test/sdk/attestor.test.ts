/**
 * client/attestor.ts against the real contracts on Hardhat's in-process network with real proofs: attest (single,
 * relayed with an EIP-712 signature, batch), read, isSolvent, allocate/release, and custom errors decoded into
 * readable messages. The human-readable ABI is checked against the compiled IMarginAttestor.
 */
import { expect } from "chai";
import type { Signer } from "ethers";
import hre from "hardhat";
import { ZkMarginChainError } from "../../prover/errors.ts";
import { generateProof, releaseProver, type ZkMarginProof } from "../../prover/generateProof.ts";
import type { Statement } from "../../prover/statement.ts";
import { accountKeys, Venue } from "../../prover/venue.ts";
import { buildInstance } from "../../scripts/lib/pipeline.ts";
import { AttestorClient, marginAttestorInterface, MARGIN_ATTESTOR_ABI } from "../../client/attestor.ts";
import { deployZkMargin, type ZkMarginDeployment } from "../../client/deploy.ts";
import { TEST_PARAMS, testMarket, testRisk, usd } from "../fixtures/market.ts";
import { hedgedBook } from "./book.ts";

const EPOCH = 7n;

async function chainError(p: Promise<unknown>): Promise<ZkMarginChainError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(ZkMarginChainError);
    return e as ZkMarginChainError;
  }
  throw new Error("expected a revert");
}

describe("# AttestorClient (real contracts, real proofs)", function () {
  let zk: ZkMarginDeployment;
  let trader: Signer, other: Signer, third: Signer, lender: Signer;
  let traderAddr: string, otherAddr: string, thirdAddr: string, lenderAddr: string;
  /** statements of trader A (secret 0xA11CE) and trader B (secret 0xB0B) at venues 11 and 22 */
  const statements: Record<"a" | "b", Statement[]> = { a: [], b: [] };
  const secrets = { a: 0xa11cen, b: 0xb0bn };

  const prove = (who: "a" | "b", subject: string, minExcess: bigint): Promise<ZkMarginProof> =>
    generateProof(
      { statements: statements[who], traderSecret: secrets[who], market: testMarket(), risk: testRisk(), epoch: EPOCH, subject: BigInt(subject), minExcess },
      { instance: "test" },
    );

  before(async () => {
    await buildInstance("test", { log: () => undefined });
    await hre.tasks.getTask("build").run({ quiet: true, noTests: true });
    const { ethers } = await hre.network.create();
    const signers = (await ethers.getSigners()) as unknown as Signer[];
    [trader, other, third, lender] = signers.slice(1, 5);
    [traderAddr, otherAddr, thirdAddr, lenderAddr] = await Promise.all([trader, other, third, lender].map((s) => s.getAddress()));
    zk = await deployZkMargin(ethers, { instance: "test" });
    await zk.setMarket(testMarket(), EPOCH);
    await zk.setRiskParams(testRisk());
    for (const [i, { venueId, holdings }] of hedgedBook().entries()) {
      const venue = Venue.forInstance(venueId, TEST_PARAMS);
      const a = accountKeys(secrets.a);
      const b = accountKeys(secrets.b);
      const ia = venue.openAccount(a.owner, a.salt, holdings);
      const ib = venue.openAccount(b.owner, b.salt, holdings);
      const operator = signers[10 + i];
      await zk.registerVenue(venueId, operator);
      await zk.postRoot(operator, venueId, EPOCH, venue.root);
      statements.a.push(venue.statement(ia, EPOCH));
      statements.b.push(venue.statement(ib, EPOCH));
    }
  });

  after(async () => {
    await releaseProver();
  });

  it("should match the compiled IMarginAttestor interface", async () => {
    const artifact = await hre.artifacts.readArtifact("IMarginAttestor");
    const compiled = new (await import("ethers")).Interface(artifact.abi);
    const sigs = (i: typeof compiled) => {
      const out: string[] = [];
      i.forEachFunction((f) => out.push(f.format("full")));
      i.forEachError((e) => out.push(e.format("full")));
      i.forEachEvent((e) => out.push(e.format("full")));
      return out.sort();
    };
    expect(sigs(marginAttestorInterface)).to.deep.equal(sigs(compiled));
    expect(MARGIN_ATTESTOR_ABI.length).to.equal(sigs(compiled).length);
  });

  describe("single attestation, nullifiers, allocation", () => {
    let proofA: ZkMarginProof;

    before(async () => {
      proofA = await prove("a", traderAddr, usd("50000"));
    });

    it("should attest, wait for the receipt and read the attestation back", async () => {
      const client = new AttestorClient(await zk.attestor.getAddress(), trader);
      expect(await client.verify(proofA)).to.equal(true);
      const tx = await client.attest(proofA);
      expect(tx.gasUsed > 100_000n).to.equal(true);
      expect(tx.receipt.status).to.equal(1);
      expect(await client.attestation(traderAddr)).to.deep.equal({ epoch: EPOCH, validUntilEpoch: EPOCH + (await zk.attestor.expiryEpochs()), minExcess: usd("50000") });
      expect(await client.isSolvent(traderAddr, usd("50000"))).to.equal(true);
      expect(await client.isSolvent(traderAddr, usd("50000") + 1n)).to.equal(false);
      expect(await client.nullifierSpentBy(EPOCH, proofA.publicInputs.nullifiers[0])).to.equal(traderAddr);
    });

    it("should decode a nullifier spent by another subject into a readable message", async () => {
      const proofSameAccounts = await prove("a", otherAddr, usd("1000"));
      const client = new AttestorClient(await zk.attestor.getAddress(), other);
      const e = await chainError(client.attest(proofSameAccounts));
      expect(e.errorName).to.equal("MarginAttestor__NullifierSpent");
      expect(e.message).to.match(
        new RegExp(`^MarginAttestor__NullifierSpent\\(nullifier=\\d+, epoch=7, spentBy=${traderAddr}\\): a venue account already backs another subject's attestation in this epoch$`),
      );
    });

    it("should decode a proof whose public inputs do not match the chain", async () => {
      const client = new AttestorClient(await zk.attestor.getAddress(), trader);
      const forged = { ...proofA, publicInputs: { ...proofA.publicInputs, minExcess: usd("60000") } };
      const e = await chainError(client.attest(forged));
      expect(e.errorName).to.equal("MarginAttestor__InvalidProof");
      expect(e.message).to.match(/does not verify against on-chain roots, market and risk params/);
    });

    it("should allocate within the attested excess, decode an over-allocation, and release", async () => {
      const client = new AttestorClient(await zk.attestor.getAddress(), trader);
      await client.allocate(lenderAddr, usd("30000"));
      expect(await client.allocatedTo(traderAddr, lenderAddr)).to.equal(usd("30000"));
      expect(await client.availableExcess(traderAddr)).to.equal(usd("20000"));
      const e = await chainError(client.allocate(lenderAddr, usd("20000") + 1n));
      expect(e.message).to.equal(
        `MarginAttestor__OverAllocated(requested=${usd("20000") + 1n}, available=${usd("20000")}): the allocation would exceed the attested excess`,
      );
      const asLender = new AttestorClient(await zk.attestor.getAddress(), lender);
      await asLender.release(traderAddr, lenderAddr, usd("10000")); // loan repaid: the consumer releases
      expect(await client.totalAllocated(traderAddr)).to.equal(usd("20000"));
    });
  });

  describe("relayed and batched attestations", () => {
    let relayed: ZkMarginProof;

    it("should attest a batch: one proof sent by its subject, one relayed with the subject's EIP-712 signature", async () => {
      const own = await prove("a", thirdAddr, usd("100"));
      relayed = await prove("b", otherAddr, usd("40000"));
      const asThird = new AttestorClient(await zk.attestor.getAddress(), third);
      // trader A's accounts are already spent by `trader` this epoch: the whole batch reverts, nothing recorded
      const deadline = BigInt(Math.floor(Date.now() / 1000) + 3600);
      const sig = await asThird.signRequest(other, relayed, deadline);
      const e = await chainError(asThird.attestBatch([{ proof: own }, { proof: relayed, signature: sig, deadline }]));
      expect(e.errorName).to.equal("MarginAttestor__NullifierSpent");
      expect(await asThird.isSolvent(otherAddr, 1n)).to.equal(false);
      // the relayed proof alone, signed again (the nonce was not used), goes through
      const sig2 = await asThird.signRequest(other, relayed, deadline);
      const tx = await asThird.attestBatch([{ proof: relayed, signature: sig2, deadline }]);
      expect(tx.receipt.status).to.equal(1);
      expect(await asThird.isSolvent(otherAddr, usd("40000"))).to.equal(true);
    });

    it("should not accept a relayed proof signed by someone else than its subject", async () => {
      const client = new AttestorClient(await zk.attestor.getAddress(), third);
      try {
        await client.signRequest(third, relayed, 0n);
        expect.fail("signed for another subject");
      } catch (err) {
        expect((err as Error).message).to.match(/not the proof's subject/);
      }
    });
  });
});
