pragma circom 2.2.0;

include "circomlib/circuits/bitify.circom";

/**
 * @title BoundedRange
 * @notice Exact interval check LO ≤ in ≤ HI for compile-time bounds (LO may be negative), as two BITS-wide
 *         range checks: in − LO ∈ [0, 2^BITS) and HI − in ∈ [0, 2^BITS). Both hold only on [LO, HI] because
 *         HI − LO < 2^BITS and 2^(BITS+1) < p (no wrap-around can satisfy both).
 * @param BITS width of each check; must satisfy HI − LO < 2^BITS, BITS ≤ 200
 * @param LO lower bound (inclusive)
 * @param HI upper bound (inclusive)
 * @input in the value
 * No MarginProof template uses it since the packed market and risk values are checked single-sided (their exact
 * ranges are the contracts'); it stays as the library's two-sided interval check, with its tests.
 * Cost: 2·BITS constraints.
 */
template BoundedRange(BITS, LO, HI) {
    assert(BITS >= 1 && BITS <= 200);
    assert(LO <= HI);
    assert(HI - LO < 2 ** BITS);
    signal input in;

    // Check (1): in ≥ LO.
    _ <== Num2Bits(BITS)(in - LO);
    // Check (2): in ≤ HI.
    _ <== Num2Bits(BITS)(HI - in);
}
