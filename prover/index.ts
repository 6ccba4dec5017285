/**
 * zkmargin's TypeScript SDK (`@zkmargin/prover`): venue account trees and statements, the reference margin model and
 * report, proof generation and verification with artifacts passed in (bytes, paths or URLs: prover/artifacts.ts),
 * and the shared commitments and types. Runs in Node and in browsers; the Node-only helpers (circom's C++ witness
 * generator, artifacts from a build directory) are `@zkmargin/prover/node` (prover/node.ts).
 */
export * from "./types.ts";
export * from "./hash.ts";
export * from "./commitments.ts";
export * from "./publicSignals.ts";
export { VenueTree, rootFromPath, type MerklePath } from "./tree.ts";
export * from "./errors.ts";
export * from "./statement.ts";
export * from "./venue.ts";
export * from "./validate.ts";
export * from "./packProof.ts";
export * from "./artifacts.ts";
export * from "./generateProof.ts";
export { verifyProof, parseProof } from "./verifyProof.ts";
export { ProverSession, type SessionProof } from "./proverSession.ts";
export { wasmWitnessGenerator, snarkjsWitness, type WitnessEngine, type WitnessGenerator } from "./witness.ts";
export { terminateCurve, type VerificationKey, type Logger } from "./snark.ts";
export * from "./report.ts";
export { evaluateMargin, type MarginResult } from "./model.ts";
export { buildCircuitInput, type ProofRequest, type AccountWitness } from "./circuitInput.ts";
