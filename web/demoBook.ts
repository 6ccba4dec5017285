/**
 * A demo book for the trader page (Node side): a trader with a cross-venue hedge (long ETH perp at one venue,
 * short ETH perp at another, USDC collateral at both), built with the venue SDK (prover/venue.ts) exactly as venues
 * would: the trader picks a secret and a salt per venue, each venue opens the account, updates its tree and issues
 * a statement. The files are what a trader would load into the page; scripts/web.ts serves them as
 * /demo/book.json and posts the venues' roots, the market and the risk params on the local chain.
 */
import { stringifyJson } from "../prover/statement.ts";
import { Kind, type Holding, type InstanceParams, type MarketSnapshot, type RiskParams } from "../prover/types.ts";
import { Venue, accountKeys } from "../prover/venue.ts";
import { prodMarket, prodRisk, testMarket, testRisk } from "../test/fixtures/market.ts";

const E8 = 100_000_000n;

/**
 * The epoch's market snapshot and risk params: the project's shared fixtures (test/fixtures/market.ts, also used by
 * the CLI demo and the tests) for the test and production shapes. Asset 0 is USDC, 1 ETH, 2 BTC.
 */
export function demoMarketAndRisk(params: InstanceParams): { market: MarketSnapshot; risk: RiskParams } {
  if (params.A === 3 && params.K === 4) return { market: testMarket(), risk: testRisk() };
  if (params.A === 8 && params.K === 16) return { market: prodMarket(), risk: prodRisk() };
  throw new Error(`demo book: no market fixture for A=${params.A}, K=${params.K} (test/fixtures/market.ts has A=3,K=4 and A=8,K=16)`);
}

export interface NamedFile {
  name: string;
  text: string;
}

/** What the page's "Load the demo book" loads (the same files a trader would pick). */
export interface DemoBook {
  epoch: bigint;
  traderSecret: bigint;
  venues: Venue[];
  market: MarketSnapshot;
  risk: RiskParams;
  /** page payload: statements, market and risk as files, the secret and a suggested minExcess (USD) */
  files: { statements: NamedFile[]; market: NamedFile; risk: NamedFile; traderSecret: string; minExcess: string };
  /** a second trader with small accounts at the same venues (same roots): a second, independent book to prove */
  second: { traderSecret: bigint; statements: NamedFile[] };
}

function holding(h: Partial<Holding> & Pick<Holding, "asset" | "kind" | "size">): Holding {
  return { entryPrice: 0n, mark: 0n, delta: 0n, gamma: 0n, vega: 0n, ...h };
}

/**
 * Two venues (ids 101 and 202): a long ETH perp hedged by a short ETH perp across venues, USDC collateral and some
 * spot BTC.
 * Each venue also holds an account of a second trader (USDC at one venue, spot ETH at the other), so the trees
 * are not single-leaf and a second book can be proved against the same posted roots.
 */
export function demoBook(params: InstanceParams, opts: { epoch?: bigint; traderSecret?: bigint; secondSecret?: bigint } = {}): DemoBook {
  if (params.V < 2 || params.A < 3) throw new Error(`demo book: needs V >= 2 and A >= 3 (instance has V=${params.V}, A=${params.A})`);
  const epoch = opts.epoch ?? 1n;
  const traderSecret = opts.traderSecret ?? 0x2a_5ec2e7_cafe_f00dn;
  const secondSecret = opts.secondSecret ?? 0x5ec0_2d_7ade_2n;
  const secondHoldings = new Map<bigint, Holding[]>([
    [101n, [holding({ asset: 0, kind: Kind.Spot, size: 20_000n * E8 })]],
    [202n, [holding({ asset: 1, kind: Kind.Spot, size: 2n * E8 })]],
  ]);
  const secondStatements: NamedFile[] = [];
  const { market, risk } = demoMarketAndRisk(params);

  const books: [bigint, Holding[]][] = [
    [
      101n,
      [
        holding({ asset: 0, kind: Kind.Spot, size: 150_000n * E8 }),
        holding({ asset: 1, kind: Kind.Linear, size: 40n * E8, entryPrice: 2_950n * E8 }),
      ],
    ],
    [
      202n,
      [
        holding({ asset: 0, kind: Kind.Spot, size: 100_000n * E8 }),
        holding({ asset: 1, kind: Kind.Linear, size: -38n * E8, entryPrice: 3_020n * E8 }),
        holding({ asset: 2, kind: Kind.Spot, size: E8 / 2n }),
      ],
    ],
  ];

  const venues: Venue[] = [];
  const statements: NamedFile[] = [];
  for (const [venueId, holdings] of books) {
    const venue = Venue.forInstance(venueId, params);
    const other = accountKeys(secondSecret, 0x07e2n * venueId + 3n);
    const otherIndex = venue.openAccount(other.owner, other.salt, secondHoldings.get(venueId) ?? []);
    const mine = accountKeys(traderSecret, 0x5a17n * venueId + 1n);
    const index = venue.openAccount(mine.owner, mine.salt, holdings);
    venues.push(venue);
    statements.push({ name: `statement-venue-${venueId}-epoch-${epoch}.json`, text: venue.statementJson(index, epoch) });
    secondStatements.push({ name: `second-trader-venue-${venueId}-epoch-${epoch}.json`, text: venue.statementJson(otherIndex, epoch) });
  }
  return {
    epoch,
    traderSecret,
    venues,
    market,
    risk,
    files: {
      statements,
      market: { name: `market-epoch-${epoch}.json`, text: stringifyJson(market) },
      risk: { name: "risk-params.json", text: stringifyJson(risk) },
      traderSecret: `0x${traderSecret.toString(16)}`,
      minExcess: "10000",
    },
    second: { traderSecret: secondSecret, statements: secondStatements },
  };
}
