/**
 * Real witnesses for circuit tests: compiles an instance when its sources are newer than its r1cs, computes
 * witnesses with the instance's own WASM (circom_runtime, the calculator snarkjs uses), and checks them against the
 * compiled R1CS (every constraint A·B = C over the BN254 scalar field). No keys or ptau are needed.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { WitnessCalculatorBuilder, type WitnessCalculator } from "circom_runtime";
import { readR1cs } from "r1csfile";
import { compileInstance } from "../../scripts/lib/compile.ts";
import { ROOT, artifactPaths, getInstance, type Instance } from "../../scripts/lib/instances.ts";
import { FIELD } from "../../prover/hash.ts";

type LinearCombination = [number, bigint][];
type Constraint = [LinearCombination, LinearCombination, LinearCombination];


/** Newest mtime of a circuit file and every circuits/ file it includes, transitively (circomlib never changes). */
function newestSource(file: string, seen = new Set<string>()): number {
  if (seen.has(file) || !existsSync(file)) return 0;
  seen.add(file);
  let newest = statSync(file).mtimeMs;
  for (const m of readFileSync(file, "utf8").matchAll(/^\s*include\s+"([^"]+)"/gm)) {
    newest = Math.max(newest, newestSource(path.resolve(path.dirname(file), m[1]), seen));
  }
  return newest;
}

/** Compile the instance into build/<name>/ unless its r1cs and wasm are newer than every circuit source. */
export function ensureCompiled(instance: string | Instance): { compiled: boolean } {
  const inst = typeof instance === "string" ? getInstance(instance) : instance;
  const p = artifactPaths(inst.name);
  const sources = Math.max(newestSource(path.join(ROOT, "circuits", `${inst.file}.circom`)), statSync(path.join(ROOT, "circuits", "circuits.json")).mtimeMs);
  const fresh = existsSync(p.r1cs) && existsSync(p.wasm) && existsSync(p.sym) && statSync(p.r1cs).mtimeMs >= sources;
  if (fresh) return { compiled: false };
  compileInstance(inst);
  return { compiled: true };
}

/**
 * A single template as its own instance (e.g. SignedRange(64) with `in` public), for bound tests of the library
 * templates and per-template constraint counts. Built under build/unit_<template>_<params>/.
 */
export function unitInstance(file: string, template: string, params: Record<string, number>, pubs: string[] = []): Instance {
  const name = `unit_${template}_${Object.values(params).join("_").replaceAll("-", "m")}`;
  return { name, file, template, params, pubs, ptauPower: 8 };
}

/** A compiled instance: witness calculation, R1CS check and signal lookup by name. */
export class CompiledCircuit {
  private constructor(
    readonly name: string,
    private readonly calculator: WitnessCalculator,
    readonly constraints: Constraint[],
    readonly nPublic: number,
    readonly nVars: number,
    /** signal name (e.g. "main.venueRoots[0]") → witness index, −1 when --O2 eliminated it */
    readonly signals: Map<string, number>,
  ) {}

  static async load(instance: string | Instance): Promise<CompiledCircuit> {
    ensureCompiled(instance);
    const name = typeof instance === "string" ? instance : instance.name;
    const p = artifactPaths(name);
    const calculator = await WitnessCalculatorBuilder(readFileSync(p.wasm));
    const r1cs = await readR1cs(p.r1cs, { loadConstraints: true, loadMap: false, singleThread: true });
    const toLc = (lc: Record<string, unknown>): LinearCombination => Object.entries(lc).map(([k, v]) => [Number(k), r1cs.F.toObject(v)]);
    const constraints = r1cs.constraints.map((c) => [toLc(c[0]), toLc(c[1]), toLc(c[2])] as Constraint);
    await r1cs.curve.terminate();
    const signals = new Map<string, number>();
    for (const line of readFileSync(p.sym, "utf8").split("\n")) {
      if (!line) continue;
      const [, varIdx, , ...rest] = line.split(",");
      signals.set(rest.join(","), Number(varIdx));
    }
    return new CompiledCircuit(name, calculator, constraints, r1cs.nPubInputs + r1cs.nOutputs, r1cs.nVars, signals);
  }

  get nConstraints(): number {
    return this.constraints.length;
  }

  /** The full witness; throws (circom's "Assert Failed" with the template and line) when a constraint fails. */
  async witness(input: Record<string, unknown>): Promise<bigint[]> {
    // circom_runtime prints every failed assert with console.error/console.log before throwing; keep test output clean
    // (the thrown error carries the same message).
    const { error, log } = console;
    console.error = () => undefined;
    console.log = () => undefined;
    try {
      return await this.calculator.calculateWitness(input, true);
    } finally {
      console.error = error;
      console.log = log;
    }
  }

  /** Indices of the R1CS constraints the witness violates (empty = satisfied). */
  violated(witness: readonly bigint[]): number[] {
    if (witness.length < this.nVars) throw new Error(`witness has ${witness.length} values, the r1cs ${this.nVars} wires`);
    if (witness[0] !== 1n) return [-1];
    const evalLc = (lc: LinearCombination): bigint => {
      let acc = 0n;
      for (const [i, c] of lc) acc += c * witness[i];
      return acc % FIELD;
    };
    const bad: number[] = [];
    this.constraints.forEach(([a, b, c], i) => {
      if ((evalLc(a) * evalLc(b) - evalLc(c)) % FIELD !== 0n) bad.push(i);
    });
    return bad;
  }

  /** True iff the witness satisfies every R1CS constraint. */
  satisfies(witness: readonly bigint[]): boolean {
    return this.violated(witness).length === 0;
  }

  /** Witness computed and R1CS-checked: resolves to the witness, rejects on any failure. */
  async accept(input: Record<string, unknown>): Promise<bigint[]> {
    const w = await this.witness(input);
    const bad = this.violated(w);
    if (bad.length > 0) throw new Error(`witness violates ${bad.length} R1CS constraints (first: #${bad[0]})`);
    return w;
  }

  /** True iff a witness exists for the input and satisfies the R1CS. */
  async accepts(input: Record<string, unknown>): Promise<boolean> {
    try {
      await this.accept(input);
      return true;
    } catch {
      return false;
    }
  }

  /** The public signals of a witness, in the circuit's order (what snarkjs emits). */
  publicSignals(witness: readonly bigint[]): bigint[] {
    return witness.slice(1, 1 + this.nPublic);
  }

  /** Witness index of a signal by its full name ("main.margin.slack"); throws if unknown or eliminated. */
  index(name: string): number {
    const i = this.signals.get(name);
    if (i === undefined) throw new Error(`no signal "${name}" in ${this.name}.sym`);
    if (i < 0) throw new Error(`signal "${name}" was eliminated by --O2 (not in the witness)`);
    return i;
  }

  /**
   * A forged witness: a copy of `witness` with each named signal set to the given value (mod p), as an attacker
   * would write it. A name --O2 eliminated is skipped (its value is implied by the wires that remain, so the forgery
   * must set those); an unknown name throws (a typo would forge nothing).
   */
  forged(witness: readonly bigint[], values: Record<string, bigint>): bigint[] {
    const out = [...witness];
    for (const [name, v] of Object.entries(values)) {
      const i = this.signals.get(name);
      if (i === undefined) throw new Error(`no signal "${name}" in ${this.name}.sym`);
      if (i >= 0) out[i] = ((v % FIELD) + FIELD) % FIELD;
    }
    return out;
  }

  /** Names of surviving signals matching a pattern (for picking tamper targets). */
  find(pattern: RegExp): string[] {
    return [...this.signals].filter(([n, i]) => i >= 0 && pattern.test(n)).map(([n]) => n);
  }
}

const cache = new Map<string, Promise<CompiledCircuit>>();
/** The compiled instance (a name from circuits/circuits.json or a unitInstance), loaded once per process. */
export function loadCircuit(instance: string | Instance = "test"): Promise<CompiledCircuit> {
  const name = typeof instance === "string" ? instance : instance.name;
  let c = cache.get(name);
  if (!c) {
    c = CompiledCircuit.load(instance);
    cache.set(name, c);
  }
  return c;
}
