/**
 * The generated single-proof MarginVerifier (scripts/lib/batchVerifier.ts marginVerifierSource) against snarkjs's
 * untouched Groth16Verifier, on the same REAL proofs of the "test" and "leaf" instances: a differential test (both
 * accept and reject the same proofs and public signals), the gas each costs, and the constant check of the source.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { readFileSync } from "node:fs";
import { marginVerifierPath, marginVerifierSource, readVerificationKey } from "../../scripts/lib/batchVerifier.ts";
import { proveLeaf, releaseProofs, requireArtifacts, tamperA, type RealProof } from "../helpers/proofs.ts";
import { World, hedgedTrader, type Proved } from "./world.ts";
import { checkMarginVerifier, foldedIC0 } from "../../scripts/lib/verifierAudit.ts";
import { artifactPaths } from "../../scripts/lib/instances.ts";
import type { VerificationKey } from "../../scripts/lib/snark.ts";
import type { BaseContract } from "ethers";

const { ethers } = await network.create();
const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

interface Single {
  verifyProof: { estimateGas(a: unknown, b: unknown, c: unknown, pubs: bigint[]): Promise<bigint> } & ((a: unknown, b: unknown, c: unknown, pubs: bigint[]) => Promise<boolean>);
}
interface Mine {
  verifyProof: { estimateGas(p: bigint[], pubs: bigint[]): Promise<bigint> } & ((p: bigint[], pubs: bigint[]) => Promise<boolean>);
  NPUB(): Promise<bigint>;
  DOMAIN(): Promise<bigint>;
  DOMAIN_INDEX(): Promise<bigint>;
}
const split = (p: readonly bigint[]) => [[p[0], p[1]], [[p[2], p[3]], [p[4], p[5]]], [p[6], p[7]]] as const;

describe("MarginVerifier (generated) ≡ snarkjs Groth16Verifier, real proofs", function () {
  let proofs: RealProof[];
  let snark: Single;
  let mine: Mine;

  before(async function () {
    requireArtifacts("leaf");
    proofs = [];
    for (let i = 0; i < 3; i++) proofs.push(await proveLeaf(i));
    snark = (await ethers.deployContract("verifier-contracts/generated/leaf/Groth16Verifier.sol:Groth16Verifier")) as unknown as Single;
    mine = (await ethers.deployContract("verifier-contracts/generated/leaf/MarginVerifier.sol:MarginVerifier", [0n])) as unknown as Mine;
  });
  after(releaseProofs);

  /** Both verifiers' answers on one (proof, signals) pair; snarkjs's ABI takes exactly NPUB signals. */
  async function both(p: readonly bigint[], pubs: bigint[]): Promise<[boolean, boolean]> {
    const [a, b, c] = split(p);
    return [await snark.verifyProof(a, b, c, pubs), await mine.verifyProof([...p], pubs)];
  }

  it("should be generated from the instance's verification key (file on disk = source of the key)", async function () {
    const vk = await readVerificationKey("leaf");
    expect(readFileSync(marginVerifierPath("leaf"), "utf8")).to.equal(marginVerifierSource(vk, "leaf", null));
    expect(await mine.NPUB()).to.equal(BigInt(vk.nPublic));
    expect(await mine.DOMAIN_INDEX()).to.equal(2n ** 256n - 1n);
  });

  it("should accept every valid proof snarkjs accepts", async function () {
    for (const p of proofs) expect(await both(p.packed, p.publicSignals)).to.deep.equal([true, true]);
  });

  it("should reject what snarkjs rejects: tampered A, swapped B, another proof's signals, a changed signal", async function () {
    const [p0, p1] = proofs;
    expect(await both(tamperA(p0.packed), p0.publicSignals)).to.deep.equal([false, false]);
    const swapB = [...p0.packed];
    [swapB[2], swapB[3]] = [swapB[3], swapB[2]];
    expect(await both(swapB, p0.publicSignals)).to.deep.equal([false, false]);
    expect(await both(p0.packed, p1.publicSignals)).to.deep.equal([false, false]);
    for (let j = 0; j < p0.publicSignals.length; j++) {
      const s = [...p0.publicSignals];
      s[j] += 1n;
      expect(await both(p0.packed, s), `signal ${j} + 1`).to.deep.equal([false, false]);
      s[j] = 0n;
      expect(await both(p0.packed, s), `signal ${j} = 0 (the skipped term)`).to.deep.equal([false, false]);
      s[j] = p0.publicSignals[j] + R;
      expect(await both(p0.packed, s), `signal ${j} aliased by the field order`).to.deep.equal([false, false]);
    }
  });

  it("should reject coordinates outside the base field and a wrong signal count", async function () {
    const q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
    const [p0] = proofs;
    for (const k of [0, 1, 2, 6, 7]) {
      const bad = [...p0.packed];
      bad[k] += q;
      if (bad[k] < 2n ** 256n) expect(await both(bad, p0.publicSignals), `word ${k} + q`).to.deep.equal([false, false]);
    }
    expect(await mine.verifyProof([...p0.packed], [...p0.publicSignals, 0n])).to.equal(false);
    expect(await mine.verifyProof([...p0.packed], p0.publicSignals.slice(1))).to.equal(false);
  });

  it("should cost no more than the dynamic array's calldata over snarkjs's when nothing is folded or zero (gas printed)", async function () {
    const [p0] = proofs;
    const [a, b, c] = split(p0.packed);
    const g1 = await snark.verifyProof.estimateGas(a, b, c, p0.publicSignals);
    const g2 = await mine.verifyProof.estimateGas([...p0.packed], p0.publicSignals);
    console.log(`      (leaf, 2 signals: snarkjs ${g1}, MarginVerifier ${g2})`);
    expect(g2).to.be.lessThan(g1 + 2_000n); // dynamic-array calldata costs a little more; the saving is per zero or folded input
  });

  it("should not deploy an unfolded verifier with a domain", async function () {
    const f = await ethers.getContractFactory("verifier-contracts/generated/leaf/MarginVerifier.sol:MarginVerifier");
    await expect(f.deploy(1n)).to.be.revertedWithCustomError(f, "MarginVerifier__BadDomain").withArgs(1n);
  });
});

describe("MarginVerifier ≡ snarkjs Groth16Verifier on the margin instance (test): domain folded, zero roots skipped", function () {
  const DOMAIN = 0x1234_5678_9abc_def0n;
  const world = new World([hedgedTrader(0, [1n, 2n, 3n]), hedgedTrader(1, [1n, 2n, 3n])], [1n, 2n, 3n]);
  let proofs: Proved[];
  let snark: Single;
  let mine: Mine;

  before(async function () {
    requireArtifacts("test");
    proofs = [
      await world.prove(0, { subject: "0x00000000000000000000000000000000000000a1", epoch: 1n, domain: DOMAIN, minExcess: world.excess(0) / 2n }),
      await world.prove(1, { subject: "0x00000000000000000000000000000000000000b2", epoch: 5n, domain: DOMAIN, minExcess: 0n }),
    ];
    snark = (await ethers.deployContract("verifier-contracts/generated/test/Groth16Verifier.sol:Groth16Verifier")) as unknown as Single;
    mine = (await ethers.deployContract("verifier-contracts/generated/test/MarginVerifier.sol:MarginVerifier", [DOMAIN])) as unknown as Mine;
  });
  after(releaseProofs);

  async function both(p: readonly bigint[], pubs: bigint[]): Promise<[boolean, boolean]> {
    const [a, b, c] = split(p);
    return [await snark.verifyProof(a, b, c, pubs), await mine.verifyProof([...p], pubs)];
  }

  it("should be generated with the domain (public signal 1) folded", async function () {
    const vk = await readVerificationKey("test");
    expect(readFileSync(marginVerifierPath("test"), "utf8")).to.equal(marginVerifierSource(vk, "test", 1));
    expect([await mine.NPUB(), await mine.DOMAIN_INDEX(), await mine.DOMAIN()]).to.deep.equal([BigInt(vk.nPublic), 1n, DOMAIN]);
  });

  it("should accept the valid proofs snarkjs accepts, whose inactive slot's root is 0 (skipped)", async function () {
    for (const p of proofs) {
      expect(p.publicSignals[3 + 2]).to.equal(0n);
      expect(await both(p.packed, p.publicSignals)).to.deep.equal([true, true]);
    }
  });

  it("should reject every changed signal, a tampered proof and another proof's signals, as snarkjs does", async function () {
    const [p0, p1] = proofs;
    expect(await both(tamperA(p0.packed), p0.publicSignals)).to.deep.equal([false, false]);
    expect(await both(p0.packed, p1.publicSignals)).to.deep.equal([false, false]);
    for (let j = 0; j < p0.publicSignals.length; j++) {
      const s = [...p0.publicSignals];
      s[j] = s[j] === 0n ? 1n : 0n;
      expect(await both(p0.packed, s), `signal ${j} flipped to ${s[j]}`).to.deep.equal([false, false]);
      s[j] = p0.publicSignals[j] + R;
      expect(await both(p0.packed, s), `signal ${j} aliased`).to.deep.equal([false, false]);
    }
  });

  it("should differ from snarkjs only on the domain: a valid proof of another domain is refused", async function () {
    const other = (await ethers.deployContract("verifier-contracts/generated/test/MarginVerifier.sol:MarginVerifier", [DOMAIN + 1n])) as unknown as Mine;
    const [p0] = proofs;
    const [a, b, c] = split(p0.packed);
    expect(await snark.verifyProof(a, b, c, p0.publicSignals)).to.equal(true);
    expect(await other.verifyProof([...p0.packed], p0.publicSignals)).to.equal(false);
    const f = await ethers.getContractFactory("verifier-contracts/generated/test/MarginVerifier.sol:MarginVerifier");
    await expect(f.deploy(R)).to.be.revertedWithCustomError(f, "MarginVerifier__BadDomain").withArgs(R);
  });

  it("should pass the audit's constant check for its key and domain, and fail for another domain or key", async function () {
    const vk = JSON.parse(readFileSync(artifactPaths("test").vkey, "utf8")) as VerificationKey;
    const code = await ethers.provider.getCode(await (mine as unknown as BaseContract).getAddress());
    const [x, y] = await foldedIC0(vk, 1, DOMAIN);
    expect(x).to.not.equal(BigInt(vk.IC[0][0]));
    expect((await checkMarginVerifier(code, vk, DOMAIN)).ok).to.equal(true);
    const wrongDomain = await checkMarginVerifier(code, vk, DOMAIN + 1n);
    expect(wrongDomain.ok).to.equal(false);
    expect(wrongDomain.detail).to.match(/DOMAIN, IC0x \(folded\), IC0y \(folded\)/);
    const leafVk = JSON.parse(readFileSync(artifactPaths("leaf").vkey, "utf8")) as VerificationKey;
    expect((await checkMarginVerifier(code, leafVk, DOMAIN, 0)).ok).to.equal(false);
    void y;
  });

  it("should save the folded input's and each zero input's ecMul (gas printed)", async function () {
    const [p0] = proofs;
    const [a, b, c] = split(p0.packed);
    const g1 = await snark.verifyProof.estimateGas(a, b, c, p0.publicSignals);
    const g2 = await mine.verifyProof.estimateGas([...p0.packed], p0.publicSignals);
    console.log(`      (test, ${p0.publicSignals.length} signals, one zero root: snarkjs ${g1}, MarginVerifier ${g2}, saved ${g1 - g2})`);
    expect(g1 - g2).to.be.greaterThan(10_000n);
  });
});
