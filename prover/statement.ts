/**
 * The JSON formats the SDK reads and writes, as zod schemas: a venue's account statement, a market snapshot,
 * risk params and a proof. Integers travel as decimal strings (JSON numbers lose precision past 2^53); small
 * counts (asset index, kind, leaf index, dims, scenario count, residual column) are plain JSON numbers. A parse error
 * names the JSON path of the offending value (e.g. `statement.holdings[1].size`) in a ZkMarginInputError.
 */
import { z } from "zod";
import { FIELD } from "./hash.ts";
import { MAX_TREE_DEPTH, TREE_ARITY } from "./tree.ts";
import { ZkMarginInputError } from "./errors.ts";
import type { Holding, Kind, MarketSnapshot, RiskParams } from "./types.ts";

/** v2: holding words in the leaf, an arity-4 tree (siblings D × 3). */
export const STATEMENT_FORMAT = "zkmargin-statement/2";
/** v2: public inputs subject, domain, contextHash, venueRoots, bookNullifier, tail (minExcess, venueIds). */
export const PROOF_FORMAT = "zkmargin-proof/2";

const INT = /^-?(0|[1-9][0-9]*)$/;

/** A bigint as a decimal string, within [min, max). */
function bigintString(min: bigint, max: bigint, what: string) {
  return z
    .string({ invalid_type_error: `expected ${what} as a decimal string` })
    .regex(INT, `expected ${what} as a decimal integer string`)
    .transform((s) => BigInt(s))
    .refine((x) => x >= min && x < max, { message: `out of range: expected ${what} in [${min}, ${max})` });
}

const TWO_63 = 1n << 63n;
const TWO_64 = 1n << 64n;
/** a field element (hashes, roots, salts, secrets) */
export const zField = bigintString(0n, FIELD, "a field element");
/** unsigned < 2^64 (prices, epochs, venue ids) */
export const zU64 = bigintString(0n, TWO_64, "an unsigned 64-bit integer");
/** signed, |x| < 2^63 (sizes, greeks, residual loadings) */
export const zI64 = bigintString(-TWO_63 + 1n, TWO_63, "a signed integer with |x| < 2^63");
/** parts per million, unsigned < 2^64 */
export const zPpm = zU64;

export const HoldingSchema = z
  .object({
    asset: z.number().int().nonnegative(),
    kind: z.union([z.literal(0), z.literal(1), z.literal(2)], {
      errorMap: () => ({ message: "expected kind 0 (spot), 1 (linear) or 2 (option)" }),
    }),
    size: zI64,
    entryPrice: zU64,
    mark: zU64,
    delta: zI64,
    gamma: zI64,
    vega: zI64,
  })
  .strict();

export const DimsSchema = z
  .object({
    /** holding slots per venue (the holding words pad to N) */
    N: z.number().int().positive(),
    /** assets: every holding's asset index is < A (the asset's packed width is ⌈log2 A⌉) */
    A: z.number().int().positive(),
    /** depth of the arity-4 account tree (capacity 4^D) */
    D: z.number().int().min(1).max(MAX_TREE_DEPTH),
  })
  .strict();

/** One account's statement, issued by its venue for one epoch (see prover/venue.ts). */
export const StatementSchema = z
  .object({
    format: z.literal(STATEMENT_FORMAT),
    venueId: zU64.refine((x) => x > 0n, { message: "venue id 0 is reserved for empty slots" }),
    epoch: zU64,
    dims: DimsSchema,
    leafIndex: z.number().int().nonnegative(),
    salt: zField,
    owner: zField,
    holdings: z.array(HoldingSchema),
    leaf: zField,
    /** per level from the leaf up, the 3 siblings in increasing position order */
    siblings: z.array(z.array(zField).length(TREE_ARITY - 1, `expected ${TREE_ARITY - 1} siblings per level (arity-${TREE_ARITY} tree)`)),
    root: zField,
  })
  .strict();
export type Statement = Omit<z.infer<typeof StatementSchema>, "holdings"> & { holdings: Holding[] };

export const MarketSchema = z
  .object({
    price: z.array(zU64).min(1),
    scanRange: z.array(zPpm).min(1),
    volShock: z.array(zPpm).min(1),
  })
  .strict();

export const RiskSchema = z
  .object({
    haircut: z.array(zPpm).min(1),
    debtAddOn: z.array(zPpm).min(1),
    /** K, the instance's scenario count (2·2^m); prover/model.ts validateRisk checks it and the structure's ranges */
    scenarios: z.number().int().positive(),
    factorLoading: z.array(zPpm).min(1),
    residualLoading: z.array(zI64).min(1),
    residualColumn: z.array(z.number().int().nonnegative()).min(1),
    grossCharge: zPpm,
    // model v2 (prover/types.ts): all six or none; prover/model.ts validateRisk checks the ranges and the set
    basisCharge: z.array(zPpm).min(1).optional(),
    concentration: z.array(zU64).min(1).optional(),
    shortOptionMin: z.array(zU64).min(1).optional(),
    vegaGross: zPpm.optional(),
    noGammaGain: bigintString(0n, 2n, "0 or 1").optional(),
    venueDefault: zPpm.optional(),
  })
  .strict();

const G1 = z.array(z.string().regex(INT)).length(3);
const G2 = z.array(z.array(z.string().regex(INT)).length(2)).length(3);
export const Groth16ProofSchema = z
  .object({ pi_a: G1, pi_b: G2, pi_c: G1, protocol: z.literal("groth16"), curve: z.literal("bn128") })
  .passthrough();

export const ProofSchema = z
  .object({
    format: z.literal(PROOF_FORMAT),
    instance: z.string().min(1),
    /** the epoch the proof was made for (inside the context hash; MarginAttestor takes it with the proof) */
    epoch: zU64.optional(),
    publicInputs: z
      .object({
        subject: zField,
        domain: zField,
        contextHash: zField,
        venueRoots: z.array(zField),
        bookNullifier: zField,
        minExcess: zField,
        venueIds: z.array(zField),
      })
      .strict(),
    publicSignals: z.array(zField),
    proof: Groth16ProofSchema,
    points: z.array(zField).length(8),
  })
  .strict();

/** "a.b[2].c" from a zod issue path. */
function joinPath(base: string, path: readonly (string | number)[]): string {
  return path.reduce<string>((acc, p) => (typeof p === "number" ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), base);
}

/**
 * Parse `value` (an object, or a JSON string) with `schema`; on failure throw ONE ZkMarginInputError naming the
 * JSON path of the first problem, prefixed by `label` (e.g. "statements[0]").
 */
export function parseWith<S extends z.ZodTypeAny>(schema: S, value: unknown, label: string): z.output<S> {
  let data = value;
  if (typeof value === "string") {
    try {
      data = JSON.parse(value) as unknown;
    } catch (e) {
      throw new ZkMarginInputError(label, `not valid JSON (${(e as Error).message})`);
    }
  }
  const res = schema.safeParse(data);
  if (!res.success) {
    const issue = res.error.issues[0];
    const field = joinPath(label, issue.path);
    const more = res.error.issues.length > 1 ? ` (and ${res.error.issues.length - 1} more problem(s))` : "";
    throw new ZkMarginInputError(field, `${issue.message}${more}`);
  }
  return res.data as z.output<S>;
}

export function parseStatement(value: unknown, label = "statement"): Statement {
  const s = parseWith(StatementSchema, value, label);
  return { ...s, holdings: s.holdings.map((h) => ({ ...h, kind: h.kind as Kind })) };
}

export function parseMarket(value: unknown, label = "market"): MarketSnapshot {
  return parseWith(MarketSchema, value, label);
}

export function parseRisk(value: unknown, label = "risk"): RiskParams {
  return parseWith(RiskSchema, value, label);
}

/** Replace every bigint by its decimal string, recursively (the inverse of the schemas above). */
export function toJsonValue(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonValue(v)]));
  }
  return value;
}

/** JSON text (2-space indent) with bigints as decimal strings. */
export function stringifyJson(value: unknown): string {
  return `${JSON.stringify(toJsonValue(value), null, 2)}\n`;
}
