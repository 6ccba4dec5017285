/**
 * Progress of a Groth16 proof, read from snarkjs's logger: snarkjs logs each phase of groth16.prove
 * ("Reading Wtns", "Building ABC", the FFTs, "multiexp A" ... "multiexp H"), and this maps the phases it has seen
 * to a monotone fraction in [0, 1]. Witness generation is the first phase (no log line of its own).
 */

/** snarkjs's phases in order, with the share of proving time each takes (measured roughly on the test instance). */
const PHASES: readonly { match: RegExp; stage: string; at: number }[] = [
  { match: /^Reading Wtns/, stage: "witness computed, reading it", at: 0.2 },
  { match: /^Reading Coeffs/, stage: "reading coefficients", at: 0.22 },
  { match: /^Building ABC/, stage: "building A, B, C", at: 0.25 },
  { match: /IFFT_A|FFT_A/, stage: "FFT A", at: 0.3 },
  { match: /IFFT_B|FFT_B/, stage: "FFT B", at: 0.37 },
  { match: /IFFT_C|FFT_C/, stage: "FFT C", at: 0.44 },
  { match: /^Join ABC|JoinABC/, stage: "joining A, B, C", at: 0.5 },
  { match: /^Reading A Points|multiexp A/, stage: "multiexp A", at: 0.55 },
  { match: /^Reading B1 Points|multiexp B1/, stage: "multiexp B1", at: 0.63 },
  { match: /^Reading B2 Points|multiexp B2/, stage: "multiexp B2", at: 0.7 },
  { match: /^Reading C Points|multiexp C/, stage: "multiexp C", at: 0.82 },
  { match: /^Reading H Points|multiexp H/, stage: "multiexp H", at: 0.88 },
];

export type ProgressFn = (stage: string, fraction: number) => void;

/** The subset of a console-like logger snarkjs calls. */
export interface SnarkLogger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export class ProgressTracker {
  private fraction = 0;
  readonly logger: SnarkLogger;

  constructor(private readonly onProgress: ProgressFn) {
    const see = (msg: string) => this.see(String(msg));
    this.logger = { debug: see, info: see, warn: see, error: see };
  }

  /** Report a named stage; the fraction never goes backwards. */
  stage(stage: string, fraction: number = this.fraction): void {
    this.fraction = Math.max(this.fraction, Math.min(1, fraction));
    this.onProgress(stage, this.fraction);
  }

  private see(msg: string): void {
    const phase = PHASES.find((p) => p.match.test(msg));
    if (phase && phase.at > this.fraction) this.stage(phase.stage, phase.at);
  }
}
