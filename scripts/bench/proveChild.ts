/**
 * One proving benchmark in its own process (so that its peak memory is its own): witness, prove and verify `runs`
 * times with snarkjs, then print one JSON line. Used by scripts/bench/prove.ts:
 *   npx tsx scripts/bench/proveChild.ts <groth16|plonk|fflonk|witness> <wasm> <zkey> <vkey.json> <input.json> <runs>
 * ("witness" computes the witness only: zkey and vkey are ignored.)
 */
import { readFileSync } from "node:fs";

type Protocol = "groth16" | "plonk" | "fflonk" | "witness";
interface ProtocolApi {
  prove(zkey: string, wtns: { type: "mem"; data?: Uint8Array }): Promise<{ proof: unknown; publicSignals: string[] }>;
  verify(vkey: unknown, publicSignals: string[], proof: unknown): Promise<boolean>;
  exportSolidityCallData(proof: unknown, publicSignals: string[]): Promise<string>;
}
interface Api {
  wtns: { calculate(input: unknown, wasm: string, out: { type: "mem"; data?: Uint8Array }): Promise<void> };
  groth16: ProtocolApi;
  plonk: ProtocolApi;
  fflonk: ProtocolApi;
}
const s = (await import("snarkjs" as string)) as Api;

const [protocol, wasm, zkey, vkeyFile, inputFile, runsArg] = process.argv.slice(2) as [Protocol, string, string, string, string, string];
const runs = Number(runsArg ?? "3");
const input: unknown = JSON.parse(readFileSync(inputFile, "utf8"));
const vkey: unknown = protocol === "witness" ? undefined : JSON.parse(readFileSync(vkeyFile, "utf8"));
const witnessMs: number[] = [];
const proveMs: number[] = [];
const verifyMs: number[] = [];
let calldata = "";
let proofJson = "";
for (let r = 0; r < runs; r++) {
  const wtns: { type: "mem"; data?: Uint8Array } = { type: "mem" };
  let t = performance.now();
  await s.wtns.calculate(input, wasm, wtns);
  witnessMs.push(performance.now() - t);
  if (protocol === "witness") continue;
  t = performance.now();
  const { proof, publicSignals } = await s[protocol].prove(zkey, wtns);
  proveMs.push(performance.now() - t);
  t = performance.now();
  const ok = await s[protocol].verify(vkey, publicSignals, proof);
  verifyMs.push(performance.now() - t);
  if (!ok) throw new Error(`${protocol}: the proof does not verify`);
  // snarkjs's fflonk takes (publicSignals, proof), groth16 and plonk take (proof, publicSignals)
  calldata =
    protocol === "fflonk"
      ? await (s.fflonk.exportSolidityCallData as unknown as (p: string[], q: unknown) => Promise<string>)(publicSignals, proof)
      : await s[protocol].exportSolidityCallData(proof, publicSignals);
  proofJson = JSON.stringify(proof);
}
const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } };
await g.curve_bn128?.terminate();
process.stdout.write(`${JSON.stringify({ witnessMs, proveMs, verifyMs, maxRssKiB: process.resourceUsage().maxRSS, proofBytes: proofJson.length, calldata })}\n`);
