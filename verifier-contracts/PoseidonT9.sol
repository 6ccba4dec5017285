// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IPoseidonT9} from "./interfaces/IPoseidonT9.sol";

/// @title PoseidonT9
/// @notice circomlib's Poseidon over 8 inputs (state width t = 9, 8 full and 63 partial rounds, x^5 S-box), for the
///         Poseidon(8) sponge of marketHash / riskParamsHash (prover/hash.ts).
/// @dev Why not circomlibjs's poseidon_gencontract: its createCode(n) fails for n ≥ 7 (its stack code needs DUP17+),
///      so it cannot produce Poseidon(8). This contract runs the reference permutation (circomlibjs
///      poseidon_reference.js) in memory. Its 720 constants (round constants C[639], then the MDS matrix M[9][9]
///      row-major, circomlibjs's poseidon_constants.json for t = 9) live in a separate data contract (code = 0x00 ‖
///      constants, written by client/deploy.ts), copied with EXTCODECOPY: together they would exceed the 24 KiB code
///      limit. The constructor checks the data by a known-answer test, so wrong constants cannot be deployed.
///      Cost ≈ 0.2M gas per call.
contract PoseidonT9 is IPoseidonT9 {
    /// @dev Scalar field order.
    uint256 internal constant Q = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @dev Bytes of constants: (639 + 81) words.
    uint256 internal constant DATA_BYTES = 23040;
    /// @dev Poseidon8(1, 2, ..., 8), from poseidon-lite.
    uint256 internal constant KAT = 18604317144381847857886385684060986177838410221561136253933256952257712543953;

    /// @notice The constants data contract (code = 0x00 ‖ C ‖ M).
    address public immutable constants;

    /// @notice The constants do not reproduce Poseidon8(1..8).
    error PoseidonT9__BadConstants();
    /// @notice An input is not below the field order.
    error PoseidonT9__NotInField(uint256 value);

    /// @param constants_ the constants data contract
    constructor(address constants_) {
        if (constants_.code.length != DATA_BYTES + 1) revert PoseidonT9__BadConstants();
        uint256[8] memory kat = [uint256(1), 2, 3, 4, 5, 6, 7, 8];
        if (_permute(constants_, kat) != KAT) revert PoseidonT9__BadConstants();
        constants = constants_;
    }

    /// @inheritdoc IPoseidonT9
    function poseidon(uint256[8] calldata inputs) external view returns (uint256) {
        uint256[8] memory x = inputs;
        for (uint256 i = 0; i < 8; ++i) {
            if (x[i] >= Q) revert PoseidonT9__NotInField(x[i]);
        }
        return _permute(constants, x);
    }

    /// @dev state = [0, x...]; 71 rounds of: add round constants, S-box (all cells in the first and last 4 rounds, cell
    ///      0 otherwise), state ← M·state. Returns state[0].
    function _permute(address data, uint256[8] memory x) private view returns (uint256 out) {
        assembly ("memory-safe") {
            let c := mload(0x40)
            extcodecopy(data, c, 1, DATA_BYTES)
            let m := add(c, 20448) // 639 words of C, then M
            let st := add(c, DATA_BYTES)
            let nw := add(st, 288)
            mstore(0x40, add(nw, 288))
            mstore(st, 0)
            for { let i := 0 } lt(i, 8) { i := add(i, 1) } {
                mstore(add(st, mul(add(i, 1), 32)), mload(add(x, mul(i, 32))))
            }
            let q := Q
            for { let r := 0 } lt(r, 71) { r := add(r, 1) } {
                let cr := add(c, mul(r, 288))
                let full := or(lt(r, 4), gt(r, 66))
                for { let i := 0 } lt(i, 9) { i := add(i, 1) } {
                    let p := add(st, mul(i, 32))
                    let v := addmod(mload(p), mload(add(cr, mul(i, 32))), q)
                    if or(full, iszero(i)) {
                        let v2 := mulmod(v, v, q)
                        v := mulmod(mulmod(v2, v2, q), v, q)
                    }
                    mstore(p, v)
                }
                for { let i := 0 } lt(i, 9) { i := add(i, 1) } {
                    let row := add(m, mul(i, 288))
                    let acc := mulmod(mload(row), mload(st), q)
                    acc := addmod(acc, mulmod(mload(add(row, 32)), mload(add(st, 32)), q), q)
                    acc := addmod(acc, mulmod(mload(add(row, 64)), mload(add(st, 64)), q), q)
                    acc := addmod(acc, mulmod(mload(add(row, 96)), mload(add(st, 96)), q), q)
                    acc := addmod(acc, mulmod(mload(add(row, 128)), mload(add(st, 128)), q), q)
                    acc := addmod(acc, mulmod(mload(add(row, 160)), mload(add(st, 160)), q), q)
                    acc := addmod(acc, mulmod(mload(add(row, 192)), mload(add(st, 192)), q), q)
                    acc := addmod(acc, mulmod(mload(add(row, 224)), mload(add(st, 224)), q), q)
                    acc := addmod(acc, mulmod(mload(add(row, 256)), mload(add(st, 256)), q), q)
                    mstore(add(nw, mul(i, 32)), acc)
                }
                let tmp := st
                st := nw
                nw := tmp
            }
            out := mload(st)
        }
    }
}
