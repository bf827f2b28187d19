import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { bundleBrowserEntry as bundle, CHROMIUM_ARGS, chromiumPath } from '../../../../tooling/chromium';
import type { PageCallResult } from './page-api';

// Runs browser tests in real headless Chromium (the approach of @tillkit/offline-queue's browser
// harness, without what only its outbox tests need): bundle a browser entry from source with
// esbuild, serve it from http://127.0.0.1 (an origin with IndexedDB), and call the functions the
// page exposes (page-api.ts) from vitest through page.evaluate. One harness per test file.

const PAGE_HTML =
  '<!doctype html><html><head><meta charset="utf-8"><title>tillkit browser test</title></head><body><script type="module" src="/entry.js"></script></body></html>';

/** Serves the page and the bundle on 127.0.0.1 (a free port); anything else is 404. */
async function serve(script: string): Promise<{ origin: string; close(): Promise<void> }> {
  const files: Record<string, [string, string]> = {
    '/': ['text/html; charset=utf-8', PAGE_HTML],
    '/entry.js': ['text/javascript; charset=utf-8', script],
  };
  const server = createServer((request, response) => {
    const file = files[new URL(request.url ?? '/', 'http://127.0.0.1').pathname];
    if (file === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': file[0], 'cache-control': 'no-store' }).end(file[1]);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Opens `url` in a new tab of `context` and waits for the page API (page-api.ts `exposeApi`). */
async function openTestPage(context: BrowserContext, url: string, timeoutMs = 15_000): Promise<Page> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  try {
    await page.goto(url);
    await page.waitForFunction(() => (globalThis as { __tillkitReady?: boolean }).__tillkitReady === true, undefined, {
      timeout: timeoutMs,
    });
  } catch (error) {
    await page.close().catch(() => undefined);
    throw new Error(
      `The test page at ${url} did not start: ${error instanceof Error ? error.message : String(error)}\n${problems.join('\n')}`,
      {
        cause: error,
      },
    );
  }
  return page;
}

export interface BrowserHarness {
  browser: Browser;
  /** one browser context: its pages are tabs of one origin, sharing IndexedDB */
  context: BrowserContext;
  /** opens another tab on the test page */
  openPage(): Promise<Page>;
  close(): Promise<void>;
}

async function startBrowserHarness(entryFile: string): Promise<BrowserHarness> {
  const executablePath = chromiumPath(); // fail first, and clearly, when there is no browser
  const script = await bundle(entryFile);
  const browser = await chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS] });
  let server: { origin: string; close(): Promise<void> } | undefined;
  try {
    server = await serve(script);
    const context = await browser.newContext();
    const served = server;
    return {
      browser,
      context,
      openPage: () => openTestPage(context, `${served.origin}/`),
      async close() {
        await context.close().catch(() => undefined);
        await browser.close();
        await served.close();
      },
    };
  } catch (error) {
    await browser.close();
    await server?.close();
    throw error;
  }
}

export interface HarnessForTests {
  /** the started harness; throws why it could not start (so every test fails with that reason) */
  harness(): BrowserHarness;
  /** the first tab, opened on the test page */
  page(): Page;
}

/**
 * Starts a harness for the tests of one file (beforeAll) and closes it after them (afterAll). When
 * it cannot start (no Chromium, a bundling error), each test fails with the reason, none is skipped.
 */
export function useBrowserHarness(entryFile: string, startTimeoutMs = 60_000): HarnessForTests {
  let started: { harness: BrowserHarness; page: Page } | undefined;
  let failure: Error | undefined;
  beforeAll(async () => {
    let harness: BrowserHarness | undefined;
    try {
      harness = await startBrowserHarness(entryFile);
      started = { harness, page: await harness.openPage() };
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
      await harness?.close();
    }
  }, startTimeoutMs);
  afterAll(async () => {
    await started?.harness.close();
  });
  const get = () => {
    if (started === undefined) throw failure ?? new Error('The browser harness is used before its beforeAll ran.');
    return started;
  };
  return { harness: () => get().harness, page: () => get().page };
}

/** An error thrown inside the page, with its tillkit `code` when it had one. */
export class PageError extends Error {
  override readonly name = 'PageError';
  readonly code: string | undefined;
  constructor(call: string, error: { name: string; message: string; code?: string | undefined; stack?: string | undefined }) {
    super(`${call} failed in the browser: ${error.name}${error.code === undefined ? '' : ` ${error.code}`}: ${error.message}`);
    this.code = error.code;
    if (error.stack !== undefined) this.stack = `${this.name}: ${this.message}\n--- in the page ---\n${error.stack}`;
  }
}

type ApiFunction = (...args: never[]) => unknown;

/** Calls `name` of the API the page exposed; an error thrown there is thrown here as a PageError. */
export async function callPage<Api extends Record<string, ApiFunction>, K extends keyof Api & string>(
  page: Page,
  name: K,
  ...args: Parameters<Api[K]>
): Promise<Awaited<ReturnType<Api[K]>>> {
  const result = await page.evaluate(
    ([fn, fnArgs]) =>
      (globalThis as unknown as { __tillkitCall: (name: string, args: unknown[]) => Promise<PageCallResult> }).__tillkitCall(
        fn,
        fnArgs,
      ),
    [name, args] as const,
  );
  if (!result.ok) throw new PageError(name, result.error);
  return result.value as Awaited<ReturnType<Api[K]>>;
}
