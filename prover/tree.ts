/**
 * A venue's account tree (docs/DESIGN.md §4): fixed depth D, arity 4, node = Poseidon(c_0, c_1, c_2, c_3), empty leaf
 * 0, empty subtree of height h has root z_h (z_0 = 0, z_{h+1} = Poseidon(z_h, z_h, z_h, z_h)). A leaf's position at
 * level l is digit l of its index in base 4; its path is, per level, the three siblings in increasing position order.
 * Matches circuits/lib/MerkleRoot.circom. Backed by @zk-kit/imt (incremental: an insert or update rehashes one path).
 * This is the SDK's in-memory tree; the venue kit's persistent tree is tested against it.
 */
import { IMT } from "@zk-kit/imt";
import { poseidon4 } from "poseidon-lite";

/** Children per node. */
export const TREE_ARITY = 4;
/** Deepest tree supported: 4^16 = 2^32 accounts (leaf indices stay exact JavaScript numbers). */
export const MAX_TREE_DEPTH = 16;

export interface MerklePath {
  root: bigint;
  leaf: bigint;
  leafIndex: number;
  /** per level from the leaf up, the 3 sibling hashes in increasing position order: D × 3 */
  siblings: bigint[][];
}

const hash4 = (nodes: unknown[]): bigint => poseidon4(nodes as bigint[]);

function checkDepth(depth: number): void {
  if (!Number.isInteger(depth) || depth < 1 || depth > MAX_TREE_DEPTH) throw new RangeError(`tree depth ${depth}: expected 1..${MAX_TREE_DEPTH}`);
}

/** Leaves a tree of depth D holds: 4^D. */
export function treeCapacity(depth: number): number {
  checkDepth(depth);
  return TREE_ARITY ** depth;
}

/** Roots of the empty subtrees z_0..z_D: z_0 = 0, z_{h+1} = Poseidon(z_h, z_h, z_h, z_h). */
export function zeroHashes(depth: number): bigint[] {
  checkDepth(depth);
  const z = [0n];
  for (let h = 0; h < depth; h++) z.push(poseidon4([z[h], z[h], z[h], z[h]]));
  return z;
}

export class VenueTree {
  private readonly imt: IMT;
  /** leaf count kept here: @zk-kit/imt's `leaves` getter copies the whole leaf array (O(n) per call) */
  private count: number;

  /** @param depth tree depth D (capacity 4^D accounts) @param leaves initial leaves, built in one pass */
  constructor(readonly depth: number, leaves: readonly bigint[] = []) {
    checkDepth(depth);
    if (leaves.length > treeCapacity(depth)) throw new RangeError(`${leaves.length} leaves do not fit a tree of depth ${depth} (capacity 4^${depth})`);
    this.imt = new IMT(hash4, depth, 0n, TREE_ARITY, [...leaves]);
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
    if (this.size >= treeCapacity(this.depth)) throw new RangeError(`tree of depth ${this.depth} is full`);
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
      siblings: p.siblings.map((level: unknown[]) => level.map((s) => BigInt(s as bigint))),
    };
  }

  private checkIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) {
      throw new RangeError(`leaf index ${index}: the tree holds ${this.size} leaves`);
    }
  }
}

/**
 * Recompute a root from a path (the circuit's rule): at level l the node sits at position (index >> 2l) & 3 among
 * its 3 siblings. Throws a RangeError on a malformed path (a level without exactly 3 siblings, an index ≥ 4^D).
 */
export function rootFromPath(leaf: bigint, leafIndex: number, siblings: readonly (readonly bigint[])[]): bigint {
  checkDepth(siblings.length);
  if (!Number.isInteger(leafIndex) || leafIndex < 0 || leafIndex >= treeCapacity(siblings.length)) {
    throw new RangeError(`leaf index ${leafIndex}: outside [0, 4^${siblings.length})`);
  }
  let node = leaf;
  let index = leafIndex;
  siblings.forEach((level, l) => {
    if (level.length !== TREE_ARITY - 1) throw new RangeError(`siblings[${l}]: ${level.length} siblings, expected ${TREE_ARITY - 1}`);
    const children = [...level];
    children.splice(index % TREE_ARITY, 0, node);
    node = poseidon4(children);
    index = Math.floor(index / TREE_ARITY);
  });
  return node;
}
