/**
 * Every bad input stops BEFORE proving with one ZkMarginInputError naming the field and the problem. Each case goes
 * through generateProof itself and checks that no witness was started (the progress callback never left "validate").
 */
import { expect } from "chai";
import { contextHashOf, ownerHash } from "../../prover/commitments.ts";
import { ZkMarginInputError, ZkMarginInsufficientMarginError } from "../../prover/errors.ts";
import { instanceDescriptor, type ProverArtifacts } from "../../prover/artifacts.ts";
import { generateProof, type ProofStage } from "../../prover/generateProof.ts";
import { evaluateMargin } from "../../prover/model.ts";
import { stringifyJson, type Statement } from "../../prover/statement.ts";
import { validateProveInput, type ProveInput } from "../../prover/validate.ts";
import { Venue } from "../../prover/venue.ts";
import { BTC_ATM_CALL, option, perp, spot, TEST_ASSETS, TEST_PARAMS, testMarket, testRisk, testRiskV1 } from "../fixtures/market.ts";
import { hedgedBook, holdingsOf, venuesFor } from "./book.ts";

const SUBJECT = 0x70997970c51812dc3a010c7d01b50e0d17dc79c8n;
const DOMAIN = 0xd0a1n;

/** A fresh, valid input for every test (never shared: tests mutate it). */
function base(): Omit<ProveInput, "statements"> & { statements: Statement[] } {
  const setup = venuesFor(hedgedBook(), TEST_PARAMS);
  return {
    statements: setup.statements,
    traderSecret: setup.traderSecret,
    market: testMarket(),
    risk: testRisk(),
    epoch: setup.epoch,
    subject: SUBJECT,
    domain: DOMAIN,
    minExcess: 10_000n * 100_000_000n,
  };
}

/**
 * The test instance's descriptor with artifacts that do not exist: a bad input must be refused before any artifact
 * is read (a ZkMarginArtifactError would fail the test).
 */
const testArtifacts = (): ProverArtifacts => ({ instance: instanceDescriptor("test", TEST_PARAMS), wasm: "/nonexistent/test.wasm", zkey: "/nonexistent/test.zkey" });

/** Run generateProof on a bad input: it must throw a ZkMarginInputError before any witness work. */
async function rejects(input: ProveInput): Promise<ZkMarginInputError> {
  const stages: ProofStage[] = [];
  try {
    await generateProof(input, testArtifacts(), { onProgress: (p) => stages.push(p.stage) });
  } catch (e) {
    expect(e).to.be.instanceOf(ZkMarginInputError);
    expect(stages.filter((s) => s !== "validate")).to.deep.equal([]);
    return e as ZkMarginInputError;
  }
  throw new Error("generateProof accepted a bad input");
}

describe("# validate (bad inputs stop before proving)", () => {
  it("should accept the valid base input and sort accounts by venue id", () => {
    const input = base();
    input.statements.reverse();
    const { request, margin } = validateProveInput(input, TEST_PARAMS);
    expect(request.accounts.map((a) => a.venueId)).to.deep.equal([11n, 22n]);
    expect(margin).to.deep.equal(evaluateMargin(holdingsOf(hedgedBook()), testMarket(), testRisk()));
  });

  it("should not accept a tampered statement (holdings changed after issue)", async () => {
    const input = base();
    input.statements[1] = { ...input.statements[1], holdings: [spot(TEST_ASSETS.USDC, "15000"), perp(TEST_ASSETS.ETH, "-1", "3020")] };
    const e = await rejects(input);
    expect(e.field).to.equal("statements[1].holdings");
    expect(e.message).to.match(/tampered statement.*venue 22/);
  });

  it("should not accept a Merkle path that does not reach the statement's root", async () => {
    const input = base();
    const s = input.statements[0];
    input.statements[0] = { ...s, siblings: [[s.siblings[0][0] + 1n, ...s.siblings[0].slice(1)], ...s.siblings.slice(1)] };
    const e = await rejects(input);
    expect(e.field).to.equal("statements[0].siblings");
    expect(e.message).to.match(/reaches 0x[0-9a-f]+, not the statement's root/);
  });

  it("should not accept a path that does not reach the posted root", async () => {
    const input = base();
    const posted = new Map(input.statements.map((s) => [s.venueId, s.root]));
    posted.set(22n, posted.get(22n)! + 1n);
    const e = await rejects({ ...input, postedRoots: posted });
    expect(e.field).to.equal("statements[1].root");
    expect(e.message).to.match(/venue 22 posted 0x[0-9a-f]+ for epoch 7/);
    // and with the right posted roots it passes
    validateProveInput({ ...input, postedRoots: new Map(input.statements.map((s) => [s.venueId, s.root])) }, TEST_PARAMS);
  });

  it("should not accept a venue without a posted root", async () => {
    const input = base();
    const e = await rejects({ ...input, postedRoots: new Map([[11n, input.statements[0].root]]) });
    expect(e.field).to.equal("statements[1].venueId");
    expect(e.message).to.match(/no root posted for epoch 7/);
  });

  it("should not accept statements from different epochs", async () => {
    const input = base();
    const later = venuesFor(hedgedBook(), TEST_PARAMS, { epoch: 8n });
    input.statements[1] = later.statements[1];
    const e = await rejects(input);
    expect(e.field).to.equal("statements[1].epoch");
    expect(e.message).to.match(/different epochs.*epoch 7.*epoch 8/);
  });

  it("should not accept statements for another epoch than the proof's", async () => {
    const e = await rejects({ ...base(), epoch: 9n });
    expect(e.field).to.equal("epoch");
    expect(e.message).to.match(/statements are for epoch 7.*epoch 9/);
  });

  it("should not accept the same venue twice", async () => {
    const input = base();
    input.statements[1] = input.statements[0];
    const e = await rejects(input);
    expect(e.field).to.equal("statements[1].venueId");
    expect(e.message).to.match(/venue 11 appears twice/);
  });

  it("should not accept a book below the requirement, saying by how much in USD", async () => {
    const input = base();
    const { excess } = evaluateMargin(holdingsOf(hedgedBook()), testMarket(), testRisk());
    const minExcess = excess + 123_456_789n; // $1.23456789 short… of a round number
    const e = await rejects({ ...input, minExcess });
    expect(e).to.be.instanceOf(ZkMarginInsufficientMarginError);
    expect((e as ZkMarginInsufficientMarginError).shortfall).to.equal(123_456_789n);
    expect(e.field).to.equal("minExcess");
    // excess $55,442.78: equity $61,400 (USDC $35,000 × 0.98, BTC $30,000 × 0.88, perps +$700) less the worst scenario
    // (3: BTC −1.35 scan ranges × 12% × $30,000 = −$4,860, USDC +1% × $35,000 = +$350: $4,510), the 0.5% gross
    // charge on $125,000 ($625), model v2's basis $165 (0.2% × $60,000 ETH + 0.15% × $30,000 BTC), concentration
    // $0.216 and venue default $657 (1% × ($50,500 + $15,200) mark equity)
    expect(e.message).to.match(/insufficient margin: the book's excess \$55,442\.78 .* is \$1\.23 short of minExcess \$55,444\.02/);
    // exactly the excess is provable
    validateProveInput({ ...input, minExcess: excess }, TEST_PARAMS);
  });

  it("should name V when the book has more venues than the instance", async () => {
    const input = base();
    const extraIds = Array.from({ length: TEST_PARAMS.V + 1 - input.statements.length }, (_, i) => BigInt(33 + 11 * i));
    const extra = venuesFor(
      extraIds.map((venueId) => ({ venueId, holdings: [spot(TEST_ASSETS.USDC, "1")] })),
      TEST_PARAMS,
      { traderSecret: input.traderSecret },
    );
    const e = await rejects({ ...input, statements: [...input.statements, ...extra.statements] });
    expect(e.field).to.equal("statements");
    expect(e.message).to.match(new RegExp(`${TEST_PARAMS.V + 1} venues, but the instance has V=${TEST_PARAMS.V}.*instance too small: V`));
  });

  it("should name N when a venue holds more holdings than the instance's slots", async () => {
    const input = base();
    const wide = venuesFor(
      [{ venueId: 11n, holdings: [spot(0, "1"), spot(1, "1"), spot(2, "1"), perp(1, "1", "3000")] }],
      { ...TEST_PARAMS, N: 4 },
      { traderSecret: input.traderSecret },
    );
    input.statements[0] = wide.statements[0];
    const e = await rejects(input);
    expect(e.field).to.equal("statements[0].holdings");
    expect(e.message).to.match(/4 holdings at venue 11, but the instance has N=3 .*instance too small: N/);
  });

  it("should name D when a venue's tree is deeper than the instance's", async () => {
    const input = base();
    const deep = venuesFor([hedgedBook()[0]], { ...TEST_PARAMS, D: 9 }, { traderSecret: input.traderSecret });
    input.statements[0] = deep.statements[0];
    const e = await rejects(input);
    expect(e.field).to.equal("statements[0].dims.D");
    expect(e.message).to.match(/depth 9, the instance D=7 \(instance too small: D\)/);
  });

  it("should name A when a holding's asset index is out of range", async () => {
    const input = base();
    const venue = new Venue({ venueId: 11n, depth: 7, slots: 3, assets: 4 });
    venue.openAccount(ownerHash(input.traderSecret, 5n), 5n, [spot(3, "1")]);
    input.statements[0] = { ...venue.statement(0, 7n), dims: { N: 3, A: 3, D: 7 } };
    const e = await rejects(input);
    expect(e.field).to.equal("statements[0].holdings[0].asset");
    expect(e.message).to.match(/asset index in \[0, 3\)/);
  });

  it("should not accept a wrong trader secret", async () => {
    const e = await rejects({ ...base(), traderSecret: 42n });
    expect(e.field).to.equal("traderSecret");
    expect(e.message).to.match(/wrong trader secret.*venue 11/);
  });

  it("should name the JSON path of a malformed statement given as JSON text", async () => {
    const input = base();
    const json = JSON.parse(stringifyJson(input.statements[1])) as { holdings: { size: string }[] };
    json.holdings[1].size = "-10.5";
    const e = await rejects({ ...input, statements: [input.statements[0], JSON.stringify(json)] });
    expect(e.field).to.equal("statements[1].holdings[1].size");
  });

  it("should name the market field of a market of the wrong shape", async () => {
    const input = base();
    const e = await rejects({ ...input, market: { ...input.market, scanRange: input.market.scanRange.slice(0, 2) } });
    expect(e.field).to.equal("market.scanRange");
    expect(e.message).to.match(/expected 3 values/);
  });

  it("should name the risk field of a scenario loading or column out of range", async () => {
    const input = base();
    input.risk.residualLoading[2] = -1_000_001n;
    const e = await rejects(input);
    expect(e.field).to.equal("risk.residualLoading[2]");
    const column = base();
    column.risk.residualColumn[1] = 2; // K = 4: the only residual column is 1
    const c = await rejects(column);
    expect(c.field).to.equal("risk.residualColumn[1]");
    expect(c.message).to.match(/not a column of the sign design in \[1, 2\)/);
  });

  it("should name the scenario count when the risk params are for another instance's K", async () => {
    const input = base();
    const e = await rejects({ ...input, risk: { ...input.risk, scenarios: 8, residualColumn: [1, 2, 3] } });
    expect(e.field).to.equal("risk.scenarios");
    expect(e.message).to.match(/8 scenarios, the instance has K = 4/);
  });

  it("should not accept a subject that is not an address, a domain outside the field, or a negative minExcess", async () => {
    expect((await rejects({ ...base(), subject: 1n << 160n })).field).to.equal("subject");
    expect((await rejects({ ...base(), domain: -1n })).field).to.equal("domain");
    expect((await rejects({ ...base(), minExcess: -1n })).field).to.equal("minExcess");
  });

  it("should not accept model v1 risk params (the circuit proves model v2), naming the field", async () => {
    const e = await rejects({ ...base(), risk: testRiskV1() });
    expect(e.field).to.equal("risk");
    expect(e.message).to.match(/proves model v2/);
  });

  it("should name the holding of an option whose |delta| exceeds 1 (model v2)", async () => {
    const input = base();
    const venue = new Venue({ venueId: 11n, depth: 7, slots: 3, assets: 3 });
    venue.openAccount(ownerHash(input.traderSecret, 5n), 5n, [spot(0, "1000"), { ...option(2, "1", BTC_ATM_CALL), delta: 100_000_001n }]);
    input.statements[0] = venue.statement(0, 7n);
    const e = await rejects(input);
    expect(e.field).to.equal("statements[0].holdings[1].delta");
    expect(e.message).to.match(/margin model rejects the book: .*\|delta\|/);
  });

  it("should name A when a venue packs its holdings for another asset count", async () => {
    const input = base();
    const other = venuesFor([{ venueId: 11n, holdings: [spot(TEST_ASSETS.USDC, "20000")] }], { ...TEST_PARAMS, A: 2 }, { traderSecret: input.traderSecret });
    input.statements[0] = other.statements[0];
    const e = await rejects(input);
    expect(e.field).to.equal("statements[0].dims.A");
    expect(e.message).to.match(/packs holdings for A=2 assets, the instance expects A=3/);
  });

  it("should not accept market data or risk params other than the oracle's context for the epoch", async () => {
    const input = base();
    const posted = contextHashOf(input.epoch, input.market, input.risk);
    validateProveInput({ ...input, postedContextHash: posted }, TEST_PARAMS);
    const stale = { ...input.risk, grossCharge: input.risk.grossCharge + 1n };
    const e = await rejects({ ...input, risk: stale, postedContextHash: posted });
    expect(e.field).to.equal("market");
    expect(e.message).to.match(/hash to context 0x[0-9a-f]+, but the oracle holds 0x[0-9a-f]+/);
  });
});
