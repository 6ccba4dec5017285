pragma circom 2.2.0;

include "circomlib/circuits/poseidon.circom";

/**
 * @title Sponge
 * @notice Fixed-length Poseidon sponge, identical to `sponge()` in prover/hash.ts:
 *         acc = LEN; for each chunk of WIDTH-1 inputs (zero-padded): acc = Poseidon(WIDTH)(acc, chunk...).
 * @param LEN number of inputs (compile-time)
 * @param WIDTH Poseidon inputs per call, 2..16 (16 in-circuit is cheapest per input: 609 constraints per 15 inputs)
 * @input in[LEN] field elements; no range assumption (the hash binds them as field elements)
 * @output out the sponge digest
 * Cost: ceil(LEN / (WIDTH-1)) Poseidon(WIDTH) calls.
 */
template Sponge(LEN, WIDTH) {
    assert(WIDTH >= 2 && WIDTH <= 16);
    assert(LEN >= 1);
    var RATE = WIDTH - 1;
    var CALLS = (LEN + RATE - 1) \ RATE;

    signal input in[LEN];
    signal output out;

    component h[CALLS];
    for (var c = 0; c < CALLS; c++) {
        h[c] = Poseidon(WIDTH);
        h[c].inputs[0] <== c == 0 ? LEN : h[c - 1].out;
        for (var j = 0; j < RATE; j++) {
            var i = c * RATE + j;
            h[c].inputs[j + 1] <== i < LEN ? in[i] : 0;
        }
    }
    out <== h[CALLS - 1].out;
}
