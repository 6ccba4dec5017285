/**
 * MarginAttestor with REAL proofs of the "test" instance (V=3, N=3, A=3, K=4, D=4) from the project's own keys:
 * every acceptance and rejection of issues 4 and 8 (public inputs rebuilt from chain state, stale epochs, venues,
 * proofs bound to their subject, nullifiers, EIP-712 relaying, all-or-nothing batches, the allocation ledger), and
 * the gas table. Proofs are generated once in before() (about 1-2 s each) and reused by every test; each test starts
 * from the same chain state through loadFixture.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { Wallet, keccak256, toUtf8Bytes, type Signer } from "ethers";
import { deployZkMargin, type AttestRequest, type MarginAttestor, type VenueRegistry, type ZkMarginDeployment } from "../../client/deploy.ts";
import type { AccountWitness, ProofRequest } from "../../prover/circuitInput.ts";
import { accountLeaf, holdingsCommitment, ownerHash } from "../../prover/commitments.ts";
import { FIELD } from "../../prover/hash.ts";
import { evaluateMargin } from "../../prover/model.ts";
import { flattenPublicInputs } from "../../prover/publicSignals.ts";
import { VenueTree } from "../../prover/tree.ts";
import type { Holding } from "../../prover/types.ts";
import { TEST_ASSETS, TEST_PARAMS, perp, spot, testMarket, testRisk } from "../fixtures/market.ts";
import { proveMargin, releaseProofs, requireArtifacts, tamperA, type MarginProof } from "../helpers/proofs.ts";

const { ethers, networkHelpers } = await network.create();
const { USDC, ETH } = TEST_ASSETS;

const VENUES = [1n, 2n, 3n] as const;
/** The instance's venue slots; `slots` pads venue ids or nullifiers with zeros to V entries (inactive slots). */
const V = TEST_PARAMS.V;
const slots = (xs: readonly bigint[]): bigint[] => [...xs, ...Array<bigint>(V - xs.length).fill(0n)];
const PAIRS: [bigint, bigint][] = [
  [1n, 2n],
  [1n, 3n],
  [2n, 3n],
];
const BATCH = 16;
const MAX_EPOCH_LAG = 1n;
const EXPIRY_EPOCHS = 2n;

/** Trader i: a hedged ETH book over a pair of venues (long perp at one, short at the other, USDC at both). */
function traderBook(i: number): { secret: bigint; venues: [bigint, bigint]; holdings: [Holding[], Holding[]] } {
  return {
    secret: 0x7ade5ec12e7n * 1_000_003n + BigInt(i),
    venues: PAIRS[i % 3],
    holdings: [
      [spot(USDC, String(6000 + i)), perp(ETH, "10", "2950")],
      [spot(USDC, "6000"), perp(ETH, "-10", "3020")],
    ],
  };
}
const saltOf = (i: number, venueId: bigint) => BigInt(i + 1) * 1_000_003n + venueId;

interface World {
  trees: Map<bigint, VenueTree>;
  accounts: (i: number) => AccountWitness[];
  excess: (i: number) => bigint;
}

/** Every trader's accounts in one tree per venue (the same accounts back epochs 1 and 2). */
function buildWorld(traders: number): World {
  const leaves = new Map<bigint, bigint[]>(VENUES.map((v) => [v, [1000n * v + 1n]])); // one decoy per venue
  const index = new Map<string, number>();
  for (let i = 0; i < traders; i++) {
    const t = traderBook(i);
    t.venues.forEach((v, k) => {
      const leaf = accountLeaf(ownerHash(t.secret, saltOf(i, v)), holdingsCommitment(t.holdings[k], TEST_PARAMS.N), v);
      index.set(`${i}:${v}`, leaves.get(v)!.length);
      leaves.get(v)!.push(leaf);
    });
  }
  const trees = new Map([...leaves].map(([v, l]) => [v, new VenueTree(TEST_PARAMS.D, l)]));
  return {
    trees,
    accounts(i) {
      const t = traderBook(i);
      return t.venues.map((v, k) => {
        const p = trees.get(v)!.path(index.get(`${i}:${v}`)!);
        return { venueId: v, salt: saltOf(i, v), holdings: t.holdings[k], leafIndex: p.leafIndex, siblings: p.siblings, root: p.root };
      });
    },
    excess(i) {
      const t = traderBook(i);
      return evaluateMargin([...t.holdings[0], ...t.holdings[1]], testMarket(), testRisk()).excess;
    },
  };
}

describe("MarginAttestor (real proofs, instance test)", function () {
  let world: World;
  let signers: Signer[];
  let alice: Signer, bob: Signer, relayer: Signer, consumer: Signer, consumer2: Signer;
  let operators: Signer[];
  const wallets = Array.from({ length: BATCH }, (_, i) => new Wallet(keccak256(toUtf8Bytes(`zkmargin batch subject ${i}`))));
  const P: Record<string, MarginProof> = {};
  const batchProofs: MarginProof[] = [];
  let minA: bigint;
  const gas: [string, bigint | string][] = [];

  const addr = (s: Signer) => s.getAddress();
  async function request(i: number, subject: string, epoch: bigint, minExcess: bigint): Promise<MarginProof> {
    const req: ProofRequest = {
      params: TEST_PARAMS,
      traderSecret: traderBook(i).secret,
      accounts: world.accounts(i),
      epoch,
      subject: BigInt(subject),
      market: testMarket(),
      risk: testRisk(),
      minExcess,
    };
    return proveMargin(req);
  }

  before(async function () {
    requireArtifacts("test");
    signers = await ethers.getSigners();
    [, , , , alice, bob, relayer, consumer, consumer2] = signers;
    operators = signers.slice(1, 4);
    world = buildWorld(1 + BATCH);
    minA = world.excess(0) / 2n;
    const t0 = Date.now();
    P.alice1 = await request(0, await addr(alice), 1n, minA);
    P.alice1hi = await request(0, await addr(alice), 1n, minA + 1_000n);
    P.alice2 = await request(0, await addr(alice), 2n, minA);
    P.bob1 = await request(0, await addr(bob), 1n, minA);
    P.bob2 = await request(0, await addr(bob), 2n, minA);
    for (let i = 0; i < BATCH; i++) batchProofs.push(await request(1 + i, wallets[i].address, 1n, world.excess(1 + i) / 3n));
    const n = 5 + BATCH;
    console.log(`      (${n} real proofs in ${((Date.now() - t0) / 1000).toFixed(1)} s, ${((Date.now() - t0) / n / 1000).toFixed(2)} s each)`);
  });

  after(async function () {
    await releaseProofs();
    if (gas.length > 0) {
      console.log(`\n      gas (instance test, V=${TEST_PARAMS.V}; measured on Hardhat's in-process EVM):`);
      for (const [k, v] of gas) console.log(`        ${k.padEnd(64)} ${String(v).padStart(10)}`);
    }
  });

  /** Chain state: venues 1..3 with roots for epochs 1 and 2, market snapshots at epochs 1 and 2, risk params. */
  async function deployFixture(): Promise<ZkMarginDeployment> {
    const zk = await deployZkMargin(ethers, { instance: "test", maxEpochLag: MAX_EPOCH_LAG, expiryEpochs: EXPIRY_EPOCHS });
    for (const [k, v] of VENUES.entries()) await zk.registerVenue(v, operators[k]);
    await zk.setRiskParams(testRisk());
    for (const epoch of [1n, 2n]) {
      await zk.setMarket(testMarket(), epoch);
      for (const [k, v] of VENUES.entries()) await zk.postRoot(operators[k], v, epoch, world.trees.get(v)!.root);
    }
    return zk;
  }
  const fixture = () => networkHelpers.loadFixture(deployFixture);

  const as = (zk: ZkMarginDeployment, s: Signer) => zk.attestor.connect(s) as MarginAttestor;
  const args = (p: MarginProof) => [p.packed, p.publicInputs.venueIds, p.publicInputs.nullifiers, p.publicInputs.epoch, p.publicInputs.minExcess] as const;
  const attest = (zk: ZkMarginDeployment, s: Signer, p: MarginProof) => as(zk, s).attest(...args(p));
  function req(p: MarginProof, subject: string, deadline = 2n ** 40n): AttestRequest {
    const q = p.publicInputs;
    return { subject, venueIds: q.venueIds, nullifiers: q.nullifiers, epoch: q.epoch, minExcess: q.minExcess, deadline };
  }
  async function sign(zk: ZkMarginDeployment, w: Signer, r: AttestRequest, nonce?: bigint): Promise<string> {
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
    return w.signTypedData(domain, types, { ...r, nonce: nonce ?? (await zk.attestor.nonces(r.subject)) });
  }
  const gasOf = async (tx: Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>) => (await (await tx).wait())!.gasUsed;

  describe("# deployment", function () {
    it("should call the snarkjs verifier with the selector of its (5 + 3V)-signal verifyProof", async function () {
      const zk = await fixture();
      const a = zk.attestor as unknown as { verifierSelector(): Promise<string>; publicSignalCount(): Promise<bigint> };
      expect(await a.verifierSelector()).to.equal(zk.verifier.interface.getFunction("verifyProof")!.selector);
      expect(await a.publicSignalCount()).to.equal(BigInt(5 + 3 * V));
      expect(await zk.attestor.venueSlots()).to.equal(BigInt(V));
    });

    it("should refuse a batch verifier built for another public-signal count", async function () {
      const zk = await fixture();
      const leafBatch = await ethers.deployContract("verifier-contracts/generated/leaf/Groth16BatchVerifier.sol:Groth16BatchVerifier");
      const deps = {
        registry: await zk.registry.getAddress(),
        oracle: await zk.oracle.getAddress(),
        riskParams: await zk.riskParams.getAddress(),
        verifier: await zk.verifier.getAddress(),
        batchVerifier: await leafBatch.getAddress(),
      };
      const factory = await ethers.getContractFactory("MarginAttestor");
      await expect(factory.deploy(deps, 2n, 1n, 2n)).to.be.revertedWithCustomError(factory, "MarginAttestor__InvalidConfig").withArgs("batchVerifier");
      await expect(factory.deploy({ ...deps, batchVerifier: await zk.batchVerifier.getAddress() }, 2n, 1n, 0n))
        .to.be.revertedWithCustomError(factory, "MarginAttestor__InvalidConfig")
        .withArgs("expiryEpochs");
    });
  });

  describe("# attest", function () {
    it("should record a valid attestation and emit Attested", async function () {
      const zk = await fixture();
      const p = P.alice1;
      await expect(attest(zk, alice, p))
        .to.emit(zk.attestor, "Attested")
        .withArgs(await addr(alice), 1n, minA, 1n + EXPIRY_EPOCHS, p.publicInputs.nullifiers);
      const a = await zk.attestor.attestationOf(await addr(alice));
      expect([a.epoch, a.validUntilEpoch, a.minExcess]).to.deep.equal([1n, 1n + EXPIRY_EPOCHS, minA]);
      expect(await zk.attestor.isSolvent(await addr(alice), minA)).to.equal(true);
      expect(await zk.attestor.isSolvent(await addr(alice), minA + 1n)).to.equal(false);
      expect(await zk.attestor.isSolvent(await addr(bob), 0n)).to.equal(false);
      for (const nf of p.publicInputs.nullifiers.filter((x) => x !== 0n)) {
        expect(await zk.attestor.nullifierSpentBy(1n, nf)).to.equal(await addr(alice));
      }
    });

    it("should rebuild exactly the proof's public signals from chain state, in prover/publicSignals.ts order", async function () {
      const zk = await fixture();
      const q = P.alice1.publicInputs;
      const built = await zk.attestor.publicInputs(await addr(alice), q.venueIds, q.nullifiers, q.epoch, q.minExcess);
      expect(built).to.deep.equal(flattenPublicInputs(q));
      expect(built).to.deep.equal(P.alice1.publicSignals);
    });

    it("should not accept a proof made for one subject from another (subject = msg.sender)", async function () {
      const zk = await fixture();
      await expect(attest(zk, bob, P.alice1)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__InvalidProof");
      // and relayed for bob with bob's own signature: still alice's proof, still rejected
      const r = req(P.alice1, await addr(bob));
      await expect(as(zk, relayer).attestFor(P.alice1.packed, r, await sign(zk, bob, r))).to.be.revertedWithCustomError(
        zk.attestor,
        "MarginAttestor__InvalidProof",
      );
    });

    it("should answer verifyProof (view) for the right subject only", async function () {
      const zk = await fixture();
      const [proof, ids, nfs, epoch, min] = args(P.alice1);
      expect(await zk.attestor.verifyProof(proof, await addr(alice), ids, nfs, epoch, min)).to.equal(true);
      expect(await zk.attestor.verifyProof(proof, await addr(bob), ids, nfs, epoch, min)).to.equal(false);
      expect(await zk.attestor.verifyProof(tamperA(proof), await addr(alice), ids, nfs, epoch, min)).to.equal(false);
    });

    it("should reject a bad proof", async function () {
      const zk = await fixture();
      const [proof, ids, nfs, epoch, min] = args(P.alice1);
      await expect(as(zk, alice).attest(tamperA(proof), ids, nfs, epoch, min)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__InvalidProof");
    });

    it("should reject a minExcess above the proved one", async function () {
      const zk = await fixture();
      const [proof, ids, nfs, epoch] = args(P.alice1);
      await expect(as(zk, alice).attest(proof, ids, nfs, epoch, minA + 1n)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__InvalidProof");
    });

    it("should reject a proof once governance changed the risk params (hash read from RiskParams)", async function () {
      const zk = await fixture();
      const r = testRisk();
      r.grossCharge += 1n;
      await zk.setRiskParams(r);
      await expect(attest(zk, alice, P.alice1)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__InvalidProof");
    });

    it("should reject a stale epoch (older than latest − maxEpochLag)", async function () {
      const zk = await fixture();
      await zk.setMarket(testMarket(), 3n);
      await expect(attest(zk, alice, P.alice1))
        .to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__StaleEpoch")
        .withArgs(1n, 3n, MAX_EPOCH_LAG);
      // epoch 2 is exactly maxEpochLag behind: still accepted
      await attest(zk, alice, P.alice2);
    });

    it("should reject an epoch without an oracle snapshot", async function () {
      const zk = await fixture();
      const [proof, ids, nfs, , min] = args(P.alice1);
      await expect(as(zk, alice).attest(proof, ids, nfs, 9n, min)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__NoSnapshot").withArgs(9n);
    });

    it("should reject an unknown venue", async function () {
      const zk = await fixture();
      const [proof, , nfs, epoch, min] = args(P.alice1);
      await expect(as(zk, alice).attest(proof, slots([1n, 9n]), nfs, epoch, min)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__UnknownVenue").withArgs(9n);
    });

    it("should reject unordered and repeated venues", async function () {
      const zk = await fixture();
      const [proof, , nfs, epoch, min] = args(P.alice1);
      await expect(as(zk, alice).attest(proof, slots([2n, 1n]), nfs, epoch, min))
        .to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__VenuesNotIncreasing")
        .withArgs(2n, 1n);
      await expect(as(zk, alice).attest(proof, slots([1n, 1n]), nfs, epoch, min))
        .to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__VenuesNotIncreasing")
        .withArgs(1n, 1n);
    });

    it("should reject a registered venue without a root for the epoch", async function () {
      const zk = await fixture();
      await zk.registerVenue(4n, operators[0]);
      const [proof, , nfs, epoch, min] = args(P.alice1);
      await expect(as(zk, alice).attest(proof, slots([1n, 4n]), nfs, epoch, min)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__NoRoot").withArgs(4n, 1n);
    });

    it("should reject a nullifier in an unused slot, an aliased (≥ p) or zero nullifier, and a wrong slot count", async function () {
      const zk = await fixture();
      const [proof, ids, nfs, epoch, min] = args(P.alice1);
      await expect(as(zk, alice).attest(proof, slots([ids[0]]), slots([nfs[0], 5n]), epoch, min))
        .to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__UnusedSlotNotEmpty")
        .withArgs(1n);
      await expect(as(zk, alice).attest(proof, ids, [nfs[0] + FIELD, ...nfs.slice(1)], epoch, min))
        .to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__InvalidNullifier")
        .withArgs(0n, nfs[0] + FIELD);
      await expect(as(zk, alice).attest(proof, ids, [nfs[0], 0n, ...nfs.slice(2)], epoch, min))
        .to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__InvalidNullifier")
        .withArgs(1n, 0n);
      await expect(as(zk, alice).attest(proof, [...ids, 0n], [...nfs, 0n], epoch, min))
        .to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__WrongSlotCount")
        .withArgs(BigInt(V + 1), BigInt(V + 1), BigInt(V));
      await expect(as(zk, alice).attest(proof, slots([]), slots([]), epoch, min)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__NoVenues");
      await expect(as(zk, alice).attest(proof, ids, nfs, epoch, FIELD))
        .to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__InvalidMinExcess")
        .withArgs(FIELD);
    });

    it("should let an attestation expire after expiryEpochs", async function () {
      const zk = await fixture();
      await attest(zk, alice, P.alice1);
      expect(await zk.attestor.isSolvent(await addr(alice), minA)).to.equal(true); // latest epoch 2 < 1 + 2
      await zk.setMarket(testMarket(), 3n);
      expect(await zk.attestor.isSolvent(await addr(alice), minA)).to.equal(false);
      expect(await zk.attestor.availableExcess(await addr(alice))).to.equal(0n);
    });

    it("should not replace an attestation with one for an older epoch", async function () {
      const zk = await fixture();
      await attest(zk, alice, P.alice2);
      await expect(attest(zk, alice, P.alice1)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__OlderThanCurrent").withArgs(1n, 2n);
    });
  });

  describe("# nullifiers (one book, one credit line per epoch)", function () {
    it("should reject a second subject using the same venue accounts in the same epoch", async function () {
      const zk = await fixture();
      await attest(zk, alice, P.alice1);
      await expect(attest(zk, bob, P.bob1))
        .to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__NullifierSpent")
        .withArgs(P.bob1.publicInputs.nullifiers[0], 1n, await addr(alice));
      expect(await zk.attestor.isSolvent(await addr(bob), 0n)).to.equal(false);
    });

    it("should accept the same accounts for another subject in the next epoch", async function () {
      const zk = await fixture();
      await attest(zk, alice, P.alice1);
      expect(P.bob2.publicInputs.nullifiers).to.not.deep.equal(P.alice1.publicInputs.nullifiers);
      await expect(attest(zk, bob, P.bob2)).to.emit(zk.attestor, "Attested");
      expect(await zk.attestor.isSolvent(await addr(bob), minA)).to.equal(true);
    });

    it("should let the same subject re-attest in the same epoch (e.g. a higher threshold)", async function () {
      const zk = await fixture();
      await attest(zk, alice, P.alice1);
      expect(P.alice1hi.publicInputs.nullifiers).to.deep.equal(P.alice1.publicInputs.nullifiers);
      await attest(zk, alice, P.alice1hi);
      expect(await zk.attestor.isSolvent(await addr(alice), minA + 1_000n)).to.equal(true);
    });

    it("should apply the rule to a relayed attestation too", async function () {
      const zk = await fixture();
      await attest(zk, alice, P.alice1);
      const r = req(P.bob1, await addr(bob));
      const sig = await sign(zk, bob, r);
      await expect(as(zk, relayer).attestFor(P.bob1.packed, r, sig)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__NullifierSpent");
    });
  });

  describe("# attestFor (EIP-712)", function () {
    it("should record a relayed attestation signed by its subject, once", async function () {
      const zk = await fixture();
      const p = batchProofs[0];
      const r = req(p, wallets[0].address);
      const sig = await sign(zk, wallets[0], r);
      await expect(as(zk, relayer).attestFor(p.packed, r, sig)).to.emit(zk.attestor, "Attested");
      expect(await zk.attestor.isSolvent(wallets[0].address, p.publicInputs.minExcess)).to.equal(true);
      expect(await zk.attestor.nonces(wallets[0].address)).to.equal(1n);
      await expect(as(zk, relayer).attestFor(p.packed, r, sig))
        .to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__InvalidSignature")
        .withArgs(wallets[0].address);
    });

    it("should reject a signature by someone else and an expired deadline", async function () {
      const zk = await fixture();
      const p = batchProofs[0];
      const r = req(p, wallets[0].address);
      await expect(as(zk, relayer).attestFor(p.packed, r, await sign(zk, wallets[1], r, 0n)))
        .to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__InvalidSignature")
        .withArgs(wallets[0].address);
      const now = BigInt(await networkHelpers.time.latest());
      const old = req(p, wallets[0].address, now);
      await networkHelpers.time.increase(10);
      await expect(as(zk, relayer).attestFor(p.packed, old, await sign(zk, wallets[0], old)))
        .to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__SignatureExpired")
        .withArgs(now);
    });

    it("should need no signature when the caller is the subject", async function () {
      const zk = await fixture();
      await expect(as(zk, alice).attestFor(P.alice1.packed, req(P.alice1, await addr(alice)), "0x")).to.emit(zk.attestor, "Attested");
    });
  });

  describe("# attestBatch", function () {
    async function batchOf(zk: ZkMarginDeployment, idx: number[]) {
      const proofs = idx.map((i) => batchProofs[i].packed);
      const reqs = idx.map((i) => req(batchProofs[i], wallets[i].address));
      const sigs: string[] = [];
      for (const [k, i] of idx.entries()) sigs.push(await sign(zk, wallets[i], reqs[k]));
      return { proofs, reqs, sigs };
    }

    it("should record a batch of valid proofs", async function () {
      const zk = await fixture();
      const { proofs, reqs, sigs } = await batchOf(zk, [0, 1, 2, 3]);
      await expect(as(zk, relayer).attestBatch(proofs, reqs, sigs)).to.emit(zk.attestor, "Attested");
      for (const i of [0, 1, 2, 3]) expect(await zk.attestor.isSolvent(wallets[i].address, batchProofs[i].publicInputs.minExcess)).to.equal(true);
    });

    it("should mix self-submitted and signed entries", async function () {
      const zk = await fixture();
      const b = await batchOf(zk, [5]);
      await as(zk, alice).attestBatch([P.alice1.packed, ...b.proofs], [req(P.alice1, await addr(alice)), ...b.reqs], ["0x", ...b.sigs]);
      expect(await zk.attestor.isSolvent(await addr(alice), minA)).to.equal(true);
      expect(await zk.attestor.isSolvent(wallets[5].address, 1n)).to.equal(true);
    });

    it("should fail as a whole when one proof is bad, recording nothing", async function () {
      const zk = await fixture();
      const { proofs, reqs, sigs } = await batchOf(zk, [0, 1, 2, 3]);
      proofs[2] = tamperA(proofs[2]);
      await expect(as(zk, relayer).attestBatch(proofs, reqs, sigs)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__InvalidBatch");
      for (const i of [0, 1, 2, 3]) expect(await zk.attestor.isSolvent(wallets[i].address, 0n)).to.equal(false);
    });

    it("should fail when a proof's subject is swapped for another (binding holds in the batch)", async function () {
      const zk = await fixture();
      const { proofs, reqs, sigs } = await batchOf(zk, [0, 1]);
      [proofs[0], proofs[1]] = [proofs[1], proofs[0]];
      await expect(as(zk, relayer).attestBatch(proofs, reqs, sigs)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__InvalidBatch");
    });

    it("should fail when two proofs in the batch share a nullifier for different subjects", async function () {
      const zk = await fixture();
      await expect(
        as(zk, alice).attestBatch(
          [P.alice1.packed, P.bob1.packed],
          [req(P.alice1, await addr(alice)), req(P.bob1, await addr(bob))],
          ["0x", await sign(zk, bob, req(P.bob1, await addr(bob)))],
        ),
      )
        .to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__NullifierSpent")
        .withArgs(P.bob1.publicInputs.nullifiers[0], 1n, await addr(alice));
      expect(await zk.attestor.isSolvent(await addr(alice), 0n)).to.equal(false);
    });

    it("should reject an empty batch and mismatched arrays", async function () {
      const zk = await fixture();
      await expect(as(zk, relayer).attestBatch([], [], [])).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__BadBatch").withArgs(0n, 0n, 0n);
      const { proofs, reqs } = await batchOf(zk, [0]);
      await expect(as(zk, relayer).attestBatch(proofs, reqs, [])).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__BadBatch").withArgs(1n, 1n, 0n);
    });
  });

  describe("# allocation", function () {
    it("should allocate within the attested excess, and reject over-allocation", async function () {
      const zk = await fixture();
      await attest(zk, alice, P.alice1);
      const a = await addr(alice);
      const c = await addr(consumer);
      await expect(as(zk, alice).allocate(c, minA - 10n)).to.emit(zk.attestor, "Allocated").withArgs(a, c, minA - 10n, minA - 10n);
      expect(await zk.attestor.allocatedTo(a, c)).to.equal(minA - 10n);
      await expect(as(zk, alice).allocate(await addr(consumer2), 11n))
        .to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__OverAllocated")
        .withArgs(11n, 10n);
      await as(zk, alice).allocate(await addr(consumer2), 10n);
      expect(await zk.attestor.totalAllocated(a)).to.equal(minA);
      expect(await zk.attestor.availableExcess(a)).to.equal(0n);
    });

    it("should allocate nothing without a live attestation, and after expiry", async function () {
      const zk = await fixture();
      const c = await addr(consumer);
      await expect(as(zk, alice).allocate(c, 1n)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__NoLiveAttestation").withArgs(await addr(alice));
      await attest(zk, alice, P.alice1);
      await as(zk, alice).allocate(c, 5n);
      await zk.setMarket(testMarket(), 3n);
      await expect(as(zk, alice).allocate(c, 1n)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__NoLiveAttestation");
      expect(await zk.attestor.allocatedTo(await addr(alice), c)).to.equal(0n);
    });

    it("should release (by the consumer, loan repaid) and then re-allocate", async function () {
      const zk = await fixture();
      await attest(zk, alice, P.alice1);
      const [a, c] = [await addr(alice), await addr(consumer)];
      await as(zk, alice).allocate(c, minA);
      await expect(as(zk, consumer).release(a, c, minA / 2n)).to.emit(zk.attestor, "Released").withArgs(a, c, c, minA / 2n, minA - minA / 2n);
      await as(zk, alice).allocate(await addr(consumer2), minA / 2n);
      await as(zk, alice).release(a, c, minA - minA / 2n);
      expect(await zk.attestor.allocatedTo(a, c)).to.equal(0n);
      await as(zk, alice).allocate(c, minA - minA / 2n);
      expect(await zk.attestor.totalAllocated(a)).to.equal(minA);
    });

    it("should not let a stranger release, nor release more than allocated", async function () {
      const zk = await fixture();
      await attest(zk, alice, P.alice1);
      const [a, c] = [await addr(alice), await addr(consumer)];
      await as(zk, alice).allocate(c, 100n);
      await expect(as(zk, bob).release(a, c, 1n)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__NotSubjectOrConsumer").withArgs(await addr(bob));
      await expect(as(zk, consumer).release(a, c, 101n))
        .to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__ReleaseExceedsAllocation")
        .withArgs(101n, 100n);
    });

    it("should not let a re-attestation fall below what is allocated", async function () {
      const zk = await fixture();
      await attest(zk, alice, P.alice1hi);
      await as(zk, alice).allocate(await addr(consumer), minA + 1n);
      await expect(attest(zk, alice, P.alice1))
        .to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__BelowAllocated")
        .withArgs(minA, minA + 1n);
    });

    it("should reject a zero amount or consumer", async function () {
      const zk = await fixture();
      await attest(zk, alice, P.alice1);
      await expect(as(zk, alice).allocate(ethers.ZeroAddress, 1n)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__InvalidAllocation");
      await expect(as(zk, alice).allocate(await addr(consumer), 0n)).to.be.revertedWithCustomError(zk.attestor, "MarginAttestor__InvalidAllocation");
    });
  });

  describe("# gas", function () {
    it("should measure attest, attestBatch per proof at n = 1, 4, 16 and a loop of single verifications", async function () {
      let zk = await fixture();
      const first = await gasOf(attest(zk, alice, P.alice1));
      const again = await gasOf(attest(zk, alice, P.alice1));
      const [proof, ids, nfs, epoch, min] = args(P.alice1);
      const view = await zk.attestor.verifyProof.estimateGas(proof, await addr(alice), ids, nfs, epoch, min);
      const epoch2 = await gasOf(attest(zk, alice, P.alice2));
      gas.push(["attest, one proof (first attestation: new nullifiers + record)", first]);
      gas.push(["attest, next epoch (new nullifiers, record updated)", epoch2]);
      gas.push(["attest, same proof again (nullifiers already the subject's)", again]);
      gas.push(["  → 2 nullifier writes ≈ next-epoch − same-again", epoch2 - again]);
      gas.push(["verifyProof view (build inputs + snarkjs verifier), eth_estimateGas", view]);
      gas.push(["  → all state (nullifiers, record, allocation check, event) ≈ first − view", first - view]);
      const alloc = await gasOf(as(zk, alice).allocate(await addr(consumer), 1_000n));
      const alloc2 = await gasOf(as(zk, alice).allocate(await addr(consumer), 1_000n));
      const rel = await gasOf(as(zk, consumer).release(await addr(alice), await addr(consumer), 1_000n));
      gas.push(["allocate (first to a consumer)", alloc]);
      gas.push(["allocate (increase)", alloc2]);
      gas.push(["release by the consumer", rel]);
      const single = await zk.verifier.verifyProof.estimateGas(
        [P.alice1.packed[0], P.alice1.packed[1]],
        [
          [P.alice1.packed[2], P.alice1.packed[3]],
          [P.alice1.packed[4], P.alice1.packed[5]],
        ],
        [P.alice1.packed[6], P.alice1.packed[7]],
        P.alice1.publicSignals,
      );
      gas.push(["snarkjs Groth16Verifier.verifyProof alone (estimate, incl. 21k tx base)", single]);

      for (const n of [1, 4, 16]) {
        zk = await fixture();
        const idx = Array.from({ length: n }, (_, i) => i);
        const proofs = idx.map((i) => batchProofs[i].packed);
        const reqs = idx.map((i) => req(batchProofs[i], wallets[i].address));
        const sigs: string[] = [];
        for (const [k, i] of idx.entries()) sigs.push(await sign(zk, wallets[i], reqs[k]));
        const raw = await zk.batchVerifier.verifyBatch.estimateGas(
          proofs,
          batchProofs.slice(0, n).flatMap((p) => p.publicSignals),
        );
        const batch = await gasOf(as(zk, relayer).attestBatch(proofs, reqs, sigs));
        zk = await fixture();
        let loop = 0n;
        for (const [k, i] of idx.entries()) {
          loop += await gasOf(as(zk, relayer).attestFor(proofs[k], reqs[k], await sign(zk, wallets[i], reqs[k])));
        }
        gas.push([`n=${String(n).padStart(2)}: attestBatch per proof (signed entries)`, batch / BigInt(n)]);
        gas.push([`n=${String(n).padStart(2)}: loop of attestFor per proof (signed entries)`, loop / BigInt(n)]);
        gas.push([`n=${String(n).padStart(2)}: Groth16BatchVerifier.verifyBatch per proof (estimate)`, raw / BigInt(n)]);
        for (const i of idx) expect(await zk.attestor.isSolvent(wallets[i].address, batchProofs[i].publicInputs.minExcess)).to.equal(true);
        if (n > 1) expect(batch / BigInt(n)).to.be.lessThan(loop / BigInt(n));
      }
    });
  });
});
