/**
 * The persistent store and the epoch build against the SDK's reference (prover/commitments.ts accountLeafOf,
 * prover/tree.ts VenueTree / rootFromPath, poseidon-lite throughout): roots, leaves, statements at every built
 * epoch, incremental builds equal full rebuilds (property), restarts, and the bad inputs an operator can make.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import fc from "fast-check";
import { buildEpoch } from "../../client/venue/build.ts";
import { addAccounts, parseAccounts, parseHoldings, stageHoldings } from "../../client/venue/importer.ts";
import { statementFor } from "../../client/venue/statements.ts";
import { blobToBigint, VenueStore } from "../../client/venue/store.ts";
import { accountLeafOf } from "../../prover/commitments.ts";
import { ZkMarginInputError } from "../../prover/errors.ts";
import { jsHasher } from "../../prover/poseidon/batch.ts";
import { parseStatement, stringifyJson } from "../../prover/statement.ts";
import { rootFromPath, VenueTree, zeroHashes } from "../../prover/tree.ts";
import type { Holding } from "../../prover/types.ts";
import { checkStatementIntegrity } from "../../prover/validate.ts";
import { accountsCsv, holdingsCsv, rng, syntheticAccounts, syntheticHoldings } from "../../scripts/lib/venueData.ts";

const RUNS = Number(process.env.PROP_RUNS ?? 12);
const SIGNER = "0x00000000000000000000000000000000000000a1";
const DIMS = { venueId: 7n, N: 3, A: 3, D: 3, instance: "custom" };

describe("venue store and epoch build", function () {
  let dir: string;
  const open: VenueStore[] = [];
  const newStore = (meta = DIMS, name = `v${open.length}.db`) => {
    const s = VenueStore.create(join(dir, name), meta);
    open.push(s);
    return s;
  };
  before(() => (dir = mkdtempSync(join(tmpdir(), "zkm-venue-"))));
  after(() => {
    open.forEach((s) => s.close());
    rmSync(dir, { recursive: true, force: true });
  });

  /** The reference: every account's leaf (accountLeafOf) in a prover/tree.ts VenueTree. */
  function referenceTree(store: VenueStore, holdings: Map<number, Holding[]>): VenueTree {
    const leaves: bigint[] = [];
    for (let i = 0; i < store.accountCount(); i++) {
      const a = store.accountByIndex(i)!;
      leaves.push(accountLeafOf(blobToBigint(a.owner), store.meta.venueId, holdings.get(i) ?? [], store.meta));
    }
    return new VenueTree(store.meta.D, leaves);
  }

  it("should build the root, leaves and paths of the SDK's arity-4 tree", function () {
    const store = newStore();
    const accounts = syntheticAccounts(37, 1, SIGNER);
    addAccounts(store, accounts);
    const book = syntheticHoldings(accounts.map((a) => a.id).filter((_, i) => i % 3 !== 0), 2, 3, 3);
    stageHoldings(store, 1, book);
    const built = buildEpoch(store, 1);
    const held = new Map(book.map((r) => [Number(r.account.slice(2)), r.holdings]));
    const ref = referenceTree(store, held);
    expect(blobToBigint(built.root)).to.equal(ref.root);
    expect(built.leaves).to.equal(37);
    for (const i of [0, 1, 5, 16, 36]) {
      const st = statementFor(store, store.accountByIndex(i)!, 1);
      const path = ref.path(i);
      expect(st.leaf).to.equal(path.leaf);
      expect(st.siblings).to.deep.equal(path.siblings);
      expect(rootFromPath(st.leaf, i, st.siblings)).to.equal(ref.root);
      const parsed = parseStatement(stringifyJson(st));
      checkStatementIntegrity(parsed, "statement");
      expect(parsed.holdings).to.deep.equal(held.get(i) ?? []);
    }
  });

  it("should give the empty tree's root z_D for an epoch with no accounts", function () {
    const store = newStore();
    expect(blobToBigint(buildEpoch(store, 1).root)).to.equal(zeroHashes(DIMS.D)[DIMS.D]);
  });

  it("should rehash only changed leaves and keep every epoch's paths readable", function () {
    const store = newStore();
    const accounts = syntheticAccounts(40, 3, SIGNER);
    addAccounts(store, accounts);
    const ids = accounts.map((a) => a.id);
    const e1 = syntheticHoldings(ids, 4, 3, 3);
    stageHoldings(store, 1, e1);
    const r1 = buildEpoch(store, 1);
    // epoch 2: 3 accounts change, one is re-imported unchanged, 4 new accounts open
    const e2 = syntheticHoldings(["a-2", "a-17", "a-39"], 5, 3, 2);
    stageHoldings(store, 2, [...e2, e1[8]]);
    addAccounts(store, syntheticAccounts(44, 6, SIGNER).slice(40).map((a, i) => ({ ...a, id: `b-${i}` })));
    const r2 = buildEpoch(store, 2);
    expect(r2.leaves).to.equal(3 + 4);
    const held = new Map(e1.map((r) => [Number(r.account.slice(2)), r.holdings]));
    e2.forEach((r) => held.set(Number(r.account.slice(2)), r.holdings));
    expect(blobToBigint(r2.root)).to.equal(referenceTree(store, held).root);
    // epoch 1 statements still prove against epoch 1's root, with epoch 1's holdings
    const old = statementFor(store, store.accountById("a-17")!, 1);
    expect(old.root).to.equal(blobToBigint(r1.root));
    expect(old.holdings).to.deep.equal(e1[17].holdings);
    checkStatementIntegrity(parseStatement(stringifyJson(old)), "old");
    // an account opened in epoch 2 has no epoch-1 statement
    expect(() => statementFor(store, store.accountById("b-0")!, 1)).to.throw(ZkMarginInputError, /opened after epoch 1/);
    // no change at all: same root, nothing rehashed
    const r3 = buildEpoch(store, 3);
    expect(r3.leaves).to.equal(0);
    expect(blobToBigint(r3.root)).to.equal(blobToBigint(r2.root));
  });

  it("should equal a full rebuild after any sequence of epochs @props", function () {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.array(fc.array(fc.nat(60), { maxLength: 12 }), { minLength: 1, maxLength: 4 }), fc.nat(1000), (count, epochs, seed) => {
        const store = newStore();
        const accounts = syntheticAccounts(count, seed, SIGNER);
        addAccounts(store, accounts);
        const held = new Map<number, Holding[]>();
        epochs.forEach((touched, e) => {
          const ids = [...new Set(touched.map((t) => t % count))];
          const rows = syntheticHoldings(ids.map((i) => `a-${i}`), seed + e, 3, 3).map((r, k) => (k % 4 === 3 ? { ...r, holdings: [] } : r));
          stageHoldings(store, e + 1, rows);
          rows.forEach((r) => held.set(Number(r.account.slice(2)), r.holdings));
          const built = buildEpoch(store, e + 1, { chunk: 5 });
          expect(blobToBigint(built.root)).to.equal(referenceTree(store, held).root);
        });
        store.close();
      }),
      { numRuns: RUNS },
    );
  });

  it("should give the same roots with the JS hasher as with the native one", function () {
    const a = newStore();
    const b = newStore();
    const accounts = syntheticAccounts(30, 9, SIGNER);
    const book = syntheticHoldings(accounts.map((x) => x.id), 10, 3, 3);
    for (const s of [a, b]) {
      addAccounts(s, accounts);
      stageHoldings(s, 1, book);
    }
    expect(buildEpoch(a, 1).root).to.deep.equal(buildEpoch(b, 1, { hasher: jsHasher }).root);
  });

  it("should survive a restart: reopened, the store has its accounts, epochs and paths", function () {
    const path = join(dir, "restart.db");
    const s1 = VenueStore.create(path, DIMS);
    addAccounts(s1, syntheticAccounts(20, 11, SIGNER));
    stageHoldings(s1, 1, syntheticHoldings(["a-3"], 12, 3, 3));
    const r1 = buildEpoch(s1, 1);
    const st1 = statementFor(s1, s1.accountById("a-3")!, 1);
    s1.close();
    const s2 = VenueStore.open(path);
    open.push(s2);
    expect(s2.accountCount()).to.equal(20);
    expect(s2.meta).to.deep.equal(DIMS);
    expect(s2.epoch(1)!.root).to.deep.equal(r1.root);
    expect(statementFor(s2, s2.accountById("a-3")!, 1)).to.deep.equal(st1);
  });

  describe("# bad input", function () {
    const freshWithAccounts = () => {
      const s = newStore();
      addAccounts(s, syntheticAccounts(5, 13, SIGNER));
      return s;
    };

    const expectInputError = (fn: () => unknown, field: RegExp, problem?: RegExp) => {
      try {
        fn();
      } catch (e) {
        expect(e).to.be.instanceOf(ZkMarginInputError);
        expect((e as ZkMarginInputError).field).to.match(field);
        if (problem) expect((e as ZkMarginInputError).problem).to.match(problem);
        return;
      }
      expect.fail("expected a ZkMarginInputError");
    };

    it("should name the row and field of a malformed CSV row and write nothing", function () {
      const s = freshWithAccounts();
      const csv = holdingsCsv(syntheticHoldings(["a-0", "a-1"], 1, 3, 1)).replace(/\n(a-1,[^,]*),([^,]*),/, "\n$1,x$2,");
      expectInputError(() => stageHoldings(s, 1, parseHoldings(csv, "h.csv", "csv", s.meta), "h.csv"), /^h\.csv row 2 \(account a-1\) field kind$/, /not an integer/);
      expectInputError(() => parseHoldings('account,asset\n"a-0,1\n', "h.csv", "csv", s.meta), /^h\.csv/, /malformed CSV/);
      expectInputError(() => parseHoldings("account,asset,kind\na-0,1,0\n", "h.csv", "csv", s.meta), /^h\.csv header$/, /missing column/);
      expect(s.stagedCount(1)).to.equal(0);
    });

    it("should refuse an unknown account, naming its row", function () {
      const s = freshWithAccounts();
      const rows = syntheticHoldings(["a-0", "a-1", "zz-9"], 2, 3, 2);
      expectInputError(() => stageHoldings(s, 1, rows, "h.csv"), /^h\.csv row 3 \(account zz-9\) field account$/, /unknown account zz-9/);
      expect(s.stagedCount(1)).to.equal(0);
    });

    it("should refuse holdings outside the circuit's ranges, at their maximum and one past it", function () {
      const s = freshWithAccounts();
      const base = syntheticHoldings(["a-0"], 3, 3, 1)[0].holdings[0];
      const row = (h: Partial<Holding>) => holdingsCsv([{ account: "a-0", holdings: [{ ...base, kind: 1, mark: 0n, delta: 0n, gamma: 0n, vega: 0n, ...h }] }]);
      // at the maximum: accepted
      expect(parseHoldings(row({ size: (1n << 63n) - 1n, entryPrice: (1n << 64n) - 1n }), "h.csv", "csv", s.meta)).to.have.length(1);
      // one past: refused with the field named
      expectInputError(() => parseHoldings(row({ size: 1n << 63n }), "h.csv", "csv", s.meta), /row 1 \(account a-0\) field size$/);
      expectInputError(() => parseHoldings(row({ entryPrice: 1n << 64n }), "h.csv", "csv", s.meta), /field entryPrice$/);
      expectInputError(() => parseHoldings(row({ asset: 3 }), "h.csv", "csv", s.meta), /field asset$/, /\[0, 3\)/);
      expectInputError(() => parseHoldings(row({ kind: 3 as 0 }), "h.csv", "csv", s.meta), /field kind$/);
      const tooMany = holdingsCsv([{ account: "a-0", holdings: [base, base, base, base] }]);
      expectInputError(() => parseHoldings(tooMany, "h.csv", "csv", s.meta), /row 4 \(account a-0\) field account$/, /more than N=3/);
      // the SDK path checks the same ranges
      expectInputError(() => stageHoldings(s, 1, [{ account: "a-0", holdings: [{ ...base, delta: 1n << 31n, kind: 2 }] }]), /row 1 \(account a-0\) field holdings\[0\]\.delta$/);
      expect(s.stagedCount(1)).to.equal(0);
    });

    it("should refuse an epoch already built, and say it is posted when it is", function () {
      const s = freshWithAccounts();
      buildEpoch(s, 4);
      expectInputError(() => buildEpoch(s, 4), /^epoch$/, /already built/);
      expectInputError(() => buildEpoch(s, 3), /^epoch$/, /before the last built epoch 4/);
      expectInputError(() => stageHoldings(s, 4, []), /^epoch$/, /already built/);
      s.stmt("UPDATE epochs SET status = 'posted', tx_hash = '0xabc' WHERE epoch = 4").run();
      expectInputError(() => buildEpoch(s, 4), /^epoch$/, /already posted \(tx 0xabc\)/);
      expect(s.epochs()).to.have.length(1);
    });

    it("should refuse bad accounts files: duplicate ids, bad owners, bad signers, a full tree", function () {
      const s = freshWithAccounts();
      const good = accountsCsv(syntheticAccounts(2, 14, SIGNER).map((a, i) => ({ ...a, id: `n-${i}` })));
      expectInputError(() => parseAccounts(good.replace("n-1", "n-0"), "a.csv", "csv"), /^a\.csv row 2 \(account n-0\) field account$/, /twice/);
      expectInputError(() => parseAccounts(good.replace(SIGNER, "0x1234"), "a.csv", "csv"), /row 1 \(account n-0\) field signer$/);
      expectInputError(() => parseAccounts(good.replace(/,(\d+),/, ",21888242871839275222246405745257275088548364400416034343698204186575808495617,"), "a.csv", "csv"), /row 1 \(account n-0\) field owner$/, /not a field element/);
      expectInputError(() => addAccounts(s, parseAccounts(accountsCsv(syntheticAccounts(1, 15, SIGNER)), "a.csv", "csv"), "a.csv"), /row 1 \(account a-0\) field account$/, /already open/);
      expectInputError(() => addAccounts(s, syntheticAccounts(60, 16, SIGNER).map((a) => ({ ...a, id: `f-${a.id}` })), "a.csv"), /^a\.csv$/, /do not fit/);
      expect(s.accountCount()).to.equal(5);
    });

    it("should parse JSON holdings, including clearing an account", function () {
      const s = freshWithAccounts();
      const json = JSON.stringify([
        { account: "a-1", holdings: [{ asset: 1, kind: 0, size: "-5", entryPrice: "0", mark: "0", delta: "0", gamma: "0", vega: "0" }] },
        { account: "a-2", holdings: [] },
      ]);
      const rows = parseHoldings(json, "h.json", "json", s.meta);
      expect(rows[0].holdings[0].size).to.equal(-5n);
      expect(rows[1].holdings).to.deep.equal([]);
      expectInputError(() => parseHoldings(json.replace('"-5"', '"5.5"'), "h.json", "json", s.meta), /^h\.json row 1 \(account a-1\) field holdings\[0\]\.size$/);
      expectInputError(() => parseHoldings('{"a":1}', "h.json", "json", s.meta), /^h\.json$/, /array/);
    });
  });

  it("should be seeded: the synthetic book is reproducible", function () {
    expect(rng(5)()).to.equal(rng(5)());
  });
});
