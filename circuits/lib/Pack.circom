pragma circom 2.2.0;

// Compile-time layout of the greedy word packing of prover/hash.ts (packLayout, packWords): values of bit widths
// widths[0..n) fill words of at most PACK_WORD_BITS() bits little-endian, in order; a value that does not fit in the
// current word starts a new one (no value straddles two words). A word is Σ offsetValue_i · 2^shift_i, a linear
// combination of range-checked signals: free in R1CS. Injective because every offset value is proven < 2^width_i by
// the caller, the bit fields do not overlap and every word is < 2^248 < p.

/// Bits per packed word (prover/hash.ts PACK_WORD_BITS, verifier-contracts/lib/WordPacker.sol WORD_BITS).
function PACK_WORD_BITS() { return 248; }

/// Word index of value i in the greedy layout of widths[0..n).
function packWord(n, widths, i) {
    var word = 0;
    var used = 0;
    for (var j = 0; j <= i; j++) {
        assert(widths[j] >= 1 && widths[j] <= PACK_WORD_BITS());
        if (used + widths[j] > PACK_WORD_BITS()) {
            word += 1;
            used = 0;
        }
        if (j < i) used += widths[j];
    }
    return word;
}

/// Bit position of value i inside its word in the greedy layout of widths[0..n).
function packShift(n, widths, i) {
    var used = 0;
    for (var j = 0; j <= i; j++) {
        if (used + widths[j] > PACK_WORD_BITS()) used = 0;
        if (j < i) used += widths[j];
    }
    return used;
}

/// Number of words the greedy layout of widths[0..n) uses (n ≥ 1).
function packWordCount(n, widths) {
    return packWord(n, widths, n - 1) + 1;
}

/**
 * @title PackWords
 * @notice The packed words of LEN offset values of widths WIDTHS[0..LEN), as prover/hash.ts packWords.
 * @param LEN number of values (≥ 1)
 * @param WIDTHS bit width of each value, 1..248
 * @input in[LEN] offset values (value − min); caller must enforce in[i] ∈ [0, 2^WIDTHS[i]) — that is what makes the
 *        packing injective — unless in[i] is alone in its word (then the hash binds the whole field element)
 * @output out[packWordCount(LEN, WIDTHS)] the words
 * Cost: 0 (linear combinations, folded by --O2).
 */
template PackWords(LEN, WIDTHS) {
    assert(LEN >= 1);
    var WORDS = packWordCount(LEN, WIDTHS);
    signal input in[LEN];
    signal output out[WORDS];

    var acc[WORDS];
    for (var w = 0; w < WORDS; w++) acc[w] = 0;
    for (var i = 0; i < LEN; i++) {
        var shift = packShift(LEN, WIDTHS, i);
        assert(shift + WIDTHS[i] <= PACK_WORD_BITS());
        acc[packWord(LEN, WIDTHS, i)] += in[i] * 2 ** shift;
    }
    for (var w = 0; w < WORDS; w++) out[w] <== acc[w];
}
