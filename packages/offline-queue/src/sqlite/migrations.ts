import type { Database } from 'better-sqlite3';

/**
 * One step of the SQLite schema. Steps run in order, each in its own IMMEDIATE transaction that
 * also sets `PRAGMA user_version`, so a failed step leaves the database exactly as it was.
 * A step may add tables, columns and indexes, or move data; it must never drop queued items.
 */
export interface SqliteMigration {
  version: number;
  description: string;
  up(db: Database): void;
}

export const SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    description: 'outbox items, partitions, companion records, leases and store identity',
    up(db) {
      db.exec(`
        CREATE TABLE meta (
          key TEXT PRIMARY KEY,
          value TEXT NOT NULL
        );
        CREATE TABLE partitions (
          partition TEXT PRIMARY KEY,
          next_seq INTEGER NOT NULL,
          pruned_through INTEGER NOT NULL DEFAULT 0,
          blocked_code TEXT,
          blocked_message TEXT,
          blocked_at INTEGER
        );
        CREATE TABLE items (
          id INTEGER PRIMARY KEY,
          key TEXT NOT NULL UNIQUE,
          partition TEXT NOT NULL,
          seq INTEGER,
          type TEXT NOT NULL,
          payload TEXT NOT NULL,
          bytes INTEGER NOT NULL,
          created_at INTEGER NOT NULL,
          state TEXT NOT NULL CHECK (state IN ('pending', 'in-flight', 'acked', 'dead')),
          attempts INTEGER NOT NULL DEFAULT 0,
          not_before INTEGER NOT NULL DEFAULT 0,
          lease_id TEXT,
          lease_owner TEXT,
          lease_at INTEGER,
          lease_until INTEGER,
          acked_at INTEGER,
          ack_result TEXT,
          ack_endpoint TEXT,
          dead_at INTEGER,
          dead_code TEXT,
          dead_message TEXT,
          dead_source TEXT,
          dead_seq INTEGER,
          last_error TEXT
        );
        -- what claims read; unique, so two open items can never share a number
        CREATE UNIQUE INDEX items_open ON items (partition, seq) WHERE state IN ('pending', 'in-flight');
        CREATE INDEX items_acked_at ON items (acked_at) WHERE state = 'acked';
        -- an enqueued item takes the partition's next number (see the insert in sqlite-store.ts)
        CREATE TRIGGER items_next_seq AFTER INSERT ON items BEGIN
          INSERT INTO partitions (partition, next_seq) VALUES (NEW.partition, NEW.seq + 1)
          ON CONFLICT (partition) DO UPDATE SET next_seq = excluded.next_seq;
        END;
        CREATE TABLE records (
          collection TEXT NOT NULL,
          key TEXT NOT NULL,
          value TEXT NOT NULL,
          updated_at INTEGER NOT NULL,
          PRIMARY KEY (collection, key)
        ) WITHOUT ROWID;
        CREATE TABLE leases (
          name TEXT PRIMARY KEY,
          owner TEXT NOT NULL,
          acquired_at INTEGER NOT NULL,
          expires_at INTEGER NOT NULL,
          meta TEXT NOT NULL
        );
      `);
    },
  },
];
