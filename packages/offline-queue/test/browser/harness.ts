import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { bundleBrowserEntry, CHROMIUM_ARGS, chromiumPath, launchChromium } from '../../../../tooling/chromium';
import type { PageCallResult } from './page-api';

// Runs browser tests in real headless Chromium: bundle a browser entry from source with esbuild,
// serve it from http://127.0.0.1 (an http origin for IndexedDB, and a secure context, so Web Locks
// and navigator.storage are there), and call the functions the page exposes (see page-api.ts) from
// vitest through page.evaluate. One harness per test file: start it in beforeAll, close it in afterAll.

export interface ServedFile {
  contentType: string;
  body: string;
}

export interface FileServer {
  /** for example http://127.0.0.1:40123 */
  origin: string;
  close(): Promise<void>;
}

/** Serves fixed files on 127.0.0.1 (a free port); anything else is 404. */
export async function serveFiles(files: Readonly<Record<string, ServedFile>>): Promise<FileServer> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const file = files[path];
    if (file === undefined) {
      response.writeHead(path === '/favicon.ico' ? 204 : 404).end();
      return;
    }
    response.writeHead(200, { 'content-type': file.contentType, 'cache-control': 'no-store' }).end(file.body);
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

const PAGE_HTML =
  '<!doctype html><html><head><meta charset="utf-8"><title>tillkit browser test</title></head><body><script type="module" src="/entry.js"></script></body></html>';

export interface BrowserHarness {
  browser: Browser;
  /** one browser context: its pages are tabs of one origin, sharing IndexedDB, Web Locks and storage */
  context: BrowserContext;
  /** the origin the test page is served from */
  origin: string;
  /** opens a tab on the test page and waits until the entry has exposed its API */
  openPage(): Promise<Page>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  entryFile: string;
  /**
   * Tabs that CDP `Page.setWebLifecycleState` can really freeze. Playwright turns on focus
   * emulation in every page it sets up, which keeps the page visible, and Chromium never freezes a
   * visible page (the CDP call still answers success). With `freezable`, the harness starts
   * Chromium itself and attaches with `connectOverCDP({ noDefaults: true })`: then `context` is the
   * browser's default context, whose pages get no focus emulation. Contexts made with
   * `browser.newContext()` still get it (they behave as without `freezable`).
   */
  freezable?: boolean;
}

/** Bundles `entryFile`, serves it and launches Chromium. */
export async function startBrowserHarness(options: HarnessOptions): Promise<BrowserHarness> {
  chromiumPath(); // fail first, and clearly, when there is no browser
  const script = await bundleBrowserEntry(options.entryFile);
  const launched: { browser: Browser; context?: BrowserContext; close(): Promise<void> } =
    options.freezable === true
      ? await launchFreezableChromium()
      : await launchChromium().then((browser) => ({ browser, close: () => browser.close() }));
  const { browser } = launched;
  let server: FileServer | undefined;
  try {
    server = await serveFiles({
      '/': { contentType: 'text/html; charset=utf-8', body: PAGE_HTML },
      '/entry.js': { contentType: 'text/javascript; charset=utf-8', body: script },
    });
    const context = launched.context ?? (await browser.newContext());
    const origin = server.origin;
    const served = server;
    return {
      browser,
      context,
      origin,
      openPage: () => openTestPage(context, `${origin}/`),
      async close() {
        // a default context (freezable) goes with its browser
        if (launched.context === undefined) await context.close().catch(() => undefined);
        await launched.close();
        await served.close();
      },
    };
  } catch (error) {
    await launched.close();
    await server?.close();
    throw error;
  }
}

/**
 * What Playwright passes to the Chromium it launches so that tabs in the background keep their
 * timers (the flusher's lease renewals among them): needed when the harness launches Chromium itself.
 */
const BACKGROUND_ARGS: readonly string[] = [
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

/**
 * Starts Chromium with a DevTools port on 127.0.0.1 and a fresh profile, and attaches to it with
 * `connectOverCDP({ noDefaults: true })`, so pages of its default context can be frozen (see
 * HarnessOptions.freezable). close() disconnects, ends that Chromium process and removes the profile.
 */
export async function launchFreezableChromium(
  timeoutMs = 30_000,
): Promise<{ browser: Browser; context: BrowserContext; close(): Promise<void> }> {
  const profile = await mkdtemp(join(tmpdir(), 'tillkit-chromium-'));
  // no pipes: Chromium writes its DevTools port to the profile (DevToolsActivePort), and its log is not read
  const child = spawn(
    chromiumPath(),
    [
      ...CHROMIUM_ARGS,
      ...BACKGROUND_ARGS,
      '--remote-debugging-address=127.0.0.1',
      '--remote-debugging-port=0',
      `--user-data-dir=${profile}`,
      'about:blank',
    ],
    { stdio: 'ignore' },
  );
  let exitedWith: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitedWith = String(signal ?? code);
      resolve();
    });
    child.once('error', (error) => {
      exitedWith = error.message;
      resolve();
    });
  });
  const end = async () => {
    if (exitedWith === undefined) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    // Chromium's helper processes may still write to the profile for a moment after it exited
    await rm(profile, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
  };
  try {
    const deadline = Date.now() + timeoutMs;
    let endpoint: string | undefined;
    while (endpoint === undefined) {
      if (exitedWith !== undefined) throw new Error(`Chromium exited (${exitedWith}) before it listened for DevTools.`);
      if (Date.now() > deadline) throw new Error(`Chromium did not listen for DevTools within ${timeoutMs} ms.`);
      const [port, path] = (await readFile(join(profile, 'DevToolsActivePort'), 'utf8').catch(() => '')).split('\n');
      if (port !== undefined && path !== undefined && /^\d+$/.test(port) && path.startsWith('/')) {
        endpoint = `ws://127.0.0.1:${port}${path}`;
      } else {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    const browser = await chromium.connectOverCDP(endpoint, { noDefaults: true });
    const context = browser.contexts()[0];
    if (context === undefined) throw new Error('Chromium has no default browser context to attach to.');
    return {
      browser,
      context,
      async close() {
        // ask Chromium to shut down (it writes its profile out and exits), then disconnect
        await browser
          .newBrowserCDPSession()
          .then((session) => session.send('Browser.close'))
          .catch(() => undefined);
        await browser.close().catch(() => undefined);
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
        await end();
      },
    };
  } catch (error) {
    await end();
    throw error;
  }
}

/** Opens `url` in a new tab of `context` and waits for the page API (page-api.ts `exposeApi`). */
export async function openTestPage(context: BrowserContext, url: string, timeoutMs = 15_000): Promise<Page> {
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
export function useBrowserHarness(options: HarnessOptions & { startTimeoutMs?: number }): HarnessForTests {
  let started: { harness: BrowserHarness; page: Page } | undefined;
  let failure: Error | undefined;
  beforeAll(async () => {
    let harness: BrowserHarness | undefined;
    try {
      harness = await startBrowserHarness(options);
      started = { harness, page: await harness.openPage() };
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
      await harness?.close();
    }
  }, options.startTimeoutMs ?? 60_000);
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
  readonly errorName: string;
  constructor(call: string, error: { name: string; message: string; code?: string | undefined; stack?: string | undefined }) {
    super(`${call} failed in the browser: ${error.name}${error.code === undefined ? '' : ` ${error.code}`}: ${error.message}`);
    this.code = error.code;
    this.errorName = error.name;
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

/** Reloads a tab opened with `openTestPage` and waits until the reloaded entry has exposed its API again. */
export async function reloadTestPage(page: Page, timeoutMs = 15_000): Promise<void> {
  await page.reload();
  await page.waitForFunction(() => (globalThis as { __tillkitReady?: boolean }).__tillkitReady === true, undefined, {
    timeout: timeoutMs,
  });
}

/**
 * Polls `condition` every `intervalMs` until it holds; throws after `timeoutMs`, naming `what` and,
 * when given, what `detail` says about the state at that moment. A bounded wait, not a timing assertion.
 */
export async function waitUntil(
  what: string,
  condition: () => boolean | Promise<boolean>,
  options: { timeoutMs?: number; intervalMs?: number; detail?: () => unknown } = {},
): Promise<void> {
  const { timeoutMs = 15_000, intervalMs = 25, detail } = options;
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      const state =
        detail === undefined
          ? ''
          : `; state: ${await Promise.resolve()
              .then(detail)
              .then(
                (value) => JSON.stringify(value),
                (error: unknown) => `(unknown: ${String(error)})`,
              )}`;
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${state}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
