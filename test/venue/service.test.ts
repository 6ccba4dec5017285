/**
 * Root posting and the statement service against a real `hardhat node` (JSON-RPC on loopback) and a real HTTP
 * server on 127.0.0.1: who may fetch what, for which epochs, and the attacker's moves (a stranger's key, a replayed
 * or stale request, an unposted epoch, a root on chain that differs from the store's, request floods), and CORS:
 * headers only for the origins the operator allowed (`venue serve --cors`).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { Contract, JsonRpcProvider, type Signer, Wallet } from "ethers";
import type { FastifyInstance } from "fastify";
import { buildEpoch } from "../../client/venue/build.ts";
import { connectRegistry, postEpochRoot, postedRoot, type RegistryConnection, VENUE_REGISTRY_ABI } from "../../client/venue/chain.ts";
import { fetchStatement, signStatementRequest } from "../../client/venue/cli.ts";
import { addAccounts, stageHoldings } from "../../client/venue/importer.ts";
import { buildService, parseCorsOrigins } from "../../client/venue/service.ts";
import { blobToBigint, VenueStore } from "../../client/venue/store.ts";
import { ZkMarginChainError, ZkMarginInputError } from "../../prover/errors.ts";
import { parseStatement } from "../../prover/statement.ts";
import { checkStatementIntegrity } from "../../prover/validate.ts";
import { syntheticAccounts, syntheticHoldings } from "../../scripts/lib/venueData.ts";
import { cli, cliDaemon, DEV_KEYS, deploySystem, type HardhatNode, startHardhatNode } from "./helpers.ts";

const VENUE = 7n;

describe("venue root posting and statement service (hardhat node, loopback HTTP)", function () {
  this.timeout(300_000);
  let node: HardhatNode;
  let dir: string;
  let registryAddress: string;
  let operatorReg: RegistryConnection;
  let readReg: RegistryConnection;
  let store: VenueStore;
  let admin: { revokeRoot(venueId: bigint, epoch: bigint): Promise<{ wait(): Promise<unknown> }> };
  let app: FastifyInstance;
  let url: string;
  const holder = Wallet.createRandom();
  const stranger = Wallet.createRandom();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "zkm-svc-"));
    node = await startHardhatNode();
    const sys = await deploySystem(node.rpc, VENUE, false);
    registryAddress = sys.registry;
    admin = sys.zk.registry;
    for (let e = 1n; e <= 5n; e++) await sys.snapshot(e); // the oracle snapshots the roots of epochs 1..5 need
    operatorReg = await connectRegistry(node.rpc, registryAddress, DEV_KEYS[1]);
    readReg = await connectRegistry(node.rpc, registryAddress);
    store = VenueStore.create(join(dir, "v.db"), { venueId: VENUE, N: 3, A: 3, D: 4, instance: "custom" });
    const accounts = syntheticAccounts(50, 21, stranger.address.toLowerCase(), new Map([[3, holder.address.toLowerCase()]]));
    addAccounts(store, accounts);
    stageHoldings(store, 1, syntheticHoldings(accounts.map((a) => a.id), 22, 3, 3));
    buildEpoch(store, 1);
    app = await buildService({ store, registry: readReg, rateLimit: { max: 1000, timeWindow: 60_000 }, recheckMs: 0 });
    url = await app.listen({ host: "127.0.0.1", port: 0 });
  });

  after(async () => {
    await app?.close();
    store?.close();
    operatorReg?.provider.destroy();
    readReg?.provider.destroy();
    await node?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (body: unknown) => fetch(`${url}/v1/statement`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const request = (wallet: Signer, account: string, epoch: number) => signStatementRequest(wallet, VENUE, account, epoch);
  const errorOf = async (res: Response) => ({ status: res.status, ...((await res.json()) as { error: string; message: string }) });

  describe("# post-root", function () {
    it("should not serve a built epoch before its root is posted", async function () {
      expect(await errorOf(await post(await request(holder, "a-3", 1)))).to.include({ status: 409, error: "root_not_posted" });
    });

    it("should post the root, record the transaction, and refuse to post it twice", async function () {
      const row = await postEpochRoot(store, operatorReg, 1);
      expect(row.status).to.equal("posted");
      expect(row.txHash).to.match(/^0x[0-9a-f]{64}$/);
      expect(row.block).to.be.a("number");
      expect(await postedRoot(readReg, VENUE, 1)).to.equal(blobToBigint(row.root));
      const receipt = await operatorReg.provider.getTransactionReceipt(row.txHash!);
      expect(receipt?.status).to.equal(1);
      try {
        await postEpochRoot(store, operatorReg, 1);
        expect.fail("posted twice");
      } catch (e) {
        expect(e).to.be.instanceOf(ZkMarginInputError);
        expect((e as Error).message).to.match(/already posted/);
      }
    });

    it("should not post with a key that is not the venue's operator (the registry reverts, decoded)", async function () {
      stageHoldings(store, 2, syntheticHoldings(["a-1"], 23, 3, 1));
      buildEpoch(store, 2);
      const wrong = await connectRegistry(node.rpc, registryAddress, DEV_KEYS[2]);
      try {
        await postEpochRoot(store, wrong, 2);
        expect.fail("posted with the wrong key");
      } catch (e) {
        expect(e).to.be.instanceOf(ZkMarginChainError);
        expect((e as ZkMarginChainError).errorName).to.equal("VenueRegistry__NotOperator");
      } finally {
        wrong.provider.destroy();
      }
      expect(store.epoch(2)!.status).to.equal("built");
      expect(await postedRoot(readReg, VENUE, 2)).to.equal(0n);
    });

    it("should not post an epoch the oracle has not snapshotted (the registry's bound, decoded)", async function () {
      const ahead = VenueStore.create(join(dir, "ahead.db"), { venueId: VENUE, N: 3, A: 3, D: 4, instance: "custom" });
      try {
        buildEpoch(ahead, 9);
        await postEpochRoot(ahead, operatorReg, 9);
        expect.fail("posted an epoch without a snapshot");
      } catch (e) {
        expect(e).to.be.instanceOf(ZkMarginChainError);
        expect((e as ZkMarginChainError).errorName).to.equal("VenueRegistry__EpochNotSnapshotted");
        expect(ahead.epoch(9)!.status).to.equal("built");
      } finally {
        ahead.close();
      }
    });

    it("should reconcile after a crash: a recorded transaction that never went out is sent again", async function () {
      store.stmt("UPDATE epochs SET status = 'posting', tx_hash = ? WHERE epoch = 2").run(`0x${"11".repeat(32)}`);
      const row = await postEpochRoot(store, operatorReg, 2);
      expect(row.status).to.equal("posted");
      expect(row.txHash).to.not.equal(`0x${"11".repeat(32)}`);
      expect(await postedRoot(readReg, VENUE, 2)).to.equal(blobToBigint(row.root));
    });

    it("should reconcile after a crash: a root that landed before the store recorded it is recorded, not resent", async function () {
      stageHoldings(store, 3, syntheticHoldings(["a-2"], 24, 3, 1));
      const built = buildEpoch(store, 3);
      const reg = new Contract(registryAddress, VENUE_REGISTRY_ABI, new Wallet(DEV_KEYS[1], new JsonRpcProvider(node.rpc, undefined, { staticNetwork: true })));
      const tx = await reg.getFunction("postRoot")(VENUE, 3n, blobToBigint(built.root));
      await tx.wait();
      const blockBefore = await operatorReg.provider.getBlockNumber();
      const row = await postEpochRoot(store, operatorReg, 3);
      expect(row.status).to.equal("posted");
      expect(await operatorReg.provider.getBlockNumber()).to.equal(blockBefore); // nothing sent
      (reg.runner as Wallet).provider!.destroy();
    });
  });

  describe("# statements", function () {
    it("should serve the account holder its statement, which proves against the posted root", async function () {
      const res = await post(await request(holder, "a-3", 1));
      expect(res.status).to.equal(200);
      const st = parseStatement(await res.text());
      checkStatementIntegrity(st, "statement");
      expect(st.epoch).to.equal(1n);
      expect(st.leafIndex).to.equal(3);
      expect(st.root).to.equal(await postedRoot(readReg, VENUE, 1));
      // the CLI's client does the same
      const text = await fetchStatement(url, holder, "a-3", 2);
      expect(parseStatement(text).root).to.equal(await postedRoot(readReg, VENUE, 2));
    });

    it("should not serve another account's statement to a key registered for a different account", async function () {
      // stranger's key is registered for every account but a-3: it may fetch a-4, never a-3
      expect((await post(await request(stranger, "a-4", 1))).status).to.equal(200);
      expect(await errorOf(await post(await request(stranger, "a-3", 1)))).to.include({ status: 403, error: "not_authorised" });
      expect(await errorOf(await post(await request(holder, "a-4", 1)))).to.include({ status: 403, error: "not_authorised" });
    });

    it("should answer an unknown account exactly like a wrong key (no account enumeration)", async function () {
      const e = await errorOf(await post(await request(stranger, "nobody", 1)));
      expect(e).to.include({ status: 403, error: "not_authorised" });
    });

    it("should not accept a replayed request, a stale one, or one whose fields were changed after signing", async function () {
      const req = await request(holder, "a-3", 1);
      expect((await post(req)).status).to.equal(200);
      expect(await errorOf(await post(req))).to.include({ status: 401, error: "replayed_request" });
      const stale = await signStatementRequest(holder, VENUE, "a-3", 1);
      const old = { ...stale, issuedAt: String(Number(stale.issuedAt) - 3600) };
      // re-signed with the old time so only the staleness is wrong
      const oldSigned = { ...old, signature: await holder.signTypedData((await import("../../client/venue/service.ts")).STATEMENT_REQUEST_DOMAIN, (await import("../../client/venue/service.ts")).STATEMENT_REQUEST_TYPES, { venueId: old.venueId, account: old.account, epoch: old.epoch, issuedAt: old.issuedAt, nonce: old.nonce }) };
      expect(await errorOf(await post(oldSigned))).to.include({ status: 401, error: "stale_request" });
      // tampered: the holder's signature over a-3, resent naming a-4 → the recovered signer is someone else
      const tampered = { ...(await request(holder, "a-3", 1)), account: "a-4" };
      expect((await errorOf(await post(tampered))).status).to.equal(403);
    });

    it("should give one clear error for malformed requests and another venue's id", async function () {
      expect(await errorOf(await post({ venueId: "7" }))).to.include({ status: 400 });
      const req = await request(holder, "a-3", 1);
      expect(await errorOf(await post({ ...req, venueId: "8" }))).to.include({ status: 400, error: "wrong_venue" });
      expect(await errorOf(await post({ ...req, signature: "0x1234" }))).to.include({ status: 400, error: "bad_signature" });
      expect(await errorOf(await post({ ...req, nonce: "abc" }))).to.include({ status: 400 });
      const bad = await fetch(`${url}/v1/statement`, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" });
      expect(bad.status).to.equal(400);
    });

    it("should not serve an epoch that is not built, nor one built but not posted", async function () {
      expect(await errorOf(await post(await request(holder, "a-3", 9)))).to.include({ status: 404, error: "unknown_epoch" });
      stageHoldings(store, 4, syntheticHoldings(["a-3"], 25, 3, 2));
      buildEpoch(store, 4);
      expect(await errorOf(await post(await request(holder, "a-3", 4)))).to.include({ status: 409, error: "root_not_posted" });
    });

    it("should not serve an epoch whose on-chain root differs from the store's (a venue key posting another root)", async function () {
      // the operator key posts a root for epoch 5 that this store never built; the store's epoch 5 differs
      stageHoldings(store, 5, syntheticHoldings(["a-5"], 26, 3, 2));
      const built = buildEpoch(store, 5);
      const reg = new Contract(registryAddress, VENUE_REGISTRY_ABI, new Wallet(DEV_KEYS[1], new JsonRpcProvider(node.rpc, undefined, { staticNetwork: true })));
      await (await reg.getFunction("postRoot")(VENUE, 5n, blobToBigint(built.root) ^ 1n)).wait();
      (reg.runner as Wallet).provider!.destroy();
      // post-root refuses to paper over it …
      try {
        await postEpochRoot(store, operatorReg, 5);
        expect.fail("posted over a different root");
      } catch (e) {
        expect((e as Error).message).to.match(/already holds root/);
      }
      // … and even a store row forced to "posted" is not served
      store.stmt("UPDATE epochs SET status = 'posted' WHERE epoch = 5").run();
      expect(await errorOf(await post(await request(holder, "a-3", 5)))).to.include({ status: 409, error: "root_mismatch" });
    });

    it("should stop serving an epoch whose root the registry revoked", async function () {
      expect((await post(await request(holder, "a-3", 3))).status).to.equal(200);
      await (await admin.revokeRoot(VENUE, 3n)).wait();
      expect(await errorOf(await post(await request(holder, "a-3", 3)))).to.include({ status: 409, error: "root_revoked" });
    });

    it("should rate-limit a client that floods the service", async function () {
      const small = await buildService({ store, registry: readReg, rateLimit: { max: 5, timeWindow: 60_000 } });
      const u = await small.listen({ host: "127.0.0.1", port: 0 });
      try {
        const codes: number[] = [];
        for (let i = 0; i < 8; i++) codes.push((await fetch(`${u}/v1/health`)).status);
        expect(codes.slice(0, 5)).to.deep.equal([200, 200, 200, 200, 200]);
        expect(codes.slice(5)).to.deep.equal([429, 429, 429]);
        const body = (await (await fetch(`${u}/v1/health`)).json()) as { error: string };
        expect(body.error).to.equal("rate_limited");
      } finally {
        await small.close();
      }
    });

    it("should list only the epochs it serves: posted, with the chain's root", async function () {
      const body = (await (await fetch(`${url}/v1/epochs`)).json()) as { epochs: { epoch: number; root: string }[] };
      expect(body.epochs.map((e) => e.epoch)).to.deep.equal([1, 2]); // 3 revoked, 4 unposted, 5 mismatched
      expect(body.epochs[0].root).to.equal((await postedRoot(readReg, VENUE, 1)).toString());
    });
  });

  describe("# CORS", function () {
    const PAGE = "https://trader.example";
    const OTHER = "https://evil.example";
    const preflight = (u: string, origin: string) =>
      fetch(`${u}/v1/statement`, { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" } });
    const corsHeaders = (res: Response) => [...res.headers.keys()].filter((k) => k.startsWith("access-control-"));
    async function withService<T>(corsOrigins: string[], body: (u: string) => Promise<T>): Promise<T> {
      const app = await buildService({ store, registry: readReg, rateLimit: { max: 1000, timeWindow: 60_000 }, recheckMs: 0, corsOrigins });
      const u = await app.listen({ host: "127.0.0.1", port: 0 });
      try {
        return await body(u);
      } finally {
        await app.close();
      }
    }

    it("should send no CORS header by default, whatever the Origin", async function () {
      const get = await fetch(`${url}/v1/epochs`, { headers: { origin: PAGE } });
      expect(get.status).to.equal(200);
      expect(corsHeaders(get)).to.deep.equal([]);
      const pre = await preflight(url, PAGE);
      expect(pre.status).to.equal(404);
      expect(corsHeaders(pre)).to.deep.equal([]);
    });

    it("should answer an allowed origin's preflight and requests with its origin, and another origin with no CORS header", async function () {
      await withService([PAGE, "http://127.0.0.1:5173"], async (u) => {
        const pre = await preflight(u, PAGE);
        expect(pre.status).to.equal(204);
        expect(pre.headers.get("access-control-allow-origin")).to.equal(PAGE);
        expect(pre.headers.get("access-control-allow-methods")).to.equal("GET, POST");
        expect(pre.headers.get("access-control-allow-headers")).to.equal("content-type");
        expect(pre.headers.get("access-control-allow-credentials"), "no ambient credentials").to.equal(null);
        expect(pre.headers.get("vary")).to.match(/origin/i);
        const denied = await preflight(u, OTHER);
        expect(denied.status).to.equal(404);
        expect(corsHeaders(denied)).to.deep.equal([]);

        const get = await fetch(`${u}/v1/epochs`, { headers: { origin: "http://127.0.0.1:5173" } });
        expect(get.status).to.equal(200);
        expect(get.headers.get("access-control-allow-origin")).to.equal("http://127.0.0.1:5173");
        const other = await fetch(`${u}/v1/epochs`, { headers: { origin: OTHER } });
        expect(other.status, "the server answers; the browser keeps it from the page").to.equal(200);
        expect(corsHeaders(other)).to.deep.equal([]);
        expect(corsHeaders(await fetch(`${u}/v1/epochs`)), "no Origin (the CLI): no header").to.deep.equal([]);

        // the statement itself, and an error the page must be able to read, carry the header; the signature still decides
        const send = async (body: unknown, origin: string) => fetch(`${u}/v1/statement`, { method: "POST", headers: { origin, "content-type": "application/json" }, body: JSON.stringify(body) });
        const st = await send(await request(holder, "a-3", 1), PAGE);
        expect(st.status).to.equal(200);
        expect(st.headers.get("access-control-allow-origin")).to.equal(PAGE);
        expect(parseStatement(await st.text()).root).to.equal(await postedRoot(readReg, VENUE, 1));
        const refused = await send(await request(stranger, "a-3", 1), PAGE);
        expect(refused.status).to.equal(403);
        expect(refused.headers.get("access-control-allow-origin")).to.equal(PAGE);
        expect(corsHeaders(await send(await request(holder, "a-3", 1), OTHER))).to.deep.equal([]);
      });
    });

    it("should allow every origin only when told *", async function () {
      await withService(["*"], async (u) => {
        const pre = await preflight(u, OTHER);
        expect(pre.status).to.equal(204);
        expect(pre.headers.get("access-control-allow-origin")).to.equal("*");
        expect((await fetch(`${u}/v1/epochs`, { headers: { origin: OTHER } })).headers.get("access-control-allow-origin")).to.equal("*");
      });
    });

    it("should parse --cors: origins as browsers send them, or * alone; anything else is one named error", function () {
      expect(parseCorsOrigins("https://trader.example, http://localhost:5173,https://trader.example")).to.deep.equal(["https://trader.example", "http://localhost:5173"]);
      expect(parseCorsOrigins("*")).to.deep.equal(["*"]);
      const bad: [string, RegExp][] = [
        ["https://trader.example/", /"https:\/\/trader.example\/" is not an origin: .*e\.g\. https:\/\/trader.example\)/],
        ["https://trader.example/app", /not an origin/],
        ["HTTPS://Trader.example", /not an origin.*lower case/],
        ["https://trader.example:443", /e\.g\. https:\/\/trader.example\)/],
        ["ftp://trader.example", /not an origin/],
        ["trader.example", /not an origin/],
        ["null", /not an origin/],
        ["https://a.example,,https://b.example", /empty entry/],
        ["*,https://a.example", /give it alone/],
      ];
      for (const [text, message] of bad) {
        try {
          parseCorsOrigins(text);
          expect.fail(`accepted ${text}`);
        } catch (e) {
          expect(e, text).to.be.instanceOf(ZkMarginInputError);
          expect((e as ZkMarginInputError).field).to.equal("cors");
          expect((e as Error).message, text).to.match(message);
        }
      }
    });

    it("should take --cors on `zkmargin venue serve`, and refuse a bad one with exit 1 before opening anything", async function () {
      const db = join(dir, "v.db");
      const bad = cli(["venue", "serve", "--db", join(dir, "no-such.db"), "--rpc", node.rpc, "--registry", registryAddress, "--port", "0", "--cors", "https://trader.example/"]);
      expect(bad.status).to.equal(1);
      expect(bad.stderr).to.match(/^error: cors: "https:\/\/trader.example\/" is not an origin/);
      expect(bad.stderr.trim().split("\n")).to.have.length(1);
      const d = await cliDaemon(["venue", "serve", "--db", db, "--rpc", node.rpc, "--registry", registryAddress, "--port", "0", "--cors", PAGE]);
      try {
        const first = JSON.parse(d.firstLine) as { listening: string; cors: string[] };
        expect(first.cors).to.deep.equal([PAGE]);
        const pre = await preflight(first.listening, PAGE);
        expect(pre.status).to.equal(204);
        expect(pre.headers.get("access-control-allow-origin")).to.equal(PAGE);
        expect(corsHeaders(await preflight(first.listening, OTHER))).to.deep.equal([]);
      } finally {
        await d.stop();
      }
    });
  });
});
