/**
 * Statements out of the store: an account's holdings, leaf and Merkle path at a built epoch, read from the
 * versioned node groups (D rows, one per level, each giving the 3 siblings; no rebuild), checked against the
 * epoch's recorded root before it leaves.
 */
import { readElement } from "../../prover/poseidon/batch.ts";
import { STATEMENT_FORMAT, type Statement } from "../../prover/statement.ts";
import { requireEpoch, zeroSubtrees } from "./build.ts";
import { venueHasher } from "./hasher.ts";
import { holdingsFromJson } from "./importer.ts";
import type { AccountRow, VenueStore } from "./store.ts";
import { ZkMarginInputError } from "../../prover/errors.ts";
import { ELEMENT_BYTES, type BatchHasher } from "../../prover/poseidon/batch.ts";


/** The sibling positions of a node at position `pos` (0..3) among its parent's four children. */
function siblingPositions(pos: number): number[] {
  return [0, 1, 2, 3].filter((c) => c !== pos);
}

/** Recompute an arity-4 root from a leaf, its index and its D × 3 siblings (the circuit's rule). */
export function rootFromPath4(leaf: Uint8Array, leafIndex: number, siblings: readonly Uint8Array[][], hasher: BatchHasher): Uint8Array {
  let node = leaf;
  let idx = leafIndex;
  for (const level of siblings) {
    const pos = idx % 4;
    const row = new Uint8Array(4 * ELEMENT_BYTES);
    let s = 0;
    for (let c = 0; c < 4; c++) row.set(c === pos ? node : level[s++], c * ELEMENT_BYTES);
    node = hasher.hashBatch(4, row);
    idx = Math.floor(idx / 4);
  }
  return node;
}

/** The statement of `account` for built epoch `epoch` (throws if the account was not in that epoch's tree). */
export function statementFor(store: VenueStore, account: AccountRow, epoch: number, hasher: BatchHasher = venueHasher()): Statement {
  const e = requireEpoch(store, epoch);
  if (account.builtEpoch === null || account.builtEpoch > epoch) {
    throw new ZkMarginInputError("account", `account ${account.id} was opened after epoch ${epoch}`);
  }
  const { D, N, A, venueId } = store.meta;
  const zeros = zerosFor(D, hasher);
  const held = store.holdingsAt(account.leafIndex, epoch);
  // one node-group row per level: the node's three siblings (and at level 0 the leaf itself)
  const siblings: Uint8Array[][] = [];
  let leaf: Uint8Array | undefined;
  let idx = account.leafIndex;
  for (let l = 0; l < D; l++) {
    const g = store.group(l, Math.floor(idx / 4), epoch);
    const child = (c: number) => (g ? g.subarray(c * ELEMENT_BYTES, (c + 1) * ELEMENT_BYTES) : zeros[l]);
    if (l === 0) leaf = g ? child(idx % 4) : undefined;
    siblings.push(siblingPositions(idx % 4).map(child));
    idx = Math.floor(idx / 4);
  }
  if (!leaf || !held) throw new Error(`store inconsistency: account ${account.id} has no leaf at epoch ${epoch}`);
  const root = rootFromPath4(leaf, account.leafIndex, siblings, hasher);
  if (!bytesEq(root, e.root)) throw new Error(`store inconsistency: the path of account ${account.id} does not reach epoch ${epoch}'s root`);
  const el = (b: Uint8Array) => readElement(b, 0);
  return {
    format: STATEMENT_FORMAT,
    venueId,
    epoch: BigInt(epoch),
    dims: { N, A, D },
    leafIndex: account.leafIndex,
    salt: el(account.salt),
    owner: el(account.owner),
    holdings: holdingsFromJson(held.holdings),
    leaf: el(leaf),
    siblings: siblings.map((lv) => lv.map(el)),
    root: el(root),
  };
}

const zeroCache = new Map<string, Uint8Array[]>();
function zerosFor(D: number, hasher: BatchHasher): Uint8Array[] {
  const key = `${hasher.name}/${D}`;
  let z = zeroCache.get(key);
  if (!z) zeroCache.set(key, (z = zeroSubtrees(D, hasher)));
  return z;
}

function bytesEq(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
