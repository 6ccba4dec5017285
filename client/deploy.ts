/**
 * Deploy the zkmargin contracts for one circuit instance (SPEC.md §5) through ethers v6: Poseidon(8) (PoseidonT9 with
 * circomlibjs's constants), VenueRegistry, OracleHub (with three mock AggregatorV3 feeds per asset unless told otherwise), RiskParams,
 * the instance's snarkjs Groth16Verifier and generated Groth16BatchVerifier, and MarginAttestor. Used by the contract
 * tests and by the demo (Hardhat's in-process network from a tsx script):
 *
 *   const { ethers } = await network.create();
 *   const zk = await deployZkMargin(ethers, { instance: "test" });
 *   await zk.setMarket(market, 1n); await zk.setRiskParams(risk); await zk.registerVenue(7n, operator); ...
 *
 * The verifier artifacts come from verifier-contracts/generated/<instance>/ (written by `npx tsx scripts/build.ts
 * <instance>`) and must be compiled (`npx hardhat build`).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { BaseContract, ContractMethod, ContractTransactionResponse, Signer } from "ethers";
import type { MarketSnapshot, RiskParams as RiskParamsValues, InstanceParams } from "../prover/types.ts";
import type { AttestRequest } from "./attestor.ts";
import { getInstance, type Instance } from "../scripts/lib/instances.ts";

const require = createRequire(import.meta.url);

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
  horizonEpochs: bigint;
}

/** MarginAttestor's request struct for attestFor / attestBatch (defined with the bindings in client/attestor.ts). */
export type { AttestRequest };

export interface Attestation {
  epoch: bigint;
  validUntilEpoch: bigint;
  minExcess: bigint;
}

export type PoseidonT9 = Handle<{ poseidon: View<[readonly bigint[]], bigint> }>;

export type VenueRegistry = Handle<{
  registerVenue: Tx<[bigint, string]>;
  setOperator: Tx<[bigint, string]>;
  postRoot: Tx<[bigint, bigint, bigint]>;
  rootOf: View<[bigint, bigint], bigint>;
  isRegistered: View<[bigint], boolean>;
}>;

export type OracleHub = Handle<{
  setConfig: Tx<[OracleConfig]>;
  setAsset: Tx<[bigint, string[], bigint, bigint, bigint]>;
  snapshot: Tx<[bigint]>;
  latestEpoch: View<[], bigint>;
  hasSnapshot: View<[], boolean>;
  marketHashAt: View<[bigint], bigint>;
  snapshotAt: View<[bigint], [bigint[], bigint[], bigint[], bigint]>;
  sigmaPpm: View<[bigint], bigint>;
  assetCount: View<[], bigint>;
}>;

export type RiskParamsContract = Handle<{
  setParams: Tx<[RiskParamsValues]>;
  paramsHash: View<[], bigint>;
  version: View<[], bigint>;
  words: View<[], bigint[]>;
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

export type Groth16BatchVerifier = Handle<{
  NPUB: View<[], bigint>;
  verifyBatch: View<[ProofWords[], bigint[]], boolean>;
}>;

export type MarginAttestor = Handle<{
  attest: Tx<[ProofWords, bigint[], bigint[], bigint, bigint]>;
  attestFor: Tx<[ProofWords, AttestRequest, string]>;
  attestBatch: Tx<[ProofWords[], AttestRequest[], string[]]>;
  verifyProof: View<[ProofWords, string, bigint[], bigint[], bigint, bigint], boolean>;
  publicInputs: View<[string, bigint[], bigint[], bigint, bigint], bigint[]>;
  isSolvent: View<[string, bigint], boolean>;
  attestationOf: View<[string], Attestation>;
  nullifierSpentBy: View<[bigint, bigint], string>;
  allocate: Tx<[string, bigint]>;
  release: Tx<[string, string, bigint]>;
  allocatedTo: View<[string, string], bigint>;
  totalAllocated: View<[string], bigint>;
  availableExcess: View<[string], bigint>;
  nonces: View<[string], bigint>;
  venueSlots: View<[], bigint>;
  maxEpochLag: View<[], bigint>;
  expiryEpochs: View<[], bigint>;
}>;

export interface DeployOptions {
  /** circuit instance of circuits/circuits.json (default "test") */
  instance?: string;
  /** owner of the registry, oracle and risk params (default: the first signer) */
  admin?: Signer;
  /** OracleHub settings (defaults: DEFAULT_ORACLE_CONFIG) */
  oracleConfig?: Partial<OracleConfig>;
  /** mock feeds per asset (default 3); 0 deploys none (configure real feeds with oracle.setAsset) */
  feedsPerAsset?: number;
  /** a proof's epoch may be this many epochs behind the oracle's latest (default 0: proofs are for the latest epoch) */
  maxEpochLag?: bigint;
  /**
   * an attestation lives this many epochs (default 1). Nullifiers are per epoch, so with more than 1 an account that
   * backed subject X at epoch e could back subject Y at epoch e + 1 while X's attestation is still live: the
   * one-book-one-credit-line property holds only with 1 (verifier-contracts/README.md, "Known limits").
   */
  expiryEpochs?: bigint;
}

export const DEFAULT_ORACLE_CONFIG: OracleConfig = {
  maxAge: 3600n,
  maxDeviationPpm: 20_000n,
  minGoodFeeds: 3n,
  ewmaLambdaPpm: 940_000n,
  kappaPpm: 3_000_000n,
  horizonEpochs: 1n,
};

/** The state contracts (no verifiers, no attestor) and helpers that drive them. */
export interface ZkMarginCore {
  instance: Instance;
  params: InstanceParams;
  admin: Signer;
  poseidon: PoseidonT9;
  registry: VenueRegistry;
  oracle: OracleHub;
  riskParams: RiskParamsContract;
  /** feeds[a] = the mock feeds of asset a (8 decimals) */
  feeds: MockAggregatorV3[][];
  /**
   * Make the oracle's next snapshot equal `market` exactly and take it at `epoch`: every mock feed answers P[a],
   * the scan-range floor is S[a] with zero EWMA volatility (so S = floor), the vol shock is Σ[a].
   * Returns the on-chain market hash.
   */
  setMarket(market: MarketSnapshot, epoch: bigint): Promise<bigint>;
  /** Set the risk parameters; returns the on-chain hash. */
  setRiskParams(risk: RiskParamsValues): Promise<bigint>;
  /** Register a venue with an operator (admin). */
  registerVenue(venueId: bigint, operator: Signer): Promise<void>;
  /** Post a venue root as its operator. */
  postRoot(operator: Signer, venueId: bigint, epoch: bigint, root: bigint): Promise<void>;
}

/** The whole system: core plus the instance's verifiers and MarginAttestor. */
export interface ZkMarginDeployment extends ZkMarginCore {
  verifier: Groth16Verifier;
  batchVerifier: Groth16BatchVerifier;
  attestor: MarginAttestor;
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
export async function deployPoseidonT9(ethers: HardhatEthers, admin: Signer): Promise<PoseidonT9> {
  const words = poseidonT9Constants();
  const half = words.length / 2;
  const addresses: string[] = [];
  for (const part of [words.slice(0, half), words.slice(half)]) {
    const data = new Uint8Array(part.length * 32);
    part.forEach((w, i) => data.set(Buffer.from(w.toString(16).padStart(64, "0"), "hex"), i * 32));
    const receipt = await (await admin.sendTransaction({ data: dataContractInitCode(data) })).wait();
    if (!receipt?.contractAddress) throw new Error("deployPoseidonT9: a constants data contract was not created");
    addresses.push(receipt.contractAddress);
  }
  return deployArtifact<PoseidonT9>(ethers, admin, "PoseidonT9", addresses);
}

/** Fully qualified artifact names of an instance's generated verifiers. */
export function verifierArtifactNames(instance: string): { verifier: string; batchVerifier: string } {
  const dir = `verifier-contracts/generated/${instance}`;
  return { verifier: `${dir}/Groth16Verifier.sol:Groth16Verifier`, batchVerifier: `${dir}/Groth16BatchVerifier.sol:Groth16BatchVerifier` };
}

function dims(inst: Instance): InstanceParams {
  const p = inst.params;
  for (const k of ["V", "N", "A", "K", "D"] as const) {
    if (typeof p[k] !== "number") throw new Error(`instance "${inst.name}": params.${k} missing (not a MarginProof instance)`);
  }
  return { V: p.V, N: p.N, A: p.A, K: p.K, D: p.D };
}

async function deployArtifact<T>(ethers: HardhatEthers, admin: Signer, name: string, args: unknown[]): Promise<T> {
  const c = await ethers.deployContract(name, args, admin);
  await c.waitForDeployment();
  return c as unknown as T;
}

/**
 * Deploy Poseidon(8), VenueRegistry, OracleHub (+ mock feeds) and RiskParams for an instance's dimensions. Needs no
 * circuit build.
 */
export async function deployCore(ethers: HardhatEthers, opts: DeployOptions = {}): Promise<ZkMarginCore> {
  const instance = getInstance(opts.instance ?? "test");
  const params = dims(instance);
  const admin = opts.admin ?? (await ethers.getSigners())[0];
  const adminAddr = await admin.getAddress();
  const config: OracleConfig = { ...DEFAULT_ORACLE_CONFIG, ...opts.oracleConfig };
  const feedsPerAsset = opts.feedsPerAsset ?? 3;
  const deploy = <T>(name: string, args: unknown[]) => deployArtifact<T>(ethers, admin, name, args);

  const poseidon = await deployPoseidonT9(ethers, admin);
  const poseidonAddr = await poseidon.getAddress();

  const registry = await deploy<VenueRegistry>("VenueRegistry", [adminAddr]);
  const oracle = await deploy<OracleHub>("OracleHub", [adminAddr, poseidonAddr, BigInt(params.A), config]);
  const riskParams = await deploy<RiskParamsContract>("RiskParams", [adminAddr, poseidonAddr, BigInt(params.A), BigInt(params.K)]);

  const feeds: MockAggregatorV3[][] = [];
  for (let a = 0; a < params.A; a++) {
    const row: MockAggregatorV3[] = [];
    for (let f = 0; f < feedsPerAsset; f++) {
      row.push(await deploy<MockAggregatorV3>("MockAggregatorV3", [8n, `asset ${a} feed ${f}`, 100_000_000n]));
    }
    feeds.push(row);
  }

  return {
    instance,
    params,
    admin,
    poseidon,
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
      const [price, scanRange, volShock, hash] = await oracle.snapshotAt(epoch);
      for (let a = 0; a < params.A; a++) {
        if (price[a] !== market.price[a] || scanRange[a] !== market.scanRange[a] || volShock[a] !== market.volShock[a]) {
          throw new Error(
            `setMarket: epoch ${epoch} snapshot of asset ${a} is (${price[a]}, ${scanRange[a]}, ${volShock[a]}), wanted (${market.price[a]}, ${market.scanRange[a]}, ${market.volShock[a]}): the EWMA volatility of a price change since the last snapshot raised the scan range above its floor`,
          );
        }
      }
      return hash;
    },
    async setRiskParams(risk) {
      await (await riskParams.setParams(risk)).wait();
      return riskParams.paramsHash();
    },
    async registerVenue(venueId, operator) {
      await (await registry.registerVenue(venueId, await operator.getAddress())).wait();
    },
    async postRoot(operator, venueId, epoch, root) {
      await (await (registry.connect(operator) as VenueRegistry).postRoot(venueId, epoch, root)).wait();
    },
  };
}

/** Deploy every contract for an instance (deployCore, the instance's two verifiers, MarginAttestor). */
export async function deployZkMargin(ethers: HardhatEthers, opts: DeployOptions = {}): Promise<ZkMarginDeployment> {
  const core = await deployCore(ethers, opts);
  const { instance, params, admin } = core;
  const deploy = <T>(name: string, args: unknown[]) => deployArtifact<T>(ethers, admin, name, args);
  const names = verifierArtifactNames(instance.name);
  let verifier: Groth16Verifier;
  let batchVerifier: Groth16BatchVerifier;
  try {
    verifier = await deploy<Groth16Verifier>(names.verifier, []);
    batchVerifier = await deploy<Groth16BatchVerifier>(names.batchVerifier, []);
  } catch (err) {
    throw new Error(
      `deployZkMargin: the "${instance.name}" verifiers are not compiled (run \`npx tsx scripts/build.ts ${instance.name}\` then \`npx hardhat build\`): ${(err as Error).message}`,
    );
  }
  const attestor = await deploy<MarginAttestor>("MarginAttestor", [
    {
      registry: await core.registry.getAddress(),
      oracle: await core.oracle.getAddress(),
      riskParams: await core.riskParams.getAddress(),
      verifier: await verifier.getAddress(),
      batchVerifier: await batchVerifier.getAddress(),
    },
    BigInt(params.V),
    opts.maxEpochLag ?? 0n,
    opts.expiryEpochs ?? 1n,
  ]);
  return { ...core, verifier, batchVerifier, attestor };
}
