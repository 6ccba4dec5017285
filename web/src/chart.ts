/**
 * An inline SVG bar chart of stress-scenario results: one bar per scenario (a loss below the axis, a gain above),
 * and a dashed line at the margin requirement's scenario part. Values are USD × 1e8 bigints; only the drawing
 * uses floating point.
 */
import { formatUsd } from "../../prover/errors.ts";

export interface ChartBar {
  label: string;
  /** signed P&L, USD × 1e8 (negative = loss) */
  value: bigint;
  /** a second series drawn beside it (e.g. the same scenario without cross-venue netting), optional */
  compare?: bigint;
}

const SVG = "http://www.w3.org/2000/svg";

function el<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Draw the bars into a fresh <svg>; `threshold` (a loss, positive) is drawn as a dashed line. */
export function scenarioChart(bars: readonly ChartBar[], opts: { threshold?: bigint; seriesNames?: [string, string] } = {}): SVGSVGElement {
  const width = 640;
  const height = 260;
  const pad = { left: 96, right: 16, top: 20, bottom: 40 };
  const values = bars.flatMap((b) => (b.compare === undefined ? [b.value] : [b.value, b.compare]));
  if (opts.threshold !== undefined) values.push(-opts.threshold);
  const maxAbs = values.reduce((m, v) => (v < 0n ? (-v > m ? -v : m) : v > m ? v : m), 1n);
  const hasGain = values.some((v) => v > 0n);
  const hasLoss = values.some((v) => v < 0n);
  const plotH = height - pad.top - pad.bottom;
  const zeroY = pad.top + (hasGain && hasLoss ? plotH / 2 : hasGain ? plotH : 0);
  const scale = (hasGain && hasLoss ? plotH / 2 : plotH) / Number(maxAbs);
  const y = (v: bigint) => zeroY - Number(v) * scale;

  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, width: "100%", role: "img", "aria-label": "scenario P&L chart", class: "chart" });
  const slot = (width - pad.left - pad.right) / Math.max(1, bars.length);
  const two = bars.some((b) => b.compare !== undefined);
  const barW = Math.min(48, slot * (two ? 0.38 : 0.6));

  svg.append(el("line", { x1: pad.left, x2: width - pad.right, y1: zeroY, y2: zeroY, class: "axis" }));
  svg.append(el("text", { x: pad.left - 6, y: zeroY + 4, "text-anchor": "end", class: "tick" }, "$0"));
  const extreme = hasLoss ? -maxAbs : maxAbs;
  svg.append(el("text", { x: pad.left - 6, y: y(extreme) + 4, "text-anchor": "end", class: "tick" }, formatUsd(extreme)));

  bars.forEach((b, i) => {
    const cx = pad.left + slot * (i + 0.5);
    const series: [bigint, string, string][] = [[b.value, "bar", opts.seriesNames?.[0] ?? "P&L"]];
    if (b.compare !== undefined) series.push([b.compare, "bar compare", opts.seriesNames?.[1] ?? "compare"]);
    series.forEach(([v, cls, name], j) => {
      const x = two ? cx - barW + j * barW : cx - barW / 2;
      const top = Math.min(y(v), zeroY);
      const rect = el("rect", {
        x,
        y: top,
        width: barW - 2,
        height: Math.max(1, Math.abs(y(v) - zeroY)),
        class: `${cls} ${v < 0n ? "loss" : "gain"}`,
        "data-value": v.toString(),
      });
      rect.append(el("title", {}, `${b.label} — ${name}: ${formatUsd(v)}`));
      svg.append(rect);
    });
    svg.append(el("text", { x: cx, y: height - pad.bottom + 16, "text-anchor": "middle", class: "tick" }, b.label));
  });

  if (opts.threshold !== undefined && opts.threshold > 0n) {
    const ty = y(-opts.threshold);
    svg.append(el("line", { x1: pad.left, x2: width - pad.right, y1: ty, y2: ty, class: "threshold" }));
    svg.append(el("text", { x: width - pad.right, y: ty - 4, "text-anchor": "end", class: "tick" }, `worst loss ${formatUsd(opts.threshold)}`));
  }
  return svg;
}
