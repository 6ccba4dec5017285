import { compileInstance, readR1csInfo } from "./scripts/lib/compile.ts";
import { artifactPaths } from "./scripts/lib/instances.ts";
const units: [string, string, Record<string, number>][] = JSON.parse(process.argv[2]);
for (const [file, template, params] of units) {
  const name = `unit_${template}_${Object.values(params).join("_")}`;
  const r = compileInstance({ name, file, template, params, pubs: [], ptauPower: 8 });
  console.log(template, JSON.stringify(params), readR1csInfo(artifactPaths(name).r1cs).nConstraints, r.warnings.length);
}
