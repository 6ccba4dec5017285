// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IBookHolder} from "./interfaces/IBookHolder.sol";
import {IOracleHub} from "./interfaces/IOracleHub.sol";
import {IVenueRegistry} from "./interfaces/IVenueRegistry.sol";
import {PoseidonSponge} from "./lib/PoseidonSponge.sol";

/// @title VenueRegistry
/// @notice Venues and their roots, and the deployment's book ledger (docs/DESIGN.md §5).
///         Roots: (1) only the venue's operator posts, (2) only for an epoch the oracle has snapshotted — so a leaked
///         or mistyped key cannot post a far-future epoch that would freeze the venue, and every root is posted after
///         its epoch's snapshot time — (3) epochs strictly increasing, (4) never while the venue is suspended.
///         The admin (owner) revokes a root or suspends / resumes a venue; each records when, and statusChangedAt.
///         Because roots are posted after their snapshot, a root of epoch e can only have become invalid if
///         statusChangedAt ≥ takenAt(e): rootsAt / invalidatedAt skip the per-venue checks otherwise.
///         Books: bindBook keeps one (subject, attestor) per book nullifier; a different holder takes a book only
///         after the current holder's bookHeldUntil (its attestation's lapse plus grace) has passed.
contract VenueRegistry is IVenueRegistry, Ownable {
    struct Era {
        uint64 untilEpoch;
        uint64 invalidatedAt;
    }

    /// @notice Venue ids are below 2^32.
    uint256 public constant MAX_VENUE_ID = type(uint32).max;

    /// @inheritdoc IVenueRegistry
    IOracleHub public immutable oracle;

    /// @inheritdoc IVenueRegistry
    uint64 public statusChangedAt;

    mapping(uint256 venueId => Venue) private _venues;
    mapping(uint256 venueId => VenueStatus) private _status;
    /// @dev Past suspensions, one per resume: roots of epochs below untilEpoch (and at or above the previous era's)
    ///      became invalid at invalidatedAt. Kept so that a root's invalidation time never moves later.
    mapping(uint256 venueId => Era[]) private _eras;
    mapping(uint256 venueId => mapping(uint64 epoch => uint256 root)) private _roots;
    mapping(uint256 venueId => mapping(uint64 epoch => uint64 time)) private _revokedAt;

    mapping(address attestor => uint32 id) private _attestorIds;
    /// @dev An authorized attestor by the low 96 bits of its address (unique among authorized attestors).
    mapping(uint96 tag => address attestor) private _byTag;
    uint32 private _attestorCount;
    /// @dev subject | tag << 160, tag = the holder attestor's address mod 2^96: the holder's own renewal compares one
    ///      slot with msg.sender and returns without reading its authorization (an unauthorized contract matching the
    ///      value changes nothing: the binding stays the holder's).
    mapping(uint256 bookNullifier => uint256 binding) private _books;

    /// @param admin the address that registers venues, revokes roots, suspends venues and authorizes attestors
    /// @param oracle_ the oracle whose snapshots bound the venues' epochs
    constructor(address admin, IOracleHub oracle_) Ownable(admin) {
        if (address(oracle_) == address(0)) revert VenueRegistry__InvalidAttestor(address(0));
        oracle = oracle_;
    }

    // ---------------------------------------------------------------------------------------------------- venues

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
        // Check (1): the venue's operator.
        if (v.operator == address(0)) revert VenueRegistry__UnknownVenue(venueId);
        if (msg.sender != v.operator) revert VenueRegistry__NotOperator(venueId, msg.sender);
        // Check (4): not suspended.
        if (_status[venueId].suspended) revert VenueRegistry__Suspended(venueId);
        // Check (3): forward.
        if (v.hasRoot && epoch <= v.lastEpoch) revert VenueRegistry__EpochNotForward(venueId, epoch, v.lastEpoch);
        if (root == 0 || root >= PoseidonSponge.FIELD) revert VenueRegistry__InvalidRoot(root);
        // Check (2): the oracle has snapshotted the epoch.
        if (oracle.contextHashAt(epoch) == 0) revert VenueRegistry__EpochNotSnapshotted(epoch, oracle.latestEpoch());
        v.lastEpoch = epoch;
        v.hasRoot = true;
        _roots[venueId][epoch] = root;
        emit RootPosted(venueId, epoch, root);
    }

    /// @inheritdoc IVenueRegistry
    function revokeRoot(uint256 venueId, uint64 epoch) external onlyOwner {
        uint256 root = _roots[venueId][epoch];
        if (root == 0 || _revokedAt[venueId][epoch] != 0) revert VenueRegistry__NothingToRevoke(venueId, epoch);
        _revokedAt[venueId][epoch] = uint64(block.timestamp);
        statusChangedAt = uint64(block.timestamp);
        emit RootRevoked(venueId, epoch, root);
    }

    /// @inheritdoc IVenueRegistry
    function suspendVenue(uint256 venueId) external onlyOwner {
        if (_venues[venueId].operator == address(0)) revert VenueRegistry__UnknownVenue(venueId);
        VenueStatus storage s = _status[venueId];
        if (s.suspended) revert VenueRegistry__Suspended(venueId);
        s.suspended = true;
        s.invalidatedAt = uint64(block.timestamp);
        statusChangedAt = uint64(block.timestamp);
        emit VenueSuspended(venueId);
    }

    /// @inheritdoc IVenueRegistry
    function resumeVenue(uint256 venueId) external onlyOwner {
        VenueStatus storage s = _status[venueId];
        if (!s.suspended) revert VenueRegistry__NotSuspended(venueId);
        Venue storage v = _venues[venueId];
        uint64 from = v.hasRoot ? v.lastEpoch + 1 : 0;
        _eras[venueId].push(Era(from, s.invalidatedAt));
        s.suspended = false;
        s.validFromEpoch = from;
        emit VenueResumed(venueId, from);
    }

    /// @inheritdoc IVenueRegistry
    function rootOf(uint256 venueId, uint64 epoch) external view returns (uint256) {
        return _roots[venueId][epoch];
    }

    /// @inheritdoc IVenueRegistry
    function rootInvalidatedAt(uint256 venueId, uint64 epoch) external view returns (uint64) {
        return _invalidation(venueId, epoch);
    }

    /// @inheritdoc IVenueRegistry
    function rootsAt(uint256[] calldata venueIds, uint64 epoch, uint64 since)
        external
        view
        returns (uint256[] memory roots, uint256 invalidVenue, uint64 invalidatedAt_)
    {
        bool check = statusChangedAt >= since;
        roots = new uint256[](venueIds.length);
        for (uint256 i = 0; i < venueIds.length; ++i) {
            uint256 id = venueIds[i];
            if (id == 0) continue;
            roots[i] = _roots[id][epoch];
            if (!check) continue;
            uint64 t = _invalidation(id, epoch);
            if (t != 0 && (invalidatedAt_ == 0 || t < invalidatedAt_)) {
                invalidatedAt_ = t;
                invalidVenue = id;
            }
        }
    }

    /// @inheritdoc IVenueRegistry
    function listRoots(uint256 venueList, uint64 epoch, uint64 since, uint256 bookNullifier)
        external
        view
        returns (uint256[4] memory roots, uint256 invalid, uint256 binding)
    {
        bool check = statusChangedAt >= since;
        uint64 earliest = 0;
        for (uint256 i = 0; i < 4; ++i) {
            uint256 id = (venueList >> (32 * i)) & MAX_VENUE_ID;
            if (id == 0) continue;
            roots[i] = _roots[id][epoch];
            if (!check) continue;
            uint64 t = _invalidation(id, epoch);
            if (t != 0 && (earliest == 0 || t < earliest)) {
                earliest = t;
                invalid = id;
            }
        }
        if (invalid != 0) invalid |= uint256(earliest) << 32;
        if (bookNullifier != 0) binding = _books[bookNullifier];
    }

    /// @inheritdoc IVenueRegistry
    function listInvalidatedAt(uint256 venueList, uint64 epoch, uint64 since) external view returns (uint64 earliest) {
        if (statusChangedAt < since) return 0;
        for (uint256 i = 0; i < 4; ++i) {
            uint256 id = (venueList >> (32 * i)) & MAX_VENUE_ID;
            if (id == 0) continue;
            uint64 t = _invalidation(id, epoch);
            if (t != 0 && (earliest == 0 || t < earliest)) earliest = t;
        }
    }

    /// @inheritdoc IVenueRegistry
    function invalidatedAt(uint256[] calldata venueIds, uint64 epoch, uint64 since) external view returns (uint64 earliest) {
        if (statusChangedAt < since) return 0;
        for (uint256 i = 0; i < venueIds.length; ++i) {
            uint256 id = venueIds[i];
            if (id == 0) continue;
            uint64 t = _invalidation(id, epoch);
            if (t != 0 && (earliest == 0 || t < earliest)) earliest = t;
        }
    }

    /// @inheritdoc IVenueRegistry
    function isRegistered(uint256 venueId) external view returns (bool) {
        return _venues[venueId].operator != address(0);
    }

    /// @inheritdoc IVenueRegistry
    function venue(uint256 venueId) external view returns (Venue memory) {
        return _venues[venueId];
    }

    /// @inheritdoc IVenueRegistry
    function venueStatus(uint256 venueId) external view returns (VenueStatus memory) {
        return _status[venueId];
    }

    /// @dev When (venue, epoch)'s root became invalid: its revocation, or the suspension that followed its posting
    ///      (the current one for epochs from validFromEpoch on, else the era that ended before them); the earlier
    ///      of the two; 0 if valid. Both only ever appear, at the time of the admin's action: never later.
    function _invalidation(uint256 venueId, uint64 epoch) private view returns (uint64 t) {
        t = _revokedAt[venueId][epoch];
        VenueStatus storage s = _status[venueId];
        uint64 u = 0;
        if (epoch >= s.validFromEpoch) {
            if (s.suspended) u = s.invalidatedAt;
        } else {
            Era[] storage eras = _eras[venueId];
            for (uint256 k = 0; k < eras.length; ++k) {
                if (epoch < eras[k].untilEpoch) {
                    u = eras[k].invalidatedAt;
                    break;
                }
            }
        }
        if (u != 0 && (t == 0 || u < t)) t = u;
    }

    // ------------------------------------------------------------------------------------------------- book ledger

    /// @inheritdoc IVenueRegistry
    function authorizeAttestor(address attestor) external onlyOwner {
        uint96 tag = uint96(uint160(attestor));
        if (attestor.code.length == 0 || _attestorIds[attestor] != 0 || _byTag[tag] != address(0)) {
            revert VenueRegistry__InvalidAttestor(attestor);
        }
        uint32 id = ++_attestorCount;
        _attestorIds[attestor] = id;
        _byTag[tag] = attestor;
        emit AttestorAuthorized(attestor, id);
    }

    /// @inheritdoc IVenueRegistry
    function attestorId(address attestor) external view returns (uint32) {
        return _attestorIds[attestor];
    }

    /// @inheritdoc IVenueRegistry
    function bindBook(uint256 bookNullifier, address subject) external {
        uint256 want = uint256(uint160(subject)) | (uint256(uint96(uint160(msg.sender))) << 160);
        uint256 have = _books[bookNullifier];
        if (have == want) return;
        if (_attestorIds[msg.sender] == 0) revert VenueRegistry__NotAttestor(msg.sender);
        if (have != 0) {
            address holderSubject = address(uint160(have));
            address holder = _byTag[uint96(have >> 160)];
            uint64 until = IBookHolder(holder).bookHeldUntil(holderSubject);
            if (block.timestamp < until) revert VenueRegistry__BookBound(bookNullifier, holderSubject, holder, until);
        }
        _books[bookNullifier] = want;
        emit BookBound(bookNullifier, subject, msg.sender);
    }

    /// @inheritdoc IVenueRegistry
    function bookBinding(uint256 bookNullifier) external view returns (address subject, address attestor) {
        uint256 b = _books[bookNullifier];
        if (b == 0) return (address(0), address(0));
        return (address(uint160(b)), _byTag[uint96(b >> 160)]);
    }
}
