/**
 * A warm Groth16 prover for long-running processes (the CLI's watch/service mode, the venue kit): it keeps snarkjs's
 * bn128 curve (its worker threads), the proving key's bytes and the witness generator loaded between proofs, so that
 * each proof pays for the witness and the proof only. close() stops the workers once the last open session closes.
 *
 *   const session = await ProverSession.open("prod");
 *   const { proof, publicSignals } = await session.prove(circuitInput);
 *   await session.close();
 */
import { readFileSync } from "node:fs";
import { artifactPaths, getInstance } from "../scripts/lib/instances.ts";
import { snark, terminateCurve, type CircuitInput, type Groth16Proof, type Logger } from "../scripts/lib/snark.ts";
import { ZkMarginArtifactError } from "./errors.ts";
import { witnessGenerator, type WitnessEngine, type WitnessGenerator } from "./witness.ts";

interface MemFile {
  type: "mem";
  data: Uint8Array;
}
interface Prover {
  groth16: { prove(zkey: string | MemFile, wtns: string | MemFile, logger?: Logger): Promise<{ proof: Groth16Proof; publicSignals: string[] }> };
}

export interface SessionProof {
  proof: Groth16Proof;
  publicSignals: string[];
  /** which generator computed the witness */
  engine: WitnessEngine;
  witnessMs: number;
  proveMs: number;
}

let openSessions = 0;

export class ProverSession {
  private closed = false;

  private constructor(
    readonly instance: string,
    private readonly zkey: MemFile,
    private readonly witness: WitnessGenerator,
  ) {}

  /**
   * Load an instance's proving key and witness generator and start the curve's workers.
   * `engine` forces the witness generator ("wasm" or "cpp"; default: C++ when the build made one, else WASM).
   */
  static async open(instance: string, opts: { engine?: WitnessEngine; zkey?: string; wasm?: string } = {}): Promise<ProverSession> {
    getInstance(instance);
    const p = artifactPaths(instance);
    const zkeyFile = opts.zkey ?? p.zkey;
    let data: Uint8Array;
    try {
      data = new Uint8Array(readFileSync(zkeyFile));
    } catch {
      throw new ZkMarginArtifactError(`instance "${instance}": zkey not found at ${zkeyFile}; build the keys first (npm run build)`);
    }
    const witness = await witnessGenerator(instance, { engine: opts.engine, wasm: opts.wasm });
    if (opts.engine === "cpp" && witness.engine !== "cpp") {
      throw new ZkMarginArtifactError(`instance "${instance}": no usable C++ witness generator (${witness.fallbackReason ?? "unknown"})`);
    }
    await snark.curves.getCurveFromName("bn128"); // start the worker threads now, not in the first proof
    openSessions++;
    return new ProverSession(instance, { type: "mem", data }, witness);
  }

  /** Which witness generator this session runs, and why not C++ when it is WASM. */
  get witnessEngine(): { engine: WitnessEngine; fallbackReason?: string } {
    return { engine: this.witness.engine, fallbackReason: this.witness.fallbackReason };
  }

  /** Witness and Groth16 proof of a circuit input (already validated by the caller: prover/validate.ts). */
  async prove(input: CircuitInput, logger?: Logger): Promise<SessionProof> {
    if (this.closed) throw new Error("ProverSession: prove() after close()");
    const t0 = performance.now();
    const wtns = await this.witness.calculate(input);
    const t1 = performance.now();
    const { proof, publicSignals } = await (snark as unknown as Prover).groth16.prove(this.zkey, { type: "mem", data: wtns }, logger);
    const t2 = performance.now();
    return { proof, publicSignals, engine: this.witness.engine, witnessMs: t1 - t0, proveMs: t2 - t1 };
  }

  /** Release the key; the curve's workers stop when no other session is open. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    openSessions--;
    if (openSessions === 0) await terminateCurve();
  }
}

/**
 * One proof without a session (a CLI run): the best witness generator, then snarkjs's prover reading the key from
 * disk. The caller stops the curve's workers (releaseProver) when done.
 */
export async function proveOnce(instance: string, input: CircuitInput, logger?: Logger, paths?: { wasm: string; zkey: string }): Promise<{ proof: Groth16Proof; publicSignals: string[]; engine: WitnessEngine }> {
  const zkey = paths?.zkey ?? artifactPaths(instance).zkey;
  const gen = await witnessGenerator(instance, { wasm: paths?.wasm });
  const wtns = await gen.calculate(input);
  const { proof, publicSignals } = await (snark as unknown as Prover).groth16.prove(zkey, { type: "mem", data: wtns }, logger);
  return { proof, publicSignals, engine: gen.engine };
}
