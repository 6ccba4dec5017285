/**
 * Book → MarginProof circuit input. Checks everything the circuit will check (ranges, slot layout, venue order,
 * Merkle roots, hashes, and by default the margin itself) and throws one RangeError naming the offending field before
 * any witness or proof is attempted. Input names match circuits/MarginProof.circom's signals; the market and risk
 * inputs are named after prover/commitments.ts marketPackValues / riskPackValues fields (`residualColumn[2]` feeds the
 * circuit's residualColumn[2]).
 */
import {
  bookNullifier,
  contextHash,
  holdingFields,
  holdingWords,
  marketPackValues,
  marketWords,
  ownerHash,
  accountLeaf,
  padHoldings,
  riskPackValues,
  riskParamsHash,
} from "./commitments.ts";
import { FIELD, toField, type PackValue } from "./hash.ts";
import { COMPARE_SCALE, EPOCH_BITS, MAX_HOLDING_SLOTS, MIN_EXCESS_BITS, VENUE_ID_BITS, evaluateMarginExact, floorDiv, isRiskV2, scenarioColumns, validateHolding, validateMarket, validateRisk } from "./model.ts";
import type { PublicInputs } from "./publicSignals.ts";
import { flattenPublicInputs } from "./publicSignals.ts";
import { MAX_TREE_DEPTH, TREE_ARITY, rootFromPath, treeCapacity } from "./tree.ts";
import type { Holding, InstanceParams, MarketSnapshot, RiskParams } from "./types.ts";

/** One venue account of the trader with its inclusion path in the venue's root for the epoch. */
export interface AccountWitness {
  /** venue id, 1 ≤ venueId < 2^32 */
  venueId: bigint;
  /** the account's salt: owner = Poseidon(traderSecret, salt) */
  salt: bigint;
  /** at most N holdings; padded with all-zero slots */
  holdings: Holding[];
  leafIndex: number;
  /** D levels of 3 sibling hashes each, leaf level first */
  siblings: bigint[][];
  /** the venue's published root for the epoch */
  root: bigint;
}

export interface ProofRequest {
  params: InstanceParams;
  traderSecret: bigint;
  /** strictly increasing venueId, 1..V accounts */
  accounts: AccountWitness[];
  /** the epoch of the roots and of the context hash, < 2^64 */
  epoch: bigint;
  /** the attestation's subject (an address as a field element) */
  subject: bigint;
  /** the deployment's domain (a field element, the attestor's domain()) */
  domain: bigint;
  market: MarketSnapshot;
  risk: RiskParams;
  /** USD × 1e8, 0 ≤ minExcess < 2^112 */
  minExcess: bigint;
}

export interface BuildOptions {
  /**
   * Run the reference model (default true): model v2's validity rules (option |delta| ≤ 1, gross notional < 2^96) and
   * excess ≥ minExcess. Tests turn it off to build inputs the model rejects and check that the circuit does too.
   */
  requireMargin?: boolean;
  /** Check each account's path against its root (default true). */
  requireRoots?: boolean;
}

export type CircuitInput = Record<string, string | string[] | string[][] | string[][][]>;

function fail(field: string, message: string): never {
  throw new RangeError(`${field}: ${message}`);
}

function checkField(x: unknown, field: string, { nonZero = false } = {}): asserts x is bigint {
  if (typeof x !== "bigint") fail(field, `expected a bigint, got ${typeof x}`);
  if (x < 0n || x >= FIELD) fail(field, `${x} is not a field element in [0, p)`);
  if (nonZero && x === 0n) fail(field, "must be non-zero");
}

function checkParams(p: InstanceParams): void {
  for (const key of ["V", "N", "A", "K", "D"] as const) {
    const v = p[key];
    if (!Number.isInteger(v) || v < 1) fail(`params.${key}`, `${String(v)} is not a positive integer`);
  }
  if (p.D > MAX_TREE_DEPTH) fail("params.D", `${p.D} exceeds ${MAX_TREE_DEPTH}`);
  if (p.V * p.N > MAX_HOLDING_SLOTS) fail("params", `V·N = ${p.V * p.N} exceeds ${MAX_HOLDING_SLOTS} holding slots`);
  scenarioColumns(p.K, "params.K"); // K = 2·2^m: the circuit's sign design [H; −H] (MarginProof asserts it too)
}

const str = (x: bigint): string => toField(x).toString();

/** Nested circuit-input arrays from named pack values (`x[2][1]` → input.x[2][1]), values as field elements. */
export function packValueInputs(values: readonly PackValue[]): CircuitInput {
  const out: Record<string, unknown> = {};
  for (const v of values) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)$/.exec(v.field);
    if (!m) throw new RangeError(`${v.field}: not a circuit signal name`);
    const idx = [...m[2].matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1]));
    if (idx.length === 0) {
      out[m[1]] = str(v.value);
      continue;
    }
    let node = (out[m[1]] ??= []) as unknown[];
    for (const i of idx.slice(0, -1)) node = (node[i] ??= []) as unknown[];
    node[idx[idx.length - 1]] = str(v.value);
  }
  return out as CircuitInput;
}

/**
 * Build the MarginProof input and its public inputs. Throws a RangeError naming the field (and the instance limit
 * where one is exceeded) on any input the circuit would reject.
 */
export function buildCircuitInput(req: ProofRequest, opts: BuildOptions = {}): { input: CircuitInput; publicInputs: PublicInputs } {
  const { requireMargin = true, requireRoots = true } = opts;
  const { params, accounts, market, risk } = req;
  checkParams(params);
  const { V, N, A, K, D } = params;

  checkField(req.traderSecret, "traderSecret", { nonZero: true });
  checkField(req.subject, "subject");
  checkField(req.domain, "domain");
  if (typeof req.epoch !== "bigint" || req.epoch < 0n || req.epoch >= 1n << BigInt(EPOCH_BITS)) {
    fail("epoch", `${String(req.epoch)} is outside [0, 2^${EPOCH_BITS})`);
  }
  if (typeof req.minExcess !== "bigint" || req.minExcess < 0n || req.minExcess >= 1n << BigInt(MIN_EXCESS_BITS)) {
    fail("minExcess", `${String(req.minExcess)} is outside [0, 2^${MIN_EXCESS_BITS})`);
  }
  validateMarket(market, A);
  validateRisk(risk, A, K);
  if (!isRiskV2(risk)) {
    fail("risk", "the circuit proves model v2: the risk params need basisCharge, concentration, shortOptionMin, vegaGross, noGammaGain and venueDefault (prover/model.ts withV2TermsOff gives v1's numbers)");
  }

  if (!Array.isArray(accounts) || accounts.length === 0) fail("accounts", "at least one venue account is needed");
  if (accounts.length > V) fail("accounts", `${accounts.length} accounts, the instance has V=${V} venue slots`);

  let previousId = 0n;
  accounts.forEach((acc, i) => {
    const f = `accounts[${i}]`;
    if (typeof acc.venueId !== "bigint" || acc.venueId < 1n || acc.venueId >= 1n << BigInt(VENUE_ID_BITS)) {
      fail(`${f}.venueId`, `${String(acc.venueId)} is outside [1, 2^${VENUE_ID_BITS})`);
    }
    if (acc.venueId <= previousId) {
      fail(`${f}.venueId`, `${acc.venueId} must be greater than the previous account's ${previousId} (strictly increasing, no venue twice)`);
    }
    previousId = acc.venueId;
    checkField(acc.salt, `${f}.salt`);
    checkField(acc.root, `${f}.root`, { nonZero: true });
    if (!Array.isArray(acc.holdings)) fail(`${f}.holdings`, "expected an array");
    if (acc.holdings.length > N) fail(`${f}.holdings`, `${acc.holdings.length} holdings, the instance has N=${N} slots per venue`);
    acc.holdings.forEach((h, j) => validateHolding(h, A, `${f}.holdings[${j}]`));
    if (!Number.isInteger(acc.leafIndex) || acc.leafIndex < 0 || acc.leafIndex >= treeCapacity(D)) {
      fail(`${f}.leafIndex`, `${acc.leafIndex} is outside [0, 4^${D}) for tree depth D=${D}`);
    }
    if (!Array.isArray(acc.siblings) || acc.siblings.length !== D) {
      fail(`${f}.siblings`, `expected ${D} levels (tree depth D=${D}), got ${Array.isArray(acc.siblings) ? acc.siblings.length : typeof acc.siblings}`);
    }
    acc.siblings.forEach((level, l) => {
      if (!Array.isArray(level) || level.length !== TREE_ARITY - 1) fail(`${f}.siblings[${l}]`, `expected ${TREE_ARITY - 1} siblings (arity-${TREE_ARITY} tree)`);
      level.forEach((s, j) => checkField(s, `${f}.siblings[${l}][${j}]`));
    });
  });

  const leaves = accounts.map((acc) => accountLeaf(ownerHash(req.traderSecret, acc.salt), acc.venueId, holdingWords(acc.holdings, { N, A })));
  if (requireRoots) {
    accounts.forEach((acc, i) => {
      if (rootFromPath(leaves[i], acc.leafIndex, acc.siblings) !== acc.root) {
        fail(`accounts[${i}].root`, `venue ${acc.venueId}: the account leaf (trader secret, salt, venue id, holdings) with this path does not hash to the root`);
      }
    });
  }

  if (requireMargin) {
    // one holdings list per venue: model v2's default charge is per venue
    let exact: ReturnType<typeof evaluateMarginExact>;
    try {
      exact = evaluateMarginExact(accounts.map((a) => a.holdings), market, risk);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      // "holdings[v][i].x: …" → "accounts[v].holdings[i].x: …"
      throw new RangeError(e.message.replace(/^holdings\[(\d+)\]\[(\d+)\]/, "accounts[$1].holdings[$2]"));
    }
    if (exact.excess < req.minExcess * COMPARE_SCALE) {
      fail("minExcess", `the book's portfolio excess is ${floorDiv(exact.excess, COMPARE_SCALE)} (USD × 1e8), below minExcess ${req.minExcess}`);
    }
  }

  const slot = <T>(i: number, active: (a: AccountWitness) => T, inactive: T): T => (i < accounts.length ? active(accounts[i]) : inactive);
  const venueRoots = Array.from({ length: V }, (_, i) => slot(i, (a) => a.root, 0n));
  const venueIds = Array.from({ length: V }, (_, i) => slot(i, (a) => a.venueId, 0n));
  const publicInputs: PublicInputs = {
    subject: req.subject,
    domain: req.domain,
    contextHash: contextHash(req.epoch, riskParamsHash(risk), marketWords(market)),
    venueRoots,
    bookNullifier: bookNullifier(req.traderSecret, req.domain),
    minExcess: req.minExcess,
    venueIds,
  };
  const flat = flattenPublicInputs(publicInputs);
  const emptyLevel = Array.from({ length: TREE_ARITY - 1 }, () => 0n);

  const input: CircuitInput = {
    subject: str(req.subject),
    domain: str(req.domain),
    contextHash: str(publicInputs.contextHash),
    venueRoots: venueRoots.map(str),
    bookNullifier: str(publicInputs.bookNullifier),
    tail: flat.slice(4 + V).map(str),
    traderSecret: str(req.traderSecret),
    epoch: str(req.epoch),
    minExcess: str(req.minExcess),
    venueIds: venueIds.map(str),
    salts: Array.from({ length: V }, (_, i) => str(slot(i, (a) => a.salt, 0n))),
    leafIndices: Array.from({ length: V }, (_, i) => String(slot(i, (a) => a.leafIndex, 0))),
    siblings: Array.from({ length: V }, (_, i) => slot(i, (a) => a.siblings, Array.from({ length: D }, () => emptyLevel)).map((level) => level.map(str))),
    holdings: Array.from({ length: V }, (_, i) => padHoldings(slot(i, (a) => a.holdings, []), N).map((h) => holdingFields(h).map(str))),
    ...packValueInputs(marketPackValues(market)),
    ...packValueInputs(riskPackValues(risk)),
  };
  return { input, publicInputs };
}
