/**
 * The trader process of the venue kit's end-to-end test (test/venue/e2e.test.ts), run as its own Node process:
 * reads the statement fetched by `zkmargin statements fetch`, proves the book with the SDK against the root
 * VenueRegistry holds for the epoch, verifies the proof (Groth16, the instance's verification key), and prints
 * { valid, proof } as JSON.
 *
 *   node --import tsx test/venue/trader.ts <statement.json> <secret> <epoch> <subject> <domain> <postedRoot>
 */
import { readFileSync } from "node:fs";
import { generateProof, releaseProver } from "../../prover/generateProof.ts";
import { parseStatement, stringifyJson } from "../../prover/statement.ts";
import { snark, type VerificationKey } from "../../scripts/lib/snark.ts";
import { instanceArtifacts } from "../../prover/generateProof.ts";
import { testMarket, testRisk } from "../fixtures/market.ts";

const [file, secret, epoch, subject, domain, postedRoot] = process.argv.slice(2);
const statement = parseStatement(readFileSync(file, "utf8"));
try {
  const proof = await generateProof(
    {
      statements: [statement],
      traderSecret: BigInt(secret),
      market: testMarket(),
      risk: testRisk(),
      epoch: BigInt(epoch),
      subject: BigInt(subject),
      domain: BigInt(domain),
      minExcess: 1_000n * 100_000_000n,
      postedRoots: new Map([[statement.venueId, BigInt(postedRoot)]]),
    },
    { instance: "test" },
  );
  // Groth16 verification under the instance's verification key (snarkjs directly: prover/verifyProof.ts still
  // checks the v1 public-input names on this branch)
  const vkey = JSON.parse(readFileSync(instanceArtifacts("test", ["vkey"]).vkey, "utf8")) as VerificationKey;
  const valid = await snark.groth16.verify(vkey, proof.publicSignals, proof.proof);
  process.stdout.write(stringifyJson({ valid, proof }));
} finally {
  await releaseProver();
}
