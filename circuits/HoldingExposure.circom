pragma circom 2.2.0;

include "circomlib/circuits/bitify.circom";
include "lib/OneHot.circom";
include "lib/SignedRange.circom";
include "lib/Scales.circom";

/**
 * @title HoldingExposure
 * @notice Range-checks one holding slot and spreads its exposure over the A assets through a one-hot selector on
 *         the private asset index, so that the scenarios later cost products per asset, not per holding (docs/DESIGN.md §3,
 *         model v2). Spot and linear holdings use delta = 1, gamma = vega = 0 whatever they commit; only options
 *         use their greeks. All-zero (padding) slots contribute exactly zero. The range checks are also the widths
 *         that make the holding words of VenueSlot injective.
 * @param A number of assets (compile-time)
 * @input fields[8] the holding in HOLDING_FIELDS order: asset, kind, size, entryPrice, mark, delta, gamma, vega
 *        (units in prover/model.ts); every one is range-checked here; entryPrice must be 0 unless the holding is
 *        linear and mark 0 unless it is an option; an option's |delta| ≤ 10^8 (model v2)
 * @input noGammaGain the model v2 flag; caller must enforce noGammaGain ∈ {0, 1}
 * @output deltaUnits[A]   per-asset delta exposure, size·delta (delta at DELTA_ONE = 10^8); |·| < 2^95
 * @output gammaUnits[A]   per-asset cash gamma, size·gamma (options only; 0 when noGammaGain and size·gamma > 0);
 *                         |·| < 2^126
 * @output netUnits[A]     per-asset 10^6·size of a spot or linear holding (else 0); |·| < 2^83
 * @output spotLong[A]     per-asset size of a spot holding with size ≥ 0 (else 0); 0 ≤ · < 2^63
 * @output spotShort[A]    per-asset size of a spot holding with size < 0 (else 0); −2^63 ≤ · ≤ 0
 * @output grossUnits[A]   per-asset |size| (all kinds; the gross notional is P·grossUnits); 0 ≤ · ≤ 2^63
 * @output shortOptUnits[A] per-asset |size| of a short option (else 0); 0 ≤ · ≤ 2^63
 * @output grossVega[A]    per-asset |size·vega| of an option (else 0); 0 ≤ · ≤ 2^126
 * @output cashValue       size·mark (option) − size·entryPrice (linear); |·| < 2^127
 * Cost (--O2, measured): 355 for A = 3, 400 for A = 8 (with net vega for the scenarios' vol moves: 357, 407; v1: 323,
 *       358): range checks 64 (size) + 64 (entry price or mark) + 32 (delta) + 2·64 (gamma, vega) + 27 (option
 *       |delta| ≤ 1), one-hot bits A + 3, 2 zero checks, 16 products, 8·(A − 1) spread products. The scenarios move
 *       no vol (vega is charged gross), so no net vega is spread.
 */
template HoldingExposure(A) {
    assert(A >= 1 && A <= 64);
    signal input fields[HOLDING_FIELD_COUNT()];
    signal input noGammaGain;
    signal output deltaUnits[A];
    signal output gammaUnits[A];
    signal output netUnits[A];
    signal output spotLong[A];
    signal output spotShort[A];
    signal output grossUnits[A];
    signal output shortOptUnits[A];
    signal output grossVega[A];
    signal output cashValue;

    signal size <== fields[F_SIZE()];
    signal entryPrice <== fields[F_ENTRY()];
    signal mark <== fields[F_MARK()];
    signal delta <== fields[F_DELTA()];
    signal gamma <== fields[F_GAMMA()];
    signal vega <== fields[F_VEGA()];

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

    // Check (5): |delta| < 2^31, |gamma| < 2^63, |vega| < 2^63 (signed), whatever the kind; the sign bits are kept.
    signal deltaNonNeg <== SignedRange(DELTA_BITS())(delta);
    signal gammaNonNeg <== SignedRange(GREEK_BITS())(gamma);
    signal vegaNonNeg <== SignedRange(GREEK_BITS())(vega);

    // Check (6): an option's |delta| ≤ DELTA_ONE (model v2: sizes in underlying units), as
    //            isOption·(10^8 − |delta|) ∈ [0, 2^27): a negative value wraps to p − x and has no 27-bit form.
    signal absDelta <== (2 * deltaNonNeg - 1) * delta;                 // [0, 2^31]
    signal deltaRoom <== isOption * (DELTA_ONE() - absDelta);
    _ <== Num2Bits(OPTION_DELTA_BITS())(deltaRoom);

    // (7) Per-holding products. Bounds use |size| < 2^63, prices < 2^64, |delta| < 2^31, |gamma|,|vega| < 2^63.
    signal absSize <== (2 * sizeNonNeg - 1) * size;                 // 0 ≤ · ≤ 2^63
    signal optionSize <== isOption * size;                         // |·| ≤ 2^63
    signal spotSize <== isSpot * size;                             // |·| ≤ 2^63
    signal spotLongSize <== sizeNonNeg * spotSize;                 // [0, 2^63)
    signal shortOptSize <== (sizeNonNeg - 1) * optionSize;         // |size| of a short option, else 0: [0, 2^63]
    // delta exposure: DELTA_ONE·size for spot and linear, size·delta for options
    signal optionDelta <== optionSize * delta;                     // |·| < 2^94
    var deltaScalar = DELTA_ONE() * (size - optionSize) + optionDelta; // |·| < 2^63·10^8 + 2^94 < 2^95
    signal gammaRaw <== optionSize * gamma;                        // |·| < 2^126
    // model v2: size·gamma > 0 iff the signs agree (a zero factor makes the product 0 either way); with noGammaGain
    // such a gain is dropped: gammaScalar = gammaRaw·(1 − noGammaGain·[signs agree]).
    signal gammaSigns <== sizeNonNeg * gammaNonNeg;
    signal gammaDrop <== noGammaGain * (1 - sizeNonNeg - gammaNonNeg + 2 * gammaSigns);
    signal gammaScalar <== gammaRaw - gammaRaw * gammaDrop;        // |·| < 2^126
    signal vegaScalar <== optionSize * vega;                       // |·| < 2^126 (only its absolute value is used)
    // |size·vega| = ±vegaScalar, + iff the signs agree
    signal vegaSigns <== sizeNonNeg * vegaNonNeg;
    signal grossVegaScalar <== (1 - 2 * sizeNonNeg - 2 * vegaNonNeg + 4 * vegaSigns) * vegaScalar; // [0, 2^126]
    var netScalar = PPM_ONE() * (size - optionSize);               // |·| < 2^83
    // option: size·mark; linear: −size·entryPrice (the other one is 0 by Check (4)); |·| < 2^127
    cashValue <== size * (mark - entryPrice);

    // (8) Spread over assets through the selector: out[a] = sel[a]·x for a < A − 1 (8·(A − 1) products), and the
    //     last one linear, out[A−1] = x − Σ_{a<A−1} out[a], because the selector sums to 1 (OneHot Check 2).
    var scalars[8] = [deltaScalar, gammaScalar, netScalar, spotLongSize, spotSize - spotLongSize, absSize, shortOptSize,
                      grossVegaScalar];
    signal spread[8][A];
    for (var q = 0; q < 8; q++) {
        var rest = scalars[q];
        for (var a = 0; a < A - 1; a++) {
            spread[q][a] <== sel[a] * scalars[q];
            rest -= spread[q][a];
        }
        spread[q][A - 1] <== rest;
    }
    deltaUnits <== spread[0];
    gammaUnits <== spread[1];
    netUnits <== spread[2];
    spotLong <== spread[3];
    spotShort <== spread[4];
    grossUnits <== spread[5];
    shortOptUnits <== spread[6];
    grossVega <== spread[7];
}
