import type { Change, Cursor, Dataset, DatasetRecords } from './protocol/index';

/**
 * Where a till keeps what it pulls (catalog, prices, tax rates, members, configuration) and a few
 * facts of its own (device id, credentials, restore marks). Two implementations share one contract
 * test suite: SQLite on Node (`@tillkit/sync-client/sqlite`) and IndexedDB through Dexie in
 * browsers (`@tillkit/sync-client/dexie`).
 *
 * Local writes: a till may change a record before the server knows (for example a member's points
 * after a sale). Such a write lives in an overlay that reads prefer over pulled data; pulling never
 * overwrites it. The overlay entry is dropped only by `settleLocal`, once the server has the change
 * (the sync client calls it when a pulled change for that record arrives after the write was pushed).
 */
export interface CatalogStore {
  /**
   * Applies one pulled page and moves the dataset's cursor to `cursor`, in one transaction: after a
   * crash either both are stored or neither. `reset: true` first removes every pulled record of the
   * dataset (a full resync); local overlay entries survive a reset.
   */
  applyPage(input: ApplyPageInput): Promise<ApplyPageResult>;
  /** The cursor of the last applied page; null before the first pull or after a reset. */
  getCursor(dataset: Dataset): Promise<Cursor | null>;
  /** One record (the local overlay if there is one, else the pulled one); undefined when unknown or deleted. */
  get<D extends Dataset>(dataset: D, id: string): Promise<DatasetRecords[D] | undefined>;
  /** Records of a dataset in id order (overlay applied), at most `limit` (default 1000) after `afterId`. */
  list<D extends Dataset>(dataset: D, options?: { afterId?: string; limit?: number }): Promise<DatasetRecords[D][]>;
  /** Number of live (not deleted) records of a dataset, overlay included. */
  count(dataset: Dataset): Promise<number>;
  /** The catalog article with this barcode, if any. */
  findByBarcode(barcode: string): Promise<DatasetRecords['catalog'] | undefined>;
  /** Members whose id, card number or e-mail equals `query` (case-insensitive for e-mail). */
  findMembers(query: string): Promise<DatasetRecords['members'][]>;
  /** Writes a local change into the overlay (pulled data no longer overwrites this record). */
  putLocal<D extends Dataset>(dataset: D, record: DatasetRecords[D], meta: { key: string; at: number }): Promise<void>;
  /** The overlay entries, oldest first. */
  listLocal(): Promise<LocalWrite[]>;
  /** Drops the overlay entry of a record (only when its key is `key`, so a newer write stays). */
  settleLocal(dataset: Dataset, id: string, key: string): Promise<boolean>;
  /** A small key-value space for the till's own facts (JSON values). */
  getMeta<T = unknown>(key: string): Promise<T | undefined>;
  setMeta(key: string, value: unknown): Promise<void>;
  deleteMeta(key: string): Promise<void>;
  close(): Promise<void>;
}

export interface ApplyPageInput {
  dataset: Dataset;
  changes: readonly Change[];
  /** the page's cursor (stored as the dataset's cursor); null only for an empty reset */
  cursor: Cursor | null;
  reset?: boolean;
}

export interface ApplyPageResult {
  upserted: number;
  deleted: number;
  /** ids whose pulled change was stored underneath a local overlay entry */
  shadowed: string[];
}

export interface LocalWrite {
  dataset: Dataset;
  id: string;
  key: string;
  at: number;
  record: unknown;
}
