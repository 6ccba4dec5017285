// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title WordPacker
/// @notice The greedy word packing of prover/hash.ts `packWords` (circuits/lib/Pack.circom mirrors it): offset values
///         of fixed bit widths fill words of at most 248 bits little-endian, in order; a value that does not fit in
///         the current word starts a new one (no value straddles two words). Every value is < 2^width, so the words
///         (each < 2^248 < the BN254 field order) are injective in the values. Used before PoseidonSponge.hash for
///         marketHash (OracleHub) and riskParamsHash (RiskParams).
library WordPacker {
    /// @notice Bits per word (prover/hash.ts PACK_WORD_BITS).
    uint256 internal constant WORD_BITS = 248;

    /// @notice An offset value does not fit its width (callers range-check first, so this is a bug guard).
    error WordPacker__ValueTooWide(uint256 value, uint256 width);

    /// @notice Packing state: words[0..count) hold data, `used` bits of the last word are taken.
    struct Packer {
        uint256[] words;
        uint256 count;
        uint256 used;
    }

    /// @notice An empty packer for at most `maxValues` values (one word per value at worst).
    function create(uint256 maxValues) internal pure returns (Packer memory p) {
        p.words = new uint256[](maxValues);
    }

    /// @notice Appends `value` (< 2^width, 1 ≤ width ≤ 248) in the next `width` bits, opening a new word if needed.
    function push(Packer memory p, uint256 value, uint256 width) internal pure {
        if (width == 0 || width > WORD_BITS || value >> width != 0) revert WordPacker__ValueTooWide(value, width);
        if (p.count == 0 || p.used + width > WORD_BITS) {
            ++p.count;
            p.used = 0;
        }
        p.words[p.count - 1] |= value << p.used;
        p.used += width;
    }

    /// @notice The packed words (the packer's array, truncated to the words in use).
    function words(Packer memory p) internal pure returns (uint256[] memory w) {
        w = p.words;
        uint256 n = p.count;
        assembly ("memory-safe") {
            mstore(w, n)
        }
    }
}
