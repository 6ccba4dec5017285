/**
 * The trader page's pure parts, in Node: the scenario namer (web/src/scenarios.ts) against the factor structure of
 * data/risk/*.json (prover/risk/calibrate.ts's column assignment) and prover/model.ts scenarioTable; the page's
 * formatting; its deployment parser; the human-readable ABIs of web/src/chain.ts against the compiled interfaces; and
 * its statement-service client (web/src/statementService.ts) against the real service (client/venue/service.ts) on
 * loopback, its posted roots on a real `hardhat node`.
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
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { Wallet } from "ethers";
import type { FastifyInstance } from "fastify";
import { buildEpoch } from "../../client/venue/build.ts";
import { connectRegistry, postEpochRoot, postedRoot, type RegistryConnection } from "../../client/venue/chain.ts";
import { addAccounts, stageHoldings } from "../../client/venue/importer.ts";
import { buildService, STATEMENT_REQUEST_DOMAIN as SERVICE_DOMAIN, STATEMENT_REQUEST_TYPES as SERVICE_TYPES } from "../../client/venue/service.ts";
import { VenueStore } from "../../client/venue/store.ts";
import { parseStatement } from "../../prover/statement.ts";
import { checkStatementIntegrity } from "../../prover/validate.ts";
import { syntheticAccounts, syntheticHoldings } from "../../scripts/lib/venueData.ts";
import { fetchServiceStatement, parseServiceUrl, STATEMENT_REQUEST_DOMAIN, STATEMENT_REQUEST_TYPES } from "../../web/src/statementService.ts";
import { DEV_KEYS, deploySystem, freePort, type HardhatNode, startHardhatNode } from "../venue/helpers.ts";

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

  describe("# fetching a statement from the venue's service", function () {
    this.timeout(300_000);
    const VENUE = 9n;
    const holder = Wallet.createRandom();
    const stranger = Wallet.createRandom();
    let node: HardhatNode;
    let dir: string;
    let store: VenueStore;
    let operator: RegistryConnection;
    let reader: RegistryConnection;
    let app: FastifyInstance;
    let url: string;

    before(async function () {
      dir = mkdtempSync(path.join(tmpdir(), "zkm-page-svc-"));
      node = await startHardhatNode();
      const sys = await deploySystem(node.rpc, VENUE, false);
      await sys.snapshot(1n);
      operator = await connectRegistry(node.rpc, sys.registry, DEV_KEYS[1]);
      reader = await connectRegistry(node.rpc, sys.registry);
      store = VenueStore.create(path.join(dir, "v.db"), { venueId: VENUE, N: 3, A: 3, D: 4, instance: "custom" });
      const accounts = syntheticAccounts(8, 31, stranger.address.toLowerCase(), new Map([[2, holder.address.toLowerCase()]]));
      addAccounts(store, accounts);
      stageHoldings(store, 1, syntheticHoldings(accounts.map((a) => a.id), 32, 3, 3));
      buildEpoch(store, 1);
      await postEpochRoot(store, operator, 1);
      app = await buildService({ store, registry: reader, corsOrigins: ["http://127.0.0.1:5173"] });
      url = await app.listen({ host: "127.0.0.1", port: 0 });
    });

    after(async function () {
      await app?.close();
      store?.close();
      operator?.provider.destroy();
      reader?.provider.destroy();
      await node?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it("should sign with the service's own EIP-712 domain and types", function () {
      expect(STATEMENT_REQUEST_DOMAIN).to.deep.equal(SERVICE_DOMAIN);
      expect(STATEMENT_REQUEST_TYPES).to.deep.equal(SERVICE_TYPES);
    });

    it("should fetch the account's statement signed by its registered key, proving against the posted root", async function () {
      const got = await fetchServiceStatement(`${url}/`, holder, "a-2", 1n);
      expect(got.venueId).to.equal(VENUE.toString());
      expect(got.name).to.include("account a-2").and.include("epoch 1");
      const st = parseStatement(got.text);
      checkStatementIntegrity(st, "statement");
      expect(st.venueId).to.equal(VENUE);
      expect(st.leafIndex).to.equal(2);
      expect(st.root).to.equal(await postedRoot(reader, VENUE, 1));
    });

    const refused = (p: Promise<unknown>) => p.then(() => expect.fail("fetched"), (e: unknown) => e as ZkMarginInputError);

    it("should give one error naming the service's refusal: another key, an epoch not served", async function () {
      const wrongKey = await refused(fetchServiceStatement(url, stranger, "a-2", 1n));
      expect(wrongKey).to.be.instanceOf(ZkMarginInputError);
      expect(wrongKey.message).to.match(/^statement service: http:\/\/127\.0\.0\.1:\d+\/v1\/statement answered HTTP 403 not_authorised: /);
      expect((await refused(fetchServiceStatement(url, holder, "a-2", 2n))).message).to.match(/HTTP 404 unknown_epoch/);
    });

    it("should refuse a bad URL or account before sending anything, and say when the service cannot be reached", async function () {
      for (const bad of ["statements.venue.example", "ftp://venue.example", "https://venue.example/?a=1"]) {
        expect(() => parseServiceUrl(bad), bad).to.throw(ZkMarginInputError).with.property("field", "statement service");
      }
      expect(parseServiceUrl("https://venue.example/statements/")).to.equal("https://venue.example/statements");
      const err = await refused(fetchServiceStatement(url, holder, "  ", 1n));
      expect(err).to.be.instanceOf(ZkMarginInputError).with.property("field", "account");
      const closed = `http://127.0.0.1:${await freePort()}`;
      const down = await refused(fetchServiceStatement(closed, holder, "a-2", 1n));
      expect(down).to.be.instanceOf(ZkMarginInputError);
      expect(down.message).to.include(`could not reach ${closed}/v1/health`).and.include("--cors");
    });
  });
});
