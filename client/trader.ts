/**
 * The trader's and the lender's commands (registered by client/cli.ts):
 *
 *   keys new | show | wallet | address   the trader secret and per-venue salts; an encrypted Ethereum keystore
 *   fetch        an epoch's context from the chain: roots, market snapshot, risk params, domain (prove takes it)
 *   prove        statements + secret → proof; with --rpc every input is checked against the chain first
 *   attest       submit a proof (the subject itself, or a relayer with the subject's signed request); renews
 *   attest sign  the subject's EIP-712 request, for a relayer
 *   status       attestation, expiry, available excess, a lender's lien
 *   allocate     the subject allocates part of its Live excess to a lender (a lien)
 *   release      the lender releases (part of) its lien
 *   reclaim      the subject voids every lien once its attestation has Ended
 *
 * Every check that can fail runs before any proving or transaction, with one error naming the input.
 */
import { existsSync } from "node:fs";
import type { Command } from "commander";
import { verifyTypedData, Wallet } from "ethers";
import { ExitCode, formatUsd, ZkMarginInputError } from "../prover/errors.ts";
import type { ZkMarginProof } from "../prover/generateProof.ts";
import { parseMarket, parseRisk, parseStatement, parseWith, stringifyJson, toJsonValue, type Statement } from "../prover/statement.ts";
import { z } from "zod";
import { ATTEST_REQUEST_TYPES, attestable, attestorDomain, attestRequest, LifecycleState, subjectAddress, type AttestorStatus } from "./attestor.ts";
import {
  chainSigner,
  chainSignerIfAny,
  checkPublicInputs,
  compareContexts,
  compareValues,
  withConnectedChain,
  contextJson,
  fetchContext,
  latestEpoch,
  liveProblem,
  parseContext,
  type Chain,
  type ChainOptions,
  type EpochContext,
} from "./chain.ts";
import { emit, helpAfter, withChain, withKey } from "./help.ts";
import { checkWritable, parseAddress, parseEpoch, parseUint, parseUsd, parseVenueId, readText, utc, writeFileAtomic } from "./io.ts";
import { handouts, newTraderKeys, optionalSigner, readTraderSecret, writeKeystore, writeTraderKeys } from "./keys.ts";
import { progressReporter } from "./progress.ts";

type Run = (action: () => Promise<number> | number) => Promise<void>;

const STATE = (s: LifecycleState) => LifecycleState[s] ?? String(s);

/** Read statements from files, each parsed with its file named. */
export function readStatements(files: readonly string[]): Statement[] {
  return files.map((f, i) => parseStatement(readText(f, `statements[${i}]`), `statements[${i}] (${f})`));
}

/** Read a proof file (as `zkmargin prove` wrote it). */
async function readProof(file: string, field = "proof"): Promise<ZkMarginProof> {
  const { parseProof } = await import("../prover/verifyProof.ts");
  return parseProof(readText(file, field), `${field} (${file})`);
}

// ---------------------------------------------------------------------------------------------------------- keys

function registerKeys(program: Command, run: Run): void {
  const keys = helpAfter(program.command("keys").description("The trader's secret and per-venue account salts; encrypted Ethereum keystores."), { keys: true });

  helpAfter(
    keys
      .command("new")
      .description("Create a trader secret and one random salt per venue; write them to --out (mode 0600, never overwritten) and print, per venue, the owner = Poseidon(secret, salt) and salt to hand to that venue (never the secret).")
      .requiredOption("--venues <ids...>", "the venue ids to open accounts at (1 … 2^32 − 1)")
      .requiredOption("-o, --out <file>", "where to write the trader keys (JSON; keep it secret, back it up)")
      .option("--force", "overwrite an existing file (its secret is lost)")
      .option("--json", "print the handouts as one JSON object"),
    { extra: "\nThe file is what `zkmargin prove --secret` reads. Lose it and the accounts cannot be proved again." },
  ).action(async (o: { venues: string[]; out: string; force?: boolean; json?: boolean }) =>
    run(() => {
      const ids = o.venues.flatMap((v) => v.split(",")).filter(Boolean).map((v, i) => parseVenueId(v, `venues[${i}]`));
      if (new Set(ids).size !== ids.length) throw new ZkMarginInputError("venues", "a venue id appears twice");
      const k = newTraderKeys(ids);
      writeTraderKeys(k, o.out, o.force === true);
      printHandouts(o.out, handouts(k), o.json);
      return ExitCode.Ok;
    }),
  );

  helpAfter(
    keys
      .command("show")
      .description("Print the per-venue handouts (owner and salt) of a trader keys file, without the secret.")
      .argument("<file>", "trader keys file (zkmargin keys new)")
      .option("--json", "print as one JSON object"),
  ).action(async (file: string, o: { json?: boolean }) =>
    run(() => {
      const { keys: k } = readTraderSecret(file);
      if (!k) throw new ZkMarginInputError("file", `${file} holds a bare secret, not a trader keys file (zkmargin keys new)`);
      printHandouts(file, handouts(k), o.json);
      return ExitCode.Ok;
    }),
  );

  helpAfter(
    keys
      .command("wallet")
      .description("Create an encrypted JSON keystore (ethers, scrypt) for a new random Ethereum key, or for the key in ZKMARGIN_PRIVATE_KEY with --from-env; prints its address. Password from ZKMARGIN_KEYSTORE_PASSWORD or typed twice.")
      .requiredOption("-o, --out <file>", "the keystore file to write (mode 0600, never overwritten)")
      .option("--from-env", "encrypt the key in ZKMARGIN_PRIVATE_KEY instead of a new one")
      .option("--json", "print as one JSON object"),
    { keys: true },
  ).action(async (o: { out: string; fromEnv?: boolean; json?: boolean }) =>
    run(async () => {
      if (existsSync(o.out)) throw new ZkMarginInputError("out", `${o.out} exists: a keystore is never overwritten`);
      checkWritable(o.out);
      let wallet: Wallet;
      if (o.fromEnv) {
        const w = await optionalSigner({});
        if (!w || !process.env.ZKMARGIN_PRIVATE_KEY) throw new ZkMarginInputError("ZKMARGIN_PRIVATE_KEY", "--from-env needs the key in ZKMARGIN_PRIVATE_KEY");
        wallet = w;
      } else wallet = new Wallet(Wallet.createRandom().privateKey);
      await writeKeystore(wallet, o.out);
      emit(o.json, { keystore: o.out, address: wallet.address }, () => [`keystore ${o.out}: address ${wallet.address}`]);
      return ExitCode.Ok;
    }),
  );

  helpAfter(
    withKey(keys.command("address").description("Print the address of the configured key (--keystore or ZKMARGIN_PRIVATE_KEY)."), "the account").option("--json", "print as one JSON object"),
    { keys: true },
  ).action(async (o: { keystore?: string; json?: boolean }) =>
    run(async () => {
      const w = await optionalSigner(o);
      if (!w) throw new ZkMarginInputError("key", "no key configured: give --keystore <file> or set ZKMARGIN_PRIVATE_KEY");
      emit(o.json, { address: w.address }, () => [w.address]);
      return ExitCode.Ok;
    }),
  );
}

function printHandouts(file: string, list: ReturnType<typeof handouts>, json?: boolean): void {
  emit(json, { file, accounts: list }, () => [
    `trader keys in ${file} (mode 0600: the secret is in it; keep it safe and backed up)`,
    "hand each venue only its own line (its account's owner and salt, never the secret):",
    ...list.map((a) => `  venue ${a.venueId}: owner ${a.owner} salt ${a.salt}`),
  ]);
}

// --------------------------------------------------------------------------------------------------------- fetch

/** The venue ids a command is about: --venues, else the statements'. */
function venueIdsOf(o: { venues?: string[]; statements?: string[] }): bigint[] {
  if (o.venues?.length) return o.venues.flatMap((v) => v.split(",")).filter(Boolean).map((v, i) => parseVenueId(v, `venues[${i}]`));
  if (o.statements?.length) return readStatements(o.statements).map((s) => s.venueId);
  throw new ZkMarginInputError("venues", "give --venues <ids...> or --statements <files...> to say whose roots to fetch");
}

async function epochOf(chain: Chain, text: string | undefined): Promise<bigint> {
  if (text === undefined || text === "latest") return latestEpoch(chain);
  return parseEpoch(text);
}

function registerFetch(program: Command, run: Run): void {
  helpAfter(
    withChain(
      program
        .command("fetch")
        .description("Read an epoch's context from the chain — each venue's root, the oracle's market snapshot, the risk params of the version the snapshot bound, the deployment's domain — recompute its context hash with the SDK, and write it for `zkmargin prove --context`.")
        .option("-e, --epoch <n|latest>", "the epoch (default: the oracle's latest)")
        .option("--venues <ids...>", "the venues whose roots to read")
        .option("-s, --statements <files...>", "…or the statements whose venues' roots to read")
        .option("-o, --out <file>", "write the context here (default: stdout)"),
    ),
    { chain: true, extra: "\nThe file is public data; `prove --rpc` reads the same from the chain and also checks a file against it." },
  ).action(async (o: ChainOptions & { epoch?: string; venues?: string[]; statements?: string[]; out?: string }) =>
    run(async () => {
      if (o.out) checkWritable(o.out);
      const venues = venueIdsOf(o);
      return withConnectedChain(o, async (chain) => {
        const ctx = await fetchContext(chain, await epochOf(chain, o.epoch), venues);
        const text = contextJson(ctx);
        if (o.out) writeFileAtomic(o.out, text);
        else process.stdout.write(text);
        const missing = [...ctx.roots].filter(([, r]) => r === 0n).map(([v]) => v);
        process.stderr.write(
          `epoch ${ctx.epoch}: snapshot taken ${utc(ctx.takenAt)}${ctx.supersededAt ? `, superseded ${utc(ctx.supersededAt)}` : " (the latest)"}, risk params version ${ctx.riskVersion}` +
            `${missing.length ? `; no root posted yet by venue(s) ${missing.join(", ")}` : ""}${o.out ? ` → ${o.out}` : ""}\n`,
        );
        return ExitCode.Ok;
      });
    }),
  );
}

// --------------------------------------------------------------------------------------------------------- prove

export interface ProveOpts extends ChainOptions {
  statements: string[];
  secret: string;
  context?: string;
  market?: string;
  risk?: string;
  epoch?: string;
  domain?: string;
  postedRoots?: string;
  subject?: string;
  minExcess: string;
  instance?: string;
  artifacts?: string;
  out?: string;
  quiet?: boolean;
}

/** Posted roots file: { "<venueId>": "<root>" } with decimal strings. */
function readPostedRoots(file: string): Map<bigint, bigint> {
  const data = parseWith(z.record(z.string().regex(/^[0-9]+$/, "expected a decimal venue id"), z.string().regex(/^[0-9]+$/, "expected a decimal root string")), readText(file, "postedRoots"), "postedRoots");
  return new Map(Object.entries(data).map(([k, v]) => [BigInt(k), BigInt(v)]));
}

/** Everything prove needs besides statements and secret, from the chain, a context file, or separate files. */
async function proveContext(o: ProveOpts, statements: Statement[]): Promise<{ ctx: EpochContext; subject: bigint; instance: string }> {
  const fileCtx = o.context ? parseContext(readText(o.context, "context"), `context (${o.context})`) : undefined;
  const given = (["market", "risk", "domain", "postedRoots"] as const).filter((k) => o[k] !== undefined);
  if (fileCtx && given.length) throw new ZkMarginInputError(given[0], `--context already holds the ${given.join(", ")}: give one or the other`);
  let subject = o.subject !== undefined ? BigInt(parseAddress(o.subject, "subject")) : undefined;
  const venueIds = statements.map((s) => s.venueId);

  if (o.rpc !== undefined) {
    return withConnectedChain(o, async (chain) => {
      const epoch = o.epoch !== undefined ? parseEpoch(o.epoch) : (statements[0]?.epoch ?? (await latestEpoch(chain)));
      const live = await fetchContext(chain, epoch, venueIds);
      if (fileCtx) compareContexts(fileCtx, live, `context (${o.context})`);
      if (o.market) compareValues(parseMarket(readText(o.market, "market"), "market"), live.market, "market");
      if (o.risk) compareValues(parseRisk(readText(o.risk, "risk"), "risk"), live.risk, "risk");
      if (o.domain && parseUint(o.domain, "domain") !== live.domain) throw new ZkMarginInputError("domain", `${o.domain} is not the attestor's domain ${live.domain}`);
      if (o.postedRoots) compareValues(Object.fromEntries(readPostedRoots(o.postedRoots)), Object.fromEntries([...live.roots].filter(([v]) => readPostedRoots(o.postedRoots!).has(v))), "postedRoots");
      const signer = await chainSignerIfAny(chain, o);
      if (signer) {
        if (subject !== undefined && subject !== BigInt(signer.address)) {
          throw new ZkMarginInputError("subject", `${subjectAddress(subject)} is not the signer ${signer.address}: the attestor takes the sender (or the signer of a relayed request) as the subject, so prove for the key's own address`);
        }
        subject = BigInt(signer.address);
      }
      if (subject === undefined) throw new ZkMarginInputError("subject", "give --subject <address>, or the subject's key (--keystore / ZKMARGIN_PRIVATE_KEY): the proof is for that address");
      const problem = liveProblem(live, chain.deployment.timing, await chain.now(), await latestEpoch(chain));
      if (problem) throw new ZkMarginInputError("epoch", problem);
      const instance = o.instance ?? chain.deployment.instance;
      if (instance !== chain.deployment.instance) throw new ZkMarginInputError("instance", `the deployment's attestor verifies instance "${chain.deployment.instance}", not "${instance}"`);
      return { ctx: live, subject, instance };
    });
  }

  if (subject === undefined) {
    const signer = await optionalSigner(o);
    if (signer) subject = BigInt(signer.address);
    else throw new ZkMarginInputError("subject", "give --subject <address> (the address the attestation is for), or the subject's key");
  }
  if (fileCtx) {
    if (o.epoch !== undefined && parseEpoch(o.epoch) !== fileCtx.epoch) throw new ZkMarginInputError("epoch", `--context is for epoch ${fileCtx.epoch}, not ${o.epoch}`);
    for (const v of venueIds) if (!fileCtx.roots.has(v)) throw new ZkMarginInputError("context.roots", `the context file has no root of venue ${v} (zkmargin fetch --venues … ${v})`);
    const instance = o.instance ?? fileCtx.instance;
    if (instance !== fileCtx.instance) throw new ZkMarginInputError("instance", `the context is for a deployment of instance "${fileCtx.instance}", not "${instance}"`);
    return { ctx: fileCtx, subject, instance };
  }
  const missing = (["market", "risk", "epoch", "domain"] as const).filter((k) => o[k] === undefined);
  if (missing.length) {
    throw new ZkMarginInputError(missing[0], `give --rpc (read it from the chain), --context <file> (zkmargin fetch), or ${missing.map((m) => `--${m}`).join(", ")}`);
  }
  const epoch = parseEpoch(o.epoch!);
  const posted = o.postedRoots ? readPostedRoots(o.postedRoots) : undefined;
  return {
    ctx: {
      chainId: 0n,
      attestor: "0x0000000000000000000000000000000000000000",
      instance: o.instance ?? "test",
      epoch,
      domain: parseUint(o.domain!, "domain"),
      contextHash: 0n, // not known offline: validate does not compare it
      riskVersion: 0n,
      takenAt: 0n,
      supersededAt: 0n,
      market: parseMarket(readText(o.market!, "market"), "market"),
      risk: parseRisk(readText(o.risk!, "risk"), "risk"),
      roots: posted ?? new Map(),
      invalidatedAt: new Map(),
    },
    subject,
    instance: o.instance ?? "test",
  };
}

/** `zkmargin prove`: exported for client/cli.ts, which registers it. */
export async function proveCommand(o: ProveOpts): Promise<number> {
  if (o.out) checkWritable(o.out);
  const statements = readStatements(o.statements);
  const { secret } = readTraderSecret(o.secret);
  const minExcess = parseUsd(o.minExcess, "min-excess");
  const { ctx, subject, instance } = await proveContext(o, statements);
  const offline = ctx.contextHash === 0n;
  const { localArtifacts } = await import("../scripts/lib/instances.ts");
  const artifacts = localArtifacts(instance, { dir: o.artifacts });
  const { generateProof } = await import("../prover/generateProof.ts");
  const progress = progressReporter(o.quiet === true);
  const t0 = performance.now();
  try {
    const proof = await generateProof(
      {
        statements,
        traderSecret: secret,
        market: ctx.market,
        risk: ctx.risk,
        epoch: ctx.epoch,
        subject,
        domain: ctx.domain,
        minExcess,
        postedRoots: offline && ctx.roots.size === 0 ? undefined : new Map([...ctx.roots].filter(([, r]) => r !== 0n || !offline)),
        postedContextHash: offline ? undefined : ctx.contextHash,
      },
      artifacts,
      { onProgress: progress.onProgress },
    );
    progress.stop();
    const text = stringifyJson(proof);
    if (o.out) writeFileAtomic(o.out, text);
    else process.stdout.write(text);
    if (!o.quiet) {
      process.stderr.write(
        `proof for ${statements.length} venue(s), epoch ${ctx.epoch}, subject ${subjectAddress(subject)}, minExcess ${formatUsd(minExcess)}` +
          `${artifacts.instance.insecure ? ` (instance "${instance}": INSECURE development keys)` : ""}: ${((performance.now() - t0) / 1000).toFixed(1)} s${o.out ? ` → ${o.out}` : ""}\n`,
      );
    }
    return ExitCode.Ok;
  } finally {
    progress.stop();
  }
}

// -------------------------------------------------------------------------------------------------------- attest

/** A signed request file (`zkmargin attest sign` writes it; `attest --request` and the relayer read it). */
export const RequestSchema = z
  .object({
    format: z.literal("zkmargin-attest-request/1"),
    chainId: z.string().regex(/^[0-9]+$/),
    attestor: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
    subject: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
    deadline: z.string().regex(/^[0-9]+$/),
    nonce: z.string().regex(/^[0-9]+$/),
    signature: z.string().regex(/^0x[0-9a-fA-F]+$/),
    proof: z.unknown(),
  })
  .strict();

/** The proof's epoch (carried by the proof since SDK proof format 2; --epoch for older files). */
function proofEpoch(proof: ZkMarginProof, epochOpt: string | undefined): bigint {
  if (epochOpt !== undefined) {
    const e = parseEpoch(epochOpt);
    if (proof.epoch !== undefined && proof.epoch !== e) throw new ZkMarginInputError("epoch", `the proof was made for epoch ${proof.epoch}, not ${e}`);
    return e;
  }
  if (proof.epoch === undefined) throw new ZkMarginInputError("epoch", "the proof file does not say its epoch: give --epoch <n>");
  return proof.epoch;
}

/** The chain checks of a proof before it is submitted: public inputs, liveness of its snapshot. */
async function checkProofOnChain(chain: Chain, proof: ZkMarginProof, epoch: bigint): Promise<EpochContext> {
  if (proof.instance !== chain.deployment.instance) {
    throw new ZkMarginInputError("proof.instance", `the proof is of instance "${proof.instance}", the deployment's attestor verifies "${chain.deployment.instance}"`);
  }
  const ctx = await fetchContext(chain, epoch, proof.publicInputs.venueIds.filter((v) => v !== 0n));
  checkPublicInputs(proof.publicInputs, ctx);
  const problem = liveProblem(ctx, chain.deployment.timing, await chain.now(), await latestEpoch(chain));
  if (problem) throw new ZkMarginInputError("proof.epoch", problem);
  return ctx;
}

function statusLines(subject: string, s: AttestorStatus): string[] {
  if (s.state === LifecycleState.None) return [`${subject}: no attestation`];
  return [
    `${subject}: ${STATE(s.state)}, epoch ${s.epoch}, risk params version ${s.riskVersion}, venues ${s.venueIds.filter((v) => v !== 0n).join(", ")}`,
    `  attested excess ${formatUsd(s.minExcess)}, allocated ${formatUsd(s.allocated)}, available ${formatUsd(s.available)}`,
    `  ${s.state === LifecycleState.Live ? "live until" : "lapsed at"} ${utc(s.lapsesAt)}; liens bind until ${utc(s.graceEndsAt)} (grace)`,
  ];
}

function registerAttest(program: Command, run: Run): void {
  const attest = helpAfter(
    withKey(
      withChain(
        program
          .command("attest")
          .description("Submit a proof to MarginAttestor: as the subject (the signer must be the proof's subject), or as a relayer with the subject's signed request (--request, from `zkmargin attest sign`). A later epoch renews the attestation; its liens carry over. The public inputs, the epoch's liveness and the signature are checked against the chain first.")
          .argument("[proof]", "proof JSON (zkmargin prove); omit with --request")
          .option("--request <file>", "relay a signed request (zkmargin attest sign) instead")
          .option("-e, --epoch <n>", "the proof's epoch (only for proof files that do not carry it)")
          .option("--json", "print the result as one JSON object"),
      ),
      "the subject (or, with --request, the relayer)",
    ),
    { chain: true, keys: true, units: true },
  )
    .enablePositionalOptions() // `attest sign … --json` is sign's --json (the program enables positional options)
    .action(async (file: string | undefined, o: ChainOptions & { request?: string; epoch?: string; json?: boolean }) =>
    run(async () => {
      if ((file === undefined) === (o.request === undefined)) throw new ZkMarginInputError("proof", "give a proof file, or --request <file> to relay a signed request");
      let proof: ZkMarginProof;
      let request: z.output<typeof RequestSchema> | undefined;
      if (o.request) {
        request = parseWith(RequestSchema, readText(o.request, "request"), `request (${o.request})`);
        const { parseProof } = await import("../prover/verifyProof.ts");
        proof = parseProof(toJsonValue(request.proof), "request.proof");
      } else proof = await readProof(file!);
      const epoch = proofEpoch(proof, o.epoch);
      return withConnectedChain(o, async (chain) => {
        if (request) {
          if (BigInt(request.chainId) !== chain.chainId || request.attestor.toLowerCase() !== chain.deployment.contracts.MarginAttestor.toLowerCase()) {
            throw new ZkMarginInputError("request.attestor", `the request is for MarginAttestor ${request.attestor} on chain ${request.chainId}, not this deployment's ${chain.deployment.contracts.MarginAttestor} on chain ${chain.chainId}`);
          }
        }
        await checkProofOnChain(chain, proof, epoch);
        const signer = await chainSigner(chain, o, request ? "the relayer" : "the proof's subject");
        const subject = subjectAddress(proof.publicInputs.subject);
        const item = attestable(proof, epoch);
        const client = chain.attestorAs(signer);
        if (request) {
          if (subjectAddress(request.subject) !== subject) throw new ZkMarginInputError("request.subject", `the request is signed for ${request.subject}, the proof is for ${subject}`);
          const deadline = BigInt(request.deadline);
          if (deadline <= (await chain.now())) throw new ZkMarginInputError("request.deadline", `the signature expired at ${utc(deadline)}`);
          const nonce = BigInt(await client.contract.nonces(subject));
          const recovered = verifyTypedData(attestorDomain(chain.chainId, chain.deployment.contracts.MarginAttestor), ATTEST_REQUEST_TYPES, { ...attestRequest(item, deadline), nonce }, request.signature);
          if (recovered !== subject) {
            throw new ZkMarginInputError("request.signature", `not ${subject}'s signature over this request with its current nonce ${nonce} (cancelled with cancelNonce, or signed over another proof)`);
          }
        } else if (signer.address !== subject) {
          throw new ZkMarginInputError("key", `the signer ${signer.address} is not the proof's subject ${subject}: attest with the subject's key, or have the subject sign a request (zkmargin attest sign) and relay it with --request`);
        }
        const before = await chain.attestor.status(subject);
        if (!(await client.verify(item))) {
          process.stderr.write("error: the proof does not verify against the chain's public inputs (MarginAttestor.verifyProof)\n");
          return ExitCode.Rejected;
        }
        const tx = request ? await client.attestFor(item, request.signature, BigInt(request.deadline)) : await client.attest(item);
        const s = await chain.attestor.status(subject);
        const renewed = before.state === LifecycleState.Live || before.state === LifecycleState.Grace;
        emit(o.json, { tx: tx.hash, gasUsed: tx.gasUsed, block: tx.blockNumber, subject, relayed: request !== undefined, renewed, previousEpoch: before.epoch, status: s }, () => [
          `${renewed ? `renewed (epoch ${before.epoch} → ${s.epoch}; liens carried over)` : "attested"}${request ? ` for ${subject} (relayed by ${signer.address})` : ""}: tx ${tx.hash}, gas ${tx.gasUsed.toLocaleString("en-US")}`,
          ...statusLines(subject, s),
        ]);
        return ExitCode.Ok;
      });
    }),
  );

  helpAfter(
    withKey(
      withChain(
        attest
          .command("sign")
          .description("As the subject, sign the EIP-712 request of a proof so that anyone (a relayer) can submit it until --deadline; writes the request file for `zkmargin attest --request`. Landing it does not use the nonce; cancelNonce voids every outstanding request.")
          .argument("<proof>", "proof JSON (zkmargin prove)")
          .requiredOption("-o, --out <file>", "the request file to write")
          .option("--deadline <seconds>", "how long the signature is valid, seconds from now (at least 1; cancelNonce voids it earlier)", "3600")
          .option("-e, --epoch <n>", "the proof's epoch (only for proof files that do not carry it)")
          .option("--json", "print the result as one JSON object"),
      ),
      "the proof's subject",
    ),
    { chain: true, keys: true, units: true },
  ).action(async (file: string, o: ChainOptions & { out: string; deadline: string; epoch?: string; json?: boolean }) =>
    run(async () => {
      checkWritable(o.out);
      const proof = await readProof(file);
      const epoch = proofEpoch(proof, o.epoch);
      const validFor = parseUint(o.deadline, "deadline");
      // MarginAttestor refuses every request once block.timestamp > deadline: 0 would sign a request that never lands
      if (validFor === 0n) throw new ZkMarginInputError("deadline", "give a validity of at least 1 second (the attestor rejects a request past its deadline)");
      return withConnectedChain(o, async (chain) => {
        await checkProofOnChain(chain, proof, epoch);
        const signer = await chainSigner(chain, o, "the proof's subject");
        const subject = subjectAddress(proof.publicInputs.subject);
        if (signer.address !== subject) throw new ZkMarginInputError("key", `the signer ${signer.address} is not the proof's subject ${subject}: only the subject can authorise its attestation`);
        const deadline = (await chain.now()) + validFor;
        const item = attestable(proof, epoch);
        const client = chain.attestorAs(signer);
        const nonce = BigInt(await client.contract.nonces(subject));
        const signature = await client.signRequest(signer, item, deadline);
        const req = { format: "zkmargin-attest-request/1", chainId: chain.chainId.toString(), attestor: chain.deployment.contracts.MarginAttestor, subject, deadline: deadline.toString(), nonce: nonce.toString(), signature, proof: toJsonValue(proof) };
        writeFileAtomic(o.out, `${JSON.stringify(req, null, 2)}\n`);
        emit(o.json, { request: o.out, subject, deadline, nonce }, () => [`signed request for ${subject}, epoch ${epoch}, valid until ${utc(deadline)} → ${o.out}`]);
        return ExitCode.Ok;
      });
    }),
  );
}

// ------------------------------------------------------------------------------------ status, allocate, release

async function subjectOf(chain: Chain, o: ChainOptions & { subject?: string }): Promise<string> {
  if (o.subject !== undefined) return parseAddress(o.subject, "subject");
  const w = await chainSignerIfAny(chain, o);
  if (!w) throw new ZkMarginInputError("subject", "give --subject <address>, or the subject's key");
  return w.address;
}

function registerLifecycle(program: Command, run: Run): void {
  helpAfter(
    withKey(
      withChain(
        program
          .command("status")
          .description("Read a subject's attestation: state (None, Live, Grace, Ended), epoch, attested excess, allocated, available, until when it is Live and until when liens bind; with --lender, that lender's lien.")
          .option("--subject <address>", "the subject (default: the configured key's address)")
          .option("--lender <address>", "also read this consumer's lien on the subject (lienOf)")
          .option("--require-live", "exit 2 unless the attestation (or, with --lender, the lien) is Live")
          .option("--json", "print the result as one JSON object"),
      ),
      "the subject (only to default --subject)",
    ),
    { chain: true, units: true },
  ).action(async (o: ChainOptions & { subject?: string; lender?: string; requireLive?: boolean; json?: boolean }) =>
    run(async () => {
      const lender = o.lender !== undefined ? parseAddress(o.lender, "lender") : undefined;
      return withConnectedChain(o, async (chain) => {
        const subject = await subjectOf(chain, o);
        const s = await chain.attestor.status(subject);
        const lien = lender ? await chain.attestor.lienOf(subject, lender) : undefined;
        const now = await chain.now();
        emit(o.json, { subject, now, status: { ...s, stateName: STATE(s.state) }, lien: lien && { lender, ...lien, stateName: STATE(lien.state) } }, () => [
          ...statusLines(subject, s),
          ...(lien && lender ? [`  lien of ${lender}: ${formatUsd(lien.amount)}, ${STATE(lien.state)}${lien.amount > 0n ? ` until ${utc(lien.until)}` : ""}`] : []),
        ]);
        const live = lien ? lien.state === LifecycleState.Live && lien.amount > 0n : s.state === LifecycleState.Live;
        return o.requireLive && !live ? ExitCode.Rejected : ExitCode.Ok;
      });
    }),
  );

  helpAfter(
    withKey(
      withChain(
        program
          .command("allocate")
          .description("As the subject, allocate part of the Live attested excess to a lender (a lien only that lender can release); it carries over renewals and binds through the grace period.")
          .requiredOption("--to <address>", "the lender (consumer contract or account)")
          .requiredOption("--amount <usd>", "the amount to allocate, USD")
          .option("--json", "print the result as one JSON object"),
      ),
      "the subject",
    ),
    { chain: true, keys: true, units: true },
  ).action(async (o: ChainOptions & { to: string; amount: string; json?: boolean }) =>
    run(async () => {
      const to = parseAddress(o.to, "to");
      const amount = parseUsd(o.amount, "amount");
      if (amount === 0n) throw new ZkMarginInputError("amount", "must be above 0");
      return withConnectedChain(o, async (chain) => {
        const signer = await chainSigner(chain, o, "the subject");
        const s = await chain.attestor.status(signer.address);
        if (s.state !== LifecycleState.Live) throw new ZkMarginInputError("state", `${signer.address} has no Live attestation (${STATE(s.state)}${s.state !== LifecycleState.None ? `, lapsed at ${utc(s.lapsesAt)}` : ""}): attest or renew first`);
        if (amount > s.available) throw new ZkMarginInputError("amount", `${formatUsd(amount)} is more than the available ${formatUsd(s.available)} (attested ${formatUsd(s.minExcess)}, allocated ${formatUsd(s.allocated)})`);
        const tx = await chain.attestorAs(signer).allocate(to, amount);
        const lien = await chain.attestor.lienOf(signer.address, to);
        const after = await chain.attestor.status(signer.address);
        emit(o.json, { tx: tx.hash, gasUsed: tx.gasUsed, subject: signer.address, lender: to, lien: { ...lien, stateName: STATE(lien.state) }, available: after.available }, () => [
          `allocated ${formatUsd(amount)} to ${to}: tx ${tx.hash}, gas ${tx.gasUsed.toLocaleString("en-US")}`,
          `  its lien: ${formatUsd(lien.amount)}, ${STATE(lien.state)} until ${utc(lien.until)}; available to others ${formatUsd(after.available)}`,
        ]);
        return ExitCode.Ok;
      });
    }),
  );

  helpAfter(
    withKey(
      withChain(
        program
          .command("release")
          .description("As the lender (the consumer holding a lien), release part or all of its lien on a subject, e.g. when the loan is repaid.")
          .requiredOption("--subject <address>", "the subject whose lien to release")
          .option("--amount <usd>", "the amount to release, USD")
          .option("--all", "release the whole lien")
          .option("--json", "print the result as one JSON object"),
      ),
      "the lender",
    ),
    { chain: true, keys: true, units: true },
  ).action(async (o: ChainOptions & { subject: string; amount?: string; all?: boolean; json?: boolean }) =>
    run(async () => {
      const subject = parseAddress(o.subject, "subject");
      if ((o.amount === undefined) === (o.all === undefined)) throw new ZkMarginInputError("amount", "give --amount <usd> or --all");
      return withConnectedChain(o, async (chain) => {
        const signer = await chainSigner(chain, o, "the lender");
        const lien = await chain.attestor.lienOf(subject, signer.address);
        const amount = o.all ? lien.amount : parseUsd(o.amount!, "amount");
        if (lien.amount === 0n) throw new ZkMarginInputError("subject", `${signer.address} holds no lien on ${subject}`);
        if (amount === 0n || amount > lien.amount) throw new ZkMarginInputError("amount", `${formatUsd(amount)}: the lien of ${signer.address} on ${subject} is ${formatUsd(lien.amount)}`);
        const tx = await chain.attestorAs(signer).release(subject, amount);
        const after = await chain.attestor.lienOf(subject, signer.address);
        emit(o.json, { tx: tx.hash, gasUsed: tx.gasUsed, subject, lender: signer.address, released: amount, lien: { ...after, stateName: STATE(after.state) } }, () => [
          `released ${formatUsd(amount)} of the lien on ${subject}: tx ${tx.hash}, gas ${tx.gasUsed.toLocaleString("en-US")}; lien now ${formatUsd(after.amount)}`,
        ]);
        return ExitCode.Ok;
      });
    }),
  );

  helpAfter(
    withKey(
      withChain(program.command("reclaim").description("As the subject, void every lien once the attestation has Ended (lapsed and its grace period passed), freeing the book.").option("--json", "print the result as one JSON object")),
      "the subject",
    ),
    { chain: true, keys: true },
  ).action(async (o: ChainOptions & { json?: boolean }) =>
    run(async () => {
      return withConnectedChain(o, async (chain) => {
        const signer = await chainSigner(chain, o, "the subject");
        const s = await chain.attestor.status(signer.address);
        if (s.state !== LifecycleState.Ended) throw new ZkMarginInputError("state", `the attestation of ${signer.address} is ${STATE(s.state)}${s.state === LifecycleState.None ? "" : `: liens bind until ${utc(s.graceEndsAt)}`}`);
        const tx = await chain.attestorAs(signer).reclaim();
        emit(o.json, { tx: tx.hash, gasUsed: tx.gasUsed, subject: signer.address, reclaimed: s.allocated }, () => [`reclaimed ${formatUsd(s.allocated)} of liens: tx ${tx.hash}, gas ${tx.gasUsed.toLocaleString("en-US")}`]);
        return ExitCode.Ok;
      });
    }),
  );
}

/** Register the trader's and lender's commands (prove is registered by client/cli.ts with proveCommand). */
export function registerTrader(program: Command, run: Run): void {
  registerKeys(program, run);
  registerFetch(program, run);
  registerAttest(program, run);
  registerLifecycle(program, run);
}

