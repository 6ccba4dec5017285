/**
 * What the build scripts share without loading snarkjs (a no-op build never loads it): the build's error type, the
 * snarkjs logger shape and the curve-worker shutdown. scripts/lib/snark.ts re-exports all of it.
 */

/** A build problem with one clear message: the CLI prints it without a stack trace and exits non-zero. */
export class BuildError extends Error {
  override name = "BuildError";
}

/** snarkjs's logger interface (logplease-like); `log` is used by `powersoftau new`. */
export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  log(msg: string): void;
}

export interface Curve {
  terminate(): Promise<void>;
}

/** Stop snarkjs's bn128 worker threads (cached on globalThis by ffjavascript) so that the process can exit. */
export async function terminateCurve(): Promise<void> {
  const g = globalThis as { curve_bn128?: Curve | null };
  if (g.curve_bn128) {
    await g.curve_bn128.terminate();
    g.curve_bn128 = null;
  }
}
