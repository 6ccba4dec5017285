/**
 * Measure the relayer (not a test: `nice -n 10 npx tsx test/relay/measure.ts`): on the world of test/relay/world.ts
 * (hardhat node on loopback, test instance, real proofs), 16 subjects' requests go through the HTTP intake of one
 * relayer with max-batch 16, which lands them as one attestBatch: first attestations, then each subject raises its
 * attestation of the epoch (a higher excess: the book already bound, the attestation slot rewritten, as a renewal).
 * Prints the gas per proof of both batches, the intake latency of each POST (every one a valid, distinct request, so
 * every check runs), and one intake's checks timed one by one, to say what dominates.
 */
import { performance } from "node:perf_hooks";
import { checkRequest, parseRequest, type RelayContext } from "../../client/relay/check.ts";
import { verifyProof } from "../../prover/verifyProof.ts";
import { localArtifacts } from "../../scripts/lib/instances.ts";
import { attestRequest } from "../../client/attestor.ts";
import { usd } from "../fixtures/market.ts";
import { post, relayWorld, waitFor, type Json } from "./world.ts";

const N = 16;
const w = await relayWorld(N);
const ms = (t0: number) => performance.now() - t0;
const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
try {
  const results: string[] = [];
  for (const [round, excess] of [["first attestations", "10000"], ["same-epoch raises (book bound, slot rewritten)", "20000"]] as const) {
    const reqs: Json[] = [];
    for (let k = 0; k < N; k++) reqs.push(await w.request(await w.prove(k, usd(excess)), k));
    const r = await w.relay(`m-${excess}.db`, N);
    const lat: number[] = [];
    const ids: string[] = [];
    for (const body of reqs) {
      const t0 = performance.now();
      const res = await post(r, body);
      lat.push(ms(t0));
      if (res.status !== 202) throw new Error(JSON.stringify(res.body));
      ids.push(res.body.id as string);
    }
    const done = await Promise.all(ids.map((id) => waitFor(r, id, ["attested", "skipped", "failed"])));
    if (done.some((s) => s.status !== "attested")) throw new Error(JSON.stringify(done));
    const receipt = (await w.chain.provider.getTransactionReceipt(done[0].tx as string))!;
    results.push(
      `${round}: one attestBatch of ${N}, ${receipt.gasUsed} gas = ${receipt.gasUsed / BigInt(N)} per proof; intake (POST → 202) p50 ${q(lat, 0.5).toFixed(1)} ms, p90 ${q(lat, 0.9).toFixed(1)} ms, max ${Math.max(...lat).toFixed(1)} ms (first ${lat[0].toFixed(1)} ms)`,
    );
    await r.stop();
  }

  // one intake's checks, one by one (a fresh valid request: subject 0 raises again), each the median of 5 runs
  const body = await w.request(await w.prove(0, usd("30000")), 0);
  const artifacts = localArtifacts("test");
  const ctx: RelayContext = { chain: w.chain, wallet: w.relayer, attestor: w.chain.attestorAs(w.relayer), verifyOffChain: (p) => verifyProof(p, artifacts) };
  const parsed = await parseRequest(body);
  const time = async (f: () => Promise<unknown>) => {
    const xs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await f();
      xs.push(ms(t0));
    }
    return q(xs, 0.5).toFixed(1);
  };
  const parts = {
    "parse (zod schema + proof)": await time(() => parseRequest(body)),
    "off-chain Groth16 verify (snarkjs)": await time(() => ctx.verifyOffChain(parsed.proof)),
    "chain time + nonce (2 RPC reads)": await time(async () => Promise.all([w.chain.now(), ctx.attestor.contract.nonces(parsed.subject)])),
    "verifyProof view (eth_call)": await time(() => ctx.attestor.verify(parsed.item)),
    "attestFor static call (eth_call)": await time(() => ctx.attestor.contract.getFunction("attestFor").staticCall(parsed.item.points, attestRequest(parsed.item, parsed.deadline), parsed.signature)),
    "all checks (checkRequest, full)": await time(() => checkRequest(ctx, parsed, true)),
  };
  console.log(results.join("\n"));
  console.log("one intake's checks, median of 5 (ms):");
  for (const [k, v] of Object.entries(parts)) console.log(`  ${k.padEnd(40)} ${v}`);
} finally {
  await w.close();
}
