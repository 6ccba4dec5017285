/**
 * The mutation run of the auditor's toolkit (client/audit/mutate.ts): the numbered checks are found with their blocks,
 * each mutation removes exactly its check's constraints and still compiles, a mutant of a library check really
 * accepts what the check refused, and a mutant run in the sandbox is killed by the test that covers its check.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { checkId, checkStatements, checksOf, dropMutantBuilds, findChecks, mutate, mutatedTemplates, runMutants } from "../../client/audit/mutate.ts";
import { ROOT } from "../../scripts/lib/instances.ts";
import { unitInstance, CompiledCircuit } from "../helpers/witness.ts";
import { cpSync, existsSync, mkdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";

describe("audit: mutation run", function () {
  it("should find every numbered check of every template, each with its own block", function () {
    const checks = findChecks();
    const ids = checks.map(checkId);
    for (const id of ["MarginProof#1", "MarginProof#5", "MarginProof#7", "VenueSlot#3", "HoldingExposure#6", "BoundedRange#2", "OneHot#3", "SignedRange#1"]) {
      expect(ids, id).to.include(id);
    }
    expect(new Set(ids).size).to.equal(ids.length);
    for (const c of checks) expect(c.end, checkId(c)).to.be.greaterThan(c.start + 1);
  });

  it("should end a check's block at the next paragraph, not at the end of the template", function () {
    const src = [
      "template T() {",
      "    signal input a;",
      "    // Check (1): a is a bit.",
      "    a * (a - 1) === 0;",
      "    // (2) not a numbered check",
      "    signal b <== a * a;",
      "}",
    ].join("\n");
    const [c] = checksOf("x.circom", src);
    expect([c.start, c.end]).to.deep.equal([2, 4]);
    const m = mutate(src, c);
    expect(m.source).to.contain("// [mutant]     a * (a - 1) === 0;");
    expect(m.source).to.contain("signal b <== a * a;"); // outside the block: untouched
  });

  it("should remove equalities, unconstrain assignments and free a component's output that is read elsewhere", function () {
    const file = path.join(ROOT, "circuits", "MarginProof.circom");
    const src = readFileSync(file, "utf8");
    const c5 = findChecks().find((c) => checkId(c) === "MarginProof#5");
    const m5 = mutate(src, c5 as never);
    expect(m5.source).to.contain("// [mutant]     active[0] === 1;");
    expect(m5.source).to.match(/idGap\[v\] <-- active\[v\]/);
    const ie = findChecks().find((c) => checkId(c) === "AccountInclusion#2");
    const mi = mutate(readFileSync(path.join(ROOT, "circuits", "AccountInclusion.circom"), "utf8"), ie as never);
    // owner is read by Check (3): the hash still runs, owner is only assigned from it
    expect(mi.source).to.contain("signal owner__mut <== Poseidon(2)([traderSecret, salt]);");
    expect(mi.source).to.contain("owner <-- owner__mut;");
  });

  it("should delegate only to components with mutants of their own (circuits/ templates), never to circomlib's", function () {
    const src = [
      "template T(A, B) {",
      "    signal input x[A];",
      "    signal output bits[A][B];",
      "    // Check (1): each x[a] < 2^B.",
      "    for (var a = 0; a < A; a++) {",
      "        bits[a] <== Num2Bits(B)(x[a]);",
      "    }",
      "}",
    ].join("\n");
    const [c] = checksOf("x.circom", src);
    // Num2Bits has no checks of its own: the element is freed through a renamed copy, not delegated
    const free = mutate(src, c, undefined, new Set(["T"]));
    expect(free.edits.map((e) => e.action)).to.deep.equal(["unconstrained"]);
    expect(free.source).to.contain("    signal output bits[A][B];\n    signal bits__mut[A][B];");
    expect(free.source).to.contain("        bits__mut[a] <== Num2Bits(B)(x[a]);");
    expect(free.source).to.contain("for (var i0_0__mut = 0; i0_0__mut < B; i0_0__mut++) bits[a][i0_0__mut] <-- bits__mut[a][i0_0__mut];");
    // a template that is mutated on its own carries the check: kept, the mutant delegated
    const kept = mutate(src, c, undefined, new Set(["T", "Num2Bits"]));
    expect(kept.edits.map((e) => e.action)).to.deep.equal(["kept"]);
    expect(kept.source).to.equal(src);
    // the repository: the templates with checks are the circuits/ ones; RiskParamsHash Check (2) (circomlib's
    // Num2Bits) is now a mutant, MarginProof Check (4) (VenueSlot, mutated on its own) still delegated
    const mutated = mutatedTemplates();
    expect(mutated.has("VenueSlot") && mutated.has("SignedRange")).to.equal(true);
    expect(mutated.has("Num2Bits") || mutated.has("IsZero") || mutated.has("Poseidon")).to.equal(false);
    const rph = findChecks().find((x) => checkId(x) === "RiskParamsHash#2");
    const mr = mutate(readFileSync(path.join(ROOT, "circuits", "RiskParamsHash.circom"), "utf8"), rph as never);
    expect(mr.edits.map((e) => e.action)).to.deep.equal(["unconstrained"]);
    expect(mr.source).to.contain("residualColumnBits__mut[a] <== Num2Bits(CB)(offsetValue[COL + a]);");
    const mp = findChecks().find((x) => checkId(x) === "MarginProof#4");
    const mm = mutate(readFileSync(path.join(ROOT, "circuits", "MarginProof.circom"), "utf8"), mp as never);
    expect(mm.edits.map((e) => e.action)).to.deep.equal(["kept"]);
  });

  it("should make statement-level mutants: the active-slot prefix rule of MarginProof Check (5) alone", function () {
    const src = readFileSync(path.join(ROOT, "circuits", "MarginProof.circom"), "utf8");
    const c5 = findChecks().find((c) => checkId(c) === "MarginProof#5");
    const stmts = checkStatements(src, c5 as never);
    const i = stmts.findIndex(([a]) => src.split("\n")[a].includes("active[v] * (1 - active[v - 1]) === 0"));
    expect(i).to.be.at.least(0);
    const m = mutate(src, c5 as never, i);
    expect(m.edits.map((e) => e.action)).to.deep.equal(["removed"]);
    expect(m.source).to.contain("// [mutant]             active[v] * (1 - active[v - 1]) === 0;");
    expect(m.source).to.contain("    active[0] === 1;"); // the rest of the check is untouched
  });

  it("should make a mutant that really accepts what the check refused (BoundedRange#2 accepts HI + 1)", async function () {
    // compiled in a scratch copy of circuits/ so the real build is not touched
    const dir = path.join(ROOT, "build", "mutate-test");
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    cpSync(path.join(ROOT, "circuits", "lib"), path.join(dir, "lib"), { recursive: true });
    const check = findChecks().find((c) => checkId(c) === "BoundedRange#2");
    const lib = path.join(dir, "lib", "BoundedRange.circom");
    writeFileSync(lib, mutate(readFileSync(lib, "utf8"), check as never).source);
    const inst = unitInstance(path.relative(path.join(ROOT, "circuits"), path.join(dir, "lib", "BoundedRange")), "BoundedRange", { BITS: 20, LO: 0, HI: 1_000_000 });
    const c = await CompiledCircuit.load({ ...inst, name: "mutant_BoundedRange_2" });
    expect(await c.accepts({ in: "1000001" })).to.equal(true); // the mutant lost Check (2)
    expect(await c.accepts({ in: "-1" })).to.equal(false); // Check (1) still holds
  });

  it("should drop after a mutant exactly the builds compiled from its file during it (no mutant build reused later)", function () {
    // a build made while a file was mutated looks newer than the restored file (its old mtime): kept, a later mutant
    // would be tested against this one's circuit (as a bailing run did: every mutant after HoldingExposure#6 "killed")
    const dir = path.join(ROOT, "build", "mutate-test", `drop-${process.pid}`);
    rmSync(dir, { recursive: true, force: true });
    const file = (f: string, text: string) => {
      mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      writeFileSync(path.join(dir, f), text);
    };
    file("circuits/lib/X.circom", "template X() {}\n");
    file("circuits/Y.circom", 'include "lib/X.circom";\n');
    file("circuits/Z.circom", "template Z() {}\n");
    file("circuits/main/uses.circom", 'include "../Y.circom";\n');
    file("circuits/main/other.circom", 'include "../Z.circom";\n');
    file("circuits/main/before.circom", 'include "../Y.circom";\n');
    for (const n of ["uses", "other", "before"]) file(`build/${n}/${n}.r1cs`, "r1cs");
    const since = Date.now() - 1000;
    const old = new Date(since - 60_000);
    utimesSync(path.join(dir, "build/before/before.r1cs"), old, old); // compiled before the mutant: pristine
    try {
      expect(dropMutantBuilds(dir, "circuits/lib/X.circom", since)).to.deep.equal(["uses"]);
      expect(["uses", "other", "before"].map((n) => existsSync(path.join(dir, "build", n)))).to.deep.equal([false, true, true]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("should kill a mutant with the circuit test that covers it (sandboxed run)", async function () {
    const lines: string[] = [];
    const [r] = await runMutants({ only: ["OneHot#2"], tests: ["test/circuit/lib.test.ts"], mochaArgs: ["--grep", "OneHot"], log: (l) => lines.push(l) });
    expect(r.status, r.detail).to.equal("killed");
    expect(r.detail).to.match(/OneHot/);
    expect(lines.some((l) => /^KILLED\s+OneHot#2/.test(l))).to.equal(true);
  });
});
