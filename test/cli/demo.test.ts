/**
 * `npm run demo` end to end, as a subprocess (what the README tells a fresh clone to run): keys, contracts, venues,
 * report, proof, on-chain attestation, a lien to a lender, a renewal across the next snapshot, the lapse. Uses the test
 * instance's keys (built here if missing).
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { expect } from "chai";
import { ROOT } from "../../scripts/lib/instances.ts";
import { buildInstance } from "../../scripts/lib/pipeline.ts";

const BIN = path.join(ROOT, "client", "bin", "zkmargin.js"); // the bin users run (package.json "bin")

describe("# demo (subprocess, end to end)", function () {
  let stdout = "";
  let stderr = "";
  let code: number | null = null;

  before(async () => {
    await buildInstance("test", { log: () => undefined }); // keep the demo's own run about the demo
    const res = spawnSync(process.execPath, [BIN, "demo"], { cwd: ROOT, encoding: "utf8", timeout: 900_000 });
    ({ stdout, stderr } = res);
    code = res.status;
  });

  it("should exit 0 after all ten steps", () => {
    expect(code, stderr).to.equal(0);
    for (let n = 1; n <= 10; n++) expect(stdout).to.contain(`[${n}/10]`);
  });

  it("should print the margin report with portfolio margin below isolated margin", () => {
    const m = /requirement +(\$[\d,.]+) +(\$[\d,.]+) +(\$[\d,.]+)/.exec(stdout);
    expect(m, stdout).to.not.equal(null);
    const usd = (s: string) => Number(s.replace(/[$,]/g, ""));
    const [iso, cross, port] = [usd(m![1]), usd(m![2]), usd(m![3])];
    expect(port).to.be.below(cross);
    expect(cross).to.be.at.most(iso);
  });

  it("should prove, attest on-chain, allocate a lien, renew without a gap and lapse, printing proof time and gas", () => {
    expect(stdout).to.match(/proof generated in \d+\.\d s \((C\+\+|WASM) witness, (native prover|snarkjs prover.*)\), verified off-chain/);
    expect(stdout).to.match(/attest: tx 0x[0-9a-f]+…, gas [\d,]+/);
    // the test instance has V = 3 venue slots: the demo proves its three-venue hedged book
    expect(stdout).to.match(/\[4\/10\] 3 venues post their account roots/);
    expect(stdout).to.contain("3 venue roots");
    // the lien is 40 % of the attested excess: the lender reads back what was allocated, and renewal carries it over
    const available = /available (\$[\d,.]+)/.exec(stdout);
    expect(available, stdout).to.not.equal(null);
    const usd = (x: string) => BigInt(x.replace(/[$,.]/g, "")); // cents
    const lien = /allocate\((\$[\d,.]+)\): gas [\d,]+; the lender reads lienOf = (\$[\d,.]+), Live until/.exec(stdout);
    expect(lien, stdout).to.not.equal(null);
    expect(lien![2]).to.equal(lien![1]);
    expect(usd(lien![1])).to.equal((usd(available![1]) * 4n) / 10n);
    expect(usd(lien![1]) > 0n).to.equal(true);
    expect(stdout).to.match(/after the snapshot the lien is still Live until/);
    expect(stdout).to.contain(`the lien carried over: ${lien![1]}, Live until`);
    expect(stdout).to.match(/the lien is Grace until .*the lender margin-calls/);
    expect(stdout).to.match(/the lien is Ended: the lender liquidates; reclaim: gas [\d,]+, the lien is now \$0\.00/);
    expect(stdout).to.match(/gas: postRoot \/ attest \/ allocate +[\d,]+ \/ [\d,]+ \/ [\d,]+/);
  });
});
