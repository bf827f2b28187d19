import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TillkitError } from '@tillkit/core';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SQLITE_MIGRATIONS } from './migrations';
import { createSqliteSyncStorage, openSqliteSyncStorage } from './sqlite-storage';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dbFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tillkit-sync-storage-'));
  dirs.push(dir);
  return join(dir, 'sync.db');
}

describe('the SQLite sync storage', () => {
  it('creates a WAL database at the latest schema version, and opens it again', async () => {
    const path = dbFile();
    const storage = createSqliteSyncStorage({ path });
    await storage.upsertRegister({ merchantId: 'm', storeId: 's', registerId: 'r', currency: 'EUR', now: 1 });
    await storage.close();

    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('user_version', { simple: true })).toBe(SQLITE_MIGRATIONS.at(-1)!.version);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();

    const again = createSqliteSyncStorage({ path });
    expect(await again.getRegister('m', 'r')).toEqual({ merchantId: 'm', storeId: 's', registerId: 'r', currency: 'EUR' });
    await again.close();
  });

  it('refuses a database written by a newer server and leaves it untouched', () => {
    const path = dbFile();
    const raw = new Database(path);
    raw.pragma('user_version = 99');
    raw.close();
    let error: unknown;
    try {
      createSqliteSyncStorage({ path });
    } catch (e) {
      error = e;
    }
    expect(TillkitError.hasCode(error, 'STORE_VERSION_TOO_NEW')).toBe(true);
    const after = new Database(path, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(99);
    after.close();
  });

  it('leaves the database at its old version when an upgrade step fails', async () => {
    const path = dbFile();
    await createSqliteSyncStorage({ path }).close();
    const broken = [
      ...SQLITE_MIGRATIONS,
      {
        version: 2,
        description: 'a step that fails',
        up(db: Database.Database) {
          db.exec('CREATE TABLE extra (id INTEGER)');
          throw new Error('disk on fire');
        },
      },
    ];
    expect(() => openSqliteSyncStorage({ path }, broken)).toThrow(/schema version 2.*disk on fire.*left at version 1/);
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('user_version', { simple: true })).toBe(1);
    expect(raw.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'extra'").pluck().get()).toBe(0);
    raw.close();
  });

  it('rejects calls after close with STORAGE_CLOSED', async () => {
    const storage = createSqliteSyncStorage();
    await storage.close();
    await storage.close();
    await expect(storage.getRegister('m', 'r')).rejects.toMatchObject({ code: 'STORAGE_CLOSED' });
  });

  it('refuses bad options with VALIDATION_FAILED', () => {
    expect(() => createSqliteSyncStorage({ path: '' })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });

  it('hands out strictly increasing updatedAt per store, also within the same millisecond', async () => {
    const storage = createSqliteSyncStorage();
    const put = (store: string, now: number) =>
      storage.putRecords({
        merchantId: 'm',
        storeId: store,
        dataset: 'config',
        records: [{ id: 'x', data: { id: 'x', value: 1 } }],
        now,
      });
    expect((await put('s1', 100)).updatedAt).toBe(100);
    expect((await put('s1', 100)).updatedAt).toBe(101);
    expect((await put('s1', 50)).updatedAt).toBe(102);
    expect((await put('s2', 100)).updatedAt).toBe(100);
    await storage.close();
  });
});
