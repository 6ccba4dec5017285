/**
 * Venue SDK (in memory): a venue keeps its accounts in one fixed-depth arity-4 Poseidon tree (prover/tree.ts), posts the root
 * each epoch, and issues each trader a statement of its account (holdings, salt, leaf index, Merkle path, root,
 * epoch) as JSON (prover/statement.ts).
 *
 * Account opening: the trader picks a fresh random salt per venue and gives the venue
 * owner = Poseidon(traderSecret, salt) and the salt (`accountKeys`). The venue never learns the secret, so it
 * cannot compute the trader's book nullifier, and two venues cannot link one trader's accounts.
 *
 * Leaves are exactly prover/commitments.ts: leaf = Poseidon(owner, venueId, holdingWords(holdings padded to N)).
 * A holdings change rehashes one path of the tree (VenueTree.update), never the whole tree.
 */
import { accountLeafOf, ownerHash } from "./commitments.ts";
import { ZkMarginInputError } from "./errors.ts";
import { FIELD } from "./hash.ts";
import { parseStatement, STATEMENT_FORMAT, stringifyJson, type Statement } from "./statement.ts";
import { MAX_TREE_DEPTH, VenueTree, treeCapacity } from "./tree.ts";
import { validateHolding, VENUE_ID_BITS } from "./model.ts";
import type { Holding, InstanceParams } from "./types.ts";

/**
 * Run one of the model's validators (prover/model.ts, the circuit's ranges), turning its RangeError
 * ("field: problem") into a ZkMarginInputError with that field.
 */
export function asInputError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof RangeError) {
      const m = /^([^:]+): (.*)$/s.exec(e.message);
      throw m ? new ZkMarginInputError(m[1], m[2]) : new ZkMarginInputError("input", e.message);
    }
    throw e;
  }
}

/** Check one holding against the circuit's ranges (asset < A, kind, size, prices, greeks); the error names `field`. */
export function checkHolding(h: Holding, A: number, field: string): void {
  asInputError(() => validateHolding(h, A, field));
}

/** A trader's keys for one new venue account: a fresh random salt and owner = Poseidon(secret, salt). */
export function accountKeys(traderSecret: bigint, salt: bigint = randomFieldElement()): { salt: bigint; owner: bigint } {
  return { salt, owner: ownerHash(traderSecret, salt) };
}

/** A uniformly random field element (248 random bits, always < FIELD): trader secrets and salts. */
export function randomFieldElement(): bigint {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(31));
  return BigInt(`0x${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`) % FIELD;
}

export interface VenueAccount {
  /** the account's leaf index in the venue tree */
  index: number;
  owner: bigint;
  salt: bigint;
  holdings: Holding[];
  leaf: bigint;
}

export interface VenueOptions {
  /** the venue's id in VenueRegistry (> 0) */
  venueId: bigint;
  /** depth D of the arity-4 tree: capacity 4^D accounts */
  depth: number;
  /** holding slots per account N (the holding words pad to N) */
  slots: number;
  /** number of assets A (asset indices are < A) */
  assets: number;
}

/** A venue's account book. */
export class Venue {
  readonly venueId: bigint;
  readonly dims: { N: number; A: number; D: number };
  private readonly tree: VenueTree;
  private readonly accounts: VenueAccount[] = [];

  constructor(opts: VenueOptions) {
    if (opts.venueId <= 0n || opts.venueId >= 1n << BigInt(VENUE_ID_BITS)) {
      throw new ZkMarginInputError("venueId", `${opts.venueId}: expected 1..2^${VENUE_ID_BITS}-1`);
    }
    if (!Number.isInteger(opts.slots) || opts.slots < 1) throw new ZkMarginInputError("slots", `${opts.slots}: expected a positive integer`);
    if (!Number.isInteger(opts.assets) || opts.assets < 1) throw new ZkMarginInputError("assets", `${opts.assets}: expected a positive integer`);
    if (!Number.isInteger(opts.depth) || opts.depth < 1 || opts.depth > MAX_TREE_DEPTH) {
      throw new ZkMarginInputError("depth", `${opts.depth}: expected a tree depth in 1..${MAX_TREE_DEPTH}`);
    }
    this.venueId = opts.venueId;
    this.dims = { N: opts.slots, A: opts.assets, D: opts.depth };
    this.tree = new VenueTree(opts.depth);
  }

  /** A venue sized for a circuit instance (its N, A and D). */
  static forInstance(venueId: bigint, params: InstanceParams): Venue {
    return new Venue({ venueId, depth: params.D, slots: params.N, assets: params.A });
  }

  /** The root to post to VenueRegistry for the current state. */
  get root(): bigint {
    return this.tree.root;
  }

  get size(): number {
    return this.accounts.length;
  }

  /** Open an account for `owner` (= Poseidon(traderSecret, salt), from the trader) and return its index. */
  openAccount(owner: bigint, salt: bigint, holdings: readonly Holding[] = []): number {
    if (owner < 0n || owner >= FIELD) throw new ZkMarginInputError("owner", "expected a field element");
    if (salt < 0n || salt >= FIELD) throw new ZkMarginInputError("salt", "expected a field element");
    if (this.accounts.length >= treeCapacity(this.dims.D)) {
      throw new ZkMarginInputError("venue", `the account tree (depth D=${this.dims.D}) is full: ${this.accounts.length} accounts`);
    }
    const copy = this.checkHoldings(holdings);
    const leaf = accountLeafOf(owner, this.venueId, copy, this.dims);
    const index = this.tree.insert(leaf);
    this.accounts.push({ index, owner, salt, holdings: copy, leaf });
    return index;
  }

  /** Replace an account's holdings (a trade, a deposit): rehashes one tree path. */
  setHoldings(index: number, holdings: readonly Holding[]): void {
    const acc = this.get(index);
    const copy = this.checkHoldings(holdings);
    const leaf = accountLeafOf(acc.owner, this.venueId, copy, this.dims);
    this.tree.update(index, leaf);
    this.accounts[index] = { ...acc, holdings: copy, leaf };
  }

  /** A copy of one account. */
  account(index: number): VenueAccount {
    const acc = this.get(index);
    return { ...acc, holdings: acc.holdings.map((h) => ({ ...h })) };
  }

  /** The statement of one account for `epoch`: everything its owner needs to prove with this venue's root. */
  statement(index: number, epoch: bigint): Statement {
    const acc = this.get(index);
    const path = this.tree.path(index);
    return {
      format: STATEMENT_FORMAT,
      venueId: this.venueId,
      epoch,
      dims: { ...this.dims },
      leafIndex: index,
      salt: acc.salt,
      owner: acc.owner,
      holdings: acc.holdings.map((h) => ({ ...h })),
      leaf: acc.leaf,
      siblings: path.siblings,
      root: path.root,
    };
  }

  /** The statement as JSON text, validated against the schema on the way out. */
  statementJson(index: number, epoch: bigint): string {
    const text = stringifyJson(this.statement(index, epoch));
    parseStatement(text);
    return text;
  }

  private get(index: number): VenueAccount {
    const acc = this.accounts[index];
    if (!Number.isInteger(index) || acc === undefined) {
      throw new ZkMarginInputError("index", `no account ${index} at venue ${this.venueId} (it has ${this.accounts.length})`);
    }
    return acc;
  }

  private checkHoldings(holdings: readonly Holding[]): Holding[] {
    if (holdings.length > this.dims.N) {
      throw new ZkMarginInputError("holdings", `${holdings.length} holdings: an account has N=${this.dims.N} slots`);
    }
    holdings.forEach((h, i) => checkHolding(h, this.dims.A, `holdings[${i}]`));
    return holdings.map((h) => ({ ...h }));
  }
}
