/**
 * The venue kit (client/venue/): leaf hashing per account with each Poseidon implementation, epoch rebuilds of
 * 10^4, 10^5 and 10^6 accounts (every leaf changed, then 1 % changed) on the production dimensions, and the
 * statement service's latency and throughput on loopback (against a real `hardhat node`).
 *
 * `npm run bench -- --only venue` (all of it) · `VENUE_BENCH_SIZES=10000,100000 npm run bench -- --only venue`.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { Wallet } from "ethers";
import { accountLeafOf, holdingWords } from "../../prover/commitments.ts";
import { elementsToBytes, jsHasher } from "../../prover/poseidon/batch.ts";
import { buildEpoch } from "../../client/venue/build.ts";
import { connectRegistry, postEpochRoot } from "../../client/venue/chain.ts";
import { signStatementRequest } from "../../client/venue/cli.ts";
import { nativeHasher } from "../../client/venue/hasher.ts";
import { addAccounts, parseHoldings, stageHoldings } from "../../client/venue/importer.ts";
import { buildService } from "../../client/venue/service.ts";
import { VenueStore } from "../../client/venue/store.ts";
import { getInstance, ROOT } from "../lib/instances.ts";
import { holdingsCsv, syntheticAccounts, syntheticHoldings } from "../lib/venueData.ts";
import { testMarket, testRisk } from "../../test/fixtures/market.ts";
import { mdTable, ms, sec, thousands, time, type Section } from "./common.ts";

const prod = getInstance("prod").params;
const DIMS = { N: prod.N, A: prod.A, D: prod.D };
const HOLDINGS_PER_ACCOUNT = 4; // 1 … 4, mean 2.5
const SIGNER = "0x00000000000000000000000000000000000000c3";

/** Wall and CPU (user + system, every thread of the process) time of f, ms. */
async function timeCpu<T>(f: () => Promise<T> | T): Promise<{ value: T; ms: number; cpuMs: number }> {
  const c0 = process.cpuUsage();
  const t = await time(f);
  const c = process.cpuUsage(c0);
  return { ...t, cpuMs: (c.user + c.system) / 1000 };
}

/** Wall and CPU µs per item of f over `count` items. */
async function perItem(count: number, f: () => unknown): Promise<{ wall: number; cpu: number }> {
  const t = await timeCpu(f);
  return { wall: (t.ms * 1000) / count, cpu: (t.cpuMs * 1000) / count };
}

async function leafHashing(log: (s: string) => void): Promise<string> {
  const accounts = syntheticAccounts(4000, 1, SIGNER);
  const book = syntheticHoldings(accounts.map((a) => a.id), 2, DIMS.A, DIMS.N).map((r, i) => ({ ...r, owner: accounts[i].owner }));
  const inputs = book.map((r) => [r.owner, 7n, ...holdingWords(r.holdings, DIMS)]);
  const width = inputs[0].length;
  const flat = elementsToBytes(inputs.flat());
  const rows: (string | number)[][] = [];
  log("venue: leaf hashing");
  const lite = await perItem(200, () => book.slice(0, 200).forEach((r) => accountLeafOf(r.owner, 7n, r.holdings, DIMS)));
  rows.push(["poseidon-lite (pure JS), accountLeafOf", "1", ms(lite.wall / 1000), ms(lite.cpu / 1000), "incl. packing the holding words"]);
  const liteHash = await perItem(200, () => jsHasher.hashBatch(width, flat.subarray(0, 200 * width * 32)));
  rows.push([`poseidon-lite, Poseidon(${width}) alone`, "1", ms(liteHash.wall / 1000), ms(liteHash.cpu / 1000), "the JS fallback's batch"]);
  // @ts-expect-error circomlibjs ships no type declarations
  const { buildPoseidonOpt, buildPoseidon } = (await import("circomlibjs")) as unknown as {
    buildPoseidonOpt(): Promise<((x: bigint[]) => unknown) & { F: { toObject(x: unknown): bigint } }>;
    buildPoseidon(): Promise<((x: bigint[]) => unknown) & { F: { toObject(x: unknown): bigint } }>;
  };
  const opt = await buildPoseidonOpt();
  const wasm = await buildPoseidon();
  const want = jsHasher.hashBatch(width, flat.subarray(0, width * 32));
  for (const [name, fn] of [
    ["circomlibjs poseidon_opt (ffjavascript)", opt],
    ["circomlibjs poseidon_wasm (WASM built in JS)", wasm],
  ] as const) {
    if (elementsToBytes([fn.F.toObject(fn(inputs[0]))]).some((b, i) => b !== want[i])) throw new Error(`${name} disagrees with poseidon-lite`);
    const us = await perItem(400, () => inputs.slice(0, 400).forEach((x) => fn.F.toObject(fn(x))));
    rows.push([name, "1", ms(us.wall / 1000), ms(us.cpu / 1000), "matches circomlib"]);
  }
  for (const threads of [1, 2]) {
    const h = nativeHasher(threads);
    h.hashBatch(width, flat.subarray(0, 64 * width * 32)); // warm up
    const us = await perItem(inputs.length, () => h.hashBatch(width, flat));
    rows.push([`native (this kit: C++ Node-API, g++ -O3), ${threads} thread${threads > 1 ? "s" : ""}`, String(threads), ms(us.wall / 1000), ms(us.cpu / 1000), "matches circomlib"]);
  }
  return [
    `### Leaf hashing per account (prod: N = ${DIMS.N}, A = ${DIMS.A}, leaf = Poseidon(${width}))`,
    "",
    mdTable(["implementation", "threads", "wall ms per leaf", "CPU ms per leaf", "note"], rows),
    "",
    `CPU = user + system time of the process (all threads), the figure least affected by other work on the machine. Load average during the run: ${loadavg()[0].toFixed(1)} (2-core machine shared with other work).`,
  ].join("\n");
}

async function rebuilds(log: (s: string) => void, sizes: number[]): Promise<string> {
  const rows: (string | number)[][] = [];
  for (const n of sizes) {
    const dir = mkdtempSync(path.join(tmpdir(), "zkm-bench-venue-"));
    try {
      const db = path.join(dir, "v.db");
      const store = VenueStore.create(db, { venueId: 7n, ...DIMS, instance: "prod" });
      log(`venue: ${thousands(n)} accounts: generating`);
      const accounts = syntheticAccounts(n, 3, SIGNER);
      const ids = accounts.map((a) => a.id);
      const open = await time(() => addAccounts(store, accounts));
      const book = syntheticHoldings(ids, 4, DIMS.A, HOLDINGS_PER_ACCOUNT);
      const stage = await time(() => stageHoldings(store, 1, book));
      log(`venue: ${thousands(n)} accounts: building epoch 1 (all changed)`);
      const load1 = loadavg()[0];
      const full = await timeCpu(() => buildEpoch(store, 1));
      const fullLoad = `${load1.toFixed(1)} → ${loadavg()[0].toFixed(1)}`;
      const changed = ids.filter((_, i) => i % 100 === 0);
      const delta = syntheticHoldings(changed, 5, DIMS.A, HOLDINGS_PER_ACCOUNT);
      const stage2 = await time(() => stageHoldings(store, 2, delta));
      log(`venue: ${thousands(n)} accounts: building epoch 2 (1 % changed)`);
      const load2 = loadavg()[0];
      const inc = await timeCpu(() => buildEpoch(store, 2));
      const incLoad = `${load2.toFixed(1)} → ${loadavg()[0].toFixed(1)}`;
      let csvNote = "";
      if (n <= 100_000) {
        const csv = holdingsCsv(book);
        const parsed = await time(() => parseHoldings(csv, "h.csv", "csv", DIMS));
        csvNote = ms((parsed.ms * 1000) / n);
      }
      store.close();
      const size = statSync(db).size + (statSync(`${db}-wal`, { throwIfNoEntry: false })?.size ?? 0);
      for (const [label, st, b, load] of [
        ["all changed", stage, full, fullLoad],
        ["1 % changed", stage2, inc, incLoad],
      ] as const) {
        const t = b.value.timings;
        const c = b.value.cpu;
        const wc = (w: number, u: number) => `${sec(w)} / ${sec(u)}`;
        rows.push([
          thousands(n),
          label,
          thousands(b.value.leaves),
          thousands(b.value.nodes),
          sec(b.ms),
          sec(b.cpuMs),
          load,
          wc(t.leaves, c.leaves),
          wc(t.tree, c.tree),
          wc(t.scan + t.commit, c.scan + c.commit),
          sec(st.ms),
          label === "all changed" ? `${sec(open.ms)} / ${csvNote || "—"}` : "",
          label === "all changed" ? (size / 1024 / 1024).toFixed(0) : "",
        ]);
      }
      log(`venue: ${thousands(n)}: full ${sec(full.ms)} s, 1 % ${sec(inc.ms)} s`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return [
    `### Epoch rebuild (prod dimensions: N = ${DIMS.N}, A = ${DIMS.A}, arity-4 depth D = ${DIMS.D}; native hasher on 2 threads)`,
    "",
    mdTable(
      ["accounts", "epoch", "leaves rehashed", "nodes rehashed", "build-epoch wall (s)", "build-epoch CPU (s)", "load avg (1 min) before → after", "leaves wall / CPU (s)", "tree wall / CPU (s)", "scan + commit wall / CPU (s)", "import, SDK stageHoldings (s)", "open accounts (s) / CSV parse (µs per account)", "store size after (MiB)"],
      rows,
    ),
    "",
    `build-epoch = \`buildEpoch\` (one SQLite transaction: find changed leaves, hash them, rehash the dirty nodes level by level, write leaves, holdings and nodes, record the epoch). Holdings per account: 1 … ${HOLDINGS_PER_ACCOUNT} random holdings (spot, linear, options) within the circuit's ranges. Import (validation and packing into holding words, in JS on one core) is a separate step, \`zkmargin venue import\`, shown apart. The machine (2 cores) is shared with other work: the load average (\`uptime\`'s 1-minute figure) is given before and after each build, and CPU time (user + system, all threads) is the fair figure when the load is above 2. Stages: leaves = packing the hashing rows and hashing the leaves (2 threads) while SQLite copies the holdings; tree = every level's groups assembled, hashed (2 threads) and written; scan = the changed-leaf query; commit = the epoch row and SQLite's COMMIT.`,
  ].join("\n");
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

async function service(log: (s: string) => void): Promise<string> {
  const port = await freePort();
  const node = spawn(process.execPath, [path.join(ROOT, "node_modules/hardhat/dist/src/cli.js"), "node", "--hostname", "127.0.0.1", "--port", String(port)], { cwd: ROOT, stdio: "ignore" });
  const dir = mkdtempSync(path.join(tmpdir(), "zkm-bench-svc-"));
  try {
    const rpc = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      try {
        const res = await fetch(rpc, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }) });
        if (res.ok) break;
      } catch {
        if (i > 400) throw new Error("hardhat node did not start");
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    // the contracts through the project's deployment path, over JSON-RPC to the node
    const hre = (await import("hardhat")).default;
    const { ethers } = await hre.network.connect({ network: "localhost", override: { url: rpc } });
    const { deployCore } = await import("../../client/deploy.ts");
    const signers = await ethers.getSigners();
    const zk = await deployCore(ethers, { instance: "test", admin: signers[0] });
    await zk.registerVenue(7n, signers[1]);
    await zk.setRiskParams(testRisk());
    await zk.setMarket(testMarket(), 1n); // the oracle snapshot epoch 1's root needs
    const operatorKey = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"; // dev account #1
    const address = await zk.registry.getAddress();
    const holder = Wallet.createRandom();
    const store = VenueStore.create(path.join(dir, "v.db"), { venueId: 7n, ...DIMS, instance: "prod" });
    const accounts = syntheticAccounts(10_000, 6, holder.address.toLowerCase());
    addAccounts(store, accounts);
    stageHoldings(store, 1, syntheticHoldings(accounts.map((a) => a.id), 7, DIMS.A, HOLDINGS_PER_ACCOUNT));
    buildEpoch(store, 1);
    await postEpochRoot(store, await connectRegistry(rpc, address, operatorKey), 1);
    const app = await buildService({ store, registry: await connectRegistry(rpc, address), rateLimit: { max: 1_000_000, timeWindow: 60_000 } });
    const url = await app.listen({ host: "127.0.0.1", port: 0 });
    const SEQ = 300;
    const CONC = 16;
    const PAR = 1200;
    log("venue: service: signing requests");
    const reqs = await Promise.all(Array.from({ length: SEQ + PAR }, (_, i) => signStatementRequest(holder, 7n, `a-${i % 10_000}`, 1)));
    const send = async (body: unknown) => {
      const t0 = performance.now();
      const res = await fetch(`${url}/v1/statement`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      await res.text();
      if (res.status !== 200) throw new Error(`service answered ${res.status}`);
      return performance.now() - t0;
    };
    await send(reqs[0]); // first request confirms the root on chain (cached after)
    log("venue: service: latency");
    const lat: number[] = [];
    for (const r of reqs.slice(1, SEQ)) lat.push(await send(r));
    lat.sort((a, b) => a - b);
    log("venue: service: throughput");
    const queue = reqs.slice(SEQ);
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONC }, async () => {
        for (let r = queue.pop(); r; r = queue.pop()) await send(r);
      }),
    );
    const elapsed = performance.now() - t0;
    await app.close();
    store.close();
    const q = (p: number) => ms(lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]);
    return [
      "### Statement service on loopback",
      "",
      mdTable(
        ["requests", "p50 (ms)", "p90 (ms)", "p99 (ms)", `throughput at ${CONC} concurrent clients (req/s)`],
        [[`${SEQ - 1} sequential + ${PAR} concurrent`, q(0.5), q(0.9), q(0.99), (PAR / (elapsed / 1000)).toFixed(0)]],
      ),
      "",
      `One request = POST /v1/statement with an EIP-712-signed StatementRequest (signed before timing): signature recovery, account lookup, nonce check, the posted-root and revocation check (chain read at most every 30 s), the Merkle path read from SQLite (D = ${DIMS.D} levels × 3 siblings) and checked against the root, JSON out. Store of 10,000 accounts; fastify with @fastify/rate-limit; client and server in one process on a 2-core machine (load average ${loadavg()[0].toFixed(1)}).`,
    ].join("\n");
  } finally {
    node.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
}

export const venueSection: Section = {
  id: "venue",
  title: "Venue kit",
  async run(ctx) {
    const sizes = (process.env.VENUE_BENCH_SIZES ?? "10000,100000,1000000").split(",").map(Number);
    // each part is logged as soon as it is done, so a later failure loses nothing measured
    const parts: string[] = [];
    for (const part of [() => leafHashing(ctx.log), () => rebuilds(ctx.log, sizes), () => service(ctx.log)]) {
      const md = await part();
      ctx.log(`venue: part done\n${md}`);
      parts.push(md);
    }
    return parts.join("\n\n");
  },
};
