/**
 * `zkmargin relay …`: the batching relayer (serve) and its client (submit, status). Registered in client/cli.ts's
 * `extraCommands`; exit codes as every other command (client/help.ts EXIT_HELP).
 *
 *   relay serve    the HTTP intake, the SQLite queue and the batcher (one attestBatch per batch)
 *   relay submit   POST a signed request file (zkmargin attest sign) to a relayer; prints its id
 *   relay status   a request's status at a relayer; --wait polls until attested, skipped or failed
 */
import type { Command } from "commander";
import { ExitCode, ZkMarginInputError } from "../../prover/errors.ts";
import { connectChain, type ChainOptions } from "../chain.ts";
import { emit, helpAfter, withChain, withKey } from "../help.ts";
import { readJson } from "../io.ts";
import { requireSigner } from "../keys.ts";

type Run = (action: () => Promise<number> | number) => Promise<void>;

const STATUS_HELP = `
Exit codes of relay status: 0 attested (or, without --wait, still queued or submitted); 2 skipped or failed (the
reason is printed); 1 an unknown id or an unreachable relayer. relay submit: 0 accepted; 1 refused (the relayer's
message names the field; a duplicate prints the id it is queued as) or unreachable.`;

function parseIntOption(text: string, field: string, min: number, max: number): number {
  if (!/^[0-9]+$/.test(text.trim())) throw new ZkMarginInputError(field, `"${text}" is not an integer`);
  const n = Number(text.trim());
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new ZkMarginInputError(field, `${text} is not in [${min}, ${max}]`);
  return n;
}

function baseUrl(url: string): string {
  if (!/^https?:\/\//.test(url)) throw new ZkMarginInputError("url", `"${url}" is not an http(s) URL`);
  return url.replace(/\/+$/, "");
}

/** One HTTP call to a relayer; an unreachable relayer is bad input naming --url. */
async function call(url: string, path: string, init?: RequestInit): Promise<{ status: number; body: Record<string, unknown> }> {
  let res: Response;
  try {
    res = await fetch(`${url}${path}`, { ...init, signal: AbortSignal.timeout(60_000) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
    throw new ZkMarginInputError("url", `cannot reach the relayer at ${url} (${cause})`);
  }
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as Record<string, unknown> };
  } catch {
    throw new ZkMarginInputError("url", `${url}${path} answered HTTP ${res.status} with something that is not JSON: is it a zkmargin relayer?`);
  }
}

export interface RelayStatus {
  id: string;
  subject: string;
  epoch: string;
  status: "queued" | "submitted" | "attested" | "skipped" | "failed";
  tx?: string;
  reason?: string;
  batch?: { size: number; status: string; block: number | null; gasUsed: string | null };
}

export function registerRelay(program: Command, run: Run): void {
  const relay = program.command("relay").description("The batching relayer: serve signed requests as attestBatch transactions; submit a request to a relayer and follow it.");

  helpAfter(
    withKey(
      withChain(
        relay
          .command("serve")
          .description("Run a relayer: take signed requests (zkmargin attest sign) over HTTP, check each against the chain before queueing it (SQLite, crash-safe), and land them in batches with one attestBatch per batch, paying the gas.")
          .requiredOption("--db <file>", "the queue (SQLite; created if missing, reused across restarts)")
          .option("--host <host>", "address to listen on", "127.0.0.1")
          .option("--port <n>", "port (0: any free port; the chosen one is printed)", "0")
          .option("--max-batch <n>", "send a batch once this many requests are queued", "16")
          .option("--max-wait <seconds>", "…or once the oldest has waited this long", "60")
          .option("--rate-limit <n>", "requests per minute per client address", "120"),
      ),
      "the relayer (it pays the gas)",
    ),
    { chain: true, keys: true, extra: "\nPrints one JSON line { listening, relayer, chainId, attestor } once it listens; stops on SIGINT or SIGTERM (an in-flight batch stays stored and is reconciled at the next start)." },
  ).action(async (o: ChainOptions & { db: string; host: string; port: string; maxBatch: string; maxWait: string; rateLimit: string }) =>
    run(async () => {
      const port = parseIntOption(o.port, "port", 0, 65535);
      const maxBatch = parseIntOption(o.maxBatch, "max-batch", 1, 256);
      const maxWait = parseIntOption(o.maxWait, "max-wait", 0, 86_400);
      const rate = parseIntOption(o.rateLimit, "rate-limit", 1, 1_000_000);
      const chain = await connectChain(o);
      try {
        const wallet = await requireSigner(o, "the relayer (it pays the gas)", chain.provider);
        if ((await chain.provider.getBalance(wallet.address)) === 0n) throw new ZkMarginInputError("key", `the relayer ${wallet.address} has no ether on chain ${chain.chainId} to pay for gas`);
        const { startRelay } = await import("./service.ts");
        const relayer = await startRelay({ chain, wallet, db: o.db, host: o.host, port, maxBatch, maxWaitSeconds: maxWait, rateLimit: rate, log: (l) => process.stderr.write(`${l}\n`) });
        process.stdout.write(`${JSON.stringify({ listening: relayer.url, relayer: wallet.address, chainId: chain.chainId.toString(), attestor: chain.deployment.contracts.MarginAttestor })}\n`);
        await new Promise<void>((resolve) => {
          process.once("SIGINT", resolve);
          process.once("SIGTERM", resolve);
        });
        await relayer.stop();
        // the off-chain verifier's curve worker threads would keep the process alive
        await (await import("../../prover/generateProof.ts")).releaseProver();
        return ExitCode.Ok;
      } finally {
        chain.close();
      }
    }),
  );

  helpAfter(
    relay
      .command("submit")
      .description("Send a signed request (zkmargin attest sign) to a relayer; prints the id it is queued as. The relayer checks it against the chain first and refuses it, naming the field, if it could not land.")
      .requiredOption("--url <url>", "the relayer (e.g. http://127.0.0.1:8788)")
      .argument("<request>", "the request file")
      .option("--json", "print the result as one JSON object"),
    { extra: STATUS_HELP },
  ).action(async (file: string, o: { url: string; json?: boolean }) =>
    run(async () => {
      const url = baseUrl(o.url);
      const body = readJson(file, "request");
      const res = await call(url, "/requests", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      if (res.status === 202) {
        emit(o.json, { id: res.body.id, url }, () => [String(res.body.id)]);
        return ExitCode.Ok;
      }
      const field = typeof res.body.field === "string" ? res.body.field : "request";
      const message = String(res.body.message ?? `HTTP ${res.status}`).replace(new RegExp(`^${field.replace(/[.[\]]/g, "\\$&")}: `), "");
      throw new ZkMarginInputError(field, `the relayer refused it (HTTP ${res.status} ${String(res.body.error ?? "")}): ${message}${res.status === 409 ? ` (id ${String(res.body.id)})` : ""}`);
    }),
  );

  helpAfter(
    relay
      .command("status")
      .description("Print a request's status at a relayer: queued, submitted (its transaction), attested, skipped or failed (with the reason).")
      .requiredOption("--url <url>", "the relayer")
      .argument("<id>", "the id `relay submit` printed")
      .option("--wait", "poll until it is attested, skipped or failed")
      .option("--timeout <seconds>", "with --wait: give up after this long (exit 1)", "3600")
      .option("--json", "print the result as one JSON object"),
    { extra: STATUS_HELP },
  ).action(async (id: string, o: { url: string; wait?: boolean; timeout: string; json?: boolean }) =>
    run(async () => {
      const url = baseUrl(o.url);
      const timeout = parseIntOption(o.timeout, "timeout", 1, 30 * 86_400);
      const until = Date.now() + timeout * 1000;
      for (;;) {
        const res = await call(url, `/requests/${encodeURIComponent(id)}`);
        if (res.status !== 200) throw new ZkMarginInputError("id", String(res.body.message ?? `HTTP ${res.status}`).replace(/^id: /, ""));
        const s = res.body as unknown as RelayStatus;
        const final = s.status === "attested" || s.status === "skipped" || s.status === "failed";
        if (final || !o.wait) {
          emit(o.json, s, () => [`${s.id}: ${s.status}${s.tx ? `, tx ${s.tx}` : ""}${s.batch?.gasUsed ? ` (batch of ${s.batch.size}, gas ${BigInt(s.batch.gasUsed).toLocaleString("en-US")})` : ""}${s.reason ? `: ${s.reason}` : ""}`]);
          return s.status === "skipped" || s.status === "failed" ? ExitCode.Rejected : ExitCode.Ok;
        }
        if (Date.now() > until) throw new ZkMarginInputError("timeout", `request ${id} is still ${s.status} after ${timeout} s`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }),
  );
}
