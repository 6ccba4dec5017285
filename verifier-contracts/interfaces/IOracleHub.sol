// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IOracleHub
/// @notice Per-epoch market snapshots and their context hash (docs/DESIGN.md §4, §5): a quorum median of
///         AggregatorV3 feeds per asset read defensively, an EWMA volatility scaled by the elapsed epochs turned into
///         a scan range and a vol shock, and contextHash(e) = Poseidon(8)-sponge([e, riskParamsHash, marketWords…])
///         with the risk-params version in force at the snapshot, equal to contextHash() in prover/commitments.ts.
///         Each snapshot records when it was taken and when the next one superseded it: MarginAttestor's expiry.
interface IOracleHub {
    /// @notice Global snapshot settings.
    /// @param maxAge a feed whose latest update is older than this many seconds is left out
    /// @param maxDeviationPpm a feed further than this from the median of the fresh feeds (ppm of it) is left out
    /// @param minGoodFeeds the quorum's floor (≥ 2): a snapshot needs max(minGoodFeeds, ⌊configured/2⌋ + 1) good feeds
    /// @param ewmaLambdaPpm EWMA decay λ per epoch, ppm
    /// @param kappaPpm scan-range multiplier κ, ppm (3e6 = three sigmas)
    /// @param nuPpm vol-shock multiplier ν, ppm (≤ 1e8): Σ = max(volShockFloor, ν·σ / 1e6)
    /// @param horizonEpochs liquidation horizon h in epochs; the scan range is κ·σ·√h
    /// @param maxEpochStep a snapshot may move the epoch forward by at most this many epochs
    /// @param feedGas gas given to each feed call (a feed that needs more is left out)
    struct Config {
        uint64 maxAge;
        uint32 maxDeviationPpm;
        uint32 minGoodFeeds;
        uint32 ewmaLambdaPpm;
        uint32 kappaPpm;
        uint32 nuPpm;
        uint32 horizonEpochs;
        uint32 maxEpochStep;
        uint32 feedGas;
    }

    /// @notice One asset's settings and volatility state.
    /// @param feeds its AggregatorV3 feeds (≥ 3)
    /// @param decimals each feed's decimals, read once when the asset is configured
    /// @param scanFloorPpm the scan range never goes below this (ppm of price)
    /// @param volShockFloorPpm the vol shock never goes below this (vol points, ppm)
    /// @param variancePpm2 EWMA variance of epoch returns, ppm² (σ = ⌊√variance⌋, ppm)
    /// @param lastPrice the asset's price in the latest snapshot (USD × 1e8), 0 before the first
    struct Asset {
        address[] feeds;
        uint8[] decimals;
        uint32 scanFloorPpm;
        uint32 volShockFloorPpm;
        uint256 variancePpm2;
        uint256 lastPrice;
    }

    /// @notice What MarginAttestor reads of a snapshot.
    /// @param contextHash the proof's public input for the epoch (0: no snapshot)
    /// @param takenAt when the snapshot was taken (unix seconds)
    /// @param supersededAt when the next snapshot was taken (0 while this is the latest)
    /// @param riskVersion the RiskParams version the context hash binds
    struct Context {
        uint256 contextHash;
        uint64 takenAt;
        uint64 supersededAt;
        uint32 riskVersion;
    }

    /// @notice The asset index is not below the instance's asset count.
    error OracleHub__UnknownAsset(uint256 asset);
    /// @notice The asset has not been configured with feeds yet.
    error OracleHub__AssetNotConfigured(uint256 asset);
    /// @notice Fewer feeds than the minimum were configured for the asset.
    error OracleHub__TooFewFeedsConfigured(uint256 asset, uint256 count, uint256 required);
    /// @notice A feed address is zero, listed twice, or does not answer decimals() (≤ 36) within feedGas.
    error OracleHub__InvalidFeed(uint256 asset, address feed);
    /// @notice Fewer good feeds than the quorum: the snapshot stops (and live attestations lapse on time).
    error OracleHub__TooFewGoodFeeds(uint256 asset, uint256 good, uint256 required);
    /// @notice A setting is out of its allowed range; `field` names it.
    error OracleHub__InvalidConfig(string field, uint256 value);
    /// @notice The epoch is not after the latest snapshot's epoch.
    error OracleHub__EpochNotForward(uint64 epoch, uint64 latestEpoch);
    /// @notice The epoch moves forward by more than maxEpochStep.
    error OracleHub__EpochStepTooLarge(uint64 epoch, uint64 latestEpoch, uint64 maxEpochStep);
    /// @notice The epoch is 0 or does not fit in 32 bits.
    error OracleHub__EpochOutOfRange(uint64 epoch);
    /// @notice No snapshot exists for the epoch.
    error OracleHub__NoSnapshot(uint64 epoch);
    /// @notice Risk parameters were never set: a snapshot cannot bind a version.
    error OracleHub__NoRiskParams();

    /// @notice The global settings changed.
    event ConfigSet(Config config);
    /// @notice An asset's feeds and settings changed.
    event AssetSet(uint256 indexed asset, address[] feeds, uint32 scanFloorPpm, uint32 volShockFloorPpm, uint256 variancePpm2);
    /// @notice A feed was left out of a snapshot. reason: 1 call failed / wrong return shape, 2 non-positive,
    ///         3 stale or from the future, 4 out of range, 5 too far from the median.
    event FeedLeftOut(uint64 indexed epoch, uint256 indexed asset, address feed, uint8 reason);
    /// @notice A snapshot was written.
    event SnapshotTaken(
        uint64 indexed epoch,
        uint256 contextHash,
        uint32 riskVersion,
        uint256[] price,
        uint256[] scanRange,
        uint256[] volShock
    );

    /// @notice Replace the global settings (owner only).
    /// @param config the new settings; every field is range-checked
    function setConfig(Config calldata config) external;

    /// @notice Configure one asset (owner only); reads and stores each feed's decimals.
    /// @param asset asset index, below assetCount()
    /// @param feeds at least MIN_FEEDS (3) and minGoodFeeds distinct AggregatorV3 feeds, at most MAX_FEEDS
    /// @param scanFloorPpm scan-range floor, ppm of price, ≤ 1e6
    /// @param volShockFloorPpm vol-shock floor, ppm, ≤ 1e6
    /// @param initialVolPpm seeds the EWMA: variance = initialVolPpm², ≤ 1e6
    function setAsset(uint256 asset, address[] calldata feeds, uint32 scanFloorPpm, uint32 volShockFloorPpm, uint32 initialVolPpm)
        external;

    /// @notice Read every asset's feeds and write the snapshot of a new epoch (owner only).
    /// @param epoch in [1, 2^32), after latestEpoch() by at most maxEpochStep (any epoch for the first snapshot)
    /// @return contextHash the snapshot's context hash
    function snapshot(uint64 epoch) external returns (uint256 contextHash);

    /// @notice The epoch of the latest snapshot (0 before the first).
    function latestEpoch() external view returns (uint64);

    /// @notice Whether any snapshot was written.
    function hasSnapshot() external view returns (bool);

    /// @notice The context hash of an epoch's snapshot, 0 if there is none.
    function contextHashAt(uint64 epoch) external view returns (uint256);

    /// @notice What MarginAttestor reads: hash, times and risk version of an epoch (all 0 if there is none).
    function contextAt(uint64 epoch) external view returns (Context memory);

    /// @notice When an epoch's snapshot was taken and superseded (0, 0 if there is none).
    function timesAt(uint64 epoch) external view returns (uint64 takenAt, uint64 supersededAt);

    /// @notice An epoch's market values; reverts with OracleHub__NoSnapshot if there is none.
    function snapshotAt(uint64 epoch)
        external
        view
        returns (uint256[] memory price, uint256[] memory scanRange, uint256[] memory volShock, Context memory context);

    /// @notice An epoch's packed market words (marketWords() in prover/commitments.ts).
    function marketWordsAt(uint64 epoch) external view returns (uint256[] memory);

    /// @notice Number of assets A of the circuit instance.
    function assetCount() external view returns (uint256);

    /// @notice The current volatility σ of an asset, ppm per epoch.
    function sigmaPpm(uint256 asset) external view returns (uint256);

    /// @notice The global settings.
    function config() external view returns (Config memory);

    /// @notice One asset's settings and volatility state.
    function assetInfo(uint256 asset) external view returns (Asset memory);
}
