// Browser entry for outbox.browser.test.ts: runs inside Chromium, bundled by harness.ts. The page
// holds at most one outbox (createOutbox + createDexieStore + createHttpTransport), as a till's tab
// would; every function here is called from the node-side test through `callPage`.
import { createDexieStore } from '@tillkit/offline-queue/dexie';
import { createWebLocksLock } from '../../src/flusher-lock';
import { createHttpTransport } from '../../src/http-transport';
import type { JsonValue } from '../../src/item';
import { createOutbox, type Outbox, type OutboxRole } from '../../src/outbox';
import type { OutboxStore } from '../../src/store';
import { exposeApi } from './page-api';

export interface OpenOutboxOptions {
  /** the IndexedDB database: tabs opening the same name share the queue */
  db: string;
  /** the test server's url */
  url: string;
  deviceId: string;
  /** this tab's outbox id (shows up as the lease owner) */
  instanceId: string;
  /** when set, the flusher lock is createWebLocksLock with this lease ttl; otherwise the outbox's default lock */
  lockTtlMs?: number;
  leaseMs?: number;
  sendTimeoutMs?: number;
  maxItems?: number;
  pollIntervalMs?: number;
}

interface Opened {
  store: OutboxStore;
  outbox: Outbox;
  /** every role the outbox went through, in order */
  roles: OutboxRole[];
  applied: number;
  duplicates: number;
  errors: string[];
}

let opened: Opened | undefined;

// What the node side needs to freeze this tab between two IndexedDB transactions (see
// `lifecycle`): how many transactions are open, and whether the page is frozen. Counting wraps
// IDBDatabase.prototype.transaction, and changes nothing a transaction does. It must be in place
// before any store opens: Dexie binds IDBDatabase.transaction when it opens a database.
const lifecycleState = { openTransactions: 0, frozen: false };
document.addEventListener('freeze', () => {
  lifecycleState.frozen = true;
});
document.addEventListener('resume', () => {
  lifecycleState.frozen = false;
});
const idbDatabase = IDBDatabase.prototype as unknown as { transaction: (...args: unknown[]) => IDBTransaction };
const nativeTransaction = idbDatabase.transaction;
idbDatabase.transaction = function (this: IDBDatabase, ...args: unknown[]) {
  const transaction = nativeTransaction.apply(this, args);
  lifecycleState.openTransactions++;
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    lifecycleState.openTransactions--;
  };
  transaction.addEventListener('complete', end);
  transaction.addEventListener('abort', end);
  return transaction;
};

/** Whether the page is frozen, and how many IndexedDB transactions it has open (runs in a frozen page too). */
function lifecycle(): { frozen: boolean; openTransactions: number } {
  return { ...lifecycleState };
}

function current(): Opened {
  if (opened === undefined) throw new Error('No outbox is open in this page: call openOutbox first.');
  return opened;
}

async function openOutbox(options: OpenOutboxOptions): Promise<void> {
  if (opened !== undefined) throw new Error('This page already has an outbox open.');
  const store = await createDexieStore({ name: options.db });
  const outbox = createOutbox({
    store,
    transport: createHttpTransport({ timeoutMs: options.sendTimeoutMs ?? 4000 }),
    endpoints: [{ id: 'primary', url: options.url, priority: 0 }],
    deviceId: options.deviceId,
    instanceId: options.instanceId,
    batch: { maxItems: options.maxItems ?? 100 },
    backoff: { baseMs: 50, capMs: 500 },
    sendTimeoutMs: options.sendTimeoutMs ?? 4000,
    leaseMs: options.leaseMs ?? 5000,
    pollIntervalMs: options.pollIntervalMs ?? 100,
    probeIntervalMs: 0,
    ...(options.lockTtlMs === undefined
      ? {}
      : { lock: createWebLocksLock({ store, owner: options.instanceId, ttlMs: options.lockTtlMs }) }),
  });
  const state: Opened = { store, outbox, roles: [], applied: 0, duplicates: 0, errors: [] };
  outbox.role$.subscribe((role) => state.roles.push(role));
  outbox.events$.subscribe((event) => {
    if (event.type === 'delivered') {
      state.applied += event.applied.length;
      state.duplicates += event.duplicates.length;
    } else if (event.type === 'error') {
      state.errors.push(event.error);
    }
  });
  opened = state;
}

function start(): void {
  current().outbox.start();
}

const payloadOf = (key: string): JsonValue => ({ key, total: 1250, lines: [{ sku: '4000001', qty: 1 }] });

/** Enqueues one item per key, each awaited before the next (as a till does); returns their sequence numbers. */
async function enqueue(keys: readonly string[]): Promise<(number | null)[]> {
  const { outbox } = current();
  const seqs: (number | null)[] = [];
  for (const key of keys) {
    const item = await outbox.enqueue({ key, type: 'sale', payload: payloadOf(key) });
    seqs.push(item.seq);
  }
  return seqs;
}

/**
 * Enqueues `count` items named `${prefix}-${n}` one after another, without the caller waiting,
 * and tells the node side of each one the moment its enqueue resolved, through the function it
 * exposed to the page as `binding` (page.exposeFunction). Meant to be cut short by a reload.
 */
function enqueueInBackground(prefix: string, count: number, binding: string): void {
  const { outbox } = current();
  const report = (globalThis as unknown as Record<string, ((key: string) => unknown) | undefined>)[binding];
  if (typeof report !== 'function') throw new Error(`The node side exposed no function "${binding}" to this page.`);
  void (async () => {
    for (let n = 1; n <= count; n++) {
      const key = `${prefix}-${n}`;
      await outbox.enqueue({ key, type: 'sale', payload: payloadOf(key) });
      void report(key);
    }
  })();
}

interface PageState {
  role: OutboxRole | undefined;
  roles: OutboxRole[];
  applied: number;
  duplicates: number;
  errors: string[];
}

function state(): PageState {
  const s = current();
  return { role: s.roles.at(-1), roles: [...s.roles], applied: s.applied, duplicates: s.duplicates, errors: [...s.errors] };
}

/** Every item of the store: key, state and sequence number, in enqueue order. */
async function listItems(): Promise<[string, string, number | null][]> {
  const items = await current().store.listItems({ state: 'all', limit: 100_000 });
  return items.map((i) => [i.key, i.state, i.seq]);
}

async function stats() {
  return current().store.stats(Date.now());
}

/** The flusher lease row as the store holds it (read with plain IndexedDB, so nothing changes). */
function leaseRow(db: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(db);
    open.onerror = () => reject(open.error ?? new Error(`opening ${db} failed`));
    open.onsuccess = () => {
      const connection = open.result;
      const read = connection.transaction('leases').objectStore('leases').get('flusher');
      read.onsuccess = () => {
        connection.close();
        resolve(read.result);
      };
      read.onerror = () => {
        connection.close();
        reject(read.error ?? new Error('reading the lease failed'));
      };
    };
  });
}

async function closeOutbox(): Promise<void> {
  const s = opened;
  if (s === undefined) return;
  opened = undefined;
  await s.outbox.close();
  await s.store.close();
}

const api = { openOutbox, start, enqueue, enqueueInBackground, state, listItems, stats, leaseRow, lifecycle, closeOutbox };

export type OutboxPageApi = typeof api;

exposeApi(api);
