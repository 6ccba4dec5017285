// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IAggregatorV3
/// @notice The Chainlink AggregatorV3 price-feed interface, as read by OracleHub.
interface IAggregatorV3 {
    /// @notice Number of decimals of `answer`.
    function decimals() external view returns (uint8);

    /// @notice Human-readable feed description.
    function description() external view returns (string memory);

    /// @notice Feed version.
    function version() external view returns (uint256);

    /// @notice Data of one round.
    function getRoundData(uint80 roundId)
        external
        view
        returns (uint80 roundId_, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);

    /// @notice Data of the latest round.
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}
