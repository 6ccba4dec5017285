// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IPoseidonT9} from "./interfaces/IPoseidonT9.sol";
import {IRiskParams} from "./interfaces/IRiskParams.sol";
import {PoseidonSponge} from "./lib/PoseidonSponge.sol";

/// @title RiskParams
/// @notice Governance risk parameters for an instance with A assets and K scenarios (SPEC.md §3). setParams checks:
///         (1) every array has its instance length; (2) haircuts, debt add-ons, weights and the gross charge are
///         ppm ≤ 1e6; (3) moves are in [-3e6, 3e6]; (4) vol directions are in {-1, 0, 1}. It then stores the
///         Poseidon(8)-sponge hash over [H..., B..., M (k-major)..., U (k-major)..., W..., G] with negatives as
///         field elements: riskParamsHash() in prover/commitments.ts.
contract RiskParams is IRiskParams, Ownable {
    /// @notice Parts per million.
    int256 public constant PPM = 1e6;
    /// @notice |M[k][a]| ≤ 3e6 ppm of the scan range.
    int256 public constant MAX_MOVE = 3e6;

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

    Params private _params;

    /// @param governance the address allowed to set parameters
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
        uint256 nA = assetCount;
        uint256 nK = scenarioCount;
        // Check (1): lengths.
        _len("haircut", p.haircut.length, nA);
        _len("debtAddOn", p.debtAddOn.length, nA);
        _len("moves", p.moves.length, nK);
        _len("volDirs", p.volDirs.length, nK);
        _len("weights", p.weights.length, nK);
        for (uint256 k = 0; k < nK; ++k) {
            _len("moves[k]", p.moves[k].length, nA);
            _len("volDirs[k]", p.volDirs[k].length, nA);
        }
        uint256[] memory f = new uint256[](2 * nA + 2 * nK * nA + nK + 1);
        uint256 o = 0;
        // Check (2): ppm ranges.
        for (uint256 a = 0; a < nA; ++a) {
            if (p.haircut[a] > uint256(PPM)) revert RiskParams__HaircutOutOfRange(a, p.haircut[a]);
            f[o++] = p.haircut[a];
        }
        for (uint256 a = 0; a < nA; ++a) {
            if (p.debtAddOn[a] > uint256(PPM)) revert RiskParams__DebtAddOnOutOfRange(a, p.debtAddOn[a]);
            f[o++] = p.debtAddOn[a];
        }
        // Check (3): moves.
        for (uint256 k = 0; k < nK; ++k) {
            for (uint256 a = 0; a < nA; ++a) {
                int256 m = p.moves[k][a];
                if (m > MAX_MOVE || m < -MAX_MOVE) revert RiskParams__MoveOutOfRange(k, a, m);
                f[o++] = PoseidonSponge.toField(m);
            }
        }
        // Check (4): vol directions.
        for (uint256 k = 0; k < nK; ++k) {
            for (uint256 a = 0; a < nA; ++a) {
                int256 u = p.volDirs[k][a];
                if (u > 1 || u < -1) revert RiskParams__VolDirOutOfRange(k, a, u);
                f[o++] = PoseidonSponge.toField(u);
            }
        }
        for (uint256 k = 0; k < nK; ++k) {
            if (p.weights[k] > uint256(PPM)) revert RiskParams__WeightOutOfRange(k, p.weights[k]);
            f[o++] = p.weights[k];
        }
        if (p.grossCharge > uint256(PPM)) revert RiskParams__GrossChargeOutOfRange(p.grossCharge);
        f[o++] = p.grossCharge;

        h = PoseidonSponge.hash(poseidon, f);
        _params = p;
        paramsHash = h;
        uint256 v = ++version;
        emit ParamsSet(v, h, p);
    }

    /// @inheritdoc IRiskParams
    function params() external view returns (Params memory) {
        if (version == 0) revert RiskParams__NotSet();
        return _params;
    }

    /// @inheritdoc IRiskParams
    function fields() external view returns (uint256[] memory f) {
        if (version == 0) revert RiskParams__NotSet();
        Params storage p = _params;
        uint256 nA = assetCount;
        uint256 nK = scenarioCount;
        f = new uint256[](2 * nA + 2 * nK * nA + nK + 1);
        uint256 o = 0;
        for (uint256 a = 0; a < nA; ++a) f[o++] = p.haircut[a];
        for (uint256 a = 0; a < nA; ++a) f[o++] = p.debtAddOn[a];
        for (uint256 k = 0; k < nK; ++k) for (uint256 a = 0; a < nA; ++a) f[o++] = PoseidonSponge.toField(p.moves[k][a]);
        for (uint256 k = 0; k < nK; ++k) for (uint256 a = 0; a < nA; ++a) f[o++] = PoseidonSponge.toField(p.volDirs[k][a]);
        for (uint256 k = 0; k < nK; ++k) f[o++] = p.weights[k];
        f[o] = p.grossCharge;
    }

    function _len(string memory field, uint256 length, uint256 expected) private pure {
        if (length != expected) revert RiskParams__WrongLength(field, length, expected);
    }
}
