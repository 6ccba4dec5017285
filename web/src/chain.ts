/**
 * The page's chain connection: contract addresses from the serving machine's /chain.json (web/server.ts), and a
 * signer that is either an injected wallet (window.ethereum, EIP-1193) or, without one, the first unlocked
 * account of the local Hardhat chain behind /rpc. Attestations go through client/attestor.ts (the CLI's client).
 */
import { BrowserProvider, Contract, JsonRpcProvider, type Eip1193Provider, type JsonRpcSigner } from "ethers";
import { AttestorClient } from "../../client/attestor.ts";
import type { ZkMarginProof } from "../../prover/generateProof.ts";
import { formatUsd } from "../../prover/errors.ts";

interface ChainJson {
  rpcUrl: string;
  chainId: number;
  contracts: Record<string, string>;
  extra?: Record<string, unknown>;
}

export interface AttestOutcome {
  hash: string;
  blockNumber: number;
  gasUsed: bigint;
  /** a one-line reading of the attestation back from the contract */
  summary: string;
}

export interface ChainSession {
  address: string;
  description: string;
  rootsFor(venueIds: readonly bigint[], epoch: bigint): Promise<Map<bigint, bigint>>;
  /** who already used each nullifier in `epoch` (undefined: nobody) — one book, one credit line per epoch */
  spentBy(epoch: bigint, nullifiers: readonly bigint[]): Promise<(string | undefined)[]>;
  attest(proof: ZkMarginProof): Promise<AttestOutcome>;
}

declare global {
  interface Window {
    ethereum?: Eip1193Provider;
  }
}

const REGISTRY_ABI = ["function rootOf(uint256 venueId, uint64 epoch) view returns (uint256)"];

export async function connectChain(): Promise<ChainSession> {
  const res = await fetch("/chain.json");
  if (!res.ok) throw new Error(((await res.json().catch(() => ({}))) as { error?: string }).error ?? `HTTP ${res.status}`);
  const info = (await res.json()) as ChainJson;
  const attestorAddress = info.contracts.MarginAttestor;
  if (!attestorAddress) throw new Error("/chain.json names no MarginAttestor");

  let signer: JsonRpcSigner;
  let via: string;
  if (window.ethereum) {
    const provider = new BrowserProvider(window.ethereum);
    signer = await provider.getSigner();
    via = "injected wallet";
  } else {
    const provider = new JsonRpcProvider(new URL(info.rpcUrl, window.location.href).toString(), info.chainId, { staticNetwork: true });
    signer = await provider.getSigner(0);
    via = `local Hardhat account via ${info.rpcUrl}`;
  }
  const address = await signer.getAddress();
  const attestor = new AttestorClient(attestorAddress, signer);
  const registry = info.contracts.VenueRegistry ? new Contract(info.contracts.VenueRegistry, REGISTRY_ABI, signer) : undefined;

  return {
    address,
    description: `Chain ${info.chainId}: MarginAttestor at ${attestorAddress}; signing as ${address} (${via}).`,
    async rootsFor(venueIds, epoch) {
      const out = new Map<bigint, bigint>();
      if (!registry) return out;
      for (const id of venueIds) {
        try {
          const root = (await registry.getFunction("rootOf").staticCall(id, epoch)) as bigint;
          if (root !== 0n) out.set(id, root);
        } catch {
          /* unknown venue: left out, so validation reports "no root posted" for it */
        }
      }
      return out;
    },
    async spentBy(epoch, nullifiers) {
      return Promise.all(
        nullifiers.map(async (n) => {
          const who = await attestor.nullifierSpentBy(epoch, n);
          return BigInt(who) === 0n ? undefined : who;
        }),
      );
    },
    async attest(proof) {
      const tx = await attestor.attest(proof);
      const a = await attestor.attestation(address);
      const solvent = await attestor.isSolvent(address, proof.publicInputs.minExcess);
      return {
        hash: tx.hash,
        blockNumber: tx.blockNumber,
        gasUsed: tx.gasUsed,
        summary: `isSolvent(${address}, ${formatUsd(proof.publicInputs.minExcess)}) = ${solvent}; attested epoch ${a.epoch}, valid until epoch ${a.validUntilEpoch}.`,
      };
    },
  };
}
