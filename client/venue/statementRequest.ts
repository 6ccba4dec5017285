/**
 * The EIP-712 domain and types of a statement request (docs/VENUE.md): what `zkmargin statements fetch` and the trader
 * page sign and what the statement service (client/venue/service.ts) verifies. No imports, so the page can use it too.
 */
export const STATEMENT_REQUEST_DOMAIN = { name: "zkmargin venue statements", version: "1" } as const;
export const STATEMENT_REQUEST_TYPES = {
  StatementRequest: [
    { name: "venueId", type: "uint32" },
    { name: "account", type: "string" },
    { name: "epoch", type: "uint64" },
    { name: "issuedAt", type: "uint64" },
    { name: "nonce", type: "bytes32" },
  ],
};
