import { z } from 'zod';
import { currencyExponent } from './currency';
import { ErrorCode, MoneyError, StateError } from './errors';
import {
  appendJournalEntry,
  emptyJournalHead,
  JournalHeadSchema,
  type JournalEntry,
  type JournalEntryBody,
  type JournalHead,
} from './journal';
import { MinorUnitsSchema } from './money';
import { parseInput } from './validate';

/** The open cash session (shift) of a till. */
export interface SessionInfo {
  id: string;
  openedAt: string;
  operator: string | null;
  /** the counted opening float in minor units */
  openingFloat: number;
  /** sequence of the session_opening journal entry */
  openingSequence: number;
}

/**
 * A till's state. Plain data, safe to persist; never mutated: every function returns a new state,
 * which the caller stores together with the journal entry it came with.
 */
export interface TillState {
  tillId: string;
  /** the currency the till keeps its books in */
  currency: string;
  journal: JournalHead;
  /** the last receipt number handed out (gapless; training receipts get none) */
  lastReceiptNumber: number;
  /** the last Z report number (gapless) */
  lastZNumber: number;
  session: SessionInfo | null;
}

const IdSchema = z.string().min(1).max(128);

const SessionInfoSchema = z.object({
  id: IdSchema,
  openedAt: z.string().min(1),
  operator: IdSchema.nullable(),
  openingFloat: MinorUnitsSchema.nonnegative(),
  openingSequence: MinorUnitsSchema.positive(),
});

const TillStateSchema = z.object({
  tillId: IdSchema,
  currency: z.string(),
  journal: JournalHeadSchema,
  lastReceiptNumber: MinorUnitsSchema.nonnegative(),
  lastZNumber: MinorUnitsSchema.nonnegative(),
  session: SessionInfoSchema.nullable(),
});

/**
 * Checks a till state at a public boundary: VALIDATION_FAILED for a malformed state,
 * UNKNOWN_CURRENCY for a currency that is not ISO 4217. Returns it unchanged.
 */
export function checkTill(till: TillState): TillState {
  parseInput(TillStateSchema, till, 'till state');
  currencyExponent(till.currency);
  if (till.journal.tillId !== till.tillId) {
    throw new StateError(
      ErrorCode.JOURNAL_MISMATCH,
      `The till state of ${till.tillId} holds the journal head of till ${till.journal.tillId}; restore the state that belongs to this till.`,
    );
  }
  return till;
}

/**
 * A new till with an empty journal, no receipts, no Z reports and no open session.
 * Throws VALIDATION_FAILED for a bad till id and UNKNOWN_CURRENCY for an unknown currency.
 */
export function createTill(input: { tillId: string; currency: string }): TillState {
  const { tillId, currency } = parseInput(z.object({ tillId: IdSchema, currency: z.string() }), input, 'till');
  currencyExponent(currency);
  return {
    tillId,
    currency,
    journal: emptyJournalHead(tillId),
    lastReceiptNumber: 0,
    lastZNumber: 0,
    session: null,
  };
}

/**
 * Appends an entry to the till's journal and advances its head. A body with `sessionId: null`
 * gets the open session's id. Throws CURRENCY_MISMATCH when the body is not in the till's
 * currency and VALIDATION_FAILED for a malformed body.
 */
export function recordJournalEntry(till: TillState, body: JournalEntryBody): { till: TillState; entry: JournalEntry } {
  checkTill(till);
  const given = (typeof body === 'object' && body !== null ? body : {}) as Partial<JournalEntryBody>;
  const currency = given.currency;
  if (typeof currency === 'string' && currency !== till.currency) {
    throw new MoneyError(
      ErrorCode.CURRENCY_MISMATCH,
      `Till ${till.tillId} keeps its journal in ${till.currency}; the entry is in ${currency}. Record it on a till of that currency.`,
    );
  }
  const sessionId = given.sessionId ?? till.session?.id ?? null;
  const { head, entry } = appendJournalEntry(till.journal, { ...body, sessionId });
  return { till: { ...till, journal: head }, entry };
}

/** Hands out the next gapless receipt number. Call it only for receipts that count (not training). */
export function nextReceiptNumber(till: TillState): { till: TillState; receiptNumber: number } {
  checkTill(till);
  const receiptNumber = till.lastReceiptNumber + 1;
  return { till: { ...till, lastReceiptNumber: receiptNumber }, receiptNumber };
}
