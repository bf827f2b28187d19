import { z } from 'zod';
import { nameSchema, type JsonValue, type OutboxItem } from './item';

// The wire format of the built-in HTTP transport (createHttpTransport) and of the test server.
// Browser-safe: zod only, no Node built-ins.

/** Where the HTTP transport posts batches, relative to an endpoint's url. */
export const DEFAULT_PUSH_PATH = '/v1/outbox';
/** Where the HTTP transport probes an endpoint's health, relative to its url. */
export const DEFAULT_HEALTH_PATH = '/v1/health';
/** The media type of error bodies (RFC 9457 problem details). */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Any JSON value (finite numbers only). */
export const jsonValueSchema: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValueSchema), z.record(z.string(), jsonValueSchema)]),
);

/** One outbox item as it travels to the server. */
export const wireItemSchema = z.object({
  /** the idempotency key the server deduplicates on */
  key: nameSchema,
  partition: nameSchema,
  /** per-partition sequence, gapless from 1 */
  seq: z.number().int().min(1),
  type: nameSchema,
  payload: jsonValueSchema,
  /** when the item was enqueued, in ms since the epoch (the till's clock) */
  createdAt: z.number(),
  /** delivery attempts started so far, this one included */
  attempt: z.number().int().nonnegative(),
});
export type WireItem = z.infer<typeof wireItemSchema>;

/** The body of `POST <endpoint.url><pushPath>`. Items of a partition come in sequence order. */
export const pushRequestSchema = z.object({ items: z.array(wireItemSchema) });
export type PushRequest = z.infer<typeof pushRequestSchema>;

/** The server's answer for one item, keyed by its idempotency key (a KeyedItemResult). */
export const keyedItemResultSchema = z.discriminatedUnion('result', [
  z.object({ key: z.string(), result: z.literal('applied') }),
  z.object({ key: z.string(), result: z.literal('duplicate') }),
  z.object({ key: z.string(), result: z.literal('rejected'), code: z.string().min(1), message: z.string().optional() }),
  z.object({ key: z.string(), result: z.literal('retry-after'), ms: z.number().int().nonnegative() }),
  z.object({ key: z.string(), result: z.literal('gap'), expectedSeq: z.number().int().min(1) }),
]);
export type WireItemResult = z.infer<typeof keyedItemResultSchema>;

/** The body of a 2xx answer to a push: one result per item (an item without a result is retried). */
export const pushResponseSchema = z.object({ results: z.array(keyedItemResultSchema) });
export type PushResponse = z.infer<typeof pushResponseSchema>;

/** The body of a 200 answer to `GET <endpoint.url><healthPath>`. */
export const healthResponseSchema = z.object({ status: z.literal('ok') });
export type HealthResponse = z.infer<typeof healthResponseSchema>;

/** An error body (RFC 9457), sent as application/problem+json with 4xx and 5xx answers. */
export const problemSchema = z.object({
  type: z.string().optional(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
});
export type Problem = z.infer<typeof problemSchema>;

/**
 * The wire form of an outbox item (`attempt` is the item's `attempts`). Throws a TypeError for an
 * item without a sequence number: only a dead letter whose number was given back has none, and
 * dead letters are never sent.
 */
export function toWireItem(item: OutboxItem): WireItem {
  if (item.seq === null) {
    throw new TypeError(
      `Item "${item.key}" has no sequence number (a dead letter whose number was given back); only items with a sequence number can be sent.`,
    );
  }
  return {
    key: item.key,
    partition: item.partition,
    seq: item.seq,
    type: item.type,
    payload: item.payload,
    createdAt: item.createdAt,
    attempt: item.attempts,
  };
}
