/**
 * `zkmargin backtest` and `zkmargin risk calibrate` as a user runs them (subprocesses): a short real-history run with
 * --json, a generated run, and every bad input the issue lists giving one error naming the file and line, exit 1.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync, copyFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { ROOT } from "../../scripts/lib/instances.ts";
import { scenarioTable } from "../../prover/model.ts";
import { parseRisk } from "../../prover/statement.ts";

const run = promisify(execFile);
const CLI = path.join(ROOT, "client", "bin", "zkmargin.js"); // the bin (client/cli.ts only exports main())
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");

async function zk(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(TSX, [CLI, ...args], { cwd: ROOT, maxBuffer: 1 << 26 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

/** A prices directory with the production assets' real files, one of them replaced by `text`. */
function pricesWith(symbol: string, text: string | undefined): string {
  const dir = mkdtempSync(path.join(tmpdir(), "zk-prices-"));
  for (const s of ["USDC", "ETH", "BTC", "SOL", "LINK", "XRP", "USDT", "DOGE"]) copyFileSync(path.join(ROOT, "data", "prices", `${s}.csv`), path.join(dir, `${s}.csv`));
  if (text !== undefined) writeFileSync(path.join(dir, `${symbol}.csv`), text);
  return dir;
}

describe("# zkmargin backtest and risk calibrate (subprocess)", function () {
  this.timeout(300_000);
  const short = ["--from", "2023-10-01", "--to", "2023-12-31", "--books-per-class", "1", "--no-tradeoff", "-q"];

  it("should print the per-class table as JSON with before and after for a short real-history window", async () => {
    const chart = path.join(mkdtempSync(path.join(tmpdir(), "zk-chart-")), "c.svg");
    const r = await zk(["backtest", ...short, "--json", "--chart", chart]);
    expect(r.code, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout) as { classes: { class: string; days: number; before: { coverage: number }; after: { coverage: number; portfolioOverIsolated: number } }[] };
    expect(out.classes.map((c) => c.class)).to.include.members(["basis", "carry", "pairs-low-scan", "short-otm", "desk", "concentrated", "stable-collateral"]);
    for (const c of out.classes) {
      expect(c.days).to.be.greaterThan(80);
      expect(c.after.coverage).to.be.within(0, 100);
    }
    // the scan-range-neutral pair of weakly correlated assets is the v1 hole: after covers more days
    const pair = out.classes.find((c) => c.class === "pairs-low-scan")!;
    expect(pair.after.coverage).to.be.greaterThan(pair.before.coverage);
    expect(readFileSync(chart, "utf8")).to.match(/^<svg /);
  });

  it("should run generated paths", async () => {
    const r = await zk(["backtest", "--generate", "--days", "200", "--books-per-class", "1", "-q", "--chart", path.join(tmpdir(), "zk-gen.svg")]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/generated, 200 days/);
    expect(r.stdout).to.match(/\| basis \|/);
  });

  it("should calibrate parameters for any asset list and K, in the format parseRisk reads", async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), "zk-cal-")), "r.json");
    const r = await zk(["risk", "calibrate", "--assets", "USDT,BTC,SOL,DOGE", "--scenarios", "8", "--out", out]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/kappa κ = /);
    const text = readFileSync(out, "utf8");
    const risk = JSON.parse(text) as { scenarios: number; factorLoading: string[]; residualLoading: string[]; residualColumn: number[]; basisCharge: string[] };
    expect(risk.scenarios).to.equal(8);
    expect(risk.factorLoading).to.have.length(4);
    expect(risk.residualLoading).to.have.length(4);
    // K = 8: columns 1–3; the stablecoin in column 1, the three risky assets in columns 2 and 3 (two share one)
    expect(risk.residualColumn).to.have.length(4);
    expect(risk.residualColumn.every((c) => c >= 1 && c < 4)).to.equal(true);
    expect(risk.basisCharge).to.have.length(4);
    // the file is what parseRisk and the model read, and expands to the 8 scenarios of the sign design
    expect(scenarioTable(parseRisk(text)).moves).to.have.length(8);
  });

  it("should refuse a scenario count that is not 2·2^m, naming the option", async () => {
    const r = await zk(["risk", "calibrate", "--assets", "USDC,BTC", "--scenarios", "6"]);
    expect(r.code).to.equal(1);
    expect(r.stderr.trim().split("\n")).to.have.length(1);
    expect(r.stderr).to.match(/--scenarios: "6" is not a scenario count 2·2\^m in \[4, 64\]/);
  });

  describe("bad input: one error naming the file and line, exit 1", () => {
    const cases: [string, () => string[], RegExp][] = [
      ["a missing price file", () => ["--prices", pricesWith("SOL", undefined).replace(/$/, "-missing")], /--prices: .*no such directory/],
      ["a malformed CSV", () => ["--prices", pricesWith("ETH", 'date,close\n2017-11-09,"320.8\n')], /ETH\.csv:\d+: malformed CSV/],
      ["a gap in dates", () => ["--prices", pricesWith("BTC", "date,close\n2014-09-17,457.33\n2014-09-18,424.44\n2014-09-20,394.79\n")], /BTC\.csv:4: gap in dates: 2014-09-18 is followed by 2014-09-20/],
      ["a close that is not a number", () => ["--prices", pricesWith("XRP", "date,close\n2017-11-09,0.21\n2017-11-10,abc\n")], /XRP\.csv:3: close "abc" is not a positive number/],
    ];
    for (const [name, args, re] of cases) {
      it(`should name ${name}`, async () => {
        const r = await zk(["backtest", ...short, ...args()]);
        expect(r.code).to.equal(1);
        expect(r.stderr.trim().split("\n")).to.have.length(1);
        expect(r.stderr).to.match(re);
      });
    }

    it("should name an unknown asset in the asset list and in a books file", async () => {
      const r = await zk(["risk", "calibrate", "--assets", "USDC,AVAX"]);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(/AVAX\.csv:1: unknown asset AVAX/);
      const dir = mkdtempSync(path.join(tmpdir(), "zk-books-"));
      const books = path.join(dir, "books.csv");
      writeFileSync(books, "book,class,venue,symbol,kind,notional,type,moneyness,tenorDays\n1,pair,0,ETH,perp,1000000,,,\n1,pair,1,AVAX,perp,-1000000,,,\n");
      const b = await zk(["backtest", ...short, "--books", books]);
      expect(b.code).to.equal(1);
      expect(b.stderr).to.match(/books\.csv:3: unknown asset "AVAX"/);
    });

    it("should name an empty book file", async () => {
      const dir = mkdtempSync(path.join(tmpdir(), "zk-books-"));
      mkdirSync(dir, { recursive: true });
      const empty = path.join(dir, "empty.csv");
      writeFileSync(empty, "");
      const r = await zk(["backtest", ...short, "--books", empty]);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(/empty\.csv:1: empty book file/);
      writeFileSync(empty, "book,class,venue,symbol,kind,notional,type,moneyness,tenorDays\n");
      const h = await zk(["backtest", ...short, "--books", empty]);
      expect(h.stderr).to.match(/empty\.csv:2: empty book file/);
    });

    it("should run a books file of its own", async () => {
      const books = path.join(mkdtempSync(path.join(tmpdir(), "zk-books-")), "b.csv");
      writeFileSync(books, "book,class,venue,symbol,kind,notional,type,moneyness,tenorDays\n1,my-basis,0,ETH,perp,1000000,,,\n1,my-basis,1,ETH,perp,-1000000,,,\n1,my-basis,0,USDC,spot,200000,,,\n2,my-put,2,BTC,option,-500000,put,0.8,30\n2,my-put,2,USDC,spot,300000,,,\n");
      const r = await zk(["backtest", ...short, "--books", books, "--json"]);
      expect(r.code, r.stderr).to.equal(0);
      const out = JSON.parse(r.stdout) as { classes: { class: string }[] };
      expect(out.classes.map((c) => c.class)).to.deep.equal(["my-basis", "my-put"]);
    });
  });
});
