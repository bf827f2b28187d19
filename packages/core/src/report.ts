import { z } from 'zod';
import { ErrorCode, MoneyError, StateError, ValidationError } from './errors';
import {
  isJournalEntry,
  JOURNAL_ENTRY_TYPES,
  JournalEntrySchema,
  movesTotals,
  type JournalEntry,
  type JournalEntryType,
} from './journal';
import type { TenderKind } from './transaction';
import { parseInput } from './validate';

/** Gross, net and tax of one tax rate over a session (sales and returns). */
export interface ReportRateTotal {
  taxId: string;
  rate: string;
  net: number;
  tax: number;
  gross: number;
}

/** Payments of one tender type over a session, net of refunds (change is reported separately). */
export interface ReportPayment {
  type: string;
  kind: TenderKind;
  amount: number;
}

/**
 * An X (mid-shift) or Z (closing) report of one cash session, computed from the journal only.
 * Amounts are integer minor units. Training entries and reprints appear only in the counts.
 */
export interface SessionReport {
  kind: 'X' | 'Z';
  /** the gapless Z number; null for X reports */
  zNumber: number | null;
  tillId: string;
  sessionId: string;
  currency: string;
  /** when the report was produced */
  at: string;
  openedAt: string;
  /** end of the session_closing entry; null while the session is open */
  closedAt: string | null;
  /** operator who opened the session */
  operator: string | null;
  firstSequence: number;
  lastSequence: number;
  /** entries per type, training excluded (voids are `counts.void`, no-sales `counts.no_sale`) */
  counts: Record<JournalEntryType, number>;
  /** training entries per type: journaled, counted here, never in any total */
  trainingCounts: Record<JournalEntryType, number>;
  /** completed sales: count and total (what customers paid, cash rounding included) */
  sales: { count: number; total: number };
  /** returns: count and total (signed, so <= 0 for refunds) */
  returns: { count: number; total: number };
  /** sales.total + returns.total */
  total: number;
  /** per tax rate, sorted by taxId then rate */
  rates: ReportRateTotal[];
  /** sums over `rates` */
  gross: number;
  net: number;
  tax: number;
  /** payments per tender type over sales and returns, sorted by type */
  payments: ReportPayment[];
  /** change given back in cash */
  change: number;
  /** signed cash rounding adjustments */
  cashRounding: number;
  paidIn: number;
  paidOut: number;
  openingFloat: number;
  /** cash taken on sales net of change */
  cashSales: number;
  /** cash given back on returns (positive) */
  cashRefunds: number;
  /** openingFloat + cashSales - cashRefunds + paidIn - paidOut */
  expectedCash: number;
  /** counted cash and counted - expected, from the session_closing entry; null before closing */
  counted: number | null;
  overShort: number | null;
  /** the journal's running totals after the last entry of the session */
  grandTotal: number;
  absoluteGrandTotal: number;
}

export type XReport = SessionReport & { kind: 'X'; zNumber: null };
export type ZReport = SessionReport & { kind: 'Z'; zNumber: number };

/** Options of buildReport. A Z report needs its zNumber; an X report has none. */
export interface ReportOptions {
  kind: 'X' | 'Z';
  sessionId: string;
  zNumber?: number | undefined;
  /** ISO 8601 timestamp of the report */
  at: string;
}

const ReportOptionsSchema = z
  .object({
    kind: z.enum(['X', 'Z']),
    sessionId: z.string().min(1).max(128),
    zNumber: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
    at: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 timestamp with a time zone' }),
  })
  .refine((o) => (o.kind === 'Z') === (o.zNumber !== undefined), {
    message: 'a Z report needs a zNumber and an X report must not have one',
    path: ['zNumber'],
  });

function mismatch(sessionId: string, problem: string): StateError {
  return new StateError(
    ErrorCode.JOURNAL_MISMATCH,
    `The journal given for session ${sessionId} ${problem}. Pass the till's journal from the session's opening entry on, as stored.`,
    { details: { sessionId } },
  );
}

function checkedAdd(a: number, b: number): number {
  const sum = a + b;
  if (!Number.isSafeInteger(sum)) {
    throw new MoneyError(
      ErrorCode.AMOUNT_OVERFLOW,
      'A report total is beyond the safe integer range; report on a shorter session.',
    );
  }
  return sum;
}

function intData(entry: JournalEntry, key: string, sessionId: string): number {
  const value = entry.data[key];
  if (typeof value !== 'number')
    throw mismatch(sessionId, `has a ${entry.type} entry (sequence ${entry.sequence}) without data.${key}`);
  return value;
}

/**
 * The entries of one session, checked: well-formed, in sequence order without gaps, one till,
 * one currency, opening first, closing (if any) last. Throws JOURNAL_MISMATCH otherwise.
 */
export function sessionEntries(entries: readonly JournalEntry[], sessionId: string): JournalEntry[] {
  if (!Array.isArray(entries)) {
    throw new ValidationError(ErrorCode.VALIDATION_FAILED, 'The journal must be an array of journal entries.');
  }
  const picked: JournalEntry[] = [];
  for (const raw of entries as readonly unknown[]) {
    if (typeof raw !== 'object' || raw === null || (raw as { sessionId?: unknown }).sessionId !== sessionId) continue;
    picked.push(isJournalEntry(raw) ? raw : parseInput(JournalEntrySchema, raw, `journal entry of session ${sessionId}`));
  }
  const first = picked[0];
  if (first === undefined || first.type !== 'session_opening')
    throw mismatch(sessionId, 'does not start with its session_opening entry');
  picked.forEach((entry, i) => {
    if (i > 0 && entry.sequence !== first.sequence + i) {
      throw mismatch(
        sessionId,
        `jumps from sequence ${first.sequence + i - 1} to ${entry.sequence} (entries missing or out of order)`,
      );
    }
    if (entry.tillId !== first.tillId || entry.currency !== first.currency) {
      throw mismatch(sessionId, `mixes tills or currencies at sequence ${entry.sequence}`);
    }
    if (i > 0 && entry.type === 'session_opening')
      throw mismatch(sessionId, `opens the session again at sequence ${entry.sequence}`);
    if (entry.type === 'session_closing' && i !== picked.length - 1) {
      throw mismatch(sessionId, `has entries after its session_closing entry (sequence ${entry.sequence})`);
    }
  });
  return picked;
}

function emptyCounts(): Record<JournalEntryType, number> {
  return Object.fromEntries(JOURNAL_ENTRY_TYPES.map((t) => [t, 0])) as Record<JournalEntryType, number>;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Builds the X or Z report of a session from the journal alone, with the same numbers for both
 * kinds: an X report mid-shift changes no state and has no Z number. `entries` may be the whole
 * journal; only the session's entries are used, and they must be complete from the opening on
 * (JOURNAL_MISMATCH otherwise). Training entries and reprints are only counted. This function
 * does not check hashes: run verifyChain on the journal before trusting a report.
 */
export function buildReport(entries: readonly JournalEntry[], options: ReportOptions & { kind: 'Z' }): ZReport;
export function buildReport(entries: readonly JournalEntry[], options: ReportOptions & { kind: 'X' }): XReport;
export function buildReport(entries: readonly JournalEntry[], options: ReportOptions): SessionReport;
export function buildReport(entries: readonly JournalEntry[], options: ReportOptions): SessionReport {
  const { kind, sessionId, zNumber, at } = parseInput(ReportOptionsSchema, options, 'report options');
  const list = sessionEntries(entries, sessionId);
  const opening = list[0] as JournalEntry;
  const last = list[list.length - 1] as JournalEntry;
  const closing = last.type === 'session_closing' ? last : null;

  const counts = emptyCounts();
  const trainingCounts = emptyCounts();
  const sales = { count: 0, total: 0 };
  const returns = { count: 0, total: 0 };
  const rates = new Map<string, ReportRateTotal>();
  const payments = new Map<string, ReportPayment>();
  let change = 0;
  let cashRounding = 0;
  let paidIn = 0;
  let paidOut = 0;
  let cashSales = 0;
  let cashRefunds = 0;

  for (const entry of list) {
    if (entry.training) {
      trainingCounts[entry.type] += 1;
      continue;
    }
    counts[entry.type] += 1;
    if (!movesTotals(entry)) continue;
    if (entry.type === 'paid_in') paidIn = checkedAdd(paidIn, intData(entry, 'amount', sessionId));
    if (entry.type === 'paid_out') paidOut = checkedAdd(paidOut, intData(entry, 'amount', sessionId));
    if (entry.type !== 'sale' && entry.type !== 'return') continue;

    const bucket = entry.type === 'sale' ? sales : returns;
    bucket.count += 1;
    bucket.total = checkedAdd(bucket.total, entry.total);
    for (const r of entry.rates) {
      const key = `${r.taxId}\u0000${r.rate}`;
      const sum = rates.get(key) ?? { taxId: r.taxId, rate: r.rate, net: 0, tax: 0, gross: 0 };
      rates.set(key, {
        ...sum,
        net: checkedAdd(sum.net, r.net),
        tax: checkedAdd(sum.tax, r.tax),
        gross: checkedAdd(sum.gross, r.gross),
      });
    }
    let cash = -entry.change;
    for (const p of entry.payments) {
      const key = `${p.type}\u0000${p.kind}`;
      const sum = payments.get(key) ?? { type: p.type, kind: p.kind, amount: 0 };
      payments.set(key, { ...sum, amount: checkedAdd(sum.amount, p.amount) });
      if (p.kind === 'cash') cash = checkedAdd(cash, p.amount);
    }
    change = checkedAdd(change, entry.change);
    cashRounding = checkedAdd(cashRounding, entry.cashRounding);
    if (entry.type === 'sale') cashSales = checkedAdd(cashSales, cash);
    else cashRefunds = checkedAdd(cashRefunds, -cash);
  }

  const openingFloat = intData(opening, 'float', sessionId);
  const expectedCash = [cashSales, -cashRefunds, paidIn, -paidOut].reduce(checkedAdd, openingFloat);
  let counted: number | null = null;
  let overShort: number | null = null;
  if (closing) {
    counted = intData(closing, 'counted', sessionId);
    overShort = intData(closing, 'overShort', sessionId);
    if (intData(closing, 'expected', sessionId) !== expectedCash || counted - expectedCash !== overShort) {
      throw mismatch(sessionId, `has a closing entry whose expected cash or over/short does not match its entries`);
    }
    if (kind === 'Z' && intData(closing, 'zNumber', sessionId) !== zNumber) {
      throw mismatch(sessionId, `was closed with Z number ${String(closing.data.zNumber)}, not ${String(zNumber)}`);
    }
  }
  const rateList = [...rates.values()].sort((a, b) => compareText(a.taxId, b.taxId) || compareText(a.rate, b.rate));
  return {
    kind,
    zNumber: zNumber ?? null,
    tillId: opening.tillId,
    sessionId,
    currency: opening.currency,
    at,
    openedAt: opening.startedAt,
    closedAt: closing ? closing.endedAt : null,
    operator: opening.operator,
    firstSequence: opening.sequence,
    lastSequence: last.sequence,
    counts,
    trainingCounts,
    sales,
    returns,
    total: checkedAdd(sales.total, returns.total),
    rates: rateList,
    gross: rateList.reduce((s, r) => checkedAdd(s, r.gross), 0),
    net: rateList.reduce((s, r) => checkedAdd(s, r.net), 0),
    tax: rateList.reduce((s, r) => checkedAdd(s, r.tax), 0),
    payments: [...payments.values()].sort((a, b) => compareText(a.type, b.type) || compareText(a.kind, b.kind)),
    change,
    cashRounding,
    paidIn,
    paidOut,
    openingFloat,
    cashSales,
    cashRefunds,
    expectedCash,
    counted,
    overShort,
    grandTotal: last.grandTotal,
    absoluteGrandTotal: last.absoluteGrandTotal,
  };
}
