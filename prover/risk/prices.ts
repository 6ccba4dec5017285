/**
 * Daily close series: parsing (csv-parse, one error naming the file and line), alignment on one calendar.
 * Pure TypeScript (the caller reads the files), usable in a browser.
 */
import { parse } from "csv-parse/sync";
import { ZkMarginInputError } from "../errors.ts";

/** One asset's closes on consecutive UTC days. */
export interface PriceSeries {
  symbol: string;
  /** first date, YYYY-MM-DD */
  start: string;
  /** USD per unit, one per day from `start` */
  close: number[];
}

/** Several assets on one calendar: close[a][t] is NaN before the asset's first day. */
export interface PriceTable {
  symbols: string[];
  dates: string[];
  close: number[][];
}

const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Days since 1970-01-01 of a YYYY-MM-DD date (UTC), or NaN. */
export function dayNumber(date: string): number {
  if (!DATE.test(date)) return NaN;
  const t = Date.parse(`${date}T00:00:00Z`);
  return Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== date ? NaN : t / DAY_MS;
}

export function dateOf(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Parse a `date,close` CSV (header required, one row a day, no gaps, close > 0). `file` names the source in errors,
 * which read `<file>:<line>: problem` (ZkMarginInputError, exit code 1).
 */
export function parsePriceCsv(text: string, file: string, symbol: string): PriceSeries {
  const fail = (line: number, problem: string): never => {
    throw new ZkMarginInputError(`${file}:${line}`, problem);
  };
  let rows: string[][];
  try {
    rows = parse(text, { skip_empty_lines: true, trim: true, relax_column_count: false }) as string[][];
  } catch (e) {
    const err = e as { lines?: number; message: string };
    return fail(err.lines ?? 1, `malformed CSV (${err.message.replace(/^Invalid [^:]*: /, "")})`);
  }
  if (rows.length === 0) return fail(1, "empty file: expected a header `date,close` and one row a day");
  const head = rows[0].map((h) => h.toLowerCase());
  if (head.length !== 2 || head[0] !== "date" || head[1] !== "close") fail(1, `expected the header \`date,close\`, got \`${rows[0].join(",")}\``);
  if (rows.length < 2) fail(2, "no price rows after the header");
  const close: number[] = [];
  let prev = NaN;
  for (let i = 1; i < rows.length; i++) {
    const line = i + 1;
    const [d, c] = rows[i];
    const day = dayNumber(d);
    if (Number.isNaN(day)) fail(line, `"${d}" is not a date (YYYY-MM-DD)`);
    if (i > 1 && day !== prev + 1) {
      fail(line, day <= prev ? `date ${d} does not come after ${dateOf(prev)}` : `gap in dates: ${dateOf(prev)} is followed by ${d} (${day - prev - 1} day(s) missing)`);
    }
    const v = Number(c);
    if (!/^[0-9.eE+-]+$/.test(c) || !Number.isFinite(v) || v <= 0) fail(line, `close "${c}" is not a positive number`);
    close.push(v);
    prev = day;
  }
  return { symbol, start: rows[1][0], close };
}

/** Align series on the union calendar (from the earliest start to the earliest end: every series must reach it). */
export function alignSeries(series: readonly PriceSeries[]): PriceTable {
  if (series.length === 0) throw new ZkMarginInputError("prices", "no price series");
  const starts = series.map((s) => dayNumber(s.start));
  const ends = series.map((s, i) => starts[i] + s.close.length - 1);
  const first = Math.min(...starts);
  const last = Math.min(...ends);
  const dates: string[] = [];
  for (let d = first; d <= last; d++) dates.push(dateOf(d));
  const close = series.map((s, i) => dates.map((_, t) => (first + t < starts[i] ? NaN : s.close[first + t - starts[i]])));
  return { symbols: series.map((s) => s.symbol), dates, close };
}

/** The rows of `table` from `from` to `to` inclusive (dates YYYY-MM-DD), plus the index of `from`. */
export function indexOfDate(table: PriceTable, date: string, option: string): number {
  const i = table.dates.indexOf(date);
  if (i < 0) {
    if (Number.isNaN(dayNumber(date))) throw new ZkMarginInputError(option, `"${date}" is not a date (YYYY-MM-DD)`);
    throw new ZkMarginInputError(option, `${date} is outside the price history (${table.dates[0]} … ${table.dates[table.dates.length - 1]})`);
  }
  return i;
}
