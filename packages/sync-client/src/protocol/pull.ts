import { z } from 'zod';

/**
 * `GET /v1/sync/pull/<dataset>?cursor=<cursor>&limit=<n>` (bearer token): the changes of one dataset
 * after a cursor, oldest first, in pages. The cursor is the pair {updatedAt, id} of the last change
 * the client applied, sent as the opaque string of `encodeCursor`. No cursor: from the beginning
 * (a full resync). A change is an upsert or a tombstone (deleted: true).
 */
export const DATASETS = ['catalog', 'prices', 'tax-rates', 'members', 'config'] as const;
export type Dataset = (typeof DATASETS)[number];
export const datasetSchema = z.enum(DATASETS);

const idSchema = z.string().min(1).max(128);
const minorUnits = z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);

/** An article the till can sell. Its price comes from the `prices` dataset (same id). */
export const catalogItemSchema = z.object({
  id: idSchema,
  name: z.string().min(1).max(200),
  barcodes: z.array(z.string().min(1).max(64)).max(32).default([]),
  /** the tax-rates record the article is taxed with */
  taxId: idSchema,
  /** sold by weight (the quantity comes from the scale) */
  weighed: z.boolean().default(false),
  unit: z.string().max(16).optional(),
});
export type CatalogItem = z.infer<typeof catalogItemSchema>;

/** The price of an article (id = the article's id), in minor units of `currency`. */
export const priceSchema = z.object({
  id: idSchema,
  currency: z.string().length(3),
  /** per unit, or per `unit` of weight for weighed articles */
  unitPrice: minorUnits.nonnegative(),
});
export type Price = z.infer<typeof priceSchema>;

/** A tax rate as @tillkit/core's TaxRateInput takes it. */
export const taxRateSchema = z.object({
  id: idSchema,
  name: z.string().min(1).max(100),
  /** a decimal percentage string, e.g. "19" or "8.875" */
  rate: z.string().regex(/^\d+(\.\d+)?$/),
  inclusive: z.boolean(),
});
export type TaxRate = z.infer<typeof taxRateSchema>;

/** A loyalty member: looked up at the till by id, card number or e-mail. */
export const memberSchema = z.object({
  id: idSchema,
  name: z.string().min(1).max(200),
  cardNumber: z.string().max(64).optional(),
  email: z.string().max(200).optional(),
  points: z.number().int().nonnegative(),
  tier: z.string().max(32).optional(),
});
export type Member = z.infer<typeof memberSchema>;

/** One setting of the till's configuration (receipt header, cash rounding, ...). */
export const configEntrySchema = z.object({
  id: idSchema,
  value: z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string()), z.record(z.string(), z.string())]),
});
export type ConfigEntry = z.infer<typeof configEntrySchema>;

export const datasetRecordSchemas = {
  catalog: catalogItemSchema,
  prices: priceSchema,
  'tax-rates': taxRateSchema,
  members: memberSchema,
  config: configEntrySchema,
} as const;
export interface DatasetRecords {
  catalog: CatalogItem;
  prices: Price;
  'tax-rates': TaxRate;
  members: Member;
  config: ConfigEntry;
}

/** Where a client stands in a dataset: the last change it applied. */
export const cursorSchema = z.object({
  /** server time of the change, ms since the epoch (strictly ordered with `id` as tie-break) */
  updatedAt: z.number().int().nonnegative(),
  id: idSchema,
});
export type Cursor = z.infer<typeof cursorSchema>;

/** One change in a page: an upsert with the record, or a tombstone. */
export const changeSchema = z.discriminatedUnion('deleted', [
  z.object({
    id: idSchema,
    updatedAt: z.number().int().nonnegative(),
    deleted: z.literal(false),
    data: z.record(z.string(), z.unknown()),
  }),
  z.object({ id: idSchema, updatedAt: z.number().int().nonnegative(), deleted: z.literal(true) }),
]);
export type Change = z.infer<typeof changeSchema>;

export const pullPageSchema = z.object({
  dataset: datasetSchema,
  changes: z.array(changeSchema),
  /** the cursor after this page's last change (the request's cursor when the page is empty) */
  cursor: cursorSchema.nullable(),
  /** more changes wait after `cursor`: ask again at once */
  hasMore: z.boolean(),
});
export type PullPage = z.infer<typeof pullPageSchema>;

/** The opaque form of a cursor in the query string (base64url of its JSON). */
export function encodeCursor(cursor: Cursor): string {
  const json = JSON.stringify({ updatedAt: cursor.updatedAt, id: cursor.id });
  const bytes = new TextEncoder().encode(json);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Reads a cursor from its opaque form; null when it is not one. */
export function decodeCursor(text: string): Cursor | null {
  if (!/^[A-Za-z0-9_-]{1,700}$/.test(text)) return null;
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    const parsed = cursorSchema.safeParse(JSON.parse(new TextDecoder().decode(bytes)));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Compares two positions in a dataset: negative when `a` comes first. */
export function compareCursor(a: Cursor, b: Cursor): number {
  if (a.updatedAt !== b.updatedAt) return a.updatedAt - b.updatedAt;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
