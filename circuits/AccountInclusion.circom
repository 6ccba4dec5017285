pragma circom 2.2.0;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "lib/MerkleRoot.circom";

/**
 * @title AccountInclusion
 * @notice Proves knowledge of one venue account (traderSecret, salt, holding words) whose leaf
 *         leaf = Poseidon(owner, venueId, words…), owner = Poseidon(traderSecret, salt) (docs/DESIGN.md §4,
 *         prover/commitments.ts accountLeaf/ownerHash) sits in the venue's public arity-4 account root.
 *         The "leaf" instance proves the build pipeline end to end; MarginProof repeats these checks per venue slot
 *         (VenueSlot), where the words are packed from range-checked holdings.
 * @param W holding words per account (compile-time), 1..14 (one Poseidon(2 + W) permutation)
 * @param D depth of the arity-4 tree (compile-time), 1..16
 * @input root public: the venue's account root for the epoch
 * @input venueId public: the venue's id, range-checked here to 32 bits and non-zero (0 marks an empty slot)
 * @input traderSecret private: the trader's secret; any field element (the owner hash binds it, no range applies)
 * @input salt private: the per-venue account salt; any field element (the owner hash binds it)
 * @input words[W] private: the account's holding words; free field elements here (the leaf binds them; their
 *        packing is range-checked where they are used, in VenueSlot)
 * @input index private: the leaf index; range-checked to 2·D bits by MerkleRoot
 * @input siblings[D][3] private: Merkle path, leaf level up; free field elements (the root binds them)
 */
template AccountInclusion(W, D) {
    assert(W >= 1 && W <= 14 && D >= 1 && D <= 16);
    signal input root;
    signal input venueId;
    signal input traderSecret;
    signal input salt;
    signal input words[W];
    signal input index;
    signal input siblings[D][3];

    // Check (1): venueId < 2^32 (lib/Scales.circom VENUE_ID_BITS) and venueId ≠ 0 (0 is reserved for empty slots).
    signal venueIdBits[32] <== Num2Bits(32)(venueId);
    signal venueIdIsZero <== IsZero()(venueId);
    venueIdIsZero === 0;

    // Check (2): owner = Poseidon(traderSecret, salt).
    signal owner <== Poseidon(2)([traderSecret, salt]);

    // Check (3): leaf = Poseidon(owner, venueId, words…).
    component h = Poseidon(2 + W);
    h.inputs[0] <== owner;
    h.inputs[1] <== venueId;
    for (var w = 0; w < W; w++) h.inputs[2 + w] <== words[w];

    // Check (4): the leaf at `index` (2·D bits, checked in MerkleRoot) hashes up to the public root.
    signal computedRoot <== MerkleRoot(D)(h.out, index, siblings);
    root === computedRoot;
}
