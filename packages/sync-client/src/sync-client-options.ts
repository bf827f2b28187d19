import { ClockSchema, parseInput, systemClock, type Clock } from '@tillkit/core';
import type { Endpoint, EndpointInput, FetchFunction, OutboxOptions, OutboxStore } from '@tillkit/offline-queue';
import { z } from 'zod';
import type { CatalogStore } from './catalog-store';
import { DATASETS, datasetSchema, type Dataset } from './protocol/index';
import type { DeviceHealthSource } from './telemetry';

/** The outbox's options, less what the sync client sets itself (transport, endpoints, device id, auth hook). */
export type SyncOutboxOptions = Omit<OutboxOptions, 'transport' | 'endpoints' | 'deviceId' | 'auth' | 'deadLetterRetry'>;

export interface SyncClientOptions {
  /** one server; or give `endpoints` */
  baseUrl?: string | undefined;
  /** ordered endpoints (primary cloud, secondary region, in-store hub): lower priority is preferred; without priorities, list order */
  endpoints?: readonly EndpointInput[] | undefined;
  /** the outbox: its store (createSqliteStore on Node, createDexieStore in browsers) and any tuning */
  outbox: SyncOutboxOptions;
  /** where pulled data and the enrolment are kept (createSqliteCatalogStore, createDexieCatalogStore) */
  catalog: CatalogStore;
  /** this physical device */
  deviceId: string;
  /** the till software's version, sent with enrolment and telemetry */
  softwareVersion: string;
  pull?:
    | {
        /** scheduled pulls, jittered ±20 %; default 60 000 ms; 0 pulls only on demand (and on reconnect) */
        intervalMs?: number | undefined;
        /** default every dataset */
        datasets?: readonly Dataset[] | undefined;
        /** changes per page; default 500 (at most the server's maxPageSize) */
        limit?: number | undefined;
      }
    | undefined;
  heartbeat?:
    | {
        /** default 60 000 ms; 0 sends none */
        intervalMs?: number | undefined;
        /** device health for each heartbeat */
        devices?: DeviceHealthSource | undefined;
      }
    | undefined;
  /** how long one protocol request may take (pull page, token, telemetry, restore); default 15 000 ms */
  requestTimeoutMs?: number | undefined;
  /** default globalThis.fetch */
  fetch?: FetchFunction | undefined;
  clock?: Clock | undefined;
  /** [0, 1) for jitter; default Math.random */
  random?: (() => number) | undefined;
}

const fn = <T>(what: string) => z.custom<T>((v) => typeof v === 'function', `${what} (a function)`);
const nameSchema = z.string().min(1).max(128);

const optionsSchema = z
  .object({
    baseUrl: z.url().optional(),
    endpoints: z
      .array(z.object({ id: nameSchema, url: z.url(), priority: z.number().int().nonnegative().optional() }))
      .min(1, 'give at least one endpoint')
      .optional(),
    outbox: z.looseObject({
      store: z.custom<OutboxStore>(
        (v) =>
          typeof (v as OutboxStore | undefined)?.commit === 'function' && typeof (v as OutboxStore).listPartitions === 'function',
        'an OutboxStore (createSqliteStore or createDexieStore)',
      ),
    }),
    catalog: z.custom<CatalogStore>(
      (v) =>
        typeof (v as CatalogStore | undefined)?.applyPage === 'function' && typeof (v as CatalogStore).getMeta === 'function',
      'a CatalogStore (createSqliteCatalogStore or createDexieCatalogStore)',
    ),
    deviceId: nameSchema,
    softwareVersion: z.string().min(1).max(64),
    pull: z
      .object({
        intervalMs: z.number().int().nonnegative().default(60_000),
        datasets: z
          .array(datasetSchema)
          .min(1)
          .default([...DATASETS]),
        limit: z.number().int().min(1).max(10_000).default(500),
      })
      .default({ intervalMs: 60_000, datasets: [...DATASETS], limit: 500 }),
    heartbeat: z
      .object({
        intervalMs: z.number().int().nonnegative().default(60_000),
        devices: fn<DeviceHealthSource>('a device health source').optional(),
      })
      .default({ intervalMs: 60_000 }),
    requestTimeoutMs: z.number().int().positive().default(15_000),
    fetch: fn<FetchFunction>('fetch').optional(),
    clock: ClockSchema.default(systemClock),
    random: fn<() => number>('a random source').default(() => Math.random),
  })
  .superRefine((o, ctx) => {
    if ((o.baseUrl === undefined) === (o.endpoints === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['baseUrl'], message: 'give either baseUrl or endpoints (one of them)' });
    }
    const ids = new Set<string>();
    for (const [i, e] of (o.endpoints ?? []).entries()) {
      if (ids.has(e.id))
        ctx.addIssue({ code: 'custom', path: ['endpoints', i, 'id'], message: `endpoint id "${e.id}" is used twice` });
      ids.add(e.id);
    }
  });

export type ResolvedSyncClientOptions = Omit<z.output<typeof optionsSchema>, 'outbox' | 'endpoints'> & {
  outbox: SyncOutboxOptions;
  endpoints: Endpoint[];
};

/** Validates the options (VALIDATION_FAILED naming the path) and resolves defaults and endpoints. */
export function parseSyncClientOptions(options: SyncClientOptions): ResolvedSyncClientOptions {
  const parsed = parseInput(optionsSchema, options, 'sync client options');
  const endpoints: Endpoint[] =
    parsed.endpoints !== undefined
      ? parsed.endpoints.map((e, index) => ({ id: e.id, url: e.url, priority: e.priority ?? index }))
      : [{ id: 'primary', url: parsed.baseUrl!, priority: 0 }];
  // the outbox validates its own options; pass them through as given
  return { ...parsed, outbox: options.outbox, endpoints };
}
