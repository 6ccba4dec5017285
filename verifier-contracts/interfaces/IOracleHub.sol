// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IOracleHub
/// @notice Per-epoch market snapshots (SPEC.md §3 and §5): median price of at least three AggregatorV3 feeds per asset,
///         EWMA volatility turned into a scan range, a governance vol shock, and the snapshot's Poseidon hash, which
///         equals marketHash() in prover/commitments.ts.
interface IOracleHub {
    /// @notice Global snapshot settings.
    /// @param maxAge a feed whose latest update is older than this many seconds is left out
    /// @param maxDeviationPpm a feed further than this from the median (ppm of the median) is left out
    /// @param minGoodFeeds at least this many feeds (≥ 3) must survive both filters, else the snapshot stops
    /// @param ewmaLambdaPpm EWMA decay λ in ppm: var ← λ·var + (1 − λ)·r², with r the epoch return in ppm
    /// @param kappaPpm scan-range multiplier κ in ppm (3e6 = three sigmas)
    /// @param horizonEpochs liquidation horizon h in epochs; the scan range is κ·σ·√h
    struct Config {
        uint64 maxAge;
        uint32 maxDeviationPpm;
        uint32 minGoodFeeds;
        uint32 ewmaLambdaPpm;
        uint32 kappaPpm;
        uint32 horizonEpochs;
    }

    /// @notice One asset's settings and volatility state.
    /// @param feeds its AggregatorV3 feeds (≥ 3)
    /// @param scanFloorPpm the scan range never goes below this (ppm of price)
    /// @param volShockPpm the vol shock Σ (vol points, ppm) written into each snapshot
    /// @param variancePpm2 EWMA variance of epoch returns, ppm² (σ = √variance, ppm)
    /// @param lastPrice the asset's price in the latest snapshot (USD × 1e8), 0 before the first
    struct Asset {
        address[] feeds;
        uint32 scanFloorPpm;
        uint32 volShockPpm;
        uint256 variancePpm2;
        uint256 lastPrice;
    }

    /// @notice The asset index is not below the instance's asset count.
    error OracleHub__UnknownAsset(uint256 asset);
    /// @notice The asset has not been configured with feeds yet.
    error OracleHub__AssetNotConfigured(uint256 asset);
    /// @notice Fewer feeds than minGoodFeeds were configured for the asset.
    error OracleHub__TooFewFeedsConfigured(uint256 asset, uint256 count, uint256 required);
    /// @notice A feed address is zero or listed twice for the asset.
    error OracleHub__InvalidFeed(uint256 asset, address feed);
    /// @notice Too few feeds were fresh and near the median: the snapshot stops.
    error OracleHub__TooFewGoodFeeds(uint256 asset, uint256 good, uint256 required);
    /// @notice The median price does not fit the circuit's 64-bit price range.
    error OracleHub__PriceOutOfRange(uint256 asset, uint256 price);
    /// @notice A setting is out of its allowed range; `field` names it.
    error OracleHub__InvalidConfig(string field, uint256 value);
    /// @notice The epoch is not after the latest snapshot's epoch.
    error OracleHub__EpochNotForward(uint64 epoch, uint64 latestEpoch);
    /// @notice No snapshot exists for the epoch.
    error OracleHub__NoSnapshot(uint64 epoch);

    /// @notice The global settings changed.
    event ConfigSet(Config config);
    /// @notice An asset's feeds and settings changed.
    event AssetSet(uint256 indexed asset, address[] feeds, uint32 scanFloorPpm, uint32 volShockPpm, uint256 variancePpm2);
    /// @notice A snapshot was written.
    event SnapshotTaken(uint64 indexed epoch, uint256 marketHash, uint256[] price, uint256[] scanRange, uint256[] volShock);

    /// @notice Replace the global settings (owner only).
    /// @param config the new settings; every field is range-checked
    function setConfig(Config calldata config) external;

    /// @notice Configure one asset (owner only).
    /// @param asset asset index, below assetCount()
    /// @param feeds at least minGoodFeeds distinct AggregatorV3 feeds
    /// @param scanFloorPpm scan-range floor, ppm of price, ≤ 1e6
    /// @param volShockPpm vol shock, ppm, ≤ 1e6
    /// @param initialVolPpm seeds the EWMA: variance = initialVolPpm², ≤ 1e6
    function setAsset(uint256 asset, address[] calldata feeds, uint32 scanFloorPpm, uint32 volShockPpm, uint32 initialVolPpm)
        external;

    /// @notice Read every asset's feeds and write the snapshot of a new epoch (owner only).
    /// @param epoch an epoch after latestEpoch() (any epoch for the first snapshot)
    /// @return marketHash the snapshot's Poseidon hash
    function snapshot(uint64 epoch) external returns (uint256 marketHash);

    /// @notice The epoch of the latest snapshot (0 before the first).
    function latestEpoch() external view returns (uint64);

    /// @notice Whether any snapshot was written.
    function hasSnapshot() external view returns (bool);

    /// @notice The market hash of an epoch's snapshot, 0 if there is none.
    function marketHashAt(uint64 epoch) external view returns (uint256);

    /// @notice An epoch's snapshot; reverts with OracleHub__NoSnapshot if there is none.
    function snapshotAt(uint64 epoch)
        external
        view
        returns (uint256[] memory price, uint256[] memory scanRange, uint256[] memory volShock, uint256 marketHash);

    /// @notice Number of assets A of the circuit instance.
    function assetCount() external view returns (uint256);

    /// @notice The current volatility σ of an asset, ppm per epoch.
    function sigmaPpm(uint256 asset) external view returns (uint256);

    /// @notice The global settings.
    function config() external view returns (Config memory);

    /// @notice One asset's settings and volatility state.
    function assetInfo(uint256 asset) external view returns (Asset memory);
}
