pragma circom 2.2.0;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/comparators.circom";
include "lib/Sponge.circom";
include "lib/MerkleRoot.circom";
include "lib/Pack.circom";
include "lib/Scales.circom";

/**
 * @title VenueSlot
 * @notice One venue slot of the proof (docs/DESIGN.md §4): binds the slot's holdings to the trader's account leaf in
 *         the venue's published root. A slot is active iff its root is non-zero; an inactive slot must carry venueId 0
 *         and the all-zero holdings.
 *           owner  = Poseidon(traderSecret, salt)
 *           words  = the N·7 holding values (asset, kind, size + 2^63, entryPrice + mark, delta + 2^31,
 *                    gamma + 2^63, vega + 2^63) packed greedily into W 248-bit words (lib/Pack.circom)
 *           leaf   = Poseidon(owner, venueId, words…)  (a Poseidon(16)-sponge if 2 + W > 16)
 * @param N holding slots per venue
 * @param A assets (the asset's packed width is ⌈log2 A⌉)
 * @param D depth of the arity-4 venue tree
 * @input root public venue root for the epoch (0 = inactive slot)
 * @input venueId venue id; caller must enforce its range and the ordering between slots
 * @input traderSecret, salt private field elements (hashed only, no range needed)
 * @input leafIndex private leaf position, range-checked to 2·D bits in MerkleRoot
 * @input siblings[D][3] private Merkle path (free field elements bound by the root)
 * @input holdings[N][8] private holdings in HOLDING_FIELDS order; caller must range-check every packed value to its
 *        width and enforce that entryPrice = 0 unless linear and mark = 0 unless option (HoldingExposure does both):
 *        that is what makes the words injective
 * @output active 1 iff root ≠ 0
 * Cost (--O2, measured): 2,730 for N = 3, A = 3, D = 7; 3,838 for N = 8, A = 8, D = 10. Poseidon(2) owner 240,
 *       leaf Poseidon(6) / Poseidon(13), D levels of Poseidon(4) plus 5 placement products and 2 index bits,
 *       W + 1 inactive-slot checks. The words are linear combinations of the holdings: free.
 */
template VenueSlot(N, A, D) {
    assert(N >= 1 && A >= 1 && D >= 1 && D <= 16);
    var F = HOLDING_FIELD_COUNT();
    var P = HOLDING_PACK_COUNT();
    var LEN = N * P;
    var widths[LEN];
    for (var i = 0; i < N; i++) {
        for (var j = 0; j < P; j++) widths[i * P + j] = holdingPackWidth(A, j);
    }
    var W = packWordCount(LEN, widths);

    signal input root;
    signal input venueId;
    signal input traderSecret;
    signal input salt;
    signal input leafIndex;
    signal input siblings[D][3];
    signal input holdings[N][F];
    signal output active;

    // Check (1): active = (root ≠ 0).
    signal rootIsZero <== IsZero()(root);
    active <== 1 - rootIsZero;

    // Check (2): the account leaf of these holdings is in the venue root (when active).
    signal owner <== Poseidon(2)([traderSecret, salt]);
    component pack = PackWords(LEN, widths);
    for (var i = 0; i < N; i++) {
        pack.in[i * P + 0] <== holdings[i][F_ASSET()];
        pack.in[i * P + 1] <== holdings[i][F_KIND()];
        pack.in[i * P + 2] <== holdings[i][F_SIZE()] + emptyHoldingOffset(2);
        pack.in[i * P + 3] <== holdings[i][F_ENTRY()] + holdings[i][F_MARK()];
        pack.in[i * P + 4] <== holdings[i][F_DELTA()] + emptyHoldingOffset(4);
        pack.in[i * P + 5] <== holdings[i][F_GAMMA()] + emptyHoldingOffset(5);
        pack.in[i * P + 6] <== holdings[i][F_VEGA()] + emptyHoldingOffset(6);
    }
    signal leaf;
    if (2 + W <= 16) {
        component h = Poseidon(2 + W);
        h.inputs[0] <== owner;
        h.inputs[1] <== venueId;
        for (var w = 0; w < W; w++) h.inputs[2 + w] <== pack.out[w];
        leaf <== h.out;
    } else {
        component s = Sponge(2 + W, 16);
        s.in[0] <== owner;
        s.in[1] <== venueId;
        for (var w = 0; w < W; w++) s.in[2 + w] <== pack.out[w];
        leaf <== s.out;
    }
    signal computedRoot <== MerkleRoot(D)(leaf, leafIndex, siblings);
    active * (computedRoot - root) === 0;

    // Check (3): an inactive slot has venueId 0 and the words of N padding holdings, i.e. (the packing being
    //            injective) exactly the all-zero holdings, so it contributes nothing.
    var empty[W];
    for (var w = 0; w < W; w++) empty[w] = 0;
    for (var i = 0; i < LEN; i++) empty[packWord(LEN, widths, i)] += emptyHoldingOffset(i % P) * 2 ** packShift(LEN, widths, i);
    signal inactive <== 1 - active;
    inactive * venueId === 0;
    for (var w = 0; w < W; w++) {
        inactive * (pack.out[w] - empty[w]) === 0;
    }
}
