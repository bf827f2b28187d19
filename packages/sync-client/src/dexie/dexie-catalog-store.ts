import { parseInput } from '@tillkit/core';
import { Dexie, type Table } from 'dexie';
import { z } from 'zod';
import type { ApplyPageInput, ApplyPageResult, CatalogStore, LocalWrite } from '../catalog-store';
import { CatalogStoreErrorCode, catalogStorageError } from '../catalog-store-errors';
import {
  barcodeKey,
  checkNotStale,
  memberQueryKeys,
  metaJson,
  movesCursor,
  parseDataset,
  parseId,
  parseListOptions,
  parseLookup,
  parseMetaKey,
  preparePage,
  prepareLocal,
  type PreparedPage,
} from '../catalog-store-input';
import type { Cursor, Dataset, DatasetRecords } from '../protocol/index';
import { isConnectionLost, toOpenError, toStoreError } from './dexie-errors';
import { declareSchema, SCHEMA_VERSION, type CursorRow, type MetaRow, type OverlayRow, type RecordRow } from './schema';

export interface DexieCatalogStoreOptions {
  /** the IndexedDB database name: one catalog store per name and origin; every tab opening it shares it */
  name: string;
  /** the IndexedDB factory; default the global `indexedDB` (inject one in a worker or a test) */
  indexedDB?: IDBFactory | undefined;
  /** the matching IDBKeyRange; default the global `IDBKeyRange` */
  IDBKeyRange?: typeof IDBKeyRange | undefined;
}

const optionsSchema = z.object({
  name: z.string().min(1, 'must name the IndexedDB database'),
  indexedDB: z.custom<IDBFactory>((v) => typeof (v as IDBFactory | undefined)?.open === 'function', 'an IDBFactory').optional(),
  IDBKeyRange: z
    .custom<typeof IDBKeyRange>((v) => typeof (v as typeof IDBKeyRange | undefined)?.bound === 'function', 'an IDBKeyRange')
    .optional(),
});

/** The most members findMembers returns. */
const MAX_MEMBERS = 100;

// Bounds for ranges over [dataset+id]: -Infinity sorts before every string, an array after every string.
const MIN = -Infinity;
const MAX: void[][] = [[]];

const connections = new WeakMap<CatalogStore, Dexie>();

/** For tests: the Dexie instance behind a store made by createDexieCatalogStore (to close its connection behind its back). */
export function dexieConnectionOf(store: CatalogStore): Dexie | undefined {
  return connections.get(store);
}

function tooNew(name: string, found: number): Error {
  return catalogStorageError(
    CatalogStoreErrorCode.STORE_VERSION_TOO_NEW,
    `The catalog database "${name}" has schema version ${found}, newer than this version of the application knows (${SCHEMA_VERSION}). ` +
      'Update the application (reload to get the new version); the database was not changed.',
    { details: { found, supported: SCHEMA_VERSION } },
  );
}

/**
 * Refuses a database written by a newer schema before Dexie opens it: opened at a newer version,
 * Dexie would adapt to it. `databases()` is missing in some older browsers; the check after opening
 * (on `ready`) still refuses such a database then.
 */
async function refuseNewerDatabase(factory: IDBFactory, name: string): Promise<void> {
  if (typeof factory.databases !== 'function') return;
  let version: number | undefined;
  try {
    version = (await factory.databases()).find((d) => d.name === name)?.version;
  } catch {
    return;
  }
  if (version !== undefined && Math.floor(version / 10) > SCHEMA_VERSION) throw tooNew(name, Math.floor(version / 10));
}

/**
 * The local catalog store in IndexedDB through Dexie 4 (browsers, Electron renderers, workers).
 * Every write transaction asks for `durability: 'strict'` (Chromium defaults to 'relaxed', which may
 * lose the last commits on a power cut); a page (its records and its cursor) is one readwrite
 * transaction. After the platform closed the connection ("connection is closing" in Safari, storage
 * cleared, another tab's upgrade) an operation reopens it and runs once more.
 *
 * Throws ValidationError for bad options, StorageError STORE_VERSION_TOO_NEW for a database written
 * by a newer tillkit, MIGRATION_FAILED when an upgrade step fails (the database is left as it was).
 */
export async function createDexieCatalogStore(options: DexieCatalogStoreOptions): Promise<DexieCatalogStore> {
  const opts = parseInput(optionsSchema, options, 'Dexie catalog store options');
  const factory = opts.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  const keyRange = opts.IDBKeyRange ?? (globalThis as { IDBKeyRange?: typeof IDBKeyRange }).IDBKeyRange;
  if (factory === undefined || keyRange === undefined) {
    throw catalogStorageError(
      CatalogStoreErrorCode.STORAGE_ERROR,
      'IndexedDB is not available here: open the Dexie catalog store in a browser (or pass options.indexedDB and options.IDBKeyRange), or use the SQLite store on Node.',
    );
  }
  await refuseNewerDatabase(factory, opts.name);
  const db = new Dexie(opts.name, {
    indexedDB: factory,
    IDBKeyRange: keyRange,
    chromeTransactionDurability: 'strict',
    // reopening is ours to do, with the version check of `ready`
    autoOpen: false,
  });
  declareSchema(db);
  const store = new DexieCatalogStore(db, opts.name);
  try {
    await db.open();
  } catch (error) {
    db.close();
    throw toOpenError(error, opts.name);
  }
  connections.set(store, db);
  return store;
}

const parse = <T>(json: string) => JSON.parse(json) as T;

export class DexieCatalogStore implements CatalogStore {
  readonly backend = 'indexeddb';
  private readonly records: Table<RecordRow, [string, string]>;
  private readonly overlay: Table<OverlayRow, [string, string]>;
  private readonly cursors: Table<CursorRow, string>;
  private readonly meta: Table<MetaRow, string>;
  private closed = false;
  /** counts opens of the connection */
  private generation = 0;
  private reopening: Promise<void> | undefined;

  constructor(
    private readonly db: Dexie,
    private readonly name: string,
  ) {
    this.records = db.table('records');
    this.overlay = db.table('overlay');
    this.cursors = db.table('cursors');
    this.meta = db.table('meta');
    // sticky: runs after every open, reopens included
    db.on(
      'ready',
      (vipDb: Dexie) => {
        const found = Math.floor(vipDb.backendDB().version / 10);
        if (found > SCHEMA_VERSION) throw tooNew(this.name, found);
        this.generation += 1;
      },
      true,
    );
  }

  /** How often the connection was opened again after the platform closed it. */
  get reopened(): number {
    return Math.max(0, this.generation - 1);
  }

  /**
   * Runs one operation (one transaction). After a connection the platform closed, reopens and runs
   * it once more; after close(), fails with STORE_CLOSED.
   */
  private async run<T>(doing: string, body: () => Promise<T>): Promise<T> {
    if (this.closed) throw this.closedError(doing);
    const generation = this.generation;
    try {
      return await body();
    } catch (error) {
      if (this.closed) throw this.closedError(doing);
      if (!isConnectionLost(error)) throw toStoreError(error, doing);
      try {
        await this.reopen(generation);
        return await body();
      } catch (retryError) {
        if (this.closed) throw this.closedError(doing);
        throw toStoreError(retryError, doing);
      }
    }
  }

  private reopen(failedGeneration: number): Promise<void> {
    // another operation reopened it since this one started: just try again
    if (this.generation !== failedGeneration && this.db.isOpen()) return Promise.resolve();
    // one reopen at a time: operations that failed together wait for the same one
    this.reopening ??= (async () => {
      if (this.db.isOpen()) this.db.close({ disableAutoOpen: false });
      await this.db.open();
    })().finally(() => {
      this.reopening = undefined;
    });
    return this.reopening;
  }

  private closedError(doing: string): Error {
    return catalogStorageError(
      CatalogStoreErrorCode.STORE_CLOSED,
      `The catalog store "${this.name}" is closed: open a new one to go on ${doing}.`,
    );
  }

  /** Validates input after the closed check, so a closed store answers STORE_CLOSED whatever it is given. */
  private checked<I>(doing: string, check: () => I): I {
    if (this.closed) throw this.closedError(doing);
    return check();
  }

  private range(dataset: Dataset, afterId?: string) {
    return afterId === undefined
      ? ([
          [dataset, MIN],
          [dataset, MAX],
        ] as const)
      : ([
          [dataset, afterId],
          [dataset, MAX],
        ] as const);
  }

  async applyPage(input: ApplyPageInput): Promise<ApplyPageResult> {
    const doing = 'applying a pulled page';
    const page = this.checked(doing, () => preparePage(input));
    return this.run(doing, () => this.db.transaction('rw', [this.records, this.overlay, this.cursors], () => this.applyIn(page)));
  }

  private async applyIn(page: PreparedPage): Promise<ApplyPageResult> {
    const { dataset } = page;
    const storedCursor = await this.cursors.get(dataset);
    checkNotStale(page, storedCursor === undefined ? null : { updatedAt: storedCursor.updatedAt, id: storedCursor.id });
    if (page.reset) {
      const [lower, upper] = this.range(dataset);
      await this.records.where('[dataset+id]').between(lower, upper, true, true).delete();
    }
    const ids = [...page.writes.keys()];
    const overlaid = await this.overlay.bulkGet(ids.map((id): [string, string] => [dataset, id]));
    const shadowed = ids.filter((_, i) => overlaid[i] !== undefined);
    const puts: RecordRow[] = [];
    const deletes: [string, string][] = [];
    for (const [id, record] of page.writes) {
      if (record === null) deletes.push([dataset, id]);
      else puts.push({ dataset, id, updatedAt: record.updatedAt, json: record.json, lookup: record.keys });
    }
    if (deletes.length > 0 && !page.reset) await this.records.bulkDelete(deletes);
    if (puts.length > 0) await this.records.bulkPut(puts);
    if (movesCursor(page)) {
      if (page.cursor === null) await this.cursors.delete(dataset);
      else await this.cursors.put({ dataset, updatedAt: page.cursor.updatedAt, id: page.cursor.id });
    }
    return { upserted: page.upserted, deleted: page.deleted, shadowed };
  }

  async getCursor(dataset: Dataset): Promise<Cursor | null> {
    const ds = this.checked('reading a cursor', () => parseDataset(dataset));
    return this.run('reading a cursor', async () => {
      const row = await this.cursors.get(ds);
      return row === undefined ? null : { updatedAt: row.updatedAt, id: row.id };
    });
  }

  async get<D extends Dataset>(dataset: D, id: string): Promise<DatasetRecords[D] | undefined> {
    const key = this.checked('reading a record', (): [string, string] => [parseDataset(dataset), parseId(id)]);
    return this.run('reading a record', () =>
      this.db.transaction('r', [this.records, this.overlay], async () => {
        const row = (await this.overlay.get(key)) ?? (await this.records.get(key));
        return row === undefined ? undefined : parse<DatasetRecords[D]>(row.json);
      }),
    );
  }

  async list<D extends Dataset>(dataset: D, options?: { afterId?: string; limit?: number }): Promise<DatasetRecords[D][]> {
    const doing = 'listing records';
    const { ds, afterId, limit } = this.checked(doing, () => ({ ds: parseDataset(dataset), ...parseListOptions(options) }));
    return this.run(doing, () =>
      this.db.transaction('r', [this.records, this.overlay], async () => {
        const [lower, upper] = this.range(ds, afterId);
        // the first `limit` of each side hold the first `limit` of both merged
        const [pulled, local] = await Promise.all([
          this.records.where('[dataset+id]').between(lower, upper, false, true).limit(limit).toArray(),
          this.overlay.where('[dataset+id]').between(lower, upper, false, true).limit(limit).toArray(),
        ]);
        const byId = new Map<string, string>(pulled.map((row) => [row.id, row.json]));
        for (const row of local) byId.set(row.id, row.json);
        return [...byId.keys()]
          .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
          .slice(0, limit)
          .map((id) => parse<DatasetRecords[D]>(byId.get(id)!));
      }),
    );
  }

  async count(dataset: Dataset): Promise<number> {
    const ds = this.checked('counting records', () => parseDataset(dataset));
    return this.run('counting records', () =>
      this.db.transaction('r', [this.records, this.overlay], async () => {
        const [lower, upper] = this.range(ds);
        const pulled = await this.records.where('[dataset+id]').between(lower, upper, true, true).count();
        const local = await this.overlay.where('[dataset+id]').between(lower, upper, true, true).primaryKeys();
        const under = await this.records.bulkGet(local);
        return pulled + under.filter((row) => row === undefined).length;
      }),
    );
  }

  async findByBarcode(barcode: string): Promise<DatasetRecords['catalog'] | undefined> {
    const doing = 'looking up a barcode';
    const code = this.checked(doing, () => parseLookup(barcode, 'barcode'));
    if (code === '') return undefined;
    const key = barcodeKey(code);
    return this.run(doing, () =>
      this.db.transaction('r', [this.records, this.overlay], async () => {
        const local = (await this.overlay.where('lookup').equals(key).toArray()).filter((row) => row.dataset === 'catalog');
        // a local write first (the newest), then the most recently changed pulled record
        local.sort((a, b) => b.at - a.at || b.seq - a.seq);
        if (local[0] !== undefined) return parse<DatasetRecords['catalog']>(local[0].json);
        const pulled = (await this.records.where('lookup').equals(key).toArray()).filter((row) => row.dataset === 'catalog');
        const found = (await this.withoutOverlaid(pulled)).sort(
          (a, b) => b.updatedAt - a.updatedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
        );
        return found[0] === undefined ? undefined : parse<DatasetRecords['catalog']>(found[0].json);
      }),
    );
  }

  /** The pulled rows whose record has no local write (a local write hides the pulled record from lookups). */
  private async withoutOverlaid(rows: readonly RecordRow[]): Promise<RecordRow[]> {
    const local = await this.overlay.bulkGet(rows.map((row): [string, string] => [row.dataset, row.id]));
    return rows.filter((_, i) => local[i] === undefined);
  }

  async findMembers(query: string): Promise<DatasetRecords['members'][]> {
    const doing = 'looking up members';
    const text = this.checked(doing, () => parseLookup(query, 'member query'));
    if (text === '') return [];
    const keys = memberQueryKeys(text);
    return this.run(doing, () =>
      this.db.transaction('r', [this.records, this.overlay], async () => {
        const byId: [string, string] = ['members', text];
        const [localById, pulledById, localByKey, pulledByKey] = await Promise.all([
          this.overlay.get(byId),
          this.records.get(byId),
          this.overlay.where('lookup').anyOf(keys).toArray(),
          this.records.where('lookup').anyOf(keys).toArray(),
        ]);
        const local = [...localByKey, ...(localById === undefined ? [] : [localById])].filter((row) => row.dataset === 'members');
        const pulled = [...pulledByKey, ...(pulledById === undefined ? [] : [pulledById])].filter(
          (row) => row.dataset === 'members',
        );
        const byIdMap = new Map<string, string>();
        for (const row of await this.withoutOverlaid(pulled)) byIdMap.set(row.id, row.json);
        for (const row of local) byIdMap.set(row.id, row.json);
        return [...byIdMap.keys()]
          .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
          .slice(0, MAX_MEMBERS)
          .map((id) => parse<DatasetRecords['members']>(byIdMap.get(id)!));
      }),
    );
  }

  async putLocal<D extends Dataset>(dataset: D, record: DatasetRecords[D], meta: { key: string; at: number }): Promise<void> {
    const doing = 'writing a local change';
    const local = this.checked(doing, () => prepareLocal(dataset, record, meta));
    await this.run(doing, () =>
      this.db.transaction('rw', this.overlay, async () => {
        const last = await this.overlay.orderBy('seq').last();
        await this.overlay.put({
          dataset: local.dataset,
          id: local.id,
          writeKey: local.key,
          at: local.at,
          seq: (last?.seq ?? 0) + 1,
          json: local.json,
          lookup: local.keys,
        });
      }),
    );
  }

  async listLocal(): Promise<LocalWrite[]> {
    this.checked('listing local changes', () => undefined);
    return this.run('listing local changes', async () => {
      const rows = await this.overlay.toArray();
      rows.sort((a, b) => a.at - b.at || a.seq - b.seq);
      return rows.map((row) => ({
        dataset: row.dataset,
        id: row.id,
        key: row.writeKey,
        at: row.at,
        record: parse<unknown>(row.json),
      }));
    });
  }

  async settleLocal(dataset: Dataset, id: string, key: string): Promise<boolean> {
    const doing = 'settling a local change';
    const [ds, recordId, writeKey] = this.checked(doing, () => [parseDataset(dataset), parseId(id), parseId(key)] as const);
    return this.run(doing, () =>
      this.db.transaction('rw', this.overlay, async () => {
        const row = await this.overlay.get([ds, recordId]);
        if (row === undefined || row.writeKey !== writeKey) return false;
        await this.overlay.delete([ds, recordId]);
        return true;
      }),
    );
  }

  async getMeta<T = unknown>(key: string): Promise<T | undefined> {
    const name = this.checked('reading a meta value', () => parseMetaKey(key));
    return this.run('reading a meta value', async () => {
      const row = await this.meta.get(name);
      return row === undefined ? undefined : parse<T>(row.json);
    });
  }

  async setMeta(key: string, value: unknown): Promise<void> {
    const doing = 'writing a meta value';
    const row = this.checked(doing, (): MetaRow => {
      const name = parseMetaKey(key);
      return { key: name, json: metaJson(name, value) };
    });
    await this.run(doing, () => this.meta.put(row));
  }

  async deleteMeta(key: string): Promise<void> {
    const name = this.checked('deleting a meta value', () => parseMetaKey(key));
    await this.run('deleting a meta value', () => this.meta.delete(name));
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.db.close();
    }
    return Promise.resolve();
  }
}
