/**
 * The production path: the development ptau per power (direct computation vs snarkjs's ceremony), each build stage of
 * the instances, and per instance and witness generator: witness, first proof of a fresh process (cold), proofs of a
 * warm ProverSession, off-chain verification and peak memory (each generator in its own process,
 * scripts/bench/sessionChild.ts).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import path from "node:path";
import { sampleInputs } from "../../client/audit/samples.ts";
import { ROOT, artifactPaths } from "../lib/instances.ts";
import { readManifest } from "../lib/pipeline.ts";
import { inputJson } from "../lib/witnessCpp.ts";
import { mdTable, mib, ms, sec, thousands, type Section } from "./common.ts";

const OUT = path.join(ROOT, "build", "bench");

interface SessionResult {
  engine: string;
  prover: string;
  coldMs: number;
  coldWitnessMs: number;
  witnessMs: number[];
  warmMs: number[];
  warmProveMs: number[];
  verifyMs: number[];
  maxRssKiB: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function runSession(instance: string, engine: "cpp" | "wasm", prover: "snarkjs" | "native", input: Record<string, unknown>, runs: number): SessionResult {
  mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, `session-input-${instance}.json`);
  writeFileSync(file, inputJson(input));
  const res = spawnSync(path.join(ROOT, "node_modules", ".bin", "tsx"), [path.join(ROOT, "scripts", "bench", "sessionChild.ts"), instance, engine, file, String(runs), prover], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (res.status !== 0) throw new Error(`sessionChild ${instance} ${engine} ${prover} failed:\n${res.stderr}`);
  return JSON.parse(res.stdout.trim().split("\n").at(-1) ?? "") as SessionResult;
}

/** Seconds of the dev ptau per power, as measured by `scripts/bench/ptau.ts P --out` runs (build/bench/ptau-times.json). */
function ptauTimes(): { power: number; method: string; seconds: number; blake2b: string }[] {
  const f = path.join(OUT, "ptau-times.json");
  return existsSync(f) ? (JSON.parse(readFileSync(f, "utf8")) as { power: number; method: string; seconds: number; blake2b: string }[]) : [];
}

export const prodSection: Section = {
  id: "prod",
  title: "Production path: development ptau, build stages, witness (WASM, C++), prove (cold, warm), verify",
  async run(ctx) {
    const out: string[] = [];
    const load = () => loadavg().map((x) => x.toFixed(1)).join(" / ");
    const loadAtStart = load();

    const times = ptauTimes();
    out.push("### Development ptau (INSECURE, byte-identical to snarkjs's new + beacon + prepare phase2)", "");
    out.push(
      times.length === 0
        ? "No timing recorded: run `npx tsx scripts/bench/ptau.ts P --out FILE` (it appends to build/bench/ptau-times.json)."
        : mdTable(["power", "method", "time (s)", "blake2b-512 (first 16 hex)"], times.map((t) => [t.power, t.method, t.seconds.toFixed(1), t.blake2b.slice(0, 16)])),
    );
    out.push("", "`direct` = scripts/lib/devPtau.ts (known scalars times the generators, fixed-base on every core); `snarkjs` = `powersoftau new`, `beacon`, `prepare phase2`. Both give the same file (pinned in DEV_PTAU_BLAKE2B).", "");

    out.push("### Build stages (seconds, from each instance's manifest)", "");
    const stageKeys = ["compile", "ptau", "zkeyNew", "contribute", "beacon", "zkeyVerify", "export", "witnessCpp", "nativeProver", "total"];
    const rows: (string | number)[][] = [];
    for (const name of ["test", "prod"]) {
      const m = readManifest(name);
      if (!m) continue;
      const secs: Record<string, number> = { ...m.seconds };
      if (secs.witnessCpp === undefined && m.witnessCpp?.built) secs.witnessCpp = m.witnessCpp.seconds; // built by a later, keys-intact build
      if (secs.nativeProver === undefined && m.nativeProver?.built) secs.nativeProver = m.nativeProver.seconds;
      rows.push([name, thousands(m.constraints), `2^${m.ptau.power}`, ...stageKeys.map((k) => (secs[k] !== undefined ? secs[k].toFixed(1) : "—"))]);
    }
    out.push(mdTable(["instance", "constraints", "ptau", ...stageKeys], rows));
    out.push("", "Stages of the last full build of each (`npx tsx scripts/build.ts test`, `npm run build:prod`): compile (circom --O2 --inspect, and --c when the C++ toolchain is there), ptau (lookup, or generation when not cached), zkey new / contribution / beacon / zkey verify (snarkjs), export (verification key, Solidity verifiers), witnessCpp (circom --c when needed, make, byte comparison with the WASM witness), nativeProver (g++ of the native prover unless built for another instance already, and a verified proof of each sample). A stage shown — was not run by that build (cached).", "");

    out.push("### Witness and proof on the production path", "");
    const prow: (string | number)[][] = [];
    for (const name of ctx.prod ? ["test", "prod"] : ["test"]) {
      const a = artifactPaths(name);
      const m = readManifest(name);
      if (!m || !existsSync(a.zkey)) {
        prow.push([name, "—", "—", "not built", "", "", "", "", ""]);
        continue;
      }
      const input = (await sampleInputs(name))[0].input;
      const combos: ["cpp" | "wasm", "snarkjs" | "native"][] = [["wasm", "snarkjs"]];
      if (m.witnessCpp?.built) combos.push(["cpp", "snarkjs"]);
      if (m.nativeProver?.built) combos.push([m.witnessCpp?.built ? "cpp" : "wasm", "native"]);
      for (const [engine, prover] of combos) {
        ctx.log(`prod: ${name} ${engine} ${prover}`);
        const r = runSession(name, engine, prover, input, 3);
        prow.push([name, engine, prover, ms(median(r.witnessMs)), sec(r.coldMs), sec(median(r.warmMs)), sec(median(r.warmProveMs)), ms(median(r.verifyMs)), mib(r.maxRssKiB * 1024)]);
      }
      if (!m.nativeProver?.built) prow.push([name, "—", "native", "not built", m.nativeProver && !m.nativeProver.built ? m.nativeProver.reason : "older manifest", "", "", "", ""]);
    }
    out.push(`Load average (1 / 5 / 15 min) of the 2-core machine at the start of these runs: ${loadAtStart}; at the end: ${load()}. The machine is shared: a load above 2 slows every figure of this table.`, "");
    out.push(mdTable(["instance", "witness generator", "prover", "witness (ms)", "cold: first proof of a process (s)", "warm: witness + prove (s)", "warm: prove only (s)", "verify off-chain (ms)", "peak RSS (MiB)"], prow));
    out.push(
      "",
      "Median of 3 warm runs, each generator in a fresh process (scripts/bench/sessionChild.ts). Cold = `ProverSession.open` (read the key, start snarkjs's curve and its worker threads) + the first witness and proof; warm = the next proofs of the same session. `cpp` = circom's C++ witness generator built by the pipeline (checked byte-identical to the WASM witness at build time); `wasm` = circom's WASM generator through circom_runtime. `snarkjs` = snarkjs's groth16 prover (WebAssembly, one worker per core); `native` = the project's C++ prover (prover/native/groth16.cpp over ffiasm, both cores through OpenMP), whose warm time includes snarkjs's verification of each proof before the SDK returns it (the verify column is a second, separate verification). Browser proving of prod: measured after the SDK's artifacts-in rework (generateProof taking { wasm, zkey } bytes), with the same input, in the browser page (test/browser).",
    );
    return out.join("\n");
  },
};
