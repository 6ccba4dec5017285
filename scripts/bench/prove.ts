/**
 * Proving: witness time, proving time, verification time and peak memory (each measurement in its own process,
 * scripts/bench/proveChild.ts), and the on-chain verifier's gas, for Groth16 beside PLONK and FFLONK (snarkjs).
 *
 * PLONK and FFLONK need far larger ptau files than Groth16 for the same circuit (PLONK: one gate per r1cs term, so
 * many more rows; FFLONK: an SRS of 9 × its domain). The section computes the power each needs from snarkjs's own
 * gate count; where the cached development ptau is too small it says so, with the power needed, instead of a number.
 * Every key here is made from the cached INSECURE development ptau (benchmark keys only; never deployed).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { network } from "hardhat";
import { sampleInputs } from "../../client/audit/samples.ts";
import { compileCircom, compileInstanceForAudit } from "../../client/audit/compile.ts";
import { ROOT, artifactPaths } from "../lib/instances.ts";
import { cachedDevPtaus, devPtau, readPtauHeader } from "../lib/ptau.ts";
import { getInstance } from "../lib/instances.ts";
import { snark, type Logger } from "../lib/snark.ts";
import { mdTable, mib, ms, sec, thousands, type Section } from "./common.ts";

const require = createRequire(import.meta.url);
const OUT = path.join(ROOT, "build", "bench");
type Protocol = "groth16" | "plonk" | "fflonk";
type ChildProtocol = Protocol | "witness";

interface SnarkSetup {
  plonk: { setup(r1cs: string, ptau: string, zkey: string, logger?: Logger): Promise<unknown> };
  fflonk: { setup(r1cs: string, ptau: string, zkey: string, logger?: Logger): Promise<unknown> };
  zKey: {
    newZKey(r1cs: string, ptau: string, zkey: string, logger?: Logger): Promise<unknown>;
    exportVerificationKey(zkey: string, logger?: Logger): Promise<unknown>;
    exportSolidityVerifier(zkey: string, templates: Record<string, string>, logger?: Logger): Promise<string>;
  };
}
const S = snark as unknown as SnarkSetup;

interface ChildResult {
  witnessMs: number[];
  proveMs: number[];
  verifyMs: number[];
  maxRssKiB: number;
  proofBytes: number;
  calldata: string;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const captured = (lines: string[]): Logger => {
  const push = (m: string) => lines.push(m);
  return { debug: () => {}, info: push, warn: push, error: push, log: push };
};

/** snarkjs's PLONK gate count of an r1cs (read from `plonk setup`'s log against any ptau; it stops when too big). */
async function plonkGates(r1cs: string, ptau: string): Promise<number> {
  const lines: string[] = [];
  const tmp = path.join(OUT, "gatecount.zkey");
  await S.plonk.setup(r1cs, ptau, tmp, captured(lines));
  const m = lines.map((l) => /Plonk constraints:\s*(\d+)/.exec(l)).find((x) => x !== null);
  if (!m) throw new Error(`plonk setup did not report its gate count for ${r1cs}`);
  return Number(m[1]);
}
const log2ceil = (n: number) => Math.ceil(Math.log2(n));
/** ptau power PLONK needs: its domain 2^ceil(log2(gates)) must fit the ptau's power. */
const plonkPower = (gates: number) => Math.max(3, log2ceil(gates));
/** ptau power FFLONK needs: 9·domain + 18 G1 points, and a ptau of power p has 2^(p+1) − 1 of them. */
const fflonkPower = (gates: number) => log2ceil(9 * 2 ** Math.max(3, log2ceil(gates + 2)) + 18 + 1) - 1;

/** Make (or reuse, when newer than the r1cs) a benchmark key. */
async function benchKey(protocol: Protocol, r1cs: string, ptau: string, zkey: string): Promise<{ zkey: string; vkey: string; setupMs?: number }> {
  const vkey = zkey.replace(/\.zkey$/, ".vkey.json");
  if (existsSync(zkey) && existsSync(vkey) && statSync(zkey).mtimeMs > statSync(r1cs).mtimeMs) return { zkey, vkey };
  const t0 = performance.now();
  const lines: string[] = [];
  if (protocol === "groth16") await S.zKey.newZKey(r1cs, ptau, zkey, captured(lines));
  else await S[protocol].setup(r1cs, ptau, zkey, captured(lines));
  if (!existsSync(zkey)) throw new Error(`${protocol} setup of ${r1cs} failed: ${lines.slice(-3).join("; ")}`);
  const setupMs = performance.now() - t0;
  writeFileSync(vkey, JSON.stringify(await S.zKey.exportVerificationKey(zkey)));
  return { zkey, vkey, setupMs };
}

function runChild(protocol: ChildProtocol, wasm: string, zkey: string, vkey: string, input: unknown, runs: number): ChildResult {
  const inputFile = path.join(OUT, `input-${protocol}-${path.basename(zkey)}.json`);
  writeFileSync(inputFile, JSON.stringify(input, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
  const res = spawnSync(path.join(ROOT, "node_modules", ".bin", "tsx"), [path.join(ROOT, "scripts", "bench", "proveChild.ts"), protocol, wasm, zkey, vkey, inputFile, String(runs)], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (res.status !== 0) throw new Error(`proveChild ${protocol} ${zkey} failed:\n${res.stderr}`);
  const line = res.stdout.trim().split("\n").at(-1) ?? "";
  return JSON.parse(line) as ChildResult;
}

/** Compile a Solidity source with the `solc` package (no download) and return the named contract's bytecode + ABI. */
function compileSolidity(source: string): { abi: unknown[]; bytecode: string } {
  const solc = require("solc") as { compile(input: string): string };
  const out = JSON.parse(
    solc.compile(
      JSON.stringify({
        language: "Solidity",
        sources: { "Verifier.sol": { content: source } },
        settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: "cancun", outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } } },
      }),
    ),
  ) as { errors?: { severity: string; formattedMessage: string }[]; contracts: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>> };
  const errors = (out.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join("\n"));
  const [name, c] = Object.entries(out.contracts["Verifier.sol"])[0];
  if (!c) throw new Error(`no contract compiled (${name})`);
  return { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` };
}

interface Row {
  circuit: string;
  protocol: Protocol;
  constraints: string;
  setupMs?: number;
  result?: ChildResult;
  gas?: bigint;
  note?: string;
}

export const proveSection: Section = {
  id: "prove",
  title: "Proving: Groth16 beside PLONK and FFLONK",
  async run(ctx) {
    mkdirSync(OUT, { recursive: true });
    const ptauInfo = await devPtau(14, captured([]), false);
    if (!ptauInfo) throw new Error("no cached development ptau of power ≥ 14: run `npx tsx scripts/build.ts test` first");
    const ptau = ptauInfo.path;
    const ptauPower = readPtauHeader(ptau).power;
    const templates = Object.fromEntries(
      (["groth16", "plonk", "fflonk"] as const).map((p) => [p, readFileSync(path.join(ROOT, "node_modules", "snarkjs", "templates", `verifier_${p}.sol.ejs`), "utf8")]),
    );
    const { ethers } = await network.create();
    const [deployer] = await ethers.getSigners();
    const verifierGas = async (zkey: string, calldata: string): Promise<bigint> => {
      const { abi, bytecode } = compileSolidity(await S.zKey.exportSolidityVerifier(zkey, templates));
      const factory = new ethers.ContractFactory(abi as never, bytecode, deployer);
      const c = await factory.deploy();
      await c.waitForDeployment();
      // snarkjs's PLONK calldata has no comma between the proof and the public signals ("[...][...]"), and FFLONK's
      // hex words are unquoted
      const json = calldata.replace(/\]\s*\[/g, "],[").replace(/(?<!")\b0x[0-9a-fA-F]+/g, (m) => `"${m}"`);
      const args = JSON.parse(`[${json}]`) as unknown[];
      const fn = c.getFunction("verifyProof");
      if ((await fn.staticCall(...args)) !== true) throw new Error(`the exported verifier rejects the proof (${zkey})`);
      return fn.estimateGas(...args);
    };

    const rows: Row[] = [];
    const measure = async (circuit: string, protocol: Protocol, wasm: string, key: { zkey: string; vkey: string; setupMs?: number }, input: unknown, runs: number, constraints: string) => {
      ctx.log(`prove: ${circuit} ${protocol} (${runs} runs)`);
      const result = runChild(protocol, wasm, key.zkey, key.vkey, input, runs);
      const gas = await verifierGas(key.zkey, result.calldata);
      rows.push({ circuit, protocol, constraints, setupMs: key.setupMs, result, gas });
    };

    /** The smallest cached development ptau of at least `power`, if any. */
    const ptauFor = (power: number): { path: string; power: number } | undefined => cachedDevPtaus().find((p) => p.power >= power);
    const notRun = (power: number) => `not run: needs a 2^${power} ptau (largest cached dev ptau is 2^${cachedDevPtaus().at(-1)?.power ?? ptauPower})`;

    // 1. the test instance with its real keys
    {
      const a = artifactPaths("test");
      if (!existsSync(a.zkey) || !existsSync(a.manifest)) throw new Error("instance test is not built: run `npx tsx scripts/build.ts test`");
      const m = JSON.parse(readFileSync(a.manifest, "utf8")) as { constraints: number };
      const input = (await sampleInputs("test"))[0].input;
      await measure("test", "groth16", a.wasm, { zkey: a.zkey, vkey: a.vkey }, input, 3, thousands(m.constraints));
      const gates = await plonkGates(a.r1cs, ptau);
      for (const [protocol, power] of [["plonk", plonkPower(gates)], ["fflonk", fflonkPower(gates)]] as const) {
        const pt = ptauFor(power);
        if (!pt) rows.push({ circuit: "test", protocol, constraints: `${thousands(gates)} gates`, note: notRun(power) });
        else await measure("test", protocol, a.wasm, await benchKey(protocol, a.r1cs, pt.path, path.join(OUT, `test_${protocol}.zkey`)), input, 2, `${thousands(gates)} gates`);
      }
    }

    // 1b. prod, only with --prod: its own key when built (npm run build:prod), else a bench-only key when a cached
    //     dev ptau of the power its constraint count needs exists
    if (ctx.prod) {
      const inst = getInstance("prod");
      const a = artifactPaths("prod");
      const input = (await sampleInputs("prod"))[0].input;
      if (existsSync(a.zkey) && existsSync(a.manifest)) {
        const m = JSON.parse(readFileSync(a.manifest, "utf8")) as { constraints: number };
        await measure("prod", "groth16", a.wasm, { zkey: a.zkey, vkey: a.vkey }, input, 2, thousands(m.constraints));
      } else {
        ctx.log("prove: compiling prod (--O2, wasm) for a bench-only key");
        const dir = path.join(OUT, "prod");
        const c = compileInstanceForAudit(inst, "O2", { wasm: true, outDir: dir });
        const m = /non-linear constraints:\s*(\d+)[\s\S]*?linear constraints:\s*(\d+)/.exec(c.log);
        const n = Number(m?.[1] ?? 0) + Number(m?.[2] ?? 0);
        const power = log2ceil(n + 5 + 3 * inst.params.V + 1); // constraints + public signals + 1 (snarkjs's input constraints)
        const pt = ptauFor(power);
        if (!pt) {
          ctx.log("prove: prod witness only (no key)");
          const w = runChild("witness", path.join(dir, "prod_js", "prod.wasm"), "", "", input, 2);
          rows.push({ circuit: "prod", protocol: "groth16", constraints: thousands(n), result: { ...w, proveMs: [], verifyMs: [], proofBytes: 0 }, note: `proving not run: no prod key (npm run build:prod), and a bench-only key ${notRun(power).replace("not run: ", "")}` });
        }
        else {
          const key = await benchKey("groth16", c.r1cs, pt.path, path.join(dir, "prod_groth16.zkey"));
          await measure("prod (bench-only key)", "groth16", path.join(dir, "prod_js", "prod.wasm"), key, input, 2, thousands(n));
        }
      }
    }

    // 2. the leaf instance: Groth16 and PLONK fit the 2^14 ptau
    {
      const a = artifactPaths("leaf");
      const input = (await sampleInputs("leaf"))[0].input;
      const m = JSON.parse(readFileSync(a.manifest, "utf8")) as { constraints: number };
      await measure("leaf", "groth16", a.wasm, { zkey: a.zkey, vkey: a.vkey }, input, 3, thousands(m.constraints));
      const gates = await plonkGates(a.r1cs, ptau);
      for (const [protocol, power] of [["plonk", plonkPower(gates)], ["fflonk", fflonkPower(gates)]] as const) {
        const pt = ptauFor(power);
        if (!pt) rows.push({ circuit: "leaf", protocol, constraints: `${thousands(gates)} gates`, note: notRun(power) });
        else await measure("leaf", protocol, a.wasm, await benchKey(protocol, a.r1cs, pt.path, path.join(OUT, `leaf_${protocol}.zkey`)), input, 2, `${thousands(gates)} gates`);
      }
    }

    // 3. a micro circuit with the test instance's 11 public inputs: all three protocols fit, so the verifiers compare
    {
      const dir = path.join(OUT, "micro");
      const c = compileCircom(path.join(ROOT, "scripts", "bench", "circuits", "PublicBinder.circom"), dir, { optimization: "O2", wasm: true });
      const wasm = path.join(dir, "PublicBinder_js", "PublicBinder.wasm");
      const input = { pub: Array.from({ length: 14 }, (_, i) => String(1000 + i)), x: "123456789" };
      const gates = await plonkGates(c.r1cs, ptau);
      const m = /non-linear constraints:\s*(\d+)/.exec(c.log);
      for (const protocol of ["groth16", "plonk", "fflonk"] as const) {
        const k = await benchKey(protocol, c.r1cs, ptau, path.join(dir, `micro_${protocol}.zkey`));
        await measure("micro (14 public inputs)", protocol, wasm, k, input, 3, protocol === "groth16" ? (m?.[1] ?? "?") : `${thousands(gates)} gates`);
      }
    }

    const table = mdTable(
      ["circuit", "protocol", "size", "witness (ms)", "prove (s)", "verify off-chain (ms)", "peak RSS (MiB)", "proof JSON (bytes)", "verifier gas", "key setup (s)"],
      rows.map((r) =>
        r.result && r.result.proveMs.length === 0
          ? [r.circuit, r.protocol, r.constraints, ms(median(r.result.witnessMs)), "—", "—", `${mib(r.result.maxRssKiB * 1024)} (witness only)`, "—", "—", r.note ?? ""]
          : r.result
          ? [
              r.circuit,
              r.protocol,
              r.constraints,
              ms(median(r.result.witnessMs)),
              sec(median(r.result.proveMs)),
              ms(median(r.result.verifyMs)),
              mib(r.result.maxRssKiB * 1024),
              r.result.proofBytes,
              thousands(r.gas ?? 0n),
              r.setupMs !== undefined ? sec(r.setupMs) : r.protocol === "groth16" && !r.circuit.startsWith("micro") ? "(build)" : "(cached)",
            ]
          : [r.circuit, r.protocol, r.constraints, "—", "—", "—", "—", "—", "—", r.note ?? ""],
      ),
    );
    return [
      table,
      "",
      `Median of the runs (3 for Groth16 of leaf and test and for the micro circuit, 2 otherwise), each protocol in a fresh process (peak RSS = that process's maximum resident set, snarkjs's worker threads included). Witness = \`snarkjs wtns calculate\` (circom WASM); prove = \`${"<protocol>"}.prove\` from the witness; verify = snarkjs off-chain verify. Verifier gas = \`eth_estimateGas\` of \`verifyProof\` on the snarkjs-exported Solidity verifier (solc 0.8.28, optimizer 200 runs) on Hardhat's in-process EVM, including the 21,000 base and calldata. "size" is r1cs constraints for Groth16 and snarkjs's PLONK gate count for PLONK/FFLONK (\`plonk setup\` reports it).`,
      "",
      `PLONK needs a ptau of power ⌈log2(gates)⌉, FFLONK one with 9 × its domain + 18 points. Cached INSECURE development ptau files used here (scripts/lib/ptau.ts devPtau; \`nice -n 19 npx tsx scripts/bench/ptau.ts P\` makes more): ${cachedDevPtaus().map((p) => `2^${p.power}`).join(", ")}. Rows marked "not run" need a larger one, not generated for this run (\`npx tsx scripts/bench/ptau.ts 17\` computes the 2^17 one in about 100 s, section "Production path"). The micro circuit has the test instance's public-input count, so its verifier-gas rows show what PLONK and FFLONK verifiers cost at that count (verifier cost depends on the public inputs, not on the circuit's size).`,
    ].join("\n");
  },
};
