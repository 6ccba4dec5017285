/**
 * On-chain cost with REAL proofs of the test instance on Hardhat's in-process EVM, deployed through client/deploy.ts
 * (the same path as the demo and the contract tests): `attest` (first attestation and next epoch), the attestor's
 * verifyProof view, the snarkjs Groth16Verifier alone, and `attestBatch` per proof at several batch sizes beside a
 * loop of `attestFor` (the same signed requests verified one by one) and the batch verifier alone.
 */
import { spawnSync } from "node:child_process";
import { Wallet, keccak256, toUtf8Bytes, type Signer } from "ethers";
import { network } from "hardhat";
import { ATTEST_REQUEST_TYPES, attestorDomain } from "../../client/attestor.ts";
import { deployZkMargin, type AttestRequest, type MarginAttestor, type ZkMarginDeployment } from "../../client/deploy.ts";
import { buildCircuitInput, type AccountWitness, type ProofRequest } from "../../prover/circuitInput.ts";
import { accountLeaf, holdingsCommitment, ownerHash } from "../../prover/commitments.ts";
import { evaluateMargin } from "../../prover/model.ts";
import { packProof } from "../../prover/packProof.ts";
import { flattenPublicInputs, type PublicInputs } from "../../prover/publicSignals.ts";
import { VenueTree } from "../../prover/tree.ts";
import type { Holding } from "../../prover/types.ts";
import { TEST_ASSETS, TEST_PARAMS, perp, spot, testMarket, testRisk } from "../../test/fixtures/market.ts";
import { ROOT, artifactPaths } from "../lib/instances.ts";
import { snark } from "../lib/snark.ts";
import { mdTable, thousands, type Section } from "./common.ts";

const BATCHES = [1, 2, 4, 8, 16];
const VENUES = [1n, 2n, 3n];
const PAIRS: [bigint, bigint][] = [
  [1n, 2n],
  [1n, 3n],
  [2n, 3n],
];

interface Proved {
  packed: bigint[];
  publicSignals: bigint[];
  publicInputs: PublicInputs;
}

function book(i: number): { secret: bigint; venues: [bigint, bigint]; holdings: [Holding[], Holding[]] } {
  const { USDC, ETH } = TEST_ASSETS;
  return {
    secret: 0xbe4c45ec12e7n * 1_000_003n + BigInt(i),
    venues: PAIRS[i % 3],
    holdings: [
      [spot(USDC, String(6000 + i)), perp(ETH, "10", "2950")],
      [spot(USDC, "6000"), perp(ETH, "-10", "3020")],
    ],
  };
}
const saltOf = (i: number, v: bigint) => BigInt(i + 1) * 7_000_003n + v;

export const gasSection: Section = {
  id: "gas",
  title: "Gas: attest and attestBatch (real proofs, instance test)",
  async run(ctx) {
    const p = artifactPaths("test");
    ctx.log("gas: npx hardhat build");
    const hb = spawnSync("npx", ["hardhat", "build", "--quiet"], { cwd: ROOT, encoding: "utf8" });
    if (hb.status !== 0) throw new Error(`hardhat build failed:\n${hb.stdout}${hb.stderr}`);

    const traders = 1 + Math.max(...BATCHES);
    // one tree per venue holding every trader's account there, plus a decoy
    const leaves = new Map<bigint, bigint[]>(VENUES.map((v) => [v, [1000n * v + 1n]]));
    const where = new Map<string, number>();
    for (let i = 0; i < traders; i++) {
      const b = book(i);
      b.venues.forEach((v, k) => {
        where.set(`${i}:${v}`, leaves.get(v)?.length ?? 0);
        leaves.get(v)?.push(accountLeaf(ownerHash(b.secret, saltOf(i, v)), holdingsCommitment(b.holdings[k], TEST_PARAMS.N), v));
      });
    }
    const trees = new Map([...leaves].map(([v, l]) => [v, new VenueTree(TEST_PARAMS.D, l)]));
    const accounts = (i: number): AccountWitness[] =>
      book(i).venues.map((v, k) => {
        const path = trees.get(v)?.path(where.get(`${i}:${v}`) ?? -1);
        if (!path) throw new Error(`no tree for venue ${v}`);
        return { venueId: v, salt: saltOf(i, v), holdings: book(i).holdings[k], leafIndex: path.leafIndex, siblings: path.siblings, root: path.root };
      });
    const excess = (i: number) => evaluateMargin(book(i).holdings.flat(), testMarket(), testRisk()).excess;
    const prove = async (i: number, subject: string, epoch: bigint): Promise<Proved> => {
      const req: ProofRequest = { params: TEST_PARAMS, traderSecret: book(i).secret, accounts: accounts(i), epoch, subject: BigInt(subject), market: testMarket(), risk: testRisk(), minExcess: excess(i) / 2n };
      const { input, publicInputs } = buildCircuitInput(req);
      const { proof, publicSignals } = await snark.groth16.fullProve(input as never, p.wasm, p.zkey);
      const signals = publicSignals.map((x) => BigInt(x));
      const expected = flattenPublicInputs(publicInputs);
      if (signals.some((s, k) => s !== expected[k])) throw new Error("public signals differ from buildCircuitInput's");
      return { packed: packProof(proof as Parameters<typeof packProof>[0]).map((x) => BigInt(x)), publicSignals: signals, publicInputs };
    };

    const { ethers } = await network.create();
    const signers = await ethers.getSigners();
    const [admin, op1, op2, op3, alice, relayer] = signers;
    const operators = [op1, op2, op3];
    const wallets = Array.from({ length: traders }, (_, i) => new Wallet(keccak256(toUtf8Bytes(`zkmargin bench subject ${i}`))));

    ctx.log(`gas: proving ${traders + 1} real proofs`);
    const t0 = performance.now();
    const alice1 = await prove(0, await alice.getAddress(), 1n);
    const alice2 = await prove(0, await alice.getAddress(), 2n);
    const batch: Proved[] = [];
    for (let i = 1; i < traders; i++) batch.push(await prove(i, wallets[i - 1].address, 1n));
    ctx.log(`gas: ${traders + 1} proofs in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const deploy = async (): Promise<ZkMarginDeployment> => {
      const zk = await deployZkMargin(ethers, { instance: "test", admin, maxEpochLag: 1n, expiryEpochs: 2n });
      for (const [k, v] of VENUES.entries()) await zk.registerVenue(v, operators[k]);
      await zk.setRiskParams(testRisk());
      for (const epoch of [1n, 2n]) {
        await zk.setMarket(testMarket(), epoch);
        for (const [k, v] of VENUES.entries()) await zk.postRoot(operators[k], v, epoch, trees.get(v)?.root ?? 0n);
      }
      return zk;
    };
    const as = (zk: ZkMarginDeployment, s: Signer) => zk.attestor.connect(s) as MarginAttestor;
    const gasOf = async (tx: Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>): Promise<bigint> => {
      const r = await (await tx).wait();
      if (!r) throw new Error("no receipt");
      return r.gasUsed;
    };
    const reqOf = (pr: Proved, subject: string): AttestRequest => ({
      subject,
      venueIds: pr.publicInputs.venueIds,
      nullifiers: pr.publicInputs.nullifiers,
      epoch: pr.publicInputs.epoch,
      minExcess: pr.publicInputs.minExcess,
      deadline: 2n ** 40n,
    });
    const { chainId } = await ethers.provider.getNetwork();
    const sign = async (zk: ZkMarginDeployment, w: Wallet, r: AttestRequest): Promise<string> =>
      w.signTypedData(
        attestorDomain(chainId, await zk.attestor.getAddress()),
        ATTEST_REQUEST_TYPES,
        { ...r, nonce: await zk.attestor.nonces(r.subject) },
      );

    const rows: (string | number)[][] = [];
    let zk = await deploy();
    const args = (pr: Proved) => [pr.packed, pr.publicInputs.venueIds, pr.publicInputs.nullifiers, pr.publicInputs.epoch, pr.publicInputs.minExcess] as const;
    const view = await zk.attestor.verifyProof.estimateGas(alice1.packed, await alice.getAddress(), alice1.publicInputs.venueIds, alice1.publicInputs.nullifiers, alice1.publicInputs.epoch, alice1.publicInputs.minExcess);
    const single = await zk.verifier.verifyProof.estimateGas(
      [alice1.packed[0], alice1.packed[1]],
      [
        [alice1.packed[2], alice1.packed[3]],
        [alice1.packed[4], alice1.packed[5]],
      ],
      [alice1.packed[6], alice1.packed[7]],
      alice1.publicSignals,
    );
    const first = await gasOf(as(zk, alice).attest(...args(alice1)));
    const next = await gasOf(as(zk, alice).attest(...args(alice2)));
    rows.push(["`attest`, first attestation (2 nullifiers, record, event)", thousands(first)]);
    rows.push(["`attest`, next epoch (2 new nullifiers, record updated)", thousands(next)]);
    rows.push(["`MarginAttestor.verifyProof` view (public inputs from storage + verifier), estimate", thousands(view)]);
    rows.push(["snarkjs `Groth16Verifier.verifyProof` alone, estimate", thousands(single)]);
    ctx.log(`gas: attest ${first}`);

    const batchRows: (string | number)[][] = [];
    for (const n of BATCHES) {
      zk = await deploy();
      const ps = batch.slice(0, n);
      const reqs = ps.map((pr, i) => reqOf(pr, wallets[i].address));
      const sigs: string[] = [];
      for (const [i, r] of reqs.entries()) sigs.push(await sign(zk, wallets[i], r));
      const raw = await zk.batchVerifier.verifyBatch.estimateGas(ps.map((pr) => pr.packed), ps.flatMap((pr) => pr.publicSignals));
      const all = await gasOf(as(zk, relayer).attestBatch(ps.map((pr) => pr.packed), reqs, sigs));
      for (const [i, pr] of ps.entries()) {
        if (!(await zk.attestor.isSolvent(wallets[i].address, pr.publicInputs.minExcess))) throw new Error(`batch ${n}: subject ${i} not solvent after attestBatch`);
      }
      zk = await deploy();
      let loop = 0n;
      for (const [i, r] of reqs.entries()) loop += await gasOf(as(zk, relayer).attestFor(ps[i].packed, r, await sign(zk, wallets[i], r)));
      const per = all / BigInt(n);
      const perLoop = loop / BigInt(n);
      batchRows.push([n, thousands(all), thousands(per), thousands(perLoop), `${((100 * Number(per)) / Number(perLoop)).toFixed(0)}%`, thousands(raw / BigInt(n))]);
      ctx.log(`gas: batch ${n}: ${per} per proof`);
    }
    return [
      mdTable([`operation (instance test, V = ${TEST_PARAMS.V}, ${5 + 3 * TEST_PARAMS.V} public signals)`, "gas"], rows),
      "",
      "Transactions: `gasUsed` of the receipt (includes the 21,000 base and calldata). Views: `eth_estimateGas` (also includes the base).",
      "",
      mdTable(["n", "attestBatch total", "attestBatch per proof", "attestFor loop per proof", "batch / loop", "Groth16BatchVerifier.verifyBatch per proof (estimate)"], batchRows),
      "",
      `attestBatch verifies n proofs with one random-linear-combination pairing check (n + 3 pairings); each entry is a signed EIP-712 request from a different subject (relayed), as in the loop of attestFor it is compared with. ${traders + 1} real proofs of the test instance (hedged ETH books over pairs of 3 venues), the contracts deployed by client/deploy.ts.`,
    ].join("\n");
  },
};
