/**
 * circom's .sym file: one line per signal, `symbolIndex,wireIndex,componentIndex,name`, wireIndex −1 for a signal the
 * optimiser removed. Gives every r1cs wire its signal names and every signal its component path.
 */
import { readFileSync } from "node:fs";

export interface SymbolTable {
  /** names of each wire (index = r1cs wire), empty for wire 0 (the constant 1) */
  wireNames: string[][];
  /** component path of each wire (from its first name) */
  wireComponent: string[];
}

/** The component path of a signal name: everything before the signal's own name (`main.h[0].out` → `main.h[0]`). */
export function componentOf(name: string): string {
  let depth = 0;
  for (let i = name.length - 1; i >= 0; i--) {
    const ch = name[i];
    if (ch === "]") depth++;
    else if (ch === "[") depth--;
    else if (ch === "." && depth === 0) return name.slice(0, i);
  }
  return "";
}

export function loadSym(file: string, nVars: number): SymbolTable {
  const wireNames: string[][] = Array.from({ length: nVars }, () => []);
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line.length === 0) continue;
    const first = line.indexOf(",");
    const second = line.indexOf(",", first + 1);
    const third = line.indexOf(",", second + 1);
    if (first < 0 || second < 0 || third < 0) throw new Error(`${file}: malformed line "${line}"`);
    const wire = Number(line.slice(first + 1, second));
    if (wire < 0) continue;
    if (wire >= nVars) throw new Error(`${file}: wire ${wire} out of range (the r1cs has ${nVars} wires)`);
    wireNames[wire].push(line.slice(third + 1));
  }
  return { wireNames, wireComponent: wireNames.map((n) => (n.length > 0 ? componentOf(n[0]) : "")) };
}
