/**
 * The venue kit as a library (Node): what `zkmargin venue …` runs, for a venue's own risk engine or operations code.
 *
 *   const store = VenueStore.open("venue.db");
 *   addAccounts(store, [{ id, owner, salt, signer }]);
 *   stageHoldings(store, epoch, [{ account: id, holdings }]);
 *   const built = buildEpoch(store, epoch);
 *   await postEpochRoot(store, await connectRegistry(rpc, registry, operatorKey), epoch);
 *   const app = await buildService({ store, registry: await connectRegistry(rpc, registry) }); await app.listen(…);
 */
export { buildEpoch, type BuildOptions, type BuildProgress, type BuildResult } from "./build.ts";
export { connectRegistry, postEpochRoot, postedRoot, rootInvalidatedAt, type RegistryConnection } from "./chain.ts";
export { fetchStatement, signStatementRequest } from "./cli.ts";
export { describeHasher, venueHasher } from "./hasher.ts";
export { addAccounts, parseAccounts, parseHoldings, stageHoldings, type AccountHoldings, type NewAccount } from "./importer.ts";
export { buildService, STATEMENT_REQUEST_DOMAIN, STATEMENT_REQUEST_TYPES, type ServiceOptions, type StatementRequest } from "./service.ts";
export { statementFor } from "./statements.ts";
export { VenueStore, type AccountRow, type EpochRow, type VenueMeta } from "./store.ts";
