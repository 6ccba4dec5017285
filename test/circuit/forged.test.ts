/**
 * Forged witnesses against the copies of HoldingExposure, AccountInclusion, PortfolioMargin and VenueSlot (each template compiled as a small instance
 * under build/unit_*). A copy `x <== y` out of a component (OneHot's selector, SignedRange's sign bit, IsZero's
 * flag) is a constraint an honest witness never tests: the circuit's own witness generator fills x with y's value
 * either way. Only a witness written by an attacker can: here, the honest witness with the copied signal set to the
 * value the attacker wants and every signal computed from it rewritten to match, so that the template's other
 * constraints hold. The real circuit must refuse it; a circuit whose copy were a free assignment (`x <-- y`) would
 * accept it (docs/AUDIT.md, the mutation run).
 */
import { expect } from "chai";
import { accountLeaf, ownerHash } from "../../prover/commitments.ts";
import { VenueTree } from "../../prover/tree.ts";
import { loadCircuit, unitInstance, type CompiledCircuit } from "../helpers/witness.ts";
import { FIELD, fe, modInverse, uncheckedHoldingWords } from "./helpers.ts";

const A = 3;
/** HoldingExposure's outputs spread over the assets, in the order of its spread[q] (Check 8). */
const SPREAD = ["deltaUnits", "gammaUnits", "netUnits", "spotLong", "spotShort", "grossUnits", "shortOptUnits", "grossVega"] as const;
const mod = (x: bigint) => ((x % FIELD) + FIELD) % FIELD;

describe("forged witnesses against the copies of the circuit templates", function () {
  describe("# HoldingExposure(3)", () => {
    let c: CompiledCircuit;
    before(async () => {
      c = await loadCircuit(unitInstance("HoldingExposure", "HoldingExposure", { A }));
    });
    /** fields in HOLDING_FIELDS order: asset, kind, size, entryPrice, mark, delta, gamma, vega */
    const input = (fields: bigint[], noGammaGain = 0n) => ({ fields: fields.map(fe), noGammaGain: String(noGammaGain) });
    /** the per-asset output values of a witness, by output name */
    const outputs = (w: readonly bigint[]) => Object.fromEntries(SPREAD.map((o) => [o, Array.from({ length: A }, (_, a) => w[c.index(`main.${o}[${a}]`)])]));
    /** the assignment of every spread output (and its spread[q][a] signal) to the given per-asset values */
    const spreadTo = (values: Record<string, bigint[]>) =>
      Object.fromEntries(SPREAD.flatMap((o, q) => values[o].flatMap((v, a) => [[`main.${o}[${a}]`, v], [`main.spread[${q}][${a}]`, v]])));

    it("should reject an asset selector that is not the one-hot of the asset index (a holding's exposure moved to another asset)", async () => {
      // Check (1): sel is OneHot's output for the committed asset. A long 5-unit linear holding of asset 0 whose
      // selector says asset 1: every per-asset output moves to asset 1 (its delta, gross notional and net units
      // would then net against, or escape, the charges of the wrong asset).
      const w = await c.accept(input([0n, 1n, 5_0000_0000n, 2_000_0000_0000n, 0n, 0n, 0n, 0n]));
      const honest = outputs(w);
      const total = (o: string) => mod(honest[o].reduce((x, y) => x + y, 0n));
      for (const o of SPREAD) expect(honest[o].slice(1), o).to.deep.equal([0n, 0n]);
      expect(honest.deltaUnits[0]).to.equal(5_0000_0000n * 1_0000_0000n);
      const sel = [0n, 1n, 0n];
      const moved = Object.fromEntries(SPREAD.map((o) => [o, sel.map((s) => mod(s * total(o)))]));
      const selector = Object.fromEntries(sel.map((s, a) => [`main.sel[${a}]`, s]));
      const forged = c.forged(w, { ...selector, ...spreadTo(moved) });
      expect(forged[c.index("main.deltaUnits[1]")]).to.equal(honest.deltaUnits[0]);
      expect(c.violated(forged)).to.not.be.empty;
    });

    it("should reject a kind selector that is not the one-hot of the committed kind (a spot holding counted as linear)", async () => {
      // Check (2): kindSel is OneHot's output for the committed kind, isSpot/isLinear/isOption its bits. The forged
      // witness: the honest witness of a linear holding (every exposure a linear one's), its kind field set back to the
      // committed spot (0) with OneHot's wires taken from the honest spot witness, so that OneHot holds for kind 0;
      // the selector and its bits stay the linear one's. (Both holdings are of asset 0, so the asset's OneHot wires
      // are the same in both witnesses.) Were the selector free, a venue's spot could be margined as a perp.
      const fields = (kind: bigint) => [0n, kind, 5_0000_0000n, 0n, 0n, 0n, 0n, 0n];
      const spot = await c.accept(input(fields(0n)));
      const linear = await c.accept(input(fields(1n)));
      const grab = (w: readonly bigint[], re: RegExp) => Object.fromEntries(c.find(re).map((n): [string, bigint] => [n, w[c.index(n)]]));
      // OneHot's own wires by name: its component's (those --O2 kept) and, in a circuit where kindSel were only assigned
      // from OneHot (the mutation run's mutant, client/audit/mutate.ts), its renamed output kindSel__mut. In this
      // circuit --O2 keeps none of them apart from kindSel[0], which is set from the linear witness below.
      const oneHot = /^main\.(?:OneHot_\d+_\d+\..+|kindSel__mut\[\d\])$/;
      const forged = c.forged(linear, {
        ...grab(spot, oneHot),
        "main.fields[1]": 0n,
        ...grab(linear, /^main\.(?:kindSel\[\d\]|isSpot|isLinear|isOption)$/), // last: the real circuit's OneHot outputs
      });
      expect(forged[c.index("main.fields[1]")]).to.equal(0n);
      expect(c.violated(forged)).to.not.be.empty;
    });

    it("should reject a size sign bit that is not the sign of the size (a long spot counted as short, its gross notional negative)", async () => {
      // Check (3): sizeNonNeg is SignedRange's top bit of size + 2^63. A long spot of 5 units with sizeNonNeg = 0:
      // |size| = (2·0 − 1)·size = −5 (a negative gross notional lowers the gross charge), spotLong 0 and spotShort +5.
      const size = 5_0000_0000n;
      const w = await c.accept(input([0n, 0n, size, 0n, 0n, 0n, 0n, 0n]));
      const honest = outputs(w);
      expect([honest.spotLong[0], honest.spotShort[0], honest.grossUnits[0]]).to.deep.equal([size, 0n, size]);
      const s = 0n;
      const gammaNonNeg = w[c.index("main.gammaNonNeg")];
      const vegaNonNeg = w[c.index("main.vegaNonNeg")];
      const flipped = { ...honest, spotLong: [s * size, 0n, 0n], spotShort: [size - s * size, 0n, 0n], grossUnits: [mod((2n * s - 1n) * size), 0n, 0n] };
      const forged = c.forged(w, {
        "main.sizeNonNeg": s,
        "main.absSize": (2n * s - 1n) * size,
        "main.spotLongSize": s * size,
        "main.gammaSigns": s * gammaNonNeg,
        "main.vegaSigns": s * vegaNonNeg,
        ...spreadTo(flipped),
      });
      expect(forged[c.index("main.grossUnits[0]")]).to.equal(FIELD - size);
      expect(c.violated(forged)).to.not.be.empty;
    });

    it("should reject a vega sign bit that is not the sign of the vega (a long option's gross vega made negative)", async () => {
      // Check (5): the greeks' sign bits are SignedRange's. A long option with vega > 0 whose vegaNonNeg says
      // negative: |size·vega| = (1 − 2·1 − 2·0 + 4·0)·size·vega = −size·vega, which would lower the vega charge.
      const [size, mark, delta, gamma, vega] = [2_0000_0000n, 50_0000_0000n, 5000_0000n, 1_000_000n, 3_0000_0000n];
      const w = await c.accept(input([0n, 2n, size, 0n, mark, delta, gamma, vega]));
      const honest = outputs(w);
      const vegaScalar = w[c.index("main.vegaScalar")];
      expect(vegaScalar).to.equal(size * vega);
      expect(honest.grossVega[0]).to.equal(vegaScalar);
      const sizeNonNeg = w[c.index("main.sizeNonNeg")];
      expect(sizeNonNeg).to.equal(1n);
      const v = 0n;
      const grossVega = mod((1n - 2n * sizeNonNeg - 2n * v + 4n * sizeNonNeg * v) * vegaScalar);
      expect(grossVega).to.equal(FIELD - vegaScalar);
      const forged = c.forged(w, {
        "main.vegaNonNeg": v,
        "main.vegaSigns": sizeNonNeg * v,
        "main.grossVegaScalar": grossVega,
        ...spreadTo({ ...honest, grossVega: [grossVega, 0n, 0n] }),
      });
      expect(c.violated(forged)).to.not.be.empty;
    });

    it("should reject a gamma sign bit that is not the sign of the gamma (a gamma gain counted under noGammaGain)", async () => {
      // Check (5), the gamma sign: with noGammaGain = 1 a long option's positive gamma (a scenario gain) is dropped,
      // gammaScalar = gammaRaw·(1 − gammaDrop) = 0. A gammaNonNeg of 0 makes the signs "disagree": gammaDrop = 0 and
      // the gain gammaRaw = size·gamma offsets the losses the model says it must not.
      const [size, mark, delta, gamma, vega] = [2_0000_0000n, 50_0000_0000n, 5000_0000n, 1_000_000n, 3_0000_0000n];
      const w = await c.accept(input([0n, 2n, size, 0n, mark, delta, gamma, vega], 1n));
      const honest = outputs(w);
      const gammaRaw = w[c.index("main.gammaRaw")];
      expect(gammaRaw).to.equal(size * gamma);
      expect([w[c.index("main.gammaDrop")], honest.gammaUnits[0]]).to.deep.equal([1n, 0n]);
      const s = w[c.index("main.sizeNonNeg")];
      const g = 0n;
      const drop = 1n * (1n - s - g + 2n * s * g);
      expect(drop).to.equal(0n);
      const forged = c.forged(w, {
        "main.gammaNonNeg": g,
        "main.gammaSigns": s * g,
        "main.gammaDrop": drop,
        "main.gammaScalar": gammaRaw - gammaRaw * drop,
        ...spreadTo({ ...honest, gammaUnits: [gammaRaw, 0n, 0n] }),
      });
      expect(forged[c.index("main.gammaUnits[0]")]).to.equal(size * gamma);
      expect(c.violated(forged)).to.not.be.empty;
    });

    it("should reject an option delta beyond ±1 whose sign bit is forged so that |delta| reads 1 (Check (6) bypassed)", async () => {
      // Check (5), the delta sign: Check (6) bounds an option's |delta| = (2·deltaNonNeg − 1)·delta by 10^8. A sign
      // that were any field element would make |delta| whatever the prover likes: for delta = 3·10^8 (an option three
      // times as sensitive as its underlying, forbidden), deltaNonNeg = 2/3 gives |delta| = 10^8, room 0. The forged
      // witness: the honest one for delta = 0.5·10^8 with delta, its range bits, |delta|, the room and its bits, and
      // the delta exposure rewritten for 3·10^8.
      const [size, mark, gamma, vega] = [2_0000_0000n, 50_0000_0000n, 1_000_000n, 3_0000_0000n];
      const w = await c.accept(input([0n, 2n, size, 0n, mark, 5000_0000n, gamma, vega]));
      const delta = 3_0000_0000n;
      const d = mod(2n * modInverse(3n));
      expect(mod((2n * d - 1n) * delta)).to.equal(1_0000_0000n);
      // a bit decomposition's signals by component (SignedRange's bits, Num2Bits' out), named by its bit count
      const bitGroups = (re: RegExp) => {
        const groups = new Map<string, string[]>();
        for (const n of c.signals.keys()) {
          const m = re.exec(n);
          if (m) groups.set(m[1], [...(groups.get(m[1]) ?? []), n]);
        }
        return groups;
      };
      const only = (groups: Map<string, string[]>, count: number) => {
        const hit = [...groups].filter(([, names]) => names.length === count);
        expect(hit, `one decomposition of ${count} bits`).to.have.length(1);
        return hit[0][0];
      };
      /** the signals of one decomposition rewritten for `value`: each bit, the Num2Bits input, and the component's own input */
      const setBits = (prefix: string, value: bigint, input: bigint) =>
        Object.fromEntries(
          [...c.signals.keys()].filter((n) => n.startsWith(`${prefix}.`)).flatMap((n): [string, bigint][] => {
            const k = /\.(?:bits|out)\[(\d+)\]$/.exec(n)?.[1];
            if (k !== undefined) return [[n, (value >> BigInt(k)) & 1n]];
            if (n === `${prefix}.in`) return [[n, input]];
            return /\.Num2Bits_\d+_\d+\.in$/.test(n) ? [[n, value]] : [];
          }),
        );
      const deltaRange = only(bitGroups(/^(main\.SignedRange_\d+_\d+)\.bits\[\d+\]$/), 32); // DELTA_BITS
      const roomBits = only(bitGroups(/^(main\.Num2Bits_\d+_\d+)\.out\[\d+\]$/), 27); // OPTION_DELTA_BITS
      const forged = c.forged(w, {
        "main.fields[5]": delta,
        ...setBits(deltaRange, delta + (1n << 31n), delta),
        "main.absDelta": 1_0000_0000n,
        "main.deltaRoom": 0n,
        ...setBits(roomBits, 0n, 0n),
        "main.optionDelta": size * delta,
        ...spreadTo({ ...outputs(w), deltaUnits: [size * delta, 0n, 0n] }),
        "main.deltaNonNeg": d, // last: under the real circuit it is the range's top bit, which the line above set
      });
      expect(c.violated(forged)).to.not.be.empty;
    });
  });

  describe("# AccountInclusion(4, 2) (the leaf instance's template)", () => {
    // The template of the "leaf" instance, compiled as a small instance (no keys): test/pipeline.test.ts proves and
    // verifies the real instance, but needs the pipeline's keys, which the mutation run leaves out (@keys).
    const W = 4;
    const D = 2;
    let c: CompiledCircuit;
    before(async () => {
      c = await loadCircuit(unitInstance("AccountInclusion", "AccountInclusion", { W, D }, ["root", "venueId"]));
    });
    const WORDS = [0x11n, 0x22n, 0x33n, 0x44n];
    /** an honest input: the account (secret, salt, venue id, words) committed at index 2 of a tree with 3 decoys */
    const account = (secret: bigint, salt: bigint, venueId: bigint, words: readonly bigint[] = WORDS) => {
      const leaf = accountLeaf(ownerHash(secret, salt), venueId, words);
      const p = new VenueTree(D, [101n, 102n, leaf, 103n]).path(2);
      return {
        root: String(p.root),
        venueId: String(mod(venueId)),
        traderSecret: String(secret),
        salt: String(salt),
        words: words.map(String),
        index: String(p.leafIndex),
        siblings: p.siblings.map((l) => l.map(String)),
      };
    };
    /** the values of a witness for every surviving signal whose name matches, by name */
    const copyOf = (w: readonly bigint[], re: RegExp) => Object.fromEntries(c.find(re).map((n): [string, bigint] => [n, w[c.index(n)]]));

    it("should accept an account at the bounds of its venue id (1 and 2^32 − 1)", async () => {
      for (const id of [1n, (1n << 32n) - 1n]) expect(await c.accepts(account(5n, 6n, id)), String(id)).to.equal(true);
    });

    it("should not accept a venue id of 0, nor of 2^32 or more, even in a leaf the venue committed with it", async () => {
      // Check (1): unlike the pipeline's "venue id of 2^64 or more, nor 0" (the root refuses a changed id either way),
      // the leaf here is committed with the bad id, so only the range and non-zero checks can refuse it.
      for (const id of [0n, 1n << 32n, (1n << 32n) + 7n, FIELD - 1n]) {
        expect(await c.accepts(account(5n, 6n, id)), String(id)).to.equal(false);
      }
    });

    it("should not accept a root the account is not in", async () => {
      // Check (4)
      const input = account(5n, 6n, 7n);
      expect(await c.accepts({ ...input, root: String(BigInt(input.root) + 1n) })).to.equal(false);
    });

    it("should not let a prover claim another trader's account with its own secret (the owner is the hash of the secret)", async () => {
      // Check (2): owner = Poseidon(traderSecret, salt). The forged witness: the victim's honest witness (its leaf in
      // its venue's tree) with the attacker's secret and salt, the owner hash's wires taken from the attacker's own
      // honest witness, and the owner kept the victim's. Were owner free, anyone could prove any account.
      const victim = await c.accept(account(0xa11cen, 0x5a17n, 7n));
      const attacker = await c.accept(account(0xbadn, 0xbeefn, 7n));
      // the owner hash's wires: the anonymous Poseidon(2)'s (the leaf hash is main.h, the path MerkleRoot's) and its
      // output, which --O2 keeps under the signal that takes it: main.owner here, and in a circuit where owner were only
      // assigned from the hash (the mutation run's mutant, client/audit/mutate.ts) its renamed output owner__mut
      const hash = /^main\.(?:Poseidon_\d+_\d+\..+|owner__mut)$/;
      expect(c.find(hash), "the owner hash's wires").to.not.be.empty;
      const forged = c.forged(victim, {
        ...copyOf(attacker, hash),
        "main.traderSecret": 0xbadn,
        "main.salt": 0xbeefn,
        "main.owner": ownerHash(0xa11cen, 0x5a17n), // last: under the real circuit it is the hash's output
      });
      expect(forged[c.index("main.traderSecret")]).to.equal(0xbadn);
      expect(c.violated(forged)).to.not.be.empty;
    });

    it("should not let an account committed by one venue be claimed for another venue id (the leaf binds the id)", async () => {
      // Check (3): leaf = Poseidon(owner, venueId, words…). The forged witness: the honest witness of an account of
      // venue 7, with the public venue id set to 9 and Check (1)'s range bits and zero test taken from an honest
      // witness of venue 9, so that Check (1) holds; the leaf, path and root stay venue 7's.
      const w7 = await c.accept(account(5n, 6n, 7n));
      const w9 = await c.accept(account(5n, 6n, 9n));
      const check1 = /^main\.(?:venueIdBits\[\d+\]|venueIdIsZero|(?:Num2Bits|IsZero)_\d+_\d+\..+)$/;
      expect(c.find(check1), "Check (1)'s wires").to.not.be.empty;
      const forged = c.forged(w7, { ...copyOf(w9, check1), "main.venueId": 9n });
      expect(c.publicSignals(forged)[1]).to.equal(9n);
      expect(c.violated(forged)).to.not.be.empty;
    });
  });

  describe("# PortfolioMargin(3, 4, 1, 1)", () => {
    it("should not let a venue with positive mark equity escape the venue-default charge (its positive part is E·sign)", async () => {
      // Check (4): positiveEquity_v = equityNonNeg_v·E_v, and the default charge is δ·Σ_v positiveEquity_v. The forged
      // witness: the honest witness of one venue with E > 0 priced with δ = 0 (no default charge, every wire below it
      // consistent), then δ set to 1% (10^4 ppm) and the positive part to 0, so the charge δ·0 = 0 still holds. Were the positive
      // part only assigned, a prover would drop the default charge of every venue. (On such a mutant --O2 eliminates
      // main.positiveEquity[0]; forged() skips it and the mutant accepts the witness.)
      const c = await loadCircuit(unitInstance("PortfolioMargin", "PortfolioMargin", { A, K: 4, V: 1, N: 1 }));
      const z = () => ["0", "0", "0"];
      const input = (venueDefault: bigint) => ({
        deltaUnits: z(), gammaUnits: z(), spotLong: z(), spotShort: z(), grossUnits: z(), shortOptUnits: z(), grossVega: z(),
        netUnits: [z()],
        cashValue: [String(40_000_0000_0000_0000n)], // mark equity at the venue, no holdings
        price: ["100000000", "100000000", "100000000"],
        scanRange: ["100000", "100000", "100000"],
        volShock: ["100000", "100000", "100000"],
        haircut: z(), debtAddOn: z(), factorLoading: z(), residualLoading: z(), residualColumnBits: [["1"], ["1"], ["1"]],
        grossCharge: "0", basisCharge: z(), concentration: z(), shortOptionMin: z(), vegaGross: "0",
        venueDefault: String(venueDefault),
        minExcess: "0",
      });
      const charged = await c.accept(input(1_000_000n / 100n));
      expect(charged[c.index("main.defaultCharge")]).to.not.equal(0n);
      const w = await c.accept(input(0n));
      expect(w[c.index("main.defaultCharge")]).to.equal(0n);
      const forged = c.forged(w, { "main.venueDefault": 1_000_000n / 100n, "main.positiveEquity[0]": 0n });
      expect(forged[c.index("main.defaultCharge")]).to.equal(0n);
      expect(c.violated(forged)).to.not.be.empty;
    });
  });

  describe("# VenueSlot(1, 3, 2)", () => {
    it("should not let a slot with a non-zero root report itself inactive (a published venue dropped from the book)", async () => {
      // Check (1): active = 1 − IsZero(root). An honest active slot (its empty account in a venue tree, root R ≠ 0)
      // whose `active` output is rewritten to 0: check (2) then no longer compares the computed root, check (3) holds
      // (venue id 0, empty holdings), so only the binding of `active` to the root can refuse it. Were `active` free, a
      // prover could mark any slot whose root is public inactive, and the account behind it would not count.
      const c = await loadCircuit(unitInstance("VenueSlot", "VenueSlot", { N: 1, A, D: 2 }));
      const secret = 0x1234n;
      const salt = 0x5678n;
      const empty = [[0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n]];
      const leaf = accountLeaf(ownerHash(secret, salt), 0n, uncheckedHoldingWords(empty, A));
      const p = new VenueTree(2, [11n, 12n, 13n, leaf]).path(3);
      const w = await c.accept({
        root: String(p.root),
        venueId: "0",
        traderSecret: String(secret),
        salt: String(salt),
        leafIndex: "3",
        siblings: p.siblings.map((l) => l.map(String)),
        holdings: empty.map((h) => h.map(String)),
      });
      expect(w[c.index("main.active")]).to.equal(1n);
      expect(w[c.index("main.root")]).to.not.equal(0n);
      const forged = c.forged(w, { "main.active": 0n });
      expect(c.violated(forged)).to.not.be.empty;
    });
  });
});
