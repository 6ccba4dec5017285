/**
 * Synthetic venue books for the venue kit's tests and benchmarks: deterministic (seeded) accounts and holdings
 * inside the circuit's ranges, written as the CSV files an operator would import.
 */
import { FIELD } from "../../prover/hash.ts";
import { HOLDING_FIELDS, type Holding, Kind } from "../../prover/types.ts";

/** xorshift128+ : a small seeded generator (benchmarks and tests must be reproducible). */
export function rng(seed: number): () => bigint {
  let s0 = BigInt(seed) | 1n;
  let s1 = 0x9e3779b97f4a7c15n ^ BigInt(seed);
  const M = (1n << 64n) - 1n;
  return () => {
    let x = s0;
    const y = s1;
    s0 = y;
    x = (x ^ (x << 23n)) & M;
    s1 = x ^ y ^ (x >> 17n) ^ (y >> 26n);
    return (s1 + y) & M;
  };
}

export function fieldFrom(next: () => bigint): bigint {
  return ((next() << 192n) | (next() << 128n) | (next() << 64n) | next()) % FIELD;
}

/** A random holding of asset < A within the circuit's ranges (sizes and prices of realistic magnitude). */
export function randomHolding(next: () => bigint, A: number): Holding {
  const asset = Number(next() % BigInt(A));
  const kind = Number(next() % 3n) as Kind;
  const signed = (bits: bigint) => (next() % (1n << bits)) - (1n << (bits - 1n));
  return {
    asset,
    kind,
    size: signed(48n),
    entryPrice: kind === Kind.Linear ? next() % (1n << 44n) : 0n,
    mark: kind === Kind.Option ? next() % (1n << 40n) : 0n,
    delta: kind === Kind.Option ? signed(27n) : 0n,
    gamma: kind === Kind.Option ? signed(50n) : 0n,
    vega: kind === Kind.Option ? signed(50n) : 0n,
  };
}

export interface SyntheticAccount {
  id: string;
  owner: bigint;
  salt: bigint;
  signer: string;
}

/** `count` accounts a-0 … with random owners and salts; every signer is `signer` unless a map gives one. */
export function syntheticAccounts(count: number, seed: number, signer: string, signers: ReadonlyMap<number, string> = new Map()): SyntheticAccount[] {
  const next = rng(seed);
  return Array.from({ length: count }, (_, i) => ({ id: `a-${i}`, owner: fieldFrom(next), salt: fieldFrom(next), signer: signers.get(i) ?? signer }));
}

export function accountsCsv(accounts: readonly SyntheticAccount[]): string {
  return ["account,owner,salt,signer", ...accounts.map((a) => `${a.id},${a.owner},${a.salt},${a.signer}`)].join("\n") + "\n";
}

/** Holdings for the accounts in `ids` (1 … maxHoldings each). */
export function syntheticHoldings(ids: readonly string[], seed: number, A: number, maxHoldings: number): { account: string; holdings: Holding[] }[] {
  const next = rng(seed);
  return ids.map((account) => ({ account, holdings: Array.from({ length: 1 + Number(next() % BigInt(maxHoldings)) }, () => randomHolding(next, A)) }));
}

export function holdingsCsv(rows: readonly { account: string; holdings: readonly Holding[] }[]): string {
  const lines = ["account," + HOLDING_FIELDS.join(",")];
  for (const r of rows) for (const h of r.holdings) lines.push([r.account, ...HOLDING_FIELDS.map((f) => String(h[f]))].join(","));
  return lines.join("\n") + "\n";
}
