/**
 * The venue kit's only contact with the chain: VenueRegistry.postRoot and rootOf through ethers (a JSON-RPC
 * node). Kept in this one module so registry changes (epoch bounds, revocation, suspension) touch one file.
 *
 * Posting is crash-safe: the transaction is signed first, its hash recorded in the store (status "posting"),
 * then broadcast; a restart reconciles a "posting" epoch with the chain (rootOf, the receipt) before anything else.
 */
import { Contract, Interface, JsonRpcProvider, Wallet, isAddress, type TransactionReceipt } from "ethers";
import { ZkMarginChainError, ZkMarginInputError } from "../../prover/errors.ts";
import { readElement } from "../../prover/poseidon/batch.ts";
import { requireEpoch } from "./build.ts";
import type { EpochRow, VenueStore } from "./store.ts";

export const VENUE_REGISTRY_ABI = [
  "function postRoot(uint256 venueId, uint64 epoch, uint256 root)",
  "function rootOf(uint256 venueId, uint64 epoch) view returns (uint256)",
  "function isRegistered(uint256 venueId) view returns (bool)",
  "function venue(uint256 venueId) view returns (tuple(address operator, uint64 lastEpoch, bool hasRoot))",
  "error VenueRegistry__InvalidVenueId(uint256 venueId)",
  "error VenueRegistry__VenueExists(uint256 venueId)",
  "error VenueRegistry__UnknownVenue(uint256 venueId)",
  "error VenueRegistry__ZeroOperator()",
  "error VenueRegistry__NotOperator(uint256 venueId, address caller)",
  "error VenueRegistry__EpochNotForward(uint256 venueId, uint64 epoch, uint64 lastEpoch)",
  "error VenueRegistry__InvalidRoot(uint256 root)",
  // the lifecycle registry (oracle-bounded epochs, revocation, suspension)
  "function rootInvalidatedAt(uint256 venueId, uint64 epoch) view returns (uint64)",
  "error VenueRegistry__EpochNotSnapshotted(uint64 epoch, uint64 oracleLatestEpoch)",
  "error VenueRegistry__Suspended(uint256 venueId)",
  "error VenueRegistry__NotSuspended(uint256 venueId)",
  "error VenueRegistry__NothingToRevoke(uint256 venueId, uint64 epoch)",
  "event RootPosted(uint256 indexed venueId, uint64 indexed epoch, uint256 root)",
] as const;

const registryInterface = new Interface(VENUE_REGISTRY_ABI);

export interface RegistryConnection {
  provider: JsonRpcProvider;
  chainId: bigint;
  address: string;
  contract: Contract;
  /** the operator key, when posting */
  wallet?: Wallet;
}

/** Connect to VenueRegistry at `address` over `rpc`; checks a contract is deployed there. */
export async function connectRegistry(rpc: string, address: string, privateKey?: string): Promise<RegistryConnection> {
  if (!isAddress(address)) throw new ZkMarginInputError("registry", `"${address}" is not an address`);
  let provider: JsonRpcProvider;
  let chainId: bigint;
  try {
    // cacheTimeout -1: ethers answers a repeated call (the nonce of a second post) from a 250 ms cache otherwise
    provider = new JsonRpcProvider(rpc, undefined, { staticNetwork: true, batchMaxCount: 1, cacheTimeout: -1 });
    chainId = BigInt(await provider.send("eth_chainId", []));
  } catch (e) {
    throw new ZkMarginInputError("rpc", `cannot reach a JSON-RPC node at ${rpc} (${(e as Error).message.split("\n")[0]})`);
  }
  if ((await provider.getCode(address)) === "0x") throw new ZkMarginInputError("registry", `no contract at ${address} on chain ${chainId}`);
  let wallet: Wallet | undefined;
  if (privateKey !== undefined) {
    try {
      wallet = new Wallet(privateKey.trim(), provider);
    } catch {
      throw new ZkMarginInputError("key", "not a private key (0x followed by 64 hex digits)");
    }
  }
  return { provider, chainId, address, contract: new Contract(address, VENUE_REGISTRY_ABI, wallet ?? provider), wallet };
}

/** The root VenueRegistry holds for (venueId, epoch); 0 if none. */
export async function postedRoot(reg: RegistryConnection, venueId: bigint, epoch: number): Promise<bigint> {
  return BigInt(await reg.contract.getFunction("rootOf").staticCall(venueId, BigInt(epoch)));
}

/**
 * When (wall-clock seconds) the root of (venueId, epoch) was revoked or the venue suspended, 0 if it stands. A
 * registry without revocation (no `rootInvalidatedAt`) answers 0.
 */
export async function rootInvalidatedAt(reg: RegistryConnection, venueId: bigint, epoch: number): Promise<bigint> {
  try {
    return BigInt(await reg.contract.getFunction("rootInvalidatedAt").staticCall(venueId, BigInt(epoch)));
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "CALL_EXCEPTION" || code === "BAD_DATA") return 0n; // the function does not exist on this registry
    throw e;
  }
}

function decodeRevert(e: unknown): ZkMarginChainError {
  const data = (e as { data?: string; info?: { error?: { data?: string } } }).data ?? (e as { info?: { error?: { data?: string } } }).info?.error?.data;
  if (typeof data === "string" && data.length >= 10) {
    const parsed = registryInterface.parseError(data);
    if (parsed) return new ZkMarginChainError(`VenueRegistry reverted: ${parsed.name}(${parsed.args.join(", ")})`, parsed.name, [...parsed.args]);
  }
  return new ZkMarginChainError(`postRoot failed: ${(e as Error).message.split("\n")[0]}`);
}

function markPosted(store: VenueStore, epoch: number, txHash: string, reg: RegistryConnection, block: number | null): void {
  store
    .stmt("UPDATE epochs SET status = 'posted', tx_hash = ?, chain_id = ?, registry = ?, block = ?, posted_at = ? WHERE epoch = ?")
    .run(txHash, reg.chainId.toString(), reg.address.toLowerCase(), block, Date.now(), epoch);
}

/**
 * Post epoch `epoch`'s root (idempotent, crash-safe). Refuses an epoch already posted, an unbuilt one, and a chain
 * that already holds a different root for it. Returns the updated epoch row.
 */
export async function postEpochRoot(store: VenueStore, reg: RegistryConnection, epoch: number, log: (s: string) => void = () => undefined): Promise<EpochRow> {
  const e = requireEpoch(store, epoch);
  if (e.status === "posted") throw new ZkMarginInputError("epoch", `epoch ${epoch} is already posted (tx ${e.txHash}, chain ${e.chainId})`);
  if (!reg.wallet) throw new ZkMarginInputError("key", "posting needs the venue operator's key");
  const venueId = store.meta.venueId;
  const root = readElement(e.root, 0);
  const onChain = await postedRoot(reg, venueId, epoch);
  if (onChain === root) {
    // posted before a crash (or by another run of this store): record it
    const receipt = e.txHash ? await reg.provider.getTransactionReceipt(e.txHash) : null;
    markPosted(store, epoch, e.txHash ?? "(found on chain)", reg, receipt?.blockNumber ?? null);
    log(`epoch ${epoch}: root already on chain, recorded`);
    return store.epoch(epoch)!;
  }
  if (onChain !== 0n) {
    throw new ZkMarginInputError("epoch", `chain ${reg.chainId} already holds root ${onChain} for venue ${venueId} epoch ${epoch}, not this store's ${root}`);
  }
  if (e.status === "posting" && e.txHash) {
    const receipt = await reg.provider.getTransactionReceipt(e.txHash);
    if (receipt === null) {
      const pending = await reg.provider.getTransaction(e.txHash);
      if (pending) {
        log(`epoch ${epoch}: waiting for the transaction sent before the restart (${e.txHash})`);
        const r = await pending.wait();
        if (r && r.status === 1) {
          markPosted(store, epoch, e.txHash, reg, r.blockNumber);
          return store.epoch(epoch)!;
        }
      }
    }
    log(`epoch ${epoch}: the transaction recorded before the restart did not land; sending again`);
  }
  // sign, record, broadcast
  const contract = reg.contract;
  let populated;
  try {
    await contract.getFunction("postRoot").staticCall(venueId, BigInt(epoch), root);
    populated = await reg.wallet.populateTransaction(await contract.getFunction("postRoot").populateTransaction(venueId, BigInt(epoch), root));
  } catch (err) {
    throw decodeRevert(err);
  }
  const signed = await reg.wallet.signTransaction(populated);
  const { keccak256 } = await import("ethers");
  const txHash = keccak256(signed);
  store
    .stmt("UPDATE epochs SET status = 'posting', tx_hash = ?, chain_id = ?, registry = ? WHERE epoch = ?")
    .run(txHash, reg.chainId.toString(), reg.address.toLowerCase(), epoch);
  let receipt: TransactionReceipt | null;
  try {
    const tx = await reg.provider.broadcastTransaction(signed);
    receipt = await tx.wait();
  } catch (err) {
    throw decodeRevert(err);
  }
  if (!receipt || receipt.status !== 1) throw new ZkMarginChainError(`postRoot transaction ${txHash} reverted`);
  markPosted(store, epoch, txHash, reg, receipt.blockNumber);
  log(`epoch ${epoch}: root posted in block ${receipt.blockNumber} (tx ${txHash})`);
  return store.epoch(epoch)!;
}
