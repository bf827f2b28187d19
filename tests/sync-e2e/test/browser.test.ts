import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openBrowserPage } from './browser/browser-harness';
import type { SyncClientPageApi } from './browser/sync-client-entry';
import { withCleanup } from './cleanup';
import { TENANT } from './harness';

// The SyncClient in real headless Chromium (Debian's /usr/bin/chromium, or CHROMIUM_PATH): a till in
// a browser tab, with the Dexie outbox store and the Dexie catalog store in IndexedDB, against the
// reference server on loopback (another origin: every request goes through CORS).

const ENTRY = fileURLToPath(new URL('./browser/sync-client-entry.ts', import.meta.url));

const { cloud, defer } = withCleanup();

describe('the sync client in a browser', () => {
  it(
    'enrols, delivers three sales exactly once, pulls the catalog into IndexedDB, and keeps both across a reload',
    { timeout: 30_000 },
    async () => {
      const c = await cloud();
      await c.admin.putRecords('tax-rates', [{ id: 'vat19', name: 'VAT 19%', rate: '19', inclusive: true }]);
      await c.admin.putRecords('catalog', [
        { id: 'coffee', name: 'Coffee', barcodes: ['4000000000001'], taxId: 'vat19' },
        { id: 'tea', name: 'Tea', barcodes: ['4000000000002'], taxId: 'vat19' },
        { id: 'cake', name: 'Cake', taxId: 'vat19' },
      ]);
      await c.admin.putRecords('prices', [
        { id: 'coffee', currency: 'EUR', unitPrice: 350 },
        { id: 'tea', currency: 'EUR', unitPrice: 300 },
        { id: 'cake', currency: 'EUR', unitPrice: 420 },
      ]);
      await c.admin.putRecords('members', [{ id: 'm-1', name: 'Ada', cardNumber: 'CARD-1', points: 10 }]);
      await c.admin.deleteRecord('catalog', 'cake');

      const browser = await openBrowserPage<SyncClientPageApi>(ENTRY);
      defer(() => browser.close());
      const till = { url: c.url, deviceId: 'browser-till' };

      expect(await browser.call('open', till)).toEqual({ enrolment: null });
      const enrolled = await browser.call('enrol', await c.admin.enrolmentCode());
      expect(enrolled).toMatchObject({ deviceId: 'browser-till', tenant: TENANT, currency: 'EUR' });
      const recorded = await browser.call('record', TENANT.registerId, 3);
      expect(recorded.saleTotals).toHaveLength(3);

      const drained = await browser.call('drain', 10_000);
      expect(drained.deadLetters).toBe(0);
      expect(drained.status).toEqual({ connectivity: 'online', auth: 'ok', deadLetters: 0, endpoint: 'primary' });
      expect(drained.acked.map((i) => i.key).sort()).toEqual([...recorded.keys].sort());
      expect(drained.acked.every((i) => i.result === 'applied')).toBe(true);

      // the server holds the session opening and the three sales, each once, in order, and the journal verifies
      const stored = await c.admin.events();
      expect(stored.map((e) => e.key)).toEqual(recorded.keys);
      expect(stored.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
      expect(stored.map((e) => e.payload.entry.hash)).toEqual(recorded.hashes);
      const sales = await c.admin.events('sale');
      expect(sales.map((e) => e.payload.transaction?.priced.total)).toEqual(recorded.saleTotals);
      expect(new Set(sales.map((e) => e.key)).size).toBe(3);
      const journal = await c.admin.journal();
      expect(journal.verification).toMatchObject({ ok: true, count: 4 });

      // the client pulled on its own once enrolled; the back office changes a price and adds an article, the till pulls again
      await c.admin.putRecords('prices', [
        { id: 'tea', currency: 'EUR', unitPrice: 320 },
        { id: 'bagel', currency: 'EUR', unitPrice: 280 },
      ]);
      await c.admin.putRecords('catalog', [{ id: 'bagel', name: 'Bagel', barcodes: ['4000000000003'], taxId: 'vat19' }]);
      // (a pull the client starts by itself may race this one and take the changes first: the store is what counts)
      const report = await browser.call('pull');
      expect(report.map((d) => d.dataset)).toEqual(['catalog', 'prices', 'tax-rates', 'members', 'config']);
      const seen = await browser.call('catalog');
      expect(seen.catalog.map((r) => [r.id, r.name])).toEqual([
        ['bagel', 'Bagel'],
        ['coffee', 'Coffee'],
        ['tea', 'Tea'],
      ]);
      expect(seen.prices.map((r) => [r.id, r.unitPrice])).toEqual([
        ['bagel', 280],
        ['cake', 420],
        ['coffee', 350],
        ['tea', 320],
      ]);
      expect(seen.taxRates.map((r) => r.id)).toEqual(['vat19']);
      expect(seen.members.map((r) => [r.id, r.points])).toEqual([['m-1', 10]]);
      expect(seen.config).toEqual([]);
      expect(seen.byBarcode).toBe('tea');
      expect(seen.member).toEqual(['m-1']);

      // a reload: the tab opens the same databases, still enrolled, with the catalog it pulled
      await browser.call('close');
      await browser.page.reload();
      await browser.page.waitForFunction(() => typeof (globalThis as { __tillkitPage?: unknown }).__tillkitPage === 'function');
      expect((await browser.call('open', till)).enrolment).toMatchObject({ deviceId: 'browser-till', tenant: TENANT });
      const again = await browser.call('catalog');
      expect(again.catalog.map((r) => r.id)).toEqual(['bagel', 'coffee', 'tea']);
      await browser.call('close');
      expect(browser.problems).toEqual([]);
    },
  );
});
