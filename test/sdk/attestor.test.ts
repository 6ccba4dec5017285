/**
 * client/attestor.ts against the real contracts on Hardhat's in-process network with real proofs from the SDK
 * (generateProof over venue statements): attest (single, relayed with an EIP-712 signature, batch), the lender and
 * consumer reads, allocate / release / reclaim, cancelNonce, and custom errors of the attestor and of the book ledger
 * decoded into readable messages. The human-readable ABI is checked against the compiled IMarginAttestor.
 */
import { expect } from "chai";
import type { Signer } from "ethers";
import hre from "hardhat";
import { ZkMarginChainError, ZkMarginInputError } from "../../prover/errors.ts";
import { generateProof, releaseProver, type ZkMarginProof } from "../../prover/generateProof.ts";
import type { Statement } from "../../prover/statement.ts";
import { accountKeys, Venue } from "../../prover/venue.ts";
import { localArtifacts } from "../../scripts/lib/instances.ts";
import { buildInstance } from "../../scripts/lib/pipeline.ts";
import { readFileSync } from "node:fs";
import { AttestorClient, LifecycleState, MARGIN_ATTESTOR_ABI, SkipReason, attestable, marginAttestorInterface, type AttestableProof } from "../../client/attestor.ts";
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

  const prove = async (who: "a" | "b", subject: string, minExcess: bigint): Promise<AttestableProof> => {
    const proof: ZkMarginProof = await generateProof(
      { statements: statements[who], traderSecret: secrets[who], market: testMarket(), risk: testRisk(), epoch: EPOCH, subject: BigInt(subject), domain: zk.domain, minExcess },
      localArtifacts("test"),
    );
    return attestable(proof, EPOCH);
  };

  before(async () => {
    await buildInstance("test", { log: () => undefined });
    await hre.tasks.getTask("build").run({ quiet: true, noTests: true });
    const { ethers } = await hre.network.create();
    const signers = (await ethers.getSigners()) as unknown as Signer[];
    [trader, other, third, lender] = signers.slice(1, 5);
    [traderAddr, otherAddr, thirdAddr, lenderAddr] = await Promise.all([trader, other, third, lender].map((s) => s.getAddress()));
    zk = await deployZkMargin(ethers, { instance: "test" });
    await zk.setRiskParams(testRisk());
    await zk.setMarket(testMarket(), EPOCH);
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

  it("should name AttestSkipped's reason codes in IMarginAttestor.SkipReason's order (the ABI says only uint8)", () => {
    const source = readFileSync(new URL("../../verifier-contracts/interfaces/IMarginAttestor.sol", import.meta.url), "utf8");
    const body = /enum SkipReason \{([^}]*)\}/.exec(source);
    expect(body, "enum SkipReason in IMarginAttestor.sol").to.not.equal(null);
    const members = body![1].split(",").map((m) => m.trim()).filter(Boolean);
    expect(members).to.deep.equal(Object.keys(SkipReason).filter((k) => Number.isNaN(Number(k))));
    members.forEach((m, i) => expect(SkipReason[m as keyof typeof SkipReason]).to.equal(i));
  });

  describe("single attestation, the book ledger, liens", () => {
    let proofA: AttestableProof;

    before(async () => {
      proofA = await prove("a", traderAddr, usd("50000"));
    });

    it("should attest, wait for the receipt and read the attestation back, for a lender and a consumer", async () => {
      const client = new AttestorClient(await zk.attestor.getAddress(), trader);
      expect(await client.domain()).to.equal(zk.domain);
      expect(await client.verify(proofA)).to.equal(true);
      const tx = await client.attest(proofA);
      expect(tx.gasUsed > 100_000n).to.equal(true);
      expect(tx.receipt.status).to.equal(1);
      expect(await client.attestation(traderAddr)).to.deep.equal({ epoch: EPOCH, minExcess: usd("50000"), venueIds: [11n, 22n, 0n] });
      const s = await client.status(traderAddr);
      const takenAt = (await zk.oracle.contextAt(EPOCH)).takenAt;
      expect(s).to.deep.include({ state: LifecycleState.Live, epoch: EPOCH, minExcess: usd("50000"), allocated: 0n, available: usd("50000"), lapsesAt: takenAt + zk.timing.ttl, riskVersion: 1n });
      expect(await client.availableExcess(traderAddr)).to.equal(usd("50000"));
    });

    it("should refuse a minExcess the attestor cannot store before any transaction", async () => {
      const proof = { publicInputs: { subject: 1n, venueIds: [11n], bookNullifier: 1n, minExcess: 2n ** 96n } } as unknown as ZkMarginProof;
      expect(() => attestable(proof, EPOCH)).to.throw(ZkMarginInputError, /^minExcess: .* 96 bits/);
    });

    it("should decode a book bound to another subject into a readable message", async () => {
      const proofSameBook = await prove("a", otherAddr, usd("1000"));
      const client = new AttestorClient(await zk.attestor.getAddress(), other);
      const e = await chainError(client.attest(proofSameBook));
      expect(e.errorName).to.equal("VenueRegistry__BookBound");
      expect(e.message).to.match(
        new RegExp(`^VenueRegistry__BookBound\\(bookNullifier=\\d+, subject=${traderAddr}, attestor=${await zk.attestor.getAddress()}, heldUntil=\\d+\\): this book backs another subject`),
      );
    });

    it("should decode a proof whose statement does not match the chain", async () => {
      const client = new AttestorClient(await zk.attestor.getAddress(), trader);
      const e = await chainError(client.attest({ ...proofA, minExcess: usd("60000") }));
      expect(e.errorName).to.equal("MarginAttestor__InvalidProof");
      expect(e.message).to.match(/does not verify against the chain's roots, context hash and domain/);
    });

    it("should allocate within the attested excess, decode an over-allocation, and let only the lender release", async () => {
      const client = new AttestorClient(await zk.attestor.getAddress(), trader);
      await client.allocate(lenderAddr, usd("30000"));
      expect(await client.lienOf(traderAddr, lenderAddr)).to.deep.include({ amount: usd("30000"), state: LifecycleState.Live });
      expect(await client.availableExcess(traderAddr)).to.equal(usd("20000"));
      const e = await chainError(client.allocate(lenderAddr, usd("20000") + 1n));
      expect(e.message).to.equal(
        `MarginAttestor__OverAllocated(requested=${usd("20000") + 1n}, available=${usd("20000")}): the allocation would exceed the unallocated attested excess`,
      );
      const notMine = await chainError(client.release(traderAddr, 1n));
      expect(notMine.errorName).to.equal("MarginAttestor__ReleaseExceedsLien");
      const asLender = new AttestorClient(await zk.attestor.getAddress(), lender);
      await asLender.release(traderAddr, usd("10000")); // loan repaid: the consumer releases
      expect((await client.status(traderAddr)).allocated).to.equal(usd("20000"));
      const early = await chainError(client.reclaim());
      expect(early.errorName).to.equal("MarginAttestor__NotEnded");
    });
  });

  describe("relayed and batched attestations", () => {
    let relayed: AttestableProof;

    it("should attest a batch: one entry sent by its subject, one relayed with the subject's EIP-712 signature, and name the skipped", async () => {
      const own = await prove("a", thirdAddr, usd("100"));
      relayed = await prove("b", otherAddr, usd("40000"));
      const asThird = new AttestorClient(await zk.attestor.getAddress(), third);
      // trader A's book already backs `trader`: that entry is skipped (BookBound), the relayed one is recorded
      const deadline = BigInt(Math.floor(Date.now() / 1000) + 30 * 86_400);
      const sig = await asThird.signRequest(other, relayed, deadline);
      const tx = await asThird.attestBatch([{ proof: own }, { proof: relayed, signature: sig, deadline }]);
      expect(tx.receipt.status).to.equal(1);
      expect(tx.skipped).to.deep.equal([{ subject: thirdAddr, index: 0, reason: "BookBound" }]);
      expect(await asThird.availableExcess(otherAddr)).to.equal(usd("40000"));
      expect(await asThird.availableExcess(thirdAddr)).to.equal(0n);
      // the same batch again, with the same signature (the nonce was not used): the relayed entry has landed
      const again = await asThird.attestBatch([{ proof: own }, { proof: relayed, signature: sig, deadline }]);
      expect(again.skipped).to.deep.equal([
        { subject: thirdAddr, index: 0, reason: "BookBound" },
        { subject: otherAddr, index: 1, reason: "NotForward" },
      ]);
    });

    it("should not sign a request for a proof of another subject", async () => {
      const client = new AttestorClient(await zk.attestor.getAddress(), third);
      try {
        await client.signRequest(third, relayed, 0n);
        expect.fail("signed for another subject");
      } catch (err) {
        expect((err as Error).message).to.match(/not the proof's subject/);
      }
    });

    it("should cancel an outstanding signature", async () => {
      const higher = await prove("b", otherAddr, usd("45000"));
      const asThird = new AttestorClient(await zk.attestor.getAddress(), third);
      const deadline = BigInt(Math.floor(Date.now() / 1000) + 30 * 86_400);
      const sig = await asThird.signRequest(other, higher, deadline);
      await new AttestorClient(await zk.attestor.getAddress(), other).cancelNonce();
      const e = await chainError(asThird.attestFor(higher, sig, deadline));
      expect(e.errorName).to.equal("MarginAttestor__InvalidSignature");
    });
  });
});
