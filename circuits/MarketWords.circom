pragma circom 2.2.0;

include "circomlib/circuits/bitify.circom";
include "lib/Pack.circom";
include "lib/Scales.circom";

/// Number of market words for A assets (the layout of MarketWords).
function marketWordCount(A) {
    var LEN = 3 * A;
    assert(LEN <= 768);
    var widths[768];
    for (var a = 0; a < A; a++) {
        widths[a] = PRICE_BITS();
        widths[A + a] = 20;
        widths[2 * A + a] = 20;
    }
    return packWordCount(LEN, widths);
}

/**
 * @title MarketWords
 * @notice The packed market snapshot of prover/commitments.ts marketWords: P[0..A) (64 bits each), S[0..A), Σ[0..A)
 *         (20 bits each) packed greedily into 248-bit words (lib/Pack.circom). The words enter the context hash.
 *         Range checks are single-sided, for injectivity only: OracleHub checks the exact ranges (S, Σ ≤ 10^6) before
 *         it hashes a snapshot, and the context hash binds these values to that snapshot.
 * @param A number of assets
 * @input price[A] USD × 1e8; checked < 2^64
 * @input scanRange[A] ppm of price; checked < 2^20 (OracleHub: ≤ 10^6)
 * @input volShock[A] absolute vol change in ppm (10^6 = σ + 1.0); checked < 2^20 (OracleHub: ≤ 10^6)
 * @output words[MW] the market words (2 for A = 3, 4 for A = 8)
 * Cost: A·(64 + 20 + 20) range-check constraints; the packing is linear (free). Measured (--O2): 312 for A = 3,
 *       832 for A = 8.
 */
template MarketWords(A) {
    assert(A >= 1);
    // Packing layout, in prover/commitments.ts marketPackValues order.
    var LEN = 3 * A;
    var widths[LEN];
    for (var a = 0; a < A; a++) {
        widths[a] = PRICE_BITS();
        widths[A + a] = 20;
        widths[2 * A + a] = 20;
    }
    var MW = packWordCount(LEN, widths);

    signal input price[A];
    signal input scanRange[A];
    signal input volShock[A];
    signal output words[MW];

    component pack = PackWords(LEN, widths);
    for (var a = 0; a < A; a++) {
        // Check (1): price < 2^64.
        _ <== Num2Bits(PRICE_BITS())(price[a]);
        // Check (2): scan range < 2^20.
        _ <== Num2Bits(20)(scanRange[a]);
        // Check (3): vol shock < 2^20.
        _ <== Num2Bits(20)(volShock[a]);
        pack.in[a] <== price[a];
        pack.in[A + a] <== scanRange[a];
        pack.in[2 * A + a] <== volShock[a];
    }
    // (4) Each value is < 2^width by checks (1)-(3), so the packing is injective.
    words <== pack.out;
}
