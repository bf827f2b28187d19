// Browser entry for dexie-enqueue.bench.ts: runs inside Chromium, bundled by test/browser/harness.ts.
// Each case runs a block of durable writes here, in the page, one awaited after the other (as a till
// does), and returns the latency of each: no DevTools round trip is measured.
import { Dexie, type Table } from 'dexie';
import { createDexieStore } from '@tillkit/offline-queue/dexie';
import { createHttpTransport } from '../src/http-transport';
import type { JsonValue, RecordWrite } from '../src/item';
import { createOutbox, type Outbox } from '../src/outbox';
import type { OutboxStore } from '../src/store';
import { exposeApi } from '../test/browser/page-api';

/** raw: the baseline; commit: store.commit; enqueue: outbox.enqueue; withRecords: outbox.enqueue with two records */
export type CaseId = 'raw' | 'commit' | 'enqueue' | 'withRecords';

const CASE_IDS: readonly CaseId[] = ['raw', 'commit', 'enqueue', 'withRecords'];

export interface BenchSale {
  /** the sale's transaction, as the outbox's payload */
  payload: JsonValue;
  /** its transaction and journal records */
  records: RecordWrite[];
}

interface RawRow {
  id?: number;
  key: string;
  payload: string;
}

/** The four ways to write, each on a database of its own. */
interface Writers {
  raw: Dexie;
  rawTable: Table<RawRow, number>;
  stores: OutboxStore[];
  store: OutboxStore;
  outbox: Outbox;
  withRecords: Outbox;
  names: string[];
}

interface Bench extends Writers {
  sales: BenchSale[];
  rawJson: string[];
}

let bench: Bench | undefined;

function current(): Bench {
  if (bench === undefined) throw new Error('The bench is not set up: call setup first.');
  return bench;
}

async function openWriters(label: string): Promise<Writers> {
  const run = crypto.randomUUID();
  const names = ['raw', 'store', 'outbox', 'records'].map((name) => `${label}-${name}-${run}`);
  // the baseline: the same durable write with Dexie alone, one table with a unique key, strict durability
  const raw = new Dexie(names[0]!, { chromeTransactionDurability: 'strict' });
  raw.version(1).stores({ outbox: '++id, &key' });
  await raw.open();
  const stores = await Promise.all(names.slice(1).map((name) => createDexieStore({ name })));
  const [store, outboxStore, recordsStore] = stores as [OutboxStore, OutboxStore, OutboxStore];
  const options = {
    transport: createHttpTransport(),
    endpoints: [{ id: 'cloud', url: 'http://127.0.0.1:9', priority: 0 }],
    deviceId: 'bench-till',
  };
  return {
    raw,
    rawTable: raw.table('outbox'),
    stores,
    store,
    outbox: createOutbox({ ...options, store: outboxStore }),
    withRecords: createOutbox({ ...options, store: recordsStore }),
    names,
  };
}

async function closeWriters(w: Writers): Promise<void> {
  await w.outbox.close();
  await w.withRecords.close();
  await Promise.all(w.stores.map((s) => s.close()));
  w.raw.close();
  await Promise.all(w.names.map((name) => Dexie.delete(name)));
}

async function setup(sales: BenchSale[]): Promise<void> {
  if (bench !== undefined) throw new Error('The bench is already set up.');
  bench = { ...(await openWriters('bench')), sales, rawJson: sales.map((sale) => JSON.stringify(sale.payload)) };
}

/** One durable write of case `id`: sale `i` of the list, under a key no other call uses. */
function write(w: Writers, sale: BenchSale, rawJson: string, id: CaseId, key: string): Promise<unknown> {
  switch (id) {
    case 'raw':
      return w.rawTable.add({ key, payload: rawJson });
    case 'commit':
      return w.store.commit({ items: [{ key, partition: 'bench-till', type: 'sale', payload: sale.payload }], now: Date.now() });
    case 'enqueue':
      return w.outbox.enqueue({ key, type: 'sale', payload: sale.payload });
    case 'withRecords':
      return w.withRecords.enqueue(
        { key, type: 'sale', payload: sale.payload },
        { records: sale.records.map((r) => ({ ...r, key: `${key}-${r.key}` })) },
      );
  }
}

/** Runs every sale once for case `id`, one write after the other; returns each latency and the block's time, in ms. */
async function runBlock(id: CaseId, round: number): Promise<{ latencies: number[]; totalMs: number }> {
  const b = current();
  const latencies: number[] = [];
  const blockStart = performance.now();
  for (let i = 0; i < b.sales.length; i++) {
    const started = performance.now();
    await write(b, b.sales[i]!, b.rawJson[i]!, id, `${round}-${i}`);
    latencies.push(performance.now() - started);
  }
  return { latencies, totalMs: performance.now() - blockStart };
}

/**
 * The durability of the readwrite transactions one write of each case opens (all must be 'strict'
 * for a fair race). Dexie takes IDBDatabase.transaction when it opens a database, so this looks at
 * databases opened the same way under the hook, not at the measured ones (which run without it).
 */
async function durabilities(): Promise<Record<CaseId, string[]>> {
  const { sales, rawJson } = current();
  const seen: string[] = [];
  const proto = IDBDatabase.prototype as unknown as { transaction: (...args: unknown[]) => IDBTransaction };
  const original = proto.transaction;
  proto.transaction = function (this: IDBDatabase, ...args: unknown[]) {
    const tx = original.apply(this, args);
    if (tx.mode === 'readwrite') seen.push(tx.durability);
    return tx;
  };
  try {
    const writers = await openWriters('durability');
    try {
      const result = {} as Record<CaseId, string[]>;
      for (const id of CASE_IDS) {
        seen.length = 0;
        await write(writers, sales[0]!, rawJson[0]!, id, `durability-${id}`);
        result[id] = [...seen];
      }
      return result;
    } finally {
      await closeWriters(writers);
    }
  } finally {
    proto.transaction = original;
  }
}

async function teardown(): Promise<void> {
  const b = bench;
  if (b === undefined) return;
  bench = undefined;
  await closeWriters(b);
}

const api = { setup, runBlock, durabilities, teardown };

export type DexieBenchApi = typeof api;

exposeApi(api);
