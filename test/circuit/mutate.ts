/**
 * Hand-written mutation run over the MarginProof checks ("every check load-bearing"): each mutant removes ONE numbered
 * check (a constraint made an unconstrained assignment, a range check dropped, a booleanity kept without its
 * recomposition), recompiles the test instance in a scratch copy of the repository and runs the circuit tests with
 * --bail (margin.test.ts and props.test.ts; lib.test.ts first for the library templates). A mutant the tests do not kill is a check no test depends on.
 *
 *   npx tsx test/circuit/mutate.ts [label-regex]      (writes build/mutants.json; 1-3 min per mutant)
 *
 * Scope: every equality (`===`) and every range check (Num2Bits, SignedRange, OneHot, IsZero) of the numbered checks.
 * Loosening a product that defines an intermediate value (`x <== a·b` → `x <-- a·b`) is not in the list: the
 * witness generator still computes x honestly, so only a forged witness (x and everything downstream changed
 * together) could tell the mutant apart, and no input-level test can; the audit's soundness scan covers the
 * single-wire case and the model-agreement tests the values themselves. The one exception, the subject square, is
 * read by nothing downstream, so a tampered witness does tell.
 *
 * The audit toolkit's generic mutation tool (build engineer) supersedes this list; it stays as the record of which
 * check each test protects.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ROOT } from "../../scripts/lib/instances.ts";

interface Mutant {
  label: string;
  file: string;
  find: string;
  replace: string;
}

/** `<==` → `<--`: the signal keeps its value in an honest witness but nothing constrains it. */
const loosen = (label: string, file: string, line: string): Mutant => ({ label, file, find: line, replace: line.replace("<==", "<--") });
/** drop a line (a `===` or an `_ <== Num2Bits(...)` range check) */
const drop = (label: string, file: string, line: string): Mutant => ({ label, file, find: line, replace: "" });
/** a named Num2Bits whose bits stay boolean but no longer recompose the value (the range check removed) */
const freeBits = (label: string, file: string, line: string, name: string, n: string, value: string): Mutant => ({
  label,
  file,
  find: line,
  replace: `signal ${name}[${n}]; for (var mi = 0; mi < ${n}; mi++) { ${name}[mi] <-- ((${value}) >> mi) & 1; ${name}[mi] * (${name}[mi] - 1) === 0; }`,
});
/** a sign from SignedRange, kept boolean, no longer tied to the value by a range check */
const freeSign = (label: string, file: string, signal: string, call: string, value: string): Mutant => ({
  label,
  file,
  find: `signal ${signal} <== ${call}(${value});`,
  replace: `signal ${signal}; ${signal} <-- ${value} >= 0 ? 1 : 0; ${signal} * (${signal} - 1) === 0;`,
});

const MP = "circuits/MarginProof.circom";
const VS = "circuits/VenueSlot.circom";
const HE = "circuits/HoldingExposure.circom";
const PM = "circuits/PortfolioMargin.circom";
const MW = "circuits/MarketWords.circom";
const RH = "circuits/RiskParamsHash.circom";
const MR = "circuits/lib/MerkleRoot.circom";
const OH = "circuits/lib/OneHot.circom";
const SR = "circuits/lib/SignedRange.circom";

export const MUTANTS: Mutant[] = [
  // MarginProof
  loosen("MarginProof (1) subject square", MP, "signal subjectSquare <== subject * subject;"),
  drop("MarginProof (2) context hash", MP, "contextHash === computedContext;"),
  drop("MarginProof (3) book nullifier", MP, "bookNullifier === computedNullifier;"),
  drop("MarginProof (5) slot 0 active", MP, "active[0] === 1;"),
  drop("MarginProof (5) active slots a prefix", MP, "active[v] * (1 - active[v - 1]) === 0;"),
  { label: "MarginProof (5) venue id < 2^32", file: MP, find: "venueIdBits[v] <== Num2Bits(VENUE_ID_BITS())(venueIds[v]);", replace: "for (var mi = 0; mi < 32; mi++) { venueIdBits[v][mi] <-- (venueIds[v] >> mi) & 1; venueIdBits[v][mi] * (venueIdBits[v][mi] - 1) === 0; }" },
  { label: "MarginProof (5) increasing ids (gap < 2^32)", file: MP, find: "idGapBits[v] <== Num2Bits(VENUE_ID_BITS())(idGap[v]);", replace: "for (var mi = 0; mi < 32; mi++) { idGapBits[v][mi] <-- (idGap[v] >> mi) & 1; idGapBits[v][mi] * (idGapBits[v][mi] - 1) === 0; }" },
  freeBits("MarginProof (6) minExcess < 2^112", MP, "signal minExcessBits[MIN_EXCESS_BITS()] <== Num2Bits(MIN_EXCESS_BITS())(minExcess);", "minExcessBits", "112", "minExcess"),
  drop("MarginProof (6) tail = packing", MP, "for (var t = 0; t < T; t++) tail[t] === tailPack.out[t];"),
  // VenueSlot
  { label: "VenueSlot (1) active = (root ≠ 0)", file: VS, find: "signal rootIsZero <== IsZero()(root);", replace: "signal rootIsZero; rootIsZero <-- root == 0 ? 1 : 0; rootIsZero * (rootIsZero - 1) === 0;" },
  drop("VenueSlot (2) leaf in the root", VS, "active * (computedRoot - root) === 0;"),
  drop("VenueSlot (3) inactive: venue id 0", VS, "inactive * venueId === 0;"),
  drop("VenueSlot (3) inactive: empty holdings", VS, "inactive * (pack.out[w] - empty[w]) === 0;"),
  // MerkleRoot
  freeBits("MerkleRoot (1) index has 2·D bits", MR, "signal bits[2 * D] <== Num2Bits(2 * D)(index);", "bits", "2 * D", "index"),
  // OneHot (asset and kind)
  drop("OneHot (1) booleans", OH, "out[i] * (out[i] - 1) === 0;"),
  drop("OneHot (2) one bit set", OH, "count === 1;"),
  drop("OneHot (3) at the index", OH, "index === in;"),
  // SignedRange and HoldingExposure's ranges
  { label: "SignedRange (1) every signed range", file: SR, find: "signal bits[BITS] <== Num2Bits(BITS)(in + (1 << (BITS - 1)));\n    nonNeg <== bits[BITS - 1];", replace: "nonNeg <-- in >= 0 ? 1 : 0;\n    nonNeg * (nonNeg - 1) === 0;" },
  freeSign("HoldingExposure (3) size range", HE, "sizeNonNeg", "SignedRange(SIZE_BITS())", "size"),
  drop("HoldingExposure (4) entry price only on linear", HE, "(1 - isLinear) * entryPrice === 0;"),
  drop("HoldingExposure (4) mark only on options", HE, "(1 - isOption) * mark === 0;"),
  drop("HoldingExposure (4) price < 2^64", HE, "_ <== Num2Bits(PRICE_BITS())(entryPrice + mark);"),
  freeSign("HoldingExposure (5) delta range", HE, "deltaNonNeg", "SignedRange(DELTA_BITS())", "delta"),
  freeSign("HoldingExposure (5) gamma range", HE, "gammaNonNeg", "SignedRange(GREEK_BITS())", "gamma"),
  freeSign("HoldingExposure (5) vega range", HE, "vegaNonNeg", "SignedRange(GREEK_BITS())", "vega"),
  drop("HoldingExposure (6) option |delta| ≤ 1", HE, "_ <== Num2Bits(OPTION_DELTA_BITS())(deltaRoom);"),
  // PortfolioMargin
  // PortfolioMargin (4) is one SignedRange per venue: its range is SignedRange (1)'s mutant (killed by the holding
  // range tests); a prover-chosen sign there is the forged witness of margin.test's venue-equity sign test.
  drop("PortfolioMargin (7) gross notional < 2^96", PM, "_ <== Num2Bits(GROSS_BITS())(grossTotal);"),
  freeBits("PortfolioMargin (8) slack ≥ 0", PM, "signal slackBits[SLACK_BITS()] <== Num2Bits(SLACK_BITS())(slack);", "slackBits", "234", "slack"),
  { label: "PortfolioMargin (9) scenario slack ≥ 0", file: PM, find: "slackKBits[k] <== Num2Bits(SCENARIO_SLACK_BITS())(slackK[k]);", replace: "for (var mi = 0; mi < 236; mi++) { slackKBits[k][mi] <-- (slackK[k] >> mi) & 1; slackKBits[k][mi] * (slackKBits[k][mi] - 1) === 0; }" },
  // PortfolioMargin's sign design: each residual sign factor (1 − 2·c_t) read from the wrong bit, or not at all
  { label: "PortfolioMargin (5) sign design reads the column's bits", file: PM, find: "resid[k][a] <== resid[k - (1 << t)][a] * (1 - 2 * residualColumnBits[a][t]);", replace: "resid[k][a] <== resid[k - (1 << t)][a] * (1 - 2 * residualColumnBits[a][0]);" },
  { label: "PortfolioMargin (5) residual sign ignored", file: PM, find: "resid[k][a] <== resid[k - (1 << t)][a] * (1 - 2 * residualColumnBits[a][t]);", replace: "resid[k][a] <== resid[k - (1 << t)][a];" },
  { label: "PortfolioMargin (6) the mirrored scenarios k + C", file: PM, find: "slackK[k + C] <== slack + PPM_ONE() * down;", replace: "slackK[k + C] <== slack + PPM_ONE() * up;" },
  // market and risk ranges (injectivity of the packing)
  drop("MarketWords (1) price < 2^64", MW, "_ <== Num2Bits(PRICE_BITS())(price[a]);"),
  drop("MarketWords (2) scan range < 2^20", MW, "_ <== Num2Bits(20)(scanRange[a]);"),
  drop("MarketWords (3) vol shock < 2^20", MW, "_ <== Num2Bits(20)(volShock[a]);"),
  { label: "RiskParamsHash (1) charge and loading ranges", file: RH, find: "if (i < COL || i >= COL + A) {", replace: "if (i < 0) {" },
  { label: "RiskParamsHash (1) factor loading ρ < 2^20", file: RH, find: "if (i < COL || i >= COL + A) {", replace: "if ((i < COL || i >= COL + A) && (i < 2 * A || i >= 3 * A)) {" },
  { label: "RiskParamsHash (1) residual loading r + 10^6 < 2^21", file: RH, find: "if (i < COL || i >= COL + A) {", replace: "if ((i < COL || i >= COL + A) && (i < 3 * A || i >= COL)) {" },
  { label: "RiskParamsHash (2) residual column < K/2 (its bits)", file: RH, find: "residualColumnBits[a] <== Num2Bits(CB)(offsetValue[COL + a]);", replace: "for (var mi = 0; mi < CB; mi++) { residualColumnBits[a][mi] <-- (offsetValue[COL + a] >> mi) & 1; residualColumnBits[a][mi] * (residualColumnBits[a][mi] - 1) === 0; }" },
  { label: "RiskParamsHash (3) v2 ranges", file: RH, find: "for (var i = V1; i < LEN; i++) {", replace: "for (var i = LEN; i < LEN; i++) {" },
  { label: "RiskParamsHash (3) noGammaGain boolean", file: RH, find: "for (var i = V1; i < LEN; i++) {\n        _ <== Num2Bits(widths[i])(offsetValue[i]);", replace: "for (var i = V1; i < LEN; i++) {\n        if (i != LEN - 2) { _ <== Num2Bits(widths[i])(offsetValue[i]); }" },
];

function scratchCopy(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "zkmargin-mutants-"));
  for (const f of ["circuits", "prover", "test", "scripts", "package.json", "tsconfig.json"]) {
    cpSync(path.join(ROOT, f), path.join(dir, f), { recursive: true, filter: (src) => !src.includes(`${path.sep}main${path.sep}`) });
  }
  // circom2's WASI sandbox only sees the working directory and below, so circomlib is copied in; the rest is linked
  mkdirSync(path.join(dir, "node_modules"));
  for (const entry of readdirSync(path.join(ROOT, "node_modules"))) {
    const src = path.join(ROOT, "node_modules", entry);
    if (entry === "circomlib") cpSync(src, path.join(dir, "node_modules", entry), { recursive: true });
    else symlinkSync(src, path.join(dir, "node_modules", entry));
  }
  return dir;
}

function run(dir: string, mutant: Mutant): { killed: boolean; by: string; seconds: number } {
  const file = path.join(dir, mutant.file);
  const original = readFileSync(file, "utf8");
  const count = original.split(mutant.find).length - 1;
  if (count < 1) throw new Error(`mutant "${mutant.label}": ${mutant.file} does not contain: ${mutant.find}`);
  writeFileSync(file, original.replaceAll(mutant.find, mutant.replace));
  const t0 = performance.now();
  try {
    rmSync(path.join(dir, "build", "test"), { recursive: true, force: true });
    const res = spawnSync(
      path.join(ROOT, "node_modules", ".bin", "mocha"),
      ["--no-config", "--node-option", "import=tsx", "--timeout", "600000", "--bail", "--exit", ...(mutant.file.includes("/lib/") ? ["test/circuit/lib.test.ts"] : []), "test/circuit/margin.test.ts", "test/circuit/props.test.ts"],
      { cwd: dir, encoding: "utf8", env: { ...process.env, PROP_RUNS: process.env.PROP_RUNS ?? "100", PATH: `${path.join(ROOT, "node_modules", ".bin")}:${process.env.PATH ?? ""}` }, maxBuffer: 64 << 20 },
    );
    const out = `${res.stdout}${res.stderr}`;
    // the first failing test and the start of its error (to tell a soundness kill from a flake)
    const report = out.slice(Math.max(0, out.lastIndexOf("passing")));
    const at = report.indexOf("1) ");
    const failed = at >= 0 ? [report, report.slice(at + 3, at + 420).replace(/\s+/g, " ")] : null;
    const compileError = /circom failed to compile[^\n]*\n([^\n]*\n){0,6}/.exec(out);
    // a mutant that does not compile is a broken mutant, not a killed one
    if (compileError) throw new Error(`mutant "${mutant.label}" does not compile: ${compileError[0]}`);
    return { killed: res.status !== 0, by: failed?.[1] ?? (res.status !== 0 ? out.slice(-300) : ""), seconds: (performance.now() - t0) / 1000 };
  } finally {
    writeFileSync(file, original);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const only = process.argv[2];
  const dir = scratchCopy();
  if (!existsSync(path.join(ROOT, "build"))) mkdirSync(path.join(ROOT, "build"));
  const results: { label: string; killed: boolean; by: string; seconds: number }[] = [];
  try {
    for (const m of MUTANTS.filter((x) => !only || new RegExp(only).test(x.label))) {
      const r = run(dir, m);
      results.push({ label: m.label, ...r });
      writeFileSync(path.join(ROOT, "build", "mutants.json"), `${JSON.stringify(results, null, 2)}\n`);
      console.log(`${r.killed ? "killed  " : "SURVIVED"} ${m.label} (${r.seconds.toFixed(0)} s)${r.killed ? ` — ${r.by}` : ""}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (!existsSync(path.join(ROOT, "build"))) mkdirSync(path.join(ROOT, "build"));
  writeFileSync(path.join(ROOT, "build", "mutants.json"), `${JSON.stringify(results, null, 2)}\n`);
  const survived = results.filter((r) => !r.killed);
  console.log(`${results.length - survived.length}/${results.length} mutants killed`);
  process.exitCode = survived.length === 0 ? 0 : 1;
}
