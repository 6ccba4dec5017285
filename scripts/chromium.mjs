// `npm test`'s first step (plain JavaScript: it runs before anything is built): the browser test (test/browser/)
// drives Debian's Chromium and never downloads a browser. When /usr/bin/chromium (or ZKMARGIN_CHROMIUM) is missing
// and this is root on a machine with apt-get, install Debian's package; otherwise stop with the exact command to run.
// ZKMARGIN_SKIP_CHROMIUM=1 skips the check (e.g. running the suite without the browser test on another OS).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const chromium = process.env.ZKMARGIN_CHROMIUM ?? "/usr/bin/chromium";
const command = "apt-get update && apt-get install -y chromium";

if (process.env.ZKMARGIN_SKIP_CHROMIUM !== "1" && !existsSync(chromium)) {
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  const apt = spawnSync("sh", ["-c", "command -v apt-get"], { stdio: "ignore" }).status === 0;
  if (process.env.ZKMARGIN_CHROMIUM === undefined && root && apt) {
    process.stderr.write(`test: the browser test needs Chromium (${chromium}); installing Debian's package: ${command}\n`);
    const r = spawnSync("sh", ["-c", `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium`], { stdio: "inherit" });
    if (r.status !== 0 || !existsSync(chromium)) {
      process.stderr.write(`test: installing Chromium failed; run \`${command}\` as root, or set ZKMARGIN_CHROMIUM to a Chromium binary\n`);
      process.exit(1);
    }
  } else {
    process.stderr.write(
      `test: the browser test needs Chromium at ${chromium} and nothing is ever downloaded: run \`sudo sh -c '${command}'\`` +
        " (Debian/Ubuntu), or set ZKMARGIN_CHROMIUM to a Chromium binary (ZKMARGIN_SKIP_CHROMIUM=1 skips this check)\n",
    );
    process.exit(1);
  }
}
