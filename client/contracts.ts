/**
 * The compiled contracts (Hardhat's artifacts/ folder, written by `npx hardhat build`): ABI and bytecode by contract
 * name, so that the CLI deploys to and talks to any JSON-RPC chain through plain ethers with the very ABI the
 * contracts were compiled with (no hand-copied fragments to drift). `ZKMARGIN_CONTRACTS` points at another
 * artifacts folder.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Contract, ContractFactory, type BaseContract, type ContractRunner, type InterfaceAbi, type Signer } from "ethers";
import { ZkMarginArtifactError } from "../prover/errors.ts";
import { ROOT } from "../scripts/lib/instances.ts";

export interface ContractArtifact {
  contractName: string;
  sourceName: string;
  abi: InterfaceAbi;
  bytecode: string;
}

export function artifactsDir(): string {
  return process.env.ZKMARGIN_CONTRACTS ?? path.join(ROOT, "artifacts");
}

let index: Map<string, string[]> | undefined;

/** contract name → artifact files (several when two sources define the same name). */
function artifactIndex(dir: string): Map<string, string[]> {
  if (index) return index;
  const out = new Map<string, string[]>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === "build-info") continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".json") && !e.name.endsWith(".dbg.json")) out.set(e.name.slice(0, -5), [...(out.get(e.name.slice(0, -5)) ?? []), p]);
    }
  };
  if (existsSync(dir)) walk(dir);
  index = out;
  return out;
}

/**
 * A compiled contract by name ("OracleHub") or fully qualified name
 * ("verifier-contracts/generated/test/MarginVerifier.sol:InstanceMarginAttestor"). Throws ZkMarginArtifactError
 * naming the build command when it is not compiled.
 */
export function contractArtifact(name: string): ContractArtifact {
  const dir = artifactsDir();
  let file: string | undefined;
  const colon = name.lastIndexOf(":");
  if (colon >= 0) {
    file = path.join(dir, name.slice(0, colon), `${name.slice(colon + 1)}.json`);
    if (!existsSync(file)) file = undefined;
  } else {
    const found = artifactIndex(dir).get(name) ?? [];
    if (found.length > 1) throw new Error(`contract name ${name} is ambiguous in ${dir}: use its fully qualified name`);
    file = found[0];
  }
  if (file === undefined) {
    throw new ZkMarginArtifactError(`contract ${name} is not compiled in ${dir} (run \`npx hardhat build\` after building the instance's keys)`);
  }
  const a = JSON.parse(readFileSync(file, "utf8")) as ContractArtifact;
  return { contractName: a.contractName, sourceName: a.sourceName, abi: a.abi, bytecode: a.bytecode };
}

/** A deployed contract of a compiled type at `address`. */
export function attach<T extends BaseContract = Contract>(name: string, address: string, runner: ContractRunner): T {
  return new Contract(address, contractArtifact(name).abi, runner) as unknown as T;
}

/** Deploy a compiled contract with `signer` and wait for it (the same as hardhat-ethers' deployContract). */
export async function deployCompiled(name: string, args: readonly unknown[], signer: Signer): Promise<BaseContract> {
  const a = contractArtifact(name);
  const factory = new ContractFactory(a.abi, a.bytecode, signer);
  const c = await factory.deploy(...args);
  await c.waitForDeployment();
  return c;
}
