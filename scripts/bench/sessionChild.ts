/**
 * One production-path proving benchmark in its own process (its peak memory is its own), printed as one JSON line:
 *   npx tsx scripts/bench/sessionChild.ts <instance> <cpp|wasm> <input.json> <runs> [snarkjs|native]
 * witness: `runs` witnesses with the chosen generator (the C++ one the build made, or the WASM: prover/witness.ts);
 * the proofs with the chosen Groth16 prover (snarkjs, the default, or the native one the build made);
 * cold: a fresh process's first proof through ProverSession (key read, curve and workers started, witness, prove);
 * warm: the next `runs` proofs in the same session; verify: snarkjs off-chain verification of each.
 */
import { readFileSync } from "node:fs";
import { localArtifacts } from "../lib/instances.ts";
import { snark, type VerificationKey } from "../lib/snark.ts";
import { ProverSession } from "../../prover/proverSession.ts";
import { wasmWitnessGenerator, type WitnessEngine } from "../../prover/witness.ts";
import type { ProverEngine } from "../../prover/artifacts.ts";

const [instance, engine, inputFile, runsArg, proverArg] = process.argv.slice(2) as [string, WitnessEngine, string, string, ProverEngine | undefined];
const runs = Number(runsArg ?? "3");
const prover: ProverEngine = proverArg ?? "snarkjs";
const input = JSON.parse(readFileSync(inputFile, "utf8")) as Record<string, string>;
const artifacts = localArtifacts(instance, { engine, prover });
const vkey = JSON.parse(readFileSync(artifacts.files.vkey, "utf8")) as VerificationKey;

const t0 = performance.now();
const session = await ProverSession.open(artifacts, { engine, prover });
const first = await session.prove(input);
const coldMs = performance.now() - t0;
const witnessMs: number[] = [];
const gen = engine === "wasm" || !artifacts.witness ? wasmWitnessGenerator(readFileSync(artifacts.files.wasm)) : artifacts.witness;
for (let r = 0; r < runs; r++) {
  const t = performance.now();
  await gen.calculate(input);
  witnessMs.push(performance.now() - t);
}
const warmMs: number[] = [];
const warmProveMs: number[] = [];
const verifyMs: number[] = [];
for (let r = 0; r < runs; r++) {
  const t = performance.now();
  const p = await session.prove(input);
  warmMs.push(performance.now() - t);
  warmProveMs.push(p.proveMs);
  const tv = performance.now();
  if (!(await snark.groth16.verify(vkey, p.publicSignals, p.proof))) throw new Error("the proof does not verify");
  verifyMs.push(performance.now() - tv);
}
await session.close();
process.stdout.write(
  `${JSON.stringify({ engine: first.engine, prover: first.prover, coldMs, coldWitnessMs: first.witnessMs, witnessMs, warmMs, warmProveMs, verifyMs, maxRssKiB: process.resourceUsage().maxRSS })}\n`,
);
