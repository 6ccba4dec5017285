import { compileInstance, readR1csInfo } from "./scripts/lib/compile.ts";
import { getInstance, artifactPaths } from "./scripts/lib/instances.ts";
for (const n of process.argv.slice(2)) {
  const t = Date.now();
  const r = compileInstance(getInstance(n));
  console.log(n, readR1csInfo(artifactPaths(n).r1cs).nConstraints, r.warnings, (Date.now()-t)/1000, "s");
}
