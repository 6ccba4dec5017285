/**
 * Constraint report per template, read from the compiled r1cs and .sym (no recompilation).
 *
 * Method: every r1cs constraint is counted exactly once, attributed to the DEEPEST component among the wires it
 * touches (circom --O2 substitutes linear constraints away, so a constraint may name a wire of the caller that was
 * merged with a sub-component's input; the deepest component is the one whose code produced it). Component paths are
 * mapped to templates: anonymous components carry their template in their name (`Num2Bits_23_1002`), named ones are
 * resolved from the `component name = Template(...)` lines of the templates' sources.
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import type { Constraint, LinearCombination, R1cs } from "./r1cs.ts";
import type { SymbolTable } from "./sym.ts";

export interface ComponentCost {
  /** component path with array indices as [*] */
  path: string;
  template: string;
  instances: number;
  /** constraints of all instances, sub-components included */
  total: number;
}

export interface TemplateCost {
  template: string;
  /** constraints of one instance, sub-components included (instances of one template with other parameters differ) */
  perInstance: number;
  instances: number;
  total: number;
}

export interface ConstraintReport {
  /** constraints counted (with nonLinearOnly: the non-linear ones only) */
  constraints: number;
  wires: number;
  publicInputs: number;
  privateInputs: number;
  outputs: number;
  /** the main template's direct children, indices collapsed, largest first (plus "(main itself)") */
  topLevel: ComponentCost[];
  /**
   * components instantiated by the project's own templates (projectDirs, default sourceDirs[0]), grouped by template
   * and per-instance cost, inclusive of sub-components, largest total first; nested groups overlap their parents
   */
  templates: TemplateCost[];
}

/** Split a component path into its segments (`main.a[0].b` → ["main", "a[0]", "b"]). */
function segments(p: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i] === "[") depth++;
    else if (p[i] === "]") depth--;
    else if (p[i] === "." && depth === 0) {
      out.push(p.slice(start, i));
      start = i + 1;
    }
  }
  out.push(p.slice(start));
  return out;
}

const ANON = /^([A-Za-z_$][A-Za-z0-9_$]*)_\d+_\d+$/;

/** template name → (component name → template name), parsed from circom sources. */
export type TemplateIndex = Map<string, Map<string, string>>;

/** Names of the templates defined in the given directories (the project's own, as opposed to circomlib's). */
export function templatesIn(dirs: readonly string[]): Set<string> {
  return new Set(indexTemplates(dirs).keys());
}

function listCircom(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir)) {
    const p = path.join(dir, f);
    const st = statSync(p);
    if (st.isDirectory()) {
      if (f !== "node_modules" && f !== "main" && f !== "test") listCircom(p, out);
    } else if (f.endsWith(".circom")) out.push(p);
  }
  return out;
}

/** Parse `template T(...) { ... component x[...] = U(...) ... }` from every .circom file under the given dirs. */
export function indexTemplates(dirs: readonly string[]): TemplateIndex {
  const idx: TemplateIndex = new Map();
  for (const file of dirs.flatMap((d) => listCircom(d))) {
    const src = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
    const starts = [...src.matchAll(/\btemplate\s+(?:parallel\s+|custom\s+)*([A-Za-z_$][A-Za-z0-9_$]*)\s*\(/g)];
    starts.forEach((m, i) => {
      const body = src.slice(m.index, i + 1 < starts.length ? starts[i + 1].index : src.length);
      const comps = new Map<string, string>();
      for (const c of body.matchAll(/\b([A-Za-z_$][A-Za-z0-9_$]*)\s*(?:\[[^\]=;]*\]\s*)*=\s*([A-Za-z_$][A-Za-z0-9_$]*)\s*\(/g)) {
        if (!comps.has(c[1])) comps.set(c[1], c[2]);
      }
      if (!idx.has(m[1])) idx.set(m[1], comps);
    });
  }
  return idx;
}

/** The template of each component path, walking down from the main template. */
function resolver(mainTemplate: string, idx: TemplateIndex): (p: string) => string {
  const memo = new Map<string, string>();
  const resolve = (p: string): string => {
    const hit = memo.get(p);
    if (hit !== undefined) return hit;
    const segs = segments(p);
    let t: string;
    if (segs.length <= 1) t = mainTemplate;
    else {
      const last = segs[segs.length - 1].replace(/\[.*$/, "");
      const anon = ANON.exec(last);
      if (anon) t = anon[1];
      else {
        const parent = resolve(segs.slice(0, -1).join("."));
        t = idx.get(parent)?.get(last) ?? `?${last}`;
      }
    }
    memo.set(p, t);
    return t;
  };
  return resolve;
}

const constantOnly = (lc: LinearCombination): boolean => lc.wires.every((w) => w === 0);

/** A constraint whose A and B both involve a wire (what circom counts as non-linear). */
export function isNonLinear(k: Constraint): boolean {
  return !constantOnly(k.a) && !constantOnly(k.b);
}

const collapse = (p: string): string => p.replace(/\[\d+\]/g, "[*]");

/**
 * @param sourceDirs where the templates live (circuits/ first, then node_modules/circomlib/circuits)
 */
export function constraintReport(
  r1cs: R1cs,
  sym: SymbolTable,
  mainTemplate: string,
  sourceDirs: readonly string[],
  opts: { nonLinearOnly?: boolean; projectDirs?: readonly string[] } = {},
): ConstraintReport {
  const depthOf = sym.wireComponent.map((c) => (c === "" ? -1 : segments(c).length));
  // self count per component path
  const self = new Map<string, number>();
  let counted = 0;
  for (const k of r1cs.constraints) {
    if (opts.nonLinearOnly && !isNonLinear(k)) continue;
    counted++;
    let best = -1;
    let bestDepth = -2;
    for (const lc of [k.a, k.b, k.c]) {
      for (const w of lc.wires) {
        if (w !== 0 && depthOf[w] > bestDepth) {
          best = w;
          bestDepth = depthOf[w];
        }
      }
    }
    const comp = best < 0 ? "main" : sym.wireComponent[best];
    self.set(comp, (self.get(comp) ?? 0) + 1);
  }
  // inclusive totals per component path (every ancestor gets the count)
  const total = new Map<string, number>();
  for (const [comp, n] of self) {
    const segs = segments(comp);
    for (let i = 1; i <= segs.length; i++) {
      const anc = segs.slice(0, i).join(".");
      total.set(anc, (total.get(anc) ?? 0) + n);
    }
  }
  const templateOf = resolver(mainTemplate, indexTemplates(sourceDirs));

  // top level: children of main, indices collapsed
  const top = new Map<string, ComponentCost>();
  for (const [comp, n] of total) {
    const segs = segments(comp);
    if (segs.length !== 2) continue;
    const key = collapse(comp);
    const e = top.get(key) ?? { path: key, template: templateOf(comp), instances: 0, total: 0 };
    e.instances++;
    e.total += n;
    top.set(key, e);
  }
  const mainSelf = self.get("main") ?? 0;
  const topLevel = [...top.values()].sort((x, y) => y.total - x.total);
  if (mainSelf > 0) topLevel.push({ path: "(main itself)", template: mainTemplate, instances: 1, total: mainSelf });

  // per template: the components the project's own templates instantiate (circomlib's internals, e.g. Poseidon's
  // rounds, stay inside their Poseidon), grouped by (template, inclusive count)
  const own = templatesIn(opts.projectDirs ?? sourceDirs.slice(0, 1));
  const groups = new Map<string, TemplateCost>();
  for (const [comp, n] of total) {
    if (comp === "main") continue;
    const segs = segments(comp);
    if (!own.has(templateOf(segs.slice(0, -1).join(".")))) continue;
    const t = templateOf(comp);
    const key = `${t}|${n}`;
    const g = groups.get(key) ?? { template: t, perInstance: n, instances: 0, total: 0 };
    g.instances++;
    g.total += n;
    groups.set(key, g);
  }
  return {
    constraints: counted,
    wires: r1cs.nVars,
    publicInputs: r1cs.nPubInputs,
    privateInputs: r1cs.nPrvInputs,
    outputs: r1cs.nOutputs,
    topLevel,
    templates: [...groups.values()].sort((x, y) => y.total - x.total || x.template.localeCompare(y.template)),
  };
}
