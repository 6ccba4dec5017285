/**
 * The relayer service (`zkmargin relay serve`): an HTTP intake (fastify, @fastify/rate-limit, as the venue kit's
 * statement service) in front of a crash-safe SQLite queue (client/relay/store.ts) and a batcher that lands the
 * queued signed requests with one attestBatch each (client/relay/batcher.ts).
 *
 *   POST /requests      body: a request file (zkmargin-attest-request/1). Every check of client/relay/check.ts runs
 *                       BEFORE it is queued; 202 { id } once it is on disk; 409 { id } for a duplicate of a queued or
 *                       submitted request; 400 / 422 { error, field, message } otherwise; 503 when the node fails
 *   GET /requests/:id   { id, subject, epoch, status: queued|submitted|attested|skipped|failed, tx?, reason?, batch? }
 *   GET /health         { status, chainId, attestor, relayer, queueLength }
 *
 * The relayer is trusted with nothing: a request is the subject's signature over every field the attestor records,
 * so the relayer can only submit it as it is, delay it or drop it (docs/DESIGN.md §5.12).
 */
import { randomUUID } from "node:crypto";
import Fastify, { type FastifyInstance } from "fastify";
import rateLimit from "@fastify/rate-limit";
import type { Wallet } from "ethers";
import type { ZkMarginProof } from "../../prover/generateProof.ts";
import type { Chain } from "../chain.ts";
import { Batcher } from "./batcher.ts";
import { checkRequest, parseRequest, RelayError, type RelayContext } from "./check.ts";
import { RelayStore } from "./store.ts";

export interface RelayOptions {
  chain: Chain;
  /** the relayer's key (pays the gas) */
  wallet: Wallet;
  /** the queue file (created if missing) */
  db: string;
  maxBatch?: number;
  maxWaitSeconds?: number;
  host?: string;
  port?: number;
  /** requests per client address per minute (default 120) */
  rateLimit?: number;
  pollMs?: number;
  log?: (line: string) => void;
  /** off-chain verification; default: prover/verifyProof.ts with the deployment instance's local key */
  verifyOffChain?: (proof: ZkMarginProof) => Promise<boolean>;
}

export interface RunningRelay {
  url: string;
  app: FastifyInstance;
  store: RelayStore;
  batcher: Batcher;
  /** stop taking requests, let the batcher persist or finish its batch, close the queue */
  stop(): Promise<void>;
}

/** The request's public view. */
function view(store: RelayStore, id: string) {
  const r = store.get(id);
  if (!r) return undefined;
  const b = r.batchId !== null ? store.batch(r.batchId) : undefined;
  return {
    id: r.id,
    subject: r.subject,
    epoch: r.epoch,
    status: r.status,
    ...(r.txHash ? { tx: r.txHash } : {}),
    ...(r.reason ? { reason: r.reason } : {}),
    ...(b && r.status !== "queued" ? { batch: { size: b.size, status: b.status, block: b.block, gasUsed: b.gasUsed } } : {}),
  };
}

/** Build the HTTP app on a queue and a relay context (no listening, no batcher). */
export async function buildRelayApp(ctx: RelayContext, store: RelayStore, opts: { rateLimit?: number; onAccepted?: () => void } = {}): Promise<FastifyInstance> {
  // a request file is ~4 KB (the proof JSON); 64 KiB leaves room for pretty-printing and nothing for abuse
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
  await app.register(rateLimit, {
    max: opts.rateLimit ?? 120,
    timeWindow: 60_000,
    errorResponseBuilder: (_req, c) => ({ statusCode: 429, error: "rate_limited", message: `too many requests: at most ${c.max} per ${c.after}` }),
  });
  app.setErrorHandler((e, _req, reply) => {
    const err = e as Error & { statusCode?: number };
    if (err instanceof RelayError) return reply.status(err.status).send({ error: err.code, field: err.field, message: err.message });
    const status = err.statusCode ?? 500;
    if (status === 429) return reply.status(429).send({ error: "rate_limited", message: err.message });
    if (status >= 400 && status < 500) return reply.status(status).send({ error: "bad_request", field: "request", message: `request: ${err.message}` });
    // the node failed a read (an ethers error that no check decoded): nothing was queued, try again later
    const short = (err as unknown as { shortMessage?: unknown }).shortMessage;
    if (typeof short === "string") return reply.status(503).send({ error: "chain_unavailable", message: `the relayer cannot read the chain now (${short}): nothing was queued` });
    reply.log.error(err);
    return reply.status(500).send({ error: "internal", message: "internal error" });
  });

  app.get("/health", async () => ({
    status: "ok",
    chainId: ctx.chain.chainId.toString(),
    attestor: ctx.chain.deployment.contracts.MarginAttestor,
    relayer: ctx.wallet.address,
    queueLength: store.queueLength(),
  }));

  app.post("/requests", async (req, reply) => {
    const r = await parseRequest(req.body);
    const dup = store.active(r.digest);
    if (dup) return reply.status(409).send({ error: "duplicate", field: "request", id: dup.id, message: `request: the same request is already ${dup.status} as ${dup.id}` });
    await checkRequest(ctx, r, true);
    // checked again after the awaits: two identical requests in flight at once are queued once
    const again = store.active(r.digest);
    if (again) return reply.status(409).send({ error: "duplicate", field: "request", id: again.id, message: `request: the same request is already ${again.status} as ${again.id}` });
    const id = randomUUID();
    store.insert({ id, digest: r.digest, subject: r.subject, epoch: r.epoch.toString(), body: JSON.stringify(req.body) });
    opts.onAccepted?.();
    return reply.status(202).send({ id });
  });

  app.get("/requests/:id", async (req, reply) => {
    const { id } = req.params as { id: string };
    const v = view(store, id);
    if (!v) return reply.status(404).send({ error: "unknown_request", field: "id", message: `id: no request ${id} at this relayer` });
    return v;
  });

  return app;
}

/** Open the queue, reconcile, start the batcher and listen. */
export async function startRelay(opts: RelayOptions): Promise<RunningRelay> {
  const { chain, wallet } = opts;
  const store = RelayStore.open(opts.db, { chainId: chain.chainId, attestor: chain.deployment.contracts.MarginAttestor });
  let verifyOffChain = opts.verifyOffChain;
  if (!verifyOffChain) {
    const [{ verifyProof }, { localArtifacts }] = await Promise.all([import("../../prover/verifyProof.ts"), import("../../scripts/lib/instances.ts")]);
    const artifacts = localArtifacts(chain.deployment.instance);
    verifyOffChain = (proof) => verifyProof(proof, artifacts);
  }
  const ctx: RelayContext = { chain, wallet, attestor: chain.attestorAs(wallet), verifyOffChain };
  const batcher = new Batcher(ctx, store, { maxBatch: opts.maxBatch ?? 16, maxWaitMs: (opts.maxWaitSeconds ?? 60) * 1000, pollMs: opts.pollMs, log: opts.log });
  try {
    await batcher.start();
  } catch (e) {
    store.close();
    throw e;
  }
  const app = await buildRelayApp(ctx, store, { rateLimit: opts.rateLimit, onAccepted: () => batcher.kick() });
  const url = await app.listen({ host: opts.host ?? "127.0.0.1", port: opts.port ?? 0 });
  let stopped: Promise<void> | undefined;
  return {
    url,
    app,
    store,
    batcher,
    stop: () =>
      (stopped ??= (async () => {
        await app.close();
        await batcher.stop();
        store.close();
      })()),
  };
}
