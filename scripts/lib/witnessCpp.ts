/**
 * circom's C++ witness generator for an instance (circom2 `--c`): generated into build/<name>/<name>_cpp/, built with
 * the generated Makefile (g++, nasm, GMP, nlohmann-json), and accepted only if its witness is byte-identical to the
 * WASM witness on the instance's sample inputs. The pipeline falls back to WASM (and says why) when the toolchain is
 * missing or the platform is not x86-64 Linux (circom's fr.asm is x86-64 assembly).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
import path from "node:path";
import { artifactPaths, type Instance } from "./instances.ts";

/**
 * Compiler flags of the generated code. circom's Makefile says -O3: 180 s of CPU for the test instance's 33 MB source
 * (measured here), several times that for prod, and -O1 is no cheaper; -O0 takes 61 s and its witness costs 0.03 s of
 * CPU instead of 0.01 s for the test instance (the WASM witness: about 0.12 s), so -O0 keeps nearly all the gain at
 * a third of the build time.
 */
export const CPP_CFLAGS = "-std=c++11 -O0 -I.";

/** The C++ generator's paths: the generated sources' folder and the binary the Makefile builds there. */
export function cppPaths(name: string): { dir: string; source: string; binary: string; stamp: string } {
  const dir = path.join(artifactPaths(name).dir, `${name}_cpp`);
  return { dir, source: path.join(dir, `${name}.cpp`), binary: path.join(dir, name), stamp: path.join(dir, "build.stamp") };
}

/** Why the C++ witness generator cannot be built here, or undefined when it can. */
export function cppToolchainMissing(): string | undefined {
  if (process.platform !== "linux" || process.arch !== "x64") return `platform ${process.platform}-${process.arch} (circom's C++ field code is x86-64 Linux assembly)`;
  const missing: string[] = [];
  for (const [cmd, args] of [["g++", ["--version"]], ["make", ["--version"]], ["nasm", ["-v"]]] as const) {
    const r = spawnSync(cmd, args, { encoding: "utf8" });
    if (r.error || r.status !== 0) missing.push(cmd);
  }
  if (missing.length === 0) {
    // the headers the generated main.cpp and fr.cpp include
    const r = spawnSync("g++", ["-x", "c++", "-fsyntax-only", "-"], { input: "#include <gmp.h>\n#include <nlohmann/json.hpp>\n", encoding: "utf8" });
    if (r.status !== 0) missing.push("GMP or nlohmann-json headers (Debian: libgmp-dev, nlohmann-json3-dev)");
  }
  return missing.length > 0 ? `missing ${missing.join(", ")}` : undefined;
}

/** Identity of the toolchain (g++ and nasm versions), part of the binaries' stamps (also scripts/lib/nativeProver.ts). */
export function toolchainId(): string {
  const v = (cmd: string, args: string[]) => (spawnSync(cmd, args, { encoding: "utf8" }).stdout ?? "").split("\n")[0];
  return `${v("g++", ["--version"])} | ${v("nasm", ["-v"])}`;
}

/** Stamp of the binary: the generated sources (their own stamp is the compile stamp), the flags and the toolchain. */
export function cppStamp(compileStamp: string): string {
  return createHash("sha256").update(JSON.stringify({ compileStamp, cflags: CPP_CFLAGS, toolchain: toolchainId() })).digest("hex");
}

/** Build the binary with the generated Makefile (both cores). Throws with make's tail on failure. */
export function makeCpp(name: string): void {
  const { dir, binary } = cppPaths(name);
  rmSync(binary, { force: true });
  const res = spawnSync("make", ["-C", dir, "-j2", `CFLAGS=${CPP_CFLAGS}`, name], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (res.status !== 0 || !existsSync(binary)) {
    const tail = `${res.stdout ?? ""}${res.stderr ?? ""}`.trim().split("\n").slice(-15).join("\n");
    throw new Error(`make of the C++ witness generator of "${name}" failed:\n${tail}`);
  }
}

// The generator is run by the SDK's Node part (prover/node.ts), which the build reuses for its byte-for-byte check.
export { inputJson, runCpp } from "../../prover/node.ts";
import { runCpp } from "../../prover/node.ts";

/** Where the samples differ between the two generators (empty: byte-identical on every sample). */
export async function compareWitnesses(inst: Instance, binary: string, samples: { label: string; input: Record<string, unknown> }[]): Promise<string[]> {
  const { snark } = await import("./snark.ts");
  const wasm = artifactPaths(inst.name).wasm;
  const diffs: string[] = [];
  for (const s of samples) {
    const mem: { type: "mem"; data?: Uint8Array } = { type: "mem" };
    await snark.wtns.calculate(s.input as never, wasm, mem);
    const a = Buffer.from(mem.data ?? new Uint8Array());
    const b = Buffer.from(runCpp(binary, s.input));
    if (!a.equals(b)) diffs.push(`${s.label}: WASM witness ${a.length} bytes, C++ witness ${b.length} bytes, first difference at byte ${firstDiff(a, b)}`);
  }
  return diffs;
}

function firstDiff(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}
