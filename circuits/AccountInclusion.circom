pragma circom 2.2.0;

include "circomlib/circuits/poseidon.circom";
include "lib/Sponge.circom";
include "lib/MerkleRoot.circom";

// placeholder to validate the toolchain; the pipeline owner replaces it
template AccountInclusion(D) {
    signal input root;
    signal input venueId;
    signal input leaf;
    signal input index;
    signal input siblings[D];
    signal computed <== MerkleRoot(D)(leaf, index, siblings);
    root === computed;
}
