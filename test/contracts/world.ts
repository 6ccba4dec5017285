/**
 * A small world of traders and venues for the contract tests, the SDK attestor test and the gas bench: every
 * trader's accounts sit in one arity-4 tree per venue (beside a decoy), and `prove` makes a REAL proof of the "test"
 * instance (test/helpers/proofs.ts proveMargin, the project's own keys) for a subject, an epoch, the deployment's
 * domain and a minExcess. The market and risk params are the fixtures', so the on-chain snapshot of every epoch is
 * deployment.setMarket(testMarket(), epoch) and the risk params deployment.setRiskParams(testRisk()).
 */
import type { AttestableProof } from "../../client/attestor.ts";
import type { AccountWitness, ProofRequest } from "../../prover/circuitInput.ts";
import { accountLeafOf, ownerHash } from "../../prover/commitments.ts";
import { evaluateMargin } from "../../prover/model.ts";
import { VenueTree } from "../../prover/tree.ts";
import type { Holding, InstanceParams, MarketSnapshot, RiskParams } from "../../prover/types.ts";
import { TEST_ASSETS, TEST_PARAMS, perp, spot, testMarket, testRisk } from "../fixtures/market.ts";
import { proveMargin, type MarginProof } from "../helpers/proofs.ts";

/** One trader: a secret and one account per venue. */
export interface Trader {
  secret: bigint;
  venues: bigint[];
  holdings: Holding[][];
}

/** A real proof with what the attestor takes besides it. */
export interface Proved extends MarginProof, AttestableProof {
  /** the proof's packed points (the same as `packed`) */
  points: bigint[];
  venueIds: bigint[];
}

/** The attestor's `attest` arguments of a proof. */
export const attestArgs = (p: Proved) => [p.packed, p.venueIds, p.bookNullifier, p.epoch, p.minExcess] as const;

/**
 * Trader i: a hedged ETH book over two venues of `venues` (long perp at one, short at the other, USDC at both), so
 * that its excess is well above zero and depends a little on i.
 */
export function hedgedTrader(i: number, venues: readonly bigint[], seed = 0x7ade5ec12e7n): Trader {
  const { USDC, ETH } = TEST_ASSETS;
  const a = venues[i % venues.length];
  const b = venues[(i + 1) % venues.length];
  const pair = a < b ? [a, b] : [b, a];
  return {
    secret: seed * 1_000_003n + BigInt(i),
    venues: pair,
    holdings: [
      [spot(USDC, String(6000 + i)), perp(ETH, "10", "2950")],
      [spot(USDC, "6000"), perp(ETH, "-10", "3020")],
    ],
  };
}

export class World {
  readonly trees = new Map<bigint, VenueTree>();
  private readonly index = new Map<string, number>();

  constructor(
    readonly traders: readonly Trader[],
    readonly venues: readonly bigint[],
    readonly params: InstanceParams = TEST_PARAMS,
  ) {
    const leaves = new Map<bigint, bigint[]>(venues.map((v) => [v, [1000n * v + 1n]])); // one decoy per venue
    traders.forEach((t, i) => {
      t.venues.forEach((v, k) => {
        const list = leaves.get(v);
        if (!list) throw new Error(`trader ${i}: venue ${v} is not one of the world's venues`);
        this.index.set(`${i}:${v}`, list.length);
        list.push(accountLeafOf(ownerHash(t.secret, this.salt(i, v)), v, t.holdings[k], params));
      });
    });
    for (const [v, l] of leaves) this.trees.set(v, new VenueTree(params.D, l));
  }

  salt(i: number, venueId: bigint): bigint {
    return BigInt(i + 1) * 1_000_003n + venueId;
  }

  root(venueId: bigint): bigint {
    const t = this.trees.get(venueId);
    if (!t) throw new Error(`no venue ${venueId}`);
    return t.root;
  }

  accounts(i: number): AccountWitness[] {
    const t = this.traders[i];
    return t.venues.map((v, k) => {
      const p = this.trees.get(v)!.path(this.index.get(`${i}:${v}`)!);
      return { venueId: v, salt: this.salt(i, v), holdings: t.holdings[k], leafIndex: p.leafIndex, siblings: p.siblings, root: p.root };
    });
  }

  /** Trader i's excess under the fixture market and risk params (USD × 1e8). */
  excess(i: number, market: MarketSnapshot = testMarket(), risk: RiskParams = testRisk()): bigint {
    return evaluateMargin(this.traders[i].holdings.flat(), market, risk).excess;
  }

  /** A real proof that trader i's book has an excess of at least minExcess, for subject at epoch in `domain`. */
  async prove(i: number, o: { subject: string; epoch: bigint; domain: bigint; minExcess: bigint; market?: MarketSnapshot; risk?: RiskParams }): Promise<Proved> {
    const req: ProofRequest = {
      params: this.params,
      traderSecret: this.traders[i].secret,
      accounts: this.accounts(i),
      epoch: o.epoch,
      subject: BigInt(o.subject),
      domain: o.domain,
      market: o.market ?? testMarket(),
      risk: o.risk ?? testRisk(),
      minExcess: o.minExcess,
    };
    const p = await proveMargin(req);
    const q = p.publicInputs;
    return { ...p, points: p.packed, subject: o.subject, venueIds: q.venueIds, bookNullifier: q.bookNullifier, epoch: o.epoch, minExcess: q.minExcess };
  }
}
