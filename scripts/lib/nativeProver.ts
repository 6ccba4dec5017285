/**
 * The native Groth16 prover (prover/native/groth16.cpp over iden3's ffiasm, an npm package): built once per source
 * and toolchain into build/native/groth16-<stamp>/, copied into each instance's build folder, and accepted for an
 * instance only if its proofs of the instance's sample inputs verify with snarkjs against the instance's verification
 * key. Without the toolchain (g++ with OpenMP, nasm, GMP), off x86-64 Linux or with ZKMARGIN_NATIVE_PROVER=0 the
 * pipeline records why and Node proves with snarkjs.
 *
 * ffiasm's buildzqfield generates the bn128 base and scalar fields (fq, fr: x86-64 assembly for nasm plus C++); its
 * c/ folder has the curve, multiexp, FFT and the zkey/wtns readers the prover uses.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { FIELD } from "../../prover/hash.ts";
import { ROOT } from "./instances.ts";
import { toolchainId } from "./witnessCpp.ts";

const require = createRequire(import.meta.url);

/** The sources of the prover, in prover/native/. */
export const NATIVE_SOURCES = ["groth16.cpp", "thread_utils.hpp"].map((f) => path.join(ROOT, "prover", "native", f));
/** ffiasm's C++ files the prover links (the rest of its c/ folder is included by these headers or unused). */
const FFIASM_UNITS = ["alt_bn128.cpp", "binfile_utils.cpp", "zkey_utils.cpp", "wtns_utils.cpp", "misc.cpp", "naf.cpp", "splitparstr.cpp"];
/**
 * g++ flags. -O3: the field code is assembly, but multiexp and FFT are C++ templates; -fopenmp: both cores;
 * `-include stdexcept`: ffiasm 0.1.5's headers use std::invalid_argument without including it.
 */
export const NATIVE_CFLAGS = ["-std=c++17", "-O3", "-fopenmp", "-include", "stdexcept"];

const BN128_Q = "21888242871839275222246405745257275088696311157297823662689037894645226208583";
const BN128_R = FIELD.toString();

function ffiasmDir(): string | undefined {
  try {
    return path.dirname(require.resolve("ffiasm/package.json"));
  } catch {
    return undefined;
  }
}

/** Why the native prover cannot be built here, or undefined when it can. */
export function nativeToolchainMissing(): string | undefined {
  if (process.platform !== "linux" || process.arch !== "x64") return `platform ${process.platform}-${process.arch} (ffiasm's field code is x86-64 assembly)`;
  if (ffiasmDir() === undefined) return "the ffiasm package is not installed (npm install)";
  const missing: string[] = [];
  for (const [cmd, args] of [["g++", ["--version"]], ["nasm", ["-v"]]] as const) {
    const r = spawnSync(cmd, args, { encoding: "utf8" });
    if (r.error || r.status !== 0) missing.push(cmd);
  }
  if (missing.length === 0) {
    const r = spawnSync("g++", ["-x", "c++", "-fopenmp", "-fsyntax-only", "-"], { input: "#include <gmp.h>\n#include <omp.h>\n", encoding: "utf8" });
    if (r.status !== 0) missing.push("GMP or OpenMP headers (Debian: libgmp-dev; g++ ships libgomp)");
  }
  return missing.length > 0 ? `missing ${missing.join(", ")}` : undefined;
}

/** Stamp of the binary: its sources, ffiasm's version and the units linked, the flags and the toolchain. */
export function nativeStamp(): string {
  const h = createHash("sha256");
  for (const f of NATIVE_SOURCES) h.update(`${path.basename(f)}\0`).update(readFileSync(f)).update("\0");
  const dir = ffiasmDir();
  const version = dir ? (JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { version: string }).version : "none";
  h.update(JSON.stringify({ ffiasm: version, units: FFIASM_UNITS, cflags: NATIVE_CFLAGS, toolchain: toolchainId() }));
  return h.digest("hex");
}

function run(cmd: string, args: string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.error || r.status !== 0) {
    const tail = `${r.stdout ?? ""}${r.stderr ?? ""}${r.error?.message ?? ""}`.trim().split("\n").filter((l) => !/warning|note:|^\s/.test(l)).slice(-12).join("\n");
    throw new Error(`${cmd} ${args.slice(0, 3).join(" ")} … failed in ${path.relative(ROOT, cwd)}:\n${tail}`);
  }
}

/**
 * The native prover binary for the current sources and toolchain: build/native/groth16-<stamp16>/groth16, compiled
 * unless it is already there (about 15 s of CPU). Throws with the compiler's message when the build fails.
 */
export async function buildNativeBinary(say: (m: string) => void): Promise<{ binary: string; stamp: string; reused: boolean }> {
  const stamp = nativeStamp();
  const dir = path.join(ROOT, "build", "native", `groth16-${stamp.slice(0, 16)}`);
  const binary = path.join(dir, "groth16");
  const stampFile = path.join(dir, "stamp");
  if (existsSync(binary) && existsSync(stampFile) && readFileSync(stampFile, "utf8") === stamp) return { binary, stamp, reused: true };
  const ffi = ffiasmDir();
  if (ffi === undefined) throw new Error("the ffiasm package is not installed");
  const work = path.join(ROOT, "build", "native", `.work-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    say("buildzqfield (ffiasm): bn128 fields fq, fr");
    const buildField = require(path.join(ffi, "src", "buildzqfield.js")) as (q: string, name: string) => Promise<{ asm: string; cpp: string; hpp: string }>;
    for (const [q, name] of [[BN128_Q, "Fq"], [BN128_R, "Fr"]] as const) {
      const f = await buildField(q, name);
      const base = name.toLowerCase();
      writeFileSync(path.join(work, `${base}.asm`), f.asm);
      writeFileSync(path.join(work, `${base}.cpp`), f.cpp);
      writeFileSync(path.join(work, `${base}.hpp`), f.hpp);
      run("nasm", ["-felf64", `${base}.asm`, "-o", `${base}_asm.o`], work);
    }
    say(`g++ ${NATIVE_CFLAGS.join(" ")} prover/native/groth16.cpp + ffiasm ${FFIASM_UNITS.length} units`);
    const c = path.join(ffi, "c");
    run(
      "g++",
      [
        ...NATIVE_CFLAGS,
        `-I${work}`,
        `-I${c}`,
        `-I${path.join(ROOT, "prover", "native")}`,
        path.join(ROOT, "prover", "native", "groth16.cpp"),
        "fq.cpp",
        "fr.cpp",
        ...FFIASM_UNITS.map((u) => path.join(c, u)),
        "fq_asm.o",
        "fr_asm.o",
        "-lgmp",
        "-o",
        "groth16",
      ],
      work,
    );
    writeFileSync(path.join(work, "stamp"), stamp);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(path.dirname(dir), { recursive: true });
    renameSync(work, dir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { binary, stamp, reused: false };
}

/** Copy the binary into an instance's build folder (the manifest lists it there, so a copied folder carries it). */
export function installNativeBinary(binary: string, target: string): void {
  rmSync(target, { force: true });
  copyFileSync(binary, target);
  chmodSync(target, 0o755);
}
