/**
 * Keys, never on the command line (a command line is visible to every user of the machine and kept in shell
 * history):
 *  - the Ethereum key that signs a command's transactions: an encrypted JSON keystore (`--keystore <file>` or
 *    ZKMARGIN_KEYSTORE; ethers' scrypt keystore, the format geth and every wallet export), its password from
 *    ZKMARGIN_KEYSTORE_PASSWORD or typed at the terminal; or the raw key in ZKMARGIN_PRIVATE_KEY;
 *  - the trader's secret and per-venue salts (`zkmargin keys new`): a file written with mode 0600, the secret never
 *    printed. Each venue gets only its account's owner = Poseidon(secret, salt) and salt, so venues cannot link one
 *    trader's accounts.
 */
import { existsSync } from "node:fs";
import { Wallet, type Provider } from "ethers";
import { z } from "zod";
import { ZkMarginInputError } from "../prover/errors.ts";
import { FIELD } from "../prover/hash.ts";
import { parseWith } from "../prover/statement.ts";
import { accountKeys, randomFieldElement } from "../prover/venue.ts";
import { checkWritable, parseSecret, readText, writeFileAtomic } from "./io.ts";

export const TRADER_KEYS_FORMAT = "zkmargin-trader-keys/1";

/** Where a command's signing key comes from. */
export interface KeyOptions {
  /** an encrypted JSON keystore file */
  keystore?: string;
}

export const KEY_HELP = `Keys (never on the command line):
  --keystore <file> or ZKMARGIN_KEYSTORE   an encrypted JSON keystore (zkmargin keys wallet); its password from
                                           ZKMARGIN_KEYSTORE_PASSWORD, or typed at the terminal
  ZKMARGIN_PRIVATE_KEY                     the raw key (0x + 64 hex digits), e.g. in CI`;

/** Read a password from the terminal without echoing it. */
async function promptPassword(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) throw new ZkMarginInputError("keystore", "the keystore's password: set ZKMARGIN_KEYSTORE_PASSWORD (no terminal to ask on)");
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding("utf8");
  return new Promise<string>((resolve, reject) => {
    let pw = "";
    const onData = (ch: string) => {
      for (const c of ch) {
        if (c === "\r" || c === "\n") {
          cleanup();
          process.stderr.write("\n");
          return resolve(pw);
        }
        if (c === "\u0003") {
          cleanup();
          return reject(new ZkMarginInputError("keystore", "cancelled"));
        }
        if (c === "\u007f" || c === "\b") pw = pw.slice(0, -1);
        else pw += c;
      }
    };
    const cleanup = () => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
    };
    stdin.on("data", onData);
  });
}

function keystorePassword(): Promise<string> {
  const env = process.env.ZKMARGIN_KEYSTORE_PASSWORD;
  return env !== undefined ? Promise.resolve(env) : promptPassword("keystore password: ");
}

/** A raw private key (0x + 64 hex digits) as a wallet; `field` names where it came from. */
function walletFromKey(key: string, field: string): Wallet {
  const k = key.trim();
  if (!/^0x[0-9a-fA-F]{64}$/.test(k)) throw new ZkMarginInputError(field, "not a private key (0x followed by 64 hex digits)");
  try {
    return new Wallet(k);
  } catch {
    throw new ZkMarginInputError(field, "not a valid secp256k1 private key");
  }
}

/** Decrypt a keystore's JSON text; a wrong password or a file that is not a keystore is bad input naming `field`. */
export async function decryptKeystore(json: string, file: string, field = "keystore"): Promise<Wallet> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new ZkMarginInputError(field, `${file} is not a JSON keystore`);
  }
  if (parsed === null || typeof parsed !== "object" || !("crypto" in parsed || "Crypto" in parsed)) throw new ZkMarginInputError(field, `${file} is not an encrypted JSON keystore`);
  const password = await keystorePassword();
  try {
    const w = await Wallet.fromEncryptedJson(json, password);
    return new Wallet(w.privateKey);
  } catch {
    throw new ZkMarginInputError(field, `cannot decrypt ${file}: wrong password (ZKMARGIN_KEYSTORE_PASSWORD) or a damaged keystore`);
  }
}

/**
 * The key a command signs with: --keystore (or ZKMARGIN_KEYSTORE), else ZKMARGIN_PRIVATE_KEY; undefined when
 * neither is set. `role` says whose key it must be, for the error.
 */
export async function optionalSigner(o: KeyOptions, provider?: Provider): Promise<Wallet | undefined> {
  const file = o.keystore ?? process.env.ZKMARGIN_KEYSTORE;
  let w: Wallet | undefined;
  if (file) w = await decryptKeystore(readText(file, "keystore"), file);
  else if (process.env.ZKMARGIN_PRIVATE_KEY) w = walletFromKey(process.env.ZKMARGIN_PRIVATE_KEY, "ZKMARGIN_PRIVATE_KEY");
  return w && provider ? w.connect(provider) : w;
}

/** The key a command must sign with (see optionalSigner); its absence is bad input saying whose key is needed. */
export async function requireSigner(o: KeyOptions, role: string, provider?: Provider): Promise<Wallet> {
  const w = await optionalSigner(o, provider);
  if (!w) throw new ZkMarginInputError("key", `this command signs as ${role}: give --keystore <file> (or ZKMARGIN_KEYSTORE) or set ZKMARGIN_PRIVATE_KEY`);
  return w;
}

/** Encrypt `wallet` into a keystore at `file` (mode 0600); the password is ZKMARGIN_KEYSTORE_PASSWORD or typed twice. */
export async function writeKeystore(wallet: Wallet, file: string): Promise<void> {
  let password = process.env.ZKMARGIN_KEYSTORE_PASSWORD;
  if (password === undefined) {
    password = await promptPassword("new keystore password: ");
    if ((await promptPassword("again: ")) !== password) throw new ZkMarginInputError("keystore", "the two passwords differ");
  }
  if (password.length < 8) throw new ZkMarginInputError("keystore", "the password must have at least 8 characters");
  writeFileAtomic(file, await wallet.encrypt(password), 0o600);
}

const zField = z
  .string()
  .regex(/^(0x[0-9a-fA-F]+|[0-9]+)$/, "expected an integer (decimal or 0x-hex)")
  .transform((s) => BigInt(s))
  .refine((x) => x < FIELD, { message: "not a field element" });

const TraderKeysSchema = z
  .object({
    format: z.literal(TRADER_KEYS_FORMAT),
    secret: zField.refine((x) => x > 0n, { message: "the secret must not be 0" }),
    accounts: z.array(z.object({ venueId: z.string().regex(/^[0-9]+$/).transform((s) => BigInt(s)), salt: zField, owner: zField }).strict()),
  })
  .strict();
export type TraderKeys = z.output<typeof TraderKeysSchema>;

/** What a trader hands to one venue to open an account: the owner hash and the salt (never the secret). */
export interface AccountHandout {
  venueId: bigint;
  owner: bigint;
  salt: bigint;
}

/** A new trader secret with a fresh random salt per venue. */
export function newTraderKeys(venueIds: readonly bigint[]): TraderKeys {
  const secret = randomFieldElement() || 1n;
  return { format: TRADER_KEYS_FORMAT, secret, accounts: venueIds.map((venueId) => ({ venueId, ...accountKeys(secret) })) };
}

/** Write trader keys (mode 0600); refuses to overwrite unless `force`. */
export function writeTraderKeys(keys: TraderKeys, file: string, force = false): void {
  if (existsSync(file) && !force) throw new ZkMarginInputError("out", `${file} exists: a trader secret is never overwritten (use another file, or --force)`);
  checkWritable(file);
  const json = { format: keys.format, secret: `0x${keys.secret.toString(16)}`, accounts: keys.accounts.map((a) => ({ venueId: a.venueId.toString(), salt: a.salt.toString(), owner: a.owner.toString() })) };
  writeFileAtomic(file, `${JSON.stringify(json, null, 2)}\n`, 0o600);
}

/**
 * The trader secret from `file`: a trader keys file (zkmargin keys new) or a text file holding one integer.
 * Returns the keys when the file is a keys file.
 */
export function readTraderSecret(file: string, field = "secret"): { secret: bigint; keys?: TraderKeys } {
  const text = readText(file, field);
  if (text.trimStart().startsWith("{")) {
    const keys = parseWith(TraderKeysSchema, text, `${field} (${file})`);
    for (const [i, a] of keys.accounts.entries()) {
      if (accountKeys(keys.secret, a.salt).owner !== a.owner) throw new ZkMarginInputError(`${field}.accounts[${i}].owner`, "is not Poseidon(secret, salt): the file is damaged");
    }
    return { secret: keys.secret, keys };
  }
  return { secret: parseSecret(text, field) };
}

/** The per-venue handouts of a keys file. */
export function handouts(keys: TraderKeys): AccountHandout[] {
  return keys.accounts.map((a) => ({ venueId: a.venueId, owner: a.owner, salt: a.salt }));
}
