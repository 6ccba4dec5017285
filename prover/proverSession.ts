/**
 * A warm Groth16 prover for long-running processes (a service, the venue kit, a page that proves repeatedly): it keeps
 * snarkjs's bn128 curve (its worker threads), the proving key's bytes (or the native prover, prover/node.ts) and the
 * witness generator loaded between proofs, so that each proof pays for the witness and the proof only. close()
 * stops the workers once the last open session closes. Runs in Node and in browsers; the artifacts are passed in (prover/artifacts.ts).
 *
 *   const session = await ProverSession.open(artifacts);
 *   const proof = await generateProof(input, session);
 *   await session.close();
 */
import { checkInstance, loadArtifact, type Groth16Prover, type InstanceDescriptor, type ProverArtifacts, type ProverEngine } from "./artifacts.ts";
import { ZkMarginArtifactError } from "./errors.ts";
import { snark, terminateCurve, type CircuitInput, type Logger, type MemFile, type SnarkProof } from "./snark.ts";
import { wasmWitnessGenerator, type WitnessEngine, type WitnessGenerator } from "./witness.ts";

export interface SessionProof {
  proof: SnarkProof;
  publicSignals: string[];
  /** which generator computed the witness */
  engine: WitnessEngine;
  /** which Groth16 prover made the proof */
  prover: ProverEngine;
  witnessMs: number;
  proveMs: number;
}

let openSessions = 0;

export class ProverSession {
  private closed = false;

  private constructor(
    readonly instance: InstanceDescriptor,
    private readonly zkey: MemFile | undefined,
    private readonly witness: WitnessGenerator,
    private readonly native: Groth16Prover | undefined,
    private readonly proverFallback: string | undefined,
  ) {}

  /**
   * Load an instance's proving key and witness generator and start the curve's workers. `engine` forces the witness
   * generator: "wasm", or "cpp" (an error unless `artifacts.witness` is circom's C++ generator); by default the
   * artifacts' `witness` when given, else the WASM. `prover` forces the Groth16 prover the same way: "snarkjs", or
   * "native" (an error unless `artifacts.prover` is given); by default `artifacts.prover` when given, else snarkjs.
   * With the native prover the key's bytes stay on disk (the prover reads them); with snarkjs they are held here.
   */
  static async open(artifacts: ProverArtifacts, opts: { engine?: WitnessEngine; prover?: ProverEngine } = {}): Promise<ProverSession> {
    const instance = checkInstance(artifacts?.instance, "artifacts.instance");
    if (opts.prover === "native" && artifacts.prover === undefined) {
      throw new ZkMarginArtifactError(`instance "${instance.name}": no usable native prover (${artifacts.proverFallback ?? "none given"})`);
    }
    const native = opts.prover === "snarkjs" ? undefined : artifacts.prover;
    const proverFallback = native ? undefined : opts.prover === "snarkjs" ? "snarkjs requested" : artifacts.proverFallback;
    const zkey = native ? undefined : await loadArtifact(artifacts.zkey, `instance "${instance.name}": zkey`, instance.sha256?.zkey);
    let witness: WitnessGenerator;
    if (opts.engine !== "wasm" && artifacts.witness !== undefined) witness = artifacts.witness;
    else {
      if (opts.engine === "cpp") {
        throw new ZkMarginArtifactError(`instance "${instance.name}": no usable C++ witness generator (${artifacts.witnessFallback ?? "none given"})`);
      }
      const wasm = await loadArtifact(artifacts.wasm, `instance "${instance.name}": wasm`, instance.sha256?.wasm);
      witness = wasmWitnessGenerator(wasm, opts.engine === "wasm" ? "WASM requested" : artifacts.witnessFallback);
    }
    if (opts.engine === "cpp" && witness.engine !== "cpp") {
      throw new ZkMarginArtifactError(`instance "${instance.name}": no usable C++ witness generator (${artifacts.witnessFallback ?? "none given"})`);
    }
    await snark.curves.getCurveFromName("bn128"); // start the worker threads now (snarkjs proves, or verifies the native proofs with them)
    openSessions++;
    return new ProverSession(instance, zkey ? { type: "mem", data: zkey } : undefined, witness, native, proverFallback);
  }

  /** Which witness generator this session runs, and why not C++ when it is WASM. */
  get witnessEngine(): { engine: WitnessEngine; fallbackReason?: string } {
    return { engine: this.witness.engine, fallbackReason: this.witness.fallbackReason };
  }

  /** Which Groth16 prover this session runs, and why not the native one when it is snarkjs. */
  get proverEngine(): { engine: ProverEngine; fallbackReason?: string } {
    return this.native ? { engine: "native" } : { engine: "snarkjs", fallbackReason: this.proverFallback };
  }

  /**
   * Witness and Groth16 proof of a circuit input (already validated by the caller: prover/validate.ts). snarkjs
   * reports its steps to `logger`, the native prover to `onProgress`.
   */
  async prove(input: CircuitInput, logger?: Logger, onProgress?: (fraction: number, step: string) => void): Promise<SessionProof> {
    if (this.closed) throw new Error("ProverSession: prove() after close()");
    const t0 = performance.now();
    const wtns = await this.witness.calculate(input);
    const t1 = performance.now();
    const { proof, publicSignals } = this.native
      ? await this.native.prove(wtns, onProgress)
      : await snark.groth16.prove(this.zkey as MemFile, { type: "mem", data: wtns }, logger);
    const t2 = performance.now();
    return { proof, publicSignals, engine: this.witness.engine, prover: this.native ? "native" : "snarkjs", witnessMs: t1 - t0, proveMs: t2 - t1 };
  }

  /** Release the key; the curve's workers stop when no other session is open. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    openSessions--;
    if (openSessions === 0) await terminateCurve();
  }
}
