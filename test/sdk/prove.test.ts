/**
 * SDK round trip with the real circuit and the project's own keys: venues issue statements, the trader proves with
 * generateProof, verifyProof accepts, and every tampering is rejected. One proof is shared by the whole file.
 */
import { expect } from "chai";
import { bookNullifier, contextHashOf } from "../../prover/commitments.ts";
import { ZkMarginInputError } from "../../prover/errors.ts";
import { generateProof, releaseProver, type ProofProgress, type ZkMarginProof } from "../../prover/generateProof.ts";
import { packProof, unpackProof } from "../../prover/packProof.ts";
import { flattenPublicInputs } from "../../prover/publicSignals.ts";
import { stringifyJson } from "../../prover/statement.ts";
import { parseProof, verifyProof } from "../../prover/verifyProof.ts";
import { localArtifacts } from "../../scripts/lib/instances.ts";
import { buildInstance } from "../../scripts/lib/pipeline.ts";
import { TEST_PARAMS, testMarket, testRisk, usd } from "../fixtures/market.ts";
import { hedgedBook, venuesFor } from "./book.ts";

const SUBJECT = 0x3c44cdddb6a900fa2b585dd299e03d12fa4293bcn;
const DOMAIN = 0x2a2b2c2d2e2fn;

describe("# generateProof / verifyProof (real keys)", function () {
  const setup = venuesFor(hedgedBook(), TEST_PARAMS);
  const progress: ProofProgress[] = [];
  let proof: ZkMarginProof;
  let seconds: number;
  let artifacts: ReturnType<typeof localArtifacts>;

  before(async () => {
    await buildInstance("test", { log: () => undefined });
    artifacts = localArtifacts("test");
    const t0 = performance.now();
    proof = await generateProof(
      {
        statements: [...setup.statements].reverse(), // any order: the prover sorts by venue id
        traderSecret: setup.traderSecret,
        market: testMarket(),
        risk: testRisk(),
        epoch: setup.epoch,
        subject: SUBJECT,
        domain: DOMAIN,
        minExcess: usd("50000"),
        postedRoots: new Map(setup.venues.map((v) => [v.venueId, v.root])),
        postedContextHash: contextHashOf(setup.epoch, testMarket(), testRisk()),
      },
      artifacts,
      { onProgress: (p) => progress.push(p) },
    );
    seconds = (performance.now() - t0) / 1000;
  });

  after(async () => {
    await releaseProver();
  });

  it("should prove a book of venue statements and verify it", async () => {
    expect(await verifyProof(proof, artifacts)).to.equal(true);
    expect(await verifyProof(proof, { instance: artifacts.instance, vkey: artifacts.files.vkey })).to.equal(true);
    expect(seconds).to.be.below(120);
    console.log(`      (proof: ${seconds.toFixed(1)} s)`);
  });

  it("should name every public input as the contracts will rebuild them", () => {
    const p = proof.publicInputs;
    expect(p.subject).to.equal(SUBJECT);
    expect(p.domain).to.equal(DOMAIN);
    expect(p.contextHash).to.equal(contextHashOf(7n, testMarket(), testRisk()));
    expect(p.bookNullifier).to.equal(bookNullifier(setup.traderSecret, DOMAIN));
    // the two venues of the book, then zeros for the instance's unused venue slots
    const pad = Array<bigint>(TEST_PARAMS.V - setup.venues.length).fill(0n);
    expect(p.venueIds).to.deep.equal([11n, 22n, ...pad]);
    expect(p.venueRoots).to.deep.equal([...setup.venues.map((v) => v.root), ...pad]);
    expect(p.minExcess).to.equal(usd("50000"));
    expect(proof.publicSignals).to.deep.equal(flattenPublicInputs(p).map(String));
    expect(proof.points).to.deep.equal(packProof(proof.proof));
  });

  it("should report progress on the witness and proving steps, in order", () => {
    const stages = progress.map((p) => p.stage).filter((s, i, a) => a.indexOf(s) === i);
    expect(stages).to.deep.equal(["validate", "witness", "prove", "done"]);
    const prove = progress.filter((p) => p.stage === "prove").map((p) => p.fraction);
    expect(prove.length).to.be.greaterThan(5); // the prover's milestones came through (snarkjs's or the native prover's)
    expect(prove).to.deep.equal([...prove].sort((a, b) => a - b));
    expect(prove.at(-1)).to.equal(1);
  });

  it("should verify the proof rebuilt from its packed points (pack/unpack round trip on a real proof)", async () => {
    const rebuilt = { ...proof, proof: unpackProof(proof.points) };
    expect(await verifyProof(rebuilt, artifacts)).to.equal(true);
  });

  it("should round-trip through JSON", async () => {
    const text = stringifyJson(proof);
    expect(parseProof(text)).to.deep.equal(proof);
    expect(await verifyProof(text, artifacts)).to.equal(true);
  });

  it("should not verify with another minExcess, subject, domain, context, nullifier or venue id", async () => {
    const p = proof.publicInputs;
    for (const change of [
      { minExcess: usd("50001") },
      { subject: SUBJECT + 1n },
      { domain: DOMAIN + 1n },
      { contextHash: contextHashOf(8n, testMarket(), testRisk()) },
      { bookNullifier: p.bookNullifier + 1n },
      { venueIds: [p.venueIds[0], p.venueIds[1] + 1n, ...p.venueIds.slice(2)] },
    ]) {
      const publicInputs = { ...proof.publicInputs, ...change };
      const forged = { ...proof, publicInputs, publicSignals: flattenPublicInputs(publicInputs).map(String) };
      expect(await verifyProof(forged, artifacts)).to.equal(false);
    }
  });

  it("should not verify when the named inputs, signals and points disagree", async () => {
    const signals = [...proof.publicSignals];
    signals[0] = "1";
    expect(await verifyProof({ ...proof, publicSignals: signals }, artifacts)).to.equal(false);
    const points = [...proof.points] as ZkMarginProof["points"];
    [points[2], points[3]] = [points[3], points[2]]; // the pi_b swap undone
    expect(await verifyProof({ ...proof, points }, artifacts)).to.equal(false);
    expect(await verifyProof({ ...proof, proof: unpackProof(points), points }, artifacts)).to.equal(false);
  });

  it("should not verify against another instance than the proof's", async () => {
    try {
      await verifyProof(proof, { ...artifacts, instance: { ...artifacts.instance, name: "prod" } });
      expect.fail("accepted");
    } catch (e) {
      expect(e).to.be.instanceOf(ZkMarginInputError);
      expect((e as Error).message).to.equal('proof.instance: the proof was made with instance "test", not "prod"');
    }
  });

  it("should not accept a malformed proof, naming the field", async () => {
    const json = JSON.parse(stringifyJson(proof)) as { points: string[] };
    json.points = json.points.slice(0, 7);
    try {
      await verifyProof(json, artifacts);
      expect.fail("accepted");
    } catch (e) {
      expect(e).to.be.instanceOf(ZkMarginInputError);
      expect((e as ZkMarginInputError).field).to.equal("proof.points");
    }
  });
});
