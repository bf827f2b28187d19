import { TillkitError } from '@tillkit/core';
import { createOutbox, type Outbox, type Transport } from '@tillkit/offline-queue';
import { createSqliteStore, type SqliteStore } from '@tillkit/offline-queue/sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CatalogStore } from '../src/catalog-store';
import { SyncErrorCode } from '../src/errors';
import { eventKey } from '../src/protocol/index';
import { buildEventItem, journalRecordKey, RecordCollections, recordEvent, type SyncEvent } from '../src/record-event';
import { createSqliteCatalogStore } from '../src/sqlite/index';
import { TillFixture } from './till-fixture';

// The outbox is never started here: recording is local and never waits on the network.
const noTransport: Transport = { send: () => Promise.reject(new Error('not started')) };

let store: SqliteStore;
let catalog: CatalogStore;
let outbox: Outbox;
let till: TillFixture;

beforeEach(async () => {
  store = await createSqliteStore({ path: ':memory:' });
  catalog = await createSqliteCatalogStore({ path: ':memory:' });
  outbox = createOutbox({
    store,
    transport: noTransport,
    endpoints: [{ id: 'primary', url: 'http://127.0.0.1:9', priority: 0 }],
    deviceId: 'd1',
  });
  till = new TillFixture('reg-1');
});
afterEach(async () => {
  await outbox.close();
  await store.close();
  await catalog.close();
});

const record = (event: SyncEvent, registerId?: string) => recordEvent({ outbox, store, catalog, event, registerId, now: 1000 });

describe('recordEvent', () => {
  it('queues the entry as the partition item of its sequence, with its companions in the same transaction', async () => {
    const opening = till.openSession();
    const sale = till.sale();
    const first = await record(opening);
    const second = await record(sale);
    expect(first).toMatchObject({ partition: 'reg-1', seq: 1, type: 'session_opening', key: eventKey(opening.entry) });
    expect(second).toMatchObject({ partition: 'reg-1', seq: 2, type: 'sale', key: eventKey(sale.entry) });
    expect(second.payload).toEqual(
      JSON.parse(JSON.stringify({ entry: sale.entry, transaction: sale.transaction, till: sale.till })),
    );
    expect((await store.getRecord(RecordCollections.journal, journalRecordKey(sale.entry)))?.value).toMatchObject({
      hash: sale.entry.hash,
    });
    expect((await store.getRecord(RecordCollections.transactions, sale.transaction!.id))?.value).toMatchObject({
      id: sale.transaction!.id,
    });
    expect((await store.getRecord(RecordCollections.till, 'reg-1'))?.value).toMatchObject({ journal: { sequence: 2 } });
  });

  it('is a safe replay when the same entry is recorded again', async () => {
    const opening = till.openSession();
    const first = await record(opening);
    const again = await record(opening);
    expect(again.key).toBe(first.key);
    expect(again.seq).toBe(1);
    expect(await outbox.items()).toHaveLength(1);
  });

  it('refuses a skipped entry before writing any item, and keeps it for an operator', async () => {
    await record(till.openSession());
    till.sale(); // never recorded: the till skipped it
    const third = till.sale();
    const error = await record(third).catch((e: unknown) => e);
    expect(TillkitError.hasCode(error, SyncErrorCode.SEQUENCE_MISMATCH)).toBe(true);
    expect((error as Error).message).toContain('Record entries 2 to 2 first');
    expect((await outbox.items()).map((i) => i.seq)).toEqual([1]);
    const kept = await store.getRecord(RecordCollections.refused, eventKey(third.entry));
    expect(kept?.value).toMatchObject({ expectedSeq: 2, partition: 'reg-1', type: 'sale' });
    // the partition stays gapless: the missing entry still goes in as number 2
    expect((await store.listPartitions()).find((p) => p.partition === 'reg-1')?.nextSeq).toBe(2);
  });

  it('refuses another entry with a sequence already taken', async () => {
    const fork = new TillFixture('reg-1');
    fork.openSession();
    await record(till.openSession());
    await record(till.sale(350));
    const error = await record(fork.sale(990)).catch((e: unknown) => e);
    expect(TillkitError.hasCode(error, SyncErrorCode.SEQUENCE_MISMATCH)).toBe(true);
    expect((error as Error).message).toContain('already taken by another entry');
    expect(await outbox.items()).toHaveLength(2);
  });

  it('refuses an entry of another register than the enrolled one, writing nothing', async () => {
    await expect(record(till.openSession(), 'reg-2')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await outbox.items()).toHaveLength(0);
  });

  it('writes local changes into the catalog overlay under the event key', async () => {
    const event = till.openSession();
    await recordEvent({
      outbox,
      store,
      catalog,
      event,
      now: 5,
      options: { local: [{ dataset: 'members', record: { id: 'm1', name: 'Ada', points: 120 } }] },
    });
    expect(await catalog.listLocal()).toMatchObject([{ dataset: 'members', id: 'm1', key: eventKey(event.entry), at: 5 }]);
    expect((await catalog.get('members', 'm1'))?.points).toBe(120);
  });
});

describe('buildEventItem', () => {
  it('refuses parts that do not belong together, naming what is wrong', () => {
    const opening = till.openSession();
    const sale = till.sale();
    expect(() => buildEventItem({ entry: sale.entry, till: opening.till, transaction: sale.transaction })).toThrow(
      /not the till state after entry 2/,
    );
    expect(() => buildEventItem({ entry: sale.entry, till: sale.till })).toThrow(/transaction is required for a sale entry/);
    const next = till.sale();
    expect(() => buildEventItem({ entry: next.entry, till: next.till, transaction: sale.transaction })).toThrow(/not entry 3/);
    expect(() => buildEventItem({ entry: { ...sale.entry, sequence: -1 }, till: sale.till })).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }) as Error,
    );
  });
});
