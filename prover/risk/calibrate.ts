/**
 * Calibration: every risk parameter and oracle setting of model v2 from price history (plus the documented
 * liquidity, basis and venue-failure assumptions where the data cannot speak), with the reason for each value.
 * Pure TypeScript, usable in a browser. `zkmargin risk calibrate` (client/calibrate.ts) is the CLI.
 */
import { PPM_ONE, scenarioColumns } from "../model.ts";
import type { RiskParamsV2, TableRiskParams } from "../types.ts";
import { blackScholes, impliedVol } from "./blackScholes.ts";
import { IMPACT_Y, liquidityOf } from "./books.ts";
import type { OracleAsset, OracleConfig } from "./oracleRule.ts";
import { basisAssumption, BASIS_AR, historyPath, isStable } from "./paths.ts";
import type { PriceTable } from "./prices.ts";

export interface CalibrationResult {
  symbols: string[];
  risk: RiskParamsV2;
  oracle: { config: OracleConfig; assets: OracleAsset[] };
  /** per asset: factor correlation ρ, residual ψ, median daily σ */
  stats: { symbol: string; rho: number; psi: number; sigma: number; column: number; sign: number }[];
  /** one line per parameter: what and why */
  report: string[];
  window: { from: string; to: string };
}

const ppm = (x: number): bigint => BigInt(Math.max(0, Math.round(x * 1e6)));
const quantile = (xs: number[], q: number): number => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
};
const pct = (x: number, d = 2) => `${(100 * x).toFixed(d)}%`;

/** EWMA variance path (floats, same recursion as the oracle rule with n = 1) of simple returns. */
function ewmaSigma(close: number[], lambda: number, seed: number): number[] {
  const out: number[] = [];
  let v = seed * seed;
  for (let t = 0; t < close.length; t++) {
    if (t > 0) {
      const r = Math.abs(close[t] / close[t - 1] - 1);
      v = lambda * v + (1 - lambda) * r * r;
    }
    out.push(Math.sqrt(v));
  }
  return out;
}

export interface CalibrateOptions {
  /** calibration window, indices into table.dates (inclusive from, exclusive to) */
  from: number;
  to: number;
  K: number;
  /** venue default charge δ (assumption, docs/RISK.md §2.2) */
  venueDefault?: number;
  /** multiplies the calibrated κ (trade-off runs) */
  kappaScale?: number;
  seed?: number;
}

/** Calibrate model v2 for the assets of `table` (in order) and K scenarios. */
export function calibrate(table: PriceTable, o: CalibrateOptions): CalibrationResult {
  const { symbols } = table;
  const A = symbols.length;
  const K = o.K;
  // K = 2·2^m: the scenarios are the rows of [H; −H] for the Sylvester Hadamard matrix H of order C = K/2
  const Cn = scenarioColumns(K, "scenarios");
  const report: string[] = [];
  const win = (a: number) => table.close[a].slice(o.from, o.to).filter(Number.isFinite);
  const rets = (a: number) => {
    const c = win(a);
    return c.slice(1).map((x, i) => Math.log(x / c[i]));
  };
  const riskyIdx = symbols.map((_, a) => a).filter((a) => !isStable(symbols[a]));
  const stableIdx = symbols.map((_, a) => a).filter((a) => isStable(symbols[a]));

  // (1) Correlation structure on the days every risky asset has a price: first principal component.
  const common: number[] = [];
  for (let t = o.from + 1; t < o.to; t++) if (riskyIdx.every((a) => Number.isFinite(table.close[a][t - 1]))) common.push(t);
  const R = riskyIdx.map((a) => common.map((t) => Math.log(table.close[a][t] / table.close[a][t - 1])));
  const z = R.map((r) => {
    const m = r.reduce((s, x) => s + x, 0) / r.length;
    const sd = Math.sqrt(r.reduce((s, x) => s + (x - m) ** 2, 0) / r.length);
    return r.map((x) => (x - m) / sd);
  });
  const n = riskyIdx.length;
  const C = z.map((x) => z.map((y) => x.reduce((s, xi, i) => s + xi * y[i], 0) / x.length));
  let vec = new Array<number>(n).fill(1 / Math.sqrt(Math.max(1, n)));
  let eig = 0;
  for (let it = 0; it < 200 && n > 0; it++) {
    const w = C.map((row) => row.reduce((s, c, j) => s + c * vec[j], 0));
    eig = Math.sqrt(w.reduce((s, x) => s + x * x, 0));
    vec = w.map((x) => x / eig);
  }
  const rho = new Array<number>(A).fill(0);
  riskyIdx.forEach((a, i) => (rho[a] = Math.min(0.999, Math.abs(vec[i]) * Math.sqrt(eig))));
  const psi = rho.map((r) => Math.sqrt(1 - r * r));
  report.push(`window ${table.dates[o.from]} … ${table.dates[o.to - 1]}; correlation structure on ${common.length} common days, first principal component explains ${pct(eig / Math.max(1, n), 1)} of the risky assets' variance`);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) report.push(`  corr(${symbols[riskyIdx[i]]}, ${symbols[riskyIdx[j]]}) = ${C[i][j].toFixed(2)}`);

  // (2) EWMA decay: the λ of the grid with the best Gaussian likelihood of next-day returns, pooled over risky assets.
  const grid = [0.9, 0.92, 0.94, 0.95, 0.96, 0.97, 0.98];
  let lambda = 0.94;
  let best = Infinity;
  for (const l of grid) {
    let nll = 0;
    for (const a of riskyIdx) {
      const c = win(a);
      const s = ewmaSigma(c, l, Math.abs(c[1] / c[0] - 1) + 0.01);
      for (let t = 30; t < c.length - 1; t++) {
        const r = c[t + 1] / c[t] - 1;
        nll += Math.log(s[t] * s[t]) + (r * r) / (s[t] * s[t]);
      }
    }
    if (nll < best) [best, lambda] = [nll, l];
  }
  report.push(`ewmaLambda λ = ${lambda}: best likelihood of next-day returns among ${grid.join(", ")}`);

  // (3) κ: a naked position is charged (ρ + ψ)·κ·σ; cover 99.5 % of next-day moves pooled and 99 % of each asset.
  const sig = symbols.map((_, a) => {
    const c = win(a);
    return ewmaSigma(c, lambda, Math.abs(c[1] / c[0] - 1) + 0.01);
  });
  const ratios: number[] = [];
  let kappaAsset = 0;
  for (const a of riskyIdx) {
    const c = win(a);
    const q: number[] = [];
    for (let t = 30; t < c.length - 1; t++) q.push(Math.abs(c[t + 1] / c[t] - 1) / ((rho[a] + psi[a]) * sig[a][t]));
    ratios.push(...q);
    kappaAsset = Math.max(kappaAsset, quantile(q, 0.99));
  }
  const kappaPooled = quantile(ratios, 0.995);
  const kappa = Math.max(kappaPooled, kappaAsset) * (o.kappaScale ?? 1);
  report.push(`kappa κ = ${kappa.toFixed(3)}: max(99.5 % pooled ${kappaPooled.toFixed(3)}, 99 % worst asset ${kappaAsset.toFixed(3)}) of |r(t+1)| / ((ρ+ψ)·σ(t))${o.kappaScale ? ` × ${o.kappaScale}` : ""}`);

  // (4) Per-asset oracle settings.
  const assets: OracleAsset[] = symbols.map((s, a) => {
    const sg = sig[a].slice(30);
    const stable = isStable(s);
    const floor = stable ? Math.max(0.005, kappa * quantile(sg, 0.5)) : kappa * quantile(sg, 0.1);
    const c = win(a);
    const seed = Math.sqrt(c.slice(1, 31).reduce((x, v, i) => x + (v / c[i] - 1) ** 2, 0) / 30);
    return { scanFloorPpm: ppm(Math.min(1, floor)), volShockFloorPpm: ppm(stable ? 0 : 0.02), initialVolPpm: ppm(Math.min(1, seed)) };
  });
  symbols.forEach((s, a) => report.push(`  ${s}: scanFloor ${pct(Number(assets[a].scanFloorPpm) / 1e6)} (${isStable(s) ? "κ × median σ, at least 0.5 %" : "κ × 10th percentile of σ"}), initialVol ${pct(Number(assets[a].initialVolPpm) / 1e6)} (first 30 days), ρ ${rho[a].toFixed(2)}, ψ ${psi[a].toFixed(2)}`));

  // (5) ν: the implied-vol model's (assumption) next-day change per unit of σ, 99.5th percentile over risky assets (the
  //     quantile of κ and m: every single-risk parameter at one level; docs/RISK.md §3).
  const nuSamples: number[] = [];
  const path = historyPath({ symbols: [...symbols], dates: table.dates.slice(o.from, o.to), close: table.close.map((c) => c.slice(o.from, o.to)) }, { venues: 4, seed: o.seed ?? 1, failureDates: [] });
  for (const a of riskyIdx) {
    const iv = path.ivAtm[a];
    const c = path.close[a];
    const s = ewmaSigma(c.map((x) => (Number.isFinite(x) ? x : 1)), lambda, 0.03);
    for (let t = 30; t < iv.length - 1; t++) if (Number.isFinite(iv[t]) && Number.isFinite(iv[t + 1])) nuSamples.push(Math.abs(iv[t + 1] - iv[t]) / s[t]);
  }
  const nu = quantile(nuSamples, 0.995);
  report.push(`volShockMult ν = ${nu.toFixed(3)}: 99.5th percentile of |ΔIV(t+1)| / σ(t) of the implied-vol model (an assumption: no option data); floor 2 vol points`);
  const config: OracleConfig = { ewmaLambdaPpm: ppm(lambda), kappaPpm: ppm(kappa), horizonEpochs: 1n, volShockMultPpm: ppm(nu), maxEpochStep: 7n };

  // (6) Haircuts and add-ons: liquidation cost for risky spot (price risk is in the scenarios); depeg history for stables.
  const drops: number[] = [];
  const rises: number[] = [];
  for (const a of stableIdx) {
    const c = win(a);
    for (let t = 1; t < c.length; t++) {
      drops.push(1 - c[t] / c[t - 1]);
      rises.push(c[t] / c[t - 1] - 1);
    }
  }
  const depegDown = Math.max(0.01, 1.5 * quantile(drops, 0.999));
  const depegUp = Math.max(0.005, 1.5 * quantile(rises, 0.999));
  const haircut = symbols.map((s) => (isStable(s) ? depegDown : Math.max(0.005, 4 * liquidityOf(s).halfSpread)));
  const debtAddOn = symbols.map((s) => (isStable(s) ? depegUp : Math.max(0.005, 4 * liquidityOf(s).halfSpread)));
  report.push(`stablecoin haircut ${pct(depegDown)} = max(1 %, 1.5 × 99.9th percentile of 1-day declines ${pct(quantile(drops, 0.999))}); add-on ${pct(depegUp)} (rises)`);
  report.push(`risky haircut / add-on: max(0.5 %, 4 × assumed half spread): the price risk of spot is in the scenarios`);

  // (7) Scenario structure: the sign design [H; −H] (prover/model.ts signDesign), column 0 the factor, one stablecoin
  //     column, one residual column per risky asset; M[k][a] = ρ[a]·s[k][0] + r[a]·s[k][c[a]] ppm of the scan range.
  const column = new Array<number>(A).fill(-1);
  const sign = new Array<number>(A).fill(1);
  let next = 1;
  if (stableIdx.length > 0 && Cn - 1 > riskyIdx.length) {
    stableIdx.forEach((a) => (column[a] = next));
    next++;
  }
  const free = Cn - next;
  const groups: number[][] = riskyIdx.map((a) => [a]);
  while (groups.length > free && groups.length > 1) {
    // merge the two singletons with the highest correlation (opposite signs: their spread stays priced)
    let bi = 0;
    let bj = 1;
    let bc = -2;
    for (let i = 0; i < groups.length; i++) for (let j = i + 1; j < groups.length; j++) {
      const c = C[riskyIdx.indexOf(groups[i][0])][riskyIdx.indexOf(groups[j][0])];
      if (c > bc) [bi, bj, bc] = [i, j, c];
    }
    groups[bi].push(...groups[bj].map((a) => -a - 1));
    groups.splice(bj, 1);
  }
  groups.forEach((g) => {
    if (next >= Cn) return;
    for (const x of g) {
      const a = x < 0 ? -x - 1 : x;
      column[a] = next;
      sign[a] = x < 0 ? -1 : 1;
    }
    next++;
  });
  // ρ and ψ in ppm; a stablecoin has ρ = 0 and moves ±1 scan range in its column (r = 1e6), or not at all (r = 0)
  // when no column is free; a risky asset without a column (none is left out while C ≥ 2) would carry its residual
  // on the factor column (ρ + ψ, r = 0).
  const factorLoading = symbols.map((s, a) => (isStable(s) ? 0n : column[a] >= 0 ? ppm(rho[a]) : ppm(rho[a] + psi[a])));
  const residualLoading = symbols.map((s, a) => (column[a] < 0 ? 0n : BigInt(sign[a]) * (isStable(s) ? PPM_ONE : ppm(psi[a]))));
  const residualColumn = column.map((c) => (c >= 1 ? c : 1));
  report.push(`scenarios: K = ${K}, sign design [H; −H] of order ${Cn}: column 0 the factor${stableIdx.length && column[stableIdx[0]] > 0 ? ", column 1 the stablecoins" : ", stablecoins not moved (their haircut prices the depeg)"}; M[k][a] = ρ·s[k][0] + r·s[k][c] ppm of the scan range, r = ±ψ`);
  symbols.forEach((s, a) => {
    if (!isStable(s)) report.push(`  ${s}: column ${column[a] >= 0 ? `${column[a]}${sign[a] < 0 ? " (opposite sign)" : ""}` : "none (residual on the factor column)"}`);
  });

  // (8) Venue basis: the assumed basis model's 99.5th percentile daily change, plus the linear liquidation budget.
  const basisCharge = symbols.map((s) => {
    const ch: number[] = [];
    for (let v = 0; v < path.basis.length; v++) {
      const b = path.basis[v][symbols.indexOf(s)];
      for (let t = 1; t < b.length; t++) ch.push(Math.abs(b[t] - b[t - 1]));
    }
    return quantile(ch, 0.995) + liquidityOf(s).halfSpread + 0.001;
  });
  report.push(`basis b[a] = 99.5th percentile of the assumed basis model's daily change (AR ${BASIS_AR}, t3 noise, stress spikes) + half spread + 0.1 % liquidation budget a[a]:`);
  symbols.forEach((s, a) => report.push(`  ${s}: ${pct(basisCharge[a], 3)} (noise ${pct(basisAssumption(s).noise, 3)}, spike ${pct(basisAssumption(s).spike, 1)})`));

  // (9) Concentration: c ≥ Y²σ²/(4·a·L) covers the square-root impact cost with the linear budget a (AM-GM).
  const concentration = symbols.map((s, a) => {
    const liq = liquidityOf(s);
    const sStress = quantile(sig[a].slice(30), 0.95);
    const q = (IMPACT_Y * IMPACT_Y * sStress * sStress) / (4 * (liq.halfSpread + 0.001) * liq.adv);
    return BigInt(Math.min(2 ** 20 - 1, Math.ceil(q * 1e12)));
  });
  symbols.forEach((s, a) => report.push(`  concentration ${s}: c = ${concentration[a]} ppm per $1M (assumed liquidity $${(liquidityOf(s).adv / 1e9).toFixed(1)}B/day, σ95 ${pct(quantile(sig[a].slice(30), 0.95))})`));

  // (10) Short-option minimum: full revaluation of short OTM options against the scenario + vega terms.
  const need: number[] = [];
  for (const a of riskyIdx) {
    const c = path.close[a];
    for (let t = 40; t < c.length - 1; t += 2) {
      if (!Number.isFinite(c[t]) || !Number.isFinite(c[t + 1]) || !Number.isFinite(path.ivAtm[a][t + 1])) continue;
      const S = Math.min(1, Math.max(Number(assets[a].scanFloorPpm) / 1e6, kappa * sig[a][t]));
      const volShock = Math.min(1, Math.max(0.02, nu * sig[a][t]));
      const P = c[t];
      for (const type of ["put", "call"] as const) {
        for (const m of [0.1, 0.2, 0.3]) {
          for (const tenor of [7, 30]) {
            const K0 = type === "put" ? P * (1 - m) : P * (1 + m);
            const g0 = blackScholes(type, P, K0, tenor / 365, impliedVol(path.ivAtm[a][t], P, K0));
            const g1 = blackScholes(type, c[t + 1], K0, (tenor - 1) / 365, impliedVol(path.ivAtm[a][t + 1], c[t + 1], K0));
            const loss = g1.price - g0.price; // short one unit
            const x = (rho[a] + psi[a]) * S;
            const dg = (s: number) => -(g0.delta * P * s * x) + 0.5 * g0.gamma * P * P * x * x; // short: −(Δ·dP) − ½Γ dP²; gamma gain of the short is a loss
            const modelLoss = Math.max(dg(1), dg(-1), 0) + g0.vega * volShock;
            need.push(Math.max(0, loss - modelLoss) / (S * P));
          }
        }
      }
    }
  }
  const mMin = Math.min(3, quantile(need, 0.995));
  const shortOptionMin = symbols.map((s) => (isStable(s) ? 0n : ppm(mMin)));
  report.push(`shortOptionMin m = ${mMin.toFixed(3)} × S per unit: 99.5th percentile over ${need.length} short OTM options (10/20/30 % OTM, 7/30 days) of the full-revaluation loss not covered by the scenarios and vega`);

  const delta = o.venueDefault ?? 0.05;
  report.push(`venueDefault δ = ${pct(delta)} of each venue's positive equity (assumption: docs/RISK.md §2.2 trade-off); vegaGross ω = 100 %; noGammaGain = 1; grossCharge G = 0 (in b)`);

  const risk: RiskParamsV2 = {
    haircut: haircut.map(ppm),
    debtAddOn: debtAddOn.map(ppm),
    scenarios: K,
    factorLoading,
    residualLoading,
    residualColumn,
    grossCharge: 0n,
    basisCharge: basisCharge.map(ppm),
    concentration,
    shortOptionMin,
    vegaGross: PPM_ONE,
    noGammaGain: 1n,
    venueDefault: ppm(delta),
  };
  return {
    symbols: [...symbols],
    risk,
    oracle: { config, assets },
    stats: symbols.map((s, a) => ({ symbol: s, rho: rho[a], psi: psi[a], sigma: quantile(sig[a], 0.5), column: column[a], sign: sign[a] })),
    report,
    window: { from: table.dates[o.from], to: table.dates[o.to - 1] },
  };
}

/**
 * Today's parameters (the "before" column): the v1 fixture values of test/fixtures/market.ts by symbol (XRP takes
 * AVAX's row, USDT is treated as USDC), today's oracle (κ = 3, λ = 0.94, floors = the fixture scan ranges, constant vol
 * shock, seed 0), every v2 term off. Their SPAN-like scenarios (joint moves of 0, ±1/3, ±2/3, ±1, ±3 scan ranges, vol up
 * and down, the extremes at 35 %) are not of the factor form, so they come as an explicit scenario table
 * (TableRiskParams): the reference model evaluates them, the circuit could not prove them.
 */
export function todayParams(symbols: readonly string[], K: number): { risk: TableRiskParams; oracle: { config: OracleConfig; assets: OracleAsset[] } } {
  const row: Record<string, [number, number, number, number]> = {
    // scan floor %, vol shock %, haircut %, add-on %
    USDC: [1, 0, 2, 5], USDT: [1, 0, 2, 5], ETH: [15, 10, 15, 25], BTC: [12, 8, 12, 20], SOL: [22, 15, 25, 35],
    LINK: [24, 15, 30, 40], XRP: [25, 16, 30, 40], DOGE: [32, 20, 40, 50],
  };
  const get = (s: string) => row[s] ?? [25, 16, 30, 40];
  const p = (x: number) => BigInt(Math.round(x * 1e4));
  const moves: bigint[][] = [];
  const volDirs: bigint[][] = [];
  const weights: bigint[] = [];
  const r = (crypto: bigint, stable: bigint) => symbols.map((s) => (isStable(s) ? stable : crypto));
  const levels = [0n, 333_333n, -333_333n, 666_667n, -666_667n, 1_000_000n, -1_000_000n];
  for (const m of levels) for (const u of [1n, -1n]) {
    moves.push(r(m, 0n));
    volDirs.push(r(u, 0n));
    weights.push(1_000_000n);
  }
  moves.push(r(3_000_000n, 0n), r(-3_000_000n, -1_000_000n));
  volDirs.push(r(1n, 0n), r(1n, 0n));
  weights.push(350_000n, 350_000n);
  const pickK = (xs: bigint[][]) => (K >= xs.length ? [...xs, ...Array.from({ length: K - xs.length }, () => xs[0])] : [...xs.slice(0, K - 2), ...xs.slice(-2)]);
  const w = K >= weights.length ? [...weights, ...Array.from({ length: K - weights.length }, () => weights[0])] : [...weights.slice(0, K - 2), ...weights.slice(-2)];
  return {
    risk: {
      haircut: symbols.map((s) => p(get(s)[2])),
      debtAddOn: symbols.map((s) => p(get(s)[3])),
      moves: pickK(moves),
      volDirs: pickK(volDirs),
      weights: w,
      grossCharge: 5_000n,
    },
    oracle: {
      config: { ewmaLambdaPpm: 940_000n, kappaPpm: 3_000_000n, horizonEpochs: 1n, volShockMultPpm: 0n, maxEpochStep: 7n },
      assets: symbols.map((s) => ({ scanFloorPpm: p(get(s)[0]), volShockFloorPpm: p(get(s)[1]), initialVolPpm: 0n })),
    },
  };
}
