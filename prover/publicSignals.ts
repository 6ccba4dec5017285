/**
 * The public inputs of the MarginProof circuit, in the one fixed order (SPEC.md §4) that the circuit declares,
 * that snarkjs emits, that MarginAttestor rebuilds and that the tests read. Nothing else may hard-code it.
 */
export interface PublicInputs {
  subject: bigint;
  epoch: bigint;
  marketHash: bigint;
  riskParamsHash: bigint;
  venueRoots: bigint[];
  venueIds: bigint[];
  nullifiers: bigint[];
  minExcess: bigint;
}

/** Names of the public signals for an instance with V venue slots, in order. */
export function publicSignalNames(V: number): string[] {
  const per = (name: string) => Array.from({ length: V }, (_, i) => `${name}[${i}]`);
  return ["subject", "epoch", "marketHash", "riskParamsHash", ...per("venueRoots"), ...per("venueIds"), ...per("nullifiers"), "minExcess"];
}

/** Flatten named public inputs to the ordered array the verifier takes. */
export function flattenPublicInputs(p: PublicInputs): bigint[] {
  return [p.subject, p.epoch, p.marketHash, p.riskParamsHash, ...p.venueRoots, ...p.venueIds, ...p.nullifiers, p.minExcess];
}

/** Name the ordered public signals of an instance with V venue slots. */
export function parsePublicSignals(signals: readonly (string | bigint)[], V: number): PublicInputs {
  const expected = 5 + 3 * V;
  if (signals.length !== expected) {
    throw new Error(`publicSignals: expected ${expected} values for V=${V}, got ${signals.length}`);
  }
  const s = signals.map((x) => BigInt(x));
  return {
    subject: s[0],
    epoch: s[1],
    marketHash: s[2],
    riskParamsHash: s[3],
    venueRoots: s.slice(4, 4 + V),
    venueIds: s.slice(4 + V, 4 + 2 * V),
    nullifiers: s.slice(4 + 2 * V, 4 + 3 * V),
    minExcess: s[4 + 3 * V],
  };
}
