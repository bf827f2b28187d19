import type { ItemInput, ItemState, OutboxItem, RecordWrite, StoredRecord } from './item';

/**
 * The store contract every outbox store implements (SQLite on Node, Dexie/IndexedDB in browsers),
 * checked by one shared contract suite (`storeContractCases` in `@tillkit/offline-queue/testing`).
 *
 * Rules every implementation keeps:
 * - `commit` is atomic and durable: its items and records are all written in one transaction that
 *   has reached stable storage when the promise resolves, or nothing is written.
 * - Nothing leaves the store before it is `acked`; only `pruneAcked` removes items.
 * - Every method validates its input and throws a TillkitError (VALIDATION_FAILED, or an
 *   OutboxErrorCode) instead of writing part of a change.
 * - Every method may be called from several processes or tabs on the same database at once.
 */
export interface OutboxStore {
  /** 'sqlite', 'indexeddb' or another backend's name */
  readonly backend: string;

  /** identity and schema of the database */
  info(): Promise<StoreInfo>;

  /**
   * Writes items and companion records in one durable transaction. Each item gets the next
   * sequence number of its partition. An item whose key is already in the store with the same
   * partition, type and payload is a replay: it is returned as stored and the whole call writes
   * nothing. The same key with a different partition, type or payload is IDEMPOTENCY_CONFLICT.
   * Resolves with the items as stored, in input order (new items carry the payload value given,
   * which is stored as its JSON).
   */
  commit(input: { items?: readonly ItemInput[]; records?: readonly RecordWrite[]; now: number }): Promise<OutboxItem[]>;

  /**
   * Leases the next items to send: for each partition that is not blocked and has nothing
   * in flight under a live lease, its open items from the lowest sequence number on, in order,
   * while they are due (`notBefore <= now`). Partitions go in the order of the createdAt of their
   * lowest-numbered open item, oldest first.
   * At least one item is returned if any is due, even when it alone exceeds `maxBytes`.
   * Leased items become `in-flight` with attempts + 1. A lease that has run out, or that was taken
   * at a time later than `now` (the clock went back), no longer holds its items. An item whose
   * `notBefore` lies more than `horizonMs` ahead (the clock went back) is due now.
   */
  claim(request: ClaimRequest): Promise<Claim>;

  /**
   * Records what became of leased items, in one transaction. `acked` applies whenever the item is
   * still open (a late answer to an expired lease is still the server's answer); `retry` and `dead`
   * apply only while the item is still held by this lease. Returns how many settlements applied.
   */
  settle(input: { leaseId: string; now: number; settlements: readonly Settlement[] }): Promise<number>;

  /**
   * The server lost items from `fromSeq` on (a gap answer): every item of the partition with
   * seq >= fromSeq that is acked, dead with its number kept, or in flight becomes pending again.
   * When items from `fromSeq` on were already pruned, nothing changes and the partition is blocked
   * with code 'GAP_UNRECOVERABLE'.
   */
  rewind(input: { partition: string; fromSeq: number; now: number }): Promise<RewindResult>;

  /** Stops delivery of a partition until `rebasePartition` (for example 'SEQUENCE_BEHIND_SERVER'). */
  blockPartition(input: { partition: string; code: string; message: string; now: number }): Promise<void>;

  /**
   * Renumbers the partition's open items, in order, from `nextSeq`, and continues the partition
   * from there; clears a block. Used after a wiped or replaced store, when the server already holds
   * sequence numbers this store issued again. `nextSeq` must be above every number the partition's
   * acked and dead items hold, and above what was pruned (VALIDATION_FAILED otherwise).
   */
  rebasePartition(input: { partition: string; nextSeq: number; now: number }): Promise<void>;

  /** Counts and ages for metrics. Items under a lease that has run out count as pending. */
  stats(now: number): Promise<StoreStats>;

  /** Partitions the store knows, with their next sequence number and any block. */
  listPartitions(): Promise<PartitionInfo[]>;

  /** Items in enqueue order, filtered by state group and partition (a view of what is queued). */
  listItems(query?: ListItemsQuery): Promise<OutboxItem[]>;

  /**
   * Moves dead letters back to pending at the end of their partitions (a new sequence number each,
   * same idempotency key, attempts reset). `keys` 'all' retries every dead letter. Returns the count.
   */
  retryDeadLetters(input: { keys: readonly string[] | 'all'; now: number }): Promise<number>;

  /** Removes acked items acknowledged before `before`, at most `limit` of them. Returns the count. */
  pruneAcked(input: { before: number; limit: number }): Promise<number>;

  getRecord(collection: string, key: string): Promise<StoredRecord | undefined>;
  /**
   * Records of a collection in key order, after `afterKey` if given. ASCII keys sort alike on every
   * backend; where order matters, use ASCII keys (zero-padded numbers, ISO times).
   */
  listRecords(collection: string, query?: { afterKey?: string; limit?: number }): Promise<StoredRecord[]>;

  /**
   * A named lease between processes or tabs on this database (the flusher lock builds on it).
   * Granted when free, expired (or last renewed at a time later than `now`: the clock went back),
   * already held by `owner` (a renewal), or when `canSteal(holder)` says the holder is gone.
   * Returns the holder after the call.
   */
  acquireLease(input: LeaseRequest): Promise<LeaseHolder & { acquired: boolean }>;
  /** Gives a lease up if `owner` holds it. */
  releaseLease(input: { name: string; owner: string }): Promise<void>;

  /** Space used and available, if the backend can tell. */
  storageEstimate(): Promise<StorageEstimate | undefined>;
  /** Asks for storage that is not evicted under pressure (browsers); true where storage is always kept. */
  requestPersistence(): Promise<boolean | undefined>;
  /** Connection troubles the store recovered from, for storage health. */
  diagnostics(): StoreDiagnostics;

  /** Closes the database. Later calls fail with STORE_CLOSED. */
  close(): Promise<void>;
}

export interface StoreInfo {
  backend: string;
  /** a random id made when the database was created: a new id means the store was wiped or replaced */
  storeId: string;
  createdAt: number;
  schemaVersion: number;
}

export interface ClaimRequest {
  /** who leases (a flusher id), kept on the items for diagnostics */
  owner: string;
  now: number;
  leaseMs: number;
  maxItems: number;
  maxBytes: number;
  /** the longest wait a `notBefore` can mean; further ahead, the clock went back. Default 1 hour */
  horizonMs?: number | undefined;
}

export interface Claim {
  /** the lease the items are held under; empty string when nothing was claimed */
  leaseId: string;
  items: OutboxItem[];
}

export type Settlement =
  | { key: string; outcome: 'acked'; result: 'applied' | 'duplicate'; endpointId?: string | undefined }
  | { key: string; outcome: 'retry'; notBefore: number; error?: string | undefined }
  | {
      key: string;
      outcome: 'dead';
      code: string;
      message?: string | undefined;
      /** see DeadLetterInfo.source */
      source: 'item' | 'request';
    };

export type RewindResult =
  { ok: true; rewound: number } | { ok: false; code: 'GAP_UNRECOVERABLE'; prunedThrough: number; rewound: 0 };

export interface PartitionInfo {
  partition: string;
  /** the number the next enqueued item of this partition gets */
  nextSeq: number;
  /** the highest sequence number removed by pruning (0 when none) */
  prunedThrough: number;
  blocked: { code: string; message: string; at: number } | undefined;
}

export interface StoreStats {
  /** open items waiting (including those under a lease that ran out) */
  pending: number;
  /** items under a live lease */
  inFlight: number;
  dead: number;
  acked: number;
  /** createdAt of the oldest open item (a store may look only at the head of each partition: that differs only after a dead letter is retried) */
  oldestOpenAt: number | undefined;
  /** payload bytes of open items */
  openBytes: number;
  /** partitions blocked until an operator acts */
  blockedPartitions: number;
}

export interface ListItemsQuery {
  /** 'open' = pending and in flight (default), or one state, or 'all' */
  state?: 'open' | ItemState | 'all';
  partition?: string;
  limit?: number;
  offset?: number;
}

export interface LeaseRequest {
  name: string;
  owner: string;
  ttlMs: number;
  now: number;
  /** facts about the owner kept with the lease (process id and host on Node) */
  meta?: Readonly<Record<string, string | number>>;
  /** asked only when another owner holds a live lease: true takes it over (its process is gone) */
  canSteal?: (holder: LeaseHolder) => boolean;
}

export interface LeaseHolder {
  name: string;
  owner: string;
  expiresAt: number;
  meta: Readonly<Record<string, string | number>>;
}

export interface StorageEstimate {
  /** bytes used by this store (or by the origin, in browsers) */
  usage: number;
  /** bytes this store may grow to (free disk plus usage on Node; the origin quota in browsers) */
  quota: number;
}

export interface StoreDiagnostics {
  /** times the store reopened a connection the platform closed ("connection is closing") */
  reopened: number;
  lastError: string | undefined;
}
