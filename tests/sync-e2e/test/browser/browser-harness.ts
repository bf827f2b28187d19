import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { bundleBrowserEntry as bundle, CHROMIUM_ARGS, chromiumPath } from '../../../../tooling/chromium';
import type { CallResult, PageApi } from './page-api';

// A small browser harness for the end-to-end tests (the approach of the packages' own browser
// harnesses): bundle a page entry from source with esbuild, serve it on 127.0.0.1 (an origin with
// IndexedDB and Web Locks), open it in real headless Chromium and call the functions the page put
// on `globalThis.__tillkitPage` through page.evaluate. Browsers are never downloaded.

const PAGE_HTML =
  '<!doctype html><html><head><meta charset="utf-8"><title>tillkit e2e</title><link rel="icon" href="data:,"></head><body><script type="module" src="/entry.js"></script></body></html>';

export interface BrowserPage<Api extends PageApi> {
  page: Page;
  /** calls a function of the page; an error thrown there is thrown here, with its name, code and message */
  call<K extends keyof Api & string>(name: K, ...args: Parameters<Api[K]>): Promise<Awaited<ReturnType<Api[K]>>>;
  /** errors the page reported (uncaught errors, console.error) */
  problems: string[];
  close(): Promise<void>;
}

/** Bundles `entryFile`, serves it, and opens it in headless Chromium. */
export async function openBrowserPage<Api extends PageApi>(entryFile: string): Promise<BrowserPage<Api>> {
  const executablePath = chromiumPath();
  const script = await bundle(entryFile);
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const body = path === '/' ? PAGE_HTML : path === '/entry.js' ? script : undefined;
    if (body === undefined) {
      response.writeHead(404).end();
      return;
    }
    const type = path === '/' ? 'text/html; charset=utf-8' : 'text/javascript; charset=utf-8';
    response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const closeServer = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS] });
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page
      .waitForFunction(() => typeof (globalThis as { __tillkitPage?: unknown }).__tillkitPage === 'function', undefined, {
        timeout: 10_000,
      })
      .catch((error: unknown) => {
        throw new Error(`the test page did not start: ${String(error)}\n${problems.join('\n')}`);
      });
    const opened = browser;
    return {
      page,
      problems,
      async call(name, ...args) {
        const result = await page.evaluate(
          ([fn, fnArgs]) =>
            (globalThis as unknown as { __tillkitPage: (name: string, args: unknown[]) => Promise<CallResult> }).__tillkitPage(
              fn,
              fnArgs,
            ),
          [name, args] as const,
        );
        if (!result.ok) throw new Error(`${name} failed in the browser: ${result.error}`);
        return result.value as never;
      },
      async close() {
        await opened.close();
        await closeServer();
      },
    };
  } catch (error) {
    await browser?.close();
    await closeServer();
    throw error;
  }
}
