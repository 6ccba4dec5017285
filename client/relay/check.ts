/**
 * The checks of a signed request (the file `zkmargin attest sign` writes, format zkmargin-attest-request/1), run at
 * intake (before a request is queued) and again by the batcher just before a batch is sent. Each refusal is one
 * RelayError with the HTTP status, a code and the request field it is about:
 *
 *   400 bad_request        the JSON, its schema or the embedded proof is malformed (the field is named)
 *   422 wrong_deployment   chainId / attestor / proof.instance are not this relayer's deployment's
 *   422 subject_mismatch   the request is signed for another subject than the proof's
 *   422 expired            the deadline is not after the chain's latest block time
 *   422 bad_signature      the signature is not the subject's over this request with its CURRENT nonce
 *   422 invalid_proof      the proof does not verify off-chain (the instance's key) or against the chain's inputs
 *   422 would_revert       attestFor, called (eth_call) from the relayer's address, reverts: the decoded error says
 *                          why (not forward, book bound, root revoked, epoch expired …)
 */
import { keccak256, toUtf8Bytes, verifyTypedData, type Wallet } from "ethers";
import { ZkMarginChainError, ZkMarginInputError } from "../../prover/errors.ts";
import type { ZkMarginProof } from "../../prover/generateProof.ts";
import { parseWith, toJsonValue } from "../../prover/statement.ts";
import { ATTEST_REQUEST_TYPES, attestable, attestorDomain, attestRequest, decodeChainError, subjectAddress, type AttestableProof, type AttestorClient } from "../attestor.ts";
import type { Chain } from "../chain.ts";
import { RequestSchema } from "../trader.ts";

export class RelayError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** A request that passed the structural checks: what attestBatch needs. */
export interface ParsedRequest {
  subject: string;
  epoch: bigint;
  deadline: bigint;
  signature: string;
  proof: ZkMarginProof;
  item: AttestableProof;
  /** keccak256 over the signature and the proof's points: the identity of a request */
  digest: string;
  /** the deployment the subject signed for, as the file says */
  chainId: string;
  attestor: string;
}

export interface RelayContext {
  chain: Chain;
  /** the relayer's key, connected to the chain's provider */
  wallet: Wallet;
  /** the attestor with the relayer as sender (static calls are made from its address) */
  attestor: AttestorClient;
  /** off-chain verification with the instance's verification key (prover/verifyProof.ts) */
  verifyOffChain(proof: ZkMarginProof): Promise<boolean>;
}

/** Parse the request JSON (no chain access): schema, the embedded proof, its epoch. */
export async function parseRequest(body: unknown): Promise<ParsedRequest> {
  let request;
  let proof: ZkMarginProof;
  try {
    request = parseWith(RequestSchema, body === null || typeof body !== "object" ? String(body) : body, "request");
    const { parseProof } = await import("../../prover/verifyProof.ts");
    proof = parseProof(toJsonValue(request.proof), "request.proof");
  } catch (e) {
    if (e instanceof ZkMarginInputError) throw new RelayError(400, "bad_request", e.field, e.problem);
    throw e;
  }
  if (proof.epoch === undefined) throw new RelayError(400, "bad_request", "request.proof.epoch", "the proof does not carry its epoch (made by an SDK before proof format 2): prove again");
  let item: AttestableProof;
  try {
    item = attestable(proof, proof.epoch);
  } catch (e) {
    if (e instanceof ZkMarginInputError) throw new RelayError(422, "bad_request", `request.proof.publicInputs.${e.field}`, e.problem);
    throw e;
  }
  const subject = subjectAddress(proof.publicInputs.subject);
  if (subjectAddress(request.subject) !== subject) throw new RelayError(422, "subject_mismatch", "request.subject", `the request is signed for ${request.subject}, the proof is for ${subject}`);
  const digest = keccak256(toUtf8Bytes(`${request.signature.toLowerCase()}|${proof.points.map(String).join(",")}`));
  return { subject, epoch: proof.epoch, deadline: BigInt(request.deadline), signature: request.signature, proof, item, digest, chainId: request.chainId, attestor: request.attestor };
}

/**
 * The chain checks of a parsed request, cheapest first. `full` (intake) also verifies the proof off-chain; the
 * batcher's re-check skips that (it cannot change) and repeats the rest against the chain now, with the deadline
 * required `deadlineMargin` seconds ahead (an entry that expires before its block would revert the whole batch).
 */
export async function checkRequest(ctx: RelayContext, r: ParsedRequest, full: boolean, deadlineMargin = 0n): Promise<void> {
  const { chain } = ctx;
  const attestorAddress = chain.deployment.contracts.MarginAttestor;
  if (BigInt(r.chainId) !== chain.chainId) {
    throw new RelayError(422, "wrong_deployment", "request.chainId", `the request is for chain ${r.chainId}, this relayer submits to chain ${chain.chainId}`);
  }
  if (r.attestor.toLowerCase() !== attestorAddress.toLowerCase()) {
    throw new RelayError(422, "wrong_deployment", "request.attestor", `the request is for MarginAttestor ${r.attestor}, this relayer submits to ${attestorAddress}`);
  }
  if (r.proof.instance !== chain.deployment.instance) {
    throw new RelayError(422, "wrong_deployment", "request.proof.instance", `the proof is of instance "${r.proof.instance}", the deployment's attestor verifies "${chain.deployment.instance}"`);
  }
  const now = await chain.now();
  if (r.deadline <= now + deadlineMargin) {
    throw new RelayError(422, "expired", "request.deadline", `the signature's deadline ${r.deadline} is not after the chain's time ${now}${deadlineMargin ? ` + ${deadlineMargin} s (the batch lands in a later block)` : ""}: sign a fresh request`);
  }
  const nonce = BigInt(await ctx.attestor.contract.nonces(r.subject));
  let recovered: string | undefined;
  try {
    recovered = verifyTypedData(attestorDomain(chain.chainId, attestorAddress), ATTEST_REQUEST_TYPES, { ...attestRequest(r.item, r.deadline), nonce }, r.signature);
  } catch {
    recovered = undefined;
  }
  if (recovered !== r.subject) {
    throw new RelayError(422, "bad_signature", "request.signature", `not ${r.subject}'s signature over this request with its current nonce ${nonce} (cancelled with cancelNonce, signed by another key, or over another proof)`);
  }
  if (full && !(await ctx.verifyOffChain(r.proof))) {
    throw new RelayError(422, "invalid_proof", "request.proof", `the proof does not verify with instance "${r.proof.instance}"'s verification key`);
  }
  let onChain: boolean;
  try {
    onChain = await ctx.attestor.verify(r.item);
  } catch (e) {
    const err = e instanceof ZkMarginChainError ? e : decodeChainError(e);
    throw new RelayError(422, "would_revert", "request.proof.publicInputs", err.message);
  }
  if (!onChain) throw new RelayError(422, "invalid_proof", "request.proof", "the proof does not verify against the chain's public inputs now (MarginAttestor.verifyProof: roots, context hash, domain)");
  try {
    await ctx.attestor.contract.getFunction("attestFor").staticCall(r.item.points, attestRequest(r.item, r.deadline), r.signature);
  } catch (e) {
    const err = decodeChainError(e);
    throw new RelayError(422, "would_revert", "request", `attestFor from the relayer ${ctx.wallet.address} would revert: ${err.message}`);
  }
}
