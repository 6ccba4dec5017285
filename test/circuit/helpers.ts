/**
 * Shared builders for the MarginProof circuit tests: a fresh ProofRequest per call (never a shared mutable input),
 * and helpers to re-commit a slot after editing its holdings (to model a venue that committed a bad value).
 */
import { buildCircuitInput, type CircuitInput, type ProofRequest } from "../../prover/circuitInput.ts";
import { HOLDING_PACK_COUNT, accountLeaf, holdingPackWidths, ownerHash } from "../../prover/commitments.ts";
import { FIELD, packLayout, toField } from "../../prover/hash.ts";
import { evaluateMargin } from "../../prover/model.ts";
import { VenueTree } from "../../prover/tree.ts";
import type { InstanceParams } from "../../prover/types.ts";
import { TEST_PARAMS, accountsFor, bookVenues, testMarket, testRisk, type Book } from "../fixtures/market.ts";

export const SECRET = 0x1234_5678_9abc_def0_1122_3344n;
export const EPOCH = 42n;
export const SUBJECT = 0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266n;
/** a deployment domain (a field element, as the attestor's domain() returns) */
export const DOMAIN = 0x0d0a_1a2b_3c4d_5e6f_7081_92a3_b4c5_d6e7_f809_1a2b_3c4d_5e6f_7081_92a3n;

/** A valid request for a book (minExcess = the book's excess unless given). */
export function requestFor(book: Book, opts: Partial<ProofRequest> = {}): ProofRequest {
  const params: InstanceParams = { ...TEST_PARAMS };
  const market = opts.market ?? testMarket();
  const risk = opts.risk ?? testRisk();
  const minExcess = opts.minExcess ?? evaluateMargin(bookVenues(book), market, risk).excess;
  return {
    params,
    traderSecret: SECRET,
    accounts: accountsFor(book, opts.traderSecret ?? SECRET, params),
    epoch: EPOCH,
    subject: SUBJECT,
    domain: DOMAIN,
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
 * The holding words VenueSlot computes from ANY field values (no range check: offsets and sums wrap mod p), so that a
 * venue committing an out-of-range value can be modelled: only the circuit's range checks can then reject it.
 * holdings[i] in HOLDING_FIELDS order (asset, kind, size, entryPrice, mark, delta, gamma, vega).
 */
export function uncheckedHoldingWords(holdings: readonly (readonly bigint[])[], A: number): bigint[] {
  const widths = holdings.flatMap(() => holdingPackWidths(A));
  const layout = packLayout(widths);
  const words = Array.from({ length: layout[layout.length - 1].word + 1 }, () => 0n);
  holdings.forEach((f, i) => {
    const offsets = [f[0], f[1], f[2] + (1n << 63n), f[3] + f[4], f[5] + (1n << 31n), f[6] + (1n << 63n), f[7] + (1n << 63n)];
    offsets.forEach((o, j) => {
      const { word, shift } = layout[i * HOLDING_PACK_COUNT + j];
      words[word] = toField(words[word] + toField(o) * (1n << BigInt(shift)));
    });
  });
  return words;
}

/**
 * Re-commit slot v of an input from its (possibly edited, possibly out-of-range) holdings, salt and venue id, as a
 * venue would: recompute the leaf, put it in a fresh tree with 3 decoys, update root and path (and the public tail,
 * which carries the venue id).
 */
export function recommitSlot(input: CircuitInput, v: number, params: InstanceParams = TEST_PARAMS): CircuitInput {
  const out = clone(input);
  const holdings = (out.holdings as string[][][])[v].map((h) => h.map(big));
  const secret = big(out.traderSecret);
  const salt = big((out.salts as string[])[v]);
  const venueId = big((out.venueIds as string[])[v]);
  const leaf = accountLeaf(ownerHash(secret, salt), venueId, uncheckedHoldingWords(holdings, params.A));
  const tree = new VenueTree(params.D, [1n, 2n, 3n, leaf]);
  const path = tree.path(3);
  (out.venueRoots as string[])[v] = path.root.toString();
  (out.siblings as string[][][])[v] = path.siblings.map((level) => level.map(String));
  (out.leafIndices as string[])[v] = "3";
  return retail(out);
}

/**
 * Recompute the public tail of an input from its private minExcess and venueIds the way the circuit's linear packing
 * does for ANY field values (Σ value · 2^shift mod p, no range check), so that only the range checks can reject.
 */
export function retail(input: CircuitInput): CircuitInput {
  const out = clone(input);
  const ids = (out.venueIds as string[]).map(big);
  const widths = [112, ...ids.map(() => 32)];
  const layout = packLayout(widths);
  const tail = Array.from({ length: layout[layout.length - 1].word + 1 }, () => 0n);
  [big(out.minExcess), ...ids].forEach((x, i) => (tail[layout[i].word] = toField(tail[layout[i].word] + x * (1n << BigInt(layout[i].shift)))));
  out.tail = tail.map(String);
  return out;
}

/** A signed integer as the field-element string a circuit input carries. */
export const fe = (x: bigint): string => toField(x).toString();
export { FIELD };

/** x^(−1) mod p (Fermat), for forged witnesses that solve a constraint for a wire. */
export function modInverse(x: bigint): bigint {
  let r = 1n;
  let b = toField(x);
  if (b === 0n) throw new RangeError("modInverse: 0 has no inverse");
  for (let e = FIELD - 2n; e > 0n; e >>= 1n) {
    if (e & 1n) r = (r * b) % FIELD;
    b = (b * b) % FIELD;
  }
  return r;
}
