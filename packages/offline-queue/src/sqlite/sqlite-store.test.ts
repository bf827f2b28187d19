import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { TillkitError } from '@tillkit/core';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { OutboxStore } from '../store';
import { storeContractCases, type StoreContractContext } from '../testing/store-contract';
import { SQLITE_MIGRATIONS } from './migrations';
import { createSqliteStore, openSqliteStore, type SqliteStore } from './sqlite-store';

const dir = mkdtempSync(join(tmpdir(), 'tillkit-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const freshPath = () => join(dir, `outbox-${++counter}.db`);

const paths = new WeakMap<OutboxStore, string>();
const context: StoreContractContext = {
  async create() {
    const path = freshPath();
    const store = await createSqliteStore({ path });
    paths.set(store, path);
    return store;
  },
  async connect(store) {
    const path = paths.get(store)!;
    const other = await createSqliteStore({ path });
    paths.set(other, path);
    return other;
  },
};

describe('SQLite store: the shared store contract', () => {
  for (const contractCase of storeContractCases) {
    it(contractCase.name, () => contractCase.run(context));
  }
});

async function codeOf(action: () => unknown): Promise<string | undefined> {
  try {
    await action();
  } catch (error) {
    return TillkitError.isInstance(error) ? error.code : `not a TillkitError: ${String(error)}`;
  }
  return undefined;
}

describe('SQLite store: durability settings', () => {
  it('runs WAL with synchronous=FULL for commits', async () => {
    const path = freshPath();
    const store = await createSqliteStore({ path });
    await store.commit({ items: [{ key: 'k', partition: 'p', type: 'sale', payload: 1 }], now: 1 });
    await store.claim({ owner: 'f', now: 2, leaseMs: 1000, maxItems: 1, maxBytes: 100 });
    const db = (store as unknown as { db: Database.Database }).db;
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    // 2 = FULL: lease bookkeeping switches to NORMAL only for its own transaction
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    await store.close();
  });
});

describe('SQLite store: schema versions and migrations', () => {
  const item = (key: string) => ({ key, partition: 'till-1', type: 'sale', payload: { key } });

  it('upgrades an older database without losing queued items', async () => {
    const path = freshPath();
    const v1 = await createSqliteStore({ path });
    await v1.commit({ items: [item('a'), item('b')], records: [{ collection: 'journal', key: '1', value: 'e1' }], now: 10 });
    await v1.close();
    const v2 = openSqliteStore({ path }, [
      ...SQLITE_MIGRATIONS,
      { version: 2, description: 'add a column', up: (db) => db.exec('ALTER TABLE items ADD COLUMN note TEXT') },
    ]);
    expect((await v2.info()).schemaVersion).toBe(2);
    expect((await v2.listItems()).map((i) => [i.key, i.seq, i.state])).toEqual([
      ['a', 1, 'pending'],
      ['b', 2, 'pending'],
    ]);
    expect((await v2.getRecord('journal', '1'))?.value).toBe('e1');
    await v2.close();
  });

  it('leaves the database as it was when a migration fails', async () => {
    const path = freshPath();
    const v1 = await createSqliteStore({ path });
    await v1.commit({ items: [item('a')], now: 10 });
    await v1.close();
    let error: unknown;
    try {
      openSqliteStore({ path }, [
        ...SQLITE_MIGRATIONS,
        {
          version: 2,
          description: 'a broken step',
          up: (db) => {
            db.exec('ALTER TABLE items ADD COLUMN note TEXT');
            db.exec('DELETE FROM items');
            throw new Error('disk said no');
          },
        },
      ]);
    } catch (e) {
      error = e;
    }
    expect(TillkitError.hasCode(error, 'MIGRATION_FAILED')).toBe(true);
    expect((error as Error).message).toContain('left at version 1');
    const again = await createSqliteStore({ path });
    expect((await again.info()).schemaVersion).toBe(1);
    expect((await again.listItems()).map((i) => i.key)).toEqual(['a']);
    await again.close();
  });

  it('refuses a database written by a newer tillkit, and leaves it alone', async () => {
    const path = freshPath();
    await (await createSqliteStore({ path })).close();
    const raw = new Database(path);
    raw.pragma('user_version = 9');
    raw.close();
    const error = await createSqliteStore({ path }).catch((e: unknown) => e);
    expect(TillkitError.hasCode(error, 'STORE_VERSION_TOO_NEW')).toBe(true);
    expect((error as Error).message).toMatch(/schema version 9, newer than this tillkit knows \(1\)\. Update the application/);
    const check = new Database(path);
    expect(check.pragma('user_version', { simple: true })).toBe(9);
    check.close();
  });
});

describe('SQLite store: failures become typed errors', () => {
  it('a damaged file is a STORAGE_ERROR that says so', async () => {
    const path = freshPath();
    writeFileSync(path, 'this is not a database, it is a shopping list: milk, eggs, bread, and more bytes '.repeat(20));
    const error = await createSqliteStore({ path }).catch((e: unknown) => e);
    expect(TillkitError.hasCode(error, 'STORAGE_ERROR')).toBe(true);
    expect((error as Error).message).toMatch(/damaged \(SQLITE_NOTADB\)/);
  });

  it('a full disk is STORAGE_FULL and the commit writes nothing', async () => {
    const store = await createSqliteStore({ path: freshPath() });
    const db = (store as unknown as { db: Database.Database }).db;
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages + 2}`);
    const big = { blob: 'x'.repeat(64 * 1024) };
    const error = await store
      .commit({ items: [{ key: 'big', partition: 'p', type: 'sale', payload: big }], now: 1 })
      .catch((e: unknown) => e);
    expect(TillkitError.hasCode(error, 'STORAGE_FULL')).toBe(true);
    expect(await store.listItems({ state: 'all' })).toEqual([]);
    expect((await store.listPartitions()).map((p) => p.nextSeq)).toEqual([]);
    expect(store.diagnostics().lastError).toMatch(/disk is full/);
    await store.close();
  });

  it('bad options are VALIDATION_FAILED', async () => {
    expect(await codeOf(() => createSqliteStore({ path: '' }))).toBe('VALIDATION_FAILED');
    expect(await codeOf(() => createSqliteStore({ path: freshPath(), busyTimeoutMs: -1 }))).toBe('VALIDATION_FAILED');
  });
});

describe('SQLite store: storage facts', () => {
  it('estimates usage and free space of the file system, and files persist', async () => {
    const store = await createSqliteStore({ path: freshPath() });
    await store.commit({ items: [{ key: 'k', partition: 'p', type: 'sale', payload: 'x'.repeat(10_000) }], now: 1 });
    const estimate = await store.storageEstimate();
    expect(estimate!.usage).toBeGreaterThan(10_000);
    expect(estimate!.quota).toBeGreaterThan(estimate!.usage);
    expect(await store.requestPersistence()).toBe(true);
    await store.close();
    const memory = await createSqliteStore({ path: ':memory:' });
    expect(await memory.storageEstimate()).toBeUndefined();
    expect(await memory.requestPersistence()).toBe(false);
    await memory.close();
  });

  it('tells a lease holder whose process has exited from a live one', async () => {
    const store: SqliteStore = await createSqliteStore({ path: freshPath() });
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(child.stdout);
    const host = String(store.processLease.meta().host);
    const holder = (pid: number, h = host) => ({ name: 'flusher', owner: 'x', expiresAt: 0, meta: { pid, host: h } });
    expect(store.processLease.isGone(holder(deadPid))).toBe(true);
    expect(store.processLease.isGone(holder(process.pid))).toBe(false);
    expect(store.processLease.isGone(holder(process.ppid))).toBe(false);
    expect(store.processLease.isGone(holder(deadPid, 'another-host'))).toBe(false);
    await store.close();
  });
});
