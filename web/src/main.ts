/**
 * The trader's page: load venue statements, market snapshot, risk params and the trader secret; check them and show
 * the margin report (the SDK's validateProveInput and marginReport, the same code as the CLI); prove in a Web Worker
 * (the SDK's generateProof) with a progress bar; verify; submit to the local chain (client/attestor.ts).
 */
import "./style.css";
import { nullifierHash } from "../../prover/commitments.ts";
import { ZkMarginInputError, formatUsd } from "../../prover/errors.ts";
import type { ZkMarginProof } from "../../prover/generateProof.ts";
import { marginReport, type MarginReport } from "../../prover/report.ts";
import { parseMarket, parseRisk, stringifyJson } from "../../prover/statement.ts";
import type { InstanceParams, MarketSnapshot, RiskParams } from "../../prover/types.ts";
import { validateProveInput, type ProveInput } from "../../prover/validate.ts";
import { connectChain, type ChainSession } from "./chain.ts";
import { scenarioChart } from "./chart.ts";
import { ProverWorker, WorkerError } from "./workerClient.ts";

// ---------------------------------------------------------------------------------------------------------------
// DOM

function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`page: no #${id}`);
  return e as T;
}

const ui = {
  statementsFile: $<HTMLInputElement>("statements-file"),
  marketFile: $<HTMLInputElement>("market-file"),
  riskFile: $<HTMLInputElement>("risk-file"),
  secret: $<HTMLInputElement>("secret"),
  subject: $<HTMLInputElement>("subject"),
  minExcess: $<HTMLInputElement>("min-excess"),
  instance: $<HTMLSelectElement>("instance"),
  demoBtn: $<HTMLButtonElement>("demo-btn"),
  checkBtn: $<HTMLButtonElement>("check-btn"),
  statementsList: $<HTMLUListElement>("statements-list"),
  error: $("error"),
  report: $("report"),
  reportTable: $<HTMLTableElement>("report-table"),
  venueTable: $<HTMLTableElement>("venue-table"),
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
  chain: $("chain"),
  chainInfo: $("chain-info"),
  submitBtn: $<HTMLButtonElement>("submit-btn"),
  submitStatus: $("submit-status"),
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
  market?: LoadedFile;
  risk?: LoadedFile;
  instances: Record<string, InstanceInfo>;
  /** the input last checked successfully (what "Generate proof" proves) */
  checked?: { input: ProveInput; instance: string };
  proof?: ZkMarginProof;
  chain?: ChainSession;
} = { statements: [], instances: {} };

const worker = new ProverWorker();

// ---------------------------------------------------------------------------------------------------------------
// Parsing of the plain fields (each error names its field, like the SDK's)

const TWO_160 = 1n << 160n;

function parseSecret(text: string): bigint {
  const t = text.trim();
  if (t === "") throw new ZkMarginInputError("traderSecret", "enter your trader secret");
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(t)) throw new ZkMarginInputError("traderSecret", "expected a decimal or 0x-hex integer");
  return BigInt(t);
}

function parseSubject(text: string): bigint {
  const t = text.trim();
  if (!/^0x[0-9a-fA-F]{40}$/.test(t)) throw new ZkMarginInputError("subject", "expected a 0x-prefixed 20-byte address");
  const v = BigInt(t);
  if (v === 0n || v >= TWO_160) throw new ZkMarginInputError("subject", "expected a non-zero address");
  return v;
}

/** "1234.56" USD → 123456000000n (USD × 1e8), exact. */
export function parseUsd(text: string, field = "minExcess"): bigint {
  const t = text.trim().replace(/[$,_\s]/g, "");
  const m = /^(\d+)(?:\.(\d{0,8}))?$/.exec(t);
  if (!m) throw new ZkMarginInputError(field, "expected a non-negative USD amount with at most 8 decimals, e.g. 250000 or 1234.56");
  return BigInt(m[1]) * 100_000_000n + BigInt((m[2] ?? "").padEnd(8, "0") || "0");
}

function instanceParams(name: string): InstanceParams {
  const p = state.instances[name]?.params;
  if (!p || ["V", "N", "A", "K", "D"].some((k) => typeof p[k] !== "number")) {
    throw new ZkMarginInputError("instance", `"${name}" is not a margin-proof instance`);
  }
  return { V: p.V, N: p.N, A: p.A, K: p.K, D: p.D };
}

/** Everything the trader entered, as the SDK's ProveInput (statements stay JSON text: the SDK parses them). */
async function collectInput(): Promise<ProveInput> {
  if (state.statements.length === 0) throw new ZkMarginInputError("statements", "load at least one venue statement (JSON from your venue)");
  if (!state.market) throw new ZkMarginInputError("market", "load the epoch's market snapshot (JSON)");
  if (!state.risk) throw new ZkMarginInputError("risk", "load the risk params (JSON)");
  const market: MarketSnapshot = parseMarket(state.market.text);
  const risk: RiskParams = parseRisk(state.risk.text);
  const epoch = epochOf(state.statements);
  // With a chain, each statement's root must be the one its venue posted for the epoch (checked before proving).
  const postedRoots = state.chain ? await state.chain.rootsFor(venueIdsOf(state.statements), epoch) : undefined;
  return {
    statements: state.statements.map((s) => s.text),
    traderSecret: parseSecret(ui.secret.value),
    market,
    risk,
    epoch,
    subject: parseSubject(ui.subject.value),
    minExcess: parseUsd(ui.minExcess.value),
    postedRoots,
  };
}

function venueIdsOf(files: readonly LoadedFile[]): bigint[] {
  return files.flatMap((f) => {
    try {
      const v = (JSON.parse(f.text) as { venueId?: unknown }).venueId;
      return typeof v === "string" && /^\d+$/.test(v) ? [BigInt(v)] : [];
    } catch {
      return [];
    }
  });
}

/** The epoch the statements are for (the SDK checks they agree; a statement without one is caught there). */
function epochOf(files: readonly LoadedFile[]): bigint {
  try {
    const first = JSON.parse(files[0].text) as { epoch?: unknown };
    if (typeof first.epoch === "string" && /^\d+$/.test(first.epoch)) return BigInt(first.epoch);
  } catch {
    /* reported by the SDK's statement parser */
  }
  return 0n;
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering

function showError(e: unknown): void {
  const field = e instanceof ZkMarginInputError || e instanceof WorkerError ? e.field : undefined;
  let where = field;
  const m = field ? /^statements\[(\d+)\]/.exec(field) : null;
  if (m && state.statements[Number(m[1])]) where = `${field} (file ${state.statements[Number(m[1])].name})`;
  const message = e instanceof ZkMarginInputError ? e.problem : e instanceof Error ? e.message.replace(/^[^:]*: /, field ? "" : "$&") : String(e);
  ui.error.hidden = false;
  ui.error.dataset.field = field ?? "";
  ui.error.replaceChildren();
  if (where) {
    const b = document.createElement("strong");
    b.className = "field";
    b.textContent = where;
    ui.error.append(b, document.createTextNode(`: ${message}`));
  } else ui.error.textContent = message;
}

function clearError(): void {
  ui.error.hidden = true;
  ui.error.textContent = "";
  ui.error.dataset.field = "";
}

function row(cells: readonly string[], header = false): HTMLTableRowElement {
  const tr = document.createElement("tr");
  cells.forEach((c, i) => {
    const td = document.createElement(header || i === 0 ? "th" : "td");
    td.textContent = c;
    tr.append(td);
  });
  return tr;
}

function renderReport(r: MarginReport, weights: readonly bigint[]): void {
  const cols = [r.isolated, r.cross, r.portfolio];
  ui.reportTable.replaceChildren(
    row(["", "isolated (each holding)", "cross-margined (per venue)", "portfolio (all venues)"], true),
    row(["equity", ...cols.map((c) => formatUsd(c.equity))]),
    row(["requirement", ...cols.map((c) => formatUsd(c.requirement))]),
    row(["excess", ...cols.map((c) => formatUsd(c.excess))]),
    row(["collateral freed vs isolated", "—", ...cols.slice(1).map((c) => formatUsd(c.freed))]),
  );
  cols.forEach((c, i) => ui.reportTable.rows[3].cells[i + 1].classList.toggle("negative", c.excess < 0n));
  ui.venueTable.replaceChildren(
    row(["venue", "holdings", "equity", "isolated requirement", "cross requirement", "worst scenario loss"], true),
    ...r.venues.map((v) =>
      row([`#${v.venueId}`, String(v.holdings), formatUsd(v.margin.equity), formatUsd(v.isolatedRequirement), formatUsd(v.margin.requirement), formatUsd(v.margin.worstLoss)]),
    ),
  );
  const d = r.portfolioDetail;
  // Weighted P&L per scenario (W[k] in ppm): the requirement's scenario part is the worst of these losses.
  const bars = d.scenarioPnl.map((pnl, k) => ({ label: `#${k}`, value: (pnl * weights[k]) / 1_000_000n }));
  ui.chart.replaceChildren(scenarioChart(bars, { threshold: d.worstLoss }));
  ui.report.hidden = false;
}

// ---------------------------------------------------------------------------------------------------------------
// Actions

/**
 * With a chain: an account whose nullifier for this epoch already backs another subject cannot back this one
 * (MarginAttestor would revert with NullifierSpent). Say so before proving, naming the statement.
 */
async function checkNullifiers(input: ProveInput): Promise<void> {
  const chain = state.chain;
  if (!chain) return;
  const salts = state.statements.map((f, i) => {
    const salt = (JSON.parse(f.text) as { salt?: unknown }).salt;
    if (typeof salt !== "string") throw new ZkMarginInputError(`statements[${i}].salt`, "missing");
    return BigInt(salt);
  });
  const nullifiers = salts.map((salt) => nullifierHash(input.traderSecret, salt, input.epoch));
  const spent = await chain.spentBy(input.epoch, nullifiers);
  spent.forEach((who, i) => {
    if (who !== undefined && BigInt(who) !== input.subject) {
      throw new ZkMarginInputError(
        `statements[${i}]`,
        `this account already backs ${who} for epoch ${input.epoch}: one book, one credit line per epoch (its nullifier is spent)`,
      );
    }
  });
}

async function check(): Promise<boolean> {
  clearError();
  state.checked = undefined;
  ui.prove.hidden = true;
  ui.report.hidden = true;
  try {
    await Promise.all(pendingReads);
    const instance = ui.instance.value;
    const input = await collectInput();
    const validated = validateProveInput(input, instanceParams(instance));
    await checkNullifiers(input);
    renderReport(
      marginReport(
        validated.statements.map((s) => ({ venueId: s.venueId, holdings: s.holdings })),
        validated.request.market,
        validated.request.risk,
      ),
      validated.request.risk.weights,
    );
    state.checked = { input, instance };
    ui.prove.hidden = false;
    if (!state.instances[instance]?.built) {
      showError(new ZkMarginInputError("instance", `the keys of instance "${instance}" are not built on this server (run: npm run build)`));
      ui.proveBtn.disabled = true;
    } else ui.proveBtn.disabled = false;
    return true;
  } catch (e) {
    showError(e);
    return false;
  }
}

async function prove(): Promise<void> {
  if (!state.checked && !(await check())) return;
  const checked = state.checked;
  if (!checked) return;
  ui.proveBtn.disabled = true;
  ui.submitBtn.disabled = true;
  ui.proofDetails.hidden = true;
  ui.verifyStatus.textContent = "";
  ui.verifyStatus.className = "";
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
    state.proof = verified ? proof : undefined;
    ui.progress.value = 1;
    ui.verifyStatus.textContent = verified
      ? `Proof generated in ${(proveMs / 1000).toFixed(1)} s and verified in this browser.`
      : "The proof did NOT verify against the instance's verification key.";
    ui.verifyStatus.className = verified ? "ok" : "bad";
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
  ui.submitStatus.className = "";
  ui.submitStatus.textContent = "sending the attestation…";
  try {
    const res = await chain.attest(proof);
    ui.submitStatus.className = "ok";
    ui.submitStatus.dataset.tx = res.hash;
    ui.submitStatus.textContent = `Attested in block ${res.blockNumber} (tx ${res.hash}, ${res.gasUsed} gas). ${res.summary}`;
  } catch (e) {
    ui.submitStatus.className = "bad";
    ui.submitStatus.textContent = `Submission failed: ${(e as Error).message}`;
    ui.submitBtn.disabled = false;
  }
}

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
        const j = JSON.parse(s.text) as { venueId?: string; epoch?: string; holdings?: unknown[] };
        what = ` — venue ${j.venueId ?? "?"}, epoch ${j.epoch ?? "?"}, ${Array.isArray(j.holdings) ? j.holdings.length : "?"} holding(s)`;
      } catch {
        what = " — not JSON";
      }
      li.textContent = `statements[${i}]: ${s.name}${what}`;
      return li;
    }),
  );
}

async function loadDemo(): Promise<void> {
  const res = await fetch("/demo/book.json");
  if (!res.ok) throw new Error("no demo book on this server");
  const book = (await res.json()) as { statements: LoadedFile[]; market: LoadedFile; risk: LoadedFile; traderSecret: string; minExcess?: string };
  state.statements = book.statements;
  state.market = book.market;
  state.risk = book.risk;
  ui.secret.value = book.traderSecret;
  if (book.minExcess) ui.minExcess.value = book.minExcess;
  listStatements();
  await check();
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
ui.marketFile.addEventListener("change", () => {
  invalidate();
  void readFiles(ui.marketFile).then(([f]) => (state.market = f));
});
ui.riskFile.addEventListener("change", () => {
  invalidate();
  void readFiles(ui.riskFile).then(([f]) => (state.risk = f));
});
for (const field of [ui.secret, ui.subject, ui.minExcess, ui.instance]) field.addEventListener("input", invalidate);
ui.checkBtn.addEventListener("click", () => void check());
ui.proveBtn.addEventListener("click", () => void prove());
ui.submitBtn.addEventListener("click", () => void submit());
ui.demoBtn.addEventListener("click", () => void loadDemo().catch(showError));

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
  const res = await fetch("/artifacts/instances.json");
  state.instances = (await res.json()) as Record<string, InstanceInfo>;
  const margin = Object.entries(state.instances).filter(([, i]) => "V" in i.params);
  ui.instance.replaceChildren(
    ...margin.map(([name, i]) => {
      const o = document.createElement("option");
      o.value = name;
      const keys = !i.built ? " — keys not built" : i.insecure ? " — INSECURE dev keys (demo only)" : "";
      const size = i.constraints ? `, ${i.constraints.toLocaleString("en-US")} constraints` : "";
      o.textContent = `${name} (V=${i.params.V} venues, N=${i.params.N}, A=${i.params.A}, K=${i.params.K}, D=${i.params.D}${size})${keys}`;
      return o;
    }),
  );
  const preferred = margin.find(([n, i]) => n === "test" && i.built) ?? margin.find(([, i]) => i.built);
  if (preferred) ui.instance.value = preferred[0];
  ui.demoBtn.hidden = !(await fetch("/demo/book.json", { method: "HEAD" })).ok;
  try {
    state.chain = await connectChain();
  } catch (e) {
    state.chain = undefined;
    ui.chainInfo.textContent = `On-chain submission unavailable: ${(e as Error).message}`;
  }
  ui.chain.hidden = false;
  if (state.chain) {
    ui.chainInfo.textContent = state.chain.description;
    if (ui.subject.value.trim() === "") ui.subject.value = state.chain.address;
  }
  document.body.dataset.ready = "true";
}

declare global {
  interface Window {
    /** test and scripting hooks */
    zkmargin: {
      proveRaw(instance: string, input: Record<string, unknown>): Promise<unknown>;
      lastProof(): ZkMarginProof | undefined;
      progressLog(): ProgressEntry[];
    };
  }
}
window.zkmargin = {
  proveRaw: (instance, input) => worker.run({ type: "prove-raw", instance, input }),
  lastProof: () => state.proof,
  progressLog: () => progressLog.map((e) => ({ ...e })),
};

void init().catch(showError);
