/**
 * The margin report on the page: the SDK's marginReport (prover/report.ts, the CLI's numbers) drawn as tables —
 * isolated vs per-venue cross vs portfolio, the requirement's terms (scenario loss and the model v2 charges), one
 * line per venue — and the stress scenarios by name (web/src/scenarios.ts) with the book's P&L in each (every
 * scenario of the factor structure has weight 100 %).
 * Every table stacks into label/value cards at phone width (style.css, `table.stack` with data-label cells).
 */
import type { MarginResult } from "../../prover/model.ts";
import type { MarginReport } from "../../prover/report.ts";
import type { Holding, MarketSnapshot, RiskParams } from "../../prover/types.ts";
import { scenarioChart } from "./chart.ts";
import { formatPercent, formatUsd } from "./format.ts";
import { priceMove, scenarioDesign, type ScenarioDesign } from "./scenarios.ts";

function cell(tag: "td" | "th", text: string, label?: string): HTMLTableCellElement {
  const c = document.createElement(tag);
  c.textContent = text;
  if (label !== undefined) c.dataset.label = label;
  if (tag === "td" && !/^[-−+$#0-9—(]/.test(text)) c.classList.add("text");
  return c;
}

/** A table whose first row is the header; every body cell carries its column's header as data-label. */
export function stackTable(table: HTMLTableElement, header: readonly string[], rows: readonly (readonly string[])[], rowClass?: (i: number) => string | undefined): void {
  table.classList.add("stack");
  const thead = document.createElement("thead");
  const hr = document.createElement("tr");
  header.forEach((h) => hr.append(cell("th", h)));
  thead.append(hr);
  const tbody = document.createElement("tbody");
  rows.forEach((r, i) => {
    const tr = document.createElement("tr");
    const cls = rowClass?.(i);
    if (cls) tr.className = cls;
    r.forEach((v, j) => tr.append(j === 0 ? cell("th", v) : cell("td", v, header[j])));
    tbody.append(tr);
  });
  table.replaceChildren(thead, tbody);
}

/** The requirement's terms of one margin result (each rounded up by the model; they sum to the requirement ± 1e-8). */
export function requirementTerms(m: MarginResult): [string, string, bigint][] {
  return [
    ["worst scenario loss", "the largest loss over the stress scenarios below", m.worstLoss],
    ["gross charge", "G × gross notional", m.grossCharge],
    ["venue basis", "b[a] × gross notional per asset: venue prices of one asset drift apart", m.basisCharge],
    ["concentration", "c[a] × g²: liquidating a large position costs more than linearly", m.concentrationCharge],
    ["short-option minimum", "m[a] × scan range × short option notional", m.shortOptionCharge],
    ["gross vega", "ω × vol shock × Σ|size·vega|, not netted across holdings", m.vegaCharge],
    ["venue default", "δ × each venue's positive equity: a venue can fail", m.defaultCharge],
  ];
}

function sumTerms(ms: readonly MarginResult[]): MarginResult {
  const add = (k: keyof MarginResult) => ms.reduce((s, m) => s + (m[k] as bigint), 0n);
  return {
    equity: add("equity"),
    scenarioPnl: [],
    worstLoss: add("worstLoss"),
    grossNotional: add("grossNotional"),
    grossCharge: add("grossCharge"),
    basisCharge: add("basisCharge"),
    concentrationCharge: add("concentrationCharge"),
    shortOptionCharge: add("shortOptionCharge"),
    vegaCharge: add("vegaCharge"),
    defaultCharge: add("defaultCharge"),
    requirement: add("requirement"),
    excess: add("excess"),
  };
}

export interface ReportTables {
  methods: HTMLTableElement;
  terms: HTMLTableElement;
  venues: HTMLTableElement;
  scenarios: HTMLTableElement;
  chart: HTMLElement;
  design: HTMLElement;
}

/** Draw the report. `holdings` are the book's (to list the moves of the assets it holds). */
export function renderReport(
  ui: ReportTables,
  r: MarginReport,
  ctx: { market: MarketSnapshot; risk: RiskParams; assets: readonly string[]; holdings: readonly Holding[] },
): ScenarioDesign {
  const cols = [r.isolated, r.cross, r.portfolio];
  const pct = (x: bigint) => (r.isolated.requirement === 0n ? "" : ` (${formatPercent(Number(x) / Number(r.isolated.requirement))})`);
  stackTable(
    ui.methods,
    ["", "isolated (each holding alone)", "cross-margined (per venue)", "portfolio (all venues, proved)"],
    [
      ["equity", ...cols.map((c) => formatUsd(c.equity))],
      ["requirement", ...cols.map((c) => formatUsd(c.requirement))],
      ["excess", ...cols.map((c) => formatUsd(c.excess))],
      ["collateral freed vs isolated", "—", ...cols.slice(1).map((c) => `${formatUsd(c.freed)}${pct(c.freed)}`)],
    ],
  );
  ui.methods.querySelectorAll("tbody tr:nth-child(3) td").forEach((td, i) => td.classList.toggle("negative", cols[i].excess < 0n));

  const cross = sumTerms(r.venues.map((v) => v.margin));
  const terms = requirementTerms(r.portfolioDetail);
  const crossTerms = requirementTerms(cross);
  stackTable(
    ui.terms,
    ["term", "what it prices", "cross-margined", "portfolio"],
    [
      ...terms.map(([name, why, v], i) => [name, why, formatUsd(crossTerms[i][2]), formatUsd(v)]),
      ["requirement", "the sum, rounded up", formatUsd(r.cross.requirement), formatUsd(r.portfolio.requirement)],
    ],
    (i) => (i === terms.length ? "total" : terms[i][2] === 0n && crossTerms[i][2] === 0n ? "zero" : undefined),
  );

  stackTable(
    ui.venues,
    ["venue", "holdings", "equity", "isolated requirement", "cross requirement", "worst scenario loss"],
    r.venues.map((v) => [`#${v.venueId}`, String(v.holdings), formatUsd(v.margin.equity), formatUsd(v.isolatedRequirement), formatUsd(v.margin.requirement), formatUsd(v.margin.worstLoss)]),
  );

  const { market, risk, assets } = ctx;
  const design = scenarioDesign(risk, assets);
  const held = [...new Set(ctx.holdings.filter((h) => h.size !== 0n).map((h) => h.asset))].sort((x, y) => x - y);
  const d = r.portfolioDetail;
  // Every scenario of the factor structure has weight 100 % (prover/model.ts scenarioTable): the P&L is unweighted.
  const pnl = d.scenarioPnl;
  const worstK = pnl.reduce((w, v, k) => (v < pnl[w] ? k : w), 0);
  stackTable(
    ui.scenarios,
    ["#", "scenario", "book P&L", ...held.map((a) => `${assets[a] ?? `asset ${a}`} move`)],
    design.scenarios.map((s) => [`#${s.k}`, s.name, formatUsd(pnl[s.k]), ...held.map((a) => formatPercent(priceMove(s.moves[a], market.scanRange[a])))]),
    (k) => (k === worstK && pnl[k] < 0n ? "worst" : undefined),
  );
  ui.design.textContent = `Scenario design: the market factor and residual columns of a ±Hadamard sign design of order ${design.order} (docs/DESIGN.md §3; ${design.scenarios.length} scenarios, each at weight 100 %): columns ${design.columns.map((c) => `${c.index} = ${c.label}`).join(", ")}. Moves are in % of price (the move in scan ranges × the asset's scan range).`;
  ui.chart.replaceChildren(scenarioChart(pnl.map((value, k) => ({ label: `#${k}`, value })), { threshold: d.worstLoss }));
  return design;
}
