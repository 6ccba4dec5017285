pragma circom 2.2.0;

include "circomlib/circuits/bitify.circom";

/**
 * @title SignedRange
 * @notice Range check of a signed integer: in ∈ [−2^(BITS−1), 2^(BITS−1)), encoded in the field as usual
 *         (a negative x is p + x). Checked as in + 2^(BITS−1) ∈ [0, 2^BITS) (docs/DESIGN.md §3), so a value that wraps
 *         around the field (e.g. p − 2^70) has no witness.
 * @param BITS total width including the sign, 2..200
 * @input in the value
 * @output nonNeg 1 iff in ≥ 0 (the top bit of in + 2^(BITS−1)), free to reuse for |in| and sign tests
 * Cost: BITS constraints (Num2Bits).
 */
template SignedRange(BITS) {
    assert(BITS >= 2 && BITS <= 200);
    signal input in;
    signal output nonNeg;

    // Check (1): in + 2^(BITS−1) has BITS bits.
    signal bits[BITS] <== Num2Bits(BITS)(in + (1 << (BITS - 1)));
    nonNeg <== bits[BITS - 1];
}
