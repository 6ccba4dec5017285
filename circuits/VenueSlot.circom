pragma circom 2.2.0;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/comparators.circom";
include "lib/Sponge.circom";
include "lib/MerkleRoot.circom";
include "lib/Scales.circom";

/**
 * @title VenueSlot
 * @notice One venue slot of the proof (SPEC.md §4): binds the slot's holdings to the trader's account leaf in the
 *         venue's published root and exposes the account's nullifier for the epoch. A slot is active iff its root
 *         is non-zero; an inactive slot must carry venueId 0, nullifier 0 and all-zero holdings.
 *           owner       = Poseidon(traderSecret, salt)
 *           commitment  = Sponge16(all 8·N holding fields, padding included)   (prover/commitments.ts)
 *           leaf        = Poseidon(owner, commitment, venueId)
 *           nullifier   = Poseidon(traderSecret, salt, epoch)
 * @param N holding slots per venue
 * @param D venue tree depth
 * @input root public venue root for the epoch (0 = inactive slot)
 * @input venueId public venue id; caller must enforce its range and the ordering between slots
 * @input nullifier public nullifier of this slot
 * @input epoch public epoch; caller must enforce its range
 * @input traderSecret, salt private field elements (hashed only, no range needed)
 * @input leafIndex private leaf position, range-checked to D bits in MerkleRoot
 * @input siblings[D] private Merkle path (free field elements bound by the root)
 * @input holdings[N][8] private holdings; caller must range-check them (HoldingExposure) — here they are only hashed
 * @output active 1 iff root ≠ 0
 * Cost (--O2, measured): 2,956 for N = 3, D = 4; 8,680 for N = 8, D = 20. Poseidon(2) owner ≈ 240, two Poseidon(3)
 *       (leaf, nullifier) ≈ 2·264, ceil(8N / 15) Poseidon(16) ≈ 609 each for the holdings sponge, D·(243 + 1) for the
 *       path, 8·N zero checks for an inactive slot. Per holding slot: 8/15·609 + 8 ≈ 333 on average.
 */
template VenueSlot(N, D) {
    assert(N >= 1 && D >= 1 && D <= 32);
    var F = HOLDING_FIELD_COUNT();
    signal input root;
    signal input venueId;
    signal input nullifier;
    signal input epoch;
    signal input traderSecret;
    signal input salt;
    signal input leafIndex;
    signal input siblings[D];
    signal input holdings[N][F];
    signal output active;

    // Check (1): active = (root ≠ 0).
    signal rootIsZero <== IsZero()(root);
    active <== 1 - rootIsZero;

    // Check (2): the account leaf of these holdings is in the venue root (when active).
    signal owner <== Poseidon(2)([traderSecret, salt]);
    signal flat[N * F];
    for (var i = 0; i < N; i++) {
        for (var f = 0; f < F; f++) {
            flat[i * F + f] <== holdings[i][f];
        }
    }
    signal commitment <== Sponge(N * F, 16)(flat);
    signal leaf <== Poseidon(3)([owner, commitment, venueId]);
    signal computedRoot <== MerkleRoot(D)(leaf, leafIndex, siblings);
    active * (computedRoot - root) === 0;

    // Check (3): nullifier = Poseidon(traderSecret, salt, epoch) when active, 0 when inactive.
    signal computedNullifier <== Poseidon(3)([traderSecret, salt, epoch]);
    nullifier === active * computedNullifier;

    // Check (4): an inactive slot has venueId 0 and all-zero holdings (so it contributes nothing).
    signal inactive <== 1 - active;
    inactive * venueId === 0;
    for (var i = 0; i < N; i++) {
        for (var f = 0; f < F; f++) {
            inactive * holdings[i][f] === 0;
        }
    }
}
