/**
 * `npm run demo` (`zkmargin demo`): zkmargin end to end on Hardhat's in-process network, from a fresh clone.
 *
 *   1. keys      build the circuit instance's Groth16 keys if missing (scripts/lib/pipeline.ts; INSECURE dev setup)
 *   2. contracts compile the contracts and the generated verifiers (Hardhat's build task), deploy everything
 *   3. market    the oracle snapshots the epoch's market from its mock feeds; governance sets the risk params
 *   4. venues    each venue keeps an account tree (other traders + ours), posts its root, issues our statement
 *   5. report    the book margined isolated, cross-margined per venue and portfolio-margined
 *   6. prove     the trader proves the whole book meets the requirement with a chosen excess (Groth16)
 *   7. attest    MarginAttestor verifies the proof against on-chain roots, market and risk params, records it
 *   8. allocate  the trader allocates part of the attested excess to a lending protocol, which reads it
 * and prints the proof time and the gas of each transaction.
 */
import type { Signer } from "ethers";
import { formatUsd } from "../prover/errors.ts";
import { generateProof, releaseProver } from "../prover/generateProof.ts";
import { marketHash, riskParamsHash } from "../prover/commitments.ts";
import { marginReport, renderReport, renderTable } from "../prover/report.ts";
import { parseStatement } from "../prover/statement.ts";
import { accountKeys, randomFieldElement, Venue } from "../prover/venue.ts";
import { verifyProof } from "../prover/verifyProof.ts";
import type { Holding, MarketSnapshot } from "../prover/types.ts";
import { ROOT } from "../scripts/lib/instances.ts";
import { buildInstance } from "../scripts/lib/pipeline.ts";
import { AttestorClient } from "./attestor.ts";
import { ASSET_NAMES, demoBook, demoMarket, demoRisk } from "./demoBook.ts";
import { deployZkMargin } from "./deploy.ts";
import { instanceParams } from "../prover/generateProof.ts";
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
  gas: { postRoot: bigint; attest: bigint; allocate: bigint };
  minExcess: bigint;
  allocated: bigint;
}

const EPOCH = 1n;
/** other traders' accounts at each venue, so that every tree has real neighbours */
const OTHER_ACCOUNTS = 11;

export async function runDemo(opts: DemoOptions = {}): Promise<DemoResult> {
  const instance = opts.instance ?? "test";
  const out = opts.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const say = (line = "") => {
    if (!opts.quiet) out(line);
  };
  const step = (n: number, title: string) => say(`\n[${n}/8] ${title}`);
  process.chdir(ROOT); // Hardhat finds hardhat.config.ts from the working directory

  say("zkmargin demo: one institutional book across venues, proved solvent in zero knowledge, attested on-chain.");

  // 1. Keys.
  step(1, `circuit keys for instance "${instance}"`);
  const t0 = performance.now();
  const built = await buildInstance(instance, { log: (line) => say(`  ${line}`) });
  const params = instanceParams(instance);
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

  // 3. Market and risk params, on-chain.
  step(3, `market snapshot of epoch ${EPOCH} and risk parameters`);
  const onChainMarketHash = await zk.setMarket(demoMarket(params.A), EPOCH);
  const [price, scanRange, volShock] = await zk.oracle.snapshotAt(EPOCH);
  const market: MarketSnapshot = { price: [...price], scanRange: [...scanRange], volShock: [...volShock] };
  const risk = demoRisk(params.A, params.K);
  const onChainRiskHash = await zk.setRiskParams(risk);
  if (marketHash(market) !== onChainMarketHash || riskParamsHash(risk) !== onChainRiskHash) {
    throw new Error("demo: the on-chain market or risk params hash differs from the SDK's (prover/commitments.ts)");
  }
  say(
    renderTable([
      ["  asset", "price", "scan range", "vol shock"],
      ...market.price.map((p, a) => [`  ${ASSET_NAMES[a] ?? `asset ${a}`}`, formatUsd(p), `${Number(market.scanRange[a]) / 1e4}%`, `${Number(market.volShock[a]) / 1e4} vol pts`]),
    ]),
  );
  say(`  marketHash ${hex(onChainMarketHash)}, riskParamsHash ${hex(onChainRiskHash)} (the SDK computes the same)`);

  // 4. Venues: trees, roots, statements.
  const book = demoBook(params.V);
  step(4, `${book.length} venues post their account roots and issue statements`);
  if (params.V < 3) say(`  (instance "${instance}" has V=${params.V} venue slots: the book is held at ${book.length} venues; the prod instance takes 4)`);
  const traderSecret = randomFieldElement();
  const statements = [];
  let postRootGas = 0n;
  for (const [i, v] of book.entries()) {
    const operator = operators[i];
    await zk.registerVenue(v.venueId, operator);
    const venue = Venue.forInstance(v.venueId, params);
    for (let k = 0; k < OTHER_ACCOUNTS; k++) {
      const other = accountKeys(randomFieldElement());
      venue.openAccount(other.owner, other.salt, [{ asset: 0, kind: 0, size: BigInt(1 + k) * 10_000n * 100_000_000n, entryPrice: 0n, mark: 0n, delta: 0n, gamma: 0n, vega: 0n }]);
    }
    const keys = accountKeys(traderSecret); // the trader gives the venue owner = Poseidon(secret, salt) and the salt
    const index = venue.openAccount(keys.owner, keys.salt);
    venue.setHoldings(index, v.holdings); // deposits and trades: one tree path rehashed each
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
    { statements, traderSecret, market, risk, epoch: EPOCH, subject: BigInt(traderAddr), minExcess, postedRoots },
    { instance, onProgress: progress.onProgress },
  );
  progress.stop();
  const proofSeconds = (performance.now() - tProve) / 1000;
  const tVerify = performance.now();
  const valid = await verifyProof(proof);
  const verifySeconds = (performance.now() - tVerify) / 1000;
  if (!valid) throw new Error("demo: the proof does not verify off-chain");
  say(`  proof generated in ${proofSeconds.toFixed(1)} s, verified off-chain in ${verifySeconds.toFixed(2)} s`);
  say(`  public: subject, epoch, marketHash, riskParamsHash, ${params.V} venue roots, venue ids, nullifiers, minExcess; nothing else`);

  // 7. Attest.
  step(7, "attest on-chain (MarginAttestor)");
  const attestor = new AttestorClient(attestorAddr, trader);
  const attested = await attestor.attest(proof);
  const attestation = await attestor.attestation(traderAddr);
  const solvent = await attestor.isSolvent(traderAddr, minExcess);
  const cent = 1_000_000n; // $0.01
  const tooMuch = await attestor.isSolvent(traderAddr, minExcess + cent);
  if (!solvent || tooMuch) throw new Error("demo: isSolvent disagrees with the attestation");
  say(`  attest: tx ${attested.hash.slice(0, 18)}…, gas ${attested.gasUsed.toLocaleString("en-US")}`);
  say(`  attestation: epoch ${attestation.epoch}, valid until epoch ${attestation.validUntilEpoch}, minExcess ${formatUsd(attestation.minExcess)}`);
  say(`  isSolvent(trader, ${formatUsd(minExcess)}) = ${solvent}; isSolvent(trader, ${formatUsd(minExcess + cent)}) = ${tooMuch}`);

  // 8. Allocate.
  step(8, "allocate part of the attested excess to a lending protocol");
  const amount = (minExcess * 4n) / 10n;
  const allocated = await attestor.allocate(lenderAddr, amount);
  const seen = await new AttestorClient(attestorAddr, lender).allocatedTo(traderAddr, lenderAddr);
  if (seen !== amount) throw new Error("demo: allocatedTo disagrees with the allocation");
  say(`  allocate(${formatUsd(amount)}): gas ${allocated.gasUsed.toLocaleString("en-US")}; the lender reads allocatedTo = ${formatUsd(seen)}`);
  say(`  ${formatUsd(minExcess - amount)} of attested excess is left for other protocols; the same venue accounts cannot back another address this epoch (nullifiers)`);

  const result: DemoResult = {
    venues: book.length,
    proofSeconds,
    verifySeconds,
    gas: { postRoot: postRootGas, attest: attested.gasUsed, allocate: allocated.gasUsed },
    minExcess,
    allocated: seen,
  };
  out("");
  const summary: [string, string][] = [
      ["venues / holdings", `${book.length} / ${book.reduce((s, v) => s + v.holdings.length, 0)}`],
      ["portfolio vs isolated requirement", `${formatUsd(report.portfolio.requirement)} vs ${formatUsd(report.isolated.requirement)} (${formatUsd(report.portfolio.freed)} freed)`],
      ["proved excess", formatUsd(minExcess)],
      ["proof time", `${proofSeconds.toFixed(1)} s (instance "${instance}", ${built.manifest.constraints.toLocaleString("en-US")} constraints)`],
      ["gas: postRoot / attest / allocate", `${postRootGas.toLocaleString("en-US")} / ${attested.gasUsed.toLocaleString("en-US")} / ${allocated.gasUsed.toLocaleString("en-US")}`],
  ];
  out("summary");
  for (const [k, v] of summary) out(`  ${k.padEnd(36)}${v}`);
  await releaseProver();
  return result;
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
