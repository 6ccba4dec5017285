pragma circom 2.2.0;

include "lib/BoundedRange.circom";
include "lib/Sponge.circom";
include "lib/Scales.circom";

/**
 * @title RiskParamsHash
 * @notice Range-checks the governance risk parameters (SPEC.md §3) and hashes them as prover/commitments.ts
 *         riskParamsHash does: Poseidon(8)-sponge over H[0..A), B[0..A), M (k-major), U (k-major), W[0..K), G.
 * @param A number of assets
 * @param K number of stress scenarios
 * @input haircut[A] ppm, checked ∈ [0, 10^6]
 * @input debtAddOn[A] ppm, checked ∈ [0, 10^6]
 * @input moves[K][A] ppm of the scan range, checked ∈ [−3·10^6, 3·10^6]
 * @input volDirs[K][A] checked ∈ {−1, 0, 1}
 * @input weights[K] ppm, checked ∈ [0, 10^6]
 * @input grossCharge ppm, checked ∈ [0, 10^6]
 * @output hash the risk-params hash
 * Cost: 80·A + 48·K·A + 40·K + 40 range-check constraints + ceil((2A + 2KA + K + 1) / 7) Poseidon(8) calls
 *       (≈ 393 each); measured (--O2): 3,023 for A = 3, K = 4; 24,330 for A = 8, K = 16 (the largest part of prod).
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

    var LEN = 2 * A + 2 * K * A + K + 1;
    signal fields[LEN];
    signal dirSquare[K][A];
    for (var a = 0; a < A; a++) {
        // Check (1): haircut and debt add-on ∈ [0, 10^6] ppm.
        BoundedRange(20, 0, PPM_ONE())(haircut[a]);
        BoundedRange(20, 0, PPM_ONE())(debtAddOn[a]);
        fields[a] <== haircut[a];
        fields[A + a] <== debtAddOn[a];
    }
    for (var k = 0; k < K; k++) {
        for (var a = 0; a < A; a++) {
            // Check (2): move ∈ [−3·10^6, 3·10^6] ppm of the scan range (6·10^6 < 2^23).
            BoundedRange(23, -MAX_MOVE(), MAX_MOVE())(moves[k][a]);
            // Check (3): vol direction ∈ {−1, 0, 1}: U³ = U.
            dirSquare[k][a] <== volDirs[k][a] * volDirs[k][a];
            dirSquare[k][a] * volDirs[k][a] === volDirs[k][a];
            fields[2 * A + k * A + a] <== moves[k][a];
            fields[2 * A + K * A + k * A + a] <== volDirs[k][a];
        }
        // Check (4): weight ∈ [0, 10^6] ppm.
        BoundedRange(20, 0, PPM_ONE())(weights[k]);
        fields[2 * A + 2 * K * A + k] <== weights[k];
    }
    // Check (5): gross-notional charge ∈ [0, 10^6] ppm.
    BoundedRange(20, 0, PPM_ONE())(grossCharge);
    fields[LEN - 1] <== grossCharge;
    // (6) The digest the caller compares with the public riskParamsHash.
    hash <== Sponge(LEN, 8)(fields);
}
