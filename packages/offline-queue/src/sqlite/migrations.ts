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
        -- next_seq is a floor: numbers below it were taken by items that are acknowledged, dead or
        -- pruned. A new item takes the larger of the floor and one above the partition's open items,
        -- so an enqueue writes the item and its two index entries, and no partition row.
        CREATE TABLE partitions (
          partition TEXT PRIMARY KEY,
          next_seq INTEGER NOT NULL DEFAULT 1,
          pruned_through INTEGER NOT NULL DEFAULT 0,
          dead_count INTEGER NOT NULL DEFAULT 0,
          acked_count INTEGER NOT NULL DEFAULT 0,
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
        -- the open items: what claims read, where new numbers come from, and (covering created_at
        -- and bytes) what metrics count, without reading a payload
        CREATE INDEX items_open ON items (partition, seq, created_at, bytes) WHERE state IN ('pending', 'in-flight');
        CREATE INDEX items_acked_at ON items (acked_at) WHERE state = 'acked';
        CREATE INDEX items_in_flight ON items (partition) WHERE state = 'in-flight';
        -- closing an item (acknowledged or dead with its number) raises the floor and the totals
        CREATE TRIGGER items_closed AFTER UPDATE OF state ON items
        WHEN NOT (OLD.state IN ('pending', 'in-flight') AND NEW.state IN ('pending', 'in-flight')) BEGIN
          INSERT INTO partitions (partition, next_seq, dead_count, acked_count)
          VALUES (
            NEW.partition,
            CASE WHEN NEW.state IN ('acked', 'dead') AND NEW.seq IS NOT NULL THEN NEW.seq + 1 ELSE 1 END,
            (NEW.state = 'dead') - (OLD.state = 'dead'),
            (NEW.state = 'acked') - (OLD.state = 'acked')
          )
          ON CONFLICT (partition) DO UPDATE SET
            next_seq = MAX(next_seq, excluded.next_seq),
            dead_count = dead_count + excluded.dead_count,
            acked_count = acked_count + excluded.acked_count;
        END;
        CREATE TRIGGER items_removed AFTER DELETE ON items BEGIN
          UPDATE partitions SET
            dead_count = dead_count - (OLD.state = 'dead'),
            acked_count = acked_count - (OLD.state = 'acked')
          WHERE partition = OLD.partition;
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
