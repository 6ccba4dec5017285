/**
 * The INSECURE development ptau of a power, by the pipeline's own code (scripts/lib/ptau.ts):
 *
 *   npx tsx scripts/bench/ptau.ts 16                       # find or make the cached one (direct method)
 *   npx tsx scripts/bench/ptau.ts 16 --out f.ptau          # write it to f.ptau, print time and blake2b
 *   nice -n 19 npx tsx scripts/bench/ptau.ts 15 --snarkjs --out ref.ptau   # snarkjs's own ceremony (slow reference)
 *
 * With --out the file is written afresh, its blake2b-512 compared with the pinned DEV_PTAU_BLAKE2B of the power, and
 * the time recorded in build/bench/ptau-times.json (the bench's "prod" section prints it).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Command } from "commander";
import { ROOT } from "../lib/instances.ts";
import { DEV_PTAU_BLAKE2B, blake2bFile, devPtau, generateDevPtau, type DevPtauMethod } from "../lib/ptau.ts";
import { terminateCurve, type Logger } from "../lib/snark.ts";

const program = new Command()
  .name("ptau")
  .argument("<power>", "ptau power (2^power constraints)")
  .option("--out <file>", "write the file here instead of the cache")
  .option("--snarkjs", "use snarkjs's powersoftau new / beacon / prepare phase2 instead of the direct computation")
  .parse();
const power = Number(program.args[0]);
const opts = program.opts<{ out?: string; snarkjs?: boolean }>();
if (!Number.isInteger(power) || power < 1 || power > 22) {
  console.error(`ptau: power must be an integer in [1, 22], got ${program.args[0] ?? "(none)"}`);
  process.exit(2);
}
const t0 = Date.now();
const say = (m: string) => process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}\n`);
const log: Logger = { debug: () => {}, info: say, warn: say, error: say, log: () => {} };
try {
  if (opts.out) {
    const method: DevPtauMethod = opts.snarkjs ? "snarkjs" : "direct";
    await generateDevPtau(power, opts.out, log, method);
    const secs = (Date.now() - t0) / 1000;
    const hash = await blake2bFile(opts.out);
    const pinned = DEV_PTAU_BLAKE2B[power];
    say(`power ${power} ${method}: ${secs.toFixed(1)} s, blake2b ${hash}`);
    say(pinned === undefined ? "no pinned hash for this power" : pinned === hash ? "matches the pinned DEV_PTAU_BLAKE2B" : "DIFFERS from the pinned DEV_PTAU_BLAKE2B");
    if (pinned !== undefined && pinned !== hash) process.exitCode = 1;
    // the bench's "prod" section reads these timings
    const timesFile = path.join(ROOT, "build", "bench", "ptau-times.json");
    mkdirSync(path.dirname(timesFile), { recursive: true });
    const times = (existsSync(timesFile) ? JSON.parse(readFileSync(timesFile, "utf8")) : []) as { power: number; method: string; seconds: number; blake2b: string }[];
    // the machine is shared: keep the fastest run of each power and method (the least disturbed)
    const prev = times.find((t) => t.power === power && t.method === method);
    const kept = times.filter((t) => t !== prev);
    kept.push({ power, method, seconds: Math.min(prev?.seconds ?? Infinity, Math.round(secs * 10) / 10), blake2b: hash });
    kept.sort((a, b) => a.power - b.power || a.method.localeCompare(b.method));
    writeFileSync(timesFile, `${JSON.stringify(kept, null, 2)}\n`);
  } else {
    if (opts.snarkjs) process.env.ZKMARGIN_DEV_PTAU = "snarkjs";
    const info = await devPtau(power, log, true);
    say(`ready: ${info?.path ?? "(none)"} (power ${info?.power ?? "?"}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
} finally {
  await terminateCurve();
}
