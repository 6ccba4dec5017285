// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IPoseidonT9} from "../interfaces/IPoseidonT9.sol";

/// @title PoseidonSponge
/// @notice The fixed-length Poseidon(8) sponge of prover/hash.ts `sponge(fields, 8)`:
///         acc = len(fields); for each chunk of 7 fields, zero-padded, acc = Poseidon8(acc, chunk...).
///         Used for marketHash and riskParamsHash (prover/commitments.ts); test/contracts/poseidon.test.ts checks they agree.
library PoseidonSponge {
    /// @notice The BN254 scalar field order.
    uint256 internal constant FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @notice Fields absorbed per Poseidon(8) call (one slot carries the accumulator).
    uint256 internal constant RATE = 7;

    /// @notice A field is not below the scalar field order.
    error PoseidonSponge__NotInField(uint256 index, uint256 value);

    /// @notice The sponge hash of `fields` (each < FIELD) with the Poseidon(8) contract at `poseidon`.
    function hash(IPoseidonT9 poseidon, uint256[] memory fields) internal view returns (uint256 acc) {
        acc = fields.length;
        uint256[8] memory state;
        for (uint256 i = 0; i < fields.length; i += RATE) {
            state[0] = acc;
            for (uint256 j = 0; j < RATE; ++j) {
                uint256 idx = i + j;
                uint256 v = idx < fields.length ? fields[idx] : 0;
                if (v >= FIELD) revert PoseidonSponge__NotInField(idx, v);
                state[j + 1] = v;
            }
            acc = poseidon.poseidon(state);
        }
    }

    /// @notice A signed integer as a field element (negative x maps to FIELD + x), |x| < FIELD.
    function toField(int256 x) internal pure returns (uint256) {
        return x >= 0 ? uint256(x) : FIELD - uint256(-x);
    }
}
