// Browser entry for dexie-store.browser.test.ts: runs inside Chromium, bundled by harness.ts.
// Every function here is called from the node-side test through `callPage`.
import { Dexie } from 'dexie';
import { createDexieStore } from '@tillkit/offline-queue/dexie';
import { dexieConnectionOf } from '../../src/dexie/dexie-store';
import { SCHEMA_VERSION } from '../../src/dexie/schema';
import type { ItemInput, OutboxItem } from '../../src/item';
import type { OutboxStore } from '../../src/store';
import { storeContractCases, type StoreContractContext } from '../../src/testing/store-contract';
import { exposeApi } from './page-api';

const T = Date.UTC(2026, 0, 5, 12, 0, 0);
const LEASE = 30_000;

let counter = 0;
/** A database name no other case uses (tabs of one origin share every database). */
const freshName = (label: string) => `${label}-${++counter}-${crypto.randomUUID()}`;

const names = new WeakMap<OutboxStore, string>();
async function openStore(name: string): Promise<OutboxStore> {
  const store = await createDexieStore({ name });
  names.set(store, name);
  return store;
}

const contractContext: StoreContractContext = {
  create: () => openStore(freshName('contract')),
  connect: (store) => {
    const name = names.get(store);
    if (name === undefined) throw new Error('connect() got a store this page did not open');
    return openStore(name);
  },
};

const sale = (key: string, partition = 'till-1', payload: ItemInput['payload'] = { total: 1250 }): ItemInput => ({
  key,
  partition,
  type: 'sale',
  payload,
});

async function codeOf(action: () => Promise<unknown>): Promise<{ code: string | undefined; message: string } | undefined> {
  try {
    await action();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return {
      code: typeof code === 'string' ? code : undefined,
      message: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    };
  }
  return undefined;
}

/** Opens a raw IndexedDB connection (at `version`, running `upgrade` if that is an upgrade). */
function rawOpen(name: string, version?: number, upgrade?: (db: IDBDatabase, tx: IDBTransaction) => void): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = version === undefined ? indexedDB.open(name) : indexedDB.open(name, version);
    request.onupgradeneeded = () => upgrade?.(request.result, request.transaction!);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error(`opening ${name} failed`));
    // 'blocked' only means a closed connection has not finished closing yet: the open goes on after it
  });
}

function rawRequest<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('request failed'));
  });
}

async function rawShape(name: string): Promise<{ version: number; stores: string[]; schemaVersion: unknown }> {
  const db = await rawOpen(name);
  try {
    const meta = (await rawRequest(db.transaction('meta').objectStore('meta').get('store'))) as
      { schemaVersion?: unknown } | undefined;
    return { version: db.version, stores: Array.from(db.objectStoreNames), schemaVersion: meta?.schemaVersion };
  } finally {
    db.close();
  }
}

const summary = (items: readonly OutboxItem[]) => items.map((i) => [i.key, i.state, i.seq] as const);

/** Runs one case of the shared store contract against createDexieStore. */
async function runContractCase(name: string): Promise<void> {
  const contractCase = storeContractCases.find((c) => c.name === name);
  if (contractCase === undefined) throw new Error(`No store contract case is named "${name}".`);
  await contractCase.run(contractContext);
}

interface SeenTransaction {
  stores: string[];
  mode: IDBTransactionMode;
  durability: string;
}

/**
 * The native transactions a commit, a replayed commit and a claim create, with the durability each
 * one really has (a replay takes a second, checked transaction after the first one's `add` failed).
 */
async function transactionDurability(): Promise<{
  commit: SeenTransaction[];
  replay: SeenTransaction[];
  replayed: unknown;
  claim: SeenTransaction[];
}> {
  const seen: SeenTransaction[] = [];
  const proto = IDBDatabase.prototype as unknown as { transaction: (...args: unknown[]) => IDBTransaction };
  const original = proto.transaction;
  proto.transaction = function (this: IDBDatabase, ...args: unknown[]) {
    const tx = original.apply(this, args);
    seen.push({ stores: Array.from(tx.objectStoreNames), mode: tx.mode, durability: tx.durability });
    return tx;
  };
  try {
    const store = await openStore(freshName('durability'));
    try {
      seen.length = 0;
      await store.commit({ items: [sale('d1')], records: [{ collection: 'journal', key: '1', value: { n: 1 } }], now: T });
      const commit = seen.splice(0);
      const replayed = summary(
        await store.commit({ items: [sale('d1')], records: [{ collection: 'journal', key: '1', value: { n: 2 } }], now: T + 1 }),
      );
      const replay = seen.splice(0);
      await store.claim({ owner: 'f', now: T, leaseMs: LEASE, maxItems: 10, maxBytes: 100_000 });
      const claim = seen.splice(0);
      return { commit, replay, replayed, claim };
    } finally {
      await store.close();
    }
  } finally {
    proto.transaction = original;
  }
}

/**
 * The last enqueue order lives in `meta` (version 3). Without that row (it cannot go missing, but
 * should it), a commit takes the checked path, numbers after the highest order on the index, and
 * writes the row back.
 */
async function orderCounterMissing() {
  const name = freshName('order-counter');
  const store = await openStore(name);
  try {
    await store.commit({ items: [sale('o1'), sale('o2', 'till-2')], now: T });
    const counted = (await rawItems(name)).order;
    const db = await rawOpen(name);
    await rawRequest(db.transaction('meta', 'readwrite').objectStore('meta').delete('order'));
    db.close();
    const [o3] = await store.commit({ items: [sale('o3')], now: T + 1 });
    await store.commit({ items: [sale('o4', 'till-2')], now: T + 2 });
    const raw = await rawItems(name);
    return {
      counted,
      o3: o3?.seq,
      orders: Object.values(raw.rows)
        .map((row) => [row.key, row.order])
        .sort((a, b) => (a[1] as number) - (b[1] as number)),
      restored: raw.order,
      listed: (await store.listItems({ state: 'all' })).map((i) => i.key),
    };
  } finally {
    await store.close();
  }
}

/**
 * One connection commits sales one by one while another claims and settles them as they come (as a
 * till tab and the flusher in another tab do): the running totals both keep in the partition rows
 * must end up equal to what the items say, and the numbers gapless.
 */
async function totalsAcrossConnections(count: number) {
  const name = freshName('totals');
  const till = await openStore(name);
  const flusher = await openStore(name);
  try {
    let now = T;
    let done = false;
    const committing = (async () => {
      for (let i = 0; i < count; i++) await till.commit({ items: [sale(`s${i}`)], now: (now += 1) });
      done = true;
    })();
    let rounds = 0;
    let settled = 0;
    while (!done || settled < count) {
      const claim = await flusher.claim({ owner: 'f', now, leaseMs: LEASE, maxItems: 5, maxBytes: 1_000_000 });
      rounds += 1;
      if (claim.items.length === 0) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        continue;
      }
      settled += await flusher.settle({
        leaseId: claim.leaseId,
        now,
        // every third one goes to the dead letters (and back), the rest are acknowledged
        settlements: claim.items.map((i) =>
          (i.seq ?? 0) % 3 === 0
            ? { key: i.key, outcome: 'dead' as const, code: 'REJECTED', source: 'item' as const }
            : { key: i.key, outcome: 'acked' as const, result: 'applied' as const },
        ),
      });
    }
    await committing;
    const midway = { stats: await till.stats(now), expected: await statsFromItems(till, now) };
    await flusher.retryDeadLetters({ keys: 'all', now });
    const end = { stats: await till.stats(now), expected: await statsFromItems(flusher, now) };
    const seqs = (await till.listItems({ state: 'all', limit: 100_000 })).map((i) => i.seq).sort((a, b) => a! - b!);
    return { rounds, midway, end, seqs };
  } finally {
    await till.close();
    await flusher.close();
  }
}

/** The layout of schema version 1, written here literally as a database of that version holds it. */
const V1_STORES = {
  meta: 'id',
  items: 'key, order, [open+order], [state+order], [partition+seq], [open+partition+seq]',
  partitions: 'partition',
  records: '[collection+key]',
  leases: 'name',
};

/** Writes a version-1 database holding items in every state, then opens it with createDexieStore. */
async function migrateFromVersion1() {
  const name = freshName('v1');
  const old = new Dexie(name);
  old.version(1).stores(V1_STORES);
  await old.open();
  const item = (key: string, seq: number | null, order: number, fields: Record<string, unknown> = {}) => ({
    key,
    partition: 'till-1',
    seq,
    type: 'sale',
    json: JSON.stringify({ key }),
    bytes: JSON.stringify({ key }).length,
    createdAt: T,
    state: 'pending',
    open: 1,
    order,
    attempts: 0,
    notBefore: 0,
    ...fields,
  });
  await old.transaction('rw', old.tables, async () => {
    await old.table('meta').add({ id: 'store', storeId: '0190f3a8-v1-store-identity', createdAt: T - 60_000, schemaVersion: 1 });
    await old.table('partitions').add({ partition: 'till-1', nextSeq: 5, prunedThrough: 0 });
    await old.table('items').bulkAdd([
      item('acked-1', 1, 1, {
        state: 'acked',
        open: 0,
        attempts: 1,
        ack: { at: T + 10, result: 'applied', endpointId: 'primary' },
      }),
      item('in-flight-2', 2, 2, {
        state: 'in-flight',
        attempts: 1,
        lease: { id: 'lease-old', owner: 'old-tab', at: T + 20, until: T + 20 + LEASE },
      }),
      item('too-large', null, 3, {
        state: 'dead',
        open: 0,
        attempts: 1,
        dead: { at: T + 15, code: 'HTTP_PAYLOAD_TOO_LARGE', message: undefined, source: 'request', seq: 3 },
      }),
      item('pending-3', 3, 4),
      item('pending-4', 4, 5),
    ]);
    await old.table('records').add({ collection: 'journal', key: '000001', json: '{"hash":"ab"}', updatedAt: T });
  });
  old.close();
  const before = await rawShape(name);

  const store = await openStore(name);
  try {
    const info = await store.info();
    const all = await store.listItems({ state: 'all' });
    const items = summary(all);
    const open = all.filter((i) => i.state === 'pending' || i.state === 'in-flight');
    const stats = await store.stats(T + 30);
    const record = await store.getRecord('journal', '000001');
    const pruned = await store.pruneAcked({ before: T + 11, limit: 10 });
    const partitions = await store.listPartitions();
    const [next] = await store.commit({ items: [sale('after-upgrade')], now: T + 40 });
    const claim = await store.claim({ owner: 'new-tab', now: T + 20 + LEASE, leaseMs: LEASE, maxItems: 10, maxBytes: 100_000 });
    const after = { version: dexieConnectionOf(store)?.backendDB().version };
    return {
      before,
      after,
      info,
      items,
      full: all,
      stats,
      openBytes: open.reduce((sum, i) => sum + i.bytes, 0),
      openCreatedAt: Math.min(...open.map((i) => i.createdAt)),
      record,
      pruned,
      partitions,
      next: next?.seq,
      claimed: summary(claim.items),
    };
  } finally {
    await store.close();
  }
}

/** The layout of schema version 2, written here literally as a database of that version holds it. */
const V2_STORES = {
  ...V1_STORES,
  items: 'key, order, [open+order], [state+order], [partition+seq], [open+partition+seq], [ackedAt+order], [open+createdAt]',
};

/** What a store's items say its stats should be (the totals version 3 keeps must agree with them). */
async function statsFromItems(store: OutboxStore, now: number) {
  const all = await store.listItems({ state: 'all', limit: 100_000 });
  const open = all.filter((i) => i.state === 'pending' || i.state === 'in-flight');
  const live = open.filter((i) => i.state === 'in-flight' && i.lease !== undefined && now < i.lease.until).length;
  const partitions = await store.listPartitions();
  // the head of each partition's open run (what stats() looks at)
  const heads = partitions.flatMap((p) => {
    const run = open.filter((i) => i.partition === p.partition).sort((a, b) => a.seq! - b.seq!);
    return run.length === 0 ? [] : [run[0]!.createdAt];
  });
  return {
    pending: open.length - live,
    inFlight: live,
    dead: all.filter((i) => i.state === 'dead').length,
    acked: all.filter((i) => i.state === 'acked').length,
    oldestOpenAt: heads.length === 0 ? undefined : Math.min(...heads),
    openBytes: open.reduce((sum, i) => sum + i.bytes, 0),
    blockedPartitions: partitions.filter((p) => p.blocked !== undefined).length,
  };
}

/** The rows of the items table as stored (own fields only), and its indexes. */
async function rawItems(
  name: string,
): Promise<{ indexes: string[]; rows: Record<string, Record<string, unknown>>; order: unknown }> {
  const db = await rawOpen(name);
  try {
    const tx = db.transaction(['items', 'meta']);
    const items = tx.objectStore('items');
    const rows = (await rawRequest(items.getAll())) as Record<string, unknown>[];
    const order = await rawRequest(tx.objectStore('meta').get('order'));
    return {
      indexes: Array.from(items.indexNames).sort(),
      rows: Object.fromEntries(rows.map((row) => [row.key as string, row])),
      order,
    };
  } finally {
    db.close();
  }
}

/**
 * Writes a version-2 database holding items in every state over several partitions (one blocked,
 * one whose partition row is missing), opens it with createDexieStore, and works with it: every
 * operation that reads the indexes version 3 changed, with the totals checked against the items
 * after each step.
 */
async function migrateFromVersion2() {
  const name = freshName('v2');
  const old = new Dexie(name);
  old.version(2).stores(V2_STORES);
  await old.open();
  const item = (key: string, partition: string, seq: number | null, order: number, fields: Record<string, unknown> = {}) => ({
    key,
    partition,
    seq,
    type: 'sale',
    json: JSON.stringify({ key, lines: ['é'] }),
    bytes: new TextEncoder().encode(JSON.stringify({ key, lines: ['é'] })).length,
    createdAt: T + order,
    state: 'pending',
    open: 1,
    order,
    attempts: 0,
    notBefore: 0,
    ...fields,
  });
  const rows = [
    item('a-acked-1', 'till-1', 1, 1, {
      state: 'acked',
      open: 0,
      attempts: 1,
      ack: { at: T + 10, result: 'applied', endpointId: 'primary' },
      ackedAt: T + 10,
    }),
    item('a-dead-2', 'till-1', 2, 2, {
      state: 'dead',
      open: 0,
      attempts: 1,
      dead: { at: T + 12, code: 'REJECTED', message: 'price', source: 'item', seq: 2 },
      lastError: 'REJECTED',
    }),
    item('b-too-large', 'till-2', null, 3, {
      state: 'dead',
      open: 0,
      attempts: 1,
      dead: { at: T + 15, code: 'HTTP_PAYLOAD_TOO_LARGE', message: undefined, source: 'request', seq: 1 },
      lastError: 'HTTP_PAYLOAD_TOO_LARGE',
    }),
    item('a-in-flight-3', 'till-1', 3, 4, {
      state: 'in-flight',
      attempts: 1,
      lease: { id: 'lease-live', owner: 'other-tab', at: T + 20, until: T + 20 + LEASE },
    }),
    item('a-pending-4', 'till-1', 4, 5, { attempts: 1, notBefore: T + 25, lastError: 'HTTP 503' }),
    item('b-pending-1', 'till-2', 1, 6),
    item('a-pending-5', 'till-1', 5, 7),
    item('b-pending-2', 'till-2', 2, 8),
    item('c-pending-1', 'till-3', 1, 9),
    // no partition row: version 2 never wrote such an item, but the upgrade must not lose one
    item('d-pending-1', 'till-4', 1, 10),
  ];
  const openBytes = (partition: string) =>
    rows.filter((r) => r.partition === partition && r.open === 1).reduce((sum, r) => sum + r.bytes, 0);
  await old.transaction('rw', old.tables, async () => {
    await old.table('meta').add({ id: 'store', storeId: '0190f3a8-v2-store-identity', createdAt: T - 60_000, schemaVersion: 2 });
    await old.table('partitions').bulkAdd([
      { partition: 'till-1', nextSeq: 6, prunedThrough: 0, openBytes: openBytes('till-1') },
      { partition: 'till-2', nextSeq: 3, prunedThrough: 0, openBytes: openBytes('till-2') },
      {
        partition: 'till-3',
        nextSeq: 2,
        prunedThrough: 0,
        openBytes: openBytes('till-3'),
        blocked: { code: 'SEQUENCE_BEHIND_SERVER', message: 'the server expects 40', at: T + 30 },
      },
    ]);
    await old.table('items').bulkAdd(rows);
    await old.table('records').add({ collection: 'journal', key: '000001', json: '{"hash":"ab"}', updatedAt: T });
  });
  old.close();
  const before = await rawShape(name);

  const store = await openStore(name);
  const mismatches: string[] = [];
  const check = async (step: string, now: number) => {
    const [actual, expected] = [await store.stats(now), await statsFromItems(store, now)];
    if (JSON.stringify(actual) !== JSON.stringify(expected))
      mismatches.push(`${step}: ${JSON.stringify(actual)} != ${JSON.stringify(expected)}`);
  };
  try {
    const after = { version: dexieConnectionOf(store)?.backendDB().version };
    const info = await store.info();
    const all = await store.listItems({ state: 'all' });
    const byState = {
      open: (await store.listItems()).map((i) => i.key),
      pending: (await store.listItems({ state: 'pending' })).map((i) => i.key),
      inFlight: (await store.listItems({ state: 'in-flight' })).map((i) => i.key),
      acked: (await store.listItems({ state: 'acked' })).map((i) => i.key),
      dead: (await store.listItems({ state: 'dead' })).map((i) => i.key),
      till2: (await store.listItems({ state: 'all', partition: 'till-2' })).map((i) => i.key),
      openTill1Page: (await store.listItems({ partition: 'till-1', offset: 1, limit: 1 })).map((i) => i.key),
    };
    const stats = await store.stats(T + 30);
    await check('upgraded', T + 30);
    const partitions = await store.listPartitions();
    const raw = await rawItems(name);
    const record = await store.getRecord('journal', '000001');

    // a new item continues its partition and the enqueue order
    const [next] = await store.commit({ items: [sale('b-new', 'till-2')], now: T + 40 });
    await check('commit', T + 40);
    // till-1 has a live lease (a-in-flight-3), till-3 is blocked: till-2 and till-4 go, oldest head first
    const claim = await store.claim({ owner: 'new-tab', now: T + 40, leaseMs: LEASE, maxItems: 10, maxBytes: 100_000 });
    await check('claim', T + 40);
    // b-pending-1's number goes back (no acked or dead item after it holds one), the rest are acked
    await store.settle({
      leaseId: claim.leaseId,
      now: T + 50,
      settlements: claim.items.map((i) =>
        i.key === 'b-pending-1'
          ? { key: i.key, outcome: 'dead' as const, code: 'HTTP_PAYLOAD_TOO_LARGE', source: 'request' as const }
          : { key: i.key, outcome: 'acked' as const, result: 'applied' as const },
      ),
    });
    await check('settle', T + 50);
    const settled = summary(await store.listItems({ state: 'all', partition: 'till-2' }));
    const pruned = await store.pruneAcked({ before: T + 11, limit: 10 });
    await check('prune', T + 50);
    const gap = await store.rewind({ partition: 'till-1', fromSeq: 1, now: T + 60 });
    const rewound = await store.rewind({ partition: 'till-1', fromSeq: 2, now: T + 60 });
    await check('rewind', T + 60);
    const refusedRebase = await codeOf(() => store.rebasePartition({ partition: 'till-2', nextSeq: 2, now: T + 70 }));
    await store.rebasePartition({ partition: 'till-3', nextSeq: 40, now: T + 70 });
    await check('rebase', T + 70);
    const retried = await store.retryDeadLetters({ keys: 'all', now: T + 80 });
    await check('retry dead letters', T + 80);
    return {
      before,
      after,
      info,
      items: summary(all),
      full: all,
      byState,
      stats,
      partitions,
      raw,
      record,
      next: next === undefined ? undefined : [next.seq, (await store.listItems({ state: 'all' })).at(-1)?.key],
      claimed: summary(claim.items),
      settled,
      pruned,
      gap,
      rewound,
      refusedRebase: refusedRebase?.code,
      retried,
      final: summary(await store.listItems({ state: 'all' })),
      finalPartitions: (await store.listPartitions()).map((p) => [p.partition, p.nextSeq, p.prunedThrough, p.blocked?.code]),
      mismatches,
    };
  } finally {
    await store.close();
  }
}

/** Databases written by a newer schema: refused with STORE_VERSION_TOO_NEW and left unchanged. */
async function openNewerDatabase() {
  // a newer app upgraded the native version (and added a table)
  const upgraded = freshName('newer-native');
  await (await openStore(upgraded)).close();
  const newer = await rawOpen(upgraded, (SCHEMA_VERSION + 1) * 10, (db, tx) => {
    db.createObjectStore('future');
    const meta = tx.objectStore('meta');
    const read = meta.get('store');
    read.onsuccess = () => meta.put({ ...(read.result as object), schemaVersion: SCHEMA_VERSION + 1 });
  });
  newer.close();
  const nativeError = await codeOf(() => createDexieStore({ name: upgraded }));
  const nativeAfter = await rawShape(upgraded);

  // a browser without indexedDB.databases(): only the check after opening can tell
  const withoutDatabases = {
    open: (name: string, version?: number) => indexedDB.open(name, version),
    deleteDatabase: (name: string) => indexedDB.deleteDatabase(name),
    cmp: (a: unknown, b: unknown) => indexedDB.cmp(a, b),
  } as IDBFactory;
  const lateError = await codeOf(() => createDexieStore({ name: upgraded, indexedDB: withoutDatabases }));
  const lateAfter = await rawShape(upgraded);

  // same layout, but the identity says a newer app wrote it
  const rewritten = freshName('newer-meta');
  const store = await openStore(rewritten);
  await store.commit({ items: [sale('kept')], now: T });
  await store.close();
  const db = await rawOpen(rewritten);
  const meta = db.transaction('meta', 'readwrite').objectStore('meta');
  const current = (await rawRequest(meta.get('store'))) as object;
  await rawRequest(meta.put({ ...current, schemaVersion: SCHEMA_VERSION + 1 }));
  db.close();
  const metaError = await codeOf(() => createDexieStore({ name: rewritten }));
  const metaAfter = await rawShape(rewritten);
  return { current: SCHEMA_VERSION, nativeError, nativeAfter, lateError, lateAfter, metaError, metaAfter };
}

/** Closes the connection under the store, as the platform does, and goes on using the store. */
async function reopenAfterForcedClose() {
  const store = await openStore(freshName('reopen'));
  await store.commit({ items: [sale('a1')], now: T });
  const dexie = dexieConnectionOf(store)!;
  const before = store.diagnostics();

  // the IDBDatabase closed behind Dexie's back ("The database connection is closing")
  dexie.backendDB().close();
  const [a2] = await store.commit({ items: [sale('a2')], now: T + 1 });
  const afterNativeClose = store.diagnostics();

  // Dexie closed the connection itself (as on a 'close' event, or another tab's upgrade)
  dexie.close({ disableAutoOpen: false });
  const claim = await store.claim({ owner: 'f', now: T + 2, leaseMs: LEASE, maxItems: 10, maxBytes: 100_000 });
  const afterDexieClose = store.diagnostics();

  const items = summary(await store.listItems({ state: 'all' }));
  await store.close();
  const closed = await codeOf(() => store.commit({ items: [sale('a3')], now: T + 3 }));
  return { before, a2: a2?.seq, afterNativeClose, claimed: claim.items.map((i) => i.key), afterDexieClose, items, closed };
}

/** Two connections in this tab are not the same as two tabs: each tab commits `count` items, one call each. */
async function commitMany(name: string, prefix: string, count: number): Promise<number[]> {
  const store = await openStore(name);
  try {
    const seqs: number[] = [];
    for (let i = 0; i < count; i++) {
      const [item] = await store.commit({ items: [sale(`${prefix}-${i}`)], now: T + i });
      seqs.push(item?.seq ?? -1);
    }
    return seqs;
  } finally {
    await store.close();
  }
}

async function listAll(name: string) {
  const store = await openStore(name);
  try {
    return summary(await store.listItems({ state: 'all', limit: 100_000 }));
  } finally {
    await store.close();
  }
}

/** A queue of `total` items over `partitions` partitions; two flushers claim from it. */
async function claimFromLargeQueue(total: number, partitions: number) {
  const store = await openStore(freshName('large'));
  try {
    for (let batch = 0; batch * 1000 < total; batch++) {
      const items = Array.from({ length: Math.min(1000, total - batch * 1000) }, (_, i) => {
        const n = batch * 1000 + i;
        return sale(`large-${n}`, `p-${n % partitions}`, { n, lines: [{ sku: 'A', qty: 1 }] });
      });
      await store.commit({ items, now: T + batch });
    }
    const first = await store.claim({ owner: 'f1', now: T + 100, leaseMs: LEASE, maxItems: 100, maxBytes: 1_000_000 });
    const second = await store.claim({ owner: 'f2', now: T + 100, leaseMs: LEASE, maxItems: 100, maxBytes: 1_000_000 });
    const stats = await store.stats(T + 100);
    const partitionsOf = (items: readonly OutboxItem[]) => [...new Set(items.map((i) => i.partition))];
    return {
      first: { partitions: partitionsOf(first.items), seqs: first.items.map((i) => i.seq) },
      second: { partitions: partitionsOf(second.items), seqs: second.items.map((i) => i.seq) },
      stats,
    };
  } finally {
    await store.close();
  }
}

/**
 * stats() adds up per-partition totals instead of reading every item: after each step of a run
 * through every write that opens or closes items, they must equal what the items say.
 */
async function statsFollowEveryWrite(): Promise<string[]> {
  const store = await openStore(freshName('stats'));
  const mismatches: string[] = [];
  let now = T;
  const check = async (step: string) => {
    const stats = await store.stats(now);
    const open = (await store.listItems({ state: 'open', limit: 100_000 })).filter(Boolean);
    const expected = {
      openBytes: open.reduce((sum, i) => sum + i.bytes, 0),
      oldestOpenAt: open.length === 0 ? undefined : Math.min(...open.map((i) => i.createdAt)),
      open: open.length,
    };
    const actual = { openBytes: stats.openBytes, oldestOpenAt: stats.oldestOpenAt, open: stats.pending + stats.inFlight };
    if (JSON.stringify(actual) !== JSON.stringify(expected))
      mismatches.push(`${step}: ${JSON.stringify(actual)} != ${JSON.stringify(expected)}`);
  };
  const claimAll = (maxItems = 100) => store.claim({ owner: 'f', now, leaseMs: LEASE, maxItems, maxBytes: 1_000_000 });
  try {
    const payload = (n: number) => ({ text: 'é'.repeat(n) });
    await store.commit({
      items: [sale('a1', 'p1', payload(1)), sale('a2', 'p1', payload(20)), sale('a3', 'p1', payload(300))],
      now: (now += 1),
    });
    await store.commit({
      items: [sale('b1', 'p2', payload(4)), sale('b2', 'p2', payload(50)), sale('b3', 'p2', payload(7))],
      now: (now += 1),
    });
    await check('commit');
    let claim = await claimAll();
    await check('claim');
    await store.settle({
      leaseId: claim.leaseId,
      now: (now += 1),
      settlements: [
        { key: 'a1', outcome: 'acked', result: 'applied' },
        { key: 'a2', outcome: 'dead', code: 'REJECTED', source: 'item' },
        { key: 'a3', outcome: 'retry', notBefore: now },
        { key: 'b1', outcome: 'dead', code: 'HTTP_PAYLOAD_TOO_LARGE', source: 'request' },
      ],
    });
    await check('settle');
    await store.rewind({ partition: 'p1', fromSeq: 1, now: (now += 1) });
    await check('rewind');
    claim = await claimAll();
    await store.settle({
      leaseId: claim.leaseId,
      now: (now += 1),
      settlements: claim.items.map((i) => ({ key: i.key, outcome: 'dead' as const, code: 'REJECTED', source: 'item' as const })),
    });
    await check('dead letters');
    await store.retryDeadLetters({ keys: ['a2', 'b2'], now: (now += 1) });
    await check('retry some dead letters');
    await store.rebasePartition({ partition: 'p1', nextSeq: 100, now: (now += 1) });
    await check('rebase');
    await store.retryDeadLetters({ keys: 'all', now: (now += 1) });
    claim = await claimAll();
    await store.settle({
      leaseId: claim.leaseId,
      now: (now += 1),
      settlements: claim.items.map((i) => ({ key: i.key, outcome: 'acked' as const, result: 'applied' as const })),
    });
    await check('all acked');
    await store.pruneAcked({ before: now + 1, limit: 100 });
    await check('pruned');
    return mismatches;
  } finally {
    await store.close();
  }
}

async function storageFacts() {
  const store = await openStore(freshName('storage'));
  try {
    return { estimate: await store.storageEstimate(), persisted: await store.requestPersistence() };
  } finally {
    await store.close();
  }
}

/**
 * Commits past a real quota: a Storage Bucket opened with a small quota gives its own IDBFactory,
 * and Chromium refuses writes beyond the bucket's quota with QuotaExceededError.
 */
async function commitPastBucketQuota(quota: number, payloadBytes: number) {
  const buckets = (navigator as { storageBuckets?: StorageBucketManager }).storageBuckets;
  if (buckets === undefined) throw new Error('This Chromium has no Storage Buckets API (navigator.storageBuckets).');
  const bucketName = `quota-${++counter}`;
  const bucket = await buckets.open(bucketName, { quota });
  try {
    const store = await createDexieStore({ name: freshName('quota'), indexedDB: bucket.indexedDB });
    try {
      await store.commit({ items: [sale('small')], now: T });
      const error = await codeOf(() =>
        store.commit({
          items: [sale('too-big', 'till-1', { blob: 'x'.repeat(payloadBytes) })],
          records: [{ collection: 'journal', key: 'too-big', value: { n: 2 } }],
          now: T + 1,
        }),
      );
      return {
        error,
        items: summary(await store.listItems({ state: 'all' })),
        record: await store.getRecord('journal', 'too-big'),
        diagnostics: store.diagnostics(),
        estimate: await bucket.estimate(),
      };
    } finally {
      await store.close();
    }
  } finally {
    await buckets.delete(bucketName);
  }
}

/** The parts of the Storage Buckets API (Chromium 122+) used here; TypeScript's DOM types lack it. */
interface StorageBucketManager {
  open(
    name: string,
    options?: { quota?: number; persisted?: boolean },
  ): Promise<{ indexedDB: IDBFactory; estimate(): Promise<StorageEstimate> }>;
  delete(name: string): Promise<void>;
}

const api = {
  runContractCase,
  transactionDurability,
  migrateFromVersion1,
  migrateFromVersion2,
  orderCounterMissing,
  totalsAcrossConnections,
  openNewerDatabase,
  reopenAfterForcedClose,
  freshName: (label: string) => Promise.resolve(freshName(label)),
  commitMany,
  listAll,
  claimFromLargeQueue,
  statsFollowEveryWrite,
  storageFacts,
  commitPastBucketQuota,
};

export type DexiePageApi = typeof api;

exposeApi(api);
