import { ErrorCode, parseInput, validationError, ValidationError } from '@tillkit/core';
import { z } from 'zod';
import type { ApplyPageInput } from './catalog-store';
import { stalePageError } from './catalog-store-errors';
import {
  changeSchema,
  compareCursor,
  cursorSchema,
  datasetRecordSchemas,
  datasetSchema,
  type Cursor,
  type Dataset,
} from './protocol/index';

// What both catalog stores (SQLite and Dexie) do before they touch their database: validate the
// input, turn a pulled page into the final state of each record it touches, and compute the lookup
// keys (barcodes, member cards and e-mails) a record is found by. Keeping it here keeps the two
// stores answering alike.

/** A record as a store writes it: its JSON text and the lookup keys it is found by. */
export interface PreparedRecord {
  id: string;
  updatedAt: number;
  json: string;
  keys: string[];
}

export interface PreparedPage {
  dataset: Dataset;
  reset: boolean;
  cursor: Cursor | null;
  /** the final state of each id the page touches (the last change of an id wins): a record, or null for a tombstone */
  writes: Map<string, PreparedRecord | null>;
  /** upserts in the page */
  upserted: number;
  /** tombstones in the page */
  deleted: number;
}

export interface PreparedLocal {
  dataset: Dataset;
  id: string;
  key: string;
  at: number;
  json: string;
  keys: string[];
}

const pageInputSchema = z.object({
  dataset: datasetSchema,
  changes: z.array(changeSchema),
  cursor: cursorSchema.nullable(),
  reset: z.boolean().optional(),
});

type Issue = z.core.$ZodIssue;

function issue(path: PropertyKey[], message: string, input: unknown): Issue {
  return { code: 'custom', path, message, input };
}

/** The lookup keys of a record: `barcode:<code>` for articles, `card:<number>` and `email:<address>` for members (lower case). */
export function lookupKeys(dataset: Dataset, record: Record<string, unknown>): string[] {
  const keys = new Set<string>();
  if (dataset === 'catalog' && Array.isArray(record.barcodes)) {
    for (const barcode of record.barcodes) {
      if (typeof barcode === 'string' && barcode.trim() !== '') keys.add(barcodeKey(barcode));
    }
  }
  if (dataset === 'members') {
    if (typeof record.cardNumber === 'string' && record.cardNumber.trim() !== '') keys.add(`card:${fold(record.cardNumber)}`);
    if (typeof record.email === 'string' && record.email.trim() !== '') keys.add(`email:${fold(record.email)}`);
  }
  return [...keys];
}

const fold = (text: string) => text.trim().toLowerCase();

export const barcodeKey = (barcode: string) => `barcode:${barcode.trim()}`;

/** The lookup keys a member query may match (its card number or e-mail, either case). */
export const memberQueryKeys = (query: string) => [`card:${fold(query)}`, `email:${fold(query)}`];

/**
 * Validates a pulled page and every record in it (with the dataset's record schema). A page with
 * one bad record is refused as a whole: ValidationError VALIDATION_FAILED listing the bad records,
 * thrown before anything is written.
 */
export function preparePage(input: ApplyPageInput): PreparedPage {
  const page = parseInput(pageInputSchema, input, 'page to apply');
  const { dataset, cursor } = page;
  const schema: z.ZodType<Record<string, unknown>> = datasetRecordSchemas[dataset];
  const issues: Issue[] = [];
  const badIds: string[] = [];
  const writes = new Map<string, PreparedRecord | null>();
  let upserted = 0;
  let deleted = 0;
  if (cursor === null && page.changes.length > 0) {
    issues.push(issue(['cursor'], 'must be the position of the last change when the page has changes', null));
  }
  for (const [index, change] of page.changes.entries()) {
    if (cursor !== null && compareCursor(change, cursor) > 0) {
      issues.push(issue(['changes', index], `comes after the page's cursor ${JSON.stringify(cursor)}`, change));
      badIds.push(change.id);
      continue;
    }
    if (change.deleted) {
      deleted += 1;
      writes.set(change.id, null);
      continue;
    }
    upserted += 1;
    const data = change.data;
    if (data.id !== undefined && data.id !== change.id) {
      issues.push(issue(['changes', index, 'data', 'id'], `must be the change's id "${change.id}"`, data.id));
      badIds.push(change.id);
      continue;
    }
    const parsed = schema.safeParse({ ...data, id: change.id });
    if (!parsed.success) {
      for (const found of parsed.error.issues) issues.push({ ...found, path: ['changes', index, 'data', ...found.path] });
      badIds.push(change.id);
      continue;
    }
    // fields this version does not know are kept, so a newer version reads them without a resync
    const record = { ...data, ...parsed.data };
    writes.set(change.id, {
      id: change.id,
      updatedAt: change.updatedAt,
      json: JSON.stringify(record),
      keys: lookupKeys(dataset, record),
    });
  }
  if (issues.length > 0) {
    const base = validationError(`page of "${dataset}"`, issues);
    throw new ValidationError(
      ErrorCode.VALIDATION_FAILED,
      `${base.message} Nothing of the page was applied and the cursor did not move. The server sent data this version cannot read: ` +
        'fix the records on the server, or update the application.',
      { issues, details: { dataset, ids: badIds.slice(0, 20) } },
    );
  }
  return { dataset, reset: page.reset === true, cursor, writes, upserted, deleted };
}

/** Throws STALE_PAGE when a page (not a reset) would move the cursor back: another pull got further already. */
export function checkNotStale(page: PreparedPage, stored: Cursor | null): void {
  if (page.reset || page.cursor === null || stored === null || compareCursor(page.cursor, stored) >= 0) return;
  throw stalePageError(
    `The page of "${page.dataset}" ends at ${JSON.stringify(page.cursor)}, before the stored cursor ${JSON.stringify(stored)}: ` +
      'another pull applied newer changes already. Nothing was applied; pull again from getCursor().',
    { dataset: page.dataset, cursor: page.cursor, stored },
  );
}

/** Whether the page moves the stored cursor (a page without a cursor that is not a reset leaves it). */
export const movesCursor = (page: PreparedPage) => page.reset || page.cursor !== null;

const localMetaSchema = z.object({
  key: z.string().min(1, 'must name the local write (its idempotency key)').max(500),
  at: z.number().int().nonnegative(),
});

export function prepareLocal(dataset: Dataset, record: unknown, meta: { key: string; at: number }): PreparedLocal {
  const parsedDataset = parseInput(datasetSchema, dataset, 'dataset');
  const schema: z.ZodType<Record<string, unknown>> = datasetRecordSchemas[parsedDataset];
  const parsed = parseInput(schema, record, `local "${parsedDataset}" record`);
  const { key, at } = parseInput(localMetaSchema, meta, 'local write');
  return {
    dataset: parsedDataset,
    id: parsed.id as string,
    key,
    at,
    json: JSON.stringify(parsed),
    keys: lookupKeys(parsedDataset, parsed),
  };
}

export const parseDataset = (dataset: unknown): Dataset => parseInput(datasetSchema, dataset, 'dataset');

const idSchema = z.string();
export const parseId = (id: unknown): string => parseInput(idSchema, id, 'record id');

const listOptionsSchema = z
  .object({
    afterId: z.string().optional(),
    limit: z.number().int().min(1).max(100_000).optional(),
  })
  .optional();

export const DEFAULT_LIST_LIMIT = 1000;

export function parseListOptions(options: unknown): { afterId: string; limit: number } {
  const parsed = parseInput(listOptionsSchema, options, 'list options');
  return { afterId: parsed?.afterId ?? '', limit: parsed?.limit ?? DEFAULT_LIST_LIMIT };
}

const lookupSchema = z.string().max(500);
/** A lookup text (barcode, member query); throws VALIDATION_FAILED when it is not a string. */
export const parseLookup = (text: unknown, what: string): string => parseInput(lookupSchema, text, what).trim();

const metaKeySchema = z.string().min(1, 'must name the value').max(500);
export const parseMetaKey = (key: unknown): string => parseInput(metaKeySchema, key, 'meta key');

/** The JSON text of a meta value; VALIDATION_FAILED for a value JSON cannot hold (undefined, a function, a cycle, a BigInt). */
export function metaJson(key: string, value: unknown): string {
  let json: string | undefined;
  try {
    // undefined for undefined, functions and symbols, whatever its type says
    json = JSON.stringify(value);
  } catch (error) {
    throw new ValidationError(
      ErrorCode.VALIDATION_FAILED,
      `Meta value "${key}" cannot be stored as JSON (${error instanceof Error ? error.message : String(error)}). Store plain data.`,
      { cause: error },
    );
  }
  if (json === undefined) {
    throw new ValidationError(
      ErrorCode.VALIDATION_FAILED,
      `Meta value "${key}" is ${typeof value}, which JSON cannot hold. Store plain data, or call deleteMeta to remove it.`,
    );
  }
  return json;
}
