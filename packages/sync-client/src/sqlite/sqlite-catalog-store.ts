import { parseInput } from '@tillkit/core';
import Database from 'better-sqlite3';
import { z } from 'zod';
import type { ApplyPageInput, ApplyPageResult, CatalogStore, LocalWrite } from '../catalog-store';
import { asCatalogStorageError, CatalogStoreErrorCode, catalogStorageError } from '../catalog-store-errors';
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
} from '../catalog-store-input';
import type { Cursor, Dataset, DatasetRecords } from '../protocol/index';
import { CATALOG_MIGRATIONS, type CatalogMigration } from './migrations';

export interface SqliteCatalogStoreOptions {
  /** the database file (created if missing), or ':memory:' for a store that lives as long as the process */
  path: string;
  /** how long a write waits for another process holding the database, in ms; default 5000 */
  busyTimeoutMs?: number;
}

const optionsSchema = z.object({
  path: z.string().min(1, 'must name a file or ":memory:"'),
  busyTimeoutMs: z.number().int().nonnegative().default(5000),
});

/** The most members findMembers returns. */
const MAX_MEMBERS = 100;

interface OverlayRow {
  dataset: Dataset;
  id: string;
  write_key: string;
  at: number;
  seq: number;
  data: string;
}

function sqliteCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string'
    ? (error as { code: string }).code
    : undefined;
}

function mapSqliteError(error: unknown, doing: string, path: string, busyTimeoutMs: number) {
  const code = sqliteCode(error);
  if (code === 'SQLITE_FULL') {
    return catalogStorageError(
      CatalogStoreErrorCode.STORAGE_FULL,
      `The disk is full: the catalog store could not finish ${doing}. Free disk space; nothing was written.`,
      { cause: error },
    );
  }
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return catalogStorageError(
      CatalogStoreErrorCode.STORAGE_ERROR,
      `The catalog database ${path} stayed locked by another process for more than ${busyTimeoutMs} ms while ${doing}; nothing was written. ` +
        'Retry, or look for a process stuck holding it.',
      { cause: error },
    );
  }
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return catalogStorageError(
      CatalogStoreErrorCode.STORAGE_ERROR,
      `The catalog database ${path} is not a readable SQLite database (${code}) while ${doing}. It was left as it is: ` +
        "move it aside (keep it: it holds the till's own facts and local writes) and open the store again; the catalog is then pulled anew.",
      { cause: error },
    );
  }
  return asCatalogStorageError(error, `${doing} (${path})`);
}

/**
 * The local catalog store in one SQLite file (better-sqlite3 12.x): WAL journal with
 * `synchronous=FULL`, so an applied page (its records and its cursor, one transaction) survives a
 * crash or a power cut whole or not at all. Several processes may open the same file: writes take
 * the database lock (`BEGIN IMMEDIATE`) and wait up to `busyTimeoutMs` for it.
 *
 * Throws ValidationError for bad options, StorageError STORE_VERSION_TOO_NEW for a database written
 * by a newer tillkit, MIGRATION_FAILED when a schema step fails and STORAGE_ERROR for a file that is
 * not a readable database (in every case the file is left as it was).
 */
export function createSqliteCatalogStore(options: SqliteCatalogStoreOptions): Promise<SqliteCatalogStore> {
  return Promise.resolve().then(() => openSqliteCatalogStore(options, CATALOG_MIGRATIONS));
}

/** Opens a store with a given migration list (tests use it to exercise upgrades). */
export function openSqliteCatalogStore(
  options: SqliteCatalogStoreOptions,
  migrations: readonly CatalogMigration[],
): SqliteCatalogStore {
  const opts = parseInput(optionsSchema, options, 'SQLite catalog store options');
  let db: Database.Database;
  try {
    db = new Database(opts.path, { timeout: opts.busyTimeoutMs });
  } catch (error) {
    throw mapSqliteError(error, 'opening it', opts.path, opts.busyTimeoutMs);
  }
  try {
    // reads the header first: a file that is not a database fails here, before anything is written
    db.pragma('user_version', { simple: true });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    migrate(db, migrations, opts.path);
    return new SqliteCatalogStore(db, opts.path, opts.busyTimeoutMs);
  } catch (error) {
    db.close();
    throw mapSqliteError(error, 'opening it', opts.path, opts.busyTimeoutMs);
  }
}

function migrate(db: Database.Database, migrations: readonly CatalogMigration[], path: string): void {
  const latest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  const current = () => db.pragma('user_version', { simple: true }) as number;
  const found = current();
  if (found > latest) {
    throw catalogStorageError(
      CatalogStoreErrorCode.STORE_VERSION_TOO_NEW,
      `The catalog database ${path} has schema version ${found}, newer than this version of the application knows (${latest}). ` +
        'Update the application; the file was not changed.',
      { details: { found, supported: latest } },
    );
  }
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (migration.version <= found) continue;
    const step = db.transaction(() => {
      // another process may have run this step meanwhile: check again under the lock
      if (current() >= migration.version) return;
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    });
    try {
      step.immediate();
    } catch (error) {
      throw catalogStorageError(
        CatalogStoreErrorCode.MIGRATION_FAILED,
        `Upgrading the catalog database ${path} to schema version ${migration.version} (${migration.description}) failed: ${
          error instanceof Error ? error.message : String(error)
        }. The database was left at version ${current()}; nothing was lost.`,
        { cause: error },
      );
    }
  }
}

/** For tests: the better-sqlite3 connection of a store (to read its pragmas). */
export function sqliteConnectionOf(store: SqliteCatalogStore): Database.Database {
  return store['db'];
}

export class SqliteCatalogStore implements CatalogStore {
  readonly backend = 'sqlite';
  private closed = false;
  private readonly stmt;
  private readonly transaction: Database.Transaction<(body: () => unknown) => unknown>;

  constructor(
    private readonly db: Database.Database,
    private readonly path: string,
    private readonly busyTimeoutMs: number,
  ) {
    this.transaction = db.transaction((body: () => unknown) => body());
    const notOverlaid = 'NOT EXISTS (SELECT 1 FROM overlay o WHERE o.dataset = r.dataset AND o.id = r.id)';
    this.stmt = {
      cursor: db.prepare<[string], { updated_at: number; id: string }>('SELECT updated_at, id FROM cursors WHERE dataset = ?'),
      putCursor: db.prepare(
        `INSERT INTO cursors (dataset, updated_at, id) VALUES (?, ?, ?)
         ON CONFLICT (dataset) DO UPDATE SET updated_at = excluded.updated_at, id = excluded.id`,
      ),
      deleteCursor: db.prepare('DELETE FROM cursors WHERE dataset = ?'),
      clearRecords: db.prepare('DELETE FROM records WHERE dataset = ?'),
      clearRecordKeys: db.prepare('DELETE FROM record_keys WHERE dataset = ?'),
      putRecord: db.prepare(
        `INSERT INTO records (dataset, id, updated_at, data) VALUES (?, ?, ?, ?)
         ON CONFLICT (dataset, id) DO UPDATE SET updated_at = excluded.updated_at, data = excluded.data`,
      ),
      deleteRecord: db.prepare('DELETE FROM records WHERE dataset = ? AND id = ?'),
      deleteRecordKeys: db.prepare('DELETE FROM record_keys WHERE dataset = ? AND id = ?'),
      addRecordKey: db.prepare('INSERT OR IGNORE INTO record_keys (key, dataset, id) VALUES (?, ?, ?)'),
      isOverlaid: db.prepare<[string, string], { one: number }>('SELECT 1 AS one FROM overlay WHERE dataset = ? AND id = ?'),
      get: db.prepare<{ dataset: string; id: string }, { data: string }>(
        `SELECT data FROM (
           SELECT data, 0 AS layer FROM overlay WHERE dataset = @dataset AND id = @id
           UNION ALL
           SELECT data, 1 FROM records WHERE dataset = @dataset AND id = @id
         ) ORDER BY layer LIMIT 1`,
      ),
      list: db.prepare<{ dataset: string; afterId: string; limit: number }, { id: string; data: string }>(
        `SELECT id, data FROM (
           SELECT id, data FROM overlay WHERE dataset = @dataset AND id > @afterId
           UNION ALL
           SELECT id, data FROM records r WHERE dataset = @dataset AND id > @afterId AND ${notOverlaid}
         ) ORDER BY id LIMIT @limit`,
      ),
      count: db.prepare<{ dataset: string }, { n: number }>(
        `SELECT (SELECT COUNT(*) FROM overlay WHERE dataset = @dataset)
              + (SELECT COUNT(*) FROM records r WHERE dataset = @dataset AND ${notOverlaid}) AS n`,
      ),
      // a local write first (the newest), then the most recently changed pulled record
      byKey: db.prepare<{ dataset: string; key: string }, { data: string }>(
        `SELECT data FROM (
           SELECT o.data, 0 AS layer, o.at AS t, o.seq AS s, o.id
           FROM overlay_keys k JOIN overlay o ON o.dataset = k.dataset AND o.id = k.id
           WHERE k.key = @key AND k.dataset = @dataset
           UNION ALL
           SELECT r.data, 1, r.updated_at, 0, r.id
           FROM record_keys k JOIN records r ON r.dataset = k.dataset AND r.id = k.id
           WHERE k.key = @key AND k.dataset = @dataset AND ${notOverlaid}
         ) ORDER BY layer, t DESC, s DESC, id LIMIT 1`,
      ),
      members: db.prepare<{ query: string; card: string; email: string; limit: number }, { data: string }>(
        `SELECT data FROM (
           SELECT id, data FROM overlay WHERE dataset = 'members' AND (id = @query OR id IN (
             SELECT id FROM overlay_keys WHERE key IN (@card, @email) AND dataset = 'members'))
           UNION ALL
           SELECT id, data FROM records r WHERE dataset = 'members' AND (id = @query OR id IN (
             SELECT id FROM record_keys WHERE key IN (@card, @email) AND dataset = 'members')) AND ${notOverlaid}
         ) ORDER BY id LIMIT @limit`,
      ),
      putLocal: db.prepare(
        `INSERT INTO overlay (dataset, id, write_key, at, seq, data)
         VALUES (@dataset, @id, @key, @at, (SELECT COALESCE(MAX(seq), 0) + 1 FROM overlay), @data)
         ON CONFLICT (dataset, id) DO UPDATE SET write_key = excluded.write_key, at = excluded.at, seq = excluded.seq, data = excluded.data`,
      ),
      deleteOverlayKeys: db.prepare('DELETE FROM overlay_keys WHERE dataset = ? AND id = ?'),
      addOverlayKey: db.prepare('INSERT OR IGNORE INTO overlay_keys (key, dataset, id) VALUES (?, ?, ?)'),
      listLocal: db.prepare<[], OverlayRow>('SELECT * FROM overlay ORDER BY at, seq'),
      settleLocal: db.prepare('DELETE FROM overlay WHERE dataset = ? AND id = ? AND write_key = ?'),
      getMeta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
      setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      deleteMeta: db.prepare('DELETE FROM meta WHERE key = ?'),
    };
  }

  /** Runs `body` (reads, or input checks) and settles the promise with its result or its mapped error. */
  private read<T>(doing: string, body: () => T): Promise<T> {
    try {
      if (this.closed) throw this.closedError(doing);
      return Promise.resolve(body());
    } catch (error) {
      return Promise.reject(mapSqliteError(error, doing, this.path, this.busyTimeoutMs));
    }
  }

  private closedError(doing: string) {
    return catalogStorageError(
      CatalogStoreErrorCode.STORE_CLOSED,
      `The catalog store ${this.path} is closed: open a new one to go on ${doing}.`,
    );
  }

  applyPage(input: ApplyPageInput): Promise<ApplyPageResult> {
    return this.read('applying a pulled page', () => {
      const page = preparePage(input);
      const { dataset } = page;
      return this.transaction.immediate(() => {
        checkNotStale(page, this.cursorOf(dataset));
        if (page.reset) {
          this.stmt.clearRecords.run(dataset);
          this.stmt.clearRecordKeys.run(dataset);
        }
        const shadowed: string[] = [];
        for (const [id, record] of page.writes) {
          if (this.stmt.isOverlaid.get(dataset, id) !== undefined) shadowed.push(id);
          if (!page.reset) this.stmt.deleteRecordKeys.run(dataset, id);
          if (record === null) {
            this.stmt.deleteRecord.run(dataset, id);
            continue;
          }
          this.stmt.putRecord.run(dataset, id, record.updatedAt, record.json);
          for (const key of record.keys) this.stmt.addRecordKey.run(key, dataset, id);
        }
        if (movesCursor(page)) {
          if (page.cursor === null) this.stmt.deleteCursor.run(dataset);
          else this.stmt.putCursor.run(dataset, page.cursor.updatedAt, page.cursor.id);
        }
        return { upserted: page.upserted, deleted: page.deleted, shadowed };
      }) as ApplyPageResult;
    });
  }

  private cursorOf(dataset: Dataset): Cursor | null {
    const row = this.stmt.cursor.get(dataset);
    return row === undefined ? null : { updatedAt: row.updated_at, id: row.id };
  }

  getCursor(dataset: Dataset): Promise<Cursor | null> {
    return this.read('reading a cursor', () => this.cursorOf(parseDataset(dataset)));
  }

  get<D extends Dataset>(dataset: D, id: string): Promise<DatasetRecords[D] | undefined> {
    return this.read('reading a record', () => {
      const row = this.stmt.get.get({ dataset: parseDataset(dataset), id: parseId(id) });
      return row === undefined ? undefined : (JSON.parse(row.data) as DatasetRecords[D]);
    });
  }

  list<D extends Dataset>(dataset: D, options?: { afterId?: string; limit?: number }): Promise<DatasetRecords[D][]> {
    return this.read('listing records', () => {
      const { afterId, limit } = parseListOptions(options);
      return this.stmt.list
        .all({ dataset: parseDataset(dataset), afterId, limit })
        .map((row) => JSON.parse(row.data) as DatasetRecords[D]);
    });
  }

  count(dataset: Dataset): Promise<number> {
    return this.read('counting records', () => this.stmt.count.get({ dataset: parseDataset(dataset) })?.n ?? 0);
  }

  findByBarcode(barcode: string): Promise<DatasetRecords['catalog'] | undefined> {
    return this.read('looking up a barcode', () => {
      const code = parseLookup(barcode, 'barcode');
      if (code === '') return undefined;
      const row = this.stmt.byKey.get({ dataset: 'catalog', key: barcodeKey(code) });
      return row === undefined ? undefined : (JSON.parse(row.data) as DatasetRecords['catalog']);
    });
  }

  findMembers(query: string): Promise<DatasetRecords['members'][]> {
    return this.read('looking up members', () => {
      const text = parseLookup(query, 'member query');
      if (text === '') return [];
      const [card, email] = memberQueryKeys(text);
      return this.stmt.members
        .all({ query: text, card: card!, email: email!, limit: MAX_MEMBERS })
        .map((row) => JSON.parse(row.data) as DatasetRecords['members']);
    });
  }

  putLocal<D extends Dataset>(dataset: D, record: DatasetRecords[D], meta: { key: string; at: number }): Promise<void> {
    return this.read('writing a local change', () => {
      const local = prepareLocal(dataset, record, meta);
      this.transaction.immediate(() => {
        this.stmt.putLocal.run({ dataset: local.dataset, id: local.id, key: local.key, at: local.at, data: local.json });
        this.stmt.deleteOverlayKeys.run(local.dataset, local.id);
        for (const key of local.keys) this.stmt.addOverlayKey.run(key, local.dataset, local.id);
      });
    });
  }

  listLocal(): Promise<LocalWrite[]> {
    return this.read('listing local changes', () =>
      this.stmt.listLocal.all().map((row) => ({
        dataset: row.dataset,
        id: row.id,
        key: row.write_key,
        at: row.at,
        record: JSON.parse(row.data) as unknown,
      })),
    );
  }

  settleLocal(dataset: Dataset, id: string, key: string): Promise<boolean> {
    return this.read('settling a local change', () => {
      const ds = parseDataset(dataset);
      const recordId = parseId(id);
      const writeKey = parseId(key);
      return this.transaction.immediate(() => {
        const { changes } = this.stmt.settleLocal.run(ds, recordId, writeKey);
        if (changes > 0) this.stmt.deleteOverlayKeys.run(ds, recordId);
        return changes > 0;
      }) as boolean;
    });
  }

  getMeta<T = unknown>(key: string): Promise<T | undefined> {
    return this.read('reading a meta value', () => {
      const row = this.stmt.getMeta.get(parseMetaKey(key));
      return row === undefined ? undefined : (JSON.parse(row.value) as T);
    });
  }

  setMeta(key: string, value: unknown): Promise<void> {
    return this.read('writing a meta value', () => {
      const name = parseMetaKey(key);
      this.stmt.setMeta.run(name, metaJson(name, value));
    });
  }

  deleteMeta(key: string): Promise<void> {
    return this.read('deleting a meta value', () => {
      this.stmt.deleteMeta.run(parseMetaKey(key));
    });
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.db.close();
    }
    return Promise.resolve();
  }
}
