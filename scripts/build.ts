/**
 * Build circuit instances end to end: compile → powers of tau → phase 2 → export → manifest.
 *
 *   npx tsx scripts/build.ts leaf test            # instances from circuits/circuits.json
 *   npx tsx scripts/build.ts prod --ptau powersOfTau28_hez_final_18.ptau
 *
 * A second run with nothing changed does no work. Without --ptau (or ZKMARGIN_PTAU) the keys come from an INSECURE
 * local development ceremony cached in ~/.cache/zkmargin/ptau/.
 */
import { Command } from "commander";
import { loadInstances } from "./lib/instances.ts";
import { BuildError, buildInstance } from "./lib/pipeline.ts";
import { terminateCurve } from "./lib/common.ts";

const program = new Command()
  .name("build")
  .description("Compile circuit instances and build their Groth16 keys, verifiers and manifests")
  .argument("<instances...>", `instances from circuits/circuits.json (${Object.keys(loadInstances()).join(", ")})`)
  .option("--ptau <file>", "a public-ceremony ptau (powersOfTau28_hez_final_NN.ptau), checked against its published hash; default env ZKMARGIN_PTAU, else the INSECURE dev ptau")
  .option("--force", "rebuild even if nothing changed")
  .option("--skip-zkey-verify", "skip `zkey verify` (local iteration only; recorded in the manifest, the next build without it verifies)")
  .showHelpAfterError();

async function main(): Promise<number> {
  program.parse();
  const names = program.args;
  const opts = program.opts<{ ptau?: string; force?: boolean; skipZkeyVerify?: boolean }>();
  const known = loadInstances();
  const unknown = names.filter((n) => !(n in known));
  if (unknown.length > 0) {
    throw new BuildError(`unknown circuit instance ${unknown.map((n) => `"${n}"`).join(", ")} (known: ${Object.keys(known).join(", ")})`);
  }
  for (const name of names) {
    const t0 = Date.now();
    const { skipped, manifest } = await buildInstance(name, { ptau: opts.ptau, force: opts.force, skipZkeyVerify: opts.skipZkeyVerify });
    const secs = ((Date.now() - t0) / 1000).toFixed(1);
    console.log(
      skipped
        ? `[${name}] up to date, skipped (${secs}s)`
        : `[${name}] built in ${secs}s: ${manifest.constraints} constraints, ptau ${manifest.ptau.name}${manifest.phase2.insecure ? " (INSECURE development setup: not for production)" : ""}`,
    );
  }
  return 0;
}

let code = 1;
try {
  code = await main();
} catch (e) {
  if (e instanceof BuildError) console.error(`build error: ${e.message}`);
  else console.error(e);
  code = 1;
} finally {
  await terminateCurve();
}
process.exit(code);
