/**
 * VenueRegistry: the admin registers venues; only the operator posts, only for epochs the oracle snapshotted, epochs
 * strictly forward, never while suspended; the admin revokes roots, suspends and resumes venues, authorizes
 * attestors; rootsAt / invalidatedAt report when a root stopped being valid. (Book binding with real attestors and
 * proofs: test/contracts/lifecycle.test.ts.)
 */
import { expect } from "chai";
import { network } from "hardhat";
import type { Signer } from "ethers";
import { deployCore, type VenueRegistry, type ZkMarginCore } from "../../client/deploy.ts";
import { FIELD } from "../../prover/hash.ts";
import { testMarket, testRisk } from "../fixtures/market.ts";

const { ethers, networkHelpers } = await network.create();

describe("VenueRegistry", function () {
  let core: ZkMarginCore;
  let registry: VenueRegistry;
  let admin: Signer, operator: Signer, other: Signer;

  beforeEach(async function () {
    [admin, operator, other] = await ethers.getSigners();
    core = await deployCore(ethers, { instance: "test", feedsPerAsset: 3, riskDelay: 0n });
    registry = core.registry;
  });
  /** Oracle snapshots of epochs 1..n (the registry accepts roots for snapshotted epochs only). */
  async function snapshots(...epochs: bigint[]) {
    if ((await core.riskParams.version()) === 0n) await core.setRiskParams(testRisk());
    for (const e of epochs) await core.setMarket(testMarket(), e);
  }

  describe("# registerVenue", function () {
    it("should register a venue and emit VenueRegistered", async function () {
      await expect(registry.registerVenue(7n, await operator.getAddress()))
        .to.emit(registry, "VenueRegistered")
        .withArgs(7n, await operator.getAddress());
      expect(await registry.isRegistered(7n)).to.equal(true);
    });

    it("should accept the largest 32-bit id and not 2^32", async function () {
      await registry.registerVenue(2n ** 32n - 1n, await operator.getAddress());
      await expect(registry.registerVenue(2n ** 32n, await operator.getAddress()))
        .to.be.revertedWithCustomError(registry, "VenueRegistry__InvalidVenueId")
        .withArgs(2n ** 32n);
    });

    it("should not register id 0", async function () {
      await expect(registry.registerVenue(0n, await operator.getAddress()))
        .to.be.revertedWithCustomError(registry, "VenueRegistry__InvalidVenueId")
        .withArgs(0n);
    });

    it("should not register a venue twice", async function () {
      await registry.registerVenue(7n, await operator.getAddress());
      await expect(registry.registerVenue(7n, await other.getAddress()))
        .to.be.revertedWithCustomError(registry, "VenueRegistry__VenueExists")
        .withArgs(7n);
    });

    it("should not register a zero operator", async function () {
      await expect(registry.registerVenue(7n, ethers.ZeroAddress)).to.be.revertedWithCustomError(registry, "VenueRegistry__ZeroOperator");
    });

    it("should not let anyone but the admin register", async function () {
      await expect((registry.connect(other) as VenueRegistry).registerVenue(7n, await other.getAddress()))
        .to.be.revertedWithCustomError(registry, "OwnableUnauthorizedAccount")
        .withArgs(await other.getAddress());
    });
  });

  describe("# postRoot", function () {
    beforeEach(async function () {
      await core.registerVenue(7n, operator);
      await snapshots(1n, 3n, 4n, 5n, 6n);
    });

    it("should store the operator's root and emit RootPosted", async function () {
      const asOp = registry.connect(operator) as VenueRegistry;
      await expect(asOp.postRoot(7n, 3n, 1234n)).to.emit(registry, "RootPosted").withArgs(7n, 3n, 1234n);
      expect(await registry.rootOf(7n, 3n)).to.equal(1234n);
      expect(await registry.rootOf(7n, 4n)).to.equal(0n);
    });

    it("should not let anyone but the operator post", async function () {
      for (const who of [admin, other]) {
        await expect((registry.connect(who) as VenueRegistry).postRoot(7n, 1n, 1n))
          .to.be.revertedWithCustomError(registry, "VenueRegistry__NotOperator")
          .withArgs(7n, await who.getAddress());
      }
    });

    it("should only post for an epoch the oracle snapshotted", async function () {
      const asOp = registry.connect(operator) as VenueRegistry;
      await expect(asOp.postRoot(7n, 2n, 1n)).to.be.revertedWithCustomError(registry, "VenueRegistry__EpochNotSnapshotted").withArgs(2n, 6n);
      await expect(asOp.postRoot(7n, 7n, 1n)).to.be.revertedWithCustomError(registry, "VenueRegistry__EpochNotSnapshotted").withArgs(7n, 6n);
      await expect(asOp.postRoot(7n, 2n ** 63n, 1n)).to.be.revertedWithCustomError(registry, "VenueRegistry__EpochNotSnapshotted");
    });

    it("should only move epochs forward", async function () {
      const asOp = registry.connect(operator) as VenueRegistry;
      await asOp.postRoot(7n, 5n, 1n);
      await expect(asOp.postRoot(7n, 5n, 2n)).to.be.revertedWithCustomError(registry, "VenueRegistry__EpochNotForward").withArgs(7n, 5n, 5n);
      await expect(asOp.postRoot(7n, 4n, 2n)).to.be.revertedWithCustomError(registry, "VenueRegistry__EpochNotForward").withArgs(7n, 4n, 5n);
      await asOp.postRoot(7n, 6n, 2n);
      expect(await registry.rootOf(7n, 5n)).to.equal(1n);
      expect(await registry.rootOf(7n, 6n)).to.equal(2n);
    });

    it("should reject root 0 and a root outside the field", async function () {
      const asOp = registry.connect(operator) as VenueRegistry;
      await expect(asOp.postRoot(7n, 1n, 0n)).to.be.revertedWithCustomError(registry, "VenueRegistry__InvalidRoot").withArgs(0n);
      await expect(asOp.postRoot(7n, 1n, FIELD)).to.be.revertedWithCustomError(registry, "VenueRegistry__InvalidRoot").withArgs(FIELD);
    });

    it("should reject an unknown venue", async function () {
      await expect((registry.connect(operator) as VenueRegistry).postRoot(8n, 1n, 1n))
        .to.be.revertedWithCustomError(registry, "VenueRegistry__UnknownVenue")
        .withArgs(8n);
    });

    it("should let the admin rotate the operator, after which only the new one posts", async function () {
      await expect(registry.setOperator(7n, await other.getAddress()))
        .to.emit(registry, "OperatorChanged")
        .withArgs(7n, await operator.getAddress(), await other.getAddress());
      await expect((registry.connect(operator) as VenueRegistry).postRoot(7n, 1n, 1n)).to.be.revertedWithCustomError(
        registry,
        "VenueRegistry__NotOperator",
      );
      await (registry.connect(other) as VenueRegistry).postRoot(7n, 1n, 1n);
    });
  });

  describe("# revocation and suspension", function () {
    beforeEach(async function () {
      await core.registerVenue(7n, operator);
      await core.registerVenue(8n, operator);
      await snapshots(1n, 2n);
      const asOp = registry.connect(operator) as VenueRegistry;
      await asOp.postRoot(7n, 1n, 71n);
      await asOp.postRoot(8n, 1n, 81n);
    });
    const since = async (e: bigint) => (await core.oracle.contextAt(e)).takenAt;

    it("should revoke a posted root once, recording when, for the admin only", async function () {
      await expect((registry.connect(other) as VenueRegistry).revokeRoot(7n, 1n)).to.be.revertedWithCustomError(registry, "OwnableUnauthorizedAccount");
      await expect(registry.revokeRoot(7n, 1n)).to.emit(registry, "RootRevoked").withArgs(7n, 1n, 71n);
      const t = BigInt(await networkHelpers.time.latest());
      expect(await registry.rootInvalidatedAt(7n, 1n)).to.equal(t);
      expect(await registry.rootInvalidatedAt(8n, 1n)).to.equal(0n);
      expect(await registry.statusChangedAt()).to.equal(t);
      await expect(registry.revokeRoot(7n, 1n)).to.be.revertedWithCustomError(registry, "VenueRegistry__NothingToRevoke").withArgs(7n, 1n);
      await expect(registry.revokeRoot(7n, 2n)).to.be.revertedWithCustomError(registry, "VenueRegistry__NothingToRevoke").withArgs(7n, 2n);
    });

    it("should report the first invalid venue of a list and the earliest time (rootsAt, invalidatedAt)", async function () {
      const rootsAt = (registry as unknown as { rootsAt(ids: bigint[], e: bigint, s: bigint): Promise<[bigint[], bigint, bigint]> }).rootsAt;
      const invalidatedAt = (registry as unknown as { invalidatedAt(ids: bigint[], e: bigint, s: bigint): Promise<bigint> }).invalidatedAt;
      const s1 = await since(1n);
      expect(await rootsAt([7n, 8n, 0n], 1n, s1)).to.deep.equal([[71n, 81n, 0n], 0n, 0n]);
      await registry.revokeRoot(8n, 1n);
      const t8 = BigInt(await networkHelpers.time.latest());
      await registry.suspendVenue(7n);
      const t7 = BigInt(await networkHelpers.time.latest());
      expect(await rootsAt([7n, 8n, 0n], 1n, s1)).to.deep.equal([[71n, 81n, 0n], 8n, t8]);
      expect(await invalidatedAt([7n, 8n, 0n], 1n, s1)).to.equal(t8);
      // a snapshot taken after every status change: nothing is checked (roots are posted after their snapshot)
      expect(await invalidatedAt([7n, 8n, 0n], 1n, BigInt(await networkHelpers.time.latest()) + 1n)).to.equal(0n);
      // the packed forms MarginAttestor reads (slot i at bits 32·i): the same answer, the venue and time in one word
      const list = 7n | (8n << 32n);
      expect(await registry.listRoots(list, 1n, s1, 0n)).to.deep.equal([[71n, 81n, 0n, 0n], 8n | (t8 << 32n), 0n]);
      expect(await registry.listRoots(8n << 32n, 1n, s1, 0n)).to.deep.equal([[0n, 81n, 0n, 0n], 8n | (t8 << 32n), 0n]);
      expect(await registry.listInvalidatedAt(list, 1n, s1)).to.equal(t8);
      expect(await registry.listInvalidatedAt(7n, 1n, s1)).to.equal(t7);
      const later = BigInt(await networkHelpers.time.latest()) + 1n;
      expect(await registry.listRoots(list, 1n, later, 0n)).to.deep.equal([[71n, 81n, 0n, 0n], 0n, 0n]);
      expect(await registry.listInvalidatedAt(list, 1n, later)).to.equal(0n);
      // an unbound book's ledger word is 0 (the bound word is checked through the attestor's renewals)
      expect((await registry.listRoots(list, 1n, later, 5n))[2]).to.equal(0n);
    });

    it("should suspend a venue: no posting, every posted root invalid; resume keeps old roots invalid", async function () {
      await expect((registry.connect(other) as VenueRegistry).suspendVenue(7n)).to.be.revertedWithCustomError(registry, "OwnableUnauthorizedAccount");
      await expect(registry.suspendVenue(7n)).to.emit(registry, "VenueSuspended").withArgs(7n);
      const t = BigInt(await networkHelpers.time.latest());
      await expect(registry.suspendVenue(7n)).to.be.revertedWithCustomError(registry, "VenueRegistry__Suspended").withArgs(7n);
      expect(await registry.rootInvalidatedAt(7n, 1n)).to.equal(t);
      const asOp = registry.connect(operator) as VenueRegistry;
      await expect(asOp.postRoot(7n, 2n, 72n)).to.be.revertedWithCustomError(registry, "VenueRegistry__Suspended").withArgs(7n);
      await expect((registry.connect(other) as VenueRegistry).resumeVenue(7n)).to.be.revertedWithCustomError(registry, "OwnableUnauthorizedAccount");
      await expect(registry.resumeVenue(7n)).to.emit(registry, "VenueResumed").withArgs(7n, 2n);
      await expect(registry.resumeVenue(7n)).to.be.revertedWithCustomError(registry, "VenueRegistry__NotSuspended").withArgs(7n);
      expect(await registry.rootInvalidatedAt(7n, 1n)).to.equal(t);
      await asOp.postRoot(7n, 2n, 72n);
      expect(await registry.rootInvalidatedAt(7n, 2n)).to.equal(0n);
      await expect(registry.suspendVenue(99n)).to.be.revertedWithCustomError(registry, "VenueRegistry__UnknownVenue").withArgs(99n);
    });

    it("should never move a root's invalidation later: a second suspension dates only the roots posted since", async function () {
      await registry.suspendVenue(7n);
      const t1 = BigInt(await networkHelpers.time.latest());
      await registry.resumeVenue(7n);
      await (registry.connect(operator) as VenueRegistry).postRoot(7n, 2n, 72n);
      await networkHelpers.time.increase(1000);
      await registry.suspendVenue(7n);
      const t2 = BigInt(await networkHelpers.time.latest());
      expect(await registry.rootInvalidatedAt(7n, 1n)).to.equal(t1);
      expect(await registry.rootInvalidatedAt(7n, 2n)).to.equal(t2);
      await registry.resumeVenue(7n);
      expect(await registry.rootInvalidatedAt(7n, 1n)).to.equal(t1);
      expect(await registry.rootInvalidatedAt(7n, 2n)).to.equal(t2);
    });
  });

  describe("# book ledger", function () {
    it("should authorize only contracts, once, for the admin only", async function () {
      const c = await core.poseidon.getAddress();
      await expect((registry.connect(other) as VenueRegistry).authorizeAttestor(c)).to.be.revertedWithCustomError(registry, "OwnableUnauthorizedAccount");
      await expect(registry.authorizeAttestor(await other.getAddress()))
        .to.be.revertedWithCustomError(registry, "VenueRegistry__InvalidAttestor")
        .withArgs(await other.getAddress());
      await expect(registry.authorizeAttestor(c)).to.emit(registry, "AttestorAuthorized").withArgs(c, 1n);
      await expect(registry.authorizeAttestor(c)).to.be.revertedWithCustomError(registry, "VenueRegistry__InvalidAttestor").withArgs(c);
      expect(await registry.attestorId(c)).to.equal(1n);
    });

    it("should not let anyone but an authorized attestor bind a book", async function () {
      await expect((registry.connect(other) as unknown as { bindBook(b: bigint, s: string): Promise<unknown> }).bindBook(5n, await other.getAddress()))
        .to.be.revertedWithCustomError(registry, "VenueRegistry__NotAttestor")
        .withArgs(await other.getAddress());
      const [subject, attestor] = await registry.bookBinding(5n);
      expect([subject, attestor]).to.deep.equal([ethers.ZeroAddress, ethers.ZeroAddress]);
    });
  });
});
