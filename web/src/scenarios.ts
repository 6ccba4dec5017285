/**
 * Names for the risk params' stress scenarios, read back from the moves alone (no side file): docs/RISK.md §2.1's
 * sign design puts scenario k's move of asset a at M[k][a] = 1e6·(ρ[a]·s[k][0] + ψ[a]·s[k][c(a)]) with s the rows
 * of [H; −H] for a Sylvester Hadamard matrix H of order C (extra rows beyond 2C repeat the design at 2×). Column 0
 * is the market factor, one column may be shared by the stablecoins (a depeg), each other column carries the
 * residual of one risky asset, or the spread of two assets that share it with opposite signs.
 *
 * `scenarioDesign` projects M onto the columns of [H; −H] (they are orthogonal), rebuilds M from the projection and
 * accepts the design only if that reproduces every move to rounding; otherwise (a SPAN-like grid, say) each
 * scenario is named by its moves: "all risky assets −1 scan range, vol up".
 */

/** Sylvester Hadamard matrix of order n (a power of two); the same as prover/risk/calibrate.ts hadamard. */
export function hadamard(n: number): number[][] {
  let h = [[1]];
  while (h.length < n) h = [...h.map((r) => [...r, ...r]), ...h.map((r) => [...r, ...r.map((x) => -x)])];
  return h;
}

export type ColumnRole = "market" | "stablecoins" | "residual" | "spread";

export interface DesignColumn {
  index: number;
  role: ColumnRole;
  /** a short label: "market", "stablecoins", "ETH residual", "ETH vs BTC" */
  label: string;
  /** assets loading on the column with the sign of their loading */
  assets: { asset: number; sign: 1 | -1 }[];
}

export interface NamedScenario {
  k: number;
  /** e.g. "market ↓ · ETH ↑ vs BTC" or "all risky assets −1 scan range, vol up" */
  name: string;
  /** 2 for the design's extreme rows (the sign design repeated at twice the move), else 1 */
  multiple: number;
}

export interface ScenarioDesign {
  /** "sign design" when the moves are a [H; −H] design, else "grid" */
  kind: "sign design" | "grid";
  /** Hadamard order C (sign design only) */
  order?: number;
  columns: DesignColumn[];
  scenarios: NamedScenario[];
}

const ONE = 1_000_000;

function signWord(x: number): string {
  return x > 0 ? "↑" : "↓";
}

/** x in scan ranges, "+1", "−1/3", "+2.5" (the grid case) */
function scanMultiple(ppm: number): string {
  const sign = ppm < 0 ? "−" : "+";
  const v = Math.abs(ppm) / ONE;
  for (const [den, label] of [
    [3, "/3"],
    [2, "/2"],
  ] as const) {
    const num = Math.round(v * den);
    if (num % den !== 0 && Math.abs(v * den - num) < 1e-3) return `${sign}${num}${label}`;
  }
  return `${sign}${Number(v.toFixed(2))}`;
}

/** Try the sign design of order C on the first 2C rows (and its 2× repeat on the rest). */
function fitSignDesign(moves: readonly (readonly bigint[])[], C: number): { coef: number[][]; ok: boolean } {
  const K = moves.length;
  const A = moves[0]?.length ?? 0;
  const H = hadamard(C);
  const rows = [...H, ...H.map((r) => r.map((x) => -x))];
  const R = rows.length;
  const coef = Array.from({ length: A }, (_, a) =>
    Array.from({ length: C }, (_, c) => rows.reduce((s, row, k) => s + row[c] * Number(moves[k][a]), 0) / R),
  );
  let ok = K >= R && R >= 2;
  for (let k = 0; k < K && ok; k++) {
    const row = rows[k % R];
    const mult = Math.floor(k / R) + 1;
    if (mult > 2) ok = false;
    for (let a = 0; a < A && ok; a++) {
      const used = coef[a].filter((x) => Math.abs(x) >= 0.5).length;
      const want = mult * coef[a].reduce((s, x, c) => s + x * row[c], 0);
      // each move is rounded to 1 ppm: allow half a ppm per loading and per repeat
      if (Math.abs(want - Number(moves[k][a])) > 0.5 * mult * Math.max(1, used) + 0.5) ok = false;
    }
  }
  return { coef, ok };
}

/**
 * Name the scenarios of `moves` (K × A, ppm of each asset's scan range) and `volDirs` (K × A in {−1, 0, 1}),
 * with `assets` the asset symbols (or "asset 3" placeholders).
 */
export function scenarioDesign(moves: readonly (readonly bigint[])[], volDirs: readonly (readonly bigint[])[], assets: readonly string[]): ScenarioDesign {
  const K = moves.length;
  const A = moves[0]?.length ?? 0;
  const name = (a: number) => assets[a] ?? `asset ${a}`;
  // Every order C with 2C ≤ K that reproduces the moves; the largest wins (it names the most columns).
  let best: ScenarioDesign | undefined;
  for (let C = 1; 2 * C <= K; C *= 2) {
    const { coef, ok } = fitSignDesign(moves, C);
    if (!ok) continue;
    const columns: DesignColumn[] = [];
    for (let c = 0; c < C; c++) {
      const loading = coef.map((row, a) => ({ asset: a, x: row[c] })).filter((l) => Math.abs(l.x) >= 1000); // ≥ 0.1 % of a scan range
      if (loading.length === 0) continue;
      const assetsOn = loading.map((l) => ({ asset: l.asset, sign: (l.x > 0 ? 1 : -1) as 1 | -1 }));
      const factorFree = loading.every((l) => coef[l.asset].every((x, j) => j === c || Math.abs(x) < 1000));
      const isFull = loading.every((l) => Math.abs(Math.abs(l.x) - ONE) < 1000);
      let role: ColumnRole;
      let label: string;
      if (c === 0 && loading.every((l) => l.x > 0) && !factorFree) {
        role = "market";
        label = "market";
      } else if (factorFree && isFull && c !== 0) {
        role = "stablecoins";
        label = loading.length === 1 ? `${name(loading[0].asset)} depeg` : "stablecoins";
      } else if (loading.length === 2 && loading[0].x * loading[1].x < 0) {
        role = "spread";
        const [up, down] = loading[0].x > 0 ? [loading[0], loading[1]] : [loading[1], loading[0]];
        label = `${name(up.asset)} vs ${name(down.asset)}`;
        assetsOn.sort((x, y) => y.sign - x.sign);
      } else {
        role = "residual";
        label = loading.length === 1 ? `${name(loading[0].asset)} residual` : `${loading.map((l) => name(l.asset)).join("+")} residual`;
      }
      columns.push({ index: c, role, label, assets: assetsOn });
    }
    const H = hadamard(C);
    const rows = [...H, ...H.map((r) => r.map((x) => -x))];
    const scenarios = moves.map((_, k) => {
      const row = rows[k % rows.length];
      const multiple = Math.floor(k / rows.length) + 1;
      const parts = columns.map((col) => {
        const s = row[col.index];
        if (col.role === "spread") return `${name(col.assets[0].asset)} ${signWord(s)} vs ${name(col.assets[1].asset)}`;
        return `${col.label} ${signWord(s * col.assets[0].sign)}`;
      });
      return { k, name: `${parts.join(" · ")}${multiple > 1 ? ` (×${multiple}, extreme)` : ""}`, multiple };
    });
    best = { kind: "sign design", order: C, columns, scenarios };
  }
  if (best) return best;

  // A grid: name each scenario by its moves and vol directions. "Risky" assets are those that move in most scenarios.
  const risky = Array.from({ length: A }, (_, a) => a).filter((a) => 2 * moves.filter((row) => row[a] !== 0n).length > K);
  const scenarios = moves.map((row, k) => {
    const moved = row.map((m, a) => ({ a, m: Number(m) })).filter((x) => x.m !== 0);
    const groups = new Map<number, number[]>();
    for (const x of moved) groups.set(x.m, [...(groups.get(x.m) ?? []), x.a]);
    const parts: string[] = [];
    for (const [m, as] of groups) {
      const together = risky.length >= 2 && risky.every((a) => as.includes(a));
      if (together) parts.push(`${risky.length === A ? "all assets" : "all risky assets"} ${scanMultiple(m)} scan range`);
      for (const a of as) if (!(together && risky.includes(a))) parts.push(`${name(a)} ${scanMultiple(m)}`);
    }
    const dirs = new Set(volDirs[k]?.filter((u) => u !== 0n).map(String));
    const vol = dirs.size === 1 ? (dirs.has("1") ? "vol ↑" : "vol ↓") : dirs.size > 1 ? "vol mixed" : "";
    return { k, name: [parts.length ? parts.join(", ") : "no price move", vol].filter(Boolean).join(", "), multiple: 1 };
  });
  return { kind: "grid", columns: [], scenarios };
}

/** Scenario k's price move of asset a as a fraction of its price: M[k][a]/1e6 · S[a]/1e6. */
export function priceMove(move: bigint, scanRange: bigint): number {
  return (Number(move) / ONE) * (Number(scanRange) / ONE);
}
