import type { Database } from 'better-sqlite3';

/**
 * One step of the catalog store's SQLite schema. Steps run in order, each in its own IMMEDIATE
 * transaction that also sets `PRAGMA user_version`, so a failed step leaves the database exactly as
 * it was. A step may add tables, columns and indexes, or move data; it must never drop the till's
 * own data (meta, local writes). Pulled data may be rebuilt only by clearing a dataset together with
 * its cursor, so the next pull fetches it anew.
 */
export interface CatalogMigration {
  version: number;
  description: string;
  up(db: Database): void;
}

export const CATALOG_MIGRATIONS: readonly CatalogMigration[] = [
  {
    version: 1,
    description: 'pulled records with their lookup keys, cursors, the local overlay and the meta key-value table',
    up(db) {
      db.exec(`
        -- the till's own facts (device id, credentials, restore marks): JSON text
        CREATE TABLE meta (
          key TEXT PRIMARY KEY,
          value TEXT NOT NULL
        ) WITHOUT ROWID;
        -- where each dataset's pull stands: the last change applied
        CREATE TABLE cursors (
          dataset TEXT PRIMARY KEY,
          updated_at INTEGER NOT NULL,
          id TEXT NOT NULL
        ) WITHOUT ROWID;
        -- pulled records (deleted ones are removed), the record as JSON text
        CREATE TABLE records (
          dataset TEXT NOT NULL,
          id TEXT NOT NULL,
          updated_at INTEGER NOT NULL,
          data TEXT NOT NULL,
          PRIMARY KEY (dataset, id)
        ) WITHOUT ROWID;
        -- what pulled records are looked up by: 'barcode:<code>' for articles, 'card:<number>' and
        -- 'email:<address>' (lower case) for members; rewritten with their record
        CREATE TABLE record_keys (
          key TEXT NOT NULL,
          dataset TEXT NOT NULL,
          id TEXT NOT NULL,
          PRIMARY KEY (key, dataset, id)
        ) WITHOUT ROWID;
        CREATE INDEX record_keys_by_record ON record_keys (dataset, id);
        -- local writes the server does not have yet; reads prefer them, pulls never touch them
        CREATE TABLE overlay (
          dataset TEXT NOT NULL,
          id TEXT NOT NULL,
          write_key TEXT NOT NULL,
          at INTEGER NOT NULL,
          seq INTEGER NOT NULL,
          data TEXT NOT NULL,
          PRIMARY KEY (dataset, id)
        ) WITHOUT ROWID;
        CREATE INDEX overlay_order ON overlay (at, seq);
        CREATE TABLE overlay_keys (
          key TEXT NOT NULL,
          dataset TEXT NOT NULL,
          id TEXT NOT NULL,
          PRIMARY KEY (key, dataset, id)
        ) WITHOUT ROWID;
        CREATE INDEX overlay_keys_by_record ON overlay_keys (dataset, id);
      `);
    },
  },
];
