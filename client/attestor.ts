/**
 * ethers v6 bindings to MarginAttestor (verifier-contracts/interfaces/IMarginAttestor.sol): submit an attestation
 * (single or batch), read one, isSolvent, allocate/release, wait for each transaction, and decode custom errors
 * into readable messages. The ABI below is the interface's, as human-readable fragments; test/sdk/attestor.test.ts
 * checks it against the compiled interface so the two cannot drift.
 */
import { Contract, Interface, getAddress, isError, type ContractRunner, type Signer, type TransactionReceipt, type TransactionResponse } from "ethers";
import { ZkMarginChainError } from "../prover/errors.ts";
import type { ZkMarginProof } from "../prover/generateProof.ts";
import { toJsonValue } from "../prover/statement.ts";

export const MARGIN_ATTESTOR_ABI = [
  "function attest(uint256[8] proof, uint256[] venueIds, uint256[] nullifiers, uint64 epoch, uint256 minExcess)",
  "function attestFor(uint256[8] proof, (address subject, uint256[] venueIds, uint256[] nullifiers, uint64 epoch, uint256 minExcess, uint256 deadline) request, bytes signature)",
  "function attestBatch(uint256[8][] proofs, (address subject, uint256[] venueIds, uint256[] nullifiers, uint64 epoch, uint256 minExcess, uint256 deadline)[] requests, bytes[] signatures)",
  "function verifyProof(uint256[8] proof, address subject, uint256[] venueIds, uint256[] nullifiers, uint64 epoch, uint256 minExcess) view returns (bool)",
  "function publicInputs(address subject, uint256[] venueIds, uint256[] nullifiers, uint64 epoch, uint256 minExcess) view returns (uint256[])",
  "function isSolvent(address subject, uint256 minExcess) view returns (bool)",
  "function attestationOf(address subject) view returns ((uint64 epoch, uint64 validUntilEpoch, uint256 minExcess))",
  "function nullifierSpentBy(uint64 epoch, uint256 nullifier) view returns (address)",
  "function allocate(address consumer, uint256 amount)",
  "function release(address subject, address consumer, uint256 amount)",
  "function allocatedTo(address subject, address consumer) view returns (uint256)",
  "function totalAllocated(address subject) view returns (uint256)",
  "function availableExcess(address subject) view returns (uint256)",
  "function nonces(address subject) view returns (uint256)",
  "event Attested(address indexed subject, uint64 indexed epoch, uint256 minExcess, uint64 validUntilEpoch, uint256[] nullifiers)",
  "event Allocated(address indexed subject, address indexed consumer, uint256 amount, uint256 allocation)",
  "event Released(address indexed subject, address indexed consumer, address indexed by, uint256 amount, uint256 allocation)",
  "error MarginAttestor__WrongSlotCount(uint256 venueIds, uint256 nullifiers, uint256 expected)",
  "error MarginAttestor__NoVenues()",
  "error MarginAttestor__UnknownVenue(uint256 venueId)",
  "error MarginAttestor__VenuesNotIncreasing(uint256 previous, uint256 venueId)",
  "error MarginAttestor__NoRoot(uint256 venueId, uint64 epoch)",
  "error MarginAttestor__UnusedSlotNotEmpty(uint256 slot)",
  "error MarginAttestor__InvalidNullifier(uint256 slot, uint256 nullifier)",
  "error MarginAttestor__InvalidMinExcess(uint256 minExcess)",
  "error MarginAttestor__NoSnapshot(uint64 epoch)",
  "error MarginAttestor__StaleEpoch(uint64 epoch, uint64 latestEpoch, uint64 maxEpochLag)",
  "error MarginAttestor__NoRiskParams()",
  "error MarginAttestor__OlderThanCurrent(uint64 epoch, uint64 currentEpoch)",
  "error MarginAttestor__NullifierSpent(uint256 nullifier, uint64 epoch, address spentBy)",
  "error MarginAttestor__InvalidProof()",
  "error MarginAttestor__InvalidBatch()",
  "error MarginAttestor__BadBatch(uint256 proofs, uint256 requests, uint256 signatures)",
  "error MarginAttestor__InvalidSignature(address subject)",
  "error MarginAttestor__SignatureExpired(uint256 deadline)",
  "error MarginAttestor__BelowAllocated(uint256 minExcess, uint256 allocated)",
  "error MarginAttestor__NoLiveAttestation(address subject)",
  "error MarginAttestor__OverAllocated(uint256 requested, uint256 available)",
  "error MarginAttestor__ReleaseExceedsAllocation(uint256 requested, uint256 allocated)",
  "error MarginAttestor__NotSubjectOrConsumer(address caller)",
  "error MarginAttestor__InvalidAllocation(address consumer, uint256 amount)",
  "error MarginAttestor__InvalidConfig(string field)",
] as const;

/** What each custom error means, for people (arguments are appended). */
const EXPLAIN: Record<string, string> = {
  MarginAttestor__WrongSlotCount: "venueIds and nullifiers must each have V entries",
  MarginAttestor__NoVenues: "the proof has no active venue slot",
  MarginAttestor__UnknownVenue: "a venue in the proof is not registered",
  MarginAttestor__VenuesNotIncreasing: "active venue ids must be strictly increasing",
  MarginAttestor__NoRoot: "a venue has not posted a root for this epoch",
  MarginAttestor__UnusedSlotNotEmpty: "an unused slot carries a nullifier",
  MarginAttestor__InvalidNullifier: "an active slot's nullifier is 0 or not a field element",
  MarginAttestor__InvalidMinExcess: "minExcess is not a field element",
  MarginAttestor__NoSnapshot: "no oracle snapshot exists for this epoch",
  MarginAttestor__StaleEpoch: "the proof's epoch is too old",
  MarginAttestor__NoRiskParams: "risk parameters were never set",
  MarginAttestor__OlderThanCurrent: "the subject already holds an attestation for a later epoch",
  MarginAttestor__NullifierSpent: "a venue account already backs another subject's attestation in this epoch",
  MarginAttestor__InvalidProof: "the proof does not verify against on-chain roots, market and risk params",
  MarginAttestor__InvalidBatch: "at least one proof of the batch does not verify; nothing was recorded",
  MarginAttestor__BadBatch: "the batch is empty or its arrays differ in length",
  MarginAttestor__InvalidSignature: "the signature is not the subject's",
  MarginAttestor__SignatureExpired: "the signature's deadline has passed",
  MarginAttestor__BelowAllocated: "the new attestation's excess is below what the subject already allocated",
  MarginAttestor__NoLiveAttestation: "the subject has no live attestation",
  MarginAttestor__OverAllocated: "the allocation would exceed the attested excess",
  MarginAttestor__ReleaseExceedsAllocation: "the release is larger than the allocation",
  MarginAttestor__NotSubjectOrConsumer: "only the subject or the consumer may release an allocation",
  MarginAttestor__InvalidAllocation: "the consumer is the zero address or the amount is zero",
  MarginAttestor__InvalidConfig: "invalid constructor setting",
};

export const marginAttestorInterface = new Interface(MARGIN_ATTESTOR_ABI);

export interface Attestation {
  epoch: bigint;
  validUntilEpoch: bigint;
  minExcess: bigint;
}

/** MarginAttestor's request struct for attestFor / attestBatch. */
export interface AttestRequest {
  subject: string;
  venueIds: bigint[];
  nullifiers: bigint[];
  epoch: bigint;
  minExcess: bigint;
  deadline: bigint;
}

export interface TxResult {
  hash: string;
  blockNumber: number;
  gasUsed: bigint;
  receipt: TransactionReceipt;
}

/** Find revert data in whatever an ethers / Hardhat provider threw. */
function revertData(e: unknown): string | undefined {
  const seen = new Set<unknown>();
  const walk = (x: unknown): string | undefined => {
    if (x === null || typeof x !== "object" || seen.has(x)) return undefined;
    seen.add(x);
    const o = x as Record<string, unknown>;
    if (typeof o.data === "string" && /^0x[0-9a-fA-F]{8}/.test(o.data)) return o.data;
    for (const k of ["error", "info", "cause", "data", "revert"]) {
      const found = walk(o[k]);
      if (found) return found;
    }
    return undefined;
  };
  return walk(e);
}

/**
 * Turn a reverted call into a ZkMarginChainError with the custom error's name, arguments and meaning, e.g.
 * "MarginAttestor__NullifierSpent(nullifier=…, epoch=7, spentBy=0x…): a venue account already backs …".
 */
export function decodeChainError(e: unknown, iface: Interface = marginAttestorInterface): ZkMarginChainError {
  if (e instanceof ZkMarginChainError) return e;
  const data = revertData(e);
  if (data) {
    const parsed = (() => {
      try {
        return iface.parseError(data);
      } catch {
        return null;
      }
    })();
    if (parsed) {
      const args = parsed.fragment.inputs.map((inp, i) => `${inp.name}=${String(toJsonValue(parsed.args[i]))}`).join(", ");
      const why = EXPLAIN[parsed.name];
      return new ZkMarginChainError(`${parsed.name}(${args})${why ? `: ${why}` : ""}`, parsed.name, [...parsed.args]);
    }
  }
  if (isError(e, "CALL_EXCEPTION") && e.reason) return new ZkMarginChainError(`reverted: ${e.reason}`);
  return new ZkMarginChainError(`transaction failed: ${(e as Error).message ?? String(e)}`);
}

/** A 160-bit subject (public input 0) as a checksummed address. */
export function subjectAddress(subject: bigint): string {
  return getAddress(`0x${subject.toString(16).padStart(40, "0")}`);
}

/** The AttestRequest for a proof (subject from its public inputs). */
export function attestRequest(proof: ZkMarginProof, deadline = 0n): AttestRequest {
  const p = proof.publicInputs;
  return {
    subject: subjectAddress(p.subject),
    venueIds: p.venueIds,
    nullifiers: p.nullifiers,
    epoch: p.epoch,
    minExcess: p.minExcess,
    deadline,
  };
}

/** EIP-712 domain of a MarginAttestor deployment. */
export function attestorDomain(chainId: bigint, verifyingContract: string) {
  return { name: "zkmargin MarginAttestor", version: "1", chainId, verifyingContract };
}

/** EIP-712 types of MarginAttestor's AttestRequest (ATTEST_REQUEST_TYPEHASH). */
export const ATTEST_REQUEST_TYPES = {
  AttestRequest: [
    { name: "subject", type: "address" },
    { name: "venueIds", type: "uint256[]" },
    { name: "nullifiers", type: "uint256[]" },
    { name: "epoch", type: "uint64" },
    { name: "minExcess", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

/** A MarginAttestor at `address`, used through `runner` (a signer for transactions, a provider for reads). */
export class AttestorClient {
  readonly contract: Contract;

  constructor(
    readonly address: string,
    runner: ContractRunner,
    /** interface used to decode errors (defaults to MarginAttestor's; pass a merged one to decode more) */
    private readonly errors: Interface = marginAttestorInterface,
  ) {
    this.contract = new Contract(address, MARGIN_ATTESTOR_ABI, runner);
  }

  /** Attest msg.sender's solvency with `proof` (its subject must be the signer's address); waits for the receipt. */
  attest(proof: ZkMarginProof): Promise<TxResult> {
    const p = proof.publicInputs;
    return this.send("attest", [proof.points, p.venueIds, p.nullifiers, p.epoch, p.minExcess]);
  }

  /**
   * Attest several proofs with one batched pairing check: all are recorded or none. An item without a signature
   * must have the sender as its subject; a relayed item carries its subject's signRequest signature and deadline.
   */
  attestBatch(items: readonly { proof: ZkMarginProof; signature?: string; deadline?: bigint }[]): Promise<TxResult> {
    return this.send("attestBatch", [
      items.map((i) => i.proof.points),
      items.map((i) => attestRequest(i.proof, i.deadline ?? 0n)),
      items.map((i) => i.signature ?? "0x"),
    ]);
  }

  /** Attest a subject's proof from another sender (a relayer), with the subject's signature (signRequest). */
  attestFor(proof: ZkMarginProof, signature: string, deadline: bigint): Promise<TxResult> {
    return this.send("attestFor", [proof.points, attestRequest(proof, deadline), signature]);
  }

  /**
   * The subject's EIP-712 signature over the request of `proof`, authorising anyone to submit it (attestFor,
   * attestBatch) until `deadline` (unix seconds). Uses the subject's current nonce: sign one request per subject
   * at a time.
   */
  async signRequest(subject: Signer, proof: ZkMarginProof, deadline: bigint): Promise<string> {
    const request = attestRequest(proof, deadline);
    if (getAddress(await subject.getAddress()) !== request.subject) {
      throw new ZkMarginChainError(`signRequest: the signer is not the proof's subject ${request.subject}`);
    }
    const provider = subject.provider;
    if (!provider) throw new ZkMarginChainError("signRequest: the signer has no provider");
    const { chainId } = await provider.getNetwork();
    const nonce = await this.read<bigint>("nonces", [request.subject]);
    return subject.signTypedData(attestorDomain(chainId, this.address), ATTEST_REQUEST_TYPES, { ...request, nonce });
  }

  /** Verify on-chain without recording (a view call against the chain's roots, market and risk params). */
  async verify(proof: ZkMarginProof): Promise<boolean> {
    const p = proof.publicInputs;
    return this.read<boolean>("verifyProof", [proof.points, subjectAddress(p.subject), p.venueIds, p.nullifiers, p.epoch, p.minExcess]);
  }

  async attestation(subject: string): Promise<Attestation> {
    const a = await this.read<{ epoch: bigint; validUntilEpoch: bigint; minExcess: bigint }>("attestationOf", [subject]);
    return { epoch: a.epoch, validUntilEpoch: a.validUntilEpoch, minExcess: a.minExcess };
  }

  isSolvent(subject: string, minExcess: bigint): Promise<boolean> {
    return this.read<boolean>("isSolvent", [subject, minExcess]);
  }

  /** Allocate part of the sender's attested excess to a consumer protocol. */
  allocate(consumer: string, amount: bigint): Promise<TxResult> {
    return this.send("allocate", [consumer, amount]);
  }

  release(subject: string, consumer: string, amount: bigint): Promise<TxResult> {
    return this.send("release", [subject, consumer, amount]);
  }

  allocatedTo(subject: string, consumer: string): Promise<bigint> {
    return this.read<bigint>("allocatedTo", [subject, consumer]);
  }

  totalAllocated(subject: string): Promise<bigint> {
    return this.read<bigint>("totalAllocated", [subject]);
  }

  /** What the subject can still allocate: the live attested excess minus its allocations. */
  availableExcess(subject: string): Promise<bigint> {
    return this.read<bigint>("availableExcess", [subject]);
  }

  nullifierSpentBy(epoch: bigint, nullifier: bigint): Promise<string> {
    return this.read<string>("nullifierSpentBy", [epoch, nullifier]);
  }

  private async read<T>(method: string, args: readonly unknown[]): Promise<T> {
    try {
      return (await this.contract.getFunction(method).staticCall(...args)) as T;
    } catch (e) {
      throw decodeChainError(e, this.errors);
    }
  }

  /** Send a transaction and wait for it; a revert (at estimation or in the block) becomes a decoded error. */
  private async send(method: string, args: readonly unknown[]): Promise<TxResult> {
    try {
      const tx = (await this.contract.getFunction(method).send(...args)) as TransactionResponse;
      const receipt = await tx.wait();
      if (receipt === null || receipt.status !== 1) throw new ZkMarginChainError(`${method}: transaction ${tx.hash} failed`);
      return { hash: tx.hash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed, receipt };
    } catch (e) {
      throw decodeChainError(e, this.errors);
    }
  }
}
