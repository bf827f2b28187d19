// Browser entry for dexie-catalog-store.browser.test.ts: runs inside Chromium, bundled by harness.ts.
// Every function here is called from the node-side test through `callPage`.
import type { ApplyPageInput, CatalogStore } from '../../src/catalog-store';
import type { Change } from '../../src/protocol/index';
import { createDexieCatalogStore } from '../../src/dexie/index';
import { dexieConnectionOf, type DexieCatalogStore } from '../../src/dexie/dexie-catalog-store';
import { catalogStoreContractCases, type CatalogStoreContractContext } from '../../src/testing/catalog-store-contract';
import { exposeApi } from './page-api';

const T = Date.UTC(2026, 0, 5, 12, 0, 0);

let counter = 0;
/** A database name no other case uses (tabs of one origin share every database). */
const freshName = (label: string) => `${label}-${++counter}-${crypto.randomUUID()}`;

const names = new WeakMap<CatalogStore, string>();
async function openStore(name: string): Promise<DexieCatalogStore> {
  const store = await createDexieCatalogStore({ name });
  names.set(store, name);
  return store;
}

const contractContext: CatalogStoreContractContext = {
  create: () => openStore(freshName('contract')),
  async reopen(store) {
    const name = names.get(store);
    if (name === undefined) throw new Error('reopen() got a store this page did not open');
    await store.close();
    return openStore(name);
  },
};

async function runContractCase(name: string): Promise<void> {
  const found = catalogStoreContractCases.find((c) => c.name === name);
  if (found === undefined) throw new Error(`no contract case named "${name}"`);
  await found.run(contractContext);
}

const upsert = (id: string, at: number): Change => ({
  id,
  updatedAt: T + at,
  deleted: false,
  data: { id, name: `Article ${id}`, taxId: 'std', barcodes: [`bc-${id}`] },
});

function page(changes: Change[]): ApplyPageInput {
  const last = changes[changes.length - 1]!;
  return { dataset: 'catalog', changes, cursor: { updatedAt: last.updatedAt, id: last.id } };
}

async function codeOf(action: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await action();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? code : `${String(error)}`;
  }
  return undefined;
}

interface SeenTransaction {
  stores: string[];
  mode: IDBTransactionMode;
  durability: string;
}

/** The native transactions each operation opens: applyPage is one readwrite transaction, strict. */
async function transactionDurability() {
  const seen: SeenTransaction[] = [];
  const proto = IDBDatabase.prototype as unknown as { transaction: (...args: unknown[]) => IDBTransaction };
  const original = proto.transaction;
  proto.transaction = function (this: IDBDatabase, ...args: unknown[]) {
    const tx = original.apply(this, args);
    seen.push({ stores: Array.from(tx.objectStoreNames).sort(), mode: tx.mode, durability: tx.durability });
    return tx;
  };
  try {
    const store = await openStore(freshName('durability'));
    try {
      seen.length = 0;
      await store.applyPage(page([upsert('a1', 1), upsert('a2', 2)]));
      const apply = seen.splice(0);
      await store.putLocal('members', { id: 'm1', name: 'Ada', points: 1 }, { key: 'w1', at: T });
      const putLocal = seen.splice(0);
      await store.settleLocal('members', 'm1', 'w1');
      const settle = seen.splice(0);
      await store.setMeta('deviceId', 'till-7');
      const setMeta = seen.splice(0);
      return { apply, putLocal, settle, setMeta };
    } finally {
      await store.close();
    }
  } finally {
    proto.transaction = original;
  }
}

/**
 * A write that fails inside applyPage's transaction (the cursor's, after the records were queued)
 * aborts the whole transaction: none of the page's records is stored.
 */
async function cursorWriteFails() {
  const store = await openStore(freshName('abort'));
  try {
    await store.applyPage(page([upsert('a1', 1)]));
    const proto = IDBObjectStore.prototype as unknown as { put: (...args: unknown[]) => IDBRequest };
    const original = proto.put;
    proto.put = function (this: IDBObjectStore, ...args: unknown[]) {
      if (this.name === 'cursors') throw new DOMException('simulated failure of the cursor write', 'DataError');
      return original.apply(this, args);
    };
    let error: string | undefined;
    try {
      error = await codeOf(() => store.applyPage(page([upsert('a1', 2), upsert('a2', 3), upsert('a3', 4)])));
    } finally {
      proto.put = original;
    }
    const after = {
      ids: (await store.list('catalog')).map((r) => r.id),
      cursor: await store.getCursor('catalog'),
      barcode: (await store.findByBarcode('bc-a2'))?.id,
      a1At: (await store.get('catalog', 'a1'))?.name,
    };
    await store.applyPage(page([upsert('a2', 3), upsert('a3', 4)]));
    return { error, after, retried: (await store.list('catalog')).map((r) => r.id), cursor: await store.getCursor('catalog') };
  } finally {
    await store.close();
  }
}

/** The platform closes the connection (Safari's "connection is closing"): the next operation reopens it. */
async function reopenAfterForcedClose() {
  const store = await openStore(freshName('reopen'));
  await store.applyPage(page([upsert('a1', 1)]));
  const dexie = dexieConnectionOf(store)!;
  const before = store.reopened;

  // the IDBDatabase closed behind Dexie's back
  dexie.backendDB().close();
  await store.applyPage(page([upsert('a2', 2)]));
  const afterNativeClose = store.reopened;

  // Dexie closed the connection itself (as on a 'close' event, or another tab's upgrade)
  dexie.close({ disableAutoOpen: false });
  const found = (await store.findByBarcode('bc-a2'))?.id;
  const afterDexieClose = store.reopened;

  const ids = (await store.list('catalog')).map((r) => r.id);
  await store.close();
  const closed = await codeOf(() => store.getCursor('catalog'));
  return { before, afterNativeClose, found, afterDexieClose, ids, closed };
}

function rawOpen(name: string, version?: number, upgrade?: (db: IDBDatabase) => void): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = version === undefined ? indexedDB.open(name) : indexedDB.open(name, version);
    request.onupgradeneeded = () => upgrade?.(request.result);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error(`opening ${name} failed`));
  });
}

/** A database a newer tillkit wrote (native version 20) is refused and left as it was. */
async function openNewerDatabase() {
  const name = freshName('newer');
  const raw = await rawOpen(name, 20, (db) => {
    db.createObjectStore('records');
    db.createObjectStore('future');
  });
  raw.close();
  const error = await codeOf(() => createDexieCatalogStore({ name }));
  const after = await rawOpen(name);
  const shape = { version: after.version, stores: Array.from(after.objectStoreNames).sort() };
  after.close();
  return { error, shape };
}

async function applyPages(name: string, from: number, count: number): Promise<void> {
  const store = await openStore(name);
  try {
    for (let n = from; n < from + count; n++) await store.applyPage(page([upsert(`a${String(n).padStart(3, '0')}`, n)]));
  } finally {
    await store.close();
  }
}

async function readBack(name: string) {
  const store = await openStore(name);
  try {
    return { ids: (await store.list('catalog')).map((r) => r.id), cursor: await store.getCursor('catalog') };
  } finally {
    await store.close();
  }
}

const api = {
  runContractCase,
  transactionDurability,
  cursorWriteFails,
  reopenAfterForcedClose,
  openNewerDatabase,
  freshName: (label: string) => Promise.resolve(freshName(label)),
  applyPages,
  readBack,
};

export type DexiePageApi = typeof api;

exposeApi(api);
