/**
 * The INSECURE development powers of tau, written directly: byte for byte the file that snarkjs's
 * `powersoftau new bn128 P` → `powersoftau beacon` (DEV_BEACON_HASH, 2^10 iterations) → `powersoftau prepare phase2`
 * writes, in about a minute at power 16 instead of half an hour.
 *
 * Why it can be done: the ceremony has no secret. `new` writes generators only; the beacon derives its key
 * (τ, α, β) from the public beacon hash (snarkjs keyFromBeacon) and multiplies point i of each section by
 * first·τ^i; `prepare phase2` then takes group inverse FFTs of those sections (ffjavascript lagrangeEvaluations,
 * a plain IFFT for every power ≤ 28). Every point of the final file is therefore a known scalar times the G1 or G2
 * generator, and since the group IFFT is linear, the Lagrange sections are IFFT_Fr(scalars)·g. The scalars are
 * computed in the field (ffjavascript's Fr, the same FFT code snarkjs runs), the points by batched fixed-base
 * multiplication on every core (scripts/lib/fixedBase.ts); the header, the beacon key, the contribution record and
 * its two hashes come from snarkjs's own code (powersoftau_utils.js, misc.js), fed in the same chunks, so that
 * even the blake2b partial state stored in the contribution is identical.
 *
 * The result is checked against snarkjs in test/pipeline/devPtau.test.ts (a real snarkjs ceremony of a small power,
 * byte-compared) and by the pinned DEV_PTAU_BLAKE2B of each power (scripts/lib/ptau.ts).
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
// @ts-ignore -- binfileutils ships no type declarations
import * as binFileUtils from "@iden3/binfileutils";
import { blake2b } from "@noble/hashes/blake2b";
import { ROOT } from "./instances.ts";
import type { Logger } from "./common.ts";
import { FixedBasePool, joinPoints, type Form, type Group, type Points } from "./fixedBase.ts";

/** The pieces of snarkjs's curve object (ffjavascript) used here; field elements and points are byte arrays. */
interface Fr {
  one: Uint8Array;
  zero: Uint8Array;
  n8: number;
  e(v: number | bigint): Uint8Array;
  mul(a: Uint8Array, b: Uint8Array): Uint8Array;
  exp(a: Uint8Array, e: number): Uint8Array;
  ifft(buff: Uint8Array): Promise<Uint8Array>;
}
interface GroupOps {
  F: { n8: number };
  fromRprLEM(buff: Uint8Array, pos: number): unknown;
}
export interface PtauCurve {
  Fr: Fr;
  G1: GroupOps;
  G2: GroupOps;
}

interface PtauKey {
  tau: { prvKey: Uint8Array };
  alpha: { prvKey: Uint8Array };
  beta: { prvKey: Uint8Array };
}
interface BinFd {
  write(buff: Uint8Array): Promise<void>;
  close(): Promise<void>;
}
interface SnarkjsInternals {
  utils: {
    writePTauHeader(fd: BinFd, curve: PtauCurve, power: number, ceremonyPower?: number): Promise<void>;
    writeContributions(fd: BinFd, curve: PtauCurve, contributions: unknown[]): Promise<void>;
    calculateFirstChallengeHash(curve: PtauCurve, power: number, logger?: Logger): Uint8Array;
    keyFromBeacon(curve: PtauCurve, challengeHash: Uint8Array, beaconHash: Uint8Array, numIterationsExp: number): Promise<PtauKey>;
    toPtauPubKeyRpr(buff: Uint8Array, pos: number, curve: PtauCurve, key: PtauKey, montgomery: boolean): Uint8Array;
  };
  misc: { toPartialHash(hasher: unknown): Uint8Array; hex2ByteArray(s: string): Uint8Array };
  bin: {
    createBinFile(fileName: string, type: string, version: number, nSections: number): Promise<BinFd>;
    startWriteSection(fd: BinFd, id: number): Promise<void>;
    endWriteSection(fd: BinFd): Promise<void>;
  };
  blake2b: { create(opts: { dkLen: number }): Hasher };
}
interface Hasher {
  update(data: Uint8Array): Hasher;
  digest(): Uint8Array;
}

/**
 * snarkjs's ptau internals (not in its package exports), by file. binfileutils and blake2b are imported as the
 * ESM modules snarkjs itself imports (package.json pins the versions snarkjs resolves): the partial blake2b state
 * stored in a contribution is noble's internal layout, and the CommonJS build of binfileutils would load a second
 * ffjavascript, whose start-up clears the curve cached by the first.
 */
async function snarkjsInternals(): Promise<SnarkjsInternals> {
  const src = path.join(ROOT, "node_modules", "snarkjs", "src");
  const load = async <T>(file: string) => (await import(pathToFileURL(path.join(src, file)).href)) as T;
  return {
    utils: await load<SnarkjsInternals["utils"]>("powersoftau_utils.js"),
    misc: await load<SnarkjsInternals["misc"]>("misc.js"),
    bin: binFileUtils as unknown as SnarkjsInternals["bin"],
    blake2b: blake2b as unknown as SnarkjsInternals["blake2b"],
  };
}

export interface DevPtauParams {
  power: number;
  /** the beacon's contribution name, hash (hex) and iteration exponent, as passed to `powersoftau beacon` */
  beaconName: string;
  beaconHash: string;
  beaconIterationsExp: number;
}

/** Points of one ptau section: a scalar sequence times a generator, in the order snarkjs writes them. */
interface SectionPlan {
  id: number;
  group: Group;
  n: number;
}

/** Fixed-base work units: small enough to spread over the workers, large enough to amortise a message. */
const JOB_POINTS = 16384;

/**
 * Write the development ptau of `params.power` to `file`. `curve` is snarkjs's bn128 curve
 * (snark.curves.getCurveFromName), used for the field, the key derivation and the contribution record.
 */
export async function writeDevPtau(file: string, curve: PtauCurve, params: DevPtauParams, log?: Logger, pool?: FixedBasePool): Promise<void> {
  const { power } = params;
  if (!Number.isInteger(power) || power < 1 || power > 27) throw new Error(`development ptau power must be 1 … 27 (got ${power})`);
  const S = await snarkjsInternals();
  const { Fr } = curve;
  const ownPool = pool === undefined;
  // wider windows pay off from about 2^13 points a section: 12 bits measured 20 % faster than 8 or 10 at power 16
  const fb = pool ?? (await FixedBasePool.start(undefined, power >= 13 ? 12 : 8));
  const t0 = performance.now();
  const say = (m: string) => log?.info(`${m} (${((performance.now() - t0) / 1000).toFixed(1)}s)`);
  try {
    // The beacon key, exactly as `powersoftau beacon` derives it from the first challenge of a fresh accumulator.
    const firstChallenge = S.utils.calculateFirstChallengeHash(curve, power);
    const beaconBytes = S.misc.hex2ByteArray(params.beaconHash);
    const key = await S.utils.keyFromBeacon(curve, firstChallenge, beaconBytes, params.beaconIterationsExp);
    const tau = key.tau.prvKey;
    const alpha = key.alpha.prvKey;
    const beta = key.beta.prvKey;
    say(`beacon key derived (2^${params.beaconIterationsExp} sha256 iterations)`);

    const n = 2 ** power;
    const sections: (SectionPlan & { first: Uint8Array })[] = [
      { id: 2, group: "G1", n: 2 * n - 1, first: Fr.one },
      { id: 3, group: "G2", n, first: Fr.one },
      { id: 4, group: "G1", n, first: alpha },
      { id: 5, group: "G1", n, first: beta },
      { id: 6, group: "G2", n: 1, first: beta },
    ];

    // Sections 2-6: first·τ^i·g, with the compressed form (response hash) and the uncompressed one (next challenge).
    const forms: Form[] = ["lem", "c", "u"];
    const pending = sections.map((s) => {
      const jobs: Promise<Points>[] = [];
      for (let i = 0; i < s.n; i += JOB_POINTS) {
        jobs.push(fb.powers(s.group, Fr.mul(s.first, Fr.exp(tau, i)), tau, Math.min(JOB_POINTS, s.n - i), forms));
      }
      return Promise.all(jobs);
    });

    // Scalars of the Lagrange sections 12-15 while the workers multiply: IFFTs in Fr of the same sequences.
    const lagrange = await lagrangeScalars(curve, tau, alpha, beta, power);
    say("Lagrange scalars computed (Fr IFFTs)");
    const lagrangePending = lagrange.map((l) => {
      const jobs: Promise<Points>[] = [];
      for (let i = 0; i < l.scalars.length; i += JOB_POINTS * Fr.n8) {
        jobs.push(fb.scalars(l.group, l.scalars.subarray(i, Math.min(l.scalars.length, i + JOB_POINTS * Fr.n8)), ["lem"]));
      }
      return Promise.all(jobs);
    });

    const done = await Promise.all(pending);
    say(`sections 2-6 computed (${sections.reduce((a, s) => a + s.n, 0)} points)`);

    // The contribution record, hashed the way the beacon hashes it: the response hasher sees the compressed
    // points in the beacon's own chunks (its partial state is stored), the next-challenge hasher the uncompressed.
    const responseHasher = S.blake2b.create({ dkLen: 64 });
    responseHasher.update(firstChallenge);
    const lem: Uint8Array[] = [];
    const unc: Uint8Array[] = [];
    sections.forEach((s, k) => {
      const parts = done[k];
      const sG = (s.group === "G1" ? 32 : 64) * 2;
      const sC = sG / 2;
      const c = joinPoints(parts, "c");
      const chunk = Math.floor((1 << 20) / sG); // powersoftau_beacon.js processSection's chunk
      for (let i = 0; i < s.n; i += chunk) responseHasher.update(c.slice(i * sC, Math.min(s.n, i + chunk) * sC));
      lem.push(joinPoints(parts, "lem"));
      unc.push(joinPoints(parts, "u"));
    });
    const point = (k: number, g: Group, i: number) => curve[g].fromRprLEM(lem[k], i * (g === "G1" ? 64 : 128));
    const contribution = {
      name: params.beaconName,
      type: 1,
      numIterationsExp: params.beaconIterationsExp,
      beaconHash: beaconBytes,
      key,
      tauG1: point(0, "G1", 1),
      tauG2: point(1, "G2", 1),
      alphaG1: point(2, "G1", 0),
      betaG1: point(3, "G1", 0),
      betaG2: point(4, "G2", 0),
      partialHash: S.misc.toPartialHash(responseHasher),
      nextChallenge: new Uint8Array() as Uint8Array,
    };
    const buffKey = new Uint8Array(curve.G1.F.n8 * 2 * 6 + curve.G2.F.n8 * 2 * 3);
    S.utils.toPtauPubKeyRpr(buffKey, 0, curve, key, false);
    responseHasher.update(buffKey);
    const hashResponse = responseHasher.digest();
    const next = S.blake2b.create({ dkLen: 64 });
    next.update(hashResponse);
    for (const u of unc) next.update(u);
    contribution.nextChallenge = next.digest();

    // The prepared file: header, sections 2-6, contributions (7), Lagrange sections 12-15.
    const fd = await S.bin.createBinFile(file, "ptau", 1, 11);
    await S.utils.writePTauHeader(fd, curve, power);
    for (let k = 0; k < sections.length; k++) {
      await S.bin.startWriteSection(fd, sections[k].id);
      await fd.write(lem[k]);
      await S.bin.endWriteSection(fd);
    }
    await S.utils.writeContributions(fd, curve, [contribution]);
    const lagrangeDone = await Promise.all(lagrangePending);
    say(`Lagrange sections 12-15 computed (${lagrange.reduce((a, l) => a + l.scalars.length / Fr.n8, 0)} points)`);
    for (let k = 0; k < lagrange.length; k++) {
      await S.bin.startWriteSection(fd, lagrange[k].id);
      await fd.write(joinPoints(lagrangeDone[k], "lem"));
      await S.bin.endWriteSection(fd);
    }
    await fd.close();
    say(`written ${path.basename(file)}`);
  } finally {
    if (ownPool) await fb.close();
  }
}

/**
 * The scalars of sections 12-15 as `prepare phase2` forms them: for each power q = 0 … P, the IFFT of the first 2^q
 * scalars of sections 2-5; section 12 (tauG1) also q = P + 1, whose last input point is set to zero.
 */
async function lagrangeScalars(curve: PtauCurve, tau: Uint8Array, alpha: Uint8Array, beta: Uint8Array, power: number): Promise<{ id: number; group: Group; scalars: Uint8Array }[]> {
  const { Fr } = curve;
  const n8 = Fr.n8;
  const seq = (first: Uint8Array, count: number) => {
    const out = new Uint8Array(count * n8);
    let t = first;
    for (let i = 0; i < count; i++) {
      out.set(t, i * n8);
      t = Fr.mul(t, tau);
    }
    return out;
  };
  const n = 2 ** power;
  const tauPowers = seq(Fr.one, 2 * n);
  tauPowers.set(Fr.zero, (2 * n - 1) * n8); // the missing point τ^(2^(P+1)−1) counts as zero
  const alphaPowers = seq(alpha, n);
  const betaPowers = seq(beta, n);
  const section = async (src: Uint8Array, maxQ: number) => {
    const parts: Uint8Array[] = [];
    for (let q = 0; q <= maxQ; q++) parts.push(await Fr.ifft(src.slice(0, 2 ** q * n8)));
    const out = new Uint8Array(parts.reduce((a, b) => a + b.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  };
  return [
    { id: 12, group: "G1", scalars: await section(tauPowers, power + 1) },
    { id: 13, group: "G2", scalars: await section(tauPowers, power) },
    { id: 14, group: "G1", scalars: await section(alphaPowers, power) },
    { id: 15, group: "G1", scalars: await section(betaPowers, power) },
  ];
}
