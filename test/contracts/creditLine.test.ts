/**
 * The consumer example (verifier-contracts/examples/CreditLine.sol) on the real contracts with REAL proofs: a lender
 * lends a stablecoin up to its share of the lien a trader allocated to it, the line survives a renewal across a
 * snapshot without a gap, margin-calls on a lapse, is cured by a renewal inside the grace period, and is liquidated
 * once the grace period is over. Each state change is also tried by the party that must not make it.
 */
import { expect } from "chai";
import { network } from "hardhat";
import type { BaseContract, Signer } from "ethers";
import { LifecycleState } from "../../client/attestor.ts";
import { DEFAULT_TIMING, deployZkMargin, type MarginAttestor, type ZkMarginDeployment } from "../../client/deploy.ts";
import { testMarket, testRisk } from "../fixtures/market.ts";
import { releaseProofs, requireArtifacts } from "../helpers/proofs.ts";
import { World, attestArgs, hedgedTrader, type Proved } from "./world.ts";

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;
const VENUES = [1n, 2n, 3n];
const RATE = 500_000n; // lend 50 % of the lien
const { ttl: TTL, renewalWindow: WINDOW, gracePeriod: GRACE } = DEFAULT_TIMING;

type Token = Omit<BaseContract, "connect"> & {
  mint(to: string, amount: bigint): Promise<unknown>;
  approve(spender: string, amount: bigint): Promise<unknown>;
  balanceOf(who: string): Promise<bigint>;
  connect(s: Signer): Token;
};
type Line = Omit<BaseContract, "connect"> & {
  borrow(amount: bigint): Promise<unknown>;
  repay(borrower: string, amount: bigint): Promise<unknown>;
  releaseExcess(amount: bigint): Promise<unknown>;
  marginCall(borrower: string): Promise<unknown>;
  cure(borrower: string): Promise<unknown>;
  liquidate(borrower: string): Promise<unknown>;
  withdraw(amount: bigint): Promise<unknown>;
  lineOf(borrower: string): Promise<[bigint, bigint, bigint, bigint, bigint, boolean]>;
  connect(s: Signer): Line;
};

describe("CreditLine example (real proofs)", function () {
  const world = new World([hedgedTrader(0, [1n, 2n])], VENUES);
  let lender: Signer, trader: Signer, stranger: Signer;
  let operators: Signer[];
  let domain: bigint;
  const P: Record<string, Proved> = {};
  let lienUsd: bigint;
  /** token units (6 decimals) of a USD × 1e8 amount */
  const tokens = (usd1e8: bigint) => usd1e8 / 100n;

  interface Fixture {
    zk: ZkMarginDeployment;
    token: Token;
    line: Line;
    lineAddr: string;
  }
  async function deployFixture(): Promise<Fixture> {
    const zk = await deployZkMargin(ethers, { instance: "test" });
    for (const [k, v] of VENUES.entries()) await zk.registerVenue(v, operators[k]);
    await zk.setRiskParams(testRisk());
    await zk.setMarket(testMarket(), 1n);
    for (const [k, v] of VENUES.entries()) await zk.postRoot(operators[k], v, 1n, world.root(v));
    const token = (await ethers.deployContract("TestStablecoin")) as unknown as Token;
    const line = (await ethers.deployContract("CreditLine", [await lender.getAddress(), await zk.attestor.getAddress(), await token.getAddress(), RATE])) as unknown as Line;
    const lineAddr = await line.getAddress();
    await token.mint(lineAddr, 10n ** 15n);
    await token.mint(await trader.getAddress(), 10n ** 12n);
    return { zk, token, line, lineAddr };
  }
  const fixture = () => networkHelpers.loadFixture(deployFixture);

  before(async function () {
    requireArtifacts("test");
    const signers = await ethers.getSigners();
    [, , , , lender, trader, stranger] = signers;
    operators = signers.slice(1, 4);
    domain = (await fixture()).zk.domain;
    const minA = world.excess(0) / 2n;
    lienUsd = minA / 2n;
    for (const e of [1n, 2n, 3n]) P[`e${e}`] = await world.prove(0, { subject: await trader.getAddress(), epoch: e, domain, minExcess: minA });
  });
  after(releaseProofs);

  const asT = (zk: ZkMarginDeployment) => zk.attestor.connect(trader) as MarginAttestor;
  async function epochN(zk: ZkMarginDeployment, e: bigint) {
    await zk.setMarket(testMarket(), e);
    for (const [k, v] of VENUES.entries()) await zk.postRoot(operators[k], v, e, world.root(v));
  }
  /** trader attests epoch 1, allocates `lienUsd` to the line and draws its whole limit. */
  async function open(f: Fixture) {
    await asT(f.zk).attest(...attestArgs(P.e1));
    await asT(f.zk).allocate(f.lineAddr, lienUsd);
    const limit = (tokens(lienUsd) * RATE) / 1_000_000n;
    await f.line.connect(trader).borrow(limit);
    return limit;
  }

  it("should lend up to its share of the live lien and no more", async function () {
    const f = await fixture();
    const t = await trader.getAddress();
    await expect(f.line.connect(trader).borrow(1n)).to.be.revertedWithCustomError(f.line, "CreditLine__NotLive").withArgs(t, LifecycleState.None);
    const limit = await open(f);
    expect(await f.token.balanceOf(t)).to.equal(10n ** 12n + limit);
    await expect(f.line.connect(trader).borrow(1n)).to.be.revertedWithCustomError(f.line, "CreditLine__OverLimit").withArgs(1n, 0n);
    const [debt, lim, state] = await f.line.lineOf(t);
    expect([debt, lim, state]).to.deep.equal([limit, limit, BigInt(LifecycleState.Live)]);
  });

  it("should not lend against excess allocated to another lender", async function () {
    const f = await fixture();
    await asT(f.zk).attest(...attestArgs(P.e1));
    await asT(f.zk).allocate(await stranger.getAddress(), lienUsd);
    await expect(f.line.connect(trader).borrow(1n)).to.be.revertedWithCustomError(f.line, "CreditLine__NotLive").withArgs(await trader.getAddress(), LifecycleState.None);
  });

  it("should keep the line through a renewal across the next snapshot, without a gap", async function () {
    const f = await fixture();
    const limit = await open(f);
    const t = await trader.getAddress();
    await epochN(f.zk, 2n);
    expect((await f.line.lineOf(t))[2]).to.equal(BigInt(LifecycleState.Live)); // inside the renewal window
    await asT(f.zk).attest(...attestArgs(P.e2));
    const t2 = (await f.zk.oracle.contextAt(2n)).takenAt;
    await time.increaseTo(t2 + WINDOW + 1n);
    const [debt, lim, state, until] = await f.line.lineOf(t);
    expect([debt, lim, state, until]).to.deep.equal([limit, limit, BigInt(LifecycleState.Live), t2 + TTL]);
    await expect(f.line.connect(stranger).marginCall(t)).to.be.revertedWithCustomError(f.line, "CreditLine__NothingToCall");
  });

  it("should margin-call on a lapse, stop new draws, and be cured by a renewal inside the grace period", async function () {
    const f = await fixture();
    await open(f);
    const t = await trader.getAddress();
    const t1 = (await f.zk.oracle.contextAt(1n)).takenAt;
    await time.increaseTo(t1 + TTL); // the oracle stalled or the trader did not renew: lapsed
    await expect(f.line.connect(trader).borrow(1n)).to.be.revertedWithCustomError(f.line, "CreditLine__NotLive").withArgs(t, LifecycleState.Grace);
    await expect(f.line.connect(stranger).liquidate(t)).to.be.revertedWithCustomError(f.line, "CreditLine__NotLiquidatable");
    await expect(f.line.connect(stranger).marginCall(t)).to.emit(f.line, "MarginCalled").withArgs(t, (await f.line.lineOf(t))[0], t1 + TTL + GRACE);
    // the trader cannot shed the lien while it is in grace: only the consumer releases, and the line refuses
    await expect(asT(f.zk).release(t, 1n)).to.be.revertedWithCustomError(f.zk.attestor, "MarginAttestor__ReleaseExceedsLien");
    await expect(f.line.connect(trader).releaseExcess(1n)).to.be.revertedWithCustomError(f.line, "CreditLine__ReleaseUncovers");
    await expect(asT(f.zk).reclaim()).to.be.revertedWithCustomError(f.zk.attestor, "MarginAttestor__NotEnded");
    // renewal within grace: the lien is Live again, the call is cured
    await epochN(f.zk, 2n);
    await asT(f.zk).attest(...attestArgs(P.e2));
    await expect(f.line.connect(stranger).cure(t)).to.emit(f.line, "MarginCallCured").withArgs(t);
    expect((await f.line.lineOf(t))[4]).to.equal(0n);
  });

  it("should liquidate after the grace period, even if the trader reclaims first", async function () {
    const f = await fixture();
    const limit = await open(f);
    const t = await trader.getAddress();
    const t1 = (await f.zk.oracle.contextAt(1n)).takenAt;
    await time.increaseTo(t1 + TTL);
    await f.line.connect(stranger).marginCall(t);
    await time.increaseTo(t1 + TTL + GRACE);
    await asT(f.zk).reclaim(); // allowed now: the lien is void
    expect((await f.zk.attestor.lienOf(t, f.lineAddr)).state).to.equal(BigInt(LifecycleState.None));
    await expect(f.line.connect(stranger).liquidate(t)).to.emit(f.line, "Liquidated").withArgs(t, limit);
    await expect(f.line.connect(stranger).liquidate(t)).to.be.revertedWithCustomError(f.line, "CreditLine__NotLiquidatable");
    // a liquidated line lends nothing, even against a new attestation and lien
    await epochN(f.zk, 2n);
    await asT(f.zk).attest(...attestArgs(P.e2));
    await asT(f.zk).allocate(f.lineAddr, lienUsd);
    await expect(f.line.connect(trader).borrow(1n)).to.be.revertedWithCustomError(f.line, "CreditLine__Liquidated").withArgs(t);
  });

  it("should release the trader's excess only while the rest covers the debt, and fully once repaid", async function () {
    const f = await fixture();
    const limit = await open(f);
    const t = await trader.getAddress();
    await expect(f.line.connect(trader).releaseExcess(1n)).to.be.revertedWithCustomError(f.line, "CreditLine__ReleaseUncovers").withArgs(1n, 0n);
    await f.token.connect(trader).approve(f.lineAddr, limit);
    await f.line.connect(stranger).repay(t, 0n); // anyone may repay; nothing owed by the stranger
    await f.line.connect(trader).repay(t, limit / 2n);
    const half = (await f.line.lineOf(t))[0];
    // the lien needed for the remaining debt: debt / rate, in USD × 1e8
    const needed = (half * 100n * 1_000_000n + RATE - 1n) / RATE;
    await f.line.connect(trader).releaseExcess(lienUsd - needed);
    expect((await f.zk.attestor.lienOf(t, f.lineAddr)).amount).to.equal(needed);
    await f.line.connect(trader).repay(t, half);
    await f.line.connect(trader).releaseExcess(needed);
    expect((await f.zk.attestor.lienOf(t, f.lineAddr)).amount).to.equal(0n);
    expect(await f.zk.attestor.availableExcess(t)).to.equal(world.excess(0) / 2n);
  });

  it("should let only the lender withdraw idle liquidity", async function () {
    const f = await fixture();
    await expect(f.line.connect(stranger).withdraw(1n)).to.be.revertedWithCustomError(f.line, "OwnableUnauthorizedAccount");
    await f.line.connect(lender).withdraw(1n);
    expect(await f.token.balanceOf(await lender.getAddress())).to.equal(1n);
  });
});
