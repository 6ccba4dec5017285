/**
 * MarginAttestor with REAL proofs of the "test" instance (V=3, N=3, A=3, K=4, D=7) from the project's own keys: the
 * public inputs rebuilt from chain state (subject, domain, context hash, roots, book nullifier, tail), every
 * statement check, EIP-712 relaying and all-or-nothing batches, and the deployment checks. The lifecycle (liens,
 * expiry, the book ledger, revocation) is test/contracts/lifecycle.test.ts. Proofs are generated once in before()
 * and reused; each test starts from the same chain state through loadFixture.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { Wallet, keccak256, toUtf8Bytes, type Signer } from "ethers";
import { ATTEST_REQUEST_TYPES, SkipReason, attestorDomain, deploymentDomain } from "../../client/attestor.ts";
import { DEFAULT_TIMING, deployZkMargin, verifierArtifactNames, type AttestRequest, type MarginAttestor, type VenueRegistry, type ZkMarginDeployment } from "../../client/deploy.ts";
import { FIELD } from "../../prover/hash.ts";
import { flattenPublicInputs, publicSignalCount } from "../../prover/publicSignals.ts";
import { TEST_PARAMS, testMarket, testRisk } from "../fixtures/market.ts";
import { releaseProofs, requireArtifacts, tamperA } from "../helpers/proofs.ts";
import { World, attestArgs, hedgedTrader, type Proved } from "./world.ts";
import { readFileSync } from "node:fs";
import { artifactPaths } from "../../scripts/lib/instances.ts";
import type { VerificationKey } from "../../scripts/lib/snark.ts";
import { checkMarginVerifier } from "../../scripts/lib/verifierAudit.ts";

const { ethers, networkHelpers } = await network.create();
const VENUES = [1n, 2n, 3n];
const V = TEST_PARAMS.V;
const BATCH = 4;

describe("MarginAttestor (real proofs, instance test)", function () {
  const world = new World(
    Array.from({ length: 1 + BATCH }, (_, i) => hedgedTrader(i, VENUES)),
    VENUES,
  );
  let signers: Signer[];
  let alice: Signer, bob: Signer, relayer: Signer;
  let operators: Signer[];
  let domain: bigint;
  const wallets = Array.from({ length: BATCH }, (_, i) => new Wallet(keccak256(toUtf8Bytes(`zkmargin batch subject ${i}`))));
  const P: Record<string, Proved> = {};
  const batch: Proved[] = [];
  let minA: bigint;
  const addr = (s: Signer) => s.getAddress();

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
    [, , , , alice, bob, relayer] = signers;
    operators = signers.slice(1, 4);
    domain = (await fixture()).domain;
    minA = world.excess(0) / 2n;
    const t0 = Date.now();
    P.alice1 = await world.prove(0, { subject: await addr(alice), epoch: 1n, domain, minExcess: minA });
    P.otherDomain = await world.prove(0, { subject: await addr(alice), epoch: 1n, domain: domain + 1n, minExcess: minA });
    P.otherEpoch = await world.prove(0, { subject: await addr(alice), epoch: 2n, domain, minExcess: minA });
    for (let i = 0; i < BATCH; i++) batch.push(await world.prove(1 + i, { subject: wallets[i].address, epoch: 1n, domain, minExcess: world.excess(1 + i) / 3n }));
    console.log(`      (${3 + BATCH} real proofs in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  });

  after(releaseProofs);

  const as = (zk: ZkMarginDeployment, s: Signer) => zk.attestor.connect(s) as MarginAttestor;
  const attest = (zk: ZkMarginDeployment, s: Signer, p: Proved) => as(zk, s).attest(...attestArgs(p));
  function req(p: Proved, subject = String(p.subject), deadline = 2n ** 40n): AttestRequest {
    return { subject, venueIds: p.venueIds, bookNullifier: p.bookNullifier, epoch: p.epoch, minExcess: p.minExcess, deadline };
  }
  async function sign(zk: ZkMarginDeployment, w: Signer, r: AttestRequest, nonce?: bigint): Promise<string> {
    const { chainId } = await ethers.provider.getNetwork();
    return w.signTypedData(attestorDomain(chainId, await zk.attestor.getAddress()), ATTEST_REQUEST_TYPES, { ...r, nonce: nonce ?? (await zk.attestor.nonces(r.subject)) });
  }

  describe("# deployment", function () {
    it("should compute the domain from the chain id and the registry, and build 5 + V public inputs", async function () {
      const zk = await fixture();
      const { chainId } = await ethers.provider.getNetwork();
      expect(await zk.attestor.domain()).to.equal(deploymentDomain(chainId, await zk.registry.getAddress()));
      expect(await zk.verifier.DOMAIN()).to.equal(zk.domain);
      expect(await zk.attestor.publicSignalCount()).to.equal(BigInt(publicSignalCount(V)));
      expect(await zk.attestor.venueSlots()).to.equal(BigInt(V));
      expect(await zk.registry.attestorId(await zk.attestor.getAddress())).to.equal(1n);
    });

    it("should pass the audit's constant check: the key's constants, its domain and the folded IC0 in its code", async function () {
      const zk = await fixture();
      const vk = JSON.parse(readFileSync(artifactPaths("test").vkey, "utf8")) as VerificationKey;
      const code = await ethers.provider.getCode(await zk.attestor.getAddress());
      const ok = await checkMarginVerifier(code, vk, zk.domain, 1, "InstanceMarginAttestor");
      expect(ok.ok, ok.detail).to.equal(true);
      expect((await checkMarginVerifier(code, vk, zk.domain + 1n)).ok).to.equal(false);
    });

    it("should inline a verifier folded for its own domain, and refuse a slot count its verifier does not have and bad timing", async function () {
      const zk = await fixture();
      const factory = await ethers.getContractFactory(verifierArtifactNames("test").attestor);
      const deps = await zk.registry.getAddress();
      // the same verifier as the standalone one folded for this registry's domain: both accept the proof
      expect(await zk.verifier.verifyProof(P.alice1.packed, P.alice1.publicSignals)).to.equal(true);
      expect(await zk.attestor.verifyProof(P.alice1.packed, await addr(alice), P.alice1.venueIds, P.alice1.bookNullifier, 1n, P.alice1.minExcess)).to.equal(true);
      // the inlined verifier has 5 + 3 public signals: an attestor told V = 2 (7 signals) is refused at construction
      await expect(factory.deploy(deps, 2n, DEFAULT_TIMING)).to.be.revertedWithCustomError(factory, "MarginAttestor__InvalidConfig").withArgs("verifier");
      await expect(factory.deploy(deps, 5n, DEFAULT_TIMING)).to.be.revertedWithCustomError(factory, "MarginAttestor__InvalidConfig").withArgs("venueSlots");
      for (const [field, t] of [
        ["ttl", { ...DEFAULT_TIMING, ttl: 0n }],
        ["renewalWindow", { ...DEFAULT_TIMING, renewalWindow: DEFAULT_TIMING.ttl + 1n }],
        ["gracePeriod", { ...DEFAULT_TIMING, gracePeriod: 0n }],
      ] as const) {
        await expect(factory.deploy(deps, 3n, t)).to.be.revertedWithCustomError(factory, "MarginAttestor__InvalidConfig").withArgs(field);
      }
    });
  });

  describe("# attest", function () {
    it("should rebuild exactly the proof's public signals from chain state, in prover/publicSignals.ts order", async function () {
      const zk = await fixture();
      const built = await zk.attestor.publicInputs(await addr(alice), ...attestArgs(P.alice1).slice(1) as [bigint[], bigint, bigint, bigint]);
      expect(built).to.deep.equal(flattenPublicInputs(P.alice1.publicInputs));
      expect(built).to.deep.equal(P.alice1.publicSignals);
    });

    it("should record a valid attestation", async function () {
      const zk = await fixture();
      await expect(attest(zk, alice, P.alice1)).to.emit(zk.attestor, "Attested");
      const a = await zk.attestor.attestationOf(await addr(alice));
      expect([a.epoch, a.minExcess, [...a.venueIds]]).to.deep.equal([1n, minA, P.alice1.venueIds]);
      expect(await zk.attestor.availableExcess(await addr(alice))).to.equal(minA);
      const [subject, attestor] = await zk.registry.bookBinding(P.alice1.bookNullifier);
      expect([subject, attestor]).to.deep.equal([await addr(alice), await zk.attestor.getAddress()]);
    });

    it("should not accept a proof made for one subject from another (subject = msg.sender or the signer)", async function () {
      const zk = await fixture();
      await expect(attest(zk, bob, P.alice1)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__InvalidProof");
      const r = req(P.alice1, await addr(bob));
      await expect(as(zk, relayer).attestFor(P.alice1.packed, r, await sign(zk, bob, r))).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__InvalidProof");
    });

    it("should answer verifyProof (view) for the right statement only", async function () {
      const zk = await fixture();
      const [proof, ids, book, epoch, min] = attestArgs(P.alice1);
      expect(await zk.attestor.verifyProof(proof, await addr(alice), ids, book, epoch, min)).to.equal(true);
      expect(await zk.attestor.verifyProof(proof, await addr(bob), ids, book, epoch, min)).to.equal(false);
      expect(await zk.attestor.verifyProof(tamperA(proof), await addr(alice), ids, book, epoch, min)).to.equal(false);
      expect(await zk.attestor.verifyProof(proof, await addr(alice), ids, book + 1n, epoch, min)).to.equal(false);
      expect(await zk.attestor.verifyProof(proof, await addr(alice), ids, book, epoch, min + 1n)).to.equal(false);
    });

    it("should reject a bad proof and a minExcess above the proved one", async function () {
      const zk = await fixture();
      const [proof, ids, book, epoch, min] = attestArgs(P.alice1);
      await expect(as(zk, alice).attest(tamperA(proof), ids, book, epoch, min)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__InvalidProof");
      await expect(as(zk, alice).attest(proof, ids, book, epoch, min + 1n)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__InvalidProof");
    });

    it("should reject a proof for another deployment's domain", async function () {
      const zk = await fixture();
      await expect(attest(zk, alice, P.otherDomain)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__InvalidProof");
    });

    it("should reject a proof of one epoch's context submitted for another epoch", async function () {
      const zk = await fixture();
      await zk.setMarket(testMarket(), 2n);
      for (const [k, v] of VENUES.entries()) await zk.postRoot(operators[k], v, 2n, world.root(v));
      const [proof, ids, book, , min] = attestArgs(P.alice1);
      await expect(as(zk, alice).attest(proof, ids, book, 2n, min)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__InvalidProof");
      await attest(zk, alice, P.otherEpoch);
    });

    it("should reject an epoch without an oracle snapshot", async function () {
      const zk = await fixture();
      const [proof, ids, book, , min] = attestArgs(P.alice1);
      await expect(as(zk, alice).attest(proof, ids, book, 9n, min)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__NoSnapshot").withArgs(9n);
    });

    it("should reject malformed venue slots naming the slot", async function () {
      const zk = await fixture();
      const [proof, ids, book, epoch, min] = attestArgs(P.alice1);
      const call = (v: bigint[]) => as(zk, alice).attest(proof, v, book, epoch, min);
      await expect(call([...ids, 0n])).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__WrongSlotCount").withArgs(BigInt(V + 1), BigInt(V));
      await expect(call([2n, 1n, 0n])).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__BadVenueIds").withArgs(1n, 1n);
      await expect(call([1n, 1n, 0n])).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__BadVenueIds").withArgs(1n, 1n);
      await expect(call([1n, 0n, 2n])).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__BadVenueIds").withArgs(2n, 2n);
      await expect(call([1n, 2n ** 32n, 0n])).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__BadVenueIds").withArgs(1n, 2n ** 32n);
      await expect(call([0n, 0n, 0n])).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__NoVenues");
      await expect(call([1n, 9n, 0n])).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__NoRoot").withArgs(9n, 1n);
    });

    it("should reject a book nullifier that is 0 or aliased by the field order, and a minExcess of 2^96", async function () {
      const zk = await fixture();
      const [proof, ids, book, epoch, min] = attestArgs(P.alice1);
      await expect(as(zk, alice).attest(proof, ids, 0n, epoch, min)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__InvalidBookNullifier").withArgs(0n);
      await expect(as(zk, alice).attest(proof, ids, book + FIELD, epoch, min))
        .to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__InvalidBookNullifier")
        .withArgs(book + FIELD);
      await expect(as(zk, alice).attest(proof, ids, book, epoch, 2n ** 96n)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__InvalidMinExcess").withArgs(2n ** 96n);
    });

    it("should let the subject re-attest the same epoch at the same or a higher excess, never lower", async function () {
      const zk = await fixture();
      await attest(zk, alice, P.alice1);
      await attest(zk, alice, P.alice1); // idempotent for the subject itself
      const lower = await world.prove(0, { subject: await addr(alice), epoch: 1n, domain, minExcess: minA - 1n });
      await expect(attest(zk, alice, lower)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__NotForward").withArgs(1n, minA - 1n, minA);
    });
  });

  describe("# attestFor (EIP-712)", function () {
    it("should record a relayed attestation signed by its subject, once (the nonce is not consumed)", async function () {
      const zk = await fixture();
      const p = batch[0];
      const r = req(p);
      const sig = await sign(zk, wallets[0], r);
      await expect(as(zk, relayer).attestFor(p.packed, r, sig)).to.emit(zk.attestor, "Attested");
      expect(await zk.attestor.availableExcess(wallets[0].address)).to.equal(p.minExcess);
      expect(await zk.attestor.nonces(wallets[0].address)).to.equal(0n);
      await expect(as(zk, relayer).attestFor(p.packed, r, sig)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__NotForward");
    });

    it("should reject a signature by someone else, a changed field, and an expired deadline", async function () {
      const zk = await fixture();
      const p = batch[0];
      const r = req(p);
      await expect(as(zk, relayer).attestFor(p.packed, r, await sign(zk, wallets[1], r, 0n)))
        .to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__InvalidSignature")
        .withArgs(wallets[0].address);
      const sig = await sign(zk, wallets[0], r);
      await expect(as(zk, relayer).attestFor(p.packed, { ...r, deadline: r.deadline + 1n }, sig)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__InvalidSignature");
      const now = BigInt(await networkHelpers.time.latest());
      const old = req(p, String(p.subject), now);
      await networkHelpers.time.increase(10);
      await expect(as(zk, relayer).attestFor(p.packed, old, await sign(zk, wallets[0], old)))
        .to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__SignatureExpired")
        .withArgs(now);
    });

    it("should need no signature when the caller is the subject", async function () {
      const zk = await fixture();
      await expect(as(zk, alice).attestFor(P.alice1.packed, req(P.alice1), "0x")).to.emit(zk.attestor, "Attested");
    });
  });

  describe("# attestBatch", function () {
    async function batchOf(zk: ZkMarginDeployment, idx: number[]) {
      const proofs = idx.map((i) => batch[i].packed);
      const reqs = idx.map((i) => req(batch[i]));
      const sigs: string[] = [];
      for (const [k, i] of idx.entries()) sigs.push(await sign(zk, wallets[i], reqs[k]));
      return { proofs, reqs, sigs };
    }

    it("should record a batch of valid proofs", async function () {
      const zk = await fixture();
      const { proofs, reqs, sigs } = await batchOf(zk, [0, 1, 2, 3]);
      await as(zk, relayer).attestBatch(proofs, reqs, sigs);
      for (const i of [0, 1, 2, 3]) expect(await zk.attestor.availableExcess(wallets[i].address)).to.equal(batch[i].minExcess);
    });

    it("should mix self-submitted and signed entries", async function () {
      const zk = await fixture();
      const b = await batchOf(zk, [2]);
      await as(zk, alice).attestBatch([P.alice1.packed, ...b.proofs], [req(P.alice1), ...b.reqs], ["0x", ...b.sigs]);
      expect(await zk.attestor.availableExcess(await addr(alice))).to.equal(minA);
      expect(await zk.attestor.availableExcess(wallets[2].address)).to.equal(batch[2].minExcess);
    });

    it("should fail as a whole when one proof is bad, recording nothing", async function () {
      const zk = await fixture();
      const { proofs, reqs, sigs } = await batchOf(zk, [0, 1, 2, 3]);
      proofs[2] = tamperA(proofs[2]);
      await expect(as(zk, relayer).attestBatch(proofs, reqs, sigs)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__InvalidBatch");
      for (const i of [0, 1, 2, 3]) expect((await zk.attestor.attestationOf(wallets[i].address)).epoch).to.equal(0n);
    });

    it("should fail when a proof's subject is swapped for another (binding holds in the batch)", async function () {
      const zk = await fixture();
      const { proofs, reqs, sigs } = await batchOf(zk, [0, 1]);
      [proofs[0], proofs[1]] = [proofs[1], proofs[0]];
      await expect(as(zk, relayer).attestBatch(proofs, reqs, sigs)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__InvalidBatch");
    });

    it("should skip the later of two entries of different subjects that share a book, recording the first", async function () {
      const zk = await fixture();
      const bob1 = await world.prove(0, { subject: await addr(bob), epoch: 1n, domain, minExcess: minA });
      await expect(as(zk, alice).attestBatch([P.alice1.packed, bob1.packed], [req(P.alice1), req(bob1)], ["0x", await sign(zk, bob, req(bob1))]))
        .to.emit(zk.attestor, "AttestSkipped")
        .withArgs(await addr(bob), 1n, SkipReason.BookBound);
      expect((await zk.attestor.attestationOf(await addr(alice))).epoch).to.equal(1n);
      expect((await zk.attestor.attestationOf(await addr(bob))).epoch).to.equal(0n);
      expect((await zk.registry.bookBinding(P.alice1.bookNullifier))[0]).to.equal(await addr(alice));
    });

    it("should reject an empty batch and mismatched arrays", async function () {
      const zk = await fixture();
      await expect(as(zk, relayer).attestBatch([], [], [])).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__BadBatch").withArgs(0n, 0n, 0n);
      const { proofs, reqs } = await batchOf(zk, [0]);
      await expect(as(zk, relayer).attestBatch(proofs, reqs, [])).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__BadBatch").withArgs(1n, 1n, 0n);
    });
  });

  /**
   * The attacker's move against a relayer's batch: one entry's subject (or one venue, or the clock) acts after the
   * relayer checked the batch and before the block. The attacked entry is skipped with its reason and leaves its
   * subject's state as it was; the others land. Entries: batch[0] on venues (2,3), batch[1] on (1,3), batch[2] on
   * (1,2), batch[3] on (2,3) (hedgedTrader over three venues).
   */
  describe("# attestBatch against one party acting alone", function () {
    async function signedBatch(zk: ZkMarginDeployment, idx: number[], deadline = 2n ** 40n) {
      const reqs = idx.map((i) => req(batch[i], wallets[i].address, deadline));
      const sigs: string[] = [];
      for (const [k, i] of idx.entries()) sigs.push(await sign(zk, wallets[i], reqs[k]));
      return { proofs: idx.map((i) => batch[i].packed), reqs, sigs };
    }
    /** What a subject's state is: its attestation, liens' total, nonce, and the book's binding. */
    async function stateOf(zk: ZkMarginDeployment, subject: string, book: bigint) {
      const a = await zk.attestor.attestationOf(subject);
      const s = await zk.attestor.statusOf(subject);
      const [bound] = await zk.registry.bookBinding(book);
      return [a.epoch, a.minExcess, s.allocated, await zk.attestor.nonces(subject), bound];
    }
    /** Send the batch; expect exactly the skips `skipped` (index → reason), and every other entry recorded. */
    async function expectSkips(zk: ZkMarginDeployment, idx: number[], b: Awaited<ReturnType<typeof signedBatch>>, skipped: Map<number, SkipReason>) {
      const before = new Map<number, unknown[]>();
      for (const k of skipped.keys()) before.set(k, await stateOf(zk, wallets[idx[k]].address, batch[idx[k]].bookNullifier));
      const tx = await as(zk, relayer).attestBatch(b.proofs, b.reqs, b.sigs);
      const receipt = (await tx.wait())!;
      const logs = receipt.logs.map((l) => zk.attestor.interface.parseLog(l)).filter((l): l is NonNullable<typeof l> => l !== null);
      const skips = logs.filter((l) => l.name === "AttestSkipped").map((l) => [l.args.subject, l.args.index, l.args.reason]);
      expect(skips).to.deep.equal([...skipped].map(([k, why]) => [wallets[idx[k]].address, BigInt(k), BigInt(why)]));
      expect(logs.filter((l) => l.name === "Attested").map((l) => l.args.subject)).to.deep.equal(
        idx.filter((_, k) => !skipped.has(k)).map((i) => wallets[i].address),
      );
      for (const [k, i] of idx.entries()) {
        if (skipped.has(k)) expect(await stateOf(zk, wallets[i].address, batch[i].bookNullifier)).to.deep.equal(before.get(k));
        else expect(await zk.attestor.availableExcess(wallets[i].address)).to.equal(batch[i].minExcess);
      }
    }
    const funded = async (i: number) => {
      const w = wallets[i].connect(ethers.provider);
      await relayer.sendTransaction({ to: w.address, value: 10n ** 18n });
      return w;
    };

    it("should skip the entry whose subject cancelled its signature (cancelNonce)", async function () {
      const zk = await fixture();
      const b = await signedBatch(zk, [0, 1, 2]);
      await (zk.attestor.connect(await funded(1)) as MarginAttestor).cancelNonce();
      await expectSkips(zk, [0, 1, 2], b, new Map([[1, SkipReason.InvalidSignature]]));
    });

    it("should skip the entry whose deadline passed before the block", async function () {
      const zk = await fixture();
      const now = BigInt(await networkHelpers.time.latest());
      const b = await signedBatch(zk, [0, 1, 2]);
      b.reqs[2] = req(batch[2], wallets[2].address, now + 60n);
      b.sigs[2] = await sign(zk, wallets[2], b.reqs[2]);
      await networkHelpers.time.increase(120);
      await expectSkips(zk, [0, 1, 2], b, new Map([[2, SkipReason.SignatureExpired]]));
    });

    it("should skip the entries whose venue's root was revoked, also when a second entry shares the venue list", async function () {
      const zk = await fixture();
      const b = await signedBatch(zk, [0, 1, 2, 3]);
      await zk.registry.revokeRoot(VENUES[0], 1n); // venue 1: batch[1] (1,3) and batch[2] (1,2)
      await expectSkips(zk, [0, 1, 2, 3], b, new Map([[1, SkipReason.RootInvalid], [2, SkipReason.RootInvalid]]));
    });

    it("should skip the entries of a suspended venue, including a repeated venue list (not cached as valid)", async function () {
      const zk = await fixture();
      const b = await signedBatch(zk, [0, 2, 3]);
      await zk.registry.suspendVenue(VENUES[2]); // venue 3: batch[0] and batch[3] (2,3)
      await expectSkips(zk, [0, 2, 3], b, new Map([[0, SkipReason.RootInvalid], [2, SkipReason.RootInvalid]]));
    });

    it("should skip the entry whose book another subject bound first", async function () {
      const zk = await fixture();
      const b = await signedBatch(zk, [0, 1]);
      // trader 2's book (batch[1]) attested by another address of the same trader before the batch lands
      const elsewhere = await world.prove(2, { subject: await addr(bob), epoch: 1n, domain, minExcess: 1n });
      await attest(zk, bob, elsewhere);
      await expectSkips(zk, [0, 1], b, new Map([[1, SkipReason.BookBound]]));
      expect((await zk.registry.bookBinding(batch[1].bookNullifier))[0]).to.equal(await addr(bob));
    });

    it("should skip entries whose epoch has no snapshot or whose venue has no root, and land the rest", async function () {
      const zk = await fixture();
      const b = await signedBatch(zk, [0, 1]);
      const r = req(P.otherEpoch, await addr(alice));
      const noSnapshot = { proofs: [P.otherEpoch.packed, ...b.proofs], reqs: [r, ...b.reqs], sigs: [await sign(zk, alice, r), ...b.sigs] };
      const tx = as(zk, relayer).attestBatch(noSnapshot.proofs, noSnapshot.reqs, noSnapshot.sigs);
      await expect(tx).to.emit(zk.attestor, "AttestSkipped").withArgs(await addr(alice), 0n, SkipReason.NoSnapshot);
      expect((await zk.attestor.attestationOf(await addr(alice))).epoch).to.equal(0n);
      // epoch 2 snapshotted, but venue 1 (alice's book is on 1 and 2) has not posted its root yet
      await zk.setMarket(testMarket(), 2n);
      await zk.postRoot(operators[1], VENUES[1], 2n, world.root(VENUES[1]));
      await expect(as(zk, relayer).attestBatch([P.otherEpoch.packed], [r], [await sign(zk, alice, r)]))
        .to.emit(zk.attestor, "AttestSkipped")
        .withArgs(await addr(alice), 0n, SkipReason.NoRoot);
      expect((await zk.attestor.attestationOf(await addr(alice))).epoch).to.equal(0n);
    });

    it("should still revert the whole batch on an invalid proof among the kept entries, even next to a skipped one", async function () {
      const zk = await fixture();
      const b = await signedBatch(zk, [0, 1, 2]);
      await (zk.attestor.connect(await funded(0)) as MarginAttestor).cancelNonce();
      b.proofs[2] = tamperA(b.proofs[2]);
      await expect(as(zk, relayer).attestBatch(b.proofs, b.reqs, b.sigs)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__InvalidBatch");
      for (const i of [0, 1, 2]) expect((await zk.attestor.attestationOf(wallets[i].address)).epoch).to.equal(0n);
    });

    it("should bound a contract-wallet subject's signature check: a wallet switched to burn its gas is skipped", async function () {
      const zk = await fixture();
      const wallet = await ethers.deployContract("TestWallet1271", [await addr(alice)]);
      const subject = await wallet.getAddress();
      const p = await world.prove(0, { subject, epoch: 1n, domain, minExcess: minA });
      const b = await signedBatch(zk, [0, 1]);
      const r = req(p, subject);
      const sig = await sign(zk, alice, r); // the wallet accepts its owner's signature (ERC-1271)
      const entries = { proofs: [p.packed, ...b.proofs], reqs: [r, ...b.reqs], sigs: [sig, ...b.sigs] };
      // the subject's move after the relayer simulated the batch: its wallet now burns all the gas it gets
      await (wallet.connect(alice) as unknown as { setBurn(on: boolean): Promise<unknown> }).setBurn(true);
      const gasLimit = 2_000_000n;
      const tx = await as(zk, relayer).attestBatch(entries.proofs, entries.reqs, entries.sigs, { gasLimit });
      await expect(tx).to.emit(zk.attestor, "AttestSkipped").withArgs(subject, 0n, SkipReason.InvalidSignature);
      for (const i of [0, 1]) expect(await zk.attestor.availableExcess(wallets[i].address)).to.equal(batch[i].minExcess);
      expect((await zk.attestor.attestationOf(subject)).epoch).to.equal(0n);
      const burnt = (await tx.wait())!.gasUsed;
      // an honest wallet lands in a batch, and costs the batch far less than the bound it was allowed
      await (wallet.connect(alice) as unknown as { setBurn(on: boolean): Promise<unknown> }).setBurn(false);
      const ok = await as(zk, relayer).attestBatch([p.packed], [r], [sig]);
      await expect(ok).to.emit(zk.attestor, "Attested");
      expect(burnt).to.be.lessThan(gasLimit);
      expect(await zk.attestor.ERC1271_BATCH_GAS()).to.equal(300_000n);
    });

    it("should leave the single paths' named errors as they were (attestFor after the same moves)", async function () {
      const zk = await fixture();
      const b = await signedBatch(zk, [1, 2]);
      await zk.registry.revokeRoot(VENUES[0], 1n);
      await expect(as(zk, relayer).attestFor(b.proofs[0], b.reqs[0], b.sigs[0])).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__RootInvalid");
      await expect(as(zk, relayer).attestFor(b.proofs[1], b.reqs[1], b.sigs[1])).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__RootInvalid");
    });
  });
});
