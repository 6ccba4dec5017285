/**
 * Mutation run of the auditor's toolkit (`zkmargin audit --mutate`): every numbered check ("Check (n)") of every
 * template must be load-bearing, i.e. removing it must make at least one circuit test fail.
 *
 * For each check, a mutant copy of the repository's circuits is made in a sandbox (build/mutate/sandbox/, a copy of
 * circuits/, prover/, scripts/lib/, scripts/build.ts (the pipeline tests run it) and test/ with node_modules linked, so the real build/ is never touched); the
 * check's constraints are removed there, and the circuit tests run against it (they compile the small instances
 * themselves: compile and witness only, no keys). A mutant whose tests all pass SURVIVES: its check is not covered.
 *
 * What "removing the check" means, statement by statement inside the check's block (from its "Check (n)" comment to
 * the next check, a blank line or the end of the template):
 *   `a === b;` and `assert(…);`      → commented out;
 *   `x <== expr;`, `c.in <== expr;`  → `x <-- expr;` (the value is still computed, no longer constrained);
 *   `x <== T(…)(…);` (anonymous component) → commented out when nothing outside the block reads x; else the
 *   component keeps running on a renamed output from which x is only assigned (x is free), except for an element
 *   `x[i] <== T(…)(…)` of a template T that has numbered checks of its own in circuits/ (mutated separately): that
 *   one is kept and the mutant reported as delegated. A template without mutants of its own (circomlib's Num2Bits,
 *   IsZero, …) never carries a check: its element is freed through a renamed copy of x, declared beside x.
 */
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ZkMarginInputError } from "../../prover/errors.ts";
import { ROOT } from "../../scripts/lib/instances.ts";

/** One numbered check of a template. */
export interface Check {
  /** repository-relative circuit file */
  file: string;
  template: string;
  /** the n of "Check (n)" */
  n: number;
  /** the comment's first line */
  title: string;
  /** 0-based line range of the block, comment included: [start, end) */
  start: number;
  end: number;
}

export interface Mutation {
  check: Check;
  source: string;
  /** what was done to each statement of the block */
  edits: { line: number; action: "removed" | "unconstrained" | "kept"; text: string; why?: string }[];
}

export interface MutantResult {
  check: Check;
  id: string;
  /** delegated: the check only instantiates components whose own checks are mutants of their own */
  status: "killed" | "survived" | "error" | "delegated";
  /** the first failing test (killed), or the error (error) */
  detail: string;
  edits: Mutation["edits"];
  seconds: number;
}

const CHECK_RE = /^\s*\/\/\s*Check \((\d+)\):\s*(.*)$/;
const TEMPLATE_RE = /^\s*template\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(/;

/** Every "Check (n)" of the circuit files under circuits/ (lib/ included), in file order. */
export function findChecks(root = ROOT): Check[] {
  const dir = path.join(root, "circuits");
  const files = [
    ...readdirSync(dir).filter((f) => f.endsWith(".circom")).map((f) => path.join(dir, f)),
    ...readdirSync(path.join(dir, "lib")).filter((f) => f.endsWith(".circom")).map((f) => path.join(dir, "lib", f)),
  ].sort();
  const out: Check[] = [];
  for (const f of files) out.push(...checksOf(path.relative(root, f).split(path.sep).join("/"), readFileSync(f, "utf8")));
  return out;
}

/** The checks of one circuit source. */
export function checksOf(file: string, source: string): Check[] {
  const lines = source.split("\n");
  const out: Check[] = [];
  let template = "";
  let templateEnd = lines.length;
  for (let i = 0; i < lines.length; i++) {
    const t = TEMPLATE_RE.exec(lines[i]);
    if (t) {
      template = t[1];
      templateEnd = lines.findIndex((l, j) => j > i && /^}/.test(l));
      if (templateEnd < 0) templateEnd = lines.length;
    }
    const m = CHECK_RE.exec(lines[i]);
    if (!m || !template) continue;
    // the block: the comment's continuation lines, then code up to a blank line, the next check, a new comment at
    // the check's own depth (the next paragraph) or the end of the enclosing scope (a line indented less)
    const indent = (l: string) => l.length - l.trimStart().length;
    const depth = indent(lines[i]);
    let end = i + 1;
    while (end < templateEnd && lines[end].trim().startsWith("//") && !CHECK_RE.test(lines[end])) end++;
    while (
      end < templateEnd &&
      lines[end].trim() !== "" &&
      !CHECK_RE.test(lines[end]) &&
      !(lines[end].trim().startsWith("//") && indent(lines[end]) <= depth) &&
      indent(lines[end]) >= depth
    ) {
      end++;
    }
    out.push({ file, template, n: Number(m[1]), title: m[2].trim(), start: i, end });
  }
  return out;
}

/**
 * The templates whose checks are mutants of their own: those of circuits/ (lib/ included) with a numbered check. Only
 * a component of one of these can carry a check's weight on its own (a delegated mutant); circomlib's templates
 * (Num2Bits, IsZero, Poseidon, …) have no mutants, so a check that only instantiates one must be mutated itself.
 */
export function mutatedTemplates(root = ROOT): Set<string> {
  return new Set(findChecks(root).map((c) => c.template));
}

/** A readable id: "MarginProof#5". */
export const checkId = (c: Check): string => `${c.template}#${c.n}`;

/** Statements of a block: [first line, last line] spans of lines up to a `;` (comments and braces are skipped). */
function statements(lines: string[], start: number, end: number): [number, number][] {
  const out: [number, number][] = [];
  let first = -1;
  for (let i = start; i < end; i++) {
    const code = lines[i].replace(/\/\/.*$/, "").trim();
    if (code === "" && first < 0) continue;
    if (first < 0) {
      if (!/<==|==>|===|<--|-->|\bassert\s*\(/.test(code) && anonymousCall(code) === undefined) continue;
      first = i;
    }
    if (code.endsWith(";")) {
      out.push([first, i]);
      first = -1;
    }
  }
  return out;
}

/** The template name of the first anonymous component call `T(params)(inputs)` in a piece of code, if any. */
function anonymousCall(code: string): string | undefined {
  const re = /([A-Za-z_][A-Za-z0-9_]*)\s*\(/g;
  for (let m = re.exec(code); m !== null; m = re.exec(code)) {
    // skip the balanced parameter list, then look for the input list's "("
    let depth = 0;
    let j = m.index + m[0].length - 1;
    for (; j < code.length; j++) {
      if (code[j] === "(") depth++;
      else if (code[j] === ")" && --depth === 0) break;
    }
    if (/^\s*\(/.test(code.slice(j + 1))) return m[1];
  }
  return undefined;
}

/** `signal name[d1][d2] <== …` → { name, dims }; undefined for any other left side (an element, a component input). */
function declaredSignal(code: string): { name: string; dims: string[] } | undefined {
  const m = /^\s*signal\s+(?:output\s+|input\s+)?([A-Za-z_][A-Za-z0-9_]*)((?:\s*\[[^\]]+\])*)\s*<==/.exec(code);
  if (!m) return undefined;
  return { name: m[1], dims: [...m[2].matchAll(/\[([^\]]+)\]/g)].map((d) => d[1].trim()) };
}

/** The constraint statements of a check's block, as [first line, last line] (0-based), for statement-level mutants. */
export function checkStatements(source: string, check: Check): [number, number][] {
  return statements(source.split("\n"), check.start + 1, check.end);
}

/**
 * Remove a check's constraints from its template (see the module comment); with `statement`, only that statement's
 * (index into checkStatements), for a finer mutant than the whole check.
 */
export function mutate(source: string, check: Check, statement?: number, mutated: ReadonlySet<string> = mutatedTemplates()): Mutation {
  const lines = source.split("\n");
  const edits: Mutation["edits"] = [];
  const codeOf = (from: number, to: number) => lines.slice(from, to).map((l) => l.replace(/\/\/.*$/, "")).join("\n");
  let k = 0;
  const declared = new Set<string>();
  const all = statements(lines, check.start + 1, check.end);
  for (const [a, b] of statement === undefined ? all : all.slice(statement, statement + 1)) {
    const text = lines.slice(a, b + 1).join("\n");
    const code = text.replace(/\/\/.*$/gm, "");
    const comment = () => {
      for (let i = a; i <= b; i++) lines[i] = `// [mutant] ${lines[i]}`;
    };
    const elsewhere = codeOf(0, a) + "\n" + codeOf(b + 1, lines.length);
    const call = anonymousCall(code.includes("<==") ? code.split("<==")[1] : code);
    if (/===/.test(code) || /\bassert\s*\(/.test(code)) {
      comment();
      edits.push({ line: a + 1, action: "removed", text: text.trim() });
    } else if (call !== undefined) {
      const decl = declaredSignal(code);
      const lhs = code.includes("<==") ? code.split("<==")[0].trim() : "";
      if (lhs === "" || lhs === "_") {
        comment();
        edits.push({ line: a + 1, action: "removed", text: text.trim() });
      } else if (decl && !new RegExp(`\\b${decl.name}\\b`).test(elsewhere)) {
        comment();
        edits.push({ line: a + 1, action: "removed", text: text.trim() });
      } else if (decl) {
        // the component still runs, on a renamed output; the signal itself is only assigned (<--) from it
        const tmp = `${decl.name}__mut`;
        const dims = decl.dims.map((d) => `[${d}]`).join("");
        lines[a] = lines[a].replace(new RegExp(`\\b${decl.name}\\b`), tmp);
        const pad = " ".repeat(lines[a].length - lines[a].trimStart().length);
        const idx = decl.dims.map((_, j) => `i${k}_${j}__mut`);
        const loops = decl.dims.map((d, j) => `for (var ${idx[j]} = 0; ${idx[j]} < ${d}; ${idx[j]}++) `).join("");
        const sub = idx.map((i) => `[${i}]`).join("");
        lines[b] = `${lines[b]}\n${pad}signal ${decl.name}${dims};\n${pad}${loops}${decl.name}${sub} <-- ${tmp}${sub};`;
        k++;
        edits.push({ line: a + 1, action: "unconstrained", text: text.trim(), why: `${decl.name} now only assigned from ${call}'s output` });
      } else {
        // an element x[i] <== T(…)(…): removable when nothing but x's declaration names x elsewhere
        const base = /^([A-Za-z_][A-Za-z0-9_]*)\s*\[/.exec(lhs)?.[1];
        const uses = base === undefined ? "" : elsewhere.split("\n").filter((l) => !new RegExp(`^\\s*signal\\s+${base}\\b`).test(l)).join("\n");
        const declLine = base === undefined ? -1 : lines.findIndex((l) => new RegExp(`^\\s*signal\\s+(?:output\\s+|input\\s+)?${base}\\b`).test(l));
        const baseDims = declLine < 0 ? [] : [...(new RegExp(`\\b${base}((?:\\s*\\[[^\\]]+\\])*)`).exec(lines[declLine].replace(/\/\/.*$/, ""))?.[1] ?? "").matchAll(/\[([^\]]+)\]/g)].map((d) => d[1].trim());
        const lhsIdx = [...lhs.slice(base?.length ?? 0).matchAll(/\[([^\]]+)\]/g)].map((d) => d[1].trim());
        if (base !== undefined && !new RegExp(`\\b${base}\\b`).test(uses)) {
          comment();
          edits.push({ line: a + 1, action: "removed", text: text.trim() });
        } else if (mutated.has(call)) {
          edits.push({ line: a + 1, action: "kept", text: text.trim(), why: `${lhs} <== ${call}(…) is read elsewhere; ${call}'s own checks are mutated on their own` });
        } else if (base !== undefined && declLine >= 0 && declLine < a && lhsIdx.length <= baseDims.length) {
          // a component with no mutants of its own (circomlib's Num2Bits, …): it still runs, on an element of a
          // renamed copy of x declared beside x, and the element x[i] is only assigned (<--) from it
          const tmp = `${base}__mut`;
          if (!declared.has(base)) lines[declLine] = `${lines[declLine]}\n${" ".repeat(lines[declLine].length - lines[declLine].trimStart().length)}signal ${tmp}${baseDims.map((d) => `[${d}]`).join("")};`;
          declared.add(base);
          lines[a] = lines[a].replace(new RegExp(`\\b${base}\\b`), tmp);
          const pad = " ".repeat(lines[a].length - lines[a].trimStart().length);
          const rest = baseDims.slice(lhsIdx.length);
          const idx = rest.map((_, j) => `i${k}_${j}__mut`);
          const loops = rest.map((d, j) => `for (var ${idx[j]} = 0; ${idx[j]} < ${d}; ${idx[j]}++) `).join("");
          const sub = [...lhsIdx, ...idx].map((i) => `[${i}]`).join("");
          lines[b] = `${lines[b]}\n${pad}${loops}${base}${sub} <-- ${tmp}${sub};`;
          k++;
          edits.push({ line: a + 1, action: "unconstrained", text: text.trim(), why: `${lhs} now only assigned from ${call}'s output (${call} has no checks of its own in circuits/)` });
        } else {
          edits.push({ line: a + 1, action: "kept", text: text.trim(), why: `${lhs} <== ${call}(…) is read elsewhere and the tool cannot free it; ${call} has no mutants of its own: not tested` });
        }
      }
    } else if (/<==/.test(code)) {
      for (let i = a; i <= b; i++) lines[i] = lines[i].replace("<==", "<--");
      edits.push({ line: a + 1, action: "unconstrained", text: text.trim() });
    } else if (/==>/.test(code)) {
      for (let i = a; i <= b; i++) lines[i] = lines[i].replace("==>", "-->");
      edits.push({ line: a + 1, action: "unconstrained", text: text.trim() });
    }
  }
  return { check, source: lines.join("\n"), edits };
}

export interface MutateOptions {
  /** only these checks ("MarginProof#5", "MarginProof", "VenueSlot#3"); default every check */
  only?: string[];
  /** test files, relative to the repository (default: test/circuit/*.test.ts) */
  tests?: string[];
  /** extra mocha arguments (e.g. ["--grep", "@fast"]) */
  mochaArgs?: string[];
  log?: (line: string) => void;
  /** per-mutant time limit in seconds (default 1800) */
  timeoutSeconds?: number;
  /** one mutant per constraint statement of each selected check (ids "MarginProof#5.2") instead of one per check */
  statements?: boolean;
}

const SANDBOX_PARTS = ["circuits", "prover", "scripts/lib", "scripts/build.ts", "test", "client", "package.json", "tsconfig.json", ".mocharc.json"];

/**
 * A sandbox copy of the repository for mutants: the parts the circuit tests read, node_modules linked package by
 * package except circomlib, which is copied (circom2 runs under WASI and only sees files below its working directory).
 */
export function makeSandbox(dir = path.join(ROOT, "build", "mutate", `sandbox-${process.pid}`)): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const part of SANDBOX_PARTS) {
    const src = path.join(ROOT, part);
    // leave out generated mains (circuits/main/): test the path below the copied part, never the absolute path, since
    // a checkout may itself live under a folder named "main"
    if (existsSync(src)) cpSync(src, path.join(dir, part), { recursive: true, filter: (f) => !path.relative(src, f).split(path.sep).includes("main") });
  }
  const nm = path.join(dir, "node_modules");
  mkdirSync(nm);
  for (const entry of readdirSync(path.join(ROOT, "node_modules"))) {
    const src = path.join(ROOT, "node_modules", entry);
    if (entry === "circomlib") cpSync(src, path.join(nm, entry), { recursive: true, filter: (f) => !/[/\\]node_modules[/\\]/.test(path.relative(src, f)) });
    else symlinkSync(src, path.join(nm, entry));
  }
  return dir;
}

/** Every test file of the project (test/**\/*.test.ts), repository-relative. */
function projectTests(): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(path.join(ROOT, d), { withFileTypes: true })) {
      if (e.isDirectory()) walk(`${d}/${e.name}`);
      else if (e.name.endsWith(".test.ts") && e.name !== "mutate.test.ts") out.push(`${d}/${e.name}`); // not the mutation run itself
    }
  };
  walk("test");
  return out.sort();
}

/** Run the tests in the sandbox; resolves to the first failing test's title, or undefined when every test passed. */
function runTests(dir: string, tests: string[], mochaArgs: string[], timeoutSeconds: number): Promise<{ failed?: string; error?: string }> {
  return new Promise((resolve) => {
    const mocha = path.join(dir, "node_modules", ".bin", "mocha");
    // Tests tagged @keys check the pipeline's Groth16 key, which no mutant has (its r1cs differs): they would fail on
    // every mutant and count it killed, so they are left out unless the caller chose its own --grep.
    const own = mochaArgs.some((a) => a === "--grep" || a === "-g" || a.startsWith("--grep="));
    const keys = own ? [] : ["--grep", "@keys", "--invert"];
    const child = spawn(mocha, ["--no-config", "--node-option", "import=tsx", "--timeout", "600000", "--exit", "--bail", "--reporter", "dot", ...keys, ...mochaArgs, ...tests], { cwd: dir, env: process.env });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutSeconds * 1000);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) return resolve({});
      const m = /\n\s*1\) (.+)\n([\s\S]*?)\n\s*\n/.exec(out);
      if (m) return resolve({ failed: `${m[1].trim()} ${m[2].replace(/\s+/g, " ").trim()}`.slice(0, 300) });
      resolve({ error: `mocha exited ${code ?? "by signal"} with no failing test: ${out.trim().split("\n").slice(-5).join(" ").slice(0, 300)}` });
    });
  });
}

/**
 * The mutation run: one mutant per check, each checked by the circuit tests in the sandbox.
 * A mutant that does not compile is reported as "error" (the tool's rule did not fit the block: read it).
 */
export async function runMutants(opts: MutateOptions = {}): Promise<MutantResult[]> {
  const log = opts.log ?? (() => undefined);
  const tests = opts.tests ?? readdirSync(path.join(ROOT, "test", "circuit")).filter((f) => f.endsWith(".test.ts")).map((f) => `test/circuit/${f}`);
  const all = findChecks();
  // in the order asked for (the most important first), file order within one entry
  const rank = (c: Check) => opts.only?.findIndex((o) => o === checkId(c) || o === c.template) ?? -1;
  const selected = opts.only && opts.only.length > 0 ? all.filter((c) => rank(c) >= 0).sort((a, b) => rank(a) - rank(b)) : all;
  if (selected.length === 0) throw new ZkMarginInputError("check", `no check matches ${opts.only?.join(", ")} (give ids separated by spaces; known: ${all.map(checkId).join(", ")})`);
  const dir = makeSandbox();
  const results: MutantResult[] = [];
  const units = selected.flatMap((check) => {
    if (!opts.statements) return [{ check, statement: undefined as number | undefined }];
    const n = checkStatements(readFileSync(path.join(ROOT, check.file), "utf8"), check).length;
    return Array.from({ length: n }, (_, i) => ({ check, statement: i as number | undefined }));
  });
  log(`mutation run: ${units.length} mutant(s) of ${selected.length} check(s), tests ${tests.join(" ")}, sandbox ${path.relative(ROOT, dir)}`);
  try {
    for (const { check, statement } of units) {
      const t0 = Date.now();
      const id = statement === undefined ? checkId(check) : `${checkId(check)}.${statement + 1}`;
      const file = path.join(dir, check.file);
      const original = readFileSync(path.join(ROOT, check.file), "utf8");
      const m = mutate(original, check, statement);
      // every mutant starts from the pristine sources (their own mtimes, so the tests' compile cache keeps every
      // instance built from pristine sources; those built from a mutant are dropped after it, see below)
      const circuitsDir = path.join(ROOT, "circuits");
      // skip the generated mains (circuits/main/): test the path below circuits/, not the absolute one (a checkout may itself live under a folder named "main")
      cpSync(circuitsDir, path.join(dir, "circuits"), { recursive: true, preserveTimestamps: true, filter: (f) => path.relative(circuitsDir, f).split(path.sep)[0] !== "main" });
      writeFileSync(file, m.source);
      const removed = m.edits.filter((e) => e.action !== "kept").length;
      let res: MutantResult;
      if (removed === 0) {
        res = { check, id, status: "delegated", detail: `every statement binds a component read elsewhere: ${m.edits.map((e) => e.why).join("; ")}`, edits: m.edits, seconds: 0 };
      } else {
        // the test files that name the template first: with --bail a killed mutant stops early; a template no
        // circuit test names (AccountInclusion: the leaf instance) brings the project's tests that do
        const names = (t: string) => readFileSync(path.join(ROOT, t), "utf8").includes(check.template);
        const extra = opts.tests || tests.some(names) ? [] : projectTests().filter((t) => !tests.includes(t) && names(t));
        const ordered = [...extra, ...tests.filter(names), ...tests.filter((t) => !names(t))];
        const r = await runTests(dir, ordered, opts.mochaArgs ?? [], opts.timeoutSeconds ?? 1800);
        const seconds = Math.round((Date.now() - t0) / 100) / 10;
        res = r.failed !== undefined
          ? { check, id, status: "killed", detail: r.failed, edits: m.edits, seconds }
          : r.error !== undefined
            ? { check, id, status: "error", detail: r.error, edits: m.edits, seconds }
            : { check, id, status: "survived", detail: "every circuit test passed without this check", edits: m.edits, seconds };
      }
      // an instance compiled during this mutant from its file is the mutant's: drop it, or the restored file (with its
      // old mtime) would look older than that build and a later mutant would be tested against this one's circuit
      dropMutantBuilds(dir, check.file, t0);
      results.push(res);
      log(`${res.status.toUpperCase().padEnd(8)} ${id.padEnd(24)} ${check.title.slice(0, 60)} (${res.seconds}s)${res.status === "killed" ? "" : `: ${res.detail}`}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

/** Whether circuit source `source` includes `target` (a path relative to the sandbox root), itself or transitively. */
function includesFile(dir: string, source: string, target: string, seen = new Set<string>()): boolean {
  if (seen.has(source) || !existsSync(source)) return false;
  seen.add(source);
  if (path.relative(dir, source).split(path.sep).join("/") === target) return true;
  for (const m of readFileSync(source, "utf8").matchAll(/^\s*include\s+"([^"]+)"/gm)) {
    if (includesFile(dir, path.resolve(path.dirname(source), m[1]), target, seen)) return true;
  }
  return false;
}

/** Remove the sandbox builds (build/<name>/) made since `since` (ms) whose generated main includes the mutated file. */
export function dropMutantBuilds(dir: string, file: string, since: number): string[] {
  const build = path.join(dir, "build");
  if (!existsSync(build)) return [];
  const dropped: string[] = [];
  for (const name of readdirSync(build)) {
    const r1cs = path.join(build, name, `${name}.r1cs`);
    if (!existsSync(r1cs) || statSync(r1cs).mtimeMs < since) continue;
    if (!includesFile(dir, path.join(dir, "circuits", "main", `${name}.circom`), file)) continue;
    rmSync(path.join(build, name), { recursive: true, force: true });
    dropped.push(name);
  }
  return dropped;
}

/** A markdown report of a mutation run (docs/AUDIT.md pastes it). */
export function mutationReport(results: MutantResult[]): string {
  const rows = results.map((r) => `| ${r.id} | ${r.check.file} | ${r.check.title.replace(/\|/g, "\\|")} | ${r.status} | ${r.detail.replace(/\|/g, "\\|").replace(/\n/g, " ")} |`);
  const survived = results.filter((r) => r.status === "survived");
  return [
    `${results.length} mutants: ${results.filter((r) => r.status === "killed").length} killed, ${survived.length} survived, ${results.filter((r) => r.status === "error").length} error.`,
    "",
    "| check | file | what it protects | mutant | first failing test / note |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}
