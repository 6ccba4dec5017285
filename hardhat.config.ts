import { createRequire } from "node:module";
import hardhatEthers from "@nomicfoundation/hardhat-ethers";
import hardhatEthersChaiMatchers from "@nomicfoundation/hardhat-ethers-chai-matchers";
import hardhatMocha from "@nomicfoundation/hardhat-mocha";
import hardhatNetworkHelpers from "@nomicfoundation/hardhat-network-helpers";
import { defineConfig } from "hardhat/config";

const require = createRequire(import.meta.url);

export default defineConfig({
  plugins: [hardhatEthers, hardhatEthersChaiMatchers, hardhatMocha, hardhatNetworkHelpers],
  solidity: {
    profiles: {
      default: {
        // The compiler comes from the `solc` npm package: nothing is downloaded at build time.
        version: "0.8.28",
        path: require.resolve("solc/soljson.js"),
        settings: { optimizer: { enabled: true, runs: 200 } },
      },
    },
  },
  paths: {
    sources: "verifier-contracts",
    tests: { mocha: "test" },
  },
  networks: {
    hardhat: { type: "edr-simulated", chainType: "l1", allowUnlimitedContractSize: true, blockGasLimit: 100_000_000n },
  },
});
