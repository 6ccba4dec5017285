/**
 * The one deployment path of the zkmargin contracts for one circuit instance (docs/DESIGN.md §5), through ethers v6,
 * used by the contract tests, the SDK tests, the benches and the demo (hardhat-ethers on Hardhat's in-process network)
 * and by `zkmargin deploy` (the compiled artifacts over any JSON-RPC endpoint: rpcDeployer):
 *
 *   Poseidon(8) (PoseidonT9 with circomlibjs's constants) → RiskTimelock (OpenZeppelin TimelockController) →
 *   RiskParams (owned by the timelock) → OracleHub (three mock AggregatorV3 feeds per asset unless told otherwise) →
 *   VenueRegistry (also the book ledger) → the instance's snarkjs Groth16Verifier (reference), MarginVerifier and
 *   Groth16BatchVerifier (domain folded; references) → the instance's MarginAttestor (InstanceMarginAttestor: the
 *   same single and batch checks inlined), authorized in the ledger.
 *
 *   const { ethers } = await network.create();
 *   const zk = await deployZkMargin(ethers, { instance: "test" });
 *   await zk.setRiskParams(risk); await zk.setMarket(market, 1n); await zk.registerVenue(7n, operator); ...
 *
 * The verifier artifacts come from verifier-contracts/generated/<instance>/ (written by `npx tsx scripts/build.ts
 * <instance>`) and must be compiled (`npx hardhat build`).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { ZeroHash, type BaseContract, type Block, type BlockTag, type ContractMethod, type ContractTransactionResponse, type Signer } from "ethers";
import { ZkMarginArtifactError } from "../prover/errors.ts";
import type { MarketSnapshot, RiskParams as RiskParamsValues, InstanceParams } from "../prover/types.ts";
import { deploymentDomain, type AttestRequest, type Attestation, type AttestorStatus, type Lien } from "./attestor.ts";
import { deployCompiled } from "./contracts.ts";
import { getInstance, marginParams, type Instance } from "../scripts/lib/instances.ts";

const require = createRequire(import.meta.url);

/**
 * What deploys the contracts: hardhat-ethers' `ethers` (tests, benches, demo: Hardhat resolves artifact names) or
 * rpcDeployer (the CLI: the compiled artifacts through plain ethers, any JSON-RPC node).
 */
export interface Deployer {
  provider: { getNetwork(): Promise<{ chainId: bigint }>; getBlock(tag: BlockTag): Promise<Block | null>; send(method: string, params: unknown[]): Promise<unknown> };
  deployContract(name: string, args: unknown[], signer: Signer): Promise<BaseContract>;
  getSigners(): Promise<Signer[]>;
}

/** A Deployer over any JSON-RPC provider from the compiled artifacts (client/contracts.ts); `signers` are the defaults. */
export function rpcDeployer(provider: Deployer["provider"], signers: Signer[] = []): Deployer {
  return { provider, deployContract: (name, args, signer) => deployCompiled(name, args, signer), getSigners: async () => signers };
}

type Tx<A extends unknown[]> = ContractMethod<A, void, ContractTransactionResponse>;
type View<A extends unknown[], R> = ContractMethod<A, R, R>;
type Handle<M> = BaseContract & M;

/** A packed Groth16 proof: [A.x, A.y, B.x1, B.x0, B.y1, B.y0, C.x, C.y] (prover/packProof.ts). */
export type ProofWords = readonly (bigint | string)[];

/** OracleHub's global settings (verifier-contracts/interfaces/IOracleHub.sol Config). */
export interface OracleConfig {
  maxAge: bigint;
  maxDeviationPpm: bigint;
  minGoodFeeds: bigint;
  ewmaLambdaPpm: bigint;
  kappaPpm: bigint;
  nuPpm: bigint;
  horizonEpochs: bigint;
  maxEpochStep: bigint;
  feedGas: bigint;
}

/** MarginAttestor's lifecycle timing, seconds (IMarginAttestor: ttl, renewalWindow, gracePeriod). */
export interface Timing {
  ttl: bigint;
  renewalWindow: bigint;
  gracePeriod: bigint;
}

/** OracleHub's snapshot record (IOracleHub.Context). */
export interface SnapshotContext {
  contextHash: bigint;
  takenAt: bigint;
  supersededAt: bigint;
  riskVersion: bigint;
}

export type { AttestRequest, Attestation, AttestorStatus, Lien };

export type PoseidonT9 = Handle<{ poseidon: View<[readonly bigint[]], bigint> }>;

export type VenueRegistry = Handle<{
  registerVenue: Tx<[bigint, string]>;
  setOperator: Tx<[bigint, string]>;
  postRoot: Tx<[bigint, bigint, bigint]>;
  revokeRoot: Tx<[bigint, bigint]>;
  suspendVenue: Tx<[bigint]>;
  resumeVenue: Tx<[bigint]>;
  authorizeAttestor: Tx<[string]>;
  bindBook: Tx<[bigint, string]>;
  rootOf: View<[bigint, bigint], bigint>;
  rootInvalidatedAt: View<[bigint, bigint], bigint>;
  listRoots: View<[bigint, bigint, bigint, bigint], [bigint[], bigint, bigint]>;
  listInvalidatedAt: View<[bigint, bigint, bigint], bigint>;
  statusChangedAt: View<[], bigint>;
  isRegistered: View<[bigint], boolean>;
  attestorId: View<[string], bigint>;
  bookBinding: View<[bigint], [string, string]>;
  venueStatus: View<[bigint], { suspended: boolean; invalidatedAt: bigint; validFromEpoch: bigint }>;
}>;

export type OracleHub = Handle<{
  setConfig: Tx<[OracleConfig]>;
  setAsset: Tx<[bigint, string[], bigint, bigint, bigint]>;
  snapshot: Tx<[bigint]>;
  latestEpoch: View<[], bigint>;
  hasSnapshot: View<[], boolean>;
  contextHashAt: View<[bigint], bigint>;
  contextAt: View<[bigint], SnapshotContext>;
  timesAt: View<[bigint], [bigint, bigint]>;
  snapshotAt: View<[bigint], [bigint[], bigint[], bigint[], SnapshotContext]>;
  marketWordsAt: View<[bigint], bigint[]>;
  sigmaPpm: View<[bigint], bigint>;
  assetCount: View<[], bigint>;
  config: View<[], OracleConfig>;
  assetInfo: View<[bigint], { feeds: string[]; decimals: bigint[]; scanFloorPpm: bigint; volShockFloorPpm: bigint; variancePpm2: bigint; lastPrice: bigint }>;
}>;

/** RiskParams as the contract's struct takes it: the six model-v2 fields always present (empty / 0 for model v1). */
export type ChainRiskParams = Required<RiskParamsValues>;

/** The contract's form of risk parameters: absent model-v2 fields become empty arrays and zeros (the v1 layout). */
export function chainRiskParams(r: RiskParamsValues): ChainRiskParams {
  return {
    ...r,
    basisCharge: r.basisCharge ?? [],
    concentration: r.concentration ?? [],
    shortOptionMin: r.shortOptionMin ?? [],
    vegaGross: r.vegaGross ?? 0n,
    noGammaGain: r.noGammaGain ?? 0n,
    venueDefault: r.venueDefault ?? 0n,
  };
}

export type RiskParamsContract = Handle<{
  setParams: Tx<[ChainRiskParams]>;
  paramsHash: View<[], bigint>;
  version: View<[], bigint>;
  current: View<[], [bigint, bigint]>;
  hashOf: View<[bigint], bigint>;
  words: View<[], bigint[]>;
  owner: View<[], string>;
}>;

export type RiskTimelock = Handle<{
  schedule: Tx<[string, bigint, string, string, string, bigint]>;
  execute: Tx<[string, bigint, string, string, string]>;
  cancel: Tx<[string]>;
  hashOperation: View<[string, bigint, string, string, string], string>;
  getTimestamp: View<[string], bigint>;
  getMinDelay: View<[], bigint>;
  isOperationReady: View<[string], boolean>;
}>;

export type MockAggregatorV3 = Handle<{
  setAnswer: Tx<[bigint]>;
  setAnswerAt: Tx<[bigint, bigint]>;
  setReverts: Tx<[boolean]>;
  decimals: View<[], bigint>;
}>;

export type Groth16Verifier = Handle<{
  verifyProof: View<[[bigint, bigint], [[bigint, bigint], [bigint, bigint]], [bigint, bigint], bigint[]], boolean>;
}>;

export type MarginVerifier = Handle<{
  NPUB: View<[], bigint>;
  DOMAIN: View<[], bigint>;
  DOMAIN_INDEX: View<[], bigint>;
  verifyProof: View<[ProofWords, bigint[]], boolean>;
}>;

export type Groth16BatchVerifier = Handle<{
  NPUB: View<[], bigint>;
  verifyBatch: View<[ProofWords[], bigint[]], boolean>;
}>;

export type MarginAttestor = Handle<{
  attest: Tx<[ProofWords, bigint[], bigint, bigint, bigint]>;
  attestFor: Tx<[ProofWords, AttestRequest, string]>;
  attestBatch: Tx<[ProofWords[], AttestRequest[], string[]]>;
  verifyProof: View<[ProofWords, string, bigint[], bigint, bigint, bigint], boolean>;
  publicInputs: View<[string, bigint[], bigint, bigint, bigint], bigint[]>;
  domain: View<[], bigint>;
  cancelNonce: Tx<[]>;
  allocate: Tx<[string, bigint]>;
  release: Tx<[string, bigint]>;
  reclaim: Tx<[]>;
  availableExcess: View<[string], bigint>;
  lienOf: View<[string, string], Lien>;
  statusOf: View<[string], AttestorStatus>;
  attestationOf: View<[string], Attestation>;
  bookHeldUntil: View<[string], bigint>;
  nonces: View<[string], bigint>;
  venueSlots: View<[], bigint>;
  publicSignalCount: View<[], bigint>;
  ttl: View<[], bigint>;
  ERC1271_BATCH_GAS: View<[], bigint>;
  renewalWindow: View<[], bigint>;
  gracePeriod: View<[], bigint>;
}>;

export interface DeployOptions {
  /** circuit instance of circuits/circuits.json (default "test") */
  instance?: string;
  /** owner of the registry and oracle, proposer and executor of the risk timelock (default: the first signer) */
  admin?: Signer;
  /** OracleHub settings (defaults: DEFAULT_ORACLE_CONFIG) */
  oracleConfig?: Partial<OracleConfig>;
  /** mock feeds per asset (default 3); 0 deploys none (configure real feeds with oracle.setAsset) */
  feedsPerAsset?: number;
  /** the risk timelock's minimum delay, seconds (default DEFAULT_RISK_DELAY) */
  riskDelay?: bigint;
  /** MarginAttestor's lifecycle timing (defaults: DEFAULT_TIMING) */
  timing?: Partial<Timing>;
  /** called with the gas of each deployment transaction (the contract's name, or what the transaction did) */
  onGas?: (what: string, gasUsed: bigint) => void;
}

/**
 * Oracle defaults: feeds older than an hour or 2 % off the median are left out; the quorum is a majority of the
 * configured feeds and at least 2; at most 7 epochs per snapshot; 100k gas per feed call. λ, κ, ν and h are the risk
 * calibration's (data/risk/test.oracle.json, docs/RISK.md): λ = 0.96, κ = 3.507, ν = 16.090, h = 1 epoch
 * (test/contracts/oracle.test.ts checks they match the file).
 */
export const DEFAULT_ORACLE_CONFIG: OracleConfig = {
  maxAge: 3600n,
  maxDeviationPpm: 20_000n,
  minGoodFeeds: 2n,
  ewmaLambdaPpm: 960_000n,
  kappaPpm: 3_506_568n,
  nuPpm: 16_090_419n,
  horizonEpochs: 1n,
  maxEpochStep: 7n,
  feedGas: 100_000n,
};

/**
 * Daily epochs: an attestation lives at most 26 h after its snapshot (one epoch and the renewal window), stays Live
 * 2 h after the next snapshot (time for venues to post and traders to prove), and its liens bind 24 h after it lapses.
 */
export const DEFAULT_TIMING: Timing = { ttl: 26n * 3600n, renewalWindow: 2n * 3600n, gracePeriod: 24n * 3600n };

/** Risk-parameter changes wait two days in the timelock before they can be executed. */
export const DEFAULT_RISK_DELAY = 2n * 86_400n;

/** The state contracts (no verifiers, no attestor) and helpers that drive them. */
export interface ZkMarginCore {
  instance: Instance;
  params: InstanceParams;
  admin: Signer;
  poseidon: PoseidonT9;
  timelock: RiskTimelock;
  registry: VenueRegistry;
  oracle: OracleHub;
  riskParams: RiskParamsContract;
  /** feeds[a] = the mock feeds of asset a (8 decimals) */
  feeds: MockAggregatorV3[][];
  /**
   * Make the oracle's next snapshot equal `market` exactly and take it at `epoch`: every mock feed answers P[a],
   * the scan-range floor is S[a] and the vol-shock floor Σ[a] with zero EWMA volatility (so both equal their
   * floors). Returns the on-chain context hash.
   */
  setMarket(market: MarketSnapshot, epoch: bigint): Promise<bigint>;
  /** Schedule setParams in the timelock; returns the operation id and when it can be executed. */
  proposeRiskParams(risk: RiskParamsValues): Promise<{ id: string; readyAt: bigint }>;
  /** Execute a scheduled setParams once its delay has passed; returns the on-chain hash. */
  executeRiskParams(risk: RiskParamsValues): Promise<bigint>;
  /**
   * Propose, wait out the delay and execute: on a development chain (Hardhat) the wait is `evm_increaseTime`;
   * elsewhere this throws and the caller executes after readyAt. Returns the on-chain hash.
   */
  setRiskParams(risk: RiskParamsValues): Promise<bigint>;
  /** Register a venue with an operator (admin). */
  registerVenue(venueId: bigint, operator: Signer): Promise<void>;
  /** Post a venue root as its operator. */
  postRoot(operator: Signer, venueId: bigint, epoch: bigint, root: bigint): Promise<void>;
}

/** The whole system: core plus the instance's verifiers and MarginAttestor. */
export interface ZkMarginDeployment extends ZkMarginCore {
  /** snarkjs's untouched verifier (reference: the differential tests and audits use it) */
  snarkVerifier: Groth16Verifier;
  /** the standalone single-proof verifier, the same check MarginAttestor inlines (domain folded) */
  verifier: MarginVerifier;
  batchVerifier: Groth16BatchVerifier;
  attestor: MarginAttestor;
  /** the deployment's domain (MarginAttestor.domain()) */
  domain: bigint;
  timing: Timing;
}

/**
 * circomlib's optimised Poseidon constants for width t = 9 (8 inputs), from circomlibjs's poseidon_constants_opt.json,
 * in the order PoseidonT9.sol reads them: C[135], Mᵀ[81] and Pᵀ[81] (row-major by output cell: Mᵀ[i][j] = M[j][i]),
 * S[1071].
 */
export function poseidonT9Constants(): bigint[] {
  const file = path.join(path.dirname(require.resolve("circomlibjs")), "..", "src", "poseidon_constants_opt.json");
  const raw = JSON.parse(readFileSync(file, "utf8")) as { C: string[][]; M: string[][][]; P: string[][][]; S: string[][] };
  const t = 9;
  const transpose = (m: string[][]) => Array.from({ length: t }, (_, i) => Array.from({ length: t }, (_, j) => BigInt(m[j][i]))).flat();
  const C = raw.C[t - 2].map((x) => BigInt(x));
  const S = raw.S[t - 2].map((x) => BigInt(x));
  if (C.length !== 135 || S.length !== 1071 || raw.M[t - 2].length !== t || raw.P[t - 2].length !== t) {
    throw new Error(`${file}: unexpected constant counts for t = 9`);
  }
  return [...C, ...transpose(raw.M[t - 2]), ...transpose(raw.P[t - 2]), ...S];
}

/** Init code that deploys `data` as a contract's code behind a 0x00 (STOP) byte, so the data cannot run. */
export function dataContractInitCode(data: Uint8Array): string {
  const len = data.length + 1;
  if (len > 0xffff) throw new RangeError(`data contract: ${len} bytes, at most 65535`);
  const l = len.toString(16).padStart(4, "0");
  // PUSH2 len, DUP1, PUSH1 12, PUSH1 0, CODECOPY, PUSH1 0, RETURN  (12 bytes)
  const stub = `61${l}80600c6000396000f3`;
  return `0x${stub}00${Buffer.from(data).toString("hex")}`;
}

/**
 * Deploy Poseidon(8): the two constants data contracts, then PoseidonT9 (whose constructor checks the constants with a
 * known-answer test). circomlibjs's poseidon_gencontract cannot generate 8 inputs (createCode(n) fails for n ≥ 7).
 */
export async function deployPoseidonT9(ethers: Deployer, admin: Signer, onGas?: DeployOptions["onGas"]): Promise<PoseidonT9> {
  const words = poseidonT9Constants();
  const half = words.length / 2;
  const addresses: string[] = [];
  for (const part of [words.slice(0, half), words.slice(half)]) {
    const data = new Uint8Array(part.length * 32);
    part.forEach((w, i) => data.set(Buffer.from(w.toString(16).padStart(64, "0"), "hex"), i * 32));
    const receipt = await (await admin.sendTransaction({ data: dataContractInitCode(data) })).wait();
    if (!receipt?.contractAddress) throw new Error("deployPoseidonT9: a constants data contract was not created");
    onGas?.("PoseidonT9 constants", receipt.gasUsed);
    addresses.push(receipt.contractAddress);
  }
  return deployArtifact<PoseidonT9>(ethers, admin, "PoseidonT9", addresses, onGas);
}

/** Fully qualified artifact names of an instance's generated verifiers. */
export function verifierArtifactNames(instance: string): { verifier: string; marginVerifier: string; batchVerifier: string; attestor: string } {
  const dir = `verifier-contracts/generated/${instance}`;
  return {
    verifier: `${dir}/Groth16Verifier.sol:Groth16Verifier`,
    marginVerifier: `${dir}/MarginVerifier.sol:MarginVerifier`,
    batchVerifier: `${dir}/Groth16BatchVerifier.sol:Groth16BatchVerifier`,
    /** MarginAttestor with the instance's verifier inlined (generated beside MarginVerifier) */
    attestor: `${dir}/MarginVerifier.sol:InstanceMarginAttestor`,
  };
}

function dims(inst: Instance): InstanceParams {
  const p = inst.params;
  for (const k of ["V", "N", "A", "K", "D"] as const) {
    if (typeof p[k] !== "number") throw new Error(`instance "${inst.name}": params.${k} missing (not a MarginProof instance)`);
  }
  return { V: p.V, N: p.N, A: p.A, K: p.K, D: p.D };
}

async function deployArtifact<T>(ethers: Deployer, admin: Signer, name: string, args: unknown[], onGas?: DeployOptions["onGas"]): Promise<T> {
  const c = await ethers.deployContract(name, args, admin);
  await c.waitForDeployment();
  if (onGas) {
    const receipt = await c.deploymentTransaction()?.wait();
    if (receipt) onGas(name.slice(name.lastIndexOf(":") + 1), receipt.gasUsed);
  }
  return c as unknown as T;
}


/**
 * Deploy Poseidon(8), the risk timelock, RiskParams, OracleHub (+ mock feeds) and VenueRegistry for an instance's
 * dimensions. Needs no circuit build.
 */
export async function deployCore(ethers: Deployer, opts: DeployOptions = {}): Promise<ZkMarginCore> {
  marginParams(opts.instance ?? "test"); // an unknown or non-margin instance is bad input, named
  const instance = getInstance(opts.instance ?? "test");
  const params = dims(instance);
  const admin = opts.admin ?? (await ethers.getSigners())[0];
  const adminAddr = await admin.getAddress();
  const config: OracleConfig = { ...DEFAULT_ORACLE_CONFIG, ...opts.oracleConfig };
  const feedsPerAsset = opts.feedsPerAsset ?? 3;
  const delay = opts.riskDelay ?? DEFAULT_RISK_DELAY;
  const deploy = <T>(name: string, args: unknown[]) => deployArtifact<T>(ethers, admin, name, args, opts.onGas);

  const poseidon = await deployPoseidonT9(ethers, admin, opts.onGas);
  const poseidonAddr = await poseidon.getAddress();
  const timelock = await deploy<RiskTimelock>("RiskTimelock", [delay, [adminAddr], [adminAddr]]);
  const riskParams = await deploy<RiskParamsContract>("RiskParams", [await timelock.getAddress(), poseidonAddr, BigInt(params.A), BigInt(params.K)]);
  const oracle = await deploy<OracleHub>("OracleHub", [adminAddr, poseidonAddr, await riskParams.getAddress(), BigInt(params.A), config]);
  const registry = await deploy<VenueRegistry>("VenueRegistry", [adminAddr, await oracle.getAddress()]);

  const feeds: MockAggregatorV3[][] = [];
  for (let a = 0; a < params.A; a++) {
    const row: MockAggregatorV3[] = [];
    for (let f = 0; f < feedsPerAsset; f++) {
      row.push(await deploy<MockAggregatorV3>("MockAggregatorV3", [8n, `asset ${a} feed ${f}`, 100_000_000n]));
    }
    feeds.push(row);
  }

  const riskTarget = await riskParams.getAddress();
  const setParamsData = (risk: RiskParamsValues) => riskParams.interface.encodeFunctionData("setParams", [chainRiskParams(risk)]);
  const asAdmin = timelock.connect(admin) as RiskTimelock;
  /** One salt per proposal content, so the same parameters can be proposed again later (a new version). */
  let proposals = 0;
  const pending = new Map<string, string>();

  const core: ZkMarginCore = {
    instance,
    params,
    admin,
    poseidon,
    timelock,
    registry,
    oracle,
    riskParams,
    feeds,
    async setMarket(market, epoch) {
      for (const [field, arr] of Object.entries(market) as [string, bigint[]][]) {
        if (arr.length !== params.A) throw new RangeError(`market.${field}: ${arr.length} values, the instance has A=${params.A}`);
      }
      if (feeds.length === 0 || feeds[0].length === 0) throw new Error("setMarket: deployed without mock feeds (feedsPerAsset: 0)");
      for (let a = 0; a < params.A; a++) {
        for (const feed of feeds[a]) await (await feed.setAnswer(market.price[a])).wait();
        const feedAddrs = await Promise.all(feeds[a].map((f) => f.getAddress()));
        await (await oracle.setAsset(BigInt(a), feedAddrs, market.scanRange[a], market.volShock[a], 0n)).wait();
      }
      await (await oracle.snapshot(epoch)).wait();
      const [price, scanRange, volShock, ctx] = await oracle.snapshotAt(epoch);
      for (let a = 0; a < params.A; a++) {
        if (price[a] !== market.price[a] || scanRange[a] !== market.scanRange[a] || volShock[a] !== market.volShock[a]) {
          throw new Error(
            `setMarket: epoch ${epoch} snapshot of asset ${a} is (${price[a]}, ${scanRange[a]}, ${volShock[a]}), wanted (${market.price[a]}, ${market.scanRange[a]}, ${market.volShock[a]}): the EWMA volatility of a price change since the last snapshot raised the scan range or vol shock above its floor`,
          );
        }
      }
      return ctx.contextHash;
    },
    async proposeRiskParams(risk) {
      const data = setParamsData(risk);
      const salt = `0x${(++proposals).toString(16).padStart(64, "0")}`;
      await (await asAdmin.schedule(riskTarget, 0n, data, ZeroHash, salt, await timelock.getMinDelay())).wait();
      pending.set(data, salt);
      const id = await timelock.hashOperation(riskTarget, 0n, data, ZeroHash, salt);
      return { id, readyAt: await timelock.getTimestamp(id) };
    },
    async executeRiskParams(risk) {
      const data = setParamsData(risk);
      const salt = pending.get(data);
      if (salt === undefined) throw new Error("executeRiskParams: these parameters were not proposed through this deployment handle");
      await (await asAdmin.execute(riskTarget, 0n, data, ZeroHash, salt)).wait();
      pending.delete(data);
      return riskParams.paramsHash();
    },
    async setRiskParams(risk) {
      const { readyAt } = await core.proposeRiskParams(risk);
      const block = await ethers.provider.getBlock("latest");
      const now = BigInt(block?.timestamp ?? 0);
      if (readyAt > now) {
        try {
          await ethers.provider.send("evm_increaseTime", [Number(readyAt - now)]);
          await ethers.provider.send("evm_mine", []);
        } catch (e) {
          throw new Error(`setRiskParams: scheduled; execute after ${readyAt} with executeRiskParams (this chain cannot skip time: ${(e as Error).message})`);
        }
      }
      return core.executeRiskParams(risk);
    },
    async registerVenue(venueId, operator) {
      await (await registry.registerVenue(venueId, await operator.getAddress())).wait();
    },
    async postRoot(operator, venueId, epoch, root) {
      await (await (registry.connect(operator) as VenueRegistry).postRoot(venueId, epoch, root)).wait();
    },
  };
  return core;
}

/**
 * Deploy every contract for an instance: deployCore, the instance's three reference verifiers (snarkjs's, and
 * MarginVerifier and Groth16BatchVerifier with the deployment's domain folded), MarginAttestor (both checks inlined),
 * and authorize the attestor in the ledger.
 */
export async function deployZkMargin(ethers: Deployer, opts: DeployOptions = {}): Promise<ZkMarginDeployment> {
  const core = await deployCore(ethers, opts);
  const { instance, params, admin } = core;
  const timing: Timing = { ...DEFAULT_TIMING, ...opts.timing };
  const deploy = <T>(name: string, args: unknown[]) => deployArtifact<T>(ethers, admin, name, args, opts.onGas);
  const names = verifierArtifactNames(instance.name);
  const { chainId } = await ethers.provider.getNetwork();
  const registryAddr = await core.registry.getAddress();
  const domain = deploymentDomain(chainId, registryAddr);
  let snarkVerifier: Groth16Verifier;
  let verifier: MarginVerifier;
  let batchVerifier: Groth16BatchVerifier;
  try {
    snarkVerifier = await deploy<Groth16Verifier>(names.verifier, []);
    verifier = await deploy<MarginVerifier>(names.marginVerifier, [domain]);
    batchVerifier = await deploy<Groth16BatchVerifier>(names.batchVerifier, [domain]);
  } catch (err) {
    if (err instanceof ZkMarginArtifactError) throw err;
    throw new Error(
      `deployZkMargin: the "${instance.name}" verifiers are not compiled (run \`npx tsx scripts/build.ts ${instance.name}\` then \`npx hardhat build\`): ${(err as Error).message}`,
    );
  }
  const attestor = await deploy<MarginAttestor>(names.attestor, [registryAddr, BigInt(params.V), timing]);
  const authorized = await (await core.registry.authorizeAttestor(await attestor.getAddress())).wait();
  if (authorized) opts.onGas?.("authorizeAttestor", authorized.gasUsed);
  if ((await attestor.domain()) !== domain) throw new Error("deployZkMargin: MarginAttestor.domain() differs from deploymentDomain()");
  return { ...core, snarkVerifier, verifier, batchVerifier, attestor, domain, timing };
}
