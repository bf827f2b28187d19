import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { catalogStoreContractCases } from '../../src/testing/catalog-store-contract';
import type { DexiePageApi } from './dexie-entry';
import { callPage, useBrowserHarness } from './harness';

// The Dexie catalog store in real headless Chromium (Debian's /usr/bin/chromium, or CHROMIUM_PATH):
// every case of the shared contract, then what only IndexedDB has (durability, aborted
// transactions, connections the platform closes, newer databases, several tabs).

const browser = useBrowserHarness(fileURLToPath(new URL('./dexie-entry.ts', import.meta.url)));

function call<K extends keyof DexiePageApi>(name: K, ...args: Parameters<DexiePageApi[K]>) {
  return callPage<DexiePageApi, K>(browser.page(), name, ...args);
}

const T = Date.UTC(2026, 0, 5, 12, 0, 0);

describe('Dexie catalog store in Chromium: the shared contract', () => {
  for (const contractCase of catalogStoreContractCases) {
    it(contractCase.name, async () => {
      await call('runContractCase', contractCase.name);
    });
  }
});

describe('Dexie catalog store in Chromium: IndexedDB specifics', () => {
  it('applies a page in one strict readwrite transaction over records, overlay and cursors', async () => {
    const { apply, putLocal, settle, setMeta } = await call('transactionDurability');
    expect(apply).toEqual([{ stores: ['cursors', 'overlay', 'records'], mode: 'readwrite', durability: 'strict' }]);
    for (const writes of [putLocal, settle, setMeta]) {
      expect(writes.filter((t) => t.mode === 'readwrite').map((t) => t.durability)).toEqual(['strict']);
    }
  });

  it('writes nothing of a page when a write inside its transaction fails', async () => {
    const result = await call('cursorWriteFails');
    expect(result.error).toBe('STORAGE_ERROR');
    expect(result.after).toEqual({ ids: ['a1'], cursor: { updatedAt: T + 1, id: 'a1' }, barcode: undefined, a1At: 'Article a1' });
    expect(result.retried).toEqual(['a1', 'a2', 'a3']);
    expect(result.cursor).toEqual({ updatedAt: T + 4, id: 'a3' });
  });

  it('reopens a connection the platform closed and goes on', async () => {
    const result = await call('reopenAfterForcedClose');
    expect(result.before).toBe(0);
    expect(result.afterNativeClose).toBe(1);
    expect(result.found).toBe('a2');
    expect(result.afterDexieClose).toBe(2);
    expect(result.ids).toEqual(['a1', 'a2']);
    expect(result.closed).toBe('STORE_CLOSED');
  });

  it('refuses a database written by a newer schema and leaves it as it was', async () => {
    const result = await call('openNewerDatabase');
    expect(result.error).toBe('STORE_VERSION_TOO_NEW');
    expect(result.shape).toEqual({ version: 20, stores: ['future', 'records'] });
  });

  it('shares one database between tabs: pages applied in one are read in another', async () => {
    const other = await browser.harness().openPage();
    try {
      const name = await call('freshName', 'tabs');
      await call('applyPages', name, 1, 5);
      const seen = await callPage<DexiePageApi, 'readBack'>(other, 'readBack', name);
      expect(seen).toEqual({ ids: ['a001', 'a002', 'a003', 'a004', 'a005'], cursor: { updatedAt: T + 5, id: 'a005' } });
      await callPage<DexiePageApi, 'applyPages'>(other, 'applyPages', name, 6, 2);
      expect((await call('readBack', name)).cursor).toEqual({ updatedAt: T + 7, id: 'a007' });
    } finally {
      await other.close();
    }
  });
});
