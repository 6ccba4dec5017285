/**
 * The public inputs of the MarginProof circuit, in the one fixed order (docs/DESIGN.md §4) that the circuit declares,
 * that snarkjs emits, that MarginAttestor rebuilds and that the tests read. Nothing else may hard-code it:
 *
 *   subject, domain, contextHash, venueRoots[0..V), bookNullifier, tail[0..T)
 *
 * where tail packs [minExcess (112 bits), venueIds[0..V) (32 bits each)] (prover/commitments.ts packTail; T = 1 for
 * V ≤ 4). The named form carries minExcess and venueIds unpacked.
 */
import { packTail, tailWordCount, unpackTail } from "./commitments.ts";

export interface PublicInputs {
  /** the address the attestation is for, as a field element */
  subject: bigint;
  /** the deployment's domain (the attestor's domain()) */
  domain: bigint;
  /** OracleHub's context hash of the epoch: epoch, risk-parameter version and market snapshot */
  contextHash: bigint;
  /** per slot, the venue's root for the epoch; 0 for an inactive slot */
  venueRoots: bigint[];
  /** Poseidon(traderSecret, domain) */
  bookNullifier: bigint;
  /** USD × 1e8, < 2^112 (packed in the tail) */
  minExcess: bigint;
  /** per slot, the venue id; 0 for an inactive slot (packed in the tail) */
  venueIds: bigint[];
}

/** Number of public signals of an instance with V venue slots: 4 + V + T. */
export function publicSignalCount(V: number): number {
  return 4 + V + tailWordCount(V);
}

/** Names of the public signals for an instance with V venue slots, in order. */
export function publicSignalNames(V: number): string[] {
  const per = (name: string, n: number) => Array.from({ length: n }, (_, i) => `${name}[${i}]`);
  return ["subject", "domain", "contextHash", ...per("venueRoots", V), "bookNullifier", ...per("tail", tailWordCount(V))];
}

/** Flatten named public inputs to the ordered array the verifier takes (packs the tail; RangeError naming a field). */
export function flattenPublicInputs(p: PublicInputs): bigint[] {
  if (p.venueIds.length !== p.venueRoots.length) {
    throw new RangeError(`venueIds: ${p.venueIds.length} ids for ${p.venueRoots.length} venue roots`);
  }
  return [p.subject, p.domain, p.contextHash, ...p.venueRoots, p.bookNullifier, ...packTail(p.minExcess, p.venueIds)];
}

/** Name the ordered public signals of an instance with V venue slots (unpacks the tail; throws on a bad count or tail). */
export function parsePublicSignals(signals: readonly (string | bigint)[], V: number): PublicInputs {
  const expected = publicSignalCount(V);
  if (signals.length !== expected) {
    throw new RangeError(`publicSignals: expected ${expected} values for V=${V}, got ${signals.length}`);
  }
  const s = signals.map((x) => BigInt(x));
  const { minExcess, venueIds } = unpackTail(s.slice(4 + V), V);
  return {
    subject: s[0],
    domain: s[1],
    contextHash: s[2],
    venueRoots: s.slice(3, 3 + V),
    bookNullifier: s[3 + V],
    minExcess,
    venueIds,
  };
}
