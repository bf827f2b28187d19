import type { JournalEntry } from '@tillkit/core';
import type { Change, Cursor, Dataset, PushResults, Tenant, WireItem } from '@tillkit/sync-client/protocol';

/** One item's answer in a push (applied | duplicate | rejected | retry-after | gap). */
export type PushItemResult = PushResults['results'][number];

/**
 * Where the reference server keeps everything: tenancy (merchant > store > register), enrolment
 * codes, devices and tokens (hashes only), ingested events with the per-register journal head,
 * dataset records for pull, and telemetry. `createSqliteSyncStorage` implements it on
 * better-sqlite3; another database (PostgreSQL) implements the same interface.
 *
 * The one hard rule for an implementation is `ingest`: for each item, reading what is stored
 * for its key and its partition's head, and writing the decision (the event, applied or rejected,
 * and the head it moves the register to), happen in ONE database transaction, and items of a partition are never decided concurrently
 * (SQLite: one writer; PostgreSQL: `SELECT ... FOR UPDATE` on the partition row).
 *
 * Methods never see secrets: only hashes of device secrets, tokens and enrolment codes.
 */
export interface SyncStorage {
  // -- tenancy --------------------------------------------------------------------------------
  /** Creates a register (and its merchant and store) or finds it; see RegisterUpsert. */
  upsertRegister(input: RegisterRecord & { now: number }): Promise<RegisterUpsert>;
  getRegister(merchantId: string, registerId: string): Promise<RegisterRecord | undefined>;

  // -- enrolment, devices, tokens ------------------------------------------------------------
  /** Stores a one-time enrolment code (its hash) for a register that exists. */
  createEnrolment(input: EnrolmentRecord): Promise<void>;
  /**
   * Redeems a code and registers the device in one transaction: the code is marked used, the
   * register's other devices and their tokens are revoked (a register has one till at a time),
   * and the device gets the new credentials (re-enrolling a device replaces its credentials).
   */
  enrolDevice(input: EnrolDeviceInput): Promise<EnrolOutcome>;
  /** The device holding `clientId`, revoked or not. */
  findDeviceByClientId(clientId: string): Promise<DeviceRecord | undefined>;
  getDevice(deviceId: string): Promise<DeviceRecord | undefined>;
  /** Stores a token (its hash); also drops tokens that expired before `createdAt`. */
  saveToken(input: TokenRecord): Promise<void>;
  /** The token with this hash, if its device is not revoked (expiry is the caller's check). */
  findToken(tokenHash: string): Promise<TokenGrant | undefined>;

  // -- push ------------------------------------------------------------------------------------
  /**
   * Decides and stores each item in order, each in its own transaction (or one transaction with a
   * savepoint per item): loads the IngestContext of the tenant's register for the item's key,
   * calls `decide`, writes what it says, and returns the results in item order. `decide` is pure
   * and synchronous. An item whose decision or write throws is rolled back alone and answered
   * `retry-after`.
   */
  ingest(input: IngestInput): Promise<PushItemResult[]>;

  // -- pull and datasets ----------------------------------------------------------------------
  /** Changes after `after` (exclusive) in (updatedAt, id) order, at most `limit`. */
  pullChanges(input: PullQuery): Promise<{ changes: Change[]; hasMore: boolean }>;
  /**
   * Upserts records in one transaction, all with one new updatedAt = max(now, the store's last
   * updatedAt + 1): strictly increasing per store, so a cursor never skips a later write.
   */
  putRecords(input: PutRecordsInput): Promise<{ count: number; updatedAt: number }>;
  /** Turns a record into a tombstone (a new updatedAt as in putRecords); undefined when unknown. */
  deleteRecord(input: DeleteRecordInput): Promise<{ updatedAt: number; alreadyDeleted: boolean } | undefined>;

  // -- restore and admin reads ----------------------------------------------------------------
  /**
   * The register's journal head and newest till state, and its newest `tail` journal entries
   * (oldest first; rejected events count when they hold an entry, see JournalEvent).
   */
  restoreState(tenant: Tenant, tail: number): Promise<RestoreState>;
  /** Events of a store with the given status in ingest order, after the event id `after`. */
  listEvents(input: EventQuery): Promise<{ events: StoredEvent[]; next: string | null }>;
  /** Every event of a register, applied and rejected, in sequence order. */
  readJournal(merchantId: string, registerId: string): Promise<JournalEvent[]>;

  // -- telemetry -------------------------------------------------------------------------------
  /** Keeps the device's latest heartbeat. */
  saveHeartbeat(input: HeartbeatRecord): Promise<void>;
  saveDiagnostics(input: DiagnosticsRecord): Promise<void>;
  deviceTelemetry(deviceId: string): Promise<DeviceTelemetry>;

  /** Resolves when the database answers (the health check); rejects otherwise. */
  ping(): Promise<void>;

  /** Closes the database; later calls fail. Idempotent. */
  close(): Promise<void>;
}

export interface RegisterRecord {
  merchantId: string;
  storeId: string;
  registerId: string;
  /** ISO 4217: the currency the register keeps its books in */
  currency: string;
}

/**
 * - created / unchanged: the register as stored;
 * - updated: the currency changed (allowed only while the register has no events);
 * - conflict: the register exists in another store, or has events in another currency.
 */
export type RegisterUpsert =
  | { status: 'created' | 'unchanged' | 'updated'; register: RegisterRecord }
  | { status: 'conflict'; register: RegisterRecord; reason: 'store' | 'currency' };

export interface EnrolmentRecord {
  /** sha256 of the normalized code */
  codeHash: string;
  merchantId: string;
  storeId: string;
  registerId: string;
  createdAt: number;
  expiresAt: number;
}

export interface EnrolDeviceInput {
  codeHash: string;
  deviceId: string;
  clientId: string;
  secretSalt: string;
  secretHash: string;
  softwareVersion: string | undefined;
  now: number;
}

export type EnrolOutcome =
  | { status: 'enrolled'; register: RegisterRecord }
  | { status: 'unknown' | 'used' | 'expired' }
  /** the device id is enrolled with another merchant */
  | { status: 'device-conflict' };

export interface DeviceRecord {
  deviceId: string;
  clientId: string;
  secretSalt: string;
  secretHash: string;
  tenant: Tenant;
  enrolledAt: number;
  revokedAt: number | null;
  softwareVersion: string | null;
}

export interface TokenRecord {
  /** sha256 of the bearer token */
  tokenHash: string;
  deviceId: string;
  createdAt: number;
  expiresAt: number;
}

export interface TokenGrant {
  deviceId: string;
  tenant: Tenant;
  expiresAt: number;
}

/**
 * The journal head of a register as the server holds it (sequence 0 and the genesis hash before
 * the first event). `lastSeq` is the sequence of the last event decided, applied or rejected.
 */
export interface PartitionHead {
  lastSeq: number;
  /**
   * The hash of the register's entry `lastSeq`; null when it is unknown: the event at `lastSeq` was
   * rejected without a readable journal entry of the register at that sequence. The next entry's
   * previousHash and grand totals are then taken as they are.
   */
  lastHash: string | null;
  /** the grand totals after entry `lastSeq` (meaningless while lastHash is null) */
  grandTotal: number;
  absoluteGrandTotal: number;
}

/**
 * What was answered for a key before: 'applied' replays as 'duplicate' (other content under the
 * key is KEY_REUSED), a rejection as itself, whatever comes under the key: a decided key is never
 * decided again.
 */
export type StoredPushResult =
  | { contentHash: string; result: 'applied' }
  | { contentHash: string; result: 'rejected'; code: string; message: string | undefined };

export interface IngestContext {
  tenant: Tenant;
  /** the register's currency */
  currency: string;
  head: PartitionHead;
  /** the result stored for the item's key in the tenant's register, if any */
  stored: StoredPushResult | undefined;
}

/** An event to store (applied or rejected), with the head it moves the register to. */
export interface EventWrite {
  key: string;
  seq: number;
  type: string;
  /** the item's payload as JSON text */
  payloadJson: string;
  transactionId: string | null;
  /**
   * the hash of the event's journal entry; null for a rejected event without a readable journal
   * entry of the register at this sequence (it is then left out of journal reads and restore tails)
   */
  entryHash: string | null;
  /** the register's head after the event: lastSeq is the event's seq */
  head: PartitionHead;
  /**
   * the till state after the entry, as JSON text (restore hands out the newest); null keeps the
   * stored one (a rejected event whose till state is not the state after its entry)
   */
  tillJson: string | null;
}

/**
 * - answer: nothing is stored and the sequence does not move (a replay, a gap, a forbidden
 *   partition, a reused key);
 * - apply: the event is stored as applied, the head moves to it;
 * - reject: the event is stored as rejected (quarantined: kept with its payload, code and message,
 *   replayed for its key), and it uses up its sequence: the head moves to it as well.
 * A key is decided once: an implementation never stores a second event under a key.
 */
export type IngestDecision =
  | { kind: 'answer'; result: PushItemResult }
  | { kind: 'apply'; contentHash: string; event: EventWrite }
  | { kind: 'reject'; contentHash: string; code: string; message: string; event: EventWrite };

export interface IngestInput {
  tenant: Tenant;
  items: readonly WireItem[];
  now: number;
  decide: (item: WireItem, context: IngestContext) => IngestDecision;
  /** told about an item that was answered `retry-after` because deciding or storing it threw */
  onItemError?: (key: string, error: unknown) => void;
}

export interface PullQuery {
  merchantId: string;
  storeId: string;
  dataset: Dataset;
  after: Cursor | null;
  limit: number;
}

export interface PutRecordsInput {
  merchantId: string;
  storeId: string;
  dataset: Dataset;
  records: readonly { id: string; data: Record<string, unknown> }[];
  now: number;
}

export interface DeleteRecordInput {
  merchantId: string;
  storeId: string;
  dataset: Dataset;
  id: string;
  now: number;
}

export interface RestoreState {
  head: PartitionHead;
  /** the till state the newest event with a usable one carried (parsed JSON); null before the first */
  till: Record<string, unknown> | null;
  journalTail: JournalEntry[];
}

/** applied: stored and counted; rejected: quarantined (kept for an operator, counted nowhere). */
export type EventStatus = 'applied' | 'rejected';

export interface EventQuery {
  merchantId: string;
  storeId: string;
  type: string | undefined;
  /** which events: 'applied' (the admin API's default), 'rejected', or 'all' */
  status: EventStatus | 'all';
  /** an event id from a previous page's `next` */
  after: string | undefined;
  limit: number;
}

export interface StoredEvent {
  id: string;
  partition: string;
  seq: number;
  key: string;
  type: string;
  receivedAt: number;
  status: EventStatus;
  /** the rejection of a rejected event; null for an applied one */
  rejection: { code: string; message: string | null } | null;
  payload: unknown;
}

/** One event of a register's journal as the server holds it. */
export interface JournalEvent {
  seq: number;
  key: string;
  type: string;
  status: EventStatus;
  rejection: { code: string; message: string | null } | null;
  /** its journal entry; null for a rejected event without a readable entry of the register at `seq` */
  entry: JournalEntry | null;
}

export interface HeartbeatRecord {
  deviceId: string;
  tenant: Tenant;
  receivedAt: number;
  /** server time minus the till's clock, in ms */
  skewMs: number;
  heartbeat: Record<string, unknown>;
}

export interface DiagnosticsRecord {
  id: string;
  deviceId: string;
  tenant: Tenant;
  receivedAt: number;
  bundle: Record<string, unknown>;
}

export interface DeviceTelemetry {
  heartbeat: { receivedAt: number; skewMs: number; heartbeat: Record<string, unknown> } | null;
  diagnostics: { id: string; createdAt: number }[];
}
