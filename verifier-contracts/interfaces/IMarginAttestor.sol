// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IMarginAttestor
/// @notice Verifies zkmargin proofs against on-chain state, records expiring solvency attestations, enforces one book /
///         one credit line per epoch with nullifiers, and keeps the allocation ledger (SPEC.md §4, §5).
///         A proof is packed as [A.x, A.y, B.x1, B.x0, B.y1, B.y0, C.x, C.y] (snarkjs's Solidity calldata order).
interface IMarginAttestor {
    /// @notice A subject's attestation.
    /// @param epoch the epoch the proof was made for
    /// @param validUntilEpoch the attestation is live while the oracle's latest epoch is below this
    /// @param minExcess the proved excess: equity − requirement ≥ minExcess (USD × 1e8)
    struct Attestation {
        uint64 epoch;
        uint64 validUntilEpoch;
        uint256 minExcess;
    }

    /// @notice One attestation request: what `attest` takes besides the proof, with an explicit subject.
    /// @param subject the address the attestation is for (public input 0 of the proof)
    /// @param venueIds V slots: active venue ids strictly increasing, 0 in unused slots
    /// @param nullifiers V slots: one per active venue, 0 in unused slots
    /// @param epoch the proof's epoch
    /// @param minExcess the proved excess threshold
    /// @param deadline signature deadline (unix seconds); ignored when subject == msg.sender
    struct AttestRequest {
        address subject;
        uint256[] venueIds;
        uint256[] nullifiers;
        uint64 epoch;
        uint256 minExcess;
        uint256 deadline;
    }

    /// @notice venueIds or nullifiers do not have exactly V entries.
    error MarginAttestor__WrongSlotCount(uint256 venueIds, uint256 nullifiers, uint256 expected);
    /// @notice No slot is active.
    error MarginAttestor__NoVenues();
    /// @notice An active venue id is not registered.
    error MarginAttestor__UnknownVenue(uint256 venueId);
    /// @notice Active venue ids are not strictly increasing (unordered or repeated).
    error MarginAttestor__VenuesNotIncreasing(uint256 previous, uint256 venueId);
    /// @notice An active venue has no root posted for the epoch.
    error MarginAttestor__NoRoot(uint256 venueId, uint64 epoch);
    /// @notice An unused slot (venue id 0) carries a nonzero nullifier.
    error MarginAttestor__UnusedSlotNotEmpty(uint256 slot);
    /// @notice An active slot's nullifier is 0 or not a field element.
    error MarginAttestor__InvalidNullifier(uint256 slot, uint256 nullifier);
    /// @notice minExcess is not a field element.
    error MarginAttestor__InvalidMinExcess(uint256 minExcess);
    /// @notice No oracle snapshot exists for the epoch.
    error MarginAttestor__NoSnapshot(uint64 epoch);
    /// @notice The epoch is older than the oracle's latest epoch minus the allowed lag.
    error MarginAttestor__StaleEpoch(uint64 epoch, uint64 latestEpoch, uint64 maxEpochLag);
    /// @notice Risk parameters were never set.
    error MarginAttestor__NoRiskParams();
    /// @notice The subject already holds an attestation for a later epoch.
    error MarginAttestor__OlderThanCurrent(uint64 epoch, uint64 currentEpoch);
    /// @notice A nullifier was already spent in this epoch by another subject.
    error MarginAttestor__NullifierSpent(uint256 nullifier, uint64 epoch, address spentBy);
    /// @notice The proof does not verify.
    error MarginAttestor__InvalidProof();
    /// @notice The batch does not verify (at least one proof is bad); nothing was recorded.
    error MarginAttestor__InvalidBatch();
    /// @notice The batch is empty or its arrays differ in length.
    error MarginAttestor__BadBatch(uint256 proofs, uint256 requests, uint256 signatures);
    /// @notice The signature is not the subject's (EOA or ERC-1271) over the request.
    error MarginAttestor__InvalidSignature(address subject);
    /// @notice The signature's deadline has passed.
    error MarginAttestor__SignatureExpired(uint256 deadline);
    /// @notice The new attestation's excess is below what the subject already allocated.
    error MarginAttestor__BelowAllocated(uint256 minExcess, uint256 allocated);
    /// @notice The subject has no live (recorded and unexpired) attestation.
    error MarginAttestor__NoLiveAttestation(address subject);
    /// @notice The allocation would take the total above the attested excess.
    error MarginAttestor__OverAllocated(uint256 requested, uint256 available);
    /// @notice The release is larger than the allocation.
    error MarginAttestor__ReleaseExceedsAllocation(uint256 requested, uint256 allocated);
    /// @notice Only the subject or the consumer may release an allocation.
    error MarginAttestor__NotSubjectOrConsumer(address caller);
    /// @notice The consumer address is zero or the amount is zero.
    error MarginAttestor__InvalidAllocation(address consumer, uint256 amount);
    /// @notice A constructor setting is invalid; `field` names it.
    error MarginAttestor__InvalidConfig(string field);

    /// @notice An attestation was recorded.
    event Attested(address indexed subject, uint64 indexed epoch, uint256 minExcess, uint64 validUntilEpoch, uint256[] nullifiers);
    /// @notice A subject allocated part of its attested excess to a consumer protocol.
    event Allocated(address indexed subject, address indexed consumer, uint256 amount, uint256 allocation);
    /// @notice Part of an allocation was released (loan repaid).
    event Released(address indexed subject, address indexed consumer, address indexed by, uint256 amount, uint256 allocation);

    /// @notice Attest msg.sender's solvency. Builds every other public input from on-chain state.
    /// @param proof the packed Groth16 proof
    /// @param venueIds V slots, active ids strictly increasing, 0 in unused slots
    /// @param nullifiers V slots, 0 in unused slots
    /// @param epoch the proof's epoch: snapshot exists and is not stale
    /// @param minExcess the proved excess threshold
    function attest(uint256[8] calldata proof, uint256[] calldata venueIds, uint256[] calldata nullifiers, uint64 epoch, uint256 minExcess)
        external;

    /// @notice Attest an explicit subject's solvency, authorised by the subject's EIP-712 signature over the request
    ///         (type AttestRequest with the subject's current nonce); no signature needed when subject == msg.sender.
    /// @param proof the packed Groth16 proof
    /// @param request the request
    /// @param signature the subject's signature (65-byte ECDSA or ERC-1271)
    function attestFor(uint256[8] calldata proof, AttestRequest calldata request, bytes calldata signature) external;

    /// @notice Verify n proofs with one pairing check and record all of them, or none.
    /// @param proofs n packed proofs
    /// @param requests n requests, in the same order
    /// @param signatures n signatures (empty where the subject is msg.sender)
    function attestBatch(uint256[8][] calldata proofs, AttestRequest[] calldata requests, bytes[] calldata signatures) external;

    /// @notice Whether a proof verifies for the given statement against on-chain state (nullifier spending not checked).
    ///         Reverts with the same errors as attest when the statement itself is malformed.
    function verifyProof(
        uint256[8] calldata proof,
        address subject,
        uint256[] calldata venueIds,
        uint256[] calldata nullifiers,
        uint64 epoch,
        uint256 minExcess
    ) external view returns (bool);

    /// @notice The ordered public inputs attest would verify (prover/publicSignals.ts order).
    function publicInputs(address subject, uint256[] calldata venueIds, uint256[] calldata nullifiers, uint64 epoch, uint256 minExcess)
        external
        view
        returns (uint256[] memory);

    /// @notice Whether the subject holds a live attestation with an excess of at least minExcess.
    function isSolvent(address subject, uint256 minExcess) external view returns (bool);

    /// @notice A subject's recorded attestation (possibly expired).
    function attestationOf(address subject) external view returns (Attestation memory);

    /// @notice Which subject spent a nullifier in an epoch (0 if none).
    function nullifierSpentBy(uint64 epoch, uint256 nullifier) external view returns (address);

    /// @notice Allocate part of msg.sender's attested excess to a consumer protocol.
    /// @param consumer the consumer protocol
    /// @param amount the amount to add to the consumer's allocation
    function allocate(address consumer, uint256 amount) external;

    /// @notice Release part of an allocation; callable by the subject or by the consumer (e.g. loan repaid).
    /// @param subject the subject
    /// @param consumer the consumer protocol
    /// @param amount the amount to release
    function release(address subject, address consumer, uint256 amount) external;

    /// @notice What a subject allocated to a consumer, while the subject's attestation is live; 0 once it expired.
    function allocatedTo(address subject, address consumer) external view returns (uint256);

    /// @notice The sum of a subject's allocations (recorded, regardless of expiry).
    function totalAllocated(address subject) external view returns (uint256);

    /// @notice The attested excess not yet allocated; 0 without a live attestation.
    function availableExcess(address subject) external view returns (uint256);

    /// @notice The EIP-712 signature nonce of a subject.
    function nonces(address subject) external view returns (uint256);
}
