/**
 * The native Groth16 prover (prover/native/groth16.cpp, built by scripts/lib/nativeProver.ts) on the test instance
 * with its real keys: the build accepts it, its proofs verify with snarkjs and with the generated Solidity verifier
 * on a real EVM, every proof is freshly blinded, a witness that breaks a constraint gives no proof, a witness of
 * another circuit and a damaged key are refused by name before any proving, and the SDK falls back to snarkjs when
 * asked or when the binary is not the one the build recorded.
 */
import { createHash } from "node:crypto";
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { network } from "hardhat";
import { sampleInputs } from "../../client/audit/samples.ts";
import { ZkMarginArtifactError } from "../../prover/errors.ts";
import { generateProof, releaseProver } from "../../prover/generateProof.ts";
import { NATIVE_STAGES, artifactsFromDir, nativeProver, runNativeProver } from "../../prover/node.ts";
import { ProverSession } from "../../prover/proverSession.ts";
import { verifyProof } from "../../prover/verifyProof.ts";
import { artifactPaths, localArtifacts } from "../../scripts/lib/instances.ts";
import { nativeToolchainMissing } from "../../scripts/lib/nativeProver.ts";
import { buildInstance, readManifest } from "../../scripts/lib/pipeline.ts";
import { snark, type VerificationKey } from "../../prover/snark.ts";
import { TEST_PARAMS, usd } from "../fixtures/market.ts";
import { hedgedBook, proveInputOf, venuesFor } from "./book.ts";

const SUBJECT = 0x90f79bf6eb2c4f870365e785982e1f101e93b906n;

async function wasmWitness(instance: string, input: Record<string, unknown>): Promise<Uint8Array> {
  const mem: { type: "mem"; data?: Uint8Array } = { type: "mem" };
  await snark.wtns.calculate(input as never, { type: "mem", data: readFileSync(artifactPaths(instance).wasm) }, mem);
  return mem.data as Uint8Array;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a rejection");
}

describe("# native Groth16 prover (real keys)", function () {
  const setup = venuesFor(hedgedBook(), TEST_PARAMS);
  const request = proveInputOf(setup, { subject: SUBJECT, domain: 0xd0a1n, minExcess: usd("10000") });
  let missing: string | undefined;
  let binary: string;
  let vkey: VerificationKey;
  /** Without the toolchain: no native prover, the reason given, and snarkjs proves (true: the test is done). */
  const fellBack = async (): Promise<boolean> => {
    if (missing === undefined) return false;
    const a = localArtifacts("test");
    expect(a.prover).to.equal(undefined);
    expect(a.proverFallback).to.contain(missing);
    return true;
  };
  let wtns: Uint8Array;
  const p = artifactPaths("test");

  before(async function () {
    await buildInstance("test", { log: () => undefined });
    await buildInstance("leaf", { log: () => undefined });
    const m = readManifest("test");
    missing = nativeToolchainMissing();
    // CI (.ci/run) installs the toolchain: there the prover must be built; elsewhere the manifest must say why not
    // (and each test below checks the fallback instead)
    if (missing !== undefined) {
      expect(m?.nativeProver).to.deep.equal({ built: false, reason: `${missing} (.ci/run installs g++, nasm, libgmp-dev)` });
      return;
    }
    expect(m?.nativeProver?.built, JSON.stringify(m?.nativeProver)).to.equal(true);
    expect(m?.files.nativeProver?.path).to.equal("build/test/groth16");
    binary = path.join(p.dir, "groth16");
    vkey = JSON.parse(readFileSync(p.vkey, "utf8")) as VerificationKey;
    wtns = await wasmWitness("test", (await sampleInputs("test"))[0].input);
  });

  after(async () => {
    await releaseProver();
  });

  it("should be the SDK's default prover in Node, and its proof verify with snarkjs and with the Solidity verifier on a real EVM", async function () {
    if (await fellBack()) return;
    const artifacts = localArtifacts("test");
    expect(artifacts.prover?.engine).to.equal("native");
    expect(artifacts.proverFallback).to.equal(undefined);
    const proof = await generateProof(request, artifacts);
    expect(await verifyProof(proof, artifacts)).to.equal(true);
    expect(proof.publicInputs.minExcess).to.equal(usd("10000"));
    const { ethers } = await network.create();
    const verifier = (await ethers.deployContract("verifier-contracts/generated/test/Groth16Verifier.sol:Groth16Verifier")) as unknown as {
      verifyProof(a: bigint[], b: bigint[][], c: bigint[], pubs: bigint[]): Promise<boolean>;
    };
    const q = proof.points.map(BigInt);
    const pubs = proof.publicSignals.map(BigInt);
    expect(await verifier.verifyProof([q[0], q[1]], [[q[2], q[3]], [q[4], q[5]]], [q[6], q[7]], pubs)).to.equal(true);
    const forged = [...pubs];
    forged[forged.length - 1] += 1n;
    expect(await verifier.verifyProof([q[0], q[1]], [[q[2], q[3]], [q[4], q[5]]], [q[6], q[7]], forged)).to.equal(false);
  });

  it("should announce its steps and blind every proof afresh: two proofs of one witness differ and both verify", async function () {
    if (await fellBack()) return;
    const seen: string[] = [];
    const a = await runNativeProver(binary, p.zkey, wtns, (stage) => seen.push(stage));
    expect(seen, "every step announced once, in order").to.deep.equal([...NATIVE_STAGES]);
    const b = await runNativeProver(binary, p.zkey, wtns);
    expect(a.publicSignals).to.deep.equal(b.publicSignals);
    expect(a.proof.pi_b).to.not.deep.equal(b.proof.pi_b);
    expect(a.proof.pi_a).to.not.deep.equal(b.proof.pi_a);
    expect(a.proof.pi_c).to.not.deep.equal(b.proof.pi_c);
    for (const x of [a, b]) expect(await snark.groth16.verify(vkey, x.publicSignals, x.proof)).to.equal(true);
    // the same public signals snarkjs reads from the witness
    const ref = await snark.groth16.prove({ type: "mem", data: readFileSync(p.zkey) }, { type: "mem", data: wtns });
    expect(a.publicSignals).to.deep.equal(ref.publicSignals);
  });

  it("should give no proof for a witness that breaks a constraint (the SDK verifies each proof before returning it)", async function () {
    if (await fellBack()) return;
    const bad = new Uint8Array(wtns);
    // signals 20..29 are private (8 public signals); ±1 on each breaks the constraints that use them
    const header = 4 + 4 + 4 + (4 + 8) + (4 + 32 + 4) + (4 + 8);
    for (let i = 20; i < 30; i++) bad[header + i * 32] ^= 1;
    const prover = nativeProver(binary, p.zkey, p.vkey, localArtifacts("test").instance);
    const err = await rejection(prover.prove(bad));
    expect(err.message).to.match(/native prover's proof does not verify/);
    // the untouched witness still proves through the same object
    expect((await prover.prove(wtns)).publicSignals.length).to.equal(8);
  });

  it("should refuse a witness of another circuit and a damaged key by name, with the documented exit codes", async function () {
    if (await fellBack()) return;
    const leafW = await wasmWitness("leaf", (await sampleInputs("leaf"))[0].input);
    const other = await rejection(runNativeProver(binary, p.zkey, leafW));
    expect(other).to.be.instanceOf(ZkMarginArtifactError);
    expect(other.message).to.match(/not of this key's circuit/);

    const dir = mkdtempSync(path.join(tmpdir(), "zkmargin-native-"));
    try {
      const zkey = readFileSync(p.zkey);
      const cut = path.join(dir, "cut.zkey");
      writeFileSync(cut, zkey.subarray(0, zkey.length - 1000));
      const e1 = await rejection(runNativeProver(binary, cut, wtns));
      expect(e1).to.be.instanceOf(ZkMarginArtifactError);
      expect(e1.message).to.match(/cut\.zkey: truncated/);

      const notKey = path.join(dir, "w.zkey");
      writeFileSync(notKey, wtns);
      const e2 = await rejection(runNativeProver(binary, notKey, wtns));
      expect(e2.message).to.match(/not a \.zkey file/);

      // a header whose element size would make the header reader run past the section (checked before it reads)
      const wide = path.join(dir, "wide.zkey");
      const h = Buffer.from(zkey);
      h.writeUInt32LE(0x7fffffff, 12 + (4 + 8 + 4) + (4 + 8)); // section 1 (protocol), then section 2's n8q
      writeFileSync(wide, h);
      const e4 = await rejection(runNativeProver(binary, wide, wtns));
      expect(e4).to.be.instanceOf(ZkMarginArtifactError);
      expect(e4.message).to.match(/wide\.zkey: field element sizes 2147483647\/32 bytes/);

      // a flipped byte in the key's points: the layout still parses, the SDK's sha256 check names the file first
      const flipped = path.join(dir, "flipped.zkey");
      const f = Buffer.from(zkey);
      f[f.length - 5] ^= 0xff;
      writeFileSync(flipped, f);
      const e3 = await rejection(nativeProver(binary, flipped, p.vkey, localArtifacts("test").instance).prove(wtns));
      expect(e3).to.be.instanceOf(ZkMarginArtifactError);
      expect(e3.message).to.match(/flipped\.zkey\): sha256 .* differs from the manifest's/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("should fall back to snarkjs when asked (option or ZKMARGIN_PROVER=snarkjs) or when the binary is not the build's", async function () {
    if (await fellBack()) return;
    expect(localArtifacts("test", { prover: "snarkjs" }).proverFallback).to.equal("snarkjs requested");
    const saved = process.env.ZKMARGIN_PROVER;
    process.env.ZKMARGIN_PROVER = "snarkjs";
    try {
      const a = localArtifacts("test");
      expect(a.prover).to.equal(undefined);
      expect(a.proverFallback).to.equal("snarkjs requested");
    } finally {
      if (saved === undefined) delete process.env.ZKMARGIN_PROVER;
      else process.env.ZKMARGIN_PROVER = saved;
    }
    const dir = mkdtempSync(path.join(tmpdir(), "zkmargin-native-copy-"));
    try {
      cpSync(p.dir, dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}test_cpp`) });
      copyFileSync(path.join(artifactPaths("leaf").dir, "leaf_cpp", "leaf"), path.join(dir, "groth16")); // some other executable
      const a = artifactsFromDir(dir);
      expect(a.prover).to.equal(undefined);
      expect(a.proverFallback).to.match(/groth16 changed since the build/);
      const proof = await generateProof(request, a); // snarkjs proves
      expect(await verifyProof(proof, a)).to.equal(true);
      // the recorded binary, but one that cannot run here (as a copied folder on a machine without GMP or OpenMP)
      const stub = path.join(dir, "groth16");
      writeFileSync(stub, "#!/bin/sh\necho 'error while loading shared libraries: libgomp.so.1' >&2\nexit 127\n", { mode: 0o755 });
      const mf = path.join(dir, "manifest.json");
      const m = JSON.parse(readFileSync(mf, "utf8")) as { nativeProver: { sha256: string } };
      m.nativeProver.sha256 = createHash("sha256").update(readFileSync(stub)).digest("hex");
      writeFileSync(mf, JSON.stringify(m));
      const b = artifactsFromDir(dir);
      expect(b.prover).to.equal(undefined);
      expect(b.proverFallback).to.match(/groth16 cannot run here \(exit 127: error while loading shared libraries/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("should run in a warm ProverSession without holding the key's bytes, and be forced off with prover: snarkjs", async function () {
    if (await fellBack()) return;
    const artifacts = localArtifacts("test");
    const session = await ProverSession.open(artifacts);
    try {
      expect(session.proverEngine).to.deep.equal({ engine: "native" });
      const proof = await generateProof(request, session);
      expect(await verifyProof(proof, artifacts)).to.equal(true);
      const input = (await sampleInputs("test"))[0].input;
      expect((await session.prove(input as never)).prover).to.equal("native");
    } finally {
      await session.close();
    }
    const js = await ProverSession.open(artifacts, { prover: "snarkjs" });
    try {
      expect(js.proverEngine).to.deep.equal({ engine: "snarkjs", fallbackReason: "snarkjs requested" });
    } finally {
      await js.close();
    }
    const err = await rejection(ProverSession.open(localArtifacts("test", { prover: "snarkjs" }), { prover: "native" }));
    expect(err).to.be.instanceOf(ZkMarginArtifactError);
    expect(err.message).to.match(/no usable native prover \(snarkjs requested\)/);
  });
});
