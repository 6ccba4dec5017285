/**
 * The local chain behind the trader page (Node side): Hardhat's in-process EDR network, the zkmargin contracts
 * deployed through client/deploy.ts (the same path as the contract tests and the demo), the demo venues registered
 * with their roots posted, the calibrated risk params set through the timelock and the market snapshot of the demo
 * epoch. The page reaches it as JSON-RPC on its own loopback server (web/server.ts /rpc), signing with Hardhat's
 * unlocked accounts; the other actors (oracle keeper, venue operators, time) act through `advanceEpoch` and
 * `increaseTime`, as the browser test and a demo session do.
 */
import { network } from "hardhat";
import type { Signer } from "ethers";
import { deployZkMargin, type ZkMarginDeployment } from "../client/deploy.ts";
import type { DemoBook } from "./demoBook.ts";
import type { ChainBridge, Eip1193Provider } from "./server.ts";

export interface LocalChain {
  bridge: ChainBridge;
  deployment: ZkMarginDeployment;
  /** the address the page signs with (Hardhat account 0, which also administers the deployment) */
  trader: string;
  /** every unlocked account of the chain (1 and 2 operate the demo venues) */
  accounts: string[];
  /** the latest snapshotted epoch */
  epoch(): bigint;
  /** as the oracle keeper and the venue operators: snapshot the next epoch (same market) and post every venue's root */
  advanceEpoch(): Promise<bigint>;
  /** move the chain's clock forward and mine a block */
  increaseTime(seconds: bigint): Promise<bigint>;
}

export async function startLocalChain(instance: string, book: DemoBook): Promise<LocalChain> {
  const conn = await network.create();
  const { ethers } = conn;
  const signers = (await ethers.getSigners()) as unknown as Signer[];
  const [admin] = signers;
  const zk = await deployZkMargin(ethers, { instance, admin });
  await zk.setRiskParams(book.risk);
  await zk.setMarket(book.market, book.epoch);
  const operators = book.venues.map((_, i) => signers[1 + i]);
  for (const [i, venue] of book.venues.entries()) {
    await zk.registerVenue(venue.venueId, operators[i]);
    await zk.postRoot(operators[i], venue.venueId, book.epoch, venue.root);
  }
  let epoch = book.epoch;
  const chainId = Number((await ethers.provider.getNetwork()).chainId);
  const provider = conn.provider as unknown as Eip1193Provider;
  const now = async () => BigInt(((await provider.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as { timestamp: string }).timestamp);
  return {
    deployment: zk,
    trader: await admin.getAddress(),
    accounts: await Promise.all(signers.map((s) => s.getAddress())),
    epoch: () => epoch,
    async advanceEpoch() {
      epoch += 1n;
      // fresh answers (the oracle leaves out feeds older than maxAge), the same prices
      for (const [a, feeds] of zk.feeds.entries()) for (const feed of feeds) await (await feed.setAnswer(book.market.price[a])).wait();
      await (await zk.oracle.snapshot(epoch)).wait();
      for (const [i, venue] of book.venues.entries()) await zk.postRoot(operators[i], venue.venueId, epoch, venue.root);
      return epoch;
    },
    async increaseTime(seconds) {
      await provider.request({ method: "evm_increaseTime", params: [Number(seconds)] });
      await provider.request({ method: "evm_mine", params: [] });
      return now();
    },
    bridge: {
      provider,
      info: {
        rpcUrl: "/rpc",
        chainId,
        instance,
        contracts: {
          MarginAttestor: await zk.attestor.getAddress(),
          VenueRegistry: await zk.registry.getAddress(),
          OracleHub: await zk.oracle.getAddress(),
          RiskParams: await zk.riskParams.getAddress(),
        },
        assets: book.assets,
        fromBlock: 0,
      },
    },
  };
}
