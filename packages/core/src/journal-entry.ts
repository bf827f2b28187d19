import { z } from 'zod';
import { isCurrencyCode } from './currency';
import { CurrencyCodeSchema, MinorUnitsSchema } from './money';
import type { TenderKind } from './transaction';

/**
 * The append-only, hash-chained till journal (tamper evidence in the style of DE KassenSichV,
 * FR NF525 and AT RKSV). Every entry carries a gapless sequence, running grand totals and the
 * SHA-256 of the previous entry; nothing is ever edited or deleted.
 */

/** What a journal entry records. Training is a flag on any type, not a type of its own. */
export type JournalEntryType =
  'sale' | 'return' | 'void' | 'no_sale' | 'paid_in' | 'paid_out' | 'session_opening' | 'session_closing' | 'reprint' | 'failure';

export const JOURNAL_ENTRY_TYPES: readonly JournalEntryType[] = [
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
];

/** Gross, net and tax of one tax rate in one entry: net + tax = gross. */
export interface JournalRateTotal {
  taxId: string;
  /** canonical decimal percentage ("19", "8.875") */
  rate: string;
  net: number;
  tax: number;
  gross: number;
}

/** The payments of one tender type in one entry, summed (refunds are negative). */
export interface JournalPayment {
  type: string;
  kind: TenderKind;
  amount: number;
}

/** What the caller supplies for an entry; the journal adds sequence, totals and hashes. */
export interface JournalEntryBody {
  type: JournalEntryType;
  /** ISO 8601 timestamp with a time zone */
  startedAt: string;
  endedAt: string;
  operator: string | null;
  /** training entries are journaled but move no totals */
  training: boolean;
  transactionId: string | null;
  receiptNumber: number | null;
  /** ids of originals, e.g. the sale a return or reprint refers to */
  references: string[];
  currency: string;
  /** gross of the transaction in minor units, signed (returns negative); 0 for non-sales events */
  total: number;
  rates: JournalRateTotal[];
  payments: JournalPayment[];
  /** change given back in cash (>= 0) */
  change: number;
  /** signed cash rounding adjustment */
  cashRounding: number;
  sessionId: string | null;
  /** type-specific integers and strings, e.g. float, counted, expected, overShort, zNumber */
  data: Record<string, string | number | boolean | null>;
}

/** A journal entry as stored. `hash` covers every field except `hash` and `signature`. */
export interface JournalEntry extends JournalEntryBody {
  version: 1;
  tillId: string;
  /** gapless, starting at 1 */
  sequence: number;
  /** running sum of `total` over entries that move totals (not training, not reprints) */
  grandTotal: number;
  /** running sum of |total| over the same entries */
  absoluteGrandTotal: number;
  /** `hash` of the previous entry; GENESIS_HASH for sequence 1 */
  previousHash: string;
  /** lower-case hex SHA-256 of canonicalize(entry without hash and signature) */
  hash: string;
  /** slot for an external signature over `hash` (TSE, HSM); null until signed */
  signature: string | null;
}

/** Where the journal stands: enough to append the next entry or to verify a continuation. */
export interface JournalHead {
  tillId: string;
  /** the last appended sequence; 0 when empty */
  sequence: number;
  /** the last hash; GENESIS_HASH when empty */
  hash: string;
  grandTotal: number;
  absoluteGrandTotal: number;
}

/** The `previousHash` of the first entry: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

export const IdSchema = z.string().min(1).max(128);
const HASH_RE = /^[0-9a-f]{64}$/;
const RATE_RE = /^\d+(\.\d+)?$/;
const HashSchema = z.string().regex(HASH_RE, { message: 'must be 64 lower-case hex digits (a SHA-256)' });
const TimestampSchema = z.iso.datetime({
  offset: true,
  message: 'must be an ISO 8601 timestamp with a time zone, such as "2025-03-01T09:30:00.000Z"',
});
const TENDER_KINDS = ['cash', 'card', 'voucher', 'other'] as const;
const DataValueSchema = z.union([z.string().max(1024), MinorUnitsSchema, z.boolean(), z.null()]);

const RateTotalSchema = z
  .strictObject({
    taxId: IdSchema,
    rate: z.string().regex(RATE_RE, { message: 'must be a decimal percentage string such as "19" or "8.875"' }),
    net: MinorUnitsSchema,
    tax: MinorUnitsSchema,
    gross: MinorUnitsSchema,
  })
  .refine((r) => r.net + r.tax === r.gross, { message: 'net + tax must equal gross' });

const PaymentSchema = z.strictObject({ type: IdSchema, kind: z.enum(TENDER_KINDS), amount: MinorUnitsSchema });

const bodyShape = {
  type: z.enum(JOURNAL_ENTRY_TYPES as [JournalEntryType, ...JournalEntryType[]]),
  startedAt: TimestampSchema,
  endedAt: TimestampSchema,
  operator: IdSchema.nullable(),
  training: z.boolean(),
  transactionId: IdSchema.nullable(),
  receiptNumber: MinorUnitsSchema.nonnegative().nullable(),
  references: z.array(IdSchema).max(100),
  currency: CurrencyCodeSchema,
  total: MinorUnitsSchema,
  rates: z.array(RateTotalSchema).max(64),
  payments: z.array(PaymentSchema).max(64),
  change: MinorUnitsSchema.nonnegative(),
  cashRounding: MinorUnitsSchema,
  sessionId: IdSchema.nullable(),
  // zod skips an own "__proto__" key silently; refuse it, or it could be added without changing the hash
  data: z
    .custom<object>((v) => typeof v !== 'object' || v === null || !Object.prototype.hasOwnProperty.call(v, '__proto__'), {
      message: 'must not have a "__proto__" key',
    })
    .pipe(z.record(z.string().min(1).max(64), DataValueSchema))
    .refine((d) => Object.keys(d).length <= 64, { message: 'must have at most 64 keys' }),
};

const entryShape = {
  ...bodyShape,
  version: z.literal(1),
  tillId: IdSchema,
  sequence: MinorUnitsSchema.positive(),
  grandTotal: MinorUnitsSchema,
  absoluteGrandTotal: MinorUnitsSchema.nonnegative(),
  previousHash: HashSchema,
  hash: HashSchema,
  signature: z.string().min(1).max(8192).nullable(),
};

/** Validates a journal entry body at the boundary (unknown keys are refused). */
export const JournalEntryBodySchema = z.strictObject(bodyShape);

/** Validates a stored journal entry's shape (not its hashes: that is verifyChain's job). */
export const JournalEntrySchema = z.strictObject(entryShape);

export const JournalHeadSchema = z.object({
  tillId: IdSchema,
  sequence: MinorUnitsSchema.nonnegative(),
  hash: HashSchema,
  grandTotal: MinorUnitsSchema,
  absoluteGrandTotal: MinorUnitsSchema.nonnegative(),
});

// ---------------------------------------------------------------------------------------------
// Fast guards. Appending and verifying 100,000 entries spends most of its time here, so the hot
// path checks shapes by hand and falls back to the zod schemas (the source of truth, and of the
// error messages) only when a check fails. They accept exactly what the schemas accept for plain
// objects (journal.property.test.ts compares them on mutated entries); for anything else they
// say false and the schema decides.
// ---------------------------------------------------------------------------------------------

type Loose = Record<string, unknown>;

const ENTRY_TYPE_SET: ReadonlySet<string> = new Set(JOURNAL_ENTRY_TYPES);
const TENDER_KIND_SET: ReadonlySet<string> = new Set(TENDER_KINDS);
const BODY_KEYS: ReadonlySet<string> = new Set(Object.keys(bodyShape));
const ENTRY_KEYS: ReadonlySet<string> = new Set(Object.keys(entryShape));
const RATE_KEYS: ReadonlySet<string> = new Set(['taxId', 'rate', 'net', 'tax', 'gross']);
const PAYMENT_KEYS: ReadonlySet<string> = new Set(['type', 'kind', 'amount']);

function isPlain(v: unknown): v is Loose {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Own enumerable string keys are exactly `keys` (symbol keys are ignored, as zod objects do). */
function hasExactKeys(v: Loose, keys: ReadonlySet<string>): boolean {
  const own = Object.keys(v);
  if (own.length !== keys.size) return false;
  for (const k of own) if (!keys.has(k)) return false;
  return true;
}

const isId = (v: unknown): v is string => typeof v === 'string' && v.length >= 1 && v.length <= 128;
const isIdOrNull = (v: unknown): boolean => v === null || isId(v);
const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
const isNat = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isHash = (v: unknown): v is string => typeof v === 'string' && HASH_RE.test(v);
const isTimestamp = (v: unknown): boolean => typeof v === 'string' && TimestampSchema.safeParse(v).success;

function isListOf(v: unknown, max: number, item: (x: unknown) => boolean): boolean {
  if (!Array.isArray(v) || v.length > max) return false;
  for (let i = 0; i < v.length; i++) if (!item(v[i])) return false; // holes read as undefined
  return true;
}

function isRate(v: unknown): boolean {
  return (
    isPlain(v) &&
    hasExactKeys(v, RATE_KEYS) &&
    isId(v.taxId) &&
    typeof v.rate === 'string' &&
    RATE_RE.test(v.rate) &&
    isInt(v.net) &&
    isInt(v.tax) &&
    isInt(v.gross) &&
    v.net + v.tax === v.gross
  );
}

function isPayment(v: unknown): boolean {
  return isPlain(v) && hasExactKeys(v, PAYMENT_KEYS) && isId(v.type) && TENDER_KIND_SET.has(v.kind as string) && isInt(v.amount);
}

function isData(v: unknown): boolean {
  if (!isPlain(v) || Object.getOwnPropertySymbols(v).length > 0 || Object.prototype.hasOwnProperty.call(v, '__proto__'))
    return false;
  const keys = Object.keys(v);
  if (keys.length > 64) return false;
  for (const key of keys) {
    const x = v[key];
    if (key.length < 1 || key.length > 64) return false;
    if (!(x === null || typeof x === 'boolean' || (typeof x === 'string' && x.length <= 1024) || isInt(x))) return false;
  }
  return true;
}

function hasBodyFields(v: Loose): boolean {
  return (
    ENTRY_TYPE_SET.has(v.type as string) &&
    isTimestamp(v.startedAt) &&
    isTimestamp(v.endedAt) &&
    isIdOrNull(v.operator) &&
    typeof v.training === 'boolean' &&
    isIdOrNull(v.transactionId) &&
    (v.receiptNumber === null || isNat(v.receiptNumber)) &&
    isListOf(v.references, 100, isId) &&
    isCurrencyCode(v.currency) &&
    isInt(v.total) &&
    isListOf(v.rates, 64, isRate) &&
    isListOf(v.payments, 64, isPayment) &&
    isNat(v.change) &&
    isInt(v.cashRounding) &&
    isIdOrNull(v.sessionId) &&
    isData(v.data)
  );
}

/** True when `value` is a well-formed journal entry body (what JournalEntryBodySchema accepts). */
export function isJournalEntryBody(value: unknown): value is JournalEntryBody {
  return isPlain(value) && hasExactKeys(value, BODY_KEYS) && hasBodyFields(value);
}

/** True when `value` is a well-formed journal entry (its shape only; verifyChain checks hashes). */
export function isJournalEntry(value: unknown): value is JournalEntry {
  if (!isPlain(value) || !hasExactKeys(value, ENTRY_KEYS)) return false;
  const v = value;
  return (
    v.version === 1 &&
    isId(v.tillId) &&
    isInt(v.sequence) &&
    v.sequence > 0 &&
    isInt(v.grandTotal) &&
    isNat(v.absoluteGrandTotal) &&
    isHash(v.previousHash) &&
    isHash(v.hash) &&
    (v.signature === null || (typeof v.signature === 'string' && v.signature.length >= 1 && v.signature.length <= 8192)) &&
    hasBodyFields(v)
  );
}

export function isHead(v: unknown): v is JournalHead {
  return (
    typeof v === 'object' &&
    v !== null &&
    isId((v as Loose).tillId) &&
    isNat((v as Loose).sequence) &&
    isHash((v as Loose).hash) &&
    isInt((v as Loose).grandTotal) &&
    isNat((v as Loose).absoluteGrandTotal)
  );
}
