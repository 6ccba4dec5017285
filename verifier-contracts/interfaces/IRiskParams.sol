// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IRiskParams
/// @notice Governance risk parameters (SPEC.md §3) and their Poseidon hash, which equals riskParamsHash() in
///         prover/commitments.ts (the Poseidon(8)-sponge over the packed words of riskWords()).
interface IRiskParams {
    /// @notice The parameters for an instance with A assets and K scenarios.
    /// @param haircut H[a], ppm ≤ 1e6, haircut on positive spot
    /// @param debtAddOn B[a], ppm ≤ 1e6, add-on on negative spot
    /// @param moves M[k][a], ppm of scan range, in [-3e6, 3e6]
    /// @param volDirs U[k][a] in {-1, 0, 1}
    /// @param weights W[k], ppm ≤ 1e6
    /// @param grossCharge G, ppm ≤ 1e6
    struct Params {
        uint256[] haircut;
        uint256[] debtAddOn;
        int256[][] moves;
        int256[][] volDirs;
        uint256[] weights;
        uint256 grossCharge;
    }

    /// @notice An array has the wrong length; `field` names it.
    error RiskParams__WrongLength(string field, uint256 length, uint256 expected);
    /// @notice A haircut is above 1e6 ppm.
    error RiskParams__HaircutOutOfRange(uint256 asset, uint256 value);
    /// @notice A debt add-on is above 1e6 ppm.
    error RiskParams__DebtAddOnOutOfRange(uint256 asset, uint256 value);
    /// @notice A scenario move is outside [-3e6, 3e6].
    error RiskParams__MoveOutOfRange(uint256 scenario, uint256 asset, int256 value);
    /// @notice A vol direction is not -1, 0 or 1.
    error RiskParams__VolDirOutOfRange(uint256 scenario, uint256 asset, int256 value);
    /// @notice A scenario weight is above 1e6 ppm.
    error RiskParams__WeightOutOfRange(uint256 scenario, uint256 value);
    /// @notice The gross charge is above 1e6 ppm.
    error RiskParams__GrossChargeOutOfRange(uint256 value);
    /// @notice No parameters were set yet.
    error RiskParams__NotSet();

    /// @notice Governance set new parameters.
    event ParamsSet(uint256 indexed version, uint256 paramsHash, Params params);

    /// @notice Set every parameter at once (governance only); range-checks all of them and stores their hash.
    /// @param params the new parameters
    /// @return paramsHash their Poseidon hash
    function setParams(Params calldata params) external returns (uint256 paramsHash);

    /// @notice The hash of the current parameters, 0 before the first setParams.
    function paramsHash() external view returns (uint256);

    /// @notice How many times parameters were set.
    function version() external view returns (uint256);

    /// @notice The current parameters; reverts with RiskParams__NotSet before the first setParams.
    function params() external view returns (Params memory);

    /// @notice The current parameters as the packed words the hash absorbs (riskWords() in prover/commitments.ts).
    function words() external view returns (uint256[] memory);

    /// @notice Number of assets A.
    function assetCount() external view returns (uint256);

    /// @notice Number of scenarios K.
    function scenarioCount() external view returns (uint256);
}
