/**
 * Real-browser harness for test/browser/*: Debian's Chromium (/usr/bin/chromium, `apt-get install -y chromium`)
 * driven by playwright-core. Nothing is downloaded: if Chromium is missing the tests FAIL with the install line.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = process.env.ZKMARGIN_CHROMIUM ?? "/usr/bin/chromium";

/** One request a page of the session made (any URL: the page's server, the RPC, anything else). */
export interface RecordedRequest {
  method: string;
  url: string;
  /** the body as sent (JSON-RPC requests carry their method and parameters here) */
  body: string;
}

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /** console lines and page errors, for failure messages */
  log: string[];
  /** every request of every page of the context, in order */
  requests: RecordedRequest[];
  /** the fresh profile directory (on the command line of every Chromium process of the session) */
  userDataDir: string;
  close(): Promise<void>;
}

/**
 * Launch Chromium headless with a fresh profile. Without Chromium it throws one line naming the fix (its stack is
 * that line too, so that mocha prints nothing else), and never downloads a browser.
 */
export async function launchBrowser(executablePath: string = CHROMIUM): Promise<BrowserSession> {
  if (!existsSync(executablePath)) {
    const e = new Error(
      `Chromium not found at ${executablePath}: the browser tests need Debian's Chromium: run \`apt-get update && apt-get install -y chromium\` as root (or set ZKMARGIN_CHROMIUM to a Chromium binary)`,
    );
    e.stack = e.message;
    throw e;
  }
  const userDataDir = mkdtempSync(path.join(tmpdir(), "zkmargin-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const log: string[] = [];
  page.on("console", (m) => log.push(`[console.${m.type()}] ${m.text()}`));
  page.on("pageerror", (e) => log.push(`[pageerror] ${e.message}`));
  const requests: RecordedRequest[] = [];
  // context-wide: pages and their workers (the prover's artifact downloads) alike
  context.on("request", (r) => requests.push({ method: r.method(), url: r.url(), body: r.postData() ?? "" }));
  return {
    context,
    page,
    log,
    requests,
    userDataDir,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export type { Browser, Page };
