import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/**
 * Browser tests: Debian's Chromium, headless, driven by playwright-core
 * (which never downloads a browser of its own), and the local servers such
 * a test points it at.
 */
export const chromiumPath = '/usr/bin/chromium';

/**
 * True when Chromium is here. Without it the test is skipped, so `npm test`
 * passes on a machine that lacks it; in CI (CI=true, set by .ci/run, which
 * installs Chromium) it fails instead, so a broken install never passes as
 * a skipped test.
 */
export function chromiumOrSkip(t: TestContext): boolean {
  if (existsSync(chromiumPath)) return true;
  const missing = `${chromiumPath} is missing (Debian: apt-get install chromium)`;
  if (process.env.CI === 'true') assert.fail(`${missing}; CI must run the browser tests`);
  t.skip(missing);
  return false;
}

export interface TestBrowser {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

// No sandbox: CI runs as root in a container. The rest keeps Chromium from
// calling home (updates, sync, field trials), which would slow a run and make it depend on the network.
const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A headless Chromium with a new, empty profile: no cookie of an earlier run can leak in. */
export async function launchChromium(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'muster-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      args: chromiumArgs,
      timeout: 20_000,
    });
    context.setDefaultTimeout(15_000);
    const page = context.pages()[0] ?? (await context.newPage());
    return {
      context,
      page,
      close: async () => {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
}

export interface LocalServer {
  readonly port: number;
  /** Stops listening and drops the browser's kept-alive connections, which would hold close() open. */
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 and a port of its own choosing. */
export async function serve(handler: RequestListener): Promise<LocalServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The org's application: one page naming its path, so a test sees where the browser arrived. */
export const serveApplication = () =>
  serve((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>Application</title><h1>Welcome to ${req.url?.split('?')[0]}</h1>`);
  });

/**
 * Muster on a real port of 127.0.0.1 (PUBLIC_URL must name the port before
 * the app is built, so it listens first and serves once `use` gives it the
 * app), with the org's application on localhost, another site.
 */
export async function serveMusterAndApplication(cleanup: (() => Promise<void>)[]) {
  let app: RequestListener | undefined;
  const muster = await serve((req, res) => {
    if (app) app(req, res);
    else res.writeHead(503).end();
  });
  cleanup.push(() => muster.close());
  const shop = await serveApplication();
  cleanup.push(() => shop.close());
  return {
    base: `http://127.0.0.1:${muster.port}`,
    appUrl: `http://localhost:${shop.port}/app`,
    use: (handler: RequestListener) => {
      app = handler;
    },
  };
}

/**
 * Goes to `start` and waits for the chain of redirects and auto-posted
 * forms to end at `target`; fails at once, with the path taken, where a
 * page on the way answers an error. Returns every document request of the
 * tab (method, origin and path).
 */
export async function followSignIn(page: Page, start: string, target: string): Promise<string[]> {
  const navigations: string[] = [];
  page.on('request', (request) => {
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) {
      const url = new URL(request.url());
      navigations.push(`${request.method()} ${url.origin}${url.pathname}`);
    }
  });
  const arrived = page
    .waitForURL((url) => url.href === target, { waitUntil: 'load' })
    .then(
      () => undefined,
      (error: Error) => error.message,
    );
  const refused = page
    .waitForResponse((r) => r.request().isNavigationRequest() && r.status() >= 400, { timeout: 0 })
    .then(
      async (r) => `${r.status()} from ${r.url().split('?')[0]}: ${await r.text().catch(() => '')}`,
      () => undefined,
    );
  await page.goto(start, { waitUntil: 'commit' });
  const stalled = await Promise.race([arrived, refused]);
  assert.equal(
    stalled,
    undefined,
    `the sign-in stopped: ${stalled}\nnavigations: ${JSON.stringify(navigations)}`,
  );
  return navigations;
}

export type Cleanup = (() => Promise<void>)[];

/**
 * A browser test's frame: Chromium launches while `setUp` prepares the
 * servers (a second or two less per run), `body` runs with both, a failure
 * leaves a screenshot of the last page, and everything closes after.
 */
export async function inChromium<T>(
  t: TestContext,
  name: string,
  setUp: (cleanup: Cleanup) => Promise<T>,
  body: (prepared: T, browser: TestBrowser) => Promise<void>,
): Promise<void> {
  if (!chromiumOrSkip(t)) return;
  const cleanup: Cleanup = [];
  let browser: TestBrowser | undefined;
  try {
    const [prepared, launched] = await Promise.allSettled([setUp(cleanup), launchChromium()]);
    if (launched.status === 'fulfilled') browser = launched.value;
    if (prepared.status === 'rejected') throw prepared.reason;
    if (launched.status === 'rejected') throw launched.reason;
    await body(prepared.value, launched.value);
  } catch (error) {
    if (browser) {
      const path = join(tmpdir(), `muster-${name}-${Date.now()}.png`);
      await browser.page.screenshot({ path }).catch(() => {});
      t.diagnostic(`screenshot of the last page: ${path}`);
    }
    throw error;
  } finally {
    await browser?.close();
    for (const close of cleanup.reverse()) await close();
  }
}
