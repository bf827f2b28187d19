import { ErrorCode, parseInput, uuidv7, ValidationError } from '@tillkit/core';
import { Dexie, type Table } from 'dexie';
import { z } from 'zod';
import { OutboxErrorCode, storageError } from '../errors';
import {
  prepareCommit,
  type ItemInput,
  type ItemState,
  type OutboxItem,
  type PreparedRecord,
  type RecordWrite,
  type StoredRecord,
} from '../item';
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
import { describeError, isConnectionLost, toOpenError, toStoreError } from './dexie-errors';
import {
  cleared,
  emptyTotals,
  holds,
  inState,
  moveTotals,
  toHolder,
  toItem,
  toPartition,
  toRecord,
  type PartitionTotals,
} from './rows';
import {
  declareSchema,
  ORDER_ROW_ID,
  SCHEMA_VERSION,
  type ItemRow,
  type LeaseRow,
  type MetaRow,
  type OrderRow,
  type PartitionRow,
  type RecordRow,
} from './schema';

export interface DexieStoreOptions {
  /** the IndexedDB database name: one outbox per name and origin; every tab opening it shares it */
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

// Bounds for ranges over compound keys: -Infinity sorts before every other key, an array after every
// number, date, string and binary (Dexie.maxKey falls back to a string where IndexedDB is injected).
const MIN = -Infinity;
const MAX: void[][] = [[]];

const connections = new WeakMap<OutboxStore, Dexie>();

/** For tests: the Dexie instance behind a store made by createDexieStore (to close its connection behind its back). */
export function dexieConnectionOf(store: OutboxStore): Dexie | undefined {
  return connections.get(store);
}

function tooNew(name: string, found: number): Error {
  return storageError(
    OutboxErrorCode.STORE_VERSION_TOO_NEW,
    `The outbox database "${name}" has schema version ${found}, newer than this version of the application knows (${SCHEMA_VERSION}). ` +
      'Update the application (reload to get the new version); the database was not changed.',
    { details: { found, supported: SCHEMA_VERSION } },
  );
}

/**
 * Refuses a database written by a newer schema before Dexie opens it: opened at a newer version,
 * Dexie would adapt to it, and could even add its own indexes back to it. `databases()` is missing
 * in some older browsers; the check after opening (in `ready`) still refuses such a database then.
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
 * The outbox store in IndexedDB through Dexie 4 (browsers, Electron renderers, workers).
 *
 * Durability: every write transaction is requested with `durability: 'strict'` (Dexie's
 * `chromeTransactionDurability`; the commit, which runs its own native transaction, asks for it
 * itself), so a commit has reached the disk when its promise resolves (Chromium defaults to
 * 'relaxed', which may lose the last commits on a power cut). Claim, settle and
 * leases could run relaxed (losing one only means an item is sent again and the server answers
 * `duplicate`), but that needs a second connection per store, with its own reopen, version checks
 * and close. The strict flush they pay instead is one per batch or lease renewal, small next to the
 * network round trip of the batch, so one strict connection it is.
 *
 * Several tabs may open the same database: each is its own connection, and IndexedDB runs readwrite
 * transactions over the same tables one at a time, so sequence numbers (taken from the partitions
 * table inside the commit's transaction) stay gapless and unique, and a partition is leased once.
 *
 * Throws ValidationError for bad options, StorageError STORE_VERSION_TOO_NEW for a database written
 * by a newer tillkit, MIGRATION_FAILED when an upgrade step fails (the database is left as it was).
 */
export async function createDexieStore(options: DexieStoreOptions): Promise<OutboxStore> {
  const opts = parseInput(optionsSchema, options, 'Dexie store options');
  const factory = opts.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  const keyRange = opts.IDBKeyRange ?? (globalThis as { IDBKeyRange?: typeof IDBKeyRange }).IDBKeyRange;
  if (factory === undefined || keyRange === undefined) {
    throw storageError(
      OutboxErrorCode.STORAGE_ERROR,
      'IndexedDB is not available here: open the Dexie store in a browser (or pass options.indexedDB and options.IDBKeyRange), or use the SQLite store on Node.',
    );
  }
  await refuseNewerDatabase(factory, opts.name);
  const db = new Dexie(opts.name, {
    indexedDB: factory,
    IDBKeyRange: keyRange,
    chromeTransactionDurability: 'strict',
    // reopening is ours to do (and to count), with the version checks of `ready`
    autoOpen: false,
    // the commit writes past Dexie (see commitTransaction): a cache of Dexie's would miss those writes
    cache: 'disabled',
  });
  declareSchema(db);
  const store = new DexieStore(db, opts.name);
  try {
    await db.open();
  } catch (error) {
    db.close();
    throw toOpenError(error, opts.name);
  }
  connections.set(store, db);
  return store;
}

class DexieStore implements OutboxStore {
  readonly backend = 'indexeddb';
  private readonly items: Table<ItemRow, string>;
  private readonly partitions: Table<PartitionRow, string>;
  private readonly records: Table<RecordRow, [string, string]>;
  private readonly leases: Table<LeaseRow, string>;
  private meta: MetaRow | undefined;
  private closed = false;
  /** counts opens of the connection (Dexie's own reopen after "connection is closing" included) */
  private generation = 0;
  private reopened = 0;
  private reopening: Promise<void> | undefined;
  private lastError: string | undefined;

  constructor(
    private readonly db: Dexie,
    private readonly name: string,
  ) {
    this.items = db.table('items');
    this.partitions = db.table('partitions');
    this.records = db.table('records');
    this.leases = db.table('leases');
    db.on('populate', (tx) => {
      void tx.table<MetaRow | OrderRow, string>('meta').bulkAdd([newMeta(), { id: ORDER_ROW_ID, last: 0 }]);
    });
    // sticky: runs after every open, including Dexie's internal reopen of a closed connection
    db.on('ready', (vipDb: Dexie) => this.onReady(vipDb), true);
  }

  private async onReady(vipDb: Dexie): Promise<void> {
    const nativeVersion = Math.floor(vipDb.backendDB().version / 10);
    if (nativeVersion > SCHEMA_VERSION) throw tooNew(this.name, nativeVersion);
    const metaTable = vipDb.table<MetaRow, string>('meta');
    let meta = await metaTable.get('store');
    if (meta === undefined) {
      // a database made before its identity was written (populate always writes it): give it one now
      meta = newMeta();
      try {
        await metaTable.add(meta);
      } catch {
        meta = await metaTable.get('store');
      }
    }
    if (meta === undefined)
      throw storageError(OutboxErrorCode.STORAGE_ERROR, `The outbox database "${this.name}" has no identity record.`);
    if (meta.schemaVersion > SCHEMA_VERSION) throw tooNew(this.name, meta.schemaVersion);
    if (meta.schemaVersion < SCHEMA_VERSION) {
      meta = { ...meta, schemaVersion: SCHEMA_VERSION };
      await metaTable.put(meta);
    }
    this.meta = meta;
    this.generation += 1;
    if (this.generation > 1) this.reopened += 1;
  }

  /**
   * Runs one operation (one transaction; a commit may take a second one after a first that wrote
   * nothing). After a connection the platform closed, reopens and runs it once more; after close(),
   * fails with STORE_CLOSED.
   */
  private async run<T>(doing: string, body: () => Promise<T>): Promise<T> {
    if (this.closed) throw this.closedError(doing);
    const generation = this.generation;
    try {
      return await body();
    } catch (error) {
      if (this.closed) throw this.closedError(doing);
      if (!isConnectionLost(error)) throw this.failed(error, doing);
      this.lastError = describeError(error);
      try {
        await this.reopen(generation);
        return await body();
      } catch (retryError) {
        if (this.closed) throw this.closedError(doing);
        throw this.failed(retryError, doing);
      }
    }
  }

  private reopen(failedGeneration: number): Promise<void> {
    // another operation (or Dexie itself) reopened it since this one started: just try again
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

  private failed(error: unknown, doing: string): Error {
    const mapped = toStoreError(error, doing);
    if (mapped !== error) this.lastError = mapped.message;
    return mapped;
  }

  private closedError(doing: string): Error {
    return storageError(
      OutboxErrorCode.STORE_CLOSED,
      `The outbox store "${this.name}" is closed: open a new one to go on ${doing}.`,
    );
  }

  /** Open items of a partition in sequence order (from after `afterSeq`, if given). */
  private openRun(partition: string, afterSeq?: number) {
    return afterSeq === undefined
      ? this.items.where('[open+partition+seq]').between([1, partition, MIN], [1, partition, MAX])
      : this.items.where('[open+partition+seq]').between([1, partition, afterSeq], [1, partition, MAX], false, true);
  }

  /** Items in one of the states that are not pending, in enqueue order. */
  private tracked(state: Exclude<ItemState, 'pending'>) {
    return this.items.where('[sparseState+order]').between([state, MIN], [state, MAX]);
  }

  /** The acked and dead items of a partition that hold a sequence number (an operator path: reads every closed item). */
  private async closedWithSeq(partition: string): Promise<ItemRow[]> {
    const [acked, dead] = await Promise.all(
      (['acked', 'dead'] as const).map((state) =>
        this.tracked(state)
          .filter((row) => row.partition === partition && row.seq !== null)
          .toArray(),
      ),
    );
    return [...acked!, ...dead!];
  }

  info(): Promise<StoreInfo> {
    return this.run('reading its identity', () => {
      const meta = this.meta;
      if (meta === undefined)
        throw storageError(OutboxErrorCode.STORAGE_ERROR, `The outbox database "${this.name}" has no identity record.`);
      return Promise.resolve({
        backend: this.backend,
        storeId: meta.storeId,
        createdAt: meta.createdAt,
        schemaVersion: meta.schemaVersion,
      });
    });
  }

  async commit(input: { items?: readonly ItemInput[]; records?: readonly RecordWrite[]; now: number }): Promise<OutboxItem[]> {
    const prepared = prepareCommit(input);
    const now = parseNow(input.now);
    return this.run('committing items and records', async () => {
      try {
        return await this.commitTransaction(prepared, now, false);
      } catch (error) {
        if (!needsChecks(error)) throw error;
        // the first attempt wrote nothing: now look for replays, reused keys and existing records
        return this.commitTransaction(prepared, now, true);
      }
    });
  }

  /**
   * The commit, as one native IndexedDB transaction on Dexie's connection. This is the path every
   * sale takes, and going through Dexie cost it more than the write itself (Dexie's transaction
   * scope and a promise per request); so do round trips between the page and the database. Here the
   * transaction reads all it needs at once (the items' partitions and the order counter), waits for
   * the answers once, then queues every write and asks to commit (`commit()`) without waiting for
   * anything in between. Readwrite transactions over these tables run one at a time in every tab, so
   * what the reads saw still holds when the writes land: sequence numbers stay gapless and unique.
   *
   * The first attempt does not look for the items' keys or the inserted records: it `add`s them, and
   * an existing key fails the `add` (ConstraintError), which aborts the whole transaction, so nothing
   * is written. Then `checked` runs the commit again, reading the stored items and records first to
   * tell a replay (returned as stored, nothing written) from IDEMPOTENCY_CONFLICT or RECORD_CONFLICT
   * (thrown after aborting the transaction). A new sale pays for none of those reads.
   *
   * Dexie's own cache is off (createDexieStore), so writing past Dexie leaves nothing stale in it.
   */
  private commitTransaction(prepared: PreparedCommit, now: number, checked: boolean): Promise<OutboxItem[]> {
    if (!this.db.isOpen()) throw new Dexie.DatabaseClosedError('The connection is closed.');
    // InvalidStateError when the platform closed the connection: `run` reopens it and tries again
    const tx = this.db.backendDB().transaction(COMMIT_STORES, 'readwrite', { durability: 'strict' });
    return new Promise<OutboxItem[]>((resolve, reject) => {
      let result: OutboxItem[] = [];
      let refusal: Error | undefined;
      tx.oncomplete = () => resolve(result);
      tx.onabort = () => reject(refusal ?? tx.error ?? new DOMException('The commit transaction was aborted.', 'AbortError'));
      const tables: CommitTables = {
        items: tx.objectStore('items'),
        partitions: tx.objectStore('partitions'),
        records: tx.objectStore('records'),
        meta: tx.objectStore('meta'),
      };
      const reads: IDBRequest[] = [];
      const read = <T>(request: IDBRequest): IDBRequest<T> => {
        reads.push(request);
        return request as IDBRequest<T>;
      };
      const hasItems = prepared.items.length > 0;
      const names = [...new Set(prepared.items.map((item) => item.partition))];
      const parts = names.map((name) => read<PartitionRow | undefined>(tables.partitions.get(name)));
      const counter = hasItems ? read<OrderRow | undefined>(tables.meta.get(ORDER_ROW_ID)) : undefined;
      const inserts = checked ? prepared.records.filter((record) => record.mode === 'insert') : [];
      const existing = checked ? prepared.items.map((item) => read<ItemRow | undefined>(tables.items.get(item.key))) : [];
      const found = inserts.map((record) => read<RecordRow | undefined>(tables.records.get([record.collection, record.key])));
      const cursor =
        checked && hasItems ? read<IDBCursor | null>(tables.items.index('order').openKeyCursor(null, 'prev')) : undefined;
      const write = () => {
        try {
          const stored = counter?.result;
          // the checked attempt also looks at the index: the counter never hands out a number twice
          if (hasItems && stored === undefined && !checked) throw MISSING_ORDER_ROW;
          const lastOrder = Math.max(stored?.last ?? 0, (cursor?.result?.key as number | undefined) ?? 0);
          const partitions = new Map(names.map((name, i) => [name, parts[i]!.result ?? newPartition(name)]));
          const checks: CommitChecks | undefined = checked
            ? {
                existing: existing.map((request) => request.result),
                inserted: inserts.filter((_, i) => found[i]!.result !== undefined),
              }
            : undefined;
          result = this.commitWrites(prepared, now, tables, partitions, lastOrder, checks);
          // nothing more to ask for: commit now rather than after this task (not in every browser)
          if (typeof tx.commit === 'function') tx.commit();
        } catch (error) {
          refusal = error instanceof Error ? error : new Error(String(error));
          tx.abort();
        }
      };
      // requests answer in the order they were made: the last to answer starts the writes
      let waiting = reads.length;
      for (const request of reads) {
        request.onsuccess = () => {
          waiting -= 1;
          if (waiting === 0) write();
        };
      }
      if (waiting === 0) write();
    });
  }

  /**
   * The decisions and writes of a commit, once its reads are in. With `checks` (the checked
   * attempt): throws a refusal (the caller aborts the transaction) or returns a replay without
   * writing. Otherwise queues the writes and returns the new items.
   */
  private commitWrites(
    prepared: PreparedCommit,
    now: number,
    tables: CommitTables,
    partitions: Map<string, PartitionRow>,
    lastOrder: number,
    checks: CommitChecks | undefined,
  ): OutboxItem[] {
    if (checks !== undefined) {
      const replayed = this.replayOf(prepared, checks);
      if (replayed !== undefined) return replayed;
    }
    let order = lastOrder;
    const stored: OutboxItem[] = [];
    for (const item of prepared.items) {
      const part = partitions.get(item.partition)!;
      const row: ItemRow = {
        key: item.key,
        partition: item.partition,
        seq: part.nextSeq,
        type: item.type,
        json: item.json,
        bytes: item.bytes,
        createdAt: now,
        state: 'pending',
        open: 1,
        order: (order += 1),
        attempts: 0,
        notBefore: 0,
      };
      part.nextSeq += 1;
      moveTotals(part, undefined, 'pending', row.bytes);
      // refused (ConstraintError, aborting the transaction) when the key is in the store
      tables.items.add(row);
      // new items carry the payload value given (stored as its JSON), as the contract says
      stored.push(toItem(row, item.payload));
    }
    for (const part of partitions.values()) tables.partitions.put(part);
    if (order > lastOrder) tables.meta.put({ id: ORDER_ROW_ID, last: order } satisfies OrderRow);
    for (const record of prepared.records) {
      if (record.mode === 'delete') tables.records.delete([record.collection, record.key]);
      else {
        const row: RecordRow = { collection: record.collection, key: record.key, json: record.json, updatedAt: now };
        // an insert is an `add`: refused (ConstraintError, aborting the transaction) when the record exists
        if (record.mode === 'insert') tables.records.add(row);
        else tables.records.put(row);
      }
    }
    return stored;
  }

  /** For the checked attempt: the stored items when the commit is a replay; throws when it is refused. */
  private replayOf(prepared: PreparedCommit, checks: CommitChecks): OutboxItem[] | undefined {
    for (const [index, item] of prepared.items.entries()) {
      const row = checks.existing[index];
      if (row !== undefined && (row.partition !== item.partition || row.type !== item.type || row.json !== item.json)) {
        const what = row.partition !== item.partition ? 'partition' : row.type !== item.type ? 'type' : 'payload';
        throw storageError(
          OutboxErrorCode.IDEMPOTENCY_CONFLICT,
          `Idempotency key "${item.key}" is already in the outbox with a different ${what}. Use a new key for a new item. Nothing was written.`,
          { details: { key: item.key } },
        );
      }
    }
    const replayed = checks.existing.filter((row): row is ItemRow => row !== undefined);
    if (replayed.length > 0) {
      if (replayed.length < prepared.items.length) {
        throw storageError(
          OutboxErrorCode.IDEMPOTENCY_CONFLICT,
          'This commit mixes items already in the outbox with new ones; commit a replay and new items separately. Nothing was written.',
          { details: { replayed: replayed.map((row) => row.key) } },
        );
      }
      // a replay writes nothing, its records included
      return replayed.map((row) => toItem(row));
    }
    const clash = checks.inserted[0];
    if (clash !== undefined) {
      throw storageError(
        OutboxErrorCode.RECORD_CONFLICT,
        `Record "${clash.key}" of "${clash.collection}" already exists and was written with mode 'insert'. Nothing was written.`,
        { details: { collection: clash.collection, key: clash.key } },
      );
    }
    return undefined;
  }

  async claim(request: ClaimRequest): Promise<Claim> {
    const req = parseClaim(request);
    return this.run('leasing items', () =>
      this.db.transaction('rw', [this.items, this.partitions], async (): Promise<Claim> => {
        const { now } = req;
        // a notBefore further ahead than the horizon was set before the clock went back: due
        const due = (row: ItemRow) => row.notBefore <= now || row.notBefore - now > req.horizonMs;
        const [partitions, inFlight] = await Promise.all([this.partitions.toArray(), this.tracked('in-flight').toArray()]);
        const busy = new Set(inFlight.filter((row) => holds(row.lease, now)).map((row) => row.partition));
        const candidates = partitions.filter((p) => p.blocked === undefined && !busy.has(p.partition));
        const heads = (await Promise.all(candidates.map((p) => this.openRun(p.partition).first()))).filter(
          (head): head is ItemRow => head !== undefined && due(head),
        );
        heads.sort((a, b) => a.createdAt - b.createdAt || a.order - b.order);
        const leaseId = uuidv7({ now });
        const until = now + req.leaseMs;
        const claimed: ItemRow[] = [];
        let bytes = 0;
        outer: for (const head of heads) {
          for (const row of await this.openRun(head.partition)
            .limit(req.maxItems - claimed.length)
            .toArray()) {
            if (!due(row)) break;
            if (claimed.length > 0 && bytes + row.bytes > req.maxBytes) break outer;
            bytes += row.bytes;
            claimed.push(
              inState(
                { ...row, attempts: row.attempts + 1, lease: { id: leaseId, owner: req.owner, at: now, until } },
                'in-flight',
              ),
            );
            if (claimed.length >= req.maxItems) break outer;
          }
        }
        if (claimed.length === 0) return { leaseId: '', items: [] };
        await this.items.bulkPut(claimed);
        return { leaseId, items: claimed.map((row) => toItem(row)) };
      }),
    );
  }

  async settle(input: { leaseId: string; now: number; settlements: readonly Settlement[] }): Promise<number> {
    const { leaseId, now, settlements } = parseSettle(input);
    return this.run('recording delivery results', () =>
      this.db.transaction('rw', [this.items, this.partitions], async () => {
        const parts = new PartitionCache(this.partitions);
        let applied = 0;
        for (const s of settlements) {
          const row = await this.items.get(s.key);
          if (row === undefined) continue;
          if (s.outcome === 'acked') {
            if (row.open !== 1) continue;
            await this.items.put(
              inState({ ...cleared(row), notBefore: 0, ack: { at: now, result: s.result, endpointId: s.endpointId } }, 'acked'),
            );
            moveTotals(await parts.get(row.partition), row.state, 'acked', row.bytes);
            applied += 1;
            continue;
          }
          if (row.state !== 'in-flight' || row.lease?.id !== leaseId) continue;
          if (s.outcome === 'retry') {
            await this.items.put(
              inState({ ...cleared(row), notBefore: s.notBefore, lastError: s.error ?? row.lastError }, 'pending'),
            );
            applied += 1;
            continue;
          }
          // dead: a request-level refusal never reached the server's sequence, so its number is given
          // back (only while nothing after it in the partition was acknowledged or dead-lettered)
          const seq = row.seq;
          const release =
            s.source === 'request' &&
            seq !== null &&
            !(await this.closedWithSeq(row.partition)).some((closed) => closed.seq !== null && closed.seq > seq);
          const later = release ? await this.openRun(row.partition, seq).toArray() : [];
          await this.items.put(
            inState(
              {
                ...cleared(row),
                seq: release ? null : seq,
                dead: { at: now, code: s.code, message: s.message, source: s.source, seq: seq ?? 0 },
                lastError: s.code,
              },
              'dead',
            ),
          );
          const part = await parts.get(row.partition);
          moveTotals(part, row.state, 'dead', row.bytes);
          if (release) {
            await this.items.bulkPut(later.map((r) => ({ ...r, seq: (r.seq ?? 1) - 1 })));
            part.nextSeq -= 1;
          }
          applied += 1;
        }
        await parts.save();
        return applied;
      }),
    );
  }

  async rewind(input: { partition: string; fromSeq: number; now: number }): Promise<RewindResult> {
    const { partition, fromSeq, now } = parseRewind(input);
    return this.run('rewinding a partition', () =>
      this.db.transaction('rw', [this.items, this.partitions], async (): Promise<RewindResult> => {
        const part = await this.partitions.get(partition);
        if (part !== undefined && part.prunedThrough >= fromSeq) {
          const message = `The server expects sequence ${fromSeq}, but items up to ${part.prunedThrough} were already pruned after acknowledgement.`;
          await this.partitions.put({ ...part, blocked: { code: 'GAP_UNRECOVERABLE', message, at: now } });
          return { ok: false, code: 'GAP_UNRECOVERABLE', prunedThrough: part.prunedThrough, rewound: 0 };
        }
        // every item from fromSeq on that is not pending: in flight (from the open run), acked or dead
        const [open, closed] = await Promise.all([this.openRun(partition, fromSeq - 1).toArray(), this.closedWithSeq(partition)]);
        const changed = [
          ...open.filter((row) => row.state === 'in-flight'),
          ...closed.filter((row) => row.seq !== null && row.seq >= fromSeq),
        ];
        if (changed.length === 0) return { ok: true, rewound: 0 };
        const next = part ?? newPartition(partition);
        for (const row of changed) moveTotals(next, row.state, 'pending', row.bytes);
        await this.items.bulkPut(changed.map((row) => inState({ ...cleared(row), notBefore: 0 }, 'pending')));
        await this.partitions.put(next);
        return { ok: true, rewound: changed.length };
      }),
    );
  }

  async blockPartition(input: { partition: string; code: string; message: string; now: number }): Promise<void> {
    const { partition, code, message, now } = parseBlock(input);
    await this.run('blocking a partition', () =>
      this.db.transaction('rw', this.partitions, async () => {
        const part = (await this.partitions.get(partition)) ?? newPartition(partition);
        await this.partitions.put({ ...part, blocked: { code, message, at: now } });
      }),
    );
  }

  async rebasePartition(input: { partition: string; nextSeq: number; now: number }): Promise<void> {
    const { partition, nextSeq } = parseRebase(input);
    await this.run('renumbering a partition', () =>
      this.db.transaction('rw', [this.items, this.partitions], async () => {
        const [part, closed, open] = await Promise.all([
          this.partitions.get(partition),
          this.closedWithSeq(partition),
          this.openRun(partition).toArray(),
        ]);
        const used = closed.reduce((max, row) => Math.max(max, row.seq ?? 0), part?.prunedThrough ?? 0);
        if (nextSeq <= used) {
          throw new ValidationError(
            ErrorCode.VALIDATION_FAILED,
            `Cannot renumber partition "${partition}" from ${nextSeq}: its acknowledged or dead items already hold numbers up to ${used}. Give a number above ${used}.`,
          );
        }
        await this.items.bulkPut(open.map((row, i) => ({ ...row, seq: nextSeq + i })));
        // no `blocked`: a rebase clears a block
        const { blocked: _blocked, ...kept } = part ?? newPartition(partition);
        await this.partitions.put({ ...kept, nextSeq: nextSeq + open.length });
      }),
    );
  }

  async stats(now: number): Promise<StoreStats> {
    const at = parseNow(now);
    return this.run('counting items', () =>
      this.db.transaction('r', [this.items, this.partitions], async (): Promise<StoreStats> => {
        // per-partition totals, the items in flight and the head of each partition: no read of the
        // whole queue, which would hold back the commits of sales behind this transaction
        const [partitions, inFlight] = await Promise.all([this.partitions.toArray(), this.tracked('in-flight').toArray()]);
        // the oldest open item is at the head of its partition (numbers follow enqueue order; see StoreStats)
        const heads = await Promise.all(partitions.filter((p) => p.openCount > 0).map((p) => this.openRun(p.partition).first()));
        const live = inFlight.filter((row) => holds(row.lease, at)).length;
        const sum = (field: keyof PartitionTotals) => partitions.reduce((total, p) => total + p[field], 0);
        const oldest = heads.reduce<number | undefined>(
          (min, head) => (head === undefined || (min !== undefined && min <= head.createdAt) ? min : head.createdAt),
          undefined,
        );
        return {
          pending: sum('openCount') - live,
          inFlight: live,
          dead: sum('deadCount'),
          acked: sum('ackedCount'),
          oldestOpenAt: oldest,
          openBytes: sum('openBytes'),
          blockedPartitions: partitions.filter((p) => p.blocked !== undefined).length,
        };
      }),
    );
  }

  listPartitions(): Promise<PartitionInfo[]> {
    return this.run('listing partitions', async () => (await this.partitions.toArray()).map(toPartition));
  }

  async listItems(query?: ListItemsQuery): Promise<OutboxItem[]> {
    const q = parseListItems(query);
    return this.run('listing items', async () => {
      const { partition } = q;
      if (q.state === 'open' || q.state === 'pending') {
        // the open items (of one partition or all), put in enqueue order here: operators list them,
        // sales never wait on it
        const open = await (
          partition === undefined ? this.items.where('[open+partition+seq]').between([1, MIN], [1, MAX]) : this.openRun(partition)
        ).toArray();
        return open
          .filter((row) => q.state === 'open' || row.state === 'pending')
          .sort((a, b) => a.order - b.order)
          .slice(q.offset, q.offset + q.limit)
          .map((row) => toItem(row));
      }
      let collection = q.state === 'all' ? this.items.orderBy('order') : this.tracked(q.state);
      if (partition !== undefined) collection = collection.filter((row) => row.partition === partition);
      return (await collection.offset(q.offset).limit(q.limit).toArray()).map((row) => toItem(row));
    });
  }

  async retryDeadLetters(input: { keys: readonly string[] | 'all'; now: number }): Promise<number> {
    const { keys } = parseRetryDeadLetters(input);
    return this.run('retrying dead letters', () =>
      this.db.transaction('rw', [this.items, this.partitions], async () => {
        let rows: ItemRow[];
        if (keys === 'all') rows = await this.tracked('dead').toArray();
        else {
          const unique = [...new Set(keys)];
          rows = (await this.items.bulkGet(unique)).filter((row): row is ItemRow => row?.state === 'dead');
        }
        const parts = new PartitionCache(this.partitions);
        const revived: ItemRow[] = [];
        for (const row of rows) {
          const part = await parts.get(row.partition);
          revived.push(inState({ ...cleared(row), seq: part.nextSeq, attempts: 0, notBefore: 0 }, 'pending'));
          part.nextSeq += 1;
          moveTotals(part, 'dead', 'pending', row.bytes);
        }
        await parts.save();
        await this.items.bulkPut(revived);
        return revived.length;
      }),
    );
  }

  async pruneAcked(input: { before: number; limit: number }): Promise<number> {
    const { before, limit } = parsePrune(input);
    return this.run('pruning acknowledged items', () =>
      this.db.transaction('rw', [this.items, this.partitions], async () => {
        const rows = await this.items.where('[ackedAt+order]').below([before, MIN]).limit(limit).toArray();
        const parts = new PartitionCache(this.partitions);
        for (const row of rows) {
          const part = await parts.get(row.partition);
          moveTotals(part, row.state, undefined, row.bytes);
          if (row.seq !== null) part.prunedThrough = Math.max(part.prunedThrough, row.seq);
        }
        await this.items.bulkDelete(rows.map((row) => row.key));
        await parts.save();
        return rows.length;
      }),
    );
  }

  async getRecord(collection: string, key: string): Promise<StoredRecord | undefined> {
    parseRecordKey(collection, key);
    return this.run('reading a record', async () => {
      const row = await this.records.get([collection, key]);
      return row === undefined ? undefined : toRecord(row);
    });
  }

  async listRecords(collection: string, query?: { afterKey?: string; limit?: number }): Promise<StoredRecord[]> {
    const q = parseListRecords(collection, query);
    return this.run('listing records', async () => {
      const rows = await this.records
        .where('[collection+key]')
        .between([q.collection, q.afterKey ?? ''], [q.collection, MAX], false, true)
        .limit(q.limit)
        .toArray();
      return rows.map(toRecord);
    });
  }

  async acquireLease(input: LeaseRequest): Promise<LeaseHolder & { acquired: boolean }> {
    const req = parseLease(input);
    return this.run('taking a lease', () =>
      this.db.transaction('rw', this.leases, async () => {
        const row = await this.leases.get(req.name);
        const free =
          row === undefined ||
          row.owner === req.owner ||
          !holds({ at: row.acquiredAt, until: row.expiresAt }, req.now) ||
          (req.canSteal !== undefined && req.canSteal(toHolder(row)));
        if (!free) return { ...toHolder(row), acquired: false };
        const taken: LeaseRow = {
          name: req.name,
          owner: req.owner,
          acquiredAt: req.now,
          expiresAt: req.now + req.ttlMs,
          meta: req.meta,
        };
        await this.leases.put(taken);
        return { ...toHolder(taken), acquired: true };
      }),
    );
  }

  async releaseLease(input: { name: string; owner: string }): Promise<void> {
    const { name, owner } = parseRelease(input);
    await this.run('releasing a lease', () =>
      this.db.transaction('rw', this.leases, async () => {
        const row = await this.leases.get(name);
        if (row?.owner === owner) await this.leases.delete(name);
      }),
    );
  }

  storageEstimate(): Promise<StorageEstimate | undefined> {
    return this.run('estimating storage', async () => {
      const storage = typeof navigator === 'undefined' ? undefined : (navigator.storage as StorageManager | undefined);
      if (typeof storage?.estimate !== 'function') return undefined;
      const { usage, quota } = await storage.estimate();
      return usage === undefined || quota === undefined ? undefined : { usage, quota };
    });
  }

  requestPersistence(): Promise<boolean | undefined> {
    return this.run('asking for persistent storage', async () => {
      const storage = typeof navigator === 'undefined' ? undefined : (navigator.storage as StorageManager | undefined);
      if (typeof storage?.persist !== 'function') return undefined;
      return storage.persist();
    });
  }

  diagnostics(): StoreDiagnostics {
    return { reopened: this.reopened, lastError: this.lastError };
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.db.close();
    }
    return Promise.resolve();
  }
}

function newPartition(partition: string): PartitionRow {
  return { partition, nextSeq: 1, prunedThrough: 0, ...emptyTotals() };
}

type PreparedCommit = ReturnType<typeof prepareCommit>;

/** The tables the commit writes (its native transaction's scope). */
const COMMIT_STORES = ['items', 'partitions', 'records', 'meta'];

/** The tables of a commit's native transaction. */
interface CommitTables {
  items: IDBObjectStore;
  partitions: IDBObjectStore;
  records: IDBObjectStore;
  meta: IDBObjectStore;
}

/** What the checked attempt of a commit reads besides partitions and the order counter. */
interface CommitChecks {
  /** the stored item under each input item's key, in input order */
  existing: (ItemRow | undefined)[];
  /** the records written with mode 'insert' that already exist */
  inserted: PreparedRecord[];
}

const MISSING_ORDER_ROW = new Error('The order counter is missing.');

/**
 * Whether the first attempt of a commit aborted for the checked one: an `add` met an existing key
 * (ConstraintError: a replay, a reused key or an existing record), or the order counter was missing.
 */
const needsChecks = (error: unknown): boolean =>
  error === MISSING_ORDER_ROW || (error as { name?: unknown } | null | undefined)?.name === 'ConstraintError';

/** Partitions read and changed within one transaction, written back together by save(). */
class PartitionCache {
  private readonly rows = new Map<string, PartitionRow>();
  constructor(private readonly table: Table<PartitionRow, string>) {}

  async get(partition: string): Promise<PartitionRow> {
    let row = this.rows.get(partition);
    if (row === undefined) {
      row = (await this.table.get(partition)) ?? newPartition(partition);
      this.rows.set(partition, row);
    }
    return row;
  }

  async save(): Promise<void> {
    if (this.rows.size > 0) await this.table.bulkPut([...this.rows.values()]);
  }
}

function newMeta(): MetaRow {
  return { id: 'store', storeId: uuidv7(), createdAt: Date.now(), schemaVersion: SCHEMA_VERSION };
}
