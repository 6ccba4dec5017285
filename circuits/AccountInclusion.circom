pragma circom 2.2.0;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "lib/MerkleRoot.circom";

/**
 * @title AccountInclusion
 * @notice Proves knowledge of one venue account (traderSecret, salt, holdingsCommitment) whose leaf
 *         leaf = Poseidon(owner, holdingsCommitment, venueId), owner = Poseidon(traderSecret, salt)
 *         (SPEC.md §4, prover/commitments.ts accountLeaf/ownerHash) sits in the venue's public account root.
 *         The "leaf" instance proves the build pipeline end to end; MarginProof repeats these checks per venue slot.
 * @param D account tree depth (compile-time), 1..32
 * @input root public: the venue's account root for the epoch
 * @input venueId public: the venue's id, range-checked here to 64 bits and nonzero (0 marks an empty slot)
 * @input traderSecret private: the trader's secret; any field element (the owner hash binds it, no range applies)
 * @input salt private: the per-venue account salt; any field element (the owner hash binds it)
 * @input holdingsCommitment private: Poseidon sponge over the account's holdings; any field element (the leaf binds it)
 * @input index private: the leaf index; range-checked to D bits by MerkleRoot
 * @input siblings[D] private: Merkle path, leaf level up; free field elements (the root binds them)
 * Cost (D=4): Poseidon(2) 240 + Poseidon(3) ≈ 260 + D·243 + D + 64 + 2 ≈ 1.5k constraints.
 */
template AccountInclusion(D) {
    assert(D >= 1 && D <= 32);
    signal input root;
    signal input venueId;
    signal input traderSecret;
    signal input salt;
    signal input holdingsCommitment;
    signal input index;
    signal input siblings[D];

    // Check (1): venueId < 2^64 (prover/statement.ts zU64) and venueId != 0 (0 is reserved for empty slots).
    signal venueIdBits[64] <== Num2Bits(64)(venueId);
    signal venueIdIsZero <== IsZero()(venueId);
    venueIdIsZero === 0;

    // Check (2): owner = Poseidon(traderSecret, salt).
    signal owner <== Poseidon(2)([traderSecret, salt]);

    // Check (3): leaf = Poseidon(owner, holdingsCommitment, venueId).
    signal leaf <== Poseidon(3)([owner, holdingsCommitment, venueId]);

    // Check (4): the leaf at `index` (D bits, checked in MerkleRoot) hashes up to the public root.
    signal computedRoot <== MerkleRoot(D)(leaf, index, siblings);
    root === computedRoot;
}
