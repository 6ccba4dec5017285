/**
 * The deployment file `zkmargin deploy` writes and every chain command reads (`--deployment <file>` or
 * ZKMARGIN_DEPLOYMENT): chain id, circuit instance, every contract's address, the domain, the lifecycle timing, and
 * whether the keys come from the insecure development setup. Read with one named error per bad field.
 */
import { getAddress } from "ethers";
import { z } from "zod";
import { ZkMarginInputError } from "../prover/errors.ts";
import { parseWith } from "../prover/statement.ts";
import { readText } from "./io.ts";

export const DEPLOYMENT_FORMAT = "zkmargin-deployment/1";

/** The contracts of a deployment, by the name the deployment file uses. */
export const CONTRACT_NAMES = [
  "PoseidonT9",
  "RiskTimelock",
  "RiskParams",
  "OracleHub",
  "VenueRegistry",
  "Groth16Verifier",
  "MarginVerifier",
  "Groth16BatchVerifier",
  "MarginAttestor",
] as const;
export type ContractName = (typeof CONTRACT_NAMES)[number];

const Address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "expected an address (0x + 40 hex digits)")
  .refine(
    (a) => {
      try {
        getAddress(a);
        return true;
      } catch {
        return false;
      }
    },
    { message: "invalid EIP-55 checksum" },
  )
  .transform((a) => getAddress(a));
const Uint = z
  .string()
  .regex(/^[0-9]+$/, "expected a decimal integer string")
  .transform((s) => BigInt(s));

export const DeploymentSchema = z
  .object({
    format: z.literal(DEPLOYMENT_FORMAT),
    chainId: Uint,
    /** the circuit instance whose verifier the attestor inlines */
    instance: z.string().regex(/^[A-Za-z0-9_-]+$/),
    /** the keys come from an insecure development setup (manifest "insecure") */
    insecureKeys: z.boolean(),
    /** sha256 of the verification key the verifiers were generated from (build/<instance>/manifest.json) */
    vkeySha256: z.string().regex(/^[0-9a-f]{64}$/),
    deployer: Address,
    /** the block of the last deployment transaction */
    block: z.number().int().nonnegative(),
    domain: Uint,
    timing: z.object({ ttl: Uint, renewalWindow: Uint, gracePeriod: Uint }).strict(),
    riskDelay: Uint,
    contracts: z.object(Object.fromEntries(CONTRACT_NAMES.map((n) => [n, Address])) as Record<ContractName, typeof Address>).strict(),
    /** per asset, the mock AggregatorV3 feeds deployed for a development chain (empty: real feeds) */
    mockFeeds: z.array(z.array(Address)),
  })
  .strict();
export type Deployment = z.output<typeof DeploymentSchema>;

/** Parse a deployment (object or JSON text); a bad field is one ZkMarginInputError naming its path. */
export function parseDeployment(value: unknown, label = "deployment"): Deployment {
  return parseWith(DeploymentSchema, value, label);
}

/** Read the deployment file `file` (`--deployment`). */
export function readDeployment(file: string | undefined): Deployment & { file: string } {
  if (!file) throw new ZkMarginInputError("deployment", "give --deployment <file> (written by `zkmargin deploy`) or set ZKMARGIN_DEPLOYMENT");
  return { ...parseDeployment(readText(file, "deployment"), `deployment (${file})`), file };
}
