// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title TestStablecoin
/// @notice OpenZeppelin's ERC20 with 6 decimals and an open mint, for the credit-line example's tests and demo.
contract TestStablecoin is ERC20 {
    constructor() ERC20("Test USD", "tUSD") {}

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @notice Mint `amount` to `to` (anyone: a test token).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
