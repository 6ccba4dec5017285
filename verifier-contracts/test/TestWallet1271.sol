// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";

/// @title TestWallet1271
/// @notice A contract wallet (ERC-1271) for the attestor's tests: it accepts its owner's ECDSA signature, and its owner
///         can switch it to burn all the gas it is given: the griefing move of one subject against a relayer's batch.
contract TestWallet1271 is IERC1271 {
    address public immutable owner;
    bool public burn;

    constructor(address owner_) {
        owner = owner_;
    }

    /// @notice Owner only: from now on isValidSignature burns all its gas.
    function setBurn(bool burn_) external {
        require(msg.sender == owner, "owner");
        burn = burn_;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (burn) {
            uint256 x = 0;
            while (true) x = uint256(keccak256(abi.encode(x)));
        }
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(hash, signature);
        return err == ECDSA.RecoverError.NoError && signer == owner ? IERC1271.isValidSignature.selector : bytes4(0);
    }
}
