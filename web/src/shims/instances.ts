/**
 * Browser stand-in for scripts/lib/instances.ts (which reads circuits/circuits.json with node:fs). Vite aliases
 * that module to this one in the page's bundle (web/server.ts), so prover/generateProof.ts and
 * prover/verifyProof.ts run unchanged in the browser: the instance table is the same circuits/circuits.json,
 * embedded at build time, and an instance's artifacts are the URLs web/server.ts serves them at.
 */
import circuits from "../../../circuits/circuits.json" with { type: "json" };
import { artifactUrls } from "../protocol.ts";

export const ROOT = "/";

export interface Instance {
  name: string;
  file: string;
  template: string;
  params: Record<string, number>;
  pubs: string[];
  ptauPower: number;
}

export function loadInstances(): Record<string, Instance> {
  const out: Record<string, Instance> = {};
  for (const [name, value] of Object.entries(circuits as Record<string, unknown>)) {
    if (name.startsWith("$")) continue;
    out[name] = { ...(value as Omit<Instance, "name">), name };
  }
  return out;
}

export function getInstance(name: string): Instance {
  const all = loadInstances();
  const inst = all[name];
  if (!inst) throw new Error(`unknown circuit instance "${name}" (known: ${Object.keys(all).join(", ")})`);
  return inst;
}

export function cacheDir(): string {
  throw new Error("cacheDir: there is no ptau cache in the browser");
}

/** The URLs of an instance's artifacts on the page's own server (the names mirror the Node layout's keys). */
export function artifactPaths(name: string) {
  const urls = artifactUrls(name, "");
  const dir = `/artifacts/${encodeURIComponent(name)}`;
  const none = `${dir}/not-served`;
  return { dir, main: none, r1cs: none, sym: none, ...urls, verifierDir: none, verifier: none, manifest: `${dir}/manifest.json` };
}
