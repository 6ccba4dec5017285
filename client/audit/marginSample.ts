/**
 * Valid MarginProof inputs for the soundness scan: the realistic books of test/fixtures/market.ts, in the instance's
 * venue trees, through buildCircuitInput (the prover's own path). Several books so that the scan sees every kind of
 * slot: all venue slots active with spot and perps (hedged ETH), an option with one inactive venue slot (BTC call
 * plus perp), and spot collateral against a short perp at two venues.
 */
import { buildCircuitInput } from "../../prover/circuitInput.ts";
import type { InstanceParams } from "../../prover/types.ts";
import {
  accountsFor,
  btcLongCallBook,
  hedgedEthBook,
  prodMarket,
  prodRisk,
  spotVsShortPerpBook,
  testMarket,
  testRisk,
  type Book,
} from "../../test/fixtures/market.ts";

export interface LabelledInput {
  label: string;
  input: Record<string, unknown>;
}

export function sampleMarginInputs(params: Record<string, number>): LabelledInput[] {
  const p = params as unknown as InstanceParams;
  const big = p.A >= 8 && p.K >= 16;
  const market = big ? prodMarket() : testMarket();
  const risk = big ? prodRisk() : testRisk();
  const books: [string, Book][] = [
    ["hedged ETH perps, two venues", hedgedEthBook()],
    ["long BTC call + short perp, one venue (other slots inactive)", btcLongCallBook()],
    ["spot ETH vs short perp, two venues", spotVsShortPerpBook()],
  ];
  const secret = 0x5ec4e7a0d17n;
  return books
    .filter(([, b]) => b.length <= p.V && b.every((v) => v.holdings.length <= p.N))
    .map(([label, book]) => ({
      label,
      input: buildCircuitInput({
        params: p,
        traderSecret: secret,
        accounts: accountsFor(book, secret, p),
        epoch: 42n,
        subject: 0x70997970c51812dc3a010c7d01b50e0d17dc79c8n,
        domain: 0xd0a1n,
        market,
        risk,
        minExcess: 0n,
      }).input,
    }));
}

export function sampleMarginInput(params: Record<string, number>): Record<string, unknown> {
  const first = sampleMarginInputs(params)[0];
  if (!first) throw new Error("no fixture book fits this instance");
  return first.input;
}
