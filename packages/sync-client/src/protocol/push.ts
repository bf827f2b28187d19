import { JournalEntrySchema, type CompletedTransaction, type JournalEntry, type TillState } from '@tillkit/core';
import { keyedItemResultSchema, pushRequestSchema, type WireItem } from '@tillkit/offline-queue';
import { z } from 'zod';

/**
 * `POST /v1/sync/push` (bearer token): a batch of till events in the outbox's wire format
 * ({ items: [{ key, partition, seq, type, payload, createdAt, attempt }] }), answered with one
 * result per item: applied | duplicate | rejected(code) | retry-after(ms) | gap(expectedSeq).
 *
 * Every event is one journal entry of the register: `partition` is the register id, `seq` the
 * entry's journal sequence, `type` the entry's type, and the payload carries the entry, the
 * transaction it records (sales and returns) and the till's state after it (used by restore).
 */
export const pushBatchSchema = pushRequestSchema;
export const pushResultsSchema = z.object({ results: z.array(keyedItemResultSchema) });
export type PushResults = z.infer<typeof pushResultsSchema>;

/** The event types: the journal entry types of @tillkit/core. */
export const SYNC_EVENT_TYPES = [
  'sale',
  'return',
  'void',
  'no_sale',
  'paid_in',
  'paid_out',
  'session_opening',
  'session_closing',
  'reprint',
  'failure',
] as const;
export type SyncEventType = (typeof SYNC_EVENT_TYPES)[number];
export const syncEventTypeSchema = z.enum(SYNC_EVENT_TYPES);

/**
 * The parts of a completed transaction a server checks. The payload carries the whole transaction
 * (other fields pass through untouched); the server recomputes `priced.total` from the lines,
 * discounts, service charges, taxes and policy with @tillkit/core and rejects a mismatch.
 */
export const pushedTransactionSchema = z.looseObject({
  id: z.string().min(1).max(128),
  tillId: z.string().min(1).max(128),
  kind: z.enum(['sale', 'return']),
  status: z.literal('completed'),
  currency: z.string().length(3),
  sequence: z.number().int().positive(),
  receiptNumber: z.number().int().nonnegative(),
  training: z.boolean(),
  completedAt: z.string().min(1),
  priced: z.looseObject({ total: z.number().int() }),
  tenders: z.array(z.looseObject({ amount: z.number().int() })),
  change: z.number().int().nonnegative(),
  cashRounding: z.number().int(),
  amountDue: z.number().int(),
});

const tillStateSchema = z.looseObject({
  tillId: z.string().min(1).max(128),
  currency: z.string().length(3),
  journal: z.object({
    tillId: z.string(),
    sequence: z.number().int().nonnegative(),
    hash: z.string(),
    grandTotal: z.number().int(),
    absoluteGrandTotal: z.number().int(),
  }),
  lastReceiptNumber: z.number().int().nonnegative(),
  lastZNumber: z.number().int().nonnegative(),
  session: z
    .looseObject({ id: z.string(), openedAt: z.string(), openingFloat: z.number().int(), openingSequence: z.number().int() })
    .nullable(),
});

/** The payload of every pushed event. */
export const syncEventPayloadSchema = z.object({
  entry: JournalEntrySchema,
  /** the completed sale or return the entry records; absent for other entry types */
  transaction: pushedTransactionSchema.optional(),
  /** the till's state right after this entry (restore hands the newest one to a replacement till) */
  till: tillStateSchema,
});

export interface SyncEventPayload {
  entry: JournalEntry;
  transaction?: CompletedTransaction;
  till: TillState;
}

/** Rejection codes of a pushed event (`{ result: 'rejected', code }`): the event goes to dead letters. */
export const PushRejectCode = {
  /** the payload does not match the event schema */
  INVALID_EVENT: 'INVALID_EVENT',
  /** the transaction's totals differ from what @tillkit/core computes from its lines */
  TOTALS_MISMATCH: 'TOTALS_MISMATCH',
  /** the entry's previousHash is not the hash of the register's previous entry, or its hash is wrong */
  CHAIN_BROKEN: 'CHAIN_BROKEN',
  /** the item's seq, type or partition disagrees with its journal entry */
  SEQUENCE_MISMATCH: 'SEQUENCE_MISMATCH',
  /** the partition is another register than the token's */
  PARTITION_FORBIDDEN: 'PARTITION_FORBIDDEN',
  /** the idempotency key was already used for a different event */
  KEY_REUSED: 'KEY_REUSED',
} as const;
export type PushRejectCode = (typeof PushRejectCode)[keyof typeof PushRejectCode];

/** The idempotency key of a journal entry: stable across retries, restores and devices. */
export function eventKey(entry: Pick<JournalEntry, 'tillId' | 'sequence' | 'hash'>): string {
  return `${entry.tillId}:${entry.sequence}:${entry.hash.slice(0, 16)}`;
}

export type { WireItem };
