/**
 * `npx tsx scripts/bench/ptau.ts POWER`: generate (or find) the cached INSECURE development ptau of a power through
 * the pipeline's own mechanism (scripts/lib/ptau.ts devPtau: same steps as every machine), for the benchmarks that
 * need more than the 2^14 the test instance uses (prod Groth16 proving: 2^17; FFLONK of the leaf instance: 2^17).
 * Slow (the 2^14 one took about 5 minutes here); run it niced: `nice -n 19 npx tsx scripts/bench/ptau.ts 17`.
 */
import { devPtau } from "../lib/ptau.ts";
import { terminateCurve, type Logger } from "../lib/snark.ts";

const power = Number(process.argv[2]);
if (!Number.isInteger(power) || power < 8 || power > 22) throw new Error(`power: expected an integer in [8, 22], got ${process.argv[2] ?? "(none)"}`);
const t0 = Date.now();
const say = (m: string) => process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(0)}s] ${m}\n`);
const log: Logger = { debug: () => {}, info: say, warn: say, error: say, log: say };
const info = await devPtau(power, log, true);
say(`ready: ${info?.path ?? "(none)"} (power ${info?.power ?? "?"}) in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
await terminateCurve();
