// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IOracleHub} from "./IOracleHub.sol";

/// @title IVenueRegistry
/// @notice Venues, their per-epoch account roots, and the book ledger of every attestor of the deployment
///         (docs/DESIGN.md §5). A venue's operator posts one root per epoch the oracle has snapshotted, epochs
///         strictly increasing; the admin revokes a root or suspends a venue, which MarginAttestor checks when it
///         records an attestation and whenever it reads one. The ledger binds each book nullifier to one (subject,
///         attestor) at a time: the deployment's domain is keccak256("zkmargin.domain.v1", chainId, registry) mod p,
///         so every authorized attestor of this registry sees the same book nullifier for the same book.
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

    /// @notice A venue's standing.
    /// @param suspended no root of the venue is valid and none can be posted
    /// @param invalidatedAt when the venue was last suspended (0 if never)
    /// @param validFromEpoch roots of earlier epochs are invalid (set by resumeVenue)
    struct VenueStatus {
        bool suspended;
        uint64 invalidatedAt;
        uint64 validFromEpoch;
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
    /// @notice The oracle has no snapshot of the epoch: roots are posted for snapshotted epochs only.
    error VenueRegistry__EpochNotSnapshotted(uint64 epoch, uint64 oracleLatestEpoch);
    /// @notice The root is 0 (reserved for unused proof slots) or not a field element.
    error VenueRegistry__InvalidRoot(uint256 root);
    /// @notice The venue is suspended.
    error VenueRegistry__Suspended(uint256 venueId);
    /// @notice The venue is not suspended.
    error VenueRegistry__NotSuspended(uint256 venueId);
    /// @notice No root was posted for the venue and epoch, or it is already revoked.
    error VenueRegistry__NothingToRevoke(uint256 venueId, uint64 epoch);
    /// @notice The caller is not an authorized attestor.
    error VenueRegistry__NotAttestor(address caller);
    /// @notice The attestor is already authorized, its address has no code, or its low 96 bits are an authorized one's.
    error VenueRegistry__InvalidAttestor(address attestor);
    /// @notice The book backs another subject (or the same subject on another attestor) until `heldUntil`.
    error VenueRegistry__BookBound(uint256 bookNullifier, address subject, address attestor, uint64 heldUntil);

    /// @notice A venue was registered.
    event VenueRegistered(uint256 indexed venueId, address indexed operator);
    /// @notice A venue's operator changed.
    event OperatorChanged(uint256 indexed venueId, address indexed previousOperator, address indexed newOperator);
    /// @notice A venue's operator posted the account root of an epoch.
    event RootPosted(uint256 indexed venueId, uint64 indexed epoch, uint256 root);
    /// @notice The admin revoked a root: attestations made with it lapse now.
    event RootRevoked(uint256 indexed venueId, uint64 indexed epoch, uint256 root);
    /// @notice The admin suspended a venue: attestations that include it lapse now.
    event VenueSuspended(uint256 indexed venueId);
    /// @notice The admin resumed a venue: roots of epochs from validFromEpoch on are valid again.
    event VenueResumed(uint256 indexed venueId, uint64 validFromEpoch);
    /// @notice The admin authorized an attestor to bind books.
    event AttestorAuthorized(address indexed attestor, uint32 id);
    /// @notice A book was bound to a (subject, attestor), first or after the previous holder let it go.
    event BookBound(uint256 indexed bookNullifier, address indexed subject, address indexed attestor);

    /// @notice Register a venue (admin only).
    /// @param venueId the venue id, 0 < venueId < 2^32
    /// @param operator the venue's operator, the only address that may post its roots
    function registerVenue(uint256 venueId, address operator) external;

    /// @notice Replace a venue's operator (admin only), e.g. after a key rotation.
    function setOperator(uint256 venueId, address operator) external;

    /// @notice Post the venue's account root for an epoch (operator only).
    /// @param venueId a registered, unsuspended venue id
    /// @param epoch an epoch the oracle has snapshotted, after the venue's latest posted epoch
    /// @param root the account-tree root: nonzero and < the BN254 scalar field order
    function postRoot(uint256 venueId, uint64 epoch, uint256 root) external;

    /// @notice Revoke a posted root (admin only), e.g. one posted with a compromised operator key.
    function revokeRoot(uint256 venueId, uint64 epoch) external;

    /// @notice Suspend a venue (admin only): none of its roots is valid while suspended.
    function suspendVenue(uint256 venueId) external;

    /// @notice Resume a suspended venue (admin only): roots posted before stay invalid, later epochs are valid.
    function resumeVenue(uint256 venueId) external;

    /// @notice The root a venue posted for an epoch (revoked or not), 0 if none.
    function rootOf(uint256 venueId, uint64 epoch) external view returns (uint256);

    /// @notice When the root of a venue and epoch stopped being valid (revocation or suspension); 0 if it is valid.
    function rootInvalidatedAt(uint256 venueId, uint64 epoch) external view returns (uint64);

    /// @notice The posted roots of `venueIds` (0 for id 0 or no root) at `epoch`, and the first of those venues whose
    ///         root is invalid with the time it became so (0, 0 if all are valid). `since` is the epoch's snapshot
    ///         time: roots are posted after it, so when no revocation or suspension happened since, none is checked.
    function rootsAt(uint256[] calldata venueIds, uint64 epoch, uint64 since)
        external
        view
        returns (uint256[] memory roots, uint256 invalidVenue, uint64 invalidatedAt);

    /// @notice rootsAt for a packed venue list, with the book's ledger word: what MarginAttestor reads in one call.
    /// @param venueList up to four venue ids, 32 bits each (slot i at bits 32·i), 0 for an unused slot
    /// @param epoch the epoch
    /// @param since the epoch's snapshot time (as rootsAt)
    /// @param bookNullifier a book nullifier, or 0 to skip the ledger read
    /// @return roots each slot's posted root (0 for an unused slot or none posted)
    /// @return invalid the venue id whose root became invalid first, | that time << 32; 0 if all are valid
    /// @return binding the ledger word of the book: subject | (attestor address mod 2^96) << 160, 0 if unbound
    function listRoots(uint256 venueList, uint64 epoch, uint64 since, uint256 bookNullifier)
        external
        view
        returns (uint256[4] memory roots, uint256 invalid, uint256 binding);

    /// @notice invalidatedAt for a packed venue list (as listRoots).
    function listInvalidatedAt(uint256 venueList, uint64 epoch, uint64 since) external view returns (uint64);

    /// @notice The earliest time a root of `venueIds` at `epoch` became invalid, 0 if all are valid (as rootsAt).
    function invalidatedAt(uint256[] calldata venueIds, uint64 epoch, uint64 since) external view returns (uint64);

    /// @notice When the admin last revoked a root or suspended a venue (0 if never).
    function statusChangedAt() external view returns (uint64);

    /// @notice Whether a venue id is registered.
    function isRegistered(uint256 venueId) external view returns (bool);

    /// @notice A venue's registration record.
    function venue(uint256 venueId) external view returns (Venue memory);

    /// @notice A venue's standing.
    function venueStatus(uint256 venueId) external view returns (VenueStatus memory);

    /// @notice The oracle whose snapshotted epochs bound the venues' epochs.
    function oracle() external view returns (IOracleHub);

    /// @notice Authorize an attestor to bind books in this ledger (admin only).
    function authorizeAttestor(address attestor) external;

    /// @notice An attestor's ledger id (0 if not authorized).
    function attestorId(address attestor) external view returns (uint32);

    /// @notice Bind a book to `subject` on the calling attestor (authorized attestors only): a no-op when already so
    ///         bound; otherwise allowed only once the current holder's bookHeldUntil has passed.
    function bindBook(uint256 bookNullifier, address subject) external;

    /// @notice The (subject, attestor) a book is bound to (zero addresses if never bound).
    function bookBinding(uint256 bookNullifier) external view returns (address subject, address attestor);
}
