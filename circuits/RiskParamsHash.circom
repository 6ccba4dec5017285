pragma circom 2.2.0;

include "lib/BoundedRange.circom";
include "lib/Pack.circom";
include "lib/Sponge.circom";
include "lib/Scales.circom";

/**
 * @title RiskParamsHash
 * @notice Range-checks the governance risk parameters (SPEC.md §3) and hashes them as prover/commitments.ts
 *         riskParamsHash does: the offset values H[0..A), B[0..A) (20 bits), M + 3·10^6 (k-major, 23 bits),
 *         U + 1 (k-major, 2 bits), W[0..K), G (20 bits) packed greedily into 248-bit words (lib/Pack.circom),
 *         then the Poseidon(8)-sponge over the words.
 * @param A number of assets
 * @param K number of stress scenarios
 * @input haircut[A] ppm, checked ∈ [0, 10^6]
 * @input debtAddOn[A] ppm, checked ∈ [0, 10^6]
 * @input moves[K][A] ppm of the scan range, checked ∈ [−3·10^6, 3·10^6]
 * @input volDirs[K][A] checked ∈ {−1, 0, 1}
 * @input weights[K] ppm, checked ∈ [0, 10^6]
 * @input grossCharge ppm, checked ∈ [0, 10^6]
 * @output hash the risk-params hash
 * Cost: 80·A + 48·K·A + 40·K + 40 range-check constraints + ceil(words / 7) Poseidon(8) calls (≈ 393 each), the
 *       packing is linear (free); words = 3 for A = 3, K = 4 and 17 for A = 8, K = 16.
 *       Measured (--O2): 1,403 for A = 3, K = 4; 8,655 for A = 8, K = 16.
 */
template RiskParamsHash(A, K) {
    assert(A >= 1 && K >= 1);
    signal input haircut[A];
    signal input debtAddOn[A];
    signal input moves[K][A];
    signal input volDirs[K][A];
    signal input weights[K];
    signal input grossCharge;
    signal output hash;

    // Packing layout, in prover/commitments.ts riskPackValues order.
    var LEN = 2 * A + 2 * K * A + K + 1;
    var widths[LEN];
    for (var i = 0; i < LEN; i++) widths[i] = 20;
    for (var i = 0; i < K * A; i++) {
        widths[2 * A + i] = 23;
        widths[2 * A + K * A + i] = 2;
    }
    var WORDS = packWordCount(LEN, widths);

    var offsetValue[LEN];
    signal dirSquare[K][A];
    for (var a = 0; a < A; a++) {
        // Check (1): haircut and debt add-on ∈ [0, 10^6] ppm (< 2^20).
        BoundedRange(20, 0, PPM_ONE())(haircut[a]);
        BoundedRange(20, 0, PPM_ONE())(debtAddOn[a]);
        offsetValue[a] = haircut[a];
        offsetValue[A + a] = debtAddOn[a];
    }
    for (var k = 0; k < K; k++) {
        for (var a = 0; a < A; a++) {
            // Check (2): move ∈ [−3·10^6, 3·10^6] ppm of the scan range, so M + 3·10^6 ∈ [0, 6·10^6] ⊂ [0, 2^23).
            BoundedRange(23, -MAX_MOVE(), MAX_MOVE())(moves[k][a]);
            // Check (3): vol direction ∈ {−1, 0, 1}: U³ = U, so U + 1 ∈ {0, 1, 2} ⊂ [0, 2^2).
            dirSquare[k][a] <== volDirs[k][a] * volDirs[k][a];
            dirSquare[k][a] * volDirs[k][a] === volDirs[k][a];
            offsetValue[2 * A + k * A + a] = moves[k][a] + MAX_MOVE();
            offsetValue[2 * A + K * A + k * A + a] = volDirs[k][a] + 1;
        }
        // Check (4): weight ∈ [0, 10^6] ppm (< 2^20).
        BoundedRange(20, 0, PPM_ONE())(weights[k]);
        offsetValue[2 * A + 2 * K * A + k] = weights[k];
    }
    // Check (5): gross-notional charge ∈ [0, 10^6] ppm (< 2^20).
    BoundedRange(20, 0, PPM_ONE())(grossCharge);
    offsetValue[LEN - 1] = grossCharge;
    // (6) Pack: each offset value is < 2^width by checks (1)-(5), so word = Σ value · 2^shift is injective.
    var acc[WORDS];
    for (var w = 0; w < WORDS; w++) acc[w] = 0;
    for (var i = 0; i < LEN; i++) {
        var shift = packShift(LEN, widths, i);
        assert(shift + widths[i] <= PACK_WORD_BITS());
        acc[packWord(LEN, widths, i)] += offsetValue[i] * 2 ** shift;
    }
    signal words[WORDS];
    for (var w = 0; w < WORDS; w++) words[w] <== acc[w];
    // (7) The digest the caller compares with the public riskParamsHash.
    hash <== Sponge(WORDS, 8)(words);
}
