// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IVenueRegistry} from "./interfaces/IVenueRegistry.sol";
import {PoseidonSponge} from "./lib/PoseidonSponge.sol";

/// @title VenueRegistry
/// @notice Venues registered by an admin (the owner), each with an operator key that alone posts the venue's account
///         root once per epoch; a venue's epochs only move forward. MarginAttestor reads rootOf(venueId, epoch).
contract VenueRegistry is IVenueRegistry, Ownable {
    /// @notice Venue ids are below 2^32.
    uint256 public constant MAX_VENUE_ID = type(uint32).max;

    mapping(uint256 venueId => Venue) private _venues;
    mapping(uint256 venueId => mapping(uint64 epoch => uint256 root)) private _roots;

    /// @param admin the address that registers venues
    constructor(address admin) Ownable(admin) {}

    /// @inheritdoc IVenueRegistry
    function registerVenue(uint256 venueId, address operator) external onlyOwner {
        if (venueId == 0 || venueId > MAX_VENUE_ID) revert VenueRegistry__InvalidVenueId(venueId);
        if (operator == address(0)) revert VenueRegistry__ZeroOperator();
        if (_venues[venueId].operator != address(0)) revert VenueRegistry__VenueExists(venueId);
        _venues[venueId].operator = operator;
        emit VenueRegistered(venueId, operator);
    }

    /// @inheritdoc IVenueRegistry
    function setOperator(uint256 venueId, address operator) external onlyOwner {
        Venue storage v = _venues[venueId];
        address previous = v.operator;
        if (previous == address(0)) revert VenueRegistry__UnknownVenue(venueId);
        if (operator == address(0)) revert VenueRegistry__ZeroOperator();
        v.operator = operator;
        emit OperatorChanged(venueId, previous, operator);
    }

    /// @inheritdoc IVenueRegistry
    function postRoot(uint256 venueId, uint64 epoch, uint256 root) external {
        Venue storage v = _venues[venueId];
        if (v.operator == address(0)) revert VenueRegistry__UnknownVenue(venueId);
        if (msg.sender != v.operator) revert VenueRegistry__NotOperator(venueId, msg.sender);
        if (v.hasRoot && epoch <= v.lastEpoch) revert VenueRegistry__EpochNotForward(venueId, epoch, v.lastEpoch);
        if (root == 0 || root >= PoseidonSponge.FIELD) revert VenueRegistry__InvalidRoot(root);
        v.lastEpoch = epoch;
        v.hasRoot = true;
        _roots[venueId][epoch] = root;
        emit RootPosted(venueId, epoch, root);
    }

    /// @inheritdoc IVenueRegistry
    function rootOf(uint256 venueId, uint64 epoch) external view returns (uint256) {
        return _roots[venueId][epoch];
    }

    /// @inheritdoc IVenueRegistry
    function isRegistered(uint256 venueId) external view returns (bool) {
        return _venues[venueId].operator != address(0);
    }

    /// @inheritdoc IVenueRegistry
    function venue(uint256 venueId) external view returns (Venue memory) {
        return _venues[venueId];
    }
}
