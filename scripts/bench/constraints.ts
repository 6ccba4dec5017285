/**
 * Constraints per instance (circom --O2, as built), split by template (the audit's per-template report: --O0
 * non-linear constraints attributed to the template that wrote them), and the marginal cost of one more holding
 * slot, venue slot, scenario and asset, measured by compiling the test instance with that parameter + 1.
 */
import path from "node:path";
import { compileInstanceForAudit } from "../../client/audit/compile.ts";
import { constraintReport } from "../../client/audit/constraints.ts";
import { loadR1cs } from "../../client/audit/r1cs.ts";
import { loadSym } from "../../client/audit/sym.ts";
import { ROOT, getInstance, type Instance } from "../lib/instances.ts";
import { mdTable, sec, thousands, time, type Section } from "./common.ts";

const SOURCE_DIRS = [path.join(ROOT, "circuits"), path.join(ROOT, "node_modules", "circomlib", "circuits")];

/** --O2 constraint count of an instance (compiled into build/audit/<name>/). */
async function countO2(inst: Instance): Promise<{ constraints: number; wires: number; ms: number }> {
  const r = await time(async () => {
    const c = compileInstanceForAudit(inst, "O2");
    const m = /non-linear constraints:\s*(\d+)[\s\S]*?linear constraints:\s*(\d+)[\s\S]*?wires:\s*(\d+)/.exec(c.log);
    if (!m) throw new Error(`circom's summary not found for ${inst.name}`);
    return { constraints: Number(m[1]) + Number(m[2]), wires: Number(m[3]) };
  });
  return { ...r.value, ms: r.ms };
}

export const constraintsSection: Section = {
  id: "constraints",
  title: "Constraints",
  async run(ctx) {
    const out: string[] = [];
    // 1. per instance
    const rows: (string | number)[][] = [];
    const counts: Record<string, number> = {};
    for (const name of ["leaf", "test", "prod"]) {
      const inst = getInstance(name);
      ctx.log(`constraints: compiling ${name} (--O2)`);
      const c = await countO2(inst);
      counts[name] = c.constraints;
      const params = Object.entries(inst.params).map(([k, v]) => `${k}=${v}`).join(" ");
      rows.push([name, inst.template, params, thousands(c.constraints), thousands(c.wires), `2^${Math.ceil(Math.log2(c.constraints + inst.pubs.length + 1))}`, inst.ptauPower, sec(c.ms)]);
    }
    out.push(mdTable(["instance", "template", "params", "constraints (--O2)", "wires", "Groth16 domain", "ptau power in circuits.json", "compile (s)"], rows));

    // 2. marginal costs from the test instance (K doubles: the sign design needs K = 2·2^m)
    const base = getInstance("test");
    const variants: [string, string, number, number][] = [
      ["N", "holding slot per venue (×V slots)", base.params.V, 1],
      ["V", "venue slot", 1, 1],
      ["K", "scenario", base.params.K, base.params.K],
      ["A", "asset", 1, 1],
    ];
    const marg: (string | number)[][] = [];
    for (const [key, what, divisor, step] of variants) {
      const params = { ...base.params, [key]: base.params[key] + step };
      const inst: Instance = { ...base, name: `bench-test-${key}${params[key]}`, params };
      ctx.log(`constraints: compiling test with ${key}=${params[key]}`);
      const c = await countO2(inst);
      const delta = c.constraints - counts.test;
      marg.push([
        `${key} ${base.params[key]} → ${params[key]}`,
        thousands(c.constraints),
        thousands(delta),
        divisor === 1
          ? `${thousands(delta)} per ${what}`
          : key === "K"
            ? `${thousands(Math.round(delta / divisor))} per ${what} (${delta} / ${divisor} more scenarios)`
            : `${thousands(Math.round(delta / divisor))} per holding (${delta} / V=${divisor})`,
      ]);
    }
    out.push(
      "",
      `Marginal cost, from compiling the test instance (${Object.entries(base.params).map(([k, v]) => `${k}=${v}`).join(", ")}) with one parameter + 1 (K doubled: it must stay 2·2^m):`,
      "",
      mdTable(["variant", "constraints", "Δ", "cost"], marg),
    );

    // 3. per template, test (and prod with --prod: its --O0 compile is large)
    for (const name of ctx.prod ? ["test", "prod"] : ["test"]) {
      const inst = getInstance(name);
      ctx.log(`constraints: per-template report of ${name} (--O0 audit compile)`);
      const c = compileInstanceForAudit(inst, "O0");
      const r1cs = await loadR1cs(c.r1cs);
      const rep = constraintReport(r1cs, loadSym(c.sym, r1cs.nVars), inst.template, SOURCE_DIRS, { nonLinearOnly: true });
      out.push(
        "",
        `Instance ${name}, by top-level component (non-linear constraints of the --O0 audit compile, ${thousands(rep.constraints)} in all; --O2 removes ${thousands(rep.constraints - counts[name])} more):`,
        "",
        mdTable(
          ["component", "template", "instances", "constraints", "each", "share"],
          rep.topLevel.map((t) => [t.path, t.template, t.instances, thousands(t.total), thousands(Math.round(t.total / t.instances)), `${((100 * t.total) / rep.constraints).toFixed(1)}%`]),
        ),
        "",
        `Instance ${name}, by template (inclusive of sub-components, so nested rows overlap; circomlib's internals stay inside their template):`,
        "",
        mdTable(["template", "each", "instances", "total"], rep.templates.map((t) => [t.template, thousands(t.perInstance), t.instances, thousands(t.total)])),
      );
    }
    out.push(
      "",
      "Method: `client/audit/constraints.ts` (also `zkmargin audit`): each constraint is attributed to the deepest component among the wires it touches, in an --O0 compile where every sub-component keeps its own wires; component paths map to templates through circom's anonymous-component names and the `component x = T(...)` lines of the sources.",
    );
    return out.join("\n");
  },
};
