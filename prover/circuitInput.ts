/**
 * Book → MarginProof circuit input. Checks everything the circuit will check (ranges, slot layout, venue order,
 * Merkle roots, hashes, and by default the margin itself) and throws one RangeError naming the offending field before
 * any witness or proof is attempted. Input names match circuits/MarginProof.circom's signals.
 */
import { accountLeaf, holdingFields, holdingsCommitment, marketFields, marketHash, nullifierHash, ownerHash, padHoldings, riskFields, riskParamsHash } from "./commitments.ts";
import { FIELD, toField } from "./hash.ts";
import { COMPARE_SCALE, EPOCH_BITS, MAX_HOLDING_SLOTS, MIN_EXCESS_BITS, VENUE_ID_BITS, evaluateMarginExact, floorDiv, validateHolding, validateMarket, validateRisk } from "./model.ts";
import type { PublicInputs } from "./publicSignals.ts";
import { rootFromPath } from "./tree.ts";
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
  /** D sibling hashes, leaf level first */
  siblings: bigint[];
  /** the venue's published root for the epoch */
  root: bigint;
}

export interface ProofRequest {
  params: InstanceParams;
  traderSecret: bigint;
  /** strictly increasing venueId, 1..V accounts */
  accounts: AccountWitness[];
  epoch: bigint;
  /** the attestation's subject (an address as a field element) */
  subject: bigint;
  market: MarketSnapshot;
  risk: RiskParams;
  /** USD × 1e8, 0 ≤ minExcess < 2^112 */
  minExcess: bigint;
}

export interface BuildOptions {
  /** Check that the book's excess reaches minExcess (default true). Tests turn it off to build failing inputs. */
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
  if (p.D > 32) fail("params.D", `${p.D} exceeds 32`);
  if (p.V * p.N > MAX_HOLDING_SLOTS) fail("params", `V·N = ${p.V * p.N} exceeds ${MAX_HOLDING_SLOTS} holding slots`);
}

const str = (x: bigint): string => toField(x).toString();

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
  if (typeof req.epoch !== "bigint" || req.epoch < 0n || req.epoch >= 1n << BigInt(EPOCH_BITS)) {
    fail("epoch", `${String(req.epoch)} is outside [0, 2^${EPOCH_BITS})`);
  }
  if (typeof req.minExcess !== "bigint" || req.minExcess < 0n || req.minExcess >= 1n << BigInt(MIN_EXCESS_BITS)) {
    fail("minExcess", `${String(req.minExcess)} is outside [0, 2^${MIN_EXCESS_BITS})`);
  }
  validateMarket(market, A);
  validateRisk(risk, A, K);

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
    if (!Number.isInteger(acc.leafIndex) || acc.leafIndex < 0 || acc.leafIndex >= 2 ** D) {
      fail(`${f}.leafIndex`, `${acc.leafIndex} is outside [0, 2^${D}) for tree depth D=${D}`);
    }
    if (!Array.isArray(acc.siblings) || acc.siblings.length !== D) {
      fail(`${f}.siblings`, `expected ${D} siblings (tree depth D=${D}), got ${Array.isArray(acc.siblings) ? acc.siblings.length : typeof acc.siblings}`);
    }
    acc.siblings.forEach((s, j) => checkField(s, `${f}.siblings[${j}]`));
  });

  const leaves = accounts.map((acc) => accountLeaf(ownerHash(req.traderSecret, acc.salt), holdingsCommitment(acc.holdings, N), acc.venueId));
  if (requireRoots) {
    accounts.forEach((acc, i) => {
      if (rootFromPath(leaves[i], acc.leafIndex, acc.siblings) !== acc.root) {
        fail(`accounts[${i}].root`, `venue ${acc.venueId}: the account leaf (trader secret, salt, holdings, venue id) with this path does not hash to the root`);
      }
    });
  }

  if (requireMargin) {
    const exact = evaluateMarginExact(accounts.flatMap((a) => a.holdings), market, risk);
    if (exact.excess < req.minExcess * COMPARE_SCALE) {
      fail("minExcess", `the book's portfolio excess is ${floorDiv(exact.excess, COMPARE_SCALE)} (USD × 1e8), below minExcess ${req.minExcess}`);
    }
  }

  const slot = <T>(i: number, active: (a: AccountWitness) => T, inactive: T): T => (i < accounts.length ? active(accounts[i]) : inactive);
  const venueRoots = Array.from({ length: V }, (_, i) => slot(i, (a) => a.root, 0n));
  const venueIds = Array.from({ length: V }, (_, i) => slot(i, (a) => a.venueId, 0n));
  const nullifiers = Array.from({ length: V }, (_, i) => slot(i, (a) => nullifierHash(req.traderSecret, a.salt, req.epoch), 0n));
  const publicInputs: PublicInputs = {
    subject: req.subject,
    epoch: req.epoch,
    marketHash: marketHash(market),
    riskParamsHash: riskParamsHash(risk),
    venueRoots,
    venueIds,
    nullifiers,
    minExcess: req.minExcess,
  };

  const m = marketFields(market).map(str);
  const r = riskFields(risk).map(str);
  const KA = K * A;
  const input: CircuitInput = {
    subject: str(req.subject),
    epoch: str(req.epoch),
    marketHash: str(publicInputs.marketHash),
    riskParamsHash: str(publicInputs.riskParamsHash),
    venueRoots: venueRoots.map(str),
    venueIds: venueIds.map(str),
    nullifiers: nullifiers.map(str),
    minExcess: str(req.minExcess),
    traderSecret: str(req.traderSecret),
    salts: Array.from({ length: V }, (_, i) => str(slot(i, (a) => a.salt, 0n))),
    leafIndices: Array.from({ length: V }, (_, i) => String(slot(i, (a) => a.leafIndex, 0))),
    siblings: Array.from({ length: V }, (_, i) => slot(i, (a) => a.siblings, Array.from({ length: D }, () => 0n)).map(str)),
    holdings: Array.from({ length: V }, (_, i) => padHoldings(slot(i, (a) => a.holdings, []), N).map((h) => holdingFields(h).map(str))),
    price: m.slice(0, A),
    scanRange: m.slice(A, 2 * A),
    volShock: m.slice(2 * A, 3 * A),
    haircut: r.slice(0, A),
    debtAddOn: r.slice(A, 2 * A),
    moves: Array.from({ length: K }, (_, k) => r.slice(2 * A + k * A, 2 * A + (k + 1) * A)),
    volDirs: Array.from({ length: K }, (_, k) => r.slice(2 * A + KA + k * A, 2 * A + KA + (k + 1) * A)),
    weights: r.slice(2 * A + 2 * KA, 2 * A + 2 * KA + K),
    grossCharge: r[2 * A + 2 * KA + K],
  };
  return { input, publicInputs };
}
