/**
 * The trader's page. Connected to the deployment's chain (an injected wallet, or the local chain `npm run web`
 * serves), it reads everything public from the chain — the epoch's market snapshot, the risk-parameter version the
 * snapshot bound, every venue's posted root, the domain, the lifecycle timing — and the trader loads only venue
 * statements and the trader secret. It checks them against the chain (the SDK's validateProveInput, the CLI's
 * code, plus the attestor's own rules), shows the margin report (prover/report.ts), proves in a Web Worker (the
 * SDK's generateProof), verifies, submits (client/attestor.ts), and then follows the attestation's lifecycle:
 * allocate to a lender, renew across a snapshot, lapse, grace, reclaim.
 *
 * Nothing the trader loads leaves the browser before "Submit": the check reads public state only (web/src/chain.ts).
 */
import "./style.css";
import { LifecycleState } from "../../client/attestor.ts";
import { ZkMarginInputError } from "../../prover/errors.ts";
import type { ZkMarginProof } from "../../prover/generateProof.ts";
import { MIN_EXCESS_BITS } from "../../prover/model.ts";
import { marginReport } from "../../prover/report.ts";
import { stringifyJson } from "../../prover/statement.ts";
import type { InstanceParams } from "../../prover/types.ts";
import { validateProveInput, type ProveInput } from "../../prover/validate.ts";
import { ChainIdMismatchError, ChainSession, parseDeployment, type Deployment, type Overview, type SubjectState } from "./chain.ts";
import { formatTime, formatUsd, formatWhen, parseUsd, shortAddress } from "./format.ts";
import { renderLifecycle } from "./lifecycleView.ts";
import { renderReport } from "./reportView.ts";
import { fetchServiceStatement } from "./statementService.ts";
import type { BenchResult } from "./protocol.ts";
import { ProverWorker, WorkerError } from "./workerClient.ts";
import { getAddress, isAddress } from "ethers";

// ---------------------------------------------------------------------------------------------------------------
// DOM

function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`page: no #${id}`);
  return e as T;
}

const ui = {
  chainInfo: $("chain-info"),
  chainFacts: $("chain-facts"),
  chainError: $("chain-error"),
  switchBtn: $<HTMLButtonElement>("switch-btn"),
  deploymentFile: $<HTMLInputElement>("deployment-file"),
  refreshBtn: $<HTMLButtonElement>("refresh-btn"),
  statementsFile: $<HTMLInputElement>("statements-file"),
  serviceUrl: $<HTMLInputElement>("service-url"),
  serviceAccount: $<HTMLInputElement>("service-account"),
  serviceBtn: $<HTMLButtonElement>("service-btn"),
  secret: $<HTMLInputElement>("secret"),
  subject: $<HTMLInputElement>("subject"),
  minExcess: $<HTMLInputElement>("min-excess"),
  instance: $("instance"),
  demoBtn: $<HTMLButtonElement>("demo-btn"),
  checkBtn: $<HTMLButtonElement>("check-btn"),
  statementsList: $<HTMLUListElement>("statements-list"),
  error: $("error"),
  report: $("report"),
  reportTable: $<HTMLTableElement>("report-table"),
  termsTable: $<HTMLTableElement>("terms-table"),
  venueTable: $<HTMLTableElement>("venue-table"),
  scenarioTable: $<HTMLTableElement>("scenario-table"),
  scenarioDesign: $("scenario-design"),
  chart: $("chart"),
  prove: $("prove"),
  proveBtn: $<HTMLButtonElement>("prove-btn"),
  progress: $<HTMLProgressElement>("progress"),
  stage: $("stage"),
  elapsed: $("elapsed"),
  heartbeat: $("heartbeat"),
  verifyStatus: $("verify-status"),
  proofDetails: $<HTMLDetailsElement>("proof-details"),
  proofJson: $<HTMLTextAreaElement>("proof-json"),
  proofDownload: $<HTMLAnchorElement>("proof-download"),
  submitBtn: $<HTMLButtonElement>("submit-btn"),
  submitStatus: $("submit-status"),
  lifecycle: $("lifecycle"),
  lcState: $("lc-state"),
  lcFacts: $("lc-facts"),
  lcExplain: $("lc-explain"),
  lcLiens: $<HTMLTableElement>("lc-liens"),
  lender: $<HTMLInputElement>("lender"),
  allocateAmount: $<HTMLInputElement>("allocate-amount"),
  allocateBtn: $<HTMLButtonElement>("allocate-btn"),
  reclaimBtn: $<HTMLButtonElement>("reclaim-btn"),
  actionStatus: $("action-status"),
  demoChain: $("demo-chain"),
  demoEpochBtn: $<HTMLButtonElement>("demo-epoch-btn"),
  demoHourBtn: $<HTMLButtonElement>("demo-hour-btn"),
  demoDayBtn: $<HTMLButtonElement>("demo-day-btn"),
  demoStatus: $("demo-status"),
};

// ---------------------------------------------------------------------------------------------------------------
// State

interface LoadedFile {
  name: string;
  text: string;
}

interface InstanceInfo {
  params: Record<string, number>;
  built: boolean;
  constraints?: number;
  /** the keys come from the insecure development setup (build manifest) */
  insecure?: boolean;
}

const state: {
  statements: LoadedFile[];
  instances: Record<string, InstanceInfo>;
  deployment?: Deployment;
  chain?: ChainSession;
  overview?: Overview;
  subject?: SubjectState;
  /** the input last checked successfully (what "Generate proof" proves) */
  checked?: { input: ProveInput; instance: string };
  proof?: { proof: ZkMarginProof; epoch: bigint };
} = { statements: [], instances: {} };

const worker = new ProverWorker();

// ---------------------------------------------------------------------------------------------------------------
// Inputs (each error names its field, like the SDK's)

function parseSecret(text: string): bigint {
  const t = text.trim();
  if (t === "") throw new ZkMarginInputError("traderSecret", "enter your trader secret");
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(t)) throw new ZkMarginInputError("traderSecret", "expected a decimal or 0x-hex integer");
  return BigInt(t);
}

/** A checksummed (or all-lowercase) address; a mixed-case one with a bad checksum is refused by name. */
function parseAddress(text: string, field: string): string {
  const t = text.trim();
  if (!/^0x[0-9a-fA-F]{40}$/.test(t)) throw new ZkMarginInputError(field, "expected a 0x-prefixed 20-byte address");
  if (!isAddress(t)) throw new ZkMarginInputError(field, "the address's mixed-case checksum is wrong (EIP-55): check for a typo");
  const a = getAddress(t);
  if (BigInt(a) === 0n) throw new ZkMarginInputError(field, "the zero address");
  return a;
}

function instanceParams(name: string): InstanceParams {
  const p = state.instances[name]?.params;
  if (!p || ["V", "N", "A", "K", "D"].some((k) => typeof p[k] !== "number")) throw new ZkMarginInputError("instance", `"${name}" is not a margin-proof instance of this server`);
  return { V: p.V, N: p.N, A: p.A, K: p.K, D: p.D };
}

/** The statements' JSON, with a leading byte-order mark dropped (some editors write one). */
function statementTexts(): string[] {
  return state.statements.map((s) => s.text.replace(/^\uFEFF/, ""));
}

/** A top-level field of statement i (for the chain lookups before the SDK parses it); undefined if unreadable. */
function statementField(i: number, key: "epoch" | "venueId"): bigint | undefined {
  try {
    const v = (JSON.parse(statementTexts()[i]) as Record<string, unknown>)[key];
    return typeof v === "string" && /^\d{1,20}$/.test(v) ? BigInt(v) : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering

function showError(e: unknown, where: HTMLElement = ui.error): void {
  const field = e instanceof ZkMarginInputError || e instanceof WorkerError ? e.field : undefined;
  let label = field;
  const m = field ? /^statements\[(\d+)\]/.exec(field) : null;
  if (m && state.statements[Number(m[1])]) label = `${field} (file ${state.statements[Number(m[1])].name})`;
  const message = e instanceof ZkMarginInputError ? e.problem : e instanceof Error ? e.message : String(e);
  where.hidden = false;
  where.dataset.field = field ?? "";
  where.replaceChildren();
  if (label) {
    const b = document.createElement("strong");
    b.className = "field";
    b.textContent = label;
    where.append(b, document.createTextNode(`: ${message}`));
  } else where.textContent = message;
}

function clearError(where: HTMLElement = ui.error): void {
  where.hidden = true;
  where.textContent = "";
  where.dataset.field = "";
}

function setStatus(el: HTMLElement, cls: "" | "ok" | "bad", text: string): void {
  el.className = cls;
  el.textContent = text;
}

function renderChain(o: Overview, chain: ChainSession): void {
  const d = chain.deployment;
  ui.chainInfo.textContent = `Chain ${o.chainId}, instance ${d.instance}; signing as ${chain.address} (${chain.via}).`;
  const facts: [string, string][] = [
    ["MarginAttestor", d.attestor],
    ["latest snapshot", o.latestEpoch === undefined ? "none yet" : `epoch ${o.latestEpoch}, taken ${formatWhen(o.latest?.takenAt ?? 0n, o.now)}, risk parameters version ${o.latest?.riskVersion}`],
    ["lifecycle", `Live up to ${o.timing.ttl / 3600n} h after its snapshot, ${o.timing.renewalWindow / 3600n} h after the next one; liens bind ${o.timing.gracePeriod / 3600n} h more after a lapse`],
    ["chain time", formatTime(o.now)],
  ];
  ui.chainFacts.replaceChildren(
    ...facts.flatMap(([k, v]) => {
      const dt = document.createElement("dt");
      dt.textContent = k;
      const dd = document.createElement("dd");
      dd.textContent = v;
      return [dt, dd];
    }),
  );
  ui.chainFacts.dataset.latestEpoch = o.latestEpoch?.toString() ?? "";
  ui.subject.value = chain.address;
}

/** Refreshes numbered in the order they read the chain's head; `shownRead` is the one on the page. */
let headReads = 0;
let shownRead = 0;

/**
 * Read the chain as of its latest block — at least `atLeast`, the block of the transaction just mined — and show
 * it. Every read of one refresh is made at that one block (web/src/chain.ts head()), so the liens table always
 * agrees with the allocated total, and a refresh that read the head before another one already shown (a Refresh
 * click overlapping an action's own refresh) shows nothing: an older answer never overwrites a newer one (it
 * counts in body[data-stale-refreshes] instead).
 */
async function refresh(atLeast = 0): Promise<void> {
  const chain = state.chain;
  if (!chain) return;
  const head = await chain.head(atLeast);
  const read = ++headReads;
  const [overview, subject] = await Promise.all([chain.overview(head), chain.subjectState(head)]);
  if (chain !== state.chain) return;
  if (read < shownRead) {
    document.body.dataset.staleRefreshes = String(Number(document.body.dataset.staleRefreshes ?? "0") + 1);
    return;
  }
  shownRead = read;
  state.overview = overview;
  renderChain(overview, chain);
  state.subject = subject;
  ui.lifecycle.hidden = false;
  renderLifecycle(
    { state: ui.lcState, facts: ui.lcFacts, explain: ui.lcExplain, liens: ui.lcLiens, allocateBtn: ui.allocateBtn, reclaimBtn: ui.reclaimBtn },
    state.subject,
    state.overview,
  );
  document.body.dataset.refreshed = String(Number(document.body.dataset.refreshed ?? "0") + 1);
}

// ---------------------------------------------------------------------------------------------------------------
// Check: statements + secret against the chain, then the report

/**
 * Everything that would make the attestation fail, checked before proving from public chain state and the signer's
 * own attestation: the epoch's snapshot and whether an attestation of it would be Live now, every statement's root
 * against its venue's posted (and not revoked) root, the market and risk params the snapshot bound (through the
 * context hash), the attestor's venue slots, and the forward and lien rules of a renewal.
 */
async function collectInput(chain: ChainSession, instance: string): Promise<{ input: ProveInput; venueIds: bigint[] }> {
  if (state.statements.length === 0) throw new ZkMarginInputError("statements", "load at least one venue statement (JSON from your venue)");
  const overview = state.overview ?? (await chain.overview());
  const params = instanceParams(instance);
  if (instance !== chain.deployment.instance) throw new ZkMarginInputError("instance", `the deployment's attestor verifies proofs of instance "${chain.deployment.instance}", not "${instance}"`);
  if (overview.venueSlots !== params.V) {
    throw new ZkMarginInputError("instance", `the attestor has ${overview.venueSlots} venue slots, instance "${instance}" has V=${params.V}: the deployment and this server's keys disagree`);
  }
  const epoch = statementField(0, "epoch");
  if (epoch === undefined) throw new ZkMarginInputError("statements[0].epoch", "expected the statement's epoch as a decimal string");
  const ctx = await chain.epochContext(epoch, "statements[0].epoch");
  const venueIds = state.statements.map((_, i) => statementField(i, "venueId") ?? 0n);
  venueIds.forEach((id, i) => {
    const at = ctx.invalidated.get(id);
    if (at !== undefined) throw new ZkMarginInputError(`statements[${i}].root`, `venue ${id}'s root for epoch ${epoch} was revoked (or the venue suspended) at ${formatTime(at)}: an attestation with it would lapse at once`);
  });
  const lapsesAt = chain.lapsesAt(ctx, overview.timing, venueIds);
  if (lapsesAt <= overview.now) {
    throw new ZkMarginInputError(
      "statements[0].epoch",
      `an attestation of epoch ${epoch} would already have lapsed (at ${formatTime(lapsesAt)})${overview.latestEpoch !== undefined && overview.latestEpoch > epoch ? `: load your venues' statements of epoch ${overview.latestEpoch}` : ""}`,
    );
  }
  const minExcess = parseUsd(ui.minExcess.value, "minExcess");
  if (minExcess >= 1n << 96n) throw new ZkMarginInputError("minExcess", `the attestor stores at most 2^96 − 1 (USD × 1e8); the circuit's bound is 2^${MIN_EXCESS_BITS}`);
  const subject = parseAddress(ui.subject.value, "subject");
  if (subject !== chain.address) throw new ZkMarginInputError("subject", `the page attests for the signing account ${chain.address} (attest's subject is msg.sender)`);
  const own = state.subject ?? (await chain.subjectState());
  const cur = own.status;
  if (cur.state !== LifecycleState.None) {
    if (epoch < cur.epoch) throw new ZkMarginInputError("statements[0].epoch", `you already hold an attestation of epoch ${cur.epoch}: a proof of epoch ${epoch} cannot replace it`);
    if (epoch === cur.epoch && minExcess < cur.minExcess) {
      throw new ZkMarginInputError("minExcess", `you already attested ${formatUsd(cur.minExcess)} for epoch ${epoch}: a proof of the same epoch must prove at least that`);
    }
    if (cur.state !== LifecycleState.Ended && minExcess < cur.allocated) {
      throw new ZkMarginInputError("minExcess", `your liens total ${formatUsd(cur.allocated)}: a renewal must prove at least that (or lenders release first)`);
    }
  }
  const input: ProveInput = {
    statements: statementTexts(),
    traderSecret: parseSecret(ui.secret.value),
    market: ctx.market,
    risk: ctx.risk,
    epoch,
    subject: BigInt(subject),
    domain: overview.domain,
    minExcess,
    postedRoots: ctx.roots,
    postedContextHash: ctx.contextHash,
  };
  return { input, venueIds };
}

async function check(): Promise<boolean> {
  clearError();
  state.checked = undefined;
  ui.prove.hidden = true;
  ui.report.hidden = true;
  ui.submitBtn.disabled = true;
  try {
    await Promise.all(pendingReads);
    const chain = state.chain;
    if (!chain) throw new ZkMarginInputError("deployment", "not connected to the deployment's chain (see Connection above)");
    const instance = chain.deployment.instance;
    if (!state.instances[instance]?.built) throw new ZkMarginInputError("instance", `the keys of instance "${instance}" are not built on this server (run: npx tsx scripts/build.ts ${instance})`);
    const { input } = await collectInput(chain, instance);
    const validated = validateProveInput(input, instanceParams(instance));
    const report = marginReport(
      validated.statements.map((s) => ({ venueId: s.venueId, holdings: s.holdings })),
      validated.request.market,
      validated.request.risk,
    );
    renderReport(
      { methods: ui.reportTable, terms: ui.termsTable, venues: ui.venueTable, scenarios: ui.scenarioTable, chart: ui.chart, design: ui.scenarioDesign },
      report,
      { market: validated.request.market, risk: validated.request.risk, assets: state.overview?.assets ?? [], holdings: validated.statements.flatMap((s) => s.holdings) },
    );
    ui.report.hidden = false;
    state.checked = { input, instance };
    ui.prove.hidden = false;
    ui.proveBtn.disabled = false;
    return true;
  } catch (e) {
    showError(e);
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Prove, submit, lifecycle actions

async function prove(): Promise<void> {
  if (!state.checked && !(await check())) return;
  const checked = state.checked;
  if (!checked) return;
  ui.proveBtn.disabled = true;
  ui.submitBtn.disabled = true;
  ui.proofDetails.hidden = true;
  setStatus(ui.verifyStatus, "", "");
  delete ui.verifyStatus.dataset.verified;
  ui.progress.value = 0;
  const t0 = performance.now();
  const timer = setInterval(() => (ui.elapsed.textContent = `${((performance.now() - t0) / 1000).toFixed(1)} s`), 100);
  try {
    progressLog.length = 0;
    progressLog.push({ stage: "start", fraction: 0, beat: beats, ms: 0 });
    const { result, proveMs, verified } = await worker.run({ type: "prove", instance: checked.instance, input: checked.input }, (stage, fraction) => {
      progressLog.push({ stage, fraction, beat: beats, ms: performance.now() - t0 });
      ui.stage.textContent = stage;
      ui.progress.value = fraction;
    });
    const proof = result as ZkMarginProof;
    state.proof = verified ? { proof, epoch: proof.epoch ?? checked.input.epoch } : undefined;
    ui.progress.value = 1;
    setStatus(
      ui.verifyStatus,
      verified ? "ok" : "bad",
      verified ? `Proof generated in ${(proveMs / 1000).toFixed(1)} s and verified in this browser.` : "The proof did NOT verify against the instance's verification key.",
    );
    ui.verifyStatus.dataset.verified = String(verified);
    ui.verifyStatus.dataset.proveMs = String(Math.round(proveMs));
    const json = stringifyJson(proof);
    ui.proofJson.value = json;
    ui.proofDownload.href = URL.createObjectURL(new Blob([json], { type: "application/json" }));
    ui.proofDetails.hidden = false;
    ui.submitBtn.disabled = !(verified && state.chain);
  } catch (e) {
    ui.stage.textContent = "failed";
    showError(e);
  } finally {
    clearInterval(timer);
    ui.elapsed.textContent = `${((performance.now() - t0) / 1000).toFixed(1)} s`;
    ui.proveBtn.disabled = false;
  }
}

async function submit(): Promise<void> {
  const { proof, chain } = state;
  if (!proof || !chain) return;
  ui.submitBtn.disabled = true;
  setStatus(ui.submitStatus, "", "sending the attestation…");
  try {
    const res = await chain.attest(proof.proof, proof.epoch);
    state.proof = undefined;
    await refresh(res.blockNumber).catch((e: unknown) => showError(e, ui.chainError));
    ui.submitStatus.dataset.tx = res.hash;
    ui.submitStatus.dataset.gas = res.gasUsed.toString();
    setStatus(ui.submitStatus, "ok", `Attested ${formatUsd(proof.proof.publicInputs.minExcess)} for epoch ${proof.epoch} in block ${res.blockNumber}: ${res.gasText} (tx ${shortAddress(res.hash)}).`);
  } catch (e) {
    setStatus(ui.submitStatus, "bad", `Submission failed: ${(e as Error).message}`);
    ui.submitBtn.disabled = false;
  }
}

async function action(name: string, run: (chain: ChainSession) => Promise<{ gasText: string; blockNumber: number }>): Promise<void> {
  const chain = state.chain;
  if (!chain) return;
  setStatus(ui.actionStatus, "", `${name}…`);
  delete ui.actionStatus.dataset.done;
  try {
    const res = await run(chain);
    await refresh(res.blockNumber).catch((e: unknown) => showError(e, ui.chainError));
    setStatus(ui.actionStatus, "ok", `${name}: done (${res.gasText}).`);
    ui.actionStatus.dataset.done = name;
  } catch (e) {
    if (e instanceof ZkMarginInputError) showError(e, ui.actionStatus);
    else setStatus(ui.actionStatus, "bad", `${name} failed: ${(e as Error).message}`);
    ui.actionStatus.classList.add("bad");
  }
}

function allocate(): Promise<void> {
  return action("allocate", async (chain) => {
    const lender = parseAddress(ui.lender.value, "lender");
    const amount = parseUsd(ui.allocateAmount.value, "amount");
    if (amount === 0n) throw new ZkMarginInputError("amount", "allocate a positive amount");
    const available = state.subject?.status.available ?? 0n;
    if (amount > available) throw new ZkMarginInputError("amount", `only ${formatUsd(available)} of the attested excess is unallocated`);
    return chain.allocate(lender, amount);
  });
}

function reclaim(): Promise<void> {
  return action("reclaim", (chain) => chain.reclaim());
}

// ---------------------------------------------------------------------------------------------------------------
// Files, demo book, deployment

/** File reads still in flight: check() waits for them, so a quick click never checks stale files. */
const pendingReads = new Set<Promise<unknown>>();

function readFiles(input: HTMLInputElement): Promise<LoadedFile[]> {
  const p = Promise.all(Array.from(input.files ?? [], async (f) => ({ name: f.name, text: await f.text() })));
  pendingReads.add(p);
  void p.finally(() => pendingReads.delete(p));
  return p;
}

function listStatements(): void {
  ui.statementsList.replaceChildren(
    ...state.statements.map((s, i) => {
      const li = document.createElement("li");
      let what = "";
      try {
        const j = JSON.parse(s.text.replace(/^\uFEFF/, "")) as { venueId?: string; epoch?: string; holdings?: unknown[] };
        what = ` — venue ${j.venueId ?? "?"}, epoch ${j.epoch ?? "?"}, ${Array.isArray(j.holdings) ? j.holdings.length : "?"} holding(s)`;
      } catch {
        what = " — not JSON";
      }
      li.textContent = `statements[${i}]: ${s.name}${what}`;
      return li;
    }),
  );
}

/** The demo book's statements for the chain's latest epoch (served by `npm run web`; its secret is public). */
async function loadDemo(): Promise<void> {
  const epoch = state.overview?.latestEpoch;
  const res = await fetch(`/demo/book.json${epoch === undefined ? "" : `?epoch=${epoch}`}`);
  if (!res.ok) throw new Error(((await res.json().catch(() => ({}))) as { error?: string }).error ?? "no demo book on this server");
  const book = (await res.json()) as { statements: LoadedFile[]; traderSecret: string; minExcess?: string };
  state.statements = book.statements;
  ui.secret.value = book.traderSecret;
  if (book.minExcess) ui.minExcess.value = book.minExcess;
  listStatements();
  await check();
}

/**
 * The account's statement of the chain's latest epoch from a venue's statement service, signed by the connected
 * wallet (web/src/statementService.ts); it replaces a loaded statement of the same venue.
 */
async function loadFromService(): Promise<void> {
  clearError();
  if (!state.chain) throw new ZkMarginInputError("chain", "connect to the deployment's chain first: your wallet signs the request");
  const epoch = state.overview?.latestEpoch;
  if (epoch === undefined) throw new ZkMarginInputError("epoch", "the oracle has snapshotted no epoch yet: there is no statement to fetch");
  const got = await fetchServiceStatement(ui.serviceUrl.value, state.chain.signer, ui.serviceAccount.value, epoch);
  invalidate();
  state.statements = [...state.statements.filter((_, i) => statementField(i, "venueId")?.toString() !== got.venueId), { name: got.name, text: got.text }];
  listStatements();
}

async function connect(deployment: Deployment): Promise<void> {
  clearError(ui.chainError);
  ui.switchBtn.hidden = true;
  state.deployment = deployment;
  state.chain = undefined;
  ui.instance.textContent = describeInstance(deployment.instance);
  try {
    state.chain = await ChainSession.connect(deployment);
    await refresh();
  } catch (e) {
    state.chain = undefined;
    ui.chainInfo.textContent = "Not connected: checking and proving need the deployment's chain (the market snapshot, risk params and roots are read from it).";
    showError(e, ui.chainError);
    if (e instanceof ChainIdMismatchError && window.ethereum) ui.switchBtn.hidden = false;
  }
}

function describeInstance(name: string): string {
  const i = state.instances[name];
  if (!i) return `${name} (not served by this page's server)`;
  const keys = !i.built ? " — keys not built on this server" : i.insecure ? " — INSECURE development keys (demo only)" : "";
  const size = i.constraints ? `, ${i.constraints.toLocaleString("en-US")} constraints` : "";
  return `${name}: V=${i.params.V} venues, N=${i.params.N} holdings each, A=${i.params.A} assets, K=${i.params.K} scenarios, tree depth ${i.params.D}${size}${keys}`;
}

/** Demo chain only (web/server.ts /demo/*): the other parties' moves, then a refresh. */
async function demoMove(what: string, url: string): Promise<void> {
  ui.demoStatus.textContent = `${what}…`;
  delete ui.demoStatus.dataset.done;
  const res = await fetch(url, { method: "POST" });
  const out = (await res.json()) as { error?: string; epoch?: string; now?: string };
  if (!res.ok) throw new Error(out.error ?? `HTTP ${res.status}`);
  await refresh();
  ui.demoStatus.textContent = out.epoch !== undefined ? `The oracle snapshotted epoch ${out.epoch}; the demo venues posted its roots.` : `The chain's clock is now ${formatTime(BigInt(out.now ?? 0))}.`;
  ui.demoStatus.dataset.done = "true";
}

// ---------------------------------------------------------------------------------------------------------------
// Wiring

/** Any change to the inputs invalidates the last check: the trader must check (and see the report) again. */
function invalidate(): void {
  state.checked = undefined;
  ui.prove.hidden = true;
  ui.submitBtn.disabled = true;
}
ui.statementsFile.addEventListener("change", () => {
  invalidate();
  void readFiles(ui.statementsFile).then((files) => {
    state.statements = files;
    listStatements();
    clearError();
  });
});
ui.deploymentFile.addEventListener("change", () => {
  void readFiles(ui.deploymentFile).then(async ([f]) => {
    try {
      await connect(parseDeployment(JSON.parse(f.text.replace(/^\uFEFF/, "")) as unknown, f.name));
    } catch (e) {
      showError(e, ui.chainError);
    }
  });
});
for (const field of [ui.secret, ui.minExcess]) field.addEventListener("input", invalidate);
ui.checkBtn.addEventListener("click", () => void check());
ui.proveBtn.addEventListener("click", () => void prove());
ui.submitBtn.addEventListener("click", () => void submit());
ui.allocateBtn.addEventListener("click", () => void allocate());
ui.reclaimBtn.addEventListener("click", () => void reclaim());
ui.refreshBtn.addEventListener("click", () => void refresh().catch((e: unknown) => showError(e, ui.chainError)));
ui.serviceBtn.addEventListener("click", () => void loadFromService().catch((e: unknown) => showError(e)));
ui.demoBtn.addEventListener("click", () => void loadDemo().catch((e: unknown) => showError(e)));
const demoFail = (e: unknown) => {
  ui.demoStatus.textContent = `failed: ${(e as Error).message}`;
  ui.demoStatus.dataset.done = "false";
};
ui.demoEpochBtn.addEventListener("click", () => void demoMove("snapshotting the next epoch", "/demo/next-epoch").catch(demoFail));
ui.demoHourBtn.addEventListener("click", () => void demoMove("advancing one hour", "/demo/advance?seconds=3600").catch(demoFail));
ui.demoDayBtn.addEventListener("click", () => void demoMove("advancing one day", "/demo/advance?seconds=86400").catch(demoFail));
ui.switchBtn.addEventListener("click", () => {
  const d = state.deployment;
  if (!d || !window.ethereum) return;
  void window.ethereum
    .request({ method: "wallet_switchEthereumChain", params: [{ chainId: `0x${d.chainId.toString(16)}` }] })
    .then(() => connect(d))
    .catch((e: unknown) => showError(e, ui.chainError));
});

// A main-thread heartbeat: it keeps counting while the worker proves (the page stays responsive).
let beats = 0;
setInterval(() => (ui.heartbeat.textContent = String(++beats)), 100);

/** Every progress report of the last proof, with the heartbeat count and the time when it arrived. */
interface ProgressEntry {
  stage: string;
  fraction: number;
  beat: number;
  ms: number;
}
const progressLog: ProgressEntry[] = [];

async function init(): Promise<void> {
  state.instances = (await (await fetch("/artifacts/instances.json")).json()) as Record<string, InstanceInfo>;
  ui.demoBtn.hidden = !(await fetch("/demo/book.json", { method: "HEAD" })).ok;
  ui.demoChain.hidden = !(await fetch("/demo/next-epoch", { method: "HEAD" })).ok;
  const res = await fetch("/deployment.json");
  if (res.ok) {
    try {
      await connect(parseDeployment(await res.json(), "/deployment.json"));
    } catch (e) {
      showError(e, ui.chainError);
    }
  } else {
    ui.chainInfo.textContent = "This server names no deployment: load the deployment file of the chain your wallet is on.";
  }
  document.body.dataset.ready = "true";
}

declare global {
  interface Window {
    /** test and benchmark hooks */
    zkmargin: {
      /** prove a raw circuit input with snarkjs in the worker (the leaf pipeline instance) */
      proveRaw(instance: string, input: Record<string, unknown>): Promise<unknown>;
      /** prove a full request with the SDK in the worker, exactly as "Generate proof" does */
      prove(instance: string, input: ProveInput): Promise<{ result: unknown; proveMs: number; verified: boolean }>;
      /** the benchmark: `runs` timed proofs on the worker's warm session (scripts/bench/browser.ts) */
      bench(instance: string, input: ProveInput, runs: number): Promise<BenchResult>;
      lastProof(): ZkMarginProof | undefined;
      progressLog(): ProgressEntry[];
    };
  }
}
window.zkmargin = {
  proveRaw: (instance, input) => worker.run({ type: "prove-raw", instance, input }),
  prove: (instance, input) => worker.run({ type: "prove", instance, input }),
  bench: async (instance, input, runs) => (await worker.run({ type: "bench", instance, input, runs })).result as BenchResult,
  lastProof: () => state.proof?.proof,
  progressLog: () => progressLog.map((e) => ({ ...e })),
};

void init().catch((e: unknown) => showError(e, ui.chainError));
