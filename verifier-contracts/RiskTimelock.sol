// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title RiskTimelock
/// @notice OpenZeppelin's TimelockController, unchanged, under a project name so client/deploy.ts can deploy it: the
///         owner of RiskParams. Governance schedules setParams; it can execute only after minDelay seconds, during
///         which the pending call is public (CallScheduled). The timelock is its own admin (admin = address(0)), so
///         changing the delay or the roles goes through the same delay.
contract RiskTimelock is TimelockController {
    /// @param minDelay seconds between scheduling and executing a change
    /// @param proposers who may schedule (and cancel) changes
    /// @param executors who may execute a ready change (address(0) in the list: anyone)
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors)
        TimelockController(minDelay, proposers, executors, address(0))
    {}
}
