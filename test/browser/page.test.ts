/**
 * The trader page in a real browser: Debian's Chromium driven by playwright-core (nothing downloaded), the page as
 * Vite bundles it, the test instance's real keys (npm run build), a real in-process chain with the contracts deployed
 * through client/deploy.ts. Loads statements from files, proves in the Web Worker, checks the proof verifies in the
 * page and again in Node (prover/verifyProof.ts), submits it on-chain, and shows a bad statement's error.
 */
import { expect } from "chai";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { formatUsd } from "../../prover/errors.ts";
import { generateProof, instanceParams, releaseProver, type ZkMarginProof } from "../../prover/generateProof.ts";
import { marginReport } from "../../prover/report.ts";
import { parseStatement } from "../../prover/statement.ts";
import { VenueTree } from "../../prover/tree.ts";
import { accountLeaf, nullifierHash, ownerHash } from "../../prover/commitments.ts";
import { verifyProof } from "../../prover/verifyProof.ts";
import { artifactPaths } from "../../scripts/lib/instances.ts";
import { snark, type Groth16Proof, type VerificationKey } from "../../scripts/lib/snark.ts";
import { demoBook, type DemoBook } from "../../web/demoBook.ts";
import { startLocalChain, type LocalChain } from "../../web/localChain.ts";
import { startWebServer, type WebServer } from "../../web/server.ts";
import { launchBrowser, type BrowserSession } from "./harness.ts";

const INSTANCE = "test";

function requireBuilt(instance: string): void {
  const p = artifactPaths(instance);
  for (const f of [p.wasm, p.zkey, p.vkey]) {
    if (!existsSync(f)) throw new Error(`instance "${instance}" is not built (${f} missing): run \`npx tsx scripts/build.ts ${instance}\``);
  }
}

describe("trader page in Chromium (web/, playwright-core)", function () {
  this.timeout(300_000);
  let browser: BrowserSession;
  let server: WebServer;
  let chain: LocalChain;
  let book: DemoBook;
  let dir: string;
  let files: { statements: string[]; market: string; risk: string };
  const timings: Record<string, number> = {};

  before(async function () {
    requireBuilt(INSTANCE);
    browser = await launchBrowser(); // fails with the apt-get line if /usr/bin/chromium is missing
    book = demoBook(instanceParams(INSTANCE));
    chain = await startLocalChain(INSTANCE, book);
    dir = mkdtempSync(path.join(tmpdir(), "zkmargin-web-"));
    const t0 = Date.now();
    server = await startWebServer({ port: 0, chain: chain.bridge, outDir: path.join(dir, "bundle") });
    timings.bundleAndServeMs = Date.now() - t0;
    const write = (f: { name: string; text: string }) => {
      const p = path.join(dir, f.name);
      writeFileSync(p, f.text);
      return p;
    };
    files = { statements: book.files.statements.map(write), market: write(book.files.market), risk: write(book.files.risk) };
  });

  after(async function () {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    await releaseProver();
    if (Object.keys(timings).length > 0) console.log(`      timings: ${JSON.stringify(timings)}`);
  });

  async function openPage(): Promise<void> {
    await browser.page.goto(server.url);
    await browser.page.waitForSelector("body[data-ready=true]", { timeout: 30_000 });
  }

  async function loadBook(statementPaths: string[]): Promise<void> {
    const { page } = browser;
    await page.setInputFiles("#statements-file", statementPaths);
    await page.setInputFiles("#market-file", files.market);
    await page.setInputFiles("#risk-file", files.risk);
    await page.fill("#secret", book.files.traderSecret);
    await page.fill("#min-excess", book.files.minExcess);
    await page.waitForFunction((n) => document.querySelectorAll("#statements-list li").length === n, statementPaths.length);
  }

  it("should prove the leaf instance with snarkjs's browser bundle in the Web Worker", async function () {
    requireBuilt("leaf");
    await openPage();
    const secret = 123n;
    const salt = 456n;
    const venueId = 7n;
    const tree = new VenueTree(4, [11n]);
    const index = tree.insert(accountLeaf(ownerHash(secret, salt), 789n, venueId));
    const p = tree.path(index);
    const input = {
      root: p.root.toString(),
      venueId: venueId.toString(),
      traderSecret: secret.toString(),
      salt: salt.toString(),
      holdingsCommitment: "789",
      index: String(index),
      siblings: p.siblings.map(String),
    };
    type Hooks = { zkmargin: { proveRaw(instance: string, input: Record<string, unknown>): Promise<unknown> } };
    const out = (await browser.page.evaluate((inp) => (window as unknown as Hooks).zkmargin.proveRaw("leaf", inp), input)) as {
      result: { proof: Groth16Proof; publicSignals: string[] };
      verified: boolean;
    };
    expect(out.verified, "verified in the worker").to.equal(true);
    expect(out.result.publicSignals).to.deep.equal([p.root.toString(), "7"]);
    const vkey = JSON.parse(readFileSync(artifactPaths("leaf").vkey, "utf8")) as VerificationKey;
    expect(await snark.groth16.verify(vkey, out.result.publicSignals, out.result.proof)).to.equal(true);
    // the same proof for another root must not verify
    expect(await snark.groth16.verify(vkey, [(p.root + 1n).toString(), "7"], out.result.proof)).to.equal(false);
  });

  it("should load statements, report, prove in the worker with progress, verify in page and Node, and attest on-chain", async function () {
    const { page } = browser;
    await openPage();
    expect(await page.inputValue("#subject"), "subject filled from the chain's signer").to.equal(chain.trader);
    await loadBook(files.statements);
    await page.click("#check-btn");
    await page.waitForSelector("#report:not([hidden])");
    expect(await page.isHidden("#error")).to.equal(true);

    // The report shows the SDK's numbers: isolated vs per-venue cross vs portfolio.
    const tableText = await page.textContent("#report-table");
    const expected = marginReport(
      book.files.statements.map((f) => parseStatement(f.text)),
      book.market,
      book.risk,
    );
    for (const col of [expected.isolated, expected.cross, expected.portfolio]) {
      expect(tableText).to.include(formatUsd(col.requirement));
    }
    expect(expected.portfolio.requirement < expected.isolated.requirement, "the hedge frees collateral").to.equal(true);
    const K = instanceParams(INSTANCE).K;
    expect(await page.locator("#chart svg rect.bar").count(), "one bar per scenario").to.equal(K);

    // Prove. The page logs every progress report from the worker with the main-thread heartbeat at that moment.
    const t0 = Date.now();
    await page.click("#prove-btn");
    await page
      .waitForSelector("#verify-status[data-verified]", { timeout: 240_000 })
      .catch(async (e: unknown) => {
        throw new Error(`proving did not finish: ${String(e)}\n${await page.textContent("#error")}\n${browser.log.join("\n")}`);
      });
    timings.browserProveMs = Number(await page.getAttribute("#verify-status", "data-prove-ms"));
    timings.browserClickToVerifiedMs = Date.now() - t0;
    expect(await page.getAttribute("#verify-status", "data-verified"), (await page.textContent("#error")) ?? undefined).to.equal("true");
    type Entry = { stage: string; fraction: number; beat: number; ms: number };
    const log = await page.evaluate(() => (window as unknown as { zkmargin: { progressLog(): Entry[] } }).zkmargin.progressLog());
    const fractions = log.map((e) => e.fraction);
    expect(fractions.every((v, i) => i === 0 || v >= fractions[i - 1]), `progress is monotone: ${fractions}`).to.equal(true);
    expect(fractions[fractions.length - 1]).to.equal(1);
    expect(await page.getAttribute("#progress", "value")).to.equal("1");
    expect(new Set(fractions.filter((v) => v > 0 && v < 1)).size, `intermediate progress values: ${fractions}`).to.be.at.least(5);
    expect(log.map((e) => e.stage).join(" | ")).to.match(/witness/);
    // Responsiveness: the main thread's 100 ms heartbeat kept ticking while the worker proved (a blocked page
    // would show no beats at all over the proving time).
    const last = log[log.length - 1];
    const expectedBeats = last.ms / 100;
    expect(last.beat - log[0].beat, `heartbeat over ${Math.round(last.ms)} ms`).to.be.at.least(Math.floor(expectedBeats * 0.3));
    expect(expectedBeats, "proving took long enough for the heartbeat check to mean something").to.be.at.least(10);

    // The proof verifies again in Node, with the CLI's verifyProof, for the intended public inputs.
    const proofJson = await page.inputValue("#proof-json");
    const proof = JSON.parse(proofJson) as ZkMarginProof;
    expect(await verifyProof(proof)).to.equal(true);
    expect(BigInt(proof.publicInputs.subject)).to.equal(BigInt(chain.trader));
    expect(BigInt(proof.publicInputs.minExcess)).to.equal(10_000n * 100_000_000n);
    // the book's venues, then "0" for each unused venue slot of the instance
    const unused = Array<string>(instanceParams(INSTANCE).V - book.venues.length).fill("0");
    expect(proof.publicInputs.venueRoots.map(String)).to.deep.equal([...book.venues.map((v) => v.root.toString()), ...unused]);
    const tampered = { ...proof, publicInputs: { ...proof.publicInputs, minExcess: String(BigInt(proof.publicInputs.minExcess) + 1n) } };
    expect(await verifyProof(tampered)).to.equal(false);

    // Submit on-chain from the page; read the attestation back in Node.
    await page.click("#submit-btn");
    await page.waitForSelector("#submit-status.ok, #submit-status.bad", { timeout: 60_000 });
    expect(await page.getAttribute("#submit-status", "class"), (await page.textContent("#submit-status")) ?? undefined).to.equal("ok");
    const attestor = chain.deployment.attestor;
    expect(await attestor.isSolvent(chain.trader, 10_000n * 100_000_000n)).to.equal(true);
    expect(await attestor.isSolvent(chain.trader, 10_000n * 100_000_000n + 1n)).to.equal(false);

    // The same request proved in Node, for the timing comparison.
    const n0 = Date.now();
    const nodeProof = await generateProof(
      {
        statements: book.files.statements.map((f) => f.text),
        traderSecret: book.traderSecret,
        market: book.market,
        risk: book.risk,
        epoch: book.epoch,
        subject: BigInt(chain.trader),
        minExcess: 10_000n * 100_000_000n,
      },
      { instance: INSTANCE },
    );
    timings.nodeProveMs = Date.now() - n0;
    expect(nodeProof.publicSignals).to.deep.equal(proof.publicSignals);
  });

  it("should show a tampered statement's error on the page, naming the field, before any proving", async function () {
    const { page } = browser;
    await openPage();
    const s = JSON.parse(book.files.statements[1].text) as { holdings: { size: string }[] };
    s.holdings[0].size = (BigInt(s.holdings[0].size) * 10n).toString(); // inflate collateral: the leaf no longer matches
    const bad = path.join(dir, "tampered.json");
    writeFileSync(bad, JSON.stringify(s));
    await loadBook([files.statements[0], bad]);
    await page.click("#check-btn");
    await page.waitForSelector("#error:not([hidden])");
    expect(await page.getAttribute("#error", "data-field")).to.equal("statements[1].holdings");
    const text = await page.textContent("#error");
    expect(text).to.include("statements[1].holdings");
    expect(text).to.include("tampered.json");
    expect(text).to.match(/tampered statement/);
    expect(await page.isHidden("#prove"), "no proving offered for a bad book").to.equal(true);
  });

  it("should sign with an injected wallet (window.ethereum): refuse a book already backing another subject, attest a fresh one", async function () {
    // An EIP-1193 provider injected before the page loads, as a wallet extension would be; it signs as Hardhat
    // account 5 (unlocked on the local chain) and forwards everything else to the chain's JSON-RPC.
    const attestor = chain.deployment.attestor;
    const salt0 = BigInt((JSON.parse(book.files.statements[0].text) as { salt: string }).salt);
    const spentBy = await attestor.nullifierSpentBy(book.epoch, nullifierHash(book.traderSecret, salt0, book.epoch));
    expect(spentBy, "precondition: the attestation test above used the main book for the local account").to.equal(chain.trader);
    const wallet = chain.accounts[5];
    const page = await browser.context.newPage();
    page.on("pageerror", (e) => browser.log.push(`[pageerror] ${e.message}`));
    try {
      await page.addInitScript((account: string) => {
        (window as unknown as { ethereum: unknown }).ethereum = {
          async request({ method, params }: { method: string; params?: unknown[] }) {
            if (method === "eth_requestAccounts" || method === "eth_accounts") return [account];
            const res = await fetch("/rpc", {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: params ?? [] }),
            });
            const out = (await res.json()) as { result?: unknown; error?: { message: string; code: number; data?: unknown } };
            if (out.error) throw Object.assign(new Error(out.error.message), out.error);
            return out.result;
          },
        };
      }, wallet);
      await page.goto(server.url);
      await page.waitForSelector("body[data-ready=true]", { timeout: 30_000 });
      expect((await page.inputValue("#subject")).toLowerCase(), "subject from the injected wallet").to.equal(wallet.toLowerCase());
      expect(await page.textContent("#chain-info")).to.include("injected wallet");

      // (1) The main book's accounts already back chain.trader this epoch: refused before any proving.
      const load = async (statements: string[], secret: string, minExcessUsd: string) => {
        await page.setInputFiles("#statements-file", statements);
        await page.setInputFiles("#market-file", files.market);
        await page.setInputFiles("#risk-file", files.risk);
        await page.fill("#secret", secret);
        await page.fill("#min-excess", minExcessUsd);
        await page.click("#check-btn");
        await page.waitForSelector("#report:not([hidden]), #error:not([hidden])");
      };
      await load(files.statements, book.files.traderSecret, "10000");
      expect(await page.getAttribute("#error", "data-field")).to.match(/^statements\[[01]\]$/);
      expect(await page.textContent("#error")).to.include(`already backs ${chain.trader}`);
      expect(await page.isHidden("#prove"), "no proving offered").to.equal(true);

      // (2) The second trader's book (same venues, same posted roots): proved and attested through the wallet.
      const second = book.second.statements.map((f) => {
        const p = path.join(dir, f.name);
        writeFileSync(p, f.text);
        return p;
      });
      await load(second, `0x${book.second.traderSecret.toString(16)}`, "1000");
      expect(await page.isHidden("#error"), (await page.textContent("#error")) ?? undefined).to.equal(true);
      await page.click("#prove-btn");
      await page.waitForSelector("#verify-status[data-verified]", { timeout: 240_000 });
      expect(await page.getAttribute("#verify-status", "data-verified")).to.equal("true");
      timings.browserProveMs2 = Number(await page.getAttribute("#verify-status", "data-prove-ms"));
      await page.click("#submit-btn");
      await page.waitForSelector("#submit-status.ok, #submit-status.bad", { timeout: 60_000 });
      expect(await page.getAttribute("#submit-status", "class"), (await page.textContent("#submit-status")) ?? undefined).to.equal("ok");
      expect(await attestor.isSolvent(wallet, 1_000n * 100_000_000n)).to.equal(true);
      const proof = JSON.parse(await page.inputValue("#proof-json")) as ZkMarginProof;
      expect(BigInt(proof.publicInputs.subject)).to.equal(BigInt(wallet));
    } finally {
      await page.close();
    }
  });

  it("should name a malformed field (size not an integer) on the page", async function () {
    const { page } = browser;
    await openPage();
    const s = JSON.parse(book.files.statements[0].text) as { holdings: { size: string }[] };
    s.holdings[1].size = "12.5";
    const bad = path.join(dir, "malformed.json");
    writeFileSync(bad, JSON.stringify(s));
    await loadBook([bad, files.statements[1]]);
    await page.click("#check-btn");
    await page.waitForSelector("#error:not([hidden])");
    expect(await page.getAttribute("#error", "data-field")).to.equal("statements[0].holdings[1].size");
  });
});
