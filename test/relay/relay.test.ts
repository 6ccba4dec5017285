/**
 * The batching relayer (client/relay/) against a real `hardhat node` on loopback: the contracts deployed through
 * client/deploy.ts, a deployment file as `zkmargin deploy` writes it, real test-instance proofs from the SDK
 * (generateProof over a venue's statements), requests signed with EIP-712 by the subjects' keys as `zkmargin attest
 * sign` writes them, the service in-process on port 0 with a real SQLite queue in a temp dir, and real HTTP.
 *
 *   (a) three subjects' requests, max-batch 3 → one attestBatch lands all three (gas per proof printed)
 *   (b) bad input refused before queueing, each with its status, code and field
 *   (c) restart: queued requests survive a stop; a batch broadcast but not mined when the service stopped is
 *       reconciled from the chain at the next start
 *   (d) the attacker's move: a subject cancels its nonce after acceptance; the batcher's re-check drops it
 *   (e) `relay serve`, `relay submit` and `relay status --wait` as real processes
 *   a batch of 16 (gas per proof, and the intake's validation time)
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { HDNodeWallet, Wallet } from "ethers";
import { ExitCode } from "../../prover/errors.ts";
import { generateProof, releaseProver, type ZkMarginProof } from "../../prover/generateProof.ts";
import { toJsonValue, type Statement } from "../../prover/statement.ts";
import { accountKeys, Venue } from "../../prover/venue.ts";
import { localArtifacts } from "../../scripts/lib/instances.ts";
import { buildInstance } from "../../scripts/lib/pipeline.ts";
import { ATTEST_REQUEST_TYPES, attestable, attestorDomain, attestRequest, AttestorClient, LifecycleState } from "../../client/attestor.ts";
import { connectChain, type Chain } from "../../client/chain.ts";
import { DEFAULT_RISK_DELAY, type ZkMarginDeployment } from "../../client/deploy.ts";
import { DEPLOYMENT_FORMAT } from "../../client/deployment.ts";
import { startRelay, type RunningRelay } from "../../client/relay/service.ts";
import { TEST_ASSETS, TEST_PARAMS, spot, testMarket, testRisk, usd } from "../fixtures/market.ts";
import { cli, cliDaemon, deploySystem, startHardhatNode, type HardhatNode } from "../venue/helpers.ts";

const MNEMONIC = "test test test test test test test test test test test junk";
const devKey = (i: number) => HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).privateKey;
const VENUE = 11n;
const EPOCH = 3n;
/** accounts opened at the venue (one per subject key the tests use) */
const SUBJECTS = 40;

type Json = Record<string, unknown>;

describe("# relay: the batching relayer (hardhat node, real proofs, SQLite, HTTP)", function () {
  this.timeout(1_800_000);
  let node: HardhatNode;
  let dir: string;
  let zk: ZkMarginDeployment;
  let chain: Chain;
  let deploymentFile: string;
  let relayer: Wallet;
  const running: RunningRelay[] = [];
  const secrets: bigint[] = [];
  const statements: Statement[] = [];
  /** subject wallets: #k uses account k of the venue; dev keys (with ether) for the ones that send a transaction */
  const subjects: Wallet[] = [];

  async function prove(k: number, minExcess: bigint): Promise<ZkMarginProof> {
    return generateProof(
      { statements: [statements[k]], traderSecret: secrets[k], market: testMarket(), risk: testRisk(), epoch: EPOCH, subject: BigInt(subjects[k].address), domain: zk.domain, minExcess },
      localArtifacts("test"),
    );
  }

  /** The request file `zkmargin attest sign` writes, signed by subject k (or by `signer`), valid `validFor` s. */
  async function request(proof: ZkMarginProof, k: number, opts: { validFor?: bigint; signer?: Wallet } = {}): Promise<Json> {
    const deadline = (await chain.now()) + (opts.validFor ?? 3600n);
    const item = attestable(proof, EPOCH);
    const nonce = BigInt(await chain.attestor.contract.nonces(subjects[k].address));
    const signer = opts.signer ?? subjects[k];
    const signature = await signer.signTypedData(attestorDomain(chain.chainId, chain.deployment.contracts.MarginAttestor), ATTEST_REQUEST_TYPES, { ...attestRequest(item, deadline), nonce });
    return {
      format: "zkmargin-attest-request/1",
      chainId: chain.chainId.toString(),
      attestor: chain.deployment.contracts.MarginAttestor,
      subject: subjects[k].address,
      deadline: deadline.toString(),
      nonce: nonce.toString(),
      signature,
      proof: toJsonValue(proof),
    } as Json;
  }

  async function relay(db: string, maxBatch: number, maxWaitSeconds = 3600): Promise<RunningRelay> {
    const r = await startRelay({ chain, wallet: relayer, db: path.join(dir, db), maxBatch, maxWaitSeconds, pollMs: 100 });
    running.push(r);
    return r;
  }

  async function post(r: RunningRelay, body: unknown): Promise<{ status: number; body: Json }> {
    const res = await fetch(`${r.url}/requests`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Json };
  }

  async function statusOf(r: RunningRelay, id: string): Promise<Json> {
    return (await (await fetch(`${r.url}/requests/${id}`)).json()) as Json;
  }

  async function waitFor(r: RunningRelay, id: string, statuses: string[], ms = 120_000): Promise<Json> {
    const until = Date.now() + ms;
    for (;;) {
      const s = await statusOf(r, id);
      if (statuses.includes(s.status as string)) return s;
      if (Date.now() > until) throw new Error(`request ${id} is ${String(s.status)} after ${ms} ms: ${JSON.stringify(s)}`);
      await new Promise((res) => setTimeout(res, 100));
    }
  }

  async function queueLength(r: RunningRelay): Promise<number> {
    return ((await (await fetch(`${r.url}/health`)).json()) as { queueLength: number }).queueLength;
  }

  const rpc = (method: string, params: unknown[] = []) =>
    fetch(node.rpc, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) }).then((r) => r.json() as Promise<{ result: unknown }>);

  before(async () => {
    await buildInstance("test", { log: () => undefined });
    node = await startHardhatNode();
    dir = mkdtempSync(path.join(tmpdir(), "zkmargin-relay-"));
    const sys = await deploySystem(node.rpc, VENUE, true);
    zk = sys.zk;
    await sys.snapshot(EPOCH);
    // one venue; each subject key k has its own account (its own trader secret: its own book)
    const venue = Venue.forInstance(VENUE, TEST_PARAMS);
    const indices: number[] = [];
    for (let k = 0; k < SUBJECTS; k++) {
      secrets.push(0x5eed_0000n + BigInt(k));
      const a = accountKeys(secrets[k]);
      indices.push(venue.openAccount(a.owner, a.salt, [spot(TEST_ASSETS.USDC, String(50_000 + 1000 * k))]));
    }
    const signers = await (await import("hardhat")).default.network.connect({ network: "localhost", override: { url: node.rpc } }).then((c) => c.ethers.getSigners());
    await zk.postRoot(signers[1], VENUE, EPOCH, venue.root);
    for (let k = 0; k < SUBJECTS; k++) statements.push(venue.statement(indices[k], EPOCH));

    const addr = (c: { getAddress(): Promise<string> }) => c.getAddress();
    const deployment = {
      format: DEPLOYMENT_FORMAT,
      chainId: "31337",
      instance: "test",
      insecureKeys: true,
      vkeySha256: localArtifacts("test").instance.sha256?.vkey ?? "0".repeat(64),
      deployer: await signers[0].getAddress(),
      block: Number((await rpc("eth_blockNumber")).result),
      domain: zk.domain.toString(),
      timing: { ttl: zk.timing.ttl.toString(), renewalWindow: zk.timing.renewalWindow.toString(), gracePeriod: zk.timing.gracePeriod.toString() },
      riskDelay: DEFAULT_RISK_DELAY.toString(),
      contracts: {
        PoseidonT9: await addr(zk.poseidon),
        RiskTimelock: await addr(zk.timelock),
        RiskParams: await addr(zk.riskParams),
        OracleHub: await addr(zk.oracle),
        VenueRegistry: await addr(zk.registry),
        Groth16Verifier: await addr(zk.snarkVerifier),
        MarginVerifier: await addr(zk.verifier),
        Groth16BatchVerifier: await addr(zk.batchVerifier),
        MarginAttestor: await addr(zk.attestor),
      },
      mockFeeds: await Promise.all(zk.feeds.map((row) => Promise.all(row.map(addr)))),
    };
    deploymentFile = path.join(dir, "deployment.json");
    writeFileSync(deploymentFile, JSON.stringify(deployment, null, 2));
    chain = await connectChain({ rpc: node.rpc, deployment: deploymentFile });
    relayer = new Wallet(devKey(9), chain.provider);
    // dev keys #2…#8 (they hold ether: some send cancelNonce), random keys for the rest (a relayed subject pays nothing)
    for (let k = 0; k < SUBJECTS; k++) subjects.push(k < 7 ? new Wallet(devKey(2 + k), chain.provider) : new Wallet(Wallet.createRandom().privateKey, chain.provider));
  });

  after(async () => {
    for (const r of running) await r.stop();
    chain?.close();
    await releaseProver();
    await node?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe("intake and one batch (max-batch 3)", () => {
    let r: RunningRelay;
    const proofs: ZkMarginProof[] = [];
    const reqs: Json[] = [];

    before(async () => {
      r = await relay("a.db", 3);
      for (const k of [0, 1, 2]) {
        proofs.push(await prove(k, usd("10000")));
        reqs.push(await request(proofs[k], k));
      }
    });

    it("(b) should refuse bad input before queueing it, each with one error naming the field", async () => {
      const expectRefused = async (body: unknown, status: number, code: string, field: string, message: RegExp) => {
        const res = await post(r, body);
        expect(res.status, JSON.stringify(res.body)).to.equal(status);
        expect(res.body).to.include({ error: code, field });
        expect(res.body.message as string).to.match(message);
      };
      // a tampered proof: A negated in the snarkjs proof and in the packed points (still on the curve), same signature
      const tampered = structuredClone(reqs[0]) as { proof: { proof: { pi_a: string[] }; points: string[] } };
      const q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
      tampered.proof.proof.pi_a[1] = ((q - BigInt(tampered.proof.proof.pi_a[1])) % q).toString();
      tampered.proof.points[1] = tampered.proof.proof.pi_a[1];
      await expectRefused(tampered, 422, "invalid_proof", "request.proof", /does not verify/);
      await expectRefused({ ...reqs[0], chainId: "1" }, 422, "wrong_deployment", "request.chainId", /chain 1, this relayer submits to chain 31337/);
      await expectRefused(await request(proofs[0], 0, { validFor: 0n }), 422, "expired", "request.deadline", /deadline .* is not after the chain's time/);
      await expectRefused(await request(proofs[0], 0, { signer: subjects[5] }), 422, "bad_signature", "request.signature", new RegExp(`not ${subjects[0].address}'s signature .* current nonce 0`));
      await expectRefused({ ...reqs[0], signature: "nope" }, 400, "bad_request", "request.signature", /./);
      await expectRefused({ ...reqs[0], subject: subjects[1].address }, 422, "subject_mismatch", "request.subject", /signed for/);
      const res = await fetch(`${r.url}/requests`, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" });
      expect(res.status).to.equal(400);
      expect(await queueLength(r), "nothing refused was queued").to.equal(0);
    });

    it("(a) should land three subjects' requests in one attestBatch and report each attested", async () => {
      const first = await post(r, reqs[0]);
      expect(first.status).to.equal(202);
      const id0 = first.body.id as string;
      // (b) a duplicate of a queued request: 409 with the id it is queued as
      const dup = await post(r, reqs[0]);
      expect(dup.status).to.equal(409);
      expect(dup.body).to.include({ error: "duplicate", id: id0 });
      expect(await statusOf(r, id0)).to.include({ id: id0, subject: subjects[0].address, epoch: EPOCH.toString(), status: "queued" });
      expect(await queueLength(r)).to.equal(1);
      const ids = [id0];
      for (const k of [1, 2]) {
        const res = await post(r, reqs[k]);
        expect(res.status, JSON.stringify(res.body)).to.equal(202);
        ids.push(res.body.id as string);
      }
      const done = await Promise.all(ids.map((id) => waitFor(r, id, ["attested", "skipped", "failed"])));
      for (const s of done) expect(s.status, JSON.stringify(s)).to.equal("attested");
      const tx = done[0].tx as string;
      expect(done.map((s) => s.tx)).to.deep.equal([tx, tx, tx]);
      const receipt = await chain.provider.getTransactionReceipt(tx);
      expect(receipt!.status).to.equal(1);
      expect(receipt!.from).to.equal(relayer.address);
      for (const k of [0, 1, 2]) {
        const s = await chain.attestor.status(subjects[k].address);
        expect(s).to.deep.include({ state: LifecycleState.Live, epoch: EPOCH, minExcess: usd("10000") });
      }
      console.log(`        relayed attestBatch of 3 first attestations: ${receipt!.gasUsed} gas, ${receipt!.gasUsed / 3n} per proof`);
    });

    it("(b) should refuse a request that would not move the attestation forward (the same one, already attested)", async () => {
      const res = await post(r, reqs[0]);
      expect(res.status).to.equal(422);
      expect(res.body).to.include({ error: "would_revert", field: "request" });
      expect(res.body.message as string).to.match(/MarginAttestor__NotForward/);
      expect(await queueLength(r)).to.equal(0);
    });
  });

  describe("restart", () => {
    it("(c) should keep queued requests across a stop and land them after the restart on the same queue", async () => {
      const r1 = await relay("c.db", 3);
      const ids: string[] = [];
      for (const k of [3, 4]) {
        const res = await post(r1, await request(await prove(k, usd("10000")), k));
        expect(res.status, JSON.stringify(res.body)).to.equal(202);
        ids.push(res.body.id as string);
      }
      await r1.stop();
      const r2 = await relay("c.db", 3);
      expect(await queueLength(r2)).to.equal(2);
      expect(await statusOf(r2, ids[0])).to.include({ status: "queued" });
      const res = await post(r2, await request(await prove(5, usd("10000")), 5));
      expect(res.status).to.equal(202);
      ids.push(res.body.id as string);
      const done = await Promise.all(ids.map((id) => waitFor(r2, id, ["attested", "skipped", "failed"])));
      expect(done.map((s) => s.status)).to.deep.equal(["attested", "attested", "attested"]);
      expect(new Set(done.map((s) => s.tx)).size).to.equal(1);
      await r2.stop();
    });

    it("(c) should reconcile, from the chain, a batch that was broadcast but not mined when the service stopped", async () => {
      const reqs = [];
      for (const k of [7, 8, 9]) reqs.push(await request(await prove(k, usd("10000")), k));
      await rpc("evm_setAutomine", [false]);
      try {
        const r1 = await relay("c2.db", 3);
        const ids: string[] = [];
        for (const q of reqs) ids.push((await post(r1, q)).body.id as string);
        const sent = await waitFor(r1, ids[0], ["submitted"]);
        await r1.stop(); // returns without the receipt: the batch stays stored as submitted
        expect(await chain.provider.getTransactionReceipt(sent.tx as string)).to.equal(null);
        await rpc("evm_mine");
        const r2 = await relay("c2.db", 3);
        const done = await Promise.all(ids.map((id) => statusOf(r2, id)));
        expect(done.map((s) => s.status), "settled at start, before any new batch").to.deep.equal(["attested", "attested", "attested"]);
        expect(done.map((s) => s.tx)).to.deep.equal([sent.tx, sent.tx, sent.tx]);
        await r2.stop();
      } finally {
        await rpc("evm_setAutomine", [true]);
      }
    });
  });

  describe("the attacker's move", () => {
    it("(d) should drop, at the batcher's re-check, a request whose subject cancelled its nonce after acceptance, and land the others", async () => {
      const r = await relay("d.db", 3);
      // subjects 0 and 1 raise their attestations of the epoch (forward: a higher excess); subject 6 is new
      const qa = await request(await prove(0, usd("20000")), 0);
      const qb = await request(await prove(6, usd("10000")), 6);
      const qc = await request(await prove(1, usd("20000")), 1);
      const a = (await post(r, qa)).body.id as string;
      const b = (await post(r, qb)).body.id as string;
      expect(await queueLength(r)).to.equal(2);
      await new AttestorClient(chain.deployment.contracts.MarginAttestor, subjects[0]).cancelNonce();
      const c = (await post(r, qc)).body.id as string;
      const [sa, sb, sc] = await Promise.all([a, b, c].map((id) => waitFor(r, id, ["attested", "skipped", "failed"])));
      expect(sa.status).to.equal("failed");
      expect(sa.reason as string).to.match(/^request\.signature: not .* current nonce 1/);
      expect(sa.tx).to.equal(undefined);
      expect([sb.status, sc.status]).to.deep.equal(["attested", "attested"]);
      expect(sb.batch).to.include({ size: 2 });
      expect((await chain.attestor.status(subjects[0].address)).minExcess, "the cancelled request did not land").to.equal(usd("10000"));
      expect((await chain.attestor.status(subjects[1].address)).minExcess).to.equal(usd("20000"));
      await r.stop();
    });
  });

  describe("the commands as processes", () => {
    it("(e) should serve, submit and follow a request with `relay serve`, `relay submit` and `relay status --wait`", async () => {
      const reqFile = path.join(dir, "req-10.json");
      writeFileSync(reqFile, JSON.stringify(await request(await prove(10, usd("10000")), 10), null, 2));
      const env = { ZKMARGIN_PRIVATE_KEY: devKey(9), ZKMARGIN_RPC: node.rpc, ZKMARGIN_DEPLOYMENT: deploymentFile };
      const d = await cliDaemon(["relay", "serve", "--db", path.join(dir, "e.db"), "--port", "0", "--max-batch", "1", "--max-wait", "0"], env);
      try {
        const hello = JSON.parse(d.firstLine) as { listening: string; relayer: string };
        expect(hello.relayer).to.equal(relayer.address);
        const bad = path.join(dir, "req-bad.json");
        writeFileSync(bad, JSON.stringify({ ...(JSON.parse(JSON.stringify(await request(await prove(11, usd("10000")), 11))) as Json), chainId: "5" }));
        const refused = cli(["relay", "submit", "--url", hello.listening, bad]);
        expect(refused.status, refused.stderr).to.equal(ExitCode.BadInput);
        expect(refused.stderr).to.match(/^error: request\.chainId: the relayer refused it \(HTTP 422 wrong_deployment\)/m);
        const sub = cli(["relay", "submit", "--url", hello.listening, reqFile]);
        expect(sub.status, sub.stderr).to.equal(ExitCode.Ok);
        const id = sub.stdout.trim();
        expect(id).to.match(/^[0-9a-f-]{36}$/);
        const st = cli(["relay", "status", "--url", hello.listening, id, "--wait", "--json"]);
        expect(st.status, st.stderr).to.equal(ExitCode.Ok);
        const s = JSON.parse(st.stdout) as { status: string; tx: string };
        expect(s.status).to.equal("attested");
        expect((await chain.provider.getTransactionReceipt(s.tx))!.status).to.equal(1);
        expect((await chain.attestor.status(subjects[10].address)).state).to.equal(LifecycleState.Live);
        const unknown = cli(["relay", "status", "--url", hello.listening, "no-such-id"]);
        expect(unknown.status).to.equal(ExitCode.BadInput);
        expect(unknown.stderr).to.match(/^error: id: no request no-such-id/m);
      } finally {
        await d.stop();
      }
      expect(d.proc.exitCode, "SIGTERM is a clean stop").to.equal(0);
    });
  });
});
