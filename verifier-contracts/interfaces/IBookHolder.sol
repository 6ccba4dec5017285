// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IBookHolder
/// @notice What the book ledger (VenueRegistry) asks an attestor before it lets a book move to another subject or
///         another attestor: until when the subject it is bound to still relies on it.
interface IBookHolder {
    /// @notice The time until which `subject`'s attestation on this attestor holds its book: the attestation's lapse
    ///         time plus the grace period, as known now (a renewal moves it later); 0 if the subject never attested.
    function bookHeldUntil(address subject) external view returns (uint64);
}
