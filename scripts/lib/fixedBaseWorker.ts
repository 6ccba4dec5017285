/**
 * Worker of scripts/lib/fixedBase.ts: many scalars times one fixed generator of BN254 G1 or G2, inside the bn128
 * WebAssembly module of ffjavascript/wasmcurves (the code snarkjs itself runs; the parent sends its bytes, because
 * importing ffjavascript here would make its web-worker dependency take this thread for one of its own), called
 * export by export on this worker's own memory, so that a point costs a few dozen mixed additions instead of a
 * double-and-add.
 *
 * Method: a windowed fixed-base table T[w][d] = d·2^(c·w)·g (d = 1 … 2^c − 1, affine, Montgomery), so that
 * s·g = Σ_w T[w][digit_w(s)]; then one batch inversion per chunk (the module's _batchToAffine) and, on request, the
 * module's own LEM → compressed / uncompressed conversions (the forms the ptau hashes are taken over).
 * Output points are affine, Montgomery, little-endian ("LEM"), byte-identical to what snarkjs writes.
 */
import { parentPort } from "node:worker_threads";

export type Group = "G1" | "G2";

export type FixedBaseRequest =
  | { cmd: "init"; windowBits: number; code: Uint8Array; pG1gen: number; pG2gen: number }
  /** points first·inc^k·g for k = 0 … n − 1 (first, inc: Fr in Montgomery form, 32 bytes LE) */
  | { cmd: "powers"; id: number; group: Group; first: Uint8Array; inc: Uint8Array; n: number; forms: Form[] }
  /** points s_k·g for n scalars (Fr in Montgomery form, 32 bytes LE each) */
  | { cmd: "scalars"; id: number; group: Group; scalars: Uint8Array; forms: Form[] };
export type Form = "lem" | "c" | "u";
export type FixedBaseReply = { id: number; out: Partial<Record<Form, Uint8Array>> } | { id: -1; ready: true } | { id: number; error: string };

interface Exports {
  [name: string]: (...args: number[]) => number;
}

const FR_BYTES = 32;
const CHUNK = 4096;

let ex: Exports;
let memory: WebAssembly.Memory;
let u8: Uint8Array;
let u32: Uint32Array;

/** One group's table and scratch space inside the worker's memory. */
interface GroupState {
  prefix: "g1m" | "g2m";
  n8: number;
  windowBits: number;
  nWindows: number;
  pTable: number;
  pJac: number;
  pAff: number;
  pConv: number;
}
const groups: Partial<Record<Group, GroupState>> = {};
let pScalars = 0;
let pStd = 0;
let pTmp = 0;

function views(): void {
  u8 = new Uint8Array(memory.buffer);
  u32 = new Uint32Array(memory.buffer);
}

/**
 * Bytes kept free above the free pointer: _batchToAffine and the _batchInverse it calls put their working space
 * there (two field elements a point).
 */
let scratch = 2 * (CHUNK + 1) * 64 + 65536;

/** Reserve `bytes` above the module's free pointer (u32[0]), growing the memory; returns the address. */
function alloc(bytes: number): number {
  const p = u32[0];
  const end = p + ((bytes + 7) & ~7);
  const need = Math.ceil((end + scratch) / 65536) - memory.buffer.byteLength / 65536;
  if (need > 0) {
    memory.grow(need);
    views();
  }
  u32[0] = end;
  return p;
}

async function init(bits: number, tm: { code: Uint8Array; pG1gen: number; pG2gen: number }): Promise<void> {
  memory = new WebAssembly.Memory({ initial: 32 });
  const instance = await WebAssembly.instantiate(await WebAssembly.compile(tm.code as Uint8Array<ArrayBuffer>), { env: { memory } });
  ex = instance.exports as unknown as Exports;
  views();
  pScalars = alloc(CHUNK * FR_BYTES);
  pStd = alloc(CHUNK * FR_BYTES);
  pTmp = alloc(2 * FR_BYTES);
  scratch = 2 * (Math.max(CHUNK, (1 << bits) - 1) + 1) * 64 + 65536;
  for (const group of ["G1", "G2"] as const) groups[group] = buildTable(group, group === "G1" ? tm.pG1gen : tm.pG2gen, bits);
}

/** T[w][d] for d = 1 … 2^c − 1: running sums of the window's base b_w = 2^(c·w)·g, then one batch inversion each. */
function buildTable(group: Group, pGen: number, bits: number): GroupState {
  const prefix = group === "G1" ? "g1m" : "g2m";
  const n8 = group === "G1" ? 32 : 64;
  const nWindows = Math.ceil(254 / bits);
  const perWindow = (1 << bits) - 1;
  const sJac = n8 * 3;
  const sAff = n8 * 2;
  const st: GroupState = {
    prefix,
    n8,
    windowBits: bits,
    nWindows,
    pTable: alloc(nWindows * perWindow * sAff),
    pJac: alloc(Math.max(CHUNK, perWindow) * sJac),
    pAff: alloc(CHUNK * sAff),
    pConv: alloc(CHUNK * sAff),
  };
  const pAcc = alloc(sJac);
  ex[`${prefix}_copy`](pGen, pAcc);
  for (let w = 0; w < nWindows; w++) {
    ex[`${prefix}_copy`](pAcc, st.pJac);
    for (let d = 1; d < perWindow; d++) ex[`${prefix}_add`](st.pJac + (d - 1) * sJac, pAcc, st.pJac + d * sJac);
    ex[`${prefix}_batchToAffine`](st.pJac, perWindow, st.pTable + w * perWindow * sAff);
    for (let k = 0; k < bits; k++) ex[`${prefix}_double`](pAcc, pAcc);
  }
  return st;
}

/** Multiply the n standard-form scalars at pStd by g into jacobian points at st.pJac. */
function multiplyChunk(st: GroupState, n: number): void {
  const sJac = st.n8 * 3;
  const sAff = st.n8 * 2;
  const bits = st.windowBits;
  const perWindow = (1 << bits) - 1;
  const mask = perWindow;
  const zero = ex[`${st.prefix}_zero`];
  const addMixed = ex[`${st.prefix}_addMixed`];
  for (let i = 0; i < n; i++) {
    const out = st.pJac + i * sJac;
    zero(out);
    const s = pStd + i * FR_BYTES;
    for (let w = 0; w < st.nWindows; w++) {
      // digit w: bits [c·w, c·w + c) of the little-endian scalar (c ≤ 16, so three bytes hold it)
      const bit = w * bits;
      const byte = bit >>> 3;
      const v = u8[s + byte] | (byte + 1 < FR_BYTES ? u8[s + byte + 1] << 8 : 0) | (byte + 2 < FR_BYTES ? u8[s + byte + 2] << 16 : 0);
      const d = (v >>> (bit & 7)) & mask;
      if (d !== 0) addMixed(out, st.pTable + (w * perWindow + d - 1) * sAff, out);
    }
  }
}

function finish(st: GroupState, n: number, forms: Form[]): Partial<Record<Form, Uint8Array>> {
  const sAff = st.n8 * 2;
  ex[`${st.prefix}_batchToAffine`](st.pJac, n, st.pAff);
  const out: Partial<Record<Form, Uint8Array>> = {};
  for (const f of forms) {
    if (f === "lem") out.lem = u8.slice(st.pAff, st.pAff + n * sAff);
    else if (f === "u") {
      ex[`${st.prefix}_batchLEMtoU`](st.pAff, n, st.pConv);
      out.u = u8.slice(st.pConv, st.pConv + n * sAff);
    } else {
      ex[`${st.prefix}_batchLEMtoC`](st.pAff, n, st.pConv);
      out.c = u8.slice(st.pConv, st.pConv + n * st.n8);
    }
  }
  return out;
}

function concat(parts: Partial<Record<Form, Uint8Array>>[], forms: Form[]): Partial<Record<Form, Uint8Array>> {
  const out: Partial<Record<Form, Uint8Array>> = {};
  for (const f of forms) {
    const bufs = parts.map((p) => p[f] as Uint8Array);
    const all = new Uint8Array(bufs.reduce((a, b) => a + b.length, 0));
    let o = 0;
    for (const b of bufs) {
      all.set(b, o);
      o += b.length;
    }
    out[f] = all;
  }
  return out;
}

function powers(st: GroupState, first: Uint8Array, inc: Uint8Array, n: number, forms: Form[]): Partial<Record<Form, Uint8Array>> {
  const pCur = pTmp;
  const pInc = pTmp + FR_BYTES;
  u8.set(first, pCur);
  u8.set(inc, pInc);
  const parts: Partial<Record<Form, Uint8Array>>[] = [];
  for (let i = 0; i < n; i += CHUNK) {
    const m = Math.min(CHUNK, n - i);
    for (let k = 0; k < m; k++) {
      ex.frm_fromMontgomery(pCur, pStd + k * FR_BYTES);
      ex.frm_mul(pCur, pInc, pCur);
    }
    multiplyChunk(st, m);
    parts.push(finish(st, m, forms));
  }
  return concat(parts, forms);
}

function scalars(st: GroupState, all: Uint8Array, forms: Form[]): Partial<Record<Form, Uint8Array>> {
  const n = all.length / FR_BYTES;
  const parts: Partial<Record<Form, Uint8Array>>[] = [];
  for (let i = 0; i < n; i += CHUNK) {
    const m = Math.min(CHUNK, n - i);
    u8.set(all.subarray(i * FR_BYTES, (i + m) * FR_BYTES), pScalars);
    for (let k = 0; k < m; k++) ex.frm_fromMontgomery(pScalars + k * FR_BYTES, pStd + k * FR_BYTES);
    multiplyChunk(st, m);
    parts.push(finish(st, m, forms));
  }
  return concat(parts, forms);
}

const port = parentPort;
if (port) {
  port.on("message", (msg: FixedBaseRequest) => {
    void (async () => {
      try {
        if (msg.cmd === "init") {
          await init(msg.windowBits, msg);
          port.postMessage({ id: -1, ready: true } satisfies FixedBaseReply);
          return;
        }
        const st = groups[msg.group];
        if (!st) throw new Error("fixed-base worker used before init");
        const out = msg.cmd === "powers" ? powers(st, msg.first, msg.inc, msg.n, msg.forms) : scalars(st, msg.scalars, msg.forms);
        const transfer = Object.values(out).map((b) => (b as Uint8Array).buffer as ArrayBuffer);
        port.postMessage({ id: msg.id, out } satisfies FixedBaseReply, transfer);
      } catch (e) {
        port.postMessage({ id: "id" in msg ? msg.id : -1, error: (e as Error).stack ?? String(e) } satisfies FixedBaseReply);
      }
    })();
  });
}
