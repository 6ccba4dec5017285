/**
 * Holding words at import speed: the same packing as prover/commitments.ts `holdingWords` (the definition), with the
 * layout computed once per (N, A) and no per-value objects — about 10× faster, which keeps a 10^6-account import
 * from being bound by packing. Only for holdings already checked against the circuit's ranges (`checkHolding`);
 * test/venue/words.test.ts pins it to `holdingWords` on random and boundary holdings.
 */
import { holdingPackWidths, HOLDING_PACK_COUNT } from "../../prover/commitments.ts";
import { packLayout } from "../../prover/hash.ts";
import { DELTA_BITS, GREEK_BITS, SIZE_BITS } from "../../prover/model.ts";
import { EMPTY_HOLDING, type Holding } from "../../prover/types.ts";

interface Layout {
  words: number;
  word: Int32Array;
  shift: bigint[];
}

const layouts = new Map<string, Layout>();

function layoutOf(N: number, A: number): Layout {
  const key = `${N}/${A}`;
  let l = layouts.get(key);
  if (!l) {
    const widths = Array.from({ length: N }, () => holdingPackWidths(A)).flat();
    const slots = packLayout(widths);
    l = { words: slots[slots.length - 1].word + 1, word: Int32Array.from(slots.map((s) => s.word)), shift: slots.map((s) => BigInt(s.shift)) };
    layouts.set(key, l);
  }
  return l;
}

const SIZE_OFF = 1n << BigInt(SIZE_BITS - 1);
const DELTA_OFF = 1n << BigInt(DELTA_BITS - 1);
const GREEK_OFF = 1n << BigInt(GREEK_BITS - 1);

/** holdingWords(holdings, { N, A }) for holdings that passed checkHolding (no range checks here). */
export function fastHoldingWords(holdings: readonly Holding[], dims: { N: number; A: number }): bigint[] {
  if (holdings.length > dims.N) throw new RangeError(`holdings: ${holdings.length} holdings, the instance has N=${dims.N} slots per venue`);
  const l = layoutOf(dims.N, dims.A);
  const words = new Array<bigint>(l.words).fill(0n);
  for (let i = 0; i < dims.N; i++) {
    const h = holdings[i] ?? EMPTY_HOLDING;
    const values = [BigInt(h.asset), BigInt(h.kind), h.size + SIZE_OFF, h.entryPrice + h.mark, h.delta + DELTA_OFF, h.gamma + GREEK_OFF, h.vega + GREEK_OFF];
    const base = i * HOLDING_PACK_COUNT;
    for (let k = 0; k < HOLDING_PACK_COUNT; k++) words[l.word[base + k]] |= values[k] << l.shift[base + k];
  }
  return words;
}
