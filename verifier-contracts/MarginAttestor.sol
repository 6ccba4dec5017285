// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {IBookHolder} from "./interfaces/IBookHolder.sol";
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
///         attest and attestFor revert with the failing check's named error; attestBatch skips an entry that fails a
///         check one party other than the relayer can make it fail ((3), (4), (6)-(8), the signature: SkipReason) and
///         reverts only on what the relayer controls (arrays, chain id, checks (1)-(2), a bad proof). DESIGN §5.8.
///         Storage per subject: one slot for the attestation (minExcess 96 | epoch 32 | venue ids 4×32), one for the
///         liens' total, their term and the EIP-712 nonce (written only by allocate / release / reclaim /
///         cancelNonce); one slot per lien. The book's binding lives in the registry's ledger, written once per book.
///         Abstract: the instance's verifiers (one proof, and n proofs with one pairing check) are inlined by the
///         generated InstanceMarginAttestor (verifier-contracts/generated/<instance>/MarginVerifier.sol), which
///         implements _verifyProof and _verifyBatch. Gas: docs/DESIGN.md §5.11.
abstract contract MarginAttestor is IMarginAttestor, EIP712 {
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
    uint256 private constant MASK32 = (1 << 32) - 1;
    uint256 private constant MIN_EXCESS_BITS = 112;
    /// @dev The liens' slot: total (96 bits) | term << 96 (32 bits) | nonce << NONCE_SHIFT.
    uint256 private constant NONCE_SHIFT = 128;
    /// @notice The gas a batch entry's ERC-1271 signature check (a contract-wallet subject) may use. A wallet is code
    ///         its subject controls: without a bound it could burn the whole batch's gas (63/64 of it) between the
    ///         relayer's simulation and the block. Past the bound the entry is skipped (InvalidSignature); a relayer
    ///         budgets this much extra gas per contract-wallet entry. attestFor forwards all gas (its sender pays).
    uint256 public constant ERC1271_BATCH_GAS = 300_000;
    /// @dev A batch remembers the roots of this many distinct venue lists of one epoch.
    uint256 private constant CACHED_LISTS = 4;

    /// @notice Venues, roots and the book ledger.
    IVenueRegistry public immutable registry;
    /// @notice Snapshots: context hashes and their times.
    IOracleHub public immutable oracle;
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
    /// @dev This attestor's part of a ledger binding word (VenueRegistry: subject | address mod 2^96 << 160).
    uint256 private immutable _bindingTag;

    mapping(address subject => uint256 packed) private _att;
    mapping(address subject => uint256 packed) private _acct;
    mapping(address subject => mapping(address consumer => uint256 packed)) private _liens;

    /// @notice Lifecycle timing, seconds.
    struct Timing {
        uint64 ttl;
        uint64 renewalWindow;
        uint64 gracePeriod;
    }

    /// @dev One statement that passed checks (1)-(4), as the record phase needs it.
    struct Entry {
        address subject;
        /// minExcess | epoch << 96 | venue ids << 128: the attestation slot
        uint256 packed;
        uint256 bookNullifier;
        uint64 lapsesAt;
        uint32 riskVersion;
        bool relayed;
    }

    /// @dev What a batch reads once for the entries that share it: the last epoch's snapshot (epoch 0: none, the
    ///      oracle never snapshots it), and the roots of the last venue lists at that epoch (already checked valid).
    struct Cache {
        uint64 epoch;
        IOracleHub.Context context;
        uint256 lists;
        uint256[CACHED_LISTS] ids;
        uint256[4][CACHED_LISTS] roots;
    }

    /// @dev A batch in progress: its records (proof, public signals) at buf, `rec` bytes each; the m entries kept so
    ///      far with their indexes in the call; the cache.
    struct Batch {
        uint256 buf;
        uint256 rec;
        uint256 m;
        Entry[] todo;
        uint256[] index;
        Cache cache;
    }

    /// @param registry_ the registry (and through it the oracle)
    /// @param venueSlots_ V of the instance (1..4)
    /// @param timing 0 < ttl ≤ MAX_PERIOD, renewalWindow ≤ ttl, 0 < gracePeriod ≤ MAX_PERIOD
    constructor(IVenueRegistry registry_, uint256 venueSlots_, Timing memory timing) EIP712("zkmargin MarginAttestor", "2") {
        if (address(registry_) == address(0)) revert MarginAttestor__InvalidConfig("registry");
        if (venueSlots_ == 0 || venueSlots_ > MAX_VENUE_SLOTS) revert MarginAttestor__InvalidConfig("venueSlots");
        if (timing.ttl == 0 || timing.ttl > MAX_PERIOD) revert MarginAttestor__InvalidConfig("ttl");
        if (timing.renewalWindow > timing.ttl) revert MarginAttestor__InvalidConfig("renewalWindow");
        if (timing.gracePeriod == 0 || timing.gracePeriod > MAX_PERIOD) revert MarginAttestor__InvalidConfig("gracePeriod");
        registry = registry_;
        oracle = registry_.oracle();
        venueSlots = venueSlots_;
        publicSignalCount = 5 + venueSlots_;
        ttl = timing.ttl;
        renewalWindow = timing.renewalWindow;
        gracePeriod = timing.gracePeriod;
        _domain = MarginDomain.domainOf(address(registry_));
        _chainId = block.chainid;
        _bindingTag = uint256(uint96(uint160(address(this)))) << 160;
    }

    /// @dev Check (5): the instance's Groth16 check of one proof (the inlined, generated verifier).
    function _verifyProof(uint256[8] calldata proof, uint256[] memory pubs) internal view virtual returns (bool);

    /// @dev Check (5) for n proofs with one pairing check (the inlined, generated batch verifier): `buf` holds n
    ///      records of [proof (8 words), public signals (5 + V words)] in memory.
    function _verifyBatch(uint256 buf, uint256 n) internal view virtual returns (bool);

    /// @dev The domain, for the generated constructor's check.
    function _domainValue() internal view returns (uint256) {
        return _domain;
    }

    // ------------------------------------------------------------------------------------------------ attestation

    /// @inheritdoc IMarginAttestor
    function attest(uint256[8] calldata proof, uint256[] calldata venueIds, uint256 bookNullifier, uint64 epoch, uint256 minExcess)
        external
    {
        (uint256[] memory pubs, Entry memory e, uint256 binding) = _prepareOne(msg.sender, venueIds, bookNullifier, epoch, minExcess);
        uint256 cur = _requireForward(e);
        if (!_verifyProof(proof, pubs)) revert MarginAttestor__InvalidProof();
        _record(e, venueIds, binding, cur, true);
    }

    /// @inheritdoc IMarginAttestor
    function attestFor(uint256[8] calldata proof, AttestRequest calldata request, bytes calldata signature) external {
        (uint256[] memory pubs, Entry memory e, uint256 binding) =
            _prepareOne(request.subject, request.venueIds, request.bookNullifier, request.epoch, request.minExcess);
        uint256 cur = _requireForward(e);
        _authorize(request, signature, true);
        if (!_verifyProof(proof, pubs)) revert MarginAttestor__InvalidProof();
        _record(e, request.venueIds, binding, cur, true);
    }

    /// @inheritdoc IMarginAttestor
    function attestBatch(uint256[8][] calldata proofs, AttestRequest[] calldata requests, bytes[] calldata signatures) external {
        uint256 n = proofs.length;
        if (n == 0 || requests.length != n || signatures.length != n) {
            revert MarginAttestor__BadBatch(n, requests.length, signatures.length);
        }
        if (block.chainid != _chainId) revert MarginAttestor__ChainIdChanged(_chainId, block.chainid);
        // The records the batch check reads: [proof, public signals] per entry kept, in memory.
        Batch memory b;
        b.rec = 32 * (8 + publicSignalCount);
        uint256 size = n * b.rec;
        uint256 buf;
        assembly ("memory-safe") {
            buf := mload(0x40)
            mstore(0x40, add(buf, size))
        }
        b.buf = buf;
        b.todo = new Entry[](n);
        b.index = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) _stage(b, proofs[i], requests[i], signatures[i], i);
        uint256 m = b.m;
        if (m == 0) return;
        if (!_verifyBatch(buf, m)) revert MarginAttestor__InvalidBatch();
        for (uint256 k = 0; k < m; ++k) {
            Entry memory e = b.todo[k];
            uint256 cur = _att[e.subject];
            // Two entries of one subject: the later one is recorded only if it still moves forward.
            SkipReason why = _forwardOf(e, cur) ? _record(e, requests[b.index[k]].venueIds, 0, cur, false) : SkipReason.NotForward;
            if (why != SkipReason.None) emit AttestSkipped(e.subject, b.index[k], why);
        }
    }

    /// @dev Phase 1 of a batch entry: checks (3), (4), (7) and the authorization, then its record ([proof, public
    ///      signals]) is kept. An entry failing one of them (what one party other than the relayer can cause: its
    ///      subject, a venue, time) is skipped with the reason and leaves no record, so its proof is not in the batch
    ///      check. A malformed request (checks (1), (2)) still reverts: it is fixed by what the subject signed, and the
    ///      relayer checks it off-chain. An entry already recorded (or overtaken) is skipped before its signature is
    ///      checked (its nonce may be spent).
    function _stage(Batch memory b, uint256[8] calldata proof, AttestRequest calldata r, bytes calldata signature, uint256 i) private {
        uint256 at = b.buf + b.m * b.rec;
        (Entry memory e, SkipReason why) = _prepareInto(at + 256, r, b.cache);
        if (why == SkipReason.None) why = _isForward(e) ? _authorize(r, signature, false) : SkipReason.NotForward;
        if (why != SkipReason.None) {
            emit AttestSkipped(r.subject, i, why);
            return;
        }
        assembly ("memory-safe") {
            calldatacopy(at, proof, 256)
        }
        b.todo[b.m] = e;
        b.index[b.m] = i;
        ++b.m;
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
        (uint256[] memory pubs,,) = _prepareOne(subject, venueIds, bookNullifier, epoch, minExcess);
        return _verifyProof(proof, pubs);
    }

    /// @inheritdoc IMarginAttestor
    function publicInputs(address subject, uint256[] calldata venueIds, uint256 bookNullifier, uint64 epoch, uint256 minExcess)
        external
        view
        returns (uint256[] memory pubs)
    {
        (pubs,,) = _prepareOne(subject, venueIds, bookNullifier, epoch, minExcess);
    }

    /// @inheritdoc IMarginAttestor
    function domain() external view returns (uint256) {
        return _domain;
    }

    /// @inheritdoc IMarginAttestor
    function cancelNonce() external {
        uint256 acct = _acct[msg.sender];
        _acct[msg.sender] = acct + (1 << NONCE_SHIFT);
        emit NonceCancelled(msg.sender, acct >> NONCE_SHIFT);
    }

    /// @inheritdoc IMarginAttestor
    function nonces(address subject) external view returns (uint256) {
        return _acct[subject] >> NONCE_SHIFT;
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
        uint256 term = (acct >> 96) & MASK32;
        uint256 available = (a & MASK96) - (acct & MASK96);
        if (amount > available) revert MarginAttestor__OverAllocated(amount, available);
        uint256 l = _liens[msg.sender][consumer];
        uint256 lien = (l >> 96 == term ? l & MASK96 : 0) + amount;
        // the total stays ≤ minExcess < 2^96: no carry into the term
        _acct[msg.sender] = acct + amount;
        _liens[msg.sender][consumer] = lien | (term << 96);
        emit Allocated(msg.sender, consumer, amount, lien);
    }

    /// @inheritdoc IMarginAttestor
    function release(address subject, uint256 amount) external {
        uint256 acct = _acct[subject];
        uint256 term = (acct >> 96) & MASK32;
        uint256 l = _liens[subject][msg.sender];
        uint256 lien = l >> 96 == term ? l & MASK96 : 0;
        if (amount == 0 || amount > lien) revert MarginAttestor__ReleaseExceedsLien(amount, lien);
        lien -= amount;
        // a lien of the term is part of the total: no borrow from the term
        _acct[subject] = acct - amount;
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
        if (l >> 96 != (_acct[subject] >> 96) & MASK32 || l & MASK96 == 0) return lien;
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

    /// @dev Checks (1)-(4) of one statement against chain state: the ordered public inputs, the entry, and the
    ///      book's current binding word in the ledger (read with the roots, in the same registry call).
    function _prepareOne(address subject, uint256[] calldata venueIds, uint256 bookNullifier, uint64 epoch, uint256 minExcess)
        private
        view
        returns (uint256[] memory pubs, Entry memory e, uint256 binding)
    {
        if (block.chainid != _chainId) revert MarginAttestor__ChainIdChanged(_chainId, block.chainid);
        uint256 ids = _packIds(venueIds);
        _checkWords(bookNullifier, minExcess);
        IOracleHub.Context memory c = oracle.contextAt(epoch);
        uint256[4] memory roots;
        (roots, binding) = _listRoots(ids, epoch, c, bookNullifier);
        pubs = new uint256[](publicSignalCount);
        uint256 dst;
        assembly ("memory-safe") {
            dst := add(pubs, 32)
        }
        e = _entry(dst, subject, ids, roots, c, bookNullifier, epoch, minExcess);
    }

    /// @dev Checks (3) and (4) of one statement: the roots of its venue list, and its book's ledger word.
    function _listRoots(uint256 ids, uint64 epoch, IOracleHub.Context memory c, uint256 bookNullifier)
        private
        view
        returns (uint256[4] memory roots, uint256 binding)
    {
        _liveUntil(c, epoch, true);
        uint256 invalid;
        (roots, invalid, binding) = registry.listRoots(ids, epoch, c.takenAt, bookNullifier);
        _checkRoots(ids, roots, invalid, epoch, true);
    }

    /// @dev _prepareOne for a batch entry: the public inputs written at `dst`, the snapshot and the roots from the
    ///      batch's cache when an earlier entry read them (the book's binding is left to bindBook at record time).
    ///      Checks (3) and (4) return why they fail (the entry is then left unwritten); (1) and (2) revert.
    function _prepareInto(uint256 dst, AttestRequest calldata r, Cache memory cache) private view returns (Entry memory e, SkipReason why) {
        uint256 ids = _packIds(r.venueIds);
        _checkWords(r.bookNullifier, r.minExcess);
        uint64 epoch = r.epoch;
        if (cache.epoch != epoch || epoch == 0) {
            cache.context = oracle.contextAt(epoch);
            cache.epoch = epoch;
            cache.lists = 0;
        }
        (uint256[4] memory roots, SkipReason fail) = _cachedRoots(cache, ids, epoch);
        if (fail != SkipReason.None) return (e, fail);
        e = _entry(dst, r.subject, ids, roots, cache.context, r.bookNullifier, epoch, r.minExcess);
    }

    /// @dev Checks (3) and (4) through the batch's cache: the roots of a venue list at the cache's epoch, or why the
    ///      list fails (a failing list is not cached: a later entry with it asks again and fails the same way).
    function _cachedRoots(Cache memory cache, uint256 ids, uint64 epoch) private view returns (uint256[4] memory roots, SkipReason why) {
        uint256 k = cache.lists < CACHED_LISTS ? cache.lists : CACHED_LISTS;
        for (uint256 i = 0; i < k; ++i) {
            if (cache.ids[i] == ids) return (cache.roots[i], SkipReason.None);
        }
        // check (3) before the registry is asked (the order of a single attestation's errors)
        (, why) = _liveUntil(cache.context, epoch, false);
        if (why != SkipReason.None) return (roots, why);
        uint256 invalid;
        (roots, invalid,) = registry.listRoots(ids, epoch, cache.context.takenAt, 0);
        why = _checkRoots(ids, roots, invalid, epoch, false);
        if (why != SkipReason.None) return (roots, why);
        cache.ids[cache.lists % CACHED_LISTS] = ids;
        cache.roots[cache.lists % CACHED_LISTS] = roots;
        ++cache.lists;
    }

    /// @dev Check (2): the book nullifier a nonzero field element, minExcess below 2^96.
    function _checkWords(uint256 bookNullifier, uint256 minExcess) private pure {
        if (bookNullifier == 0 || bookNullifier >= PoseidonSponge.FIELD) revert MarginAttestor__InvalidBookNullifier(bookNullifier);
        if (minExcess > MASK96) revert MarginAttestor__InvalidMinExcess(minExcess);
    }

    // Checks that a batch entry can fail because of one other party take `strict`: true (attest, attestFor, the
    // views) reverts with the named error; false (attestBatch) returns the SkipReason instead, None if it passes.

    /// @dev Check (3): the epoch's snapshot exists and an attestation of it is Live now; returns its lapse time.
    function _liveUntil(IOracleHub.Context memory c, uint64 epoch, bool strict) private view returns (uint64 lapsesAt, SkipReason why) {
        if (c.contextHash == 0) {
            if (strict) revert MarginAttestor__NoSnapshot(epoch);
            return (0, SkipReason.NoSnapshot);
        }
        lapsesAt = c.takenAt + ttl;
        if (c.supersededAt != 0 && c.supersededAt + renewalWindow < lapsesAt) lapsesAt = c.supersededAt + renewalWindow;
        if (block.timestamp >= lapsesAt) {
            if (strict) revert MarginAttestor__EpochExpired(epoch, lapsesAt);
            return (lapsesAt, SkipReason.EpochExpired);
        }
    }

    /// @dev Check (4): every active venue has a root at the epoch, and none is revoked or suspended
    ///      (`invalid` = venue id | invalidatedAt << 32, 0 if all are valid: VenueRegistry.listRoots).
    function _checkRoots(uint256 ids, uint256[4] memory roots, uint256 invalid, uint64 epoch, bool strict) private pure returns (SkipReason) {
        for (uint256 i = 0; i < MAX_VENUE_SLOTS; ++i) {
            uint256 id = (ids >> (32 * i)) & MASK32;
            if (id != 0 && roots[i] == 0) {
                if (strict) revert MarginAttestor__NoRoot(id, epoch);
                return SkipReason.NoRoot;
            }
        }
        if (invalid != 0) {
            if (strict) revert MarginAttestor__RootInvalid(invalid & MASK32, epoch, uint64(invalid >> 32));
            return SkipReason.RootInvalid;
        }
        return SkipReason.None;
    }

    /// @dev Check (3) again (cheap: no read) for the lapse time (it cannot fail here: every caller has just passed it
    ///      with the same context in this transaction); writes the ordered public inputs at `dst`
    ///      (prover/publicSignals.ts order) and returns the entry.
    function _entry(
        uint256 dst,
        address subject,
        uint256 ids,
        uint256[4] memory roots,
        IOracleHub.Context memory c,
        uint256 bookNullifier,
        uint64 epoch,
        uint256 minExcess
    ) private view returns (Entry memory e) {
        (e.lapsesAt,) = _liveUntil(c, epoch, true);
        uint256 v = venueSlots;
        uint256 d = _domain;
        uint256 contextHash = c.contextHash;
        assembly ("memory-safe") {
            mstore(dst, subject)
            mstore(add(dst, 32), d)
            mstore(add(dst, 64), contextHash)
            for { let i := 0 } lt(i, v) { i := add(i, 1) } {
                mstore(add(dst, add(96, mul(32, i))), mload(add(roots, mul(32, i))))
            }
            mstore(add(dst, add(96, mul(32, v))), bookNullifier)
            mstore(add(dst, add(128, mul(32, v))), or(minExcess, shl(MIN_EXCESS_BITS, ids)))
        }
        e.subject = subject;
        e.packed = minExcess | (uint256(epoch) << 96) | (ids << 128);
        e.bookNullifier = bookNullifier;
        e.riskVersion = c.riskVersion;
        e.relayed = subject != msg.sender;
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

    /// @dev Check (7): a later epoch, or the same epoch with at least (relayed: more than) the current excess.
    function _isForward(Entry memory e) private view returns (bool) {
        return _forwardOf(e, _att[e.subject]);
    }

    /// @dev Check (7) against the subject's current attestation slot `cur`.
    function _forwardOf(Entry memory e, uint256 cur) private pure returns (bool) {
        if (cur == 0) return true;
        uint256 ep = (e.packed >> 96) & MASK32;
        uint256 ce = (cur >> 96) & MASK32;
        if (ep != ce) return ep > ce;
        uint256 x = e.packed & MASK96;
        uint256 cx = cur & MASK96;
        return e.relayed ? x > cx : x >= cx;
    }

    /// @dev Check (7), or revert naming why; returns the subject's current attestation slot.
    function _requireForward(Entry memory e) private view returns (uint256 cur) {
        cur = _att[e.subject];
        if (_forwardOf(e, cur)) return cur;
        uint64 ep = uint64((e.packed >> 96) & MASK32);
        uint64 ce = uint64((cur >> 96) & MASK32);
        if (ep < ce) revert MarginAttestor__OlderThanCurrent(ep, ce);
        revert MarginAttestor__NotForward(ep, e.packed & MASK96, cur & MASK96);
    }

    /// @dev Checks (8) and (6), then the writes (one slot; the liens' slot only when they must be reclaimed): both
    ///      checks pass before anything is written, so a skipped entry changes nothing. The book is bound through the
    ///      ledger unless `binding` (read with the roots) already is this subject's here. `cur` is the subject's
    ///      attestation slot as check (7) read it (nothing writes it in between: bindBook's only call out is a view).
    function _record(Entry memory e, uint256[] calldata venueIds, uint256 binding, uint256 cur, bool strict) private returns (SkipReason) {
        // A subject without an attestation has no liens: its liens' slot is read only on a renewal.
        // the liens' slot when they must be reclaimed (nonzero: their total is), else 0
        uint256 reclaimed = 0;
        if (cur != 0) {
            uint256 acct = _acct[e.subject];
            uint256 total = acct & MASK96;
            if (total != 0) {
                if (_stateOf(cur) == State.Ended) {
                    reclaimed = acct;
                } else if (e.packed & MASK96 < total) {
                    if (strict) revert MarginAttestor__BelowAllocated(e.packed & MASK96, total);
                    return SkipReason.BelowAllocated;
                }
            }
        }
        if (binding != uint256(uint160(e.subject)) | _bindingTag && !_bindBook(e.bookNullifier, e.subject, strict)) return SkipReason.BookBound;
        if (reclaimed != 0) _reclaim(e.subject, reclaimed);
        _att[e.subject] = e.packed;
        emit Attested(e.subject, uint64((e.packed >> 96) & MASK32), e.bookNullifier, e.packed & MASK96, venueIds, e.lapsesAt, e.riskVersion);
        return SkipReason.None;
    }

    /// @dev Check (6) and its write: VenueRegistry.bindBook. Its revert is passed on, except BookBound when not
    ///      `strict` (false is returned: the book is another's). Anything else (NotAttestor, out of gas) still reverts.
    ///      The call is encoded in scratch memory past the free pointer (not allocated: a batch makes n of them).
    function _bindBook(uint256 bookNullifier, address subject, bool strict) private returns (bool ok) {
        bytes4 selector = IVenueRegistry.bindBook.selector;
        bytes4 bound = IVenueRegistry.VenueRegistry__BookBound.selector;
        address to = address(registry);
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, selector)
            mstore(add(ptr, 0x04), bookNullifier)
            mstore(add(ptr, 0x24), subject)
            ok := call(gas(), to, 0, ptr, 0x44, 0, 0)
            if iszero(ok) {
                returndatacopy(ptr, 0, returndatasize())
                // BookBound(...) has 4 arguments: 4 + 128 bytes
                let skip := and(iszero(strict), and(eq(returndatasize(), 0x84), eq(and(mload(ptr), shl(224, 0xffffffff)), bound)))
                if iszero(skip) { revert(ptr, returndatasize()) }
            }
        }
    }

    /// @dev Every lien of the term is void at once: the total is 0 and the term moves on (the nonce is kept).
    function _reclaim(address subject, uint256 acct) private {
        uint256 total = acct & MASK96;
        uint32 term = uint32((acct >> 96) & MASK32) + 1;
        _acct[subject] = ((acct >> NONCE_SHIFT) << NONCE_SHIFT) | (uint256(term) << 96);
        emit Reclaimed(subject, total, term);
    }

    /// @dev attestFor / attestBatch: msg.sender is the subject, or the subject signed the request (EIP-712) with its
    ///      current nonce. The nonce is not consumed: a request cannot be replayed because a relayed request must move
    ///      the attestation strictly forward (check 7), and cancelNonce() bumps the nonce, voiding every outstanding
    ///      request at once. So a subject may hand several requests to relayers, and landing one costs no nonce write.
    ///      The nonce shares the liens' slot, which a renewal reads anyway.
    function _authorize(AttestRequest calldata r, bytes calldata signature, bool strict) private view returns (SkipReason) {
        if (r.subject == msg.sender) return SkipReason.None;
        if (block.timestamp > r.deadline) {
            if (strict) revert MarginAttestor__SignatureExpired(r.deadline);
            return SkipReason.SignatureExpired;
        }
        bytes32 digest = _hashTypedDataV4(_requestHash(r, _acct[r.subject] >> NONCE_SHIFT));
        // An EOA's signature first (no code-size lookup of the subject), then ERC-1271 for a contract wallet.
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(digest, signature);
        if (err == ECDSA.RecoverError.NoError && signer == r.subject) return SkipReason.None;
        if (_isValidERC1271(r.subject, digest, signature, strict ? gasleft() : ERC1271_BATCH_GAS)) return SkipReason.None;
        if (strict) revert MarginAttestor__InvalidSignature(r.subject);
        return SkipReason.InvalidSignature;
    }

    /// @dev The EIP-712 struct hash of a request: keccak256(abi.encode(ATTEST_REQUEST_TYPEHASH, subject,
    ///      keccak256(abi.encodePacked(venueIds)), bookNullifier, epoch, minExcess, nonce, deadline)), encoded in scratch
    ///      memory past the free pointer (nothing allocated: a batch hashes n requests). The fields are read through
    ///      Solidity's calldata accessors, so they are validated (address, uint64) exactly as abi.encode would see them;
    ///      test/contracts/attestor.test.ts checks it against ethers' signTypedData on every relayed path.
    function _requestHash(AttestRequest calldata r, uint256 nonce) private pure returns (bytes32 h) {
        uint256[] calldata ids = r.venueIds;
        address subject = r.subject;
        uint256 bookNullifier = r.bookNullifier;
        uint64 epoch = r.epoch;
        uint256 minExcess = r.minExcess;
        uint256 deadline = r.deadline;
        bytes32 typeHash = ATTEST_REQUEST_TYPEHASH;
        assembly ("memory-safe") {
            let p := mload(0x40)
            let len := shl(5, ids.length)
            calldatacopy(p, ids.offset, len)
            let idsHash := keccak256(p, len)
            mstore(p, typeHash)
            mstore(add(p, 0x20), subject)
            mstore(add(p, 0x40), idsHash)
            mstore(add(p, 0x60), bookNullifier)
            mstore(add(p, 0x80), epoch)
            mstore(add(p, 0xa0), minExcess)
            mstore(add(p, 0xc0), nonce)
            mstore(add(p, 0xe0), deadline)
            h := keccak256(p, 0x100)
        }
    }

    /// @dev OpenZeppelin's SignatureChecker.isValidERC1271SignatureNowCalldata (5.x) with a gas bound: OZ forwards
    ///      all gas, which a batch cannot afford (ERC1271_BATCH_GAS). Same encoding; only 32 bytes of return data are
    ///      copied, so a large return costs the wallet, not the batch.
    function _isValidERC1271(address signer, bytes32 hash, bytes calldata signature, uint256 gasLimit) private view returns (bool result) {
        bytes4 selector = IERC1271.isValidSignature.selector;
        uint256 length = signature.length;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, selector)
            mstore(add(ptr, 0x04), hash)
            mstore(add(ptr, 0x24), 0x40)
            mstore(add(ptr, 0x44), length)
            calldatacopy(add(ptr, 0x64), signature.offset, length)
            mstore(add(add(ptr, 0x64), length), 0)
            length := shl(5, shr(5, add(length, 0x1F)))
            let success := staticcall(gasLimit, signer, ptr, add(length, 0x64), 0x00, 0x20)
            result := and(success, and(gt(returndatasize(), 0x1f), eq(mload(0x00), selector)))
        }
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
        uint64 inv = registry.listInvalidatedAt(a >> 128, uint64((a >> 96) & MASK32), takenAt);
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
