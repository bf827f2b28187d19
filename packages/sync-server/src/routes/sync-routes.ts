import {
  datasetSchema,
  decodeCursor,
  pushBatchSchema,
  SyncPaths,
  type WireItem,
  SyncProblemCode,
  type Cursor,
  type PullPage,
  type PushResults,
  type RestoreSnapshot,
} from '@tillkit/sync-client/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { notFound, ProblemError } from '../errors';
import { intParam, parseBody, queryParam } from '../http';
import { decidePush } from '../ingest-rules';
import type { RouteContext } from '../route-context';

/**
 * The push envelope as the server checks it: the protocol's batch schema, except that payloads are
 * not walked by the generic JSON-value schema. A body from JSON.parse can only hold JSON values, and
 * every payload is checked against the event schema by the push rules anyway (an unreadable one is
 * rejected INVALID_EVENT, per item), so walking it twice cost a fifth of a push.
 */
const pushEnvelopeSchema = z.object({
  items: z.array(
    pushBatchSchema.shape.items.element.extend({
      payload: z.custom<WireItem['payload']>((v) => v !== undefined, 'Required'),
    }),
  ),
});

/** The default page size of a pull (lowered to limits.maxPageSize when that is smaller). */
export const DEFAULT_PULL_LIMIT = 500;
/** Restore's journal tail: default and most entries. */
const DEFAULT_TAIL = 50;
const MAX_TAIL = 1000;

/** Push, pull and restore: the routes of an authenticated till. */
export function registerSyncRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { storage, clock, options } = ctx;
  const limits = options.limits;

  app.post(SyncPaths.push, async (request) => {
    const grant = await ctx.authenticate(request);
    const items = (request.body as { items?: unknown } | null | undefined)?.items;
    if (Array.isArray(items) && items.length > limits.maxBatchItems) {
      throw new ProblemError(
        413,
        SyncProblemCode.TOO_LARGE,
        `The batch has ${items.length} items; this server takes at most ${limits.maxBatchItems} per push. Send smaller batches.`,
      );
    }
    const batch = parseBody(pushEnvelopeSchema, request.body, 'a push batch ({ items: [...] } in the outbox wire format)');
    const results = await storage.ingest({
      tenant: grant.tenant,
      items: batch.items,
      now: clock.now(),
      decide: decidePush,
      onItemError: (key, error) => request.log.error({ key, err: error }, 'storing a pushed item failed'),
    });
    const response: PushResults = { results };
    return response;
  });

  app.get<{ Params: { dataset: string } }>(`${SyncPaths.pull}/:dataset`, async (request) => {
    const grant = await ctx.authenticate(request);
    const dataset = datasetSchema.safeParse(request.params.dataset);
    if (!dataset.success) {
      throw notFound(`There is no dataset "${request.params.dataset}"; the datasets are ${datasetSchema.options.join(', ')}.`);
    }
    const cursorText = queryParam(request.query, 'cursor');
    let after: Cursor | null = null;
    if (cursorText !== undefined && cursorText !== '') {
      after = decodeCursor(cursorText);
      if (after === null) {
        throw new ProblemError(
          400,
          SyncProblemCode.CURSOR_EXPIRED,
          'The cursor is not one this server gave out (it must be encodeCursor({ updatedAt, id })). Pull again without a cursor (a full resync).',
        );
      }
    }
    const limit = intParam(request.query, 'limit', {
      min: 1,
      max: limits.maxPageSize,
      fallback: Math.min(DEFAULT_PULL_LIMIT, limits.maxPageSize),
    });
    const { changes, hasMore } = await storage.pullChanges({
      merchantId: grant.tenant.merchantId,
      storeId: grant.tenant.storeId,
      dataset: dataset.data,
      after,
      limit,
    });
    const last = changes[changes.length - 1];
    const page: PullPage = {
      dataset: dataset.data,
      changes,
      cursor: last === undefined ? after : { updatedAt: last.updatedAt, id: last.id },
      hasMore,
    };
    return page;
  });

  app.get(SyncPaths.restore, async (request) => {
    const grant = await ctx.authenticate(request);
    const tail = intParam(request.query, 'tail', { min: 0, max: MAX_TAIL, fallback: DEFAULT_TAIL });
    const state = await storage.restoreState(grant.tenant, tail);
    const snapshot: RestoreSnapshot = {
      tenant: grant.tenant,
      partitions: [{ partition: grant.tenant.registerId, lastSeq: state.head.lastSeq }],
      till: state.till,
      journalTail: state.journalTail,
    };
    return snapshot;
  });
}
