/**
 * The build pipeline, end to end, on instance "leaf" (circuits/AccountInclusion.circom, D=4) with the keys the build
 * produced: witness, Groth16 proof, off-chain verify, on-chain verify through the generated verifier on Hardhat's
 * in-process network, tampered proofs and public inputs rejected on both sides, manifest hashes, no-op rebuild.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import hre, { network } from "hardhat";
import { accountLeaf, holdingWords, ownerHash } from "../prover/commitments.ts";
import { FIELD } from "../prover/hash.ts";
import { VenueTree } from "../prover/tree.ts";
import { Kind, type Holding } from "../prover/types.ts";
import { warningBlocks } from "../scripts/lib/compile.ts";
import { cppToolchainMissing } from "../scripts/lib/witnessCpp.ts";
import { snarkjsWitness, wasmWitnessGenerator, type WitnessGenerator } from "../prover/witness.ts";
import { ROOT, artifactPaths, builtWitness } from "../scripts/lib/instances.ts";
import { buildInstance, verifierHeader, type Manifest } from "../scripts/lib/pipeline.ts";
import { DEV_BEACON, DEV_PTAU_BLAKE2B, HERMEZ_PTAU_BLAKE2B, devPtau, devPtauName, generateDevPtau, hermezPtauName, readPtauHeader } from "../scripts/lib/ptau.ts";
import { snark, terminateCurve, type CircuitInput, type Groth16Proof, type Logger, type VerificationKey } from "../scripts/lib/snark.ts";

const D = 4;
const VERIFIER_FQN = "verifier-contracts/generated/leaf/Groth16Verifier.sol:Groth16Verifier";
const paths = artifactPaths("leaf");
/** The leaf instance's best witness generator: the C++ one the build made, else the WASM. */
const leafWitness = (): WitnessGenerator => builtWitness("leaf").witness ?? wasmWitnessGenerator(readFileSync(paths.wasm));

const sha256 = (f: string) => createHash("sha256").update(readFileSync(f)).digest("hex");

/** One trader account among other accounts of venue 7, and the circuit input proving it. */
function fixture() {
  const traderSecret = 0x5ec12e7n;
  const salt = 0xa11ce5a17n;
  const venueId = 7n;
  const holdings: Holding[] = [
    { asset: 0, kind: Kind.Spot, size: 150_000_000n, entryPrice: 0n, mark: 0n, delta: 1n, gamma: 0n, vega: 0n },
    { asset: 1, kind: Kind.Linear, size: -2_500_000_000n, entryPrice: 310_000_000_000n, mark: 0n, delta: 1n, gamma: 0n, vega: 0n },
  ];
  const words = holdingWords(holdings, { N: 3, A: 3 }); // the leaf instance's W = 4
  const leaf = accountLeaf(ownerHash(traderSecret, salt), venueId, words);
  const tree = new VenueTree(D, [11n, 22n, 33n, leaf, 55n]);
  const p = tree.path(3);
  const input: CircuitInput = {
    root: p.root,
    venueId,
    traderSecret,
    salt,
    words,
    index: p.leafIndex,
    siblings: p.siblings,
  };
  return { input, root: p.root, venueId };
}

/** Another trader's account, in a tree of another shape (index 6 of 7 leaves, salt and holdings of its own). */
function otherAccountInput(): CircuitInput {
  const traderSecret = 0xb0bn;
  const salt = 0x5a17n;
  const venueId = 9n;
  const holdings: Holding[] = [{ asset: 2, kind: Kind.Spot, size: 7n, entryPrice: 0n, mark: 0n, delta: 1n, gamma: 0n, vega: 0n }];
  const words = holdingWords(holdings, { N: 3, A: 3 }); // the leaf instance's W = 4
  const leaf = accountLeaf(ownerHash(traderSecret, salt), venueId, words);
  const tree = new VenueTree(D, [1n, 2n, 3n, 4n, 5n, 6n, leaf]);
  const p = tree.path(6);
  return { root: p.root, venueId, traderSecret, salt, words, index: p.leafIndex, siblings: p.siblings };
}

async function witness(input: CircuitInput): Promise<void> {
  await snark.wtns.calculate(input, paths.wasm, { type: "mem" });
}

/** snarkjs's own calldata export, parsed: (a, b, c, publicSignals) as the generated verifier takes them. */
async function calldata(proof: Groth16Proof, pubs: readonly (string | bigint)[]) {
  const raw = await snark.groth16.exportSolidityCallData(proof, pubs);
  const [a, b, c, s] = JSON.parse(`[${raw}]`) as [string[], string[][], string[], string[]];
  return { a, b, c, s };
}

/** The same point with y negated: still on the curve, so the pairing check itself must reject it. */
function negateA(proof: Groth16Proof): Groth16Proof {
  const q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
  return { ...proof, pi_a: [proof.pi_a[0], (q - BigInt(proof.pi_a[1])).toString(), proof.pi_a[2]] };
}

describe("pipeline: instance leaf", function () {
  let manifest: Manifest;
  let vkey: VerificationKey;
  let proof: Groth16Proof;
  let publicSignals: string[];
  const fx = fixture();

  before(async function () {
    const built = await buildInstance("leaf", { log: () => {} });
    manifest = built.manifest;
    // the verifier may have been regenerated since the last `hardhat build` (incremental: ~1 s when nothing changed)
    await hre.tasks.getTask("build").run({ quiet: true });
    vkey = JSON.parse(readFileSync(paths.vkey, "utf8")) as VerificationKey;
    ({ proof, publicSignals } = await snark.groth16.fullProve(fx.input, paths.wasm, paths.zkey));
  });

  after(async function () {
    await terminateCurve();
  });

  describe("# manifest", function () {
    it("should record the sha256 of the r1cs, wasm, zkey, vkey and verifier as they are on disk", function () {
      for (const key of ["r1cs", "wasm", "zkey", "vkey", "verifier"] as const) {
        const entry = manifest.files[key];
        expect(entry, key).to.not.equal(undefined);
        expect(sha256(path.join(ROOT, entry.path)), key).to.equal(entry.sha256);
      }
      expect(manifest.files.zkey.path).to.equal("build/leaf/leaf.zkey");
      expect(manifest.files.verifier.path).to.equal("verifier-contracts/generated/leaf/Groth16Verifier.sol");
    });

    it("should record the constraint count, public signal count and the ptau used", function () {
      expect(manifest.constraints).to.be.within(1000, 16_000);
      expect(manifest.constraints).to.equal(manifest.r1cs.nConstraints);
      expect(manifest.nPublic).to.equal(2);
      expect(vkey.nPublic).to.equal(2);
      expect(manifest.ptau.power).to.be.at.least(14);
      expect(manifest.ptau.blake2b).to.match(/^[0-9a-f]{128}$/);
      if (manifest.ptau.source === "dev") {
        expect(manifest.ptau.insecure).to.equal(true);
        expect(manifest.ptau.name).to.match(/insecure/);
      }
    });

    it("should leave snarkjs's verifier untouched apart from the generated-file header", async function () {
      const sol = readFileSync(paths.verifier, "utf8");
      expect(sol.startsWith(verifierHeader("leaf"))).to.equal(true);
      const template = readFileSync(path.join(ROOT, "node_modules/snarkjs/templates/verifier_groth16.sol.ejs"), "utf8");
      const fresh = await snark.zKey.exportSolidityVerifier(paths.zkey, { groth16: template });
      expect(sol.slice(verifierHeader("leaf").length)).to.equal(fresh);
    });
  });

  describe("# compile", function () {
    it("should surface every circom --inspect warning with its source excerpt", function () {
      const dir = path.join(ROOT, "build", "_pipeline_warn");
      mkdirSync(dir, { recursive: true });
      const src = path.join(dir, "Warn.circom");
      writeFileSync(src, "pragma circom 2.2.0;\ntemplate Warn() {\n    signal input a;\n    signal input unused;\n    signal b;\n    b <-- a + 1;\n}\ncomponent main = Warn();\n");
      try {
        const res = spawnSync(path.join(ROOT, "node_modules/.bin/circom2"), [path.relative(ROOT, src), "--r1cs", "--O2", "--inspect", "-o", path.relative(ROOT, dir)], { cwd: ROOT, encoding: "utf8" });
        expect(res.status).to.equal(0);
        const blocks = warningBlocks(`${res.stdout}${res.stderr}`.replace(/\u001b\[[0-9;]*m/g, ""));
        // T3002 for `<--`, CA01 for each of a, b, unused (none appears in a constraint)
        expect(blocks).to.have.length(4);
        expect(blocks.every((b) => /^warning\[/.test(b))).to.equal(true);
        expect(blocks[0]).to.match(/^warning\[T3002\][\s\S]*b <-- a \+ 1;/);
        for (const sig of ["a", "b", "unused"]) {
          expect(blocks.some((b) => new RegExp(`^warning\\[CA01\\].*signal ${sig} does not appear`).test(b)), sig).to.equal(true);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe("# circuit", function () {
    it("should compute a witness for a real account of the venue tree", async function () {
      await witness(fx.input);
    });

    it("should not accept a root the account is not in", async function () {
      await expectWitnessFailure({ ...fx.input, root: fx.root + 1n });
    });

    it("should not accept another account's secret", async function () {
      await expectWitnessFailure({ ...fx.input, traderSecret: 0x5ec12e8n });
    });

    it("should not accept another venue id", async function () {
      await expectWitnessFailure({ ...fx.input, venueId: fx.venueId + 1n });
    });

    it("should not accept a venue id of 2^64 or more, nor 0", async function () {
      await expectWitnessFailure({ ...fx.input, venueId: 1n << 64n });
      await expectWitnessFailure({ ...fx.input, venueId: FIELD - 1n });
      await expectWitnessFailure({ ...fx.input, venueId: 0n });
    });

    it("should not accept an index of D bits plus a multiple of 2^D", async function () {
      await expectWitnessFailure({ ...fx.input, index: 3 + 2 ** D });
    });
  });

  describe("# proof off-chain", function () {
    it("should verify a proof whose public signals are (root, venueId)", async function () {
      expect(publicSignals).to.deep.equal([fx.root.toString(), fx.venueId.toString()]);
      expect(await snark.groth16.verify(vkey, publicSignals, proof)).to.equal(true);
    });

    it("should not verify a tampered proof", async function () {
      expect(await snark.groth16.verify(vkey, publicSignals, negateA(proof))).to.equal(false);
    });

    it("should not verify a tampered public input", async function () {
      expect(await snark.groth16.verify(vkey, [publicSignals[0], (fx.venueId + 1n).toString()], proof)).to.equal(false);
      expect(await snark.groth16.verify(vkey, [(fx.root + 1n).toString(), publicSignals[1]], proof)).to.equal(false);
    });
  });

  // Tagged @keys: the mutation run's sandbox (client/audit/mutate.ts) holds no hardhat.config.ts, so Hardhat there
  // uses the repository's, and the verifier deployed is the repository's (the pipeline's own key) while the proof is of
  // the sandbox's key: it failed on every mutant, the leaf touched or not, and counted each killed. @keys tests are
  // left out of the mutation run.
  describe("# proof on-chain (generated Groth16Verifier, in-process network) @keys", function () {
    let verifier: Awaited<ReturnType<typeof deploy>>;
    async function deploy() {
      const { ethers } = await network.create();
      return ethers.deployContract(VERIFIER_FQN);
    }
    before(async function () {
      verifier = await deploy();
    });

    it("should verify a valid proof", async function () {
      const { a, b, c, s } = await calldata(proof, publicSignals);
      expect(await verifier.verifyProof(a, b, c, s)).to.equal(true);
    });

    it("should not verify a tampered proof", async function () {
      const { a, b, c, s } = await calldata(negateA(proof), publicSignals);
      expect(await verifier.verifyProof(a, b, c, s)).to.equal(false);
      const good = await calldata(proof, publicSignals);
      expect(await verifier.verifyProof(good.a, good.b, good.a, good.s)).to.equal(false);
    });

    it("should not verify a tampered public input", async function () {
      const { a, b, c } = await calldata(proof, publicSignals);
      expect(await verifier.verifyProof(a, b, c, [publicSignals[0], (fx.venueId + 1n).toString()])).to.equal(false);
      expect(await verifier.verifyProof(a, b, c, [(fx.root + 1n).toString(), publicSignals[1]])).to.equal(false);
    });

    it("should not verify a public input aliased by the field order (root + r)", async function () {
      const { a, b, c } = await calldata(proof, publicSignals);
      expect(await verifier.verifyProof(a, b, c, [(fx.root + FIELD).toString(), publicSignals[1]])).to.equal(false);
    });
  });

  describe("# C++ witness generator", function () {
    it("should be recorded in the manifest with its hash, or with the reason it was not built", function () {
      const rec = manifest.witnessCpp;
      expect(rec, "manifest.witnessCpp").to.not.equal(undefined);
      if (rec?.built) {
        expect(manifest.files.witnessCpp?.sha256).to.equal(sha256(path.join(ROOT, rec.path)));
        expect(rec.samples).to.be.at.least(1);
      } else {
        expect(rec?.reason).to.match(/missing|platform|ZKMARGIN_WITNESS_CPP|WARNING/);
        expect(cppToolchainMissing() !== undefined || process.env.ZKMARGIN_WITNESS_CPP === "0").to.equal(true);
      }
    });

    it("should give the very bytes of snarkjs's WASM witness, for valid accounts of other trees too", async function () {
      const gen = leafWitness();
      if (cppToolchainMissing() === undefined) expect(gen.engine).to.equal("cpp");
      const base = fixture().input;
      // the build compared the sample input; this compares another account and another tree
      for (const input of [base, otherAccountInput()]) {
        const ours = await gen.calculate(input as CircuitInput);
        const reference = await snarkjsWitness(input as CircuitInput, readFileSync(paths.wasm));
        expect(Buffer.from(ours).equals(Buffer.from(reference))).to.equal(true);
      }
    });

    it("should refuse an input that violates the circuit with the generator's message (no witness)", async function () {
      const gen = leafWitness();
      const bad = { ...fixture().input, venueId: "0" }; // Check (1): venueId != 0
      let err: unknown;
      try {
        await gen.calculate(bad as CircuitInput);
      } catch (e) {
        err = e;
      }
      expect(err, "a witness for venueId 0").to.be.instanceOf(Error);
    });

    it("should report the missing toolchain by name (the pipeline then falls back to WASM)", function () {
      const saved = process.env.PATH;
      process.env.PATH = mkdtempSync(path.join(tmpdir(), "zkmargin-nopath-"));
      try {
        expect(cppToolchainMissing()).to.match(/^missing g\+\+, make, nasm/);
      } finally {
        process.env.PATH = saved;
      }
    });
  });

  describe("# ptau", function () {
    let cache: string;
    const saved = process.env.ZKMARGIN_CACHE;
    const lines: string[] = [];
    const log: Logger = { debug: () => {}, log: () => {}, info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) };
    before(function () {
      cache = mkdtempSync(path.join(tmpdir(), "zkmargin-ptau-"));
      process.env.ZKMARGIN_CACHE = cache;
    });
    after(function () {
      if (saved === undefined) delete process.env.ZKMARGIN_CACHE;
      else process.env.ZKMARGIN_CACHE = saved;
      rmSync(cache, { recursive: true, force: true });
    });

    it("should generate a development ptau with the CI steps, labelled insecure, and reuse it", async function () {
      const first = await devPtau(8, log);
      expect(first?.name).to.equal(devPtauName(8));
      expect(first?.name).to.match(/insecure/);
      expect(first?.path.startsWith(path.join(cache, "ptau"))).to.equal(true);
      expect(first?.insecure).to.equal(true);
      expect(readPtauHeader(first?.path ?? "")).to.deep.equal({ power: 8, prepared: true });
      // deterministic: the same bytes as `snarkjs powersoftau new/beacon/prepare phase2` give on any machine
      expect(first?.blake2b).to.equal(DEV_PTAU_BLAKE2B[8]);
      expect(lines.some((l) => /INSECURE dev ceremony, power 8, direct\): done/.test(l))).to.equal(true);
      const mtime = statSync(first?.path ?? "").mtimeMs;
      lines.length = 0;
      const again = await devPtau(8, log);
      expect(again?.blake2b).to.equal(first?.blake2b);
      expect(statSync(again?.path ?? "").mtimeMs).to.equal(mtime);
      expect(lines.join("\n")).to.match(/using cached INSECURE development ptau/);
    });

    it("should write, computed directly, the very bytes of snarkjs's new + beacon + prepare phase2 (power 9, unpinned)", async function () {
      // power 9 has no pinned hash: this is a comparison with a real snarkjs ceremony run here, not with a constant
      expect(DEV_PTAU_BLAKE2B[9]).to.equal(undefined);
      const direct = path.join(cache, "direct9.ptau");
      const reference = path.join(cache, "snarkjs9.ptau");
      await generateDevPtau(9, direct, log, "direct");
      await generateDevPtau(9, reference, log, "snarkjs");
      const a = readFileSync(direct);
      const b = readFileSync(reference);
      expect(a.length).to.equal(b.length);
      expect(a.equals(b), "direct and snarkjs ptau files differ").to.equal(true);
    });

    it("should not match the snarkjs file when the beacon differs by one bit (the comparison sees the key)", async function () {
      const { snark } = await import("../scripts/lib/snark.ts");
      const { writeDevPtau } = await import("../scripts/lib/devPtau.ts");
      const curve = await snark.curves.getCurveFromName("bn128");
      const file = path.join(cache, "otherbeacon9.ptau");
      const beaconHash = `${DEV_BEACON.beaconHash.slice(0, -1)}e`; // ...1f -> ...1e
      await writeDevPtau(file, curve as never, { ...DEV_BEACON, power: 9, beaconHash });
      const other = readFileSync(file);
      const reference = readFileSync(path.join(cache, "snarkjs9.ptau"));
      expect(other.length).to.equal(reference.length);
      expect(other.equals(reference)).to.equal(false);
      // the header (section 1) is the same; the points differ from section 2 on
      expect(other.subarray(0, 64).equals(reference.subarray(0, 64))).to.equal(true);
    });

    it("should serve a smaller power from a larger cached ptau, and not generate when told not to", async function () {
      expect((await devPtau(6, log))?.name).to.equal(devPtauName(8));
      expect(await devPtau(9, log, false)).to.equal(undefined);
    });

    it("should hold the published blake2b-512 of every Hermez ptau from power 8 to 28", function () {
      for (let p = 8; p <= 28; p++) expect(HERMEZ_PTAU_BLAKE2B[p], hermezPtauName(p)).to.match(/^[0-9a-f]{128}$/);
      expect(HERMEZ_PTAU_BLAKE2B[14]?.slice(0, 16)).to.equal("eeefbcf7c3803b52");
      expect(hermezPtauName(14)).to.equal("powersOfTau28_hez_final_14.ptau");
      expect(hermezPtauName(28)).to.equal("powersOfTau28_hez_final.ptau");
    });
  });

  describe("# build script", function () {
    it("should do no work on a second build and say so", function () {
      const t0 = Date.now();
      const res = runBuild(["leaf"]);
      const secs = (Date.now() - t0) / 1000;
      expect(res.status, res.stderr).to.equal(0);
      expect(res.stdout).to.match(/\[leaf\] up to date, skipped/);
      expect(res.stdout).to.not.match(/phase2|compile:/);
      expect(secs).to.be.below(15);
      expect(sha256(paths.zkey)).to.equal(manifest.files.zkey.sha256);
    });

    it("should stop with one clear message on an unknown instance", function () {
      const res = runBuild(["nosuch"]);
      expect(res.status).to.equal(1);
      expect(res.stderr.trim()).to.match(/^build error: unknown circuit instance "nosuch" \(known: .*leaf.*\)$/);
    });

    it("should stop with one clear message on a missing or unpublished ptau", function () {
      const missing = runBuild(["leaf", "--ptau", "/nonexistent/powersOfTau28_hez_final_14.ptau"]);
      expect(missing.status).to.equal(1);
      expect(missing.stderr.trim()).to.equal("build error: ptau file not found: /nonexistent/powersOfTau28_hez_final_14.ptau");
      // the verifier's Solidity source is not a ptau of the published table
      const bogus = runBuild(["leaf", "--ptau", paths.vkey]);
      expect(bogus.status).to.equal(1);
      expect(bogus.stderr.trim()).to.match(/^build error: ptau hash mismatch: verification_key\.json .* not one of the published Hermez/);
    });
  });
});

async function expectWitnessFailure(input: CircuitInput): Promise<void> {
  let failed = false;
  // circom's witness calculator prints "ERROR: 4 Error in template ..." itself; the thrown error carries the same text
  const { log, error } = console;
  console.log = console.error = () => {};
  try {
    await witness(input);
  } catch (e) {
    failed = true;
    expect(String((e as Error).message)).to.match(/Assert Failed/);
  } finally {
    console.log = log;
    console.error = error;
  }
  expect(failed, `witness for ${JSON.stringify(input, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v))} should fail`).to.equal(true);
}

function runBuild(args: string[]) {
  const tsx = path.join(ROOT, "node_modules", ".bin", "tsx");
  const res = spawnSync(tsx, ["scripts/build.ts", ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ZKMARGIN_PTAU: "" } });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr.split("\n").filter((l) => !/Unknown user config/.test(l)).join("\n") };
}
