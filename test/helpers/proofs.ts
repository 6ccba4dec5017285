/**
 * Real Groth16 proofs for the contract tests, from the project's own keys (build/<instance>/, made by
 * `npx tsx scripts/build.ts <instance>`): snarkjs fullProve on the real circuit input, packed for the contracts by
 * prover/packProof.ts. Generate once per test file (before hook) and reuse; call releaseProofs() in after().
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildCircuitInput, type ProofRequest } from "../../prover/circuitInput.ts";
import { accountLeaf, holdingWords, ownerHash } from "../../prover/commitments.ts";
import { packProof, type Groth16Proof } from "../../prover/packProof.ts";
import { flattenPublicInputs, type PublicInputs } from "../../prover/publicSignals.ts";
import { VenueTree } from "../../prover/tree.ts";
import { Kind, type Holding } from "../../prover/types.ts";
import { ROOT, artifactPaths } from "../../scripts/lib/instances.ts";
import { snark, terminateCurve } from "../../scripts/lib/snark.ts";

/** A proof with its packed words and its public signals. */
export interface RealProof {
  proof: Groth16Proof;
  /** [A.x, A.y, B.x1, B.x0, B.y1, B.y0, C.x, C.y] */
  packed: bigint[];
  publicSignals: bigint[];
}

/** A margin proof with its named public inputs. */
export interface MarginProof extends RealProof {
  publicInputs: PublicInputs;
}

/**
 * Throws a clear message when an instance's proving artifacts are missing, or when the compiled verifiers are not
 * those of the current verification key (keys rebuilt without `npx hardhat build`): their bytecode must carry the
 * key's IC[0].x constant.
 */
export function requireArtifacts(instance: string): { wasm: string; zkey: string; vkey: string } {
  const p = artifactPaths(instance);
  for (const f of [p.wasm, p.zkey, p.vkey, p.verifier]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: run \`npx tsx scripts/build.ts ${instance}\` and \`npx hardhat build\` first`);
  }
  const vk = JSON.parse(readFileSync(p.vkey, "utf8")) as { IC: string[][] };
  const ic0 = BigInt(vk.IC[0][0]).toString(16).padStart(64, "0");
  for (const name of ["Groth16Verifier", "Groth16BatchVerifier"]) {
    const artifact = `${ROOT}/artifacts/verifier-contracts/generated/${instance}/${name}.sol/${name}.json`;
    const bytecode = existsSync(artifact) ? (JSON.parse(readFileSync(artifact, "utf8")) as { bytecode: string }).bytecode : "";
    if (!bytecode.includes(ic0)) {
      throw new Error(`${artifact} is missing or was compiled from another key than ${p.vkey}: run \`npx hardhat build\``);
    }
  }
  return { wasm: p.wasm, zkey: p.zkey, vkey: p.vkey };
}

const pinned = new Map<string, { wasm: string; zkey: string }>();

/**
 * The instance's wasm and zkey, copied once per process to a private directory, so that a rebuild of build/<instance>
 * by someone else while the tests run cannot pull the files from under the prover.
 */
function pinnedArtifacts(instance: string): { wasm: string; zkey: string } {
  let p = pinned.get(instance);
  if (!p) {
    const src = requireArtifacts(instance);
    const dir = mkdtempSync(path.join(tmpdir(), `zkmargin-${instance}-`));
    p = { wasm: path.join(dir, "circuit.wasm"), zkey: path.join(dir, "circuit.zkey") };
    copyFileSync(src.wasm, p.wasm);
    copyFileSync(src.zkey, p.zkey);
    pinned.set(instance, p);
  }
  return p;
}

async function prove(instance: string, input: Record<string, unknown>): Promise<RealProof> {
  const { wasm, zkey } = pinnedArtifacts(instance);
  const out = await snark.groth16.fullProve(input as never, wasm, zkey);
  if (out.proof.protocol !== "groth16" || out.proof.curve !== "bn128") throw new Error(`prove: unexpected proof ${out.proof.protocol}/${out.proof.curve}`);
  const proof: Groth16Proof = { ...out.proof, protocol: "groth16", curve: "bn128" };
  const publicSignals = out.publicSignals;
  return { proof, packed: packProof(proof).map((x) => BigInt(x)), publicSignals: publicSignals.map((x) => BigInt(x)) };
}

/** A MarginProof ("test" or "prod" instance) for a proof request, checked by buildCircuitInput first. */
export async function proveMargin(req: ProofRequest, instance = "test"): Promise<MarginProof> {
  const { input, publicInputs } = buildCircuitInput(req);
  const p = await prove(instance, input);
  const expected = flattenPublicInputs(publicInputs);
  if (p.publicSignals.some((s, i) => s !== expected[i])) {
    throw new Error("proveMargin: the circuit's public signals differ from buildCircuitInput's publicInputs");
  }
  return { ...p, publicInputs };
}

/** An AccountInclusion ("leaf" instance) proof of account `i` of venue `venueId`: public signals [root, venueId]. */
export async function proveLeaf(i: number, venueId = 7n): Promise<RealProof> {
  const traderSecret = 0x5ec12e7n + BigInt(i);
  const salt = 0xa11ce5a17n * BigInt(i + 1);
  const holdings: Holding[] = [
    { asset: 0, kind: Kind.Spot, size: 150_000_000n + BigInt(i), entryPrice: 0n, mark: 0n, delta: 1n, gamma: 0n, vega: 0n },
  ];
  const words = holdingWords(holdings, { N: 3, A: 3 }); // the leaf instance's W = 4
  const leaf = accountLeaf(ownerHash(traderSecret, salt), venueId, words);
  const tree = new VenueTree(4, [11n, 22n, leaf, BigInt(i) + 100n]);
  const p = tree.path(2);
  return prove("leaf", { root: p.root, venueId, traderSecret, salt, words, index: p.leafIndex, siblings: p.siblings });
}

/** The same proof with A negated: points stay on the curve, so only the pairing check can reject it. */
export function tamperA(packed: readonly bigint[]): bigint[] {
  const q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
  const out = [...packed];
  out[1] = (q - out[1]) % q;
  return out;
}

/** Stop snarkjs's worker threads so the test process can exit. */
export async function releaseProofs(): Promise<void> {
  await terminateCurve();
}
