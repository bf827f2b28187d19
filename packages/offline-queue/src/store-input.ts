import { parseInput } from '@tillkit/core';
import { z } from 'zod';
import { nameSchema } from './item';
import type { ClaimRequest, LeaseRequest, ListItemsQuery, Settlement } from './store';

// Input schemas of the store contract, shared by every store so they refuse the same input alike.

const time = z.number().int().nonnegative();
const positive = z.number().int().positive();

export const DEFAULT_HORIZON_MS = 3_600_000;

const claimSchema = z.object({
  owner: nameSchema,
  now: time,
  leaseMs: positive,
  maxItems: positive,
  maxBytes: positive,
  horizonMs: positive.default(DEFAULT_HORIZON_MS),
});

export function parseClaim(input: ClaimRequest): ClaimRequest & { horizonMs: number } {
  return parseInput(claimSchema, input, 'claim request');
}

const settlementSchema = z.discriminatedUnion('outcome', [
  z.object({
    key: nameSchema,
    outcome: z.literal('acked'),
    result: z.enum(['applied', 'duplicate']),
    endpointId: z.string().optional(),
  }),
  z.object({ key: nameSchema, outcome: z.literal('retry'), notBefore: time, error: z.string().optional() }),
  z.object({
    key: nameSchema,
    outcome: z.literal('dead'),
    code: z.string().min(1),
    message: z.string().optional(),
    source: z.enum(['item', 'request']),
  }),
]);

const settleSchema = z.object({ leaseId: z.string(), now: time, settlements: z.array(settlementSchema) });

export function parseSettle(input: { leaseId: string; now: number; settlements: readonly Settlement[] }): {
  leaseId: string;
  now: number;
  settlements: Settlement[];
} {
  return parseInput(settleSchema, input, 'settle input');
}

const partitionSeqSchema = z.object({ partition: nameSchema, fromSeq: positive, now: time });
export function parseRewind(input: { partition: string; fromSeq: number; now: number }) {
  return parseInput(partitionSeqSchema, input, 'rewind input');
}

const blockSchema = z.object({ partition: nameSchema, code: z.string().min(1), message: z.string(), now: time });
export function parseBlock(input: { partition: string; code: string; message: string; now: number }) {
  return parseInput(blockSchema, input, 'block input');
}

const rebaseSchema = z.object({ partition: nameSchema, nextSeq: positive, now: time });
export function parseRebase(input: { partition: string; nextSeq: number; now: number }) {
  return parseInput(rebaseSchema, input, 'rebase input');
}

const listSchema = z.object({
  state: z.enum(['open', 'pending', 'in-flight', 'acked', 'dead', 'all']).default('open'),
  partition: nameSchema.optional(),
  limit: positive.max(100_000).default(1000),
  offset: z.number().int().nonnegative().default(0),
});
export function parseListItems(input: ListItemsQuery | undefined) {
  return parseInput(listSchema, input ?? {}, 'item query');
}

const retrySchema = z.object({ keys: z.union([z.literal('all'), z.array(nameSchema)]), now: time });
export function parseRetryDeadLetters(input: { keys: readonly string[] | 'all'; now: number }) {
  return parseInput(retrySchema, input, 'dead-letter retry');
}

const pruneSchema = z.object({ before: time, limit: positive });
export function parsePrune(input: { before: number; limit: number }) {
  return parseInput(pruneSchema, input, 'prune input');
}

const recordKeySchema = z.object({ collection: nameSchema, key: nameSchema });
export function parseRecordKey(collection: string, key: string) {
  return parseInput(recordKeySchema, { collection, key }, 'record key');
}

const listRecordsSchema = z.object({
  collection: nameSchema,
  afterKey: z.string().optional(),
  limit: positive.max(100_000).default(1000),
});
export function parseListRecords(collection: string, query: { afterKey?: string; limit?: number } | undefined) {
  return parseInput(listRecordsSchema, { collection, ...query }, 'record query');
}

const leaseSchema = z.object({
  name: nameSchema,
  owner: nameSchema,
  ttlMs: positive,
  now: time,
  meta: z.record(z.string(), z.union([z.string(), z.number()])).default({}),
  canSteal: z.custom<(holder: unknown) => boolean>((v) => typeof v === 'function', 'a function').optional(),
});
export function parseLease(input: LeaseRequest) {
  return parseInput(leaseSchema, input, 'lease request');
}

const releaseSchema = z.object({ name: nameSchema, owner: nameSchema });
export function parseRelease(input: { name: string; owner: string }) {
  return parseInput(releaseSchema, input, 'lease release');
}

const nowSchema = time;
export function parseNow(now: number): number {
  return Number.isSafeInteger(now) && now >= 0 ? now : parseInput(nowSchema, now, 'time (ms since the epoch)');
}
