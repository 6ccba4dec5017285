/**
 * Names for the risk params' stress scenarios, read from their factor structure (docs/DESIGN.md §3): scenario k moves
 * asset a by M[k][a] = ρ[a]·s[k][0] + r[a]·s[k][c[a]] ppm of its scan range, with s the instance's sign design (the
 * K = 2·C rows of [H; −H], prover/model.ts signDesign) and the moves expanded by prover/model.ts scenarioTable.
 *
 * Column 0 of s is the market factor (the assets with ρ > 0). Every other column used by some asset (c[a] with
 * r[a] ≠ 0) is named by the assets on it: assets loading with both signs are a spread ("ETH vs BTC": ETH's side up
 * means BTC's side down); otherwise assets off the market factor (ρ = 0) that move a full scan range there are the
 * stablecoins (a depeg), and any other set is a residual ("ETH residual"). Scenario k is named by the direction of
 * each named column in row k of s (a residual's or the stablecoins' arrow is the direction its assets move).
 */
import { scenarioColumns, scenarioTable, signDesign } from "../../prover/model.ts";
import type { RiskParams } from "../../prover/types.ts";

export type ColumnRole = "market" | "stablecoins" | "residual" | "spread";

export interface DesignColumn {
  /** the column of the sign design (0: the market factor) */
  index: number;
  role: ColumnRole;
  /** a short label: "market", "stablecoins", "ETH residual", "ETH vs BTC" */
  label: string;
  /** the assets loading on the column with the sign of their loading (a spread lists the assets loading + first) */
  assets: { asset: number; sign: 1 | -1 }[];
}

export interface NamedScenario {
  k: number;
  /** e.g. "market ↓ · ETH ↑ vs BTC" */
  name: string;
  /** M[k][a], ppm of each asset's scan range (scenarioTable's row k) */
  moves: bigint[];
}

export interface ScenarioDesign {
  /** C = K/2, the order of the Hadamard matrix H of the sign design [H; −H] */
  order: number;
  /** the columns some asset loads on, by index */
  columns: DesignColumn[];
  scenarios: NamedScenario[];
}

const ONE = 1_000_000n;

/** The symbols of a column's assets loading with `sign`, joined by "+". */
function side(on: DesignColumn["assets"], sign: 1 | -1, name: (a: number) => string): string {
  return on
    .filter((x) => x.sign === sign)
    .map((x) => name(x.asset))
    .join("+");
}

function signWord(x: number): string {
  return x > 0 ? "↑" : "↓";
}

/**
 * Name the K scenarios of `risk` (K = risk.scenarios), with `assets` the asset symbols (or "asset 3" placeholders).
 * Throws a RangeError naming the field if the structure is invalid (scenarioTable validates it).
 */
export function scenarioDesign(risk: RiskParams, assets: readonly string[]): ScenarioDesign {
  const table = scenarioTable(risk);
  const C = scenarioColumns(risk.scenarios);
  const s = signDesign(risk.scenarios);
  const A = risk.factorLoading.length;
  const name = (a: number) => assets[a] ?? `asset ${a}`;
  const columns: DesignColumn[] = [];

  const market = Array.from({ length: A }, (_, a) => a).filter((a) => risk.factorLoading[a] > 0n);
  if (market.length > 0) columns.push({ index: 0, role: "market", label: "market", assets: market.map((asset) => ({ asset, sign: 1 })) });

  for (let c = 1; c < C; c++) {
    const on = Array.from({ length: A }, (_, a) => a).filter((a) => risk.residualColumn[a] === c && risk.residualLoading[a] !== 0n);
    if (on.length === 0) continue;
    const assetsOn = on.map((asset) => ({ asset, sign: (risk.residualLoading[asset] > 0n ? 1 : -1) as 1 | -1 }));
    let role: ColumnRole;
    let label: string;
    if (assetsOn.some((x) => x.sign > 0) && assetsOn.some((x) => x.sign < 0)) {
      role = "spread";
      assetsOn.sort((x, y) => y.sign - x.sign);
      label = `${side(assetsOn, 1, name)} vs ${side(assetsOn, -1, name)}`;
    } else if (on.every((a) => risk.factorLoading[a] === 0n && (risk.residualLoading[a] === ONE || risk.residualLoading[a] === -ONE))) {
      role = "stablecoins";
      label = on.length === 1 ? `${name(on[0])} depeg` : "stablecoins";
    } else {
      role = "residual";
      label = `${on.map(name).join("+")} residual`;
    }
    columns.push({ index: c, role, label, assets: assetsOn });
  }

  const scenarios = s.map((row, k) => {
    const parts = columns.map((col) => {
      const x = row[col.index];
      if (col.role === "spread") return `${side(col.assets, 1, name)} ${signWord(x)} vs ${side(col.assets, -1, name)}`;
      // a market, residual or stablecoin column: its assets load with one sign, the arrow is their direction
      return `${col.label} ${signWord(x * col.assets[0].sign)}`;
    });
    return { k, name: parts.length > 0 ? parts.join(" · ") : "no price move", moves: table.moves[k] };
  });
  return { order: C, columns, scenarios };
}

/** Scenario k's price move of asset a as a fraction of its price: M[k][a]/1e6 · S[a]/1e6. */
export function priceMove(move: bigint, scanRange: bigint): number {
  return (Number(move) / 1e6) * (Number(scanRange) / 1e6);
}
