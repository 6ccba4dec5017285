/**
 * The trader page's server side (Node only): the Vite config, the production build of web/ into build/web/, and a
 * loopback server that serves the built page, the circuit artifacts of an instance and, optionally, a JSON-RPC
 * endpoint backed by an in-process Hardhat (EDR) chain. scripts/web.ts and test/browser/* both start it from here.
 *
 * Routes (besides the page itself):
 *   GET  /artifacts/instances.json                 the instances of circuits/circuits.json (name → params)
 *   GET  /artifacts/<instance>/circuit.wasm        witness generator  (artifactPaths(instance).wasm)
 *   GET  /artifacts/<instance>/circuit.zkey        proving key        (artifactPaths(instance).zkey)
 *   GET  /artifacts/<instance>/verification_key.json
 *   GET  /deployment.json                          { chainId, rpcUrl, instance, contracts, assets, fromBlock } or 404
 *   POST /rpc                                      JSON-RPC 2.0 (single or batch) forwarded to the local chain's provider
 *   GET  /demo/book.json[?epoch=N]                 the demo book's statements for epoch N (demo only: public secret)
 *   POST /demo/next-epoch                          demo chain only: the oracle keeper and the demo venues move to the
 *                                                  next epoch (snapshot, roots) → { epoch }
 *   POST /demo/advance?seconds=N                   demo chain only: the chain's clock moves N seconds → { now }
 */
import { createReadStream, existsSync, readFileSync, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build, preview, type InlineConfig, type Plugin, type PreviewServer } from "vite";
import { ROOT, artifactPaths, loadInstances } from "../scripts/lib/instances.ts";

export const WEB_ROOT = path.dirname(fileURLToPath(import.meta.url));
export const WEB_OUT = path.join(ROOT, "build", "web");

/** An EIP-1193 provider (Hardhat's network connection provides one). */
export interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] | object }): Promise<unknown>;
}

/** What the page learns about the deployment it serves (served as /deployment.json; web/src/chain.ts parseDeployment). */
export interface DeploymentInfo {
  chainId: number;
  /** the JSON-RPC URL, relative to the page ("/rpc") or absolute; absent: the page needs a wallet */
  rpcUrl?: string;
  /** the circuit instance the attestor verifies */
  instance: string;
  /** deployed contract addresses by name (MarginAttestor is the one the page needs; it finds the others from it) */
  contracts: Record<string, string>;
  /** asset symbols by index */
  assets?: string[];
  /** the deployment's first block (where the page starts scanning logs) */
  fromBlock?: number;
}

/** The local chain behind /rpc and its deployment. */
export interface ChainBridge {
  provider: Eip1193Provider;
  info: DeploymentInfo;
}

/** What the demo's other parties do on the local chain (web/localChain.ts): the oracle keeper and venues, and time. */
export interface DemoActions {
  advanceEpoch(): Promise<bigint>;
  increaseTime(seconds: bigint): Promise<bigint>;
}

/** Where an instance's artifacts live on disk (default: artifactPaths, i.e. build/<instance>/). */
export type ArtifactResolver = (instance: string) => { wasm: string; zkey: string; vkey: string; manifest: string };
const defaultArtifacts: ArtifactResolver = (instance) => artifactPaths(instance);

/** Served per instance; the manifest carries the instance descriptor the SDK proves with (prover/artifacts.ts). */
const ARTIFACT_FILES = {
  "circuit.wasm": { key: "wasm", type: "application/wasm" },
  "circuit.zkey": { key: "zkey", type: "application/octet-stream" },
  "verification_key.json": { key: "vkey", type: "application/json" },
  "manifest.json": { key: "manifest", type: "application/json" },
} as const;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(text);
}

function readBody(req: IncomingMessage, limit = 8 * 1024 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error(`request body over ${limit} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

interface RpcRequest {
  jsonrpc?: string;
  id?: number | string | null;
  method?: unknown;
  params?: unknown;
}

async function answerRpc(provider: Eip1193Provider, call: RpcRequest): Promise<object> {
  const id = call.id ?? null;
  if (typeof call.method !== "string") return { jsonrpc: "2.0", id, error: { code: -32600, message: "invalid request: no method" } };
  try {
    const params = Array.isArray(call.params) || (typeof call.params === "object" && call.params !== null) ? (call.params as unknown[] | object) : [];
    const result = await provider.request({ method: call.method, params });
    return { jsonrpc: "2.0", id, result: result ?? null };
  } catch (e) {
    const err = e as { code?: unknown; message?: unknown; data?: unknown };
    const code = typeof err.code === "number" ? err.code : -32603;
    return { jsonrpc: "2.0", id, error: { code, message: String(err.message ?? e), data: err.data } };
  }
}

/** Vite plugin: the artifact, chain and RPC routes, in the dev server and in the preview server alike. */
export function zkmarginRoutes(
  getChain: () => ChainBridge | undefined,
  resolve: ArtifactResolver = defaultArtifacts,
  getDemo: (epoch?: bigint) => unknown = () => undefined,
  getDeployment: () => DeploymentInfo | undefined = () => getChain()?.info,
  getDemoActions: () => DemoActions | undefined = () => undefined,
): Plugin {
  const handler = (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname === "/artifacts/instances.json") {
      const all = loadInstances();
      const out = Object.fromEntries(
        Object.values(all).map((i) => {
          const files = resolve(i.name);
          let manifest: { constraints?: number; ptau?: { insecure?: boolean; name?: string } } = {};
          try {
            manifest = JSON.parse(readFileSync(files.manifest, "utf8")) as typeof manifest;
          } catch {
            /* not built (or built without a manifest) */
          }
          return [
            i.name,
            {
              params: i.params,
              built: existsSync(files.zkey) && existsSync(files.wasm),
              constraints: manifest.constraints,
              insecure: manifest.ptau?.insecure,
              ptau: manifest.ptau?.name,
            },
          ];
        }),
      );
      sendJson(res, 200, out);
      return;
    }
    const m = /^\/artifacts\/([A-Za-z0-9_-]+)\/([A-Za-z0-9_.]+)$/.exec(url.pathname);
    if (m) {
      const [, instance, file] = m;
      const spec = ARTIFACT_FILES[file as keyof typeof ARTIFACT_FILES];
      if (!(instance in loadInstances()) || !spec) {
        sendJson(res, 404, { error: `unknown artifact ${url.pathname}` });
        return;
      }
      const p = resolve(instance)[spec.key];
      if (!existsSync(p)) {
        sendJson(res, 404, { error: `artifact ${file} of instance "${instance}" is not built (run: npx tsx scripts/build.ts ${instance})` });
        return;
      }
      res.writeHead(200, { "content-type": spec.type, "content-length": statSync(p).size, "cache-control": "no-store" });
      if (req.method === "HEAD") res.end();
      else createReadStream(p).pipe(res);
      return;
    }
    if (url.pathname === "/demo/book.json") {
      const e = url.searchParams.get("epoch");
      if (e !== null && !/^[0-9]{1,19}$/.test(e)) {
        sendJson(res, 400, { error: "epoch: expected an unsigned integer" });
        return;
      }
      const demo = getDemo(e === null ? undefined : BigInt(e));
      if (demo === undefined) sendJson(res, 404, { error: "no demo book on this server" });
      else if (req.method === "HEAD") res.writeHead(200, { "content-type": "application/json" }).end();
      else sendJson(res, 200, demo);
      return;
    }
    if (url.pathname === "/demo/next-epoch" || url.pathname === "/demo/advance") {
      const actions = getDemoActions();
      if (req.method !== "POST") {
        // HEAD / GET: whether this server offers the demo chain's moves (the page shows its controls then)
        res.writeHead(actions ? 200 : 404, { "cache-control": "no-store" }).end();
        return;
      }
      if (!actions) {
        sendJson(res, 404, { error: "no demo chain on this server" });
        return;
      }
      const seconds = url.searchParams.get("seconds") ?? "";
      if (url.pathname === "/demo/advance" && !/^[0-9]{1,9}$/.test(seconds)) {
        sendJson(res, 400, { error: "seconds: expected a non-negative integer below 10^9" });
        return;
      }
      const run = url.pathname === "/demo/next-epoch" ? actions.advanceEpoch().then((epoch) => ({ epoch })) : actions.increaseTime(BigInt(seconds)).then((now) => ({ now }));
      run.then((out) => sendJson(res, 200, out)).catch((e: unknown) => sendJson(res, 500, { error: (e as Error).message }));
      return;
    }
    if (url.pathname === "/deployment.json") {
      const info = getDeployment();
      if (!info) sendJson(res, 404, { error: "no deployment: start the page with `npm run web` (a local chain) or `npm run web -- --deployment <file>`" });
      else sendJson(res, 200, info);
      return;
    }
    if (url.pathname === "/rpc" && req.method === "POST") {
      const chain = getChain();
      if (!chain) {
        sendJson(res, 404, { error: "no local chain" });
        return;
      }
      readBody(req)
        .then(async (text) => {
          const body = JSON.parse(text) as RpcRequest | RpcRequest[];
          const out = Array.isArray(body)
            ? await Promise.all(body.map((c) => answerRpc(chain.provider, c)))
            : await answerRpc(chain.provider, body);
          sendJson(res, 200, out);
        })
        .catch((e: unknown) => sendJson(res, 400, { jsonrpc: "2.0", id: null, error: { code: -32700, message: String(e) } }));
      return;
    }
    next();
  };
  return {
    name: "zkmargin-routes",
    configureServer(server) {
      server.middlewares.use(handler);
    },
    configurePreviewServer(server) {
      server.middlewares.use(handler);
    },
  };
}

/** The one Vite config of the page (used for build, dev and preview). */
export function webConfig(
  opts: {
    getChain?: () => ChainBridge | undefined;
    getDemo?: (epoch?: bigint) => unknown;
    getDeployment?: () => DeploymentInfo | undefined;
    getDemoActions?: () => DemoActions | undefined;
    host?: string;
    port?: number;
    artifacts?: ArtifactResolver;
    /** where the bundle goes (default build/web/) */
    outDir?: string;
  } = {},
): InlineConfig {
  return {
    configFile: false,
    root: WEB_ROOT,
    logLevel: "warn",
    clearScreen: false,
    plugins: [zkmarginRoutes(opts.getChain ?? (() => undefined), opts.artifacts, opts.getDemo, opts.getDeployment, opts.getDemoActions)],
    build: { outDir: opts.outDir ?? WEB_OUT, emptyOutDir: true, target: "es2022", chunkSizeWarningLimit: 8000 },
    worker: { format: "es" },
    server: { host: opts.host ?? "127.0.0.1", port: opts.port ?? 5173, strictPort: true, fs: { allow: [ROOT] } },
    preview: { host: opts.host ?? "127.0.0.1", port: opts.port ?? 5173, strictPort: true },
  };
}

/** Bundle web/ (page + worker + snarkjs + the shared prover code) into build/web/ (or `outDir`). */
export async function buildWeb(outDir: string = WEB_OUT): Promise<void> {
  await build(webConfig({ outDir }));
}

export interface WebServer {
  url: string;
  server: PreviewServer;
  /** attach (or replace) the local chain after the server started */
  setChain(chain: ChainBridge | undefined): void;
  /** serve (or stop serving) a demo book: a function of the epoch asked for (the latest when none) */
  setDemo(demo: ((epoch?: bigint) => unknown) | undefined): void;
  close(): Promise<void>;
}

/** Serve build/web/ (build it first unless `skipBuild`) on loopback. Port 0 picks a free port. */
export async function startWebServer(
  opts: {
    host?: string;
    port?: number;
    skipBuild?: boolean;
    chain?: ChainBridge;
    /** a deployment on another chain (served as /deployment.json when there is no local chain) */
    deployment?: DeploymentInfo;
    artifacts?: ArtifactResolver;
    /** served as /demo/book.json?epoch=N (see web/demoBook.ts); the page then offers "Load the demo book" */
    demo?: (epoch?: bigint) => unknown;
    /** the demo's other parties on the local chain (POST /demo/next-epoch, /demo/advance); the page then offers them */
    demoActions?: DemoActions;
    /** bundle directory (default build/web/); tests use a private one so that parallel runs do not collide */
    outDir?: string;
  } = {},
): Promise<WebServer> {
  const outDir = opts.outDir ?? WEB_OUT;
  if (!opts.skipBuild || !existsSync(path.join(outDir, "index.html"))) await buildWeb(outDir);
  let chain = opts.chain;
  let demo = opts.demo;
  const server = await preview(
    webConfig({
      getChain: () => chain,
      getDemo: (epoch) => demo?.(epoch),
      getDeployment: () => chain?.info ?? opts.deployment,
      getDemoActions: () => opts.demoActions,
      host: opts.host,
      port: opts.port ?? 5173,
      artifacts: opts.artifacts,
      outDir,
    }),
  );
  const addr = server.httpServer.address();
  if (addr === null || typeof addr === "string") throw new Error("web server: no TCP address");
  const url = `http://${addr.address}:${addr.port}/`;
  return {
    url,
    server,
    setChain(c) {
      chain = c;
    },
    setDemo(d) {
      demo = d;
    },
    close: () => server.close(),
  };
}
