/**
 * `zkmargin audit --rpc <url> --deployment <file>`: check a deployment against this machine's build of the instance.
 * The verifiers embed the verification key as constants, so a deployed verifier whose runtime code equals the
 * compiled one (immutables masked: the domain, the registry, … set at construction) verifies exactly the local keys;
 * the deployment file's vkey hash and domain are checked against the local key and the attestor's domain(), and the
 * node must be the deployment's chain (client/chain.ts connectChain).
 */
import { readFileSync, existsSync } from "node:fs";
import path from "node:path";
import { connectChain } from "../chain.ts";
import { artifactsDir } from "../contracts.ts";
import { verifierArtifactNames } from "../deploy.ts";
import { localArtifacts } from "../../scripts/lib/instances.ts";

export interface DeploymentCheck {
  name: string;
  ok: boolean;
  detail: string;
}

interface CompiledRuntime {
  deployedBytecode: string;
  immutableReferences?: Record<string, { start: number; length: number }[]>;
}

function compiledRuntime(fqName: string): CompiledRuntime {
  const colon = fqName.lastIndexOf(":");
  const file = path.join(artifactsDir(), fqName.slice(0, colon), `${fqName.slice(colon + 1)}.json`);
  if (!existsSync(file)) throw new Error(`${fqName} is not compiled (npx hardhat build)`);
  return JSON.parse(readFileSync(file, "utf8")) as CompiledRuntime;
}

/** Runtime code with every immutable's bytes zeroed (hex without 0x). */
function masked(code: string, refs: CompiledRuntime["immutableReferences"]): string {
  const bytes = Buffer.from(code.replace(/^0x/, ""), "hex");
  for (const list of Object.values(refs ?? {})) for (const r of list) if (r.start + r.length <= bytes.length) bytes.fill(0, r.start, r.start + r.length);
  return bytes.toString("hex");
}

/** The deployment checks, and whether the local keys are the insecure development ones. */
export async function auditDeployment(o: { instance: string; rpc?: string; deployment?: string }): Promise<{ checks: DeploymentCheck[]; insecure: boolean }> {
  const local = localArtifacts(o.instance);
  const chain = await connectChain({ rpc: o.rpc, deployment: o.deployment });
  const checks: DeploymentCheck[] = [];
  try {
    const d = chain.deployment;
    checks.push({ name: "deployment instance", ok: d.instance === o.instance, detail: `${d.file} deploys instance "${d.instance}"; audited: "${o.instance}"` });
    const vk = local.instance.sha256?.vkey ?? "";
    checks.push({ name: "verification key", ok: d.vkeySha256 === vk, detail: d.vkeySha256 === vk ? `sha256 ${vk.slice(0, 16)}… is the local key's` : `the deployment's sha256 ${d.vkeySha256.slice(0, 16)}… is not the local key's ${vk.slice(0, 16)}…` });
    const names = verifierArtifactNames(o.instance);
    const deployed: [string, string, string][] = [
      ["Groth16Verifier", names.verifier, d.contracts.Groth16Verifier],
      ["MarginVerifier", names.marginVerifier, d.contracts.MarginVerifier],
      ["Groth16BatchVerifier", names.batchVerifier, d.contracts.Groth16BatchVerifier],
      ["MarginAttestor", names.attestor, d.contracts.MarginAttestor],
    ];
    for (const [label, fq, address] of deployed) {
      const compiled = compiledRuntime(fq);
      const code = await chain.provider.getCode(address);
      const same = code !== "0x" && masked(code, compiled.immutableReferences) === masked(compiled.deployedBytecode, compiled.immutableReferences);
      checks.push({ name: `${label} code`, ok: same, detail: same ? `${address}: the runtime code compiled from the local keys (immutables masked)` : code === "0x" ? `no code at ${address}` : `${address}: runtime code differs from the compiled ${fq}` });
    }
    const domain = await chain.attestor.domain();
    checks.push({ name: "domain", ok: domain === d.domain, detail: `MarginAttestor.domain() ${domain === d.domain ? "equals" : "differs from"} the deployment file's` });
  } finally {
    chain.close();
  }
  return { checks, insecure: local.instance.insecure };
}
