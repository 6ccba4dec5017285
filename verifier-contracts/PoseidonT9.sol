// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IPoseidonT9} from "./interfaces/IPoseidonT9.sol";

/// @title PoseidonT9
/// @notice circomlib's Poseidon over 8 inputs (state width t = 9, 8 full and 63 partial rounds, x^5 S-box), for the
///         Poseidon(8) sponge of marketHash / riskParamsHash (prover/hash.ts).
/// @dev Why not circomlibjs's poseidon_gencontract: its createCode(n) fails for n ≥ 7 (its stack code needs DUP17+),
///      so it cannot produce Poseidon(8). This contract runs circomlibjs's optimised permutation (poseidon_opt.js, the
///      neptune sparse-matrix form: full rounds with M, one round with P, partial rounds with the sparse S) on the
///      constants of poseidon_constants_opt.json for t = 9. The 1368 constants (C[135], Mᵀ[81], Pᵀ[81] row-major by
///      output, S[1071]) would not fit the 24 KiB code limit, so they live in two data contracts (code = 0x00 ‖ half of
///      the words) written by client/deploy.ts and read with EXTCODECOPY. The constructor pins both data contracts by code
///      hash (test/contracts/poseidon.test.ts recomputes the hashes from circomlibjs) and runs a known-answer test, so
///      wrong constants cannot be deployed. test/contracts/poseidon.test.ts prints the gas.
contract PoseidonT9 is IPoseidonT9 {
    /// @dev Scalar field order.
    uint256 internal constant Q = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @dev Bytes of constants per data contract: 684 words.
    uint256 internal constant HALF_BYTES = 21888;
    /// @dev keccak256 of each data contract's code (0x00 ‖ 684 words), computed from circomlibjs's constants.
    bytes32 internal constant CODEHASH0 = 0x45e71c3ec33002f09d65267dbb180f596d8225b38bede9b1d280cd8723122eb9;
    bytes32 internal constant CODEHASH1 = 0x3307c0a2418b5e6d08dc50ff3a0c4ce4df7c6ffc3887fc1418f143a095ac8296;
    /// @dev Poseidon8(1, 2, ..., 8), from poseidon-lite.
    uint256 internal constant KAT = 18604317144381847857886385684060986177838410221561136253933256952257712543953;

    /// @notice The first constants data contract (words 0..683).
    address public immutable constants0;
    /// @notice The second constants data contract (words 684..1367).
    address public immutable constants1;

    /// @notice A data contract's code hash is not the expected one, or the constants do not reproduce Poseidon8(1..8).
    error PoseidonT9__BadConstants();
    /// @notice An input is not below the field order.
    error PoseidonT9__NotInField(uint256 value);

    /// @param constants0_ data contract holding constant words 0..683
    /// @param constants1_ data contract holding constant words 684..1367
    constructor(address constants0_, address constants1_) {
        if (constants0_.codehash != CODEHASH0 || constants1_.codehash != CODEHASH1) revert PoseidonT9__BadConstants();
        uint256[8] memory kat = [uint256(1), 2, 3, 4, 5, 6, 7, 8];
        if (_permute(constants0_, constants1_, kat) != KAT) revert PoseidonT9__BadConstants();
        constants0 = constants0_;
        constants1 = constants1_;
    }

    /// @inheritdoc IPoseidonT9
    function poseidon(uint256[8] calldata inputs) external view returns (uint256) {
        uint256[8] memory x = inputs;
        for (uint256 i = 0; i < 8; ++i) {
            if (x[i] >= Q) revert PoseidonT9__NotInField(x[i]);
        }
        return _permute(constants0, constants1, x);
    }

    /// @dev poseidon_opt.js for t = 9, nRoundsF = 8, nRoundsP = 63. Memory: constants, then state and scratch.
    function _permute(address d0, address d1, uint256[8] memory x) private view returns (uint256 out) {
        assembly ("memory-safe") {
            function pow5(v, q) -> r {
                let v2 := mulmod(v, v, q)
                r := mulmod(mulmod(v2, v2, q), v, q)
            }
            // dst[i] = Σ_j mat[i][j]·src[j] (mat row-major by output i)
            function mix(mat, src, dst, q) {
                for { let i := 0 } lt(i, 9) { i := add(i, 1) } {
                    let row := add(mat, mul(i, 288))
                    let acc := mulmod(mload(row), mload(src), q)
                    acc := addmod(acc, mulmod(mload(add(row, 32)), mload(add(src, 32)), q), q)
                    acc := addmod(acc, mulmod(mload(add(row, 64)), mload(add(src, 64)), q), q)
                    acc := addmod(acc, mulmod(mload(add(row, 96)), mload(add(src, 96)), q), q)
                    acc := addmod(acc, mulmod(mload(add(row, 128)), mload(add(src, 128)), q), q)
                    acc := addmod(acc, mulmod(mload(add(row, 160)), mload(add(src, 160)), q), q)
                    acc := addmod(acc, mulmod(mload(add(row, 192)), mload(add(src, 192)), q), q)
                    acc := addmod(acc, mulmod(mload(add(row, 224)), mload(add(src, 224)), q), q)
                    acc := addmod(acc, mulmod(mload(add(row, 256)), mload(add(src, 256)), q), q)
                    mstore(add(dst, mul(i, 32)), acc)
                }
            }
            // st[i] = pow5(st[i]) + c[i] for the 9 cells
            function fullSbox(st, c, q) {
                for { let i := 0 } lt(i, 9) { i := add(i, 1) } {
                    let p := add(st, mul(i, 32))
                    mstore(p, addmod(pow5(mload(p), q), mload(add(c, mul(i, 32))), q))
                }
            }

            let q := Q
            let c := mload(0x40)
            extcodecopy(d0, c, 1, HALF_BYTES)
            extcodecopy(d1, add(c, HALF_BYTES), 1, HALF_BYTES)
            let mt := add(c, 4320) // C: 135 words
            let pt := add(mt, 2592) // Mᵀ: 81 words
            let sp := add(pt, 2592) // Pᵀ: 81 words, then S: 1071 words
            let st := add(c, 43776)
            let nw := add(st, 288)
            mstore(0x40, add(nw, 288))

            // state = [0, x...] + C[0..9)
            mstore(st, mload(c))
            for { let i := 1 } lt(i, 9) { i := add(i, 1) } {
                mstore(add(st, mul(i, 32)), addmod(mload(add(x, mul(sub(i, 1), 32))), mload(add(c, mul(i, 32))), q))
            }
            // 3 full rounds with M
            for { let r := 0 } lt(r, 3) { r := add(r, 1) } {
                fullSbox(st, add(c, mul(add(r, 1), 288)), q)
                mix(mt, st, nw, q)
                let tmp := st
                st := nw
                nw := tmp
            }
            // 4th full round, mixed with P
            fullSbox(st, add(c, 1152), q)
            mix(pt, st, nw, q)
            {
                let tmp := st
                st := nw
                nw := tmp
            }
            // 63 partial rounds with the sparse matrices S
            for { let r := 0 } lt(r, 63) { r := add(r, 1) } {
                let s0 := addmod(pow5(mload(st), q), mload(add(c, mul(add(45, r), 32))), q)
                let srow := add(sp, mul(r, 544)) // 17 words per round
                let acc := mulmod(mload(srow), s0, q)
                for { let j := 1 } lt(j, 9) { j := add(j, 1) } {
                    let p := add(st, mul(j, 32))
                    let v := mload(p)
                    acc := addmod(acc, mulmod(mload(add(srow, mul(j, 32))), v, q), q)
                    mstore(p, addmod(v, mulmod(s0, mload(add(srow, mul(add(8, j), 32))), q), q))
                }
                mstore(st, acc)
            }
            // 3 full rounds with M
            for { let r := 0 } lt(r, 3) { r := add(r, 1) } {
                fullSbox(st, add(c, mul(add(108, mul(r, 9)), 32)), q)
                mix(mt, st, nw, q)
                let tmp := st
                st := nw
                nw := tmp
            }
            // last round: S-box on every cell, then only output cell 0 of the M mix is needed
            for { let i := 0 } lt(i, 9) { i := add(i, 1) } {
                let p := add(st, mul(i, 32))
                mstore(p, pow5(mload(p), q))
            }
            let acc := 0
            for { let j := 0 } lt(j, 9) { j := add(j, 1) } {
                acc := addmod(acc, mulmod(mload(add(mt, mul(j, 32))), mload(add(st, mul(j, 32))), q), q)
            }
            out := acc
        }
    }
}
