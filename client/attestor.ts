/**
 * ethers v6 bindings to MarginAttestor (verifier-contracts/interfaces/IMarginAttestor.sol) and the lifecycle of
 * docs/DESIGN.md §5: attest (single, relayed with an EIP-712 signature, batch), cancel a signature, allocate, release
 * (the consumer), reclaim (after lapse plus grace), and the reads a lender and a consumer need (availableExcess,
 * lienOf, statusOf). Each transaction is waited for; custom errors of the attestor and of the registry it calls
 * (the book ledger) are decoded into readable messages. The ABI below is the interface's, as human-readable
 * fragments; test/sdk/attestor.test.ts checks it against the compiled interface so the two cannot drift.
 */
import {
  Contract,
  Interface,
  getAddress,
  isError,
  solidityPackedKeccak256,
  type ContractRunner,
  type Signer,
  type TransactionReceipt,
  type TransactionResponse,
} from "ethers";
import { ZkMarginChainError, ZkMarginInputError } from "../prover/errors.ts";
import type { ZkMarginProof } from "../prover/generateProof.ts";
import { toJsonValue } from "../prover/statement.ts";

/** The BN254 scalar field order (prover/hash.ts FIELD). */
const FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

const REQUEST = "(address subject, uint256[] venueIds, uint256 bookNullifier, uint64 epoch, uint256 minExcess, uint256 deadline)";

export const MARGIN_ATTESTOR_ABI = [
  "function attest(uint256[8] proof, uint256[] venueIds, uint256 bookNullifier, uint64 epoch, uint256 minExcess)",
  `function attestFor(uint256[8] proof, ${REQUEST} request, bytes signature)`,
  `function attestBatch(uint256[8][] proofs, ${REQUEST}[] requests, bytes[] signatures)`,
  "function verifyProof(uint256[8] proof, address subject, uint256[] venueIds, uint256 bookNullifier, uint64 epoch, uint256 minExcess) view returns (bool)",
  "function publicInputs(address subject, uint256[] venueIds, uint256 bookNullifier, uint64 epoch, uint256 minExcess) view returns (uint256[])",
  "function domain() view returns (uint256)",
  "function cancelNonce()",
  "function allocate(address consumer, uint256 amount)",
  "function release(address subject, uint256 amount)",
  "function reclaim()",
  "function availableExcess(address subject) view returns (uint256)",
  "function lienOf(address subject, address consumer) view returns ((uint256 amount, uint8 state, uint64 until))",
  "function statusOf(address subject) view returns ((uint8 state, uint64 epoch, uint256 minExcess, uint256 allocated, uint256 available, uint64 lapsesAt, uint64 graceEndsAt, uint32 riskVersion, uint256[] venueIds))",
  "function attestationOf(address subject) view returns ((uint64 epoch, uint256 minExcess, uint256[] venueIds))",
  "function bookHeldUntil(address subject) view returns (uint64)",
  "function nonces(address subject) view returns (uint256)",
  "event Attested(address indexed subject, uint64 indexed epoch, uint256 indexed bookNullifier, uint256 minExcess, uint256[] venueIds, uint64 lapsesAt, uint32 riskVersion)",
  "event AttestSkipped(address indexed subject, uint256 index, uint8 reason)",
  "event Allocated(address indexed subject, address indexed consumer, uint256 amount, uint256 lien)",
  "event Released(address indexed subject, address indexed consumer, uint256 amount, uint256 lien)",
  "event Reclaimed(address indexed subject, uint256 amount, uint32 newTerm)",
  "event NonceCancelled(address indexed subject, uint256 nonce)",
  "error MarginAttestor__WrongSlotCount(uint256 venueIds, uint256 expected)",
  "error MarginAttestor__NoVenues()",
  "error MarginAttestor__BadVenueIds(uint256 slot, uint256 venueId)",
  "error MarginAttestor__NoRoot(uint256 venueId, uint64 epoch)",
  "error MarginAttestor__RootInvalid(uint256 venueId, uint64 epoch, uint64 invalidatedAt)",
  "error MarginAttestor__InvalidBookNullifier(uint256 bookNullifier)",
  "error MarginAttestor__InvalidMinExcess(uint256 minExcess)",
  "error MarginAttestor__NoSnapshot(uint64 epoch)",
  "error MarginAttestor__EpochExpired(uint64 epoch, uint64 lapsesAt)",
  "error MarginAttestor__OlderThanCurrent(uint64 epoch, uint64 currentEpoch)",
  "error MarginAttestor__NotForward(uint64 epoch, uint256 minExcess, uint256 currentMinExcess)",
  "error MarginAttestor__InvalidProof()",
  "error MarginAttestor__InvalidBatch()",
  "error MarginAttestor__BadBatch(uint256 proofs, uint256 requests, uint256 signatures)",
  "error MarginAttestor__InvalidSignature(address subject)",
  "error MarginAttestor__SignatureExpired(uint256 deadline)",
  "error MarginAttestor__BelowAllocated(uint256 minExcess, uint256 allocated)",
  "error MarginAttestor__NotLive(address subject, uint8 state)",
  "error MarginAttestor__OverAllocated(uint256 requested, uint256 available)",
  "error MarginAttestor__ReleaseExceedsLien(uint256 requested, uint256 lien)",
  "error MarginAttestor__NotEnded(address subject, uint8 state, uint64 graceEndsAt)",
  "error MarginAttestor__InvalidAllocation(address consumer, uint256 amount)",
  "error MarginAttestor__ChainIdChanged(uint256 expected, uint256 actual)",
  "error MarginAttestor__InvalidConfig(string field)",
] as const;

/** The registry (book ledger) errors an attestation can bubble up. */
export const LEDGER_ERRORS_ABI = [
  "error VenueRegistry__BookBound(uint256 bookNullifier, address subject, address attestor, uint64 heldUntil)",
  "error VenueRegistry__NotAttestor(address caller)",
] as const;

/** What each custom error means, for people (arguments are appended). */
const EXPLAIN: Record<string, string> = {
  MarginAttestor__WrongSlotCount: "venueIds must have V entries",
  MarginAttestor__NoVenues: "the proof has no active venue slot",
  MarginAttestor__BadVenueIds: "active venue ids must come first, strictly increasing, below 2^32",
  MarginAttestor__NoRoot: "a venue has no root for this epoch (unknown venue, or not posted yet)",
  MarginAttestor__RootInvalid: "a venue's root was revoked or the venue suspended by the admin",
  MarginAttestor__InvalidBookNullifier: "the book nullifier is 0 or not a field element",
  MarginAttestor__InvalidMinExcess: "minExcess must be below 2^96",
  MarginAttestor__NoSnapshot: "no oracle snapshot exists for this epoch",
  MarginAttestor__EpochExpired: "an attestation of this epoch would already have lapsed: prove the latest snapshot",
  MarginAttestor__OlderThanCurrent: "the subject already holds an attestation for a later epoch",
  MarginAttestor__NotForward: "the request would lower (or, relayed, not raise) the subject's attestation of this epoch",
  MarginAttestor__InvalidProof: "the proof does not verify against the chain's roots, context hash and domain",
  MarginAttestor__InvalidBatch: "at least one proof of the batch does not verify; nothing was recorded",
  MarginAttestor__BadBatch: "the batch is empty or its arrays differ in length",
  MarginAttestor__InvalidSignature: "the signature is not the subject's over this request and its current nonce",
  MarginAttestor__SignatureExpired: "the signature's deadline has passed",
  MarginAttestor__BelowAllocated: "the new attestation's excess is below the subject's liens",
  MarginAttestor__NotLive: "the subject has no Live attestation",
  MarginAttestor__OverAllocated: "the allocation would exceed the unallocated attested excess",
  MarginAttestor__ReleaseExceedsLien: "only the consumer releases its own lien, at most its amount",
  MarginAttestor__NotEnded: "liens can be reclaimed only after the attestation lapsed and its grace period passed",
  MarginAttestor__InvalidAllocation: "the consumer is the zero address or the amount is zero",
  MarginAttestor__ChainIdChanged: "the chain id changed (a fork): this deployment accepts nothing",
  MarginAttestor__InvalidConfig: "invalid constructor setting",
  VenueRegistry__BookBound: "this book backs another subject (or this subject on another attestor) until heldUntil",
  VenueRegistry__NotAttestor: "the attestor is not authorized in the registry's book ledger",
};

export const marginAttestorInterface = new Interface(MARGIN_ATTESTOR_ABI);
const decodingInterface = new Interface([...MARGIN_ATTESTOR_ABI, ...LEDGER_ERRORS_ABI]);

/** IMarginAttestor.State. */
export enum LifecycleState {
  None = 0,
  Live = 1,
  Grace = 2,
  Ended = 3,
}

/** IMarginAttestor.SkipReason: why attestBatch skipped an entry (event AttestSkipped). */
export enum SkipReason {
  None = 0,
  NotForward = 1,
  NoSnapshot = 2,
  EpochExpired = 3,
  NoRoot = 4,
  RootInvalid = 5,
  SignatureExpired = 6,
  InvalidSignature = 7,
  BookBound = 8,
  BelowAllocated = 9,
}

/** One entry attestBatch skipped: the subject, its index in the batch and why (the enum's name, e.g. "BookBound"). */
export interface SkippedEntry {
  subject: string;
  index: number;
  reason: keyof typeof SkipReason;
}

/** attestBatch's receipt, with the entries it skipped (by index); every other entry was recorded. */
export interface BatchResult extends TxResult {
  skipped: SkippedEntry[];
}

/** The AttestSkipped events of an attestBatch receipt from the attestor at `address`. */
export function skippedEntries(receipt: TransactionReceipt, address: string): SkippedEntry[] {
  const out: SkippedEntry[] = [];
  for (const log of receipt.logs) {
    if (getAddress(log.address) !== getAddress(address)) continue;
    const parsed = marginAttestorInterface.parseLog(log);
    if (parsed?.name !== "AttestSkipped") continue;
    const code = Number(parsed.args.reason);
    const reason = SkipReason[code] as keyof typeof SkipReason | undefined;
    if (reason === undefined) throw new ZkMarginChainError(`AttestSkipped: unknown reason code ${code} (client and contract out of date?)`);
    out.push({ subject: getAddress(parsed.args.subject as string), index: Number(parsed.args.index), reason });
  }
  // staging skips are logged before the record-time ones (BookBound, BelowAllocated): order them as the batch
  return out.sort((a, b) => a.index - b.index);
}

export interface Attestation {
  epoch: bigint;
  minExcess: bigint;
  venueIds: bigint[];
}

/** IMarginAttestor.Status: what a lender reads about a subject. */
export interface AttestorStatus {
  state: LifecycleState;
  epoch: bigint;
  minExcess: bigint;
  allocated: bigint;
  available: bigint;
  lapsesAt: bigint;
  graceEndsAt: bigint;
  riskVersion: bigint;
  venueIds: bigint[];
}

/** IMarginAttestor.Lien: what a consumer reads about its lien. */
export interface Lien {
  amount: bigint;
  state: LifecycleState;
  until: bigint;
}

/** MarginAttestor's request struct for attestFor / attestBatch. */
export interface AttestRequest {
  subject: string;
  venueIds: bigint[];
  bookNullifier: bigint;
  epoch: bigint;
  minExcess: bigint;
  deadline: bigint;
}

/**
 * What the contract needs besides chain state: the proof's packed points and the statement it rebuilds the public
 * inputs from. The epoch is not a public input (it is inside the context hash), so it travels with the proof.
 */
export interface AttestableProof {
  /** [A.x, A.y, B.x1, B.x0, B.y1, B.y0, C.x, C.y] */
  points: readonly (bigint | string)[];
  subject: bigint | string;
  venueIds: readonly bigint[];
  bookNullifier: bigint;
  epoch: bigint;
  minExcess: bigint;
}

/** MarginAttestor stores minExcess in 96 bits (the circuit allows 112): larger values are refused on-chain. */
export const MAX_ATTESTED_EXCESS = (1n << 96n) - 1n;

/**
 * The attestable form of an SDK proof (prover/generateProof.ts) for `epoch`, the epoch the proof was made for (it is
 * inside the context hash, not a public signal). Throws a ZkMarginInputError before any transaction for a minExcess
 * the attestor would refuse.
 */
export function attestable(proof: ZkMarginProof, epoch: bigint): AttestableProof {
  const p = proof.publicInputs;
  if (p.minExcess > MAX_ATTESTED_EXCESS) {
    throw new ZkMarginInputError("minExcess", `${p.minExcess} does not fit the attestor's 96 bits (at most ${MAX_ATTESTED_EXCESS})`);
  }
  return { points: proof.points, subject: p.subject, venueIds: p.venueIds, bookNullifier: p.bookNullifier, epoch, minExcess: p.minExcess };
}

export interface TxResult {
  hash: string;
  blockNumber: number;
  gasUsed: bigint;
  receipt: TransactionReceipt;
}

/**
 * The deployment's domain, public input 1 of every proof: keccak256(abi.encodePacked("zkmargin.domain.v1", chainId,
 * registry)) mod p (MarginAttestor.domain()). The registry keeps the book ledger of every attestor of the deployment.
 */
export function deploymentDomain(chainId: bigint, registry: string): bigint {
  return BigInt(solidityPackedKeccak256(["string", "uint256", "address"], ["zkmargin.domain.v1", chainId, registry])) % FIELD;
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
 * "VenueRegistry__BookBound(bookNullifier=…, subject=0x…, attestor=0x…, heldUntil=…): this book backs …".
 */
export function decodeChainError(e: unknown, iface: Interface = decodingInterface): ZkMarginChainError {
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
  const short = (e as { shortMessage?: string; info?: { error?: { message?: string } } }).shortMessage;
  const node = (e as { info?: { error?: { message?: string } } }).info?.error?.message;
  return new ZkMarginChainError(`transaction failed: ${short ? `${short}${node ? ` (${node})` : ""}` : ((e as Error).message ?? String(e))}`);
}

/** A 160-bit subject (public input 0) as a checksummed address. */
export function subjectAddress(subject: bigint | string): string {
  if (typeof subject === "string") return getAddress(subject);
  return getAddress(`0x${subject.toString(16).padStart(40, "0")}`);
}

/** The AttestRequest for a proof. */
export function attestRequest(proof: AttestableProof, deadline = 0n): AttestRequest {
  return {
    subject: subjectAddress(proof.subject),
    venueIds: [...proof.venueIds],
    bookNullifier: proof.bookNullifier,
    epoch: proof.epoch,
    minExcess: proof.minExcess,
    deadline,
  };
}

/** EIP-712 domain of a MarginAttestor deployment. */
export function attestorDomain(chainId: bigint, verifyingContract: string) {
  return { name: "zkmargin MarginAttestor", version: "2", chainId, verifyingContract };
}

/** EIP-712 types of MarginAttestor's AttestRequest (ATTEST_REQUEST_TYPEHASH). */
export const ATTEST_REQUEST_TYPES = {
  AttestRequest: [
    { name: "subject", type: "address" },
    { name: "venueIds", type: "uint256[]" },
    { name: "bookNullifier", type: "uint256" },
    { name: "epoch", type: "uint64" },
    { name: "minExcess", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

const toLien = (l: { amount: bigint; state: bigint; until: bigint }): Lien => ({ amount: l.amount, state: Number(l.state) as LifecycleState, until: l.until });

/** A MarginAttestor at `address`, used through `runner` (a signer for transactions, a provider for reads). */
export class AttestorClient {
  readonly contract: Contract;

  constructor(
    readonly address: string,
    runner: ContractRunner,
    /** interface used to decode errors (defaults to MarginAttestor's and the ledger's) */
    private readonly errors: Interface = decodingInterface,
  ) {
    this.contract = new Contract(address, MARGIN_ATTESTOR_ABI, runner);
  }

  /** Attest msg.sender's margin with `proof` (its subject must be the signer's address); waits for the receipt. */
  attest(proof: AttestableProof): Promise<TxResult> {
    return this.send("attest", [proof.points, [...proof.venueIds], proof.bookNullifier, proof.epoch, proof.minExcess]);
  }

  /**
   * Attest several proofs with one batched pairing check. An entry that fails because of what one other party did
   * (already recorded, its subject cancelled its signature or allocated above its minExcess, a venue's root revoked,
   * the epoch or the deadline passed, the book bound elsewhere) is skipped and listed in `skipped` with the reason;
   * the others are recorded. The whole batch still reverts on a proof that does not verify (InvalidBatch: verify
   * each proof first) or a malformed request. An entry without a signature must have the sender as its subject; a
   * relayed entry carries its subject's signRequest signature and deadline.
   */
  async attestBatch(items: readonly { proof: AttestableProof; signature?: string; deadline?: bigint }[]): Promise<BatchResult> {
    const tx = await this.send("attestBatch", [
      items.map((i) => i.proof.points),
      items.map((i) => attestRequest(i.proof, i.deadline ?? 0n)),
      items.map((i) => i.signature ?? "0x"),
    ]);
    return { ...tx, skipped: skippedEntries(tx.receipt, this.address) };
  }

  /** Attest a subject's proof from another sender (a relayer), with the subject's signature (signRequest). */
  attestFor(proof: AttestableProof, signature: string, deadline: bigint): Promise<TxResult> {
    return this.send("attestFor", [proof.points, attestRequest(proof, deadline), signature]);
  }

  /**
   * The subject's EIP-712 signature over the request of `proof`, authorising anyone to submit it (attestFor,
   * attestBatch) until `deadline` (unix seconds), with the subject's current nonce. Landing a request does not use
   * the nonce (a relayed request must move the attestation strictly forward, so it cannot be replayed); several may
   * be outstanding, and cancelNonce() voids them all.
   */
  async signRequest(subject: Signer, proof: AttestableProof, deadline: bigint): Promise<string> {
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

  /** Bump the sender's nonce: every request it signed with the current one stops being valid. */
  cancelNonce(): Promise<TxResult> {
    return this.send("cancelNonce", []);
  }

  /** Verify on-chain without recording (a view call against the chain's roots, context hash and domain). */
  verify(proof: AttestableProof): Promise<boolean> {
    return this.read<boolean>("verifyProof", [proof.points, subjectAddress(proof.subject), [...proof.venueIds], proof.bookNullifier, proof.epoch, proof.minExcess]);
  }

  /** The deployment's domain (public input 1; the book nullifier is Poseidon(traderSecret, domain)). */
  domain(): Promise<bigint> {
    return this.read<bigint>("domain", []);
  }

  async attestation(subject: string): Promise<Attestation> {
    const a = await this.read<{ epoch: bigint; minExcess: bigint; venueIds: bigint[] }>("attestationOf", [subject]);
    return { epoch: a.epoch, minExcess: a.minExcess, venueIds: [...a.venueIds] };
  }

  /**
   * Everything about a subject's attestation now (or as of block `blockTag`): state, excess, liens' total, lapse and
   * grace times, risk version.
   */
  async status(subject: string, blockTag?: number): Promise<AttestorStatus> {
    const s = await this.read<Omit<AttestorStatus, "state"> & { state: bigint }>("statusOf", [subject], blockTag);
    return {
      state: Number(s.state) as LifecycleState,
      epoch: s.epoch,
      minExcess: s.minExcess,
      allocated: s.allocated,
      available: s.available,
      lapsesAt: s.lapsesAt,
      graceEndsAt: s.graceEndsAt,
      riskVersion: s.riskVersion,
      venueIds: [...s.venueIds],
    };
  }

  /** What a prospective lender can still get: the Live attestation's unallocated excess (0 otherwise). */
  availableExcess(subject: string): Promise<bigint> {
    return this.read<bigint>("availableExcess", [subject]);
  }

  /** What a consumer holds (now, or as of block `blockTag`): its lien on `subject`, its state and until when it holds. */
  async lienOf(subject: string, consumer: string, blockTag?: number): Promise<Lien> {
    return toLien(await this.read<{ amount: bigint; state: bigint; until: bigint }>("lienOf", [subject, consumer], blockTag));
  }

  /** Allocate part of the sender's Live attested excess to a consumer (its lien grows). */
  allocate(consumer: string, amount: bigint): Promise<TxResult> {
    return this.send("allocate", [consumer, amount]);
  }

  /** Release part of the sender's (the consumer's) lien on `subject`. */
  release(subject: string, amount: bigint): Promise<TxResult> {
    return this.send("release", [subject, amount]);
  }

  /** Reclaim the sender's liens once its attestation has lapsed and the grace period passed. */
  reclaim(): Promise<TxResult> {
    return this.send("reclaim", []);
  }

  private async read<T>(method: string, args: readonly unknown[], blockTag?: number): Promise<T> {
    try {
      const f = this.contract.getFunction(method);
      return (await (blockTag === undefined ? f.staticCall(...args) : f.staticCall(...args, { blockTag }))) as T;
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
