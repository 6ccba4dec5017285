pragma circom 2.2.0;

include "circomlib/circuits/bitify.circom";
include "lib/OneHot.circom";
include "lib/SignedRange.circom";
include "lib/Scales.circom";

/**
 * @title HoldingExposure
 * @notice Range-checks one holding slot and spreads its exposure over the A assets through a one-hot selector on
 *         the private asset index, so that the scenarios later cost K·A products instead of K·V·N.
 *         Spot and linear holdings use delta = 1, gamma = vega = 0 whatever they commit; only options use their greeks.
 *         All-zero (padding) slots contribute exactly zero.
 * @param A number of assets (compile-time)
 * @input fields[8] the holding in HOLDING_FIELDS order: asset, kind, size, entryPrice, mark, delta, gamma, vega
 *        (units in prover/model.ts); every one is range-checked here; entryPrice must be 0 unless the holding is
 *        linear and mark 0 unless it is an option
 * @input grossCharge G in ppm; caller must enforce 0 ≤ G ≤ 10^6
 * @output deltaUnits[A]  per-asset delta exposure, size·delta (delta at DELTA_ONE = 10^8); |·| < 2^95
 * @output gammaUnits[A]  per-asset cash gamma, size·gamma (options only); |·| < 2^126
 * @output vegaUnits[A]   per-asset vega, size·vega (options only); |·| < 2^126
 * @output netUnits[A]    per-asset 10^6·size (spot and linear) − G·|size| (all kinds); |·| < 2^84
 * @output spotLong[A]    per-asset size of a spot holding with size ≥ 0 (else 0); 0 ≤ · < 2^63
 * @output spotShort[A]   per-asset size of a spot holding with size < 0 (else 0); −2^63 ≤ · ≤ 0
 * @output cashValue      size·mark (option) − size·entryPrice (linear); |·| < 2^127
 * Cost: 302 + 7·A constraints (--O2, measured: 323 for A = 3, 358 for A = 8): range checks 64 (size) + 64 (entry
 *       price or mark) + 32 (delta) + 2·64 (gamma, vega), one-hot bits A + 3, 2 zero checks, 9 products, 6·A selector
 *       products.
 */
template HoldingExposure(A) {
    assert(A >= 1 && A <= 64);
    signal input fields[HOLDING_FIELD_COUNT()];
    signal input grossCharge;
    signal output deltaUnits[A];
    signal output gammaUnits[A];
    signal output vegaUnits[A];
    signal output netUnits[A];
    signal output spotLong[A];
    signal output spotShort[A];
    signal output cashValue;

    signal size <== fields[F_SIZE()];
    signal entryPrice <== fields[F_ENTRY()];
    signal mark <== fields[F_MARK()];

    // Check (1): asset ∈ [0, A), as a one-hot selector (A constraints).
    signal sel[A] <== OneHot(A)(fields[F_ASSET()]);

    // Check (2): kind ∈ {spot = 0, linear = 1, option = 2}, as a one-hot selector (3 constraints).
    signal kindSel[3] <== OneHot(3)(fields[F_KIND()]);
    signal isSpot <== kindSel[0];
    signal isLinear <== kindSel[1];
    signal isOption <== kindSel[2];

    // Check (3): |size| < 2^63 (signed, via size + 2^63 ∈ [0, 2^64)); the top bit is the sign.
    signal sizeNonNeg <== SignedRange(SIZE_BITS())(size);

    // Check (4): entryPrice is 0 unless linear, mark is 0 unless option (prover/types.ts), so at most one of them is
    //            non-zero and a single range check of their sum bounds both: entryPrice, mark ∈ [0, 2^64).
    (1 - isLinear) * entryPrice === 0;
    (1 - isOption) * mark === 0;
    _ <== Num2Bits(PRICE_BITS())(entryPrice + mark);

    // Check (5): |delta| < 2^31, |gamma| < 2^63, |vega| < 2^63 (signed), whatever the kind.
    _ <== SignedRange(DELTA_BITS())(fields[F_DELTA()]);
    _ <== SignedRange(GREEK_BITS())(fields[F_GAMMA()]);
    _ <== SignedRange(GREEK_BITS())(fields[F_VEGA()]);

    // (6) Per-holding products. Bounds use |size| < 2^63, prices < 2^64, |delta| < 2^31, |gamma|,|vega| < 2^63.
    signal absSize <== (2 * sizeNonNeg - 1) * size;                 // 0 ≤ · < 2^63
    signal optionSize <== isOption * size;                         // |·| < 2^63
    signal spotSize <== isSpot * size;                             // |·| < 2^63
    signal spotLongSize <== sizeNonNeg * spotSize;                 // [0, 2^63)
    // delta exposure: DELTA_ONE·size for spot and linear, size·delta for options
    signal optionDelta <== optionSize * fields[F_DELTA()];         // |·| < 2^94
    signal deltaScalar <== DELTA_ONE() * (size - optionSize) + optionDelta; // |·| < 2^63·10^8 + 2^94 < 2^95
    signal gammaScalar <== optionSize * fields[F_GAMMA()];         // |·| < 2^126
    signal vegaScalar <== optionSize * fields[F_VEGA()];           // |·| < 2^126
    signal grossScalar <== grossCharge * absSize;                  // [0, 10^6·2^63) ⊂ [0, 2^83)
    signal netScalar <== PPM_ONE() * (size - optionSize) - grossScalar; // |·| < 2^84
    // option: size·mark; linear: −size·entryPrice (the other one is 0 by Check (4)); |·| < 2^127
    cashValue <== size * (mark - entryPrice);

    // (7) Spread over assets through the selector: one product per asset and quantity (6·A constraints).
    for (var a = 0; a < A; a++) {
        deltaUnits[a] <== sel[a] * deltaScalar;
        gammaUnits[a] <== sel[a] * gammaScalar;
        vegaUnits[a] <== sel[a] * vegaScalar;
        netUnits[a] <== sel[a] * netScalar;
        spotLong[a] <== sel[a] * spotLongSize;
        spotShort[a] <== sel[a] * (spotSize - spotLongSize);
    }
}
