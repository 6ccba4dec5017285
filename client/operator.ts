/**
 * The operators' commands (registered by client/cli.ts), each against any JSON-RPC endpoint:
 *
 *   deploy                 the whole suite for an instance (client/deploy.ts), writing the deployment file; refuses
 *                          keys from the insecure development setup on any chain but a local one unless told so
 *   venue register         the registry admin registers a venue and its operator key
 *   oracle add-feed        the oracle owner configures an asset's feeds (appended) and floors
 *   oracle mock-price      set the deployment's mock feeds of an asset (development chains only)
 *   oracle snapshot        take the epoch's market snapshot (binds the risk params version in force)
 *   risk set               propose new risk parameters through the timelock, or execute them once its delay passed
 *
 * `venue post-root` and `venue build-epoch --rpc` are the venue kit's (client/venue/cli.ts); extendVenue below gives
 * them --deployment (the registry's address from the deployment file) and keystore keys, so the operator has one
 * command tree.
 */
import { keccak256, AbiCoder, ZeroHash, type Wallet } from "ethers";
import { Option, type Command } from "commander";
import { ExitCode, formatUsd, ZkMarginInputError } from "../prover/errors.ts";
import { isRiskV2, validateRisk } from "../prover/model.ts";
import { parseRisk } from "../prover/statement.ts";
import { asInputError } from "../prover/venue.ts";
import { chainSigner, withConnectedChain, LOCAL_CHAIN_IDS, openProvider, sendTx, type Chain, type ChainOptions } from "./chain.ts";
import { attach, contractArtifact } from "./contracts.ts";
import { chainRiskParams, DEFAULT_RISK_DELAY, DEFAULT_TIMING, deployZkMargin, rpcDeployer } from "./deploy.ts";
import { DEPLOYMENT_FORMAT, readDeployment, type Deployment } from "./deployment.ts";
import { emit, helpAfter, withChain, withKey } from "./help.ts";
import { checkWritable, parseAddress, parseEpoch, parseUint, parseUsd, parseVenueId, readText, utc, writeFileAtomic } from "./io.ts";
import { requireSigner, type KeyOptions } from "./keys.ts";

type Run = (action: () => Promise<number> | number) => Promise<void>;

// -------------------------------------------------------------------------------------------------------- deploy

interface DeployOpts extends KeyOptions {
  rpc?: string;
  instance: string;
  out: string;
  mockFeeds: string;
  riskDelay?: string;
  ttl?: string;
  renewalWindow?: string;
  gracePeriod?: string;
  allowInsecureKeys?: boolean;
  artifacts?: string;
  json?: boolean;
}

async function deployCommand(o: DeployOpts): Promise<number> {
  checkWritable(o.out);
  const { localArtifacts, marginParams } = await import("../scripts/lib/instances.ts");
  const params = marginParams(o.instance);
  const artifacts = localArtifacts(o.instance, { dir: o.artifacts });
  const feeds = Number(parseUint(o.mockFeeds, "mock-feeds"));
  if (feeds !== 0 && (feeds < 3 || feeds > 16)) throw new ZkMarginInputError("mock-feeds", "0 (configure real feeds with `oracle add-feed`) or 3 … 16 mock feeds per asset");
  const timing = {
    ttl: o.ttl !== undefined ? parseUint(o.ttl, "ttl") : DEFAULT_TIMING.ttl,
    renewalWindow: o.renewalWindow !== undefined ? parseUint(o.renewalWindow, "renewal-window") : DEFAULT_TIMING.renewalWindow,
    gracePeriod: o.gracePeriod !== undefined ? parseUint(o.gracePeriod, "grace-period") : DEFAULT_TIMING.gracePeriod,
  };
  const riskDelay = o.riskDelay !== undefined ? parseUint(o.riskDelay, "risk-delay") : DEFAULT_RISK_DELAY;
  // the compiled contracts, before any transaction
  const { verifierArtifactNames } = await import("./deploy.ts");
  for (const name of ["PoseidonT9", "RiskTimelock", "RiskParams", "OracleHub", "VenueRegistry", ...Object.values(verifierArtifactNames(o.instance))]) contractArtifact(name);
  const { provider, chainId, rpc } = await openProvider(o.rpc);
  try {
    if (artifacts.instance.insecure && !LOCAL_CHAIN_IDS.has(chainId)) {
      if (!o.allowInsecureKeys) {
        throw new ZkMarginInputError(
          "instance",
          `the keys of instance "${o.instance}" come from the INSECURE development setup (a development ptau and fixed phase-2 entropy): anyone can forge proofs that these verifiers accept. ` +
            `Chain ${chainId} is not a local development chain (${[...LOCAL_CHAIN_IDS].join(", ")}), so deploying them there is refused. Build keys from a public ceremony ptau (npm run build:prod --ptau …), or pass --allow-insecure-keys for a throw-away test network.`,
        );
      }
      process.stderr.write(`warning: deploying INSECURE development keys to chain ${chainId} (--allow-insecure-keys): proofs can be forged\n`);
    }
    const admin = await requireSigner(o, "the deployer (it becomes the registry admin, the oracle owner and the risk timelock's proposer)", provider);
    const balance = await provider.getBalance(admin.address);
    if (balance === 0n) throw new ZkMarginInputError("key", `the deployer ${admin.address} has no ether on chain ${chainId} to pay for gas`);
    const gas: { what: string; gasUsed: bigint }[] = [];
    const t0 = performance.now();
    const zk = await deployZkMargin(rpcDeployer(provider, [admin]), {
      instance: o.instance,
      admin,
      feedsPerAsset: feeds,
      riskDelay,
      timing,
      onGas: (what, gasUsed) => gas.push({ what, gasUsed }),
    });
    const seconds = (performance.now() - t0) / 1000;
    const addr = async (c: { getAddress(): Promise<string> }) => c.getAddress();
    const deployment: Deployment = {
      format: DEPLOYMENT_FORMAT,
      chainId,
      instance: o.instance,
      insecureKeys: artifacts.instance.insecure,
      vkeySha256: artifacts.instance.sha256?.vkey ?? "",
      deployer: admin.address,
      block: await provider.getBlockNumber(),
      domain: zk.domain,
      timing,
      riskDelay,
      contracts: {
        PoseidonT9: await addr(zk.poseidon),
        RiskTimelock: await addr(zk.timelock),
        RiskParams: await addr(zk.riskParams),
        OracleHub: await addr(zk.oracle),
        VenueRegistry: await addr(zk.registry),
        Groth16Verifier: await addr(zk.snarkVerifier),
        MarginVerifier: await addr(zk.verifier),
        Groth16BatchVerifier: await addr(zk.batchVerifier),
        MarginAttestor: await addr(zk.attestor),
      },
      mockFeeds: await Promise.all(zk.feeds.map((row) => Promise.all(row.map(addr)))),
    };
    const json = JSON.stringify(deployment, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);
    writeFileAtomic(o.out, `${json}\n`);
    const total = gas.reduce((s, g) => s + g.gasUsed, 0n);
    emit(o.json, { deployment: o.out, chainId, rpc, contracts: deployment.contracts, domain: zk.domain, insecureKeys: deployment.insecureKeys, seconds, gas, totalGas: total }, () => [
      `deployed instance "${o.instance}" (V=${params.V}) to chain ${chainId} in ${seconds.toFixed(1)} s, ${gas.length} transactions, ${total.toLocaleString("en-US")} gas → ${o.out}`,
      ...Object.entries(deployment.contracts).map(([k, v]) => `  ${k.padEnd(21)}${v}`),
      `  domain ${zk.domain}; ttl ${timing.ttl} s, renewal window ${timing.renewalWindow} s, grace ${timing.gracePeriod} s; risk timelock delay ${riskDelay} s`,
      ...(feeds ? [`  ${feeds} mock feeds per asset (development): zkmargin oracle add-feed --asset <a> --mock …, oracle mock-price`] : []),
      ...(deployment.insecureKeys ? ["  INSECURE development keys: for tests and demos only"] : []),
    ]);
    return ExitCode.Ok;
  } finally {
    provider.destroy();
  }
}

function registerDeploy(program: Command, run: Run): void {
  helpAfter(
    withKey(
      withChain(
        program
          .command("deploy")
          .description("Deploy the whole suite for a circuit instance — Poseidon(8), the risk timelock, RiskParams, OracleHub, VenueRegistry (also the book ledger), the instance's verifiers and MarginAttestor, authorized in the ledger — and write the deployment file every other chain command reads.")
          .option("-i, --instance <name>", "circuit instance whose keys the verifiers embed (circuits/circuits.json)", "test")
          .requiredOption("-o, --out <file>", "where to write the deployment file (JSON)")
          .option("--mock-feeds <n>", "deploy n mock AggregatorV3 feeds per asset (a development chain without real feeds); 0: none", "0")
          .option("--risk-delay <seconds>", `the risk timelock's minimum delay (default ${DEFAULT_RISK_DELAY})`)
          .option("--ttl <seconds>", `an attestation's longest life after its snapshot (default ${DEFAULT_TIMING.ttl})`)
          .option("--renewal-window <seconds>", `how long an attestation stays Live after the next snapshot (default ${DEFAULT_TIMING.renewalWindow})`)
          .option("--grace-period <seconds>", `how long liens bind after a lapse (default ${DEFAULT_TIMING.gracePeriod})`)
          .option("--artifacts <dir>", "the instance's build folder (default: build/<instance>/)")
          .option("--allow-insecure-keys", "deploy INSECURE development keys to a chain that is not a local development chain (never for real value)")
          .option("--json", "print the result as one JSON object"),
        { deployment: false },
      ),
      "the deployer",
    ),
    { chain: true, keys: true, units: true, extra: "\nNeeds the instance's keys (npm run build) and the compiled contracts (npx hardhat build)." },
  ).action(async (o: DeployOpts) => run(() => deployCommand(o)));
}

// --------------------------------------------------------------------------------------------------------- venue

/** `venue register`, and the venue kit's chain commands given --deployment and keystore keys. */
function registerVenueAdmin(program: Command, run: Run): void {
  const venue = program.commands.find((c) => c.name() === "venue");
  if (!venue) throw new Error("internal: the venue kit's commands are not registered");
  helpAfter(
    withKey(
      withChain(
        venue
          .command("register")
          .description("As the registry admin, register a venue id with its operator's address (the key that posts the venue's roots).")
          .requiredOption("--venue-id <n>", "the venue id (1 … 2^32 − 1)")
          .requiredOption("--operator <address>", "the venue operator's address")
          .option("--json", "print the result as one JSON object"),
      ),
      "the registry admin",
    ),
    { chain: true, keys: true },
  ).action(async (o: ChainOptions & { venueId: string; operator: string; json?: boolean }) =>
    run(async () => {
      const venueId = parseVenueId(o.venueId);
      const operator = parseAddress(o.operator, "operator");
      return withConnectedChain(o, async (chain) => {
        if (await chain.registry.isRegistered(venueId)) throw new ZkMarginInputError("venue-id", `venue ${venueId} is already registered (operator ${(await chain.registry.venue(venueId)).operator})`);
        const admin = await chainSigner(chain, o, "the registry admin");
        const owner = String(await chain.registry.owner());
        if (owner !== admin.address) throw new ZkMarginInputError("key", `${admin.address} is not the registry admin (${owner})`);
        const reg = chain.contract("VenueRegistry", admin);
        const tx = await sendTx("registerVenue", () => reg.registerVenue(venueId, operator));
        emit(o.json, { tx: tx.hash, gasUsed: tx.gasUsed, venueId, operator }, () => [`venue ${venueId} registered, operator ${operator}: tx ${tx.hash}, gas ${tx.gasUsed.toLocaleString("en-US")}`]);
        return ExitCode.Ok;
      });
    }),
  );
}

// -------------------------------------------------------------------------------------------------------- oracle

async function oracleOwner(chain: Chain, o: KeyOptions): Promise<Wallet> {
  const w = await chainSigner(chain, o, "the oracle owner");
  const owner = String(await chain.oracle.owner());
  if (owner !== w.address) throw new ZkMarginInputError("key", `${w.address} is not the oracle owner (${owner})`);
  return w;
}

function parseAsset(text: string, chainDeployment: Deployment, A: number): number {
  const a = Number(parseUint(text, "asset"));
  if (a >= A) throw new ZkMarginInputError("asset", `${text} is not an asset index of instance "${chainDeployment.instance}" (0 … ${A - 1})`);
  return a;
}

function parsePpm(text: string, field: string, max = 1_000_000n): bigint {
  const v = parseUint(text, field);
  if (v > max) throw new ZkMarginInputError(field, `${text} ppm is above ${max}`);
  return v;
}

/** ⌈√x⌉ for a bigint. */
function ceilSqrt(x: bigint): bigint {
  if (x < 2n) return x;
  let r = BigInt(Math.floor(Math.sqrt(Number(x))));
  while (r * r > x) r--;
  while (r * r < x) r++;
  return r;
}

function registerOracle(program: Command, run: Run): void {
  const oracle = helpAfter(program.command("oracle").description("The oracle owner's commands: configure feeds, take the epoch's market snapshot."), { chain: true, keys: true });

  helpAfter(
    withKey(
      withChain(
        oracle
          .command("add-feed")
          .description("Configure an asset's AggregatorV3 feeds: append --feed addresses (or the deployment's mock feeds with --mock) to the asset's feeds (at least 3 in all, at most 16; each feed's decimals() is read once) and set its scan-range and vol-shock floors. The asset's EWMA variance is kept (rounded up) unless --initial-vol is given.")
          .requiredOption("--asset <index>", "the asset index (0 … A − 1)")
          .option("--feed <addresses...>", "feed addresses to add")
          .option("--mock", "add the deployment's mock feeds of this asset")
          .option("--scan-floor <ppm>", "the scan range's floor, ppm of price (default: keep)")
          .option("--vol-floor <ppm>", "the vol shock's floor, ppm (default: keep)")
          .option("--initial-vol <ppm>", "reset the EWMA volatility to this σ, ppm")
          .option("--json", "print the result as one JSON object"),
      ),
      "the oracle owner",
    ),
    { chain: true, keys: true, units: true },
  ).action(async (o: ChainOptions & { asset: string; feed?: string[]; mock?: boolean; scanFloor?: string; volFloor?: string; initialVol?: string; json?: boolean }) =>
    run(async () => {
      return withConnectedChain(o, async (chain) => {
        const { marginParams } = await import("../scripts/lib/instances.ts");
        const A = marginParams(chain.deployment.instance).A;
        const asset = parseAsset(o.asset, chain.deployment, A);
        const add = (o.feed ?? []).flatMap((f) => f.split(",")).filter(Boolean).map((f, i) => parseAddress(f, `feed[${i}]`));
        if (o.mock) {
          const mocks = chain.deployment.mockFeeds[asset];
          if (!mocks?.length) throw new ZkMarginInputError("mock", `${chain.deployment.file} has no mock feeds (deployed without --mock-feeds)`);
          add.push(...mocks);
        }
        if (add.length === 0) throw new ZkMarginInputError("feed", "give --feed <addresses...> or --mock");
        const info = (await chain.oracle.assetInfo(asset)) as { feeds: string[]; scanFloorPpm: bigint; volShockFloorPpm: bigint; variancePpm2: bigint };
        const feeds = [...info.feeds];
        for (const f of add) {
          if (feeds.includes(f)) throw new ZkMarginInputError("feed", `${f} is already a feed of asset ${asset}`);
          if ((await chain.provider.getCode(f)) === "0x") throw new ZkMarginInputError("feed", `no contract at ${f} on chain ${chain.chainId}`);
          feeds.push(f);
        }
        const cfg = (await chain.oracle.config()) as { minGoodFeeds: bigint };
        const required = Math.max(3, Number(cfg.minGoodFeeds));
        if (feeds.length < required) throw new ZkMarginInputError("feed", `asset ${asset} would have ${feeds.length} feed(s); the oracle needs at least ${required}`);
        if (feeds.length > 16) throw new ZkMarginInputError("feed", `asset ${asset} would have ${feeds.length} feeds; at most 16`);
        const scan = o.scanFloor !== undefined ? parsePpm(o.scanFloor, "scan-floor") : BigInt(info.scanFloorPpm);
        const vol = o.volFloor !== undefined ? parsePpm(o.volFloor, "vol-floor") : BigInt(info.volShockFloorPpm);
        const sigma = o.initialVol !== undefined ? parsePpm(o.initialVol, "initial-vol") : ceilSqrt(BigInt(info.variancePpm2));
        const owner = await oracleOwner(chain, o);
        const hub = chain.contract("OracleHub", owner);
        const tx = await sendTx("setAsset", () => hub.setAsset(asset, feeds, scan, vol, sigma));
        emit(o.json, { tx: tx.hash, gasUsed: tx.gasUsed, asset, feeds, scanFloorPpm: scan, volShockFloorPpm: vol, initialVolPpm: sigma }, () => [
          `asset ${asset}: ${feeds.length} feeds, scan floor ${scan} ppm, vol-shock floor ${vol} ppm, σ ${sigma} ppm: tx ${tx.hash}, gas ${tx.gasUsed.toLocaleString("en-US")}`,
        ]);
        return ExitCode.Ok;
      });
    }),
  );

  helpAfter(
    withKey(
      withChain(
        oracle
          .command("mock-price")
          .description("Development chains only: set the answer of every mock feed of an asset that the deployment created (--mock-feeds), in USD.")
          .requiredOption("--asset <index>", "the asset index")
          .requiredOption("--price <usd>", "the price, USD (8 decimals)")
          .option("--json", "print the result as one JSON object"),
      ),
      "any funded account",
    ),
    { chain: true, keys: true, units: true },
  ).action(async (o: ChainOptions & { asset: string; price: string; json?: boolean }) =>
    run(async () => {
      const price = parseUsd(o.price, "price");
      if (price === 0n) throw new ZkMarginInputError("price", "must be above 0");
      return withConnectedChain(o, async (chain) => {
        const { marginParams } = await import("../scripts/lib/instances.ts");
        const asset = parseAsset(o.asset, chain.deployment, marginParams(chain.deployment.instance).A);
        const mocks = chain.deployment.mockFeeds[asset];
        if (!mocks?.length) throw new ZkMarginInputError("asset", `${chain.deployment.file} has no mock feeds for asset ${asset} (real feeds are set by their own operators)`);
        const w = await chainSigner(chain, o, "a funded account");
        let gasUsed = 0n;
        for (const f of mocks) {
          const feed = attach("MockAggregatorV3", f, w);
          gasUsed += (await sendTx("setAnswer", () => feed.setAnswer(price))).gasUsed;
        }
        emit(o.json, { asset, price, feeds: mocks.length, gasUsed }, () => [`asset ${asset}: ${mocks.length} mock feeds answer ${formatUsd(price)}`]);
        return ExitCode.Ok;
      });
    }),
  );

  helpAfter(
    withKey(
      withChain(
        oracle
          .command("snapshot")
          .description("Take the market snapshot of an epoch: each asset's quorum median of its feeds, its EWMA volatility, scan range and vol shock, and the context hash binding the risk params version in force. Venues can post roots for the epoch afterwards; attestations of the previous epoch stay Live for the renewal window.")
          .requiredOption("-e, --epoch <n>", "the epoch (after the latest, by at most the oracle's maxEpochStep)")
          .option("--json", "print the result as one JSON object"),
      ),
      "the oracle owner",
    ),
    { chain: true, keys: true },
  ).action(async (o: ChainOptions & { epoch: string; json?: boolean }) =>
    run(async () => {
      const epoch = parseEpoch(o.epoch);
      return withConnectedChain(o, async (chain) => {
        const owner = await oracleOwner(chain, o);
        if (BigInt(await chain.riskParams.version()) === 0n) throw new ZkMarginInputError("risk", "no risk params are set yet: the snapshot binds a version (zkmargin risk set)");
        if (await chain.oracle.hasSnapshot()) {
          const latest = BigInt(await chain.oracle.latestEpoch());
          const step = BigInt(((await chain.oracle.config()) as { maxEpochStep: bigint }).maxEpochStep);
          if (epoch <= latest) throw new ZkMarginInputError("epoch", `epoch ${epoch} is not after the latest snapshot (${latest})`);
          if (epoch - latest > step) throw new ZkMarginInputError("epoch", `epoch ${epoch} is more than maxEpochStep ${step} after the latest (${latest})`);
        }
        const { marginParams } = await import("../scripts/lib/instances.ts");
        const A = marginParams(chain.deployment.instance).A;
        for (let a = 0; a < A; a++) {
          const info = (await chain.oracle.assetInfo(a)) as { feeds: string[] };
          if (info.feeds.length === 0) throw new ZkMarginInputError("asset", `asset ${a} has no feeds yet (zkmargin oracle add-feed --asset ${a} …)`);
        }
        const hub = chain.contract("OracleHub", owner);
        const tx = await sendTx("snapshot", () => hub.snapshot(epoch));
        const ctx = (await chain.oracle.contextAt(epoch)) as { contextHash: bigint; takenAt: bigint; riskVersion: bigint };
        const [price, scanRange, volShock] = (await chain.oracle.snapshotAt(epoch)) as [bigint[], bigint[], bigint[]];
        emit(o.json, { tx: tx.hash, gasUsed: tx.gasUsed, epoch, contextHash: ctx.contextHash, takenAt: ctx.takenAt, riskVersion: ctx.riskVersion, price, scanRange, volShock }, () => [
          `epoch ${epoch} snapshotted ${utc(ctx.takenAt)} with risk params version ${ctx.riskVersion}: tx ${tx.hash}, gas ${tx.gasUsed.toLocaleString("en-US")}`,
          ...[...price].map((p, a) => `  asset ${a}: ${formatUsd(BigInt(p))}, scan range ${scanRange[a]} ppm, vol shock ${volShock[a]} ppm`),
        ]);
        return ExitCode.Ok;
      });
    }),
  );
}

// ---------------------------------------------------------------------------------------------------------- risk

/** The timelock operation of setParams(params) proposed at risk params version `version` (one salt per version). */
function riskOperation(chain: Chain, data: string, version: bigint): { target: string; data: string; salt: string } {
  return { target: chain.deployment.contracts.RiskParams, data, salt: keccak256(AbiCoder.defaultAbiCoder().encode(["uint256", "bytes"], [version, data])) };
}

function registerRiskSet(program: Command, run: Run): void {
  const risk = program.commands.find((c) => c.name() === "risk") ?? program.command("risk").description("Risk parameters.");
  helpAfter(
    withKey(
      withChain(
        risk
          .command("set")
          .description("Change the risk parameters through the timelock: without --execute, schedule setParams (public for the timelock's delay); with --execute, run the scheduled change once its delay has passed (--wait: wait for it). The new version takes effect at the oracle's next snapshot.")
          .requiredOption("--params <file>", "risk params JSON (model v2: haircut, debtAddOn, moves, volDirs, weights, grossCharge, basisCharge, concentration, shortOptionMin, vegaGross, noGammaGain, venueDefault)")
          .option("--execute", "execute the scheduled change (after the delay)")
          .option("--wait", "with --execute: wait until the change is ready")
          .option("--json", "print the result as one JSON object"),
      ),
      "a timelock proposer (to schedule) or executor (to execute)",
    ),
    { chain: true, keys: true, extra: "\nValues are checked against the instance's dimensions and the contract's ranges before anything is sent." },
  ).action(async (o: ChainOptions & { params: string; execute?: boolean; wait?: boolean; json?: boolean }) =>
    run(async () => {
      const params = parseRisk(readText(o.params, "params"), `params (${o.params})`);
      return withConnectedChain(o, async (chain) => {
        const { marginParams } = await import("../scripts/lib/instances.ts");
        const { A, K } = marginParams(chain.deployment.instance);
        asInputError(() => validateRisk(params, A, K));
        if (!isRiskV2(params)) throw new ZkMarginInputError("params", "the circuit proves model v2: give basisCharge, concentration, shortOptionMin, vegaGross, noGammaGain and venueDefault (0 for v1's numbers)");
        const w = await chainSigner(chain, o, o.execute ? "a timelock executor" : "a timelock proposer");
        const data = chain.riskParams.interface.encodeFunctionData("setParams", [chainRiskParams(params)]);
        const version = BigInt(await chain.riskParams.version());
        const op = riskOperation(chain, data, version);
        const tl = chain.contract("RiskTimelock", w);
        const id = String(await chain.timelock.hashOperation(op.target, 0n, op.data, ZeroHash, op.salt));
        const role = o.execute ? await chain.timelock.EXECUTOR_ROLE() : await chain.timelock.PROPOSER_ROLE();
        if (!(await chain.timelock.hasRole(role, w.address)) && !(o.execute && (await chain.timelock.hasRole(role, "0x0000000000000000000000000000000000000000")))) {
          throw new ZkMarginInputError("key", `${w.address} is not a ${o.execute ? "executor" : "proposer"} of the risk timelock ${chain.deployment.contracts.RiskTimelock}`);
        }
        if (!o.execute) {
          if (await chain.timelock.isOperation(id)) throw new ZkMarginInputError("params", `these parameters are already scheduled at version ${version} (operation ${id}); execute them with --execute`);
          const delay = BigInt(await chain.timelock.getMinDelay());
          const tx = await sendTx("schedule", () => tl.schedule(op.target, 0n, op.data, ZeroHash, op.salt, delay));
          const readyAt = BigInt(await chain.timelock.getTimestamp(id));
          emit(o.json, { tx: tx.hash, gasUsed: tx.gasUsed, operation: id, readyAt, delay, version: version + 1n }, () => [
            `scheduled risk params version ${version + 1n} (operation ${id}): tx ${tx.hash}, gas ${tx.gasUsed.toLocaleString("en-US")}`,
            `  public for ${delay} s; executable from ${utc(readyAt)}: zkmargin risk set --params ${o.params} --execute`,
          ]);
          return ExitCode.Ok;
        }
        const readyAt = BigInt(await chain.timelock.getTimestamp(id));
        if (readyAt === 0n) throw new ZkMarginInputError("params", `these parameters are not scheduled at version ${version} (zkmargin risk set --params ${o.params} first)`);
        if (readyAt === 1n) throw new ZkMarginInputError("params", "this change was already executed");
        for (;;) {
          const now = await chain.now();
          if (now >= readyAt) break;
          if (!o.wait) throw new ZkMarginInputError("execute", `the change is not ready until ${utc(readyAt)} (${readyAt - now} s from the chain's now): the timelock's delay protects everyone who relies on the current parameters (--wait to wait)`);
          await new Promise((r) => setTimeout(r, Math.min(5_000, Number(readyAt - now) * 1000 + 200)));
          if (LOCAL_CHAIN_IDS.has(chain.chainId)) await chain.provider.send("evm_mine", []).catch(() => undefined); // a local node mines on demand only
        }
        const tx = await sendTx("execute", () => tl.execute(op.target, 0n, op.data, ZeroHash, op.salt));
        const [hash, v] = (await chain.riskParams.current()) as [bigint, bigint];
        emit(o.json, { tx: tx.hash, gasUsed: tx.gasUsed, operation: id, version: v, paramsHash: hash }, () => [
          `risk params version ${v} set (hash 0x${BigInt(hash).toString(16)}): tx ${tx.hash}, gas ${tx.gasUsed.toLocaleString("en-US")}; it applies from the next oracle snapshot`,
        ]);
        return ExitCode.Ok;
      });
    }),
  );
}

/**
 * Give the venue kit's chain commands (venue post-root, build-epoch --rpc, serve) the CLI's configuration: the
 * registry's address from --deployment (or ZKMARGIN_DEPLOYMENT), the node from ZKMARGIN_RPC, and the operator's key
 * from --keystore or ZKMARGIN_PRIVATE_KEY (client/venue/cli.ts operatorKey) when --key is not given.
 */
function extendVenue(program: Command): void {
  const venue = program.commands.find((c) => c.name() === "venue");
  for (const name of ["post-root", "build-epoch", "serve"]) {
    const cmd = venue?.commands.find((c) => c.name() === name);
    if (!cmd) continue;
    for (const opt of cmd.options) {
      if (opt.long === "--rpc" && !opt.envVar) {
        opt.env("ZKMARGIN_RPC"); // commander listens for an option's env value only if it had one when added:
        cmd.on("optionEnv:rpc", (val: string) => cmd.setOptionValueWithSource("rpc", val, "env"));
      }
      if (opt.long === "--registry" || opt.long === "--key") opt.mandatory = false;
    }
    cmd.addOption(new Option("--deployment <file>", "deployment file (zkmargin deploy): VenueRegistry's address").env("ZKMARGIN_DEPLOYMENT"));
    if (name !== "serve") cmd.addOption(new Option("--keystore <file>", "the venue operator's encrypted JSON keystore (instead of --key; or ZKMARGIN_PRIVATE_KEY)").env("ZKMARGIN_KEYSTORE"));
    cmd.hook("preAction", (_this, action) => {
      const o = action.opts<{ registry?: string; deployment?: string; rpc?: string }>();
      if (o.registry === undefined && o.deployment !== undefined) action.setOptionValue("registry", readDeployment(o.deployment).contracts.VenueRegistry);
      if (o.registry === undefined && (name !== "build-epoch" || o.rpc !== undefined)) {
        throw new ZkMarginInputError("registry", "give --registry <address> or --deployment <file>");
      }
    });
  }
}

/** Register the operators' commands; the venue kit's and `risk` (client/calibrate.ts) must be registered first. */
export function registerOperator(program: Command, run: Run): void {
  registerDeploy(program, run);
  registerVenueAdmin(program, run);
  extendVenue(program);
  registerOracle(program, run);
  registerRiskSet(program, run);
}
