import type { Dexie, Transaction } from 'dexie';
import type { AckInfo, DeadLetterInfo, ItemState } from '../item';
import { addTotals, emptyTotals, indexFields, type PartitionTotals } from './rows';

const MAX_KEY: void[][] = [[]];

/**
 * The schema version this code reads and writes. A database with a higher one (in `meta`, or as
 * Dexie's native version `schemaVersion * 10`) was written by a newer tillkit and is not opened.
 */
export const SCHEMA_VERSION = 3;

/** The store's identity, in table `meta` under id 'store'. */
export interface MetaRow {
  id: 'store';
  storeId: string;
  createdAt: number;
  schemaVersion: number;
}

/**
 * The highest enqueue order given out, in table `meta` under id 'order' (version 3): a commit reads
 * one row for it instead of opening a cursor on the `order` index. It only grows (pruning the last
 * items does not hand their numbers out again).
 */
export interface OrderRow {
  id: 'order';
  last: number;
}

export const ORDER_ROW_ID = 'order';

/**
 * An outbox item as stored. The payload is kept as its JSON text (as the SQLite store keeps it), so
 * both stores return the same values and count the same UTF-8 bytes.
 *
 * `open`, `sparseState` and `ackedAt` follow `state` (rows.ts `indexFields` sets them on every write)
 * and are there only for the indexes: a field that is absent keeps the row out of every index on it,
 * so each index holds only the items its readers look for, and a new (pending) item is written to
 * the primary key, `order` and `[open+partition+seq]` only.
 */
export interface ItemRow {
  key: string;
  partition: string;
  /** null only for a request-level dead letter: such rows drop out of the seq index */
  seq: number | null;
  type: string;
  json: string;
  bytes: number;
  createdAt: number;
  state: ItemState;
  /**
   * 1 while pending or in flight, absent otherwise (booleans are not valid IndexedDB keys, numbers
   * are). Versions 1 and 2 kept 0 on closed items.
   */
  open?: 1;
  /** the state of an item that is not pending (absent while pending): feeds `[sparseState+order]` (version 3) */
  sparseState?: Exclude<ItemState, 'pending'>;
  /** enqueue order across the store (the SQLite store's row id) */
  order: number;
  attempts: number;
  notBefore: number;
  /** `at` is when the lease was taken: a lease taken "in the future" (the clock went back) does not hold */
  lease?: { id: string; owner: string; at: number; until: number } | undefined;
  ack?: AckInfo | undefined;
  /** ack.at, only while acked: feeds the prune index */
  ackedAt?: number | undefined;
  dead?: DeadLetterInfo | undefined;
  lastError?: string | undefined;
}

/**
 * A partition: its next sequence number, and running totals of its items kept up to date by every
 * write that adds, opens, closes or removes an item, so stats() need not read the queue
 * (`openBytes` since version 2, the counts since version 3).
 */
export interface PartitionRow extends PartitionTotals {
  partition: string;
  nextSeq: number;
  prunedThrough: number;
  blocked?: { code: string; message: string; at: number } | undefined;
}

export interface RecordRow {
  collection: string;
  key: string;
  json: string;
  updatedAt: number;
}

export interface LeaseRow {
  name: string;
  owner: string;
  acquiredAt: number;
  expiresAt: number;
  meta: Record<string, string | number>;
}

/**
 * Version 1, the first layout. Items are keyed by idempotency key (a replay is one lookup), with:
 * - `[open+partition+seq]`: claim reads a partition's open items in order without touching acked or
 *   dead ones (a request-level dead letter has seq null and is simply not in this index);
 * - `[partition+seq]`: rewind, rebase and giving a sequence number back;
 * - `[open+order]`, `[state+order]`, `order`: listings in enqueue order and counts per state.
 * Partitions hold the next sequence number, so commits from several tabs number items inside their
 * transaction without gaps or doubles.
 */
const V1 = {
  meta: 'id',
  items: 'key, order, [open+order], [state+order], [partition+seq], [open+partition+seq]',
  partitions: 'partition',
  records: '[collection+key]',
  leases: 'name',
};

/**
 * Version 2: `[ackedAt+order]` lets pruning read only the acked items it removes, `[open+createdAt]`
 * gives the oldest open item at once, and partitions count their open bytes. Together they keep
 * stats() and pruneAcked() from reading the whole queue (version 1 did, and a long read transaction
 * holds back the commits of sales behind it).
 */
const V2 = {
  items: 'key, order, [open+order], [state+order], [partition+seq], [open+partition+seq], [ackedAt+order], [open+createdAt]',
};

/**
 * Version 3: fewer index entries per commit. Version 2 wrote eight for every new item; now a pending
 * item is in three (the primary key, `order` and `[open+partition+seq]`), because the other indexes
 * are sparse (their fields exist only in the states they serve, see ItemRow):
 * - `[open+partition+seq]`: open items only (closed ones no longer keep an `open: 0` entry); claim
 *   reads each partition's run from it, stats() the head of each partition, listings the open items;
 * - `[sparseState+order]` (new): in-flight, acked and dead items in enqueue order, for claim and
 *   stats() (live leases), listings by state and retrying dead letters; the rare operator paths
 *   (rewind, rebase, giving a request-level dead letter's number back) read their partition's closed
 *   items from it too;
 * - `[ackedAt+order]`: acked items only, oldest acknowledgement first, for pruning.
 * Gone: `[open+order]`, `[state+order]`, `[partition+seq]` and `[open+createdAt]`: listing the open
 * items reads them all and sorts them (an operator's view), stats() takes the oldest open item from
 * the heads of the partitions, as the SQLite store does. Partitions keep the open, acked and dead
 * counts stats() used to count from the old indexes, and `meta` the last enqueue order (OrderRow),
 * so a commit reads two rows where it opened a cursor on `order`.
 */
const V3 = {
  items: 'key, order, [open+partition+seq], [sparseState+order], [ackedAt+order]',
};

/** An item row as versions 1 and 2 wrote it (`open` was 0 on closed items; no `sparseState`). */
type OldItemRow = Omit<ItemRow, 'open'> & { open?: 0 | 1 };

/**
 * Declares every schema version on `db`. Dexie runs the upgrade steps a database needs, each in the
 * one versionchange transaction of the open: a failing step aborts it and leaves the database as it
 * was. A step may add tables, indexes or fields, or move data; it must never drop queued items.
 */
export function declareSchema(db: Dexie): void {
  db.version(1).stores(V1);
  db.version(2)
    .stores(V2)
    .upgrade(async (tx: Transaction) => {
      const items = tx.table<OldItemRow, string>('items');
      await items
        .where('[state+order]')
        .between(['acked', -Infinity], ['acked', MAX_KEY])
        .modify((row) => {
          if (row.ack !== undefined) row.ackedAt = row.ack.at;
        });
      const openBytes = new Map<string, number>();
      await items
        .where('[open+order]')
        .between([1, -Infinity], [1, MAX_KEY])
        .each((row) => {
          openBytes.set(row.partition, (openBytes.get(row.partition) ?? 0) + row.bytes);
        });
      await tx
        .table<PartitionRow, string>('partitions')
        .toCollection()
        .modify((part) => {
          part.openBytes = openBytes.get(part.partition) ?? 0;
        });
      await tx.table<MetaRow, string>('meta').update('store', { schemaVersion: 2 });
    });
  db.version(3)
    .stores(V3)
    .upgrade(async (tx: Transaction) => {
      // every item gets the index fields of its state (rewriting each row once), and every partition
      // the totals of its items, counted here rather than carried over
      const totals = new Map<string, PartitionTotals & { maxSeq: number }>();
      await tx
        .table<OldItemRow, string>('items')
        .toCollection()
        .modify((old) => {
          const row = old as ItemRow;
          indexFields(row);
          let partition = totals.get(row.partition);
          if (partition === undefined) {
            partition = { ...emptyTotals(), maxSeq: 0 };
            totals.set(row.partition, partition);
          }
          addTotals(partition, row.state, 1, row.bytes);
          if (row.seq !== null) partition.maxSeq = Math.max(partition.maxSeq, row.seq);
        });
      const partitions = tx.table<PartitionRow, string>('partitions');
      const known = new Set<string>();
      await partitions.toCollection().modify((part) => {
        known.add(part.partition);
        const found = totals.get(part.partition) ?? emptyTotals();
        part.openCount = found.openCount;
        part.openBytes = found.openBytes;
        part.ackedCount = found.ackedCount;
        part.deadCount = found.deadCount;
      });
      // claim reads partitions, not items: an item whose partition had no row would never be sent
      const missing = [...totals].filter(([partition]) => !known.has(partition));
      await partitions.bulkAdd(
        missing.map(([partition, { maxSeq, ...found }]): PartitionRow => ({
          partition,
          nextSeq: maxSeq + 1,
          prunedThrough: 0,
          ...found,
        })),
      );
      const last = (await tx.table<ItemRow, string>('items').orderBy('order').lastKey()) as number | undefined;
      await tx.table<OrderRow, string>('meta').put({ id: ORDER_ROW_ID, last: last ?? 0 });
      await tx.table<MetaRow, string>('meta').update('store', { schemaVersion: 3 });
    });
}
