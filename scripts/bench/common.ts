/**
 * Shared pieces of the benchmarks (scripts/bench.ts): the section shape, markdown tables, the machine description.
 */
import { execSync } from "node:child_process";
import { cpus, totalmem } from "node:os";

export interface BenchContext {
  /** also run the production instance where a section supports it (slow: its key needs a 2^18 ptau) */
  prod: boolean;
  /** progress lines (stderr) */
  log: (line: string) => void;
}

export interface Section {
  id: string;
  title: string;
  /** the markdown body of the section (tables and notes); also printed to the terminal */
  run(ctx: BenchContext): Promise<string>;
}

export type Cell = string | number | bigint;

/** A GitHub markdown table; numbers right-aligned. */
export function mdTable(head: string[], rows: Cell[][], align?: ("l" | "r")[]): string {
  const numeric = (c: Cell | undefined) => c !== undefined && (typeof c !== "string" || /^-?\$?[\d][\d,.]*( ?[%×µsmB]+)?$/.test(c));
  const al = align ?? head.map((_, i) => (rows.length > 0 && rows.every((r) => numeric(r[i])) ? "r" : "l"));
  const line = (r: Cell[]) => `| ${r.map((c) => String(c)).join(" | ")} |`;
  return [line(head), `| ${al.map((a) => (a === "r" ? "---:" : ":---")).join(" | ")} |`, ...rows.map(line)].join("\n");
}

export const ms = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
export const sec = (msValue: number): string => (msValue / 1000).toFixed(msValue >= 10_000 ? 1 : 2);
export const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(0);
export const thousands = (x: number | bigint): string => x.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");

/** Time an async function (ms). */
export async function time<T>(f: () => Promise<T> | T): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await f();
  return { value, ms: performance.now() - t0 };
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
}

export function machine(): Machine {
  let osName = `${process.platform} ${process.arch}`;
  try {
    osName = execSync("uname -sr", { encoding: "utf8" }).trim();
  } catch {
    // keep the platform name
  }
  return {
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    os: osName,
  };
}

export function machineLine(m: Machine = machine()): string {
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.os}`;
}
