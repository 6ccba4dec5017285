pragma circom 2.2.0;

include "circomlib/circuits/bitify.circom";

/**
 * @title PublicBinder
 * @notice A tiny circuit for the proof-system comparison of scripts/bench/prove.ts: as many public inputs as the
 *         test instance (NPUB = 14 for V = 3) and no outputs, each public input bound by a square, and one 64-bit range check. Small enough that Groth16,
 *         PLONK and FFLONK keys all fit the 2^14 development ptau, so the three verifiers' gas can be compared at
 *         the test instance's public-input count (verifier gas depends on the public inputs, not on the circuit size).
 * @param NPUB number of public inputs
 * @input pub[NPUB] public inputs
 * @input x private value, range-checked to 64 bits
 */
template PublicBinder(NPUB) {
    signal input pub[NPUB];
    signal input x;
    signal sq[NPUB];
    for (var i = 0; i < NPUB; i++) {
        sq[i] <== pub[i] * pub[i];
    }
    signal bits[64] <== Num2Bits(64)(x);
}

component main {public [pub]} = PublicBinder(14);
