/**
 * The CLI's connection to a deployment on any JSON-RPC endpoint (`--rpc` / ZKMARGIN_RPC, `--deployment` /
 * ZKMARGIN_DEPLOYMENT): the node must answer, be the deployment's chain, and hold the attestor's code; then the
 * deployment's contracts with their compiled ABIs. Also what the trader reads before proving and attesting: the
 * context of an epoch (market snapshot, risk params, roots, domain: `zkmargin fetch`) and the checks of a proof's
 * public inputs against the chain, each failing with the name of the input that differs.
 */
import { Contract, Interface, JsonRpcProvider, Network, getAddress, type ContractRunner, type TransactionReceipt, type Wallet } from "ethers";
import { z } from "zod";
import { contextHashOf } from "../prover/commitments.ts";
import { ZkMarginChainError, ZkMarginInputError } from "../prover/errors.ts";
import { FIELD } from "../prover/hash.ts";
import type { PublicInputs } from "../prover/publicSignals.ts";
import { MarketSchema, parseWith, RiskSchema, stringifyJson, zField, zU64 } from "../prover/statement.ts";
import type { MarketSnapshot, RiskParams } from "../prover/types.ts";
import { AttestorClient, decodeChainError, LEDGER_ERRORS_ABI, MARGIN_ATTESTOR_ABI } from "./attestor.ts";
import { attach, contractArtifact } from "./contracts.ts";
import { readDeployment, type Deployment } from "./deployment.ts";
import { utc } from "./io.ts";
import { optionalSigner, requireSigner, type KeyOptions } from "./keys.ts";

export interface ChainOptions extends KeyOptions {
  rpc?: string;
  deployment?: string;
}

/** Chain ids of development chains (Hardhat, Anvil/Ganache/geth --dev): the only ones insecure keys may be deployed to. */
export const LOCAL_CHAIN_IDS: ReadonlySet<bigint> = new Set([31337n, 1337n]);

/** POST one JSON-RPC call with a timeout; an unreachable node or an error answer is bad input naming --rpc. */
async function rpcCall(rpc: string, method: string, params: unknown[] = []): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(rpc, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
    throw new ZkMarginInputError("rpc", `cannot reach a JSON-RPC node at ${rpc} (${cause})`);
  }
  const body = (await res.json().catch(() => undefined)) as { result?: unknown; error?: { message?: string } } | undefined;
  if (!res.ok || body === undefined || body.error) throw new ZkMarginInputError("rpc", `${rpc} is not a JSON-RPC node (HTTP ${res.status}${body?.error?.message ? `: ${body.error.message}` : ""})`);
  return body.result;
}

/** A provider for `rpc` after checking the node answers; returns its chain id. */
export async function openProvider(rpcOption: string | undefined): Promise<{ provider: JsonRpcProvider; chainId: bigint; rpc: string }> {
  const rpc = rpcOption ?? process.env.ZKMARGIN_RPC;
  if (!rpc) throw new ZkMarginInputError("rpc", "give --rpc <url> (a JSON-RPC endpoint) or set ZKMARGIN_RPC");
  if (!/^https?:\/\//.test(rpc)) throw new ZkMarginInputError("rpc", `"${rpc}" is not an http(s) URL`);
  const chainId = BigInt(String(await rpcCall(rpc, "eth_chainId")));
  // cacheTimeout -1: ethers otherwise answers a repeated call (a nonce, a status read after a transaction) from a
  // 250 ms cache, i.e. from before the transaction it just waited for
  const provider = new JsonRpcProvider(rpc, Network.from(chainId), { staticNetwork: true, batchMaxCount: 1, pollingInterval: 500, cacheTimeout: -1 });
  return { provider, chainId, rpc };
}

export interface Chain {
  rpc: string;
  provider: JsonRpcProvider;
  chainId: bigint;
  deployment: Deployment & { file: string };
  /** read-only attestor (connect a signer with `attestorAs`) */
  attestor: AttestorClient;
  registry: Contract;
  oracle: Contract;
  riskParams: Contract;
  timelock: Contract;
  /** the attestor with `signer` as sender */
  attestorAs(signer: Wallet): AttestorClient;
  /** a deployment contract with `runner` (a signer for transactions) */
  contract(name: "VenueRegistry" | "OracleHub" | "RiskParams" | "RiskTimelock", runner: ContractRunner): Contract;
  /** the latest block's timestamp (the chain's now) */
  now(): Promise<bigint>;
  close(): void;
}

/** Connect to a deployment: the node answers, is the deployment's chain, and holds the attestor's code. */
export async function connectChain(o: ChainOptions): Promise<Chain> {
  const deployment = readDeployment(o.deployment ?? process.env.ZKMARGIN_DEPLOYMENT);
  const { provider, chainId, rpc } = await openProvider(o.rpc);
  const fail = (field: string, problem: string): never => {
    provider.destroy();
    throw new ZkMarginInputError(field, problem);
  };
  if (chainId !== deployment.chainId) {
    fail("chainId", `the node at ${rpc} is chain ${chainId}, but ${deployment.file} is a deployment on chain ${deployment.chainId}: wrong --rpc or wrong --deployment`);
  }
  const c = deployment.contracts;
  if ((await provider.getCode(c.MarginAttestor)) === "0x") {
    fail("deployment", `no contract at MarginAttestor ${c.MarginAttestor} on chain ${chainId}: ${deployment.file} does not describe this chain's state (a restarted development node?)`);
  }
  const addr = { VenueRegistry: c.VenueRegistry, OracleHub: c.OracleHub, RiskParams: c.RiskParams, RiskTimelock: c.RiskTimelock } as const;
  // The file is a claim: the attestor's immutables say which registry and oracle it reads and its lifecycle timing,
  // and the oracle's which risk params; a file that disagrees would check statements and liveness against the wrong
  // contracts before proving.
  const attestorView = attach("MarginAttestor", c.MarginAttestor, provider);
  const oracleView = attach("OracleHub", c.OracleHub, provider);
  const same = (a: unknown, b: string) => String(a).toLowerCase() === b.toLowerCase();
  const [reg, orc, rp, ttl, renewalWindow, gracePeriod] = (await Promise.all([
    attestorView.registry(),
    attestorView.oracle(),
    oracleView.riskParams(),
    attestorView.ttl(),
    attestorView.renewalWindow(),
    attestorView.gracePeriod(),
  ])) as [string, string, string, bigint, bigint, bigint];
  for (const [name, onChain, inFile] of [["VenueRegistry", reg, c.VenueRegistry], ["OracleHub", orc, c.OracleHub], ["RiskParams", rp, c.RiskParams]] as const) {
    if (!same(onChain, inFile)) fail("deployment", `${deployment.file} names ${name} ${inFile}, but the attestor ${c.MarginAttestor} uses ${onChain}`);
  }
  const t = deployment.timing;
  if (BigInt(ttl) !== t.ttl || BigInt(renewalWindow) !== t.renewalWindow || BigInt(gracePeriod) !== t.gracePeriod) {
    fail("deployment", `${deployment.file}'s timing (ttl ${t.ttl}, renewal window ${t.renewalWindow}, grace ${t.gracePeriod}) is not the attestor's (${ttl}, ${renewalWindow}, ${gracePeriod})`);
  }
  const chain: Chain = {
    rpc,
    provider,
    chainId,
    deployment,
    attestor: new AttestorClient(c.MarginAttestor, provider),
    registry: attach("VenueRegistry", c.VenueRegistry, provider),
    oracle: attach("OracleHub", c.OracleHub, provider),
    riskParams: attach("RiskParams", c.RiskParams, provider),
    timelock: attach("RiskTimelock", c.RiskTimelock, provider),
    attestorAs: (signer) => new AttestorClient(c.MarginAttestor, signer.connect(provider)),
    contract: (name, runner) => attach(name, addr[name], runner),
    now: async () => BigInt((await provider.getBlock("latest"))?.timestamp ?? Math.floor(Date.now() / 1000)),
    close: () => provider.destroy(),
  };
  return chain;
}

/** Connect to a deployment (connectChain), run `fn` on it, and close the connection however `fn` ends. */
export async function withConnectedChain<T>(o: ChainOptions, fn: (chain: Chain) => Promise<T>): Promise<T> {
  const chain = await connectChain(o);
  try {
    return await fn(chain);
  } finally {
    chain.close();
  }
}

/** The signer of a chain command, connected to the chain's provider. */
export async function chainSigner(chain: Chain, o: KeyOptions, role: string): Promise<Wallet> {
  return requireSigner(o, role, chain.provider);
}

export async function chainSignerIfAny(chain: Chain, o: KeyOptions): Promise<Wallet | undefined> {
  return optionalSigner(o, chain.provider);
}

/** Send a prepared contract transaction and wait for it; a revert (at estimation or in the block) is decoded. */
export async function sendTx(what: string, send: () => Promise<{ wait(): Promise<TransactionReceipt | null>; hash: string }>): Promise<{ hash: string; gasUsed: bigint; block: number }> {
  try {
    const tx = await send();
    const receipt = await tx.wait();
    if (!receipt || receipt.status !== 1) throw new ZkMarginChainError(`${what}: transaction ${tx.hash} failed`);
    return { hash: tx.hash, gasUsed: receipt.gasUsed, block: receipt.blockNumber };
  } catch (e) {
    throw decodeChainError(e, chainErrors());
  }
}

let errorsInterface: Interface | undefined;

/** Every custom error of the deployment's contracts (from their compiled ABIs), for decoding reverts. */
function chainErrors(): Interface {
  errorsInterface ??= new Interface([
    ...MARGIN_ATTESTOR_ABI.filter((f) => f.startsWith("error ")),
    ...LEDGER_ERRORS_ABI,
    ...["VenueRegistry", "OracleHub", "RiskParams", "RiskTimelock", "MockAggregatorV3"].flatMap((n) => {
      try {
        return (contractArtifact(n).abi as { type: string }[]).filter((f) => f.type === "error") as never[];
      } catch {
        return [];
      }
    }),
  ]);
  return errorsInterface;
}

/** What a trader needs from the chain to prove for an epoch (`zkmargin fetch`, and `prove --rpc`). */
export interface EpochContext {
  chainId: bigint;
  attestor: string;
  instance: string;
  epoch: bigint;
  domain: bigint;
  contextHash: bigint;
  riskVersion: bigint;
  takenAt: bigint;
  supersededAt: bigint;
  market: MarketSnapshot;
  risk: RiskParams;
  /** the roots the registry holds for the epoch, by venue id (0: none posted) */
  roots: Map<bigint, bigint>;
  /** when each root was revoked or its venue suspended (0: stands) */
  invalidatedAt: Map<bigint, bigint>;
}

/** The oracle's latest epoch, or an error when it has none. */
export async function latestEpoch(chain: Chain): Promise<bigint> {
  if (!(await chain.oracle.hasSnapshot())) throw new ZkMarginInputError("epoch", "the oracle has no snapshot yet (zkmargin oracle snapshot)");
  return BigInt(await chain.oracle.latestEpoch());
}

/** Read an epoch's context from the chain; the SDK recomputes the context hash from what it read. */
export async function fetchContext(chain: Chain, epoch: bigint, venueIds: readonly bigint[]): Promise<EpochContext> {
  const ctx = (await chain.oracle.contextAt(epoch)) as { contextHash: bigint; takenAt: bigint; supersededAt: bigint; riskVersion: bigint };
  if (ctx.contextHash === 0n) {
    const latest = (await chain.oracle.hasSnapshot()) ? BigInt(await chain.oracle.latestEpoch()) : 0n;
    throw new ZkMarginInputError("epoch", `the oracle has no snapshot of epoch ${epoch} (latest: ${latest === 0n ? "none" : latest})`);
  }
  const [price, scanRange, volShock] = (await chain.oracle.snapshotAt(epoch)) as [bigint[], bigint[], bigint[]];
  const [p, scenarioCount] = (await Promise.all([chain.riskParams.paramsOf(ctx.riskVersion), chain.riskParams.scenarioCount()])) as [Record<string, unknown>, bigint];
  const big = (x: unknown) => BigInt(x as bigint);
  const arr = (x: unknown) => (x as unknown[]).map(big);
  const risk: RiskParams = {
    haircut: arr(p.haircut),
    debtAddOn: arr(p.debtAddOn),
    // the scenario set by its factor structure; K is the contract's (fixed at deployment, not part of a version)
    scenarios: Number(scenarioCount),
    factorLoading: arr(p.factorLoading),
    residualLoading: arr(p.residualLoading),
    residualColumn: arr(p.residualColumn).map(Number),
    grossCharge: big(p.grossCharge),
    basisCharge: arr(p.basisCharge),
    concentration: arr(p.concentration),
    shortOptionMin: arr(p.shortOptionMin),
    vegaGross: big(p.vegaGross),
    noGammaGain: big(p.noGammaGain),
    venueDefault: big(p.venueDefault),
  };
  const market: MarketSnapshot = { price: [...price].map(big), scanRange: [...scanRange].map(big), volShock: [...volShock].map(big) };
  const computed = contextHashOf(epoch, market, risk);
  if (computed !== BigInt(ctx.contextHash)) {
    throw new ZkMarginChainError(`the chain's snapshot of epoch ${epoch} and risk params version ${ctx.riskVersion} hash to 0x${computed.toString(16)}, not the oracle's context 0x${BigInt(ctx.contextHash).toString(16)}: this SDK does not match the deployed contracts`);
  }
  const roots = new Map<bigint, bigint>();
  const invalidatedAt = new Map<bigint, bigint>();
  for (const v of venueIds) {
    roots.set(v, BigInt(await chain.registry.rootOf(v, epoch)));
    invalidatedAt.set(v, BigInt(await chain.registry.rootInvalidatedAt(v, epoch)));
  }
  return {
    chainId: chain.chainId,
    attestor: chain.deployment.contracts.MarginAttestor,
    instance: chain.deployment.instance,
    epoch,
    domain: await chain.attestor.domain(),
    contextHash: BigInt(ctx.contextHash),
    riskVersion: BigInt(ctx.riskVersion),
    takenAt: BigInt(ctx.takenAt),
    supersededAt: BigInt(ctx.supersededAt),
    market,
    risk,
    roots,
    invalidatedAt,
  };
}

/**
 * Whether an attestation of the context's snapshot would be Live now (MarginAttestor accepts only such proofs);
 * the problem, for a named error, when not.
 */
export function liveProblem(ctx: EpochContext, timing: { ttl: bigint; renewalWindow: bigint }, now: bigint, latest: bigint): string | undefined {
  const lapse = ctx.takenAt + timing.ttl;
  if (lapse <= now) return `the snapshot of epoch ${ctx.epoch} was taken ${utc(ctx.takenAt)}; its attestations lapse ${utc(lapse)} (ttl ${timing.ttl} s), already past: prove the latest epoch (${latest})`;
  if (ctx.supersededAt !== 0n && ctx.supersededAt + timing.renewalWindow <= now) {
    return `epoch ${ctx.epoch} was superseded at ${utc(ctx.supersededAt)} and its renewal window ended ${utc(ctx.supersededAt + timing.renewalWindow)}: prove the latest epoch (${latest})`;
  }
  for (const [v, t] of ctx.invalidatedAt) if (t !== 0n) return `venue ${v}'s root for epoch ${ctx.epoch} was revoked (or the venue suspended) at ${utc(t)}`;
  return undefined;
}

const hex = (x: bigint) => `0x${x.toString(16)}`;

/**
 * Check a proof's public inputs against the chain's state for `epoch`, before a transaction: the domain, the
 * context hash, each venue's root (posted, not revoked), and, when given, the subject. The first difference is a
 * ZkMarginInputError naming the public input.
 */
export function checkPublicInputs(p: PublicInputs, ctx: EpochContext, label = "proof.publicInputs"): void {
  if (p.domain !== ctx.domain) {
    throw new ZkMarginInputError(`${label}.domain`, `the proof's domain ${hex(p.domain)} is not the attestor's ${hex(ctx.domain)} (MarginAttestor ${ctx.attestor} on chain ${ctx.chainId}): it was made for another deployment`);
  }
  if (p.contextHash !== ctx.contextHash) {
    throw new ZkMarginInputError(`${label}.contextHash`, `the proof's context ${hex(p.contextHash)} is not the oracle's ${hex(ctx.contextHash)} for epoch ${ctx.epoch} (another epoch, market snapshot or risk-params version)`);
  }
  p.venueIds.forEach((v, i) => {
    if (v === 0n) return;
    const onChain = ctx.roots.get(v) ?? 0n;
    if (onChain === 0n) throw new ZkMarginInputError(`${label}.venueRoots[${i}]`, `venue ${v} has no root posted for epoch ${ctx.epoch}`);
    if (onChain !== p.venueRoots[i]) throw new ZkMarginInputError(`${label}.venueRoots[${i}]`, `venue ${v}'s root for epoch ${ctx.epoch} is ${hex(onChain)} on chain, the proof's is ${hex(p.venueRoots[i])}`);
  });
  if (p.bookNullifier === 0n || p.bookNullifier >= FIELD) throw new ZkMarginInputError(`${label}.bookNullifier`, "not a non-zero field element");
}

/** JSON of an epoch context (the file `zkmargin fetch` writes and `prove --context` reads). */
export const CONTEXT_FORMAT = "zkmargin-context/1";

const ContextSchema = z
  .object({
    format: z.literal(CONTEXT_FORMAT),
    chainId: zU64,
    attestor: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
    instance: z.string(),
    epoch: zU64,
    domain: zField,
    contextHash: zField,
    riskVersion: zU64,
    takenAt: zU64,
    supersededAt: zU64,
    market: MarketSchema,
    risk: RiskSchema,
    roots: z.record(z.string().regex(/^[0-9]+$/, "expected a decimal venue id"), zField),
    invalidatedAt: z.record(z.string().regex(/^[0-9]+$/, "expected a decimal venue id"), zU64),
  })
  .strict();

/** The JSON of an epoch context, bigints as decimal strings. */
export function contextJson(ctx: EpochContext): string {
  return stringifyJson({ format: CONTEXT_FORMAT, ...ctx, roots: Object.fromEntries(ctx.roots), invalidatedAt: Object.fromEntries(ctx.invalidatedAt) });
}

/** Parse an epoch context file; a bad field is one ZkMarginInputError naming its path. */
export function parseContext(text: string, label = "context"): EpochContext {
  const c = parseWith(ContextSchema, text, label);
  const map = (r: Record<string, bigint>) => new Map(Object.entries(r).map(([k, v]) => [BigInt(k), v]));
  return { ...c, attestor: getAddress(c.attestor.toLowerCase()), market: c.market, risk: c.risk, roots: map(c.roots), invalidatedAt: map(c.invalidatedAt) };
}

/**
 * Compare a context read from a file with the chain's: the first difference is a ZkMarginInputError naming the
 * field (e.g. "context.market.price[1]"), so a stale or edited file is caught before proving.
 */
export function compareContexts(file: EpochContext, chain: EpochContext, label = "context"): void {
  const diff = (field: string, a: unknown, b: unknown) => {
    throw new ZkMarginInputError(`${label}.${field}`, `the file says ${String(a)}, the chain says ${String(b)} (fetch it again: zkmargin fetch)`);
  };
  for (const k of ["chainId", "epoch", "domain", "contextHash", "riskVersion"] as const) if (file[k] !== chain[k]) diff(k, file[k], chain[k]);
  if (file.attestor !== chain.attestor) diff("attestor", file.attestor, chain.attestor);
  compareValues(file.market, chain.market, `${label}.market`);
  compareValues(file.risk, chain.risk, `${label}.risk`);
  for (const [v, r] of file.roots) if ((chain.roots.get(v) ?? 0n) !== r) diff(`roots.${v}`, r, chain.roots.get(v) ?? 0n);
}

/** Compare two values of the same JSON shape (bigints, arrays, objects); the first difference is named. */
export function compareValues(a: unknown, b: unknown, field: string): void {
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) throw new ZkMarginInputError(field, `${a.length} values, the chain has ${b.length}`);
    a.forEach((x, i) => compareValues(x, b[i], `${field}[${i}]`));
    return;
  }
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object") {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      compareValues((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${field}.${k}`);
    }
    return;
  }
  if (a !== b) throw new ZkMarginInputError(field, `the file says ${String(a)}, the chain says ${String(b)}`);
}
