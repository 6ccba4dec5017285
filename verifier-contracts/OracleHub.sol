// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IAggregatorV3} from "./interfaces/IAggregatorV3.sol";
import {IOracleHub} from "./interfaces/IOracleHub.sol";
import {IPoseidonT9} from "./interfaces/IPoseidonT9.sol";
import {PoseidonSponge} from "./lib/PoseidonSponge.sol";
import {WordPacker} from "./lib/WordPacker.sol";

/// @title OracleHub
/// @notice Per-epoch market snapshots for A assets (SPEC.md §3, §5). For each asset the owner configures ≥ 3
///         AggregatorV3 feeds. A snapshot, per asset:
///           1. reads every feed, normalises its answer to USD × 1e8, and leaves out a feed that reverts, answers ≤ 0,
///              or was updated more than maxAge seconds ago (or in the future);
///           2. takes the median of the fresh feeds, leaves out those further than maxDeviationPpm from it, and needs
///              at least minGoodFeeds survivors (else OracleHub__TooFewGoodFeeds naming the asset); the price is
///              the survivors' median (the mean of the middle two for an even count, rounded down), < 2^64;
///           3. updates the EWMA variance with the epoch return r (ppm) against the previous snapshot's price:
///              var ← (λ·var + (1e6 − λ)·r²) / 1e6 (no update at the first snapshot: var keeps its seed);
///           4. sets the scan range S = max(floor, κ·σ·√h) in ppm of price, σ = ⌊√var⌋, capped at 1e6 (100 %);
///           5. copies the governance vol shock Σ.
///         The snapshot (P, S, Σ) and its hash are stored per epoch; epochs only move forward. The hash packs
///         [P... (64 bits), S..., Σ... (20 bits)] into 248-bit words (lib/WordPacker.sol) and takes the Poseidon(8)
///         sponge over the words (marketWords() and marketHash() in prover/commitments.ts).
contract OracleHub is IOracleHub, Ownable {
    /// @notice Prices are USD × 1e8.
    uint8 public constant PRICE_DECIMALS = 8;
    /// @notice Parts per million.
    uint256 public constant PPM = 1e6;
    /// @notice The scan range never exceeds 100 % of price.
    uint256 public constant MAX_SCAN_RANGE_PPM = 1e6;
    /// @notice At most this many feeds per asset (bounds the snapshot's gas).
    uint256 public constant MAX_FEEDS = 16;
    /// @dev Packed widths: a price < 2^64; scan range and vol shock ≤ 1e6 < 2^20.
    uint256 private constant PRICE_BITS = 64;
    uint256 private constant PPM_BITS = 20;

    /// @notice The Poseidon(8) contract.
    IPoseidonT9 public immutable poseidon;
    /// @notice Number of assets A.
    uint256 public immutable assetCount;

    Config private _config;
    Asset[] private _assets;
    uint64 private _latestEpoch;
    bool private _hasSnapshot;

    struct Snapshot {
        uint256[] price;
        uint256[] scanRange;
        uint256[] volShock;
        uint256 hash;
    }

    mapping(uint64 epoch => Snapshot) private _snapshots;

    /// @param admin the owner (configures feeds and takes snapshots)
    /// @param poseidon_ the Poseidon(8) contract
    /// @param assetCount_ the instance's asset count A
    /// @param config_ the global settings
    constructor(address admin, IPoseidonT9 poseidon_, uint256 assetCount_, Config memory config_) Ownable(admin) {
        if (address(poseidon_) == address(0)) revert OracleHub__InvalidConfig("poseidon", 0);
        if (assetCount_ == 0 || assetCount_ > 64) revert OracleHub__InvalidConfig("assetCount", assetCount_);
        poseidon = poseidon_;
        assetCount = assetCount_;
        for (uint256 a = 0; a < assetCount_; ++a) _assets.push();
        _setConfig(config_);
    }

    /// @inheritdoc IOracleHub
    function setConfig(Config calldata config_) external onlyOwner {
        _setConfig(config_);
    }

    /// @inheritdoc IOracleHub
    function setAsset(uint256 asset, address[] calldata feeds, uint32 scanFloorPpm, uint32 volShockPpm, uint32 initialVolPpm)
        external
        onlyOwner
    {
        if (asset >= assetCount) revert OracleHub__UnknownAsset(asset);
        if (feeds.length < _config.minGoodFeeds) {
            revert OracleHub__TooFewFeedsConfigured(asset, feeds.length, _config.minGoodFeeds);
        }
        if (feeds.length > MAX_FEEDS) revert OracleHub__InvalidConfig("feeds.length", feeds.length);
        for (uint256 i = 0; i < feeds.length; ++i) {
            if (feeds[i] == address(0)) revert OracleHub__InvalidFeed(asset, feeds[i]);
            for (uint256 j = 0; j < i; ++j) {
                if (feeds[j] == feeds[i]) revert OracleHub__InvalidFeed(asset, feeds[i]);
            }
        }
        if (scanFloorPpm > MAX_SCAN_RANGE_PPM) revert OracleHub__InvalidConfig("scanFloorPpm", scanFloorPpm);
        if (volShockPpm > PPM) revert OracleHub__InvalidConfig("volShockPpm", volShockPpm);
        if (initialVolPpm > PPM) revert OracleHub__InvalidConfig("initialVolPpm", initialVolPpm);
        Asset storage s = _assets[asset];
        s.feeds = feeds;
        s.scanFloorPpm = scanFloorPpm;
        s.volShockPpm = volShockPpm;
        s.variancePpm2 = uint256(initialVolPpm) * initialVolPpm;
        emit AssetSet(asset, feeds, scanFloorPpm, volShockPpm, s.variancePpm2);
    }

    /// @inheritdoc IOracleHub
    function snapshot(uint64 epoch) external onlyOwner returns (uint256 marketHash) {
        if (_hasSnapshot && epoch <= _latestEpoch) revert OracleHub__EpochNotForward(epoch, _latestEpoch);
        uint256 n = assetCount;
        uint256[] memory price = new uint256[](n);
        uint256[] memory scanRange = new uint256[](n);
        uint256[] memory volShock = new uint256[](n);
        Config memory cfg = _config;
        uint256 sqrtHorizonPpm = Math.sqrt(uint256(cfg.horizonEpochs) * PPM * PPM);
        for (uint256 a = 0; a < n; ++a) {
            Asset storage s = _assets[a];
            if (s.feeds.length == 0) revert OracleHub__AssetNotConfigured(a);
            uint256 p = _aggregate(a, s.feeds, cfg);
            // Check (3): EWMA variance of the epoch return, ppm².
            uint256 prev = s.lastPrice;
            if (prev != 0) {
                uint256 diff = p > prev ? p - prev : prev - p;
                uint256 r = Math.mulDiv(diff, PPM, prev);
                s.variancePpm2 = (uint256(cfg.ewmaLambdaPpm) * s.variancePpm2 + (PPM - cfg.ewmaLambdaPpm) * r * r) / PPM;
            }
            s.lastPrice = p;
            // Check (4): S = max(floor, κ·σ·√h), capped.
            uint256 scaled = Math.mulDiv(uint256(cfg.kappaPpm) * Math.sqrt(s.variancePpm2), sqrtHorizonPpm, PPM * PPM);
            uint256 sr = Math.min(Math.max(scaled, s.scanFloorPpm), MAX_SCAN_RANGE_PPM);
            price[a] = p;
            scanRange[a] = sr;
            volShock[a] = s.volShockPpm;
        }
        // Pack in marketFields order (every value was range-checked above or at setAsset) and hash.
        WordPacker.Packer memory w = WordPacker.create(3 * n);
        for (uint256 a = 0; a < n; ++a) WordPacker.push(w, price[a], PRICE_BITS);
        for (uint256 a = 0; a < n; ++a) WordPacker.push(w, scanRange[a], PPM_BITS);
        for (uint256 a = 0; a < n; ++a) WordPacker.push(w, volShock[a], PPM_BITS);
        marketHash = PoseidonSponge.hash(poseidon, WordPacker.words(w));
        _snapshots[epoch] = Snapshot(price, scanRange, volShock, marketHash);
        _latestEpoch = epoch;
        _hasSnapshot = true;
        emit SnapshotTaken(epoch, marketHash, price, scanRange, volShock);
    }

    /// @inheritdoc IOracleHub
    function latestEpoch() external view returns (uint64) {
        return _latestEpoch;
    }

    /// @inheritdoc IOracleHub
    function hasSnapshot() external view returns (bool) {
        return _hasSnapshot;
    }

    /// @inheritdoc IOracleHub
    function marketHashAt(uint64 epoch) external view returns (uint256) {
        return _snapshots[epoch].hash;
    }

    /// @inheritdoc IOracleHub
    function snapshotAt(uint64 epoch)
        external
        view
        returns (uint256[] memory price, uint256[] memory scanRange, uint256[] memory volShock, uint256 marketHash)
    {
        Snapshot storage s = _snapshots[epoch];
        if (s.hash == 0) revert OracleHub__NoSnapshot(epoch);
        return (s.price, s.scanRange, s.volShock, s.hash);
    }

    /// @inheritdoc IOracleHub
    function sigmaPpm(uint256 asset) external view returns (uint256) {
        if (asset >= assetCount) revert OracleHub__UnknownAsset(asset);
        return Math.sqrt(_assets[asset].variancePpm2);
    }

    /// @inheritdoc IOracleHub
    function config() external view returns (Config memory) {
        return _config;
    }

    /// @inheritdoc IOracleHub
    function assetInfo(uint256 asset) external view returns (Asset memory) {
        if (asset >= assetCount) revert OracleHub__UnknownAsset(asset);
        return _assets[asset];
    }

    /// @dev Checks (1) and (2): fresh feeds, median, deviation filter, median of the survivors.
    function _aggregate(uint256 asset, address[] storage feeds, Config memory cfg) private view returns (uint256) {
        uint256[] memory fresh = new uint256[](feeds.length);
        uint256 nFresh = 0;
        for (uint256 i = 0; i < feeds.length; ++i) {
            (bool ok, uint256 p) = _read(IAggregatorV3(feeds[i]), cfg.maxAge);
            if (ok) fresh[nFresh++] = p;
        }
        if (nFresh < cfg.minGoodFeeds) revert OracleHub__TooFewGoodFeeds(asset, nFresh, cfg.minGoodFeeds);
        uint256 med = _median(fresh, nFresh);
        uint256 nGood = 0;
        for (uint256 i = 0; i < nFresh; ++i) {
            uint256 p = fresh[i];
            uint256 diff = p > med ? p - med : med - p;
            if (diff * PPM <= uint256(cfg.maxDeviationPpm) * med) fresh[nGood++] = p;
        }
        if (nGood < cfg.minGoodFeeds) revert OracleHub__TooFewGoodFeeds(asset, nGood, cfg.minGoodFeeds);
        uint256 price = _median(fresh, nGood);
        if (price == 0 || price > type(uint64).max) revert OracleHub__PriceOutOfRange(asset, price);
        return price;
    }

    /// @dev A feed's answer in USD × 1e8, or ok = false if it reverts, is non-positive, stale or from the future.
    function _read(IAggregatorV3 feed, uint64 maxAge) private view returns (bool ok, uint256 price) {
        uint8 dec;
        try feed.decimals() returns (uint8 d) {
            dec = d;
        } catch {
            return (false, 0);
        }
        if (dec > 36) return (false, 0);
        try feed.latestRoundData() returns (uint80, int256 answer, uint256, uint256 updatedAt, uint80) {
            if (answer <= 0 || updatedAt == 0 || updatedAt > block.timestamp) return (false, 0);
            if (block.timestamp - updatedAt > maxAge) return (false, 0);
            uint256 raw = uint256(answer);
            if (dec >= PRICE_DECIMALS) {
                price = raw / (10 ** (dec - PRICE_DECIMALS));
            } else {
                uint256 factor = 10 ** (PRICE_DECIMALS - dec);
                if (raw > type(uint256).max / factor) return (false, 0);
                price = raw * factor;
            }
            return (price != 0, price);
        } catch {
            return (false, 0);
        }
    }

    /// @dev Median of xs[0..n) (sorts that prefix in place; n ≥ 1, small).
    function _median(uint256[] memory xs, uint256 n) private pure returns (uint256) {
        for (uint256 i = 1; i < n; ++i) {
            uint256 v = xs[i];
            uint256 j = i;
            while (j > 0 && xs[j - 1] > v) {
                xs[j] = xs[j - 1];
                --j;
            }
            xs[j] = v;
        }
        return n % 2 == 1 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
    }

    function _setConfig(Config memory c) private {
        if (c.maxAge == 0) revert OracleHub__InvalidConfig("maxAge", c.maxAge);
        if (c.maxDeviationPpm == 0 || c.maxDeviationPpm > PPM) revert OracleHub__InvalidConfig("maxDeviationPpm", c.maxDeviationPpm);
        if (c.minGoodFeeds < 3 || c.minGoodFeeds > MAX_FEEDS) revert OracleHub__InvalidConfig("minGoodFeeds", c.minGoodFeeds);
        if (c.ewmaLambdaPpm > PPM) revert OracleHub__InvalidConfig("ewmaLambdaPpm", c.ewmaLambdaPpm);
        if (c.kappaPpm == 0 || c.kappaPpm > 10 * PPM) revert OracleHub__InvalidConfig("kappaPpm", c.kappaPpm);
        if (c.horizonEpochs == 0 || c.horizonEpochs > 10_000) revert OracleHub__InvalidConfig("horizonEpochs", c.horizonEpochs);
        _config = c;
        emit ConfigSet(c);
    }
}
