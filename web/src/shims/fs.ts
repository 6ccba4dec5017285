/**
 * Browser stand-in for the two node:fs calls the prover makes on its artifacts (existsSync before proving,
 * readFileSync of the verification key). Vite aliases node:fs to this module in the page's bundle; paths are
 * URLs on the page's server (see ./instances.ts). It is only ever called inside the proving Web Worker, where
 * synchronous XMLHttpRequest is allowed and does not block the page.
 */

function request(method: "HEAD" | "GET", url: string): XMLHttpRequest {
  const xhr = new XMLHttpRequest();
  xhr.open(method, url, false);
  xhr.send();
  return xhr;
}

export function existsSync(path: string): boolean {
  try {
    return request("HEAD", path).status === 200;
  } catch {
    return false;
  }
}

export function readFileSync(path: string, encoding?: string): string {
  if (encoding !== undefined && encoding !== "utf8" && encoding !== "utf-8") {
    throw new Error(`readFileSync(${path}): only utf8 text can be read in the browser`);
  }
  const xhr = request("GET", path);
  if (xhr.status !== 200) {
    const err = new Error(`ENOENT: ${path} (HTTP ${xhr.status})`) as Error & { code: string };
    err.code = "ENOENT";
    throw err;
  }
  return xhr.responseText;
}

function unsupported(name: string): never {
  throw new Error(`node:fs ${name} is not available in the browser`);
}
export const writeFileSync = () => unsupported("writeFileSync");
export const mkdirSync = () => unsupported("mkdirSync");
export const statSync = () => unsupported("statSync");
export const createReadStream = () => unsupported("createReadStream");

export default { existsSync, readFileSync, writeFileSync, mkdirSync, statSync, createReadStream };
