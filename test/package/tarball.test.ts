/**
 * The SDK as a package, the way a project outside this repository gets it: `npm pack -w prover` builds
 * @zkmargin/prover to JavaScript with type declarations and packs the tarball; a temporary project outside the
 * repository installs it offline (the tarball, and its dependencies from npm's cache only: the project's lockfile is
 * the tarball plus the SDK's dependency closure taken from this repository's package-lock.json, so nothing is
 * resolved against a registry) and, in plain JavaScript with no TypeScript loader, generates and verifies a proof
 * with a copy of the test instance's build folder and type-checks a TypeScript consumer against the declarations.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { ROOT } from "../../scripts/lib/instances.ts";
import { buildInstance } from "../../scripts/lib/pipeline.ts";
import { FIXTURE_DIR } from "../fixtures/cli/generate.ts";


interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dev?: boolean;
  link?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  [k: string]: unknown;
}

/** The lockfile entries of `deps`' closure as this repository's package-lock.json resolved them (node's lookup). */
function closure(packages: Record<string, LockEntry>, deps: Record<string, string>): Record<string, LockEntry> {
  const out: Record<string, LockEntry> = {};
  const resolve = (name: string, from: string): string | undefined => {
    for (let dir = from; ; ) {
      const p = `${dir ? `${dir}/` : ""}node_modules/${name}`;
      if (packages[p]) return p;
      if (!dir) return undefined;
      const i = dir.lastIndexOf("/node_modules/");
      dir = i < 0 ? "" : dir.slice(0, i);
    }
  };
  const visit = (names: string[], from: string) => {
    for (const name of names) {
      const p = resolve(name, from);
      if (!p) continue; // an optional dependency of another platform
      if (out[p]) continue;
      const { dev: _dev, devOptional: _devOptional, ...entry } = packages[p];
      out[p] = entry;
      visit([...Object.keys(entry.dependencies ?? {}), ...Object.keys(entry.optionalDependencies ?? {})], p);
    }
  };
  visit(Object.keys(deps), "");
  return out;
}

describe("# @zkmargin/prover as a packed tarball, installed offline outside the repository", function () {
  this.timeout(900_000);
  let dir: string;
  /** `cmd` is "npm" (the one on the PATH, run by this Node) or a script for this Node */
  const run = (args: string[], cwd: string, cmd = process.execPath) => {
    const r = spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, npm_config_update_notifier: "false" }, timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
    expect(r.status, `${args.join(" ")}\n${r.stdout}\n${r.stderr}`).to.equal(0);
    return r.stdout;
  };

  before(async () => {
    await buildInstance("test", { log: () => undefined });
    dir = mkdtempSync(path.join(tmpdir(), "zkmargin-pkg-"));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("should pack JavaScript with type declarations and no TypeScript sources", () => {
    const packed = JSON.parse(run(["pack", "-w", "prover", "--pack-destination", dir, "--json"], ROOT, "npm")) as { filename: string; files: { path: string }[] }[];
    const files = packed[0].files.map((f) => f.path);
    expect(files).to.include.members(["package.json", "dist/index.js", "dist/index.d.ts", "dist/node.js", "dist/node.d.ts"]);
    expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")), "TypeScript sources in the tarball").to.deep.equal([]);
    expect(packed[0].filename).to.equal("zkmargin-prover-0.1.0.tgz");
  });

  it("should install offline into a project outside the repository, prove and verify there in plain JavaScript", () => {
    const tgz = path.join(dir, "zkmargin-prover-0.1.0.tgz");
    const proj = path.join(dir, "consumer");
    mkdirSync(proj);
    const sdk = JSON.parse(readFileSync(path.join(ROOT, "prover", "package.json"), "utf8")) as { dependencies: Record<string, string>; engines: Record<string, string> };
    const repoLock = JSON.parse(readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, LockEntry> };
    const integrity = `sha512-${createHash("sha512").update(readFileSync(tgz)).digest("base64")}`;
    const dependencies = { "@zkmargin/prover": `file:${tgz}` };
    writeFileSync(path.join(proj, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module", dependencies }, null, 2));
    const packages: Record<string, LockEntry> = {
      "": { name: "consumer", dependencies },
      "node_modules/@zkmargin/prover": { version: "0.1.0", resolved: `file:${tgz}`, integrity, license: "MIT", dependencies: sdk.dependencies, engines: sdk.engines },
      ...closure(repoLock.packages, sdk.dependencies),
    };
    writeFileSync(path.join(proj, "package-lock.json"), JSON.stringify({ name: "consumer", lockfileVersion: 3, requires: true, packages }, null, 2));
    run(["ci", "--offline", "--no-audit", "--no-fund", "--ignore-scripts"], proj, "npm");

    // the test instance's build folder, copied: the consumer knows nothing of this repository's layout
    cpSync(path.join(ROOT, "build", "test"), path.join(proj, "artifacts"), { recursive: true });
    for (const f of ["venue-11.json", "venue-22.json", "market.json", "risk.json", "secret.txt"]) cpSync(path.join(FIXTURE_DIR, f), path.join(proj, f));
    writeFileSync(
      path.join(proj, "prove.mjs"),
      `import { readFileSync } from "node:fs";
import { generateProof, verifyProof, parseMarket, parseRisk, releaseProver } from "@zkmargin/prover";
import { artifactsFromDir } from "@zkmargin/prover/node";
const artifacts = artifactsFromDir("./artifacts");
const proof = await generateProof({
  statements: [readFileSync("venue-11.json", "utf8"), readFileSync("venue-22.json", "utf8")],
  traderSecret: BigInt(readFileSync("secret.txt", "utf8").trim()),
  market: parseMarket(readFileSync("market.json", "utf8")),
  risk: parseRisk(readFileSync("risk.json", "utf8")),
  epoch: 7n, subject: 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BCn, domain: 7n, minExcess: 50_000n * 100_000_000n,
}, artifacts);
const valid = await verifyProof(proof, artifacts);
const forged = structuredClone(proof);
forged.publicSignals[forged.publicSignals.length - 1] = (60_000n * 100_000_000n).toString();
const forgedValid = await verifyProof(forged, artifacts);
await releaseProver();
console.log(JSON.stringify({ instance: proof.instance, valid, forgedValid, resolved: import.meta.resolve("@zkmargin/prover") }));
`,
    );
    const out = JSON.parse(run(["prove.mjs"], proj).trim().split("\n").at(-1)!) as { instance: string; valid: boolean; forgedValid: boolean; resolved: string };
    expect(out).to.include({ instance: "test", valid: true, forgedValid: false });
    expect(out.resolved).to.match(/consumer\/node_modules\/@zkmargin\/prover\/dist\/index\.js$/);

    // the declarations type-check a TypeScript consumer (this repository's tsc, the consumer's node_modules)
    writeFileSync(
      path.join(proj, "check.ts"),
      `import { generateProof, type ZkMarginProof, type ProveInput } from "@zkmargin/prover";
import { artifactsFromDir } from "@zkmargin/prover/node";
export async function prove(input: ProveInput): Promise<ZkMarginProof> { return generateProof(input, artifactsFromDir("./artifacts")); }
// @ts-expect-error minExcess is a bigint
export const bad: ProveInput["minExcess"] = "1";
`,
    );
    writeFileSync(path.join(proj, "tsconfig.json"), JSON.stringify({ compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, skipLibCheck: true, types: [] }, files: ["check.ts"] }));
    execFileSync(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", proj], { cwd: proj, encoding: "utf8" });
  });
});
