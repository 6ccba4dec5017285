pragma circom 2.2.0;

include "circomlib/circuits/bitify.circom";
include "lib/Pack.circom";
include "lib/Sponge.circom";
include "lib/Scales.circom";

/**
 * @title RiskParamsHash
 * @notice The risk-parameters hash of prover/commitments.ts riskParamsHash (model v2 layout): the offset values
 *         H[0..A), B[0..A) (20 bits), M + 3·10^6 (k-major, 23 bits), U + 1 (k-major, 2 bits), W[0..K), G (20 bits),
 *         then the v2 fields b[0..A), c[0..A) (20 bits), m[0..A) (22 bits), ω (20), noGammaGain (1), δ (20),
 *         packed greedily into 248-bit words (lib/Pack.circom), then the Poseidon(8)-sponge over the words.
 *         Range checks are single-sided, for injectivity only: RiskParams.sol checks every exact range (H, B, W, G ≤
 *         10^6, |M| ≤ 3·10^6, U ∈ {−1, 0, 1}, m ≤ 3·10^6) before it hashes a version, and the context hash binds these
 *         values to that version. The in-circuit bounds (H, B, W, G, b, c, ω, δ < 2^20, m < 2^22,
 *         M ∈ [−3·10^6, 2^23 − 3·10^6), U ∈ [−1, 3)) are what PortfolioMargin's overflow bounds use, so no
 *         wrap-around relies on governance. noGammaGain's 1-bit check makes it a boolean, as HoldingExposure needs.
 * @param A number of assets
 * @param K number of stress scenarios
 * @input haircut[A], debtAddOn[A] ppm, checked < 2^20
 * @input moves[K][A] ppm of the scan range, checked M + 3·10^6 ∈ [0, 2^23)
 * @input volDirs[K][A] checked U + 1 ∈ [0, 4)
 * @input weights[K], grossCharge ppm, checked < 2^20
 * @input basisCharge[A], concentration[A], vegaGross, venueDefault checked < 2^20; shortOptionMin[A] checked < 2^22;
 *        noGammaGain checked ∈ {0, 1}
 * @output hash the risk-params hash
 * Cost: 40·A + 25·K·A + 20·K + 20 range-check constraints + ceil(words / 7) Poseidon(8) calls (≈ 393 each), the
 *       packing is linear (free), + 62·A + 41 for the v2 fields; words = 4 for A = 3, K = 4 and 19 for A = 8, K = 16.
 *       Measured (--O2): 1,137 for A = 3, K = 4; 5,594 for A = 8, K = 16 (v1 with two-sided checks: 1,403 and 8,655).
 */
template RiskParamsHash(A, K) {
    assert(A >= 1 && K >= 1);
    // Packing layout, in prover/commitments.ts riskPackValues order.
    var V1 = 2 * A + 2 * K * A + K + 1;
    var LEN = V1 + 3 * A + 3;
    var widths[LEN];
    for (var i = 0; i < LEN; i++) widths[i] = 20;
    for (var i = 0; i < K * A; i++) {
        widths[2 * A + i] = 23;
        widths[2 * A + K * A + i] = 2;
    }
    for (var a = 0; a < A; a++) widths[V1 + 2 * A + a] = 22;
    widths[LEN - 2] = 1;
    var WORDS = packWordCount(LEN, widths);

    signal input haircut[A];
    signal input debtAddOn[A];
    signal input moves[K][A];
    signal input volDirs[K][A];
    signal input weights[K];
    signal input grossCharge;
    signal input basisCharge[A];
    signal input concentration[A];
    signal input shortOptionMin[A];
    signal input vegaGross;
    signal input noGammaGain;
    signal input venueDefault;
    signal output hash;

    signal offsetValue[LEN];
    for (var a = 0; a < A; a++) {
        // Check (1): haircut and debt add-on < 2^20.
        offsetValue[a] <== haircut[a];
        offsetValue[A + a] <== debtAddOn[a];
    }
    for (var k = 0; k < K; k++) {
        for (var a = 0; a < A; a++) {
            // Check (2): move + 3·10^6 < 2^23.  Check (3): vol direction + 1 < 2^2.
            offsetValue[2 * A + k * A + a] <== moves[k][a] + MAX_MOVE();
            offsetValue[2 * A + K * A + k * A + a] <== volDirs[k][a] + 1;
        }
        // Check (4): weight < 2^20.
        offsetValue[2 * A + 2 * K * A + k] <== weights[k];
    }
    // Check (5): gross-notional charge < 2^20.
    offsetValue[V1 - 1] <== grossCharge;
    // Check (6), model v2: b, c < 2^20, m < 2^22, ω < 2^20, noGammaGain ∈ {0, 1}, δ < 2^20.
    for (var a = 0; a < A; a++) {
        offsetValue[V1 + a] <== basisCharge[a];
        offsetValue[V1 + A + a] <== concentration[a];
        offsetValue[V1 + 2 * A + a] <== shortOptionMin[a];
    }
    offsetValue[LEN - 3] <== vegaGross;
    offsetValue[LEN - 2] <== noGammaGain;
    offsetValue[LEN - 1] <== venueDefault;
    // Checks (1)-(6) as one Num2Bits per value: offsetValue[i] < 2^widths[i].
    for (var i = 0; i < LEN; i++) {
        _ <== Num2Bits(widths[i])(offsetValue[i]);
    }
    // (7) Each offset value is < 2^width, so the packing is injective; (8) the digest.
    hash <== Sponge(WORDS, 8)(PackWords(LEN, widths)(offsetValue));
}
