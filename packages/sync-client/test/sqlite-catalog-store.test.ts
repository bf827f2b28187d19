import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TillkitError } from '@tillkit/core';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogStore } from '../src/catalog-store';
import type { Change } from '../src/protocol/index';
import { createSqliteCatalogStore } from '../src/sqlite/index';
import { CATALOG_MIGRATIONS } from '../src/sqlite/migrations';
import { openSqliteCatalogStore, sqliteConnectionOf, type SqliteCatalogStore } from '../src/sqlite/sqlite-catalog-store';
import { catalogStoreContractCases, type CatalogStoreContractContext } from '../src/testing/catalog-store-contract';
import { liveAfter, pageOfCursor, RECORDS } from './crash/crash-pages';
import { bundleChild, runAndKill } from './crash/spawn-child';

const dir = mkdtempSync(join(tmpdir(), 'tillkit-catalog-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
const freshPath = (label = 'catalog') => join(dir, `${label}-${++counter}.db`);

const paths = new WeakMap<CatalogStore, string>();
async function open(path: string): Promise<SqliteCatalogStore> {
  const store = await createSqliteCatalogStore({ path });
  paths.set(store, path);
  return store;
}

const context: CatalogStoreContractContext = {
  create: () => open(freshPath()),
  async reopen(store) {
    const path = paths.get(store);
    if (path === undefined) throw new Error('reopen() got a store this test did not open');
    await store.close();
    return open(path);
  },
};

describe('SQLite catalog store: the shared contract', () => {
  for (const contractCase of catalogStoreContractCases) {
    it(contractCase.name, () => contractCase.run(context));
  }
});

const T0 = Date.UTC(2026, 11, 1, 9, 0, 0);
const upsert = (id: string, at: number, name = `Article ${id}`): Change => ({
  id,
  updatedAt: T0 + at,
  deleted: false,
  data: { id, name, taxId: 'std', barcodes: [`bc-${id}`] },
});

async function codeOf(action: () => unknown): Promise<string | undefined> {
  try {
    await action();
  } catch (error) {
    return TillkitError.isInstance(error) ? error.code : `not a TillkitError: ${String(error)}`;
  }
  return undefined;
}

describe('SQLite catalog store: the file', () => {
  it('runs WAL with synchronous=FULL and records its schema version', async () => {
    const path = freshPath();
    const store = await open(path);
    const db = sqliteConnectionOf(store);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    // 2 = FULL: an applied page is on disk before applyPage resolves
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    await store.close();
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('user_version', { simple: true })).toBe(CATALOG_MIGRATIONS.length);
    expect(raw.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all()).toEqual([
      'cursors',
      'meta',
      'overlay',
      'overlay_keys',
      'record_keys',
      'records',
    ]);
    raw.close();
  });

  it('keeps pulled records as JSON text and looks barcodes up through the side table', async () => {
    const path = freshPath();
    const store = await open(path);
    await store.applyPage({ dataset: 'catalog', changes: [upsert('a1', 1)], cursor: { updatedAt: T0 + 1, id: 'a1' } });
    await store.close();
    const raw = new Database(path, { readonly: true });
    const row = raw.prepare('SELECT dataset, id, updated_at, data FROM records').get() as Record<string, unknown>;
    expect(row).toEqual({ dataset: 'catalog', id: 'a1', updated_at: T0 + 1, data: expect.any(String) });
    expect(JSON.parse(row.data as string)).toEqual({
      id: 'a1',
      name: 'Article a1',
      taxId: 'std',
      barcodes: ['bc-a1'],
      weighed: false,
    });
    expect(raw.prepare('SELECT key, dataset, id FROM record_keys').all()).toEqual([
      { key: 'barcode:bc-a1', dataset: 'catalog', id: 'a1' },
    ]);
    const plan = raw
      .prepare(`EXPLAIN QUERY PLAN SELECT id FROM record_keys WHERE key = 'barcode:x' AND dataset = 'catalog'`)
      .all()
      .map((r) => (r as { detail: string }).detail)
      .join('; ');
    expect(plan).toMatch(/SEARCH record_keys USING (COVERING )?(INDEX|PRIMARY KEY)/);
    raw.close();
  });

  it('refuses a database with a newer schema version and leaves the file as it was', async () => {
    const path = freshPath();
    const store = await open(path);
    await store.setMeta('deviceId', 'till-7');
    await store.close();
    const raw = new Database(path);
    raw.pragma('user_version = 99');
    raw.close();
    const before = readFileSync(path);
    const error = await createSqliteCatalogStore({ path }).catch((e: unknown) => e);
    expect(TillkitError.hasCode(error, 'STORE_VERSION_TOO_NEW')).toBe(true);
    expect((error as Error).message).toMatch(/schema version 99.*update the application/i);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('refuses a file that is not a database with STORAGE_ERROR and leaves it as it was', async () => {
    const path = freshPath();
    writeFileSync(path, 'these are the till notes, not a database\n'.repeat(200));
    const before = readFileSync(path);
    const error = await createSqliteCatalogStore({ path }).catch((e: unknown) => e);
    expect(TillkitError.hasCode(error, 'STORAGE_ERROR')).toBe(true);
    expect((error as Error).message).toMatch(/not a readable SQLite database.*move it aside/i);
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(await codeOf(() => createSqliteCatalogStore({ path: join(dir, 'no-such-dir', 'x.db') }))).toBe('STORAGE_ERROR');
    expect(await codeOf(() => createSqliteCatalogStore({ path: '' }))).toBe('VALIDATION_FAILED');
  });

  it('upgrades through a later migration without losing data, and a failing one leaves the database as it was', async () => {
    const path = freshPath();
    const store = await open(path);
    await store.applyPage({ dataset: 'catalog', changes: [upsert('a1', 1)], cursor: { updatedAt: T0 + 1, id: 'a1' } });
    await store.putLocal('members', { id: 'm1', name: 'Ada', points: 3 }, { key: 'w1', at: T0 });
    await store.setMeta('deviceId', 'till-7');
    await store.close();

    const failing = [
      ...CATALOG_MIGRATIONS,
      {
        version: 2,
        description: 'a step that fails half way',
        up(db: Database.Database) {
          db.exec('CREATE TABLE half_done (x INTEGER)');
          throw new Error('disk said no');
        },
      },
    ];
    const error = (() => {
      try {
        openSqliteCatalogStore({ path }, failing);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(TillkitError.hasCode(error, 'MIGRATION_FAILED')).toBe(true);
    expect((error as Error).message).toMatch(/left at version 1; nothing was lost/);

    const adding = [
      ...CATALOG_MIGRATIONS,
      {
        version: 2,
        description: 'a column for pulled records',
        up(db: Database.Database) {
          db.exec('ALTER TABLE records ADD COLUMN source TEXT');
        },
      },
    ];
    const upgraded = openSqliteCatalogStore({ path }, adding);
    const db = sqliteConnectionOf(upgraded);
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect(db.prepare(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'half_done'`).pluck().get()).toBe(0);
    expect((await upgraded.get('catalog', 'a1'))?.name).toBe('Article a1');
    expect(await upgraded.getCursor('catalog')).toEqual({ updatedAt: T0 + 1, id: 'a1' });
    expect((await upgraded.listLocal()).map((w) => w.id)).toEqual(['m1']);
    expect(await upgraded.getMeta('deviceId')).toBe('till-7');
    await upgraded.close();
    // the current code refuses what the newer schema wrote
    expect(await codeOf(() => createSqliteCatalogStore({ path }))).toBe('STORE_VERSION_TOO_NEW');
  });

  it('lets two connections to one file see each other’s pages', async () => {
    const path = freshPath();
    const one = await open(path);
    const two = await open(path);
    await one.applyPage({ dataset: 'catalog', changes: [upsert('a1', 1)], cursor: { updatedAt: T0 + 1, id: 'a1' } });
    expect((await two.findByBarcode('bc-a1'))?.id).toBe('a1');
    await two.applyPage({ dataset: 'catalog', changes: [upsert('a2', 2)], cursor: { updatedAt: T0 + 2, id: 'a2' } });
    expect(await one.getCursor('catalog')).toEqual({ updatedAt: T0 + 2, id: 'a2' });
    expect(await one.count('catalog')).toBe(2);
    await one.close();
    await two.close();
  });

  it('applies a page of 5,000 records in one transaction', async () => {
    const store = await open(freshPath());
    const changes = Array.from({ length: 5000 }, (_, i) => upsert(`a${String(i).padStart(5, '0')}`, i + 1));
    const result = await store.applyPage({ dataset: 'catalog', changes, cursor: { updatedAt: T0 + 5000, id: 'a04999' } });
    expect(result.upserted).toBe(5000);
    expect(await store.count('catalog')).toBe(5000);
    expect((await store.findByBarcode('bc-a02500'))?.id).toBe('a02500');
    expect((await store.list('catalog', { afterId: 'a04997' })).map((r) => r.id)).toEqual(['a04998', 'a04999']);
    await store.close();
  });
});

describe('SQLite catalog store: a process killed while applying pages', () => {
  let bundle: string;
  beforeAll(async () => {
    bundle = await bundleChild(dir);
  });

  it('leaves the store at a page boundary every time: records, lookup keys and cursor agree', async () => {
    const path = freshPath('crash');
    // killed at several moments after the first, second, ... page: mostly in the middle of a page's transaction
    const kills: [afterPages: number, delayMs: number][] = [
      [1, 0],
      [1, 9],
      [2, 23],
      [1, 41],
      [3, 5],
    ];
    let before = 0;
    for (const [afterPages, delayMs] of kills) {
      const child = await runAndKill(bundle, path, afterPages, delayMs);
      expect(child.signal, child.stderr).toBe('SIGKILL');
      expect(child.startedAfter).toBe(before);

      const store = await open(path);
      const cursor = await store.getCursor('catalog');
      const n = pageOfCursor(cursor);
      // every page whose applyPage resolved is there; at most the page in progress besides
      expect(n).toBeGreaterThanOrEqual(child.lastApplied);
      expect(n).toBeLessThanOrEqual(child.lastApplied + 1);
      expect(cursor).toEqual({ updatedAt: n * 1000 + RECORDS + 1, id: 'counter' });
      expect((await store.get('catalog', 'counter'))?.name).toBe(`page ${n}`);
      expect(await store.count('catalog')).toBe(liveAfter(n));
      expect(await store.get('catalog', `p${n}-${RECORDS - 1}`)).toBeDefined();
      expect(await store.get('catalog', `p${n + 1}-000`)).toBeUndefined();
      expect((await store.findByBarcode(`bc-p${n}-100`))?.id).toBe(`p${n}-100`);
      if (n > 1) expect(await store.findByBarcode(`bc-p${n - 1}-000`)).toBeUndefined();
      const db = sqliteConnectionOf(store);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      // one barcode per article, the counter has none
      expect(db.prepare('SELECT COUNT(*) FROM record_keys').pluck().get()).toBe(liveAfter(n) - 1);
      await store.close();
      before = n;
    }
    expect(before).toBeGreaterThanOrEqual(kills.length);
  });
});
