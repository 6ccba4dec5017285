/**
 * Proof progress for people: cli-progress bars on a terminal (stderr), one line per finished stage otherwise
 * (CI logs, pipes). Used by `zkmargin prove` and the demo.
 */
import cliProgress from "cli-progress";
import type { ProofProgress } from "../prover/generateProof.ts";

/** Progress bars on a terminal (stderr), one line per stage otherwise. */
export function progressReporter(quiet: boolean): { onProgress: (p: ProofProgress) => void; stop: () => void } {
  if (quiet) return { onProgress: () => undefined, stop: () => undefined };
  const tty = process.stderr.isTTY === true;
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: "{stage} [{bar}] {percentage}% {message}", hideCursor: true, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  let current: string | undefined;
  let started = Date.now();
  const onProgress = (p: ProofProgress) => {
    if (p.stage === "done") return;
    if (p.stage !== current) {
      if (current && tty) bar.stop();
      current = p.stage;
      started = Date.now();
      if (tty) bar.start(100, 0, { stage: p.stage.padEnd(8), message: p.message });
      else process.stderr.write(`${p.stage}: ${p.message}\n`);
    }
    if (tty) bar.update(Math.round(p.fraction * 100), { stage: p.stage.padEnd(8), message: p.message });
    else if (p.fraction === 1) process.stderr.write(`${p.stage}: ${p.message} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  };
  return { onProgress, stop: () => tty && current !== undefined && bar.stop() };
}

