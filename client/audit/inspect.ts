/**
 * circom --inspect warnings: parsed from circom's output and checked against the reviewed allow-list
 * circuits/inspect-allowlist.json. A warning that no entry explains fails the audit.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { ROOT } from "../../scripts/lib/instances.ts";
import type { FreeSignalAllowance } from "./scan.ts";

export interface InspectWarning {
  /** circom's code, e.g. CA01 (signal in no constraint), T3002 (<-- where <== would do) */
  code: string;
  message: string;
  /** "file:line:col" when circom gives one */
  location?: string;
  /** the source line circom points at, when given */
  source?: string;
  /** template named in the message or the last frame of the call trace */
  template?: string;
  /** the allow-list entry's reason when the warning is explained */
  allowed?: string;
}

const WarningAllowance = z.object({
  code: z.string().regex(/^[A-Z]+\d+$/),
  /** regular expression over "message | source | template" */
  match: z.string().min(1),
  reason: z.string().min(10),
  /** instances this entry applies to (all when absent) */
  instances: z.array(z.string()).optional(),
});
const FreeAllowance = z.object({
  pattern: z.string().min(1),
  reason: z.string().min(10),
  instances: z.array(z.string()).optional(),
});
export const AllowListSchema = z.object({
  $comment: z.string().optional(),
  warnings: z.array(WarningAllowance),
  freeSignals: z.array(FreeAllowance),
});
export type AllowList = z.infer<typeof AllowListSchema>;

export const ALLOWLIST_FILE = path.join(ROOT, "circuits", "inspect-allowlist.json");

export function loadAllowList(file = ALLOWLIST_FILE): AllowList {
  const parsed = AllowListSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${path.relative(ROOT, file)}: ${issue.path.join(".")}: ${issue.message}`);
  }
  for (const e of [...parsed.data.warnings.map((w) => w.match), ...parsed.data.freeSignals.map((f) => f.pattern)]) {
    try {
      new RegExp(e);
    } catch {
      throw new Error(`${path.relative(ROOT, file)}: "${e}" is not a valid regular expression`);
    }
  }
  return parsed.data;
}

/** The allow-list's free-signal entries that apply to an instance. */
export function freeSignalAllowances(list: AllowList, instance: string): FreeSignalAllowance[] {
  return list.freeSignals.filter((f) => !f.instances || f.instances.includes(instance));
}

/** Parse circom's warnings (colour codes already removed). */
export function parseWarnings(log: string): InspectWarning[] {
  const lines = log.split("\n");
  const out: InspectWarning[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^warning\[([A-Za-z0-9]+)\]:\s*(.*)$/.exec(lines[i]);
    if (!m) continue;
    const w: InspectWarning = { code: m[1], message: m[2].trim() };
    // continuation lines until a blank line followed by another warning or the summary
    let j = i + 1;
    const trace: string[] = [];
    for (; j < lines.length && !/^warning\[|^(non-linear constraints|template instances|Everything went okay)/.test(lines[j]); j++) {
      const l = lines[j];
      const loc = /┌─\s*"?([^"]+)"?:(\d+):(\d+)/.exec(l);
      if (loc) w.location = `${loc[1]}:${loc[2]}:${loc[3]}`;
      const src = /^\s*\d+\s*│\s*(.*\S)\s*$/.exec(l);
      if (src && w.source === undefined) w.source = src[1];
      const tr = /^\s*->\s*(\S+)/.exec(l);
      if (tr) trace.push(tr[1]);
      if (w.location === undefined && l.trim() !== "" && !/[│=┌]/.test(l) && trace.length === 0) w.message += ` ${l.trim()}`;
    }
    const inTemplate = /In template "([^"(]+)/.exec(w.message);
    w.template = inTemplate ? inTemplate[1] : trace.at(-1);
    out.push(w);
    i = j - 1;
  }
  return out;
}

/** Mark each warning explained by the allow-list; returns the unexplained ones. */
export function checkWarnings(warnings: InspectWarning[], list: AllowList, instance: string): InspectWarning[] {
  const entries = list.warnings.filter((e) => !e.instances || e.instances.includes(instance)).map((e) => ({ ...e, re: new RegExp(e.match) }));
  for (const w of warnings) {
    const subject = `${w.message} | ${w.source ?? ""} | ${w.template ?? ""}`;
    const hit = entries.find((e) => e.code === w.code && e.re.test(subject));
    if (hit) w.allowed = hit.reason;
  }
  return warnings.filter((w) => w.allowed === undefined);
}
