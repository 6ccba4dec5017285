// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title BadFeeds
/// @notice AggregatorV3-shaped feeds that misbehave, for the oracle's defensive-read tests: one answer that overflows
///         the deviation arithmetic, one whose latestRoundData returns data of the wrong shape, one that burns all
///         the gas it is given, one that returns a huge blob. Real feeds are outside the system.

/// @notice Answers type(int256).max with 8 decimals, updated now.
contract OverflowFeed {
    uint8 public constant decimals = 8;

    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        return (1, type(int256).max, block.timestamp, block.timestamp, 1);
    }
}

/// @notice latestRoundData returns two words instead of five.
contract ShortReturnFeed {
    uint8 public constant decimals = 8;

    fallback() external {
        assembly {
            mstore(0, 1)
            mstore(32, 100000000)
            return(0, 64)
        }
    }
}

/// @notice latestRoundData loops until it runs out of gas.
contract GasBurnerFeed {
    uint8 public constant decimals = 8;
    uint256 private _sink;

    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        uint256 x = _sink;
        while (true) {
            x = uint256(keccak256(abi.encode(x)));
            if (x == 0) break;
        }
        return (1, int256(x), block.timestamp, block.timestamp, 1);
    }
}

/// @notice latestRoundData returns 1 MiB of data (a return bomb: copying it costs the caller memory gas).
contract ReturnBombFeed {
    uint8 public constant decimals = 8;

    fallback() external {
        assembly {
            return(0, 1048576)
        }
    }
}
