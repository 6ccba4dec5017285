/**
 * Issue 12, as an attacker and as a lender would try it: every failure mode of the attestation lifecycle, on Hardhat's
 * in-process EVM with REAL proofs of the "test" instance and the deployment defaults of client/deploy.ts.
 * Written against the contracts before the lifecycle change: each test here failed on them.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { Wallet, keccak256, toUtf8Bytes, type Signer } from "ethers";
import { deployZkMargin, type AttestRequest, type MarginAttestor, type ZkMarginDeployment } from "../../client/deploy.ts";
import type { AccountWitness, ProofRequest } from "../../prover/circuitInput.ts";
import { accountLeaf, holdingsCommitment, ownerHash } from "../../prover/commitments.ts";
import { evaluateMargin } from "../../prover/model.ts";
import { VenueTree } from "../../prover/tree.ts";
import type { Holding } from "../../prover/types.ts";
import { TEST_ASSETS, TEST_PARAMS, perp, spot, testMarket, testRisk } from "../fixtures/market.ts";
import { proveMargin, releaseProofs, requireArtifacts, type MarginProof } from "../helpers/proofs.ts";

const { ethers, networkHelpers } = await network.create();
const { USDC, ETH } = TEST_ASSETS;
const VENUES = [1n, 2n] as const;
const DAY = 86_400;

function book(i: number): { secret: bigint; holdings: [Holding[], Holding[]] } {
  return {
    secret: 0x11fec7c1en * 1_000_003n + BigInt(i),
    holdings: [
      [spot(USDC, String(6000 + i)), perp(ETH, "10", "2950")],
      [spot(USDC, "6000"), perp(ETH, "-10", "3020")],
    ],
  };
}
const saltOf = (i: number, v: bigint) => BigInt(i + 1) * 9_000_011n + v;
const TRADERS = 4;

describe("Attestation lifecycle (issue 12, real proofs, deployment defaults)", function () {
  let trees: Map<bigint, VenueTree>;
  const where = new Map<string, number>();
  let signers: Signer[];
  let alice: Signer, bob: Signer, relayer: Signer, lender: Signer, lender2: Signer;
  let operators: Signer[];
  const wallets = Array.from({ length: 3 }, (_, i) => new Wallet(keccak256(toUtf8Bytes(`zkmargin lifecycle subject ${i}`))));
  const P: Record<string, MarginProof> = {};
  let minA: bigint;
  const addr = (s: Signer) => s.getAddress();

  function accounts(i: number): AccountWitness[] {
    return VENUES.map((v, k) => {
      const p = trees.get(v)!.path(where.get(`${i}:${v}`)!);
      return { venueId: v, salt: saltOf(i, v), holdings: book(i).holdings[k], leafIndex: p.leafIndex, siblings: p.siblings, root: p.root };
    });
  }
  function prove(i: number, subject: string, epoch: bigint, minExcess: bigint): Promise<MarginProof> {
    const req: ProofRequest = { params: TEST_PARAMS, traderSecret: book(i).secret, accounts: accounts(i), epoch, subject: BigInt(subject), market: testMarket(), risk: testRisk(), minExcess };
    return proveMargin(req);
  }

  before(async function () {
    requireArtifacts("test");
    signers = await ethers.getSigners();
    [, , , alice, bob, relayer, lender, lender2] = signers;
    operators = signers.slice(1, 3);
    const leaves = new Map<bigint, bigint[]>(VENUES.map((v) => [v, [1000n * v + 1n]]));
    for (let i = 0; i < TRADERS; i++) {
      VENUES.forEach((v, k) => {
        where.set(`${i}:${v}`, leaves.get(v)!.length);
        leaves.get(v)!.push(accountLeaf(ownerHash(book(i).secret, saltOf(i, v)), holdingsCommitment(book(i).holdings[k], TEST_PARAMS.N), v));
      });
    }
    trees = new Map([...leaves].map(([v, l]) => [v, new VenueTree(TEST_PARAMS.D, l)]));
    minA = evaluateMargin(book(0).holdings.flat(), testMarket(), testRisk()).excess / 2n;
    P.alice1 = await prove(0, await addr(alice), 1n, minA);
    P.alice1hi = await prove(0, await addr(alice), 1n, minA + 1_000n);
    P.alice2 = await prove(0, await addr(alice), 2n, minA);
    P.bob1 = await prove(0, await addr(bob), 1n, minA);
    for (const [i, w] of wallets.entries()) P[`w${i}`] = await prove(1 + i, w.address, 1n, minA / 2n);
  });

  after(async function () {
    await releaseProofs();
  });

  /** Deployment defaults; venues 1 and 2 with roots for epoch 1, a snapshot at epoch 1, risk params. */
  async function deployFixture(): Promise<ZkMarginDeployment> {
    const zk = await deployZkMargin(ethers, { instance: "test" });
    for (const [k, v] of VENUES.entries()) await zk.registerVenue(v, operators[k]);
    await zk.setRiskParams(testRisk());
    await zk.setMarket(testMarket(), 1n);
    for (const [k, v] of VENUES.entries()) await zk.postRoot(operators[k], v, 1n, trees.get(v)!.root);
    return zk;
  }
  const fixture = () => networkHelpers.loadFixture(deployFixture);
  const as = (zk: ZkMarginDeployment, s: Signer) => zk.attestor.connect(s) as MarginAttestor;
  const attest = (zk: ZkMarginDeployment, s: Signer, p: MarginProof) =>
    as(zk, s).attest(p.packed, p.publicInputs.venueIds, p.publicInputs.nullifiers, p.publicInputs.epoch, p.publicInputs.minExcess);
  const req = (p: MarginProof, subject: string): AttestRequest => ({
    subject,
    venueIds: p.publicInputs.venueIds,
    nullifiers: p.publicInputs.nullifiers,
    epoch: p.publicInputs.epoch,
    minExcess: p.publicInputs.minExcess,
    deadline: 2n ** 40n,
  });
  async function sign(zk: ZkMarginDeployment, w: Signer, r: AttestRequest): Promise<string> {
    const { chainId } = await ethers.provider.getNetwork();
    const domain = { name: "zkmargin MarginAttestor", version: "1", chainId, verifyingContract: await zk.attestor.getAddress() };
    const types = {
      AttestRequest: [
        { name: "subject", type: "address" },
        { name: "venueIds", type: "uint256[]" },
        { name: "nullifiers", type: "uint256[]" },
        { name: "epoch", type: "uint64" },
        { name: "minExcess", type: "uint256" },
        { name: "nonce", type: "uint256" },
        { name: "deadline", type: "uint256" },
      ],
    };
    return w.signTypedData(domain, types, { ...r, nonce: await zk.attestor.nonces(r.subject) });
  }
  /** Call a function the contract may not have (the lifecycle reads): a missing function fails the test. */
  const call = (c: unknown, name: string, ...a: unknown[]) => (c as { getFunction(n: string): (...x: unknown[]) => Promise<unknown> }).getFunction(name)(...a);

  describe("# liens", function () {
    it("should not let the subject alone cancel a lender's allocation and allocate it again", async function () {
      const zk = await fixture();
      await attest(zk, alice, P.alice1);
      const [a, l] = [await addr(alice), await addr(lender)];
      await as(zk, alice).allocate(l, minA);
      await expect(as(zk, alice).release(a, l, minA)).to.be.revert(ethers);
      await expect(as(zk, alice).allocate(await addr(lender2), minA)).to.be.revert(ethers);
      expect(await zk.attestor.allocatedTo(a, l)).to.equal(minA);
    });

    it("should not report excess already allocated as solvent for a new lender", async function () {
      const zk = await fixture();
      await attest(zk, alice, P.alice1);
      await as(zk, alice).allocate(await addr(lender), minA);
      expect(await zk.attestor.isSolvent(await addr(alice), minA)).to.equal(false);
    });

    it("should not let allocations re-appear when a lapsed attestation is renewed after the grace period", async function () {
      const zk = await fixture();
      await attest(zk, alice, P.alice1);
      await as(zk, alice).allocate(await addr(lender), minA);
      await zk.setMarket(testMarket(), 2n);
      await networkHelpers.time.increase(30 * DAY);
      await zk.setMarket(testMarket(), 3n);
      for (const [k, v] of VENUES.entries()) await zk.postRoot(operators[k], v, 3n, trees.get(v)!.root);
      await attest(zk, alice, await prove(0, await addr(alice), 3n, minA)).catch(() => undefined);
      expect(await zk.attestor.allocatedTo(await addr(alice), await addr(lender))).to.equal(0n);
      expect(await zk.attestor.totalAllocated(await addr(alice))).to.equal(0n);
    });

    it("should let a consumer read its lien's state and until when it holds", async function () {
      const zk = await fixture();
      await attest(zk, alice, P.alice1);
      await as(zk, alice).allocate(await addr(lender), minA);
      const lien = (await call(zk.attestor, "lienOf", await addr(alice), await addr(lender))) as { amount: bigint; until: bigint };
      expect(lien.amount).to.equal(minA);
      expect(lien.until).to.be.greaterThan(0n);
    });
  });

  describe("# expiry", function () {
    it("should lapse an attestation in wall-clock time while the oracle is stuck", async function () {
      const zk = await fixture();
      await attest(zk, alice, P.alice1);
      await networkHelpers.time.increase(30 * DAY);
      expect(await zk.attestor.availableExcess(await addr(alice))).to.equal(0n);
    });

    it("should keep an attestation and its liens through the next snapshot during the renewal window", async function () {
      const zk = await fixture();
      await attest(zk, alice, P.alice1);
      await as(zk, alice).allocate(await addr(lender), minA / 2n);
      await zk.setMarket(testMarket(), 2n);
      expect(await zk.attestor.allocatedTo(await addr(alice), await addr(lender))).to.equal(minA / 2n);
      expect(await zk.attestor.availableExcess(await addr(alice))).to.equal(minA - minA / 2n);
    });
  });

  describe("# oracle degrades instead of stopping", function () {
    it("should snapshot with one stale feed out of three", async function () {
      const zk = await fixture();
      const now = BigInt(await networkHelpers.time.latest());
      await zk.feeds[1][0].setAnswerAt(300_000_000_000n, now - 7200n);
      await expect(zk.oracle.snapshot(2n)).to.not.be.revert(ethers);
    });

    it("should snapshot with one reverting feed out of three", async function () {
      const zk = await fixture();
      await zk.feeds[1][2].setReverts(true);
      await expect(zk.oracle.snapshot(2n)).to.not.be.revert(ethers);
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
      });
    }
  });

  describe("# oracle arithmetic", function () {
    it("should scale the EWMA decay by the elapsed epochs", async function () {
      const zk = await fixture();
      const lambda = 940_000n;
      const feeds = await Promise.all(zk.feeds[1].map((f) => f.getAddress()));
      await zk.oracle.setAsset(1n, feeds, 10_000n, 50_000n, 20_000n); // σ seed 2 %
      for (const f of zk.feeds[1]) await f.setAnswer(300_000_000_000n);
      await zk.oracle.snapshot(2n);
      for (const f of zk.feeds[1]) await f.setAnswer(330_000_000_000n); // +10 % over 3 epochs
      await zk.oracle.snapshot(5n);
      const n = 3n;
      let ln = 1_000_000n;
      for (let k = 0n; k < n; k++) ln = (ln * lambda) / 1_000_000n;
      const r = 100_000n;
      const v = (ln * 20_000n * 20_000n + (1_000_000n - ln) * ((r * r) / n)) / 1_000_000n;
      let s = 0n;
      while ((s + 1n) * (s + 1n) <= v) s++;
      expect(await zk.oracle.sigmaPpm(1n)).to.equal(s);
    });

    it("should refuse an epoch step above the bound", async function () {
      const zk = await fixture();
      await expect(zk.oracle.snapshot(1_000_000_000n)).to.be.revert(ethers);
    });

    it("should record each snapshot's time", async function () {
      const zk = await fixture();
      const t = (await call(zk.oracle, "snapshotTime", 1n)) as bigint;
      expect(t).to.be.greaterThan(0n);
    });
  });

  describe("# signatures and relaying", function () {
    it("should not let a held relayed request lower a newer same-epoch attestation", async function () {
      const zk = await fixture();
      const r = req(P.alice1, await addr(alice));
      const sig = await sign(zk, alice, r);
      await attest(zk, alice, P.alice1hi);
      await as(zk, relayer).attestFor(P.alice1.packed, r, sig).catch(() => undefined);
      expect((await zk.attestor.attestationOf(await addr(alice))).minExcess).to.equal(minA + 1_000n);
    });

    it("should let the subject cancel a signature it gave", async function () {
      const zk = await fixture();
      const r = req(P.w0, wallets[0].address);
      const sig = await sign(zk, wallets[0], r);
      await relayer.sendTransaction({ to: wallets[0].address, value: 10n ** 18n });
      await call(zk.attestor.connect(wallets[0].connect(ethers.provider)), "cancelNonce");
      await expect(as(zk, relayer).attestFor(P.w0.packed, r, sig)).to.be.revert(ethers);
    });

    it("should skip a batch entry that was copied out and landed first, recording the others", async function () {
      const zk = await fixture();
      const ps = [P.w0, P.w1, P.w2];
      const reqs = ps.map((p, i) => req(p, wallets[i].address));
      const sigs: string[] = [];
      for (const [i, r] of reqs.entries()) sigs.push(await sign(zk, wallets[i], r));
      await as(zk, bob).attestFor(ps[1].packed, reqs[1], sigs[1]); // front-run with one copied entry
      await as(zk, relayer).attestBatch(ps.map((p) => p.packed), reqs, sigs);
      for (const w of wallets) expect(await zk.attestor.availableExcess(w.address)).to.equal(minA / 2n);
    });
  });

  describe("# one book, one subject", function () {
    it("should not let one book back two subjects on two attestors of one registry", async function () {
      const zk = await fixture();
      const second = (await ethers.deployContract("MarginAttestor", [
        {
          registry: await zk.registry.getAddress(),
          oracle: await zk.oracle.getAddress(),
          riskParams: await zk.riskParams.getAddress(),
          verifier: await zk.verifier.getAddress(),
          batchVerifier: await zk.batchVerifier.getAddress(),
        },
        BigInt(TEST_PARAMS.V),
        0n,
        1n,
      ])) as unknown as MarginAttestor;
      await attest(zk, alice, P.alice1);
      const q = P.bob1.publicInputs;
      await expect((second.connect(bob) as MarginAttestor).attest(P.bob1.packed, q.venueIds, q.nullifiers, q.epoch, q.minExcess)).to.be.revert(ethers);
    });
  });

  describe("# venues", function () {
    it("should refuse a root for an epoch far ahead of the oracle's", async function () {
      const zk = await fixture();
      await expect((zk.registry.connect(operators[0]) as typeof zk.registry).postRoot(VENUES[0], 1_000_000n, 123n)).to.be.revert(ethers);
    });

    it("should let the admin revoke a root: the attestation made with it lapses", async function () {
      const zk = await fixture();
      await attest(zk, alice, P.alice1);
      await call(zk.registry, "revokeRoot", VENUES[1], 1n);
      expect(await zk.attestor.availableExcess(await addr(alice))).to.equal(0n);
    });

    it("should let the admin suspend a venue: its attestations lapse and new ones are refused", async function () {
      const zk = await fixture();
      await attest(zk, alice, P.alice1);
      await call(zk.registry, "suspendVenue", VENUES[0]);
      expect(await zk.attestor.availableExcess(await addr(alice))).to.equal(0n);
      await expect(attest(zk, bob, P.bob1)).to.be.revert(ethers);
    });
  });

  describe("# governance and events", function () {
    it("should not let a risk-params change break a proof of the current snapshot, and record the version", async function () {
      const zk = await fixture();
      const r = testRisk();
      r.grossCharge += 1n;
      await zk.setRiskParams(r).catch(() => undefined);
      await attest(zk, alice, P.alice1);
      const status = (await call(zk.attestor, "statusOf", await addr(alice))) as { riskVersion: bigint };
      expect(status.riskVersion).to.equal(1n);
    });

    it("should carry the venue ids in Attested", async function () {
      const zk = await fixture();
      const receipt = await (await attest(zk, alice, P.alice1)).wait();
      const log = zk.attestor.interface.parseLog(receipt!.logs.find((l) => l.address === receipt!.to)!);
      expect(log!.args.toObject()).to.have.property("venueIds");
    });
  });
});
