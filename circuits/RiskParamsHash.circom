pragma circom 2.2.0;

include "circomlib/circuits/bitify.circom";
include "lib/Pack.circom";
include "lib/Sponge.circom";
include "lib/Scales.circom";

/**
 * @title RiskParamsHash
 * @notice The risk-parameters hash of prover/commitments.ts riskParamsHash: the offset values H[0..A), B[0..A),
 *         ρ[0..A) (20 bits), r + 10^6 [0..A) (21 bits), c[0..A) (CB = log2(K/2) bits), G (20 bits), then the model v2
 *         fields b[0..A), c[0..A) (20 bits), m[0..A) (22 bits), ω (20), noGammaGain (1), δ (20), packed greedily into
 *         248-bit words (lib/Pack.circom), then the Poseidon(8)-sponge over the words. The scenario set is its factor
 *         structure (docs/DESIGN.md §3): M[k][a] = ρ[a]·s[k][0] + r[a]·s[k][c[a]], which PortfolioMargin expands.
 *         Range checks are single-sided, for injectivity only: RiskParams.sol checks every exact range (H, B, G, ρ ≤
 *         10^6, |r| ≤ 10^6, c ∈ [1, K/2), m ≤ 3·10^6, …) before it hashes a version, and the context hash binds these
 *         values to that version. The in-circuit bounds (H, B, G, ρ, b, c, ω, δ < 2^20, r ∈ [−10^6, 2^21 − 10^6),
 *         c < 2^CB, m < 2^22) are what PortfolioMargin's overflow bounds use, so no wrap-around relies on governance.
 *         noGammaGain's 1-bit check makes it a boolean, as HoldingExposure needs; the bits of c are an output, so that
 *         the sign design reads the very bits the packing range-checked.
 * @param A number of assets
 * @param K number of stress scenarios, 2·2^m with m ≥ 1 (the sign design [H; −H], H of order K/2)
 * @input haircut[A], debtAddOn[A] ppm, checked < 2^20
 * @input factorLoading[A] ρ, ppm of the scan range, checked < 2^20
 * @input residualLoading[A] r = ±ψ, ppm of the scan range, checked r + 10^6 ∈ [0, 2^21)
 * @input residualColumn[A] c, checked < 2^CB = K/2
 * @input grossCharge ppm, checked < 2^20
 * @input basisCharge[A], concentration[A], vegaGross, venueDefault checked < 2^20; shortOptionMin[A] checked < 2^22;
 *        noGammaGain checked ∈ {0, 1}
 * @output hash the risk-params hash
 * @output residualColumnBits[A][CB] the binary digits of each c (least significant first), booleans
 * Cost: (143 + CB)·A + 61 range-check constraints + ceil(words / 7) Poseidon(8) calls (≈ 393 each), the packing is
 *       linear (free); words = 2 for A = 3, K = 4 and 6 for A = 8, K = 16 (one call each).
 *       Measured (--O2): 877 for A = 3, K = 4; 1,625 for A = 8, K = 16 (with the scenario table M, U, W:
 *       1,137 and 5,594).
 */
template RiskParamsHash(A, K) {
    var CB = scenarioColumnBits(K);
    assert(A >= 1 && CB >= 1 && (2 << CB) == K);
    // Packing layout, in prover/commitments.ts riskPackValues order.
    var COL = 4 * A;           // first residual column
    var V1 = 5 * A + 1;        // H, B, ρ, r, c, G
    var LEN = V1 + 3 * A + 3;  // + b, c, m, ω, noGammaGain, δ
    var widths[LEN];
    for (var i = 0; i < LEN; i++) widths[i] = 20;
    for (var a = 0; a < A; a++) {
        widths[3 * A + a] = 21;
        widths[COL + a] = CB;
        widths[V1 + 2 * A + a] = 22;
    }
    widths[LEN - 2] = 1;
    var WORDS = packWordCount(LEN, widths);

    signal input haircut[A];
    signal input debtAddOn[A];
    signal input factorLoading[A];
    signal input residualLoading[A];
    signal input residualColumn[A];
    signal input grossCharge;
    signal input basisCharge[A];
    signal input concentration[A];
    signal input shortOptionMin[A];
    signal input vegaGross;
    signal input noGammaGain;
    signal input venueDefault;
    signal output hash;
    signal output residualColumnBits[A][CB];

    signal offsetValue[LEN];
    for (var a = 0; a < A; a++) {
        offsetValue[a] <== haircut[a];
        offsetValue[A + a] <== debtAddOn[a];
        offsetValue[2 * A + a] <== factorLoading[a];
        offsetValue[3 * A + a] <== residualLoading[a] + MAX_LOADING();
        offsetValue[COL + a] <== residualColumn[a];
    }
    offsetValue[V1 - 1] <== grossCharge;
    for (var a = 0; a < A; a++) {
        offsetValue[V1 + a] <== basisCharge[a];
        offsetValue[V1 + A + a] <== concentration[a];
        offsetValue[V1 + 2 * A + a] <== shortOptionMin[a];
    }
    offsetValue[LEN - 3] <== vegaGross;
    offsetValue[LEN - 2] <== noGammaGain;
    offsetValue[LEN - 1] <== venueDefault;

    // Check (1): H, B, G < 2^20 and the factor structure ρ < 2^20, r + 10^6 < 2^21 (|r| < 2^20.07), one Num2Bits per
    //            value (the residual columns are Check (2)).
    for (var i = 0; i < V1; i++) {
        if (i < COL || i >= COL + A) {
            _ <== Num2Bits(widths[i])(offsetValue[i]);
        }
    }
    // Check (2): each residual column c < 2^CB = K/2; its bits are the output the sign design reads.
    for (var a = 0; a < A; a++) {
        residualColumnBits[a] <== Num2Bits(CB)(offsetValue[COL + a]);
    }
    // Check (3): model v2: b, c < 2^20, m < 2^22, ω < 2^20, noGammaGain ∈ {0, 1}, δ < 2^20 (one Num2Bits per value).
    for (var i = V1; i < LEN; i++) {
        _ <== Num2Bits(widths[i])(offsetValue[i]);
    }

    // (4) Each offset value is < 2^width, so the packing is injective; (5) the digest.
    hash <== Sponge(WORDS, 8)(PackWords(LEN, widths)(offsetValue));
}
