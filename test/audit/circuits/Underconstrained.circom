pragma circom 2.2.0;

/**
 * @title Underconstrained
 * @notice A deliberately broken circuit for the soundness-scan tests (test/audit/scan.test.ts). Never use it.
 *         - `unused` is an input that appears in no constraint at all (circom --inspect warns about it);
 *         - `mark` only appears multiplied by `size`, so with size = 0 the prover may put anything there;
 *         - `note` is assigned with `<--` and never constrained.
 *         `price` is bound (the output `value2` is its square), so the scan must not flag it.
 */
template Underconstrained() {
    signal input price;
    signal input size;
    signal input mark;
    signal input unused;
    signal output value;
    signal output value2;
    signal note;

    value <== size * mark;
    value2 <== price * price;
    note <-- price + 1;
}

component main {public [price]} = Underconstrained();
