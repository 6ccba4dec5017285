/**
 * snarkjs's logger shape and the shutdown of its bn128 worker threads, without loading snarkjs (the build scripts'
 * no-op path imports this and stays fast). prover/snark.ts and scripts/lib/common.ts re-export it.
 */

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
