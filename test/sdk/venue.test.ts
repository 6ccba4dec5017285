/**
 * Venue SDK and statement format: leaves exactly as prover/commitments.ts, incremental updates equal a rebuild,
 * statements round-trip through JSON and the schema, and parse errors name the JSON path.
 */
import { expect } from "chai";
import { accountLeaf, holdingWords, ownerHash } from "../../prover/commitments.ts";
import { ZkMarginInputError } from "../../prover/errors.ts";
import { parseStatement, stringifyJson } from "../../prover/statement.ts";
import { VenueTree, rootFromPath } from "../../prover/tree.ts";
import { Kind, type Holding } from "../../prover/types.ts";
import { accountKeys, Venue } from "../../prover/venue.ts";

const dims = { V: 2, N: 3, A: 3, K: 4, D: 3 };
const perp = (size: bigint, entry: bigint): Holding => ({ asset: 1, kind: Kind.Linear, size, entryPrice: entry, mark: 0n, delta: 0n, gamma: 0n, vega: 0n });
const spot = (asset: number, size: bigint): Holding => ({ asset, kind: Kind.Spot, size, entryPrice: 0n, mark: 0n, delta: 0n, gamma: 0n, vega: 0n });

function inputError(fn: () => unknown): ZkMarginInputError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(ZkMarginInputError);
    return e as ZkMarginInputError;
  }
  throw new Error("expected a ZkMarginInputError");
}

describe("# venue SDK", () => {
  const secret = 123456789n;

  it("should compute leaves exactly as prover/commitments.ts", () => {
    const venue = Venue.forInstance(7n, dims);
    const { owner, salt } = accountKeys(secret, 42n);
    expect(owner).to.equal(ownerHash(secret, 42n));
    const holdings = [perp(5_00000000n, 3000_00000000n), spot(0, 1_00000000n)];
    const i = venue.openAccount(owner, salt, holdings);
    expect(venue.account(i).leaf).to.equal(accountLeaf(owner, 7n, holdingWords(holdings, dims)));
    expect(venue.root).to.equal(new VenueTree(dims.D, [venue.account(i).leaf]).root);
  });

  it("should update incrementally to the same root as a rebuild", () => {
    const venue = Venue.forInstance(3n, dims);
    for (let k = 0; k < 10; k++) venue.openAccount(ownerHash(BigInt(k + 1), 9n), 9n, [spot(k % 3, BigInt(k + 1) * 1_000n)]);
    venue.setHoldings(4, [perp(-2_00000000n, 2900_00000000n)]);
    venue.setHoldings(9, []);
    const leaves = Array.from({ length: 10 }, (_, k) => venue.account(k).leaf);
    expect(venue.root).to.equal(new VenueTree(dims.D, leaves).root);
    expect(venue.account(4).leaf).to.equal(accountLeaf(ownerHash(5n, 9n), 3n, holdingWords([perp(-2_00000000n, 2900_00000000n)], dims)));
  });

  it("should issue a statement whose path reaches the root and which round-trips through JSON", () => {
    const venue = Venue.forInstance(5n, dims);
    for (let k = 0; k < 5; k++) venue.openAccount(ownerHash(BigInt(k + 10), BigInt(k)), BigInt(k), [spot(2, -BigInt(k + 1))]);
    const s = venue.statement(3, 11n);
    expect(rootFromPath(s.leaf, s.leafIndex, s.siblings)).to.equal(venue.root);
    expect(s.siblings).to.have.length(dims.D);
    expect(s.siblings.every((level) => level.length === 3)).to.equal(true);
    expect(s.format).to.equal("zkmargin-statement/2");
    const text = venue.statementJson(3, 11n);
    expect(parseStatement(text)).to.deep.equal(s);
    expect(JSON.parse(text).holdings[0].size).to.equal("-4");
  });

  it("should keep the old statement's root when an account changes later", () => {
    const venue = Venue.forInstance(5n, dims);
    venue.openAccount(1n, 1n, [spot(0, 1n)]);
    venue.openAccount(2n, 2n, [spot(0, 2n)]);
    const before = venue.statement(0, 1n);
    venue.setHoldings(1, [spot(0, 3n)]);
    const after = venue.statement(0, 2n);
    expect(after.root).to.not.equal(before.root);
    expect(after.leaf).to.equal(before.leaf);
    expect(rootFromPath(after.leaf, 0, after.siblings)).to.equal(venue.root);
  });

  it("should not accept a holding with an asset index out of range, naming the field", () => {
    const venue = Venue.forInstance(5n, dims);
    const e = inputError(() => venue.openAccount(1n, 1n, [spot(0, 1n), spot(3, 1n)]));
    expect(e.field).to.equal("holdings[1].asset");
    expect(e.message).to.match(/\[0, 3\)/);
  });

  it("should not accept more holdings than N slots", () => {
    const venue = Venue.forInstance(5n, dims);
    const e = inputError(() => venue.openAccount(1n, 1n, [spot(0, 1n), spot(0, 1n), spot(0, 1n), spot(0, 1n)]));
    expect(e.field).to.equal("holdings");
    expect(e.message).to.match(/N=3/);
  });

  it("should not accept a size of 2^63", () => {
    const venue = Venue.forInstance(5n, dims);
    expect(inputError(() => venue.openAccount(1n, 1n, [spot(0, 1n << 63n)])).field).to.equal("holdings[0].size");
    venue.openAccount(1n, 1n, [spot(0, (1n << 63n) - 1n)]);
  });

  it("should fill the tree to 4^D accounts and no further", () => {
    const venue = new Venue({ venueId: 1n, depth: 2, slots: 1, assets: 1 });
    for (let k = 0; k < 16; k++) venue.openAccount(BigInt(k), 0n);
    expect(inputError(() => venue.openAccount(9n, 0n)).message).to.match(/full/);
  });
});

describe("# statement schema", () => {
  const venue = Venue.forInstance(5n, dims);
  venue.openAccount(ownerHash(1n, 2n), 2n, [perp(1n, 2n)]);
  const good = () => JSON.parse(stringifyJson(venue.statement(0, 1n))) as Record<string, unknown> & { holdings: Record<string, unknown>[] };

  it("should name the JSON path of a malformed value", () => {
    const s = good();
    s.holdings[0].size = "12.5";
    const e = inputError(() => parseStatement(s, "statements[1]"));
    expect(e.field).to.equal("statements[1].holdings[0].size");
    expect(e.message).to.match(/decimal integer/);
  });

  it("should not accept a number where a decimal string is expected", () => {
    const s = good();
    s.root = 12;
    expect(inputError(() => parseStatement(s)).field).to.equal("statement.root");
  });

  it("should not accept unknown fields or a missing field", () => {
    const extra = { ...good(), note: "x" };
    expect(inputError(() => parseStatement(extra)).message).to.match(/note/);
    const { salt: _salt, ...missing } = good();
    expect(inputError(() => parseStatement(missing)).field).to.equal("statement.salt");
  });

  it("should not accept a value outside the field or venue id 0", () => {
    const s = good();
    s.salt = "21888242871839275222246405745257275088548364400416034343698204186575808495617";
    expect(inputError(() => parseStatement(s)).field).to.equal("statement.salt");
    expect(inputError(() => parseStatement({ ...good(), venueId: "0" })).field).to.equal("statement.venueId");
  });

  it("should not accept a path level without exactly 3 siblings, or a v1 statement", () => {
    const s = good() as unknown as Record<string, unknown> & { siblings: string[][] };
    s.siblings[1] = s.siblings[1].slice(0, 2);
    const e = inputError(() => parseStatement(s));
    expect(e.field).to.equal("statement.siblings[1]");
    expect(e.message).to.match(/3 siblings per level/);
    expect(inputError(() => parseStatement({ ...good(), format: "zkmargin-statement/1" })).field).to.equal("statement.format");
  });

  it("should report invalid JSON text", () => {
    expect(inputError(() => parseStatement("{", "statements[0]")).message).to.match(/^statements\[0\]: not valid JSON/);
  });
});
