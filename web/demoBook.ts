/**
 * A demo book for the trader page (Node side): a trader with a cross-venue hedge (long ETH perp at one venue,
 * short ETH perp and spot collateral at another), built with the venue SDK (prover/venue.ts) exactly as venues
 * would: the trader picks a secret and a salt per venue, each venue opens the account, updates its tree and issues
 * a statement. The files are what a trader would load into the page; scripts/web.ts serves them as
 * /demo/book.json and posts the venues' roots, the market and the risk params on the local chain.
 */
import { stringifyJson } from "../prover/statement.ts";
import { Kind, type Holding, type InstanceParams, type MarketSnapshot, type RiskParams } from "../prover/types.ts";
import { Venue, accountKeys } from "../prover/venue.ts";

const E8 = 100_000_000n;

/** Market snapshot for A assets: asset 0 a USD stablecoin, asset 1 BTC, asset 2 ETH, further assets priced $10. */
export function demoMarket(A: number): MarketSnapshot {
  const prices = [1n * E8, 60_000n * E8, 3_000n * E8];
  const scan = [5_000n, 80_000n, 100_000n];
  const vol = [0n, 50_000n, 60_000n];
  const pick = (xs: bigint[], a: number, dflt: bigint) => xs[a] ?? dflt;
  return {
    price: Array.from({ length: A }, (_, a) => pick(prices, a, 10n * E8)),
    scanRange: Array.from({ length: A }, (_, a) => pick(scan, a, 150_000n)),
    volShock: Array.from({ length: A }, (_, a) => pick(vol, a, 80_000n)),
  };
}

/** Risk params for A assets and K scenarios: up/down moves at growing multiples of the scan range. */
export function demoRisk(A: number, K: number): RiskParams {
  const moves: bigint[][] = [];
  const volDirs: bigint[][] = [];
  const weights: bigint[] = [];
  for (let k = 0; k < K; k++) {
    const step = BigInt(Math.min(3, 1 + Math.floor(k / 2))) * 1_000_000n; // 1x, 1x, 2x, 2x, 3x, 3x, ...
    const sign = k % 2 === 0 ? 1n : -1n;
    moves.push(Array.from({ length: A }, (_, a) => (a === 0 ? 0n : sign * step)));
    volDirs.push(Array.from({ length: A }, (_, a) => (a === 0 ? 0n : sign)));
    weights.push(step >= 3_000_000n ? 350_000n : 1_000_000n);
  }
  return {
    haircut: Array.from({ length: A }, (_, a) => (a === 0 ? 0n : 150_000n)),
    debtAddOn: Array.from({ length: A }, (_, a) => (a === 0 ? 10_000n : 150_000n)),
    moves,
    volDirs,
    weights,
    grossCharge: 5_000n,
  };
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
}

function holding(h: Partial<Holding> & Pick<Holding, "asset" | "kind" | "size">): Holding {
  return { entryPrice: 0n, mark: 0n, delta: 0n, gamma: 0n, vega: 0n, ...h };
}

/**
 * Two venues (ids 101 and 202): a long ETH perp hedged by a short ETH perp across venues, plus USD collateral.
 * Each venue also holds another (random) account, so the trees are not single-leaf.
 */
export function demoBook(params: InstanceParams, opts: { epoch?: bigint; traderSecret?: bigint } = {}): DemoBook {
  if (params.V < 2 || params.A < 3) throw new Error(`demo book: needs V >= 2 and A >= 3 (instance has V=${params.V}, A=${params.A})`);
  const epoch = opts.epoch ?? 1n;
  const traderSecret = opts.traderSecret ?? 0x2a_5ec2e7_cafe_f00dn;
  const market = demoMarket(params.A);
  const risk = demoRisk(params.A, params.K);

  const books: [bigint, Holding[]][] = [
    [
      101n,
      [
        holding({ asset: 0, kind: Kind.Spot, size: 150_000n * E8 }),
        holding({ asset: 2, kind: Kind.Linear, size: 40n * E8, entryPrice: 2_950n * E8 }),
      ],
    ],
    [
      202n,
      [
        holding({ asset: 0, kind: Kind.Spot, size: 100_000n * E8 }),
        holding({ asset: 2, kind: Kind.Linear, size: -38n * E8, entryPrice: 3_020n * E8 }),
        holding({ asset: 1, kind: Kind.Spot, size: E8 / 2n }),
      ],
    ],
  ];

  const venues: Venue[] = [];
  const statements: NamedFile[] = [];
  for (const [venueId, holdings] of books) {
    const venue = Venue.forInstance(venueId, params);
    const other = accountKeys(0x0123n + venueId);
    venue.openAccount(other.owner, other.salt, [holding({ asset: 0, kind: Kind.Spot, size: 5_000n * E8 })]);
    const mine = accountKeys(traderSecret, 0x5a17n * venueId + 1n);
    const index = venue.openAccount(mine.owner, mine.salt, holdings);
    venues.push(venue);
    statements.push({ name: `statement-venue-${venueId}-epoch-${epoch}.json`, text: venue.statementJson(index, epoch) });
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
  };
}
