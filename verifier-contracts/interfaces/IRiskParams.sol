// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IRiskParams
/// @notice Governance risk parameters and their Poseidon hash, which equals riskParamsHash() in prover/commitments.ts
///         (the Poseidon(8)-sponge over the packed words of riskWords()). Every setParams is a new version; versions
///         are kept. The owner is the deployment's timelock (client/deploy.ts: an OpenZeppelin TimelockController),
///         so a change is public for the timelock's delay before it exists, and it takes effect only at the oracle's
///         next snapshot, which records the version it used (docs/DESIGN.md §5).
interface IRiskParams {
    /// @notice The parameters for an instance with A assets and K scenarios; the scenarios by their factor structure,
    ///         M[k][a] = ρ[a]·s[k][0] + r[a]·s[k][c[a]] ppm of the scan range (s: the rows of [H; −H], H the Sylvester
    ///         Hadamard matrix of order K/2), with vol directions 0 and weights 100 % (docs/DESIGN.md §3).
    /// @param haircut H[a], ppm ≤ 1e6, haircut on positive spot
    /// @param debtAddOn B[a], ppm ≤ 1e6, add-on on negative spot
    /// @param factorLoading ρ[a], ppm of the scan range ≤ 1e6, the asset's loading on the market factor (column 0)
    /// @param residualLoading r[a] = ±ψ[a], ppm of the scan range in [-1e6, 1e6], its loading on its residual column
    /// @param residualColumn c[a] in [1, K/2), the asset's residual column of the sign design
    /// @param grossCharge G, ppm ≤ 1e6
    /// @param basisCharge model v2: b[a], ppm of the asset's gross notional, ≤ 1e6
    /// @param concentration model v2: c[a], ppm of g per $1M of g, < 2^20
    /// @param shortOptionMin model v2: m[a], ppm of the scan range per unit of short option notional, ≤ 3e6
    /// @param vegaGross model v2: ω, ppm ≤ 1e6
    /// @param noGammaGain model v2: 1 drops positive option gamma from the scenarios, in {0, 1}
    /// @param venueDefault model v2: δ, ppm of each venue's positive mark equity, ≤ 1e6
    struct Params {
        uint256[] haircut;
        uint256[] debtAddOn;
        uint256[] factorLoading;
        int256[] residualLoading;
        uint256[] residualColumn;
        uint256 grossCharge;
        uint256[] basisCharge;
        uint256[] concentration;
        uint256[] shortOptionMin;
        uint256 vegaGross;
        uint256 noGammaGain;
        uint256 venueDefault;
    }

    /// @notice An array has the wrong length; `field` names it.
    error RiskParams__WrongLength(string field, uint256 length, uint256 expected);
    /// @notice A haircut is above 1e6 ppm.
    error RiskParams__HaircutOutOfRange(uint256 asset, uint256 value);
    /// @notice A debt add-on is above 1e6 ppm.
    error RiskParams__DebtAddOnOutOfRange(uint256 asset, uint256 value);
    /// @notice A factor loading ρ is above 1e6 ppm.
    error RiskParams__FactorLoadingOutOfRange(uint256 asset, uint256 value);
    /// @notice A residual loading r is outside [-1e6, 1e6].
    error RiskParams__ResidualLoadingOutOfRange(uint256 asset, int256 value);
    /// @notice A residual column c is not in [1, K/2) (column 0 is the market factor's).
    error RiskParams__ResidualColumnOutOfRange(uint256 asset, uint256 value);
    /// @notice The scenario count K given at deployment is not 2·2^m in [4, 64].
    error RiskParams__ScenarioCountOutOfRange(uint256 value);
    /// @notice The gross charge is above 1e6 ppm.
    error RiskParams__GrossChargeOutOfRange(uint256 value);
    /// @notice A basis charge is above 1e6 ppm.
    error RiskParams__BasisChargeOutOfRange(uint256 asset, uint256 value);
    /// @notice A concentration charge does not fit 20 bits.
    error RiskParams__ConcentrationOutOfRange(uint256 asset, uint256 value);
    /// @notice A short-option minimum is above 3e6 ppm.
    error RiskParams__ShortOptionMinOutOfRange(uint256 asset, uint256 value);
    /// @notice The gross vega weight is above 1e6 ppm.
    error RiskParams__VegaGrossOutOfRange(uint256 value);
    /// @notice noGammaGain is not 0 or 1.
    error RiskParams__NoGammaGainOutOfRange(uint256 value);
    /// @notice The venue default charge is above 1e6 ppm.
    error RiskParams__VenueDefaultOutOfRange(uint256 value);
    /// @notice No parameters were set yet.
    error RiskParams__NotSet();

    /// @notice No parameters exist for that version.
    error RiskParams__UnknownVersion(uint256 version);

    /// @notice Governance set new parameters.
    event ParamsSet(uint256 indexed version, uint256 paramsHash, Params params);

    /// @notice Set every parameter at once (governance only); range-checks all of them and stores their hash.
    /// @param params the new parameters
    /// @return paramsHash their Poseidon hash
    function setParams(Params calldata params) external returns (uint256 paramsHash);

    /// @notice The hash of the current parameters, 0 before the first setParams.
    function paramsHash() external view returns (uint256);

    /// @notice How many times parameters were set: the current version (0 before the first).
    function version() external view returns (uint256);

    /// @notice The current version and its hash, in one call (what OracleHub records at each snapshot).
    function current() external view returns (uint256 paramsHash, uint256 version);

    /// @notice The hash of a past or current version; reverts with RiskParams__UnknownVersion for 0 or a future one.
    function hashOf(uint256 version) external view returns (uint256);

    /// @notice The parameters of a past or current version (what a proof of a snapshot with that version needs).
    function paramsOf(uint256 version) external view returns (Params memory);

    /// @notice The current parameters; reverts with RiskParams__NotSet before the first setParams.
    function params() external view returns (Params memory);

    /// @notice The current parameters as the packed words the hash absorbs (riskWords() in prover/commitments.ts).
    function words() external view returns (uint256[] memory);

    /// @notice Number of assets A.
    function assetCount() external view returns (uint256);

    /// @notice Number of scenarios K (2·2^m: the rows of the sign design [H; −H]).
    function scenarioCount() external view returns (uint256);
}
