/**
 * On-chain cost of the attestation lifecycle with REAL proofs of the test instance on Hardhat's in-process EVM,
 * deployed through client/deploy.ts (the same path as the demo and the contract tests): attest (first, renewal),
 * the verifiers alone, allocate / release / reclaim, and attestBatch per proof beside a loop of attestFor, for first
 * attestations and for renewals. The production instance (V = 4) is estimated from measured per-venue deltas.
 */
import { spawnSync } from "node:child_process";
import { Wallet, keccak256, toUtf8Bytes, type Signer } from "ethers";
import { network } from "hardhat";
import { ATTEST_REQUEST_TYPES, attestorDomain } from "../../client/attestor.ts";
import { deployZkMargin, type AttestRequest, type MarginAttestor, type ZkMarginDeployment } from "../../client/deploy.ts";
import { existsSync } from "node:fs";
import type { ProofRequest } from "../../prover/circuitInput.ts";
import { evaluateMargin } from "../../prover/model.ts";
import { publicSignalCount } from "../../prover/publicSignals.ts";
import { PROD_PARAMS, TEST_PARAMS, accountsFor, prodDeskBook, prodMarket, prodRisk, testMarket, testRisk } from "../../test/fixtures/market.ts";
import { proveMargin } from "../../test/helpers/proofs.ts";
import { World, attestArgs, hedgedTrader, type Proved } from "../../test/contracts/world.ts";
import { ROOT, artifactPaths } from "../lib/instances.ts";
import { mdTable, thousands, type Section } from "./common.ts";
import { profileTransaction, type GasProfile, type Labels } from "./gasProfile.ts";

const BATCHES = [1, 4, 16];
const VENUES = [1n, 2n, 3n];

/**
 * The figures before the gas work of issue 15: the issue-12 lifecycle contracts on main (attestor with the verifier
 * inlined, a registry call per venue list, an external Groth16BatchVerifier), measured by this bench
 * (`npm run bench -- --only gas --prod`) and recorded in docs/BENCHMARKS.md before this change.
 */
const BEFORE: Record<string, string> = {
  attestFirst: "330,182",
  renew: "298,275",
  allocateFirst: "85,332",
  allocateMore: "51,132",
  release: "34,866",
  reclaim: "44,522",
  batch16First: "149,292",
  batch16Renew: "112,199",
  view: "279,515",
  snarkAlone: "266,947",
  mineAlone: "254,223",
  perInput: "6,605",
  perVenue: "9,083",
  first3: "339,265",
  prodFirst: "349,761",
  prodRenew: "318,227",
};

/** Breakdown categories (docs/DESIGN.md §5.11), from gasProfile's lines. */
function category(line: string): string {
  if (line === "transaction base") return "transaction base (21,000)";
  if (line === "calldata") return "calldata";
  if (line.startsWith("pairing")) return "pairing (precompile 8)";
  if (line.startsWith("ecMul") || line.startsWith("ecAdd")) return "ecMul + ecAdd (public inputs, batch combination)";
  if (line.startsWith("ecrecover")) return "ecrecover (EIP-712 signatures)";
  if (line.startsWith("SSTORE")) return "storage writes (SSTORE)";
  if (line.startsWith("SLOAD")) return `storage reads (SLOAD)`;
  if (line.startsWith("call overhead")) return "external calls (registry, oracle, …)";
  if (line.startsWith("events")) return "events";
  if (line.startsWith("keccak")) return "keccak (EIP-712 hashing, batch challenges, mappings)";
  if (line.startsWith("other EVM work")) return "other EVM work (ABI decoding, memory, arithmetic)";
  return line;
}

const CATEGORIES = [
  "transaction base (21,000)",
  "calldata",
  "pairing (precompile 8)",
  "ecMul + ecAdd (public inputs, batch combination)",
  "ecrecover (EIP-712 signatures)",
  "storage reads (SLOAD)",
  "storage writes (SSTORE)",
  "external calls (registry, oracle, …)",
  "events",
  "keccak (EIP-712 hashing, batch challenges, mappings)",
  "other EVM work (ABI decoding, memory, arithmetic)",
  "SSTORE refund",
];

/** The breakdown table: one column per profiled transaction (divided per entry for batches). */
function breakdownTable(cols: { title: string; p: GasProfile; per: number }[]): string {
  const grouped = cols.map((c) => {
    const m = new Map<string, number>();
    for (const [k, g] of c.p.lines) m.set(category(k), (m.get(category(k)) ?? 0) + g);
    return m;
  });
  const names = [...CATEGORIES, ...new Set(grouped.flatMap((m) => [...m.keys()]).filter((k) => !CATEGORIES.includes(k)))];
  const rows = names
    .filter((k) => grouped.some((m) => (m.get(k) ?? 0) !== 0))
    .map((k) => [k, ...cols.map((c, i) => thousands(BigInt(Math.round((grouped[i].get(k) ?? 0) / c.per))))]);
  rows.push(["**total (receipt gasUsed)**", ...cols.map((c) => `**${thousands(c.p.gasUsed / BigInt(c.per))}**`)]);
  return mdTable(["where the gas goes", ...cols.map((c) => c.title)], rows);
}

export const gasSection: Section = {
  id: "gas",
  title: "Gas: the attestation lifecycle (real proofs, instance test)",
  async run(ctx) {
    ctx.log("gas: npx hardhat build");
    const hb = spawnSync("npx", ["hardhat", "build", "--quiet"], { cwd: ROOT, encoding: "utf8" });
    if (hb.status !== 0) throw new Error(`hardhat build failed:\n${hb.stdout}${hb.stderr}`);

    const n = Math.max(...BATCHES);
    // trader 0: alice, two venues; trader 1: carol, all three venues (the per-venue delta); 2..: the batch subjects
    const traders = [hedgedTrader(0, VENUES), { ...hedgedTrader(1, VENUES), venues: VENUES, holdings: [...hedgedTrader(1, VENUES).holdings, []] }];
    for (let i = 0; i < n; i++) traders.push(hedgedTrader(2 + i, VENUES));
    const world = new World(traders, VENUES);

    const { ethers } = await network.create();
    const signers = await ethers.getSigners();
    const [admin, op1, op2, op3, alice, carol, relayer, lender, lender2] = signers;
    const operators = [op1, op2, op3];
    const wallets = Array.from({ length: n }, (_, i) => new Wallet(keccak256(toUtf8Bytes(`zkmargin bench subject ${i}`))));
    const { chainId } = await ethers.provider.getNetwork();

    const deploy = async (): Promise<ZkMarginDeployment> => {
      const zk = await deployZkMargin(ethers, { instance: "test", admin });
      for (const [k, v] of VENUES.entries()) await zk.registerVenue(v, operators[k]);
      await zk.setRiskParams(testRisk());
      await epoch(zk, 1n);
      return zk;
    };
    const epoch = async (zk: ZkMarginDeployment, e: bigint) => {
      await zk.setMarket(testMarket(), e);
      for (const [k, v] of VENUES.entries()) await zk.postRoot(operators[k], v, e, world.root(v));
    };
    // Every deployment from this chain state has the same addresses, hence the same domain: prove once, and
    // return to this state before each deployment (a revert consumes the snapshot, so take it again).
    let base = (await ethers.provider.send("evm_snapshot", [])) as string;
    const domain = (await deploy()).domain;
    const fresh = async (): Promise<ZkMarginDeployment> => {
      await ethers.provider.send("evm_revert", [base]);
      base = (await ethers.provider.send("evm_snapshot", [])) as string;
      const zk = await deploy();
      if (zk.domain !== domain) throw new Error("gas bench: a redeployment got another domain");
      return zk;
    };

    ctx.log(`gas: proving ${4 + 2 * n} real proofs`);
    const t0 = performance.now();
    const prove = (i: number, subject: string, e: bigint) => world.prove(i, { subject, epoch: e, domain, minExcess: world.excess(i) / 2n });
    const alice1 = await prove(0, alice.address, 1n);
    const alice2 = await prove(0, alice.address, 2n);
    const carol1 = await prove(1, carol.address, 1n);
    const batch1: Proved[] = [];
    const batch2: Proved[] = [];
    for (let i = 0; i < n; i++) batch1.push(await prove(2 + i, wallets[i].address, 1n));
    for (let i = 0; i < n; i++) batch2.push(await prove(2 + i, wallets[i].address, 2n));
    ctx.log(`gas: ${4 + 2 * n} proofs in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const as = (zk: ZkMarginDeployment, s: Signer) => zk.attestor.connect(s) as MarginAttestor;
    const gasOf = async (tx: Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>): Promise<bigint> => {
      const r = await (await tx).wait();
      if (!r) throw new Error("no receipt");
      return r.gasUsed;
    };
    const sent = async (tx: Promise<{ hash: string; wait(): Promise<{ gasUsed: bigint } | null> }>): Promise<{ gas: bigint; hash: string }> => {
      const t = await tx;
      const r = await t.wait();
      if (!r) throw new Error("no receipt");
      return { gas: r.gasUsed, hash: t.hash };
    };
    const profile = async (zk: ZkMarginDeployment, hash: string): Promise<GasProfile> => {
      const labels: Labels = {};
      for (const [k, c] of Object.entries({ attestor: zk.attestor, registry: zk.registry, oracle: zk.oracle, riskParams: zk.riskParams })) {
        labels[(await (c as { getAddress(): Promise<string> }).getAddress()).toLowerCase()] = k;
      }
      const p = await profileTransaction(ethers.provider as never, hash, labels);
      const sum = [...p.lines.values()].reduce((a, b) => a + b, 0);
      if (BigInt(sum) !== p.gasUsed) throw new Error(`gas profile: lines sum to ${sum}, receipt says ${p.gasUsed}`);
      return p;
    };
    const profiles: { title: string; p: GasProfile; per: number }[] = [];
    const reqOf = (p: Proved): AttestRequest => ({ subject: String(p.subject), venueIds: p.venueIds, bookNullifier: p.bookNullifier, epoch: p.epoch, minExcess: p.minExcess, deadline: 2n ** 40n });
    const sign = async (zk: ZkMarginDeployment, w: Wallet, r: AttestRequest): Promise<string> =>
      w.signTypedData(attestorDomain(chainId, await zk.attestor.getAddress()), ATTEST_REQUEST_TYPES, { ...r, nonce: await zk.attestor.nonces(r.subject) });

    // ---- single attestations, the verifiers, the liens
    let zk = await fresh();
    const split = (p: Proved) => [[p.packed[0], p.packed[1]], [[p.packed[2], p.packed[3]], [p.packed[4], p.packed[5]]], [p.packed[6], p.packed[7]]] as const;
    const [a, b, c] = split(alice1);
    const snarkAlone = await zk.snarkVerifier.verifyProof.estimateGas(a as never, b as never, c as never, alice1.publicSignals);
    const mineAlone = await zk.verifier.verifyProof.estimateGas(alice1.packed, alice1.publicSignals);
    const view = await zk.attestor.verifyProof.estimateGas(alice1.packed, alice.address, alice1.venueIds, alice1.bookNullifier, 1n, alice1.minExcess);
    const firstTx = await sent(as(zk, alice).attest(...attestArgs(alice1)));
    const first = firstTx.gas;
    profiles.push({ title: "`attest` first (2 venues)", p: await profile(zk, firstTx.hash), per: 1 });
    const first3 = await gasOf(as(zk, carol).attest(...attestArgs(carol1)));
    const allocateFirst = await gasOf(as(zk, alice).allocate(lender.address, 1_000n));
    const allocateMore = await gasOf(as(zk, alice).allocate(lender.address, 1_000n));
    await as(zk, alice).allocate(lender2.address, 1_000n);
    const release = await gasOf(as(zk, lender).release(alice.address, 500n));
    await epoch(zk, 2n);
    const renewTx = await sent(as(zk, alice).attest(...attestArgs(alice2)));
    const renew = renewTx.gas;
    profiles.push({ title: "`attest` renewal (a lien carried)", p: await profile(zk, renewTx.hash), per: 1 });
    // a verifier's marginal cost of one non-zero public input: the same work is done whether the pairing holds or not
    const zeroRoot = [...alice1.publicSignals];
    zeroRoot[3 + 2] = 0n;
    const oneMore = [...alice1.publicSignals];
    oneMore[3 + 2] = 12345n;
    const perInput = (await zk.verifier.verifyProof.estimateGas(alice1.packed, oneMore)) - (await zk.verifier.verifyProof.estimateGas(alice1.packed, zeroRoot));
    // reclaim: let alice's renewed attestation lapse and its grace pass
    await ethers.provider.send("evm_increaseTime", [Number(zk.timing.ttl + zk.timing.gracePeriod) + 1]);
    await ethers.provider.send("evm_mine", []);
    const reclaim = await gasOf(as(zk, alice).reclaim());
    ctx.log(`gas: attest first ${first}, renew ${renew}`);

    const perVenue = first3 - first;
    const slotWord = 32n * 4n; // the fourth slot's zero id word in calldata (a zero root is skipped by the verifier)
    const estV4at2 = first + slotWord;
    const estV4at4 = first + 2n * perVenue + slotWord;
    const estRenewV4at2 = renew + slotWord;
    const estRenewV4at4 = renew + 2n * perVenue + slotWord;
    const rows: (string | number)[][] = [
      ["`attest`, first attestation (book bound, record, event), 2 of 3 venues", BEFORE.attestFirst, thousands(first)],
      ["`attest`, first attestation, 3 of 3 venues", BEFORE.first3, thousands(first3)],
      ["`attest`, renewal: next epoch, liens carried, book already bound", BEFORE.renew, thousands(renew)],
      ["`allocate`, first lien to a consumer", BEFORE.allocateFirst, thousands(allocateFirst)],
      ["`allocate`, lien increased", BEFORE.allocateMore, thousands(allocateMore)],
      ["`release` by the consumer", BEFORE.release, thousands(release)],
      ["`reclaim` after lapse + grace (all liens at once)", BEFORE.reclaim, thousands(reclaim)],
      ["`MarginAttestor.verifyProof` view (inputs from chain state + the inlined verifier), estimate", BEFORE.view, thousands(view)],
      ["snarkjs `Groth16Verifier.verifyProof` alone, estimate", BEFORE.snarkAlone, thousands(snarkAlone)],
      ["generated `MarginVerifier.verifyProof` alone (domain folded, zero roots skipped; inlined in the attestor), estimate", BEFORE.mineAlone, thousands(mineAlone)],
      ["→ MarginVerifier: one non-zero public input (ecMul + ecAdd)", BEFORE.perInput, thousands(perInput)],
      ["→ one more active venue in `attest` (measured: 3 venues − 2 venues)", BEFORE.perVenue, thousands(perVenue)],
    ];

    // ---- batches: first attestations and renewals, beside loops of attestFor
    const batchRows: (string | number)[][] = [];
    for (const size of BATCHES) {
      for (const kind of ["first", "renewal"] as const) {
        zk = await fresh();
        if (kind === "renewal") {
          for (const [i, p] of batch1.slice(0, size).entries()) await as(zk, relayer).attestFor(p.packed, reqOf(p), await sign(zk, wallets[i], reqOf(p)));
          await epoch(zk, 2n);
        }
        const ps = (kind === "first" ? batch1 : batch2).slice(0, size);
        const snapB = await ethers.provider.send("evm_snapshot", []);
        const reqs = ps.map(reqOf);
        const sigs: string[] = [];
        for (const [i, r] of reqs.entries()) sigs.push(await sign(zk, wallets[i], r));
        const raw = await zk.batchVerifier.verifyBatch.estimateGas(ps.map((p) => p.packed), ps.flatMap((p) => p.publicSignals));
        const allTx = await sent(as(zk, relayer).attestBatch(ps.map((p) => p.packed), reqs, sigs));
        const all = allTx.gas;
        if (size === n) profiles.push({ title: `\`attestBatch\` n = ${n}, ${kind}, per entry`, p: await profile(zk, allTx.hash), per: size });
        for (const [i, p] of ps.entries()) {
          if ((await zk.attestor.availableExcess(wallets[i].address)) !== p.minExcess) throw new Error(`batch ${size} ${kind}: subject ${i} not recorded`);
        }
        await ethers.provider.send("evm_revert", [snapB]);
        let loop = 0n;
        for (const [i, p] of ps.entries()) loop += await gasOf(as(zk, relayer).attestFor(p.packed, reqOf(p), await sign(zk, wallets[i], reqOf(p))));
        const per = all / BigInt(size);
        const perLoop = loop / BigInt(size);
        batchRows.push([size, kind, size === 16 ? (kind === "first" ? BEFORE.batch16First : BEFORE.batch16Renew) : "—", thousands(per), thousands(perLoop), `${((100 * Number(per)) / Number(perLoop)).toFixed(0)}%`, thousands(raw / BigInt(size))]);
        ctx.log(`gas: batch ${size} ${kind}: ${per} per proof`);
      }
    }

    // ---- the production instance (V = 4), measured when its key is built (npm run build:prod) and --prod is given
    let prodBlock = "";
    if (ctx.prod && existsSync(artifactPaths("prod").zkey)) {
      ctx.log("gas: production instance (V = 4): proving a 4-venue book at epochs 1 and 2");
      const book = prodDeskBook();
      const secret = 0x9e0d_5ec2e7n;
      const accounts = accountsFor(book, secret, PROD_PARAMS);
      const prodVenues = book.map((v) => v.venueId);
      const zkp = await deployZkMargin(ethers, { instance: "prod", admin });
      for (const [k, v] of prodVenues.entries()) await zkp.registerVenue(v, signers[10 + k]);
      await zkp.setRiskParams(prodRisk());
      const prodEpoch = async (e: bigint) => {
        await zkp.setMarket(prodMarket(), e);
        for (const [k, a] of accounts.entries()) await zkp.postRoot(signers[10 + k], a.venueId, e, a.root);
      };
      await prodEpoch(1n);
      const minExcess = evaluateMargin(book.map((v) => v.holdings), prodMarket(), prodRisk()).excess / 2n;
      const proveProd = async (e: bigint) => {
        const req: ProofRequest = { params: PROD_PARAMS, traderSecret: secret, accounts, epoch: e, subject: BigInt(alice.address), domain: zkp.domain, market: prodMarket(), risk: prodRisk(), minExcess };
        const p = await proveMargin(req, "prod");
        return [p.packed, p.publicInputs.venueIds, p.publicInputs.bookNullifier, e, p.publicInputs.minExcess] as const;
      };
      const p1 = await proveProd(1n);
      const p2 = await proveProd(2n);
      const asP = zkp.attestor.connect(alice) as MarginAttestor;
      const pFirstTx = await sent(asP.attest(...p1));
      const pFirst = pFirstTx.gas;
      profiles.push({ title: "prod `attest` first (4 venues)", p: await profile(zkp, pFirstTx.hash), per: 1 });
      await asP.allocate(lender.address, 1_000n);
      await prodEpoch(2n);
      const pRenewTx = await sent(asP.attest(...p2));
      const pRenew = pRenewTx.gas;
      profiles.push({ title: "prod `attest` renewal (4 venues, a lien)", p: await profile(zkp, pRenewTx.hash), per: 1 });
      ctx.log(`gas: prod attest first ${pFirst}, renew ${pRenew}`);
      prodBlock = mdTable([`operation (instance prod, V = 4, ${publicSignalCount(4)} public signals, a book at 4 venues), measured`, "before (main, issue 12)", "gas"], [
        ["`attest`, first attestation (book bound, record, event)", BEFORE.prodFirst, thousands(pFirst)],
        ["`attest`, renewal: next epoch, a lien carried, book already bound", BEFORE.prodRenew, thousands(pRenew)],
      ]);
    }

    const npub = publicSignalCount(TEST_PARAMS.V);
    return [
      mdTable([`operation (instance test, V = ${TEST_PARAMS.V}, ${npub} public signals)`, "before (main, issue 12)", "gas"], rows),
      "",
      "Transactions: `gasUsed` of the receipt (includes the 21,000 base and calldata). Views: `eth_estimateGas` (also includes the base). \"Before\" is the issue-12 lifecycle contracts as merged before the gas work of issue 15 (this bench, the same kinds of proofs; docs/DESIGN.md §5.11 lists each cut and its saving).",
      "",
      prodBlock ? `${prodBlock}\n` : "",
      `**Production instance (V = 4, ${publicSignalCount(4)} public signals), estimated** from the measured test-instance figures above${prodBlock ? " (and measured, for a 4-venue book, in the table before)" : " (its key is not built on this machine)"}: the fourth slot adds one root public input — skipped by MarginVerifier when the slot is inactive — and one venue-id word of calldata; each further active venue adds the measured per-venue delta (${thousands(perVenue)}: one ecMul + ecAdd, one root read, one id word). A first attestation of a book at 2 venues ≈ ${thousands(estV4at2)}, at 4 venues ≈ ${thousands(estV4at4)}; a renewal at 2 venues ≈ ${thousands(estRenewV4at2)}, at 4 venues ≈ ${thousands(estRenewV4at4)}. The storage (one attestation slot, one binding slot per book) does not depend on V ≤ 4.`,
      "",
      "Where the gas goes (scripts/bench/gasProfile.ts: `debug_traceTransaction` replayed opcode by opcode on Hardhat's EDR, every unit of gas filed under one category; the columns sum to the receipt's gasUsed):",
      "",
      breakdownTable(profiles),
      "",
      mdTable(["n", "entries", "before: per proof (main)", "attestBatch per proof", "attestFor loop per proof", "batch / loop", "Groth16BatchVerifier.verifyBatch per proof (estimate)"], batchRows),
      "",
      `attestBatch verifies n proofs with one random-linear-combination pairing check (n + 3 pairings); each entry is a signed EIP-712 request from a different subject (relayed), as in the loop of attestFor it is compared with. "first": every subject and book is new (a binding slot and an attestation slot written per entry); "renewal": the same subjects at the next epoch inside the renewal window (the attestation slot rewritten, the binding read). ${4 + 2 * n} real proofs of the test instance (hedged ETH books over pairs of 3 venues), the contracts deployed by client/deploy.ts.`,
    ].join("\n");
  },
};
