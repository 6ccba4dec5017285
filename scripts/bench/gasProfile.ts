/**
 * Where a transaction's gas goes: replays it with `debug_traceTransaction` (Hardhat's EDR, opcode-level struct logs)
 * and attributes every unit of gas to one category — the transaction's intrinsic cost (21,000 + calldata), each
 * precompile (pairing, ecMul, ecAdd, ecrecover), storage reads and writes per contract, events, keccak, the access and
 * call overhead of external calls, and the remaining EVM work (ABI decoding, memory, arithmetic, jumps) per contract.
 *
 * Attribution: a step's own cost is the gas left before it minus the gas left at the next step of the same call frame,
 * less whatever the frames it opened consumed (those are attributed step by step inside them). A call to a precompile
 * opens no frame, so its whole cost — the precompile's price, the access and the memory it expands — lands on the
 * call step, which is then filed under the precompile. The refund (an SSTORE back to a slot's original value) is
 * reported as a negative line, so the categories sum exactly to the receipt's gasUsed.
 */

import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

/** Names for contract addresses (lower-case hex) in the report. */
export type Labels = Record<string, string>;

/** Per labelled contract, the map from a program counter to the Solidity function its instruction comes from. */
export type FunctionMaps = Record<string, Map<number, string>>;

interface AstNode {
  nodeType?: string;
  name?: string;
  kind?: string;
  src?: string;
  nodes?: AstNode[];
  body?: AstNode;
  [k: string]: unknown;
}

/**
 * The pc → function map of a compiled contract, from Hardhat's build info (its deployed source map and the sources'
 * ASTs): each instruction is named by the innermost function (or modifier) whose source range holds the
 * instruction's range; instructions without a source range are the compiler's own (dispatch, ABI coding).
 */
export function functionMap(root: string, sourceName: string, contractName: string): Map<number, string> {
  const dir = path.join(root, "artifacts", "build-info");
  // the newest build first: older build infos of the same source stay in the directory
  const files = readdirSync(dir)
    .filter((x) => x.endsWith(".output.json"))
    .map((x) => ({ x, t: statSync(path.join(dir, x)).mtimeMs }))
    .sort((a, b) => b.t - a.t)
    .map((e) => e.x);
  for (const f of files) {
    const out = JSON.parse(readFileSync(path.join(dir, f), "utf8")) as {
      output: {
        contracts: Record<string, Record<string, { evm: { deployedBytecode: { object: string; sourceMap: string } } }>>;
        sources: Record<string, { id: number; ast: AstNode }>;
      };
    };
    const key = Object.keys(out.output.contracts).find((k) => k.endsWith(sourceName));
    const c = key ? out.output.contracts[key][contractName] : undefined;
    if (!c) continue;
    // every function's range, per file id
    const fns: { file: number; start: number; end: number; name: string }[] = [];
    for (const { id, ast } of Object.values(out.output.sources)) {
      const walk = (n: AstNode, owner: string) => {
        if (!n || typeof n !== "object") return;
        const here = n.nodeType === "ContractDefinition" ? String(n.name) : owner;
        if ((n.nodeType === "FunctionDefinition" || n.nodeType === "ModifierDefinition") && n.src) {
          const [st, len] = n.src.split(":").map(Number);
          const nm = n.name || String(n.kind);
          fns.push({ file: id, start: st, end: st + len, name: `${here}.${nm}` });
        }
        for (const v of Object.values(n)) {
          if (Array.isArray(v)) for (const x of v) walk(x as AstNode, here);
          else if (v && typeof v === "object") walk(v as AstNode, here);
        }
      };
      walk(ast, "");
    }
    const code = c.evm.deployedBytecode.object.replace(/^0x/, "");
    const entries = c.evm.deployedBytecode.sourceMap.split(";");
    const map = new Map<number, string>();
    let s = -1;
    let l = -1;
    let file = -1;
    let ix = 0;
    for (let pc = 0; pc < code.length / 2; ix++) {
      const e = entries[ix];
      if (e !== undefined && e !== "") {
        const parts = e.split(":");
        if (parts[0] !== undefined && parts[0] !== "") s = Number(parts[0]);
        if (parts[1] !== undefined && parts[1] !== "") l = Number(parts[1]);
        if (parts[2] !== undefined && parts[2] !== "") file = Number(parts[2]);
      }
      let best: { start: number; end: number; name: string } | undefined;
      if (file >= 0) {
        for (const fn of fns) {
          if (fn.file === file && fn.start <= s && s + l <= fn.end && (!best || fn.end - fn.start < best.end - best.start)) best = fn;
        }
      }
      map.set(pc, best ? best.name : "(compiler: dispatch, ABI coding)");
      const op = parseInt(code.slice(2 * pc, 2 * pc + 2), 16);
      pc += op >= 0x60 && op <= 0x7f ? op - 0x5e : 1;
    }
    return map;
  }
  throw new Error(`functionMap: no build info holds ${sourceName}:${contractName} (run npx hardhat build)`);
}

interface StructLog {
  pc: number;
  op: string;
  gas: number;
  gasCost: number;
  depth: number;
  stack?: string[];
}

interface Provider {
  send(method: string, params: unknown[]): Promise<unknown>;
  getTransaction(hash: string): Promise<{ data: string; to: string | null } | null>;
  getTransactionReceipt(hash: string): Promise<{ gasUsed: bigint } | null>;
}

const PRECOMPILES: Record<string, string> = {
  "0x1": "ecrecover (precompile 1)",
  "0x2": "sha256 (precompile 2)",
  "0x4": "identity (precompile 4)",
  "0x5": "modexp (precompile 5)",
  "0x6": "ecAdd (precompile 6)",
  "0x7": "ecMul (precompile 7)",
  "0x8": "pairing (precompile 8)",
};

const CALLS = new Set(["CALL", "STATICCALL", "DELEGATECALL", "CALLCODE"]);

/** One transaction's gas by category: the entries sum to gasUsed. */
export interface GasProfile {
  gasUsed: bigint;
  lines: Map<string, number>;
  /** gas by contract and Solidity function (every step of a contract with a function map, precompiles included) */
  functions: Map<string, number>;
  /** precompile calls by name */
  counts: Map<string, number>;
}

function hexAddress(word: string): string {
  const v = BigInt(word.startsWith("0x") ? word : `0x${word}`) & ((1n << 160n) - 1n);
  return `0x${v.toString(16)}`;
}

function short(addr: string): string {
  return `0x${addr.replace(/^0x/, "").padStart(40, "0")}`;
}

/** The profile of a mined transaction. */
export async function profileTransaction(provider: Provider, hash: string, labels: Labels, fnMaps: FunctionMaps = {}): Promise<GasProfile> {
  const tx = await provider.getTransaction(hash);
  const receipt = await provider.getTransactionReceipt(hash);
  if (!tx || !receipt || !tx.to) throw new Error(`profileTransaction: ${hash} is not a mined call`);
  const trace = (await provider.send("debug_traceTransaction", [hash, { disableMemory: true, disableStorage: true }])) as {
    structLogs: StructLog[];
    gas: number;
  };
  const logs = trace.structLogs;
  const name = (addr: string) => labels[short(addr).toLowerCase()] ?? short(addr);
  const lines = new Map<string, number>();
  const counts = new Map<string, number>();
  const functions = new Map<string, number>();
  const add = (k: string, g: number) => lines.set(k, (lines.get(k) ?? 0) + g);

  // calldata and the base: the intrinsic cost
  const data = tx.data.replace(/^0x/, "");
  let zeros = 0;
  for (let i = 0; i < data.length; i += 2) if (data.slice(i, i + 2) === "00") zeros++;
  const nonzeros = data.length / 2 - zeros;
  add("transaction base", 21_000);
  add("calldata", 4 * zeros + 16 * nonzeros);

  // frames: the address executing at each depth
  const frames: string[] = [short(tx.to).toLowerCase()];
  // the gas consumed inside child frames of the step that opened them, to subtract from that step
  const nextSameDepth = new Array<number>(logs.length).fill(-1);
  {
    const open: number[] = []; // index of the last step seen at each depth
    for (let i = 0; i < logs.length; i++) {
      const d = logs[i].depth;
      while (open.length > d) open.pop();
      if (open.length === d && open[d - 1] !== undefined) nextSameDepth[open[d - 1]] = i;
      open[d - 1] = i;
      open.length = d;
    }
  }
  let executed = 0;
  for (let i = 0; i < logs.length; i++) {
    const s = logs[i];
    while (frames.length > s.depth) frames.pop();
    const here = name(frames[s.depth - 1] ?? "?");
    let own: number;
    const j = nextSameDepth[i];
    if (j >= 0) {
      // gas left before this step minus gas left at the next step of this frame, less what child frames used
      let child = 0;
      if (i + 1 < logs.length && logs[i + 1].depth === s.depth + 1) {
        child = logs[i + 1].gas - (j >= 0 ? lastGasInFrame(logs, i + 1, j) : 0);
      }
      own = s.gas - logs[j].gas - child;
    } else {
      own = s.gasCost; // the frame's last step (RETURN, STOP, REVERT...)
    }
    executed += own;
    const fm = fnMaps[here];
    if (fm) {
      const fk = `${here}: ${fm.get(s.pc) ?? "?"}`;
      functions.set(fk, (functions.get(fk) ?? 0) + own);
    }
    if (CALLS.has(s.op) && s.stack && s.stack.length >= 2) {
      const target = hexAddress(s.stack[s.stack.length - 2]);
      const pre = PRECOMPILES[target];
      if (pre) {
        add(pre, own);
        counts.set(pre, (counts.get(pre) ?? 0) + 1);
        continue;
      }
      if (i + 1 < logs.length && logs[i + 1].depth === s.depth + 1) frames.push(short(target).toLowerCase());
      add(`call overhead (account access, args): ${here} → ${name(target)}`, own);
      continue;
    }
    if (s.op === "SLOAD") add(`SLOAD in ${here}`, own);
    else if (s.op === "SSTORE") add(`SSTORE in ${here}`, own);
    else if (s.op.startsWith("LOG")) add(`events (${here})`, own);
    else if (s.op === "KECCAK256" || s.op === "SHA3") add(`keccak (${here})`, own);
    else add(`other EVM work in ${here} (ABI, memory, arithmetic, jumps)`, own);
  }
  const used = Number(receipt.gasUsed);
  const refund = 21_000 + 4 * zeros + 16 * nonzeros + executed - used;
  if (refund !== 0) add("SSTORE refund", -refund);
  return { gasUsed: receipt.gasUsed, lines, functions, counts };
}

/** The gas left at the end of a child frame opened at `start` and returned from before `resume`. */
function lastGasInFrame(logs: StructLog[], start: number, resume: number): number {
  const d = logs[start].depth;
  // the child's last step at its own depth, and what that step itself cost
  for (let k = resume - 1; k >= start; k--) {
    if (logs[k].depth === d) return logs[k].gas - logs[k].gasCost;
  }
  return logs[start].gas;
}

/** Merge lines by a key function (e.g. to group per-contract work), keeping the order of first appearance. */
export function groupLines(p: GasProfile, key: (line: string) => string): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, g] of p.lines) out.set(key(k), (out.get(key(k)) ?? 0) + g);
  return out;
}
