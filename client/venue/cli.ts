/**
 * `zkmargin venue …` (the venue operator's commands) and `zkmargin statements fetch` (the trader's side of the
 * statement service). Registered in client/cli.ts's `extraCommands`; exit codes as every other command
 * (0 ok · 1 bad input · 4 chain error · 70 internal).
 *
 *   venue init         create a store for a venue id and an instance's dimensions (N, A, D)
 *   venue import       open accounts (--accounts) or stage an epoch's holdings (--holdings --epoch)
 *   venue build-epoch  rebuild the changed leaves and the tree for an epoch; with --rpc also post the root
 *   venue post-root    post a built epoch's root to VenueRegistry (crash-safe, idempotent)
 *   venue serve        the statement HTTP service
 *   venue status       accounts, epochs, staged imports, the hasher in use
 *   statements fetch   sign a request with the account's key and download its statement
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { extname } from "node:path";
import cliProgress from "cli-progress";
import { type Signer, Wallet } from "ethers";
import { Option, type Command } from "commander";
import { ExitCode, ZkMarginInputError } from "../../prover/errors.ts";
import { readElement } from "../../prover/poseidon/batch.ts";
import { parseStatement } from "../../prover/statement.ts";
import { checkStatementIntegrity } from "../../prover/validate.ts";
import { readText } from "../io.ts"; // files as text: a missing file or a byte-order mark is one named error
import { decryptKeystore, optionalSigner } from "../keys.ts";
import { buildEpoch, requireEpoch } from "./build.ts";
import { connectRegistry, postEpochRoot } from "./chain.ts";
import { describeHasher } from "./hasher.ts";
import { addAccounts, parseAccounts, parseHoldings, stageHoldings } from "./importer.ts";
import { buildService, parseCorsOrigins, STATEMENT_REQUEST_DOMAIN, STATEMENT_REQUEST_TYPES, type StatementRequest } from "./service.ts";
import { VenueStore } from "./store.ts";

type Run = (action: () => Promise<number> | number) => Promise<void>;

const EXIT_HELP = `
Exit codes:
  0   ok
  1   bad input: a malformed file or option, an unknown account, holdings outside the circuit's ranges, an epoch
      already built or posted (the message names the row and field; nothing is written or posted)
  4   a transaction reverted or the chain refused (the decoded custom error is printed)
  70  internal error (a bug: please report the stack trace)`;


function parseEpoch(text: string, field = "epoch"): number {
  if (!/^[0-9]+$/.test(text.trim())) throw new ZkMarginInputError(field, `"${text}" is not an epoch (a positive integer)`);
  const n = Number(text.trim());
  if (!Number.isSafeInteger(n) || n < 1) throw new ZkMarginInputError(field, `${text} is not an epoch in [1, 2^53)`);
  return n;
}

function formatOf(file: string, given?: string): "csv" | "json" {
  const f = (given ?? extname(file).slice(1)).toLowerCase();
  if (f !== "csv" && f !== "json") throw new ZkMarginInputError("format", `cannot tell the format of ${file}: use --format csv|json`);
  return f;
}

/**
 * A key: --key <file> holding a private key (0x + 64 hex digits) or an encrypted JSON keystore (password from
 * ZKMARGIN_KEYSTORE_PASSWORD or the terminal); without --key, --keystore or ZKMARGIN_PRIVATE_KEY (client/keys.ts).
 */
async function keyFrom(o: { key?: string; keystore?: string }, field = "key"): Promise<string> {
  const file = o.key;
  if (!file) {
    const w = await optionalSigner({ keystore: o.keystore });
    if (!w) throw new ZkMarginInputError(field, "this command needs --key <file> (a private key or a JSON keystore), --keystore <file> or ZKMARGIN_PRIVATE_KEY");
    return w.privateKey;
  }
  const k = readText(file, field).trim();
  if (k.startsWith("{")) return (await decryptKeystore(k, file, field)).privateKey;
  if (!/^0x[0-9a-fA-F]{64}$/.test(k)) throw new ZkMarginInputError(field, `${file} does not hold a private key (0x followed by 64 hex digits) or a JSON keystore`);
  return k;
}

const err = (s: string) => process.stderr.write(s);

/** Progress of a long step: bars on a terminal (stderr), one line per stage otherwise ("build: leaves"). */
function buildProgress(quiet: boolean, prefix = "build") {
  if (quiet) return { onProgress: () => undefined, stop: () => undefined };
  const tty = process.stderr.isTTY === true;
  const bar = new cliProgress.SingleBar({ stream: process.stderr, format: "{stage} [{bar}] {value}/{total}", hideCursor: true }, cliProgress.Presets.shades_classic);
  let stage: string | undefined;
  return {
    onProgress: (p: { stage: string; done: number; total: number }) => {
      if (p.stage !== stage) {
        if (stage && tty) bar.stop();
        stage = p.stage;
        if (tty) bar.start(p.total, p.done, { stage: p.stage.padEnd(6) });
        else err(`${prefix}: ${p.stage}\n`);
      } else if (tty) bar.update(p.done);
    },
    stop: () => {
      if (tty && stage) bar.stop();
    },
  };
}

async function postRootCommand(store: VenueStore, o: { rpc: string; registry?: string; key?: string; keystore?: string; epoch?: string; quiet?: boolean }): Promise<number> {
  if (!o.registry) throw new ZkMarginInputError("registry", "posting needs --registry <address> (VenueRegistry)");
  const epoch = o.epoch ? parseEpoch(o.epoch) : store.lastEpoch()?.epoch;
  if (epoch === undefined) throw new ZkMarginInputError("epoch", "no epoch is built yet (run `zkmargin venue build-epoch`)");
  const e = requireEpoch(store, epoch); // before any network: an unbuilt or half-built epoch is never posted
  if (e.status === "posted") throw new ZkMarginInputError("epoch", `epoch ${epoch} is already posted (tx ${e.txHash}, chain ${e.chainId})`);
  const reg = await connectRegistry(o.rpc, o.registry, await keyFrom(o));
  const row = await postEpochRoot(store, reg, epoch, o.quiet ? undefined : (s) => err(`${s}\n`));
  process.stdout.write(`${JSON.stringify({ epoch: row.epoch, root: readElement(row.root, 0).toString(), status: row.status, txHash: row.txHash, block: row.block })}\n`);
  return ExitCode.Ok;
}

function statusOf(store: VenueStore) {
  return {
    db: store.path,
    venueId: store.meta.venueId.toString(),
    dims: { N: store.meta.N, A: store.meta.A, D: store.meta.D, capacity: store.capacity },
    instance: store.meta.instance,
    accounts: store.accountCount(),
    epochs: store.epochs().map((e) => ({ epoch: e.epoch, root: readElement(e.root, 0).toString(), accounts: e.accounts, changed: e.changed, status: e.status, txHash: e.txHash, block: e.block })),
    staged: store.stagedEpochs(),
    hasher: describeHasher(),
  };
}

/** Register `venue …` on the program. */
export function registerVenue(program: Command, run: Run): void {
  const venue = program.command("venue").description("The venue operator's kit: a persistent account store, epoch builds, root posting and the statement service.").addHelpText("after", EXIT_HELP);
  const withStore = async <T>(db: string, fn: (s: VenueStore) => Promise<T> | T): Promise<T> => {
    const store = VenueStore.open(db);
    try {
      return await fn(store);
    } finally {
      store.close();
    }
  };

  venue
    .command("init")
    .description("Create a venue store for a venue id, with the dimensions (N slots, A assets, tree depth D) of a circuit instance.")
    .requiredOption("--db <file>", "the store file to create (SQLite)")
    .requiredOption("--venue-id <n>", "the venue's id in VenueRegistry (1 … 2^32 − 1)")
    .option("-i, --instance <name>", "circuit instance whose N, A and D the store uses", "prod")
    .option("--depth <D>", "override the tree depth (arity 4: capacity 4^D accounts)")
    .addHelpText("after", EXIT_HELP)
    .action(async (o: { db: string; venueId: string; instance: string; depth?: string }) =>
      run(async () => {
        if (!/^[0-9]+$/.test(o.venueId) || BigInt(o.venueId) < 1n || BigInt(o.venueId) >= 1n << 32n) throw new ZkMarginInputError("venue-id", `"${o.venueId}" is not a venue id in [1, 2^32)`);
        const { getInstance } = await import("../../scripts/lib/instances.ts");
        let params: Record<string, number>;
        try {
          params = getInstance(o.instance).params;
        } catch (e) {
          throw new ZkMarginInputError("instance", (e as Error).message);
        }
        const D = o.depth !== undefined ? Number(o.depth) : params.D;
        if (!Number.isInteger(D) || D < 1 || D > 16) throw new ZkMarginInputError("depth", `${o.depth ?? D} is not a tree depth in [1, 16]`);
        const store = VenueStore.create(o.db, { venueId: BigInt(o.venueId), N: params.N ?? 0, A: params.A ?? 0, D, instance: o.instance });
        process.stdout.write(`${JSON.stringify(statusOf(store))}\n`);
        store.close();
        return ExitCode.Ok;
      }),
    );

  venue
    .command("import")
    .description("Open accounts (--accounts: account,owner,salt,signer) or stage an epoch's holdings (--holdings with --epoch: account,asset,kind,size,entryPrice,mark,delta,gamma,vega; one row per holding). Validates every row first: one bad row stops the import and nothing is written.")
    .requiredOption("--db <file>", "the venue store")
    .option("--accounts <file>", "accounts to open (CSV or JSON)")
    .option("--holdings <file>", "holdings for --epoch (CSV or JSON); listed accounts' holdings are replaced, others kept")
    .option("-e, --epoch <n>", "the epoch the holdings are for")
    .option("--format <csv|json>", "file format (default: from the extension)")
    .option("-q, --quiet", "no progress output")
    .addHelpText("after", EXIT_HELP)
    .action(async (o: { db: string; accounts?: string; holdings?: string; epoch?: string; format?: string; quiet?: boolean }) =>
      run(() =>
        withStore(o.db, (store) => {
          if (!o.accounts === !o.holdings) throw new ZkMarginInputError("import", "give exactly one of --accounts <file> or --holdings <file>");
          if (o.accounts) {
            const rows = parseAccounts(readText(o.accounts, "accounts"), o.accounts, formatOf(o.accounts, o.format));
            const idx = addAccounts(store, rows, o.accounts);
            process.stdout.write(`${JSON.stringify({ opened: idx.length, firstLeaf: idx[0] ?? null, accounts: store.accountCount() })}\n`);
          } else {
            if (!o.epoch) throw new ZkMarginInputError("epoch", "--holdings needs --epoch <n>");
            const epoch = parseEpoch(o.epoch);
            const rows = parseHoldings(readText(o.holdings!, "holdings"), o.holdings!, formatOf(o.holdings!, o.format), store.meta);
            const progress = buildProgress(o.quiet === true, "import");
            let n: number;
            try {
              n = stageHoldings(store, epoch, rows, o.holdings!, progress.onProgress);
            } finally {
              progress.stop();
            }
            process.stdout.write(`${JSON.stringify({ epoch, staged: n, stagedTotal: store.stagedCount(epoch) })}\n`);
          }
          return ExitCode.Ok;
        }),
      ),
    );

  venue
    .command("build-epoch")
    .description("Build an epoch: rehash the leaves that changed (new accounts, staged holdings) and the tree above them, in one transaction (a crash leaves no half-built epoch). With --rpc, also post the root.")
    .requiredOption("--db <file>", "the venue store")
    .requiredOption("-e, --epoch <n>", "the epoch to build (after every built epoch)")
    .option("--rpc <url>", "post the root after the build through this JSON-RPC node")
    .option("--registry <address>", "VenueRegistry address (with --rpc)")
    .option("--key <file>", "the venue operator's private key file (with --rpc)")
    .option("-q, --quiet", "no progress output")
    .addHelpText("after", EXIT_HELP)
    .action(async (o: { db: string; epoch: string; rpc?: string; registry?: string; key?: string; keystore?: string; quiet?: boolean }) =>
      run(() =>
        withStore(o.db, async (store) => {
          const epoch = parseEpoch(o.epoch);
          if (o.rpc) await keyFrom(o); // check before building
          if (!o.quiet) err(`hasher: ${describeHasher()}\n`);
          const progress = buildProgress(o.quiet === true);
          let result;
          try {
            result = buildEpoch(store, epoch, { onProgress: progress.onProgress });
          } finally {
            progress.stop();
          }
          const t = result.timings;
          process.stdout.write(
            `${JSON.stringify({ epoch, root: readElement(result.root, 0).toString(), accounts: result.accounts, leaves: result.leaves, nodes: result.nodes, ms: Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Math.round(v)])) })}\n`,
          );
          if (o.rpc) return postRootCommand(store, { rpc: o.rpc, registry: o.registry, key: o.key, keystore: o.keystore, epoch: String(epoch), quiet: o.quiet });
          return ExitCode.Ok;
        }),
      ),
    );

  venue
    .command("post-root")
    .description("Post a built epoch's root to VenueRegistry (default: the last built epoch). Crash-safe: the signed transaction's hash is recorded before it is sent, and a rerun reconciles with the chain.")
    .requiredOption("--db <file>", "the venue store")
    .requiredOption("--rpc <url>", "JSON-RPC node")
    .requiredOption("--registry <address>", "VenueRegistry address")
    .option("--key <file>", "the venue operator's private key file (a raw key or a JSON keystore)")
    .option("-e, --epoch <n>", "the epoch to post")
    .option("-q, --quiet", "less output")
    .addHelpText("after", EXIT_HELP)
    .action(async (o: { db: string; rpc: string; registry: string; key?: string; keystore?: string; epoch?: string; quiet?: boolean }) => run(() => withStore(o.db, (store) => postRootCommand(store, o))));

  venue
    .command("serve")
    .description("Serve statements over HTTP: an account holder signs a request with its registered key; only epochs whose root is posted and equal to VenueRegistry's are served.")
    .requiredOption("--db <file>", "the venue store")
    .requiredOption("--rpc <url>", "JSON-RPC node (to check posted roots)")
    .requiredOption("--registry <address>", "VenueRegistry address")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <n>", "port (0: any free port; the chosen one is printed)", "8787")
    .option("--rate-limit <n>", "requests per minute per client address", "120")
    .option("--cors <origins>", "let web pages of these origins read the responses (CORS): comma-separated scheme://host[:port], or * for any (default: none, no CORS headers)")
    .addHelpText("after", EXIT_HELP)
    .action(async (o: { db: string; rpc: string; registry: string; host: string; port: string; rateLimit: string; cors?: string }) =>
      run(async () => {
        const port = Number(o.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ZkMarginInputError("port", `"${o.port}" is not a port`);
        const max = Number(o.rateLimit);
        if (!Number.isInteger(max) || max < 1) throw new ZkMarginInputError("rate-limit", `"${o.rateLimit}" is not a positive integer`);
        const corsOrigins = o.cors === undefined ? [] : parseCorsOrigins(o.cors);
        const store = VenueStore.open(o.db);
        const registry = await connectRegistry(o.rpc, o.registry);
        const app = await buildService({ store, registry, rateLimit: { max, timeWindow: 60_000 }, corsOrigins });
        const address = await app.listen({ host: o.host, port });
        process.stdout.write(`${JSON.stringify({ listening: address, venueId: store.meta.venueId.toString(), cors: corsOrigins })}\n`);
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once("SIGINT", stop);
          process.once("SIGTERM", stop);
        });
        await app.close();
        store.close();
        registry.provider.destroy();
        return ExitCode.Ok;
      }),
    );

  venue
    .command("status")
    .description("Print the store's venue, dimensions, accounts, epochs (root, status, transaction), staged imports and the Poseidon implementation in use, as JSON.")
    .requiredOption("--db <file>", "the venue store")
    .addHelpText("after", EXIT_HELP)
    .action(async (o: { db: string }) =>
      run(() =>
        withStore(o.db, (store) => {
          process.stdout.write(`${JSON.stringify(statusOf(store), null, 2)}\n`);
          return ExitCode.Ok;
        }),
      ),
    );
}

/** Sign a statement request for `account` at `epoch` with the account's key. */
export async function signStatementRequest(wallet: Signer, venueId: bigint, account: string, epoch: number): Promise<StatementRequest> {
  const value = { venueId: venueId.toString(), account, epoch: String(epoch), issuedAt: String(Math.floor(Date.now() / 1000)), nonce: `0x${randomBytes(32).toString("hex")}` };
  const signature = await wallet.signTypedData(STATEMENT_REQUEST_DOMAIN, STATEMENT_REQUEST_TYPES, value);
  return { ...value, signature };
}

/** Fetch one statement from a venue's service; throws a ZkMarginInputError with the service's message. */
export async function fetchStatement(url: string, wallet: Signer, account: string, epoch: number): Promise<string> {
  const base = url.replace(/\/+$/, "");
  let health: { venueId: string };
  try {
    const res = await fetch(`${base}/v1/health`);
    health = (await res.json()) as { venueId: string };
  } catch (e) {
    throw new ZkMarginInputError("venue", `cannot reach the statement service at ${url} (${(e as Error).message})`);
  }
  const req = await signStatementRequest(wallet, BigInt(health.venueId), account, epoch);
  const res = await fetch(`${base}/v1/statement`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(req) });
  const text = await res.text();
  if (!res.ok) {
    let msg = text;
    try {
      const j = JSON.parse(text) as { error?: string; message?: string };
      msg = `${j.error ?? res.status}: ${j.message ?? text}`;
    } catch {
      /* not JSON */
    }
    throw new ZkMarginInputError("venue", `the service refused (HTTP ${res.status}) ${msg}`);
  }
  return text;
}

/** Register `statements fetch` on the program. */
export function registerStatements(program: Command, run: Run): void {
  const statements = program.command("statements").description("Statements from venues' statement services.");
  statements
    .command("fetch")
    .description("Download this account's statement for an epoch from a venue's statement service, signing the request with the key registered when the account was opened.")
    .requiredOption("--venue <url>", "the venue's statement service (e.g. http://127.0.0.1:8787)")
    .requiredOption("--account <id>", "the account id at that venue")
    .requiredOption("-e, --epoch <n>", "the epoch")
    .option("--key <file>", "the account's registered key: a private key file or a JSON keystore (or --keystore / ZKMARGIN_PRIVATE_KEY)")
    .addOption(new Option("--keystore <file>", "the account's registered key as an encrypted JSON keystore").env("ZKMARGIN_KEYSTORE"))
    .option("-o, --out <file>", "write the statement here (default: stdout)")
    .addHelpText("after", EXIT_HELP)
    .action(async (o: { venue: string; account: string; epoch: string; key?: string; keystore?: string; out?: string }) =>
      run(async () => {
        const epoch = parseEpoch(o.epoch);
        const text = await fetchStatement(o.venue, new Wallet(await keyFrom(o)), o.account, epoch);
        const st = parseStatement(text, "statement");
        checkStatementIntegrity(st, "statement");
        if (st.epoch !== BigInt(epoch)) throw new ZkMarginInputError("statement.epoch", `the service sent epoch ${st.epoch}, not ${epoch}`);
        if (o.out) writeFileSync(o.out, text);
        else process.stdout.write(text);
        return ExitCode.Ok;
      }),
    );
}
