/**
 * The relayer tests' world: a real `hardhat node` on loopback with the contracts deployed through client/deploy.ts,
 * a deployment file as `zkmargin deploy` writes it, one venue (id 11) whose epoch-3 root holds one account per
 * subject (each its own trader secret: its own book), real test-instance proofs from the SDK, and the request file
 * `zkmargin attest sign` writes, signed with EIP-712 by the subject's key. Shared by relay.test.ts and measure.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { HDNodeWallet, Wallet } from "ethers";
import { generateProof, releaseProver, type ZkMarginProof } from "../../prover/generateProof.ts";
import { toJsonValue, type Statement } from "../../prover/statement.ts";
import { accountKeys, Venue } from "../../prover/venue.ts";
import { localArtifacts } from "../../scripts/lib/instances.ts";
import { buildInstance } from "../../scripts/lib/pipeline.ts";
import { ATTEST_REQUEST_TYPES, attestable, attestorDomain, attestRequest } from "../../client/attestor.ts";
import { connectChain, type Chain } from "../../client/chain.ts";
import { DEFAULT_RISK_DELAY, type ZkMarginDeployment } from "../../client/deploy.ts";
import { DEPLOYMENT_FORMAT } from "../../client/deployment.ts";
import { startRelay, type RunningRelay } from "../../client/relay/service.ts";
import { TEST_ASSETS, TEST_PARAMS, spot, testMarket, testRisk } from "../fixtures/market.ts";
import { deploySystem, startHardhatNode, type HardhatNode } from "../venue/helpers.ts";

const MNEMONIC = "test test test test test test test test test test test junk";
export const devKey = (i: number) => HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).privateKey;
export const VENUE = 11n;
export const EPOCH = 3n;

export type Json = Record<string, unknown>;

export interface RelayWorld {
  node: HardhatNode;
  dir: string;
  zk: ZkMarginDeployment;
  chain: Chain;
  deploymentFile: string;
  /** dev key #9: pays the relayer's gas */
  relayer: Wallet;
  /** subject k: dev keys #2…#8 (they hold ether, e.g. to cancelNonce) for k < 7, random keys after */
  subjects: Wallet[];
  prove(k: number, minExcess: bigint): Promise<ZkMarginProof>;
  request(proof: ZkMarginProof, k: number, opts?: { validFor?: bigint; signer?: Wallet }): Promise<Json>;
  /** a relayer on queue file `db` (in the world's temp dir), paying with `wallet` (default: the relayer key) */
  relay(db: string, maxBatch: number, maxWaitSeconds?: number, wallet?: Wallet): Promise<RunningRelay>;
  rpc(method: string, params?: unknown[]): Promise<{ result: unknown }>;
  close(): Promise<void>;
}

export async function relayWorld(subjectCount: number): Promise<RelayWorld> {
  await buildInstance("test", { log: () => undefined });
  const node = await startHardhatNode();
  const dir = mkdtempSync(path.join(tmpdir(), "zkmargin-relay-"));
  const rpc = (method: string, params: unknown[] = []) =>
    fetch(node.rpc, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) }).then((r) => r.json() as Promise<{ result: unknown }>);
  const sys = await deploySystem(node.rpc, VENUE, true);
  const zk = sys.zk;
  await sys.snapshot(EPOCH);
  const venue = Venue.forInstance(VENUE, TEST_PARAMS);
  const secrets: bigint[] = [];
  const indices: number[] = [];
  for (let k = 0; k < subjectCount; k++) {
    secrets.push(0x5eed_0000n + BigInt(k));
    const a = accountKeys(secrets[k]);
    indices.push(venue.openAccount(a.owner, a.salt, [spot(TEST_ASSETS.USDC, String(50_000 + 1000 * k))]));
  }
  const signers = await (await import("hardhat")).default.network.connect({ network: "localhost", override: { url: node.rpc } }).then((c) => c.ethers.getSigners());
  await zk.postRoot(signers[1], VENUE, EPOCH, venue.root);
  const statements: Statement[] = indices.map((i) => venue.statement(i, EPOCH));

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
  const deploymentFile = path.join(dir, "deployment.json");
  writeFileSync(deploymentFile, JSON.stringify(deployment, null, 2));
  const chain = await connectChain({ rpc: node.rpc, deployment: deploymentFile });
  const relayer = new Wallet(devKey(9), chain.provider);
  const subjects: Wallet[] = [];
  for (let k = 0; k < subjectCount; k++) subjects.push(k < 7 ? new Wallet(devKey(2 + k), chain.provider) : new Wallet(Wallet.createRandom().privateKey, chain.provider));
  const running: RunningRelay[] = [];

  return {
    node,
    dir,
    zk,
    chain,
    deploymentFile,
    relayer,
    subjects,
    rpc,
    prove: (k, minExcess) =>
      generateProof(
        { statements: [statements[k]], traderSecret: secrets[k], market: testMarket(), risk: testRisk(), epoch: EPOCH, subject: BigInt(subjects[k].address), domain: zk.domain, minExcess },
        localArtifacts("test"),
      ),
    async request(proof, k, opts = {}) {
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
    },
    async relay(db, maxBatch, maxWaitSeconds = 3600, wallet = relayer) {
      const r = await startRelay({ chain, wallet, db: path.join(dir, db), maxBatch, maxWaitSeconds, pollMs: 100 });
      running.push(r);
      return r;
    },
    async close() {
      for (const r of running) await r.stop();
      chain.close();
      await releaseProver();
      await node.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** HTTP against a running relayer. */
export async function post(r: RunningRelay, body: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${r.url}/requests`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Json };
}

export async function statusOf(r: RunningRelay, id: string): Promise<Json> {
  return (await (await fetch(`${r.url}/requests/${id}`)).json()) as Json;
}

/** Poll a request until its status is one of `statuses`. */
export async function waitFor(r: RunningRelay, id: string, statuses: string[], ms = 120_000): Promise<Json> {
  const until = Date.now() + ms;
  for (;;) {
    const s = await statusOf(r, id);
    if (statuses.includes(s.status as string)) return s;
    if (Date.now() > until) throw new Error(`request ${id} is ${String(s.status)} after ${ms} ms: ${JSON.stringify(s)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

export async function queueLength(r: RunningRelay): Promise<number> {
  return ((await (await fetch(`${r.url}/health`)).json()) as { queueLength: number }).queueLength;
}
