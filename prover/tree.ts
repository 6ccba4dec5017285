/**
 * A venue's account tree: fixed depth D, binary, node = Poseidon(left, right), empty leaf = 0.
 * Matches circuits/lib/MerkleRoot.circom. Backed by @zk-kit/imt (incremental: an insert or update rehashes one path).
 */
import { IMT } from "@zk-kit/imt";
import { poseidon2 } from "poseidon-lite";

export interface MerklePath {
  root: bigint;
  leaf: bigint;
  leafIndex: number;
  /** sibling hashes from the leaf level up, length D */
  siblings: bigint[];
}

const hash2 = (nodes: unknown[]): bigint => poseidon2(nodes as bigint[]);

export class VenueTree {
  private readonly imt: IMT;
  /** leaf count kept here: @zk-kit/imt's `leaves` getter copies the whole leaf array (O(n) per call) */
  private count: number;

  /** @param depth tree depth D (capacity 2^D accounts) @param leaves initial leaves, built in one pass */
  constructor(readonly depth: number, leaves: readonly bigint[] = []) {
    if (!Number.isInteger(depth) || depth < 1 || depth > 32) throw new RangeError(`tree depth ${depth}: expected 1..32`);
    if (leaves.length > 2 ** depth) throw new RangeError(`${leaves.length} leaves do not fit a tree of depth ${depth}`);
    this.imt = new IMT(hash2, depth, 0n, 2, [...leaves]);
    this.count = leaves.length;
  }

  get root(): bigint {
    return BigInt(this.imt.root as bigint);
  }

  get size(): number {
    return this.count;
  }

  /** Append a leaf; returns its index. */
  insert(leaf: bigint): number {
    if (this.size >= 2 ** this.depth) throw new RangeError(`tree of depth ${this.depth} is full`);
    this.imt.insert(leaf);
    return this.count++;
  }

  /** Replace the leaf at index (one path rehashed). */
  update(index: number, leaf: bigint): void {
    this.checkIndex(index);
    this.imt.update(index, leaf);
  }

  leaf(index: number): bigint {
    this.checkIndex(index);
    return BigInt(this.imt.createProof(index).leaf as bigint);
  }

  /** Inclusion path of the leaf at index. */
  path(index: number): MerklePath {
    this.checkIndex(index);
    const p = this.imt.createProof(index);
    return {
      root: BigInt(p.root as bigint),
      leaf: BigInt(p.leaf as bigint),
      leafIndex: index,
      siblings: p.siblings.map((s: unknown) => BigInt((Array.isArray(s) ? s[0] : s) as bigint)),
    };
  }

  private checkIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) {
      throw new RangeError(`leaf index ${index}: the tree holds ${this.size} leaves`);
    }
  }
}

/** Recompute a root from a path (same rule as the circuit). */
export function rootFromPath(leaf: bigint, leafIndex: number, siblings: readonly bigint[]): bigint {
  let node = leaf;
  siblings.forEach((s, i) => {
    node = (leafIndex >> i) & 1 ? poseidon2([s, node]) : poseidon2([node, s]);
  });
  return node;
}
