/**
 * The margin report: one book margined three ways with the reference model (prover/model.ts), side by side.
 *   (1) isolated: each holding alone (as a venue margins a naked position), requirements summed;
 *   (2) cross-margined per venue: each venue's holdings together, summed over venues (today's best case);
 *   (3) portfolio-margined: every venue together (what a zkmargin proof attests).
 * Equity is additive, so it is the same in all three; the requirement, the excess and the collateral freed
 * (isolated requirement − this requirement) are what change.
 */
import { formatUsd } from "./errors.ts";
import { evaluateMargin, type MarginResult } from "./model.ts";
import type { Holding, MarketSnapshot, RiskParams } from "./types.ts";

export type MarginMethod = "isolated" | "cross" | "portfolio";

export interface MarginColumn {
  method: MarginMethod;
  equity: bigint;
  requirement: bigint;
  excess: bigint;
  /** isolated requirement − this requirement (0 for isolated), USD × 1e8 */
  freed: bigint;
}

export interface VenueLine {
  venueId: bigint;
  holdings: number;
  /** the venue's holdings margined together */
  margin: MarginResult;
  /** the venue's holdings margined one by one, summed */
  isolatedRequirement: bigint;
}

export interface MarginReport {
  venues: VenueLine[];
  isolated: MarginColumn;
  cross: MarginColumn;
  portfolio: MarginColumn;
  /** the full model result on the whole book (scenario P&L, gross notional, …) */
  portfolioDetail: MarginResult;
}

export interface BookAccount {
  venueId: bigint;
  holdings: readonly Holding[];
}

const isActive = (h: Holding) => h.size !== 0n;

/** Margin `accounts` (one per venue) isolated, cross-margined per venue and portfolio-margined. */
export function marginReport(accounts: readonly BookAccount[], market: MarketSnapshot, risk: RiskParams): MarginReport {
  const venues: VenueLine[] = accounts.map((a) => {
    const active = a.holdings.filter(isActive);
    return {
      venueId: a.venueId,
      holdings: active.length,
      margin: evaluateMargin(active, market, risk),
      isolatedRequirement: active.reduce((s, h) => s + evaluateMargin([h], market, risk).requirement, 0n),
    };
  });
  // per venue, so that model v2's default charge sees each venue's equity
  const portfolioDetail = evaluateMargin(accounts.map((a) => a.holdings.filter(isActive)), market, risk);
  const equity = portfolioDetail.equity;
  const isoReq = venues.reduce((s, v) => s + v.isolatedRequirement, 0n);
  const crossReq = venues.reduce((s, v) => s + v.margin.requirement, 0n);
  const column = (method: MarginMethod, requirement: bigint): MarginColumn => ({
    method,
    equity,
    requirement,
    excess: equity - requirement,
    freed: isoReq - requirement,
  });
  return {
    venues,
    isolated: column("isolated", isoReq),
    cross: column("cross", crossReq),
    portfolio: column("portfolio", portfolioDetail.requirement),
    portfolioDetail,
  };
}

/** x / base as a percentage with one decimal, exact ("—" when base is 0). */
function percent(x: bigint, base: bigint): string {
  if (base === 0n) return "—";
  const tenths = (x * 1000n + base / 2n) / base;
  const sign = tenths < 0n ? "-" : "";
  const abs = tenths < 0n ? -tenths : tenths;
  return `${sign}${abs / 10n}.${abs % 10n}%`;
}

/** A plain-text table: first column left-aligned, the others right-aligned. */
export function renderTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows
    .map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("   ").trimEnd())
    .join("\n");
}

/** The report as text: the three methods side by side, then one line per venue. */
export function renderReport(report: MarginReport, title = "Margin report"): string {
  const cols = [report.isolated, report.cross, report.portfolio];
  const nHoldings = report.venues.reduce((s, v) => s + v.holdings, 0);
  const main = renderTable([
    ["", "isolated", "cross-margined", "portfolio-margined"],
    ["", "(each holding)", "(per venue)", "(all venues)"],
    ["equity", ...cols.map((c) => formatUsd(c.equity))],
    ["requirement", ...cols.map((c) => formatUsd(c.requirement))],
    ["excess", ...cols.map((c) => formatUsd(c.excess))],
    ["collateral freed", "—", ...cols.slice(1).map((c) => `${formatUsd(c.freed)} (${percent(c.freed, report.isolated.requirement)})`)],
  ]);
  const perVenue = renderTable([
    ["venue", "holdings", "equity", "isolated req.", "cross req.", "worst scenario loss"],
    ...report.venues.map((v) => [
      `#${v.venueId}`,
      String(v.holdings),
      formatUsd(v.margin.equity),
      formatUsd(v.isolatedRequirement),
      formatUsd(v.margin.requirement),
      formatUsd(v.margin.worstLoss),
    ]),
    [
      "all (portfolio)",
      String(nHoldings),
      formatUsd(report.portfolioDetail.equity),
      formatUsd(report.isolated.requirement),
      formatUsd(report.portfolioDetail.requirement),
      formatUsd(report.portfolioDetail.worstLoss),
    ],
  ]);
  return `${title}: ${report.venues.length} venue(s), ${nHoldings} holding(s)\n\n${main}\n\n${perVenue}\n`;
}
