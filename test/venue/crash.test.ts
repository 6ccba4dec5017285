/**
 * Crash safety: a real `zkmargin venue build-epoch` child process is killed (SIGKILL) mid-build; the next start
 * finds the store exactly as before the build (SQLite rolls the open transaction back), the half-built epoch is
 * neither recorded nor postable nor servable, the staged holdings are still there, and a rerun builds the same
 * root as an uninterrupted build of the same inputs.
 */
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { buildEpoch } from "../../client/venue/build.ts";
import { addAccounts, stageHoldings } from "../../client/venue/importer.ts";
import { blobToBigint, VenueStore } from "../../client/venue/store.ts";
import { syntheticAccounts, syntheticHoldings } from "../../scripts/lib/venueData.ts";
import { cli, CLI, ROOT, TSX_NODE_ARGS } from "./helpers.ts";

const META = { venueId: 9n, N: 3, A: 3, D: 7, instance: "test" };

/** Start build-epoch as a child; SIGKILL it as soon as stderr shows `when`; resolves with its exit signal. */
function killBuildAt(db: string, epoch: number, when: RegExp, env: NodeJS.ProcessEnv = {}): Promise<{ signal: NodeJS.Signals | null; code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...TSX_NODE_ARGS, CLI, "venue", "build-epoch", "--db", db, "--epoch", String(epoch)], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      if (when.test(stderr)) child.kill("SIGKILL");
    });
    child.once("exit", (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe("venue crash safety (a real child process killed mid-build)", function () {
  this.timeout(300_000);
  let dir: string;
  let db: string;
  let refRoot2: bigint;
  let root1: bigint;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "zkm-crash-"));
    db = join(dir, "v.db");
    const store = VenueStore.create(db, META);
    const accounts = syntheticAccounts(10_000, 31, "0x00000000000000000000000000000000000000b2");
    addAccounts(store, accounts);
    stageHoldings(store, 1, syntheticHoldings(accounts.map((a) => a.id), 32, 3, 3));
    root1 = blobToBigint(buildEpoch(store, 1).root);
    // epoch 2: every 10th account changes
    stageHoldings(store, 2, syntheticHoldings(accounts.filter((_, i) => i % 10 === 0).map((a) => a.id), 33, 3, 3));
    store.close();
    // the reference: the same inputs built without interruption, on a copy
    copyFileSync(db, join(dir, "ref.db"));
    const ref = VenueStore.open(join(dir, "ref.db"));
    refRoot2 = blobToBigint(buildEpoch(ref, 2).root);
    ref.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function expectUntouched(): void {
    const store = VenueStore.open(db);
    try {
      expect(store.epochs().map((e) => e.epoch)).to.deep.equal([1]);
      expect(blobToBigint(store.epoch(1)!.root)).to.equal(root1);
      expect(store.stagedCount(2)).to.equal(1000);
      expect(Number((store.stmt("SELECT COUNT(*) AS n FROM node_groups WHERE epoch = 2").get() as { n: number }).n)).to.equal(0);
      expect(Number((store.stmt("SELECT COUNT(*) AS n FROM holdings WHERE epoch = 2").get() as { n: number }).n)).to.equal(0);
    } finally {
      store.close();
    }
  }

  it("should roll back a build killed after writing everything but before commit", async function () {
    const r = await killBuildAt(db, 2, /pausing before commit/, { ZKMARGIN_TEST_PAUSE_BEFORE_COMMIT: "120000" });
    expect(r.signal).to.equal("SIGKILL");
    expectUntouched();
  });

  it("should roll back a build killed while hashing leaves", async function () {
    const r = await killBuildAt(db, 2, /build: leaves/);
    expect(r.signal).to.equal("SIGKILL");
    expectUntouched();
  });

  it("should refuse to post the epoch the crash interrupted, before touching the network", function () {
    const key = join(dir, "operator.key");
    writeFileSync(key, `0x${"42".repeat(32)}\n`);
    const post = cli(["venue", "post-root", "--db", db, "--rpc", "http://127.0.0.1:9", "--registry", "0x0000000000000000000000000000000000000001", "--key", key, "--epoch", "2"]);
    expect(post.status).to.equal(1);
    expect(post.stderr).to.equal("error: epoch: epoch 2 is not built (last built: 1)\n");
  });

  it("should build the same root as an uninterrupted build when rerun", function () {
    const r = cli(["venue", "build-epoch", "--db", db, "--epoch", "2", "--quiet"]);
    expect(r.status, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout) as { root: string; leaves: number };
    expect(BigInt(out.root)).to.equal(refRoot2);
    expect(out.leaves).to.equal(1000);
    const store = VenueStore.open(db);
    expect(store.stagedCount(2)).to.equal(0);
    expect(store.epoch(2)!.status).to.equal("built");
    store.close();
  });
});
