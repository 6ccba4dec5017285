/**
 * The SDK takes its artifacts in (prover/artifacts.ts): the instance descriptor comes from the build manifest and is
 * checked; wasm, zkey and verification key are accepted as URLs (a real HTTP server on loopback), bytes or parsed
 * objects; a key that is not the one the manifest recorded is refused by name before any witness is computed.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { expect } from "chai";
import { checkInstance, instanceDescriptor, instanceFromManifest, loadVerificationKey, type ProverArtifacts } from "../../prover/artifacts.ts";
import { ZkMarginArtifactError } from "../../prover/errors.ts";
import { generateProof, releaseProver, type ProofStage } from "../../prover/generateProof.ts";
import { publicSignalNames } from "../../prover/publicSignals.ts";
import { verifyProof } from "../../prover/verifyProof.ts";
import { artifactPaths, localArtifacts } from "../../scripts/lib/instances.ts";
import { buildInstance } from "../../scripts/lib/pipeline.ts";
import { TEST_PARAMS, usd } from "../fixtures/market.ts";
import { hedgedBook, proveInputOf, venuesFor } from "./book.ts";

const SUBJECT = 0x70997970c51812dc3a010c7d01b50e0d17dc79c8n;
const DOMAIN = 0x5eedn;

/** Serve build/test/ read-only on a free loopback port; counts requests per path. */
async function serveBuild(dir: string): Promise<{ base: string; server: Server; hits: Map<string, number> }> {
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname).replace(/^\/+/, "");
    hits.set(rel, (hits.get(rel) ?? 0) + 1);
    try {
      const body = readFileSync(path.join(dir, path.normalize(rel).replace(/^(\.\.[/\\])+/, "")));
      res.writeHead(200, { "content-type": "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end("not found");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, hits };
}

async function artifactError(p: Promise<unknown>): Promise<ZkMarginArtifactError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(ZkMarginArtifactError);
    return e as ZkMarginArtifactError;
  }
  throw new Error("accepted");
}

describe("# SDK artifacts (bytes, paths, URLs; descriptor from the manifest)", function () {
  const setup = venuesFor(hedgedBook(), TEST_PARAMS);
  const input = (minExcess: bigint) => proveInputOf(setup, { subject: SUBJECT, domain: DOMAIN, minExcess });
  const paths = artifactPaths("test");
  let manifest: unknown;

  before(async () => {
    await buildInstance("test", { log: () => undefined });
    manifest = JSON.parse(readFileSync(paths.manifest, "utf8"));
  });

  after(async () => {
    await releaseProver();
  });

  describe("instance descriptor", () => {
    it("should read V, N, A, K, D, the public-signal layout and the INSECURE flag from the manifest", () => {
      const d = instanceFromManifest(manifest);
      expect({ V: d.V, N: d.N, A: d.A, K: d.K, D: d.D }).to.deep.equal(TEST_PARAMS);
      expect(d.name).to.equal("test");
      expect(d.publicSignals).to.deep.equal(publicSignalNames(3));
      expect(d.publicSignals.slice(0, 4)).to.deep.equal(["subject", "domain", "contextHash", "venueRoots[0]"]);
      expect(d.insecure).to.equal(true); // the development ptau
      expect(d.sha256?.zkey).to.match(/^[0-9a-f]{64}$/);
    });

    it("should not take another circuit's manifest, or one whose signal count disagrees with V", () => {
      const leaf = JSON.parse(readFileSync(artifactPaths("leaf").manifest, "utf8")) as unknown;
      expect(() => instanceFromManifest(leaf)).to.throw(ZkMarginArtifactError, /instance "leaf" \(AccountInclusion\) has public inputs \[root, venueId\], not a margin proof's/);
      const wrong = { ...(manifest as object), nPublic: 7 };
      expect(() => instanceFromManifest(wrong)).to.throw(ZkMarginArtifactError, /manifest\.nPublic: instance "test" has 7 public signals, V=3 needs 8/);
      expect(() => instanceFromManifest("{")).to.throw(ZkMarginArtifactError, /manifest: not valid JSON/);
    });

    it("should not take a hand-made descriptor with another public-signal layout", () => {
      const d = instanceDescriptor("test", TEST_PARAMS);
      expect(() => checkInstance({ ...d, publicSignals: [...d.publicSignals].reverse() })).to.throw(ZkMarginArtifactError, /instance\.publicSignals/);
      expect(() => checkInstance({ ...d, V: 0 })).to.throw(ZkMarginArtifactError, /instance\.V/);
    });

    it("should check a verification key against the instance's signal count", async () => {
      const d = instanceFromManifest(manifest);
      const vk = JSON.parse(readFileSync(paths.vkey, "utf8")) as { nPublic: number };
      expect((await loadVerificationKey(paths.vkey, d)).nPublic).to.equal(8);
      const e = await artifactError(loadVerificationKey({ ...vk, nPublic: 9 } as never, d));
      expect(e.message).to.match(/not a Groth16 bn128 key with 8 public signals/);
    });
  });

  describe("proving with artifacts from a server", () => {
    let served: Awaited<ReturnType<typeof serveBuild>>;

    before(async () => {
      served = await serveBuild(paths.dir);
    });

    after(() => {
      served.server.close();
    });

    it("should prove with the wasm and zkey as URLs and verify with the key as bytes and as an object", async () => {
      const d = instanceFromManifest(await (await fetch(`${served.base}/manifest.json`)).json());
      const artifacts: ProverArtifacts = { instance: d, wasm: `${served.base}/test_js/test.wasm`, zkey: new URL(`${served.base}/test.zkey`) };
      const proof = await generateProof(input(usd("30000")), artifacts);
      expect(served.hits.get("test.zkey")).to.equal(1);
      expect(served.hits.get("test_js/test.wasm")).to.equal(1);
      expect(proof.instance).to.equal("test");
      expect(proof.epoch).to.equal(setup.epoch);
      expect(await verifyProof(proof, { instance: d, vkey: new Uint8Array(readFileSync(paths.vkey)) })).to.equal(true);
      const vkObject = JSON.parse(readFileSync(paths.vkey, "utf8")) as never;
      expect(await verifyProof(proof, { instance: d, vkey: vkObject })).to.equal(true);
      expect(await verifyProof({ ...proof, publicSignals: proof.publicSignals.map((s, i) => (i === 0 ? "1" : s)) }, { instance: d, vkey: vkObject })).to.equal(false);
      // the repository's own resolution gives the same instance
      expect(localArtifacts("test").instance).to.deep.equal(d);
    });

    it("should name a missing artifact (HTTP 404) before computing any witness", async () => {
      const stages: ProofStage[] = [];
      const d = instanceFromManifest(manifest);
      const e = await artifactError(
        generateProof(input(usd("30000")), { instance: d, wasm: `${served.base}/test_js/test.wasm`, zkey: `${served.base}/missing.zkey` }, { onProgress: (p) => stages.push(p.stage) }),
      );
      expect(e.message).to.match(/instance "test": zkey: http:\/\/127\.0\.0\.1:\d+\/missing\.zkey answered HTTP 404/);
      expect(stages.filter((s) => s !== "validate")).to.deep.equal([]);
    });
  });

  it("should refuse a proving key whose bytes are not the ones the manifest recorded, before any witness", async () => {
    const zkey = new Uint8Array(readFileSync(paths.zkey));
    zkey[zkey.length - 100] ^= 1;
    const stages: ProofStage[] = [];
    const d = instanceFromManifest(manifest);
    const e = await artifactError(generateProof(input(usd("30000")), { instance: d, wasm: paths.wasm, zkey }, { onProgress: (p) => stages.push(p.stage) }));
    expect(e.message).to.match(/instance "test": zkey \(\d+ bytes\): sha256 [0-9a-f]{64} differs from the manifest's [0-9a-f]{64}/);
    expect(stages.filter((s) => s !== "validate")).to.deep.equal([]);
  });

  it("should name a missing file path", async () => {
    const d = instanceFromManifest(manifest);
    const e = await artifactError(generateProof(input(usd("30000")), { instance: d, wasm: paths.wasm, zkey: "/nonexistent/test.zkey" }));
    expect(e.message).to.equal('instance "test": zkey not found at /nonexistent/test.zkey (ENOENT); build the keys first (npm run build)');
  });
});
