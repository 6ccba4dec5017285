/**
 * Soundness scan: for a valid witness, change each wire in turn by a random non-zero delta and report every wire
 * whose change still satisfies ALL constraints. Such a wire is under-constrained: a prover may put another value
 * there and still produce a valid proof.
 *
 * Cost: the constraint values A·w, B·w, C·w are computed once; changing wire i by d changes only the constraints i
 * appears in, to (a + ca·d)(b + cb·d) − (c + cc·d), so the whole scan is O(total wire uses), not O(wires × constraints).
 *
 * Limits (said in docs/AUDIT.md): a single-wire scan on one witness. It does not find a freedom that needs two wires
 * to move together, nor one that exists only for other witness values; signals that appear in no constraint at all
 * are removed by circom --O2 before the r1cs exists and are caught by the --inspect check instead.
 */
import { randomBytes } from "node:crypto";
import { evaluate, failingConstraints, wireIndex, type R1cs, type WireUse } from "./r1cs.ts";
import type { SymbolTable } from "./sym.ts";

export interface FreeSignal {
  wire: number;
  names: string[];
  /** number of constraints the wire appears in (0: it is in the r1cs but in no constraint) */
  constraints: number;
  /** the allow-list entry's reason when the signal is free by design */
  allowed?: string;
}

export interface ScanResult {
  wires: number;
  constraints: number;
  /** every free wire, allowed or not */
  free: FreeSignal[];
  /** free wires that no allow-list entry explains: the scan fails when this is non-empty */
  unexplained: FreeSignal[];
  ms: number;
}

export interface FreeSignalAllowance {
  /** regular expression matched against each of the wire's signal names */
  pattern: string;
  reason: string;
}

function randomDelta(p: bigint): bigint {
  for (;;) {
    const d = BigInt(`0x${randomBytes(32).toString("hex")}`) % p;
    if (d !== 0n) return d;
  }
}

/** Does changing one wire by d keep every constraint it appears in satisfied? */
function stillSatisfied(uses: readonly WireUse[], a: bigint[], b: bigint[], c: bigint[], d: bigint, p: bigint): boolean {
  for (const u of uses) {
    const j = u.constraint;
    const na = a[j] + u.ca * d;
    const nb = b[j] + u.cb * d;
    const nc = c[j] + u.cc * d;
    if ((na * nb - nc) % p !== 0n) return false;
  }
  return true;
}

/**
 * Scan a satisfying witness. Throws, naming the first violated constraint, if the witness is not valid.
 * @param index wireIndex(r1cs), built once and reusable across witnesses
 */
export function scanWitness(
  r1cs: R1cs,
  witness: readonly bigint[],
  sym: SymbolTable,
  allow: readonly FreeSignalAllowance[] = [],
  index: WireUse[][] = wireIndex(r1cs),
): ScanResult {
  const t0 = performance.now();
  const bad = failingConstraints(r1cs, witness);
  if (bad.length > 0) throw new Error(`soundness scan: the witness violates ${bad.length} constraint(s), first #${bad[0]}`);
  if (witness[0] !== 1n) throw new Error("soundness scan: wire 0 of the witness is not 1");
  const p = r1cs.prime;
  const { a, b, c } = evaluate(r1cs, witness);
  const regexes = allow.map((x) => ({ re: new RegExp(x.pattern), reason: x.reason }));
  const free: FreeSignal[] = [];
  for (let wire = 1; wire < r1cs.nVars; wire++) {
    const uses = index[wire];
    // Two independent deltas: a constraint that one random delta satisfies by chance (probability ~2/p) is not free.
    if (!stillSatisfied(uses, a, b, c, randomDelta(p), p)) continue;
    if (!stillSatisfied(uses, a, b, c, randomDelta(p), p)) continue;
    const names = sym.wireNames[wire];
    const hit = regexes.find((r) => names.some((n) => r.re.test(n)));
    free.push({ wire, names, constraints: uses.length, ...(hit ? { allowed: hit.reason } : {}) });
  }
  return {
    wires: r1cs.nVars,
    constraints: r1cs.nConstraints,
    free,
    unexplained: free.filter((f) => f.allowed === undefined),
    ms: performance.now() - t0,
  };
}
