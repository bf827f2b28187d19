import { systemClock, TillkitError, type Clock } from '@tillkit/core';
import type { Endpoint } from '@tillkit/offline-queue';
import { z } from 'zod';
import { authorizedRequest, type TokenManager } from './auth';
import type { CatalogStore } from './catalog-store';
import { CatalogStoreErrorCode } from './catalog-store-errors';
import type { CompatibilityGuard } from './compatibility';
import { SyncErrorCode, SyncNetworkError } from './errors';
import { serverKey, type FetchFunction } from './http';
import {
  compareCursor,
  datasetRecordSchemas,
  encodeCursor,
  pullPageSchema,
  SyncPaths,
  SyncProblemCode,
  type Change,
  type Cursor,
  type Dataset,
  type PullPage,
} from './protocol/index';

/** What one dataset's pull did. */
export interface DatasetPullReport {
  dataset: Dataset;
  /** pages applied */
  pages: number;
  upserted: number;
  deleted: number;
  /** the server no longer knew the cursor (CURSOR_EXPIRED): the dataset was pulled again from the start */
  resynced: boolean;
  /** local overlay entries dropped because the server has their change now */
  settled: number;
  /** the dataset's cursor after the pull */
  cursor: Cursor | null;
}

export interface PullReport {
  at: number;
  endpoint: string;
  datasets: DatasetPullReport[];
}

/** Asks the server for one page: the raw body, or throws (a SyncNetworkError with the server's code). */
export type FetchPage = (request: { dataset: Dataset; cursor: Cursor | null; limit: number }) => Promise<unknown>;

export interface PullDatasetInput {
  dataset: Dataset;
  catalog: CatalogStore;
  fetchPage: FetchPage;
  /** changes per page */
  limit: number;
  /**
   * The idempotency keys of events the server has not acknowledged (pending, in flight or dead),
   * asked only when the dataset has local overlay entries. Default: none (every overlay entry
   * whose record is pulled again is settled).
   */
  unsettledKeys?: (() => Promise<ReadonlySet<string>>) | undefined;
}

const MAX_STALE_RETRIES = 3;

function badPage(dataset: Dataset, what: string): SyncNetworkError {
  return new SyncNetworkError(
    SyncErrorCode.BAD_RESPONSE,
    `A pulled page of "${dataset}" ${what}; nothing of it was applied. The server breaks the protocol: report it to its operator.`,
    { isRetryable: false },
  );
}

/**
 * Checks a pulled page against the protocol and the request: the dataset asked for, changes in
 * strictly ascending (updatedAt, id) order after `after`, a cursor at or past the last change, and
 * every upserted record readable with the dataset's schema (fields it does not know are kept, for
 * a newer server's additions). Returns the page; throws SyncNetworkError BAD_RESPONSE otherwise.
 */
export function validatePage(body: unknown, dataset: Dataset, after: Cursor | null): PullPage {
  const parsed = pullPageSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw badPage(
      dataset,
      `is malformed (${issue === undefined ? '?' : `${issue.path.join('.') || '(body)'}: ${issue.message}`})`,
    );
  }
  const page = parsed.data;
  if (page.dataset !== dataset) throw badPage(dataset, `is of dataset "${page.dataset}"`);
  const schema = datasetRecordSchemas[dataset] as z.ZodType<Record<string, unknown> & { id: string }>;
  const changes: Change[] = [];
  let previous = after;
  for (const change of page.changes) {
    const position = { updatedAt: change.updatedAt, id: change.id };
    if (previous !== null && compareCursor(position, previous) <= 0) {
      throw badPage(
        dataset,
        `has change "${change.id}" (${change.updatedAt}) out of order, at or before ${previous.id} (${previous.updatedAt})`,
      );
    }
    previous = position;
    if (change.deleted) {
      changes.push(change);
      continue;
    }
    const given = (change.data as { id?: unknown }).id;
    if (given !== undefined && given !== change.id)
      throw badPage(dataset, `holds change "${change.id}" with the record of "${JSON.stringify(given)}"`);
    const record = schema.safeParse({ ...change.data, id: change.id });
    if (!record.success) {
      const issue = record.error.issues[0]!;
      throw badPage(
        dataset,
        `holds record "${change.id}" this client cannot read (${issue.path.join('.') || '(record)'}: ${issue.message})`,
      );
    }
    // the record as sent: the store keeps fields a newer server added
    changes.push(change);
  }
  let cursor = page.cursor;
  if (cursor === null && after !== null) cursor = after;
  if (changes.length > 0) {
    const last = changes[changes.length - 1]!;
    if (cursor === null || compareCursor(cursor, { updatedAt: last.updatedAt, id: last.id }) < 0) {
      throw badPage(dataset, 'ends with a cursor before its last change');
    }
  } else if (cursor !== null && after !== null && compareCursor(cursor, after) < 0) {
    throw badPage(dataset, 'moves the cursor back');
  }
  return { dataset, changes, cursor, hasMore: page.hasMore };
}

/** True when the server no longer knows a cursor (410, or 400 with CURSOR_EXPIRED): pull again from the start. */
export function isCursorExpired(error: unknown): boolean {
  if (TillkitError.hasCode(error, SyncProblemCode.CURSOR_EXPIRED)) return true;
  return error instanceof SyncNetworkError && error.status === 410;
}

/**
 * Pulls one dataset from its stored cursor until the server has nothing more: each page is checked
 * (validatePage) and applied with its cursor in one transaction. Starting without a cursor, the
 * first page is applied with `reset: true` (a full resync). A CURSOR_EXPIRED answer restarts the
 * dataset from no cursor, once. When another pull moved the cursor on (STALE_PAGE), it goes on
 * from the stored cursor. Overlay entries whose record is pulled again and whose event the server
 * acknowledged before the pull began are settled at the end.
 */
export async function pullDataset(input: PullDatasetInput): Promise<DatasetPullReport> {
  const { dataset, catalog, fetchPage, limit } = input;
  const report: DatasetPullReport = { dataset, pages: 0, upserted: 0, deleted: 0, resynced: false, settled: 0, cursor: null };
  // overlay entries as they were before the first request, and which of their events the server lacks
  const overlay = (await catalog.listLocal()).filter((w) => w.dataset === dataset);
  const unsettled = overlay.length > 0 && input.unsettledKeys !== undefined ? await input.unsettledKeys() : new Set<string>();
  const shadowed = new Set<string>();

  let cursor = await catalog.getCursor(dataset);
  let reset = cursor === null;
  let stale = 0;
  for (;;) {
    let body: unknown;
    try {
      body = await fetchPage({ dataset, cursor, limit });
    } catch (error) {
      if (isCursorExpired(error) && !report.resynced && cursor !== null) {
        report.resynced = true;
        cursor = null;
        reset = true;
        continue;
      }
      throw error;
    }
    const page = validatePage(body, dataset, cursor);
    const unchanged =
      page.changes.length === 0 && (page.cursor === null || (cursor !== null && compareCursor(page.cursor, cursor) === 0));
    if (!unchanged || reset) {
      try {
        const result = await catalog.applyPage({
          dataset,
          changes: page.changes,
          cursor: page.cursor,
          ...(reset ? { reset: true } : {}),
        });
        report.pages++;
        report.upserted += result.upserted;
        report.deleted += result.deleted;
        for (const id of result.shadowed) shadowed.add(id);
      } catch (error) {
        if (TillkitError.hasCode(error, CatalogStoreErrorCode.STALE_PAGE) && stale < MAX_STALE_RETRIES) {
          stale++;
          cursor = await catalog.getCursor(dataset);
          reset = cursor === null;
          continue;
        }
        throw error;
      }
    }
    reset = false;
    cursor = page.cursor;
    if (!page.hasMore) break;
    if (page.changes.length === 0) throw badPage(dataset, 'says more changes follow but holds none');
  }
  report.cursor = cursor;
  for (const write of overlay) {
    if (!shadowed.has(write.id) || unsettled.has(write.key)) continue;
    if (await catalog.settleLocal(dataset, write.id, write.key)) report.settled++;
  }
  return report;
}

export interface PullerOptions {
  catalog: CatalogStore;
  tokens: TokenManager;
  guard: CompatibilityGuard;
  /** the endpoint to pull from now (the outbox's current endpoint) */
  endpoint: () => Endpoint;
  /** changes per page, at most the server's maxPageSize */
  limit: number;
  unsettledKeys?: (() => Promise<ReadonlySet<string>>) | undefined;
  fetch?: FetchFunction | undefined;
  timeoutMs?: number | undefined;
  clock?: Clock | undefined;
}

export interface Puller {
  /** Pulls the datasets one after the other; pulls never overlap (a second waits for the first). */
  pull(datasets: readonly Dataset[]): Promise<PullReport>;
}

/** Pulls datasets over HTTP (`GET /v1/sync/pull/<dataset>`) from the current endpoint, with the bearer token. */
export function createPuller(options: PullerOptions): Puller {
  const clock = options.clock ?? systemClock;
  let chain: Promise<unknown> = Promise.resolve();

  async function pullFrom(endpoint: Endpoint, datasets: readonly Dataset[]): Promise<PullReport> {
    const baseUrl = serverKey(endpoint.url);
    const meta = await options.guard.ensure(baseUrl);
    const limit = Math.max(1, Math.min(options.limit, meta.limits.maxPageSize));
    const fetchPage: FetchPage = async ({ dataset, cursor, limit: pageLimit }) => {
      const query = new URLSearchParams({ limit: String(pageLimit) });
      if (cursor !== null) query.set('cursor', encodeCursor(cursor));
      const path = `${SyncPaths.pull}/${encodeURIComponent(dataset)}?${query.toString()}`;
      const { body } = await authorizedRequest(options.tokens, {
        baseUrl,
        path,
        schema: z.unknown(),
        fetch: options.fetch,
        timeoutMs: options.timeoutMs,
      });
      return body;
    };
    const reports: DatasetPullReport[] = [];
    for (const dataset of datasets) {
      reports.push(
        await pullDataset({ dataset, catalog: options.catalog, fetchPage, limit, unsettledKeys: options.unsettledKeys }),
      );
    }
    return { at: clock.now(), endpoint: endpoint.id, datasets: reports };
  }

  return {
    pull(datasets) {
      const run = chain.then(() => pullFrom(options.endpoint(), datasets));
      chain = run.catch(() => undefined);
      return run;
    },
  };
}
