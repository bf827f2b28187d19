import { filter, firstValueFrom, timeout } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { withCleanup } from './cleanup';
import { startCloud, TENANT, until } from './harness';
import { TillFixture } from './till-fixture';

const { cloud, till, folder } = withCleanup();

const article = (id: string, name: string, barcodes: string[] = []) => ({ id, name, barcodes, taxId: 'vat19' });
const price = (id: string, unitPrice: number) => ({ id, currency: 'EUR', unitPrice });

describe('pull', () => {
  it('pulls catalog, prices and tax rates page by page, then tombstones and a price change from the cursor', async () => {
    const { url, admin } = await cloud();
    await admin.putRecords('tax-rates', [{ id: 'vat19', name: 'VAT 19%', rate: '19', inclusive: true }]);
    await admin.putRecords('catalog', [
      article('coffee', 'Coffee', ['4000000000001']),
      article('tea', 'Tea', ['4000000000002']),
      article('cake', 'Cake'),
      article('water', 'Water'),
      article('juice', 'Juice'),
    ]);
    await admin.putRecords('prices', [
      price('coffee', 350),
      price('tea', 300),
      price('cake', 420),
      price('water', 200),
      price('juice', 380),
    ]);

    const t = await till(folder(), { baseUrl: url, deviceId: 'till-a', pull: { intervalMs: 0, limit: 2 } });
    await t.client.enrol(await admin.enrolmentCode());
    const first = await t.client.pullNow(['catalog', 'prices', 'tax-rates']);
    expect(first.datasets.map((d) => [d.dataset, d.pages, d.upserted])).toEqual([
      ['catalog', 3, 5],
      ['prices', 3, 5],
      ['tax-rates', 1, 1],
    ]);
    expect(await t.catalog.count('catalog')).toBe(5);
    expect((await t.catalog.findByBarcode('4000000000002'))?.name).toBe('Tea');
    expect((await t.catalog.get('prices', 'coffee'))?.unitPrice).toBe(350);

    // the back office raises a price, withdraws an article and adds one
    await admin.putRecords('prices', [price('coffee', 380)]);
    await admin.deleteRecord('catalog', 'tea');
    await admin.putRecords('catalog', [article('bagel', 'Bagel', ['4000000000003'])]);
    const second = await t.client.pullNow(['catalog', 'prices']);
    expect(second.datasets.map((d) => [d.dataset, d.upserted, d.deleted, d.resynced])).toEqual([
      ['catalog', 1, 1, false],
      ['prices', 1, 0, false],
    ]);
    expect((await t.catalog.get('prices', 'coffee'))?.unitPrice).toBe(380);
    expect(await t.catalog.get('catalog', 'tea')).toBeUndefined();
    expect(await t.catalog.findByBarcode('4000000000002')).toBeUndefined();
    expect((await t.catalog.list('catalog')).map((r) => r.id)).toEqual(['bagel', 'cake', 'coffee', 'juice', 'water']);

    // nothing new: nothing applied
    const third = await t.client.pullNow(['catalog']);
    expect(third.datasets[0]).toMatchObject({ pages: 0, upserted: 0, deleted: 0 });
    const status = await firstValueFrom(
      t.client.status$.pipe(
        filter((s) => s.lastPullAt !== undefined),
        timeout(2000),
      ),
    );
    expect(status.connectivity).not.toBe('offline');
  });

  it('pulls on start and after an outage ends; a local write stays until the server has its event', async () => {
    const dir = folder();
    const first = await cloud({ db: `${dir}/cloud.db` });
    await first.admin.putRecords('members', [{ id: 'm-1', name: 'Ada', cardNumber: 'CARD-1', points: 10 }]);
    const t = await till(dir, { baseUrl: first.url, deviceId: 'till-a' });
    await t.client.enrol(await first.admin.enrolmentCode());
    await t.client.start();
    await until('the member pulled on start', async () => (await t.catalog.get('members', 'm-1')) ?? undefined);

    // a sale earns points: the till shows them at once, before the server knows
    const fixture = new TillFixture(TENANT.registerId);
    await t.client.recordEvent(fixture.openSession());
    const sale = fixture.sale();
    await t.client.recordEvent(sale, {
      local: [{ dataset: 'members', record: { id: 'm-1', name: 'Ada', cardNumber: 'CARD-1', points: 17 } }],
    });
    expect((await t.catalog.findMembers('card-1'))[0]?.points).toBe(17);
    await until('both events on the server', async () => ((await first.admin.events()).length === 2 ? true : undefined));
    await firstValueFrom(
      t.client.status$.pipe(
        filter((s) => s.pending + s.inFlight === 0),
        timeout(5000),
      ),
    );

    // the outage: the server is gone; meanwhile the back office books the member's new balance
    const { port } = first.server;
    await first.close();
    await firstValueFrom(
      t.client.status$.pipe(
        filter((s) => s.connectivity === 'offline'),
        timeout(10_000),
      ),
    );
    const backOffice = await startCloud({ db: `${dir}/cloud.db` });
    await backOffice.admin.putRecords('members', [{ id: 'm-1', name: 'Ada', cardNumber: 'CARD-1', points: 17 }]);
    await backOffice.close();
    expect((await t.catalog.listLocal()).map((w) => w.id)).toEqual(['m-1']);

    // the server is back where the till expects it: the client pulls by itself, and as the event
    // was acknowledged, the overlay is settled
    await cloud({ db: `${dir}/cloud.db`, port });
    // generous: CI runs every package's tests at once on two cores
    await until('the overlay settled', async () => ((await t.catalog.listLocal()).length === 0 ? true : undefined), 40_000);
    expect((await t.catalog.get('members', 'm-1'))?.points).toBe(17);
  }, 60_000);
});
