/**
 * `npm run web`: serve the trader page on loopback with one command.
 *
 *   1. bundles web/ with Vite into build/web/ (page, proving Web Worker, snarkjs, the SDK);
 *   2. unless --no-chain: starts Hardhat's in-process chain (EDR), deploys the zkmargin contracts for the instance
 *      (client/deploy.ts), registers two demo venues, posts their roots, the market snapshot and the risk params,
 *      and exposes the chain to the page as JSON-RPC on the same loopback server (/rpc, /chain.json);
 *   3. serves the page, the instance's artifacts (/artifacts/<instance>/...) and the demo book (/demo/book.json).
 *
 * The instance's keys must be built first (`npm run build`); the contracts compiled (`npx hardhat build`).
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { existsSync } from "node:fs";
import { startLocalChain } from "../web/localChain.ts";
import { demoBook } from "../web/demoBook.ts";
import { startWebServer } from "../web/server.ts";
import { artifactPaths, getInstance, marginParams } from "./lib/instances.ts";

const program = new Command()
  .name("npm run web --")
  .description("Serve the zkmargin trader page (proving in the browser) on loopback, with a local chain.")
  .addOption(new Option("--port <port>", "port on 127.0.0.1").default("5173").argParser((v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("not a TCP port");
    return String(n);
  }))
  .option("--instance <name>", "circuit instance (circuits/circuits.json)", "test")
  .option("--no-chain", "serve without a local chain (the page proves and verifies, but cannot submit)")
  .option("--no-demo", "do not offer the demo book")
  .addOption(new Option("--epoch <n>", "epoch of the demo book").default("1").argParser((v) => {
    if (!/^[0-9]{1,19}$/.test(v)) throw new InvalidArgumentError("not an unsigned 64-bit integer");
    return v;
  }))
  .parse();

const opts = program.opts<{ port: string; instance: string; chain: boolean; demo: boolean; epoch: string }>();

async function main(): Promise<void> {
  getInstance(opts.instance);
  const params = marginParams(opts.instance);
  const paths = artifactPaths(opts.instance);
  for (const f of [paths.wasm, paths.zkey, paths.vkey]) {
    if (!existsSync(f)) throw new Error(`instance "${opts.instance}" is not built (${f} missing): run \`npx tsx scripts/build.ts ${opts.instance}\``);
  }
  const book = opts.demo || opts.chain ? demoBook(params, { epoch: BigInt(opts.epoch) }) : undefined;

  console.log("bundling the page (Vite)…");
  let chain: Awaited<ReturnType<typeof startLocalChain>> | undefined;
  if (opts.chain && book) {
    console.log("starting the local chain and deploying the contracts…");
    chain = await startLocalChain(opts.instance, book);
  }
  const server = await startWebServer({ port: Number(opts.port), chain: chain?.bridge, demo: opts.demo ? book?.files : undefined });
  console.log(`\nzkmargin trader page: ${server.url}`);
  console.log(`  instance ${opts.instance} (V=${params.V}, N=${params.N}, A=${params.A}, K=${params.K}, D=${params.D})`);
  if (chain) {
    console.log(`  local chain ${chain.bridge.info.chainId} at ${server.url}rpc; MarginAttestor ${chain.bridge.info.contracts.MarginAttestor}`);
    console.log(`  demo venues ${book?.venues.map((v) => v.venueId).join(", ")} posted roots for epoch ${book?.epoch}`);
  }
  if (opts.demo) console.log("  demo book: click \"Load the demo book\" (its trader secret is public: demo only)");
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
