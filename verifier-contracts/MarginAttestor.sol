// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {IBookHolder} from "./interfaces/IBookHolder.sol";
import {IGroth16BatchVerifier} from "./interfaces/IGroth16BatchVerifier.sol";
import {IMarginAttestor} from "./interfaces/IMarginAttestor.sol";
import {IOracleHub} from "./interfaces/IOracleHub.sol";
import {IVenueRegistry} from "./interfaces/IVenueRegistry.sol";
import {MarginDomain} from "./lib/MarginDomain.sol";
import {PoseidonSponge} from "./lib/PoseidonSponge.sol";

/// @title MarginAttestor
/// @notice Verifies zkmargin proofs and keeps the attestation lifecycle of docs/DESIGN.md §5. The caller supplies the
///         proof, the venue ids, the book nullifier, the epoch and minExcess; every other public input comes from
///         chain state, in prover/publicSignals.ts order:
///           subject        = msg.sender (or the signer of an EIP-712 request)
///           domain         = domain() (chain id and the registry, which keeps the book ledger)
///           contextHash    = OracleHub.contextAt(epoch).contextHash (epoch, risk-params version, market)
///           venueRoots[i]  = VenueRegistry root of venueIds[i] at the epoch, 0 for an unused slot
///           bookNullifier  = the caller's, bound in the ledger to one (subject, attestor) at a time
///           tail           = packWords([minExcess (112 bits), venueIds[0..V) (32 bits each)]), one word for V ≤ 4
///         Checks: (1) V slots, active ids first, strictly increasing, < 2^32, at least one; (2) book nullifier a
///         nonzero field element, minExcess < 2^96; (3) the epoch's snapshot exists and an attestation of it would
///         be Live now; (4) every active venue has a valid root for the epoch; (5) the proof verifies; (6) the book
///         is free for the subject on this attestor (ledger); (7) the attestation only moves forward (a later epoch,
///         or the same epoch with at least the same excess — strictly more when relayed); (8) its excess covers the
///         subject's liens, unless the previous attestation has Ended, whose liens are then reclaimed.
///         Storage per subject: one slot for the attestation (minExcess 96 | epoch 32 | venue ids 4×32), one for the
///         liens' total and term (written only by allocate / release / reclaim); one slot per lien.
///         Abstract: the instance's single-proof verifier is inlined by the generated InstanceMarginAttestor
///         (verifier-contracts/generated/<instance>/MarginVerifier.sol), which implements _verifyProof.
abstract contract MarginAttestor is IMarginAttestor, EIP712, Nonces {
    /// @notice The EIP-712 type of attestFor / attestBatch requests.
    bytes32 public constant ATTEST_REQUEST_TYPEHASH = keccak256(
        "AttestRequest(address subject,uint256[] venueIds,uint256 bookNullifier,uint64 epoch,uint256 minExcess,uint256 nonce,uint256 deadline)"
    );
    /// @notice The domain tag of the public input `domain` (lib/MarginDomain.sol).
    string public constant DOMAIN_TAG = MarginDomain.TAG;
    /// @notice Venue ids, and so venue slots packed 32 bits each; at most 4 slots (one tail word, one storage slot).
    uint256 public constant MAX_VENUE_SLOTS = 4;
    /// @notice ttl and gracePeriod are at most a year.
    uint64 public constant MAX_PERIOD = 365 days;

    uint256 private constant MASK96 = (1 << 96) - 1;
    /// @dev A batch remembers the roots of this many distinct venue lists of one epoch.
    uint256 private constant CACHED_LISTS = 4;
    uint256 private constant MASK32 = (1 << 32) - 1;
    uint256 private constant MIN_EXCESS_BITS = 112;

    /// @notice Venues, roots and the book ledger.
    IVenueRegistry public immutable registry;
    /// @notice Snapshots: context hashes and their times.
    IOracleHub public immutable oracle;
    /// @notice The instance's batch verifier.
    IGroth16BatchVerifier public immutable batchVerifier;
    /// @notice Venue slots V of the instance.
    uint256 public immutable venueSlots;
    /// @notice Public signals of the instance: 5 + V.
    uint256 public immutable publicSignalCount;
    /// @notice An attestation lapses at most this many seconds after its snapshot was taken.
    uint64 public immutable ttl;
    /// @notice After the next snapshot, an attestation stays Live this many seconds (time to renew).
    uint64 public immutable renewalWindow;
    /// @notice After it lapses, liens still bind and the book stays bound for this many seconds.
    uint64 public immutable gracePeriod;

    uint256 private immutable _domain;
    uint256 private immutable _chainId;

    mapping(address subject => uint256 packed) private _att;
    mapping(address subject => uint256 packed) private _acct;
    mapping(address subject => mapping(address consumer => uint256 packed)) private _liens;

    /// @notice Contract dependencies.
    struct Deps {
        IVenueRegistry registry;
        IGroth16BatchVerifier batchVerifier;
    }

    /// @notice Lifecycle timing, seconds.
    struct Timing {
        uint64 ttl;
        uint64 renewalWindow;
        uint64 gracePeriod;
    }

    /// @dev What a batch reads once for the entries that share it: the last epoch's snapshot context, and the roots of
    ///      the last venue list at that epoch (already checked valid).
    struct Cache {
        bool hasContext;
        uint64 epoch;
        IOracleHub.Context context;
        uint256 lists;
        uint256[CACHED_LISTS] ids;
        uint256[][CACHED_LISTS] roots;
    }

    /// @dev What the first phase of an attestation hands to the record phase.
    struct Pending {
        address subject;
        uint256 packed;
        uint256 bookNullifier;
        uint64 lapsesAt;
        uint32 riskVersion;
        bool relayed;
    }

    /// @param deps the registry (and through it the oracle) and the instance's batch verifier
    /// @param venueSlots_ V of the instance (1..4)
    /// @param timing 0 < ttl ≤ MAX_PERIOD, renewalWindow ≤ ttl, 0 < gracePeriod ≤ MAX_PERIOD
    constructor(Deps memory deps, uint256 venueSlots_, Timing memory timing) EIP712("zkmargin MarginAttestor", "2") {
        if (address(deps.registry) == address(0)) revert MarginAttestor__InvalidConfig("registry");
        if (venueSlots_ == 0 || venueSlots_ > MAX_VENUE_SLOTS) revert MarginAttestor__InvalidConfig("venueSlots");
        if (timing.ttl == 0 || timing.ttl > MAX_PERIOD) revert MarginAttestor__InvalidConfig("ttl");
        if (timing.renewalWindow > timing.ttl) revert MarginAttestor__InvalidConfig("renewalWindow");
        if (timing.gracePeriod == 0 || timing.gracePeriod > MAX_PERIOD) revert MarginAttestor__InvalidConfig("gracePeriod");
        uint256 npub = 5 + venueSlots_;
        if (deps.batchVerifier.NPUB() != npub) revert MarginAttestor__InvalidConfig("batchVerifier");
        registry = deps.registry;
        oracle = deps.registry.oracle();
        batchVerifier = deps.batchVerifier;
        venueSlots = venueSlots_;
        publicSignalCount = npub;
        ttl = timing.ttl;
        renewalWindow = timing.renewalWindow;
        gracePeriod = timing.gracePeriod;
        _domain = MarginDomain.domainOf(address(deps.registry));
        _chainId = block.chainid;
    }

    /// @dev Check (5): the instance's Groth16 check of one proof (the inlined, generated verifier).
    function _verifyProof(uint256[8] calldata proof, uint256[] memory pubs) internal view virtual returns (bool);

    /// @dev The domain, for the generated constructor's check.
    function _domainValue() internal view returns (uint256) {
        return _domain;
    }

    // ------------------------------------------------------------------------------------------------ attestation

    /// @inheritdoc IMarginAttestor
    function attest(uint256[8] calldata proof, uint256[] calldata venueIds, uint256 bookNullifier, uint64 epoch, uint256 minExcess)
        external
    {
        (uint256[] memory pubs, Pending memory p) = _prepare(msg.sender, venueIds, bookNullifier, epoch, minExcess, _noCache());
        _requireForward(p);
        if (!_verifyProof(proof, pubs)) revert MarginAttestor__InvalidProof();
        _record(p, venueIds);
    }

    /// @inheritdoc IMarginAttestor
    function attestFor(uint256[8] calldata proof, AttestRequest calldata request, bytes calldata signature) external {
        (uint256[] memory pubs, Pending memory p) =
            _prepare(request.subject, request.venueIds, request.bookNullifier, request.epoch, request.minExcess, _noCache());
        _requireForward(p);
        _authorize(request, signature);
        if (!_verifyProof(proof, pubs)) revert MarginAttestor__InvalidProof();
        _record(p, request.venueIds);
    }

    /// @inheritdoc IMarginAttestor
    function attestBatch(uint256[8][] calldata proofs, AttestRequest[] calldata requests, bytes[] calldata signatures) external {
        uint256 n = proofs.length;
        if (n == 0 || requests.length != n || signatures.length != n) {
            revert MarginAttestor__BadBatch(n, requests.length, signatures.length);
        }
        uint256 npub = publicSignalCount;
        Pending[] memory todo = new Pending[](n);
        uint256[] memory index = new uint256[](n);
        uint256 m = 0;
        uint256[] memory all = new uint256[](n * npub);
        Cache memory cache = _noCache();
        for (uint256 i = 0; i < n; ++i) {
            AttestRequest calldata r = requests[i];
            (uint256[] memory pubs, Pending memory p) = _prepare(r.subject, r.venueIds, r.bookNullifier, r.epoch, r.minExcess, cache);
            // An entry already recorded (or overtaken) is skipped, so copying one out and landing it first cannot
            // revert the batch; its signature is not checked (its nonce may be spent).
            if (!_isForward(p)) {
                emit AttestSkipped(r.subject, i);
                continue;
            }
            _authorize(r, signatures[i]);
            for (uint256 j = 0; j < npub; ++j) all[m * npub + j] = pubs[j];
            todo[m] = p;
            index[m] = i;
            ++m;
        }
        if (m == 0) return;
        if (m == n) {
            if (!batchVerifier.verifyBatch(proofs, all)) revert MarginAttestor__InvalidBatch();
        } else {
            uint256[8][] memory kept = new uint256[8][](m);
            for (uint256 k = 0; k < m; ++k) kept[k] = proofs[index[k]];
            assembly ("memory-safe") {
                mstore(all, mul(m, npub))
            }
            if (!batchVerifier.verifyBatch(kept, all)) revert MarginAttestor__InvalidBatch();
        }
        for (uint256 k = 0; k < m; ++k) {
            // Two entries of one subject: the later one is recorded only if it still moves forward.
            if (!_isForward(todo[k])) {
                emit AttestSkipped(todo[k].subject, index[k]);
                continue;
            }
            _record(todo[k], requests[index[k]].venueIds);
        }
    }

    /// @inheritdoc IMarginAttestor
    function verifyProof(
        uint256[8] calldata proof,
        address subject,
        uint256[] calldata venueIds,
        uint256 bookNullifier,
        uint64 epoch,
        uint256 minExcess
    ) external view returns (bool) {
        (uint256[] memory pubs,) = _prepare(subject, venueIds, bookNullifier, epoch, minExcess, _noCache());
        return _verifyProof(proof, pubs);
    }

    /// @inheritdoc IMarginAttestor
    function publicInputs(address subject, uint256[] calldata venueIds, uint256 bookNullifier, uint64 epoch, uint256 minExcess)
        external
        view
        returns (uint256[] memory pubs)
    {
        (pubs,) = _prepare(subject, venueIds, bookNullifier, epoch, minExcess, _noCache());
    }

    /// @inheritdoc IMarginAttestor
    function domain() external view returns (uint256) {
        return _domain;
    }

    /// @inheritdoc IMarginAttestor
    function cancelNonce() external {
        uint256 used = _useNonce(msg.sender);
        emit NonceCancelled(msg.sender, used);
    }

    /// @inheritdoc IMarginAttestor
    function nonces(address subject) public view override(IMarginAttestor, Nonces) returns (uint256) {
        return super.nonces(subject);
    }

    /// @notice The EIP-712 domain separator.
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // ------------------------------------------------------------------------------------------------ liens

    /// @inheritdoc IMarginAttestor
    function allocate(address consumer, uint256 amount) external {
        if (consumer == address(0) || amount == 0) revert MarginAttestor__InvalidAllocation(consumer, amount);
        uint256 a = _att[msg.sender];
        State s = _stateOf(a);
        if (s != State.Live) revert MarginAttestor__NotLive(msg.sender, s);
        uint256 acct = _acct[msg.sender];
        uint256 total = acct & MASK96;
        uint256 term = acct >> 96;
        uint256 available = (a & MASK96) - total;
        if (amount > available) revert MarginAttestor__OverAllocated(amount, available);
        uint256 l = _liens[msg.sender][consumer];
        uint256 lien = (l >> 96 == term ? l & MASK96 : 0) + amount;
        _acct[msg.sender] = (total + amount) | (term << 96);
        _liens[msg.sender][consumer] = lien | (term << 96);
        emit Allocated(msg.sender, consumer, amount, lien);
    }

    /// @inheritdoc IMarginAttestor
    function release(address subject, uint256 amount) external {
        uint256 acct = _acct[subject];
        uint256 term = acct >> 96;
        uint256 l = _liens[subject][msg.sender];
        uint256 lien = l >> 96 == term ? l & MASK96 : 0;
        if (amount == 0 || amount > lien) revert MarginAttestor__ReleaseExceedsLien(amount, lien);
        lien -= amount;
        _acct[subject] = ((acct & MASK96) - amount) | (term << 96);
        _liens[subject][msg.sender] = lien | (term << 96);
        emit Released(subject, msg.sender, amount, lien);
    }

    /// @inheritdoc IMarginAttestor
    function reclaim() external {
        uint256 a = _att[msg.sender];
        (State s, uint64 lapsesAt) = _stateAndLapse(a);
        if (s != State.Ended) revert MarginAttestor__NotEnded(msg.sender, s, a == 0 ? 0 : lapsesAt + gracePeriod);
        _reclaim(msg.sender, _acct[msg.sender]);
    }

    // ------------------------------------------------------------------------------------------------ reads

    /// @inheritdoc IMarginAttestor
    function availableExcess(address subject) external view returns (uint256) {
        uint256 a = _att[subject];
        if (_stateOf(a) != State.Live) return 0;
        return (a & MASK96) - (_acct[subject] & MASK96);
    }

    /// @inheritdoc IMarginAttestor
    function lienOf(address subject, address consumer) external view returns (Lien memory lien) {
        uint256 l = _liens[subject][consumer];
        if (l >> 96 != _acct[subject] >> 96 || l & MASK96 == 0) return lien;
        lien.amount = l & MASK96;
        (State s, uint64 lapsesAt) = _stateAndLapse(_att[subject]);
        lien.state = s;
        lien.until = s == State.Live ? lapsesAt : lapsesAt + gracePeriod;
    }

    /// @inheritdoc IMarginAttestor
    function statusOf(address subject) external view returns (Status memory st) {
        uint256 a = _att[subject];
        if (a == 0) return st;
        uint64 epoch = uint64((a >> 96) & MASK32);
        IOracleHub.Context memory c = oracle.contextAt(epoch);
        uint64 lapsesAt = _lapse(a, c.takenAt, c.supersededAt);
        st.state = _state(lapsesAt);
        st.epoch = epoch;
        st.minExcess = a & MASK96;
        st.allocated = _acct[subject] & MASK96;
        st.available = st.state == State.Live ? st.minExcess - st.allocated : 0;
        st.lapsesAt = lapsesAt;
        st.graceEndsAt = lapsesAt + gracePeriod;
        st.riskVersion = c.riskVersion;
        st.venueIds = _ids(a);
    }

    /// @inheritdoc IMarginAttestor
    function attestationOf(address subject) external view returns (Attestation memory at) {
        uint256 a = _att[subject];
        if (a == 0) return at;
        at.epoch = uint64((a >> 96) & MASK32);
        at.minExcess = a & MASK96;
        at.venueIds = _ids(a);
    }

    /// @inheritdoc IBookHolder
    function bookHeldUntil(address subject) external view returns (uint64) {
        uint256 a = _att[subject];
        if (a == 0) return 0;
        (, uint64 lapsesAt) = _stateAndLapse(a);
        return lapsesAt + gracePeriod;
    }

    // ------------------------------------------------------------------------------------------------ internals

    /// @dev Checks (1)-(4); the ordered public inputs and what the record phase needs.
    function _prepare(address subject, uint256[] calldata venueIds, uint256 bookNullifier, uint64 epoch, uint256 minExcess, Cache memory cache)
        private
        view
        returns (uint256[] memory pubs, Pending memory p)
    {
        if (block.chainid != _chainId) revert MarginAttestor__ChainIdChanged(_chainId, block.chainid);
        uint256 ids = _packIds(venueIds);
        // Check (2): field elements and widths.
        if (bookNullifier == 0 || bookNullifier >= PoseidonSponge.FIELD) revert MarginAttestor__InvalidBookNullifier(bookNullifier);
        if (minExcess > MASK96) revert MarginAttestor__InvalidMinExcess(minExcess);
        // Check (3): the snapshot exists and an attestation of it is Live now.
        if (!cache.hasContext || cache.epoch != epoch) {
            cache.context = oracle.contextAt(epoch);
            cache.epoch = epoch;
            cache.hasContext = true;
            cache.lists = 0;
        }
        IOracleHub.Context memory c = cache.context;
        if (c.contextHash == 0) revert MarginAttestor__NoSnapshot(epoch);
        uint64 lapsesAt = c.takenAt + ttl;
        if (c.supersededAt != 0 && c.supersededAt + renewalWindow < lapsesAt) lapsesAt = c.supersededAt + renewalWindow;
        if (block.timestamp >= lapsesAt) revert MarginAttestor__EpochExpired(epoch, lapsesAt);

        uint256 v = venueSlots;
        pubs = new uint256[](5 + v);
        pubs[0] = uint256(uint160(subject));
        pubs[1] = _domain;
        pubs[2] = c.contextHash;
        uint256[] memory roots = _cachedRoots(cache, ids);
        if (roots.length == 0) {
            roots = _roots(venueIds, epoch, c.takenAt);
            cache.ids[cache.lists % CACHED_LISTS] = ids;
            cache.roots[cache.lists % CACHED_LISTS] = roots;
            ++cache.lists;
        }
        for (uint256 i = 0; i < v; ++i) pubs[3 + i] = roots[i];
        pubs[3 + v] = bookNullifier;
        pubs[4 + v] = minExcess | (ids << MIN_EXCESS_BITS);

        p.subject = subject;
        p.packed = minExcess | (uint256(epoch) << 96) | (ids << 128);
        p.bookNullifier = bookNullifier;
        p.lapsesAt = lapsesAt;
        p.riskVersion = c.riskVersion;
        p.relayed = subject != msg.sender;
    }

    /// @dev Check (1): V slots, active ids first, strictly increasing, < 2^32, at least one; packed 32 bits each.
    function _packIds(uint256[] calldata venueIds) private view returns (uint256 ids) {
        uint256 v = venueSlots;
        if (venueIds.length != v) revert MarginAttestor__WrongSlotCount(venueIds.length, v);
        uint256 previous = 0;
        bool ended = false;
        for (uint256 i = 0; i < v; ++i) {
            uint256 id = venueIds[i];
            if (id == 0) {
                ended = true;
                continue;
            }
            if (ended || id <= previous || id > MASK32) revert MarginAttestor__BadVenueIds(i, id);
            previous = id;
            ids |= id << (32 * i);
        }
        if (previous == 0) revert MarginAttestor__NoVenues();
    }

    /// @dev Check (4): the valid root of each active venue at the epoch (0 for an unused slot).
    function _roots(uint256[] calldata venueIds, uint64 epoch, uint64 takenAt) private view returns (uint256[] memory roots) {
        uint256 badVenue;
        uint64 invalidAt;
        (roots, badVenue, invalidAt) = registry.rootsAt(venueIds, epoch, takenAt);
        for (uint256 i = 0; i < roots.length; ++i) {
            if (venueIds[i] != 0 && roots[i] == 0) revert MarginAttestor__NoRoot(venueIds[i], epoch);
        }
        if (badVenue != 0) revert MarginAttestor__RootInvalid(badVenue, epoch, invalidAt);
    }

    function _noCache() private pure returns (Cache memory cache) {}

    /// @dev The cached roots of a packed venue list at the cache's epoch (an empty array if not cached).
    function _cachedRoots(Cache memory cache, uint256 ids) private pure returns (uint256[] memory) {
        uint256 k = cache.lists < CACHED_LISTS ? cache.lists : CACHED_LISTS;
        for (uint256 i = 0; i < k; ++i) {
            if (cache.ids[i] == ids) return cache.roots[i];
        }
        return new uint256[](0);
    }

    /// @dev Check (7): a later epoch, or the same epoch with at least (relayed: more than) the current excess.
    function _isForward(Pending memory p) private view returns (bool) {
        uint256 cur = _att[p.subject];
        if (cur == 0) return true;
        uint256 e = (p.packed >> 96) & MASK32;
        uint256 ce = (cur >> 96) & MASK32;
        if (e != ce) return e > ce;
        uint256 x = p.packed & MASK96;
        uint256 cx = cur & MASK96;
        return p.relayed ? x > cx : x >= cx;
    }

    function _requireForward(Pending memory p) private view {
        if (_isForward(p)) return;
        uint256 cur = _att[p.subject];
        uint64 e = uint64((p.packed >> 96) & MASK32);
        uint64 ce = uint64((cur >> 96) & MASK32);
        if (e < ce) revert MarginAttestor__OlderThanCurrent(e, ce);
        revert MarginAttestor__NotForward(e, p.packed & MASK96, cur & MASK96);
    }

    /// @dev Checks (6) and (8), and the write (one slot; the liens' slot only when they must be reclaimed).
    function _record(Pending memory p, uint256[] calldata venueIds) private {
        registry.bindBook(p.bookNullifier, p.subject);
        uint256 cur = _att[p.subject];
        // A subject without an attestation has no liens: its liens' slot is read only on a renewal.
        uint256 acct = cur == 0 ? 0 : _acct[p.subject];
        uint256 total = acct & MASK96;
        if (total != 0) {
            if (_stateOf(cur) == State.Ended) {
                _reclaim(p.subject, acct);
            } else if (p.packed & MASK96 < total) {
                revert MarginAttestor__BelowAllocated(p.packed & MASK96, total);
            }
        }
        _att[p.subject] = p.packed;
        emit Attested(p.subject, uint64((p.packed >> 96) & MASK32), p.bookNullifier, p.packed & MASK96, venueIds, p.lapsesAt, p.riskVersion);
    }

    function _reclaim(address subject, uint256 acct) private {
        uint256 total = acct & MASK96;
        uint32 term = uint32(acct >> 96) + 1;
        _acct[subject] = uint256(term) << 96;
        emit Reclaimed(subject, total, term);
    }

    /// @dev attestFor / attestBatch: msg.sender is the subject, or the subject signed the request (EIP-712) with its
    ///      current nonce. The nonce is not consumed: a request cannot be replayed because a relayed request must move
    ///      the attestation strictly forward (check 7), and cancelNonce() bumps the nonce, voiding every outstanding
    ///      request at once. So a subject may hand several requests to relayers, and landing one costs no nonce write.
    function _authorize(AttestRequest calldata r, bytes calldata signature) private view {
        if (r.subject == msg.sender) return;
        if (block.timestamp > r.deadline) revert MarginAttestor__SignatureExpired(r.deadline);
        bytes32 structHash = keccak256(
            abi.encode(
                ATTEST_REQUEST_TYPEHASH,
                r.subject,
                keccak256(abi.encodePacked(r.venueIds)),
                r.bookNullifier,
                r.epoch,
                r.minExcess,
                nonces(r.subject),
                r.deadline
            )
        );
        bytes32 digest = _hashTypedDataV4(structHash);
        // An EOA's signature first (no code-size lookup of the subject), then ERC-1271 for a contract wallet.
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecover(digest, signature);
        if (err == ECDSA.RecoverError.NoError && signer == r.subject) return;
        if (!SignatureChecker.isValidERC1271SignatureNow(r.subject, digest, signature)) revert MarginAttestor__InvalidSignature(r.subject);
    }

    /// @dev The lifecycle state of a packed attestation now.
    function _stateOf(uint256 a) private view returns (State s) {
        (s,) = _stateAndLapse(a);
    }

    function _stateAndLapse(uint256 a) private view returns (State, uint64) {
        if (a == 0) return (State.None, 0);
        (uint64 takenAt, uint64 supersededAt) = oracle.timesAt(uint64((a >> 96) & MASK32));
        uint64 lapsesAt = _lapse(a, takenAt, supersededAt);
        return (_state(lapsesAt), lapsesAt);
    }

    /// @dev lapsesAt = min(takenAt + ttl, supersededAt + renewalWindow, the earliest invalidation of its roots).
    function _lapse(uint256 a, uint64 takenAt, uint64 supersededAt) private view returns (uint64 lapsesAt) {
        lapsesAt = takenAt + ttl;
        if (supersededAt != 0 && supersededAt + renewalWindow < lapsesAt) lapsesAt = supersededAt + renewalWindow;
        uint64 inv = registry.invalidatedAt(_ids(a), uint64((a >> 96) & MASK32), takenAt);
        if (inv != 0 && inv < lapsesAt) lapsesAt = inv;
    }

    function _state(uint64 lapsesAt) private view returns (State) {
        if (block.timestamp < lapsesAt) return State.Live;
        if (block.timestamp < uint256(lapsesAt) + gracePeriod) return State.Grace;
        return State.Ended;
    }

    /// @dev The V venue ids of a packed attestation.
    function _ids(uint256 a) private view returns (uint256[] memory ids) {
        uint256 v = venueSlots;
        ids = new uint256[](v);
        for (uint256 i = 0; i < v; ++i) ids[i] = (a >> (128 + 32 * i)) & MASK32;
    }
}
