import type { Dexie, Transaction } from 'dexie';
import type { AckInfo, DeadLetterInfo, ItemState } from '../item';

const MAX_KEY: void[][] = [[]];

/**
 * The schema version this code reads and writes. A database with a higher one (in `meta`, or as
 * Dexie's native version `schemaVersion * 10`) was written by a newer tillkit and is not opened.
 */
export const SCHEMA_VERSION = 2;

/** The store's identity, in table `meta` under id 'store'. */
export interface MetaRow {
  id: 'store';
  storeId: string;
  createdAt: number;
  schemaVersion: number;
}

/**
 * An outbox item as stored. The payload is kept as its JSON text (as the SQLite store keeps it), so
 * both stores return the same values and count the same UTF-8 bytes.
 */
export interface ItemRow {
  key: string;
  partition: string;
  /** null only for a request-level dead letter: such rows drop out of the seq indexes */
  seq: number | null;
  type: string;
  json: string;
  bytes: number;
  createdAt: number;
  state: ItemState;
  /** 1 while pending or in flight, else 0: booleans are not valid IndexedDB keys, numbers are */
  open: 0 | 1;
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

export interface PartitionRow {
  partition: string;
  nextSeq: number;
  prunedThrough: number;
  /**
   * Payload bytes of the partition's open items, kept up to date by every write that opens or
   * closes an item, so stats() need not read every queued item (version 2).
   */
  openBytes: number;
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
 * Declares every schema version on `db`. Dexie runs the upgrade steps a database needs, each in the
 * one versionchange transaction of the open: a failing step aborts it and leaves the database as it
 * was. A step may add tables, indexes or fields, or move data; it must never drop queued items.
 */
export function declareSchema(db: Dexie): void {
  db.version(1).stores(V1);
  db.version(2)
    .stores(V2)
    .upgrade(async (tx: Transaction) => {
      const items = tx.table<ItemRow, string>('items');
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
}
