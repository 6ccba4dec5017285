// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IPoseidonT9} from "../interfaces/IPoseidonT9.sol";
import {PoseidonSponge} from "../lib/PoseidonSponge.sol";

/// @title PoseidonSpongeHarness
/// @notice Exposes the PoseidonSponge library to the agreement test (TS sponge == Solidity sponge).
contract PoseidonSpongeHarness {
    IPoseidonT9 public immutable poseidon;

    constructor(IPoseidonT9 poseidon_) {
        poseidon = poseidon_;
    }

    /// @notice PoseidonSponge.hash over `fields`.
    function hash(uint256[] calldata fields) external view returns (uint256) {
        return PoseidonSponge.hash(poseidon, fields);
    }
}
