/**
 * Formatting for the page: USD amounts (exact, from USD × 1e8 bigints), percentages, times and durations (from the
 * chain's unix seconds), and the parser of the USD fields the trader types.
 */
import { ZkMarginInputError, formatUsd } from "../../prover/errors.ts";

export { formatUsd };

/** "1234.56", "$250,000", "1_000" → USD × 1e8, exact; the error names `field`. */
export function parseUsd(text: string, field: string): bigint {
  const t = text.trim().replace(/[$,_\s]/g, "");
  const m = /^(\d+)(?:\.(\d{0,8}))?$/.exec(t);
  if (!m) throw new ZkMarginInputError(field, "expected a non-negative USD amount with at most 8 decimals, e.g. 250000 or 1234.56");
  return BigInt(m[1]) * 100_000_000n + BigInt((m[2] ?? "").padEnd(8, "0") || "0");
}

/** A fraction as a signed percentage with one decimal: −0.192 → "−19.2 %". */
export function formatPercent(x: number, digits = 1): string {
  const s = (Math.abs(x) * 100).toFixed(digits);
  return `${x < 0 && Number(s) !== 0 ? "−" : x > 0 && Number(s) !== 0 ? "+" : ""}${s} %`;
}

/** Unix seconds as "2025-03-01 14:05 UTC". */
export function formatTime(t: bigint): string {
  if (t === 0n) return "—";
  const d = new Date(Number(t) * 1000);
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** A duration in seconds as "1 d 2 h", "25 h 59 min", "3 min", "40 s". */
export function formatDuration(seconds: bigint): string {
  let s = seconds < 0n ? -seconds : seconds;
  const d = s / 86_400n;
  s %= 86_400n;
  const h = s / 3600n;
  s %= 3600n;
  const m = s / 60n;
  s %= 60n;
  if (d > 0n) return `${d} d${h > 0n ? ` ${h} h` : ""}`;
  if (h > 0n) return `${h} h${m > 0n ? ` ${m} min` : ""}`;
  if (m > 0n) return `${m} min`;
  return `${s} s`;
}

/** "2025-03-01 14:05 UTC (in 25 h 59 min)" / "(3 h ago)", relative to the chain's `now`. */
export function formatWhen(t: bigint, now: bigint): string {
  if (t === 0n) return "—";
  const rel = t >= now ? `in ${formatDuration(t - now)}` : `${formatDuration(now - t)} ago`;
  return `${formatTime(t)} (${rel})`;
}

/** A checksummed address shortened for narrow screens: 0x1234…abcd (the title carries the full one). */
export function shortAddress(a: string): string {
  return a.length > 12 ? `${a.slice(0, 6)}…${a.slice(-4)}` : a;
}
