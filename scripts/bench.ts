/**
 * `npm run bench [-- --only tree,capital] [-- --prod]`: the benchmarks of issue 6, printed as tables and written to
 * docs/BENCHMARKS.md. Each section replaces only its own block of the file (between `<!-- bench:ID -->` markers), so
 * sections can be rerun separately; every block says the machine, the date and the command that produced it.
 *
 * Sections: constraints · prove · gas · tree · venue · capital · backtest · prod · browser · relay (scripts/bench/*.ts).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Command } from "commander";
import { ROOT } from "./lib/instances.ts";
import { terminateCurve } from "./lib/snark.ts";
import { machine, machineLine, mdTable, type Section } from "./bench/common.ts";

const SECTIONS: Record<string, () => Promise<Section>> = {
  constraints: async () => (await import("./bench/constraints.ts")).constraintsSection,
  prove: async () => (await import("./bench/prove.ts")).proveSection,
  gas: async () => (await import("./bench/gas.ts")).gasSection,
  tree: async () => (await import("./bench/tree.ts")).treeSection,
  venue: async () => (await import("./bench/venue.ts")).venueSection,
  capital: async () => (await import("./bench/capital.ts")).capitalSection,
  backtest: async () => (await import("./bench/backtest.ts")).backtestSection,
  prod: async () => (await import("./bench/prod.ts")).prodSection,
  browser: async () => (await import("./bench/browser.ts")).browserSection,
  relay: async () => (await import("./bench/relay.ts")).relaySection,
};
const ORDER = Object.keys(SECTIONS);

const OUT = path.join(ROOT, "docs", "BENCHMARKS.md");

const HEADER = `# Benchmarks

Every figure below comes from a run of \`npm run bench\` (scripts/bench.ts) on the machine named in its section;
each section says the command that produced it and can be rerun alone (\`npm run bench -- --only tree\`).
The production instance's proving figures need \`--prod\` (its own key comes only from \`npm run build:prod\`; without it
the bench makes a bench-only key when a cached development ptau is large enough). Nothing here is estimated unless it
says so.
`;

/** Replace (or append) one section's block in the markdown file. */
export function spliceSection(doc: string, id: string, block: string): string {
  const open = `<!-- bench:${id} -->`;
  const close = `<!-- /bench:${id} -->`;
  const full = `${open}\n${block.trim()}\n${close}`;
  const a = doc.indexOf(open);
  const b = doc.indexOf(close);
  if (a >= 0 && b > a) return doc.slice(0, a) + full + doc.slice(b + close.length);
  // keep the documented order: insert before the first later section present
  const later = ORDER.slice(ORDER.indexOf(id) + 1)
    .map((x) => doc.indexOf(`<!-- bench:${x} -->`))
    .filter((i) => i >= 0);
  if (later.length > 0) {
    const at = Math.min(...later);
    return `${doc.slice(0, at)}${full}\n\n${doc.slice(at)}`;
  }
  return `${doc.trimEnd()}\n\n${full}\n`;
}

async function main(): Promise<void> {
  const program = new Command("bench")
    .description("zkmargin benchmarks → docs/BENCHMARKS.md")
    .option("--only <sections>", `comma-separated subset of: ${ORDER.join(", ")}`)
    .option("--prod", "also the production instance: its per-template split, and its proving (its key from npm run build:prod, else a bench-only key from a cached dev ptau)", false)
    .option("--out <file>", "markdown file to update", OUT)
    .option("--no-write", "print only, do not update the markdown file");
  program.parse(process.argv);
  const o = program.opts<{ only?: string; prod: boolean; out: string; write: boolean }>();
  const ids = o.only ? o.only.split(",").map((s) => s.trim()).filter(Boolean) : ORDER;
  for (const id of ids) if (!SECTIONS[id]) throw new Error(`--only: unknown section "${id}" (known: ${ORDER.join(", ")})`);

  const m = machine();
  const log = (l: string) => process.stderr.write(`[bench] ${l}\n`);
  let doc = o.write && existsSync(o.out) ? readFileSync(o.out, "utf8") : HEADER;
  if (!doc.startsWith("# Benchmarks")) doc = HEADER + doc;
  doc = spliceSection(
    doc,
    "machine",
    `## Machine (last run)\n\n${mdTable(["CPU", "cores", "memory", "Node", "OS"], [[m.cpu, m.cores, `${m.memoryGiB} GiB`, m.node, m.os]])}`,
  );
  const failed: string[] = [];
  for (const id of ORDER.filter((x) => ids.includes(x))) {
    const section = await SECTIONS[id]();
    log(`section ${id}: ${section.title}`);
    const command = `npm run bench -- --only ${id}${o.prod && (id === "prove" || id === "constraints" || id === "prod") ? " --prod" : ""}`;
    let body: string;
    try {
      body = await section.run({ prod: o.prod, log });
    } catch (e) {
      failed.push(id);
      log(`section ${id} FAILED: ${(e as Error).stack ?? String(e)}`);
      continue;
    }
    const block = `## ${section.title}\n\n_Run ${new Date().toISOString().replace(/\.\d+Z$/, "Z")} on ${machineLine(m)} with \`${command}\`._\n\n${body}`;
    process.stdout.write(`\n${block}\n`);
    doc = spliceSection(doc, id, block);
    if (o.write) writeFileSync(o.out, doc.endsWith("\n") ? doc : `${doc}\n`);
  }
  if (o.write) {
    writeFileSync(o.out, doc.endsWith("\n") ? doc : `${doc}\n`);
    log(`wrote ${path.relative(ROOT, o.out)}`);
  }
  await terminateCurve();
  if (failed.length > 0) {
    log(`failed sections: ${failed.join(", ")}`);
    process.exitCode = 1;
  }
}

try {
  await main();
} catch (e) {
  process.stderr.write(`bench: ${(e as Error).message}\n`);
  process.exitCode = 1;
}
