/**
 * What the build scripts share without loading snarkjs (a no-op build never loads it): the build's error type, the
 * snarkjs logger shape and the curve-worker shutdown (the SDK's, prover/curve.ts). scripts/lib/snark.ts re-exports all of it.
 */

/** A build problem with one clear message: the CLI prints it without a stack trace and exits non-zero. */
export class BuildError extends Error {
  override name = "BuildError";
}

export { terminateCurve, type Curve, type Logger } from "../../prover/curve.ts";
