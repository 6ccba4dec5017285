/**
 * zkmargin's TypeScript SDK: venue account trees and statements, the reference margin model and report,
 * proof generation and verification, and the shared commitments and types.
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
export * from "./generateProof.ts";
export { verifyProof, parseProof, type VerifyProofOptions } from "./verifyProof.ts";
export * from "./report.ts";
export { evaluateMargin, type MarginResult } from "./model.ts";
export { buildCircuitInput, type ProofRequest, type AccountWitness } from "./circuitInput.ts";
