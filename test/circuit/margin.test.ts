/**
 * MarginProof on the test instance (V=3, N=3, A=3, K=4, D=7) with real witnesses from the compiled WASM, checked
 * against the compiled R1CS. Every case builds a fresh input.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { expect } from "chai";
import { artifactPaths } from "../../scripts/lib/instances.ts";
import { snark, terminateCurve, type CircuitInput as SnarkInput, type VerificationKey } from "../../scripts/lib/snark.ts";
import { buildCircuitInput, type CircuitInput } from "../../prover/circuitInput.ts";
import { bookNullifier, contextHash, contextHashOf, marketPackValues, marketWords, riskPackValues, riskParamsHash } from "../../prover/commitments.ts";
import { PARAMS_SPONGE_WIDTH, packLayout, poseidon, sponge, toField, type PackValue } from "../../prover/hash.ts";
import { COMPARE_SCALE, PPM_ONE, evaluateMargin, evaluateMarginExact, withV2TermsOff } from "../../prover/model.ts";
import { flattenPublicInputs, publicSignalNames } from "../../prover/publicSignals.ts";
import { Kind, type RiskParams } from "../../prover/types.ts";
import { loadCircuit, type CompiledCircuit } from "../helpers/witness.ts";
import {
  PROD_PARAMS,
  TEST_ASSETS,
  TEST_PARAMS,
  accountsFor,
  bookHoldings,
  bookVenues,
  btcLongCallBook,
  btcShortCallBook,
  hedgedEthBook,
  prodDeskBook,
  prodMarket,
  prodRisk,
  spot,
  spotVsShortPerpBook,
  testMarket,
  testRisk,
  type Book,
} from "../fixtures/market.ts";
import { DOMAIN, EPOCH, FIELD, SECRET, clone, fe, inputFor, recommitSlot, requestFor, retail, uncheckedHoldingWords } from "./helpers.ts";

const { USDC, ETH } = TEST_ASSETS;
const BOOKS: [string, () => Book][] = [
  ["hedged ETH perps across two venues", hedgedEthBook],
  ["spot ETH against a short ETH perp", spotVsShortPerpBook],
  ["short BTC calls", btcShortCallBook],
  ["long BTC call, short BTC perp", btcLongCallBook],
];

describe("MarginProof circuit (test instance)", function () {
  let circuit: CompiledCircuit;

  before(async function () {
    circuit = await loadCircuit("test");
  });

  /**
   * PortfolioMargin's scenario slack k equals `expected` (slack + 10^6·PnL_k at COMPARE_SCALE). slackK is linear in
   * the witness, so --O2 keeps only its range bits, and one of the 236 is itself folded into the recomposition: every
   * kept bit must be the model's, and at most one may be missing.
   */
  const expectScenarioSlack = (w: bigint[], k: number, expected: bigint): void => {
    expect(expected >= 0n && expected < 1n << 236n, `slackK[${k}] = ${expected} in [0, 2^236)`).to.equal(true);
    let kept = 0;
    for (let j = 0; j < 236; j++) {
      const i = circuit.signals.get(`main.margin.slackKBits[${k}][${j}]`);
      if (i === undefined || i < 0) continue;
      kept++;
      expect(w[i], `slackK[${k}] bit ${j}`).to.equal((expected >> BigInt(j)) & 1n);
    }
    expect(kept, `kept bits of slackK[${k}]`).to.be.at.least(235);
  };

  const set = (input: CircuitInput, key: string, path: number[], value: string): CircuitInput => {
    const out = clone(input);
    if (path.length === 0) {
      out[key] = value;
      return out;
    }
    let node = out[key] as unknown as unknown[];
    for (const i of path.slice(0, -1)) node = node[i] as unknown[];
    node[path[path.length - 1]] = value;
    return out;
  };

  describe("# instance", () => {
    it("should fit a 2^14 ptau (constraints + public inputs + 1 ≤ 2^14)", () => {
      expect(circuit.nConstraints + circuit.nPublic + 1).to.be.at.most(1 << 14);
    });

    it("should declare exactly the public inputs of prover/publicSignals.ts, in order", () => {
      const names = publicSignalNames(TEST_PARAMS.V);
      expect(circuit.nPublic).to.equal(names.length);
      names.forEach((n, i) => expect(circuit.index(`main.${n}`), n).to.equal(i + 1));
    });
  });

  describe("# fixture books agree exactly with the reference model", () => {
    for (const [name, book] of BOOKS) {
      it(`should prove ${name} at its exact excess and not one unit more`, async () => {
        const req = requestFor(book());
        const { input, publicInputs } = buildCircuitInput(req);
        const w = await circuit.accept(input);
        expect(circuit.publicSignals(w)).to.deep.equal(flattenPublicInputs(publicInputs));
        // The in-circuit comparison values equal the model's exact integers.
        const x = evaluateMarginExact(bookVenues(book()), req.market, req.risk);
        const slack = x.excess + x.worstLoss - COMPARE_SCALE * req.minExcess;
        x.scenarioPnl.forEach((pnl, k) => expectScenarioSlack(w, k, slack + PPM_ONE * pnl));
        const short = clone(input);
        short.minExcess = (req.minExcess + 1n).toString();
        expect(await circuit.accepts(retail(short))).to.equal(false);
      });
    }

    it("should prove a single-venue book with the second slot inactive", async () => {
      const input = inputFor(btcShortCallBook());
      expect((input.venueRoots as string[])[1]).to.equal("0");
      await circuit.accept(input);
    });

    it("should prove the isolated leg of a hedge only at its own (much smaller) excess", async () => {
      const leg = [hedgedEthBook()[0]];
      const legExcess = evaluateMargin([leg[0].holdings], testMarket(), testRisk()).excess;
      const whole = evaluateMargin(bookVenues(hedgedEthBook()), testMarket(), testRisk()).excess;
      expect(whole - legExcess).to.be.greaterThan(0n);
      await circuit.accept(inputFor(leg, { minExcess: legExcess }));
      expect(await circuit.accepts(inputFor(leg, { minExcess: legExcess + 1n }))).to.equal(false);
    });
  });

  describe("# extremes of every range agree with the model exactly (no overflow, no wrap)", () => {
    const MAX64 = (1n << 64n) - 1n;
    const MAX63 = (1n << 63n) - 1n;
    const MIN63 = -(1n << 63n);
    const ONE = 100_000_000n; // DELTA_ONE: model v2's largest option |delta|
    const market = (P: bigint) => ({ price: [P, P, P], scanRange: [1_000_000n, 1_000_000n, 1_000_000n], volShock: [1_000_000n, 1_000_000n, 1_000_000n] });
    // factor loading ρ on every asset, residual ±r in column 1 (assets 0 and 2 with +r, asset 1 with −r): the largest
    // moves |M| = ρ + |r| = 2e6 when both are at governance's maximum
    const risk = (rho: bigint, r: bigint, g: bigint, v2: bigint): RiskParams => ({
      haircut: [0n, 0n, 0n],
      debtAddOn: [1_000_000n, 1_000_000n, 1_000_000n],
      scenarios: 4,
      factorLoading: [rho, rho, rho],
      residualLoading: [r, -r, r],
      residualColumn: [1, 1, 1],
      grossCharge: g,
      basisCharge: [v2, v2, v2],
      concentration: [v2 === 0n ? 0n : (1n << 20n) - 1n, 0n, v2],
      shortOptionMin: [3n * v2, 3n * v2, 3n * v2],
      vegaGross: v2,
      noGammaGain: v2 === 0n ? 0n : 1n,
      venueDefault: v2,
    });
    const maxOption = (asset: number, size: bigint, delta: bigint) => ({ asset, kind: Kind.Option, size, entryPrice: 0n, mark: MAX64, delta, gamma: MAX63, vega: MAX63 });
    const check = async (book: Book, m: ReturnType<typeof market>, r: ReturnType<typeof risk>) => {
      const x = evaluateMarginExact(bookVenues(book), m, r);
      const excess = evaluateMargin(bookVenues(book), m, r).excess;
      const minExcess = excess < 0n ? 0n : excess;
      const input = inputFor(book, { market: m, risk: r, minExcess });
      if (excess < 0n) {
        expect(await circuit.accepts(input)).to.equal(false);
        return;
      }
      const w = await circuit.accept(input);
      const slack = x.excess + x.worstLoss - COMPARE_SCALE * minExcess;
      x.scenarioPnl.forEach((pnl, k) => expectScenarioSlack(w, k, slack + PPM_ONE * pnl));
      expect(await circuit.accepts(retail({ ...input, minExcess: (minExcess + 1n).toString() }))).to.equal(false);
    };

    // Model v2 keeps the book's gross notional Σ|size|·P below 2^96, so the largest sizes and the largest prices do
    // not meet: at P = 1 sizes, marks and greeks are maximal (the mark, gamma and vega terms, which the gross bound does
    // not limit); at P = 2^64 − 1 the sizes are as large as the bound allows.
    it("should prove six maximal long options at price 1 (largest mark, gamma and vega terms) at their exact excess", () =>
      check([{ venueId: 1n, holdings: [maxOption(0, MAX63, ONE), maxOption(1, MAX63, ONE), maxOption(2, MAX63, 0n)] }, { venueId: (1n << 32n) - 1n, holdings: [maxOption(0, MAX63, -ONE), maxOption(1, MAX63, 1n), maxOption(2, MAX63, 1n)] }], market(1n), risk(1_000_000n, 1_000_000n, 0n, 0n)));

    it("should prove six maximal long spot balances at a haircut of 0 at price 1", () =>
      check([1n, 2n].map((venueId) => ({ venueId, holdings: [0, 1, 2].map((a) => ({ ...spot(a, "0"), size: MAX63 })) })), market(1n), risk(0n, 0n, 0n, 0n)));

    it("should prove a book at the gross bound (2^96 − 1) at the largest price, with every v2 term at its maximum", async () => {
      // 6 spot holdings of size 2^29·(1 + ε) at P = 2^64 − 1 reach Σ|size|·P = 2^96 − 1 with the last one trimmed
      const P = MAX64;
      const total = (1n << 96n) - 1n;
      const each = total / P / 6n;
      const sizes = [each, each, each, each, each, total / P - 5n * each];
      expect(sizes.reduce((a, b) => a + b, 0n) * P <= total).to.equal(true);
      const book = [1n, 2n].map((venueId, v) => ({ venueId, holdings: [0, 1, 2].map((a) => ({ ...spot(a, "0"), size: sizes[3 * v + a] })) }));
      await check(book, market(P), risk(1_000_000n, 1_000_000n, 1_000_000n, 0n));
      await check(book, market(P), risk(1_000_000n, -1_000_000n, 0n, 1_000_000n));
    });

    it("should reject six maximal short options and maximal debt under the harshest risk params, like the model", async () => {
      const harsh = risk(1_000_000n, -1_000_000n, 1_000_000n, 1_000_000n);
      await check([{ venueId: 1n, holdings: [maxOption(0, MIN63, ONE), maxOption(1, MIN63, -ONE), { ...spot(2, "0"), size: MIN63 }] }, { venueId: 2n, holdings: [maxOption(0, MIN63, 0n), maxOption(1, MIN63, 5n), maxOption(2, MIN63, 7n)] }], market(1n), harsh);
    });
  });

  describe("# soundness: each attack has no valid witness", () => {
    const rejects = async (input: CircuitInput) => {
      expect(await circuit.accepts(input)).to.equal(false);
    };
    const hedged = () => inputFor(hedgedEthBook());
    const single = () => inputFor(btcShortCallBook());
    const SLOT_KEYS = ["venueRoots", "venueIds", "salts", "leafIndices", "siblings", "holdings"];

    it("should reject a wrong venue root", () => rejects(set(hedged(), "venueRoots", [0], "12345")));

    it("should reject a holding that is not in the committed leaf (more USDC than committed)", () =>
      rejects(set(hedged(), "holdings", [0, 0, 2], spot(USDC, "1000000").size.toString())));

    it("should reject a wrong trader secret (even with a matching book nullifier)", () => {
      const input = hedged();
      const wrong = SECRET + 1n;
      input.traderSecret = wrong.toString();
      input.bookNullifier = bookNullifier(wrong, DOMAIN).toString();
      return rejects(input);
    });

    it("should reject a price that does not match the context hash", () => rejects(set(hedged(), "price", [1], (3100n * 10n ** 8n).toString())));

    it("should reject a scan range that does not match the context hash", () => rejects(set(hedged(), "scanRange", [1], "100000")));

    it("should reject altered risk params (haircut, factor loading, residual loading and column, gross charge)", async () => {
      await rejects(set(hedged(), "haircut", [0], "0"));
      await rejects(set(hedged(), "factorLoading", [1], "0"));
      await rejects(set(hedged(), "residualLoading", [0], "0"));
      await rejects(set(hedged(), "residualColumn", [2], "0"));
      await rejects(set(hedged(), "grossCharge", [], "0"));
    });

    it("should reject a repeated venue (the same account in two slots)", async () => {
      const input = single();
      for (const key of SLOT_KEYS) (input[key] as unknown[])[1] = structuredClone((input[key] as unknown[])[0]);
      // the doubled collateral would cover a larger minExcess: ask for nothing, the repeat alone must fail
      input.minExcess = "0";
      await rejects(retail(input));
    });

    it("should reject a repeated venue behind an inactive slot (the prefix rule: active, inactive, active)", async () => {
      // Slot 2 repeats slot 0's account while slot 1 is inactive (root 0, id 0, empty holdings). Slot 2's id is then
      // compared with slot 1's id 0 and passes the order check: only "active slots form a prefix" rejects it.
      const input = single();
      for (const key of SLOT_KEYS) (input[key] as unknown[])[2] = structuredClone((input[key] as unknown[])[0]);
      input.minExcess = "0";
      await rejects(retail(input));
      // the same layout with slot 2 inactive again is fine (sanity: the rejection is due to slot 2 alone)
      await circuit.accept(retail({ ...single(), minExcess: "0" }));
    });

    it("should reject venue ids out of order", async () => {
      const input = hedged();
      for (const key of SLOT_KEYS) {
        const arr = input[key] as unknown[];
        [arr[0], arr[1]] = [arr[1], arr[0]];
      }
      await rejects(retail(input));
    });

    it("should reject an active slot after an inactive one and a book with no active slot", async () => {
      const input = single();
      for (const key of SLOT_KEYS) {
        const arr = input[key] as unknown[];
        [arr[0], arr[1]] = [arr[1], arr[0]];
      }
      await rejects(retail(input));
      const empty = single();
      for (const key of ["venueRoots", "venueIds"]) (empty[key] as string[])[0] = "0";
      (empty.holdings as string[][][])[0] = (empty.holdings as string[][][])[1];
      empty.minExcess = "0";
      await rejects(retail(empty));
    });

    it("should reject venue id 0 and venue ids of 2^32 or more on active slots", async () => {
      await rejects(recommitSlot(set(single(), "venueIds", [0], "0"), 0));
      await rejects(recommitSlot(set(single(), "venueIds", [0], (1n << 32n).toString()), 0));
      // the largest id passes when committed
      await circuit.accept(recommitSlot(set(single(), "venueIds", [0], ((1n << 32n) - 1n).toString()), 0));
    });

    it("should reject a negative size smuggled past the range check by field wrap-around", async () => {
      // A venue commits a size outside [−2^63, 2^63): e.g. p − 2^64 (= −2^64) or 2^63, for a spot holding.
      for (const size of [-(1n << 64n), 1n << 63n, -(1n << 63n) - 1n, FIELD - 1n - (1n << 200n)]) {
        await rejects(recommitSlot(set(single(), "holdings", [0, 2, 2], fe(size)), 0));
      }
      // and the builder refuses such a holding before any witness
      const book = btcShortCallBook();
      book[0].holdings.push({ ...spot(USDC, "1"), size: -(1n << 64n) });
      expect(() => buildCircuitInput(requestFor(book, { minExcess: 0n }))).to.throw(RangeError, /holdings\[2\]\.size/);
    });

    it("should reject out-of-range holding fields even when committed (asset, kind, price, greeks)", async () => {
      // slot [0][2] is padding (spot, size 0); each case edits it and the venue re-commits the slot
      const cases: [string, [number, bigint][]][] = [
        ["asset ≥ A", [[0, 3n]]],
        ["kind 3", [[1, 3n]]],
        ["entry price ≥ 2^64 (linear)", [[1, 1n], [3, 1n << 64n]]],
        ["entry price −1 (linear)", [[1, 1n], [3, FIELD - 1n]]],
        ["mark −1 (option)", [[1, 2n], [4, FIELD - 1n]]],
        ["delta ≥ 2^31", [[5, 1n << 31n]]],
        ["gamma < −2^63", [[6, -(1n << 63n) - 1n]]],
        ["vega ≥ 2^63", [[7, 1n << 63n]]],
        ["entry price on a spot holding", [[3, 1n]]],
        ["entry price on an option", [[1, 2n], [3, 1n]]],
        ["mark on a linear holding", [[1, 1n], [4, 1n]]],
      ];
      for (const [label, edits] of cases) {
        let input = single();
        for (const [field, value] of edits) input = set(input, "holdings", [0, 2, field], fe(value));
        expect(await circuit.accepts(recommitSlot(input, 0)), label).to.equal(false);
      }
      // the extremes themselves pass (size 0, so the margin is unchanged)
      let max = single();
      for (const [field, value] of [[1, 1n], [3, (1n << 64n) - 1n], [5, -(1n << 31n)], [6, (1n << 63n) - 1n], [7, -(1n << 63n)]] as const) {
        max = set(max, "holdings", [0, 2, field], fe(value));
      }
      await circuit.accept(recommitSlot(max, 0));
    });

    it("should reject holdings whose packing aliases the committed words (a carry between two fields)", async () => {
      // Moving 2^64 from one field to the next packs to the same word: size' = size + 2^64 at bit 4 and
      // entry' = entry − 1 at bit 68 of word 0 give Σ value · 2^shift unchanged. Only the range checks reject it.
      const input = single();
      const h = (input.holdings as string[][][])[0][0]; // 40,000 USDC spot: entry 0 → entry −1 = p − 1
      h[2] = (BigInt(h[2]) + (1n << 64n)).toString();
      h[3] = fe(-1n);
      await rejects(input);
      // sanity: the aliased holdings do pack to the committed words
      const orig = (single().holdings as string[][][])[0].map((x) => x.map(BigInt));
      const edited = (input.holdings as string[][][])[0].map((x) => x.map(BigInt));
      expect(uncheckedHoldingWords(edited, TEST_PARAMS.A)).to.deep.equal(uncheckedHoldingWords(orig, TEST_PARAMS.A));
    });

    it("should reject an empty slot with a non-zero holding", async () => {
      // inactive slot 1 carries 1,000,000 USDC of collateral
      await rejects(set(single(), "holdings", [1, 0, 2], spot(USDC, "1000000").size.toString()));
      // any non-zero field counts, even one that adds nothing to the margin
      await rejects(set(single(), "holdings", [1, 1, 4], "1"));
      await rejects(set(single(), "holdings", [1, 2, 7], "1"));
    });

    it("should reject too little equity by one unit", async () => {
      const input = single();
      await circuit.accept(input);
      await rejects(retail(set(input, "minExcess", [], (BigInt(input.minExcess as string) + 1n).toString())));
    });

    it("should reject a wrong book nullifier, and a domain the nullifier was not made for", async () => {
      const input = single();
      await rejects(set(input, "bookNullifier", [], (BigInt(input.bookNullifier as string) + 1n).toString()));
      await rejects(set(input, "domain", [], (DOMAIN + 1n).toString()));
      // the same book under another domain is another (valid) nullifier
      const other = set(set(input, "domain", [], "7"), "bookNullifier", [], bookNullifier(SECRET, 7n).toString());
      await circuit.accept(other);
    });

    it("should not let a slot with a non-zero root count as inactive (root 0 ⇔ no account), tampered witness", async () => {
      // slot 1 of the one-venue book is inactive; giving it a public root while keeping its witness "inactive" (no
      // leaf, id 0, empty holdings) must break VenueSlot Check (1): the IsZero gadget ties active to the root
      const w = await circuit.accept(single());
      const t = [...w];
      t[circuit.index("main.venueRoots[1]")] = 5n;
      expect(circuit.violated(t)).to.not.be.empty;
      // and an input that does so has no witness (the slot is then active and its empty leaf is not in root 5)
      await rejects(set(single(), "venueRoots", [1], "5"));
    });

    it("should reject a leaf index of 4^D or more, which would alias a position of the path (MerkleRoot Check (1))", async () => {
      const input = single();
      const i = BigInt((input.leafIndices as string[])[0]);
      await rejects(set(input, "leafIndices", [0], (i + (1n << BigInt(2 * TEST_PARAMS.D))).toString()));
      await rejects(set(input, "leafIndices", [0], (i - FIELD).toString().replace("-", "")));
    });

    it("should reject an inactive slot carrying a venue id", async () => {
      await rejects(retail(set(single(), "venueIds", [1], "7")));
    });

    it("should reject an epoch other than the context hash's, including one that agrees with it modulo 2^64", async () => {
      // The epoch has no in-circuit range check: it sits alone in a sponge input, so the context hash binds it as a
      // field element (OracleHub only hashes uint64 epochs). What replaces the old "epoch ≥ 2^64" test: an epoch that
      // differs from the hashed one in any bit, also above bit 63, has no witness, and one that matches does.
      await rejects(set(single(), "epoch", [], (EPOCH + 1n).toString()));
      await rejects(set(single(), "epoch", [], (EPOCH + (1n << 64n)).toString()));
      await rejects(set(single(), "epoch", [], (EPOCH - FIELD).toString().replace("-", "")));
      const rph = riskParamsHash(testRisk());
      const far = EPOCH + (1n << 64n);
      const hashed = set(single(), "epoch", [], far.toString());
      hashed.contextHash = sponge([far, rph, ...marketWords(testMarket())], PARAMS_SPONGE_WIDTH).toString();
      await circuit.accept(hashed);
      // the SDK never makes such a context: contextHash refuses epochs ≥ 2^64 like OracleHub's uint64
      expect(() => contextHash(far, rph, marketWords(testMarket()))).to.throw(RangeError, /^epoch/);
      expect(() => buildCircuitInput({ ...requestFor(btcShortCallBook()), epoch: 1n << 64n })).to.throw(RangeError, /^epoch/);
    });

    it("should bind the subject: changing it in a valid witness breaks a constraint", async () => {
      const input = single();
      const w = await circuit.accept(input);
      const tampered = [...w];
      tampered[circuit.index("main.subject")] += 1n;
      expect(circuit.violated(tampered)).to.not.be.empty;
      // a different subject is a different (equally valid) statement: the subject is a public input, not free
      const other = set(input, "subject", [], "7");
      const w2 = await circuit.accept(other);
      expect(circuit.publicSignals(w2)[0]).to.equal(7n);
    });

    it("should reject out-of-range market and risk values even when they match the public context hash", async () => {
      // The hash the circuit's linear packing yields for ANY field values (no RangeError, offsets wrap mod p), so
      // only the range checks can reject: Σ (value − min) · 2^shift per word, then the sponges.
      const uncheckedWords = (values: PackValue[]) => {
        const layout = packLayout(values.map((v) => v.width));
        const words = Array.from({ length: layout[layout.length - 1].word + 1 }, () => 0n);
        values.forEach((v, i) => (words[layout[i].word] = toField(words[layout[i].word] + (toField(v.value - v.min) << BigInt(layout[i].shift)))));
        return words;
      };
      const context = (m: ReturnType<typeof testMarket>, r: ReturnType<typeof testRisk>) =>
        sponge([EPOCH, sponge(uncheckedWords(riskPackValues(r)), PARAMS_SPONGE_WIDTH), ...uncheckedWords(marketPackValues(m))], PARAMS_SPONGE_WIDTH);
      const base = requestFor(btcShortCallBook(), { minExcess: 0n });
      const withMarket = (m: ReturnType<typeof testMarket>) => {
        const input = buildCircuitInput(base).input;
        const mf = [m.price, m.scanRange, m.volShock];
        ["price", "scanRange", "volShock"].forEach((k, i) => (input[k] = mf[i].map(fe)));
        input.contextHash = context(m, testRisk()).toString();
        return input;
      };
      const withRisk = (r: RiskParams) => {
        const input = buildCircuitInput(base).input;
        input.haircut = r.haircut.map(fe);
        input.debtAddOn = r.debtAddOn.map(fe);
        input.factorLoading = r.factorLoading.map(fe);
        input.residualLoading = r.residualLoading.map(fe);
        input.residualColumn = r.residualColumn.map((c) => fe(BigInt(c)));
        input.grossCharge = fe(r.grossCharge);
        input.basisCharge = r.basisCharge!.map(fe);
        input.concentration = r.concentration!.map(fe);
        input.shortOptionMin = r.shortOptionMin!.map(fe);
        input.vegaGross = fe(r.vegaGross!);
        input.noGammaGain = fe(r.noGammaGain!);
        input.venueDefault = fe(r.venueDefault!);
        input.contextHash = context(testMarket(), r).toString();
        return input;
      };
      // sanity: re-hashing in-range values is accepted, and the unchecked packing agrees with the real one there
      expect(context(testMarket(), testRisk())).to.equal(contextHashOf(EPOCH, testMarket(), testRisk()));
      await circuit.accept(withMarket(testMarket()));
      await circuit.accept(withRisk(testRisk()));
      const m = testMarket();
      // single-sided checks (injectivity): a value past its width or below its minimum wraps and has no witness
      await rejects(withMarket({ ...m, price: [m.price[0], 1n << 64n, m.price[2]] }));
      await rejects(withMarket({ ...m, scanRange: [m.scanRange[0], 1n << 20n, m.scanRange[2]] }));
      await rejects(withMarket({ ...m, volShock: [FIELD - 1n, m.volShock[1], m.volShock[2]] }));
      const r = testRisk();
      await rejects(withRisk({ ...r, haircut: [1n << 20n, r.haircut[1], r.haircut[2]] }));
      await rejects(withRisk({ ...r, debtAddOn: [r.debtAddOn[0], FIELD - 1n, r.debtAddOn[2]] }));
      await rejects(withRisk({ ...r, factorLoading: [0n, 1n << 20n, 0n] }));
      await rejects(withRisk({ ...r, factorLoading: [FIELD - 1n, 0n, 0n] }));
      await rejects(withRisk({ ...r, residualLoading: [0n, (1n << 21n) - 1_000_000n, 0n] }));
      await rejects(withRisk({ ...r, residualLoading: [0n, 0n, -1_000_001n] }));
      // the residual column: 2 = 2^1 would alias the next packed bit (K = 4: one bit), and is no column of the design
      await rejects(withRisk({ ...r, residualColumn: [1, 2, 1] }));
      await rejects(withRisk({ ...r, residualColumn: [1, 1, 3] }));
      await rejects(withRisk({ ...r, grossCharge: FIELD - 1n }));
      await rejects(withRisk({ ...r, basisCharge: [0n, 1n << 20n, 0n] }));
      await rejects(withRisk({ ...r, concentration: [FIELD - 1n, 0n, 0n] }));
      await rejects(withRisk({ ...r, shortOptionMin: [0n, 0n, 1n << 22n] }));
      await rejects(withRisk({ ...r, vegaGross: 1n << 20n }));
      await rejects(withRisk({ ...r, noGammaGain: 2n }));
      await rejects(withRisk({ ...r, venueDefault: FIELD - 1n }));
      // the edges of each width pass (the exact governance ranges are RiskParams.sol's and OracleHub's checks): ρ and
      // r past governance's 1e6 but within their widths, residual column 0 (the factor's, which governance refuses)
      await circuit.accept(withRisk({ ...r, factorLoading: [(1n << 20n) - 1n, r.factorLoading[1], r.factorLoading[2]] }));
      await circuit.accept(withRisk({ ...r, residualLoading: [(1n << 21n) - 1_000_001n, r.residualLoading[1], r.residualLoading[2]] }));
      await circuit.accept(withRisk({ ...r, residualLoading: [-1_000_000n, r.residualLoading[1], r.residualLoading[2]] }));
      await circuit.accept(withRisk({ ...r, residualColumn: [0, 0, 0] }));
      await circuit.accept(withMarket({ ...m, volShock: [(1n << 20n) - 1n, m.volShock[1], m.volShock[2]] }));
    });

    it("should reject minExcess of 2^112 or more, also when the tail aliases it onto a venue id", async () => {
      await rejects(retail(set(single(), "minExcess", [], (1n << 112n).toString())));
      await rejects(retail(set(single(), "minExcess", [], (FIELD - 1n).toString())));
      // minExcess + 2^112 with venueIds[0] − 1 packs to the same tail: only the 112-bit check stops it
      const input = single();
      const aliased = set(set(input, "minExcess", [], (BigInt(input.minExcess as string) + (1n << 112n)).toString()), "venueIds", [0], (BigInt((input.venueIds as string[])[0]) - 1n).toString());
      expect(retail(aliased).tail).to.deep.equal(input.tail);
      await rejects(aliased);
    });

    it("should reject an option |delta| above 1 (model v2) and accept exactly ±1; spot and linear deltas are free", async () => {
      // slot [0][1] is the short BTC call; the venue re-commits its delta
      // minExcess 0 and 100,000 USDC instead of 40,000, so that only the delta bound can reject (not the margin the
      // changed delta moves)
      const rich = () => set(single(), "holdings", [0, 0, 2], spot(USDC, "100000").size.toString());
      const withDelta = (d: bigint) => recommitSlot(set(set(rich(), "holdings", [0, 1, 5], fe(d)), "minExcess", [], "0"), 0);
      await rejects(withDelta(100_000_001n));
      await rejects(withDelta(-100_000_001n));
      await rejects(withDelta((1n << 31n) - 1n));
      for (const d of [100_000_000n, -100_000_000n, 0n]) await circuit.accept(withDelta(d));
      // the same committed value on a spot holding (slot [0][0], 40,000 USDC) is ignored, so any 32-bit delta passes
      const spotDelta = recommitSlot(set(single(), "holdings", [0, 0, 5], fe((1n << 31n) - 1n)), 0);
      await circuit.accept(spotDelta);
      // the model refuses such an option, naming the field
      const book = btcShortCallBook();
      book[0].holdings[1] = { ...book[0].holdings[1], delta: 100_000_001n };
      expect(() => buildCircuitInput(requestFor(book, { minExcess: 0n }))).to.throw(RangeError, /^accounts\[0\]\.holdings\[1\]\.delta: /);
    });

    it("should reject a book whose gross notional reaches 2^96 (model v2's bound), like the model", async () => {
      const P = (1n << 64n) - 1n;
      const m = { price: [P, P, P], scanRange: [0n, 0n, 0n], volShock: [0n, 0n, 0n] };
      const r = withV2TermsOff({ ...testRisk(), haircut: [0n, 0n, 0n], grossCharge: 0n });
      // Σ|size|·P = 2^96 exactly needs |size| = 2^96 / P, not an integer; one unit more than floor crosses the bound
      const below = (1n << 96n) / P;
      const book = (size: bigint): Book => [{ venueId: 1n, holdings: [{ ...spot(0, "0"), size }] }];
      expect(below * P < 1n << 96n && (below + 1n) * P >= 1n << 96n).to.equal(true);
      await circuit.accept(inputFor(book(below), { market: m, risk: r, minExcess: 0n }));
      await rejects(inputFor(book(below + 1n), { market: m, risk: r, minExcess: 0n }));
      expect(() => buildCircuitInput(requestFor(book(below + 1n), { market: m, risk: r, minExcess: 0n }))).to.throw(RangeError, /gross notional/);
    });

    it("should not let a prover call a venue's positive mark equity non-positive (the default charge's sign bit)", async () => {
      // Tampered witness: venue 0 holds 40,000 USDC (E_0 > 0). Its sign is the top bit of E_0 + 2^149 (SignedRange);
      // a 0 there with no charge (positive part 0) breaks the bits' recomposition: E_0 + 2^149 ≥ 2^149 has no
      // 150-bit decomposition with a top bit of 0.
      const input = single();
      const w = await circuit.accept(input);
      const E0 = w[circuit.index("main.margin.positiveEquity[0]")];
      expect(E0 > 0n && E0 < 1n << 149n).to.equal(true);
      const sign = "main.margin.equityNonNeg[0]"; // the top bit of the SignedRange decomposition (--O2 keeps this name)
      expect(w[circuit.index(sign)]).to.equal(1n);
      const t = [...w];
      t[circuit.index(sign)] = 0n;
      t[circuit.index("main.margin.positiveEquity[0]")] = 0n;
      expect(circuit.violated(t)).to.not.be.empty;
    });

    it("should count an option's positive gamma only without noGammaGain, exactly like the model", async () => {
      // long BTC call: size·gamma > 0; with noGammaGain = 1 its gamma earns nothing in the up and down scenarios
      for (const noGammaGain of [0n, 1n]) {
        const risk = { ...testRisk(), noGammaGain };
        const req = requestFor(btcLongCallBook(), { risk });
        const { input } = buildCircuitInput(req);
        await circuit.accept(input);
        expect(await circuit.accepts(retail({ ...input, minExcess: (req.minExcess + 1n).toString() }))).to.equal(false);
      }
      const gain = evaluateMargin(bookVenues(btcLongCallBook()), testMarket(), { ...testRisk(), noGammaGain: 0n }).excess;
      const noGain = evaluateMargin(bookVenues(btcLongCallBook()), testMarket(), { ...testRisk(), noGammaGain: 1n }).excess;
      expect(gain > noGain).to.equal(true);
    });

    it("should reject a tail other than the packing of minExcess and the venue ids", async () => {
      const input = single();
      await rejects(set(input, "tail", [0], (BigInt((input.tail as string[])[0]) + 1n).toString()));
      await rejects(set(input, "tail", [0], (BigInt((input.tail as string[])[0]) + (1n << 144n)).toString()));
    });
  });

  describe("# tampered witnesses break a constraint of each group", () => {
    // One surviving (non-eliminated) signal per constraint group; +1 on it must violate the R1CS.
    const groups: [string, RegExp][] = [
      ["subject binding", /^main\.subjectSquare$/],
      ["book nullifier", /^main\.Poseidon_\d+_\d+\.pEx\.sigmaF\[1\]\[0\]\.in2$/],
      ["minExcess range bits", /^main\.minExcessBits\[3\]$/],
      ["market price range bits", /^main\.context\.market\.Num2Bits_.*\[1\]\.out\[7\]$/],
      ["risk range bits", /^main\.context\.risk\.Num2Bits_.*\[10\]\.out\[4\]$/],
      ["risk sponge", /^main\.context\.risk\.Sponge_.*\.h\[0\]\.pEx\.sigmaF\[1\]\[0\]\.in2$/],
      ["context sponge", /^main\.context\.sponge\.h\[0\]\.pEx\.sigmaF\[1\]\[0\]\.in2$/],
      // K = 4: the residual column is one bit, its own value after --O2 (booleanity, packing, sign design)
      ["residual column bit", /^main\.residualColumn\[1\]$/],
      ["owner hash", /^main\.VenueSlot_.*\[0\]\.Poseidon_.*\.pEx\.sigmaF\[1\]\[0\]\.in2$/],
      ["leaf hash", /^main\.VenueSlot_.*\[0\]\.h\.pEx\.sigmaF\[1\]\[0\]\.in2$/],
      ["Merkle index bits", /^main\.VenueSlot_.*\[1\]\.MerkleRoot_.*\.bits\[3\]$/],
      ["Merkle placement", /^main\.VenueSlot_.*\[1\]\.MerkleRoot_.*\.c1\[2\]$/],
      ["Merkle path", /^main\.VenueSlot_.*\[1\]\.MerkleRoot_.*\.Poseidon_.*\[2\]\.pEx\.sigmaF\[1\]\[0\]\.in2$/],
      ["venue id bits", /^main\.venueIdBits\[1\]\[0\]$/],
      ["venue order gap bits", /^main\.idGapBits\[1\]\[1\]$/],
      ["asset one-hot", /^main\.exposure\[0\]\[1\]\.sel\[0\]$/],
      ["size range bits", /^main\.exposure\[0\]\[1\]\.SignedRange_.*\.bits\[10\]$/],
      ["|size| (gross units)", /^main\.exposure\[0\]\[1\]\.grossUnits\[0\]$/],
      ["option |delta| ≤ 1", /^main\.exposure\[0\]\[1\]\.deltaRoom$/],
      ["option |delta|", /^main\.exposure\[0\]\[1\]\.absDelta$/],
      ["no-gamma-gain sign", /^main\.exposure\[0\]\[1\]\.gammaSigns$/],
      ["no-gamma-gain gate", /^main\.exposure\[0\]\[1\]\.gammaDrop$/],
      ["gamma exposure", /^main\.exposure\[0\]\[1\]\.gammaUnits\[0\]$/],
      ["gross vega sign", /^main\.exposure\[0\]\[1\]\.vegaSigns$/],
      ["gross vega", /^main\.exposure\[0\]\[1\]\.grossVega\[0\]$/],
      ["short-option units", /^main\.exposure\[0\]\[1\]\.shortOptUnits\[0\]$/],
      ["delta exposure", /^main\.exposure\[0\]\[1\]\.deltaUnits\[1\]$/],
      ["kind one-hot", /^main\.exposure\[0\]\[1\]\.kindSel\[0\]$/],
      ["linear and option value", /^main\.exposure\[0\]\[1\]\.cashValue$/],
      ["spot haircut", /^main\.margin\.longCut\[0\]$/],
      ["haircut value", /^main\.margin\.haircutValue\[1\]$/],
      ["venue mark value", /^main\.margin\.markValue\[1\]\[1\]$/],
      ["gross notional", /^main\.margin\.gross\[1\]$/],
      ["gross and basis charge", /^main\.margin\.grossAndBasis\[1\]$/],
      ["concentration", /^main\.margin\.concCharge\[1\]$/],
      ["short-option minimum", /^main\.margin\.minCharge\[2\]$/],
      ["gross vega charge", /^main\.margin\.vegaCharge$/],
      ["venue equity sign", /^main\.margin\.equityNonNeg\[0\]$/],
      ["venue equity range bits", /^main\.margin\.SignedRange_.*\[0\]\.bits\[100\]$/],
      ["venue equity positive part", /^main\.margin\.positiveEquity\[0\]$/],
      ["venue default charge", /^main\.margin\.defaultCharge$/],
      ["scenario sign design (residual × column sign)", /^main\.margin\.resid\[1\]\[1\]$/],
      ["scenario gamma move", /^main\.margin\.gammaMove\[1\]\[2\]$/],
      ["scenario gamma", /^main\.margin\.gammaTerm\[0\]\[1\]$/],
      ["scenario delta", /^main\.margin\.deltaTerm\[1\]\[1\]$/],
      ["solvency bits", /^main\.margin\.slackKBits\[3\]\[100\]$/],
      ["equity bits", /^main\.margin\.slackBits\[200\]$/],
    ];
    let base: bigint[];
    before(async () => {
      base = await circuit.accept(inputFor(hedgedEthBook()));
    });
    for (const [group, pattern] of groups) {
      it(`should break on a tampered ${group} signal`, () => {
        const [name] = circuit.find(pattern);
        expect(name, `no surviving signal matches ${pattern}`).to.be.a("string");
        const w = [...base];
        w[circuit.index(name)] = (w[circuit.index(name)] + 1n) % FIELD;
        expect(circuit.violated(w), name).to.not.be.empty;
      });
    }

    it("should break on a forged venue order gap whose bits still recompose it (the gap is bound to the ids)", () => {
      // Check (5)'s gap id[1] − id[0] − 1 (= 0 for venues 1 and 2) replaced by 1, its 32 bits rewritten to match: the
      // range check alone still holds, so only the gap's binding to the ids can refuse it. Without that binding a
      // prover could put any in-range gap there and count one venue's account twice.
      // --O2 keeps the low bits as wires (the top one is substituted by the recomposition): rewrite those it kept.
      const bits = Array.from({ length: 32 }, (_, k) => circuit.signals.get(`main.idGapBits[1][${k}]`) ?? -1);
      expect(bits.slice(0, 31).every((i) => i > 0), "the gap bits of slot 1 are wires").to.equal(true);
      const gap = bits.reduce((acc, i, k) => (i > 0 ? acc + (base[i] << BigInt(k)) : acc), 0n);
      expect(gap).to.equal(0n);
      const w = [...base];
      bits.forEach((i, k) => {
        if (i > 0) w[i] = ((gap + 1n) >> BigInt(k)) & 1n;
      });
      const g = circuit.index("main.idGap[1]");
      expect(base[g]).to.equal(gap);
      w[g] = gap + 1n;
      expect(circuit.violated(w)).to.not.be.empty;
    });
  });

  describe("# every wiring copy of a numbered check leaves one wire", () => {
    // circom --O2 substitutes every linear equality away, so a copy `x <== y` (a component's input, or a signal taking a
    // component's output) leaves x and y on one witness wire. Made a free assignment (`x <-- y`, what the mutation run
    // does to a check), x becomes a wire of its own that an honest witness still fills with y's value, so no
    // witness-level test sees it; the two wires are the freedom a forged witness would use. Each group: every live wire
    // among the names is one and the same. This reads names only: where --O2 moves a mutant's freedom onto a wire of
    // another name (a component output, a sponge input), the check cannot see it: forged.test.ts and lib.test.ts forge those witnesses.
    const exposure = "main\\.exposure\\[0\\]\\[0\\]";
    const groups: [string, () => RegExp[]][] = [
      ["ContextHash (1): the market into its words", () => [/^main\.context\.market\.price\[0\]$/, /^main\.price\[0\]$/]],
      ["MarginProof (7): the holdings into their exposure", () => [new RegExp(`^${exposure}\\.fields\\[0\\]$`), /^main\.holdings\[0\]\[0\]\[0\]$/]],
      ["MarginProof (8): the threshold into the margin", () => [/^main\.margin\.minExcess$/, /^main\.minExcess$/]],
    ];
    for (const [group, patterns] of groups) {
      it(`should keep ${group} on one wire`, () => {
        const live = new Set<number>();
        for (const re of patterns()) {
          const names = [...circuit.signals.keys()].filter((n) => re.test(n));
          expect(names, `no signal matches ${re}`).to.not.be.empty;
          for (const n of names) if ((circuit.signals.get(n) ?? -1) >= 0) live.add(circuit.signals.get(n)!);
        }
        expect([...live], `${group}: distinct wires`).to.have.length.at.most(1);
      });
    }
  });

  describe("# the circuit input builder", () => {
    it("should refuse a request beyond the instance limits, naming the limit", () => {
      const tooMany: Book = Array.from({ length: TEST_PARAMS.V + 1 }, (_, i) => ({ venueId: BigInt(i + 1), holdings: [spot(USDC, "1")] }));
      expect(() => buildCircuitInput(requestFor(tooMany))).to.throw(RangeError, new RegExp(`^accounts: ${TEST_PARAMS.V + 1} accounts, the instance has V=${TEST_PARAMS.V}`));
      const four: Book = [{ venueId: 1n, holdings: [spot(USDC, "1"), spot(USDC, "1"), spot(ETH, "1"), spot(ETH, "1")] }];
      const req = { ...requestFor([]), accounts: accountsFor(four, SECRET, { ...TEST_PARAMS, N: 4 }), minExcess: 0n };
      expect(() => buildCircuitInput(req)).to.throw(RangeError, /^accounts\[0\]\.holdings: 4 holdings, the instance has N=3/);
    });

    it("should refuse repeated or decreasing venue ids", () => {
      const book: Book = [
        { venueId: 5n, holdings: [spot(USDC, "1")] },
        { venueId: 5n, holdings: [spot(USDC, "2")] },
      ];
      expect(() => buildCircuitInput(requestFor(book, { minExcess: 0n }))).to.throw(RangeError, /^accounts\[1\]\.venueId: 5 must be greater/);
    });

    it("should refuse a root its path does not reach, and insufficient margin, before any witness", () => {
      const req = requestFor(hedgedEthBook());
      const bad = { ...req, accounts: req.accounts.map((a, i) => (i === 1 ? { ...a, root: a.root + 1n } : a)) };
      expect(() => buildCircuitInput(bad)).to.throw(RangeError, /^accounts\[1\]\.root: venue 2/);
      expect(() => buildCircuitInput({ ...req, minExcess: req.minExcess + 1n })).to.throw(RangeError, /^minExcess: the book's portfolio excess is \d+/);
      expect(() => buildCircuitInput({ ...req, traderSecret: SECRET + 1n })).to.throw(RangeError, /^accounts\[0\]\.root/);
    });

    it("should pad inactive slots with zeros and emit the public inputs in order", () => {
      const { input, publicInputs } = buildCircuitInput(requestFor(btcShortCallBook()));
      expect(publicInputs.venueIds).to.deep.equal([2n, ...Array<bigint>(TEST_PARAMS.V - 1).fill(0n)]);
      expect(publicInputs.venueRoots.slice(1).every((x) => x === 0n)).to.equal(true);
      expect(publicInputs.bookNullifier).to.equal(poseidon([SECRET, DOMAIN]));
      expect(publicInputs.contextHash).to.equal(contextHashOf(EPOCH, testMarket(), testRisk()));
      expect(input.tail).to.deep.equal([(publicInputs.minExcess + (2n << 112n)).toString()]);
      expect((input.holdings as string[][][]).slice(1).flat(2).every((x) => x === "0")).to.equal(true);
      expect((input.holdings as string[][][])[0][1][1]).to.equal(String(Kind.Option));
    });
  });
});

// A real Groth16 proof with the key the pipeline built (npm test builds it first; a missing or stale key fails the
// test): the statement binds the subject, the threshold and the nullifiers at the proof level. Tagged @keys: the
// mutation run (client/audit/mutate.ts) leaves it out, since no key exists for a mutant's r1cs and its failure there
// would count every mutant as killed.
describe("MarginProof Groth16 proof with the pipeline's test key @keys", function () {
  const paths = artifactPaths("test");
  after(terminateCurve);

  it("should verify for its own public inputs only (subject, domain, context, root, nullifier, tail)", async function () {
    if (!existsSync(paths.zkey) || !existsSync(paths.vkey) || statSync(paths.zkey).mtimeMs < statSync(paths.r1cs).mtimeMs) {
      throw new Error("the test key is missing or older than its r1cs: run `npx tsx scripts/build.ts test` (npm test does)");
    }
    const { input, publicInputs } = buildCircuitInput(requestFor(hedgedEthBook()));
    const { proof, publicSignals } = await snark.groth16.fullProve(input as unknown as SnarkInput, paths.wasm, paths.zkey);
    expect(publicSignals.map(BigInt)).to.deep.equal(flattenPublicInputs(publicInputs));
    const vkey = JSON.parse(readFileSync(paths.vkey, "utf8")) as VerificationKey;
    expect(await snark.groth16.verify(vkey, publicSignals, proof)).to.equal(true);
    const names = publicSignalNames(TEST_PARAMS.V);
    for (const name of ["subject", "domain", "contextHash", "venueRoots[1]", "bookNullifier", "tail[0]"]) {
      const altered = [...publicSignals];
      const i = names.indexOf(name);
      altered[i] = (BigInt(altered[i]) + 1n).toString();
      expect(await snark.groth16.verify(vkey, altered, proof), name).to.equal(false);
    }
  });
});

// The production instance (V=4, N=8, A=8, K=16, D=10) compiles in ~2 minutes: its witness test runs with the production
// instance (npm run test:prod: ZKMARGIN_PROD_TESTS=1, --grep @prod-circuit) and in the larger run (PROP_RUNS set,
// npm run test:props); npm test does not register it.
if (process.env.PROP_RUNS !== undefined || process.env.ZKMARGIN_PROD_TESTS === "1") describe("MarginProof circuit (production instance) @props @prod-circuit", function () {
  it("should prove the desk book at its exact excess and not one unit more", async () => {
    const prod = await loadCircuit("prod");
    const book = prodDeskBook();
    const market = prodMarket();
    const risk = prodRisk();
    const excess = evaluateMargin(bookVenues(book), market, risk).excess;
    const req = { params: PROD_PARAMS, traderSecret: SECRET, accounts: accountsFor(book, SECRET, PROD_PARAMS), epoch: 9n, subject: 1n, domain: DOMAIN, market, risk, minExcess: excess };
    const { input, publicInputs } = buildCircuitInput(req);
    const w = await prod.accept(input);
    expect(prod.publicSignals(w)).to.deep.equal(flattenPublicInputs(publicInputs));
    expect(await prod.accepts(retail({ ...input, minExcess: (excess + 1n).toString() }))).to.equal(false);
  });
});
