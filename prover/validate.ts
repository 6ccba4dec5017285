/**
 * Every check on a proof request that can fail, run BEFORE any proving starts. The first problem found is thrown
 * as one ZkMarginInputError whose `field` names the offending input (e.g. `statements[1].root`) and whose message
 * says what is wrong; a book below the requirement throws ZkMarginInsufficientMarginError with the shortfall in USD.
 *
 * Order of checks: shapes and ranges (schemas) → instance limits (V, N, A, D) → epochs → duplicate venues →
 * statement integrity (leaf, Merkle path) → posted roots → trader secret → market and risk dimensions → posted
 * context hash → the margin requirement (reference model, prover/model.ts).
 */
import { accountLeafOf, contextHashOf, ownerHash } from "./commitments.ts";
import { formatUsd, ZkMarginInputError, ZkMarginInsufficientMarginError } from "./errors.ts";
import { FIELD } from "./hash.ts";
import { evaluateMargin, isRiskV2, MIN_EXCESS_BITS, validateMarket, validateRisk, VENUE_ID_BITS, type MarginResult } from "./model.ts";
import type { AccountWitness, ProofRequest } from "./circuitInput.ts";
import { parseMarket, parseRisk, parseStatement, toJsonValue, type Statement } from "./statement.ts";
import { rootFromPath, treeCapacity } from "./tree.ts";
import type { InstanceParams, MarketSnapshot, RiskParams } from "./types.ts";
import { asInputError, checkHolding } from "./venue.ts";

/** What a trader supplies to prove: statements from its venues, its secret, the epoch's market and risk params. */
export interface ProveInput {
  /** one statement per venue: Statement objects or their JSON (text or parsed) */
  statements: readonly unknown[];
  traderSecret: bigint;
  market: MarketSnapshot;
  risk: RiskParams;
  epoch: bigint;
  /** the address the attestation is for, as an integer (< 2^160) */
  subject: bigint;
  /** the deployment's domain, a field element read from the attestor (domain()); the book nullifier hashes it */
  domain: bigint;
  /** the excess to prove, USD × 1e8, ≥ 0 */
  minExcess: bigint;
  /** roots posted on-chain for `epoch`, by venue id; when given, each statement's root must equal its venue's */
  postedRoots?: ReadonlyMap<bigint, bigint>;
  /** the context hash OracleHub holds for `epoch`; when given, the market and risk params must hash to it */
  postedContextHash?: bigint;
}

export interface ValidatedRequest {
  /** the request for buildCircuitInput, accounts sorted by venue id (the circuit wants them strictly increasing) */
  request: ProofRequest;
  /** the statements, parsed, in the same order as request.accounts */
  statements: Statement[];
  /** the reference model's verdict on the whole book */
  margin: MarginResult;
}

const TWO_64 = 1n << 64n;
const TWO_160 = 1n << 160n;
/** minExcess is range-checked in-circuit to MIN_EXCESS_BITS */
const MAX_MIN_EXCESS = 1n << BigInt(MIN_EXCESS_BITS);

const hex = (x: bigint) => `0x${x.toString(16)}`;

function fail(field: string, problem: string): never {
  throw new ZkMarginInputError(field, problem);
}

/**
 * A statement is internally consistent: its owner, venue id and holding words (the holdings padded to the
 * statement's N, packed for its A) hash to its leaf, and its Merkle path takes the leaf to its root. Throws naming
 * `${at}.holdings` (tampered or out of range) or `${at}.siblings` (broken path).
 */
export function checkStatementIntegrity(s: Statement, at: string): void {
  let leaf: bigint;
  try {
    leaf = accountLeafOf(s.owner, s.venueId, s.holdings, s.dims);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    fail(`${at}.${e.message.split(": ")[0]}`, e.message.split(": ").slice(1).join(": "));
  }
  if (leaf !== s.leaf) {
    fail(`${at}.holdings`, `tampered statement: the holdings, owner and venue id of venue ${s.venueId} do not hash to the statement's leaf`);
  }
  if (s.siblings.length !== s.dims.D) fail(`${at}.siblings`, `${s.siblings.length} levels of siblings, the venue's tree has depth ${s.dims.D}`);
  if (s.leafIndex >= treeCapacity(s.dims.D)) fail(`${at}.leafIndex`, `${s.leafIndex} does not fit a tree of depth ${s.dims.D} (4^${s.dims.D} leaves)`);
  const root = rootFromPath(s.leaf, s.leafIndex, s.siblings);
  if (root !== s.root) {
    fail(`${at}.siblings`, `the Merkle path of leaf ${s.leafIndex} reaches ${hex(root)}, not the statement's root ${hex(s.root)}`);
  }
}

/** Validate a proof request against an instance; returns the circuit request and the model's margin result. */
export function validateProveInput(input: ProveInput, params: InstanceParams): ValidatedRequest {
  const { V, N, A, K, D } = params;

  // Scalars.
  if (typeof input.traderSecret !== "bigint" || input.traderSecret <= 0n || input.traderSecret >= FIELD) {
    fail("traderSecret", "expected a non-zero field element");
  }
  if (typeof input.epoch !== "bigint" || input.epoch < 0n || input.epoch >= TWO_64) fail("epoch", "expected an unsigned 64-bit integer");
  if (typeof input.subject !== "bigint" || input.subject <= 0n || input.subject >= TWO_160) {
    fail("subject", "expected a non-zero 160-bit address");
  }
  if (typeof input.domain !== "bigint" || input.domain < 0n || input.domain >= FIELD) fail("domain", "expected a field element (the attestor's domain())");
  if (typeof input.minExcess !== "bigint" || input.minExcess < 0n || input.minExcess >= MAX_MIN_EXCESS) {
    fail("minExcess", `expected a USD × 1e8 amount in [0, 2^${MIN_EXCESS_BITS})`);
  }

  // Statements: count (instance limit V), schema, per-statement limits.
  if (input.statements.length === 0) fail("statements", "no statement given: a proof needs at least one venue account");
  if (input.statements.length > V) {
    fail("statements", `${input.statements.length} venues, but the instance has V=${V} venue slots (instance too small: V)`);
  }
  const statements = input.statements.map((s, i) => parseStatement(typeof s === "string" ? s : toJsonValue(s), `statements[${i}]`));
  statements.forEach((s, i) => {
    const at = `statements[${i}]`;
    if (s.venueId >= 1n << BigInt(VENUE_ID_BITS)) fail(`${at}.venueId`, `${s.venueId} does not fit ${VENUE_ID_BITS} bits`);
    if (s.holdings.length > N) {
      fail(`${at}.holdings`, `${s.holdings.length} holdings at venue ${s.venueId}, but the instance has N=${N} slots per venue (instance too small: N)`);
    }
    if (s.dims.D > D) fail(`${at}.dims.D`, `venue ${s.venueId}'s tree has depth ${s.dims.D}, the instance D=${D} (instance too small: D)`);
    if (s.dims.D !== D) fail(`${at}.dims.D`, `venue ${s.venueId}'s tree has depth ${s.dims.D}, the instance expects D=${D}`);
    if (s.dims.N !== N) {
      fail(`${at}.dims.N`, `venue ${s.venueId} commits holdings padded to N=${s.dims.N} slots, the instance expects N=${N}`);
    }
    if (s.dims.A > A) fail(`${at}.dims.A`, `venue ${s.venueId} uses A=${s.dims.A} assets, the instance has A=${A} (instance too small: A)`);
    if (s.dims.A !== A) fail(`${at}.dims.A`, `venue ${s.venueId} packs holdings for A=${s.dims.A} assets, the instance expects A=${A}`);
    s.holdings.forEach((h, j) => checkHolding(h, A, `${at}.holdings[${j}]`));
    if (s.siblings.length !== D) fail(`${at}.siblings`, `${s.siblings.length} levels of siblings, expected D=${D}`);
    if (s.leafIndex >= treeCapacity(D)) fail(`${at}.leafIndex`, `${s.leafIndex} does not fit a tree of depth D=${D} (4^${D} leaves)`);
  });

  // Epochs: all statements for one epoch, the proof's.
  statements.forEach((s, i) => {
    if (s.epoch !== statements[0].epoch) {
      fail(`statements[${i}].epoch`, `statements from different epochs: statements[0] is for epoch ${statements[0].epoch}, statements[${i}] for epoch ${s.epoch}`);
    }
  });
  if (statements[0].epoch !== input.epoch) {
    fail("epoch", `the statements are for epoch ${statements[0].epoch}, the proof is requested for epoch ${input.epoch}`);
  }

  // One statement per venue.
  const seen = new Map<bigint, number>();
  statements.forEach((s, i) => {
    const first = seen.get(s.venueId);
    if (first !== undefined) fail(`statements[${i}].venueId`, `venue ${s.venueId} appears twice (statements[${first}] and statements[${i}]): one account per venue`);
    seen.set(s.venueId, i);
  });

  // Integrity: the leaf is what the holdings commit to, the path reaches the root, the root is the posted one.
  statements.forEach((s, i) => {
    const at = `statements[${i}]`;
    checkStatementIntegrity(s, at);
    if (input.postedRoots) {
      const posted = input.postedRoots.get(s.venueId);
      if (posted === undefined) fail(`${at}.venueId`, `venue ${s.venueId} has no root posted for epoch ${input.epoch}`);
      if (posted !== s.root) {
        fail(`${at}.root`, `the Merkle path reaches ${hex(s.root)}, but venue ${s.venueId} posted ${hex(posted)} for epoch ${input.epoch}`);
      }
    }
  });

  // The trader secret owns every account.
  statements.forEach((s) => {
    if (ownerHash(input.traderSecret, s.salt) !== s.owner) {
      fail("traderSecret", `wrong trader secret: Poseidon(secret, salt) is not the owner of the account at venue ${s.venueId}`);
    }
  });

  // Market and risk params: the circuit's ranges and the instance's A and K (prover/model.ts validators).
  const market = parseMarket(toJsonValue(input.market));
  const risk = parseRisk(toJsonValue(input.risk));
  asInputError(() => validateMarket(market, A));
  asInputError(() => validateRisk(risk, A, K));
  if (!isRiskV2(risk)) {
    fail("risk", "the circuit proves model v2: the risk params need basisCharge, concentration, shortOptionMin, vegaGross, noGammaGain and venueDefault");
  }
  if (input.postedContextHash !== undefined) {
    const computed = contextHashOf(input.epoch, market, risk);
    if (computed !== input.postedContextHash) {
      fail("market", `the market snapshot and risk params of epoch ${input.epoch} hash to context ${hex(computed)}, but the oracle holds ${hex(input.postedContextHash)} (wrong snapshot or risk-parameter version)`);
    }
  }

  // The requirement, on the whole book (every venue together).
  const accounts: AccountWitness[] = statements
    .map((s) => ({ venueId: s.venueId, salt: s.salt, holdings: s.holdings, leafIndex: s.leafIndex, siblings: s.siblings, root: s.root }))
    .sort((x, y) => (x.venueId < y.venueId ? -1 : 1));
  const sorted = [...statements].sort((x, y) => (x.venueId < y.venueId ? -1 : 1));
  let margin: MarginResult;
  try {
    margin = evaluateMargin(
      sorted.map((s) => s.holdings), // one list per venue: model v2's default charge is per venue
      market,
      risk,
    );
  } catch (e) {
    const m = /^holdings\[(\d+)\]\[(\d+)\]([^:]*): (.*)$/s.exec((e as Error).message);
    // the model saw the statements sorted by venue id: name the statement as the caller gave it
    if (m) fail(`statements[${statements.indexOf(sorted[Number(m[1])])}].holdings[${m[2]}]${m[3]}`, `the margin model rejects the book: ${m[4]}`);
    fail("statements", `the margin model rejects the book: ${(e as Error).message}`);
  }
  if (margin.excess < input.minExcess) {
    const shortfall = input.minExcess - margin.excess;
    throw new ZkMarginInsufficientMarginError(
      "minExcess",
      `insufficient margin: the book's excess ${formatUsd(margin.excess)} (equity ${formatUsd(margin.equity)} − requirement ` +
        `${formatUsd(margin.requirement)}) is ${formatUsd(shortfall)} short of minExcess ${formatUsd(input.minExcess)}`,
      shortfall,
    );
  }

  const request: ProofRequest = {
    params,
    traderSecret: input.traderSecret,
    accounts,
    epoch: input.epoch,
    subject: input.subject,
    domain: input.domain,
    market,
    risk,
    minExcess: input.minExcess,
  };
  return { request, statements: sorted, margin };
}
