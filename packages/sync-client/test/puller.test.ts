import { TillkitError } from '@tillkit/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CatalogStore } from '../src/catalog-store';
import { SyncErrorCode, SyncNetworkError } from '../src/errors';
import { compareCursor, type Change, type Cursor, type Dataset } from '../src/protocol/index';
import { pullDataset, validatePage, type FetchPage } from '../src/puller';
import { createSqliteCatalogStore } from '../src/sqlite/index';

// The paging rules of the puller, against a real SQLite catalog store and a server function that
// pages an in-memory change log exactly like the protocol says (the same flows over real HTTP
// against the reference server are in tests/sync-e2e).

const item = (id: string, name = id) => ({ id, name, barcodes: [], taxId: 'vat', weighed: false });

class ChangeLog {
  changes: Change[] = [];
  requests: { cursor: Cursor | null; limit: number }[] = [];
  /** cursors older than this are expired (tombstones pruned) */
  expiredBefore: number | undefined;
  private t = 1000;

  upsert(id: string, name = id): void {
    this.changes = this.changes.filter((c) => c.id !== id);
    this.changes.push({ id, updatedAt: ++this.t, deleted: false, data: item(id, name) });
  }

  remove(id: string): void {
    this.changes = this.changes.filter((c) => c.id !== id);
    this.changes.push({ id, updatedAt: ++this.t, deleted: true });
  }

  readonly fetchPage: FetchPage = ({ dataset, cursor, limit }) => {
    this.requests.push({ cursor, limit });
    if (cursor !== null && this.expiredBefore !== undefined && cursor.updatedAt < this.expiredBefore) {
      return Promise.reject(
        new SyncNetworkError('CURSOR_EXPIRED', 'GET /v1/sync/pull: HTTP 410 Gone', { isRetryable: false, status: 410 }),
      );
    }
    const after = this.changes.filter((c) => cursor === null || compareCursor({ updatedAt: c.updatedAt, id: c.id }, cursor) > 0);
    const page = after.slice(0, limit);
    const last = page.at(-1);
    return Promise.resolve({
      dataset,
      changes: page,
      cursor: last === undefined ? cursor : { updatedAt: last.updatedAt, id: last.id },
      hasMore: after.length > limit,
    });
  };
}

let catalog: CatalogStore;
let log: ChangeLog;
beforeEach(async () => {
  catalog = await createSqliteCatalogStore({ path: ':memory:' });
  log = new ChangeLog();
});
afterEach(async () => {
  await catalog.close();
});

const pull = (dataset: Dataset = 'catalog', unsettledKeys?: () => Promise<ReadonlySet<string>>, limit = 2) =>
  pullDataset({ dataset, catalog, fetchPage: log.fetchPage, limit, unsettledKeys });

describe('pullDataset', () => {
  it('follows hasMore page by page and stores the cursor with each page', async () => {
    for (const id of ['a', 'b', 'c', 'd', 'e']) log.upsert(id);
    const report = await pull();
    expect(report).toMatchObject({ pages: 3, upserted: 5, deleted: 0, resynced: false });
    expect(log.requests.map((r) => r.cursor?.id ?? null)).toEqual([null, 'b', 'd']);
    expect(await catalog.count('catalog')).toBe(5);
    expect(await catalog.getCursor('catalog')).toEqual({ updatedAt: log.changes.at(-1)!.updatedAt, id: 'e' });
  });

  it('goes on from the stored cursor and applies tombstones and changes', async () => {
    for (const id of ['a', 'b', 'c']) log.upsert(id);
    await pull();
    log.requests = [];
    log.remove('b');
    log.upsert('c', 'Cappuccino');
    const report = await pull();
    expect(log.requests[0]!.cursor?.id).toBe('c');
    expect(report).toMatchObject({ upserted: 1, deleted: 1 });
    expect(await catalog.get('catalog', 'b')).toBeUndefined();
    expect((await catalog.get('catalog', 'c'))?.name).toBe('Cappuccino');
    expect(await catalog.count('catalog')).toBe(2);
  });

  it('asks nothing more and changes nothing when the server has nothing new', async () => {
    log.upsert('a');
    await pull();
    const cursor = await catalog.getCursor('catalog');
    const report = await pull();
    expect(report.pages).toBe(0);
    expect(await catalog.getCursor('catalog')).toEqual(cursor);
  });

  it('resyncs from the start when the cursor expired, dropping records deleted meanwhile', async () => {
    for (const id of ['a', 'b', 'c']) log.upsert(id);
    await pull('catalog', undefined, 10);
    // b is deleted and its tombstone pruned: a client at the old cursor cannot learn of it
    log.remove('b');
    log.expiredBefore = log.changes.at(-1)!.updatedAt;
    log.changes = log.changes.filter((c) => c.id !== 'b');
    log.upsert('d');
    log.requests = [];
    const report = await pull('catalog', undefined, 10);
    expect(report.resynced).toBe(true);
    expect(log.requests.map((r) => r.cursor?.id ?? null)).toEqual(['c', null]);
    expect((await catalog.list('catalog')).map((r) => r.id)).toEqual(['a', 'c', 'd']);
  });

  it('refuses a page out of order or with an unreadable record and applies none of it', async () => {
    log.upsert('a');
    await pull();
    const cursor = await catalog.getCursor('catalog');
    const bad: FetchPage = () =>
      Promise.resolve({
        dataset: 'catalog',
        changes: [{ id: 'z', updatedAt: 5000, deleted: false, data: { id: 'z', name: '', taxId: 'vat' } }],
        cursor: { updatedAt: 5000, id: 'z' },
        hasMore: false,
      });
    const error = await pullDataset({ dataset: 'catalog', catalog, fetchPage: bad, limit: 10 }).catch((e: unknown) => e);
    expect(TillkitError.hasCode(error, SyncErrorCode.BAD_RESPONSE)).toBe(true);
    expect((error as Error).message).toContain('"z"');
    expect(await catalog.getCursor('catalog')).toEqual(cursor);
    expect(await catalog.get('catalog', 'z')).toBeUndefined();
  });

  it('settles an overlay entry when its record is pulled again after its event was acknowledged', async () => {
    log.upsert('m1');
    await pull();
    await catalog.putLocal('catalog', item('m1', 'local name'), { key: 'event-1', at: 1 });
    await catalog.putLocal('catalog', item('m2', 'local only'), { key: 'event-2', at: 2 });
    log.upsert('m1', 'server name');
    // event-1 still waits in the outbox: the overlay stays
    await pull('catalog', () => Promise.resolve(new Set(['event-1'])));
    expect((await catalog.get('catalog', 'm1'))?.name).toBe('local name');
    // acknowledged, and the record changes again on the server: the pulled record shows
    log.upsert('m1', 'server name 2');
    const report = await pull('catalog', () => Promise.resolve(new Set<string>()));
    expect(report.settled).toBe(1);
    expect((await catalog.get('catalog', 'm1'))?.name).toBe('server name 2');
    expect((await catalog.listLocal()).map((w) => w.id)).toEqual(['m2']);
  });
});

describe('validatePage', () => {
  const after = { updatedAt: 10, id: 'b' };
  it('accepts an empty page at the request cursor and keeps unknown record fields', () => {
    expect(validatePage({ dataset: 'prices', changes: [], cursor: after, hasMore: false }, 'prices', after).cursor).toEqual(
      after,
    );
    const page = validatePage(
      {
        dataset: 'prices',
        changes: [{ id: 'c', updatedAt: 11, deleted: false, data: { currency: 'EUR', unitPrice: 100, promo: true } }],
        cursor: { updatedAt: 11, id: 'c' },
        hasMore: false,
      },
      'prices',
      after,
    );
    expect(page.changes[0]).toMatchObject({ data: { promo: true } });
  });

  it.each([
    ['another dataset', { dataset: 'catalog', changes: [], cursor: null, hasMore: false }, /of dataset "catalog"/],
    [
      'a change at the cursor',
      {
        dataset: 'prices',
        changes: [{ id: 'b', updatedAt: 10, deleted: true }],
        cursor: { updatedAt: 10, id: 'b' },
        hasMore: false,
      },
      /out of order/,
    ],
    [
      'a cursor before its last change',
      {
        dataset: 'prices',
        changes: [{ id: 'c', updatedAt: 12, deleted: true }],
        cursor: { updatedAt: 11, id: 'c' },
        hasMore: false,
      },
      /cursor before its last change/,
    ],
    [
      'a cursor moved back',
      { dataset: 'prices', changes: [], cursor: { updatedAt: 9, id: 'a' }, hasMore: false },
      /moves the cursor back/,
    ],
    [
      'a record of another id',
      {
        dataset: 'prices',
        changes: [{ id: 'c', updatedAt: 12, deleted: false, data: { id: 'd', currency: 'EUR', unitPrice: 1 } }],
        cursor: { updatedAt: 12, id: 'c' },
        hasMore: false,
      },
      /record of "\\"d\\""|record of/,
    ],
  ])('refuses %s', (_name, body, message) => {
    expect(() => validatePage(body, 'prices', after)).toThrow(message);
  });
});
