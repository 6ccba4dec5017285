// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IBookHolder} from "./IBookHolder.sol";

/// @title IMarginAttestor
/// @notice Verifies zkmargin proofs against chain state, records one expiring attestation per subject, binds its book
///         to that subject in the registry's book ledger, and keeps the subject's liens: the lifecycle of
///         docs/DESIGN.md §5 (attest, renew, allocate, release, lapse, reclaim, revoke).
///
///         A subject's attestation for epoch e is
///           Live   while now < lapsesAt = min(takenAt(e) + ttl, supersededAt(e) + renewalWindow, invalidatedAt),
///                  takenAt / supersededAt being the oracle's snapshot times of e and of the next epoch, and
///                  invalidatedAt the time the admin revoked one of its roots or suspended one of its venues;
///           Grace  while lapsesAt ≤ now < lapsesAt + gracePeriod: nothing can be allocated, liens still bind, the
///                  subject may renew (which cures the lapse), the book stays bound to the subject;
///           Ended  from lapsesAt + gracePeriod: the subject may reclaim every lien (or does so by attesting anew),
///                  and the book may move to another subject.
///         A lien (an allocation to a consumer) can only be reduced by that consumer while the attestation is Live or
///         in Grace; the subject's only way out is to let the attestation end.
///         A proof is packed as [A.x, A.y, B.x1, B.x0, B.y1, B.y0, C.x, C.y] (snarkjs's Solidity calldata order).
interface IMarginAttestor is IBookHolder {
    /// @notice The lifecycle state of an attestation and of the liens it backs.
    enum State {
        None,
        Live,
        Grace,
        Ended
    }

    /// @notice A subject's recorded attestation.
    /// @param epoch the epoch of the proof's snapshot (0: none)
    /// @param minExcess the proved excess: equity − requirement ≥ minExcess (USD × 1e8)
    /// @param venueIds the V venue slots (0 = unused)
    struct Attestation {
        uint64 epoch;
        uint256 minExcess;
        uint256[] venueIds;
    }

    /// @notice What a lender reads about a subject.
    /// @param state the lifecycle state now
    /// @param epoch the attestation's epoch
    /// @param minExcess the attested excess (USD × 1e8)
    /// @param allocated the sum of the subject's liens
    /// @param available what can still be allocated: minExcess − allocated while Live, else 0
    /// @param lapsesAt when the attestation stops being Live unless renewed (see the interface notice)
    /// @param graceEndsAt lapsesAt + gracePeriod: from then on the liens are reclaimable and the book is free
    /// @param riskVersion the RiskParams version the proof was made under (recorded by the epoch's snapshot)
    /// @param venueIds the attestation's venue slots
    struct Status {
        State state;
        uint64 epoch;
        uint256 minExcess;
        uint256 allocated;
        uint256 available;
        uint64 lapsesAt;
        uint64 graceEndsAt;
        uint32 riskVersion;
        uint256[] venueIds;
    }

    /// @notice One consumer's lien on a subject's attested excess.
    /// @param amount the lien (USD × 1e8); 0 once reclaimed
    /// @param state Live: the excess is the consumer's and backed; Grace: lapsed, still the consumer's until `until`;
    ///        Ended: the subject may reclaim it at any moment; None: no lien
    /// @param until Live: lapsesAt (renewals move it later); Grace or Ended: graceEndsAt
    struct Lien {
        uint256 amount;
        State state;
        uint64 until;
    }

    /// @notice Why attestBatch skipped an entry (event AttestSkipped). Each is a move of one party the relayer does not
    ///         control, made between its off-chain check and the block (or, for NotForward, BookBound and
    ///         BelowAllocated, an earlier entry of the same batch); the entry is not recorded and changes nothing.
    ///         None is never emitted (it is "not skipped").
    /// @dev NotForward: the subject's attestation is already this one or later (copied out and landed first, or an
    ///      earlier entry of the batch). NoSnapshot / EpochExpired: the epoch's snapshot is missing, or an attestation
    ///      of it would no longer be Live (time passed, the next snapshot's renewal window ended). NoRoot: an active
    ///      venue has no root for the epoch. RootInvalid: a venue's root was revoked or the venue suspended.
    ///      SignatureExpired: the request's deadline passed. InvalidSignature: not the subject's signature at its
    ///      current nonce (the subject called cancelNonce, or its ERC-1271 wallet refuses or uses more than
    ///      ERC1271_BATCH_GAS). BookBound: the book is bound to another subject or attestor (VenueRegistry.bindBook
    ///      would revert). BelowAllocated: the subject allocated more than the request's minExcess.
    enum SkipReason {
        None,
        NotForward,
        NoSnapshot,
        EpochExpired,
        NoRoot,
        RootInvalid,
        SignatureExpired,
        InvalidSignature,
        BookBound,
        BelowAllocated
    }

    /// @notice One attestation request: what `attest` takes besides the proof, with an explicit subject.
    /// @param subject the address the attestation is for (public input 0 of the proof)
    /// @param venueIds V slots: active venue ids strictly increasing first, 0 in unused slots
    /// @param bookNullifier Poseidon(traderSecret, domain()), public input 3 + V
    /// @param epoch the proof's epoch (its context hash is the oracle's)
    /// @param minExcess the proved excess threshold, < 2^96
    /// @param deadline signature deadline (unix seconds); ignored when subject == msg.sender
    struct AttestRequest {
        address subject;
        uint256[] venueIds;
        uint256 bookNullifier;
        uint64 epoch;
        uint256 minExcess;
        uint256 deadline;
    }

    /// @notice venueIds does not have exactly V entries.
    error MarginAttestor__WrongSlotCount(uint256 venueIds, uint256 expected);
    /// @notice No slot is active.
    error MarginAttestor__NoVenues();
    /// @notice Active venue ids are not strictly increasing, not first, or ≥ 2^32.
    error MarginAttestor__BadVenueIds(uint256 slot, uint256 venueId);
    /// @notice An active venue has no root for the epoch (unknown venue, or nothing posted).
    error MarginAttestor__NoRoot(uint256 venueId, uint64 epoch);
    /// @notice An active venue's root is revoked or the venue suspended.
    error MarginAttestor__RootInvalid(uint256 venueId, uint64 epoch, uint64 invalidatedAt);
    /// @notice The book nullifier is 0 or not a field element.
    error MarginAttestor__InvalidBookNullifier(uint256 bookNullifier);
    /// @notice minExcess does not fit 96 bits.
    error MarginAttestor__InvalidMinExcess(uint256 minExcess);
    /// @notice No oracle snapshot exists for the epoch.
    error MarginAttestor__NoSnapshot(uint64 epoch);
    /// @notice An attestation of the epoch would not be Live now (its snapshot is too old or superseded too long).
    error MarginAttestor__EpochExpired(uint64 epoch, uint64 lapsesAt);
    /// @notice The subject already holds an attestation for a later epoch.
    error MarginAttestor__OlderThanCurrent(uint64 epoch, uint64 currentEpoch);
    /// @notice The request would lower (or, relayed, not raise) the subject's attestation of the same epoch.
    error MarginAttestor__NotForward(uint64 epoch, uint256 minExcess, uint256 currentMinExcess);
    /// @notice The proof does not verify.
    error MarginAttestor__InvalidProof();
    /// @notice The batch does not verify (at least one proof is bad); nothing was recorded.
    error MarginAttestor__InvalidBatch();
    /// @notice The batch is empty or its arrays differ in length.
    error MarginAttestor__BadBatch(uint256 proofs, uint256 requests, uint256 signatures);
    /// @notice The signature is not the subject's (EOA or ERC-1271) over the request with its current nonce.
    error MarginAttestor__InvalidSignature(address subject);
    /// @notice The signature's deadline has passed.
    error MarginAttestor__SignatureExpired(uint256 deadline);
    /// @notice The new attestation's excess is below what the subject has allocated.
    error MarginAttestor__BelowAllocated(uint256 minExcess, uint256 allocated);
    /// @notice The subject has no Live attestation.
    error MarginAttestor__NotLive(address subject, State state);
    /// @notice The allocation would take the total above the attested excess.
    error MarginAttestor__OverAllocated(uint256 requested, uint256 available);
    /// @notice The release is larger than the lien.
    error MarginAttestor__ReleaseExceedsLien(uint256 requested, uint256 lien);
    /// @notice Liens can be reclaimed only once the attestation has Ended (lapse plus grace).
    error MarginAttestor__NotEnded(address subject, State state, uint64 graceEndsAt);
    /// @notice The consumer address is zero or the amount is zero.
    error MarginAttestor__InvalidAllocation(address consumer, uint256 amount);
    /// @notice The chain id differs from the one the domain was computed for (a fork): nothing is accepted.
    error MarginAttestor__ChainIdChanged(uint256 expected, uint256 actual);
    /// @notice A constructor setting is invalid; `field` names it.
    error MarginAttestor__InvalidConfig(string field);

    /// @notice An attestation was recorded (first, renewed or raised).
    event Attested(
        address indexed subject,
        uint64 indexed epoch,
        uint256 indexed bookNullifier,
        uint256 minExcess,
        uint256[] venueIds,
        uint64 lapsesAt,
        uint32 riskVersion
    );
    /// @notice attestBatch skipped entry `index` (its position in the call) for `reason`; nothing of it was recorded.
    event AttestSkipped(address indexed subject, uint256 index, SkipReason reason);
    /// @notice A subject allocated part of its attested excess to a consumer: the consumer's lien grew.
    event Allocated(address indexed subject, address indexed consumer, uint256 amount, uint256 lien);
    /// @notice A consumer released part of its lien (loan repaid).
    event Released(address indexed subject, address indexed consumer, uint256 amount, uint256 lien);
    /// @notice The subject's liens were reclaimed after its attestation ended (every lien of the term is void).
    event Reclaimed(address indexed subject, uint256 amount, uint32 newTerm);
    /// @notice A subject cancelled its outstanding signed requests by using its nonce.
    event NonceCancelled(address indexed subject, uint256 nonce);

    /// @notice Attest msg.sender's margin. Builds every other public input from chain state.
    /// @param proof the packed Groth16 proof
    /// @param venueIds V slots, active ids strictly increasing first, 0 in unused slots
    /// @param bookNullifier the proof's book nullifier
    /// @param epoch the proof's epoch: its snapshot exists and an attestation of it is Live now
    /// @param minExcess the proved excess threshold
    function attest(uint256[8] calldata proof, uint256[] calldata venueIds, uint256 bookNullifier, uint64 epoch, uint256 minExcess)
        external;

    /// @notice Attest an explicit subject's margin, authorised by the subject's EIP-712 signature over the request
    ///         (type AttestRequest with the subject's current nonce, which landing does not consume); no signature when
    ///         subject == msg.sender. A relayed request must move the attestation strictly forward (a later epoch or
    ///         a higher excess), so it cannot be replayed; cancelNonce() voids every outstanding one.
    function attestFor(uint256[8] calldata proof, AttestRequest calldata request, bytes calldata signature) external;

    /// @notice Verify n proofs with one pairing check and record them. An entry that fails a check because of what
    ///         one other party did (its subject, one of its venues, the oracle's clock, an earlier entry) is skipped
    ///         with AttestSkipped(subject, index, reason) instead of reverting the batch: see SkipReason. The batch
    ///         still reverts as a whole on what the relayer controls: mismatched arrays (BadBatch), a changed chain
    ///         id, a malformed request (venue slots, book nullifier, minExcess: fixed by the signed request), and a
    ///         proof among the kept entries that does not verify (InvalidBatch; verify each proof off-chain first).
    function attestBatch(uint256[8][] calldata proofs, AttestRequest[] calldata requests, bytes[] calldata signatures) external;

    /// @notice Whether a proof verifies for the statement against chain state (nothing recorded, no book checks).
    ///         Reverts with the same errors as attest when the statement itself is malformed.
    function verifyProof(
        uint256[8] calldata proof,
        address subject,
        uint256[] calldata venueIds,
        uint256 bookNullifier,
        uint64 epoch,
        uint256 minExcess
    ) external view returns (bool);

    /// @notice The ordered public inputs attest would verify (prover/publicSignals.ts order).
    function publicInputs(address subject, uint256[] calldata venueIds, uint256 bookNullifier, uint64 epoch, uint256 minExcess)
        external
        view
        returns (uint256[] memory);

    /// @notice The deployment's domain: keccak256(abi.encodePacked("zkmargin.domain.v1", chainId, registry)) mod p.
    function domain() external view returns (uint256);

    /// @notice Bump msg.sender's nonce, voiding every request it signed with the current one.
    function cancelNonce() external;

    /// @notice Allocate part of msg.sender's Live attested excess to a consumer (the consumer's lien grows).
    function allocate(address consumer, uint256 amount) external;

    /// @notice Reduce msg.sender's (the consumer's) lien on `subject` (e.g. loan repaid). Only the consumer can.
    function release(address subject, uint256 amount) external;

    /// @notice Reclaim every lien of msg.sender once its attestation has Ended (lapse plus grace).
    function reclaim() external;

    /// @notice The lender's question: the attested excess not yet allocated, while the attestation is Live; else 0.
    function availableExcess(address subject) external view returns (uint256);

    /// @notice The consumer's question: its lien on `subject`, the lien's state and until when it holds.
    function lienOf(address subject, address consumer) external view returns (Lien memory);

    /// @notice Everything about a subject's attestation now.
    function statusOf(address subject) external view returns (Status memory);

    /// @notice A subject's recorded attestation (whatever its state).
    function attestationOf(address subject) external view returns (Attestation memory);

    /// @notice The EIP-712 signature nonce of a subject.
    function nonces(address subject) external view returns (uint256);
}
