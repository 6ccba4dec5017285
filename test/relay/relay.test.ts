/**
 * The batching relayer (client/relay/) against a real `hardhat node` on loopback: the contracts deployed through
 * client/deploy.ts, a deployment file as `zkmargin deploy` writes it, real test-instance proofs from the SDK
 * (generateProof over a venue's statements), requests signed with EIP-712 by the subjects' keys as `zkmargin attest
 * sign` writes them, the service in-process on port 0 with a real SQLite queue in a temp dir, and real HTTP.
 *
 *   (a) three subjects' requests, max-batch 3 → one attestBatch lands all three (gas per proof printed)
 *   (b) bad input refused before queueing, each with its status, code and field
 *   (c) restart: queued requests survive a stop; a batch broadcast but not mined when the service stopped is
 *       reconciled from the chain at the next start
 *   (d) the attacker's move: a subject cancels its nonce after acceptance (the batcher's re-check drops it), or after
 *       the batch is broadcast (the batch reverts; only that subject's request fails, the others land next)
 *   (e) `relay serve`, `relay submit` and `relay status --wait` as real processes
 * The world (node, deployment, venue, proofs, signed requests) is test/relay/world.ts; the batch-of-16 measurement is
 * test/relay/measure.ts.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { ExitCode } from "../../prover/errors.ts";
import type { ZkMarginProof } from "../../prover/generateProof.ts";
import { AttestorClient, LifecycleState } from "../../client/attestor.ts";
import type { RunningRelay } from "../../client/relay/service.ts";
import { usd } from "../fixtures/market.ts";
import { Wallet } from "ethers";
import { cli, cliDaemon } from "../venue/helpers.ts";
import { devKey, EPOCH, post, queueLength, relayWorld, statusOf, waitFor, type Json, type RelayWorld } from "./world.ts";

describe("# relay: the batching relayer (hardhat node, real proofs, SQLite, HTTP)", function () {
  this.timeout(1_800_000);
  let w: RelayWorld;

  before(async () => {
    w = await relayWorld(13);
  });

  after(async () => {
    await w?.close();
  });

  it("chain.now() should read the newest block even right after a read (the CLI's provider turns off ethers' 250 ms sharing of identical requests)", async () => {
    const before = await w.chain.now();
    await w.chain.provider.send("evm_mine", [Number(before) + 5]);
    expect(await w.chain.now()).to.equal(before + 5n);
  });

  describe("intake and one batch (max-batch 3)", () => {
    let r: RunningRelay;
    const proofs: ZkMarginProof[] = [];
    const reqs: Json[] = [];

    before(async () => {
      r = await w.relay("a.db", 3);
      for (const k of [0, 1, 2]) {
        proofs.push(await w.prove(k, usd("10000")));
        reqs.push(await w.request(proofs[k], k));
      }
    });

    it("(b) should refuse bad input before queueing it, each with one error naming the field", async () => {
      const expectRefused = async (body: unknown, status: number, code: string, field: string, message: RegExp) => {
        const res = await post(r, body);
        expect(res.status, JSON.stringify(res.body)).to.equal(status);
        expect(res.body).to.include({ error: code, field });
        expect(res.body.message as string).to.match(message);
      };
      // a tampered proof: A negated in the snarkjs proof and in the packed points (still on the curve), same signature
      const tampered = structuredClone(reqs[0]) as { proof: { proof: { pi_a: string[] }; points: string[] } };
      const q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
      tampered.proof.proof.pi_a[1] = ((q - BigInt(tampered.proof.proof.pi_a[1])) % q).toString();
      tampered.proof.points[1] = tampered.proof.proof.pi_a[1];
      await expectRefused(tampered, 422, "invalid_proof", "request.proof", /does not verify/);
      await expectRefused({ ...reqs[0], chainId: "1" }, 422, "wrong_deployment", "request.chainId", /chain 1, this relayer submits to chain 31337/);
      await expectRefused(await w.request(proofs[0], 0, { validFor: 0n }), 422, "expired", "request.deadline", /deadline .* is not after the chain's time/);
      await expectRefused(await w.request(proofs[0], 0, { signer: w.subjects[5] }), 422, "bad_signature", "request.signature", new RegExp(`not ${w.subjects[0].address}'s signature .* current nonce 0`));
      await expectRefused({ ...reqs[0], signature: "nope" }, 400, "bad_request", "request.signature", /./);
      await expectRefused({ ...reqs[0], subject: w.subjects[1].address }, 422, "subject_mismatch", "request.subject", /signed for/);
      const res = await fetch(`${r.url}/requests`, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" });
      expect(res.status).to.equal(400);
      expect(await queueLength(r), "nothing refused was queued").to.equal(0);
    });

    it("(a) should land three subjects' requests in one attestBatch and report each attested", async () => {
      const first = await post(r, reqs[0]);
      expect(first.status).to.equal(202);
      const id0 = first.body.id as string;
      // (b) a duplicate of a queued request: 409 with the id it is queued as
      const dup = await post(r, reqs[0]);
      expect(dup.status).to.equal(409);
      expect(dup.body).to.include({ error: "duplicate", id: id0 });
      expect(await statusOf(r, id0)).to.include({ id: id0, subject: w.subjects[0].address, epoch: EPOCH.toString(), status: "queued" });
      expect(await queueLength(r)).to.equal(1);
      const ids = [id0];
      for (const k of [1, 2]) {
        const res = await post(r, reqs[k]);
        expect(res.status, JSON.stringify(res.body)).to.equal(202);
        ids.push(res.body.id as string);
      }
      const done = await Promise.all(ids.map((id) => waitFor(r, id, ["attested", "skipped", "failed"])));
      for (const s of done) expect(s.status, JSON.stringify(s)).to.equal("attested");
      const tx = done[0].tx as string;
      expect(done.map((s) => s.tx)).to.deep.equal([tx, tx, tx]);
      const receipt = await w.chain.provider.getTransactionReceipt(tx);
      expect(receipt!.status).to.equal(1);
      expect(receipt!.from).to.equal(w.relayer.address);
      for (const k of [0, 1, 2]) {
        const s = await w.chain.attestor.status(w.subjects[k].address);
        expect(s).to.deep.include({ state: LifecycleState.Live, epoch: EPOCH, minExcess: usd("10000") });
      }
      console.log(`        relayed attestBatch of 3 first attestations: ${receipt!.gasUsed} gas, ${receipt!.gasUsed / 3n} per proof`);
    });

    it("(b) should refuse a request that would not move the attestation forward (the same one, already attested)", async () => {
      const res = await post(r, reqs[0]);
      expect(res.status).to.equal(422);
      expect(res.body).to.include({ error: "would_revert", field: "request" });
      expect(res.body.message as string).to.match(/MarginAttestor__NotForward/);
      expect(await queueLength(r)).to.equal(0);
    });
  });

  describe("outcomes other than attested", () => {
    it("(a) should report a request skipped by the attestor: the same subject's lower raise, overtaken in the same batch", async () => {
      const r = await w.relay("skip.db", 2);
      const high = (await post(r, await w.request(await w.prove(1, usd("15000")), 1))).body.id as string;
      const low = (await post(r, await w.request(await w.prove(1, usd("12000")), 1))).body.id as string;
      const [sh, sl] = await Promise.all([high, low].map((id) => waitFor(r, id, ["attested", "skipped", "failed"])));
      expect(sh.status).to.equal("attested");
      expect(sl.status).to.equal("skipped");
      expect(sl.reason).to.equal("skipped by the attestor: NotForward");
      expect(sl.tx).to.equal(sh.tx);
      expect((await w.chain.attestor.status(w.subjects[1].address)).minExcess).to.equal(usd("15000"));
      await r.stop();
    });

    it("should fail at the re-check, without sending it, a request whose deadline is too close for its batch to land", async () => {
      const r = await w.relay("deadline.db", 1);
      const res = await post(r, await w.request(await w.prove(5, usd("20000")), 5, { validFor: 20n }));
      expect(res.status, "valid at intake").to.equal(202);
      const s = await waitFor(r, res.body.id as string, ["attested", "skipped", "failed"]);
      expect(s.status).to.equal("failed");
      expect(s.reason as string).to.match(/^request\.deadline: .* \+ 30 s \(the batch lands in a later block\)/);
      expect(s.tx).to.equal(undefined);
      await r.stop();
    });

    it("should send a request back to the queue once when its batch cannot be sent, and fail it the second time with the node's reason", async () => {
      const broke = new Wallet(Wallet.createRandom().privateKey, w.chain.provider); // no ether: the node refuses its transaction
      const r = await w.relay("broke.db", 1, 3600, broke);
      const res = await post(r, await w.request(await w.prove(4, usd("20000")), 4));
      expect(res.status, JSON.stringify(res.body)).to.equal(202);
      const s = await waitFor(r, res.body.id as string, ["attested", "skipped", "failed"]);
      expect(s.status).to.equal("failed");
      expect(s.reason as string).to.match(/^(attestBatch refused by the node|the node refused attestBatch 0x[0-9a-f]+): .*(insufficient funds|balance)/i);
      expect(r.store.get(res.body.id as string)!.attempts).to.equal(2);
      expect(await queueLength(r)).to.equal(0);
      expect((await w.chain.attestor.status(w.subjects[4].address)).minExcess, "nothing landed").to.equal(0n);
      await r.stop();
    });
  });

  describe("restart", () => {
    it("(c) should keep queued requests across a stop and land them after the restart on the same queue", async () => {
      const r1 = await w.relay("c.db", 3);
      const ids: string[] = [];
      for (const k of [3, 4]) {
        const res = await post(r1, await w.request(await w.prove(k, usd("10000")), k));
        expect(res.status, JSON.stringify(res.body)).to.equal(202);
        ids.push(res.body.id as string);
      }
      await r1.stop();
      const r2 = await w.relay("c.db", 3);
      expect(await queueLength(r2)).to.equal(2);
      expect(await statusOf(r2, ids[0])).to.include({ status: "queued" });
      const res = await post(r2, await w.request(await w.prove(5, usd("10000")), 5));
      expect(res.status).to.equal(202);
      ids.push(res.body.id as string);
      const done = await Promise.all(ids.map((id) => waitFor(r2, id, ["attested", "skipped", "failed"])));
      expect(done.map((s) => s.status)).to.deep.equal(["attested", "attested", "attested"]);
      expect(new Set(done.map((s) => s.tx)).size).to.equal(1);
      await r2.stop();
    });

    it("(c) should reconcile, from the chain, a batch that was broadcast but not mined when the service stopped", async () => {
      const reqs = [];
      for (const k of [7, 8, 9]) reqs.push(await w.request(await w.prove(k, usd("10000")), k));
      await w.rpc("evm_setAutomine", [false]);
      try {
        const r1 = await w.relay("c2.db", 3);
        const ids: string[] = [];
        for (const q of reqs) ids.push((await post(r1, q)).body.id as string);
        const sent = await waitFor(r1, ids[0], ["submitted"]);
        await r1.stop(); // returns without the receipt: the batch stays stored as submitted
        expect(await w.chain.provider.getTransactionReceipt(sent.tx as string)).to.equal(null);
        await w.rpc("evm_mine");
        const r2 = await w.relay("c2.db", 3);
        const done = await Promise.all(ids.map((id) => statusOf(r2, id)));
        expect(done.map((s) => s.status), "settled at start, before any new batch").to.deep.equal(["attested", "attested", "attested"]);
        expect(done.map((s) => s.tx)).to.deep.equal([sent.tx, sent.tx, sent.tx]);
        await r2.stop();
      } finally {
        await w.rpc("evm_setAutomine", [true]);
      }
    });
  });

  describe("the attacker's move", () => {
    it("(d) should drop, at the batcher's re-check, a request whose subject cancelled its nonce after acceptance, and land the others", async () => {
      const r = await w.relay("d.db", 3);
      // subjects 0 and 1 raise their attestations of the epoch (forward: a higher excess); subject 6 is new
      const qa = await w.request(await w.prove(0, usd("20000")), 0);
      const qb = await w.request(await w.prove(6, usd("10000")), 6);
      const qc = await w.request(await w.prove(1, usd("20000")), 1);
      const a = (await post(r, qa)).body.id as string;
      const b = (await post(r, qb)).body.id as string;
      expect(await queueLength(r)).to.equal(2);
      await new AttestorClient(w.chain.deployment.contracts.MarginAttestor, w.subjects[0]).cancelNonce();
      const c = (await post(r, qc)).body.id as string;
      const [sa, sb, sc] = await Promise.all([a, b, c].map((id) => waitFor(r, id, ["attested", "skipped", "failed"])));
      expect(sa.status).to.equal("failed");
      expect(sa.reason as string).to.match(/^request\.signature: not .* current nonce 1/);
      expect(sa.tx).to.equal(undefined);
      expect([sb.status, sc.status]).to.deep.equal(["attested", "attested"]);
      expect(sb.batch).to.include({ size: 2 });
      expect((await w.chain.attestor.status(w.subjects[0].address)).minExcess, "the cancelled request did not land").to.equal(usd("10000"));
      expect((await w.chain.attestor.status(w.subjects[1].address)).minExcess).to.equal(usd("20000"));
      await r.stop();
    });
  });

  describe("the attacker's move, after the batch is sent", () => {
    it("(d) should report as skipped only the subject that front-ran the batch with cancelNonce, the others landing in the same batch", async () => {
      const qs = [await w.request(await w.prove(2, usd("20000")), 2), await w.request(await w.prove(3, usd("20000")), 3), await w.request(await w.prove(12, usd("10000")), 12)];
      await w.rpc("evm_setAutomine", [false]);
      const ids: string[] = [];
      let r: RunningRelay | undefined;
      let sent: Awaited<ReturnType<typeof waitFor>>;
      try {
        r = await w.relay("d2.db", 3, 5);
        for (const q of qs) ids.push((await post(r, q)).body.id as string);
        sent = await waitFor(r, ids[0], ["submitted"]);
        // subject 2 sees the batch in the mempool and outbids it with cancelNonce: mined first, in the same block. The
        // attestor skips its entry (AttestSkipped, InvalidSignature) instead of reverting the batch (docs/DESIGN.md §5.8).
        const cancel = await new AttestorClient(w.chain.deployment.contracts.MarginAttestor, w.subjects[2]).contract.getFunction("cancelNonce").send({ maxPriorityFeePerGas: 500_000_000_000n, maxFeePerGas: 1_000_000_000_000n });
        await w.rpc("evm_mine");
        const rc = (await w.chain.provider.getTransactionReceipt(cancel.hash))!;
        const rb = (await w.chain.provider.getTransactionReceipt(sent.tx as string))!;
        expect(rc.status).to.equal(1);
        expect(rb.status, "the batch landed").to.equal(1);
        expect(rc.index, "the cancel ran first").to.be.below(rb.index);
      } finally {
        await w.rpc("evm_setAutomine", [true]);
      }
      const [s2, s3, s12] = await Promise.all(ids.map((id) => waitFor(r!, id, ["attested", "skipped", "failed"])));
      expect(s2.status).to.equal("skipped");
      expect(s2.reason).to.equal("skipped by the attestor: InvalidSignature");
      expect([s3.status, s12.status], "the others are not penalised for the attacker's move").to.deep.equal(["attested", "attested"]);
      expect(s3.tx).to.equal(sent.tx);
      expect(s3.batch).to.include({ size: 3 });
      expect((await w.chain.attestor.status(w.subjects[2].address)).minExcess, "the cancelled request did not land").to.not.equal(usd("20000"));
      await r!.stop();
    });
  });

  describe("the commands as processes", () => {
    it("(e) should serve, submit and follow a request with `relay serve`, `relay submit` and `relay status --wait`", async () => {
      const reqFile = path.join(w.dir, "req-10.json");
      writeFileSync(reqFile, JSON.stringify(await w.request(await w.prove(10, usd("10000")), 10), null, 2));
      const env = { ZKMARGIN_PRIVATE_KEY: devKey(9), ZKMARGIN_RPC: w.node.rpc, ZKMARGIN_DEPLOYMENT: w.deploymentFile };
      const d = await cliDaemon(["relay", "serve", "--db", path.join(w.dir, "e.db"), "--port", "0", "--max-batch", "1", "--max-wait", "0"], env);
      try {
        const hello = JSON.parse(d.firstLine) as { listening: string; relayer: string };
        expect(hello.relayer).to.equal(w.relayer.address);
        const bad = path.join(w.dir, "req-bad.json");
        writeFileSync(bad, JSON.stringify({ ...(JSON.parse(JSON.stringify(await w.request(await w.prove(11, usd("10000")), 11))) as Json), chainId: "5" }));
        const refused = cli(["relay", "submit", "--url", hello.listening, bad]);
        expect(refused.status, refused.stderr).to.equal(ExitCode.BadInput);
        expect(refused.stderr).to.match(/^error: request\.chainId: the relayer refused it \(HTTP 422 wrong_deployment\)/m);
        const sub = cli(["relay", "submit", "--url", hello.listening, reqFile]);
        expect(sub.status, sub.stderr).to.equal(ExitCode.Ok);
        const id = sub.stdout.trim();
        expect(id).to.match(/^[0-9a-f-]{36}$/);
        const st = cli(["relay", "status", "--url", hello.listening, id, "--wait", "--json"]);
        expect(st.status, st.stderr).to.equal(ExitCode.Ok);
        const s = JSON.parse(st.stdout) as { status: string; tx: string };
        expect(s.status).to.equal("attested");
        expect((await w.chain.provider.getTransactionReceipt(s.tx))!.status).to.equal(1);
        expect((await w.chain.attestor.status(w.subjects[10].address)).state).to.equal(LifecycleState.Live);
        const unknown = cli(["relay", "status", "--url", hello.listening, "no-such-id"]);
        expect(unknown.status).to.equal(ExitCode.BadInput);
        expect(unknown.stderr).to.match(/^error: id: no request no-such-id/m);
      } finally {
        await d.stop();
      }
      expect(d.proc.exitCode, "SIGTERM is a clean stop").to.equal(0);
    });
  });
});
