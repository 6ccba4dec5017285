/**
 * The statement service: an HTTP server (fastify, @fastify/rate-limit) from which an account holder downloads its
 * statement for an epoch.
 *
 * Authentication: the request is an EIP-712 `StatementRequest { venueId, account, epoch, issuedAt, nonce }` signed
 * by the key registered when the account was opened (accounts.signer). The service accepts it only if the venue
 * id is its own, issuedAt is within ±`maxSkewSeconds` of its clock and not before the service started (no replay
 * across restarts), and the nonce was not seen. An unknown account and a wrong signer get the same 403, so the
 * service does not tell strangers which account ids exist.
 *
 * Which epochs: only an epoch the store recorded as posted AND whose root VenueRegistry returns for this venue
 * right now and has not revoked (checked on the chain, rechecked every 30 s). A built-but-unposted epoch, a root that differs from
 * the chain's, or a store mid-build (its transaction is invisible to readers) is never served.
 *
 * Cross-origin reads (a trader's web page fetching its statement): off unless the operator names the origins allowed
 * (`cors`, @fastify/cors). An allowed Origin gets Access-Control-Allow-Origin (and preflights their answer); any
 * other gets no CORS header at all, so the browser keeps the response from that page. `*` allows every origin.
 * This grants no access by itself: a statement is served only to a request signed by the account's key (no cookie or
 * other ambient credential is used or allowed), so CORS only lets a page the trader opened hand that request over.
 *
 * Errors are JSON `{ error, message }` with 400 (malformed), 401 (stale or replayed), 403 (not authorised),
 * 404 (no such epoch or not yet built), 409 (root not posted, mismatched or revoked), 429 (rate limited).
 */
import Fastify, { type FastifyInstance } from "fastify";
import cors from "@fastify/cors";
import rateLimit from "@fastify/rate-limit";
import { verifyTypedData } from "ethers";
import { ZkMarginInputError } from "../../prover/errors.ts";
import { readElement } from "../../prover/poseidon/batch.ts";
import { stringifyJson } from "../../prover/statement.ts";
import { type RegistryConnection, postedRoot, rootInvalidatedAt } from "./chain.ts";
import { STATEMENT_REQUEST_DOMAIN, STATEMENT_REQUEST_TYPES } from "./statementRequest.ts";
import { statementFor } from "./statements.ts";
import type { VenueStore } from "./store.ts";

/** EIP-712 domain and types of a statement request (client and server share these; the page too). */
export { STATEMENT_REQUEST_DOMAIN, STATEMENT_REQUEST_TYPES };

export interface StatementRequest {
  venueId: string;
  account: string;
  epoch: string;
  /** unix seconds */
  issuedAt: string;
  /** 0x + 64 hex digits, fresh per request */
  nonce: string;
  signature: string;
}

export interface ServiceOptions {
  store: VenueStore;
  registry: RegistryConnection;
  /** requests per IP per window (default 120 per minute) */
  rateLimit?: { max: number; timeWindow: number };
  /** accepted clock skew of issuedAt, seconds (default 120) */
  maxSkewSeconds?: number;
  logger?: boolean;
  /** how long a confirmed root is trusted before the chain is asked again (revocation), ms (default 30 000) */
  recheckMs?: number;
  /** origins whose pages may read the responses (CORS), e.g. ["https://trader.example"]; ["*"]: any; default none */
  corsOrigins?: readonly string[];
}

/**
 * `--cors <origin,...>`: a comma-separated list of origins as browsers send them (scheme://host[:port], no path, no
 * trailing slash, lower case, no default port), or `*` alone.
 */
export function parseCorsOrigins(text: string, field = "cors"): string[] {
  const list = text.split(",").map((x) => x.trim());
  if (list.some((x) => x === "")) throw new ZkMarginInputError(field, `"${text}" has an empty entry: give origins separated by commas, or *`);
  if (list.includes("*")) {
    if (list.length > 1) throw new ZkMarginInputError(field, "* allows every origin: give it alone, not with other origins");
    return ["*"];
  }
  for (const x of list) {
    let origin: string | undefined;
    try {
      const u = new URL(x);
      if (u.protocol === "http:" || u.protocol === "https:") origin = u.origin;
    } catch {
      /* not a URL */
    }
    if (origin !== x) throw new ZkMarginInputError(field, `"${x}" is not an origin: give scheme://host[:port] as a browser sends it (http or https, no path or trailing slash, lower case${origin ? `, e.g. ${origin}` : ""})`);
  }
  return [...new Set(list)];
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const DEC = /^[0-9]{1,20}$/;
const NONCE = /^0x[0-9a-fA-F]{64}$/;

export async function buildService(opts: ServiceOptions): Promise<FastifyInstance> {
  const { store, registry } = opts;
  const skew = opts.maxSkewSeconds ?? 120;
  const startedAt = Math.floor(Date.now() / 1000);
  const seen = new Map<string, number>(); // nonce → issuedAt, pruned past the skew window
  const confirmed = new Map<number, number>(); // epoch → when (ms) the chain last confirmed its root stands
  const RECHECK_MS = opts.recheckMs ?? 30_000; // a root revoked on chain stops being served within this time
  const venueId = store.meta.venueId;
  const app = Fastify({ logger: opts.logger ?? false, bodyLimit: 4096 });

  // awaited: the limiter must be in place before the routes are declared, or they are not limited
  await app.register(rateLimit, {
    max: opts.rateLimit?.max ?? 120,
    timeWindow: opts.rateLimit?.timeWindow ?? 60_000,
    errorResponseBuilder: (_req, ctx) => ({ statusCode: 429, error: "rate_limited", message: `too many requests: at most ${ctx.max} per ${ctx.after}` }),
  });

  const origins = opts.corsOrigins ?? [];
  if (origins.length > 0) {
    const any = origins.includes("*");
    const allowed = new Set(origins);
    await app.register(cors, {
      // a function, not the list: the plugin would still answer a preflight of another origin with its method headers
      origin: any ? "*" : (origin, cb) => cb(null, origin !== undefined && allowed.has(origin) ? origin : false),
      methods: ["GET", "POST"],
      allowedHeaders: ["content-type"],
      credentials: false,
      maxAge: 600,
    });
  }

  app.setErrorHandler((e, _req, reply) => {
    const err = e as Error & { statusCode?: number };
    if (err instanceof HttpError) return reply.status(err.status).send({ error: err.code, message: err.message });
    const status = err.statusCode ?? 500;
    if (status === 429) return reply.status(429).send({ error: "rate_limited", message: err.message });
    if (status >= 400 && status < 500) return reply.status(status).send({ error: "bad_request", message: err.message });
    reply.log.error(err);
    return reply.status(500).send({ error: "internal", message: "internal error" });
  });

  /** posted in the store and equal to the chain's root now */
  async function servableEpoch(epoch: number): Promise<void> {
    const e = store.epoch(epoch);
    if (!e) throw new HttpError(404, "unknown_epoch", `epoch ${epoch} is not built at venue ${venueId}`);
    if (e.status !== "posted") throw new HttpError(409, "root_not_posted", `epoch ${epoch}'s root is not posted yet`);
    const at = confirmed.get(epoch);
    if (at !== undefined && Date.now() - at < RECHECK_MS) return;
    confirmed.delete(epoch);
    const onChain = await postedRoot(registry, venueId, epoch);
    const root = readElement(e.root, 0);
    if (onChain === 0n) throw new HttpError(409, "root_not_posted", `VenueRegistry holds no root for venue ${venueId} epoch ${epoch}`);
    if (onChain !== root) throw new HttpError(409, "root_mismatch", `VenueRegistry's root for epoch ${epoch} differs from the store's: statements of this epoch are not served`);
    if ((await rootInvalidatedAt(registry, venueId, epoch)) !== 0n) throw new HttpError(409, "root_revoked", `VenueRegistry revoked venue ${venueId}'s root for epoch ${epoch} (or suspended the venue)`);
    confirmed.set(epoch, Date.now());
  }

  app.get("/v1/health", async () => ({ status: "ok", venueId: venueId.toString(), chainId: registry.chainId.toString(), registry: registry.address }));

  /** the epochs statements are served for: posted, and equal to the chain's root */
  app.get("/v1/epochs", async () => {
    const out: { epoch: number; root: string; txHash: string | null; block: number | null }[] = [];
    for (const e of store.epochs().filter((x) => x.status === "posted")) {
      try {
        await servableEpoch(e.epoch);
        out.push({ epoch: e.epoch, root: readElement(e.root, 0).toString(), txHash: e.txHash, block: e.block });
      } catch (err) {
        if (!(err instanceof HttpError)) throw err;
      }
    }
    return { venueId: venueId.toString(), epochs: out };
  });

  app.post("/v1/statement", async (req, reply) => {
    const body = req.body as Partial<StatementRequest> | null;
    if (body === null || typeof body !== "object") throw new HttpError(400, "bad_request", "expected a JSON StatementRequest");
    for (const k of ["venueId", "account", "epoch", "issuedAt", "nonce", "signature"] as const) {
      if (typeof body[k] !== "string") throw new HttpError(400, "bad_request", `${k}: expected a string`);
    }
    const r = body as StatementRequest;
    if (!DEC.test(r.venueId) || BigInt(r.venueId) !== venueId) throw new HttpError(400, "wrong_venue", `venueId: this service is venue ${venueId}`);
    if (!DEC.test(r.epoch) || !Number.isSafeInteger(Number(r.epoch))) throw new HttpError(400, "bad_request", "epoch: expected a decimal integer");
    if (!DEC.test(r.issuedAt)) throw new HttpError(400, "bad_request", "issuedAt: expected unix seconds");
    if (!NONCE.test(r.nonce)) throw new HttpError(400, "bad_request", "nonce: expected 0x followed by 64 hex digits");
    const now = Math.floor(Date.now() / 1000);
    const issued = Number(r.issuedAt);
    if (Math.abs(now - issued) > skew) throw new HttpError(401, "stale_request", `issuedAt is ${now - issued} s from the server's clock (at most ${skew} s)`);
    if (issued < startedAt - 1) throw new HttpError(401, "stale_request", "issuedAt is before the service started: sign a fresh request");
    let signer: string;
    try {
      signer = verifyTypedData(STATEMENT_REQUEST_DOMAIN, STATEMENT_REQUEST_TYPES, { venueId: r.venueId, account: r.account, epoch: r.epoch, issuedAt: r.issuedAt, nonce: r.nonce }, r.signature);
    } catch {
      throw new HttpError(400, "bad_signature", "signature: not a valid signature of the request");
    }
    const account = store.accountById(r.account);
    if (!account || account.signer !== signer.toLowerCase()) throw new HttpError(403, "not_authorised", `the signer is not the key registered for account ${r.account}`);
    for (const [n, t] of seen) if (t < now - skew) seen.delete(n);
    const nonceKey = r.nonce.toLowerCase();
    if (seen.has(nonceKey)) throw new HttpError(401, "replayed_request", "nonce already used: sign a fresh request");
    seen.set(nonceKey, issued);
    const epoch = Number(r.epoch);
    await servableEpoch(epoch);
    if (account.builtEpoch === null || account.builtEpoch > epoch) throw new HttpError(404, "not_in_epoch", `account ${r.account} is not in epoch ${epoch}'s tree`);
    const statement = statementFor(store, account, epoch);
    reply.header("content-type", "application/json; charset=utf-8");
    reply.header("cache-control", "no-store");
    return stringifyJson(statement);
  });

  return app;
}
