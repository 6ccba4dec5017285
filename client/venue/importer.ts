/**
 * Importing a venue's accounts and an epoch's holdings: from CSV (csv-parse), JSON, or an SDK call for a venue's
 * own risk engine. Everything is validated before anything is written — one bad row stops the import with one
 * ZkMarginInputError naming the file's row and field (`holdings.csv row 17 (account a-42) field size: …`) and the
 * store is left as it was. Valid rows are written in one transaction.
 *
 * Holdings are a delta: an epoch's import replaces the holdings of the accounts it lists (all of an account's
 * holdings, in file order); unlisted accounts keep theirs. JSON can clear an account (`"holdings": []`). Each
 * account's holdings are packed into its holding words here (client/venue/words.ts, equal to prover/commitments.ts
 * holdingWords), so a build only hashes.
 */
import { parse } from "csv-parse/sync";
import { getAddress, isAddress } from "ethers";
import { ZkMarginInputError } from "../../prover/errors.ts";
import { FIELD } from "../../prover/hash.ts";
import { elementsToBytes } from "../../prover/poseidon/batch.ts";
import { HOLDING_FIELDS, type Holding, type Kind } from "../../prover/types.ts";
import { asInputError, checkHolding } from "../../prover/venue.ts";
import { fastHoldingWords } from "./words.ts";
import type { VenueStore } from "./store.ts";

/** One account to open. owner = Poseidon(traderSecret, salt), given by the trader; signer signs statement requests. */
export interface NewAccount {
  id: string;
  owner: bigint;
  salt: bigint;
  signer: string;
}

/** One account's holdings for an epoch (replaces its previous holdings). */
export interface AccountHoldings {
  account: string;
  holdings: Holding[];
}

const ACCOUNT_ID = /^[A-Za-z0-9_.:@-]{1,128}$/;
const INT = /^-?(0|[1-9][0-9]*)$/;
const UINT_OR_HEX = /^(0x[0-9a-fA-F]+|[0-9]+)$/;

/** A failure at one row (1-based data row, header excluded) and field of an input file. */
function rowError(source: string, row: number, field: string, problem: string, account?: string): ZkMarginInputError {
  return new ZkMarginInputError(`${source} row ${row}${account ? ` (account ${account})` : ""} field ${field}`, problem);
}

function parseCsv(text: string, source: string, columns: readonly string[]): { row: number; rec: Record<string, string> }[] {
  let records: Record<string, string>[];
  try {
    records = parse(text, { columns: true, skip_empty_lines: true, trim: true, comment: "#" }) as Record<string, string>[];
  } catch (e) {
    const err = e as { lines?: number; message: string };
    throw new ZkMarginInputError(`${source}${err.lines ? ` line ${err.lines}` : ""}`, `malformed CSV: ${err.message}`);
  }
  if (records.length > 0) {
    const have = Object.keys(records[0]);
    const missing = columns.filter((c) => !have.includes(c));
    const extra = have.filter((c) => !columns.includes(c));
    if (missing.length) throw new ZkMarginInputError(`${source} header`, `missing column(s) ${missing.join(", ")} (expected ${columns.join(",")})`);
    if (extra.length) throw new ZkMarginInputError(`${source} header`, `unknown column(s) ${extra.join(", ")} (expected ${columns.join(",")})`);
  }
  return records.map((rec, i) => ({ row: i + 1, rec }));
}

function parseJsonArray(text: string, source: string): unknown[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ZkMarginInputError(source, `not valid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(data)) throw new ZkMarginInputError(source, "expected a JSON array of records");
  return data;
}

/** A record's string field (CSV cell or JSON string/number). */
function cell(rec: Record<string, unknown>, key: string, source: string, row: number, account?: string): string {
  const v = rec[key];
  if (typeof v === "string") return v.trim();
  if (typeof v === "number" && Number.isSafeInteger(v)) return String(v);
  throw rowError(source, row, key, v === undefined ? "missing" : `expected a string, got ${JSON.stringify(v)}`, account);
}

function fieldElement(text: string, source: string, row: number, key: string, account: string): bigint {
  if (!UINT_OR_HEX.test(text)) throw rowError(source, row, key, `"${text}" is not a non-negative integer (decimal or 0x-hex)`, account);
  const x = BigInt(text);
  if (x >= FIELD) throw rowError(source, row, key, "not a field element (≥ the BN254 scalar field order)", account);
  return x;
}

/** Parse accounts from CSV (columns account,owner,salt,signer) or a JSON array of { account, owner, salt, signer }. */
export function parseAccounts(text: string, source: string, format: "csv" | "json"): NewAccount[] {
  const cols = ["account", "owner", "salt", "signer"] as const;
  const rows =
    format === "csv"
      ? parseCsv(text, source, cols)
      : parseJsonArray(text, source).map((rec, i) => {
          if (rec === null || typeof rec !== "object" || Array.isArray(rec)) throw rowError(source, i + 1, "record", "expected an object { account, owner, salt, signer }");
          const unknown = Object.keys(rec).filter((k) => !(cols as readonly string[]).includes(k));
          if (unknown.length) throw rowError(source, i + 1, unknown[0], "unknown field");
          return { row: i + 1, rec: rec as Record<string, string> };
        });
  const seen = new Set<string>();
  return rows.map(({ row, rec }) => {
    const id = cell(rec, "account", source, row);
    if (!ACCOUNT_ID.test(id)) throw rowError(source, row, "account", `"${id}" is not an account id (1..128 of A-Z a-z 0-9 _ . : @ -)`);
    if (seen.has(id)) throw rowError(source, row, "account", `account ${id} appears twice in the file`, id);
    seen.add(id);
    const signer = cell(rec, "signer", source, row, id);
    if (!isAddress(signer)) throw rowError(source, row, "signer", `"${signer}" is not an Ethereum address`, id);
    return { id, owner: fieldElement(cell(rec, "owner", source, row, id), source, row, "owner", id), salt: fieldElement(cell(rec, "salt", source, row, id), source, row, "salt", id), signer: getAddress(signer).toLowerCase() };
  });
}

const HOLDING_COLUMNS = ["account", ...HOLDING_FIELDS] as const;

function parseHoldingCells(rec: Record<string, unknown>, source: string, row: number, account: string, A: number, slot: number): Holding {
  const ints: Record<string, bigint> = {};
  for (const f of HOLDING_FIELDS) {
    const t = cell(rec, f, source, row, account);
    if (!INT.test(t)) throw rowError(source, row, f, `"${t}" is not an integer`, account);
    ints[f] = BigInt(t);
  }
  const small = (f: "asset" | "kind") => {
    if (ints[f] < 0n || ints[f] > 255n) throw rowError(source, row, f, f === "asset" ? `${ints[f]} is not an asset index in [0, ${A})` : `${ints[f]} is not 0 (spot), 1 (linear) or 2 (option)`, account);
    return Number(ints[f]);
  };
  const h: Holding = {
    asset: small("asset"),
    kind: small("kind") as Kind,
    size: ints.size,
    entryPrice: ints.entryPrice,
    mark: ints.mark,
    delta: ints.delta,
    gamma: ints.gamma,
    vega: ints.vega,
  };
  try {
    checkHolding(h, A, "h");
  } catch (e) {
    if (e instanceof ZkMarginInputError) throw rowError(source, row, e.field.replace(/^h\./, ""), `${e.problem} (the circuit's range; holding ${slot} of the account)`, account);
    throw e;
  }
  return h;
}

/**
 * Parse an epoch's holdings: CSV with columns account,asset,kind,size,entryPrice,mark,delta,gamma,vega (one row
 * per holding; an account's rows in order are its holdings), or a JSON array of { account, holdings: [{ asset,
 * kind, size, … }] } with integers as decimal strings (JSON may list an account with no holdings to clear it).
 */
export function parseHoldings(text: string, source: string, format: "csv" | "json", dims: { N: number; A: number }): AccountHoldings[] {
  const byAccount = new Map<string, Holding[]>();
  const check = (account: string, row: number, field: string, slots: number) => {
    if (slots > dims.N) throw rowError(source, row, field, `account ${account} has more than N=${dims.N} holdings (the instance's slots per account)`, account);
  };
  if (format === "csv") {
    for (const { row, rec } of parseCsv(text, source, HOLDING_COLUMNS)) {
      const account = cell(rec, "account", source, row);
      const list = byAccount.get(account) ?? [];
      check(account, row, "account", list.length + 1);
      list.push(parseHoldingCells(rec, source, row, account, dims.A, list.length));
      byAccount.set(account, list);
    }
  } else {
    parseJsonArray(text, source).forEach((rec, i) => {
      const row = i + 1;
      if (rec === null || typeof rec !== "object" || Array.isArray(rec)) throw rowError(source, row, "record", "expected an object { account, holdings }");
      const r = rec as Record<string, unknown>;
      const unknown = Object.keys(r).filter((k) => k !== "account" && k !== "holdings");
      if (unknown.length) throw rowError(source, row, unknown[0], "unknown field");
      const account = cell(r, "account", source, row);
      if (byAccount.has(account)) throw rowError(source, row, "account", `account ${account} appears twice in the file`, account);
      if (!Array.isArray(r.holdings)) throw rowError(source, row, "holdings", "expected an array of holdings", account);
      check(account, row, "holdings", r.holdings.length);
      byAccount.set(
        account,
        r.holdings.map((h: unknown, j: number) => {
          if (h === null || typeof h !== "object" || Array.isArray(h)) throw rowError(source, row, `holdings[${j}]`, "expected a holding object", account);
          const extra = Object.keys(h).filter((k) => !(HOLDING_FIELDS as readonly string[]).includes(k));
          if (extra.length) throw rowError(source, row, `holdings[${j}].${extra[0]}`, "unknown field", account);
          try {
            return parseHoldingCells(h as Record<string, unknown>, source, row, account, dims.A, j);
          } catch (e) {
            if (e instanceof ZkMarginInputError) throw new ZkMarginInputError(e.field.replace(/ field /, ` field holdings[${j}].`), e.problem);
            throw e;
          }
        }),
      );
    });
  }
  return [...byAccount].map(([account, holdings]) => ({ account, holdings }));
}

/** Canonical JSON of holdings (integers as decimal strings): what the store keeps and statements carry. */
export function holdingsJson(holdings: readonly Holding[]): string {
  return JSON.stringify(holdings.map((h) => HOLDING_FIELDS.map((f) => (typeof h[f] === "bigint" ? h[f].toString() : h[f]))));
}

/** Holdings back from canonical JSON. */
export function holdingsFromJson(text: string): Holding[] {
  return (JSON.parse(text) as (string | number)[][]).map((v) => ({
    asset: Number(v[0]),
    kind: Number(v[1]) as Kind,
    size: BigInt(v[2]),
    entryPrice: BigInt(v[3]),
    mark: BigInt(v[4]),
    delta: BigInt(v[5]),
    gamma: BigInt(v[6]),
    vega: BigInt(v[7]),
  }));
}

/** Open accounts (all or none): ids must be new, the tree must have room. Returns the leaf indices assigned. */
export function addAccounts(store: VenueStore, accounts: readonly NewAccount[], source = "accounts"): number[] {
  const known = store.accountIndex();
  const start = known.size;
  if (start + accounts.length > store.capacity) {
    throw new ZkMarginInputError(source, `${accounts.length} new accounts do not fit: the tree (arity 4, depth D=${store.meta.D}) holds ${store.capacity}, ${start} are open`);
  }
  accounts.forEach((a, i) => {
    if (known.has(a.id)) throw rowError(source, i + 1, "account", `account ${a.id} is already open (leaf ${known.get(a.id)})`, a.id);
    if (!ACCOUNT_ID.test(a.id)) throw rowError(source, i + 1, "account", `"${a.id}" is not an account id`);
    if (a.owner < 0n || a.owner >= FIELD) throw rowError(source, i + 1, "owner", "not a field element", a.id);
    if (a.salt < 0n || a.salt >= FIELD) throw rowError(source, i + 1, "salt", "not a field element", a.id);
    if (!isAddress(a.signer)) throw rowError(source, i + 1, "signer", "not an Ethereum address", a.id);
  });
  const ins = store.stmt("INSERT INTO accounts (id, leaf_index, owner, salt, signer, built_epoch) VALUES (?, ?, ?, ?, ?, NULL)");
  return store.transaction(() =>
    accounts.map((a, i) => {
      ins.run(a.id, start + i, elementsToBytes([a.owner]), elementsToBytes([a.salt]), getAddress(a.signer).toLowerCase());
      return start + i;
    }),
  );
}

/**
 * Stage holdings for `epoch` (all or none): every account must exist, the epoch must be after the last built one.
 * Re-importing an account for the same epoch replaces its staged holdings.
 */
export function stageHoldings(
  store: VenueStore,
  epoch: number,
  rows: readonly AccountHoldings[],
  source = "holdings",
  onProgress?: (p: { stage: "check" | "write"; done: number; total: number }) => void,
): number {
  checkNextEpoch(store, epoch, "epoch");
  const index = store.accountIndex();
  const dims = { N: store.meta.N, A: store.meta.A };
  const prepared = rows.map((r, i) => {
    if (onProgress && i % 10_000 === 0) onProgress({ stage: "check", done: i, total: rows.length });
    const leafIndex = index.get(r.account);
    if (leafIndex === undefined) throw rowError(source, i + 1, "account", `unknown account ${r.account} (open it first: zkmargin venue import --accounts)`, r.account);
    if (r.holdings.length > dims.N) throw rowError(source, i + 1, "holdings", `${r.holdings.length} holdings, an account has N=${dims.N} slots`, r.account);
    r.holdings.forEach((h, j) => {
      try {
        checkHolding(h, dims.A, `holdings[${j}]`);
      } catch (e) {
        if (e instanceof ZkMarginInputError) throw rowError(source, i + 1, e.field, e.problem, r.account);
        throw e;
      }
    });
    const words = asInputError(() => fastHoldingWords(r.holdings, dims)); // ranges checked just above
    return { leafIndex, json: holdingsJson(r.holdings), words: elementsToBytes(words) };
  });
  const ins = store.stmt("INSERT OR REPLACE INTO staged (epoch, leaf_index, holdings, words, source) VALUES (?, ?, ?, ?, ?)");
  store.transaction(() => {
    prepared.forEach((p, i) => {
      if (onProgress && i % 10_000 === 0) onProgress({ stage: "write", done: i, total: prepared.length });
      ins.run(epoch, p.leafIndex, p.json, p.words, source);
    });
  });
  return prepared.length;
}

/** The epoch must be a safe positive integer after every built epoch. */
export function checkNextEpoch(store: VenueStore, epoch: number, field: string): void {
  if (!Number.isSafeInteger(epoch) || epoch < 1) throw new ZkMarginInputError(field, `${epoch} is not an epoch (a positive integer)`);
  const last = store.lastEpoch();
  if (last && epoch <= last.epoch) {
    const e = store.epoch(epoch);
    throw new ZkMarginInputError(
      field,
      e ? `epoch ${epoch} is already ${e.status}${e.status === "posted" ? ` (tx ${e.txHash})` : ""}: an epoch is built once` : `epoch ${epoch} is before the last built epoch ${last.epoch}`,
    );
  }
}
