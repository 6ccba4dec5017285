/**
 * Node's built-in SQLite (`node:sqlite`, docs/DESIGN.md §6 and §8), for the venue store and the relayer's queue.
 * It is stable in use but still flagged experimental in Node 22: that one warning is kept off operators' screens, and
 * the module is loaded after the filter is installed (a static import would warn before it).
 */
import { createRequire } from "node:module";

const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const text = typeof warning === "string" ? warning : warning.message;
  if (/SQLite is an experimental feature/.test(text)) return;
  (emitWarning as (w: string | Error, ...r: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;

export const { DatabaseSync } = createRequire(import.meta.url)("node:sqlite") as typeof import("node:sqlite");
