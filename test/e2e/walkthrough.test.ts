/**
 * The README's walk-through, every step a separate `npx zkmargin` process (the way users call it: npx runs the bin
 * through a symlink) against a real `npx hardhat node` on a free loopback port: governance deploys the suite and
 * sets the risk params through the timelock, the oracle keeper configures feeds and snapshots epochs, two venue
 * operators register, build and post roots and serve statements over HTTP, the trader makes keys, fetches the
 * epoch's context, proves against the chain and attests, allocates to a lender, renews across the next snapshot
 * without a gap, and the lender releases; then a relayer lands the trader's signed request (and cannot replay it),
 * the trader allocates again, the test moves the node's clock (evm_increaseTime + evm_mine) past the lapse and the
 * grace period, `status` shows Grace then Ended with nothing available and the lien void, and the trader reclaims.
 * Bad input on the way is refused with its exit code before any proving or transaction. Every printed result that
 * the chain holds is compared with the chain, read from the test (eth_call with the compiled ABI). Prints the timings (deploy, post roots, snapshot, prove, attest, status) and the gas of every
 * transaction. Needs the test instance's keys (built here if missing) and the compiled contracts.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { type InterfaceAbi, Interface, Wallet } from "ethers";
import { ExitCode } from "../../prover/errors.ts";
import { buildInstance } from "../../scripts/lib/pipeline.ts";
import { DEV_KEYS, type HardhatNode, ROOT, startHardhatNode } from "../venue/helpers.ts";

/** hardhat node's dev accounts #0 governance (deployer, oracle owner), #1 venue operator, #2 trader, #3 lender */
const [GOV, OPERATOR, TRADER] = DEV_KEYS;
const LENDER_KEY = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";
const OPERATOR_ADDR = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const TRADER_ADDR = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const LENDER = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
/** dev account #4: a relayer, neither the subject nor the lender */
const RELAYER_KEY = "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a";
const RELAYER = new Wallet(RELAYER_KEY).address;
const E8 = 100_000_000n;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

describe("# e2e: every actor as a separate `npx zkmargin` process against `hardhat node`", function () {
  this.timeout(1_800_000);
  let node: HardhatNode;
  let dir: string;
  const daemons: ChildProcess[] = [];
  const timings: Record<string, number[]> = {};
  const gas: [string, bigint][] = [];
  let env: NodeJS.ProcessEnv;

  /** `npx zkmargin …` from the repository, signing as `key` (ZKMARGIN_PRIVATE_KEY) when given. */
  function z(args: readonly string[], key?: string, extraEnv: NodeJS.ProcessEnv = {}): Result {
    const e: NodeJS.ProcessEnv = { ...env, ...extraEnv };
    if (key) e.ZKMARGIN_PRIVATE_KEY = key;
    const t0 = performance.now();
    const res = spawnSync("npx", ["--no-install", "zkmargin", ...args], { cwd: ROOT, encoding: "utf8", env: e, timeout: 900_000, maxBuffer: 64 * 1024 * 1024 });
    return { code: res.status, stdout: res.stdout, stderr: res.stderr, ms: performance.now() - t0 };
  }
  /** Run, expect exit 0, record the time under `timing` (if given), parse the --json line when asked. */
  function ok(args: readonly string[], key?: string, timing?: string): Result {
    const r = z(args, key);
    expect(r.code, `zkmargin ${args.join(" ")}\n${r.stderr}`).to.equal(ExitCode.Ok);
    if (timing) (timings[timing] ??= []).push(r.ms);
    return r;
  }
  const json = <T>(r: Result): T => JSON.parse(r.stdout.trim().split("\n").at(-1)!) as T;
  const file = (name: string) => path.join(dir, name);
  async function receiptGas(tx: string): Promise<bigint> {
    const ask = () => fetch(node.rpc, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_getTransactionReceipt", params: [tx] }) });
    // the zkmargin processes run with spawnSync, which blocks this event loop for seconds: the node may close the
    // idle keep-alive socket meanwhile and fetch only finds out on reuse ("other side closed"); the read is
    // idempotent, so ask once more on a fresh connection
    const res = await ask().catch(ask);
    return BigInt(((await res.json()) as { result: { gasUsed: string } }).result.gasUsed);
  }

  /**
   * One JSON-RPC call on a fresh connection (no keep-alive socket the node may have closed while spawnSync blocked
   * this event loop), so that no call is ever retried: evm_increaseTime is not idempotent.
   */
  function rpc<T>(method: string, params: unknown[] = []): Promise<T> {
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method, params });
    return new Promise<T>((resolve, reject) => {
      const req = httpRequest(node.rpc, { method: "POST", agent: false, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (text += d));
        res.on("end", () => {
          const r = JSON.parse(text) as { result?: T; error?: { message: string } };
          if (r.error) reject(new Error(`${method}: ${r.error.message}`));
          else resolve(r.result as T);
        });
      });
      req.on("error", reject);
      req.end(body);
    });
  }
  /** A view of MarginAttestor, read from the chain with the compiled ABI (not the client's). */
  const attestorAbi = new Interface((JSON.parse(readFileSync(path.join(ROOT, "artifacts/verifier-contracts/MarginAttestor.sol/MarginAttestor.json"), "utf8")) as { abi: InterfaceAbi }).abi);
  async function attestorView(name: string, args: unknown[]) {
    const to = (JSON.parse(readFileSync(file("deployment.json"), "utf8")) as { contracts: { MarginAttestor: string } }).contracts.MarginAttestor;
    const data = await rpc<string>("eth_call", [{ to, data: attestorAbi.encodeFunctionData(name, args) }, "latest"]);
    return attestorAbi.decodeFunctionResult(name, data)[0] as unknown;
  }
  const statusOf = async () => {
    const s = (await attestorView("statusOf", [TRADER_ADDR])) as { state: bigint; epoch: bigint; minExcess: bigint; allocated: bigint; available: bigint; lapsesAt: bigint; graceEndsAt: bigint };
    return { state: s.state, epoch: s.epoch, minExcess: s.minExcess, allocated: s.allocated, available: s.available, lapsesAt: s.lapsesAt, graceEndsAt: s.graceEndsAt };
  };
  const lienOf = async () => {
    const l = (await attestorView("lienOf", [TRADER_ADDR, LENDER])) as { amount: bigint; until: bigint; state: bigint };
    return { amount: l.amount, until: l.until, state: l.state };
  };
  const nonceOf = async (who: string) => BigInt(await rpc<string>("eth_getTransactionCount", [who, "latest"]));
  const latestTime = async () => BigInt((await rpc<{ timestamp: string }>("eth_getBlockByNumber", ["latest", false])).timestamp);
  /** The test harness moves the node's clock (the product never does): the next block is mined `to` or later. */
  async function travelTo(to: bigint): Promise<void> {
    const now = await latestTime();
    if (to > now) await rpc("evm_increaseTime", [Number(to - now)]);
    await rpc("evm_mine");
    expect(await latestTime()).to.be.at.least(to);
  }

  /** A long-running `npx zkmargin …` (venue serve) in its own process group; resolves with its first stdout line. */
  async function daemon(args: readonly string[]): Promise<string> {
    const proc = spawn("npx", ["--no-install", "zkmargin", ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    daemons.push(proc);
    let err = "";
    proc.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    return new Promise<string>((resolve, reject) => {
      let out = "";
      proc.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("\n")) resolve(out.slice(0, out.indexOf("\n")));
      });
      proc.once("exit", (code) => reject(new Error(`zkmargin ${args.join(" ")} exited ${code}: ${err}`)));
    });
  }

  before(async function () {
    await buildInstance("test", { log: () => undefined });
    const hre = (await import("hardhat")).default;
    await hre.tasks.getTask("build").run({ quiet: true, noTests: true });
    dir = mkdtempSync(path.join(tmpdir(), "zkmargin-e2e-"));
    node = await startHardhatNode();
    env = { ...process.env, ZKMARGIN_RPC: node.rpc, ZKMARGIN_DEPLOYMENT: path.join(dir, "deployment.json") };
    for (const k of ["ZKMARGIN_PRIVATE_KEY", "ZKMARGIN_KEYSTORE", "ZKMARGIN_KEYSTORE_PASSWORD", "ZKMARGIN_ARTIFACTS", "ZKMARGIN_CONTRACTS"]) delete env[k];
  });

  after(async () => {
    for (const d of daemons) {
      try {
        if (d.exitCode === null && d.pid) process.kill(-d.pid, "SIGTERM"); // npx → npm → node: the whole group
      } catch {
        /* already gone */
      }
    }
    await node?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    const avg = (xs: number[] = []) => (xs.length ? `${(xs.reduce((a, b) => a + b, 0) / xs.length / 1000).toFixed(1)} s` : "—");
    console.log("\n      e2e timings (wall clock of one `npx zkmargin` process, average):");
    for (const [k, v] of Object.entries(timings)) console.log(`        ${k.padEnd(26)} ${avg(v)} (${v.length}×)`);
    console.log("      gas per transaction:");
    for (const [what, g] of gas) console.log(`        ${what.padEnd(44)} ${g.toLocaleString("en-US")}`);
  });

  it("should print the command list and exit 0 through npx", () => {
    const r = ok(["--help"]);
    for (const cmd of ["keys", "fetch", "prove", "verify", "attest", "status", "allocate", "release", "deploy", "venue", "oracle", "risk", "audit"]) expect(r.stdout).to.match(new RegExp(`^  ${cmd} `, "m"));
    expect(r.stdout).to.match(/Exit codes:/);
  });

  it("should run one full epoch and a renewal across a snapshot, every actor its own process", async () => {
    // governance: the whole suite (mock feeds: a development chain), risk params through the timelock (delay 0 here)
    const dep = json<{ chainId: string; insecureKeys: boolean; gas: { what: string; gasUsed: string }[]; totalGas: string }>(
      ok(["deploy", "-o", file("deployment.json"), "--mock-feeds", "3", "--risk-delay", "0", "--json"], GOV, "deploy"),
    );
    expect(dep.chainId).to.equal("31337");
    expect(dep.insecureKeys).to.equal(true);
    gas.push(["deploy (whole suite, total)", BigInt(dep.totalGas)]);

    // the auditor: the deployed verifiers and attestor are the code compiled from the local keys; the verdict says INSECURE
    const audit = ok(["audit", "--chain-only"]);
    expect(audit.stdout).to.match(/^deployment audit passed .* INSECURE/m);
    const swapped = JSON.parse(readFileSync(file("deployment.json"), "utf8")) as { contracts: Record<string, string> };
    swapped.contracts.Groth16Verifier = swapped.contracts.RiskParams;
    writeFileSync(file("deployment-swapped.json"), JSON.stringify(swapped));
    const failed = z(["audit", "--chain-only", "--deployment", file("deployment-swapped.json")]);
    expect(failed.code, failed.stderr).to.equal(ExitCode.Rejected);
    expect(failed.stdout).to.match(/FAIL Groth16Verifier code: .* differs/);
    const risk = path.join(ROOT, "data", "risk", "test.json");
    gas.push(["risk set (schedule)", BigInt(json<{ gasUsed: string }>(ok(["risk", "set", "--params", risk, "--json"], GOV)).gasUsed)]);
    gas.push(["risk set --execute", BigInt(json<{ gasUsed: string }>(ok(["risk", "set", "--params", risk, "--execute", "--json"], GOV)).gasUsed)]);

    // the oracle keeper: three feeds per asset with scan and vol floors, prices USDC $1, ETH $3,000, BTC $60,000
    const floors = [
      ["10000", "0"],
      ["120000", "20000"],
      ["100000", "20000"],
    ];
    for (const [a, [scan, vol]] of floors.entries()) {
      const f = json<{ gasUsed: string }>(ok(["oracle", "add-feed", "--asset", String(a), "--mock", "--scan-floor", scan, "--vol-floor", vol, "--json"], GOV));
      if (a === 0) gas.push(["oracle add-feed (3 feeds)", BigInt(f.gasUsed)]);
    }
    for (const [a, usd] of ["1", "3000", "60000"].entries()) ok(["oracle", "mock-price", "--asset", String(a), "--price", usd, "--json"], GOV);

    // governance registers the two venues with their operator's key
    for (const v of ["1", "2"]) gas.push([`venue register ${v}`, BigInt(json<{ gasUsed: string }>(ok(["venue", "register", "--venue-id", v, "--operator", OPERATOR_ADDR, "--json"], GOV)).gasUsed)]);

    // the trader: a secret and one salt per venue; each venue gets only its own owner and salt
    ok(["keys", "new", "--venues", "1", "2", "-o", file("trader.json")]);
    expect(z(["keys", "new", "--venues", "1", "-o", file("trader.json")]).code, "a trader secret is never overwritten").to.equal(ExitCode.BadInput);
    const handouts = json<{ accounts: { venueId: string; owner: string; salt: string }[] }>(ok(["keys", "show", file("trader.json"), "--json"])).accounts;
    expect(handouts.map((h) => h.venueId)).to.deep.equal(["1", "2"]);

    // the venue operators: a store each, the trader's account (and a second one), epoch 1's holdings
    const books: Record<string, string[][]> = {
      "1": [
        ["0", "0", (250_000n * E8).toString(), "0"], // USDC 250,000
        ["1", "1", (200n * E8).toString(), (2950n * E8).toString()], // ETH perp long 200 @ 2,950
      ],
      "2": [
        ["0", "0", (150_000n * E8).toString(), "0"], // USDC 150,000
        ["1", "1", (-200n * E8).toString(), (3020n * E8).toString()], // ETH perp short 200 @ 3,020
      ],
    };
    for (const h of handouts) {
      const v = h.venueId;
      writeFileSync(file(`accounts-${v}.csv`), `account,owner,salt,signer\ntrader,${h.owner},${h.salt},${TRADER_ADDR}\nother,${h.owner.slice(0, -1)}7,${h.salt},${LENDER}\n`);
      writeFileSync(file(`holdings-${v}.csv`), `account,asset,kind,size,entryPrice,mark,delta,gamma,vega\n${books[v].map((r) => `trader,${r.join(",")},0,0,0,0`).join("\n")}\nother,0,0,${1000n * E8},0,0,0,0,0\n`);
      ok(["venue", "init", "--db", file(`venue-${v}.db`), "--venue-id", v, "--instance", "test"]);
      ok(["venue", "import", "--db", file(`venue-${v}.db`), "--accounts", file(`accounts-${v}.csv`)]);
    }

    const epoch = async (e: string) => {
      // the oracle keeper snapshots the epoch; then each venue builds and posts its root; the trader fetches statements
      const snap = json<{ gasUsed: string; epoch: string }>(ok(["oracle", "snapshot", "-e", e, "--json"], GOV, "oracle snapshot"));
      expect(snap.epoch).to.equal(e);
      gas.push([`oracle snapshot (epoch ${e})`, BigInt(snap.gasUsed)]);
      for (const v of ["1", "2"]) {
        ok(["venue", "import", "--db", file(`venue-${v}.db`), "--holdings", file(`holdings-${v}.csv`), "--epoch", e, "-q"]);
        const posted = json<{ epoch: number; status: string; txHash: string }>(ok(["venue", "build-epoch", "--db", file(`venue-${v}.db`), "--epoch", e, "-q"], OPERATOR, "venue build-epoch + post"));
        expect(posted).to.include({ epoch: Number(e), status: "posted" });
        gas.push([`venue post-root (venue ${v}, epoch ${e})`, await receiptGas(posted.txHash)]);
      }
    };
    await epoch("1");
    const urls: Record<string, string> = {};
    for (const v of ["1", "2"]) urls[v] = (JSON.parse(await daemon(["venue", "serve", "--db", file(`venue-${v}.db`), "--port", "0"])) as { listening: string }).listening;
    const statements = (e: string) =>
      ["1", "2"].map((v) => {
        ok(["statements", "fetch", "--venue", urls[v], "--account", "trader", "--epoch", e, "-o", file(`statement-${v}-${e}.json`)], TRADER);
        return file(`statement-${v}-${e}.json`);
      });
    const st1 = statements("1");
    // someone else's key gets no statement
    expect(z(["statements", "fetch", "--venue", urls["1"], "--account", "trader", "--epoch", "1"], LENDER_KEY).stderr).to.match(/HTTP 403/);

    // the trader reads the epoch's context from the chain: the roots its statements reach, snapshot, risk params, domain
    ok(["fetch", "-e", "1", "-s", ...st1, "-o", file("context-1.json")]);
    const ctx = JSON.parse(readFileSync(file("context-1.json"), "utf8")) as { epoch: string; chainId: string; market: { price: string[] } };
    expect(ctx.epoch).to.equal("1");
    expect(ctx.market.price).to.deep.equal([E8, 3000n * E8, 60000n * E8].map(String));

    // bad input, each refused before any proving (no "witness" progress) with its exit code
    const prove = (e: string, sts: string[], out: string, ...more: string[]) => ["prove", "-s", ...sts, "--secret", file("trader.json"), "--min-excess", "250000", "--rpc", node.rpc, "-o", out, ...more];
    const notProved = (r: Result, code: number, message: RegExp) => {
      expect(r.code, r.stderr).to.equal(code);
      expect(r.stderr).to.match(message);
      expect(r.stderr).to.not.match(/witness/);
    };
    notProved(z(prove("1", st1, file("p.json"), "--subject", LENDER), TRADER), ExitCode.BadInput, /subject/);
    notProved(z(prove("1", st1, path.join(dir, "no-such-folder", "p.json")), TRADER), ExitCode.BadInput, /^error: out: cannot write .*does not exist/m);
    const forgedCtx = JSON.parse(readFileSync(file("context-1.json"), "utf8")) as { market: { price: string[] } };
    forgedCtx.market.price[1] = (3100n * E8).toString();
    writeFileSync(file("context-forged.json"), JSON.stringify(forgedCtx));
    notProved(z(prove("1", st1, file("p.json"), "--context", file("context-forged.json")), TRADER), ExitCode.BadInput, /market/);
    writeFileSync(file("statement-bom.json"), `\ufeff${readFileSync(st1[0], "utf8")}`);
    notProved(z(prove("1", [file("statement-bom.json"), st1[1]], file("p.json")), TRADER), ExitCode.BadInput, /byte-order mark/);

    // prove against the chain, verify, attest
    const proof1 = file("proof-1.json");
    const p1 = ok(prove("1", st1, proof1, "--context", file("context-1.json")), TRADER, "prove");
    expect(p1.stderr).to.match(/prove: proof generated/);
    expect(ok(["verify", proof1, "--rpc", node.rpc]).stdout).to.match(/^valid/);
    const tampered = JSON.parse(readFileSync(proof1, "utf8")) as { publicSignals: string[]; publicInputs: { minExcess: string } };
    tampered.publicInputs.minExcess = (900_000n * E8).toString();
    tampered.publicSignals[tampered.publicSignals.length - 1] = tampered.publicInputs.minExcess;
    writeFileSync(file("proof-tampered.json"), JSON.stringify(tampered));
    const v = z(["verify", file("proof-tampered.json")]);
    expect(v.code).to.equal(ExitCode.Rejected);
    expect(v.stdout.trim()).to.equal("invalid");
    const a1 = json<{ gasUsed: string; renewed: boolean }>(ok(["attest", proof1, "--json"], TRADER, "attest"));
    expect(a1.renewed).to.equal(false);
    gas.push(["attest (epoch 1)", BigInt(a1.gasUsed)]);

    type Status = { status: { stateName: string; epoch: string; minExcess: string; allocated: string; available: string }; lien?: { amount: string; stateName: string } };
    const status = () => json<Status>(ok(["status", "--subject", TRADER_ADDR, "--lender", LENDER, "--json"], undefined, "status"));
    let s = status();
    expect(s.status).to.include({ stateName: "Live", epoch: "1", minExcess: (250_000n * E8).toString(), allocated: "0" });

    // a lien to the lender; a checksum-invalid address and more than is available are refused before any transaction
    const badCase = `0x${LENDER.slice(2, 10).toLowerCase()}${LENDER.slice(10).toUpperCase()}`;
    notProved(z(["allocate", "--to", badCase, "--amount", "1"], TRADER), ExitCode.BadInput, /EIP-55 checksum/);
    expect(z(["allocate", "--to", LENDER, "--amount", "250000.01"], TRADER).code).to.be.oneOf([ExitCode.BadInput, ExitCode.ChainError]);
    gas.push(["allocate", BigInt(json<{ gasUsed: string }>(ok(["allocate", "--to", LENDER, "--amount", "200000", "--json"], TRADER)).gasUsed)]);
    s = status();
    expect(s.status).to.include({ allocated: (200_000n * E8).toString(), available: (50_000n * E8).toString() });
    expect(s.lien).to.include({ amount: (200_000n * E8).toString(), stateName: "Live" });

    // a deployment file of another chain is refused by name before anything is read or sent
    const wrong = JSON.parse(readFileSync(file("deployment.json"), "utf8")) as { chainId: string };
    wrong.chainId = "1";
    writeFileSync(file("deployment-chain-1.json"), JSON.stringify(wrong));
    const wc = z(["status", "--subject", TRADER_ADDR, "--deployment", file("deployment-chain-1.json")]);
    expect(wc.code).to.equal(ExitCode.BadInput);
    expect(wc.stderr).to.match(/chain/);
    // a deployment file naming another registry (or other timing) than the attestor's own is refused the same way
    const otherRegistry = JSON.parse(readFileSync(file("deployment.json"), "utf8")) as { contracts: Record<string, string>; timing: Record<string, string> };
    otherRegistry.contracts.VenueRegistry = otherRegistry.contracts.OracleHub;
    writeFileSync(file("deployment-other-registry.json"), JSON.stringify(otherRegistry));
    const wr = z(["status", "--subject", TRADER_ADDR, "--deployment", file("deployment-other-registry.json")]);
    expect(wr.code).to.equal(ExitCode.BadInput);
    expect(wr.stderr).to.match(/names VenueRegistry .* but the attestor .* uses/);
    const otherTiming = JSON.parse(readFileSync(file("deployment.json"), "utf8")) as { timing: Record<string, string> };
    otherTiming.timing.ttl = String(BigInt(otherTiming.timing.ttl) + 3600n);
    writeFileSync(file("deployment-other-timing.json"), JSON.stringify(otherTiming));
    const wt = z(["status", "--subject", TRADER_ADDR, "--deployment", file("deployment-other-timing.json")]);
    expect(wt.code).to.equal(ExitCode.BadInput);
    expect(wt.stderr).to.match(/timing .* is not the attestor's/);

    // the next epoch: ETH moves to $3,100; the epoch-1 attestation stays Live through the renewal window
    ok(["oracle", "mock-price", "--asset", "1", "--price", "3100"], GOV);
    await epoch("2");
    s = status();
    expect(s.status).to.include({ stateName: "Live", epoch: "1" });
    const st2 = statements("2");
    const proof2 = file("proof-2.json");
    ok(prove("2", st2, proof2), TRADER, "prove");
    const a2 = json<{ gasUsed: string; renewed: boolean; previousEpoch: string }>(ok(["attest", proof2, "--json"], TRADER, "attest"));
    expect(a2).to.include({ renewed: true, previousEpoch: "1" });
    gas.push(["attest (renewal, epoch 2)", BigInt(a2.gasUsed)]);
    s = status();
    expect(s.status).to.include({ stateName: "Live", epoch: "2", allocated: (200_000n * E8).toString() });
    expect(s.lien).to.include({ amount: (200_000n * E8).toString(), stateName: "Live" });

    // the lender releases part, then the rest; only the lender can (the trader's key is refused by the contract)
    expect(z(["release", "--subject", TRADER_ADDR, "--all"], TRADER).code).to.be.oneOf([ExitCode.BadInput, ExitCode.ChainError]);
    gas.push(["release (part)", BigInt(json<{ gasUsed: string }>(ok(["release", "--subject", TRADER_ADDR, "--amount", "50000", "--json"], LENDER_KEY)).gasUsed)]);
    expect(status().lien).to.include({ amount: (150_000n * E8).toString() });
    gas.push(["release (all)", BigInt(json<{ gasUsed: string }>(ok(["release", "--subject", TRADER_ADDR, "--all", "--json"], LENDER_KEY)).gasUsed)]);
    s = status();
    expect(s.status).to.include({ allocated: "0", available: (250_000n * E8).toString() });
  });

  // The steps below continue the chain of the walk-through above (epoch 2 Live, no lien): they need it to have passed.
  type StatusJson = { now: string; status: { stateName: string; epoch: string; minExcess: string; allocated: string; available: string; lapsesAt: string; graceEndsAt: string }; lien?: { amount: string; until: string; stateName: string } };
  const STATES = ["None", "Live", "Grace", "Ended"];
  /** `zkmargin status --json` of the trader with the lender's lien, each field checked against the chain's views */
  async function statusChecked(): Promise<StatusJson> {
    const s = json<StatusJson>(ok(["status", "--subject", TRADER_ADDR, "--lender", LENDER, "--json"], undefined, "status"));
    const c = await statusOf();
    expect(s.status).to.include({ stateName: STATES[Number(c.state)], epoch: String(c.epoch), minExcess: String(c.minExcess), allocated: String(c.allocated), available: String(c.available), lapsesAt: String(c.lapsesAt), graceEndsAt: String(c.graceEndsAt) });
    const l = await lienOf();
    expect(s.lien).to.include({ amount: String(l.amount), until: String(l.until), stateName: STATES[Number(l.state)] });
    return s;
  }

  it("should land the trader's signed request relayed by another key, and refuse the relayer's replay of it", async () => {
    // the trader proves more excess for the same Live epoch 2 (a relayed request must raise it) and signs the request
    const st2 = ["1", "2"].map((v) => file(`statement-${v}-2.json`));
    const proof = file("proof-2-relayed.json");
    ok(["prove", "-s", ...st2, "--secret", file("trader.json"), "--min-excess", "300000", "--rpc", node.rpc, "-o", proof, "-q"], TRADER, "prove");
    const before = await statusOf();
    expect(before).to.include({ state: 1n, epoch: 2n, minExcess: 250_000n * E8, allocated: 0n });
    const signedAt = await latestTime();
    const traderNonce = await nonceOf(TRADER_ADDR);
    const signed = json<{ request: string; subject: string; deadline: string; nonce: string }>(ok(["attest", "sign", proof, "-o", file("request.json"), "--json"], TRADER, "attest sign"));
    const nonce = (await attestorView("nonces", [TRADER_ADDR])) as bigint;
    expect(signed).to.include({ request: file("request.json"), subject: TRADER_ADDR, nonce: String(nonce), deadline: String(signedAt + 3600n) });
    const request = JSON.parse(readFileSync(file("request.json"), "utf8")) as { subject: string; deadline: string; nonce: string; attestor: string };
    expect(request).to.include({ subject: TRADER_ADDR, deadline: signed.deadline, nonce: signed.nonce });
    expect(await nonceOf(TRADER_ADDR), "signing sends no transaction").to.equal(traderNonce);

    // the relayer submits it: the attestation is the trader's, the transaction the relayer's
    const relayed = json<{ tx: string; gasUsed: string; subject: string; relayed: boolean; renewed: boolean; previousEpoch: string }>(ok(["attest", "--request", file("request.json"), "--json"], RELAYER_KEY, "attest --request (relayed)"));
    expect(relayed).to.include({ subject: TRADER_ADDR, relayed: true, renewed: true, previousEpoch: "2" });
    const tx = await rpc<{ from: string; to: string }>("eth_getTransactionByHash", [relayed.tx]);
    expect(tx.from.toLowerCase()).to.equal(RELAYER.toLowerCase());
    expect(tx.to.toLowerCase()).to.equal(request.attestor.toLowerCase());
    expect(await receiptGas(relayed.tx)).to.equal(BigInt(relayed.gasUsed));
    expect(await nonceOf(TRADER_ADDR), "the subject sent nothing").to.equal(traderNonce);
    gas.push(["attest --request (relayed, same epoch)", BigInt(relayed.gasUsed)]);
    const after = await statusOf();
    expect(after).to.include({ state: 1n, epoch: 2n, minExcess: 300_000n * E8, allocated: 0n });
    await statusChecked();

    // the relayer replays the same request: not forward (a relayed request must raise the excess), nothing is mined
    const relayerNonce = await nonceOf(RELAYER);
    const replay = z(["attest", "--request", file("request.json")], RELAYER_KEY);
    expect(replay.code, replay.stderr).to.equal(ExitCode.ChainError);
    expect(replay.stderr).to.match(/NotForward/);
    expect(await nonceOf(RELAYER)).to.equal(relayerNonce);
    expect(await statusOf()).to.deep.equal(after);
  });

  it("should lapse into Grace then Ended (nothing available, the lien void), refuse reclaim while Live and allocate after Ended, and reclaim", async () => {
    gas.push(["allocate (before the lapse)", BigInt(json<{ gasUsed: string }>(ok(["allocate", "--to", LENDER, "--amount", "120000", "--json"], TRADER)).gasUsed)]);
    const live = await statusChecked();
    expect(live.status).to.include({ stateName: "Live", allocated: (120_000n * E8).toString(), available: (180_000n * E8).toString() });
    expect(live.lien).to.include({ amount: (120_000n * E8).toString(), stateName: "Live", until: live.status.lapsesAt });

    // reclaim while Live: one clear error, exit 1, no transaction
    const traderNonce = await nonceOf(TRADER_ADDR);
    const early = z(["reclaim"], TRADER);
    expect(early.code, early.stderr).to.equal(ExitCode.BadInput);
    expect(early.stderr).to.match(/^error: state: the attestation of 0x[0-9a-fA-F]{40} is Live: liens bind until /m);
    expect(await nonceOf(TRADER_ADDR)).to.equal(traderNonce);

    // past the lapse: Grace — nothing can be allocated, the lien still binds until the grace period ends
    const { lapsesAt, graceEndsAt } = await statusOf();
    await travelTo(lapsesAt + 60n);
    const grace = await statusChecked();
    expect(grace.status).to.include({ stateName: "Grace", available: "0", allocated: (120_000n * E8).toString() });
    expect(grace.lien).to.include({ amount: (120_000n * E8).toString(), stateName: "Grace", until: String(graceEndsAt) });
    expect(await attestorView("availableExcess", [TRADER_ADDR])).to.equal(0n);

    // past the grace period: Ended — the lien is void (it no longer binds), still nothing available
    await travelTo(graceEndsAt + 60n);
    const ended = await statusChecked();
    expect(ended.status).to.include({ stateName: "Ended", available: "0" });
    expect(ended.lien).to.include({ stateName: "Ended" });
    expect(await attestorView("availableExcess", [TRADER_ADDR])).to.equal(0n);
    expect(BigInt(ended.now)).to.be.at.least(graceEndsAt);

    // allocate after Ended: refused before any transaction
    const late = z(["allocate", "--to", LENDER, "--amount", "1"], TRADER);
    expect(late.code, late.stderr).to.equal(ExitCode.BadInput);
    expect(late.stderr).to.match(/^error: state: 0x[0-9a-fA-F]{40} has no Live attestation \(Ended, lapsed at /m);
    expect(await nonceOf(TRADER_ADDR)).to.equal(traderNonce);

    // the trader reclaims: every lien of the term is void, the book is free
    const allocated = (await statusOf()).allocated;
    const rec = json<{ tx: string; gasUsed: string; subject: string; reclaimed: string }>(ok(["reclaim", "--json"], TRADER, "reclaim"));
    expect(rec).to.include({ subject: TRADER_ADDR, reclaimed: String(allocated) });
    expect(allocated).to.equal(120_000n * E8);
    expect(await receiptGas(rec.tx)).to.equal(BigInt(rec.gasUsed));
    gas.push(["reclaim", BigInt(rec.gasUsed)]);
    expect(await statusOf()).to.include({ state: 3n, allocated: 0n, available: 0n });
    expect(await lienOf()).to.include({ amount: 0n });
  });

  it("should refuse to deploy development keys to a chain that is not a local one, saying why", async () => {
    const other = await startHardhatNode(["--chain-id", "11155111"]);
    try {
      const r = z(["deploy", "--rpc", other.rpc, "-o", file("never.json")], GOV);
      expect(r.code).to.equal(ExitCode.BadInput);
      expect(r.stderr).to.match(/INSECURE|insecure/);
      expect(r.stderr).to.match(/11155111 is not a local development chain/);
      const nonce = await fetch(other.rpc, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_getTransactionCount", params: [new (await import("ethers")).Wallet(GOV).address, "latest"] }) });
      expect(((await nonce.json()) as { result: string }).result, "no transaction was sent").to.equal("0x0");
    } finally {
      await other.stop();
    }
  });
});
