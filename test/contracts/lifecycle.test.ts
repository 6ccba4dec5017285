/**
 * Issue 12, as an attacker and as a lender would try it: every failure mode of the attestation lifecycle, on Hardhat's
 * in-process EVM with REAL proofs of the "test" instance (the project's own keys) and the deployment defaults of
 * client/deploy.ts (daily epochs: ttl 26 h, renewal window 2 h, grace 24 h; risk timelock 2 days).
 * These tests were written first, against the contracts before the lifecycle change, where all 24 failed (commit
 * ae02eb1); they are the same cases on the v2 interface, plus the attacker's move for every state change.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { Wallet, keccak256, toUtf8Bytes, type Signer } from "ethers";
import { ATTEST_REQUEST_TYPES, LifecycleState, SkipReason, attestorDomain } from "../../client/attestor.ts";
import { DEFAULT_ORACLE_CONFIG, DEFAULT_TIMING, chainRiskParams, deployZkMargin, verifierArtifactNames, type AttestRequest, type MarginAttestor, type VenueRegistry, type ZkMarginDeployment } from "../../client/deploy.ts";
import { testMarket, testRisk } from "../fixtures/market.ts";
import { releaseProofs, requireArtifacts } from "../helpers/proofs.ts";
import { World, attestArgs, hedgedTrader, type Proved } from "./world.ts";

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;
const VENUES = [1n, 2n, 3n];
const HOUR = 3600;
const { ttl: TTL, renewalWindow: WINDOW, gracePeriod: GRACE } = DEFAULT_TIMING;

describe("Attestation lifecycle (issue 12, real proofs, deployment defaults)", function () {
  const world = new World([0, 1, 2, 3].map((i) => hedgedTrader(i, [1n, 2n])), VENUES);
  let signers: Signer[];
  let alice: Signer, bob: Signer, relayer: Signer, lender: Signer, lender2: Signer, stranger: Signer;
  let operators: Signer[];
  let domain: bigint;
  const wallets = Array.from({ length: 3 }, (_, i) => new Wallet(keccak256(toUtf8Bytes(`zkmargin lifecycle subject ${i}`))));
  const P: Record<string, Proved> = {};
  let minA: bigint;
  const addr = (s: Signer) => s.getAddress();

  /** Deployment defaults; venues 1-3 with roots for epoch 1, a snapshot at epoch 1, risk params v1. */
  async function deployFixture(): Promise<ZkMarginDeployment> {
    const zk = await deployZkMargin(ethers, { instance: "test" });
    for (const [k, v] of VENUES.entries()) await zk.registerVenue(v, operators[k]);
    await zk.setRiskParams(testRisk());
    await zk.setMarket(testMarket(), 1n);
    for (const [k, v] of VENUES.entries()) await zk.postRoot(operators[k], v, 1n, world.root(v));
    return zk;
  }
  const fixture = () => networkHelpers.loadFixture(deployFixture);

  before(async function () {
    requireArtifacts("test");
    signers = await ethers.getSigners();
    [, , , , alice, bob, relayer, lender, lender2, stranger] = signers;
    operators = signers.slice(1, 4);
    domain = (await fixture()).domain;
    minA = world.excess(0) / 2n;
    const prove = (i: number, subject: string, epoch: bigint, minExcess: bigint) => world.prove(i, { subject, epoch, domain, minExcess });
    const t0 = Date.now();
    P.alice1 = await prove(0, await addr(alice), 1n, minA);
    P.alice1hi = await prove(0, await addr(alice), 1n, minA + 1_000n);
    P.alice2 = await prove(0, await addr(alice), 2n, minA);
    P.bob1 = await prove(0, await addr(bob), 1n, minA);
    P.bob2 = await prove(0, await addr(bob), 2n, minA);
    P.alice3 = await prove(0, await addr(alice), 3n, minA);
    P.bob3 = await prove(0, await addr(bob), 3n, minA);
    P.bobOwn1 = await prove(1, await addr(bob), 1n, minA / 4n);
    for (const [i, w] of wallets.entries()) P[`w${i}`] = await prove(1 + i, w.address, 1n, minA / 2n);
    P.w0e2 = await prove(1, wallets[0].address, 2n, minA / 2n);
    console.log(`      (${Object.keys(P).length} real proofs in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  });

  after(async function () {
    await releaseProofs();
  });

  const as = (zk: ZkMarginDeployment, s: Signer) => zk.attestor.connect(s) as MarginAttestor;
  const attest = (zk: ZkMarginDeployment, s: Signer, p: Proved) => as(zk, s).attest(...attestArgs(p));
  const req = (p: Proved, deadline = 2n ** 40n): AttestRequest => ({
    subject: String(p.subject),
    venueIds: p.venueIds,
    bookNullifier: p.bookNullifier,
    epoch: p.epoch,
    minExcess: p.minExcess,
    deadline,
  });
  async function sign(zk: ZkMarginDeployment, w: Signer, r: AttestRequest): Promise<string> {
    const { chainId } = await ethers.provider.getNetwork();
    return w.signTypedData(attestorDomain(chainId, await zk.attestor.getAddress()), ATTEST_REQUEST_TYPES, { ...r, nonce: await zk.attestor.nonces(r.subject) });
  }
  /** A snapshot of epoch e (fresh feeds) and every venue's root for it. */
  async function epochN(zk: ZkMarginDeployment, e: bigint) {
    await zk.setMarket(testMarket(), e);
    for (const [k, v] of VENUES.entries()) await zk.postRoot(operators[k], v, e, world.root(v));
  }
  const epoch2 = (zk: ZkMarginDeployment) => epochN(zk, 2n);
  const takenAt = async (zk: ZkMarginDeployment, e: bigint) => (await zk.oracle.contextAt(e)).takenAt;

  describe("# liens (only the consumer reduces a live lien)", function () {
    it("should not let the subject alone cancel a lender's allocation and allocate it again", async function () {
      const zk = await fixture();
      await attest(zk, alice, P.alice1);
      const [a, l] = [await addr(alice), await addr(lender)];
      await as(zk, alice).allocate(l, minA);
      // the subject has no lien of its own to release, and no excess left to allocate to a second lender
      await expect(as(zk, alice).release(a, minA)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__ReleaseExceedsLien").withArgs(minA, 0n);
      await expect(as(zk, alice).allocate(await addr(lender2), minA)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__OverAllocated").withArgs(minA, 0n);
      await expect(as(zk, alice).reclaim()).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__NotEnded");
      expect((await zk.attestor.lienOf(a, l)).amount).to.equal(minA);
    });

    it("should let only the consumer release, and only its own lien", async function () {
      const zk = await fixture();
      await attest(zk, alice, P.alice1);
      const [a, l, l2] = [await addr(alice), await addr(lender), await addr(lender2)];
      await as(zk, alice).allocate(l, 100n);
      await as(zk, alice).allocate(l2, 50n);
      await expect(as(zk, stranger).release(a, 1n)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__ReleaseExceedsLien").withArgs(1n, 0n);
      await expect(as(zk, lender2).release(a, 51n)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__ReleaseExceedsLien").withArgs(51n, 50n);
      await expect(as(zk, lender).release(a, 40n)).to.emit(zk.attestor, "Released").withArgs(a, l, 40n, 60n);
      expect((await zk.attestor.lienOf(a, l)).amount).to.equal(60n);
      expect((await zk.attestor.lienOf(a, l2)).amount).to.equal(50n);
      expect(await zk.attestor.availableExcess(a)).to.equal(minA - 110n);
    });

    it("should not let a consumer allocate to itself from someone else's excess", async function () {
      const zk = await fixture();
      await attest(zk, alice, P.alice1);
      await expect(as(zk, lender).allocate(await addr(lender), 1n))
        .to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__NotLive")
        .withArgs(await addr(lender), LifecycleState.None);
    });

    it("should not report excess already allocated as available to a new lender (isSolvent is gone)", async function () {
      const zk = await fixture();
      await attest(zk, alice, P.alice1);
      expect(zk.attestor.interface.getFunction("isSolvent")).to.equal(null);
      expect(await zk.attestor.availableExcess(await addr(alice))).to.equal(minA);
      await as(zk, alice).allocate(await addr(lender), minA);
      expect(await zk.attestor.availableExcess(await addr(alice))).to.equal(0n);
      const s = await zk.attestor.statusOf(await addr(alice));
      expect([s.state, s.minExcess, s.allocated, s.available]).to.deep.equal([BigInt(LifecycleState.Live), minA, minA, 0n]);
    });

    it("should let a consumer read its lien's state and until when it holds", async function () {
      const zk = await fixture();
      await attest(zk, alice, P.alice1);
      await as(zk, alice).allocate(await addr(lender), minA);
      const t1 = await takenAt(zk, 1n);
      const lien = await zk.attestor.lienOf(await addr(alice), await addr(lender));
      expect([lien.amount, lien.state, lien.until]).to.deep.equal([minA, BigInt(LifecycleState.Live), t1 + TTL]);
      const none = await zk.attestor.lienOf(await addr(alice), await addr(lender2));
      expect([none.amount, none.state, none.until]).to.deep.equal([0n, BigInt(LifecycleState.None), 0n]);
    });

    it("should not let allocations re-appear when a lapsed attestation is renewed after the grace period", async function () {
      const zk = await fixture();
      await attest(zk, alice, P.alice1);
      await as(zk, alice).allocate(await addr(lender), minA);
      await time.increase(Number(TTL + GRACE) + 1);
      const lapsed = await zk.attestor.lienOf(await addr(alice), await addr(lender));
      expect(lapsed.state).to.equal(BigInt(LifecycleState.Ended)); // visible to the consumer: reclaimable now
      await epoch2(zk);
      await expect(attest(zk, alice, P.alice2)).to.emit(zk.attestor, "Reclaimed").withArgs(await addr(alice), minA, 1n);
      const lien = await zk.attestor.lienOf(await addr(alice), await addr(lender));
      expect([lien.amount, lien.state]).to.deep.equal([0n, BigInt(LifecycleState.None)]);
      expect(await zk.attestor.availableExcess(await addr(alice))).to.equal(minA);
    });

    it("should let the subject reclaim only after lapse plus grace, and the consumer see each state", async function () {
      const zk = await fixture();
      await attest(zk, alice, P.alice1);
      const [a, l] = [await addr(alice), await addr(lender)];
      await as(zk, alice).allocate(l, 1_000n);
      const t1 = await takenAt(zk, 1n);
      await time.increaseTo(t1 + TTL); // lapses: grace begins
      let lien = await zk.attestor.lienOf(a, l);
      expect([lien.state, lien.until]).to.deep.equal([BigInt(LifecycleState.Grace), t1 + TTL + GRACE]);
      await expect(as(zk, alice).reclaim())
        .to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__NotEnded")
        .withArgs(a, LifecycleState.Grace, t1 + TTL + GRACE);
      await expect(as(zk, alice).allocate(l, 1n)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__NotLive").withArgs(a, LifecycleState.Grace);
      await time.increaseTo(t1 + TTL + GRACE);
      lien = await zk.attestor.lienOf(a, l);
      expect(lien.state).to.equal(BigInt(LifecycleState.Ended));
      await expect(as(zk, alice).reclaim()).to.emit(zk.attestor, "Reclaimed").withArgs(a, 1_000n, 1n);
      expect((await zk.attestor.lienOf(a, l)).amount).to.equal(0n);
    });
  });

  describe("# expiry (wall clock and epochs) and the renewal window", function () {
    it("should lapse an attestation in wall-clock time while the oracle is stuck", async function () {
      const zk = await fixture();
      await attest(zk, alice, P.alice1);
      await time.increase(Number(TTL) + 1);
      // every feed is now stale: the oracle cannot snapshot, yet the attestation lapsed on its own
      await expect(zk.oracle.snapshot(2n)).to.be.revertedWithCustomError(zk.oracle, "OracleHub__TooFewGoodFeeds");
      expect(await zk.attestor.availableExcess(await addr(alice))).to.equal(0n);
      expect((await zk.attestor.statusOf(await addr(alice))).state).to.equal(BigInt(LifecycleState.Grace));
      // and a proof of the stuck epoch cannot be attested any more
      await expect(attest(zk, bob, P.bobOwn1)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__EpochExpired").withArgs(1n, (await takenAt(zk, 1n)) + TTL);
    });

    it("should keep an attestation and its liens through the next snapshot during the renewal window", async function () {
      const zk = await fixture();
      await attest(zk, alice, P.alice1);
      await as(zk, alice).allocate(await addr(lender), minA / 2n);
      await epoch2(zk);
      const t2 = await takenAt(zk, 2n);
      expect((await zk.attestor.lienOf(await addr(alice), await addr(lender))).amount).to.equal(minA / 2n);
      expect(await zk.attestor.availableExcess(await addr(alice))).to.equal(minA - minA / 2n);
      expect((await zk.attestor.statusOf(await addr(alice))).lapsesAt).to.equal(t2 + WINDOW);
      // renewed inside the window: no gap, the lien carries over, the new attestation lives on
      await attest(zk, alice, P.alice2);
      await time.increaseTo(t2 + WINDOW + 1n);
      const lien = await zk.attestor.lienOf(await addr(alice), await addr(lender));
      expect([lien.amount, lien.state, lien.until]).to.deep.equal([minA / 2n, BigInt(LifecycleState.Live), t2 + TTL]);
    });

    it("should lapse at the end of the renewal window when not renewed, and refuse an old epoch after it", async function () {
      const zk = await fixture();
      await attest(zk, alice, P.alice1);
      await epoch2(zk);
      const t2 = await takenAt(zk, 2n);
      await time.increaseTo(t2 + WINDOW);
      expect((await zk.attestor.statusOf(await addr(alice))).state).to.equal(BigInt(LifecycleState.Grace));
      await expect(attest(zk, bob, P.bobOwn1)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__EpochExpired").withArgs(1n, t2 + WINDOW);
    });

    it("should bound a consumer's exposure: lapsesAt is at most ttl after the snapshot the proof describes", async function () {
      const zk = await fixture();
      const t1 = await takenAt(zk, 1n);
      await time.increase(5 * HOUR);
      await attest(zk, alice, P.alice1);
      const s = await zk.attestor.statusOf(await addr(alice));
      expect([s.lapsesAt, s.graceEndsAt]).to.deep.equal([t1 + TTL, t1 + TTL + GRACE]);
    });
  });

  describe("# oracle degrades instead of stopping", function () {
    it("should snapshot with one stale feed out of three", async function () {
      const zk = await fixture();
      const now = BigInt(await time.latest());
      await zk.feeds[1][0].setAnswerAt(300_000_000_000n, now - 7200n);
      await expect(zk.oracle.snapshot(2n)).to.emit(zk.oracle, "FeedLeftOut").withArgs(2n, 1n, await zk.feeds[1][0].getAddress(), 3);
      const [price] = await zk.oracle.snapshotAt(2n);
      expect(price[1]).to.equal(testMarket().price[1]);
    });

    it("should snapshot with one reverting feed out of three", async function () {
      const zk = await fixture();
      await zk.feeds[1][2].setReverts(true);
      await expect(zk.oracle.snapshot(2n)).to.emit(zk.oracle, "FeedLeftOut").withArgs(2n, 1n, await zk.feeds[1][2].getAddress(), 1);
    });

    it("should not let one feed of three move the price by reporting inside the band", async function () {
      const zk = await fixture();
      const p = testMarket().price[1];
      await zk.feeds[1][0].setAnswer((p * 1_019_000n) / 1_000_000n); // +1.9 %, inside the 2 % band
      await zk.oracle.snapshot(2n);
      expect((await zk.oracle.snapshotAt(2n))[0][1]).to.equal(p); // the median is an honest feed's
    });

    for (const bad of ["OverflowFeed", "ShortReturnFeed", "GasBurnerFeed", "ReturnBombFeed"]) {
      it(`should snapshot with one ${bad} out of five feeds, in bounded gas`, async function () {
        const zk = await fixture();
        const feeds = [];
        for (let f = 0; f < 4; f++) feeds.push(await ethers.deployContract("MockAggregatorV3", [8n, `eth ${f}`, testMarket().price[1]]));
        const evil = await ethers.deployContract(`verifier-contracts/test/BadFeeds.sol:${bad}`);
        const all = [...(await Promise.all(feeds.map((f) => f.getAddress()))), await evil.getAddress()];
        await zk.oracle.setAsset(1n, all, testMarket().scanRange[1], testMarket().volShock[1], 0n);
        const tx = await zk.oracle.snapshot(2n, { gasLimit: 16_000_000n });
        const receipt = await tx.wait();
        expect(receipt!.gasUsed).to.be.lessThan(3_000_000n);
        expect((await zk.oracle.snapshotAt(2n))[0][1]).to.equal(testMarket().price[1]);
      });
    }
  });

  describe("# oracle arithmetic", function () {
    it("should scale the EWMA decay by the elapsed epochs", async function () {
      const zk = await fixture();
      const lambda = DEFAULT_ORACLE_CONFIG.ewmaLambdaPpm;
      const feeds = await Promise.all(zk.feeds[1].map((f) => f.getAddress()));
      await zk.oracle.setAsset(1n, feeds, 10_000n, 50_000n, 20_000n); // σ seed 2 %
      for (const f of zk.feeds[1]) await f.setAnswer(300_000_000_000n);
      await zk.oracle.snapshot(2n);
      for (const f of zk.feeds[1]) await f.setAnswer(330_000_000_000n); // +10 % over 3 epochs
      await zk.oracle.snapshot(5n);
      // epoch 2: no move since epoch 1's snapshot (n = 1, r = 0); epoch 5: +10 % over n = 3 epochs
      const lambdaPow = (n: bigint) => {
        let l = 1_000_000n;
        for (let k = 0n; k < n; k++) l = (l * lambda) / 1_000_000n;
        return l;
      };
      const v2 = (lambdaPow(1n) * 20_000n * 20_000n) / 1_000_000n;
      const n = 3n;
      const r = 100_000n;
      const v = (lambdaPow(n) * v2 + (1_000_000n - lambdaPow(n)) * ((r * r) / n)) / 1_000_000n;
      let s = 0n;
      while ((s + 1n) * (s + 1n) <= v) s++;
      expect(await zk.oracle.sigmaPpm(1n)).to.equal(s);
    });

    it("should refuse an epoch step above the bound", async function () {
      const zk = await fixture();
      await expect(zk.oracle.snapshot(2n ** 32n)).to.be.revertedWithCustomError(zk.oracle, "OracleHub__EpochOutOfRange").withArgs(2n ** 32n);
      await expect(zk.oracle.snapshot(9n)).to.be.revertedWithCustomError(zk.oracle, "OracleHub__EpochStepTooLarge").withArgs(9n, 1n, 7n);
      await zk.oracle.snapshot(8n);
    });

    it("should record each snapshot's time and when the next one superseded it", async function () {
      const zk = await fixture();
      const c1 = await zk.oracle.contextAt(1n);
      expect(c1.takenAt).to.be.greaterThan(0n);
      expect(c1.supersededAt).to.equal(0n);
      await zk.oracle.snapshot(2n);
      const t = BigInt(await time.latest());
      expect((await zk.oracle.contextAt(1n)).supersededAt).to.equal(t);
      expect((await zk.oracle.contextAt(2n)).takenAt).to.equal(t);
    });
  });

  describe("# signatures and relaying", function () {
    it("should not let a held relayed request lower a newer same-epoch attestation", async function () {
      const zk = await fixture();
      const r = req(P.alice1);
      const sig = await sign(zk, alice, r);
      await attest(zk, alice, P.alice1hi);
      await expect(as(zk, relayer).attestFor(P.alice1.packed, r, sig))
        .to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__NotForward")
        .withArgs(1n, minA, minA + 1_000n);
      expect((await zk.attestor.attestationOf(await addr(alice))).minExcess).to.equal(minA + 1_000n);
    });

    it("should not let a relayed request re-land the same attestation, nor an older epoch", async function () {
      const zk = await fixture();
      await attest(zk, alice, P.alice1);
      const r = req(P.alice1);
      await expect(as(zk, relayer).attestFor(P.alice1.packed, r, await sign(zk, alice, r))).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__NotForward");
      await epoch2(zk);
      await attest(zk, alice, P.alice2);
      await expect(as(zk, relayer).attestFor(P.alice1hi.packed, req(P.alice1hi), await sign(zk, alice, req(P.alice1hi))))
        .to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__OlderThanCurrent")
        .withArgs(1n, 2n);
    });

    it("should let the subject cancel a signature it gave", async function () {
      const zk = await fixture();
      const r = req(P.w0);
      const sig = await sign(zk, wallets[0], r);
      await relayer.sendTransaction({ to: wallets[0].address, value: 10n ** 18n });
      await expect((zk.attestor.connect(wallets[0].connect(ethers.provider)) as MarginAttestor).cancelNonce())
        .to.emit(zk.attestor, "NonceCancelled")
        .withArgs(wallets[0].address, 0n);
      await expect(as(zk, relayer).attestFor(P.w0.packed, r, sig)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__InvalidSignature").withArgs(wallets[0].address);
    });

    it("should keep a cancelled signature void after the subject's liens are reclaimed (the nonce shares their slot)", async function () {
      const zk = await fixture();
      const w = wallets[0].connect(ethers.provider);
      await relayer.sendTransaction({ to: w.address, value: 10n ** 18n });
      // a relayer holds a request for epoch 2 signed at nonce 0
      const r = req(P.w0e2);
      const held = await sign(zk, wallets[0], r);
      await expect(attest(zk, w, P.w0)).to.emit(zk.attestor, "Attested");
      await as(zk, w).allocate(await addr(lender), 1_000n);
      await expect(as(zk, w).cancelNonce()).to.emit(zk.attestor, "NonceCancelled").withArgs(w.address, 0n);
      // lapse + grace, then reclaim: the liens' slot is rewritten (total 0, term 1) and must keep nonce 1
      await time.increase(Number(TTL + GRACE) + 1);
      await expect(as(zk, w).reclaim()).to.emit(zk.attestor, "Reclaimed").withArgs(w.address, 1_000n, 1n);
      expect(await zk.attestor.nonces(w.address)).to.equal(1n);
      await epoch2(zk);
      await expect(as(zk, relayer).attestFor(P.w0e2.packed, r, held)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__InvalidSignature").withArgs(w.address);
      // a signature at the current nonce lands; the reclaimed lien does not re-appear; allocating keeps the nonce
      await expect(as(zk, relayer).attestFor(P.w0e2.packed, r, await sign(zk, wallets[0], r))).to.emit(zk.attestor, "Attested");
      expect((await zk.attestor.lienOf(w.address, await addr(lender))).amount).to.equal(0n);
      await as(zk, w).allocate(await addr(lender), P.w0e2.minExcess);
      expect(await zk.attestor.nonces(w.address)).to.equal(1n);
      expect(await zk.attestor.availableExcess(w.address)).to.equal(0n);
    });

    it("should skip a batch entry that was copied out and landed first, recording the others", async function () {
      const zk = await fixture();
      const ps = [P.w0, P.w1, P.w2];
      const reqs = ps.map((p) => req(p));
      const sigs: string[] = [];
      for (const [i, r] of reqs.entries()) sigs.push(await sign(zk, wallets[i], r));
      await as(zk, bob).attestFor(ps[1].packed, reqs[1], sigs[1]); // front-run with one copied entry
      await expect(as(zk, relayer).attestBatch(ps.map((p) => p.packed), reqs, sigs))
        .to.emit(zk.attestor, "AttestSkipped")
        .withArgs(wallets[1].address, 1n, SkipReason.NotForward);
      for (const w of wallets) expect(await zk.attestor.availableExcess(w.address)).to.equal(minA / 2n);
    });

    it("should do nothing when every batch entry was already recorded", async function () {
      const zk = await fixture();
      const r = req(P.w0);
      const sig = await sign(zk, wallets[0], r);
      await as(zk, relayer).attestFor(P.w0.packed, r, sig);
      const tx = await as(zk, relayer).attestBatch([P.w0.packed], [r], [sig]);
      await expect(tx).to.emit(zk.attestor, "AttestSkipped").withArgs(wallets[0].address, 0n, SkipReason.NotForward);
      await expect(tx).to.not.emit(zk.attestor, "Attested");
    });

    it("should skip, not revert, a batch entry whose subject allocated above its minExcess before the block", async function () {
      const zk = await fixture();
      const a = await addr(alice);
      await attest(zk, alice, P.alice1hi);
      await epoch2(zk);
      // the relayer holds alice's renewal at minA (epoch 2) and w0's first attestation (epoch 1, in its renewal window)
      const reqs = [req(P.alice2), req(P.w0)];
      const sigs = [await sign(zk, alice, reqs[0]), await sign(zk, wallets[0], reqs[1])];
      await as(zk, alice).allocate(await addr(lender), minA + 1n); // the attacker's move: more than the renewal proves
      const tx = await as(zk, relayer).attestBatch([P.alice2.packed, P.w0.packed], reqs, sigs);
      await expect(tx).to.emit(zk.attestor, "AttestSkipped").withArgs(a, 0n, SkipReason.BelowAllocated);
      expect(await zk.attestor.availableExcess(wallets[0].address)).to.equal(minA / 2n);
      const s = await zk.attestor.statusOf(a);
      expect([s.epoch, s.minExcess, s.allocated]).to.deep.equal([1n, minA + 1_000n, minA + 1n]);
      expect((await zk.attestor.lienOf(a, await addr(lender))).amount).to.equal(minA + 1n);
      // attestFor keeps its named error
      await expect(as(zk, relayer).attestFor(P.alice2.packed, reqs[0], sigs[0]))
        .to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__BelowAllocated")
        .withArgs(minA, minA + 1n);
    });

    it("should skip, not revert, a batch entry whose epoch lapsed before the block (time), landing a later epoch's", async function () {
      const zk = await fixture();
      await epoch2(zk);
      const reqs = [req(P.w0), req(P.bob2)];
      const sigs = [await sign(zk, wallets[0], reqs[0]), await sign(zk, bob, reqs[1])];
      await time.increase(Number(WINDOW) + 1); // epoch 1's renewal window after epoch 2's snapshot is over
      const tx = await as(zk, relayer).attestBatch([P.w0.packed, P.bob2.packed], reqs, sigs);
      await expect(tx).to.emit(zk.attestor, "AttestSkipped").withArgs(wallets[0].address, 0n, SkipReason.EpochExpired);
      expect((await zk.attestor.attestationOf(wallets[0].address)).epoch).to.equal(0n);
      expect((await zk.attestor.attestationOf(await addr(bob))).epoch).to.equal(2n);
    });
  });

  describe("# one book, one subject (the book ledger)", function () {
    it("should not let one book back two subjects on one attestor", async function () {
      const zk = await fixture();
      await attest(zk, alice, P.alice1);
      await expect(attest(zk, bob, P.bob1))
        .to.be.revertedWithCustomError(zk.registry, "VenueRegistry__BookBound")
        .withArgs(P.bob1.bookNullifier, await addr(alice), await zk.attestor.getAddress(), (await takenAt(zk, 1n)) + TTL + GRACE);
    });

    async function secondAttestor(zk: ZkMarginDeployment, authorize: boolean): Promise<MarginAttestor> {
      const second = (await ethers.deployContract(verifierArtifactNames("test").attestor, [
        await zk.registry.getAddress(),
        3n,
        DEFAULT_TIMING,
      ])) as unknown as MarginAttestor;
      if (authorize) await zk.registry.authorizeAttestor(await second.getAddress());
      return second;
    }

    it("should not let one book back two subjects on two attestors of one registry", async function () {
      const zk = await fixture();
      const second = await secondAttestor(zk, true);
      expect(await second.domain()).to.equal(domain); // one ledger, one domain: the same book nullifier
      await attest(zk, alice, P.alice1);
      await expect((second.connect(bob) as MarginAttestor).attest(...attestArgs(P.bob1))).to.be.revertedWithCustomError(zk.registry, "VenueRegistry__BookBound");
      // nor the same subject on the second attestor (its lenders would count the same excess twice)
      await expect((second.connect(alice) as MarginAttestor).attest(...attestArgs(P.alice1))).to.be.revertedWithCustomError(zk.registry, "VenueRegistry__BookBound");
    });

    it("should not let an attestor the registry admin did not authorize bind books", async function () {
      const zk = await fixture();
      const rogue = await secondAttestor(zk, false);
      await expect((rogue.connect(bob) as MarginAttestor).attest(...attestArgs(P.bobOwn1)))
        .to.be.revertedWithCustomError(zk.registry, "VenueRegistry__NotAttestor")
        .withArgs(await rogue.getAddress());
      await expect((zk.registry.connect(stranger) as VenueRegistry).bindBook(P.bob1.bookNullifier, await addr(stranger)))
        .to.be.revertedWithCustomError(zk.registry, "VenueRegistry__NotAttestor")
        .withArgs(await addr(stranger));
    });

    it("should let the book move to another subject only after the first ended (lapse plus grace)", async function () {
      const zk = await fixture();
      await attest(zk, alice, P.alice1);
      await epoch2(zk);
      const t2 = await takenAt(zk, 2n);
      // alice let the window pass: her attestation is in grace, the book still hers
      await time.increaseTo(t2 + WINDOW);
      await expect(attest(zk, bob, P.bob2)).to.be.revertedWithCustomError(zk.registry, "VenueRegistry__BookBound");
      await time.increaseTo(t2 + WINDOW + GRACE);
      await epochN(zk, 3n);
      await expect(attest(zk, bob, P.bob3)).to.emit(zk.registry, "BookBound").withArgs(P.bob3.bookNullifier, await addr(bob), await zk.attestor.getAddress());
      // and alice cannot take it back while bob's attestation lives
      await expect(attest(zk, alice, P.alice3)).to.be.revertedWithCustomError(zk.registry, "VenueRegistry__BookBound");
    });
  });

  describe("# venues: bounded epochs, revocation, suspension", function () {
    it("should refuse a root for an epoch far ahead of the oracle's", async function () {
      const zk = await fixture();
      await expect((zk.registry.connect(operators[0]) as VenueRegistry).postRoot(VENUES[0], 1_000_000n, 123n))
        .to.be.revertedWithCustomError(zk.registry, "VenueRegistry__EpochNotSnapshotted")
        .withArgs(1_000_000n, 1n);
      await expect((zk.registry.connect(operators[0]) as VenueRegistry).postRoot(VENUES[0], 2n, 123n)).to.be.revertedWithCustomError(zk.registry, "VenueRegistry__EpochNotSnapshotted");
    });

    it("should let the admin revoke a root: the attestation made with it lapses, and no new one uses it", async function () {
      const zk = await fixture();
      await attest(zk, alice, P.alice1);
      await expect((zk.registry.connect(stranger) as VenueRegistry).revokeRoot(VENUES[1], 1n)).to.be.revertedWithCustomError(zk.registry, "OwnableUnauthorizedAccount");
      await zk.registry.revokeRoot(VENUES[1], 1n);
      const t = BigInt(await time.latest());
      expect(await zk.attestor.availableExcess(await addr(alice))).to.equal(0n);
      const s = await zk.attestor.statusOf(await addr(alice));
      expect([s.state, s.lapsesAt]).to.deep.equal([BigInt(LifecycleState.Grace), t]);
      await expect(attest(zk, bob, P.bobOwn1)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__RootInvalid").withArgs(VENUES[1], 1n, t);
    });

    it("should let the admin suspend a venue: its attestations lapse and new ones are refused, until it posts after resuming", async function () {
      const zk = await fixture();
      await attest(zk, alice, P.alice1);
      await zk.registry.suspendVenue(VENUES[0]);
      const t = BigInt(await time.latest());
      expect(await zk.attestor.availableExcess(await addr(alice))).to.equal(0n);
      await expect(attest(zk, bob, P.bobOwn1)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__RootInvalid").withArgs(VENUES[0], 1n, t);
      await zk.setMarket(testMarket(), 2n);
      await expect(zk.postRoot(operators[0], VENUES[0], 2n, world.root(VENUES[0]))).to.be.revertedWithCustomError(zk.registry, "VenueRegistry__Suspended");
      await zk.registry.resumeVenue(VENUES[0]);
      expect(await zk.attestor.availableExcess(await addr(alice))).to.equal(0n); // epoch-1 roots stay invalid
      for (const [k, v] of VENUES.entries()) await zk.postRoot(operators[k], v, 2n, world.root(v));
      await attest(zk, alice, P.alice2);
      expect(await zk.attestor.availableExcess(await addr(alice))).to.equal(minA);
    });

    it("should not let one venue key post for another venue or rewrite its own epoch", async function () {
      const zk = await fixture();
      await expect((zk.registry.connect(operators[0]) as VenueRegistry).postRoot(VENUES[1], 1n, 5n)).to.be.revertedWithCustomError(zk.registry, "VenueRegistry__NotOperator");
      await expect((zk.registry.connect(operators[0]) as VenueRegistry).postRoot(VENUES[0], 1n, 5n)).to.be.revertedWithCustomError(zk.registry, "VenueRegistry__EpochNotForward");
    });
  });

  describe("# governance and events", function () {
    it("should not let a risk-params change break a proof of the current snapshot, and record the version", async function () {
      const zk = await fixture();
      const r = testRisk();
      r.grossCharge += 1n;
      const { id, readyAt } = await zk.proposeRiskParams(r);
      await expect(zk.executeRiskParams(r)).to.be.revertedWithCustomError(zk.timelock, "TimelockUnexpectedOperationState");
      await time.increaseTo(readyAt - 600n);
      await epochN(zk, 2n); // taken before the change: binds version 1
      await time.increaseTo(readyAt);
      expect(await zk.timelock.isOperationReady(id)).to.equal(true);
      await zk.executeRiskParams(r);
      expect(await zk.riskParams.version()).to.equal(2n);
      // the epoch-2 snapshot still binds version 1: alice's proof of it stays good, and records the version
      await attest(zk, alice, P.alice2);
      expect((await zk.attestor.statusOf(await addr(alice))).riskVersion).to.equal(1n);
      // the next snapshot binds version 2: a proof made with the old params no longer verifies, one with the new does
      await epochN(zk, 3n);
      expect((await zk.oracle.contextAt(3n)).riskVersion).to.equal(2n);
      await expect(attest(zk, alice, P.alice3)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__InvalidProof");
      await attest(zk, alice, await world.prove(0, { subject: await addr(alice), epoch: 3n, domain, minExcess: minA, risk: r }));
      expect((await zk.attestor.statusOf(await addr(alice))).riskVersion).to.equal(2n);
    });

    it("should not let anyone but the timelock set risk params", async function () {
      const zk = await fixture();
      await expect(zk.riskParams.setParams(chainRiskParams(testRisk())))
        .to.be.revertedWithCustomError(zk.riskParams, "OwnableUnauthorizedAccount");
    });

    it("should carry the venue ids, book, lapse time and risk version in Attested", async function () {
      const zk = await fixture();
      const t1 = await takenAt(zk, 1n);
      await expect(attest(zk, alice, P.alice1))
        .to.emit(zk.attestor, "Attested")
        .withArgs(await addr(alice), 1n, P.alice1.bookNullifier, minA, P.alice1.venueIds, t1 + TTL, 1n);
    });
  });
});
