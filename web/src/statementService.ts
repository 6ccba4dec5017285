/**
 * A venue's statement service (client/venue/service.ts) from the page: the trader's wallet signs the EIP-712
 * `StatementRequest { venueId, account, epoch, issuedAt, nonce }` (the service's domain and types, from the
 * dependency-free client/venue/statementRequest.ts the service uses too) and the page posts
 * it. The statement goes only to a request signed by the key the venue registered for the account, exactly as for
 * `zkmargin statements fetch`; the browser lets the page read the answer only if the operator allowed the page's
 * origin (`zkmargin venue serve --cors <origin>`). Nothing but the signed request is sent.
 */
import { ZkMarginInputError } from "../../prover/errors.ts";
import { STATEMENT_REQUEST_DOMAIN, STATEMENT_REQUEST_TYPES } from "../../client/venue/statementRequest.ts";

export { STATEMENT_REQUEST_DOMAIN, STATEMENT_REQUEST_TYPES };

/** What the page needs of its signer (ethers' JsonRpcSigner and Wallet both are one). */
export interface TypedDataSigner {
  signTypedData(domain: typeof STATEMENT_REQUEST_DOMAIN, types: typeof STATEMENT_REQUEST_TYPES, value: Record<string, string>): Promise<string>;
}

/** The service's base URL: http(s), no query or fragment; a trailing slash is dropped. */
export function parseServiceUrl(text: string, field = "statement service"): string {
  let u: URL;
  try {
    u = new URL(text.trim());
  } catch {
    throw new ZkMarginInputError(field, `"${text}" is not a URL (e.g. https://statements.venue.example)`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new ZkMarginInputError(field, `"${text}": expected an http or https URL`);
  if (u.search || u.hash || u.username || u.password) throw new ZkMarginInputError(field, `"${text}": give the service's base URL, without query, fragment or credentials`);
  return u.href.replace(/\/+$/, "");
}

function hex(bytes: Uint8Array): string {
  return `0x${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** One call to the service; a refusal becomes one error naming the service, its status and its message. */
async function call(url: string, init: RequestInit | undefined, field: string, fetchFn: typeof fetch): Promise<Response> {
  let res: Response;
  try {
    res = await fetchFn(url, init);
  } catch (e) {
    // a browser reports a CORS refusal exactly like an unreachable host
    throw new ZkMarginInputError(field, `could not reach ${url} (${(e as Error).message}): is the service running, and does it allow this page's origin (zkmargin venue serve --cors <origin>)?`);
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { error?: string; message?: string };
    throw new ZkMarginInputError(field, `${url} answered HTTP ${res.status}${body.error ? ` ${body.error}` : ""}${body.message ? `: ${body.message}` : ""}`);
  }
  return res;
}

/**
 * Fetch the account's statement of `epoch` from the venue's service: the venue id from `/v1/health`, then the
 * request signed by `signer` posted to `/v1/statement`. Returns the statement's JSON text as the service sent it.
 */
export async function fetchServiceStatement(service: string, signer: TypedDataSigner, account: string, epoch: bigint, fetchFn: typeof fetch = fetch): Promise<{ name: string; text: string; venueId: string }> {
  const base = parseServiceUrl(service);
  const acct = account.trim();
  if (acct === "") throw new ZkMarginInputError("account", "give your account id at this venue");
  const health = (await (await call(`${base}/v1/health`, undefined, "statement service", fetchFn)).json()) as { venueId?: unknown };
  if (typeof health.venueId !== "string" || !/^[0-9]{1,10}$/.test(health.venueId)) throw new ZkMarginInputError("statement service", `${base}/v1/health did not name a venue id: not a zkmargin statement service`);
  const value = { venueId: health.venueId, account: acct, epoch: epoch.toString(), issuedAt: String(Math.floor(Date.now() / 1000)), nonce: hex(crypto.getRandomValues(new Uint8Array(32))) };
  const signature = await signer.signTypedData(STATEMENT_REQUEST_DOMAIN, STATEMENT_REQUEST_TYPES, value);
  const res = await call(`${base}/v1/statement`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...value, signature }) }, "statement service", fetchFn);
  return { name: `venue ${health.venueId} (${new URL(base).host}), account ${acct}, epoch ${epoch}`, text: await res.text(), venueId: health.venueId };
}
