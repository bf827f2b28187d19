import { GENESIS_HASH, parseInput, TillkitError, type JournalEntry } from '@tillkit/core';
import type { Change, Tenant, WireItem } from '@tillkit/sync-client/protocol';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { storageError, SyncServerErrorCode } from '../errors';
import type {
  DeleteRecordInput,
  DeviceRecord,
  DeviceTelemetry,
  DiagnosticsRecord,
  EnrolDeviceInput,
  EnrolmentRecord,
  EnrolOutcome,
  EventQuery,
  EventStatus,
  EventWrite,
  HeartbeatRecord,
  IngestContext,
  IngestDecision,
  IngestInput,
  JournalEvent,
  PartitionHead,
  PullQuery,
  PushItemResult,
  PutRecordsInput,
  RegisterRecord,
  RegisterUpsert,
  RestoreState,
  StoredEvent,
  StoredPushResult,
  SyncStorage,
  TokenGrant,
  TokenRecord,
} from '../storage';
import { SQLITE_MIGRATIONS, type SqliteMigration } from './migrations';

export interface SqliteSyncStorageOptions {
  /** the database file (created if missing), or ':memory:' (the default) for a database that lives as long as the storage */
  path?: string;
  /** how long a write waits for another connection holding the database, in ms; default 5000 */
  busyTimeoutMs?: number;
}

const optionsSchema = z.object({
  path: z.string().min(1, 'must name a file or ":memory:"').default(':memory:'),
  busyTimeoutMs: z.number().int().nonnegative().default(5000),
});

/** How long an item waits before it is sent again when the server failed to store it. */
const RETRY_AFTER_FAILURE_MS = 1000;

/**
 * Opens (creating or upgrading) the server's SQLite database: WAL journal, synchronous=FULL (an
 * acknowledged push survives a power cut), schema version in `PRAGMA user_version`.
 * Throws ValidationError for bad options, StorageError STORE_VERSION_TOO_NEW for a database
 * written by a newer server, MIGRATION_FAILED when an upgrade step fails (the file is left as it was).
 */
export function createSqliteSyncStorage(options: SqliteSyncStorageOptions = {}): SyncStorage {
  return openSqliteSyncStorage(options, SQLITE_MIGRATIONS);
}

/** Opens the storage with a given migration list (tests use it to exercise upgrades). */
export function openSqliteSyncStorage(options: SqliteSyncStorageOptions, migrations: readonly SqliteMigration[]): SyncStorage {
  const opts = parseInput(optionsSchema, options, 'SQLite sync storage options');
  let db: Database.Database;
  try {
    db = new Database(opts.path, { timeout: opts.busyTimeoutMs });
  } catch (error) {
    throw wrap(error, `opening ${opts.path}`);
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    migrate(db, migrations);
    return new SqliteSyncStorage(db);
  } catch (error) {
    db.close();
    throw wrap(error, `opening ${opts.path}`);
  }
}

function wrap(error: unknown, doing: string): TillkitError {
  if (TillkitError.isInstance(error)) return error;
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return storageError(SyncServerErrorCode.STORAGE_ERROR, `The sync server's database failed while ${doing}: ${text}`, {
    cause: error,
  });
}

function migrate(db: Database.Database, migrations: readonly SqliteMigration[]): void {
  const latest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  const current = () => db.pragma('user_version', { simple: true }) as number;
  const found = current();
  if (found > latest) {
    throw storageError(
      SyncServerErrorCode.STORE_VERSION_TOO_NEW,
      `The sync server database has schema version ${found}, newer than this server knows (${latest}). Run a newer @tillkit/sync-server; the file was not changed.`,
      { details: { found, latest } },
    );
  }
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (migration.version <= found) continue;
    const step = db.transaction(() => {
      if (current() >= migration.version) return;
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    });
    try {
      step.immediate();
    } catch (error) {
      throw storageError(
        SyncServerErrorCode.MIGRATION_FAILED,
        `Upgrading the sync server database to schema version ${migration.version} (${migration.description}) failed: ${
          error instanceof Error ? error.message : String(error)
        }. The database was left at version ${current()}; nothing was lost.`,
        { cause: error },
      );
    }
  }
}

interface RegisterRow {
  merchant_id: string;
  store_id: string;
  register_id: string;
  currency: string;
}

interface DeviceRow {
  device_id: string;
  client_id: string;
  secret_salt: string;
  secret_hash: string;
  merchant_id: string;
  store_id: string;
  register_id: string;
  software_version: string | null;
  enrolled_at: number;
  revoked_at: number | null;
}

interface PartitionRow {
  last_seq: number;
  last_hash: string | null;
  grand_total: number;
  absolute_grand_total: number;
  till: string | null;
}

interface PushResultRow {
  content_hash: string;
  status: EventStatus;
  code: string | null;
  message: string | null;
}

interface RecordRow {
  id: string;
  updated_at: number;
  deleted: number;
  data: string | null;
}

interface EventRow {
  id: number;
  register_id: string;
  seq: number;
  key: string;
  type: string;
  status: EventStatus;
  code: string | null;
  message: string | null;
  received_at: number;
  payload: string;
}

interface JournalRow {
  seq: number;
  key: string;
  type: string;
  status: EventStatus;
  code: string | null;
  message: string | null;
  entry_hash: string | null;
  payload: string;
}

const EMPTY_HEAD: PartitionHead = { lastSeq: 0, lastHash: GENESIS_HASH, grandTotal: 0, absoluteGrandTotal: 0 };

function registerOf(row: RegisterRow): RegisterRecord {
  return { merchantId: row.merchant_id, storeId: row.store_id, registerId: row.register_id, currency: row.currency };
}

function deviceOf(row: DeviceRow): DeviceRecord {
  return {
    deviceId: row.device_id,
    clientId: row.client_id,
    secretSalt: row.secret_salt,
    secretHash: row.secret_hash,
    tenant: { merchantId: row.merchant_id, storeId: row.store_id, registerId: row.register_id },
    enrolledAt: row.enrolled_at,
    revokedAt: row.revoked_at,
    softwareVersion: row.software_version,
  };
}

function headOf(row: PartitionRow | undefined): PartitionHead {
  if (row === undefined) return EMPTY_HEAD;
  return {
    lastSeq: row.last_seq,
    lastHash: row.last_hash,
    grandTotal: row.grand_total,
    absoluteGrandTotal: row.absolute_grand_total,
  };
}

function storedOf(row: PushResultRow | undefined): StoredPushResult | undefined {
  if (row === undefined) return undefined;
  if (row.status === 'applied') return { contentHash: row.content_hash, result: 'applied' };
  return { contentHash: row.content_hash, result: 'rejected', code: row.code ?? 'REJECTED', message: row.message ?? undefined };
}

function entryOf(payload: string): JournalEntry {
  return (JSON.parse(payload) as { entry: JournalEntry }).entry;
}

function rejectionOf(row: { status: EventStatus; code: string | null; message: string | null }): StoredEvent['rejection'] {
  return row.status === 'rejected' ? { code: row.code ?? 'REJECTED', message: row.message } : null;
}

class SqliteSyncStorage implements SyncStorage {
  private closed = false;
  private readonly stmt;

  constructor(private readonly db: Database.Database) {
    const p = (sql: string) => db.prepare(sql);
    this.stmt = {
      insertMerchant: p('INSERT INTO merchants (merchant_id, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING'),
      insertStore: p('INSERT INTO stores (merchant_id, store_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
      getStoreClock: p('SELECT last_updated_at FROM stores WHERE merchant_id = ? AND store_id = ?').pluck(),
      setStoreClock: p('UPDATE stores SET last_updated_at = ? WHERE merchant_id = ? AND store_id = ?'),
      getRegister: p(
        'SELECT merchant_id, store_id, register_id, currency FROM registers WHERE merchant_id = ? AND register_id = ?',
      ),
      insertRegister: p(
        'INSERT INTO registers (merchant_id, register_id, store_id, currency, created_at) VALUES (?, ?, ?, ?, ?)',
      ),
      setRegisterCurrency: p('UPDATE registers SET currency = ? WHERE merchant_id = ? AND register_id = ?'),
      countRegisterEvents: p('SELECT count(*) FROM events WHERE merchant_id = ? AND register_id = ?').pluck(),
      insertCode: p(
        'INSERT INTO enrolment_codes (code_hash, merchant_id, store_id, register_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      getCode: p('SELECT merchant_id, store_id, register_id, expires_at, used_at FROM enrolment_codes WHERE code_hash = ?'),
      useCode: p('UPDATE enrolment_codes SET used_at = ?, used_by = ? WHERE code_hash = ?'),
      getDevice: p('SELECT * FROM devices WHERE device_id = ?'),
      getDeviceByClient: p('SELECT * FROM devices WHERE client_id = ?'),
      revokeRegisterDevices: p(
        'UPDATE devices SET revoked_at = ? WHERE merchant_id = ? AND register_id = ? AND device_id != ? AND revoked_at IS NULL',
      ),
      deleteRegisterTokens: p(
        'DELETE FROM tokens WHERE device_id IN (SELECT device_id FROM devices WHERE merchant_id = ? AND register_id = ?)',
      ),
      deleteDeviceTokens: p('DELETE FROM tokens WHERE device_id = ?'),
      upsertDevice: p(`
        INSERT INTO devices (device_id, client_id, secret_salt, secret_hash, merchant_id, store_id, register_id, software_version, enrolled_at, revoked_at)
        VALUES (@deviceId, @clientId, @secretSalt, @secretHash, @merchantId, @storeId, @registerId, @softwareVersion, @now, NULL)
        ON CONFLICT (device_id) DO UPDATE SET
          client_id = excluded.client_id, secret_salt = excluded.secret_salt, secret_hash = excluded.secret_hash,
          merchant_id = excluded.merchant_id, store_id = excluded.store_id, register_id = excluded.register_id,
          software_version = excluded.software_version, enrolled_at = excluded.enrolled_at, revoked_at = NULL`),
      insertToken: p('INSERT INTO tokens (token_hash, device_id, created_at, expires_at) VALUES (?, ?, ?, ?)'),
      pruneTokens: p('DELETE FROM tokens WHERE expires_at < ?'),
      findToken: p(`
        SELECT t.device_id, t.expires_at, d.merchant_id, d.store_id, d.register_id
        FROM tokens t JOIN devices d ON d.device_id = t.device_id
        WHERE t.token_hash = ? AND d.revoked_at IS NULL`),
      getPartition: p(
        'SELECT last_seq, last_hash, grand_total, absolute_grand_total, till FROM partitions WHERE merchant_id = ? AND register_id = ?',
      ),
      upsertPartition: p(`
        INSERT INTO partitions (merchant_id, register_id, last_seq, last_hash, grand_total, absolute_grand_total, till, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (merchant_id, register_id) DO UPDATE SET
          last_seq = excluded.last_seq, last_hash = excluded.last_hash, grand_total = excluded.grand_total,
          absolute_grand_total = excluded.absolute_grand_total, till = coalesce(excluded.till, partitions.till),
          updated_at = excluded.updated_at`),
      getPushResult: p(
        'SELECT content_hash, status, code, message FROM events WHERE merchant_id = ? AND register_id = ? AND key = ?',
      ),
      insertEvent: p(`
        INSERT INTO events (merchant_id, store_id, register_id, seq, key, content_hash, status, code, message, type,
          transaction_id, entry_hash, received_at, payload)
        VALUES (@merchantId, @storeId, @registerId, @seq, @key, @contentHash, @status, @code, @message, @type,
          @transactionId, @entryHash, @receivedAt, @payload)`),
      pullFirst: p(`
        SELECT id, updated_at, deleted, data FROM dataset_records
        WHERE merchant_id = ? AND store_id = ? AND dataset = ?
        ORDER BY updated_at, id LIMIT ?`),
      pullAfter: p(`
        SELECT id, updated_at, deleted, data FROM dataset_records
        WHERE merchant_id = @merchantId AND store_id = @storeId AND dataset = @dataset
          AND (updated_at > @updatedAt OR (updated_at = @updatedAt AND id > @id))
        ORDER BY updated_at, id LIMIT @limit`),
      upsertRecord: p(`
        INSERT INTO dataset_records (merchant_id, store_id, dataset, id, updated_at, deleted, data) VALUES (?, ?, ?, ?, ?, 0, ?)
        ON CONFLICT (merchant_id, store_id, dataset, id) DO UPDATE SET updated_at = excluded.updated_at, deleted = 0, data = excluded.data`),
      getRecord: p(
        'SELECT id, updated_at, deleted, data FROM dataset_records WHERE merchant_id = ? AND store_id = ? AND dataset = ? AND id = ?',
      ),
      tombstone: p(
        'UPDATE dataset_records SET updated_at = ?, deleted = 1, data = NULL WHERE merchant_id = ? AND store_id = ? AND dataset = ? AND id = ?',
      ),
      journalTail: p(`
        SELECT payload FROM events WHERE merchant_id = ? AND register_id = ? AND entry_hash IS NOT NULL
        ORDER BY seq DESC LIMIT ?`).pluck(),
      journal: p(`
        SELECT seq, key, type, status, code, message, entry_hash, payload FROM events
        WHERE merchant_id = ? AND register_id = ? ORDER BY seq`),
      events: p(`
        SELECT id, register_id, seq, key, type, status, code, message, received_at, payload FROM events
        WHERE merchant_id = @merchantId AND store_id = @storeId AND id > @after AND (@status = 'all' OR status = @status)
        ORDER BY id LIMIT @limit`),
      eventsOfType: p(`
        SELECT id, register_id, seq, key, type, status, code, message, received_at, payload FROM events
        WHERE merchant_id = @merchantId AND store_id = @storeId AND type = @type AND id > @after
          AND (@status = 'all' OR status = @status)
        ORDER BY id LIMIT @limit`),
      upsertHeartbeat: p(`
        INSERT INTO heartbeats (device_id, merchant_id, store_id, register_id, received_at, skew_ms, body) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (device_id) DO UPDATE SET merchant_id = excluded.merchant_id, store_id = excluded.store_id,
          register_id = excluded.register_id, received_at = excluded.received_at, skew_ms = excluded.skew_ms, body = excluded.body`),
      getHeartbeat: p('SELECT received_at, skew_ms, body FROM heartbeats WHERE device_id = ?'),
      insertDiagnostics: p(
        'INSERT INTO diagnostics (id, device_id, merchant_id, store_id, register_id, received_at, bundle) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      listDiagnostics: p('SELECT id, received_at FROM diagnostics WHERE device_id = ? ORDER BY received_at, id'),
    };
  }

  private check(): void {
    if (this.closed) {
      throw storageError(SyncServerErrorCode.STORAGE_CLOSED, 'The sync storage was closed; open a new one.');
    }
  }

  /** Runs `fn` synchronously (no other request interleaves), mapping database failures to StorageError. */
  private run<T>(doing: string, fn: () => T): Promise<T> {
    try {
      this.check();
      return Promise.resolve(fn());
    } catch (error) {
      return Promise.reject(wrap(error, doing));
    }
  }

  private ensureStore(merchantId: string, storeId: string, now: number): void {
    this.stmt.insertMerchant.run(merchantId, now);
    this.stmt.insertStore.run(merchantId, storeId, now);
  }

  upsertRegister(input: RegisterRecord & { now: number }): Promise<RegisterUpsert> {
    return this.run('saving a register', () =>
      this.db
        .transaction((): RegisterUpsert => {
          const row = this.stmt.getRegister.get(input.merchantId, input.registerId) as RegisterRow | undefined;
          const wanted: RegisterRecord = {
            merchantId: input.merchantId,
            storeId: input.storeId,
            registerId: input.registerId,
            currency: input.currency,
          };
          if (row === undefined) {
            this.ensureStore(input.merchantId, input.storeId, input.now);
            this.stmt.insertRegister.run(input.merchantId, input.registerId, input.storeId, input.currency, input.now);
            return { status: 'created', register: wanted };
          }
          const existing = registerOf(row);
          if (existing.storeId !== input.storeId) return { status: 'conflict', register: existing, reason: 'store' };
          if (existing.currency === input.currency) return { status: 'unchanged', register: existing };
          const events = this.stmt.countRegisterEvents.get(input.merchantId, input.registerId) as number;
          if (events > 0) return { status: 'conflict', register: existing, reason: 'currency' };
          this.stmt.setRegisterCurrency.run(input.currency, input.merchantId, input.registerId);
          return { status: 'updated', register: wanted };
        })
        .immediate(),
    );
  }

  getRegister(merchantId: string, registerId: string): Promise<RegisterRecord | undefined> {
    return this.run('reading a register', () => {
      const row = this.stmt.getRegister.get(merchantId, registerId) as RegisterRow | undefined;
      return row === undefined ? undefined : registerOf(row);
    });
  }

  createEnrolment(input: EnrolmentRecord): Promise<void> {
    return this.run('saving an enrolment code', () => {
      this.stmt.insertCode.run(
        input.codeHash,
        input.merchantId,
        input.storeId,
        input.registerId,
        input.createdAt,
        input.expiresAt,
      );
    });
  }

  enrolDevice(input: EnrolDeviceInput): Promise<EnrolOutcome> {
    return this.run('enrolling a device', () =>
      this.db
        .transaction((): EnrolOutcome => {
          const code = this.stmt.getCode.get(input.codeHash) as
            | { merchant_id: string; store_id: string; register_id: string; expires_at: number; used_at: number | null }
            | undefined;
          if (code === undefined) return { status: 'unknown' };
          if (code.used_at !== null) return { status: 'used' };
          if (code.expires_at <= input.now) return { status: 'expired' };
          const row = this.stmt.getRegister.get(code.merchant_id, code.register_id) as RegisterRow | undefined;
          if (row === undefined) return { status: 'unknown' };
          const existing = this.stmt.getDevice.get(input.deviceId) as DeviceRow | undefined;
          if (existing !== undefined && existing.merchant_id !== code.merchant_id) return { status: 'device-conflict' };
          this.stmt.useCode.run(input.now, input.deviceId, input.codeHash);
          // one till per register: the devices it replaces lose their credentials and tokens
          this.stmt.deleteRegisterTokens.run(code.merchant_id, code.register_id);
          this.stmt.revokeRegisterDevices.run(input.now, code.merchant_id, code.register_id, input.deviceId);
          if (existing !== undefined) this.stmt.deleteDeviceTokens.run(input.deviceId);
          this.stmt.upsertDevice.run({
            deviceId: input.deviceId,
            clientId: input.clientId,
            secretSalt: input.secretSalt,
            secretHash: input.secretHash,
            merchantId: code.merchant_id,
            storeId: code.store_id,
            registerId: code.register_id,
            softwareVersion: input.softwareVersion ?? null,
            now: input.now,
          });
          return { status: 'enrolled', register: registerOf(row) };
        })
        .immediate(),
    );
  }

  findDeviceByClientId(clientId: string): Promise<DeviceRecord | undefined> {
    return this.run('reading a device', () => {
      const row = this.stmt.getDeviceByClient.get(clientId) as DeviceRow | undefined;
      return row === undefined ? undefined : deviceOf(row);
    });
  }

  getDevice(deviceId: string): Promise<DeviceRecord | undefined> {
    return this.run('reading a device', () => {
      const row = this.stmt.getDevice.get(deviceId) as DeviceRow | undefined;
      return row === undefined ? undefined : deviceOf(row);
    });
  }

  saveToken(input: TokenRecord): Promise<void> {
    return this.run('saving a token', () => {
      this.db.transaction(() => {
        this.stmt.pruneTokens.run(input.createdAt);
        this.stmt.insertToken.run(input.tokenHash, input.deviceId, input.createdAt, input.expiresAt);
      })();
    });
  }

  findToken(tokenHash: string): Promise<TokenGrant | undefined> {
    return this.run('reading a token', () => {
      const row = this.stmt.findToken.get(tokenHash) as
        { device_id: string; expires_at: number; merchant_id: string; store_id: string; register_id: string } | undefined;
      if (row === undefined) return undefined;
      return {
        deviceId: row.device_id,
        expiresAt: row.expires_at,
        tenant: { merchantId: row.merchant_id, storeId: row.store_id, registerId: row.register_id },
      };
    });
  }

  ingest(input: IngestInput): Promise<PushItemResult[]> {
    return this.run('storing pushed events', () => {
      const register = this.stmt.getRegister.get(input.tenant.merchantId, input.tenant.registerId) as RegisterRow | undefined;
      if (register === undefined) {
        throw storageError(
          SyncServerErrorCode.STORAGE_ERROR,
          `Register ${input.tenant.registerId} of merchant ${input.tenant.merchantId} does not exist.`,
        );
      }
      const item = this.db.transaction((wire: WireItem) => this.ingestOne(input, register.currency, wire));
      const batch = this.db.transaction((items: readonly WireItem[]) =>
        items.map((wire): PushItemResult => {
          try {
            return item(wire);
          } catch (error) {
            // the item's savepoint was rolled back; nothing of it is stored
            input.onItemError?.(wire.key, error);
            return { key: wire.key, result: 'retry-after', ms: RETRY_AFTER_FAILURE_MS };
          }
        }),
      );
      return batch.immediate(input.items);
    });
  }

  private ingestOne(input: IngestInput, currency: string, item: WireItem): PushItemResult {
    const { merchantId, registerId } = input.tenant;
    const stored = storedOf(this.stmt.getPushResult.get(merchantId, registerId, item.key) as PushResultRow | undefined);
    const head = headOf(this.stmt.getPartition.get(merchantId, registerId) as PartitionRow | undefined);
    const context: IngestContext = { tenant: input.tenant, currency, head, stored };
    const decision: IngestDecision = input.decide(item, context);
    switch (decision.kind) {
      case 'answer':
        return decision.result;
      case 'apply':
        this.storeEvent(input, decision.event, decision.contentHash, null);
        return { key: item.key, result: 'applied' };
      case 'reject':
        this.storeEvent(input, decision.event, decision.contentHash, { code: decision.code, message: decision.message });
        return { key: item.key, result: 'rejected', code: decision.code, message: decision.message };
    }
  }

  /** Stores a decided event (applied, or rejected with its code) and moves the register's head to it. */
  private storeEvent(
    input: IngestInput,
    e: EventWrite,
    contentHash: string,
    rejection: { code: string; message: string } | null,
  ): void {
    const { merchantId, storeId, registerId } = input.tenant;
    this.stmt.insertEvent.run({
      merchantId,
      storeId,
      registerId,
      seq: e.seq,
      key: e.key,
      contentHash,
      status: rejection === null ? 'applied' : 'rejected',
      code: rejection?.code ?? null,
      message: rejection?.message ?? null,
      type: e.type,
      transactionId: e.transactionId,
      entryHash: e.entryHash,
      receivedAt: input.now,
      payload: e.payloadJson,
    });
    this.stmt.upsertPartition.run(
      merchantId,
      registerId,
      e.head.lastSeq,
      e.head.lastHash,
      e.head.grandTotal,
      e.head.absoluteGrandTotal,
      e.tillJson,
      input.now,
    );
  }

  pullChanges(input: PullQuery): Promise<{ changes: Change[]; hasMore: boolean }> {
    return this.run('reading dataset changes', () => {
      const rows = (
        input.after === null
          ? this.stmt.pullFirst.all(input.merchantId, input.storeId, input.dataset, input.limit + 1)
          : this.stmt.pullAfter.all({
              merchantId: input.merchantId,
              storeId: input.storeId,
              dataset: input.dataset,
              updatedAt: input.after.updatedAt,
              id: input.after.id,
              limit: input.limit + 1,
            })
      ) as RecordRow[];
      const hasMore = rows.length > input.limit;
      const changes = rows
        .slice(0, input.limit)
        .map((row): Change =>
          row.deleted === 1 || row.data === null
            ? { id: row.id, updatedAt: row.updated_at, deleted: true }
            : { id: row.id, updatedAt: row.updated_at, deleted: false, data: JSON.parse(row.data) as Record<string, unknown> },
        );
      return { changes, hasMore };
    });
  }

  /** The next updatedAt of a store: strictly above the last one handed out. Call inside a transaction. */
  private nextStoreTime(merchantId: string, storeId: string, now: number): number {
    this.ensureStore(merchantId, storeId, now);
    const last = this.stmt.getStoreClock.get(merchantId, storeId) as number;
    const at = Math.max(now, last + 1);
    this.stmt.setStoreClock.run(at, merchantId, storeId);
    return at;
  }

  putRecords(input: PutRecordsInput): Promise<{ count: number; updatedAt: number }> {
    return this.run('saving dataset records', () =>
      this.db
        .transaction(() => {
          const at = this.nextStoreTime(input.merchantId, input.storeId, input.now);
          for (const record of input.records) {
            this.stmt.upsertRecord.run(
              input.merchantId,
              input.storeId,
              input.dataset,
              record.id,
              at,
              JSON.stringify(record.data),
            );
          }
          return { count: input.records.length, updatedAt: at };
        })
        .immediate(),
    );
  }

  deleteRecord(input: DeleteRecordInput): Promise<{ updatedAt: number; alreadyDeleted: boolean } | undefined> {
    return this.run('deleting a dataset record', () =>
      this.db
        .transaction(() => {
          const row = this.stmt.getRecord.get(input.merchantId, input.storeId, input.dataset, input.id) as RecordRow | undefined;
          if (row === undefined) return undefined;
          if (row.deleted === 1) return { updatedAt: row.updated_at, alreadyDeleted: true };
          const at = this.nextStoreTime(input.merchantId, input.storeId, input.now);
          this.stmt.tombstone.run(at, input.merchantId, input.storeId, input.dataset, input.id);
          return { updatedAt: at, alreadyDeleted: false };
        })
        .immediate(),
    );
  }

  restoreState(tenant: Tenant, tail: number): Promise<RestoreState> {
    return this.run('reading the restore state', () =>
      this.db.transaction((): RestoreState => {
        const row = this.stmt.getPartition.get(tenant.merchantId, tenant.registerId) as PartitionRow | undefined;
        const payloads = tail > 0 ? (this.stmt.journalTail.all(tenant.merchantId, tenant.registerId, tail) as string[]) : [];
        return {
          head: headOf(row),
          till: row?.till == null ? null : (JSON.parse(row.till) as Record<string, unknown>),
          journalTail: payloads.reverse().map(entryOf),
        };
      })(),
    );
  }

  listEvents(input: EventQuery): Promise<{ events: StoredEvent[]; next: string | null }> {
    return this.run('listing events', () => {
      const after = input.after === undefined ? 0 : Number(input.after);
      const query = { merchantId: input.merchantId, storeId: input.storeId, after, status: input.status, limit: input.limit + 1 };
      const rows = (
        input.type === undefined ? this.stmt.events.all(query) : this.stmt.eventsOfType.all({ ...query, type: input.type })
      ) as EventRow[];
      const page = rows.slice(0, input.limit);
      const events = page.map((row): StoredEvent => ({
        id: String(row.id),
        partition: row.register_id,
        seq: row.seq,
        key: row.key,
        type: row.type,
        receivedAt: row.received_at,
        status: row.status,
        rejection: rejectionOf(row),
        payload: JSON.parse(row.payload) as unknown,
      }));
      const last = page[page.length - 1];
      return { events, next: rows.length > input.limit && last !== undefined ? String(last.id) : null };
    });
  }

  readJournal(merchantId: string, registerId: string): Promise<JournalEvent[]> {
    return this.run('reading a journal', () =>
      (this.stmt.journal.all(merchantId, registerId) as JournalRow[]).map((row): JournalEvent => ({
        seq: row.seq,
        key: row.key,
        type: row.type,
        status: row.status,
        rejection: rejectionOf(row),
        entry: row.entry_hash === null ? null : entryOf(row.payload),
      })),
    );
  }

  saveHeartbeat(input: HeartbeatRecord): Promise<void> {
    return this.run('saving a heartbeat', () => {
      const { merchantId, storeId, registerId } = input.tenant;
      this.stmt.upsertHeartbeat.run(
        input.deviceId,
        merchantId,
        storeId,
        registerId,
        input.receivedAt,
        input.skewMs,
        JSON.stringify(input.heartbeat),
      );
    });
  }

  saveDiagnostics(input: DiagnosticsRecord): Promise<void> {
    return this.run('saving diagnostics', () => {
      const { merchantId, storeId, registerId } = input.tenant;
      this.stmt.insertDiagnostics.run(
        input.id,
        input.deviceId,
        merchantId,
        storeId,
        registerId,
        input.receivedAt,
        JSON.stringify(input.bundle),
      );
    });
  }

  deviceTelemetry(deviceId: string): Promise<DeviceTelemetry> {
    return this.run('reading telemetry', () => {
      const hb = this.stmt.getHeartbeat.get(deviceId) as { received_at: number; skew_ms: number; body: string } | undefined;
      const diagnostics = (this.stmt.listDiagnostics.all(deviceId) as { id: string; received_at: number }[]).map((row) => ({
        id: row.id,
        createdAt: row.received_at,
      }));
      return {
        heartbeat:
          hb === undefined
            ? null
            : { receivedAt: hb.received_at, skewMs: hb.skew_ms, heartbeat: JSON.parse(hb.body) as Record<string, unknown> },
        diagnostics,
      };
    });
  }

  ping(): Promise<void> {
    return this.run('answering a health check', () => {
      this.db.prepare('SELECT 1').get();
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
