import { statfsSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { ErrorCode, parseInput, uuidv7, ValidationError } from '@tillkit/core';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { asStorageError, OutboxErrorCode, storageError } from '../errors';
import { prepareCommit, type ItemInput, type JsonValue, type OutboxItem, type RecordWrite, type StoredRecord } from '../item';
import type {
  Claim,
  ClaimRequest,
  LeaseHolder,
  LeaseRequest,
  ListItemsQuery,
  OutboxStore,
  PartitionInfo,
  RewindResult,
  Settlement,
  StorageEstimate,
  StoreDiagnostics,
  StoreInfo,
  StoreStats,
} from '../store';
import {
  parseBlock,
  parseClaim,
  parseLease,
  parseListItems,
  parseListRecords,
  parseNow,
  parsePrune,
  parseRebase,
  parseRecordKey,
  parseRelease,
  parseRetryDeadLetters,
  parseRewind,
  parseSettle,
} from '../store-input';
import { SQLITE_MIGRATIONS, type SqliteMigration } from './migrations';

export interface SqliteStoreOptions {
  /** the database file (created if missing), or ':memory:' for a store that lives as long as the process */
  path: string;
  /** how long a write waits for another process holding the database, in ms; default 5000 */
  busyTimeoutMs?: number;
}

const optionsSchema = z.object({
  path: z.string().min(1, 'must name a file or ":memory:"'),
  busyTimeoutMs: z.number().int().nonnegative().default(5000),
});

interface ItemRow {
  id: number;
  key: string;
  partition: string;
  seq: number | null;
  type: string;
  payload: string;
  bytes: number;
  created_at: number;
  state: OutboxItem['state'];
  attempts: number;
  not_before: number;
  lease_id: string | null;
  lease_owner: string | null;
  lease_at: number | null;
  lease_until: number | null;
  acked_at: number | null;
  ack_result: 'applied' | 'duplicate' | null;
  ack_endpoint: string | null;
  dead_at: number | null;
  dead_code: string | null;
  dead_message: string | null;
  dead_source: 'item' | 'request' | null;
  dead_seq: number | null;
  last_error: string | null;
}

interface PartitionRow {
  partition: string;
  next_seq: number;
  pruned_through: number;
  dead_count: number;
  acked_count: number;
  blocked_code: string | null;
  blocked_message: string | null;
  blocked_at: number | null;
}

interface LeaseRow {
  name: string;
  owner: string;
  acquired_at: number;
  expires_at: number;
  meta: string;
}

const opt = <T>(value: T | null): T | undefined => (value === null ? undefined : value);

/** The next number of partition @partition: one above its open items, and never below its floor. */
const NEXT_SEQ = `MAX(
  COALESCE((SELECT MAX(seq) FROM items WHERE partition = @partition AND state IN ('pending', 'in-flight')), 0) + 1,
  COALESCE((SELECT next_seq FROM partitions WHERE partition = @partition), 1))`;

function toItem(row: ItemRow): OutboxItem {
  return {
    key: row.key,
    partition: row.partition,
    seq: row.seq,
    type: row.type,
    payload: JSON.parse(row.payload) as JsonValue,
    bytes: row.bytes,
    createdAt: row.created_at,
    state: row.state,
    attempts: row.attempts,
    notBefore: row.not_before,
    lease:
      row.state === 'in-flight' && row.lease_id !== null
        ? { id: row.lease_id, owner: row.lease_owner ?? '', until: row.lease_until ?? 0 }
        : undefined,
    ack:
      row.state === 'acked' && row.acked_at !== null
        ? { at: row.acked_at, result: row.ack_result ?? 'applied', endpointId: opt(row.ack_endpoint) }
        : undefined,
    dead:
      row.state === 'dead' && row.dead_at !== null
        ? {
            at: row.dead_at,
            code: row.dead_code ?? '',
            message: opt(row.dead_message),
            source: row.dead_source ?? 'item',
            seq: row.dead_seq ?? 0,
          }
        : undefined,
    lastError: opt(row.last_error),
  };
}

function toPartition(row: PartitionRow): PartitionInfo {
  return {
    partition: row.partition,
    nextSeq: row.next_seq,
    prunedThrough: row.pruned_through,
    blocked:
      row.blocked_code === null
        ? undefined
        : { code: row.blocked_code, message: row.blocked_message ?? '', at: row.blocked_at ?? 0 },
  };
}

function toHolder(row: LeaseRow): LeaseHolder {
  return {
    name: row.name,
    owner: row.owner,
    expiresAt: row.expires_at,
    meta: JSON.parse(row.meta) as Record<string, string | number>,
  };
}

/** Whether a lease taken at `at` until `until` holds at `now` (not if the clock went back past `at`). */
const holds = (at: number | null, until: number | null, now: number): boolean =>
  at !== null && until !== null && at <= now && now < until;

function sqliteCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string'
    ? (error as { code: string }).code
    : undefined;
}

function mapSqliteError(error: unknown, doing: string, busyTimeoutMs: number) {
  const code = sqliteCode(error);
  if (code === 'SQLITE_FULL') {
    return storageError(
      OutboxErrorCode.STORAGE_FULL,
      `The disk is full: the outbox could not finish ${doing}. Free disk space; nothing was written.`,
      {
        cause: error,
      },
    );
  }
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return storageError(
      OutboxErrorCode.STORAGE_ERROR,
      `The outbox database stayed locked by another process for more than ${busyTimeoutMs} ms while ${doing}; nothing was written. Retry, or look for a process stuck holding it.`,
      { cause: error },
    );
  }
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') {
    return storageError(
      OutboxErrorCode.STORAGE_ERROR,
      `The outbox database file is damaged (${code}) while ${doing}. Keep the file for recovery.`,
      {
        cause: error,
      },
    );
  }
  return asStorageError(error, doing);
}

/** Facts about this process kept with the flusher lease, so another process can tell it is gone. */
function processMeta(): Record<string, string | number> {
  return { pid: process.pid, host: hostname() };
}

function processIsGone(holder: LeaseHolder): boolean {
  const { pid, host } = holder.meta;
  if (typeof pid !== 'number' || host !== hostname() || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return sqliteCode(error) === 'ESRCH';
  }
}

/**
 * A durable outbox store in one SQLite file (better-sqlite3 12.x): WAL journal with
 * `synchronous=FULL` for commits, so a committed sale survives a crash or a power cut;
 * lease bookkeeping (claim, settle, leases) commits with `synchronous=NORMAL`, safe against a
 * crash of the process, because losing one on a power cut only means an item is sent again and
 * the server answers `duplicate`. Several processes may open the same file: writes take the
 * database lock (`BEGIN IMMEDIATE`) and wait up to `busyTimeoutMs` for it.
 *
 * Throws ValidationError for bad options, StorageError STORE_VERSION_TOO_NEW for a database
 * written by a newer tillkit, MIGRATION_FAILED when a schema step fails (the file is left as it was).
 */
export function createSqliteStore(options: SqliteStoreOptions): Promise<SqliteStore> {
  return Promise.resolve().then(() => openSqliteStore(options, SQLITE_MIGRATIONS));
}

/** Opens a store with a given migration list (tests use it to exercise upgrades). */
export function openSqliteStore(options: SqliteStoreOptions, migrations: readonly SqliteMigration[]): SqliteStore {
  const opts = parseInput(optionsSchema, options, 'SQLite store options');
  let db: Database.Database;
  try {
    db = new Database(opts.path, { timeout: opts.busyTimeoutMs });
  } catch (error) {
    throw mapSqliteError(error, `opening ${opts.path}`, opts.busyTimeoutMs);
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    migrate(db, migrations);
    return new SqliteStore(db, opts.path, opts.busyTimeoutMs);
  } catch (error) {
    db.close();
    throw mapSqliteError(error, `opening ${opts.path}`, opts.busyTimeoutMs);
  }
}

function migrate(db: Database.Database, migrations: readonly SqliteMigration[]): void {
  const latest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  const current = () => db.pragma('user_version', { simple: true }) as number;
  const found = current();
  if (found > latest) {
    throw storageError(
      OutboxErrorCode.STORE_VERSION_TOO_NEW,
      `The outbox database has schema version ${found}, newer than this tillkit knows (${latest}). Update the application; the file was not changed.`,
      { details: { found, latest } },
    );
  }
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (migration.version <= found) continue;
    const step = db.transaction(() => {
      // another process may have run this step meanwhile: check again under the lock
      if (current() >= migration.version) return;
      migration.up(db);
      if (migration.version === 1) {
        db.prepare('INSERT INTO meta (key, value) VALUES (?, ?), (?, ?)').run(
          'storeId',
          uuidv7(),
          'createdAt',
          String(Date.now()),
        );
      }
      db.pragma(`user_version = ${migration.version}`);
    });
    try {
      step.immediate();
    } catch (error) {
      throw storageError(
        OutboxErrorCode.MIGRATION_FAILED,
        `Upgrading the outbox database to schema version ${migration.version} (${migration.description}) failed: ${
          error instanceof Error ? error.message : String(error)
        }. The database was left at version ${current()}; nothing was lost.`,
        { cause: error },
      );
    }
  }
}

export class SqliteStore implements OutboxStore {
  readonly backend = 'sqlite';
  /** lets the flusher lock take over from a process that died without releasing it */
  readonly processLease = { meta: processMeta, isGone: processIsGone };
  private closed = false;
  private lastError: string | undefined;
  private readonly stmt;
  /** one transaction wrapper for every write (making one per call costs more than the statements) */
  private readonly transaction: Database.Transaction<(body: () => unknown) => unknown>;

  constructor(
    private readonly db: Database.Database,
    private readonly path: string,
    private readonly busyTimeoutMs: number,
  ) {
    this.transaction = db.transaction((body: () => unknown) => body());
    this.stmt = {
      itemByKey: db.prepare<[string], ItemRow>('SELECT * FROM items WHERE key = ?'),
      partition: db.prepare<[string], PartitionRow>('SELECT * FROM partitions WHERE partition = ?'),
      nextSeq: db.prepare<{ partition: string }, { seq: number }>(`SELECT ${NEXT_SEQ} AS seq`),
      // one statement per item (see NEXT_SEQ); a key already stored inserts nothing and returns no row
      insertItem: db.prepare<
        { key: string; partition: string; type: string; payload: string; createdAt: number },
        { seq: number; bytes: number }
      >(
        `INSERT INTO items (key, partition, seq, type, payload, bytes, created_at, state)
         VALUES (@key, @partition, ${NEXT_SEQ}, @type, @payload, length(CAST(@payload AS BLOB)), @createdAt, 'pending')
         ON CONFLICT (key) DO NOTHING
         RETURNING seq, bytes`,
      ),
      insertRecord: db.prepare(
        `INSERT INTO records (collection, key, value, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (collection, key) DO NOTHING`,
      ),
      putRecord: db.prepare(
        `INSERT INTO records (collection, key, value, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (collection, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      ),
      deleteRecord: db.prepare('DELETE FROM records WHERE collection = ? AND key = ?'),
      getRecord: db.prepare<[string, string], { collection: string; key: string; value: string; updated_at: number }>(
        'SELECT * FROM records WHERE collection = ? AND key = ?',
      ),
      partitions: db.prepare<[], PartitionRow>('SELECT * FROM partitions ORDER BY partition'),
      headCreatedAt: db.prepare<[string], { created_at: number }>(
        `SELECT created_at FROM items WHERE partition = ? AND state IN ('pending', 'in-flight') ORDER BY seq LIMIT 1`,
      ),
      head: db.prepare<[string], ItemRow>(
        `SELECT * FROM items WHERE partition = ? AND state IN ('pending', 'in-flight') ORDER BY seq LIMIT 1`,
      ),
      run: db.prepare<[string, number], ItemRow>(
        `SELECT * FROM items WHERE partition = ? AND state IN ('pending', 'in-flight') ORDER BY seq LIMIT ?`,
      ),
      lease: db.prepare(
        `UPDATE items SET state = 'in-flight', attempts = attempts + 1, lease_id = @leaseId, lease_owner = @owner,
           lease_at = @now, lease_until = @until WHERE id = @id`,
      ),
      ack: db.prepare(
        `UPDATE items SET state = 'acked', acked_at = @now, ack_result = @result, ack_endpoint = @endpoint, not_before = 0,
           lease_id = NULL, lease_owner = NULL, lease_at = NULL, lease_until = NULL
         WHERE key = @key AND state IN ('pending', 'in-flight')`,
      ),
      retry: db.prepare(
        `UPDATE items SET state = 'pending', not_before = @notBefore, last_error = COALESCE(@error, last_error),
           lease_id = NULL, lease_owner = NULL, lease_at = NULL, lease_until = NULL
         WHERE key = @key AND state = 'in-flight' AND lease_id = @leaseId`,
      ),
      dead: db.prepare(
        `UPDATE items SET state = 'dead', dead_at = @now, dead_code = @code, dead_message = @message, dead_source = @source,
           dead_seq = seq, seq = CASE WHEN @release = 1 THEN NULL ELSE seq END, last_error = @code,
           lease_id = NULL, lease_owner = NULL, lease_at = NULL, lease_until = NULL
         WHERE key = @key AND state = 'in-flight' AND lease_id = @leaseId`,
      ),
      laterClosed: db.prepare<[string, number], { n: number }>(
        `SELECT COUNT(*) AS n FROM items WHERE partition = ? AND seq > ? AND state IN ('acked', 'dead')`,
      ),
      shiftNegate: db.prepare(
        `UPDATE items SET seq = -seq WHERE partition = ? AND seq > ? AND state IN ('pending', 'in-flight')`,
      ),
      shiftBack: db.prepare(`UPDATE items SET seq = -seq - 1 WHERE partition = ? AND seq < 0`),
      block: db.prepare(
        `INSERT INTO partitions (partition, next_seq, blocked_code, blocked_message, blocked_at) VALUES (@partition, 1, @code, @message, @now)
         ON CONFLICT (partition) DO UPDATE SET blocked_code = @code, blocked_message = @message, blocked_at = @now`,
      ),
      rewind: db.prepare(
        `UPDATE items SET state = 'pending', not_before = 0,
           lease_id = NULL, lease_owner = NULL, lease_at = NULL, lease_until = NULL,
           acked_at = NULL, ack_result = NULL, ack_endpoint = NULL,
           dead_at = NULL, dead_code = NULL, dead_message = NULL, dead_source = NULL, dead_seq = NULL
         WHERE partition = ? AND seq >= ? AND state IN ('acked', 'dead', 'in-flight')`,
      ),
      maxClosedSeq: db.prepare<[string], { m: number | null }>(
        `SELECT MAX(seq) AS m FROM items WHERE partition = ? AND state IN ('acked', 'dead')`,
      ),
      openIds: db.prepare<[string], { id: number }>(
        `SELECT id FROM items WHERE partition = ? AND state IN ('pending', 'in-flight') ORDER BY seq`,
      ),
      setSeq: db.prepare('UPDATE items SET seq = ? WHERE id = ?'),
      rebasePartition: db.prepare(
        `INSERT INTO partitions (partition, next_seq) VALUES (@partition, @next)
         ON CONFLICT (partition) DO UPDATE SET next_seq = @next, blocked_code = NULL, blocked_message = NULL, blocked_at = NULL`,
      ),
      openTotals: db.prepare<[], { open: number; bytes: number }>(
        `SELECT COUNT(*) AS open, COALESCE(SUM(bytes), 0) AS bytes FROM items INDEXED BY items_open
         WHERE state IN ('pending', 'in-flight')`,
      ),
      closedTotals: db.prepare<[], { dead: number; acked: number; blocked: number }>(
        `SELECT COALESCE(SUM(dead_count), 0) AS dead, COALESCE(SUM(acked_count), 0) AS acked, COUNT(blocked_code) AS blocked
         FROM partitions`,
      ),
      // the partitions with open items, one index lookup each (a skip-scan of items_open)
      openPartitions: db.prepare<[], { partition: string }>(
        `WITH RECURSIVE open (partition) AS (
           SELECT MIN(partition) FROM items WHERE state IN ('pending', 'in-flight')
           UNION ALL
           SELECT (SELECT MIN(partition) FROM items WHERE state IN ('pending', 'in-flight') AND partition > open.partition)
           FROM open WHERE open.partition IS NOT NULL
         )
         SELECT partition FROM open WHERE partition IS NOT NULL`,
      ),
      inFlight: db.prepare<{ now: number }, { n: number }>(
        `SELECT COUNT(*) AS n FROM items INDEXED BY items_in_flight
         WHERE state = 'in-flight' AND lease_at <= @now AND @now < lease_until`,
      ),
      liveLease: db.prepare<{ partition: string; now: number }, { one: number }>(
        `SELECT 1 AS one FROM items INDEXED BY items_in_flight
         WHERE partition = @partition AND state = 'in-flight' AND lease_at <= @now AND @now < lease_until LIMIT 1`,
      ),
      deadByKey: db.prepare<[string], ItemRow>(`SELECT * FROM items WHERE key = ? AND state = 'dead'`),
      allDead: db.prepare<[], ItemRow>(`SELECT * FROM items WHERE state = 'dead' ORDER BY id`),
      revive: db.prepare(
        `UPDATE items SET state = 'pending', seq = @seq, attempts = 0, not_before = 0,
           dead_at = NULL, dead_code = NULL, dead_message = NULL, dead_source = NULL, dead_seq = NULL
         WHERE id = @id`,
      ),
      prunable: db.prepare<[number, number], { id: number; partition: string; seq: number | null }>(
        `SELECT id, partition, seq FROM items WHERE state = 'acked' AND acked_at < ? ORDER BY acked_at, id LIMIT ?`,
      ),
      deleteItem: db.prepare('DELETE FROM items WHERE id = ?'),
      prunedThrough: db.prepare('UPDATE partitions SET pruned_through = MAX(pruned_through, ?) WHERE partition = ?'),
      listRecords: db.prepare<[string, string, number], { collection: string; key: string; value: string; updated_at: number }>(
        'SELECT * FROM records WHERE collection = ? AND key > ? ORDER BY key LIMIT ?',
      ),
      getLease: db.prepare<[string], LeaseRow>('SELECT * FROM leases WHERE name = ?'),
      putLease: db.prepare(
        `INSERT INTO leases (name, owner, acquired_at, expires_at, meta) VALUES (@name, @owner, @now, @expires, @meta)
         ON CONFLICT (name) DO UPDATE SET owner = @owner, acquired_at = @now, expires_at = @expires, meta = @meta`,
      ),
      releaseLease: db.prepare('DELETE FROM leases WHERE name = ? AND owner = ?'),
      meta: db.prepare<[], { key: string; value: string }>('SELECT key, value FROM meta'),
    };
  }

  /** Runs `body` in an IMMEDIATE transaction; `durable` commits with synchronous=FULL, otherwise NORMAL. */
  private write<T>(doing: string, durable: boolean, body: () => T): Promise<T> {
    return this.read(doing, () => {
      if (durable) return this.transaction.immediate(body) as T;
      this.db.pragma('synchronous = NORMAL');
      try {
        return this.transaction.immediate(body) as T;
      } finally {
        this.db.pragma('synchronous = FULL');
      }
    });
  }

  private read<T>(doing: string, body: () => T): Promise<T> {
    if (this.closed) {
      return Promise.reject(
        storageError(
          OutboxErrorCode.STORE_CLOSED,
          `The outbox store for ${this.path} is closed: open a new one to go on ${doing}.`,
        ),
      );
    }
    try {
      return Promise.resolve(body());
    } catch (error) {
      const mapped = mapSqliteError(error, doing, this.busyTimeoutMs);
      if (mapped !== error) this.lastError = mapped.message;
      return Promise.reject(mapped);
    }
  }

  async info(): Promise<StoreInfo> {
    return this.read('reading its identity', () => {
      const meta = new Map(this.stmt.meta.all().map((r) => [r.key, r.value]));
      return {
        backend: this.backend,
        storeId: meta.get('storeId') ?? '',
        createdAt: Number(meta.get('createdAt') ?? 0),
        schemaVersion: this.db.pragma('user_version', { simple: true }) as number,
      };
    });
  }

  async commit(input: { items?: readonly ItemInput[]; records?: readonly RecordWrite[]; now: number }): Promise<OutboxItem[]> {
    const prepared = prepareCommit(input);
    const now = parseNow(input.now);
    return this.write('committing items and records', true, () => {
      const stored: OutboxItem[] = [];
      const replayed: ItemRow[] = [];
      for (const item of prepared.items) {
        const inserted = this.stmt.insertItem.get({
          key: item.key,
          partition: item.partition,
          type: item.type,
          payload: item.json,
          createdAt: now,
        });
        if (inserted === undefined) {
          const row = this.stmt.itemByKey.get(item.key)!;
          if (row.partition !== item.partition || row.type !== item.type || row.payload !== item.json) {
            const what = row.partition !== item.partition ? 'partition' : row.type !== item.type ? 'type' : 'payload';
            throw storageError(
              OutboxErrorCode.IDEMPOTENCY_CONFLICT,
              `Idempotency key "${item.key}" is already in the outbox with a different ${what}. Use a new key for a new item. Nothing was written.`,
              { details: { key: item.key } },
            );
          }
          replayed.push(row);
          continue;
        }
        stored.push({
          key: item.key,
          partition: item.partition,
          seq: inserted.seq,
          type: item.type,
          payload: item.payload,
          bytes: inserted.bytes,
          createdAt: now,
          state: 'pending',
          attempts: 0,
          notBefore: 0,
          lease: undefined,
          ack: undefined,
          dead: undefined,
          lastError: undefined,
        });
      }
      if (replayed.length > 0) {
        // a replay writes nothing: throwing rolls back the new items of a mixed commit
        if (stored.length > 0) {
          throw storageError(
            OutboxErrorCode.IDEMPOTENCY_CONFLICT,
            'This commit mixes items already in the outbox with new ones; commit a replay and new items separately. Nothing was written.',
            { details: { replayed: replayed.map((row) => row.key) } },
          );
        }
        return replayed.map(toItem);
      }
      for (const record of prepared.records) {
        if (record.mode === 'delete') {
          this.stmt.deleteRecord.run(record.collection, record.key);
        } else if (record.mode === 'put') {
          this.stmt.putRecord.run(record.collection, record.key, record.json, now);
        } else if (this.stmt.insertRecord.run(record.collection, record.key, record.json, now).changes === 0) {
          throw storageError(
            OutboxErrorCode.RECORD_CONFLICT,
            `Record "${record.key}" of "${record.collection}" already exists and was written with mode 'insert'. Nothing was written.`,
            { details: { collection: record.collection, key: record.key } },
          );
        }
      }
      return stored;
    });
  }

  async claim(request: ClaimRequest): Promise<Claim> {
    const req = parseClaim(request);
    return this.write('leasing items', false, () => {
      const { now } = req;
      const due = (row: ItemRow) => row.not_before <= now || row.not_before - now > req.horizonMs;
      const heads: ItemRow[] = [];
      for (const { partition } of this.stmt.openPartitions.all()) {
        if (this.stmt.partition.get(partition)?.blocked_code != null) continue;
        // one lease at a time per partition, wherever in the partition it is
        if (this.stmt.liveLease.get({ partition, now }) !== undefined) continue;
        const head = this.stmt.head.get(partition);
        if (head === undefined || !due(head)) continue;
        heads.push(head);
      }
      heads.sort((a, b) => a.created_at - b.created_at || a.id - b.id);
      const leaseId = uuidv7({ now });
      const until = now + req.leaseMs;
      const claimed: OutboxItem[] = [];
      let bytes = 0;
      outer: for (const head of heads) {
        for (const row of this.stmt.run.all(head.partition, req.maxItems - claimed.length)) {
          if (row.state === 'in-flight' && holds(row.lease_at, row.lease_until, now)) break;
          if (!due(row)) break;
          if (claimed.length > 0 && bytes + row.bytes > req.maxBytes) break outer;
          this.stmt.lease.run({ leaseId, owner: req.owner, now, until, id: row.id });
          bytes += row.bytes;
          claimed.push(
            toItem({
              ...row,
              state: 'in-flight',
              attempts: row.attempts + 1,
              lease_id: leaseId,
              lease_owner: req.owner,
              lease_at: now,
              lease_until: until,
            }),
          );
          if (claimed.length >= req.maxItems) break outer;
        }
      }
      return { leaseId: claimed.length > 0 ? leaseId : '', items: claimed };
    });
  }

  async settle(input: { leaseId: string; now: number; settlements: readonly Settlement[] }): Promise<number> {
    const parsed = parseSettle(input);
    return this.write('recording delivery results', false, () => {
      const { leaseId, now } = parsed;
      let applied = 0;
      for (const s of parsed.settlements) {
        switch (s.outcome) {
          case 'acked':
            applied += this.stmt.ack.run({ key: s.key, now, result: s.result, endpoint: s.endpointId ?? null }).changes;
            break;
          case 'retry':
            applied += this.stmt.retry.run({ key: s.key, leaseId, notBefore: s.notBefore, error: s.error ?? null }).changes;
            break;
          case 'dead': {
            const row = this.stmt.itemByKey.get(s.key);
            if (row === undefined || row.state !== 'in-flight' || row.lease_id !== leaseId) break;
            // a request-level refusal never reached the server's sequence: give the number back
            // (only safe while nothing after it in the partition was acknowledged or dead-lettered)
            const release =
              s.source === 'request' && row.seq !== null && this.stmt.laterClosed.get(row.partition, row.seq)!.n === 0;
            applied += this.stmt.dead.run({
              key: s.key,
              leaseId,
              now,
              code: s.code,
              message: s.message ?? null,
              source: s.source,
              release: release ? 1 : 0,
            }).changes;
            if (release) {
              this.stmt.shiftNegate.run(row.partition, row.seq);
              this.stmt.shiftBack.run(row.partition);
            }
            break;
          }
        }
      }
      return applied;
    });
  }

  async rewind(input: { partition: string; fromSeq: number; now: number }): Promise<RewindResult> {
    const parsed = parseRewind(input);
    return this.write('rewinding a partition', false, (): RewindResult => {
      const partition = this.stmt.partition.get(parsed.partition);
      if (partition !== undefined && partition.pruned_through >= parsed.fromSeq) {
        this.stmt.block.run({
          partition: parsed.partition,
          code: 'GAP_UNRECOVERABLE',
          message: `The server expects sequence ${parsed.fromSeq}, but items up to ${partition.pruned_through} were already pruned after acknowledgement.`,
          now: parsed.now,
        });
        return { ok: false, code: 'GAP_UNRECOVERABLE', prunedThrough: partition.pruned_through, rewound: 0 };
      }
      return { ok: true, rewound: this.stmt.rewind.run(parsed.partition, parsed.fromSeq).changes };
    });
  }

  async blockPartition(input: { partition: string; code: string; message: string; now: number }): Promise<void> {
    const parsed = parseBlock(input);
    return this.write('blocking a partition', true, () => {
      this.stmt.block.run(parsed);
    });
  }

  async rebasePartition(input: { partition: string; nextSeq: number; now: number }): Promise<void> {
    const parsed = parseRebase(input);
    return this.write('renumbering a partition', true, () => {
      const { partition, nextSeq } = parsed;
      const used = Math.max(
        this.stmt.maxClosedSeq.get(partition)?.m ?? 0,
        this.stmt.partition.get(partition)?.pruned_through ?? 0,
      );
      if (nextSeq <= used) {
        throw new ValidationError(
          ErrorCode.VALIDATION_FAILED,
          `Cannot renumber partition "${partition}" from ${nextSeq}: its acknowledged or dead items already hold numbers up to ${used}. Give a number above ${used}.`,
        );
      }
      const ids = this.stmt.openIds.all(partition);
      ids.forEach(({ id }, i) => this.stmt.setSeq.run(-(i + 1), id));
      ids.forEach(({ id }, i) => this.stmt.setSeq.run(nextSeq + i, id));
      this.stmt.rebasePartition.run({ partition, next: nextSeq });
    });
  }

  async stats(now: number): Promise<StoreStats> {
    const at = parseNow(now);
    return this.read('counting items', () => {
      const open = this.stmt.openTotals.get()!;
      const closed = this.stmt.closedTotals.get()!;
      const inFlight = this.stmt.inFlight.get({ now: at })!.n;
      // the oldest open item is at the head of its partition (numbers follow enqueue order)
      let oldest: number | undefined;
      for (const { partition } of this.stmt.openPartitions.all()) {
        const head = this.stmt.headCreatedAt.get(partition);
        if (head !== undefined && (oldest === undefined || head.created_at < oldest)) oldest = head.created_at;
      }
      return {
        pending: open.open - inFlight,
        inFlight,
        dead: closed.dead,
        acked: closed.acked,
        oldestOpenAt: oldest,
        openBytes: open.bytes,
        blockedPartitions: closed.blocked,
      };
    });
  }

  async listPartitions(): Promise<PartitionInfo[]> {
    return this.read('listing partitions', () => {
      const rows = new Map(this.stmt.partitions.all().map((row) => [row.partition, row]));
      for (const { partition } of this.stmt.openPartitions.all()) {
        if (!rows.has(partition)) {
          rows.set(partition, {
            partition,
            next_seq: 1,
            pruned_through: 0,
            dead_count: 0,
            acked_count: 0,
            blocked_code: null,
            blocked_message: null,
            blocked_at: null,
          });
        }
      }
      return [...rows.values()]
        .sort((a, b) => (a.partition < b.partition ? -1 : a.partition > b.partition ? 1 : 0))
        .map((row) => ({ ...toPartition(row), nextSeq: this.stmt.nextSeq.get({ partition: row.partition })!.seq }));
    });
  }

  async listItems(query?: ListItemsQuery): Promise<OutboxItem[]> {
    const q = parseListItems(query);
    return this.read('listing items', () => {
      const where: string[] = [];
      const params: (string | number)[] = [];
      // states are written into the SQL (they come from a fixed list), so partial indexes apply
      if (q.state === 'open') where.push(`state IN ('pending', 'in-flight')`);
      else if (q.state !== 'all') where.push(`state = '${q.state}'`);
      if (q.partition !== undefined) {
        where.push('partition = ?');
        params.push(q.partition);
      }
      const sql = `SELECT * FROM items ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT ? OFFSET ?`;
      return this.db
        .prepare<(string | number)[], ItemRow>(sql)
        .all(...params, q.limit, q.offset)
        .map(toItem);
    });
  }

  async retryDeadLetters(input: { keys: readonly string[] | 'all'; now: number }): Promise<number> {
    const parsed = parseRetryDeadLetters(input);
    return this.write('retrying dead letters', true, () => {
      const rows = parsed.keys === 'all' ? this.stmt.allDead.all() : parsed.keys.flatMap((key) => this.stmt.deadByKey.all(key));
      for (const row of rows) {
        const { seq } = this.stmt.nextSeq.get({ partition: row.partition })!;
        this.stmt.revive.run({ id: row.id, seq });
      }
      return rows.length;
    });
  }

  async pruneAcked(input: { before: number; limit: number }): Promise<number> {
    const parsed = parsePrune(input);
    return this.write('pruning acknowledged items', false, () => {
      const rows = this.stmt.prunable.all(parsed.before, parsed.limit);
      for (const row of rows) {
        this.stmt.deleteItem.run(row.id);
        if (row.seq !== null) this.stmt.prunedThrough.run(row.seq, row.partition);
      }
      return rows.length;
    });
  }

  async getRecord(collection: string, key: string): Promise<StoredRecord | undefined> {
    parseRecordKey(collection, key);
    return this.read('reading a record', () => {
      const row = this.stmt.getRecord.get(collection, key);
      return row === undefined
        ? undefined
        : { collection: row.collection, key: row.key, value: JSON.parse(row.value) as JsonValue, updatedAt: row.updated_at };
    });
  }

  async listRecords(collection: string, query?: { afterKey?: string; limit?: number }): Promise<StoredRecord[]> {
    const q = parseListRecords(collection, query);
    return this.read('listing records', () =>
      this.stmt.listRecords.all(q.collection, q.afterKey ?? '', q.limit).map((row) => ({
        collection: row.collection,
        key: row.key,
        value: JSON.parse(row.value) as JsonValue,
        updatedAt: row.updated_at,
      })),
    );
  }

  async acquireLease(input: LeaseRequest): Promise<LeaseHolder & { acquired: boolean }> {
    const req = parseLease(input);
    return this.write('taking a lease', false, () => {
      const row = this.stmt.getLease.get(req.name);
      const free =
        row === undefined ||
        row.owner === req.owner ||
        !holds(row.acquired_at, row.expires_at, req.now) ||
        (req.canSteal !== undefined && req.canSteal(toHolder(row)));
      if (!free) return { ...toHolder(row), acquired: false };
      const expires = req.now + req.ttlMs;
      this.stmt.putLease.run({ name: req.name, owner: req.owner, now: req.now, expires, meta: JSON.stringify(req.meta) });
      return { name: req.name, owner: req.owner, expiresAt: expires, meta: req.meta, acquired: true };
    });
  }

  async releaseLease(input: { name: string; owner: string }): Promise<void> {
    const req = parseRelease(input);
    return this.write('releasing a lease', false, () => {
      this.stmt.releaseLease.run(req.name, req.owner);
    });
  }

  async storageEstimate(): Promise<StorageEstimate | undefined> {
    return this.read('estimating storage', () => {
      if (this.path === ':memory:' || this.path === '') return undefined;
      const file = resolve(this.path);
      let usage = 0;
      for (const suffix of ['', '-wal', '-shm']) {
        try {
          usage += statSync(file + suffix).size;
        } catch {
          // the WAL and shared-memory files come and go with checkpoints
        }
      }
      const fs = statfsSync(dirname(file));
      return { usage, quota: usage + fs.bavail * fs.bsize };
    });
  }

  async requestPersistence(): Promise<boolean | undefined> {
    return this.read('checking persistence', () => this.path !== ':memory:' && this.path !== '');
  }

  diagnostics(): StoreDiagnostics {
    return { reopened: 0, lastError: this.lastError };
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- async so callers always get a promise
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.db.close();
    }
  }
}
