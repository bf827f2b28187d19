import { ClockSchema, parseInput, systemClock, type Clock } from '@tillkit/core';
import { z } from 'zod';
import type { RandomSource } from './backoff';
import { circuitBreakerOptionsSchema, type CircuitBreakerOptions } from './circuit-breaker';
import type { Endpoint, EndpointInput } from './endpoint-selector';
import type { FlusherLock } from './flusher-lock';
import { nameSchema } from './item';
import type { OutboxStore } from './store';
import type { Transport } from './transport';

export interface OutboxOptions {
  /** where items and their companion records live (createSqliteStore on Node, createDexieStore in browsers) */
  store: OutboxStore;
  /** how batches reach a server (createHttpTransport, or the sync client's protocol) */
  transport: Transport;
  /**
   * ordered endpoints (primary cloud, secondary region, in-store hub): lower priority is preferred;
   * without priorities, the order of the list decides
   */
  endpoints: readonly EndpointInput[];
  /** this till's id: the default partition of every item */
  deviceId: string;
  batch?: {
    /** items per request; default 100 */
    maxItems?: number;
    /** payload bytes per request (one larger item still goes alone); default 512 KiB */
    maxBytes?: number;
  };
  /** a send that takes longer is aborted and retried; default 20 000 ms */
  sendTimeoutMs?: number;
  /** how long a claimed batch is held before another flusher may take it; default 60 000 ms, above sendTimeoutMs */
  leaseMs?: number;
  /** full-jitter exponential backoff between failed attempts; defaults 1 000 and 60 000 ms */
  backoff?: { baseMs?: number; capMs?: number };
  /** the longest server Retry-After honoured; default 600 000 ms */
  maxRetryAfterMs?: number;
  failover?: {
    breaker?: Omit<CircuitBreakerOptions, 'clock'>;
    /** at most one endpoint switch per this window; default 60 000 ms */
    minSwitchIntervalMs?: number;
    /** sustained health before traffic fails back to a preferred endpoint; default 120 000 ms */
    failBackAfterMs?: number;
  };
  /** active health probes of every endpoint while this outbox flushes; default every 10 000 ms, 0 turns them off */
  probeIntervalMs?: number;
  /**
   * whether `deadLetters.retry` may send a dead letter again (under a new sequence number at the end
   * of its partition); default true. Set false when a payload carries its own sequence (a hash-chained
   * journal): such an item cannot change its number, so a correction must be a new item.
   */
  deadLetterRetry?: boolean;
  /** how often an idle flusher looks for items enqueued by other processes; default 1 000 ms */
  pollIntervalMs?: number;
  /** how long acknowledged items are kept (a server that lost data can ask for them again); default 7 days */
  retainAckedMs?: number;
  /** who flushes when several processes or tabs share the store; default: Web Locks in browsers, a store lease elsewhere */
  lock?: FlusherLock;
  /** called on 401/403 before the batch is sent again: refresh the credentials the transport uses */
  auth?: { refresh(endpoint: Endpoint): Promise<void> };
  storage?: {
    /** usage / quota at which storage health warns; default 0.8 */
    warnRatio?: number;
    /** usage / quota at which enqueue is refused with STORAGE_FULL; default 0.95 */
    blockRatio?: number;
    /** how often usage is measured; default 30 000 ms */
    checkIntervalMs?: number;
    /** ask the browser for storage that is not evicted under pressure; default true */
    requestPersistence?: boolean;
  };
  /** this outbox's id among the processes or tabs sharing the store; default a new UUIDv7 */
  instanceId?: string;
  clock?: Clock;
  random?: RandomSource;
}

const positiveMs = z.number().int().positive();

const endpointSchema = z.object({ id: nameSchema, url: z.url(), priority: z.number().int().nonnegative().optional() });

const optionsSchema = z
  .object({
    store: z.custom<OutboxStore>(
      (v) => typeof (v as OutboxStore | undefined)?.commit === 'function' && typeof (v as OutboxStore).claim === 'function',
      'an OutboxStore (createSqliteStore or createDexieStore)',
    ),
    transport: z.custom<Transport>((v) => typeof (v as Transport | undefined)?.send === 'function', 'a Transport with send()'),
    endpoints: z
      .array(endpointSchema)
      .min(1, 'give at least one endpoint')
      .transform((list) => list.map((e, index) => ({ ...e, priority: e.priority ?? index }))),
    deviceId: nameSchema,
    batch: z
      .object({
        maxItems: z.number().int().min(1).max(10_000).default(100),
        maxBytes: z
          .number()
          .int()
          .min(1024)
          .default(512 * 1024),
      })
      .default({ maxItems: 100, maxBytes: 512 * 1024 }),
    sendTimeoutMs: positiveMs.default(20_000),
    leaseMs: positiveMs.default(60_000),
    backoff: z
      .object({ baseMs: positiveMs.default(1000), capMs: positiveMs.default(60_000) })
      .refine((b) => b.capMs >= b.baseMs, { message: 'capMs must be >= baseMs', path: ['capMs'] })
      .default({ baseMs: 1000, capMs: 60_000 }),
    maxRetryAfterMs: z.number().int().nonnegative().default(600_000),
    failover: z
      .object({
        breaker: circuitBreakerOptionsSchema.omit({ clock: true }).partial().optional(),
        minSwitchIntervalMs: z.number().int().nonnegative().optional(),
        failBackAfterMs: z.number().int().nonnegative().optional(),
      })
      .default({}),
    probeIntervalMs: z.number().int().nonnegative().default(10_000),
    deadLetterRetry: z.boolean().default(true),
    pollIntervalMs: positiveMs.default(1000),
    retainAckedMs: z
      .number()
      .int()
      .nonnegative()
      .default(7 * 24 * 3_600_000),
    lock: z.custom<FlusherLock>((v) => typeof (v as FlusherLock | undefined)?.acquire === 'function', 'a FlusherLock').optional(),
    auth: z
      .custom<NonNullable<OutboxOptions['auth']>>(
        (v) => typeof (v as { refresh?: unknown } | undefined)?.refresh === 'function',
        'an object with refresh(endpoint)',
      )
      .optional(),
    storage: z
      .object({
        warnRatio: z.number().gt(0).max(1).default(0.8),
        blockRatio: z.number().gt(0).max(1).default(0.95),
        checkIntervalMs: positiveMs.default(30_000),
        requestPersistence: z.boolean().default(true),
      })
      .refine((s) => s.blockRatio >= s.warnRatio, { message: 'blockRatio must be >= warnRatio', path: ['blockRatio'] })
      .default({ warnRatio: 0.8, blockRatio: 0.95, checkIntervalMs: 30_000, requestPersistence: true }),
    instanceId: nameSchema.optional(),
    clock: ClockSchema.default(systemClock),
    random: z.custom<RandomSource>((v) => typeof v === 'function', 'a function returning [0, 1)').default(() => Math.random),
  })
  .refine((o) => o.leaseMs > o.sendTimeoutMs, {
    message: 'leaseMs must be longer than sendTimeoutMs, or a slow send could be sent twice at once',
    path: ['leaseMs'],
  });

export type ResolvedOutboxOptions = z.output<typeof optionsSchema>;

export function parseOutboxOptions(options: OutboxOptions): ResolvedOutboxOptions {
  return parseInput(optionsSchema, options, 'outbox options');
}
