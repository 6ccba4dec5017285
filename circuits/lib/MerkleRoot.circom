pragma circom 2.2.0;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";

/**
 * @title MerkleRoot
 * @notice Root of a fixed-depth binary Poseidon(2) Merkle tree from a leaf, its index and its siblings.
 *         Matches the venue SDK's tree (prover/tree.ts): node = Poseidon(left, right), empty leaf = 0.
 * @param D tree depth (compile-time), 1..32
 * @input leaf the leaf value
 * @input index the leaf index; range-checked here to D bits (so each index has exactly one path)
 * @input siblings[D] sibling hashes from the leaf level up; free field elements (the root binds them)
 * @output root the computed root
 * Cost: D·(Poseidon(2) + 1 mux) ≈ 243 constraints per level, plus D for the index bits.
 */
template MerkleRoot(D) {
    assert(D >= 1 && D <= 32);
    signal input leaf;
    signal input index;
    signal input siblings[D];
    signal output root;

    // Check (1): the index has exactly D bits, which select left/right at each level.
    signal bits[D] <== Num2Bits(D)(index);

    // Check (2): hash up the path: node = bit ? H(sibling, node) : H(node, sibling).
    signal node[D + 1];
    signal left[D];
    signal right[D];
    node[0] <== leaf;
    for (var i = 0; i < D; i++) {
        // left = node + bit·(sibling − node), right = sibling − bit·(sibling − node): one product each level.
        left[i] <== node[i] + bits[i] * (siblings[i] - node[i]);
        right[i] <== siblings[i] + node[i] - left[i];
        node[i + 1] <== Poseidon(2)([left[i], right[i]]);
    }
    root <== node[D];
}
