/**
 * Powers of tau for the Groth16 setup: a public-ceremony file the user points at (checked against its published
 * blake2b-512 hash), or a local development ceremony, INSECURE, cached outside the repo and reused.
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, openSync, closeSync, readSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { cacheDir } from "./instances.ts";
import { BuildError, type Logger } from "./common.ts";

/**
 * blake2b-512 of the Hermez/Polygon prepared ptau files (`powersOfTau28_hez_final_NN.ptau`, 54 contributions and a
 * beacon), power → hash, copied from the table in the snarkjs README (node_modules/snarkjs/README.md, "Prepared
 * (phase2) Ptau files for bn128"). Power 28 is the file `powersOfTau28_hez_final.ptau`.
 */
export const HERMEZ_PTAU_BLAKE2B: Readonly<Record<number, string>> = Object.freeze({
  8: "d6a8fb3a04feb600096c3b791f936a578c4e664d262e4aa24beed1b7a9a96aa5eb72864d628db247e9293384b74b36ffb52ca8d148d6e1b8b51e279fdf57b583",
  9: "94f108a80e81b5d932d8e8c9e8fd7f46cf32457e31462deeeef37af1b71c2c1b3c71fb0d9b59c654ec266b042735f50311f9fd1d4cadce47ab234ad163157cb5",
  10: "6cfeb8cda92453099d20120bdd0e8a5c4e7706c2da9a8f09ccc157ed2464d921fd0437fb70db42104769efd7d6f3c1f964bcf448c455eab6f6c7d863e88a5849",
  11: "47c282116b892e5ac92ca238578006e31a47e7c7e70f0baa8b687f0a5203e28ea07bbbec765a98dcd654bad618475d4661bfaec3bd9ad2ed12e7abc251d94d33",
  12: "ded2694169b7b08e898f736d5de95af87c3f1a64594013351b1a796dbee393bd825f88f9468c84505ddd11eb0b1465ac9b43b9064aa8ec97f2b73e04758b8a4a",
  13: "58efc8bf2834d04768a3d7ffcd8e1e23d461561729beaac4e3e7a47829a1c9066d5320241e124a1a8e8aa6c75be0ba66f65bc8239a0542ed38e11276f6fdb4d9",
  14: "eeefbcf7c3803b523c94112023c7ff89558f9b8e0cf5d6cdcba3ade60f168af4a181c9c21774b94fbae6c90411995f7d854d02ebd93fb66043dbb06f17a831c1",
  15: "982372c867d229c236091f767e703253249a9b432c1710b4f326306bfa2428a17b06240359606cfe4d580b10a5a1f63fbed499527069c18ae17060472969ae6e",
  16: "6a6277a2f74e1073601b4f9fed6e1e55226917efb0f0db8a07d98ab01df1ccf43eb0e8c3159432acd4960e2f29fe84a4198501fa54c8dad9e43297453efec125",
  17: "6247a3433948b35fbfae414fa5a9355bfb45f56efa7ab4929e669264a0258976741dfbe3288bfb49828e5df02c2e633df38d2245e30162ae7e3bcca5b8b49345",
  18: "7e6a9c2e5f05179ddfc923f38f917c9e6831d16922a902b0b4758b8e79c2ab8a81bb5f29952e16ee6c5067ed044d7857b5de120a90704c1d3b637fd94b95b13e",
  19: "bca9d8b04242f175189872c42ceaa21e2951e0f0f272a0cc54fc37193ff6648600eaf1c555c70cdedfaf9fb74927de7aa1d33dc1e2a7f1a50619484989da0887",
  20: "89a66eb5590a1c94e3f1ee0e72acf49b1669e050bb5f93c73b066b564dca4e0c7556a52b323178269d64af325d8fdddb33da3a27c34409b821de82aa2bf1a27b",
  21: "9aef0573cef4ded9c4a75f148709056bf989f80dad96876aadeb6f1c6d062391f07a394a9e756d16f7eb233198d5b69407cca44594c763ab4a5b67ae73254678",
  22: "0d64f63dba1a6f11139df765cb690da69d9b2f469a1ddd0de5e4aa628abb28f787f04c6a5fb84a235ec5ea7f41d0548746653ecab0559add658a83502d1cb21b",
  23: "3063a0bd81d68711197c8820a92466d51aeac93e915f5136d74f63c394ee6d88c5e8016231ea6580bec02e25d491f319d92e77f5c7f46a9caa8f3b53c0ea544f",
  24: "fa404d140d5819d39984833ca5ec3632cd4995f81e82db402371a4de7c2eae8687c62bc632a95b0c6aadba3fb02680a94e09174b7233ccd26d78baca2647c733",
  25: "0377d860cdb09a8a31ea1b0b8c04335614c8206357181573bf294c25d5ca7dff72387224fbd868897e6769f7805b3dab02854aec6d69d7492883b5e4e5f35eeb",
  26: "418dee4a74b9592198bd8fd02ad1aea76f9cf3085f206dfd7d594c9e264ae919611b1459a1cc920c2f143417744ba9edd7b8d51e44be9452344a225ff7eead19",
  27: "10ffd99837c512ef99752436a54b9810d1ac8878d368fb4b806267bdd664b4abf276c9cd3c4b9039a1fa4315a0c326c0e8e9e8fe0eb588ffd4f9021bf7eae1a1",
  28: "55c77ce8562366c91e7cda394cf7b7c15a06c12d8c905e8b36ba9cf5e13eb37d1a429c589e8eaba4c591bc4b88a0e2828745a53e170eac300236f5c1a326f41a",
});

/** The published file name of the Hermez ptau of a power. */
export function hermezPtauName(power: number): string {
  return power === 28 ? "powersOfTau28_hez_final.ptau" : `powersOfTau28_hez_final_${String(power).padStart(2, "0")}.ptau`;
}

/** The ptau a build used, as recorded in the manifest. */
export interface PtauInfo {
  /** absolute path of the file */
  path: string;
  /** file name */
  name: string;
  /** blake2b-512 of the whole file, hex (the hash the snarkjs README publishes) */
  blake2b: string;
  /** 2^power constraints fit */
  power: number;
  /** "hermez": a public-ceremony file matching its published hash; "dev": the local development ceremony */
  source: "hermez" | "dev";
  /** true for the local development ceremony: its toxic waste is known to anyone who reruns it */
  insecure: boolean;
}

/** The local development ceremony's beacon: a fixed, public value, which is exactly why it is insecure. */
export const DEV_BEACON_HASH = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const DEV_BEACON_ITERATIONS_EXP = 10;
const DEV_PTAU_RE = /^pot(\d+)_insecure_dev\.ptau$/;

/**
 * blake2b-512 of the development ptau each power yields: the ceremony is deterministic (fixed beacon, no random
 * contribution), so every machine produces these exact bytes, and a cached file that differs was altered.
 * Powers not listed are generated and used without this check.
 */
export const DEV_PTAU_BLAKE2B: Readonly<Record<number, string>> = Object.freeze({
  8: "13741436a8a161c299cd74df0eafcc3d44c90948d25a260c0730ea53734542c2ffdb3ecca54076b888cf9fb7a37492410fb864494e295ee00cae2e851d284500",
  14: "f08eb7e585f7faba4bd2947dac5448d16780f278f076b066841f0eb8f81ca775abddc4821a1077e7456d3a99fdeae5640e696e7474f42d6c040c5fc007da5637",
});

export function ptauDir(): string {
  return path.join(cacheDir(), "ptau");
}

/** The cache file name of the local development ptau of a power. */
export function devPtauName(power: number): string {
  return `pot${power}_insecure_dev.ptau`;
}

const MEMO_MIN_BYTES = 64 * 1024 * 1024;

/** blake2b-512 of a file, hex. */
export async function blake2bFile(file: string): Promise<string> {
  const h = createHash("blake2b512");
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 22 })) h.update(chunk as Buffer);
  return h.digest("hex");
}

/**
 * blake2b of a ptau, memoised in <cache>/ptau/hashes.json by (path, size, mtime) for files of 64 MiB and more
 * (power ≥ 16), so that a no-op build does not rehash a large file; smaller files hash in well under a second.
 */
export async function ptauHash(file: string): Promise<string> {
  const st = statSync(file);
  if (st.size < MEMO_MIN_BYTES) return blake2bFile(file);
  const key = `${path.resolve(file)}|${st.size}|${Math.floor(st.mtimeMs)}`;
  const memo = path.join(ptauDir(), "hashes.json");
  let table: Record<string, string> = {};
  try {
    table = JSON.parse(readFileSync(memo, "utf8")) as Record<string, string>;
  } catch {
    table = {};
  }
  const known = table[key];
  if (known !== undefined) return known;
  const hash = await blake2bFile(file);
  try {
    mkdirSync(ptauDir(), { recursive: true });
    table[key] = hash;
    const tmp = `${memo}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(table, null, 2));
    renameSync(tmp, memo);
  } catch {
    // the memo is only a cache
  }
  return hash;
}

/** Header of a ptau file (snarkjs binary format): its power and whether `prepare phase2` has run (section 12). */
export function readPtauHeader(file: string): { power: number; prepared: boolean } {
  const fd = openSync(file, "r");
  try {
    const head = Buffer.alloc(12);
    if (readSync(fd, head, 0, 12, 0) !== 12 || head.toString("latin1", 0, 4) !== "ptau") {
      throw new BuildError(`${file} is not a powers-of-tau file (no "ptau" magic)`);
    }
    const nSections = head.readUInt32LE(8);
    const size = statSync(file).size;
    let pos = 12;
    let power = -1;
    let prepared = false;
    const sh = Buffer.alloc(12);
    for (let i = 0; i < nSections && pos + 12 <= size; i++) {
      readSync(fd, sh, 0, 12, pos);
      const type = sh.readUInt32LE(0);
      const len = Number(sh.readBigUInt64LE(4));
      if (type === 1) {
        const hdr = Buffer.alloc(Math.min(len, 64));
        readSync(fd, hdr, 0, hdr.length, pos + 12);
        const n8 = hdr.readUInt32LE(0);
        power = hdr.readUInt32LE(4 + n8);
      }
      if (type === 12) prepared = true;
      pos += 12 + len;
    }
    if (power < 0) throw new BuildError(`${file}: powers-of-tau header section missing`);
    return { power, prepared };
  } finally {
    closeSync(fd);
  }
}

/** Check a user-supplied ptau: a Hermez file whose blake2b matches the published table, of at least `minPower`. */
export async function checkPublicPtau(file: string, minPower: number, log: Logger): Promise<PtauInfo> {
  const abs = path.resolve(file);
  if (!existsSync(abs) || !statSync(abs).isFile()) throw new BuildError(`ptau file not found: ${file}`);
  const name = path.basename(abs);
  log.info(`ptau: hashing ${name} (blake2b-512) to check it against the published Hermez table`);
  const hash = await ptauHash(abs);
  const named = /^powersOfTau28_hez_final(?:_(\d{2}))?\.ptau$/.exec(name);
  const namedPower = named ? (named[1] === undefined ? 28 : Number(named[1])) : undefined;
  const matched = Object.entries(HERMEZ_PTAU_BLAKE2B).find(([, h]) => h === hash);
  if (namedPower !== undefined && HERMEZ_PTAU_BLAKE2B[namedPower] !== hash) {
    throw new BuildError(
      `ptau hash mismatch: ${name} has blake2b ${hash.slice(0, 16)}…, the published hash of ${hermezPtauName(namedPower)} is ` +
        `${(HERMEZ_PTAU_BLAKE2B[namedPower] ?? "unknown").slice(0, 16)}… (corrupt or substituted file)`,
    );
  }
  if (matched === undefined) {
    throw new BuildError(
      `ptau hash mismatch: ${name} (blake2b ${hash.slice(0, 16)}…) is not one of the published Hermez ceremony files ` +
        `powersOfTau28_hez_final_NN.ptau; unset --ptau/ZKMARGIN_PTAU to use the local insecure development ptau`,
    );
  }
  const power = Number(matched[0]);
  if (power < minPower) {
    throw new BuildError(`ptau too small: ${name} has power ${power} (2^${power} constraints), the instance needs power ${minPower}`);
  }
  log.info(`ptau: ${name} matches the published blake2b of ${hermezPtauName(power)} (public ceremony, power ${power})`);
  return { path: abs, name, blake2b: hash, power, source: "hermez", insecure: false };
}

/** The cached development ptau files, smallest power first. */
export function cachedDevPtaus(): { path: string; power: number }[] {
  if (!existsSync(ptauDir())) return [];
  return readdirSync(ptauDir())
    .map((f) => ({ f, m: DEV_PTAU_RE.exec(f) }))
    .filter((x): x is { f: string; m: RegExpExecArray } => x.m !== null)
    .map(({ f, m }) => ({ path: path.join(ptauDir(), f), power: Number(m[1]) }))
    .sort((a, b) => a.power - b.power);
}

/**
 * The local development ptau (INSECURE) of at least `minPower`: the smallest cached one that serves, or a new one,
 * byte-identical on every machine to `powersoftau new bn128 P`, `beacon` with DEV_BEACON_HASH (2^10 iterations),
 * `prepare phase2`; computed directly (generateDevPtau "direct"), or with those snarkjs steps when
 * ZKMARGIN_DEV_PTAU=snarkjs.
 */
export async function devPtau(minPower: number, log: Logger, generate = true): Promise<PtauInfo | undefined> {
  const cached = cachedDevPtaus().find((p) => p.power >= minPower);
  let file: string;
  let power: number;
  if (cached) {
    ({ path: file, power } = cached);
    log.info(`ptau: using cached INSECURE development ptau ${file} (power ${power})`);
  } else if (!generate) {
    return undefined;
  } else {
    power = minPower;
    file = path.join(ptauDir(), devPtauName(power));
    await generateDevPtau(power, file, log, process.env.ZKMARGIN_DEV_PTAU === "snarkjs" ? "snarkjs" : "direct");
  }
  const { power: headerPower, prepared } = readPtauHeader(file);
  if (headerPower !== power || !prepared) {
    throw new BuildError(`cached INSECURE development ptau ${file} is damaged (power ${headerPower}, prepared ${prepared}); delete it to regenerate`);
  }
  const blake2b = await ptauHash(file);
  const expected = DEV_PTAU_BLAKE2B[power];
  if (expected !== undefined && expected !== blake2b) {
    throw new BuildError(
      `INSECURE development ptau ${file} has blake2b ${blake2b.slice(0, 16)}…, the reproducible development ceremony of power ${power} gives ${expected.slice(0, 16)}…; delete the file to regenerate it`,
    );
  }
  return { path: file, name: path.basename(file), blake2b, power, source: "dev", insecure: true };
}

/** How a development ptau is produced: "direct" (scripts/lib/devPtau.ts, the default) or snarkjs's own ceremony steps. */
export type DevPtauMethod = "direct" | "snarkjs";

/** The beacon contribution of the development ceremony, as both methods apply it. */
export const DEV_BEACON = Object.freeze({ beaconName: "zkmargin insecure dev beacon", beaconHash: DEV_BEACON_HASH, beaconIterationsExp: DEV_BEACON_ITERATIONS_EXP });

/**
 * Write the development ptau of `power` to `file` (through a temporary file, renamed when complete).
 * "direct" computes every point as a known scalar times a generator (scripts/lib/devPtau.ts: about a minute at power
 * 16); "snarkjs" runs `powersoftau new`, `beacon` and `prepare phase2` (half an hour at power 16), the reference the
 * direct file is byte-compared with.
 */
export async function generateDevPtau(power: number, file: string, log: Logger, method: DevPtauMethod = "direct"): Promise<void> {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = (step: string) => `${file}.${process.pid}.${step}.tmp`;
  const t0 = Date.now();
  const say = (m: string) => log.info(`ptau (INSECURE dev ceremony, power ${power}, ${method}): ${m} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
  try {
    const { snark } = await import("./snark.ts");
    const curve = await snark.curves.getCurveFromName("bn128");
    if (method === "direct") {
      const { writeDevPtau } = await import("./devPtau.ts");
      say("computing new + beacon + prepare phase2 directly (known scalars times the generators)");
      await writeDevPtau(tmp("2"), curve as unknown as import("./devPtau.ts").PtauCurve, { power, ...DEV_BEACON }, { ...log, info: (m) => log.info(`ptau (INSECURE dev ceremony, power ${power}, direct): ${m}`) });
    } else {
      say(`step 1/3 powersoftau new -> ${path.basename(tmp("0"))}`);
      await snark.powersOfTau.newAccumulator(curve, power, tmp("0"), log);
      say("step 2/3 beacon (fixed public beacon: INSECURE)");
      const ok = await snark.powersOfTau.beacon(tmp("0"), tmp("1"), DEV_BEACON.beaconName, DEV_BEACON_HASH, DEV_BEACON_ITERATIONS_EXP, log);
      if (ok === false) throw new BuildError("ptau: powersoftau beacon failed");
      say("step 3/3 prepare phase2 (the long step)");
      await snark.powersOfTau.preparePhase2(tmp("1"), tmp("2"), log);
    }
    renameSync(tmp("2"), file);
    say(`done: ${file}`);
  } finally {
    for (const s of ["0", "1", "2"]) rmSync(tmp(s), { force: true });
  }
}

/**
 * Resolve the ptau for an instance: `ptau` (from --ptau or ZKMARGIN_PTAU) must be a published ceremony file;
 * otherwise the cached or (when `generate`) freshly generated development ptau; undefined if none is cached and
 * `generate` is false.
 */
export async function resolvePtau(minPower: number, log: Logger, ptau?: string): Promise<PtauInfo>;
export async function resolvePtau(minPower: number, log: Logger, ptau: string | undefined, generate: false): Promise<PtauInfo | undefined>;
export async function resolvePtau(minPower: number, log: Logger, ptau?: string, generate = true): Promise<PtauInfo | undefined> {
  const user = ptau ?? (process.env.ZKMARGIN_PTAU !== undefined && process.env.ZKMARGIN_PTAU !== "" ? process.env.ZKMARGIN_PTAU : undefined);
  if (user !== undefined) {
    const info = await checkPublicPtau(user, minPower, log);
    const { power, prepared } = readPtauHeader(info.path);
    if (power !== info.power || !prepared) throw new BuildError(`${info.name}: header power ${power}, prepared ${prepared}: not a prepared phase-2 ptau`);
    return info;
  }
  return devPtau(minPower, log, generate);
}
