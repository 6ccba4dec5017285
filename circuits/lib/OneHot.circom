pragma circom 2.2.0;

/**
 * @title OneHot
 * @notice Selector vector of a small index: out[i] = 1 iff in == i, for i in [0, N).
 *         Also a range check: a witness exists only if in ∈ [0, N).
 * @param N number of choices (compile-time), 1..256
 * @input in the index; any field element (the constraints force it into [0, N))
 * @output out[N] booleans, exactly one of them 1, at position `in`
 * Cost: N constraints (the booleanity of each out[i]; the two sums are linear and fold away under --O2).
 */
template OneHot(N) {
    assert(N >= 1 && N <= 256);
    signal input in;
    signal output out[N];

    var count = 0;
    var index = 0;
    for (var i = 0; i < N; i++) {
        out[i] <-- in == i ? 1 : 0;
        // Check (1): each selector is a bit.
        out[i] * (out[i] - 1) === 0;
        count += out[i];
        index += i * out[i];
    }
    // Check (2): exactly one bit is set (count ∈ [0, N] ≤ 256 < p, so the sum cannot wrap).
    count === 1;
    // Check (3): the set bit sits at `in`; with (1) and (2), `in` ∈ [0, N).
    index === in;
}
