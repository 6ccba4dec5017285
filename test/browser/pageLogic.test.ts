/**
 * The trader page's pure parts, in Node: the scenario namer (web/src/scenarios.ts) against the factor structure of
 * data/risk/*.json (prover/risk/calibrate.ts's column assignment) and prover/model.ts scenarioTable; the page's
 * formatting; its deployment parser; and the human-readable ABIs of web/src/chain.ts against the compiled interfaces.
 */
import { expect } from "chai";
import { Interface } from "ethers";
import hre from "hardhat";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ZkMarginInputError } from "../../prover/errors.ts";
import { scenarioTable, signDesign } from "../../prover/model.ts";
import { parseRisk } from "../../prover/statement.ts";
import { ROOT } from "../../scripts/lib/instances.ts";
import { PAGE_ABIS, formatGas, parseDeployment } from "../../web/src/chain.ts";
import { formatDuration, formatPercent, parseUsd } from "../../web/src/format.ts";
import { scenarioDesign } from "../../web/src/scenarios.ts";
import { testRisk } from "../fixtures/market.ts";
import { launchBrowser } from "./harness.ts";

const calibrated = (name: string) => ({
  risk: parseRisk(readFileSync(path.join(ROOT, "data", "risk", `${name}.json`), "utf8")),
  assets: (JSON.parse(readFileSync(path.join(ROOT, "data", "risk", `${name}.oracle.json`), "utf8")) as { assets: string[] }).assets,
});

describe("trader page logic (Node)", function () {
  describe("# scenarioDesign", function () {
    it("should read the test calibration as market factor and the ETH/BTC spread column", function () {
      const { risk, assets } = calibrated("test");
      const d = scenarioDesign(risk, assets);
      expect(d.order).to.equal(2);
      expect(d.columns.map((c) => [c.index, c.role, c.label])).to.deep.equal([
        [0, "market", "market"],
        [1, "spread", "ETH vs BTC"],
      ]);
      // rows of [H; −H] for H = [[1, 1], [1, −1]]; ETH loads +r on column 1, BTC −r (USDC's r is 0: not named)
      expect(d.scenarios.map((s) => s.name)).to.deep.equal(["market ↑ · ETH ↑ vs BTC", "market ↑ · ETH ↓ vs BTC", "market ↓ · ETH ↓ vs BTC", "market ↓ · ETH ↑ vs BTC"]);
    });

    it("should read the production calibration's stablecoin column and one residual column per risky asset", function () {
      const { risk, assets } = calibrated("prod");
      const d = scenarioDesign(risk, assets);
      expect(d.order).to.equal(8);
      expect(d.columns.map((c) => c.label)).to.deep.equal(["market", "stablecoins", "ETH residual", "BTC residual", "SOL residual", "LINK residual", "XRP residual", "DOGE residual"]);
      const stable = d.columns[1];
      expect(stable.assets.map((a) => assets[a.asset])).to.deep.equal(["USDC", "USDT"]);
      // scenario 8 is row 0 of −H: every column down
      expect(d.scenarios[8].name).to.equal("market ↓ · stablecoins ↓ · ETH residual ↓ · BTC residual ↓ · SOL residual ↓ · LINK residual ↓ · XRP residual ↓ · DOGE residual ↓");
      expect(new Set(d.scenarios.map((s) => s.name)).size, "every scenario has its own name").to.equal(16);
    });

    it("should name each scenario truthfully: its moves are scenarioTable's and every arrow is the sign of the column's term", function () {
      for (const name of ["test", "prod"]) {
        const { risk, assets } = calibrated(name);
        const d = scenarioDesign(risk, assets);
        const table = scenarioTable(risk);
        const s = signDesign(risk.scenarios);
        expect(d.scenarios.map((x) => x.moves), name).to.deep.equal(table.moves);
        for (const { k, name: title } of d.scenarios) {
          for (const col of d.columns) {
            // the term of the column's first asset in its move: ρ·s[k][0] on the market, r·s[k][c] elsewhere
            const a = col.assets[0].asset;
            const term = col.index === 0 ? risk.factorLoading[a] * BigInt(s[k][0]) : risk.residualLoading[a] * BigInt(s[k][col.index]);
            const arrow = term > 0n ? "↑" : "↓";
            const part = col.role === "spread" ? `${assets[a]} ${arrow} vs` : `${col.label} ${arrow}`;
            expect(title, `${name} #${k} ${col.label}`).to.include(part);
          }
        }
      }
    });

    it("should name a shared column of three assets by its sides, and skip unused columns", function () {
      // testRisk: USDC (ρ 0, r +1e6), ETH (+0.4) and BTC (−0.5) all on column 1
      const d = scenarioDesign(testRisk(), ["USDC", "ETH", "BTC"]);
      expect(d.columns.map((c) => [c.index, c.role, c.label])).to.deep.equal([
        [0, "market", "market"],
        [1, "spread", "USDC+ETH vs BTC"],
      ]);
      expect(d.columns[0].assets.map((a) => a.asset), "USDC is off the market factor").to.deep.equal([1, 2]);
      expect(d.scenarios[1].name).to.equal("market ↑ · USDC+ETH ↓ vs BTC");
      const eight = { ...testRisk(), scenarios: 8, residualColumn: [2, 3, 3] };
      const e = scenarioDesign(eight, ["USDC", "ETH", "BTC"]);
      expect(e.columns.map((c) => [c.index, c.role, c.label])).to.deep.equal([
        [0, "market", "market"],
        [2, "stablecoins", "USDC depeg"],
        [3, "spread", "ETH vs BTC"],
      ]);
      expect(e.scenarios).to.have.length(8);
      const same = { ...testRisk(), residualLoading: [0n, 400_000n, 500_000n] };
      expect(scenarioDesign(same, ["USDC", "ETH", "BTC"]).columns[1].label).to.equal("ETH+BTC residual");
    });

    it("should reject a scenario count that is not 2·2^m, naming the field", function () {
      expect(() => scenarioDesign({ ...testRisk(), scenarios: 6 }, ["USDC", "ETH", "BTC"]))
        .to.throw(RangeError)
        .with.property("message")
        .that.includes("risk.scenarios");
    });
  });

  describe("# formatting and parsing", function () {
    it("should parse USD amounts exactly and name the field of a bad one", function () {
      expect(parseUsd("1,234.56", "amount")).to.equal(123_456_000_000n);
      expect(parseUsd("$10000", "amount")).to.equal(1_000_000_000_000n);
      expect(parseUsd("0.00000001", "amount")).to.equal(1n);
      for (const bad of ["-1", "1.123456789", "1e6", ""]) {
        expect(() => parseUsd(bad, "amount"), bad).to.throw(ZkMarginInputError).with.property("field", "amount");
      }
    });

    it("should format durations, percentages and gas", function () {
      expect(formatDuration(26n * 3600n)).to.equal("1 d 2 h");
      expect(formatDuration(25n * 3600n + 59n * 60n)).to.equal("1 d 1 h");
      expect(formatDuration(3600n + 59n * 60n)).to.equal("1 h 59 min");
      expect(formatDuration(40n)).to.equal("40 s");
      expect(formatPercent(-0.1925)).to.equal("−19.3 %");
      expect(formatPercent(0.0001)).to.equal("0.0 %");
      expect(formatGas(331_245n)).to.equal("331,245 gas");
      expect(formatGas(331_245n, 2_000_000_000n)).to.equal("331,245 gas · 0.000662 ETH at 2.00 gwei");
    });
  });

  describe("# parseDeployment", function () {
    const good = { chainId: 31337, instance: "test", contracts: { MarginAttestor: "0x5FbDB2315678afecb367f032d93F642f64180aa3" }, rpcUrl: "/rpc" };
    it("should accept a deployment and checksum its address", function () {
      const d = parseDeployment({ ...good, contracts: { MarginAttestor: good.contracts.MarginAttestor.toLowerCase() } });
      expect(d.chainId).to.equal(31337n);
      expect(d.attestor).to.equal(good.contracts.MarginAttestor);
      expect(d.fromBlock).to.equal(0);
    });
    it("should name the bad field", function () {
      const cases: [unknown, string][] = [
        [{ ...good, chainId: 0 }, "deployment.chainId"],
        [{ ...good, contracts: { MarginAttestor: "0x5fbDB2315678afecb367f032d93F642f64180aa3" } }, "deployment.contracts.MarginAttestor"], // bad checksum
        [{ ...good, contracts: {} }, "deployment.contracts.MarginAttestor"],
        [{ ...good, instance: "../x" }, "deployment.instance"],
        [{ ...good, assets: [1] }, "deployment.assets"],
        [[], "deployment.chainId"],
      ];
      for (const [json, field] of cases) expect(() => parseDeployment(json), field).to.throw(ZkMarginInputError).with.property("field", field);
    });
  });

  describe("# the browser harness", function () {
    it("should fail with one line naming the install command when Chromium is missing, downloading nothing", async function () {
      const err = await launchBrowser("/nonexistent/chromium").then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(err, "launchBrowser must refuse").to.be.instanceOf(Error);
      expect(err?.message).to.include("apt-get install -y chromium").and.include("/nonexistent/chromium");
      expect(err?.stack, "one line: no stack trace").to.equal(err?.message);
      expect(err?.message).to.not.include("\n");
    });
  });

  describe("# the page's ABI fragments", function () {
    const sigs = (i: Interface) => {
      const out: string[] = [];
      // selector, output types and mutability (return names differ between an interface and its implementation)
      i.forEachFunction((f) => out.push(`${f.format("sighash")} ${f.stateMutability} returns (${f.outputs.map((o) => o.format("sighash")).join(",")})`));
      i.forEachEvent((e) => out.push(e.format("full")));
      return out;
    };
    for (const [name, artifact] of [
      ["registry", "IVenueRegistry"],
      ["oracle", "OracleHub"],
      ["riskParams", "IRiskParams"],
      ["attestor", "MarginAttestor"],
    ] as const) {
      it(`should match the compiled ${artifact}`, async function () {
        const compiled = sigs(new Interface((await hre.artifacts.readArtifact(artifact)).abi));
        const mine = sigs(new Interface(PAGE_ABIS[name]));
        for (const s of mine) expect(compiled, `${artifact} has ${s}`).to.include(s);
      });
    }
  });
});
