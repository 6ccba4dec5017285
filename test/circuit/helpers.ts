/**
 * Shared builders for the MarginProof circuit tests: a fresh ProofRequest per call (never a shared mutable input),
 * and helpers to re-commit a slot after editing its holdings (to model a venue that committed a bad value).
 */
import { buildCircuitInput, type CircuitInput, type ProofRequest } from "../../prover/circuitInput.ts";
import { accountLeaf, ownerHash } from "../../prover/commitments.ts";
import { FIELD, HOLDINGS_SPONGE_WIDTH, poseidon, sponge, toField } from "../../prover/hash.ts";
import { evaluateMargin } from "../../prover/model.ts";
import { VenueTree } from "../../prover/tree.ts";
import type { InstanceParams } from "../../prover/types.ts";
import { TEST_PARAMS, accountsFor, bookHoldings, testMarket, testRisk, type Book } from "../fixtures/market.ts";

export const SECRET = 0x1234_5678_9abc_def0_1122_3344n;
export const EPOCH = 42n;
export const SUBJECT = 0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266n;

/** A valid request for a book (minExcess = the book's excess unless given). */
export function requestFor(book: Book, opts: Partial<ProofRequest> = {}): ProofRequest {
  const params: InstanceParams = { ...TEST_PARAMS };
  const market = opts.market ?? testMarket();
  const risk = opts.risk ?? testRisk();
  const minExcess = opts.minExcess ?? evaluateMargin(bookHoldings(book), market, risk).excess;
  return {
    params,
    traderSecret: SECRET,
    accounts: accountsFor(book, opts.traderSecret ?? SECRET, params),
    epoch: EPOCH,
    subject: SUBJECT,
    market,
    risk,
    minExcess: minExcess < 0n ? 0n : minExcess,
    ...opts,
  };
}

/** Circuit input of a book (validated by buildCircuitInput, margin check off so failing books can be built). */
export function inputFor(book: Book, opts: Partial<ProofRequest> = {}): CircuitInput {
  return buildCircuitInput(requestFor(book, opts), { requireMargin: false }).input;
}

/** Deep copy of a circuit input (inputs are JSON-like: strings and nested arrays). */
export function clone(input: CircuitInput): CircuitInput {
  return structuredClone(input);
}

const big = (x: unknown): bigint => BigInt(x as string);

/**
 * Re-commit slot v of an input from its (possibly edited, possibly out-of-range) holdings, salt and venue id, as a
 * venue would: recompute the leaf, put it in a fresh tree with 3 decoys, update root, path and nullifier.
 */
export function recommitSlot(input: CircuitInput, v: number, params: InstanceParams = TEST_PARAMS): CircuitInput {
  const out = clone(input);
  const holdings = (out.holdings as string[][][])[v];
  const fields = holdings.flat().map(big);
  const commitment = sponge(fields, HOLDINGS_SPONGE_WIDTH);
  const secret = big(out.traderSecret);
  const salt = big((out.salts as string[])[v]);
  const venueId = big((out.venueIds as string[])[v]);
  const leaf = accountLeaf(ownerHash(secret, salt), commitment, venueId);
  const tree = new VenueTree(params.D, [1n, 2n, 3n, leaf]);
  const path = tree.path(3);
  (out.venueRoots as string[])[v] = path.root.toString();
  (out.siblings as string[][])[v] = path.siblings.map(String);
  (out.leafIndices as string[])[v] = "3";
  (out.nullifiers as string[])[v] = poseidon([secret, salt, big(out.epoch)]).toString();
  return out;
}

/** A signed integer as the field-element string a circuit input carries. */
export const fe = (x: bigint): string => toField(x).toString();
export { FIELD };
