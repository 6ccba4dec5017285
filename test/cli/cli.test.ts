/**
 * The `zkmargin` CLI run as a subprocess on the fixture files of test/fixtures/cli/: help, report, prove + verify,
 * and bad inputs with their exit codes and messages (prover/errors.ts ExitCode).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { ExitCode } from "../../prover/errors.ts";
import { ROOT } from "../../scripts/lib/instances.ts";
import { buildInstance } from "../../scripts/lib/pipeline.ts";
import { FIXTURE_DIR, fixtureFiles } from "../fixtures/cli/generate.ts";

/** The bin users run (package.json "bin"): it calls main() unconditionally (npx runs it through a symlink). */
const BIN = path.join(ROOT, "client", "bin", "zkmargin.js");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function zkmargin(...args: string[]): Run {
  const res = spawnSync(process.execPath, [BIN, ...args], {
    cwd: FIXTURE_DIR,
    encoding: "utf8",
    timeout: 300_000,
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

const SUBJECT = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const book = ["-s", "venue-11.json", "venue-22.json", "-m", "market.json", "-r", "risk.json"];
const proveArgs = (minExcess: string, ...more: string[]) => ["prove", ...book, "--secret", "secret.txt", "-e", "7", "--subject", SUBJECT, "--domain", "7", "--min-excess", minExcess, ...more];

describe("# zkmargin CLI (subprocess)", function () {
  const tmp = mkdtempSync(path.join(tmpdir(), "zkmargin-cli-"));

  it("should have fixture files generated from the current SDK", () => {
    for (const [name, text] of Object.entries(fixtureFiles())) {
      expect(readFileSync(path.join(FIXTURE_DIR, name), "utf8"), `${name} is stale: run npx tsx test/fixtures/cli/generate.ts`).to.equal(text);
    }
  });

  it("should print help for the program and every command, with the exit codes", () => {
    const top = zkmargin("--help");
    expect(top.code).to.equal(0);
    for (const cmd of ["prove", "verify", "report", "demo"]) expect(top.stdout).to.contain(cmd);
    expect(top.stdout).to.match(/Exit codes:[\s\S]*1 +bad input[\s\S]*2 +rejected/);
    expect(top.stdout).to.contain("audit");
    for (const cmd of ["prove", "verify", "report", "demo"]) {
      const h = zkmargin(cmd, "--help");
      expect(h.code, cmd).to.equal(0);
      expect(h.stdout, cmd).to.match(new RegExp(`Usage: zkmargin ${cmd}`));
    }
    expect(zkmargin("prove", "--help").stdout).to.contain("--min-excess <usd>");
  });

  it("should print the margin report: isolated, cross-margined and portfolio-margined side by side", () => {
    const r = zkmargin("report", ...book);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/isolated +cross-margined +portfolio-margined/);
    expect(r.stdout).to.match(/requirement +\$18,357\.13 +\$14,457\.13 +\$5,957\.22/);
    expect(r.stdout).to.match(/collateral freed .* \$12,399\.91 \(67\.5%\)/);
    const json = JSON.parse(zkmargin("report", ...book, "--json").stdout) as { portfolio: { requirement: string } };
    expect(json.portfolio.requirement).to.equal("595721600000");
  });

  describe("prove and verify", () => {
    const proofFile = path.join(tmp, "proof.json");
    let prove: Run;

    before(async () => {
      await buildInstance("test", { log: () => undefined });
      prove = zkmargin(...proveArgs("50000", "--posted-roots", "posted-roots.json", "-o", proofFile));
    });

    it("should write a proof and report progress on stderr", () => {
      expect(prove.code, prove.stderr).to.equal(ExitCode.Ok);
      expect(prove.stderr).to.match(/witness: witness computed/);
      expect(prove.stderr).to.match(/prove: proof generated/);
      const proof = JSON.parse(readFileSync(proofFile, "utf8")) as { format: string; publicInputs: { minExcess: string; subject: string } };
      expect(proof.format).to.equal("zkmargin-proof/2");
      expect(proof.publicInputs.minExcess).to.equal("5000000000000");
      expect(BigInt(proof.publicInputs.subject)).to.equal(BigInt(SUBJECT));
    });

    it("should verify the proof (exit 0, prints valid)", () => {
      const v = zkmargin("verify", proofFile);
      expect(v.code, v.stderr).to.equal(ExitCode.Ok);
      expect(v.stdout.trim()).to.equal("valid");
    });

    it("should reject a proof whose minExcess was edited (exit 2, prints invalid)", () => {
      const proof = JSON.parse(readFileSync(proofFile, "utf8")) as { publicInputs: { minExcess: string }; publicSignals: string[] };
      proof.publicInputs.minExcess = "9000000000000";
      proof.publicSignals[proof.publicSignals.length - 1] = "9000000000000";
      const forged = path.join(tmp, "forged.json");
      writeFileSync(forged, JSON.stringify(proof));
      const v = zkmargin("verify", forged);
      expect(v.code).to.equal(ExitCode.Rejected);
      expect(v.stdout.trim()).to.equal("invalid");
    });
  });

  it("should exit 2 with the shortfall in USD when the book does not meet minExcess", () => {
    const r = zkmargin(...proveArgs("60000", "-o", path.join(tmp, "never.json")));
    expect(r.code).to.equal(ExitCode.Rejected);
    expect(r.stderr).to.match(/error: minExcess: insufficient margin: .* is \$4,557\.22 short of minExcess \$60,000\.00/);
    expect(r.stderr).to.not.match(/witness/);
  });

  it("should exit 1 naming the field of a tampered statement", () => {
    const s = JSON.parse(readFileSync(path.join(FIXTURE_DIR, "venue-22.json"), "utf8")) as { holdings: { size: string }[] };
    s.holdings[1].size = "-100000000"; // short 1 ETH instead of 10
    const tampered = path.join(tmp, "tampered.json");
    writeFileSync(tampered, JSON.stringify(s));
    const r = zkmargin("prove", "-s", "venue-11.json", tampered, "-m", "market.json", "-r", "risk.json", "--secret", "secret.txt", "-e", "7", "--subject", SUBJECT, "--domain", "7", "--min-excess", "1");
    expect(r.code).to.equal(ExitCode.BadInput);
    expect(r.stderr).to.match(/^error: statements\[1\]\.holdings: tampered statement/m);
    const report = zkmargin("report", "-s", "venue-11.json", tampered, "-m", "market.json", "-r", "risk.json");
    expect(report.code).to.equal(ExitCode.BadInput);
    expect(report.stderr).to.match(/^error: statements\[1\]\.holdings: tampered statement/m);
  });

  it("should exit 1 on a posted root that the path does not reach", () => {
    const roots = JSON.parse(readFileSync(path.join(FIXTURE_DIR, "posted-roots.json"), "utf8")) as Record<string, string>;
    roots["11"] = "12345";
    const file = path.join(tmp, "roots.json");
    writeFileSync(file, JSON.stringify(roots));
    const r = zkmargin(...proveArgs("1", "--posted-roots", file));
    expect(r.code).to.equal(ExitCode.BadInput);
    expect(r.stderr).to.match(/error: statements\[0\]\.root: the Merkle path reaches 0x[0-9a-f]+, but venue 11 posted 0x3039 for epoch 7/);
  });

  it("should exit 1 on a malformed file, a missing file and a missing option", () => {
    const bad = path.join(tmp, "bad-market.json");
    writeFileSync(bad, JSON.stringify({ price: ["1", "x", "3"], scanRange: [], volShock: [] }));
    const m = zkmargin("report", "-s", "venue-11.json", "-m", bad, "-r", "risk.json");
    expect(m.code).to.equal(ExitCode.BadInput);
    expect(m.stderr).to.match(/error: market\.price\[1\]: expected a field element|error: market\.price\[1\]: expected an unsigned/);
    const missing = zkmargin("report", "-s", "nope.json", "-m", "market.json", "-r", "risk.json");
    expect(missing.code).to.equal(ExitCode.BadInput);
    expect(missing.stderr).to.match(/statements\[0\]: cannot read nope\.json: ENOENT/);
    const opt = zkmargin("prove", ...book);
    expect(opt.code).to.equal(ExitCode.BadInput);
    expect(opt.stderr).to.match(/required option '--secret <file>'/);
  });

  it("should exit 1 on a wrong secret, naming it", () => {
    const file = path.join(tmp, "secret.txt");
    writeFileSync(file, "0x1234\n");
    const r = zkmargin("prove", ...book, "--secret", file, "-e", "7", "--subject", SUBJECT, "--domain", "7", "--min-excess", "1");
    expect(r.code).to.equal(ExitCode.BadInput);
    expect(r.stderr).to.match(/error: traderSecret: wrong trader secret/);
  });
});
