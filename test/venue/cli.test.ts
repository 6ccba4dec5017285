/**
 * `zkmargin venue …` and `zkmargin statements fetch` as an operator runs them (child processes): help, exit codes,
 * and bad input — one error line naming the file's row and field, exit code 1, nothing written.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { accountsCsv, holdingsCsv, syntheticAccounts, syntheticHoldings } from "../../scripts/lib/venueData.ts";
import { cli } from "./helpers.ts";

describe("zkmargin venue (CLI)", function () {
  this.timeout(300_000);
  let dir: string;
  let db: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "zkm-vcli-"));
    db = join(dir, "v.db");
    const accounts = syntheticAccounts(30, 51, "0x00000000000000000000000000000000000000e5");
    writeFileSync(join(dir, "accounts.csv"), accountsCsv(accounts));
    writeFileSync(join(dir, "h1.csv"), holdingsCsv(syntheticHoldings(accounts.map((a) => a.id), 52, 3, 3)));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** stderr without the progress lines ("import: check"): what is left must be the one error */
  const errors = (r: { stderr: string }) => r.stderr.replace(/^(import|build): \w+\n/gm, "");
  const status = () => JSON.parse(cli(["venue", "status", "--db", db]).stdout) as { accounts: number; epochs: { epoch: number }[]; staged: { epoch: number; rows: number }[]; hasher: string };

  it("should document every command with --help and exit 0", function () {
    for (const cmd of [["venue"], ["venue", "init"], ["venue", "import"], ["venue", "build-epoch"], ["venue", "post-root"], ["venue", "serve"], ["venue", "status"], ["statements", "fetch"]]) {
      const r = cli([...cmd, "--help"]);
      expect(r.status, cmd.join(" ")).to.equal(0);
      expect(r.stdout).to.match(/Usage: zkmargin/);
      if (cmd.length > 1) expect(r.stdout, cmd.join(" ")).to.match(/Exit codes:/);
    }
  });

  it("should create a store once, import, build, and report its state", function () {
    const init = cli(["venue", "init", "--db", db, "--venue-id", "5", "--instance", "test"]);
    expect(init.status, init.stderr).to.equal(0);
    expect(JSON.parse(init.stdout).dims).to.deep.equal({ N: 3, A: 3, D: 7, capacity: 16384 });
    const again = cli(["venue", "init", "--db", db, "--venue-id", "5"]);
    expect(again.status).to.equal(1);
    expect(again.stderr).to.equal(`error: db: ${db} already exists (a store is created once; use it or choose another path)\n`);
    expect(cli(["venue", "import", "--db", db, "--accounts", join(dir, "accounts.csv")]).status).to.equal(0);
    expect(cli(["venue", "import", "--db", db, "--holdings", join(dir, "h1.csv"), "--epoch", "1"]).status).to.equal(0);
    const built = cli(["venue", "build-epoch", "--db", db, "--epoch", "1"]);
    expect(built.status, built.stderr).to.equal(0);
    // the native build here, unless the whole run forces the JS fallback (ZKMARGIN_POSEIDON=js)
    expect(built.stderr).to.match(process.env.ZKMARGIN_POSEIDON === "js" ? /^hasher: poseidon-lite \(ZKMARGIN_POSEIDON=js\)\n/ : /^hasher: native-\dt\n/);
    expect(built.stderr).to.match(/build: leaves\n/);
    const s = status();
    expect(s.accounts).to.equal(30);
    expect(s.epochs.map((e) => e.epoch)).to.deep.equal([1]);
    expect(s.staged).to.deep.equal([]);
  });

  it("should fall back to the JS hasher when told to, and say so", function () {
    const r = cli(["venue", "status", "--db", db], { ZKMARGIN_POSEIDON: "js" });
    expect(JSON.parse(r.stdout).hasher).to.equal("poseidon-lite (ZKMARGIN_POSEIDON=js)");
  });

  it("should stop on a malformed CSV row with one error naming the row and field, writing nothing", function () {
    const bad = join(dir, "bad.csv");
    writeFileSync(bad, "account,asset,kind,size,entryPrice,mark,delta,gamma,vega\na-1,0,0,5,0,0,0,0,0\na-2,1,0,12x,0,0,0,0,0\n");
    const r = cli(["venue", "import", "--db", db, "--holdings", bad, "--epoch", "2"]);
    expect(r.status).to.equal(1);
    expect(errors(r)).to.equal(`error: ${bad} row 2 (account a-2) field size: "12x" is not an integer\n`);
    expect(status().staged).to.deep.equal([]);
  });

  it("should stop on an unknown account and on holdings outside the circuit's ranges", function () {
    const unknown = join(dir, "unknown.csv");
    writeFileSync(unknown, "account,asset,kind,size,entryPrice,mark,delta,gamma,vega\na-1,0,0,5,0,0,0,0,0\nghost,0,0,5,0,0,0,0,0\n");
    const r1 = cli(["venue", "import", "--db", db, "--holdings", unknown, "--epoch", "2"]);
    expect(r1.status).to.equal(1);
    expect(errors(r1)).to.equal(`error: ${unknown} row 2 (account ghost) field account: unknown account ghost (open it first: zkmargin venue import --accounts)\n`);
    const range = join(dir, "range.csv");
    writeFileSync(range, `account,asset,kind,size,entryPrice,mark,delta,gamma,vega\na-1,0,1,5,${1n << 64n},0,0,0,0\n`);
    const r2 = cli(["venue", "import", "--db", db, "--holdings", range, "--epoch", "2"]);
    expect(r2.status).to.equal(1);
    expect(errors(r2)).to.match(new RegExp(`^error: ${range.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} row 1 \\(account a-1\\) field entryPrice: .*\\n$`));
    expect(status().staged).to.deep.equal([]);
  });

  it("should refuse an epoch already built, naming it", function () {
    const r = cli(["venue", "import", "--db", db, "--holdings", join(dir, "h1.csv"), "--epoch", "1"]);
    expect(r.status).to.equal(1);
    expect(errors(r)).to.equal("error: epoch: epoch 1 is already built: an epoch is built once\n");
    const b = cli(["venue", "build-epoch", "--db", db, "--epoch", "1"]);
    expect(b.status).to.equal(1);
    expect(b.stderr).to.match(/error: epoch: epoch 1 is already built/);
    expect(status().epochs).to.have.length(1);
  });

  it("should check options before building or posting: a missing key, a bad epoch, a missing store", function () {
    const noRegistry = cli(["venue", "build-epoch", "--db", db, "--epoch", "2", "--rpc", "http://127.0.0.1:9"]);
    expect(noRegistry.status).to.equal(1);
    expect(noRegistry.stderr).to.equal("error: registry: give --registry <address> or --deployment <file>\n");
    const r = cli(["venue", "build-epoch", "--db", db, "--epoch", "2", "--rpc", "http://127.0.0.1:9", "--registry", "0x0165878A594ca255338adfa4d48449f69242Eb8F"]);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.equal("error: key: this command needs --key <file> (a private key or a JSON keystore), --keystore <file> or ZKMARGIN_PRIVATE_KEY\n");
    expect(status().epochs).to.have.length(1);
    expect(cli(["venue", "build-epoch", "--db", db, "--epoch", "two"]).stderr).to.equal('error: epoch: "two" is not an epoch (a positive integer)\n');
    const missing = cli(["venue", "status", "--db", join(dir, "nope.db")]);
    expect(missing.status).to.equal(1);
    expect(missing.stderr).to.match(/does not exist \(create it with `zkmargin venue init`\)/);
    const fetch = cli(["statements", "fetch", "--venue", "http://127.0.0.1:9", "--account", "a-1", "--epoch", "1", "--key", join(dir, "accounts.csv")]);
    expect(fetch.status).to.equal(1);
    expect(fetch.stderr).to.match(/^error: key: .* does not hold a private key/);
  });
});
