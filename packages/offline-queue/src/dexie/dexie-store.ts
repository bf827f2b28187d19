import { ErrorCode, parseInput, uuidv7, ValidationError } from '@tillkit/core';
import { Dexie, type Table } from 'dexie';
import { z } from 'zod';
import { OutboxErrorCode, storageError } from '../errors';
import { prepareCommit, type ItemInput, type OutboxItem, type RecordWrite, type StoredRecord } from '../item';
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
import { cleared, holds, toHolder, toItem, toPartition, toRecord } from './rows';
import {
  declareSchema,
  SCHEMA_VERSION,
  type ItemRow,
  type LeaseRow,
  type MetaRow,
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
 * `chromeTransactionDurability`), so a commit has reached the disk when its promise resolves
 * (Chromium defaults to 'relaxed', which may lose the last commits on a power cut). Claim, settle and
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
      void tx.table<MetaRow, string>('meta').add(newMeta());
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
   * Runs one operation (one transaction). After a connection the platform closed, reopens and runs
   * it once more; after close(), fails with STORE_CLOSED.
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

  /** Open items of a partition in sequence order. */
  private openRun(partition: string) {
    return this.items.where('[open+partition+seq]').between([1, partition, MIN], [1, partition, MAX]);
  }

  private inState(state: ItemRow['state']) {
    return this.items.where('[state+order]').between([state, MIN], [state, MAX]);
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
    return this.run('committing items and records', () =>
      this.db.transaction('rw', [this.items, this.records, this.partitions], async (): Promise<OutboxItem[]> => {
        const existing = await this.items.bulkGet(prepared.items.map((item) => item.key));
        for (const [index, item] of prepared.items.entries()) {
          const row = existing[index];
          if (row !== undefined && (row.partition !== item.partition || row.type !== item.type || row.json !== item.json)) {
            const what = row.partition !== item.partition ? 'partition' : row.type !== item.type ? 'type' : 'payload';
            throw storageError(
              OutboxErrorCode.IDEMPOTENCY_CONFLICT,
              `Idempotency key "${item.key}" is already in the outbox with a different ${what}. Use a new key for a new item. Nothing was written.`,
              { details: { key: item.key } },
            );
          }
        }
        const replayed = existing.filter((row): row is ItemRow => row !== undefined);
        if (replayed.length > 0) {
          if (replayed.length < prepared.items.length) {
            throw storageError(
              OutboxErrorCode.IDEMPOTENCY_CONFLICT,
              'This commit mixes items already in the outbox with new ones; commit a replay and new items separately. Nothing was written.',
              { details: { replayed: replayed.map((row) => row.key) } },
            );
          }
          return replayed.map((row) => toItem(row));
        }
        const inserts = prepared.records.filter((r) => r.mode === 'insert');
        if (inserts.length > 0) {
          const found = await this.records.bulkGet(inserts.map((r): [string, string] => [r.collection, r.key]));
          const clash = inserts.find((_, i) => found[i] !== undefined);
          if (clash !== undefined) {
            throw storageError(
              OutboxErrorCode.RECORD_CONFLICT,
              `Record "${clash.key}" of "${clash.collection}" already exists and was written with mode 'insert'. Nothing was written.`,
              { details: { collection: clash.collection, key: clash.key } },
            );
          }
        }
        const rows: ItemRow[] = [];
        if (prepared.items.length > 0) {
          const names = [...new Set(prepared.items.map((item) => item.partition))];
          const found = await this.partitions.bulkGet(names);
          const parts = new Map(names.map((p, i) => [p, found[i] ?? newPartition(p)]));
          let order = ((await this.items.orderBy('order').lastKey()) as number | undefined) ?? 0;
          for (const item of prepared.items) {
            const part = parts.get(item.partition)!;
            rows.push({
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
            });
            part.nextSeq += 1;
            part.openBytes += item.bytes;
          }
          await this.partitions.bulkPut([...parts.values()]);
          await this.items.bulkAdd(rows);
        }
        const deletes = prepared.records.flatMap((r): [string, string][] => (r.mode === 'delete' ? [[r.collection, r.key]] : []));
        const puts = prepared.records.flatMap((r): RecordRow[] =>
          r.mode === 'delete' ? [] : [{ collection: r.collection, key: r.key, json: r.json, updatedAt: now }],
        );
        if (deletes.length > 0) await this.records.bulkDelete(deletes);
        if (puts.length > 0) await this.records.bulkPut(puts);
        // new items carry the payload value given (stored as its JSON), as the contract says
        return rows.map((row, i) => toItem(row, prepared.items[i]!.payload));
      }),
    );
  }

  async claim(request: ClaimRequest): Promise<Claim> {
    const req = parseClaim(request);
    return this.run('leasing items', () =>
      this.db.transaction('rw', [this.items, this.partitions], async (): Promise<Claim> => {
        const { now } = req;
        // a notBefore further ahead than the horizon was set before the clock went back: due
        const due = (row: ItemRow) => row.notBefore <= now || row.notBefore - now > req.horizonMs;
        const [partitions, inFlight] = await Promise.all([this.partitions.toArray(), this.inState('in-flight').toArray()]);
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
            claimed.push({
              ...row,
              state: 'in-flight',
              open: 1,
              attempts: row.attempts + 1,
              lease: { id: leaseId, owner: req.owner, at: now, until },
            });
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
            await this.items.put({
              ...cleared(row),
              state: 'acked',
              open: 0,
              notBefore: 0,
              ack: { at: now, result: s.result, endpointId: s.endpointId },
              ackedAt: now,
            });
            (await parts.get(row.partition)).openBytes -= row.bytes;
            applied += 1;
            continue;
          }
          if (row.state !== 'in-flight' || row.lease?.id !== leaseId) continue;
          if (s.outcome === 'retry') {
            await this.items.put({
              ...cleared(row),
              state: 'pending',
              open: 1,
              notBefore: s.notBefore,
              lastError: s.error ?? row.lastError,
            });
            applied += 1;
            continue;
          }
          // dead
          const seq = row.seq;
          const later =
            seq === null
              ? []
              : await this.items
                  .where('[partition+seq]')
                  .between([row.partition, seq + 1], [row.partition, MAX])
                  .toArray();
          // a request-level refusal never reached the server's sequence: give the number back (only
          // while nothing after it in the partition was acknowledged or dead-lettered)
          const release = s.source === 'request' && seq !== null && later.every((r) => r.open === 1);
          await this.items.put({
            ...cleared(row),
            state: 'dead',
            open: 0,
            seq: release ? null : seq,
            dead: { at: now, code: s.code, message: s.message, source: s.source, seq: seq ?? 0 },
            lastError: s.code,
          });
          const part = await parts.get(row.partition);
          part.openBytes -= row.bytes;
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
        const rows = await this.items.where('[partition+seq]').between([partition, fromSeq], [partition, MAX]).toArray();
        const changed = rows.filter((row) => row.state !== 'pending');
        const reopenedBytes = changed.reduce((sum, row) => sum + (row.open === 1 ? 0 : row.bytes), 0);
        await this.items.bulkPut(changed.map((row): ItemRow => ({ ...cleared(row), state: 'pending', open: 1, notBefore: 0 })));
        if (reopenedBytes > 0) {
          const current = part ?? newPartition(partition);
          await this.partitions.put({ ...current, openBytes: current.openBytes + reopenedBytes });
        }
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
        const part = await this.partitions.get(partition);
        const rows = await this.items.where('[partition+seq]').between([partition, MIN], [partition, MAX]).toArray();
        const used = rows.reduce((max, row) => (row.open === 0 ? Math.max(max, row.seq ?? 0) : max), part?.prunedThrough ?? 0);
        if (nextSeq <= used) {
          throw new ValidationError(
            ErrorCode.VALIDATION_FAILED,
            `Cannot renumber partition "${partition}" from ${nextSeq}: its acknowledged or dead items already hold numbers up to ${used}. Give a number above ${used}.`,
          );
        }
        const open = rows.filter((row) => row.open === 1);
        await this.items.bulkPut(open.map((row, i) => ({ ...row, seq: nextSeq + i })));
        // no `blocked`: a rebase clears a block
        await this.partitions.put({
          partition,
          nextSeq: nextSeq + open.length,
          prunedThrough: part?.prunedThrough ?? 0,
          openBytes: part?.openBytes ?? 0,
        });
      }),
    );
  }

  async stats(now: number): Promise<StoreStats> {
    const at = parseNow(now);
    return this.run('counting items', () =>
      this.db.transaction('r', [this.items, this.partitions], async (): Promise<StoreStats> => {
        // counts from indexes and per-partition totals: no read of the whole queue, which would hold
        // back the commits of sales behind this transaction
        const [partitions, open, inFlight, dead, acked, oldest] = await Promise.all([
          this.partitions.toArray(),
          this.items.where('[open+order]').between([1, MIN], [1, MAX]).count(),
          this.inState('in-flight').toArray(),
          this.inState('dead').count(),
          this.inState('acked').count(),
          this.items.where('[open+createdAt]').between([1, MIN], [1, MAX]).first(),
        ]);
        const live = inFlight.filter((row) => holds(row.lease, at)).length;
        return {
          pending: open - live,
          inFlight: live,
          dead,
          acked,
          oldestOpenAt: oldest?.createdAt,
          openBytes: partitions.reduce((sum, p) => sum + p.openBytes, 0),
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
      let collection =
        q.state === 'all'
          ? this.items.orderBy('order')
          : q.state === 'open'
            ? this.items.where('[open+order]').between([1, MIN], [1, MAX])
            : this.inState(q.state);
      if (q.partition !== undefined) {
        const partition = q.partition;
        collection = collection.filter((row) => row.partition === partition);
      }
      return (await collection.offset(q.offset).limit(q.limit).toArray()).map((row) => toItem(row));
    });
  }

  async retryDeadLetters(input: { keys: readonly string[] | 'all'; now: number }): Promise<number> {
    const { keys } = parseRetryDeadLetters(input);
    return this.run('retrying dead letters', () =>
      this.db.transaction('rw', [this.items, this.partitions], async () => {
        let rows: ItemRow[];
        if (keys === 'all') rows = await this.inState('dead').toArray();
        else {
          const unique = [...new Set(keys)];
          rows = (await this.items.bulkGet(unique)).filter((row): row is ItemRow => row?.state === 'dead');
        }
        const parts = new PartitionCache(this.partitions);
        const revived: ItemRow[] = [];
        for (const row of rows) {
          const part = await parts.get(row.partition);
          revived.push({ ...cleared(row), state: 'pending', open: 1, seq: part.nextSeq, attempts: 0, notBefore: 0 });
          part.nextSeq += 1;
          part.openBytes += row.bytes;
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
        const through = new Map<string, number>();
        for (const row of rows) {
          if (row.seq !== null) through.set(row.partition, Math.max(through.get(row.partition) ?? 0, row.seq));
        }
        await this.items.bulkDelete(rows.map((row) => row.key));
        const names = [...through.keys()];
        const parts = await this.partitions.bulkGet(names);
        await this.partitions.bulkPut(
          parts.flatMap((part, i) =>
            part === undefined ? [] : [{ ...part, prunedThrough: Math.max(part.prunedThrough, through.get(names[i]!) ?? 0) }],
          ),
        );
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
  return { partition, nextSeq: 1, prunedThrough: 0, openBytes: 0 };
}

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
