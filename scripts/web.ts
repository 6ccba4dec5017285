/**
 * `npm run web`: serve the trader page on loopback with one command.
 *
 *   1. bundles web/ with Vite into build/web/ (page, proving Web Worker, snarkjs, the SDK);
 *   2. by default starts Hardhat's in-process chain (EDR), deploys the zkmargin contracts for the instance
 *      (client/deploy.ts), sets the calibrated risk params and the demo epoch's market snapshot, registers two demo
 *      venues and posts their roots, and exposes the chain to the page as JSON-RPC on the same loopback server
 *      (/rpc, /deployment.json) — other tools (the CLI, a wallet) can use that endpoint too;
 *      with --deployment <file> it serves no chain: the page connects through the browser's wallet to the chain
 *      that file describes;
 *   3. serves the page, the instance's artifacts (/artifacts/<instance>/...) and the demo book (/demo/book.json).
 *
 * The instance's keys must be built first (`npm run build`, or `npm run build:prod` for --instance prod) and the
 * contracts compiled (`npx hardhat build`). Exit codes: 0 on Ctrl-C, 1 when it cannot start (the reason printed).
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { existsSync, readFileSync } from "node:fs";
import { startLocalChain, type LocalChain } from "../web/localChain.ts";
import { demoBook } from "../web/demoBook.ts";
import { startWebServer, type DeploymentInfo } from "../web/server.ts";
import { artifactPaths, getInstance, marginParams } from "./lib/instances.ts";

const program = new Command()
  .name("npm run web --")
  .description("Serve the zkmargin trader page (proving in the browser) on loopback, with a local chain or for a deployment elsewhere.")
  .addOption(
    new Option("--port <port>", "port on 127.0.0.1").default("5173").argParser((v) => {
      const n = Number(v);
      if (!/^[0-9]+$/.test(v) || n > 65535) throw new InvalidArgumentError("not a TCP port");
      return String(n);
    }),
  )
  .option("--instance <name>", "circuit instance (circuits/circuits.json)", "test")
  .option("--deployment <file>", "serve no local chain: a deployment JSON ({ chainId, instance, contracts: { MarginAttestor }, rpcUrl? }) the page connects to through the browser's wallet")
  .option("--no-demo", "do not offer the demo book")
  .addOption(
    new Option("--epoch <n>", "first epoch of the local chain").default("1").argParser((v) => {
      if (!/^[0-9]{1,10}$/.test(v) || BigInt(v) >= 1n << 32n) throw new InvalidArgumentError("not an epoch below 2^32");
      return v;
    }),
  )
  .addHelpText("after", "\nExit codes: 0 stopped with Ctrl-C; 1 could not start (keys not built, bad deployment file, port in use).")
  .parse();

const opts = program.opts<{ port: string; instance: string; deployment?: string; demo: boolean; epoch: string }>();

function readDeployment(file: string): DeploymentInfo {
  let text: string;
  try {
    text = readFileSync(file, "utf8").replace(/^\uFEFF/, "");
  } catch (e) {
    throw new Error(`--deployment ${file}: cannot read it (${(e as Error).message})`);
  }
  let j: DeploymentInfo;
  try {
    j = JSON.parse(text) as DeploymentInfo;
  } catch (e) {
    throw new Error(`--deployment ${file}: not JSON (${(e as Error).message})`);
  }
  if (typeof j.contracts?.MarginAttestor !== "string") throw new Error(`--deployment ${file}: contracts.MarginAttestor: missing`);
  if (typeof j.instance !== "string") throw new Error(`--deployment ${file}: instance: missing`);
  return j;
}

async function main(): Promise<void> {
  const deployment = opts.deployment ? readDeployment(opts.deployment) : undefined;
  const instance = deployment?.instance ?? opts.instance;
  getInstance(instance);
  const params = marginParams(instance);
  const paths = artifactPaths(instance);
  for (const f of [paths.wasm, paths.zkey, paths.vkey]) {
    if (!existsSync(f)) throw new Error(`instance "${instance}" is not built (${f} missing): run \`npx tsx scripts/build.ts ${instance}\``);
  }
  const book = deployment ? undefined : demoBook(params, { epoch: BigInt(opts.epoch) });

  let chain: LocalChain | undefined;
  if (book) {
    console.log("starting the local chain and deploying the contracts…");
    chain = await startLocalChain(instance, book);
  }
  console.log("bundling the page (Vite)…");
  const server = await startWebServer({
    port: Number(opts.port),
    chain: chain?.bridge,
    deployment,
    demo: opts.demo && book ? (epoch) => book.filesFor(epoch ?? chain?.epoch() ?? book.epoch) : undefined,
    demoActions: opts.demo ? chain : undefined,
  });
  console.log(`\nzkmargin trader page: ${server.url}`);
  console.log(`  instance ${instance} (V=${params.V}, N=${params.N}, A=${params.A}, K=${params.K}, D=${params.D})`);
  if (chain) {
    const info = chain.bridge.info;
    console.log(`  local chain ${info.chainId}: JSON-RPC at ${server.url}rpc; MarginAttestor ${info.contracts.MarginAttestor}`);
    console.log(`  demo venues ${book?.venues.map((v) => v.venueId).join(", ")}: roots posted for epoch ${book?.epoch}`);
    if (opts.demo) console.log('  demo book: click "Load the demo book" (its trader secret is public: demo only); "Demo chain" moves epochs and time');
  } else if (deployment) {
    console.log(`  deployment on chain ${deployment.chainId}: MarginAttestor ${deployment.contracts.MarginAttestor} (the page signs through the browser's wallet)`);
  }
  console.log("Ctrl-C to stop.");
  const stop = async () => {
    await server.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
}

main().catch((e: unknown) => {
  console.error(`web: ${(e as Error).message}`);
  process.exit(1);
});
