pragma circom 2.2.0;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";

/**
 * @title MerkleRoot
 * @notice Root of a fixed-depth arity-4 Poseidon(4) tree from a leaf, its index and its path (docs/DESIGN.md §4).
 *         Matches the venue SDK's tree (prover/tree.ts): node = Poseidon(c_0, c_1, c_2, c_3), empty leaf 0; at level l
 *         the node sits at position p = digit l of the index in base 4, and siblings[l] are the three other children
 *         in increasing position order.
 * @param D tree depth (compile-time), 1..16 (capacity 4^D)
 * @input leaf the leaf value
 * @input index the leaf index; range-checked here to 2·D bits (so each index has exactly one path)
 * @input siblings[D][3] per level, the other three children; free field elements (the root binds them)
 * @output root the computed root
 * Cost: D·(Poseidon(4) + 5 placement products) + 2·D index bits (measured below per level, ≈ 300 + 7).
 */
template MerkleRoot(D) {
    assert(D >= 1 && D <= 16);
    signal input leaf;
    signal input index;
    signal input siblings[D][3];
    signal output root;

    // Check (1): the index has exactly 2·D bits; bits (2l, 2l + 1) are the position p at level l.
    signal bits[2 * D] <== Num2Bits(2 * D)(index);

    // Check (2): hash up the path. With s = siblings[l] and one-hot e_p of the position:
    //   c0 = p = 0 ? node : s0                    = s0 + e0·(node − s0),   e0 = 1 − b0 − b1 + b0·b1
    //   c1 = p = 0 ? s0 : p = 1 ? node : s1       = s1 + (1 − b1)·(s0 − s1 + b0·(node − s0))
    //   c3 = p = 3 ? node : s2                    = s2 + e3·(node − s2),   e3 = b0·b1
    //   c2 = node + s0 + s1 + s2 − c0 − c1 − c3   (the children are a permutation of {node, s0, s1, s2}: linear)
    signal node[D + 1];
    signal e3[D];
    signal c0[D];
    signal t[D];
    signal c1[D];
    signal c3[D];
    node[0] <== leaf;
    for (var l = 0; l < D; l++) {
        var b0 = bits[2 * l];
        var b1 = bits[2 * l + 1];
        e3[l] <== b0 * b1;
        c0[l] <== siblings[l][0] + (1 - b0 - b1 + e3[l]) * (node[l] - siblings[l][0]);
        t[l] <== b0 * (node[l] - siblings[l][0]);
        c1[l] <== siblings[l][1] + (1 - b1) * (siblings[l][0] - siblings[l][1] + t[l]);
        c3[l] <== siblings[l][2] + e3[l] * (node[l] - siblings[l][2]);
        var c2 = node[l] + siblings[l][0] + siblings[l][1] + siblings[l][2] - c0[l] - c1[l] - c3[l];
        node[l + 1] <== Poseidon(4)([c0[l], c1[l], c2, c3[l]]);
    }
    root <== node[D];
}
