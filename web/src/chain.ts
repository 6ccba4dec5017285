/**
 * The page's chain connection (browser side). A deployment (chain id, MarginAttestor address, instance; the rest is
 * discovered from the attestor: its registry, its oracle, the oracle's RiskParams) and a signer: an injected wallet
 * (window.ethereum, EIP-1193) or, without one, the first unlocked account of the chain behind the deployment's
 * rpcUrl (the local Hardhat chain of `npm run web`).
 *
 * Privacy (docs/DESIGN.md §6, trader page): everything read here before the trader submits is public state that
 * does not depend on the book — the epoch's snapshot, its risk-parameter version, the roots EVERY venue posted for
 * the epoch (RootPosted logs filtered by epoch only), the deployment's timing and domain, and the signer's own
 * attestation. The book nullifier, the secret and the holdings never reach the RPC before `attest`, whose
 * transaction carries the nullifier by design; the binding check of the book runs inside that submit.
 *
 * Transactions go through client/attestor.ts (the CLI's client), so errors decode the same way.
 */
import { BrowserProvider, Contract, JsonRpcProvider, formatEther, formatUnits, getAddress, isAddress, type Eip1193Provider, type JsonRpcSigner } from "ethers";
import { AttestorClient, LifecycleState, attestable, type AttestorStatus, type Lien, type TxResult } from "../../client/attestor.ts";
import { ZkMarginInputError } from "../../prover/errors.ts";
import type { ZkMarginProof } from "../../prover/generateProof.ts";
import type { MarketSnapshot, RiskParams } from "../../prover/types.ts";

declare global {
  interface Window {
    ethereum?: Eip1193Provider;
  }
}

/** What the page needs to know about a deployment (served as /deployment.json by web/server.ts, or a file). */
export interface Deployment {
  chainId: bigint;
  /** JSON-RPC endpoint for reads and, without a wallet, for signing with the node's unlocked account */
  rpcUrl?: string;
  /** circuit instance of the attestor (circuits/circuits.json) */
  instance: string;
  attestor: string;
  /** asset symbols by index, when the deployment names them */
  assets?: string[];
  /** first block to scan for logs (the deployment block), default 0 */
  fromBlock: number;
}

/** A deployment that names one of its fields wrongly: one clear error. */
export class DeploymentError extends ZkMarginInputError {}

/**
 * Parse a deployment description. Accepts `{ chainId, instance, contracts: { MarginAttestor } }` (the CLI's deployment
 * file and web/server.ts's /deployment.json), optional `rpcUrl`, `assets`, `fromBlock` / `blockNumber`.
 */
export function parseDeployment(json: unknown, what = "deployment"): Deployment {
  if (typeof json !== "object" || json === null) throw new DeploymentError(what, "expected a JSON object");
  const o = json as Record<string, unknown>;
  const contracts = (typeof o.contracts === "object" && o.contracts !== null ? o.contracts : {}) as Record<string, unknown>;
  const chainId = o.chainId;
  if (!(typeof chainId === "number" && Number.isSafeInteger(chainId) && chainId > 0) && !(typeof chainId === "string" && /^(0x[0-9a-fA-F]+|[1-9][0-9]*)$/.test(chainId))) {
    throw new DeploymentError(`${what}.chainId`, "expected a positive chain id");
  }
  const attestor = contracts.MarginAttestor ?? o.attestor;
  if (typeof attestor !== "string" || !isAddress(attestor)) throw new DeploymentError(`${what}.contracts.MarginAttestor`, "expected the attestor's address (0x + 40 hex digits, checksummed if mixed case)");
  const instance = o.instance;
  if (typeof instance !== "string" || !/^[A-Za-z0-9_-]+$/.test(instance)) throw new DeploymentError(`${what}.instance`, "expected the circuit instance name (circuits/circuits.json)");
  const rpcUrl = o.rpcUrl;
  if (rpcUrl !== undefined && typeof rpcUrl !== "string") throw new DeploymentError(`${what}.rpcUrl`, "expected a URL");
  const assets = o.assets;
  if (assets !== undefined && !(Array.isArray(assets) && assets.every((s) => typeof s === "string"))) throw new DeploymentError(`${what}.assets`, "expected a list of asset symbols");
  const fromBlock = o.fromBlock ?? o.blockNumber ?? 0;
  if (typeof fromBlock !== "number" || !Number.isSafeInteger(fromBlock) || fromBlock < 0) throw new DeploymentError(`${what}.fromBlock`, "expected a block number");
  return { chainId: BigInt(chainId), rpcUrl, instance, attestor: getAddress(attestor), assets: assets as string[] | undefined, fromBlock };
}

/** The wallet is on another chain than the deployment: nothing is read or sent through it. */
export class ChainIdMismatchError extends ZkMarginInputError {
  constructor(
    readonly walletChainId: bigint,
    readonly deploymentChainId: bigint,
  ) {
    super("chainId", `your wallet is on chain ${walletChainId}, the deployment is on chain ${deploymentChainId}: switch the wallet's network to chain ${deploymentChainId} (nothing was sent)`);
  }
}

const REGISTRY_ABI = [
  "function rootsAt(uint256[] venueIds, uint64 epoch, uint64 since) view returns (uint256[] roots, uint256 invalidVenue, uint64 invalidatedAt)",
  "function rootInvalidatedAt(uint256 venueId, uint64 epoch) view returns (uint64)",
  "function statusChangedAt() view returns (uint64)",
  "event RootPosted(uint256 indexed venueId, uint64 indexed epoch, uint256 root)",
] as const;
const ORACLE_ABI = [
  "function latestEpoch() view returns (uint64)",
  "function hasSnapshot() view returns (bool)",
  "function riskParams() view returns (address)",
  "function assetCount() view returns (uint256)",
  "function assetInfo(uint256 asset) view returns ((address[] feeds, uint8[] decimals, uint32 scanFloorPpm, uint32 volShockFloorPpm, uint256 variancePpm2, uint256 lastPrice))",
  "function snapshotAt(uint64 epoch) view returns (uint256[] price, uint256[] scanRange, uint256[] volShock, (uint256 contextHash, uint64 takenAt, uint64 supersededAt, uint32 riskVersion) context)",
  "function contextAt(uint64 epoch) view returns ((uint256 contextHash, uint64 takenAt, uint64 supersededAt, uint32 riskVersion))",
] as const;
const RISK_PARAMS_ABI = [
  "function paramsOf(uint256 version) view returns ((uint256[] haircut, uint256[] debtAddOn, uint256[] factorLoading, int256[] residualLoading, uint256[] residualColumn, uint256 grossCharge, uint256[] basisCharge, uint256[] concentration, uint256[] shortOptionMin, uint256 vegaGross, uint256 noGammaGain, uint256 venueDefault))",
  "function scenarioCount() view returns (uint256)",
] as const;
const ATTESTOR_EXTRA_ABI = [
  "function registry() view returns (address)",
  "function oracle() view returns (address)",
  "function venueSlots() view returns (uint256)",
  "function ttl() view returns (uint64)",
  "function renewalWindow() view returns (uint64)",
  "function gracePeriod() view returns (uint64)",
  "event Allocated(address indexed subject, address indexed consumer, uint256 amount, uint256 lien)",
] as const;
const FEED_ABI = ["function description() view returns (string)"] as const;

/** The human-readable ABIs above, for the test that checks them against the compiled interfaces. */
export const PAGE_ABIS = { registry: REGISTRY_ABI, oracle: ORACLE_ABI, riskParams: RISK_PARAMS_ABI, attestor: ATTESTOR_EXTRA_ABI } as const;

export interface Timing {
  ttl: bigint;
  renewalWindow: bigint;
  gracePeriod: bigint;
}

/** One epoch's public context: what a proof of it is checked against, all read from the chain. */
export interface EpochContext {
  epoch: bigint;
  market: MarketSnapshot;
  risk: RiskParams;
  riskVersion: bigint;
  contextHash: bigint;
  takenAt: bigint;
  /** 0 while the epoch is the oracle's latest */
  supersededAt: bigint;
  /** every venue's root posted for the epoch (by venue id) */
  roots: Map<bigint, bigint>;
  /** venues whose root of the epoch is revoked or suspended, with the time */
  invalidated: Map<bigint, bigint>;
}

export interface LienLine {
  consumer: string;
  lien: Lien;
}

/**
 * The signer's attestation (statusOf) and every lien on it (consumers from the Allocated events), all read as of one
 * block.
 */
export interface SubjectState {
  status: AttestorStatus;
  liens: LienLine[];
  /** the chain's time (the timestamp of `block`), unix seconds */
  now: bigint;
  /** the block every read was made at */
  block: number;
}

/** A block to read at: the node's latest when asked (number and timestamp). */
export interface Head {
  number: number;
  timestamp: bigint;
}

/** How long head(atLeast) waits for a node that has not yet caught up with a mined transaction's block. */
const HEAD_WAIT_MS = 250;
const HEAD_WAIT_TRIES = 20;

export interface Overview {
  chainId: bigint;
  latestEpoch?: bigint;
  latest?: { takenAt: bigint; supersededAt: bigint; riskVersion: bigint };
  timing: Timing;
  domain: bigint;
  venueSlots: number;
  assets: string[];
  /** the chain's time (the timestamp of `block`), unix seconds */
  now: bigint;
  /** the block every read was made at */
  block: number;
}

export interface TxOutcome extends TxResult {
  /** "331,245 gas · 0.000662 ETH at 2 gwei" */
  gasText: string;
}

/** "331,245 gas · 0.000662 ETH at 2.0 gwei" */
export function formatGas(gasUsed: bigint, gasPrice?: bigint): string {
  const gas = `${gasUsed.toLocaleString("en-US")} gas`;
  if (gasPrice === undefined || gasPrice === 0n) return gas;
  const cost = Number(formatEther(gasUsed * gasPrice));
  const gwei = Number(formatUnits(gasPrice, "gwei"));
  return `${gas} · ${cost.toPrecision(3)} ETH at ${gwei.toPrecision(3)} gwei`;
}

const toBig = (x: unknown) => BigInt(x as bigint);

export class ChainSession {
  private readonly contexts = new Map<bigint, EpochContext>();
  private registry?: Contract;
  private oracle?: Contract;
  private riskParams?: Contract;
  private scenarioCountCache?: number;
  private overviewCache?: Omit<Overview, "latestEpoch" | "latest" | "now" | "block">;

  private constructor(
    readonly deployment: Deployment,
    readonly provider: BrowserProvider | JsonRpcProvider,
    readonly signer: JsonRpcSigner,
    readonly address: string,
    /** "injected wallet" or "local account via /rpc" */
    readonly via: string,
    readonly attestor: AttestorClient,
    private readonly attestorReads: Contract,
  ) {}

  /**
   * Connect to the deployment's chain. With a wallet, its chain id is checked FIRST (eth_chainId is answered by the
   * wallet itself); a mismatch throws ChainIdMismatchError before any read or transaction.
   */
  static async connect(deployment: Deployment, base: string = window.location.href): Promise<ChainSession> {
    let provider: BrowserProvider | JsonRpcProvider;
    let signer: JsonRpcSigner;
    let via: string;
    if (window.ethereum) {
      const walletChain = BigInt((await window.ethereum.request({ method: "eth_chainId" })) as string);
      if (walletChain !== deployment.chainId) throw new ChainIdMismatchError(walletChain, deployment.chainId);
      provider = new BrowserProvider(window.ethereum, Number(deployment.chainId));
      signer = await provider.getSigner();
      via = "injected wallet";
    } else {
      if (!deployment.rpcUrl) throw new DeploymentError("deployment.rpcUrl", "no wallet in this browser and no rpcUrl in the deployment: install a wallet or serve the page with a local chain");
      const url = new URL(deployment.rpcUrl, base).toString();
      provider = new JsonRpcProvider(url, Number(deployment.chainId), { staticNetwork: true, batchMaxCount: 1 });
      const chainId = BigInt((await provider.send("eth_chainId", [])) as string);
      if (chainId !== deployment.chainId) throw new ChainIdMismatchError(chainId, deployment.chainId);
      signer = await provider.getSigner(0);
      via = `local account via ${deployment.rpcUrl}`;
    }
    const address = getAddress(await signer.getAddress());
    const attestor = new AttestorClient(deployment.attestor, signer);
    const reads = new Contract(deployment.attestor, ATTESTOR_EXTRA_ABI, provider);
    return new ChainSession(deployment, provider, signer, address, via, attestor, reads);
  }

  private async contracts(): Promise<{ registry: Contract; oracle: Contract; riskParams: Contract }> {
    if (!this.registry || !this.oracle || !this.riskParams) {
      const code = await this.provider.getCode(this.deployment.attestor);
      if (code === "0x") throw new DeploymentError("deployment.contracts.MarginAttestor", `no contract at ${this.deployment.attestor} on chain ${this.deployment.chainId}`);
      const [registry, oracle] = (await Promise.all([this.attestorReads.getFunction("registry")(), this.attestorReads.getFunction("oracle")()])) as [string, string];
      this.registry = new Contract(registry, REGISTRY_ABI, this.provider);
      this.oracle = new Contract(oracle, ORACLE_ABI, this.provider);
      this.riskParams = new Contract((await this.oracle.getFunction("riskParams")()) as string, RISK_PARAMS_ABI, this.provider);
    }
    return { registry: this.registry, oracle: this.oracle, riskParams: this.riskParams };
  }

  /** K, the risk params contract's scenario count (an immutable of its deployment, so read once). */
  private async scenarioCount(): Promise<number> {
    if (this.scenarioCountCache === undefined) {
      const { riskParams } = await this.contracts();
      this.scenarioCountCache = Number(toBig(await riskParams.getFunction("scenarioCount")()));
    }
    return this.scenarioCountCache;
  }

  /**
   * The node's latest block, at least block `atLeast` (the block of a transaction just mined: a node that has not
   * caught up yet is asked again, for up to 5 s). Asked of the node on every call with a raw eth_getBlockByNumber:
   * ethers' provider answers identical requests made within 250 ms from one shared result (its cacheTimeout), so
   * getBlock("latest") or a log query up to "latest" made just after a transaction could return what the chain was
   * before it. Every read the page shows is then made AT this block (calls with that block tag, log queries up to
   * it), so one refresh is one consistent snapshot and never a cached answer from before a transaction.
   */
  async head(atLeast = 0): Promise<Head> {
    for (let attempt = 0; ; attempt++) {
      const block = (await this.provider.send("eth_getBlockByNumber", ["latest", false])) as { number?: string; timestamp?: string } | null;
      if (!block?.number || !block.timestamp) throw new DeploymentError("deployment.rpcUrl", `chain ${this.deployment.chainId} returned no latest block`);
      const head: Head = { number: Number(BigInt(block.number)), timestamp: BigInt(block.timestamp) };
      if (head.number >= atLeast) return head;
      if (attempt + 1 >= HEAD_WAIT_TRIES) {
        throw new DeploymentError("deployment.rpcUrl", `the node's latest block is ${head.number} but the transaction was mined in block ${atLeast}: the node is behind, refresh in a moment`);
      }
      await new Promise((r) => setTimeout(r, HEAD_WAIT_MS));
    }
  }

  /**
   * The deployment at a glance as of block `at` (default: the latest): latest epoch, timing, domain, venue slots,
   * asset names, the chain's time.
   */
  async overview(at?: Head): Promise<Overview> {
    const { oracle } = await this.contracts();
    if (!this.overviewCache) {
      const r = this.attestorReads;
      const [ttl, renewalWindow, gracePeriod, slots, domain, assetCount] = await Promise.all([
        r.getFunction("ttl")(),
        r.getFunction("renewalWindow")(),
        r.getFunction("gracePeriod")(),
        r.getFunction("venueSlots")(),
        this.attestor.domain(),
        oracle.getFunction("assetCount")(),
      ]);
      const assets = this.deployment.assets ?? (await this.assetNames(Number(assetCount)));
      this.overviewCache = { chainId: this.deployment.chainId, timing: { ttl: toBig(ttl), renewalWindow: toBig(renewalWindow), gracePeriod: toBig(gracePeriod) }, domain, venueSlots: Number(slots), assets };
    }
    const head = at ?? (await this.head());
    const tag = { blockTag: head.number };
    const read = { now: head.timestamp, block: head.number };
    if (!((await oracle.getFunction("hasSnapshot")(tag)) as boolean)) return { ...this.overviewCache, ...read };
    const latestEpoch = toBig(await oracle.getFunction("latestEpoch")(tag));
    const c = (await oracle.getFunction("contextAt")(latestEpoch, tag)) as { takenAt: bigint; supersededAt: bigint; riskVersion: bigint };
    return { ...this.overviewCache, latestEpoch, latest: { takenAt: toBig(c.takenAt), supersededAt: toBig(c.supersededAt), riskVersion: toBig(c.riskVersion) }, ...read };
  }

  /** Asset symbols from each asset's first feed's description ("ETH / USD"), else "asset a". */
  private async assetNames(count: number): Promise<string[]> {
    const { oracle } = await this.contracts();
    return Promise.all(
      Array.from({ length: count }, async (_, a) => {
        try {
          const info = (await oracle.getFunction("assetInfo")(a)) as { feeds: string[] };
          const d = (await new Contract(info.feeds[0], FEED_ABI, this.provider).getFunction("description")()) as string;
          const m = /^\s*([A-Za-z0-9.]{1,12})\s*\/\s*USD\b/.exec(d);
          if (m) return m[1].toUpperCase();
        } catch {
          /* no feed or no description */
        }
        return `asset ${a}`;
      }),
    );
  }

  /**
   * Epoch `epoch`'s market snapshot, risk params (of the version its snapshot bound), context hash, times and every
   * venue's posted root. Throws naming `field` if the oracle has no snapshot of the epoch.
   */
  async epochContext(epoch: bigint, field = "epoch"): Promise<EpochContext> {
    const cached = this.contexts.get(epoch);
    const { registry, oracle, riskParams } = await this.contracts();
    if (cached && cached.supersededAt !== 0n) return this.withInvalidations(cached);
    const c = (await oracle.getFunction("contextAt")(epoch)) as { contextHash: bigint; takenAt: bigint; supersededAt: bigint; riskVersion: bigint };
    if (toBig(c.takenAt) === 0n) {
      const latest = (await oracle.getFunction("hasSnapshot")()) ? ` (the latest is epoch ${toBig(await oracle.getFunction("latestEpoch")())})` : " (it has none yet)";
      throw new ZkMarginInputError(field, `the oracle has no snapshot of epoch ${epoch}${latest}`);
    }
    const [price, scanRange, volShock] = (await oracle.getFunction("snapshotAt")(epoch)) as [bigint[], bigint[], bigint[]];
    const [p, scenarios] = (await Promise.all([riskParams.getFunction("paramsOf")(c.riskVersion), this.scenarioCount()])) as [Record<string, unknown>, number];
    const arr = (x: unknown) => Array.from(x as ArrayLike<bigint>, toBig);
    // The scenario set by its factor structure; K is the contract's (fixed at deployment, not part of a version).
    const risk: RiskParams = {
      haircut: arr(p.haircut),
      debtAddOn: arr(p.debtAddOn),
      scenarios,
      factorLoading: arr(p.factorLoading),
      residualLoading: arr(p.residualLoading),
      residualColumn: arr(p.residualColumn).map(Number),
      grossCharge: toBig(p.grossCharge),
      basisCharge: arr(p.basisCharge),
      concentration: arr(p.concentration),
      shortOptionMin: arr(p.shortOptionMin),
      vegaGross: toBig(p.vegaGross),
      noGammaGain: toBig(p.noGammaGain),
      venueDefault: toBig(p.venueDefault),
    };
    // Every venue's root of the epoch: the logs filtered by epoch only, so the query names no venue of the book; up to
    // the latest block by number (a query up to "latest" can be answered from ethers' cache, see head()).
    const logs = await registry.queryFilter(registry.filters.RootPosted(null, epoch), this.deployment.fromBlock, (await this.head()).number);
    const roots = new Map<bigint, bigint>();
    for (const log of logs) {
      if ("args" in log) roots.set(toBig(log.args[0]), toBig(log.args[2]));
    }
    const ctx: EpochContext = {
      epoch,
      market: { price: arr(price), scanRange: arr(scanRange), volShock: arr(volShock) },
      risk,
      riskVersion: toBig(c.riskVersion),
      contextHash: toBig(c.contextHash),
      takenAt: toBig(c.takenAt),
      supersededAt: toBig(c.supersededAt),
      roots,
      invalidated: new Map(),
    };
    this.contexts.set(epoch, ctx);
    return this.withInvalidations(ctx);
  }

  /** Revocations and suspensions since the snapshot, for every venue of the epoch (none checked when none happened). */
  private async withInvalidations(ctx: EpochContext): Promise<EpochContext> {
    const { registry } = await this.contracts();
    const changed = toBig(await registry.getFunction("statusChangedAt")());
    const invalidated = new Map<bigint, bigint>();
    if (changed >= ctx.takenAt) {
      for (const id of ctx.roots.keys()) {
        const at = toBig(await registry.getFunction("rootInvalidatedAt")(id, ctx.epoch));
        if (at !== 0n) invalidated.set(id, at);
      }
    }
    return { ...ctx, invalidated };
  }

  /** When an attestation of `ctx`'s epoch recorded now would lapse (docs/DESIGN.md §5.2), for the venues used. */
  lapsesAt(ctx: EpochContext, timing: Timing, venueIds: readonly bigint[]): bigint {
    let t = ctx.takenAt + timing.ttl;
    if (ctx.supersededAt !== 0n && ctx.supersededAt + timing.renewalWindow < t) t = ctx.supersededAt + timing.renewalWindow;
    for (const id of venueIds) {
      const at = ctx.invalidated.get(id);
      if (at !== undefined && at < t) t = at;
    }
    return t;
  }

  /**
   * The signer's attestation and liens (public state keyed by the signer's own address) as of block `at` (default:
   * the latest): statusOf at that block, the consumers of every Allocated log up to it, each one's lienOf at it.
   */
  async subjectState(at?: Head): Promise<SubjectState> {
    const head = at ?? (await this.head());
    const [status, logs] = await Promise.all([
      this.attestor.status(this.address, head.number),
      this.attestorReads.queryFilter(this.attestorReads.filters.Allocated(this.address), this.deployment.fromBlock, head.number),
    ]);
    const consumers = [...new Set(logs.flatMap((l) => ("args" in l ? [getAddress(l.args[1] as string)] : [])))];
    const liens = await Promise.all(consumers.map(async (consumer) => ({ consumer, lien: await this.attestor.lienOf(this.address, consumer, head.number) })));
    return { status, liens, now: head.timestamp, block: head.number };
  }

  private async outcome(p: Promise<TxResult>): Promise<TxOutcome> {
    const r = await p;
    return { ...r, gasText: formatGas(r.gasUsed, r.receipt.gasPrice) };
  }

  /** Submit the proof (the only transaction that carries the book nullifier). */
  attest(proof: ZkMarginProof, epoch: bigint): Promise<TxOutcome> {
    return this.outcome(this.attestor.attest(attestable(proof, epoch)));
  }

  allocate(consumer: string, amount: bigint): Promise<TxOutcome> {
    return this.outcome(this.attestor.allocate(consumer, amount));
  }

  reclaim(): Promise<TxOutcome> {
    return this.outcome(this.attestor.reclaim());
  }
}

export { LifecycleState };
