/**
 * The bin as `npm link` and npx install it: a symlink (here in a temporary folder outside the repository, run from
 * there) to client/bin/zkmargin.js. The old "am I the main module" check compared paths and made such a run print
 * nothing and exit 0, so `verify` of a forged proof "passed"; the bin must run main() whatever path it is called by.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { ExitCode } from "../../prover/errors.ts";
import { ROOT } from "../../scripts/lib/instances.ts";
import { buildInstance } from "../../scripts/lib/pipeline.ts";
import { FIXTURE_DIR } from "../fixtures/cli/generate.ts";

describe("# zkmargin through a symlinked bin, from a folder outside the repository", function () {
  this.timeout(600_000);
  let dir: string;
  let bin: string;
  const z = (...args: string[]) => {
    const r = spawnSync(bin, args, { cwd: dir, encoding: "utf8", timeout: 300_000, env: { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH}` } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  before(async () => {
    await buildInstance("test", { log: () => undefined });
    dir = mkdtempSync(path.join(tmpdir(), "zkmargin-bin-"));
    mkdirSync(path.join(dir, "bin"));
    bin = path.join(dir, "bin", "zkmargin");
    symlinkSync(path.join(ROOT, "client", "bin", "zkmargin.js"), bin);
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("should print the command list", () => {
    const r = z("--help");
    expect(r.code, r.stderr).to.equal(ExitCode.Ok);
    expect(r.stdout).to.match(/^Usage: zkmargin/m);
    for (const cmd of ["prove", "verify", "attest", "deploy"]) expect(r.stdout).to.match(new RegExp(`^  ${cmd} `, "m"));
  });

  it("should prove, verify (exit 0) and reject a forged proof (exit 2)", () => {
    const f = (name: string) => path.join(FIXTURE_DIR, name);
    const proof = path.join(dir, "proof.json");
    const p = z("prove", "-s", f("venue-11.json"), f("venue-22.json"), "-m", f("market.json"), "-r", f("risk.json"), "--secret", f("secret.txt"), "-e", "7", "--subject", "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", "--domain", "7", "--min-excess", "50000", "-o", proof, "-q");
    expect(p.code, p.stderr).to.equal(ExitCode.Ok);
    expect(z("verify", proof).stdout.trim()).to.equal("valid");
    const forged = JSON.parse(readFileSync(proof, "utf8")) as { publicSignals: string[]; publicInputs: { minExcess: string } };
    forged.publicInputs.minExcess = "9000000000000";
    forged.publicSignals[forged.publicSignals.length - 1] = "9000000000000";
    writeFileSync(path.join(dir, "forged.json"), JSON.stringify(forged));
    const v = z("verify", "forged.json");
    expect(v.code).to.equal(ExitCode.Rejected);
    expect(v.stdout.trim()).to.equal("invalid");
    const missing = z("verify", "nope.json");
    expect(missing.code).to.equal(ExitCode.BadInput);
    expect(missing.stderr).to.match(/^error: proof: cannot read nope\.json: ENOENT/m);
  });
});
