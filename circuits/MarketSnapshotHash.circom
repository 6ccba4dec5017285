pragma circom 2.2.0;

include "circomlib/circuits/bitify.circom";
include "lib/BoundedRange.circom";
include "lib/Sponge.circom";
include "lib/Scales.circom";

/**
 * @title MarketSnapshotHash
 * @notice Range-checks the market snapshot (SPEC.md §3) and hashes it as prover/commitments.ts marketHash does:
 *         Poseidon(8)-sponge over P[0..A), S[0..A), Σ[0..A).
 * @param A number of assets
 * @input price[A] USD × 1e8; checked < 2^64
 * @input scanRange[A] ppm of price; checked ∈ [0, 10^6]
 * @input volShock[A] absolute vol change in ppm (10^6 = σ + 1.0, i.e. 100 vol points); checked ∈ [0, 10^6]
 * @output hash the market hash
 * Cost: A·(64 + 40 + 40) range-check constraints + ceil(3A / 7) Poseidon(8) calls (≈ 393 each);
 *       measured (--O2): 1,218 for A = 3, 2,745 for A = 8.
 */
template MarketSnapshotHash(A) {
    assert(A >= 1);
    signal input price[A];
    signal input scanRange[A];
    signal input volShock[A];
    signal output hash;

    signal fields[3 * A];
    for (var a = 0; a < A; a++) {
        // Check (1): price < 2^64.
        _ <== Num2Bits(PRICE_BITS())(price[a]);
        // Check (2): scan range ∈ [0, 10^6] ppm.
        BoundedRange(20, 0, PPM_ONE())(scanRange[a]);
        // Check (3): vol shock ∈ [0, 10^6] ppm.
        BoundedRange(20, 0, PPM_ONE())(volShock[a]);
        fields[a] <== price[a];
        fields[A + a] <== scanRange[a];
        fields[2 * A + a] <== volShock[a];
    }
    // (4) The digest the caller compares with the public marketHash.
    hash <== Sponge(3 * A, 8)(fields);
}
