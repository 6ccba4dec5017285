// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IPoseidonT9
/// @notice Poseidon over 8 field elements (state width t = 9), circomlib's parameters and constants (PoseidonT9.sol,
///         deployed by client/deploy.ts).
interface IPoseidonT9 {
    /// @notice Poseidon(inputs), every input < the BN254 scalar field order.
    function poseidon(uint256[8] calldata inputs) external view returns (uint256);
}
