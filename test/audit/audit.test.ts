/**
 * The auditor's toolkit (client/audit/): the soundness scan finds a deliberately under-constrained signal in a tiny
 * circuit (test/audit/circuits/Underconstrained.circom) and passes the real instances; --inspect warnings fail unless
 * the allow-list explains them; zkey verify, the verifier's constants (source and deployed bytecode) and the manifest
 * hashes pass on the real build and fail on a tampered copy.
 */
import { expect } from "chai";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { network } from "hardhat";
import {
  checkManifest,
  checkVerifierBytecode,
  checkVerifierSource,
  checkWarnings,
  compileCircom,
  computeWitness,
  failingConstraints,
  loadR1cs,
  loadSym,
  parseWarnings,
  runAudit,
  scanWitness,
  verifyZkey,
} from "../../client/audit/index.ts";
import type { AllowList } from "../../client/audit/inspect.ts";
import { ptauDir } from "../../scripts/lib/ptau.ts";
import { ROOT, artifactPaths } from "../../scripts/lib/instances.ts";
import { terminateCurve, type VerificationKey } from "../../scripts/lib/snark.ts";

const TINY = path.join(ROOT, "test", "audit", "circuits", "Underconstrained.circom");
const TINY_OUT = path.join(ROOT, "build", "audit-test");

describe("audit", function () {
  after(async () => {
    await terminateCurve();
  });

  describe("# soundness scan on a deliberately broken circuit", function () {
    let compiled: ReturnType<typeof compileCircom>;
    const wasm = path.join(TINY_OUT, "Underconstrained_js", "Underconstrained.wasm");

    before(function () {
      compiled = compileCircom(TINY, TINY_OUT, { optimization: "O2", wasm: true });
    });

    it("should report `mark` as under-constrained when it is multiplied by a zero size", async function () {
      const r1cs = await loadR1cs(compiled.r1cs);
      const sym = loadSym(compiled.sym, r1cs.nVars);
      const w = await computeWitness(wasm, { price: 5, size: 0, mark: 7, unused: 3 });
      expect(failingConstraints(r1cs, w)).to.deep.equal([]);
      const res = scanWitness(r1cs, w, sym);
      const free = res.free.map((f) => f.names[0]);
      expect(free).to.deep.equal(["main.mark"]);
      expect(res.unexplained.map((f) => f.names[0])).to.deep.equal(["main.mark"]);
      // and the freedom is real: another mark still satisfies every constraint
      const forged = [...w];
      forged[res.free[0].wire] = 123456789n;
      expect(failingConstraints(r1cs, forged)).to.deep.equal([]);
    });

    it("should not report bound signals (size != 0 binds mark; price is squared into an output)", async function () {
      const r1cs = await loadR1cs(compiled.r1cs);
      const w = await computeWitness(wasm, { price: 5, size: 2, mark: 7, unused: 3 });
      expect(scanWitness(r1cs, w, loadSym(compiled.sym, r1cs.nVars)).free).to.deep.equal([]);
    });

    it("should accept a free signal only when the allow-list explains it", async function () {
      const r1cs = await loadR1cs(compiled.r1cs);
      const w = await computeWitness(wasm, { price: 5, size: 0, mark: 7, unused: 3 });
      const res = scanWitness(r1cs, w, loadSym(compiled.sym, r1cs.nVars), [{ pattern: "^main\\.mark$", reason: "test: free when size is 0" }]);
      expect(res.free).to.have.length(1);
      expect(res.unexplained).to.deep.equal([]);
    });

    it("should refuse a witness that does not satisfy the r1cs", async function () {
      const r1cs = await loadR1cs(compiled.r1cs);
      const w = await computeWitness(wasm, { price: 5, size: 2, mark: 7, unused: 3 });
      w[1] += 1n;
      expect(() => scanWitness(r1cs, w, loadSym(compiled.sym, r1cs.nVars))).to.throw(/violates 1 constraint/);
    });

    it("should list the --inspect warnings of unconstrained signals and fail those the allow-list does not explain", function () {
      const warnings = parseWarnings(compiled.log);
      const ca01 = warnings.filter((w) => w.code === "CA01").map((w) => w.message);
      expect(ca01.some((m) => /signal unused does not appear/.test(m))).to.equal(true);
      expect(ca01.some((m) => /signal note does not appear/.test(m))).to.equal(true);
      expect(warnings.some((w) => w.code === "T3002" && w.source === "note <-- price + 1;")).to.equal(true);
      const empty: AllowList = { warnings: [], freeSignals: [] };
      expect(checkWarnings(parseWarnings(compiled.log), empty, "tiny")).to.have.length(warnings.length);
      const list: AllowList = {
        warnings: [{ code: "CA01", match: "signal unused does not appear", reason: "test: an input kept for the interface" }],
        freeSignals: [],
      };
      const left = checkWarnings(parseWarnings(compiled.log), list, "tiny");
      expect(left).to.have.length(warnings.length - 1);
      expect(left.some((w) => /signal unused/.test(w.message))).to.equal(false);
    });
  });

  describe("# setup and artifact checks on the leaf instance", function () {
    const p = artifactPaths("leaf");
    const vk = (): VerificationKey => JSON.parse(readFileSync(p.vkey, "utf8")) as VerificationKey;
    const manifest = () => JSON.parse(readFileSync(p.manifest, "utf8")) as { ptau: { name: string } };

    it("should pass zkey verify against the r1cs and the manifest's ptau, and fail against another circuit", async function () {
      const ptau = path.join(ptauDir(), manifest().ptau.name);
      const ok = await verifyZkey(p.r1cs, ptau, p.zkey);
      expect(ok.ok, ok.detail).to.equal(true);
      const other = await verifyZkey(path.join(TINY_OUT, "Underconstrained.r1cs"), ptau, p.zkey);
      expect(other.ok).to.equal(false);
    });

    it("should find every verifier constant in the source and fail on a tampered one", function () {
      const sol = readFileSync(p.verifier, "utf8");
      expect(checkVerifierSource(sol, vk()).ok).to.equal(true);
      const m = /uint256 constant deltax1 = (\d+);/.exec(sol);
      expect(m).to.not.equal(null);
      const tampered = sol.replace(`deltax1 = ${m?.[1]};`, `deltax1 = ${BigInt(m?.[1] ?? 0) + 1n};`);
      const res = checkVerifierSource(tampered, vk());
      expect(res.ok).to.equal(false);
      expect(res.detail).to.match(/deltax1/);
    });

    it("should find every vkey constant in the deployed verifier's bytecode, and not another key's", async function () {
      const { ethers } = await network.create();
      const verifier = await ethers.deployContract("verifier-contracts/generated/leaf/Groth16Verifier.sol:Groth16Verifier");
      const code = await ethers.provider.getCode(await verifier.getAddress());
      const res = checkVerifierBytecode(code, vk());
      expect(res.ok, res.detail).to.equal(true);
      const other = vk();
      other.vk_delta_2 = other.vk_gamma_2.map((row) => row.map((x) => (BigInt(x) + 1n).toString()));
      expect(checkVerifierBytecode(code, other).ok).to.equal(false);
    });

    it("should match the manifest hashes and fail on a changed file", async function () {
      const res = await checkManifest(p.manifest);
      expect(res.length).to.be.greaterThanOrEqual(5);
      expect(res.every((r) => r.ok), res.map((r) => r.detail).join("\n")).to.equal(true);
      // a copy of the manifest pointing at a copied, altered vkey
      const dir = path.join(ROOT, "build", "audit-test", "manifest");
      mkdirSync(dir, { recursive: true });
      const vkCopy = path.join(dir, "verification_key.json");
      copyFileSync(p.vkey, vkCopy);
      writeFileSync(vkCopy, `${readFileSync(vkCopy, "utf8")} `);
      const m = JSON.parse(readFileSync(p.manifest, "utf8")) as { files: Record<string, { path: string; sha256: string }> };
      m.files.vkey.path = path.relative(ROOT, vkCopy);
      const mFile = path.join(dir, "manifest.json");
      writeFileSync(mFile, JSON.stringify(m));
      const bad = (await checkManifest(mFile)).filter((r) => !r.ok);
      expect(bad.map((r) => r.name)).to.deep.equal(["manifest files.vkey"]);
    });
  });

  describe("# the real instances pass the whole audit", function () {
    it("should pass on leaf (zkey verify is its own test above)", async function () {
      const r = await runAudit({ instance: "leaf", skipZkey: true });
      expect(r.checks.filter((c) => !c.ok)).to.deep.equal([]);
      expect(r.scan.unexplained).to.deep.equal([]);
      expect(r.constraints.topLevel.map((c) => c.template)).to.include("MerkleRoot");
    });

    it("should pass on test (the margin circuit; zkey verify is covered on leaf)", async function () {
      const r = await runAudit({ instance: "test", skipZkey: true });
      expect(r.checks.filter((c) => !c.ok)).to.deep.equal([]);
      expect(r.scan.unexplained).to.deep.equal([]);
      expect(r.scan.wires).to.be.greaterThan(1000);
      expect(r.constraintsO2).to.be.lessThan(16_000);
    });
  });
});
