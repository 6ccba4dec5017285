// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IVenueRegistry
/// @notice Venues and their per-epoch account roots (SPEC.md §5).
interface IVenueRegistry {
    /// @notice A registered venue.
    /// @param operator the only address that may post the venue's roots
    /// @param lastEpoch the latest epoch with a posted root (meaningful only when hasRoot)
    /// @param hasRoot whether any root was posted yet
    struct Venue {
        address operator;
        uint64 lastEpoch;
        bool hasRoot;
    }

    /// @notice The venue id is 0 or does not fit in 32 bits.
    error VenueRegistry__InvalidVenueId(uint256 venueId);
    /// @notice The venue id is already registered.
    error VenueRegistry__VenueExists(uint256 venueId);
    /// @notice The venue id is not registered.
    error VenueRegistry__UnknownVenue(uint256 venueId);
    /// @notice The operator address is zero.
    error VenueRegistry__ZeroOperator();
    /// @notice The caller is not the venue's operator.
    error VenueRegistry__NotOperator(uint256 venueId, address caller);
    /// @notice The epoch is not after the venue's latest posted epoch.
    error VenueRegistry__EpochNotForward(uint256 venueId, uint64 epoch, uint64 lastEpoch);
    /// @notice The root is 0 (reserved for unused proof slots) or not a field element.
    error VenueRegistry__InvalidRoot(uint256 root);

    /// @notice A venue was registered.
    event VenueRegistered(uint256 indexed venueId, address indexed operator);
    /// @notice A venue's operator changed.
    event OperatorChanged(uint256 indexed venueId, address indexed previousOperator, address indexed newOperator);
    /// @notice A venue's operator posted the account root of an epoch.
    event RootPosted(uint256 indexed venueId, uint64 indexed epoch, uint256 root);

    /// @notice Register a venue (admin only).
    /// @param venueId the venue id, 0 < venueId < 2^32
    /// @param operator the venue's operator, the only address that may post its roots
    function registerVenue(uint256 venueId, address operator) external;

    /// @notice Replace a venue's operator (admin only), e.g. after a key rotation.
    /// @param venueId a registered venue id
    /// @param operator the new operator
    function setOperator(uint256 venueId, address operator) external;

    /// @notice Post the venue's account root for an epoch (operator only); epochs only move forward.
    /// @param venueId a registered venue id
    /// @param epoch an epoch after the venue's latest posted epoch
    /// @param root the account-tree root: nonzero and < the BN254 scalar field order
    function postRoot(uint256 venueId, uint64 epoch, uint256 root) external;

    /// @notice The account root a venue posted for an epoch, 0 if none.
    function rootOf(uint256 venueId, uint64 epoch) external view returns (uint256);

    /// @notice Whether a venue id is registered.
    function isRegistered(uint256 venueId) external view returns (bool);

    /// @notice A venue's registration record.
    function venue(uint256 venueId) external view returns (Venue memory);
}
