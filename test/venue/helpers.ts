/**
 * Test helpers of the venue kit: a real `hardhat node` on a free loopback port (a child process, killed at the
 * end), the contracts deployed to it through client/deploy.ts, and the CLI as a child process.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { HDNodeWallet } from "ethers";
import type { ZkMarginCore, ZkMarginDeployment } from "../../client/deploy.ts";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/**
 * Node options that run TypeScript in THIS process (tsx's loader), not through tsx's CLI, which forks a second
 * process: a signal sent to the child must reach the process that does the work.
 */
export const TSX_NODE_ARGS = ["--import", "tsx"] as const;
/** The bin users run (package.json "bin"; client/cli.ts only exports main()). */
export const CLI = path.join(ROOT, "client/bin/zkmargin.js");

/** hardhat node's dev accounts (its default mnemonic "test test … junk"): #0 admin, #1 venue operator, #2 trader. */
export const DEV_KEYS: readonly string[] = [0, 1, 2].map((i) => HDNodeWallet.fromPhrase("test test test test test test test test test test test junk", undefined, `m/44'/60'/0'/0/${i}`).privateKey);

/** SIGTERM a child (SIGKILL after 5 s) and wait for it to exit. */
export function stopChild(proc: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.once("exit", () => resolve());
    proc.kill("SIGTERM");
    setTimeout(() => proc.kill("SIGKILL"), 5000).unref();
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface HardhatNode {
  rpc: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** Start `hardhat node` on a free loopback port (`extraArgs`: e.g. --chain-id) and wait until it answers eth_chainId. */
export async function startHardhatNode(extraArgs: readonly string[] = []): Promise<HardhatNode> {
  const port = await freePort();
  const proc = spawn(process.execPath, [path.join(ROOT, "node_modules/hardhat/dist/src/cli.js"), "node", "--hostname", "127.0.0.1", "--port", String(port), ...extraArgs], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  proc.stdout!.on("data", (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  proc.stderr!.on("data", (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  const rpc = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`hardhat node exited (${proc.exitCode}): ${log}`);
    try {
      const res = await fetch(rpc, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }) });
      if (res.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`hardhat node did not start: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    rpc,
    proc,
    stop: () => stopChild(proc),
  };
}

/**
 * The zkmargin contracts deployed to the hardhat node through the project's one deployment path (client/deploy.ts,
 * hardhat-ethers connected to the node over JSON-RPC): with the attestor (`full`, needs the instance's verifier
 * built) or the state contracts only. Risk params are set; `snapshot(epoch)` takes the oracle snapshot an epoch's
 * roots need. Venue `venueId` is registered with operator dev key #1.
 */
export async function deploySystem(rpc: string, venueId: bigint, full: true): Promise<DeployedSystem<ZkMarginDeployment>>;
export async function deploySystem(rpc: string, venueId: bigint, full: false): Promise<DeployedSystem<ZkMarginCore>>;
export async function deploySystem(rpc: string, venueId: bigint, full: boolean): Promise<DeployedSystem<ZkMarginCore>> {
  const hre = (await import("hardhat")).default;
  await hre.tasks.getTask("build").run({ quiet: true, noTests: true });
  const { ethers } = await hre.network.connect({ network: "localhost", override: { url: rpc } });
  const { deployCore, deployZkMargin } = await import("../../client/deploy.ts");
  const { testMarket, testRisk } = await import("../fixtures/market.ts");
  const signers = await ethers.getSigners();
  const zk = full ? await deployZkMargin(ethers, { instance: "test", admin: signers[0] }) : await deployCore(ethers, { instance: "test", admin: signers[0] });
  await zk.setRiskParams(testRisk());
  await zk.registerVenue(venueId, signers[1]);
  return {
    zk,
    registry: await zk.registry.getAddress(),
    snapshot: (epoch: bigint) => zk.setMarket(testMarket(), epoch),
  };
}

export interface DeployedSystem<T extends ZkMarginCore> {
  zk: T;
  registry: string;
  snapshot(epoch: bigint): Promise<bigint>;
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run the zkmargin CLI as a child process. */
export function cli(args: readonly string[], env: NodeJS.ProcessEnv = {}): CliResult {
  const res = spawnSync(process.execPath, [...TSX_NODE_ARGS, CLI, ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...env }, timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** Start the CLI as a long-running child (e.g. `venue serve`); resolves with the first stdout line. */
export async function cliDaemon(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ proc: ChildProcess; firstLine: string; stop(): Promise<void> }> {
  const proc = spawn(process.execPath, [...TSX_NODE_ARGS, CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  proc.stderr!.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  const firstLine = await new Promise<string>((resolve, reject) => {
    let out = "";
    proc.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf("\n");
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    proc.once("exit", (code) => reject(new Error(`${args.join(" ")} exited ${code}: ${err}`)));
  });
  return {
    proc,
    firstLine,
    stop: () => stopChild(proc),
  };
}
