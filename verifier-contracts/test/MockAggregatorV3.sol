// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAggregatorV3} from "../interfaces/IAggregatorV3.sol";

/// @title MockAggregatorV3
/// @notice A settable AggregatorV3 feed for tests and the local demo (real feeds are outside the system).
contract MockAggregatorV3 is IAggregatorV3 {
    uint8 public immutable decimals;
    string public description;
    uint256 public constant version = 1;

    uint80 private _round;
    int256 private _answer;
    uint256 private _updatedAt;
    bool private _reverts;

    /// @param decimals_ answer decimals
    /// @param description_ label
    /// @param answer_ first answer, stamped now
    constructor(uint8 decimals_, string memory description_, int256 answer_) {
        decimals = decimals_;
        description = description_;
        _set(answer_, block.timestamp);
    }

    /// @notice Post a new answer stamped now.
    function setAnswer(int256 answer_) external {
        _set(answer_, block.timestamp);
    }

    /// @notice Post a new answer with an explicit update time (to simulate a stale feed).
    function setAnswerAt(int256 answer_, uint256 updatedAt_) external {
        _set(answer_, updatedAt_);
    }

    /// @notice Make latestRoundData revert (a broken feed).
    function setReverts(bool reverts_) external {
        _reverts = reverts_;
    }

    /// @inheritdoc IAggregatorV3
    function getRoundData(uint80 roundId) external view returns (uint80, int256, uint256, uint256, uint80) {
        require(roundId == _round, "MockAggregatorV3: only the latest round");
        return (_round, _answer, _updatedAt, _updatedAt, _round);
    }

    /// @inheritdoc IAggregatorV3
    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        require(!_reverts, "MockAggregatorV3: broken");
        return (_round, _answer, _updatedAt, _updatedAt, _round);
    }

    function _set(int256 answer_, uint256 updatedAt_) private {
        ++_round;
        _answer = answer_;
        _updatedAt = updatedAt_;
    }
}
