/**
 * The generated Groth16BatchVerifier (scripts/lib/batchVerifier.ts) on real proofs of the "leaf" instance, beside
 * snarkjs's exported Groth16Verifier: every valid batch passes, one bad proof fails the batch.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { batchVerifierPath, batchVerifierSource, marginVerifierSource, writeBatchVerifier, type VerificationKey } from "../../scripts/lib/batchVerifier.ts";
import { readFileSync } from "node:fs";
import { artifactPaths } from "../../scripts/lib/instances.ts";
import { verifierArtifactNames, type Groth16BatchVerifier, type Groth16Verifier } from "../../client/deploy.ts";
import { proveLeaf, releaseProofs, requireArtifacts, tamperA, type RealProof } from "../helpers/proofs.ts";
import { existsSync } from "node:fs";

const { ethers } = await network.create();
const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

describe("Groth16BatchVerifier (instance leaf)", function () {
  let proofs: RealProof[];
  let batch: Groth16BatchVerifier;
  let single: Groth16Verifier;

  before(async function () {
    requireArtifacts("leaf");
    if (!existsSync(batchVerifierPath("leaf"))) await writeBatchVerifier("leaf");
    proofs = [];
    for (let i = 0; i < 5; i++) proofs.push(await proveLeaf(i));
    const names = verifierArtifactNames("leaf");
    batch = (await ethers.deployContract(names.batchVerifier, [0n])) as unknown as Groth16BatchVerifier;
    single = (await ethers.deployContract(names.verifier)) as unknown as Groth16Verifier;
  });

  after(releaseProofs);

  const pubs = (ps: RealProof[]) => ps.flatMap((p) => p.publicSignals);
  const call = (p: bigint[]) =>
    [
      [p[0], p[1]],
      [
        [p[2], p[3]],
        [p[4], p[5]],
      ],
      [p[6], p[7]],
    ] as const;

  it("should have NPUB = the instance's public signal count", async function () {
    expect(await batch.NPUB()).to.equal(2n);
  });

  it("should accept each proof alone, as snarkjs's verifier does (same point packing)", async function () {
    for (const p of proofs) {
      const [a, b, c] = call(p.packed);
      expect(await single.verifyProof(a as never, b as never, c as never, p.publicSignals)).to.equal(true);
      expect(await batch.verifyBatch([p.packed], p.publicSignals)).to.equal(true);
    }
  });

  it("should accept a batch of valid proofs (n = 2, 5) and a proof repeated", async function () {
    expect(await batch.verifyBatch(proofs.slice(0, 2).map((p) => p.packed), pubs(proofs.slice(0, 2)))).to.equal(true);
    expect(await batch.verifyBatch(proofs.map((p) => p.packed), pubs(proofs))).to.equal(true);
    const rep = [proofs[0], proofs[0], proofs[1]];
    expect(await batch.verifyBatch(rep.map((p) => p.packed), pubs(rep))).to.equal(true);
  });

  it("should reject the whole batch when one proof is bad (tampered point, anywhere in the batch)", async function () {
    for (const bad of [0, 2, 4]) {
      const packed = proofs.map((p, i) => (i === bad ? tamperA(p.packed) : p.packed));
      expect(await batch.verifyBatch(packed, pubs(proofs)), `bad proof at ${bad}`).to.equal(false);
    }
  });

  it("should reject the batch when one public signal is wrong or proofs are swapped", async function () {
    const s = pubs(proofs);
    s[5] += 1n;
    expect(await batch.verifyBatch(proofs.map((p) => p.packed), s)).to.equal(false);
    const swapped = [proofs[1].packed, proofs[0].packed];
    expect(await batch.verifyBatch(swapped, pubs(proofs.slice(0, 2)))).to.equal(false);
  });

  it("should reject two bad proofs that might cancel (same tamper on both)", async function () {
    const packed = [tamperA(proofs[0].packed), tamperA(proofs[1].packed)];
    expect(await batch.verifyBatch(packed, pubs(proofs.slice(0, 2)))).to.equal(false);
  });

  it("should reject a public signal aliased by the field order (x + r)", async function () {
    const s = pubs(proofs.slice(0, 1));
    s[1] += R;
    expect(await batch.verifyBatch([proofs[0].packed], s)).to.equal(false);
  });

  it("should reject an empty batch and mismatched lengths", async function () {
    expect(await batch.verifyBatch([], [])).to.equal(false);
    expect(await batch.verifyBatch([proofs[0].packed], pubs(proofs.slice(0, 2)))).to.equal(false);
  });

  it("should reject a point that is not on the curve", async function () {
    const p = [...proofs[0].packed];
    p[6] += 1n;
    expect(await batch.verifyBatch([p], proofs[0].publicSignals)).to.equal(false);
  });
});

describe("scripts/lib/batchVerifier.ts", function () {
  it("should name the missing verification key and the build command", async function () {
    let err: unknown;
    try {
      await writeBatchVerifier("no-such-instance");
    } catch (e) {
      err = e;
    }
    expect(String(err)).to.match(/build\/no-such-instance\/verification_key\.json/).and.match(/build the "no-such-instance" instance first/);
  });

  it("should refuse a key whose IC count does not match nPublic", function () {
    const vk = JSON.parse(readFileSync(artifactPaths("leaf").vkey, "utf8")) as VerificationKey;
    expect(() => batchVerifierSource({ ...vk, nPublic: vk.nPublic + 1 }, "leaf")).to.throw(/IC has 3 points, expected nPublic \+ 1 = 4/);
  });

  it("should put snarkjs's G2 coordinate order (imaginary first) in the constants the batch check shares", function () {
    const vk = JSON.parse(readFileSync(artifactPaths("leaf").vkey, "utf8")) as VerificationKey;
    // the batch verifier is MarginVerifierCore._verifyRecords behind IGroth16BatchVerifier: its constants are the core's
    const core = marginVerifierSource(vk, "leaf", null);
    expect(core).to.include(`BETA_X1 = ${vk.vk_beta_2[0][1]};`).and.include(`BETA_X2 = ${vk.vk_beta_2[0][0]};`);
    expect(core).to.include(`uint256 internal constant NPUB_ = ${vk.nPublic};`).and.include("function _verifyRecords(");
    expect(batchVerifierSource(vk, "leaf")).to.include("contract Groth16BatchVerifier is IGroth16BatchVerifier, MarginVerifierCore").and.include("_verifyRecords(buf, n)");
  });
});
