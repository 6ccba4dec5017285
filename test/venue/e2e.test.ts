/**
 * The venue kit end to end, every step a separate process as an operator and a trader would run it: a store of
 * 10^4 accounts is created and imported from CSV, two epochs are built and posted to VenueRegistry on a real
 * `hardhat node` (the contracts deployed through client/deploy.ts), the statement service starts (a new process
 * reopening the store), is restarted, and serves the trader's statement over HTTP to `zkmargin statements fetch`; a
 * trader process proves its book with it against the root the chain holds and attests with MarginAttestor (test
 * instance keys from `npm run build`).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { expect } from "chai";
import { Wallet } from "ethers";
import { connectRegistry, postedRoot } from "../../client/venue/chain.ts";
import { ownerHash } from "../../prover/commitments.ts";
import { parseStatement } from "../../prover/statement.ts";
import { randomFieldElement } from "../../prover/venue.ts";
import { accountsCsv, holdingsCsv, syntheticAccounts, syntheticHoldings } from "../../scripts/lib/venueData.ts";
import { spot, TEST_ASSETS } from "../fixtures/market.ts";
import { cli, cliDaemon, DEV_KEYS, deploySystem, type HardhatNode, ROOT, startHardhatNode, TSX_NODE_ARGS } from "./helpers.ts";

const VENUE = 11n;
const ACCOUNTS = 10_000;
const TRADER_INDEX = 4321;

describe("venue kit end to end (10^4 accounts, hardhat node, HTTP, a trader process that proves and attests)", function () {
  this.timeout(1_200_000);
  let node: HardhatNode;
  let dir: string;
  let registry: string;
  let attestor: string;
  let domain: bigint;
  const secret = randomFieldElement();
  const salt = randomFieldElement();
  /** hardhat node's dev account #2: the account's registered key and the attestation's subject (it pays gas) */
  const trader = new Wallet(DEV_KEYS[2]);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "zkm-e2e-"));
    node = await startHardhatNode();
    const sys = await deploySystem(node.rpc, VENUE, true);
    registry = sys.registry;
    attestor = await sys.zk.attestor.getAddress();
    domain = sys.zk.domain;
    await sys.snapshot(1n);
    await sys.snapshot(2n);
  });
  after(async () => {
    await node?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const ok = (args: string[]) => {
    const r = cli(args);
    expect(r.status, `${args.join(" ")}: ${r.stderr}`).to.equal(0);
    return r.stdout;
  };

  it("should import, build and post two epochs, then serve the trader a statement it proves and attests with", async function () {
    const db = join(dir, "venue.db");
    const opKey = join(dir, "operator.key");
    const traderKey = join(dir, "trader.key");
    writeFileSync(opKey, `${DEV_KEYS[1]}\n`);
    writeFileSync(traderKey, `${trader.privateKey}\n`);

    // the operator's files: 10^4 accounts, one of them the trader's (owner and salt from the trader)
    const accounts = syntheticAccounts(ACCOUNTS, 41, "0x00000000000000000000000000000000000000d4");
    accounts[TRADER_INDEX] = { id: "trader-1", owner: ownerHash(secret, salt), salt, signer: trader.address };
    writeFileSync(join(dir, "accounts.csv"), accountsCsv(accounts));
    const ids = accounts.map((a) => a.id);
    const e1 = syntheticHoldings(ids, 42, 3, 3);
    e1[TRADER_INDEX] = { account: "trader-1", holdings: [spot(TEST_ASSETS.USDC, 50_000), spot(TEST_ASSETS.ETH, 5)] };
    writeFileSync(join(dir, "h1.csv"), holdingsCsv(e1));
    const e2 = syntheticHoldings(ids.filter((_, i) => i % 100 === 7), 43, 3, 3);
    e2.push({ account: "trader-1", holdings: [spot(TEST_ASSETS.USDC, 80_000), spot(TEST_ASSETS.ETH, 5), spot(TEST_ASSETS.BTC, 1)] });
    writeFileSync(join(dir, "h2.csv"), holdingsCsv(e2));

    ok(["venue", "init", "--db", db, "--venue-id", String(VENUE), "--instance", "test"]);
    expect(JSON.parse(ok(["venue", "import", "--db", db, "--accounts", join(dir, "accounts.csv")])).opened).to.equal(ACCOUNTS);
    ok(["venue", "import", "--db", db, "--holdings", join(dir, "h1.csv"), "--epoch", "1"]);
    const b1 = JSON.parse(ok(["venue", "build-epoch", "--db", db, "--epoch", "1", "--rpc", node.rpc, "--registry", registry, "--key", opKey]).split("\n")[0]) as { root: string; leaves: number };
    expect(b1.leaves).to.equal(ACCOUNTS);
    ok(["venue", "import", "--db", db, "--holdings", join(dir, "h2.csv"), "--epoch", "2"]);
    const b2 = JSON.parse(ok(["venue", "build-epoch", "--db", db, "--epoch", "2", "--quiet"])) as { root: string; leaves: number };
    expect(b2.leaves).to.equal(e2.length);
    const posted = JSON.parse(ok(["venue", "post-root", "--db", db, "--rpc", node.rpc, "--registry", registry, "--key", opKey])) as { epoch: number; status: string };
    expect(posted).to.include({ epoch: 2, status: "posted" });

    // the chain holds both roots, as the store says
    const reg = await connectRegistry(node.rpc, registry);
    expect(await postedRoot(reg, VENUE, 1)).to.equal(BigInt(b1.root));
    expect(await postedRoot(reg, VENUE, 2)).to.equal(BigInt(b2.root));
    const status = JSON.parse(ok(["venue", "status", "--db", db])) as { accounts: number; epochs: { status: string }[] };
    expect(status.accounts).to.equal(ACCOUNTS);
    expect(status.epochs.map((e) => e.status)).to.deep.equal(["posted", "posted"]);

    // the service: a new process; restarted once; the trader fetches from the restarted one
    const serveArgs = ["venue", "serve", "--db", db, "--rpc", node.rpc, "--registry", registry, "--port", "0"];
    const first = await cliDaemon(serveArgs);
    await first.stop();
    const svc = await cliDaemon(serveArgs);
    try {
      const url = (JSON.parse(svc.firstLine) as { listening: string }).listening;
      const stFile = join(dir, "statement.json");
      ok(["statements", "fetch", "--venue", url, "--account", "trader-1", "--epoch", "2", "--key", traderKey, "--out", stFile]);
      const st = parseStatement(readFileSync(stFile, "utf8"));
      expect(st.root).to.equal(BigInt(b2.root));
      expect(st.leafIndex).to.equal(TRADER_INDEX);
      expect(st.holdings).to.have.length(3);
      // someone else's key gets nothing
      const strangerKey = join(dir, "stranger.key");
      writeFileSync(strangerKey, `${Wallet.createRandom().privateKey}\n`);
      const denied = cli(["statements", "fetch", "--venue", url, "--account", "trader-1", "--epoch", "2", "--key", strangerKey]);
      expect(denied.status).to.equal(1);
      expect(denied.stderr).to.match(/^error: venue: the service refused \(HTTP 403\) not_authorised: /);

      // the trader process proves with it against the posted root and attests on chain
      const traderKey2 = join(dir, "trader-attest.key");
      writeFileSync(traderKey2, `${trader.privateKey}\n`);
      const res = spawnSync(process.execPath, [...TSX_NODE_ARGS, join(ROOT, "test/venue/trader.ts"), stFile, secret.toString(), "2", domain.toString(), node.rpc, registry, attestor, traderKey2], {
        cwd: ROOT,
        encoding: "utf8",
        timeout: 900_000,
        maxBuffer: 64 * 1024 * 1024,
      });
      expect(res.status, res.stderr).to.equal(0);
      const out = JSON.parse(res.stdout) as { valid: boolean; txStatus: number; attestation: { epoch: string; minExcess: string }; proof: { publicInputs: { venueRoots: string[]; venueIds: string[] } } };
      expect(out.valid).to.equal(true);
      expect(out.proof.publicInputs.venueRoots[0]).to.equal(b2.root);
      expect(out.proof.publicInputs.venueIds[0]).to.equal(VENUE.toString());
      expect(out.txStatus).to.equal(1);
      expect(out.attestation.epoch).to.equal("2");
      expect(out.attestation.minExcess).to.equal((1_000n * 100_000_000n).toString());
    } finally {
      await svc.stop();
      reg.provider.destroy();
    }
  });
});
