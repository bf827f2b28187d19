import { ErrorCode, parseInput, ValidationError } from '@tillkit/core';
import { z } from 'zod';

/** A JSON value: what payloads and companion records may hold. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/**
 * Where an item is in its life:
 * - `pending`: waiting to be sent (or sent, but the lease ran out before an answer came back);
 * - `in-flight`: leased by a flusher and being sent;
 * - `acked`: the server acknowledged it (applied, or a duplicate of an applied item);
 * - `dead`: kept in the dead-letter store until an operator retries or exports it.
 * Nothing leaves the store before `acked`; `acked` items are pruned only after a retention period.
 */
export type ItemState = 'pending' | 'in-flight' | 'acked' | 'dead';

/** Why an item is in the dead-letter store. */
export interface DeadLetterInfo {
  at: number;
  /** the server's rejection code (per-item) or a DeadLetterCode (a whole request refused) */
  code: string;
  message: string | undefined;
  /**
   * 'item': the server answered `rejected` for this item and consumed its sequence number.
   * 'request': the whole request was refused (413, 400...) while this item was sent alone; its
   * sequence number was given back, so later items of the partition moved down by one.
   */
  source: 'item' | 'request';
  /** the sequence number the item had when it was dead-lettered */
  seq: number;
}

export interface AckInfo {
  at: number;
  result: 'applied' | 'duplicate';
  endpointId: string | undefined;
}

/** One item of the outbox as the store holds it. The payload is opaque to the queue. */
export interface OutboxItem {
  /** the idempotency key: unique in the store, and what the server deduplicates on */
  key: string;
  /** items of one partition are delivered in `seq` order; partitions drain independently */
  partition: string;
  /** per-partition sequence, gapless from 1; null only for a dead letter whose number was given back */
  seq: number | null;
  /** a label for the payload (for example 'sale'); the queue does not interpret it */
  type: string;
  payload: JsonValue;
  /** UTF-8 size of the payload's JSON */
  bytes: number;
  createdAt: number;
  state: ItemState;
  /** delivery attempts started so far (claims) */
  attempts: number;
  /** the item is not sent before this time (a per-item retry-after); 0 for none */
  notBefore: number;
  /** the current lease while `in-flight` (a lease that has run out makes the item pending again) */
  lease: { id: string; owner: string; until: number } | undefined;
  ack: AckInfo | undefined;
  dead: DeadLetterInfo | undefined;
  /** the last error seen for this item, for operators */
  lastError: string | undefined;
}

/** What the application enqueues. `key`, `partition` and `type` have defaults at the outbox level. */
export interface ItemInput {
  key: string;
  partition: string;
  type: string;
  payload: JsonValue;
}

/** A companion record written in the same transaction as the items (a transaction, a journal entry...). */
export type RecordWrite =
  | {
      collection: string;
      key: string;
      value: JsonValue;
      /** 'put' (default) creates or replaces; 'insert' refuses an existing key (RECORD_CONFLICT) */
      mode?: 'put' | 'insert' | undefined;
    }
  | { collection: string; key: string; mode: 'delete' };

export interface StoredRecord {
  collection: string;
  key: string;
  value: JsonValue;
  updatedAt: number;
}

const NAME_MAX = 256;
export const nameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(NAME_MAX, `must be at most ${NAME_MAX} characters`)
  .refine((s) => s.trim() === s, 'must not start or end with white space');

export const itemInputSchema = z.object({
  key: nameSchema,
  partition: nameSchema,
  type: nameSchema,
  payload: z.unknown(),
});

export const recordWriteSchema = z.union([
  z.object({ collection: nameSchema, key: nameSchema, mode: z.literal('delete') }),
  z.object({
    collection: nameSchema,
    key: nameSchema,
    value: z.unknown(),
    mode: z.enum(['put', 'insert']).optional(),
  }),
]);

export const commitSchema = z.object({
  items: z.array(itemInputSchema).default([]),
  records: z.array(recordWriteSchema).default([]),
});

/** Whether `value` passes nameSchema, without zod. */
export function isName(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= NAME_MAX && value.trim() === value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when commitSchema would accept `input` unchanged (a fast path; false sends it through zod). */
export function commitIsPlain(input: unknown): input is { items?: readonly ItemInput[]; records?: readonly RecordWrite[] } {
  if (!isObject(input)) return false;
  const { items, records } = input;
  if (items !== undefined) {
    if (!Array.isArray(items)) return false;
    for (const item of items as unknown[]) {
      if (!isObject(item) || !isName(item.key) || !isName(item.partition) || !isName(item.type) || item.payload === undefined)
        return false;
    }
  }
  if (records !== undefined) {
    if (!Array.isArray(records)) return false;
    for (const record of records as unknown[]) {
      if (!isObject(record) || !isName(record.collection) || !isName(record.key)) return false;
      const { mode } = record;
      if (mode === 'delete') continue;
      if ((mode !== undefined && mode !== 'put' && mode !== 'insert') || record.value === undefined) return false;
    }
  }
  return true;
}

/** An item ready to write: validated, its payload encoded once. */
export interface PreparedItem {
  key: string;
  partition: string;
  type: string;
  /** the payload as given (commit returns it rather than parsing its JSON again) */
  payload: JsonValue;
  json: string;
  /** UTF-8 size of json */
  readonly bytes: number;
}

export type PreparedRecord =
  { collection: string; key: string; mode: 'put' | 'insert'; json: string } | { collection: string; key: string; mode: 'delete' };

const MAX_DEPTH = 256;

/** Where notJson found a problem: the path is filled in on the way back up, so valid data costs no strings. */
interface NotJson {
  path: (string | number)[];
  problem: string;
}

function describe(found: NotJson): string {
  let path = '';
  for (const key of found.path) path = typeof key === 'number' ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`;
  return `${path || 'the value'} ${found.problem}`;
}

/**
 * The first place where `value` is not plain JSON data, or undefined. A walk instead of a
 * JSON.stringify replacer: calling back into JavaScript for every value made encoding a sale
 * three times slower.
 */
function notJson(value: unknown, depth: number): NotJson | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : { path: [], problem: `is ${String(value)}` };
    case 'object': {
      if (value === null) return undefined;
      if (depth > MAX_DEPTH) return { path: [], problem: `is nested more than ${MAX_DEPTH} levels deep (or refers to itself)` };
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          const found = item === undefined ? { path: [], problem: 'is undefined' } : notJson(item, depth + 1);
          if (found !== undefined) {
            found.path.unshift(i);
            return found;
          }
        }
        return undefined;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        // a Date (or anything with toJSON) becomes what toJSON gives; a Map or class instance would be lost
        if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return undefined;
        const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
        return { path: [], problem: `is a ${name}, not a plain object` };
      }
      for (const key in value) {
        const item = (value as Record<string, unknown>)[key];
        if (item === undefined) continue; // an absent property, as JSON has it
        const found = notJson(item, depth + 1);
        if (found !== undefined) {
          found.path.unshift(key);
          return found;
        }
      }
      return undefined;
    }
    case 'undefined':
      return { path: [], problem: 'is undefined' };
    case 'bigint':
    case 'function':
    case 'symbol':
      return { path: [], problem: `is a ${typeof value}` };
  }
}

/**
 * Encodes a payload or record value as JSON, refusing what JSON would silently change or lose:
 * NaN and infinities (they become null), undefined in arrays, functions, symbols, bigints, Maps,
 * Sets and other class instances (they become {}), and cycles. Dates and other values with
 * toJSON are kept as toJSON gives them.
 */
export function encodeJson(value: unknown, what: string): string {
  const found = notJson(value, 0);
  if (found !== undefined) {
    throw new ValidationError(
      ErrorCode.VALIDATION_FAILED,
      `Invalid ${what}: it must be plain JSON data, but ${describe(found)}.`,
    );
  }
  return JSON.stringify(value);
}

/** UTF-8 length of a string without allocating its bytes. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Validates and encodes one commit (items and records) for a store. Throws ValidationError
 * (VALIDATION_FAILED) for bad input, including two items with one key or two writes of one record.
 */
export function prepareCommit(input: { items?: readonly ItemInput[]; records?: readonly RecordWrite[] }): {
  items: PreparedItem[];
  records: PreparedRecord[];
} {
  // a sale is enqueued on every till action: check the common, valid shape by hand and leave zod to
  // describe what is wrong (commitIsPlain accepts exactly what commitSchema accepts)
  const parsed = commitIsPlain(input)
    ? { items: input.items ?? [], records: input.records ?? [] }
    : parseInput(commitSchema, input, 'outbox commit');
  const keys = new Set<string>();
  const items = parsed.items.map((item, index): PreparedItem => {
    if (keys.has(item.key)) {
      throw new ValidationError(
        ErrorCode.VALIDATION_FAILED,
        `Invalid outbox commit: items.${index}.key "${item.key}" appears twice.`,
      );
    }
    keys.add(item.key);
    const json = encodeJson(item.payload, `payload of item "${item.key}"`);
    let bytes: number | undefined;
    return {
      key: item.key,
      partition: item.partition,
      type: item.type,
      payload: item.payload as JsonValue,
      json,
      // counted when asked for: a store that measures natively (SQLite) never pays for it
      get bytes() {
        return (bytes ??= utf8Length(json));
      },
    };
  });
  const recordKeys = new Set<string>();
  const records = parsed.records.map((record): PreparedRecord => {
    const id = `${record.collection}\u0000${record.key}`;
    if (recordKeys.has(id)) {
      throw new ValidationError(
        ErrorCode.VALIDATION_FAILED,
        `Invalid outbox commit: record "${record.key}" of "${record.collection}" is written twice.`,
      );
    }
    recordKeys.add(id);
    if (record.mode === 'delete') return { collection: record.collection, key: record.key, mode: 'delete' };
    const json = encodeJson(record.value, `record "${record.key}" of "${record.collection}"`);
    return { collection: record.collection, key: record.key, mode: record.mode ?? 'put', json };
  });
  return { items, records };
}
