/**
 * A demo book for the trader page (Node side): a trader with a cross-venue hedge (long ETH perp at one venue,
 * short ETH perp at another, USDC collateral at both, some spot BTC), built with the venue SDK (prover/venue.ts)
 * exactly as venues would: the trader picks a secret and a salt per venue, each venue opens the account, updates
 * its tree and issues a statement per epoch. The local chain (web/localChain.ts) posts the venues' roots, the
 * market snapshot and the calibrated risk params (data/risk/<instance>.json, docs/RISK.md); the page loads only the
 * statements and the secret (/demo/book.json?epoch=N).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { ROOT } from "../scripts/lib/instances.ts";
import { parseRisk } from "../prover/statement.ts";
import { Kind, type Holding, type InstanceParams, type MarketSnapshot, type RiskParams } from "../prover/types.ts";
import { Venue, accountKeys } from "../prover/venue.ts";
import { prodMarket, testMarket } from "../test/fixtures/market.ts";

const E8 = 100_000_000n;

/** The calibrated parameters of an instance shape and the symbols they were calibrated for (data/risk/). */
function calibrated(name: "test" | "prod"): { risk: RiskParams; assets: string[] } {
  const dir = path.join(ROOT, "data", "risk");
  const risk = parseRisk(readFileSync(path.join(dir, `${name}.json`), "utf8"));
  const { assets } = JSON.parse(readFileSync(path.join(dir, `${name}.oracle.json`), "utf8")) as { assets: string[] };
  return { risk, assets };
}

/**
 * The epoch's market snapshot, the calibrated risk params and the asset symbols for the test (A = 3: USDC, ETH,
 * BTC) and production (A = 8) shapes. The production calibration's assets 5 and 6 are XRP and USDT (the fixture
 * market's AVAX and ARB slots), so their prices and ranges are set to match.
 */
export function demoMarketAndRisk(params: InstanceParams): { market: MarketSnapshot; risk: RiskParams; assets: string[] } {
  if (params.A === 3 && params.K === 4) return { market: testMarket(), ...calibrated("test") };
  if (params.A === 8 && params.K === 16) {
    const market = prodMarket();
    const set = (a: number, price: bigint, scan: bigint, vol: bigint) => {
      market.price[a] = price;
      market.scanRange[a] = scan;
      market.volShock[a] = vol;
    };
    set(5, 60n * (E8 / 100n), 250_000n, 160_000n); // XRP $0.60, scan 25 %, vol shock 16 points
    set(6, E8, 10_000n, 0n); // USDT $1.00, scan 1 %
    return { market, ...calibrated("prod") };
  }
  throw new Error(`demo book: no calibrated parameters for A=${params.A}, K=${params.K} (data/risk/ has A=3,K=4 and A=8,K=16)`);
}

export interface NamedFile {
  name: string;
  text: string;
}

/** What the page's "Load the demo book" loads (the same files a trader would pick). */
export interface DemoFiles {
  statements: NamedFile[];
  traderSecret: string;
  /** a suggested minExcess (USD) */
  minExcess: string;
}

export interface DemoBook {
  epoch: bigint;
  traderSecret: bigint;
  venues: Venue[];
  market: MarketSnapshot;
  risk: RiskParams;
  /** asset symbols by index (the calibration's) */
  assets: string[];
  /** the trader's statements (and secret) for an epoch: the venues' trees are unchanged, so their roots are too */
  filesFor(epoch: bigint): DemoFiles;
  /** the files of the first epoch */
  files: DemoFiles;
  /** a second trader with small accounts at the same venues (same roots): a second, independent book to prove */
  second: { traderSecret: bigint; statementsFor(epoch: bigint): NamedFile[] };
}

function holding(h: Partial<Holding> & Pick<Holding, "asset" | "kind" | "size">): Holding {
  return { entryPrice: 0n, mark: 0n, delta: 0n, gamma: 0n, vega: 0n, ...h };
}

/**
 * Two venues (ids 101 and 202): a long ETH perp hedged by a short ETH perp across venues, USDC collateral and some
 * spot BTC. Each venue also holds an account of a second trader (USDC at one venue, spot ETH at the other), so the
 * trees are not single-leaf and a second book can be proved against the same posted roots.
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
  const { market, risk, assets } = demoMarketAndRisk(params);

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
  const mine: number[] = [];
  const theirs: number[] = [];
  for (const [venueId, holdings] of books) {
    const venue = Venue.forInstance(venueId, params);
    const other = accountKeys(secondSecret, 0x07e2n * venueId + 3n);
    theirs.push(venue.openAccount(other.owner, other.salt, secondHoldings.get(venueId) ?? []));
    const keys = accountKeys(traderSecret, 0x5a17n * venueId + 1n);
    mine.push(venue.openAccount(keys.owner, keys.salt, holdings));
    venues.push(venue);
  }
  const filesFor = (e: bigint): DemoFiles => ({
    statements: venues.map((v, i) => ({ name: `statement-venue-${v.venueId}-epoch-${e}.json`, text: v.statementJson(mine[i], e) })),
    traderSecret: `0x${traderSecret.toString(16)}`,
    minExcess: "10000",
  });
  return {
    epoch,
    traderSecret,
    venues,
    market,
    risk,
    assets,
    filesFor,
    files: filesFor(epoch),
    second: {
      traderSecret: secondSecret,
      statementsFor: (e) => venues.map((v, i) => ({ name: `second-trader-venue-${v.venueId}-epoch-${e}.json`, text: v.statementJson(theirs[i], e) })),
    },
  };
}
