/**
 * R1CS loading and evaluation for the audit: the r1cs is read once with r1csfile (coefficients as plain bigints in
 * normal form), each constraint is kept as three sparse linear combinations, and an index lists, for every wire,
 * the constraints it appears in with its three coefficients. A single-wire change is then checked against only the
 * constraints that wire touches, in O(1) field operations each (see scan.ts).
 */

/** A sparse linear combination: wires[i] has coefficient coeffs[i]. */
export interface LinearCombination {
  wires: Int32Array;
  coeffs: bigint[];
}

/** A · B − C = 0 */
export interface Constraint {
  a: LinearCombination;
  b: LinearCombination;
  c: LinearCombination;
}

export interface R1cs {
  prime: bigint;
  nVars: number;
  nOutputs: number;
  nPubInputs: number;
  nPrvInputs: number;
  nConstraints: number;
  constraints: Constraint[];
}

/** Where one wire appears: constraint number and its coefficient in A, B and C (0n when absent). */
export interface WireUse {
  constraint: number;
  ca: bigint;
  cb: bigint;
  cc: bigint;
}

interface R1csFileModule {
  readR1cs(
    fileName: string,
    options: { loadConstraints: boolean; loadMap: boolean; loadCustomGates: boolean; getFieldFromPrime: (p: bigint) => unknown },
  ): Promise<{
    prime: bigint;
    nVars: number;
    nOutputs: number;
    nPubInputs: number;
    nPrvInputs: number;
    nConstraints: number;
    useCustomGates: boolean;
    constraints: [Record<string, bigint>, Record<string, bigint>, Record<string, bigint>][];
  }>;
}

function toLc(m: Record<string, bigint>): LinearCombination {
  const keys = Object.keys(m);
  const wires = new Int32Array(keys.length);
  const coeffs: bigint[] = new Array<bigint>(keys.length);
  keys.forEach((k, i) => {
    wires[i] = Number(k);
    coeffs[i] = BigInt(m[k]);
  });
  return { wires, coeffs };
}

/** Load an .r1cs file (no curve workers are started: the field is a plain F1Field). */
export async function loadR1cs(file: string): Promise<R1cs> {
  const mod = (await import("r1csfile" as string)) as R1csFileModule;
  const { F1Field } = (await import("ffjavascript" as string)) as { F1Field: new (p: bigint) => unknown };
  const raw = await mod.readR1cs(file, {
    loadConstraints: true,
    loadMap: false,
    loadCustomGates: false,
    getFieldFromPrime: (p: bigint) => new F1Field(p),
  });
  if (raw.useCustomGates) throw new Error(`${file}: custom gates are not supported by the audit`);
  return {
    prime: BigInt(raw.prime),
    nVars: raw.nVars,
    nOutputs: raw.nOutputs,
    nPubInputs: raw.nPubInputs,
    nPrvInputs: raw.nPrvInputs,
    nConstraints: raw.nConstraints,
    constraints: raw.constraints.map(([a, b, c]) => ({ a: toLc(a), b: toLc(b), c: toLc(c) })),
  };
}

const mod = (x: bigint, p: bigint): bigint => {
  const r = x % p;
  return r < 0n ? r + p : r;
};

/** Value of a linear combination on a witness, reduced mod p. */
export function evalLc(lc: LinearCombination, w: readonly bigint[], p: bigint): bigint {
  let acc = 0n;
  for (let i = 0; i < lc.wires.length; i++) acc += lc.coeffs[i] * w[lc.wires[i]];
  return mod(acc, p);
}

/** The values of A, B and C of every constraint on a witness. */
export interface Evaluation {
  a: bigint[];
  b: bigint[];
  c: bigint[];
}

export function evaluate(r1cs: R1cs, w: readonly bigint[]): Evaluation {
  if (w.length !== r1cs.nVars) throw new Error(`witness has ${w.length} wires, the r1cs has ${r1cs.nVars}`);
  const p = r1cs.prime;
  const a: bigint[] = [];
  const b: bigint[] = [];
  const c: bigint[] = [];
  for (const k of r1cs.constraints) {
    a.push(evalLc(k.a, w, p));
    b.push(evalLc(k.b, w, p));
    c.push(evalLc(k.c, w, p));
  }
  return { a, b, c };
}

/** Indices of the constraints that a witness violates (empty: the witness satisfies the r1cs). */
export function failingConstraints(r1cs: R1cs, w: readonly bigint[]): number[] {
  const p = r1cs.prime;
  const e = evaluate(r1cs, w);
  const bad: number[] = [];
  for (let j = 0; j < r1cs.nConstraints; j++) if (mod(e.a[j] * e.b[j] - e.c[j], p) !== 0n) bad.push(j);
  return bad;
}

/** For every wire, the constraints it appears in (wire 0 is the constant 1). */
export function wireIndex(r1cs: R1cs): WireUse[][] {
  const uses: WireUse[][] = Array.from({ length: r1cs.nVars }, () => []);
  r1cs.constraints.forEach((k, j) => {
    const local = new Map<number, WireUse>();
    const at = (wire: number): WireUse => {
      let u = local.get(wire);
      if (!u) {
        u = { constraint: j, ca: 0n, cb: 0n, cc: 0n };
        local.set(wire, u);
      }
      return u;
    };
    k.a.wires.forEach((wire, i) => (at(wire).ca += k.a.coeffs[i]));
    k.b.wires.forEach((wire, i) => (at(wire).cb += k.b.coeffs[i]));
    k.c.wires.forEach((wire, i) => (at(wire).cc += k.c.coeffs[i]));
    for (const [wire, u] of local) uses[wire].push(u);
  });
  return uses;
}
