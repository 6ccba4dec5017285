/**
 * The CLI's input and output at its boundary: files read as text (a byte-order mark is refused by name: JSON.parse
 * would fail on it with an unhelpful "Unexpected token"), JSON parsed with the field named, output paths checked
 * writable BEFORE any proving or transaction (so nothing made is lost), and the values people type: USD amounts,
 * integers, epochs, EIP-55 addresses. Every problem is one ZkMarginInputError naming the option or field.
 */
import { accessSync, constants, existsSync, renameSync, statSync, writeFileSync } from "node:fs";
import { readFileSync } from "node:fs";
import path from "node:path";
import { getAddress } from "ethers";
import { ZkMarginInputError } from "../prover/errors.ts";

/** Read a file as UTF-8 text; a missing file or one that starts with a byte-order mark is bad input naming `field`. */
export function readText(file: string, field: string): string {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new ZkMarginInputError(field, `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
    throw new ZkMarginInputError(field, `${file} starts with a UTF-8 byte-order mark (BOM): save it as UTF-8 without a BOM`);
  }
  if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff)) {
    throw new ZkMarginInputError(field, `${file} is UTF-16 (it starts with a byte-order mark): save it as UTF-8 without a BOM`);
  }
  return buf.toString("utf8");
}

/** Read and parse a JSON file; bad JSON is bad input naming `field`. */
export function readJson(file: string, field: string): unknown {
  const text = readText(file, field);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ZkMarginInputError(field, `${file} is not valid JSON (${(e as Error).message})`);
  }
}

/**
 * Check that `file` can be written (its folder exists and is writable, and the file, when it exists, is a writable
 * file), without creating it. Run before the work whose result goes there.
 */
export function checkWritable(file: string, field = "out"): void {
  const dir = path.dirname(path.resolve(file));
  if (!existsSync(dir)) throw new ZkMarginInputError(field, `cannot write ${file}: the folder ${dir} does not exist`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new ZkMarginInputError(field, `cannot write ${file}: the folder ${dir} is not writable`);
  }
  if (existsSync(file)) {
    if (statSync(file).isDirectory()) throw new ZkMarginInputError(field, `cannot write ${file}: it is a folder`);
    try {
      accessSync(file, constants.W_OK);
    } catch {
      throw new ZkMarginInputError(field, `cannot write ${file}: the file is not writable`);
    }
  }
}

/** Write `text` to `file` atomically (a temporary file renamed over it), with `mode` (e.g. 0o600 for secrets). */
export function writeFileAtomic(file: string, text: string, mode = 0o644): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, file);
}

/** A USD amount ("250000", "250,000.50", "$1,000") as USD × 1e8, exactly. */
export function parseUsd(text: string, field: string): bigint {
  const t = text.replace(/[$,_\s]/g, "");
  const m = /^([0-9]+)(?:\.([0-9]{1,8}))?$/.exec(t);
  if (!m) throw new ZkMarginInputError(field, `"${text}" is not a USD amount (e.g. 250000 or 250000.50, at most 8 decimals)`);
  return BigInt(m[1]) * 100_000_000n + BigInt((m[2] ?? "").padEnd(8, "0") || "0");
}

/** A non-negative integer, decimal or 0x-hex. */
export function parseUint(text: string, field: string): bigint {
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(text.trim())) throw new ZkMarginInputError(field, `"${text}" is not a non-negative integer`);
  return BigInt(text.trim());
}

/** An epoch: an integer in [1, 2^32) (OracleHub's range). */
export function parseEpoch(text: string, field = "epoch"): bigint {
  const e = parseUint(text, field);
  if (e < 1n || e >= 1n << 32n) throw new ZkMarginInputError(field, `${text} is not an epoch in [1, 2^32)`);
  return e;
}

/** A venue id in [1, 2^32). */
export function parseVenueId(text: string, field = "venue-id"): bigint {
  const v = parseUint(text, field);
  if (v < 1n || v >= 1n << 32n) throw new ZkMarginInputError(field, `"${text}" is not a venue id in [1, 2^32)`);
  return v;
}

/**
 * An address, checksummed (EIP-55). All-lowercase or all-uppercase hex carries no checksum and is accepted; mixed
 * case must be the address's checksum, so a mistyped character is caught.
 */
export function parseAddress(text: string, field: string): string {
  const t = text.trim();
  if (!/^0x[0-9a-fA-F]{40}$/.test(t)) throw new ZkMarginInputError(field, `"${text}" is not an address (0x followed by 40 hex digits)`);
  try {
    return getAddress(t);
  } catch {
    throw new ZkMarginInputError(field, `${t} has an invalid EIP-55 checksum (its mixed case does not match the address): check it for a typo`);
  }
}

/** A trader secret: one integer, decimal or 0x-hex, surrounding whitespace ignored. */
export function parseSecret(text: string, field = "secret"): bigint {
  const t = text.trim();
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(t)) throw new ZkMarginInputError(field, "expected one integer (decimal or 0x-hex)");
  return BigInt(t);
}

/** JSON with bigints as decimal strings, one object per line (the `--json` output of every command). */
export function jsonLine(value: unknown): string {
  return `${JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))}\n`;
}

/** A chain timestamp (unix seconds) as "2026-01-02 03:04 UTC". */
export function utc(t: bigint | number): string {
  return `${new Date(Number(t) * 1000).toISOString().replace("T", " ").slice(0, 16)} UTC`;
}
