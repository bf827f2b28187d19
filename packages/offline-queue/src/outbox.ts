import { ErrorCode, parseInput, StateError, TillkitError, uuidv7 } from '@tillkit/core';
import { BehaviorSubject, distinctUntilChanged, Observable, Subject, type Subscription } from 'rxjs';
import { z } from 'zod';
import { retryDelay } from './backoff';
import { createEndpointSelector, type Endpoint, type EndpointSelector, type SelectorHealth } from './endpoint-selector';
import { classifyItemResult, classifyOutcome, type DeliveryOutcome } from './error-taxonomy';
import { OutboxErrorCode, storageError } from './errors';
import { createLeaseLock, createWebLocksLock, webLocks, type FlusherLock, type Leadership } from './flusher-lock';
import { isName, nameSchema, type JsonValue, type OutboxItem, type RecordWrite } from './item';
import { parseOutboxOptions, type OutboxOptions, type ResolvedOutboxOptions } from './outbox-options';
import type { OutboxStore, Settlement, StoreInfo } from './store';
import { anySignal, sleep, unref } from './timers';
import type { KeyedItemResult, SendResult } from './transport';

/** What the application enqueues: a payload, and optionally its key, partition and type. */
export interface EnqueueInput {
  payload: JsonValue;
  /** the idempotency key (for a sale, its transaction id); default a new UUIDv7 */
  key?: string;
  /** default the outbox's deviceId */
  partition?: string;
  /** a label for the payload, such as 'sale' or 'return'; default 'item' */
  type?: string;
}

export type OutboxRole = 'flusher' | 'standby' | 'stopped';

/** Queue metrics (bar item 10). */
export interface OutboxMetrics {
  at: number;
  /** items not yet acknowledged nor dead: pending plus in flight */
  depth: number;
  pending: number;
  inFlight: number;
  deadLetters: number;
  /** age of the oldest item not yet acknowledged */
  oldestItemAgeMs: number | undefined;
  /** payload bytes not yet acknowledged */
  bytes: number;
  /** partitions stopped until an operator acts (see events$ 'partition-blocked') */
  blockedPartitions: number;
  /** the last acknowledged batch of this outbox instance */
  lastSuccessAt: number | undefined;
  lastAttemptAt: number | undefined;
  lastError: string | undefined;
  /** when delivery tries again while backing off */
  retryAt: number | undefined;
  endpoint: string;
  role: OutboxRole;
  auth: 'ok' | 'refreshing' | 'failing';
}

/** Storage health (bar item 10). */
export interface StorageHealth {
  at: number;
  backend: string;
  storeId: string;
  /** storage is kept under pressure (always on Node; asked for with persist() in browsers); undefined: unknown */
  persisted: boolean | undefined;
  usage: number | undefined;
  quota: number | undefined;
  /** 'warn' at warnRatio of the quota, 'blocked' at blockRatio: enqueue is then refused with STORAGE_FULL */
  level: 'ok' | 'warn' | 'blocked' | 'unknown';
  /** connections the platform closed and the store reopened */
  reopened: number;
  lastError: string | undefined;
  /**
   * Partitions where the server already holds sequence numbers this store issued again: the local
   * store was wiped, or restored from an old copy, or another till uses the same device id.
   * Delivery of those partitions waits for `rebasePartition` (after checking which is the case).
   */
  sequenceBehindServer: readonly { partition: string; serverExpects: number; localSeq: number }[];
}

export type OutboxEvent =
  | { type: 'delivered'; at: number; endpointId: string; applied: readonly string[]; duplicates: readonly string[] }
  | {
      type: 'dead-lettered';
      at: number;
      key: string;
      partition: string;
      code: string;
      message: string | undefined;
      source: 'item' | 'request';
    }
  | { type: 'retry-scheduled'; at: number; endpointId: string; reason: string; delayMs: number; attempt: number }
  | { type: 'endpoint-switched'; at: number; from: string; to: string; reason: 'failover' | 'fail-back' }
  | { type: 'rewound'; at: number; partition: string; fromSeq: number; rewound: number }
  | { type: 'partition-blocked'; at: number; partition: string; code: string; message: string }
  | { type: 'auth-refreshed'; at: number; endpointId: string }
  | { type: 'auth-failed'; at: number; endpointId: string; error: string }
  | { type: 'role-changed'; at: number; role: OutboxRole }
  | { type: 'error'; at: number; error: string };

export interface FlushReport {
  /** false when another process or tab is the flusher: it was asked to flush instead */
  flusher: boolean;
  /** items acknowledged during this flush */
  delivered: number;
  deadLettered: number;
  /** items still waiting when the flush ended */
  remaining: number;
  /** set when the flush ended because delivery is backing off, or every endpoint is down */
  waitingUntil: number | undefined;
}

export interface Outbox {
  /**
   * Writes one item (and its companion records) in one durable transaction; resolves once it is on
   * stable storage. Never waits for the network. An item with a key already stored with the same
   * payload resolves with the stored item (a safe replay). Throws ValidationError for bad input,
   * StorageError STORAGE_FULL when storage is at its block threshold.
   */
  enqueue(input: EnqueueInput, options?: { records?: readonly RecordWrite[] }): Promise<OutboxItem>;
  /** Several items in one durable transaction (all or none). */
  enqueueAll(inputs: readonly EnqueueInput[], options?: { records?: readonly RecordWrite[] }): Promise<OutboxItem[]>;
  /** Joins the flusher election; while this outbox holds the role it delivers, probes and prunes. */
  start(): void;
  /** Stops delivery and gives the role up. Items in flight return to pending when their lease runs out. */
  stop(): Promise<void>;
  /** Delivers now until nothing is due, or until delivery has to wait (backoff, every endpoint down). */
  flush(): Promise<FlushReport>;
  readonly metrics$: Observable<OutboxMetrics>;
  readonly endpoints$: Observable<SelectorHealth>;
  readonly storage$: Observable<StorageHealth>;
  readonly events$: Observable<OutboxEvent>;
  readonly role$: Observable<OutboxRole>;
  /** A view of what is queued (pending and in flight by default), in enqueue order. */
  items(query?: Parameters<OutboxStore['listItems']>[0]): Promise<OutboxItem[]>;
  readonly deadLetters: {
    list(): Promise<OutboxItem[]>;
    /** Sends dead letters again, at the end of their partitions. Returns how many. Throws RETRY_NOT_ALLOWED when the outbox was created with deadLetterRetry: false. */
    retry(keys: readonly string[] | 'all'): Promise<number>;
    /** Every dead letter as JSON lines, for an operator or a support ticket. */
    export(): Promise<string>;
  };
  /** Continues a partition from `nextSeq` (after a wiped or replaced store), renumbering its waiting items. */
  rebasePartition(partition: string, nextSeq: number): Promise<void>;
  /** Stops and completes every stream. The store stays open: it belongs to the application. */
  close(): Promise<void>;
}

// strict: a misspelt field (`typ`, `partiton`) is an error, not a silently defaulted value
const enqueueSchema = z.strictObject({
  payload: z.unknown(),
  key: nameSchema.optional(),
  partition: nameSchema.optional(),
  type: nameSchema.optional(),
});

const enqueueListSchema = z.array(enqueueSchema).min(1, 'enqueue at least one item');

const optionalName = (value: unknown) => value === undefined || isName(value);
const ENQUEUE_FIELDS = new Set(['payload', 'key', 'partition', 'type']);

function onlyKnownFields(input: object): boolean {
  for (const field in input) if (!ENQUEUE_FIELDS.has(field)) return false;
  return true;
}

/** True when enqueueListSchema would accept `inputs` unchanged (the hot path skips zod). */
function enqueueIsPlain(inputs: unknown): inputs is readonly EnqueueInput[] {
  if (!Array.isArray(inputs) || inputs.length === 0) return false;
  return (inputs as unknown[]).every(
    (input) =>
      typeof input === 'object' &&
      input !== null &&
      !Array.isArray(input) &&
      onlyKnownFields(input) &&
      optionalName((input as EnqueueInput).key) &&
      optionalName((input as EnqueueInput).partition) &&
      optionalName((input as EnqueueInput).type),
  );
}

interface Backoff {
  endpointId: string;
  attempt: number;
  until: number;
}

/** What one delivery round did. */
type Round = { kind: 'idle' } | { kind: 'wait'; until: number } | { kind: 'sent' } | { kind: 'retry' };

const BROADCAST_PREFIX = 'tillkit-outbox:';

function message(error: unknown): string {
  return TillkitError.isInstance(error)
    ? `${error.code}: ${error.message}`
    : error instanceof Error
      ? error.message
      : String(error);
}

/**
 * The outbox: a durable queue of till items delivered in order, exactly once in effect, with
 * failover between endpoints. See the package README for the whole picture.
 * Throws ValidationError (VALIDATION_FAILED) for bad options.
 */
export function createOutbox(options: OutboxOptions): Outbox {
  return new OutboxImpl(parseOutboxOptions(options));
}

class OutboxImpl implements Outbox {
  private readonly store: OutboxStore;
  private readonly selector: EndpointSelector;
  private readonly id: string;
  private readonly lock: FlusherLock;
  private readonly metrics = new BehaviorSubject<OutboxMetrics | undefined>(undefined);
  private readonly storage = new BehaviorSubject<StorageHealth | undefined>(undefined);
  private readonly events = new Subject<OutboxEvent>();
  private readonly role = new BehaviorSubject<OutboxRole>('stopped');
  private readonly subscriptions: Subscription[] = [];
  private readonly channel: BroadcastChannel | undefined;
  /** the page is frozen (Page Lifecycle): ignore wake-ups until it resumes */
  private frozen = false;
  private readonly detach: (() => void)[] = [];
  private run: { stop: AbortController; done: Promise<void> } | undefined;
  private wake: AbortController = new AbortController();
  private backoff: Backoff | undefined;
  private isolate = false;
  /** consecutive answered batches that still left items behind (gaps, missing results) */
  private partialRounds = 0;
  private authState: OutboxMetrics['auth'] = 'ok';
  private authRetries = 0;
  private lastSuccessAt: number | undefined;
  private lastAttemptAt: number | undefined;
  private lastError: string | undefined;
  private lastPruneAt = 0;
  private storeInfo: StoreInfo | undefined;
  private storageLevel: StorageHealth['level'] = 'unknown';
  private persisted: boolean | undefined;
  private readonly behind = new Map<string, { partition: string; serverExpects: number; localSeq: number }>();
  private metricsRefresh: Promise<void> | undefined;
  private metricsDirty = false;
  private flushWaiters: { resolve: () => void; after: number }[] = [];
  private closed = false;
  private counters = { delivered: 0, deadLettered: 0 };
  /** delivery rounds started; a flush waits for a round that started after it was asked for */
  private round = 0;
  private lastMetricsAt = 0;
  private metricsTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly opts: ResolvedOutboxOptions) {
    this.store = opts.store;
    this.id = opts.instanceId ?? uuidv7({ now: opts.clock.now() });
    this.selector = createEndpointSelector({
      endpoints: opts.endpoints,
      clock: opts.clock,
      ...(opts.failover.breaker === undefined ? {} : { breaker: opts.failover.breaker }),
      ...(opts.failover.minSwitchIntervalMs === undefined ? {} : { minSwitchIntervalMs: opts.failover.minSwitchIntervalMs }),
      ...(opts.failover.failBackAfterMs === undefined ? {} : { failBackAfterMs: opts.failover.failBackAfterMs }),
    });
    this.lock = opts.lock ?? this.defaultLock();
    this.subscriptions.push(
      this.selector.switches$.subscribe((s) => {
        this.emit({ type: 'endpoint-switched', at: s.at, from: s.from, to: s.to, reason: s.reason });
        this.backoff = undefined;
        this.kick();
      }),
      this.selector.flushNow$.subscribe(({ endpointId }) => {
        if (this.backoff?.endpointId === endpointId) this.backoff = undefined;
        this.kick();
      }),
    );
    // tabs of one browser tell the flusher tab about new items at once; processes on Node poll
    const Channel = (globalThis as { BroadcastChannel?: typeof BroadcastChannel }).BroadcastChannel;
    this.channel =
      Channel === undefined || webLocks() === undefined ? undefined : new Channel(`${BROADCAST_PREFIX}${opts.deviceId}`);
    if (this.channel !== undefined) {
      // Chromium delivers channel messages to a frozen tab but runs none of its IndexedDB callbacks:
      // a frozen tab that woke up to claim would hold a transaction open and stall every other tab
      this.channel.onmessage = () => {
        if (!this.frozen) this.kick();
      };
      unref(this.channel);
      const doc = (globalThis as { document?: EventTarget }).document;
      if (doc !== undefined && typeof doc.addEventListener === 'function') {
        const onFreeze = () => {
          this.frozen = true;
        };
        const onResume = () => {
          this.frozen = false;
          this.kick();
        };
        doc.addEventListener('freeze', onFreeze);
        doc.addEventListener('resume', onResume);
        this.detach.push(() => {
          doc.removeEventListener('freeze', onFreeze);
          doc.removeEventListener('resume', onResume);
        });
      }
    }
  }

  private defaultLock(): FlusherLock {
    const base = { store: this.store, owner: this.id, clock: this.opts.clock };
    if (webLocks() !== undefined) return createWebLocksLock(base);
    const processLease = (this.store as { processLease?: Parameters<typeof createLeaseLock>[0]['processLease'] }).processLease;
    return createLeaseLock({ ...base, ...(processLease === undefined ? {} : { processLease }) });
  }

  // -- streams --------------------------------------------------------------------------------

  get metrics$(): Observable<OutboxMetrics> {
    this.refreshMetrics();
    return new Observable<OutboxMetrics>((subscriber) =>
      this.metrics.subscribe({
        next: (m) => {
          if (m !== undefined) subscriber.next(m);
        },
        complete: () => subscriber.complete(),
      }),
    );
  }

  get storage$(): Observable<StorageHealth> {
    void this.checkStorage();
    return new Observable<StorageHealth>((subscriber) =>
      this.storage.subscribe({
        next: (s) => {
          if (s !== undefined) subscriber.next(s);
        },
        complete: () => subscriber.complete(),
      }),
    );
  }

  get endpoints$(): Observable<SelectorHealth> {
    return this.selector.health$;
  }

  get events$(): Observable<OutboxEvent> {
    return this.events.asObservable();
  }

  get role$(): Observable<OutboxRole> {
    return this.role.pipe(distinctUntilChanged());
  }

  private emit(event: OutboxEvent): void {
    this.events.next(event);
  }

  private setRole(role: OutboxRole): void {
    if (this.role.value === role) return;
    this.role.next(role);
    this.emit({ type: 'role-changed', at: this.opts.clock.now(), role });
    this.refreshMetrics();
  }

  // -- enqueue --------------------------------------------------------------------------------

  async enqueue(input: EnqueueInput, options?: { records?: readonly RecordWrite[] }): Promise<OutboxItem> {
    const [item] = await this.enqueueAll([input], options);
    return item!;
  }

  async enqueueAll(inputs: readonly EnqueueInput[], options: { records?: readonly RecordWrite[] } = {}): Promise<OutboxItem[]> {
    this.assertOpen();
    const parsed = enqueueIsPlain(inputs) ? inputs : parseInput(enqueueListSchema, inputs, 'enqueue input');
    if (this.storageLevel === 'unknown') await this.checkStorage();
    if (this.storageLevel === 'blocked') {
      const health = this.storage.value;
      throw storageError(
        OutboxErrorCode.STORAGE_FULL,
        `Storage is ${health?.usage ?? '?'} of ${health?.quota ?? '?'} bytes, above the block threshold (${Math.round(
          this.opts.storage.blockRatio * 100,
        )}%): the item was not written. Free space (or let the queue drain) before taking more sales.`,
        { details: { usage: health?.usage, quota: health?.quota } },
      );
    }
    const now = this.opts.clock.now();
    const items = parsed.map((input) => ({
      key: input.key ?? uuidv7({ now }),
      partition: input.partition ?? this.opts.deviceId,
      type: input.type ?? 'item',
      payload: input.payload as JsonValue,
    }));
    const stored = await this.store.commit({ items, records: options.records ?? [], now });
    this.kick();
    // another tab may be the flusher: tell it (the flusher itself needs no message)
    if (this.role.value !== 'flusher') this.channel?.postMessage('enqueued');
    this.refreshMetrics();
    return stored;
  }

  // -- role and loop --------------------------------------------------------------------------

  start(): void {
    this.assertOpen();
    if (this.run !== undefined) return;
    const stop = new AbortController();
    this.setRole('standby');
    const done = this.runLoop(stop.signal).catch((error: unknown) => {
      this.lastError = message(error);
      this.emit({ type: 'error', at: this.opts.clock.now(), error: this.lastError });
    });
    this.run = { stop, done };
    // keeps a Node process alive while the outbox runs, like a listening server (stop() or close() ends it)
    const ticker = setInterval(() => {
      this.refreshMetrics();
    }, 1000);
    const storageTicker = setInterval(() => {
      void this.checkStorage();
    }, this.opts.storage.checkIntervalMs);
    unref(storageTicker);
    stop.signal.addEventListener('abort', () => {
      clearInterval(ticker);
      clearInterval(storageTicker);
    });
    void this.checkStorage();
    if (this.opts.storage.requestPersistence) {
      void this.store
        .requestPersistence()
        .then((persisted) => {
          this.persisted = persisted;
          return this.checkStorage();
        })
        .catch(() => undefined);
    }
  }

  async stop(): Promise<void> {
    const run = this.run;
    if (run === undefined) return;
    this.run = undefined;
    run.stop.abort();
    this.kick();
    await run.done;
    this.setRole('stopped');
    this.releaseFlushWaiters();
  }

  private async runLoop(stop: AbortSignal): Promise<void> {
    while (!stop.aborted) {
      let leadership: Leadership;
      try {
        leadership = await this.lock.acquire(stop);
      } catch {
        return; // stopped while waiting
      }
      this.setRole('flusher');
      await this.releaseOrphans().catch((error: unknown) => {
        this.lastError = message(error);
        this.emit({ type: 'error', at: this.opts.clock.now(), error: this.lastError });
      });
      const probes = this.startProbes(anySignal([stop, leadership.lost]));
      try {
        await this.deliveryLoop(anySignal([stop, leadership.lost]));
      } finally {
        probes.abort();
        await leadership.release();
        if (!stop.aborted) this.setRole('standby');
      }
    }
  }

  /**
   * Only the flusher leases items, so items another owner still holds under a live lease belong to
   * a flusher that is gone (killed, frozen, or its tab closed): send them again now rather than
   * wait out their lease. If that flusher was only slow, the server answers `duplicate`.
   */
  private async releaseOrphans(): Promise<void> {
    const now = this.opts.clock.now();
    const byLease = new Map<string, OutboxItem[]>();
    for (const item of await this.store.listItems({ state: 'in-flight', limit: 100_000 })) {
      if (item.lease === undefined || item.lease.owner === this.id) continue;
      byLease.set(item.lease.id, [...(byLease.get(item.lease.id) ?? []), item]);
    }
    for (const [leaseId, items] of byLease) {
      const owner = items[0]!.lease!.owner;
      await this.store.settle({
        leaseId,
        now,
        settlements: items.map((i) => ({
          key: i.key,
          outcome: 'retry' as const,
          notBefore: 0,
          error: `its flusher ${owner} is gone`,
        })),
      });
    }
  }

  private kick(): void {
    this.wake.abort();
  }

  private async deliveryLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      this.wake = new AbortController();
      const round = ++this.round;
      let result: Round;
      try {
        result = await this.deliverRound(signal);
        await this.maybePrune();
      } catch (error) {
        // a store failure: keep the role, wait a little, try again
        this.lastError = message(error);
        this.emit({ type: 'error', at: this.opts.clock.now(), error: this.lastError });
        result = { kind: 'wait', until: this.opts.clock.now() + this.opts.backoff.baseMs };
      }
      this.refreshMetrics();
      if (result.kind === 'sent' || result.kind === 'retry') continue; // claim again: more may be due now
      this.releaseFlushWaiters(round);
      const wait = result.kind === 'wait' ? Math.max(0, result.until - this.opts.clock.now()) : this.opts.pollIntervalMs;
      await sleep(wait, anySignal([signal, this.wake.signal]));
    }
  }

  // -- one round: claim, send, settle ---------------------------------------------------------

  private async deliverRound(signal: AbortSignal): Promise<Round> {
    const { clock } = this.opts;
    const now = clock.now();
    const endpoint = this.selector.current();
    if (this.backoff !== undefined && this.backoff.endpointId === endpoint.id && now < this.backoff.until) {
      return { kind: 'wait', until: this.backoff.until };
    }
    if (this.selector.stateOf(endpoint.id) === 'open') {
      const openMs = this.opts.failover.breaker?.openMs ?? 30_000;
      return { kind: 'wait', until: now + Math.min(openMs, this.opts.pollIntervalMs * 5) };
    }
    const claim = await this.store.claim({
      owner: this.id,
      now,
      leaseMs: this.opts.leaseMs,
      maxItems: this.isolate ? 1 : this.opts.batch.maxItems,
      maxBytes: this.opts.batch.maxBytes,
      horizonMs: this.opts.maxRetryAfterMs + this.opts.backoff.capMs,
    });
    if (claim.items.length === 0) return { kind: 'idle' };
    this.lastAttemptAt = now;
    const isolated = this.isolate;
    const result = await this.send(endpoint, claim.items, signal);
    const at = clock.now();
    if (signal.aborted && result.kind === 'failed') {
      // stopped mid-send: not the endpoint's fault; the items are sent again by whoever flushes next
      await this.store.settle({
        leaseId: claim.leaseId,
        now: at,
        settlements: claim.items.map((i) => ({ key: i.key, outcome: 'retry' as const, notBefore: 0 })),
      });
      return { kind: 'idle' };
    }
    if (result.kind === 'results') return this.settleResults(endpoint, claim.leaseId, claim.items, result.results, at, isolated);
    return this.settleFailure(endpoint, claim.leaseId, claim.items, result.outcome, result.detail, at);
  }

  private async send(endpoint: Endpoint, items: readonly OutboxItem[], stop: AbortSignal): Promise<SendResult> {
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new DOMException('send timed out', 'TimeoutError')), this.opts.sendTimeoutMs);
    unref(timer);
    try {
      const result = await this.opts.transport.send({ endpoint, items, signal: anySignal([timeout.signal, stop]) });
      if (timeout.signal.aborted && result.kind === 'failed') return { kind: 'failed', outcome: { kind: 'timeout' } };
      return result;
    } catch (error) {
      if (timeout.signal.aborted) return { kind: 'failed', outcome: { kind: 'timeout' } };
      return { kind: 'failed', outcome: { kind: 'network', code: 'TRANSPORT_ERROR' }, detail: message(error) };
    } finally {
      clearTimeout(timer);
    }
  }

  private itemRetryAt(item: OutboxItem, at: number, retryAfterMs?: number): number {
    const delay = retryDelay({
      attempt: Math.min(Math.max(0, item.attempts - 1), 30),
      baseMs: this.opts.backoff.baseMs,
      capMs: this.opts.backoff.capMs,
      maxRetryAfterMs: this.opts.maxRetryAfterMs,
      random: this.opts.random,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
    return at + delay;
  }

  private async settleResults(
    endpoint: Endpoint,
    leaseId: string,
    items: readonly OutboxItem[],
    results: readonly KeyedItemResult[],
    at: number,
    isolated: boolean,
  ): Promise<Round> {
    this.selector.report(endpoint.id, 'success');
    this.backoff = undefined;
    this.authRetries = 0;
    this.authState = 'ok';
    if (isolated) this.isolate = false;
    const byKey = new Map<string, KeyedItemResult>();
    for (const r of results) if (!byKey.has(r.key)) byKey.set(r.key, r);
    const settlements: Settlement[] = [];
    const applied: string[] = [];
    const duplicates: string[] = [];
    const dead: OutboxItem[] = [];
    const deadInfo = new Map<string, { code: string; message: string | undefined }>();
    const gaps = new Map<string, { item: OutboxItem; expectedSeq: number }>();
    let unanswered = 0;
    for (const item of items) {
      const result = byKey.get(item.key);
      if (result === undefined) {
        unanswered++;
        settlements.push({
          key: item.key,
          outcome: 'retry',
          notBefore: this.itemRetryAt(item, at),
          error: 'no result for this item in the answer',
        });
        continue;
      }
      let action;
      try {
        action = classifyItemResult(result);
      } catch (error) {
        settlements.push({ key: item.key, outcome: 'retry', notBefore: this.itemRetryAt(item, at), error: message(error) });
        continue;
      }
      switch (action.action) {
        case 'acknowledged':
          (action.duplicate ? duplicates : applied).push(item.key);
          settlements.push({
            key: item.key,
            outcome: 'acked',
            result: action.duplicate ? 'duplicate' : 'applied',
            endpointId: endpoint.id,
          });
          break;
        case 'dead-letter':
          dead.push(item);
          deadInfo.set(item.key, { code: action.code, message: action.message });
          settlements.push({ key: item.key, outcome: 'dead', code: action.code, message: action.message, source: 'item' });
          break;
        case 'retry':
          settlements.push({
            key: item.key,
            outcome: 'retry',
            notBefore: this.itemRetryAt(item, at, action.retryAfterMs),
            error: `the server asked to retry after ${action.retryAfterMs} ms`,
          });
          break;
        case 'rewind':
          if (!gaps.has(item.partition)) gaps.set(item.partition, { item, expectedSeq: action.toSeq });
          settlements.push({
            key: item.key,
            outcome: 'retry',
            notBefore: 0,
            error: `the server expects sequence ${action.toSeq}`,
          });
          break;
      }
    }
    await this.store.settle({ leaseId, now: at, settlements });
    this.lastSuccessAt = at;
    this.counters.delivered += applied.length + duplicates.length;
    this.counters.deadLettered += dead.length;
    if (applied.length + duplicates.length > 0) {
      this.emit({ type: 'delivered', at, endpointId: endpoint.id, applied, duplicates });
    }
    for (const item of dead) {
      const info = deadInfo.get(item.key)!;
      this.emit({
        type: 'dead-lettered',
        at,
        key: item.key,
        partition: item.partition,
        code: info.code,
        message: info.message,
        source: 'item',
      });
    }
    for (const { item, expectedSeq } of gaps.values()) await this.handleGap(item, expectedSeq, at);
    if (gaps.size > 0 || unanswered > 0) {
      // the server did not take everything: wait a little longer each time rather than spin
      this.partialRounds++;
      this.scheduleRetry(
        endpoint,
        this.partialRounds - 1,
        undefined,
        gaps.size > 0 ? 'sequence gap' : 'items without a result',
        at,
        false,
      );
    } else {
      this.partialRounds = 0;
    }
    return { kind: 'sent' };
  }

  private async handleGap(item: OutboxItem, expectedSeq: number, at: number): Promise<void> {
    const seq = item.seq ?? 0;
    if (expectedSeq < seq) {
      const result = await this.store.rewind({ partition: item.partition, fromSeq: expectedSeq, now: at });
      if (result.ok) {
        this.emit({ type: 'rewound', at, partition: item.partition, fromSeq: expectedSeq, rewound: result.rewound });
      } else {
        this.emit({
          type: 'partition-blocked',
          at,
          partition: item.partition,
          code: result.code,
          message: `The server lost items from sequence ${expectedSeq}, but this till pruned them up to ${result.prunedThrough} after they were acknowledged.`,
        });
      }
    } else if (expectedSeq > seq) {
      const text = `The server already holds sequence ${seq} of partition "${item.partition}" from another item and expects ${expectedSeq}: this store was wiped or restored from an old copy, or another till uses the same device id. Check, then call rebasePartition("${item.partition}", ${expectedSeq}).`;
      await this.store.blockPartition({ partition: item.partition, code: 'SEQUENCE_BEHIND_SERVER', message: text, now: at });
      this.behind.set(item.partition, { partition: item.partition, serverExpects: expectedSeq, localSeq: seq });
      this.emit({ type: 'partition-blocked', at, partition: item.partition, code: 'SEQUENCE_BEHIND_SERVER', message: text });
      void this.checkStorage();
    }
  }

  private scheduleRetry(
    endpoint: Endpoint,
    attempt: number,
    retryAfterMs: number | undefined,
    reason: string,
    at: number,
    report: boolean,
  ): void {
    if (report) this.selector.report(endpoint.id, 'failure');
    const delayMs = retryDelay({
      attempt: Math.min(attempt, 30),
      baseMs: this.opts.backoff.baseMs,
      capMs: this.opts.backoff.capMs,
      maxRetryAfterMs: this.opts.maxRetryAfterMs,
      random: this.opts.random,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
    this.backoff = { endpointId: endpoint.id, attempt, until: at + delayMs };
    this.emit({ type: 'retry-scheduled', at, endpointId: endpoint.id, reason, delayMs, attempt });
  }

  private async settleFailure(
    endpoint: Endpoint,
    leaseId: string,
    items: readonly OutboxItem[],
    outcome: DeliveryOutcome,
    detail: string | undefined,
    at: number,
  ): Promise<Round> {
    const action = classifyOutcome(outcome, at);
    const describe =
      outcome.kind === 'http'
        ? `HTTP ${outcome.status}`
        : outcome.kind === 'timeout'
          ? 'timed out'
          : `network error ${outcome.code ?? ''}`.trim();
    const error = `${endpoint.id}: ${describe}${detail === undefined ? '' : ` (${detail})`}`;
    this.lastError = error;
    const release = (notBefore = 0) =>
      this.store.settle({
        leaseId,
        now: at,
        settlements: items.map((i) => ({ key: i.key, outcome: 'retry' as const, notBefore, error })),
      });
    switch (action.action) {
      case 'retry':
      case 'acknowledged': {
        await release();
        const attempt = this.backoff?.endpointId === endpoint.id ? this.backoff.attempt + 1 : 0;
        this.scheduleRetry(endpoint, attempt, action.action === 'retry' ? action.retryAfterMs : undefined, describe, at, true);
        return { kind: 'wait', until: this.backoff!.until };
      }
      case 'refresh-auth': {
        await release();
        this.authRetries++;
        const refresh = this.opts.auth;
        if (refresh !== undefined) {
          this.authState = 'refreshing';
          try {
            await refresh.refresh(endpoint);
            this.emit({ type: 'auth-refreshed', at: this.opts.clock.now(), endpointId: endpoint.id });
          } catch (e) {
            this.authState = 'failing';
            this.emit({ type: 'auth-failed', at: this.opts.clock.now(), endpointId: endpoint.id, error: message(e) });
          }
        } else {
          this.authState = 'failing';
        }
        if (this.authRetries === 1 && this.authState !== 'failing') return { kind: 'retry' };
        this.authState = 'failing';
        this.scheduleRetry(endpoint, this.authRetries - 2, undefined, describe, at, false);
        return { kind: 'wait', until: this.backoff!.until };
      }
      case 'dead-letter': {
        if (items.length > 1) {
          // one of these items makes the server refuse the whole request: send them one by one
          await release();
          this.isolate = true;
          return { kind: 'retry' };
        }
        const item = items[0]!;
        this.isolate = false;
        await this.store.settle({
          leaseId,
          now: at,
          settlements: [{ key: item.key, outcome: 'dead', code: action.code, message: error, source: 'request' }],
        });
        this.counters.deadLettered++;
        this.emit({
          type: 'dead-lettered',
          at,
          key: item.key,
          partition: item.partition,
          code: action.code,
          message: error,
          source: 'request',
        });
        return { kind: 'sent' };
      }
    }
  }

  // -- probes, pruning, metrics, storage ------------------------------------------------------

  private startProbes(signal: AbortSignal): AbortController {
    const controller = new AbortController();
    const probe = this.opts.transport.probe?.bind(this.opts.transport);
    if (probe === undefined || this.opts.probeIntervalMs === 0) return controller;
    const stop = anySignal([signal, controller.signal]);
    void (async () => {
      while (!stop.aborted) {
        await Promise.all(
          this.opts.endpoints.map(async (endpoint) => {
            const timeout = new AbortController();
            const timer = setTimeout(() => timeout.abort(), Math.min(this.opts.sendTimeoutMs, this.opts.probeIntervalMs));
            unref(timer);
            const healthy = await probe({ endpoint, signal: anySignal([timeout.signal, stop]) })
              .catch(() => false)
              .finally(() => clearTimeout(timer));
            if (!stop.aborted) this.selector.probeResult(endpoint.id, healthy);
          }),
        );
        await sleep(this.opts.probeIntervalMs, stop);
      }
    })();
    return controller;
  }

  private async maybePrune(): Promise<void> {
    const now = this.opts.clock.now();
    if (now - this.lastPruneAt < 60_000 || now < this.lastPruneAt) return;
    this.lastPruneAt = now;
    await this.store.pruneAcked({ before: Math.max(0, now - this.opts.retainAckedMs), limit: 1000 });
  }

  /**
   * Asks for fresh metrics: the store is counted at most once every 250 ms (a burst of enqueues
   * costs one count, and counting never holds up commits back to back), and the last request is
   * always honoured.
   */
  private refreshMetrics(): void {
    if (this.closed) return;
    if (this.metricsRefresh !== undefined || this.metricsTimer !== undefined) {
      this.metricsDirty = true;
      return;
    }
    const wait = this.lastMetricsAt + 250 - Date.now();
    if (wait > 0 && wait <= 250) {
      this.metricsTimer = setTimeout(() => {
        this.metricsTimer = undefined;
        this.countMetrics();
      }, wait);
      unref(this.metricsTimer);
      return;
    }
    this.countMetrics();
  }

  private countMetrics(): void {
    this.lastMetricsAt = Date.now();
    this.metricsDirty = false;
    this.metricsRefresh = (async () => {
      try {
        const now = this.opts.clock.now();
        const stats = await this.store.stats(now);
        this.metrics.next({
          at: now,
          depth: stats.pending + stats.inFlight,
          pending: stats.pending,
          inFlight: stats.inFlight,
          deadLetters: stats.dead,
          oldestItemAgeMs: stats.oldestOpenAt === undefined ? undefined : Math.max(0, now - stats.oldestOpenAt),
          bytes: stats.openBytes,
          blockedPartitions: stats.blockedPartitions,
          lastSuccessAt: this.lastSuccessAt,
          lastAttemptAt: this.lastAttemptAt,
          lastError: this.lastError,
          retryAt: this.backoff?.until,
          endpoint: this.selector.current().id,
          role: this.role.value,
          auth: this.authState,
        });
      } catch (error) {
        this.lastError = message(error);
      }
    })().finally(() => {
      this.metricsRefresh = undefined;
      if (this.metricsDirty) this.refreshMetrics();
    });
  }

  private async checkStorage(): Promise<void> {
    try {
      this.storeInfo ??= await this.store.info();
      const estimate = await this.store.storageEstimate();
      const ratio = estimate === undefined || estimate.quota <= 0 ? undefined : estimate.usage / estimate.quota;
      const { warnRatio, blockRatio } = this.opts.storage;
      this.storageLevel = ratio === undefined ? 'ok' : ratio >= blockRatio ? 'blocked' : ratio >= warnRatio ? 'warn' : 'ok';
      const diagnostics = this.store.diagnostics();
      this.storage.next({
        at: this.opts.clock.now(),
        backend: this.store.backend,
        storeId: this.storeInfo.storeId,
        persisted: this.persisted,
        usage: estimate?.usage,
        quota: estimate?.quota,
        level: this.storageLevel,
        reopened: diagnostics.reopened,
        lastError: diagnostics.lastError,
        sequenceBehindServer: [...this.behind.values()],
      });
    } catch (error) {
      this.lastError = message(error);
    }
  }

  // -- flush and operator actions -------------------------------------------------------------

  async flush(): Promise<FlushReport> {
    this.assertOpen();
    if (this.run === undefined) this.start();
    const before = { ...this.counters };
    if (this.role.value !== 'flusher') {
      // give the election a moment: a lone outbox becomes the flusher at once
      await sleep(50);
    }
    if (this.role.value !== 'flusher') {
      this.channel?.postMessage('flush');
      const stats = await this.store.stats(this.opts.clock.now());
      return {
        flusher: false,
        delivered: 0,
        deadLettered: 0,
        remaining: stats.pending + stats.inFlight,
        waitingUntil: undefined,
      };
    }
    await new Promise<void>((resolve) => {
      this.flushWaiters.push({ resolve, after: this.round });
      this.kick();
    });
    const stats = await this.store.stats(this.opts.clock.now());
    return {
      flusher: true,
      delivered: this.counters.delivered - before.delivered,
      deadLettered: this.counters.deadLettered - before.deadLettered,
      remaining: stats.pending + stats.inFlight,
      waitingUntil: this.backoff?.until,
    };
  }

  /** Resolves flushes asked for before `round` started (all of them when `round` is undefined). */
  private releaseFlushWaiters(round?: number): void {
    const ready = this.flushWaiters.filter((w) => round === undefined || w.after < round);
    this.flushWaiters = this.flushWaiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }

  items(query?: Parameters<OutboxStore['listItems']>[0]): Promise<OutboxItem[]> {
    return this.store.listItems(query);
  }

  readonly deadLetters = {
    list: () => this.store.listItems({ state: 'dead', limit: 100_000 }),
    retry: async (keys: readonly string[] | 'all') => {
      if (!this.opts.deadLetterRetry) {
        throw new StateError(
          OutboxErrorCode.RETRY_NOT_ALLOWED,
          'This outbox was created with deadLetterRetry: false: its items carry their own sequence numbers, so a dead letter cannot be sent again under a new one. Record a correction as a new item, and export the dead letter for the operator.',
        );
      }
      const count = await this.store.retryDeadLetters({ keys, now: this.opts.clock.now() });
      this.kick();
      this.refreshMetrics();
      return count;
    },
    export: async () => {
      const items = await this.store.listItems({ state: 'dead', limit: 100_000 });
      return items.map((item) => JSON.stringify(item)).join('\n') + (items.length > 0 ? '\n' : '');
    },
  };

  async rebasePartition(partition: string, nextSeq: number): Promise<void> {
    await this.store.rebasePartition({ partition, nextSeq, now: this.opts.clock.now() });
    this.behind.delete(partition);
    this.kick();
    void this.checkStorage();
    this.refreshMetrics();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.stop();
    this.closed = true;
    for (const s of this.subscriptions) s.unsubscribe();
    this.selector.dispose();
    this.channel?.close();
    for (const undo of this.detach) undo();
    if (this.metricsTimer !== undefined) clearTimeout(this.metricsTimer);
    await this.metricsRefresh;
    this.metrics.complete();
    this.storage.complete();
    this.events.complete();
    this.role.complete();
  }

  private assertOpen(): void {
    if (this.closed) {
      throw new StateError(ErrorCode.INVALID_STATE, 'This outbox is closed: create a new one with createOutbox.');
    }
  }
}
