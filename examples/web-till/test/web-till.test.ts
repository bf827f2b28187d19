import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CompletedTransaction, JournalEntry, VerifyChainResult } from '@tillkit/core';
import type { Browser, Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium } from '../../../tooling/chromium';
import { CAFE, MERCHANT, REGISTER, startDemoCloud, type DemoCloud } from '../scripts/demo-cloud';

// The web till end to end: built by Vite, served from loopback, driven through its own buttons in
// Debian's headless Chromium, syncing to the reference server. Browsers are never downloaded.

const root = fileURLToPath(new URL('..', import.meta.url));

interface SalePayload {
  entry: JournalEntry;
  transaction: CompletedTransaction;
}

let dir: string;
let cloud: DemoCloud;
let app: ViteDevServer;
let appOrigin: string;
let browser: Browser;

beforeAll(async () => {
  chromiumPath(); // fail first, and clearly, when there is no browser
  dir = await mkdtemp(join(tmpdir(), 'tillkit-web-till-test-'));
  [cloud, app, browser] = await Promise.all([
    startDemoCloud({ dir }),
    createServer({
      root,
      configFile: join(root, 'vite.config.ts'),
      cacheDir: join(dir, 'vite-cache'),
      logLevel: 'error',
      clearScreen: false,
      server: { port: 0, host: '127.0.0.1', hmr: false, watch: null },
    }).then((vite) => vite.listen()),
    launchChromium(),
  ]);
  const address = app.httpServer?.address();
  if (address === null || address === undefined || typeof address === 'string') throw new Error('Vite did not listen on a port.');
  appOrigin = `http://127.0.0.1:${address.port}`;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await cloud?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

async function openTill(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
}

async function ring(page: Page, products: readonly string[], tender: 'cash' | 'card', cashGiven?: string): Promise<number> {
  const before = Number((await page.locator('#receipt-text').getAttribute('data-receipt-number')) ?? '0');
  for (const id of products) await page.click(`#products button[data-product-id="${id}"]`);
  if (cashGiven !== undefined) await page.fill('#cash-given', cashGiven);
  await page.click(tender === 'cash' ? '#pay-cash' : '#pay-card');
  await page.waitForSelector(`#receipt-text[data-receipt-number="${before + 1}"]`, { timeout: 10_000 });
  return before + 1;
}

async function statusIs(page: Page, connectivity: string, pending: number, timeout = 20_000): Promise<void> {
  await page.waitForSelector(`#status[data-connectivity="${connectivity}"][data-pending="${pending}"]`, { timeout });
}

describe('the web till', () => {
  it('rings sales online and offline, survives a reload, and every sale reaches the server exactly once', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    try {
      const [espresso, cappuccino, croissant] = CAFE;
      const server = cloud.server.url;
      await openTill(page, `${appOrigin}/?server=${encodeURIComponent(server)}&code=${encodeURIComponent(cloud.code)}`);
      expect(new URL(page.url()).searchParams.has('code')).toBe(false); // the used-up code left the address bar
      expect(await page.isHidden('#enrol')).toBe(true);
      await page.waitForFunction((n) => document.querySelectorAll('#products button').length === n, CAFE.length, {
        timeout: 15_000,
      });

      // online: a sale goes out at once
      expect(await ring(page, [espresso.id, espresso.id, croissant.id], 'cash')).toBe(1);
      const receipt = await page.locator('#receipt-text').textContent();
      expect(receipt).toContain('Café Tillkit');
      expect(receipt).toMatch(/2\s*(x|×)?\s*Espresso|Espresso/);
      expect(receipt).toContain('7.20');
      await statusIs(page, 'online', 0);

      // offline: the server cannot be reached; the till keeps selling
      await page.route(`${server}/**`, (route) => route.abort('internetdisconnected'));
      expect(await ring(page, [cappuccino.id], 'card')).toBe(2);
      expect(await ring(page, [espresso.id, cappuccino.id], 'cash', '10')).toBe(3);
      expect(await page.locator('#receipt-text').textContent()).toMatch(/Change\s+3\.70/);
      await statusIs(page, 'offline', 2);
      expect(await page.locator('#status-text').textContent()).toContain('2 pending');

      // a reload while offline: the journal goes on from the stored till state, nothing is lost
      await page.reload();
      await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
      await statusIs(page, 'offline', 2);
      expect(await page.locator('#register').textContent()).toContain('last receipt 3');
      expect((await cloud.events('sale')).length).toBe(1);

      // back online: the backlog drains
      await page.unroute(`${server}/**`);
      await statusIs(page, 'online', 0, 30_000);
      expect(await page.locator('#status-text').textContent()).toContain('0 pending');

      const sales = await cloud.events('sale');
      expect(sales).toHaveLength(3);
      expect(new Set(sales.map((e) => e.key)).size).toBe(3);
      expect(sales.map((e) => e.partition)).toEqual([REGISTER, REGISTER, REGISTER]);
      const receipts = sales.map((e) => (e.payload as SalePayload).transaction.receiptNumber);
      expect(receipts).toEqual([1, 2, 3]);
      expect(sales.map((e) => (e.payload as SalePayload).transaction.priced.total)).toEqual([
        2 * espresso.price + croissant.price,
        cappuccino.price,
        espresso.price + cappuccino.price,
      ]);
      const journal = (await cloud.admin('GET', `/merchants/${MERCHANT}/registers/${REGISTER}/journal`)) as {
        entries: JournalEntry[];
        verification: VerifyChainResult;
      };
      expect(journal.verification.ok).toBe(true);
      expect(journal.entries.map((e) => e.type)).toEqual(['session_opening', 'sale', 'sale', 'sale']);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);

  it('refuses a code the server does not know, says why, and asks for another', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(`${appOrigin}/?server=${encodeURIComponent(cloud.server.url)}&code=NOPE-NOPE-NOPE`);
      await page.waitForSelector('#enrol:not([hidden])', { timeout: 15_000 });
      expect(await page.locator('#message').textContent()).toContain('ENROLMENT_CODE_INVALID');
      expect(await page.isHidden('#till')).toBe(true);
      expect(await page.inputValue('#enrol-server')).toBe(cloud.server.url);
      expect(new URL(page.url()).searchParams.has('code')).toBe(false);
    } finally {
      await context.close();
    }
  }, 30_000);
});
