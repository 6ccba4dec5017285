/**
 * A trader's book put through the venue SDK exactly as venues would hold it: each venue has its own tree with other
 * traders' accounts, the trader opens one account per venue with a fresh salt, and each venue issues a statement.
 * Shared by the SDK and CLI tests (and test/fixtures/cli/generate.ts).
 */
import type { Statement } from "../../prover/statement.ts";
import { accountKeys, Venue } from "../../prover/venue.ts";
import type { Holding, InstanceParams } from "../../prover/types.ts";
import type { ProveInput } from "../../prover/validate.ts";
import { TEST_ASSETS, perp, spot, testMarket, testRisk, type Book } from "../fixtures/market.ts";

export interface VenueSetup {
  traderSecret: bigint;
  epoch: bigint;
  venues: Venue[];
  /** the trader's account index at each venue */
  indices: number[];
  statements: Statement[];
}

/** The prove input of a venue setup at the test market and risk parameters. */
export function proveInputOf(setup: VenueSetup, o: { subject: bigint; domain: bigint; minExcess: bigint }): ProveInput {
  return { statements: setup.statements, traderSecret: setup.traderSecret, market: testMarket(), risk: testRisk(), epoch: setup.epoch, ...o };
}

/** Deterministic salts so that fixtures are reproducible (real traders use accountKeys(secret) with a random salt). */
const saltFor = (venueId: bigint) => 0xc0ffee_0000n + venueId;

/** Open `book` at its venues (with `others` other accounts each) and issue statements for `epoch`. */
export function venuesFor(book: Book, params: InstanceParams, opts: { traderSecret?: bigint; epoch?: bigint; others?: number } = {}): VenueSetup {
  const traderSecret = opts.traderSecret ?? 0x7a11_5ec2e7n;
  const epoch = opts.epoch ?? 7n;
  const others = opts.others ?? 5;
  const venues: Venue[] = [];
  const indices: number[] = [];
  for (const { venueId, holdings } of book) {
    const venue = Venue.forInstance(venueId, params);
    for (let k = 0; k < others; k++) {
      const other = accountKeys(1000n + BigInt(k), saltFor(venueId) + 100n + BigInt(k));
      venue.openAccount(other.owner, other.salt, [spot(TEST_ASSETS.USDC, String(1000 * (k + 1)))]);
    }
    const { owner, salt } = accountKeys(traderSecret, saltFor(venueId));
    const index = venue.openAccount(owner, salt, []);
    venue.setHoldings(index, holdings); // a deposit/trade after opening: an incremental update
    venues.push(venue);
    indices.push(index);
  }
  return { traderSecret, epoch, venues, indices, statements: venues.map((v, i) => v.statement(indices[i], epoch)) };
}

const { USDC, ETH, BTC } = TEST_ASSETS;

/** A cross-venue hedged book for the test instance (two of its V=3 venue slots, N=3): long ETH perp vs short ETH perp, BTC and USDC collateral. */
export function hedgedBook(): Book {
  return [
    { venueId: 11n, holdings: [spot(USDC, "20000"), perp(ETH, "10", "2950"), spot(BTC, "0.5")] },
    { venueId: 22n, holdings: [spot(USDC, "15000"), perp(ETH, "-10", "3020")] },
  ];
}

export const holdingsOf = (book: Book): Holding[] => book.flatMap((v) => v.holdings);
