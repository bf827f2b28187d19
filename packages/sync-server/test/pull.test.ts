import { decodeCursor, encodeCursor, pullPageSchema, type Change, type PullPage } from '@tillkit/sync-client/protocol';
import { describe, expect, it } from 'vitest';
import { call, enrolTill, startServer } from './fixtures';

const T = { merchantId: 'm1', storeId: 's1', registerId: 'r1' };

function item(id: string, name = `Item ${id}`) {
  return { id, name, taxId: 'vat19' };
}

async function put(server: { url: string; adminToken: string }, dataset: string, records: unknown[], store = 's1') {
  return call(
    server.url,
    'PUT',
    `/admin/v1/merchants/m1/stores/${store}/datasets/${dataset}`,
    { records },
    { token: server.adminToken },
  );
}

async function pull(server: { url: string }, token: string, dataset: string, query = ''): Promise<PullPage> {
  const answer = await call(server.url, 'GET', `/v1/sync/pull/${dataset}${query}`, undefined, { token });
  expect(answer.status).toBe(200);
  return pullPageSchema.parse(answer.body);
}

/** Pulls every page from `cursor` on. */
async function pullAll(server: { url: string }, token: string, dataset: string, limit: number, from: string | null = null) {
  const changes: Change[] = [];
  let cursor = from;
  let pages = 0;
  for (;;) {
    const page = await pull(server, token, dataset, `?limit=${limit}${cursor === null ? '' : `&cursor=${cursor}`}`);
    pages++;
    changes.push(...page.changes);
    if (page.cursor !== null) cursor = encodeCursor(page.cursor);
    if (!page.hasMore) return { changes, cursor, pages };
  }
}

describe('pull', () => {
  it('pages through a dataset in (updatedAt, id) order with cursors, records validated and defaults filled', async () => {
    const server = await startServer({ clock: { now: () => 1_000 } });
    const till = await enrolTill(server, T);
    const ids = Array.from({ length: 7 }, (_, i) => `sku-${String(i).padStart(2, '0')}`);
    const put1 = await put(
      server,
      'catalog',
      [...ids].reverse().map((id) => item(id)),
    );
    expect(put1.status).toBe(200);
    expect(put1.body).toEqual({ count: 7, updatedAt: 1_000 });

    const all = await pullAll(server, till.token, 'catalog', 3);
    expect(all.pages).toBe(3);
    // one write: every record has the same updatedAt, so the id decides the order
    expect(all.changes.map((c) => c.id)).toEqual(ids);
    expect(all.changes[0]).toEqual({
      id: 'sku-00',
      updatedAt: 1_000,
      deleted: false,
      data: { id: 'sku-00', name: 'Item sku-00', taxId: 'vat19', barcodes: [], weighed: false },
    });
    expect(decodeCursor(all.cursor!)).toEqual({ updatedAt: 1_000, id: 'sku-06' });

    // nothing new: an empty page that keeps the cursor
    const empty = await pull(server, till.token, 'catalog', `?cursor=${all.cursor}`);
    expect(empty).toEqual({ dataset: 'catalog', changes: [], cursor: { updatedAt: 1_000, id: 'sku-06' }, hasMore: false });
  });

  it('hands later writes a later updatedAt even when the clock stands still, so no cursor skips them', async () => {
    const server = await startServer({ clock: { now: () => 5_000 } });
    const till = await enrolTill(server, T);
    await put(server, 'catalog', [item('m')]);
    const first = await pullAll(server, till.token, 'catalog', 10);
    // 'a' sorts before 'm': with the same updatedAt it would hide behind the cursor
    const second = await put(server, 'catalog', [item('a')]);
    expect(second.body.updatedAt).toBe(5_001);
    const next = await pullAll(server, till.token, 'catalog', 10, first.cursor);
    expect(next.changes.map((c) => [c.id, c.updatedAt])).toEqual([['a', 5_001]]);
  });

  it('sends a deletion as a tombstone and an update as the new record, each once, after the cursor', async () => {
    let now = 10_000;
    const server = await startServer({ clock: { now: () => now } });
    const till = await enrolTill(server, T);
    await put(server, 'prices', [
      { id: 'p1', currency: 'EUR', unitPrice: 100 },
      { id: 'p2', currency: 'EUR', unitPrice: 200 },
    ]);
    const start = await pullAll(server, till.token, 'prices', 10);
    now += 10;
    const del = await call(server.url, 'DELETE', '/admin/v1/merchants/m1/stores/s1/datasets/prices/p1', undefined, {
      token: server.adminToken,
    });
    expect(del.body).toEqual({ id: 'p1', deleted: true, updatedAt: 10_010 });
    now += 10;
    await put(server, 'prices', [{ id: 'p2', currency: 'EUR', unitPrice: 250 }]);
    const changes = (await pullAll(server, till.token, 'prices', 10, start.cursor)).changes;
    expect(changes).toEqual([
      { id: 'p1', updatedAt: 10_010, deleted: true },
      { id: 'p2', updatedAt: 10_020, deleted: false, data: { id: 'p2', currency: 'EUR', unitPrice: 250 } },
    ]);
    // a full resync still carries the tombstone
    expect((await pullAll(server, till.token, 'prices', 1)).changes.map((c) => c.deleted)).toEqual([true, false]);

    const unknown = await call(server.url, 'DELETE', '/admin/v1/merchants/m1/stores/s1/datasets/prices/nope', undefined, {
      token: server.adminToken,
    });
    expect(unknown).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
  });

  it('refuses a malformed cursor with 400 CURSOR_EXPIRED, and bad limits and datasets with problems', async () => {
    const server = await startServer({ limits: { maxPageSize: 2 } });
    const till = await enrolTill(server, T);
    await put(server, 'members', [
      { id: 'a', name: 'Ann', points: 1 },
      { id: 'b', name: 'Bob', points: 2 },
      { id: 'c', name: 'Cy', points: 3 },
    ]);
    for (const cursor of ['not*base64', encodeCursor({ updatedAt: 1, id: 'x' }).slice(0, -3) + '!!', 'eyJmb28iOjF9']) {
      const answer = await call(server.url, 'GET', `/v1/sync/pull/members?cursor=${encodeURIComponent(cursor)}`, undefined, {
        token: till.token,
      });
      expect(answer.status).toBe(400);
      expect(answer.body.code).toBe('CURSOR_EXPIRED');
    }
    const page = await pull(server, till.token, 'members', '?limit=50');
    expect(page.changes).toHaveLength(2);
    expect(page.hasMore).toBe(true);
    for (const limit of ['0', '-1', 'ten', '1.5']) {
      const answer = await call(server.url, 'GET', `/v1/sync/pull/members?limit=${limit}`, undefined, { token: till.token });
      expect(answer).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });
    }
    const unknown = await call(server.url, 'GET', '/v1/sync/pull/orders', undefined, { token: till.token });
    expect(unknown).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
  });

  it('refuses records that do not match the dataset schema, naming the record and field', async () => {
    const server = await startServer();
    const answer = await put(server, 'tax-rates', [
      { id: 't1', name: 'VAT', rate: '19', inclusive: true },
      { id: 't2', name: 'VAT', rate: 'nineteen', inclusive: true },
    ]);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ code: 'BAD_REQUEST', issues: [{ path: 'records.1.rate' }] });
    const twice = await put(server, 'config', [
      { id: 'header', value: 'A' },
      { id: 'header', value: 'B' },
    ]);
    expect(twice).toMatchObject({ status: 400, body: { detail: expect.stringMatching(/twice/) } });
  });
});
