// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {IGroth16BatchVerifier} from "./interfaces/IGroth16BatchVerifier.sol";
import {IMarginAttestor} from "./interfaces/IMarginAttestor.sol";
import {IOracleHub} from "./interfaces/IOracleHub.sol";
import {IRiskParams} from "./interfaces/IRiskParams.sol";
import {IVenueRegistry} from "./interfaces/IVenueRegistry.sol";
import {PoseidonSponge} from "./lib/PoseidonSponge.sol";

/// @title MarginAttestor
/// @notice Verifies zkmargin proofs (SPEC.md §4, §5). The caller supplies only the proof, the venue ids, the
///         nullifiers, the epoch and minExcess; every other public input comes from on-chain state:
///           subject        = msg.sender (or an explicit subject with its EIP-712 signature)
///           marketHash     = OracleHub.marketHashAt(epoch)
///           riskParamsHash = RiskParams.paramsHash()
///           venueRoots[i]  = VenueRegistry.rootOf(venueIds[i], epoch), 0 for an unused slot
///         in the order of prover/publicSignals.ts: subject, epoch, marketHash, riskParamsHash, venueRoots[V],
///         venueIds[V], nullifiers[V], minExcess.
///         Checks: (1) V slots; (2) the epoch has a snapshot and is at most maxEpochLag behind the latest;
///         (3) active venue ids strictly increasing, registered, with a root for the epoch; unused slots carry id 0 and
///         nullifier 0; (4) nullifiers and minExcess are field elements; (5) a nullifier spent in the epoch by another
///         subject rejects (the same subject may re-attest); (6) the proof verifies; (7) the new excess covers what the
///         subject already allocated. The attestation is live while the oracle's latest epoch < epoch + expiryEpochs.
///         The single path calls the instance's snarkjs Groth16Verifier through a low-level staticcall whose selector
///         is built for its public-signal count; attestBatch calls the generated Groth16BatchVerifier once.
contract MarginAttestor is IMarginAttestor, EIP712, Nonces {
    /// @notice The EIP-712 type of attestFor / attestBatch requests.
    bytes32 public constant ATTEST_REQUEST_TYPEHASH = keccak256(
        "AttestRequest(address subject,uint256[] venueIds,uint256[] nullifiers,uint64 epoch,uint256 minExcess,uint256 nonce,uint256 deadline)"
    );

    /// @notice Where venue roots come from.
    IVenueRegistry public immutable registry;
    /// @notice Where market snapshots come from.
    IOracleHub public immutable oracle;
    /// @notice Where the risk params hash comes from.
    IRiskParams public immutable riskParams;
    /// @notice The instance's snarkjs Groth16Verifier.
    address public immutable verifier;
    /// @notice The instance's generated batch verifier.
    IGroth16BatchVerifier public immutable batchVerifier;
    /// @notice Venue slots V of the instance.
    uint256 public immutable venueSlots;
    /// @notice Public signals of the instance: 5 + 3V.
    uint256 public immutable publicSignalCount;
    /// @notice An epoch more than this many epochs behind the oracle's latest is stale.
    uint64 public immutable maxEpochLag;
    /// @notice An attestation for epoch e is live while the oracle's latest epoch < e + expiryEpochs.
    uint64 public immutable expiryEpochs;
    /// @notice Selector of verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[NPUB]) on the snarkjs verifier.
    bytes4 public immutable verifierSelector;

    mapping(address subject => Attestation) private _attestations;
    mapping(uint64 epoch => mapping(uint256 nullifier => address subject)) private _spentBy;
    mapping(address subject => mapping(address consumer => uint256 amount)) private _allocations;
    mapping(address subject => uint256 amount) private _totalAllocated;

    /// @notice Contract dependencies.
    struct Deps {
        IVenueRegistry registry;
        IOracleHub oracle;
        IRiskParams riskParams;
        address verifier;
        IGroth16BatchVerifier batchVerifier;
    }

    /// @param deps registry, oracle, risk params and the two verifiers of the instance
    /// @param venueSlots_ V of the instance
    /// @param maxEpochLag_ how far behind the latest epoch a proof's epoch may be
    /// @param expiryEpochs_ attestation lifetime in epochs (≥ 1)
    constructor(Deps memory deps, uint256 venueSlots_, uint64 maxEpochLag_, uint64 expiryEpochs_)
        EIP712("zkmargin MarginAttestor", "1")
    {
        if (address(deps.registry) == address(0)) revert MarginAttestor__InvalidConfig("registry");
        if (address(deps.oracle) == address(0)) revert MarginAttestor__InvalidConfig("oracle");
        if (address(deps.riskParams) == address(0)) revert MarginAttestor__InvalidConfig("riskParams");
        if (deps.verifier.code.length == 0) revert MarginAttestor__InvalidConfig("verifier");
        if (venueSlots_ == 0 || venueSlots_ > 64) revert MarginAttestor__InvalidConfig("venueSlots");
        if (expiryEpochs_ == 0) revert MarginAttestor__InvalidConfig("expiryEpochs");
        uint256 npub = 5 + 3 * venueSlots_;
        if (deps.batchVerifier.NPUB() != npub) revert MarginAttestor__InvalidConfig("batchVerifier");
        registry = deps.registry;
        oracle = deps.oracle;
        riskParams = deps.riskParams;
        verifier = deps.verifier;
        batchVerifier = deps.batchVerifier;
        venueSlots = venueSlots_;
        publicSignalCount = npub;
        maxEpochLag = maxEpochLag_;
        expiryEpochs = expiryEpochs_;
        verifierSelector = bytes4(
            keccak256(
                abi.encodePacked("verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[", Strings.toString(npub), "])")
            )
        );
    }

    // ------------------------------------------------------------------------------------------------ attestation

    /// @inheritdoc IMarginAttestor
    function attest(uint256[8] calldata proof, uint256[] calldata venueIds, uint256[] calldata nullifiers, uint64 epoch, uint256 minExcess)
        external
    {
        uint256[] memory pubs = _publicInputs(msg.sender, venueIds, nullifiers, epoch, minExcess);
        _spend(msg.sender, epoch, nullifiers);
        if (!_verifySingle(proof, pubs)) revert MarginAttestor__InvalidProof();
        _record(msg.sender, epoch, minExcess, nullifiers);
    }

    /// @inheritdoc IMarginAttestor
    function attestFor(uint256[8] calldata proof, AttestRequest calldata request, bytes calldata signature) external {
        _authorize(request, signature);
        uint256[] memory pubs =
            _publicInputs(request.subject, request.venueIds, request.nullifiers, request.epoch, request.minExcess);
        _spend(request.subject, request.epoch, request.nullifiers);
        if (!_verifySingle(proof, pubs)) revert MarginAttestor__InvalidProof();
        _record(request.subject, request.epoch, request.minExcess, request.nullifiers);
    }

    /// @inheritdoc IMarginAttestor
    function attestBatch(uint256[8][] calldata proofs, AttestRequest[] calldata requests, bytes[] calldata signatures) external {
        uint256 n = proofs.length;
        if (n == 0 || requests.length != n || signatures.length != n) {
            revert MarginAttestor__BadBatch(n, requests.length, signatures.length);
        }
        uint256 npub = publicSignalCount;
        uint256[] memory all = new uint256[](n * npub);
        for (uint256 i = 0; i < n; ++i) {
            AttestRequest calldata r = requests[i];
            _authorize(r, signatures[i]);
            uint256[] memory pubs = _publicInputs(r.subject, r.venueIds, r.nullifiers, r.epoch, r.minExcess);
            for (uint256 j = 0; j < npub; ++j) all[i * npub + j] = pubs[j];
            // Spent in order: a nullifier shared by two proofs of different subjects in one batch rejects.
            _spend(r.subject, r.epoch, r.nullifiers);
        }
        if (!batchVerifier.verifyBatch(proofs, all)) revert MarginAttestor__InvalidBatch();
        for (uint256 i = 0; i < n; ++i) {
            AttestRequest calldata r = requests[i];
            _record(r.subject, r.epoch, r.minExcess, r.nullifiers);
        }
    }

    /// @inheritdoc IMarginAttestor
    function verifyProof(
        uint256[8] calldata proof,
        address subject,
        uint256[] calldata venueIds,
        uint256[] calldata nullifiers,
        uint64 epoch,
        uint256 minExcess
    ) external view returns (bool) {
        return _verifySingle(proof, _publicInputs(subject, venueIds, nullifiers, epoch, minExcess));
    }

    /// @inheritdoc IMarginAttestor
    function publicInputs(address subject, uint256[] calldata venueIds, uint256[] calldata nullifiers, uint64 epoch, uint256 minExcess)
        external
        view
        returns (uint256[] memory)
    {
        return _publicInputs(subject, venueIds, nullifiers, epoch, minExcess);
    }

    /// @inheritdoc IMarginAttestor
    function isSolvent(address subject, uint256 minExcess) external view returns (bool) {
        Attestation storage a = _attestations[subject];
        return _isLive(a) && a.minExcess >= minExcess;
    }

    /// @inheritdoc IMarginAttestor
    function attestationOf(address subject) external view returns (Attestation memory) {
        return _attestations[subject];
    }

    /// @inheritdoc IMarginAttestor
    function nullifierSpentBy(uint64 epoch, uint256 nullifier) external view returns (address) {
        return _spentBy[epoch][nullifier];
    }

    /// @inheritdoc IMarginAttestor
    function nonces(address subject) public view override(IMarginAttestor, Nonces) returns (uint256) {
        return super.nonces(subject);
    }

    /// @notice The EIP-712 domain separator.
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // ------------------------------------------------------------------------------------------------ allocation

    /// @inheritdoc IMarginAttestor
    function allocate(address consumer, uint256 amount) external {
        if (consumer == address(0) || amount == 0) revert MarginAttestor__InvalidAllocation(consumer, amount);
        Attestation storage a = _attestations[msg.sender];
        if (!_isLive(a)) revert MarginAttestor__NoLiveAttestation(msg.sender);
        uint256 total = _totalAllocated[msg.sender];
        uint256 available = a.minExcess - total;
        if (amount > available) revert MarginAttestor__OverAllocated(amount, available);
        _totalAllocated[msg.sender] = total + amount;
        uint256 allocation = _allocations[msg.sender][consumer] + amount;
        _allocations[msg.sender][consumer] = allocation;
        emit Allocated(msg.sender, consumer, amount, allocation);
    }

    /// @inheritdoc IMarginAttestor
    function release(address subject, address consumer, uint256 amount) external {
        if (msg.sender != subject && msg.sender != consumer) revert MarginAttestor__NotSubjectOrConsumer(msg.sender);
        uint256 allocation = _allocations[subject][consumer];
        if (amount > allocation) revert MarginAttestor__ReleaseExceedsAllocation(amount, allocation);
        allocation -= amount;
        _allocations[subject][consumer] = allocation;
        _totalAllocated[subject] -= amount;
        emit Released(subject, consumer, msg.sender, amount, allocation);
    }

    /// @inheritdoc IMarginAttestor
    function allocatedTo(address subject, address consumer) external view returns (uint256) {
        return _isLive(_attestations[subject]) ? _allocations[subject][consumer] : 0;
    }

    /// @inheritdoc IMarginAttestor
    function totalAllocated(address subject) external view returns (uint256) {
        return _totalAllocated[subject];
    }

    /// @inheritdoc IMarginAttestor
    function availableExcess(address subject) external view returns (uint256) {
        Attestation storage a = _attestations[subject];
        return _isLive(a) ? a.minExcess - _totalAllocated[subject] : 0;
    }

    // ------------------------------------------------------------------------------------------------ internals

    /// @dev Checks (1)-(4); returns the ordered public inputs.
    function _publicInputs(address subject, uint256[] calldata venueIds, uint256[] calldata nullifiers, uint64 epoch, uint256 minExcess)
        private
        view
        returns (uint256[] memory pubs)
    {
        uint256 v = venueSlots;
        // Check (1): slot counts.
        if (venueIds.length != v || nullifiers.length != v) {
            revert MarginAttestor__WrongSlotCount(venueIds.length, nullifiers.length, v);
        }
        // Check (2): snapshot exists, not stale.
        uint256 marketHash = oracle.marketHashAt(epoch);
        if (marketHash == 0) revert MarginAttestor__NoSnapshot(epoch);
        uint64 latest = oracle.latestEpoch();
        if (uint256(epoch) + maxEpochLag < latest) revert MarginAttestor__StaleEpoch(epoch, latest, maxEpochLag);
        uint256 riskHash = riskParams.paramsHash();
        if (riskHash == 0) revert MarginAttestor__NoRiskParams();
        // Check (4): minExcess is a field element.
        if (minExcess >= PoseidonSponge.FIELD) revert MarginAttestor__InvalidMinExcess(minExcess);

        pubs = new uint256[](5 + 3 * v);
        pubs[0] = uint256(uint160(subject));
        pubs[1] = epoch;
        pubs[2] = marketHash;
        pubs[3] = riskHash;
        uint256 previous = 0;
        for (uint256 i = 0; i < v; ++i) {
            uint256 id = venueIds[i];
            uint256 nf = nullifiers[i];
            if (id == 0) {
                // Check (3): an unused slot is all-zero (its root is 0 too).
                if (nf != 0) revert MarginAttestor__UnusedSlotNotEmpty(i);
                continue;
            }
            // Check (3): strictly increasing, registered, root posted for the epoch.
            if (id <= previous) revert MarginAttestor__VenuesNotIncreasing(previous, id);
            previous = id;
            if (!registry.isRegistered(id)) revert MarginAttestor__UnknownVenue(id);
            uint256 root = registry.rootOf(id, epoch);
            if (root == 0) revert MarginAttestor__NoRoot(id, epoch);
            // Check (4): a nullifier is a nonzero field element (an alias nf + FIELD would dodge the spent set).
            if (nf == 0 || nf >= PoseidonSponge.FIELD) revert MarginAttestor__InvalidNullifier(i, nf);
            pubs[4 + i] = root;
            pubs[4 + v + i] = id;
            pubs[4 + 2 * v + i] = nf;
        }
        if (previous == 0) revert MarginAttestor__NoVenues();
        pubs[4 + 3 * v] = minExcess;
    }

    /// @dev Check (5): spend the nullifiers for the subject, rejecting one spent by another subject in the epoch.
    function _spend(address subject, uint64 epoch, uint256[] calldata nullifiers) private {
        mapping(uint256 => address) storage spent = _spentBy[epoch];
        for (uint256 i = 0; i < nullifiers.length; ++i) {
            uint256 nf = nullifiers[i];
            if (nf == 0) continue;
            address by = spent[nf];
            if (by == address(0)) {
                spent[nf] = subject;
            } else if (by != subject) {
                revert MarginAttestor__NullifierSpent(nf, epoch, by);
            }
        }
    }

    /// @dev Check (7) and the write.
    function _record(address subject, uint64 epoch, uint256 minExcess, uint256[] calldata nullifiers) private {
        Attestation storage a = _attestations[subject];
        if (a.validUntilEpoch != 0 && epoch < a.epoch) revert MarginAttestor__OlderThanCurrent(epoch, a.epoch);
        uint256 allocated = _totalAllocated[subject];
        if (minExcess < allocated) revert MarginAttestor__BelowAllocated(minExcess, allocated);
        uint64 validUntil = epoch + expiryEpochs;
        a.epoch = epoch;
        a.validUntilEpoch = validUntil;
        a.minExcess = minExcess;
        emit Attested(subject, epoch, minExcess, validUntil, nullifiers);
    }

    /// @dev attestFor / attestBatch: msg.sender is the subject, or the subject signed the request (EIP-712).
    function _authorize(AttestRequest calldata r, bytes calldata signature) private {
        if (r.subject == msg.sender) return;
        if (block.timestamp > r.deadline) revert MarginAttestor__SignatureExpired(r.deadline);
        bytes32 structHash = keccak256(
            abi.encode(
                ATTEST_REQUEST_TYPEHASH,
                r.subject,
                keccak256(abi.encodePacked(r.venueIds)),
                keccak256(abi.encodePacked(r.nullifiers)),
                r.epoch,
                r.minExcess,
                _useNonce(r.subject),
                r.deadline
            )
        );
        if (!SignatureChecker.isValidSignatureNow(r.subject, _hashTypedDataV4(structHash), signature)) {
            revert MarginAttestor__InvalidSignature(r.subject);
        }
    }

    /// @dev Check (6) on the single path: staticcall the snarkjs verifier with its fixed-size ABI.
    function _verifySingle(uint256[8] calldata proof, uint256[] memory pubs) private view returns (bool) {
        uint256[8] memory p = proof;
        (bool ok, bytes memory ret) = verifier.staticcall(abi.encodePacked(verifierSelector, p, pubs));
        return ok && ret.length == 32 && abi.decode(ret, (bool));
    }

    function _isLive(Attestation storage a) private view returns (bool) {
        return a.validUntilEpoch != 0 && oracle.latestEpoch() < a.validUntilEpoch;
    }
}
