// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IPoseidonT9} from "./interfaces/IPoseidonT9.sol";
import {IRiskParams} from "./interfaces/IRiskParams.sol";
import {PoseidonSponge} from "./lib/PoseidonSponge.sol";
import {WordPacker} from "./lib/WordPacker.sol";

/// @title RiskParams
/// @notice Governance risk parameters for an instance with A assets and K scenarios (docs/DESIGN.md §3, model v2).
///         setParams checks every exact range — the circuit checks only the packed widths and relies on these
///         (docs/DESIGN.md §4 "Range checks of hashed parameters"):
///         (1) every array has its instance length, the model-v2 arrays included: the circuit proves model v2 only
///             (docs/DESIGN.md §4), so every version is hashed in the v2 layout (a deployment that wants v1's numbers
///             posts the v2 terms as zeros, prover/model.ts withV2TermsOff);
///         (2) haircuts, debt add-ons, weights, the gross charge, basis charges, gross vega and venue default are
///             ppm ≤ 1e6; (3) moves are in [-3e6, 3e6]; (4) vol directions are in {-1, 0, 1};
///         (5) concentration < 2^20, short-option minimum ≤ 3e6, noGammaGain ∈ {0, 1}.
///         It then packs the offset values [H..., B... (20 bits), M + 3e6 (k-major, 23 bits)..., U + 1 (k-major,
///         2 bits)..., W..., G (20 bits), b... (20), c... (20), m... (22), ω (20), noGammaGain (1), δ (20)] into
///         248-bit words (lib/WordPacker.sol) and stores the Poseidon(8)-sponge hash over the words:
///         riskWords() and riskParamsHash() in prover/commitments.ts. Each setParams is a new version (1, 2, …);
///         every version's parameters and hash stay readable. Ownership belongs to the deployment's timelock.
contract RiskParams is IRiskParams, Ownable {
    /// @notice Parts per million.
    int256 public constant PPM = 1e6;
    /// @notice |M[k][a]| ≤ 3e6 ppm of the scan range; the short-option minimum ≤ 3e6 too.
    int256 public constant MAX_MOVE = 3e6;
    /// @notice Packed widths: ppm values (≤ 1e6 < 2^20), M + 3e6 (≤ 6e6 < 2^23), U + 1 (≤ 2 < 2^2),
    ///         concentration (< 2^20), short-option minimum (≤ 3e6 < 2^22), noGammaGain (1 bit).
    uint256 private constant PPM_BITS = 20;
    uint256 private constant MOVE_BITS = 23;
    uint256 private constant DIR_BITS = 2;
    uint256 private constant CONC_BITS = 20;
    uint256 private constant SOM_BITS = 22;

    /// @notice The Poseidon(8) contract.
    IPoseidonT9 public immutable poseidon;
    /// @inheritdoc IRiskParams
    uint256 public immutable assetCount;
    /// @inheritdoc IRiskParams
    uint256 public immutable scenarioCount;

    /// @inheritdoc IRiskParams
    uint256 public paramsHash;
    /// @inheritdoc IRiskParams
    uint256 public version;

    mapping(uint256 version => Params) private _params;
    mapping(uint256 version => uint256 hash) private _hashes;

    /// @param governance the address allowed to set parameters (the deployment's timelock)
    /// @param poseidon_ the Poseidon(8) contract
    /// @param assetCount_ A
    /// @param scenarioCount_ K
    constructor(address governance, IPoseidonT9 poseidon_, uint256 assetCount_, uint256 scenarioCount_) Ownable(governance) {
        if (assetCount_ == 0 || assetCount_ > 64) revert RiskParams__WrongLength("assetCount", assetCount_, 64);
        if (scenarioCount_ == 0 || scenarioCount_ > 64) revert RiskParams__WrongLength("scenarioCount", scenarioCount_, 64);
        poseidon = poseidon_;
        assetCount = assetCount_;
        scenarioCount = scenarioCount_;
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

    /// @dev Checks (1)-(4) of the v1 fields.
    function _checkV1(Params calldata p) private view {
        uint256 nA = assetCount;
        uint256 nK = scenarioCount;
        _len("haircut", p.haircut.length, nA);
        _len("debtAddOn", p.debtAddOn.length, nA);
        _len("moves", p.moves.length, nK);
        _len("volDirs", p.volDirs.length, nK);
        _len("weights", p.weights.length, nK);
        for (uint256 k = 0; k < nK; ++k) {
            _len("moves[k]", p.moves[k].length, nA);
            _len("volDirs[k]", p.volDirs[k].length, nA);
        }
        for (uint256 a = 0; a < nA; ++a) {
            if (p.haircut[a] > uint256(PPM)) revert RiskParams__HaircutOutOfRange(a, p.haircut[a]);
            if (p.debtAddOn[a] > uint256(PPM)) revert RiskParams__DebtAddOnOutOfRange(a, p.debtAddOn[a]);
        }
        for (uint256 k = 0; k < nK; ++k) {
            for (uint256 a = 0; a < nA; ++a) {
                int256 m = p.moves[k][a];
                if (m > MAX_MOVE || m < -MAX_MOVE) revert RiskParams__MoveOutOfRange(k, a, m);
                int256 u = p.volDirs[k][a];
                if (u > 1 || u < -1) revert RiskParams__VolDirOutOfRange(k, a, u);
            }
            if (p.weights[k] > uint256(PPM)) revert RiskParams__WeightOutOfRange(k, p.weights[k]);
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
            if (p.shortOptionMin[a] > uint256(MAX_MOVE)) revert RiskParams__ShortOptionMinOutOfRange(a, p.shortOptionMin[a]);
        }
        if (p.vegaGross > uint256(PPM)) revert RiskParams__VegaGrossOutOfRange(p.vegaGross);
        if (p.noGammaGain > 1) revert RiskParams__NoGammaGainOutOfRange(p.noGammaGain);
        if (p.venueDefault > uint256(PPM)) revert RiskParams__VenueDefaultOutOfRange(p.venueDefault);
    }

    /// @dev The packed words of range-checked parameters (riskWords() in prover/commitments.ts).
    function _pack(Params memory p) private pure returns (uint256[] memory) {
        uint256 nA = p.haircut.length;
        uint256 nK = p.weights.length;
        WordPacker.Packer memory w = WordPacker.create(2 * nA + 2 * nK * nA + nK + 1 + 3 * nA + 3);
        for (uint256 a = 0; a < nA; ++a) WordPacker.push(w, p.haircut[a], PPM_BITS);
        for (uint256 a = 0; a < nA; ++a) WordPacker.push(w, p.debtAddOn[a], PPM_BITS);
        for (uint256 k = 0; k < nK; ++k) {
            for (uint256 a = 0; a < nA; ++a) WordPacker.push(w, uint256(p.moves[k][a] + MAX_MOVE), MOVE_BITS);
        }
        for (uint256 k = 0; k < nK; ++k) {
            for (uint256 a = 0; a < nA; ++a) WordPacker.push(w, uint256(p.volDirs[k][a] + 1), DIR_BITS);
        }
        for (uint256 k = 0; k < nK; ++k) WordPacker.push(w, p.weights[k], PPM_BITS);
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
