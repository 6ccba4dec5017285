// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IOracleHub} from "./interfaces/IOracleHub.sol";
import {IPoseidonT9} from "./interfaces/IPoseidonT9.sol";
import {IRiskParams} from "./interfaces/IRiskParams.sol";
import {PoseidonSponge} from "./lib/PoseidonSponge.sol";
import {WordPacker} from "./lib/WordPacker.sol";

/// @title OracleHub
/// @notice Per-epoch market snapshots for A assets and their context hash (docs/DESIGN.md §5 "Oracle"). A snapshot:
///         (1) moves the epoch forward by n ∈ [1, maxEpochStep] (any epoch in [1, 2^32) the first time);
///         (2) per asset, reads each feed with a bounded gas stipend, a return of exactly five words, a positive
///             answer updated within maxAge and not in the future, normalised to USD × 1e8 in (0, 2^64) — a feed
///             failing any of these is left out (FeedLeftOut), never reverts the snapshot;
///         (3) needs a quorum q = max(minGoodFeeds, ⌊configured/2⌋ + 1) of fresh feeds, and q of them within
///             maxDeviationPpm of the fresh feeds' median; the price is the median of those good feeds;
///         (4) EWMA (the shape of prover/risk/oracleRule.ts): r = ⌊|p − p_prev|·1e6 / p_prev⌋, λⁿ by stepwise
///             floor multiplication, var ← ⌊(λⁿ·var + (1e6 − λⁿ)·⌊r²/n⌋) / 1e6⌋ (the first snapshot of an asset
///             keeps the seeded variance); σ = ⌊√var⌋;
///         (5) S = min(1e6, max(scanFloor, ⌊κ·σ·√H / 1e12⌋)) with √H = ⌊√(h·1e12)⌋, and
///             Σ = min(1e6, max(volShockFloor, ⌊ν·σ / 1e6⌋));
///         (6) contextHash = Poseidon(8)-sponge([epoch, riskParamsHash, marketWords…]) with the RiskParams version in
///             force now, and records takenAt; the previous snapshot records supersededAt = now.
///         Overflow bounds: p < 2^64 so |Δp|·1e6 < 2^84 and maxDeviation·median < 2^96; r < 2^84 so r² < 2^168 and
///         λⁿ·var, (1e6 − λⁿ)·r² < 2^188 (var never exceeds max(seed², r²) < 2^168); κ·σ·√H < 2^24·2^84·2^27.
contract OracleHub is IOracleHub, Ownable {
    /// @notice Prices are USD × 1e8.
    uint8 public constant PRICE_DECIMALS = 8;
    /// @notice Parts per million.
    uint256 public constant PPM = 1e6;
    /// @notice The scan range and the vol shock never exceed 100 %.
    uint256 public constant MAX_PPM_VALUE = 1e6;
    /// @notice At least this many feeds per asset: one bad feed then still leaves a majority quorum of two.
    uint256 public constant MIN_FEEDS = 3;
    /// @notice The quorum never goes below two agreeing feeds.
    uint256 public constant MIN_QUORUM = 2;
    /// @notice At most this many feeds per asset (bounds the snapshot's gas).
    uint256 public constant MAX_FEEDS = 16;
    /// @notice Epochs are below 2^32 (MarginAttestor stores them in 32 bits).
    uint64 public constant MAX_EPOCH = type(uint32).max;
    /// @dev Packed widths: a price < 2^64; scan range and vol shock ≤ 1e6 < 2^20.
    uint256 private constant PRICE_BITS = 64;
    uint256 private constant PPM_BITS = 20;
    /// @dev decimals() selector (latestRoundData() is 0xfeaf968c, written in _read).
    bytes4 private constant DECIMALS = 0x313ce567;

    /// @notice The Poseidon(8) contract.
    IPoseidonT9 public immutable poseidon;
    /// @notice Where the risk-params hash and version come from.
    IRiskParams public immutable riskParams;
    /// @notice Number of assets A.
    uint256 public immutable assetCount;

    Config private _config;
    Asset[] private _assets;
    uint64 private _latestEpoch;
    bool private _hasSnapshot;

    /// @dev contextHash, then takenAt | supersededAt << 64 | riskVersion << 128 in one slot.
    struct Stored {
        uint256 contextHash;
        uint64 takenAt;
        uint64 supersededAt;
        uint32 riskVersion;
        uint256[] price;
        uint256[] scanRange;
        uint256[] volShock;
    }

    mapping(uint64 epoch => Stored) private _snapshots;

    /// @param admin the owner (configures feeds and takes snapshots)
    /// @param poseidon_ the Poseidon(8) contract
    /// @param riskParams_ the RiskParams whose current version each snapshot binds
    /// @param assetCount_ the instance's asset count A
    /// @param config_ the global settings
    constructor(address admin, IPoseidonT9 poseidon_, IRiskParams riskParams_, uint256 assetCount_, Config memory config_)
        Ownable(admin)
    {
        if (address(poseidon_) == address(0)) revert OracleHub__InvalidConfig("poseidon", 0);
        if (address(riskParams_) == address(0)) revert OracleHub__InvalidConfig("riskParams", 0);
        if (assetCount_ == 0 || assetCount_ > 64) revert OracleHub__InvalidConfig("assetCount", assetCount_);
        if (riskParams_.assetCount() != assetCount_) revert OracleHub__InvalidConfig("riskParams.assetCount", riskParams_.assetCount());
        poseidon = poseidon_;
        riskParams = riskParams_;
        assetCount = assetCount_;
        for (uint256 a = 0; a < assetCount_; ++a) _assets.push();
        _setConfig(config_);
    }

    /// @inheritdoc IOracleHub
    function setConfig(Config calldata config_) external onlyOwner {
        _setConfig(config_);
    }

    /// @inheritdoc IOracleHub
    function setAsset(uint256 asset, address[] calldata feeds, uint32 scanFloorPpm, uint32 volShockFloorPpm, uint32 initialVolPpm)
        external
        onlyOwner
    {
        if (asset >= assetCount) revert OracleHub__UnknownAsset(asset);
        uint256 required = Math.max(MIN_FEEDS, _config.minGoodFeeds);
        if (feeds.length < required) revert OracleHub__TooFewFeedsConfigured(asset, feeds.length, required);
        if (feeds.length > MAX_FEEDS) revert OracleHub__InvalidConfig("feeds.length", feeds.length);
        uint8[] memory decs = new uint8[](feeds.length);
        for (uint256 i = 0; i < feeds.length; ++i) {
            if (feeds[i] == address(0)) revert OracleHub__InvalidFeed(asset, feeds[i]);
            for (uint256 j = 0; j < i; ++j) {
                if (feeds[j] == feeds[i]) revert OracleHub__InvalidFeed(asset, feeds[i]);
            }
            (bool ok, uint256 d) = _call(feeds[i], DECIMALS, 32, _config.feedGas);
            if (!ok || d > 36) revert OracleHub__InvalidFeed(asset, feeds[i]);
            decs[i] = uint8(d);
        }
        if (scanFloorPpm > MAX_PPM_VALUE) revert OracleHub__InvalidConfig("scanFloorPpm", scanFloorPpm);
        if (volShockFloorPpm > MAX_PPM_VALUE) revert OracleHub__InvalidConfig("volShockFloorPpm", volShockFloorPpm);
        if (initialVolPpm > PPM) revert OracleHub__InvalidConfig("initialVolPpm", initialVolPpm);
        Asset storage s = _assets[asset];
        s.feeds = feeds;
        s.decimals = decs;
        s.scanFloorPpm = scanFloorPpm;
        s.volShockFloorPpm = volShockFloorPpm;
        s.variancePpm2 = uint256(initialVolPpm) * initialVolPpm;
        emit AssetSet(asset, feeds, scanFloorPpm, volShockFloorPpm, s.variancePpm2);
    }

    /// @inheritdoc IOracleHub
    function snapshot(uint64 epoch) external onlyOwner returns (uint256 contextHash) {
        // Check (1): epoch range and step.
        if (epoch == 0 || epoch > MAX_EPOCH) revert OracleHub__EpochOutOfRange(epoch);
        Config memory cfg = _config;
        uint64 prev = _latestEpoch;
        bool has = _hasSnapshot;
        uint256 n = 0;
        if (has) {
            if (epoch <= prev) revert OracleHub__EpochNotForward(epoch, prev);
            n = epoch - prev;
            if (n > cfg.maxEpochStep) revert OracleHub__EpochStepTooLarge(epoch, prev, cfg.maxEpochStep);
        }
        (uint256 riskHash, uint256 riskVersion) = riskParams.current();
        if (riskVersion == 0) revert OracleHub__NoRiskParams();

        (uint256[] memory price, uint256[] memory scanRange, uint256[] memory volShock) = _market(epoch, n, cfg);
        // Check (6): context hash over [epoch, riskParamsHash, marketWords…]; record the times.
        uint256[] memory words = _marketWords(price, scanRange, volShock);
        uint256[] memory fields = new uint256[](2 + words.length);
        fields[0] = epoch;
        fields[1] = riskHash;
        for (uint256 i = 0; i < words.length; ++i) fields[2 + i] = words[i];
        contextHash = PoseidonSponge.hash(poseidon, fields);

        Stored storage st = _snapshots[epoch];
        st.contextHash = contextHash;
        st.takenAt = uint64(block.timestamp);
        st.riskVersion = uint32(riskVersion);
        st.price = price;
        st.scanRange = scanRange;
        st.volShock = volShock;
        if (has) _snapshots[prev].supersededAt = uint64(block.timestamp);
        _latestEpoch = epoch;
        _hasSnapshot = true;
        emit SnapshotTaken(epoch, contextHash, uint32(riskVersion), price, scanRange, volShock);
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
    function contextHashAt(uint64 epoch) external view returns (uint256) {
        return _snapshots[epoch].contextHash;
    }

    /// @inheritdoc IOracleHub
    function contextAt(uint64 epoch) external view returns (Context memory c) {
        Stored storage s = _snapshots[epoch];
        c.contextHash = s.contextHash;
        c.takenAt = s.takenAt;
        c.supersededAt = s.supersededAt;
        c.riskVersion = s.riskVersion;
    }

    /// @inheritdoc IOracleHub
    function timesAt(uint64 epoch) external view returns (uint64, uint64) {
        Stored storage s = _snapshots[epoch];
        return (s.takenAt, s.supersededAt);
    }

    /// @inheritdoc IOracleHub
    function snapshotAt(uint64 epoch)
        external
        view
        returns (uint256[] memory price, uint256[] memory scanRange, uint256[] memory volShock, Context memory context)
    {
        Stored storage s = _snapshots[epoch];
        if (s.contextHash == 0) revert OracleHub__NoSnapshot(epoch);
        context = Context(s.contextHash, s.takenAt, s.supersededAt, s.riskVersion);
        return (s.price, s.scanRange, s.volShock, context);
    }

    /// @inheritdoc IOracleHub
    function marketWordsAt(uint64 epoch) external view returns (uint256[] memory) {
        Stored storage s = _snapshots[epoch];
        if (s.contextHash == 0) revert OracleHub__NoSnapshot(epoch);
        return _marketWords(s.price, s.scanRange, s.volShock);
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

    /// @dev Every asset's price, scan range and vol shock (checks 2-5), n epochs after the previous snapshot.
    function _market(uint64 epoch, uint256 n, Config memory cfg)
        private
        returns (uint256[] memory price, uint256[] memory scanRange, uint256[] memory volShock)
    {
        uint256 nA = assetCount;
        price = new uint256[](nA);
        scanRange = new uint256[](nA);
        volShock = new uint256[](nA);
        uint256 lambdaN = _lambdaPow(cfg.ewmaLambdaPpm, n);
        uint256 sqrtH = Math.sqrt(uint256(cfg.horizonEpochs) * PPM * PPM);
        for (uint256 a = 0; a < nA; ++a) {
            (price[a], scanRange[a], volShock[a]) = _assetStep(epoch, a, n, lambdaN, sqrtH, cfg);
        }
    }

    /// @dev One asset's price (checks 2-3), EWMA update (check 4), scan range and vol shock (check 5).
    function _assetStep(uint64 epoch, uint256 a, uint256 n, uint256 lambdaN, uint256 sqrtH, Config memory cfg)
        private
        returns (uint256 p, uint256 scan, uint256 shock)
    {
        Asset storage s = _assets[a];
        if (s.feeds.length == 0) revert OracleHub__AssetNotConfigured(a);
        p = _aggregate(epoch, a, s, cfg);
        // Check (4): EWMA of the return over n epochs (the first snapshot of the asset keeps the seed).
        uint256 last = s.lastPrice;
        uint256 variance = s.variancePpm2;
        if (last != 0) {
            uint256 diff = p > last ? p - last : last - p;
            uint256 r = (diff * PPM) / last;
            variance = (lambdaN * variance + (PPM - lambdaN) * ((r * r) / n)) / PPM;
            s.variancePpm2 = variance;
        }
        s.lastPrice = p;
        // Check (5): scan range and vol shock from σ.
        uint256 sigma = Math.sqrt(variance);
        scan = Math.min(MAX_PPM_VALUE, Math.max(s.scanFloorPpm, (uint256(cfg.kappaPpm) * sigma * sqrtH) / 1e12));
        shock = Math.min(MAX_PPM_VALUE, Math.max(s.volShockFloorPpm, (uint256(cfg.nuPpm) * sigma) / PPM));
    }

    /// @dev Checks (2) and (3): defensive reads, quorum of fresh feeds, deviation filter, median of the good ones.
    function _aggregate(uint64 epoch, uint256 asset, Asset storage s, Config memory cfg) private returns (uint256) {
        uint256 quorum = Math.max(cfg.minGoodFeeds, s.feeds.length / 2 + 1);
        (uint256[] memory fresh, address[] memory who, uint256 nFresh) = _readAll(epoch, asset, s, cfg);
        if (nFresh < quorum) revert OracleHub__TooFewGoodFeeds(asset, nFresh, quorum);
        uint256[] memory sorted = new uint256[](nFresh);
        for (uint256 i = 0; i < nFresh; ++i) sorted[i] = fresh[i];
        uint256 med = _median(sorted, nFresh);
        uint256 nGood = 0;
        for (uint256 i = 0; i < nFresh; ++i) {
            uint256 p = fresh[i];
            uint256 diff = p > med ? p - med : med - p;
            if (diff * PPM <= uint256(cfg.maxDeviationPpm) * med) {
                fresh[nGood++] = p;
            } else {
                emit FeedLeftOut(epoch, asset, who[i], 5);
            }
        }
        if (nGood < quorum) revert OracleHub__TooFewGoodFeeds(asset, nGood, quorum);
        return _median(fresh, nGood);
    }

    /// @dev Check (2): every feed read defensively; the fresh answers first, with their feeds.
    function _readAll(uint64 epoch, uint256 asset, Asset storage s, Config memory cfg)
        private
        returns (uint256[] memory fresh, address[] memory who, uint256 nFresh)
    {
        uint256 count = s.feeds.length;
        fresh = new uint256[](count);
        who = new address[](count);
        for (uint256 i = 0; i < count; ++i) {
            address feed = s.feeds[i];
            (uint8 reason, uint256 p) = _read(feed, s.decimals[i], cfg);
            if (reason != 0) {
                emit FeedLeftOut(epoch, asset, feed, reason);
                continue;
            }
            fresh[nFresh] = p;
            who[nFresh] = feed;
            ++nFresh;
        }
    }

    /// @dev One feed's answer in USD × 1e8 (reason 0), or why it is left out (reasons of FeedLeftOut).
    function _read(address feed, uint8 dec, Config memory cfg) private view returns (uint8 reason, uint256 price) {
        bool ok;
        uint256 answer;
        uint256 updatedAt;
        uint256 gasLimit = cfg.feedGas;
        assembly ("memory-safe") {
            // Scratch above the free-memory pointer; only the first 160 bytes of the return are copied.
            let m := mload(0x40)
            mstore(m, shl(224, 0xfeaf968c))
            ok := staticcall(gasLimit, feed, m, 4, m, 160)
            if iszero(eq(returndatasize(), 160)) { ok := 0 }
            answer := mload(add(m, 32))
            updatedAt := mload(add(m, 96))
        }
        if (!ok) return (1, 0);
        if (int256(answer) <= 0) return (2, 0);
        if (updatedAt == 0 || updatedAt > block.timestamp || block.timestamp - updatedAt > cfg.maxAge) return (3, 0);
        if (dec >= PRICE_DECIMALS) {
            price = answer / (10 ** (dec - PRICE_DECIMALS));
        } else {
            if (answer > type(uint64).max) return (4, 0);
            price = answer * (10 ** (PRICE_DECIMALS - dec));
        }
        if (price == 0 || price > type(uint64).max) return (4, 0);
        return (0, price);
    }

    /// @dev A static call returning exactly `size` bytes whose first word is returned, with a gas stipend.
    function _call(address target, bytes4 selector, uint256 size, uint256 gasLimit) private view returns (bool ok, uint256 word) {
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, selector)
            ok := staticcall(gasLimit, target, m, 4, m, size)
            if iszero(eq(returndatasize(), size)) { ok := 0 }
            word := mload(m)
        }
    }

    /// @dev λⁿ in ppm by stepwise floor multiplication (n ≤ maxEpochStep; λ⁰ = 1e6, unused for a first snapshot).
    function _lambdaPow(uint256 lambdaPpm, uint256 n) private pure returns (uint256 l) {
        l = PPM;
        for (uint256 k = 0; k < n; ++k) l = (l * lambdaPpm) / PPM;
    }

    /// @dev The packed market words in marketFields order (every value range-checked by construction).
    function _marketWords(uint256[] memory price, uint256[] memory scanRange, uint256[] memory volShock)
        private
        pure
        returns (uint256[] memory)
    {
        uint256 nA = price.length;
        WordPacker.Packer memory w = WordPacker.create(3 * nA);
        for (uint256 a = 0; a < nA; ++a) WordPacker.push(w, price[a], PRICE_BITS);
        for (uint256 a = 0; a < nA; ++a) WordPacker.push(w, scanRange[a], PPM_BITS);
        for (uint256 a = 0; a < nA; ++a) WordPacker.push(w, volShock[a], PPM_BITS);
        return WordPacker.words(w);
    }

    /// @dev Median of xs[0..n) (sorts that prefix in place; n ≥ 1, at most MAX_FEEDS).
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
        if (c.minGoodFeeds < MIN_QUORUM || c.minGoodFeeds > MAX_FEEDS) revert OracleHub__InvalidConfig("minGoodFeeds", c.minGoodFeeds);
        if (c.ewmaLambdaPpm > PPM) revert OracleHub__InvalidConfig("ewmaLambdaPpm", c.ewmaLambdaPpm);
        if (c.kappaPpm == 0 || c.kappaPpm > 10 * PPM) revert OracleHub__InvalidConfig("kappaPpm", c.kappaPpm);
        if (c.nuPpm > 100 * PPM) revert OracleHub__InvalidConfig("nuPpm", c.nuPpm);
        if (c.horizonEpochs == 0 || c.horizonEpochs > 10_000) revert OracleHub__InvalidConfig("horizonEpochs", c.horizonEpochs);
        if (c.maxEpochStep == 0 || c.maxEpochStep > 1_000) revert OracleHub__InvalidConfig("maxEpochStep", c.maxEpochStep);
        if (c.feedGas < 10_000 || c.feedGas > 1_000_000) revert OracleHub__InvalidConfig("feedGas", c.feedGas);
        _config = c;
        emit ConfigSet(c);
    }
}
