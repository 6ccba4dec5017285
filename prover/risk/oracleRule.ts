/**
 * The oracle rule: what OracleHub computes per snapshot from the aggregated prices, in the integer arithmetic
 * Solidity uses (uint256, every division a floor, ratios in ppm), so that verifier-contracts/OracleHub.sol can be
 * property-tested against this function value for value. Pure TypeScript (no node:*), usable in a browser.
 *
 * Per asset a, for a snapshot at epoch e after the previous one at e_prev (price p_prev, variance var):
 *   n     = e − e_prev                                   (1 ≤ n ≤ maxEpochStep)
 *   r     = ⌊|p − p_prev| · 1e6 / p_prev⌋                 (ppm)
 *   λⁿ    = λ, then ⌊λⁿ⁻¹ · λ / 1e6⌋ stepwise             (ppm)
 *   var   ← ⌊(λⁿ·var + (1e6 − λⁿ)·⌊r² / n⌋) / 1e6⌋        (ppm², variance per epoch)
 *   σ     = ⌊√var⌋                                       (ppm per epoch)
 *   S[a]  = min(1e6, max(scanFloor[a], ⌊κ·σ·sqrtH / 1e12⌋)),  sqrtH = ⌊√(h·1e12)⌋, κ in ppm
 *   Σ[a]  = min(1e6, max(volShockFloor[a], ⌊ν·σ / 1e6⌋)),      ν in ppm
 * The first snapshot does not update: var keeps its seed initialVol[a]² and S, Σ come from it.
 */
import type { MarketSnapshot } from "../types.ts";

export const PPM = 1_000_000n;

/** Global oracle settings (IOracleHub.Config plus ν and the epoch step bound). */
export interface OracleConfig {
  /** EWMA decay λ, ppm, in [0, 1e6] */
  ewmaLambdaPpm: bigint;
  /** scan-range multiplier κ, ppm, in (0, 1e7] */
  kappaPpm: bigint;
  /** horizon h in epochs, in [1, 1e4] */
  horizonEpochs: bigint;
  /** vol-shock multiplier ν, ppm (Σ = ν·σ: vol points of implied vol per unit of per-epoch return vol), in [0, 1e8] */
  volShockMultPpm: bigint;
  /** the most epochs one update may span, ≥ 1 */
  maxEpochStep: bigint;
}

/** Per-asset oracle settings (IOracleHub.setAsset). */
export interface OracleAsset {
  /** S never below this, ppm of price, ≤ 1e6 */
  scanFloorPpm: bigint;
  /** Σ never below this, ppm (1e6 = 100 vol points), ≤ 1e6 */
  volShockFloorPpm: bigint;
  /** seeds the EWMA: var = initialVol², ppm per epoch, ≤ 1e6 */
  initialVolPpm: bigint;
}

/** The oracle's memory between snapshots. */
export interface OracleState {
  /** epoch of the last snapshot (undefined before the first) */
  epoch: bigint | undefined;
  /** last price per asset, USD × 1e8 (0 before the first snapshot) */
  price: bigint[];
  /** EWMA variance per asset, ppm² per epoch */
  variance: bigint[];
}

/** One snapshot: the market the circuit reads, plus σ (ppm per epoch) for inspection. */
export interface OracleSnapshot {
  market: MarketSnapshot;
  sigmaPpm: bigint[];
  state: OracleState;
}

/** ⌊√x⌋ for x ≥ 0 (Newton on bigints; OpenZeppelin Math.sqrt returns the same). */
export function isqrt(x: bigint): bigint {
  if (x < 0n) throw new RangeError(`isqrt: negative input ${x}`);
  if (x < 2n) return x;
  let r = BigInt(Math.floor(Math.sqrt(Number(x)))) + 1n;
  r = (r + x / r) >> 1n; // one Newton step lands at or above ⌊√x⌋ (AM-GM); from above it decreases to ⌊√x⌋
  for (;;) {
    const next = (r + x / r) >> 1n;
    if (next >= r) break;
    r = next;
  }
  while (r * r > x) r -= 1n;
  while ((r + 1n) * (r + 1n) <= x) r += 1n;
  return r;
}

/** λⁿ in ppm by stepwise floor multiplication: λ, ⌊λ·λ/1e6⌋, … (n ≥ 1). */
export function lambdaPow(lambdaPpm: bigint, n: bigint): bigint {
  let l = lambdaPpm;
  for (let i = 1n; i < n; i++) l = (l * lambdaPpm) / PPM;
  return l;
}

function checkConfig(c: OracleConfig): void {
  const bad = (f: string, v: bigint) => new RangeError(`oracle.${f}: ${v} is out of range`);
  if (c.ewmaLambdaPpm < 0n || c.ewmaLambdaPpm > PPM) throw bad("ewmaLambdaPpm", c.ewmaLambdaPpm);
  if (c.kappaPpm <= 0n || c.kappaPpm > 10n * PPM) throw bad("kappaPpm", c.kappaPpm);
  if (c.horizonEpochs < 1n || c.horizonEpochs > 10_000n) throw bad("horizonEpochs", c.horizonEpochs);
  if (c.volShockMultPpm < 0n || c.volShockMultPpm > 100n * PPM) throw bad("volShockMultPpm", c.volShockMultPpm);
  if (c.maxEpochStep < 1n) throw bad("maxEpochStep", c.maxEpochStep);
}

/** The state before the first snapshot: every variance at its seed initialVol². */
export function initialOracleState(assets: readonly OracleAsset[]): OracleState {
  assets.forEach((a, i) => {
    if (a.scanFloorPpm < 0n || a.scanFloorPpm > PPM) throw new RangeError(`oracle.assets[${i}].scanFloorPpm: ${a.scanFloorPpm} is outside [0, 1e6]`);
    if (a.volShockFloorPpm < 0n || a.volShockFloorPpm > PPM) throw new RangeError(`oracle.assets[${i}].volShockFloorPpm: ${a.volShockFloorPpm} is outside [0, 1e6]`);
    if (a.initialVolPpm < 0n || a.initialVolPpm > PPM) throw new RangeError(`oracle.assets[${i}].initialVolPpm: ${a.initialVolPpm} is outside [0, 1e6]`);
  });
  return { epoch: undefined, price: assets.map(() => 0n), variance: assets.map((a) => a.initialVolPpm * a.initialVolPpm) };
}

/** Scan range and vol shock from σ (the last two lines of the rule). */
export function rangesFromSigma(sigma: bigint, asset: OracleAsset, config: OracleConfig): { scanRange: bigint; volShock: bigint } {
  const sqrtH = isqrt(config.horizonEpochs * PPM * PPM);
  const scaled = (config.kappaPpm * sigma * sqrtH) / (PPM * PPM);
  const scanRange = scaled > asset.scanFloorPpm ? (scaled < PPM ? scaled : PPM) : asset.scanFloorPpm;
  const shock = (config.volShockMultPpm * sigma) / PPM;
  const volShock = shock > asset.volShockFloorPpm ? (shock < PPM ? shock : PPM) : asset.volShockFloorPpm;
  return { scanRange, volShock };
}

/**
 * Take the snapshot of `epoch` from the aggregated prices (USD × 1e8, one per asset, each in [1, 2^64)). Returns the
 * market snapshot and the next state; `state` is not modified. Throws a RangeError on an epoch that does not move
 * forward, a step above maxEpochStep, or a price out of range.
 */
export function oracleSnapshot(state: OracleState, epoch: bigint, prices: readonly bigint[], assets: readonly OracleAsset[], config: OracleConfig): OracleSnapshot {
  checkConfig(config);
  const A = assets.length;
  if (prices.length !== A) throw new RangeError(`oracle.prices: expected ${A} prices, got ${prices.length}`);
  prices.forEach((p, a) => {
    if (p <= 0n || p >= 1n << 64n) throw new RangeError(`oracle.prices[${a}]: ${p} is outside [1, 2^64)`);
  });
  let n = 0n;
  if (state.epoch !== undefined) {
    n = epoch - state.epoch;
    if (n < 1n) throw new RangeError(`oracle.epoch: ${epoch} does not move forward from ${state.epoch}`);
    if (n > config.maxEpochStep) throw new RangeError(`oracle.epoch: ${epoch} is ${n} epochs after ${state.epoch}, more than maxEpochStep ${config.maxEpochStep}`);
  }
  const lamN = n > 0n ? lambdaPow(config.ewmaLambdaPpm, n) : 0n;
  const variance = state.variance.map((v, a) => {
    if (n === 0n) return v;
    const prev = state.price[a];
    const diff = prices[a] > prev ? prices[a] - prev : prev - prices[a];
    const r = (diff * PPM) / prev;
    return (lamN * v + (PPM - lamN) * ((r * r) / n)) / PPM;
  });
  const sigmaPpm = variance.map(isqrt);
  const scanRange: bigint[] = [];
  const volShock: bigint[] = [];
  sigmaPpm.forEach((s, a) => {
    const r = rangesFromSigma(s, assets[a], config);
    scanRange.push(r.scanRange);
    volShock.push(r.volShock);
  });
  return {
    market: { price: [...prices], scanRange, volShock },
    sigmaPpm,
    state: { epoch, price: [...prices], variance },
  };
}
