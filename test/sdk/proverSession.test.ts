/**
 * The warm prover (prover/proverSession.ts) on the test instance with its real keys: a session proves several books
 * without reloading, with either witness generator, every proof verifies, the generators agree byte for byte, and a
 * closed session refuses to prove.
 */
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { generateProof, releaseProver, type ZkMarginProof } from "../../prover/generateProof.ts";
import { ProverSession } from "../../prover/proverSession.ts";
import { verifyProof } from "../../prover/verifyProof.ts";
import { wasmWitnessGenerator } from "../../prover/witness.ts";
import { builtWitness, localArtifacts } from "../../scripts/lib/instances.ts";
import { buildInstance } from "../../scripts/lib/pipeline.ts";
import { sampleInputs } from "../../client/audit/samples.ts";
import { cppToolchainMissing } from "../../scripts/lib/witnessCpp.ts";
import { TEST_PARAMS, usd } from "../fixtures/market.ts";
import { hedgedBook, proveInputOf, venuesFor } from "./book.ts";
import type { CircuitInput } from "../../scripts/lib/snark.ts";

const SUBJECT = 0x90f79bf6eb2c4f870365e785982e1f101e93b906n;

describe("# ProverSession (warm prover, real keys)", function () {
  const setup = venuesFor(hedgedBook(), TEST_PARAMS);
  const request = (minExcess: bigint) => proveInputOf(setup, { subject: SUBJECT, domain: 0xd0a1n, minExcess });

  let artifacts: ReturnType<typeof localArtifacts>;

  before(async () => {
    await buildInstance("test", { log: () => undefined });
    artifacts = localArtifacts("test");
  });

  after(async () => {
    await releaseProver();
  });

  it("should prove two different statements in one session, each verifying, and refuse after close", async () => {
    const session = await ProverSession.open(artifacts);
    const proofs: ZkMarginProof[] = [];
    for (const minExcess of [usd("10000"), usd("50000")]) proofs.push(await generateProof(request(minExcess), session));
    for (const p of proofs) expect(await verifyProof(p, artifacts)).to.equal(true);
    expect(proofs[0].publicInputs.minExcess).to.equal(usd("10000"));
    expect(proofs[1].publicInputs.minExcess).to.equal(usd("50000"));
    await session.close();
    await session.close(); // idempotent
    let err: unknown;
    try {
      await session.prove({});
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).to.match(/after close/);
  });

  it("should give the same witness bytes with the C++ and the WASM generator", async function () {
    const cpp = builtWitness("test");
    if (!cpp.witness) {
      // no generator only where the toolchain is missing, and the pipeline said so
      expect(cppToolchainMissing(), cpp.fallbackReason).to.not.equal(undefined);
      return;
    }
    const gens = [cpp.witness, wasmWitnessGenerator(readFileSync(artifacts.files.wasm))];
    expect(gens.map((g) => g.engine)).to.deep.equal(["cpp", "wasm"]);
    for (const { input } of await sampleInputs("test")) {
      const [a, b] = await Promise.all(gens.map((g) => g.calculate(input as CircuitInput)));
      expect(Buffer.from(a).equals(Buffer.from(b))).to.equal(true);
    }
  });

  it("should prove with a WASM-only session as well", async () => {
    const session = await ProverSession.open(artifacts, { engine: "wasm" });
    expect(session.witnessEngine.engine).to.equal("wasm");
    const p = await generateProof(request(usd("20000")), session);
    expect(await verifyProof(p, artifacts)).to.equal(true);
    await session.close();
  });
});
