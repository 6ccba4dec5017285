/**
 * The trader process of the venue kit's end-to-end test (test/venue/e2e.test.ts), run as its own Node process:
 * reads the statement fetched by `zkmargin statements fetch`, proves the book with the SDK against the root
 * VenueRegistry holds for the epoch (read from the chain here), verifies the proof with MarginAttestor's view,
 * attests (the subject is the sender), reads the attestation back, and prints it as JSON.
 *
 *   node --import tsx test/venue/trader.ts <statement.json> <secret> <epoch> <domain> <rpc> <registry> <attestor> <key file>
 */
import { readFileSync } from "node:fs";
import { JsonRpcProvider, Wallet } from "ethers";
import { attestable, AttestorClient } from "../../client/attestor.ts";
import { connectRegistry, postedRoot } from "../../client/venue/chain.ts";
import { generateProof, releaseProver } from "../../prover/generateProof.ts";
import { localArtifacts } from "../../scripts/lib/instances.ts";
import { parseStatement, stringifyJson } from "../../prover/statement.ts";
import { testMarket, testRisk } from "../fixtures/market.ts";

const [file, secret, epochText, domain, rpc, registryAddress, attestorAddress, keyFile] = process.argv.slice(2);
const statement = parseStatement(readFileSync(file, "utf8"));
const epoch = BigInt(epochText);
const provider = new JsonRpcProvider(rpc, undefined, { staticNetwork: true });
const wallet = new Wallet(readFileSync(keyFile, "utf8").trim(), provider);
const client = new AttestorClient(attestorAddress, wallet);
try {
  const reg = await connectRegistry(rpc, registryAddress);
  const onChain = await postedRoot(reg, statement.venueId, Number(epoch));
  reg.provider.destroy();
  const proof = await generateProof(
    {
      statements: [statement],
      traderSecret: BigInt(secret),
      market: testMarket(),
      risk: testRisk(),
      epoch,
      subject: BigInt(wallet.address),
      domain: BigInt(domain),
      minExcess: 1_000n * 100_000_000n,
      postedRoots: new Map([[statement.venueId, onChain]]),
    },
    localArtifacts("test"),
  );
  const item = attestable(proof, epoch);
  const valid = await client.verify(item);
  const tx = await client.attest(item);
  const attestation = await client.attestation(wallet.address);
  process.stdout.write(stringifyJson({ valid, txStatus: tx.receipt.status, attestation, proof }));
} finally {
  await releaseProver();
  provider.destroy();
}
