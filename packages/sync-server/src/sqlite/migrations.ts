import type { Database } from 'better-sqlite3';

/**
 * One step of the server's SQLite schema. Steps run in order, each in its own IMMEDIATE
 * transaction that also sets `PRAGMA user_version`, so a failed step leaves the database as it was.
 */
export interface SqliteMigration {
  version: number;
  description: string;
  up(db: Database): void;
}

export const SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    description:
      'tenancy, enrolment codes, devices, tokens, partitions, events (applied and rejected), dataset records, telemetry',
    up(db) {
      db.exec(`
        CREATE TABLE merchants (
          merchant_id TEXT PRIMARY KEY,
          created_at INTEGER NOT NULL
        );
        -- last_updated_at: the newest updatedAt handed to a dataset record of the store
        CREATE TABLE stores (
          merchant_id TEXT NOT NULL REFERENCES merchants (merchant_id),
          store_id TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          last_updated_at INTEGER NOT NULL DEFAULT 0,
          PRIMARY KEY (merchant_id, store_id)
        );
        -- a register id is unique within its merchant (it is the till id and the push partition)
        CREATE TABLE registers (
          merchant_id TEXT NOT NULL,
          register_id TEXT NOT NULL,
          store_id TEXT NOT NULL,
          currency TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          PRIMARY KEY (merchant_id, register_id),
          FOREIGN KEY (merchant_id, store_id) REFERENCES stores (merchant_id, store_id)
        );
        -- one-time codes: only the sha256 of the code is kept
        CREATE TABLE enrolment_codes (
          code_hash TEXT PRIMARY KEY,
          merchant_id TEXT NOT NULL,
          store_id TEXT NOT NULL,
          register_id TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          expires_at INTEGER NOT NULL,
          used_at INTEGER,
          used_by TEXT
        );
        -- credentials: the secret is kept as sha256(salt || secret)
        CREATE TABLE devices (
          device_id TEXT PRIMARY KEY,
          client_id TEXT NOT NULL UNIQUE,
          secret_salt TEXT NOT NULL,
          secret_hash TEXT NOT NULL,
          merchant_id TEXT NOT NULL,
          store_id TEXT NOT NULL,
          register_id TEXT NOT NULL,
          software_version TEXT,
          enrolled_at INTEGER NOT NULL,
          revoked_at INTEGER
        );
        CREATE INDEX devices_register ON devices (merchant_id, register_id);
        -- bearer tokens: only the sha256 of the token is kept
        CREATE TABLE tokens (
          token_hash TEXT PRIMARY KEY,
          device_id TEXT NOT NULL REFERENCES devices (device_id),
          created_at INTEGER NOT NULL,
          expires_at INTEGER NOT NULL
        );
        CREATE INDEX tokens_device ON tokens (device_id);
        CREATE INDEX tokens_expiry ON tokens (expires_at);
        -- the journal head of each register that pushed, and the till state of its newest event that had a
        -- usable one; last_hash NULL: unknown (the event at last_seq was rejected without a readable entry)
        CREATE TABLE partitions (
          merchant_id TEXT NOT NULL,
          register_id TEXT NOT NULL,
          last_seq INTEGER NOT NULL,
          last_hash TEXT,
          grand_total INTEGER NOT NULL,
          absolute_grand_total INTEGER NOT NULL,
          till TEXT,
          updated_at INTEGER NOT NULL,
          PRIMARY KEY (merchant_id, register_id)
        );
        -- every decided event: applied, or rejected (quarantined: kept with its payload and code; it used up
        -- its sequence). The key and the sequence are unique per register; content_hash binds the key to
        -- what was pushed. entry_hash: the hash of its journal entry, NULL for a rejected event without a
        -- readable entry of this register at this sequence.
        CREATE TABLE events (
          id INTEGER PRIMARY KEY,
          merchant_id TEXT NOT NULL,
          store_id TEXT NOT NULL,
          register_id TEXT NOT NULL,
          seq INTEGER NOT NULL,
          key TEXT NOT NULL,
          content_hash TEXT NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('applied', 'rejected')),
          code TEXT,
          message TEXT,
          type TEXT NOT NULL,
          transaction_id TEXT,
          entry_hash TEXT,
          received_at INTEGER NOT NULL,
          payload TEXT NOT NULL,
          UNIQUE (merchant_id, register_id, key),
          UNIQUE (merchant_id, register_id, seq)
        );
        CREATE INDEX events_store ON events (merchant_id, store_id, id);
        CREATE INDEX events_store_type ON events (merchant_id, store_id, type, id);
        -- pulled datasets: a deleted record stays as a tombstone (deleted = 1, data NULL)
        CREATE TABLE dataset_records (
          merchant_id TEXT NOT NULL,
          store_id TEXT NOT NULL,
          dataset TEXT NOT NULL,
          id TEXT NOT NULL,
          updated_at INTEGER NOT NULL,
          deleted INTEGER NOT NULL DEFAULT 0,
          data TEXT,
          PRIMARY KEY (merchant_id, store_id, dataset, id)
        );
        CREATE INDEX dataset_records_changes ON dataset_records (merchant_id, store_id, dataset, updated_at, id);
        -- the latest heartbeat of each device
        CREATE TABLE heartbeats (
          device_id TEXT PRIMARY KEY,
          merchant_id TEXT NOT NULL,
          store_id TEXT NOT NULL,
          register_id TEXT NOT NULL,
          received_at INTEGER NOT NULL,
          skew_ms INTEGER NOT NULL,
          body TEXT NOT NULL
        );
        CREATE TABLE diagnostics (
          id TEXT PRIMARY KEY,
          device_id TEXT NOT NULL,
          merchant_id TEXT NOT NULL,
          store_id TEXT NOT NULL,
          register_id TEXT NOT NULL,
          received_at INTEGER NOT NULL,
          bundle TEXT NOT NULL
        );
        CREATE INDEX diagnostics_device ON diagnostics (device_id, received_at);
      `);
    },
  },
];
