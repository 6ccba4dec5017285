/**
 * The batching relayer (client/relay/, docs/DESIGN.md §5.12): runs test/relay/measure.ts in its own process (it
 * starts a `hardhat node` on loopback, 16 subjects prove and sign with the test instance's key, and one relayer with
 * max-batch 16 takes their requests over HTTP and lands them as one attestBatch), and files what it prints: gas per
 * proof of a batch of first attestations and of a batch of same-epoch raises, the intake latency, and one intake's
 * checks timed one by one.
 */
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import path from "node:path";
import { ROOT } from "../lib/instances.ts";
import type { Section } from "./common.ts";

export const relaySection: Section = {
  id: "relay",
  title: "Relayer: attestBatch through the HTTP intake",
  async run(ctx) {
    const load = loadavg()[0].toFixed(1);
    ctx.log("relay: test/relay/measure.ts (hardhat node, 16 subjects, one relayer)");
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ["--import", "tsx", path.join("test", "relay", "measure.ts")], { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`test/relay/measure.ts exited ${r.status}: ${(r.stderr || r.stdout).trim().split("\n").slice(-5).join(" ")}`);
    const s = ((performance.now() - t0) / 1000).toFixed(0);
    return [
      `\`npx tsx test/relay/measure.ts\` (test instance, books at one venue, 16 subjects, max-batch 16; load average ${load} at the start, ${s} s in all). Each batch is one \`attestBatch\` transaction sent by the relayer; gas per proof includes storage, events and the relayer's signature checks. The single-transaction costs are in "Gas" above.`,
      "",
      "```",
      r.stdout.trim(),
      "```",
    ].join("\n");
  },
};
