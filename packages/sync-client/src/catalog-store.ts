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
   *
   * Every upsert's `data` is validated with the dataset's record schema (`datasetRecordSchemas`; its
   * `id` may be left out, it is the change's id). A page with one invalid record is refused as a
   * whole with ValidationError VALIDATION_FAILED: nothing is applied and the cursor stays. Within a
   * page the last change of an id wins. A page (not a reset) whose cursor lies before the stored one
   * is refused with STALE_PAGE (another tab or process applied newer changes: pull again from
   * `getCursor()`); the same page applied twice is harmless.
   */
  applyPage(input: ApplyPageInput): Promise<ApplyPageResult>;
  /** The cursor of the last applied page; null before the first pull or after a reset. */
  getCursor(dataset: Dataset): Promise<Cursor | null>;
  /**
   * One record (the local overlay if there is one, else the pulled one); undefined when unknown or deleted.
   * Pulled records keep the fields this version's schema does not know (a newer server's additions).
   */
  get<D extends Dataset>(dataset: D, id: string): Promise<DatasetRecords[D] | undefined>;
  /**
   * Records of a dataset in id order (overlay applied), at most `limit` (default 1000, at most 100,000)
   * after `afterId`: page through a dataset by passing the last id of one page as the next `afterId`.
   */
  list<D extends Dataset>(dataset: D, options?: { afterId?: string; limit?: number }): Promise<DatasetRecords[D][]>;
  /** Number of live (not deleted) records of a dataset, overlay included. */
  count(dataset: Dataset): Promise<number>;
  /**
   * The catalog article with this barcode, if any (overlay applied; surrounding white space ignored).
   * Should two articles carry it (a barcode moving between articles across pages), a local write
   * wins, then the most recently changed pulled article.
   */
  findByBarcode(barcode: string): Promise<DatasetRecords['catalog'] | undefined>;
  /**
   * Members whose id equals `query`, or whose card number or e-mail equals it ignoring case and
   * surrounding white space; in id order, overlay applied.
   */
  findMembers(query: string): Promise<DatasetRecords['members'][]>;
  /**
   * Writes a local change into the overlay (pulled data no longer overwrites this record). The record
   * is validated with the dataset's schema (VALIDATION_FAILED); a second write of the same record
   * replaces the first, with its key and time.
   */
  putLocal<D extends Dataset>(dataset: D, record: DatasetRecords[D], meta: { key: string; at: number }): Promise<void>;
  /** The overlay entries, oldest first (by `at`, then by write order). */
  listLocal(): Promise<LocalWrite[]>;
  /** Drops the overlay entry of a record (only when its key is `key`, so a newer write stays). */
  settleLocal(dataset: Dataset, id: string, key: string): Promise<boolean>;
  /** A small key-value space for the till's own facts (JSON values, stored as JSON text). */
  getMeta<T = unknown>(key: string): Promise<T | undefined>;
  /** Stores a JSON value (VALIDATION_FAILED for what JSON cannot hold: undefined, functions, cycles). */
  setMeta(key: string, value: unknown): Promise<void>;
  deleteMeta(key: string): Promise<void>;
  /** Closes the database; later calls fail with STORE_CLOSED. Closing twice is harmless. */
  close(): Promise<void>;
}

export interface ApplyPageInput {
  dataset: Dataset;
  changes: readonly Change[];
  /**
   * the page's cursor (stored as the dataset's cursor); null only for a page without changes: with
   * `reset` it clears the cursor, without it the cursor stays as it is
   */
  cursor: Cursor | null;
  reset?: boolean;
}

export interface ApplyPageResult {
  /** upserts in the page */
  upserted: number;
  /** tombstones in the page */
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
