/**
 * `npm run demo` (`zkmargin demo`): zkmargin end to end on Hardhat's in-process network, from a fresh clone.
 *
 *   1. keys      build the circuit instance's Groth16 keys if missing (scripts/lib/pipeline.ts; INSECURE dev setup)
 *   2. contracts compile the contracts and the generated verifiers (Hardhat's build task), deploy everything
 *   3. market    the oracle snapshots the epoch's market from its mock feeds; governance sets the risk params
 *   4. venues    each venue keeps an account tree (other traders + ours), posts its root, issues our statement
 *   5. report    the book margined isolated, cross-margined per venue and portfolio-margined
 *   6. prove     the trader proves the whole book meets the requirement with a chosen excess (Groth16)
 *   7. attest    MarginAttestor verifies the proof against on-chain roots, the context hash and the domain, records it
 *   8. allocate  the trader allocates part of the attested excess to a lending protocol: the lender's lien
 *   9. renew     the oracle snapshots the next epoch; the lien stays Live in the renewal window; venues post new roots,
 *                the trader proves again and renews: no gap, the lien carries over
 *  10. lapse     nobody renews: the lien lapses (the lender's margin call), the grace period passes, the trader reclaims
 * and prints the proof time and the gas of each transaction.
 */
import type { Signer } from "ethers";
import { formatUsd } from "../prover/errors.ts";
import { generateProof, releaseProver } from "../prover/generateProof.ts";
import { contextHashOf } from "../prover/commitments.ts";
import { marginReport, renderReport, renderTable } from "../prover/report.ts";
import { parseStatement } from "../prover/statement.ts";
import { accountKeys, randomFieldElement, Venue } from "../prover/venue.ts";
import { verifyProof } from "../prover/verifyProof.ts";
import type { Holding, MarketSnapshot } from "../prover/types.ts";
import { ROOT, localArtifacts } from "../scripts/lib/instances.ts";
import { buildInstance } from "../scripts/lib/pipeline.ts";
import { AttestorClient, LifecycleState, attestable } from "./attestor.ts";
import { ASSET_NAMES, demoBook, demoMarket, demoRisk } from "./demoBook.ts";
import { deployZkMargin } from "./deploy.ts";
import { progressReporter } from "./progress.ts";

export interface DemoOptions {
  /** circuit instance (default "test") */
  instance?: string;
  /** only the summary */
  quiet?: boolean;
  /** output sink (default: stdout) */
  log?: (line: string) => void;
}

export interface DemoResult {
  venues: number;
  proofSeconds: number;
  verifySeconds: number;
  gas: { postRoot: bigint; attest: bigint; allocate: bigint; renew: bigint; reclaim: bigint };
  minExcess: bigint;
  allocated: bigint;
}

const EPOCH = 1n;
const STEPS = 10;
/** other traders' accounts at each venue, so that every tree has real neighbours */
const OTHER_ACCOUNTS = 11;

export async function runDemo(opts: DemoOptions = {}): Promise<DemoResult> {
  const instance = opts.instance ?? "test";
  const out = opts.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const say = (line = "") => {
    if (!opts.quiet) out(line);
  };
  const step = (n: number, title: string) => say(`\n[${n}/${STEPS}] ${title}`);
  process.chdir(ROOT); // Hardhat finds hardhat.config.ts from the working directory

  say("zkmargin demo: one institutional book across venues, proved solvent in zero knowledge, attested on-chain.");

  // 1. Keys.
  step(1, `circuit keys for instance "${instance}"`);
  const t0 = performance.now();
  const built = await buildInstance(instance, { log: (line) => say(`  ${line}`) });
  const artifacts = localArtifacts(instance);
  const params = artifacts.instance;
  say(
    `  ${built.skipped ? "up to date" : `built in ${((performance.now() - t0) / 1000).toFixed(0)} s`}: ` +
      `${built.manifest.constraints.toLocaleString("en-US")} constraints, V=${params.V} N=${params.N} A=${params.A} K=${params.K} D=${params.D}` +
      `${built.manifest.phase2.insecure ? " (INSECURE development setup: never use these keys for real value)" : ""}`,
  );

  // 2. Contracts.
  step(2, "compile and deploy the contracts on Hardhat's in-process network");
  const hre = (await import("hardhat")).default;
  await hre.tasks.getTask("build").run({ quiet: true, noTests: true });
  const { ethers } = await hre.network.create();
  const [admin, trader, lender, ...operators] = (await ethers.getSigners()) as unknown as Signer[];
  const zk = await deployZkMargin(ethers, { instance, admin });
  const traderAddr = await trader.getAddress();
  const lenderAddr = await lender.getAddress();
  const attestorAddr = await zk.attestor.getAddress();
  say(`  MarginAttestor ${attestorAddr}, VenueRegistry ${await zk.registry.getAddress()}, OracleHub ${await zk.oracle.getAddress()}`);
  say(`  trader ${traderAddr}, lending protocol ${lenderAddr}`);

  // 3. Risk params (through the timelock), then the market snapshot that binds them.
  step(3, `risk parameters and the market snapshot of epoch ${EPOCH}`);
  const risk = demoRisk(params.A, params.K); // model v2: joint crypto moves, a USDC depeg column, gross vega
  await zk.setRiskParams(risk); // scheduled in the timelock; the local chain skips the delay
  const onChainContext = await zk.setMarket(demoMarket(params.A), EPOCH);
  const [price, scanRange, volShock] = await zk.oracle.snapshotAt(EPOCH);
  const market: MarketSnapshot = { price: [...price], scanRange: [...scanRange], volShock: [...volShock] };
  if (contextHashOf(EPOCH, market, risk) !== onChainContext) {
    throw new Error("demo: the on-chain context hash differs from the SDK's (prover/commitments.ts)");
  }
  say(
    renderTable([
      ["  asset", "price", "scan range", "vol shock"],
      ...market.price.map((p, a) => [`  ${ASSET_NAMES[a] ?? `asset ${a}`}`, formatUsd(p), `${Number(market.scanRange[a]) / 1e4}%`, `${Number(market.volShock[a]) / 1e4} vol pts`]),
    ]),
  );
  const delayDays = Number(await zk.timelock.getMinDelay()) / 86_400;
  say(`  contextHash ${hex(onChainContext)} (epoch, risk params version 1, market; the SDK computes the same); a risk change waits ${delayDays} days in the timelock`);

  // 4. Venues: trees, roots, statements.
  const book = demoBook(params.V);
  step(4, `${book.length} venues post their account roots and issue statements`);
  if (params.V < 3) say(`  (instance "${instance}" has V=${params.V} venue slots: the book is held at ${book.length} venues; the prod instance takes 4)`);
  const traderSecret = randomFieldElement();
  const statements = [];
  const venues: Venue[] = [];
  const indices: number[] = [];
  let postRootGas = 0n;
  for (const [i, v] of book.entries()) {
    const operator = operators[i];
    await zk.registerVenue(v.venueId, operator);
    const venue = Venue.forInstance(v.venueId, params);
    venues.push(venue);
    for (let k = 0; k < OTHER_ACCOUNTS; k++) {
      const other = accountKeys(randomFieldElement());
      venue.openAccount(other.owner, other.salt, [{ asset: 0, kind: 0, size: BigInt(1 + k) * 10_000n * 100_000_000n, entryPrice: 0n, mark: 0n, delta: 0n, gamma: 0n, vega: 0n }]);
    }
    const keys = accountKeys(traderSecret); // the trader gives the venue owner = Poseidon(secret, salt) and the salt
    const index = venue.openAccount(keys.owner, keys.salt);
    venue.setHoldings(index, v.holdings); // deposits and trades: one tree path rehashed each
    indices.push(index);
    const tx = await (zk.registry.connect(operator) as typeof zk.registry).postRoot(v.venueId, EPOCH, venue.root);
    const receipt = await tx.wait();
    postRootGas = receipt?.gasUsed ?? 0n;
    statements.push(parseStatement(venue.statementJson(index, EPOCH), `venue ${v.venueId} statement`));
    const what = v.holdings.map(describe).join(", ");
    say(`  venue ${v.venueId} (${v.name}): ${venue.size} accounts, root ${hex(venue.root).slice(0, 18)}…; ours: ${what}`);
  }

  // 5. Report.
  step(5, "margin report: the same book, three ways");
  const report = marginReport(book, market, risk);
  say(indent(renderReport(report, "Margin report")));
  const excess = report.portfolio.excess;
  const minExcess = (((excess * 9n) / 10n) / (10_000n * 100_000_000n)) * (10_000n * 100_000_000n); // 90%, in $10k steps
  say(`  the trader will prove an excess of at least ${formatUsd(minExcess)} (of ${formatUsd(excess)})`);

  // 6. Prove.
  step(6, "prove (Groth16, client-side)");
  const postedRoots = new Map<bigint, bigint>();
  for (const s of statements) postedRoots.set(s.venueId, await zk.registry.rootOf(s.venueId, EPOCH));
  const progress = progressReporter(opts.quiet === true);
  const tProve = performance.now();
  const proof = await generateProof(
    { statements, traderSecret, market, risk, epoch: EPOCH, subject: BigInt(traderAddr), domain: zk.domain, minExcess, postedRoots, postedContextHash: onChainContext },
    artifacts,
    { onProgress: progress.onProgress },
  );
  progress.stop();
  const proofSeconds = (performance.now() - tProve) / 1000;
  const tVerify = performance.now();
  const valid = await verifyProof(proof, artifacts);
  const verifySeconds = (performance.now() - tVerify) / 1000;
  if (!valid) throw new Error("demo: the proof does not verify off-chain");
  const engines = `${artifacts.witness ? "C++ witness" : "WASM witness"}, ${artifacts.prover ? "native prover" : `snarkjs prover${artifacts.proverFallback ? ` (${artifacts.proverFallback})` : ""}`}`;
  say(`  proof generated in ${proofSeconds.toFixed(1)} s (${engines}), verified off-chain in ${verifySeconds.toFixed(2)} s`);
  say(`  public: subject, domain, contextHash, ${params.V} venue roots, bookNullifier, tail (minExcess, venue ids); nothing else`);

  // 7. Attest.
  step(7, "attest on-chain (MarginAttestor)");
  const attestor = new AttestorClient(attestorAddr, trader);
  const attested = await attestor.attest(attestable(proof, EPOCH));
  const status = await attestor.status(traderAddr);
  if (status.state !== LifecycleState.Live || status.available !== minExcess) throw new Error("demo: the attestation is not Live with the proved excess");
  say(`  attest: tx ${attested.hash.slice(0, 18)}…, gas ${attested.gasUsed.toLocaleString("en-US")}`);
  say(`  attestation: epoch ${status.epoch}, Live until ${when(status.lapsesAt)} (snapshot + ttl), risk params version ${status.riskVersion}, available ${formatUsd(status.available)}`);

  // 8. Allocate.
  step(8, "allocate part of the attested excess to a lending protocol (a lien)");
  const amount = (minExcess * 4n) / 10n;
  const allocated = await attestor.allocate(lenderAddr, amount);
  const asLender = new AttestorClient(attestorAddr, lender);
  let lien = await asLender.lienOf(traderAddr, lenderAddr);
  if (lien.amount !== amount || lien.state !== LifecycleState.Live) throw new Error("demo: lienOf disagrees with the allocation");
  say(`  allocate(${formatUsd(amount)}): gas ${allocated.gasUsed.toLocaleString("en-US")}; the lender reads lienOf = ${formatUsd(lien.amount)}, ${LifecycleState[lien.state]} until ${when(lien.until)}`);
  say(`  availableExcess = ${formatUsd(await attestor.availableExcess(traderAddr))} for other lenders; only the lender can release its lien, and this book backs no other address`);

  // 9. Renew across the next snapshot, without a gap.
  const NEXT = EPOCH + 1n;
  step(9, `the oracle snapshots epoch ${NEXT}; the trader renews inside the renewal window`);
  await (await zk.oracle.snapshot(NEXT)).wait();
  lien = await asLender.lienOf(traderAddr, lenderAddr);
  say(`  after the snapshot the lien is still ${LifecycleState[lien.state]} until ${when(lien.until)} (renewal window ${Number(zk.timing.renewalWindow) / 3600} h)`);
  const nextRoots = new Map<bigint, bigint>();
  const nextStatements = [];
  for (const [i, venue] of venues.entries()) {
    await (await (zk.registry.connect(operators[i]) as typeof zk.registry).postRoot(venue.venueId, NEXT, venue.root)).wait();
    nextRoots.set(venue.venueId, venue.root);
    nextStatements.push(parseStatement(venue.statementJson(indices[i], NEXT), `venue ${venue.venueId} statement`));
  }
  const nextContext = await zk.oracle.contextHashAt(NEXT);
  const renewal = await generateProof(
    { statements: nextStatements, traderSecret, market, risk, epoch: NEXT, subject: BigInt(traderAddr), domain: zk.domain, minExcess, postedRoots: nextRoots, postedContextHash: nextContext },
    artifacts,
  );
  const renewed = await attestor.attest(attestable(renewal, NEXT));
  lien = await asLender.lienOf(traderAddr, lenderAddr);
  if (lien.amount !== amount || lien.state !== LifecycleState.Live) throw new Error("demo: the lien did not carry over the renewal");
  say(`  renew (epoch ${NEXT}): gas ${renewed.gasUsed.toLocaleString("en-US")}; the lien carried over: ${formatUsd(lien.amount)}, Live until ${when(lien.until)}`);

  // 10. Lapse: nobody renews.
  step(10, "nobody renews: the lien lapses, the grace period passes, the trader reclaims");
  const s2 = await attestor.status(traderAddr);
  await ethers.provider.send("evm_setNextBlockTimestamp", [Number(s2.lapsesAt)]);
  await ethers.provider.send("evm_mine", []);
  lien = await asLender.lienOf(traderAddr, lenderAddr);
  say(`  at ${when(s2.lapsesAt)} the lien is ${LifecycleState[lien.state]} until ${when(lien.until)}: the lender margin-calls; no new allocation is possible (available ${formatUsd(await attestor.availableExcess(traderAddr))})`);
  await ethers.provider.send("evm_setNextBlockTimestamp", [Number(s2.graceEndsAt)]);
  await ethers.provider.send("evm_mine", []);
  lien = await asLender.lienOf(traderAddr, lenderAddr);
  const reclaimed = await attestor.reclaim();
  const after = await asLender.lienOf(traderAddr, lenderAddr);
  say(`  at ${when(s2.graceEndsAt)} the lien is ${LifecycleState[lien.state]}: the lender liquidates; reclaim: gas ${reclaimed.gasUsed.toLocaleString("en-US")}, the lien is now ${formatUsd(after.amount)}`);

  const result: DemoResult = {
    venues: book.length,
    proofSeconds,
    verifySeconds,
    gas: { postRoot: postRootGas, attest: attested.gasUsed, allocate: allocated.gasUsed, renew: renewed.gasUsed, reclaim: reclaimed.gasUsed },
    minExcess,
    allocated: amount,
  };
  out("");
  const summary: [string, string][] = [
      ["venues / holdings", `${book.length} / ${book.reduce((s, v) => s + v.holdings.length, 0)}`],
      ["portfolio vs isolated requirement", `${formatUsd(report.portfolio.requirement)} vs ${formatUsd(report.isolated.requirement)} (${formatUsd(report.portfolio.freed)} freed)`],
      ["proved excess", formatUsd(minExcess)],
      ["proof time", `${proofSeconds.toFixed(1)} s (instance "${instance}", ${built.manifest.constraints.toLocaleString("en-US")} constraints)`],
      ["gas: postRoot / attest / allocate", `${postRootGas.toLocaleString("en-US")} / ${attested.gasUsed.toLocaleString("en-US")} / ${allocated.gasUsed.toLocaleString("en-US")}`],
      ["gas: renew / reclaim", `${renewed.gasUsed.toLocaleString("en-US")} / ${reclaimed.gasUsed.toLocaleString("en-US")}`],
  ];
  out("summary");
  for (const [k, v] of summary) out(`  ${k.padEnd(36)}${v}`);
  await releaseProver();
  return result;
}

/** A chain timestamp as UTC date and time. */
function when(t: bigint): string {
  return `${new Date(Number(t) * 1000).toISOString().replace("T", " ").slice(0, 16)} UTC`;
}

function hex(x: bigint): string {
  return `0x${x.toString(16).padStart(64, "0")}`;
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split("\n")
    .map((l) => (l ? `  ${l}` : l))
    .join("\n");
}

/** "+200 ETH perp @ $2,950.00", "3 BTC spot", "+2 BTC option" */
function describe(h: Holding): string {
  const units = formatUsd(h.size).replace("$", "").replace(/\.00$/, "");
  const name = ASSET_NAMES[h.asset] ?? `asset ${h.asset}`;
  if (h.kind === 1) return `${h.size > 0n ? "+" : ""}${units} ${name} perp @ ${formatUsd(h.entryPrice)}`;
  if (h.kind === 2) return `${h.size > 0n ? "+" : ""}${units} ${name} ${h.delta < 0n ? "put" : "call"}`;
  return `${units} ${name}`;
}
