/**
 * The local chain behind the trader page (Node side): Hardhat's in-process EDR network, the zkmargin contracts
 * deployed through client/deploy.ts (the same path as the contract tests and the demo), the demo venues
 * registered with their roots posted, and the market snapshot and risk params set for the demo epoch. The page
 * reaches it as JSON-RPC on its own loopback server (web/server.ts /rpc), signing with Hardhat's unlocked accounts.
 */
import { network } from "hardhat";
import { deployZkMargin, type ZkMarginDeployment } from "../client/deploy.ts";
import type { DemoBook } from "./demoBook.ts";
import type { ChainBridge, Eip1193Provider } from "./server.ts";

export interface LocalChain {
  bridge: ChainBridge;
  deployment: ZkMarginDeployment;
  /** the address the page signs with (Hardhat account 0) */
  trader: string;
  /** every unlocked account of the chain (1 and 2 operate the demo venues) */
  accounts: string[];
}

export async function startLocalChain(instance: string, book: DemoBook): Promise<LocalChain> {
  const conn = await network.create();
  const { ethers } = conn;
  const signers = await ethers.getSigners();
  const [admin] = signers;
  const zk = await deployZkMargin(ethers, { instance, admin });
  await zk.setMarket(book.market, book.epoch);
  await zk.setRiskParams(book.risk);
  for (const [i, venue] of book.venues.entries()) {
    const operator = signers[1 + i];
    await zk.registerVenue(venue.venueId, operator);
    await zk.postRoot(operator, venue.venueId, book.epoch, venue.root);
  }
  const chainId = Number((await ethers.provider.getNetwork()).chainId);
  return {
    deployment: zk,
    trader: await admin.getAddress(),
    accounts: await Promise.all(signers.map((s) => s.getAddress())),
    bridge: {
      provider: conn.provider as unknown as Eip1193Provider,
      info: {
        rpcUrl: "/rpc",
        chainId,
        contracts: {
          MarginAttestor: await zk.attestor.getAddress(),
          VenueRegistry: await zk.registry.getAddress(),
          OracleHub: await zk.oracle.getAddress(),
          RiskParams: await zk.riskParams.getAddress(),
        },
        extra: { instance, epoch: book.epoch.toString() },
      },
    },
  };
}
