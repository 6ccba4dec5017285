/**
 * A valid circuit input per instance, for the soundness scan (which needs one satisfying witness to perturb).
 * "leaf" (AccountInclusion): one account in a small venue tree. MarginProof instances: a realistic hedged book from
 * test/fixtures/market.ts through prover/circuitInput.ts buildCircuitInput, the same path the prover takes.
 */
import { pathToFileURL } from "node:url";
import path from "node:path";
import { accountLeaf, holdingWords, ownerHash } from "../../prover/commitments.ts";
import { VenueTree } from "../../prover/tree.ts";
import { Kind, type Holding } from "../../prover/types.ts";
import { ROOT, getInstance } from "../../scripts/lib/instances.ts";

export type CircuitInput = Record<string, unknown>;

function leafInput(D: number): CircuitInput {
  const secret = 0x5eC2e7n;
  const salt = 0xa11cen;
  const venueId = 7n;
  const holdings: Holding[] = [{ asset: 1, kind: Kind.Linear, size: 250_000_000n, entryPrice: 3_000_00000000n, mark: 0n, delta: 1n, gamma: 0n, vega: 0n }];
  const words = holdingWords(holdings, { N: 3, A: 3 }); // the leaf instance's W = 4
  const leaf = accountLeaf(ownerHash(secret, salt), venueId, words);
  const tree = new VenueTree(D, [11n, 22n, leaf, 33n, 44n]);
  const p = tree.path(2);
  return {
    root: p.root,
    venueId,
    traderSecret: secret,
    salt,
    words,
    index: p.leafIndex,
    siblings: p.siblings,
  };
}

export interface LabelledInput {
  label: string;
  input: CircuitInput;
}

interface MarginSampleModule {
  sampleMarginInputs(params: Record<string, number>): LabelledInput[];
}

/** Valid inputs for an instance of circuits/circuits.json (the scan runs on each). */
export async function sampleInputs(instance: string): Promise<LabelledInput[]> {
  const inst = getInstance(instance);
  if (inst.template === "AccountInclusion") return [{ label: "one account in a 5-account tree", input: leafInput(inst.params.D) }];
  if (inst.template === "MarginProof") {
    const mod = (await import(pathToFileURL(path.join(ROOT, "client", "audit", "marginSample.ts")).href)) as MarginSampleModule;
    return mod.sampleMarginInputs(inst.params);
  }
  throw new Error(`no sample input for template ${inst.template} (instance "${instance}"): pass --input FILE`);
}
