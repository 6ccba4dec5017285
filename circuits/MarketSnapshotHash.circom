pragma circom 2.2.0;

include "circomlib/circuits/bitify.circom";
include "lib/BoundedRange.circom";
include "lib/Pack.circom";
include "lib/Sponge.circom";
include "lib/Scales.circom";

/**
 * @title MarketSnapshotHash
 * @notice Range-checks the market snapshot (SPEC.md §3) and hashes it as prover/commitments.ts marketHash does:
 *         P[0..A) (64 bits each), S[0..A), Σ[0..A) (20 bits each) packed greedily into 248-bit words
 *         (lib/Pack.circom), then the Poseidon(8)-sponge over the words.
 * @param A number of assets
 * @input price[A] USD × 1e8; checked < 2^64
 * @input scanRange[A] ppm of price; checked ∈ [0, 10^6]
 * @input volShock[A] absolute vol change in ppm (10^6 = σ + 1.0, i.e. 100 vol points); checked ∈ [0, 10^6]
 * @output hash the market hash
 * Cost: A·(64 + 40 + 40) range-check constraints + ceil(words / 7) Poseidon(8) calls (≈ 393 each), the packing is
 *       linear (free); words = 2 for A = 3, 4 for A = 8. Measured (--O2): 816 for A = 3, 1,542 for A = 8.
 */
template MarketSnapshotHash(A) {
    assert(A >= 1);
    signal input price[A];
    signal input scanRange[A];
    signal input volShock[A];
    signal output hash;

    // Packing layout, in prover/commitments.ts marketPackValues order.
    var LEN = 3 * A;
    var widths[LEN];
    for (var a = 0; a < A; a++) {
        widths[a] = PRICE_BITS();
        widths[A + a] = 20;
        widths[2 * A + a] = 20;
    }
    var WORDS = packWordCount(LEN, widths);

    var offsetValue[LEN];
    for (var a = 0; a < A; a++) {
        // Check (1): price < 2^64.
        _ <== Num2Bits(PRICE_BITS())(price[a]);
        // Check (2): scan range ∈ [0, 10^6] ppm (< 2^20).
        BoundedRange(20, 0, PPM_ONE())(scanRange[a]);
        // Check (3): vol shock ∈ [0, 10^6] ppm (< 2^20).
        BoundedRange(20, 0, PPM_ONE())(volShock[a]);
        offsetValue[a] = price[a];
        offsetValue[A + a] = scanRange[a];
        offsetValue[2 * A + a] = volShock[a];
    }
    // (4) Pack: each value is < 2^width by checks (1)-(3), so word = Σ value · 2^shift is injective (lib/Pack.circom).
    var acc[WORDS];
    for (var w = 0; w < WORDS; w++) acc[w] = 0;
    for (var i = 0; i < LEN; i++) {
        var shift = packShift(LEN, widths, i);
        assert(shift + widths[i] <= PACK_WORD_BITS());
        acc[packWord(LEN, widths, i)] += offsetValue[i] * 2 ** shift;
    }
    signal words[WORDS];
    for (var w = 0; w < WORDS; w++) words[w] <== acc[w];
    // (5) The digest the caller compares with the public marketHash.
    hash <== Sponge(WORDS, 8)(words);
}
