// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {PoseidonSponge} from "./PoseidonSponge.sol";

/// @title MarginDomain
/// @notice The deployment's domain, public input 1 of every MarginProof (docs/DESIGN.md §4):
///         keccak256(abi.encodePacked("zkmargin.domain.v1", chainId, registry)) mod p, where the registry keeps the
///         book ledger of every attestor of the deployment (client/attestor.ts deploymentDomain computes the same).
library MarginDomain {
    /// @notice The domain tag.
    string internal constant TAG = "zkmargin.domain.v1";

    /// @notice The domain of `registry` on this chain.
    function domainOf(address registry) internal view returns (uint256) {
        return uint256(keccak256(abi.encodePacked(TAG, block.chainid, registry))) % PoseidonSponge.FIELD;
    }
}
