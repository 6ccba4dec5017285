// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IPoseidonT9} from "./interfaces/IPoseidonT9.sol";
import {IRiskParams} from "./interfaces/IRiskParams.sol";
import {PoseidonSponge} from "./lib/PoseidonSponge.sol";
import {WordPacker} from "./lib/WordPacker.sol";

/// @title RiskParams
/// @notice Governance risk parameters for an instance with A assets and K scenarios (docs/DESIGN.md §3, model v2).
///         The K scenarios are given by their factor structure: scenario k moves asset a by
///         M[k][a] = ρ[a]·s[k][0] + r[a]·s[k][c[a]] ppm of its scan range, s = the rows of [H; −H] for the Sylvester
///         Hadamard matrix H of order K/2 (the circuit's compile-time sign design), so K = 2·2^m (checked at
///         deployment). setParams checks every exact range — the circuit checks only the packed widths and relies on
///         these (docs/DESIGN.md §4 "Range checks of hashed parameters"):
///         (1) every array has its instance length, the model-v2 arrays included: the circuit proves model v2 only
///             (docs/DESIGN.md §4), so every version is hashed in the v2 layout (a deployment that wants v1's numbers
///             posts the v2 terms as zeros, prover/model.ts withV2TermsOff);
///         (2) haircuts, debt add-ons, factor loadings ρ, the gross charge, basis charges, gross vega and venue default
///             are ppm ≤ 1e6; (3) residual loadings r are in [-1e6, 1e6] (so |M| ≤ 2e6); (4) residual columns c are
///             in [1, K/2) (column 0 is the market factor's);
///         (5) concentration < 2^20, short-option minimum ≤ 3e6, noGammaGain ∈ {0, 1}.
///         It then packs the offset values [H..., B..., ρ... (20 bits), r + 1e6... (21 bits), c... (log2(K/2) bits),
///         G (20 bits), b... (20), c... (20), m... (22), ω (20), noGammaGain (1), δ (20)] into 248-bit words
///         (lib/WordPacker.sol) and stores the Poseidon(8)-sponge hash over the words: riskWords() and
///         riskParamsHash() in prover/commitments.ts. Each setParams is a new version (1, 2, …); every version's
///         parameters and hash stay readable. Ownership belongs to the deployment's timelock.
contract RiskParams is IRiskParams, Ownable {
    /// @notice Parts per million.
    int256 public constant PPM = 1e6;
    /// @notice The short-option minimum ≤ 3e6 ppm of the scan range.
    uint256 public constant MAX_SHORT_OPTION_MIN = 3e6;
    /// @notice Packed widths: ppm values (≤ 1e6 < 2^20), r + 1e6 (≤ 2e6 < 2^21), concentration (< 2^20),
    ///         short-option minimum (≤ 3e6 < 2^22), noGammaGain (1 bit); a residual column has columnBits bits.
    uint256 private constant PPM_BITS = 20;
    uint256 private constant RESIDUAL_BITS = 21;
    uint256 private constant CONC_BITS = 20;
    uint256 private constant SOM_BITS = 22;

    /// @notice The Poseidon(8) contract.
    IPoseidonT9 public immutable poseidon;
    /// @inheritdoc IRiskParams
    uint256 public immutable assetCount;
    /// @inheritdoc IRiskParams
    uint256 public immutable scenarioCount;
    /// @notice Bits of a packed residual column: log2(K/2).
    uint256 public immutable columnBits;

    /// @inheritdoc IRiskParams
    uint256 public paramsHash;
    /// @inheritdoc IRiskParams
    uint256 public version;

    mapping(uint256 version => Params) private _params;
    mapping(uint256 version => uint256 hash) private _hashes;

    /// @param governance the address allowed to set parameters (the deployment's timelock)
    /// @param poseidon_ the Poseidon(8) contract
    /// @param assetCount_ A
    /// @param scenarioCount_ K, 2·2^m in [4, 64] (the sign design [H; −H] needs H of order K/2 ≥ 2)
    constructor(address governance, IPoseidonT9 poseidon_, uint256 assetCount_, uint256 scenarioCount_) Ownable(governance) {
        if (assetCount_ == 0 || assetCount_ > 64) revert RiskParams__WrongLength("assetCount", assetCount_, 64);
        if (scenarioCount_ < 4 || scenarioCount_ > 64 || scenarioCount_ & (scenarioCount_ - 1) != 0) {
            revert RiskParams__ScenarioCountOutOfRange(scenarioCount_);
        }
        poseidon = poseidon_;
        assetCount = assetCount_;
        scenarioCount = scenarioCount_;
        uint256 bits = 0;
        while ((2 << bits) < scenarioCount_) ++bits;
        columnBits = bits;
    }

    /// @inheritdoc IRiskParams
    function setParams(Params calldata p) external onlyOwner returns (uint256 h) {
        _checkV1(p);
        _checkV2(p);
        h = PoseidonSponge.hash(poseidon, _pack(p));
        uint256 v = ++version;
        _params[v] = p;
        _hashes[v] = h;
        paramsHash = h;
        emit ParamsSet(v, h, p);
    }

    /// @inheritdoc IRiskParams
    function current() external view returns (uint256, uint256) {
        return (paramsHash, version);
    }

    /// @inheritdoc IRiskParams
    function hashOf(uint256 v) external view returns (uint256) {
        if (v == 0 || v > version) revert RiskParams__UnknownVersion(v);
        return _hashes[v];
    }

    /// @inheritdoc IRiskParams
    function params() external view returns (Params memory) {
        if (version == 0) revert RiskParams__NotSet();
        return _params[version];
    }

    /// @inheritdoc IRiskParams
    function paramsOf(uint256 v) external view returns (Params memory) {
        if (v == 0 || v > version) revert RiskParams__UnknownVersion(v);
        return _params[v];
    }

    /// @inheritdoc IRiskParams
    function words() external view returns (uint256[] memory) {
        if (version == 0) revert RiskParams__NotSet();
        return _pack(_params[version]);
    }

    /// @dev Checks (1)-(4) of the v1 fields (the charges and the factor structure).
    function _checkV1(Params calldata p) private view {
        uint256 nA = assetCount;
        uint256 nC = scenarioCount / 2;
        _len("haircut", p.haircut.length, nA);
        _len("debtAddOn", p.debtAddOn.length, nA);
        _len("factorLoading", p.factorLoading.length, nA);
        _len("residualLoading", p.residualLoading.length, nA);
        _len("residualColumn", p.residualColumn.length, nA);
        for (uint256 a = 0; a < nA; ++a) {
            if (p.haircut[a] > uint256(PPM)) revert RiskParams__HaircutOutOfRange(a, p.haircut[a]);
            if (p.debtAddOn[a] > uint256(PPM)) revert RiskParams__DebtAddOnOutOfRange(a, p.debtAddOn[a]);
            if (p.factorLoading[a] > uint256(PPM)) revert RiskParams__FactorLoadingOutOfRange(a, p.factorLoading[a]);
            int256 r = p.residualLoading[a];
            if (r > PPM || r < -PPM) revert RiskParams__ResidualLoadingOutOfRange(a, r);
            uint256 c = p.residualColumn[a];
            if (c == 0 || c >= nC) revert RiskParams__ResidualColumnOutOfRange(a, c);
        }
        if (p.grossCharge > uint256(PPM)) revert RiskParams__GrossChargeOutOfRange(p.grossCharge);
    }

    /// @dev Checks (1), (2) and (5) of the model-v2 fields.
    function _checkV2(Params calldata p) private view {
        uint256 nA = assetCount;
        _len("basisCharge", p.basisCharge.length, nA);
        _len("concentration", p.concentration.length, nA);
        _len("shortOptionMin", p.shortOptionMin.length, nA);
        for (uint256 a = 0; a < nA; ++a) {
            if (p.basisCharge[a] > uint256(PPM)) revert RiskParams__BasisChargeOutOfRange(a, p.basisCharge[a]);
            if (p.concentration[a] >> CONC_BITS != 0) revert RiskParams__ConcentrationOutOfRange(a, p.concentration[a]);
            if (p.shortOptionMin[a] > MAX_SHORT_OPTION_MIN) revert RiskParams__ShortOptionMinOutOfRange(a, p.shortOptionMin[a]);
        }
        if (p.vegaGross > uint256(PPM)) revert RiskParams__VegaGrossOutOfRange(p.vegaGross);
        if (p.noGammaGain > 1) revert RiskParams__NoGammaGainOutOfRange(p.noGammaGain);
        if (p.venueDefault > uint256(PPM)) revert RiskParams__VenueDefaultOutOfRange(p.venueDefault);
    }

    /// @dev The packed words of range-checked parameters (riskWords() in prover/commitments.ts).
    function _pack(Params memory p) private view returns (uint256[] memory) {
        uint256 nA = p.haircut.length;
        uint256 cBits = columnBits;
        WordPacker.Packer memory w = WordPacker.create(8 * nA + 4);
        for (uint256 a = 0; a < nA; ++a) WordPacker.push(w, p.haircut[a], PPM_BITS);
        for (uint256 a = 0; a < nA; ++a) WordPacker.push(w, p.debtAddOn[a], PPM_BITS);
        for (uint256 a = 0; a < nA; ++a) WordPacker.push(w, p.factorLoading[a], PPM_BITS);
        for (uint256 a = 0; a < nA; ++a) WordPacker.push(w, uint256(p.residualLoading[a] + PPM), RESIDUAL_BITS);
        for (uint256 a = 0; a < nA; ++a) WordPacker.push(w, p.residualColumn[a], cBits);
        WordPacker.push(w, p.grossCharge, PPM_BITS);
        for (uint256 a = 0; a < nA; ++a) WordPacker.push(w, p.basisCharge[a], PPM_BITS);
        for (uint256 a = 0; a < nA; ++a) WordPacker.push(w, p.concentration[a], CONC_BITS);
        for (uint256 a = 0; a < nA; ++a) WordPacker.push(w, p.shortOptionMin[a], SOM_BITS);
        WordPacker.push(w, p.vegaGross, PPM_BITS);
        WordPacker.push(w, p.noGammaGain, 1);
        WordPacker.push(w, p.venueDefault, PPM_BITS);
        return WordPacker.words(w);
    }

    function _len(string memory field, uint256 length, uint256 expected) private pure {
        if (length != expected) revert RiskParams__WrongLength(field, length, expected);
    }
}
