/** VenueRegistry: admin registers venues, only the operator posts, epochs only move forward. */
import { expect } from "chai";
import { network } from "hardhat";
import type { Signer } from "ethers";
import { deployCore, type VenueRegistry, type ZkMarginCore } from "../../client/deploy.ts";
import { FIELD } from "../../prover/hash.ts";

const { ethers } = await network.create();

describe("VenueRegistry", function () {
  let core: ZkMarginCore;
  let registry: VenueRegistry;
  let admin: Signer, operator: Signer, other: Signer;

  beforeEach(async function () {
    [admin, operator, other] = await ethers.getSigners();
    core = await deployCore(ethers, { instance: "test", feedsPerAsset: 0 });
    registry = core.registry;
  });

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
});
