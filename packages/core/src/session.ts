import { z } from 'zod';
import { currencyExponent } from './currency';
import { ErrorCode, MoneyError, StateError } from './errors';
import type { JournalEntry, JournalEntryBody } from './journal';
import { MinorUnitsSchema } from './money';
import { buildReport, sessionEntries, type ZReport } from './report';
import { checkTill, recordJournalEntry, type SessionInfo, type TillState } from './till';
import { parseInput } from './validate';

/**
 * Cash sessions (shifts): opening (float counted) -> open -> closing (counted by denomination)
 * -> closed. Every step is a journal entry; the till state only remembers the open session.
 */

/** Cash counted by denomination: { currency, counts: { "2000": 3, "50": 4 } } (minor units -> count). */
export interface DenominationCount {
  currency: string;
  counts: Record<string, number>;
}

/** Cash given either counted by denomination or as a total in minor units. */
export type CashCount = DenominationCount | number;

const IdSchema = z.string().min(1).max(128);
const MAX_DENOMINATIONS = 32;
const CountsSchema = z
  .record(
    z
      .string()
      .regex(/^[1-9]\d{0,14}$/, { message: 'denominations are positive integers of minor units, such as "2000" for 20.00' }),
    MinorUnitsSchema.nonnegative(),
  )
  .refine((c) => Object.keys(c).length <= MAX_DENOMINATIONS, { message: `must list at most ${MAX_DENOMINATIONS} denominations` });
const CashCountSchema = z.union([MinorUnitsSchema.nonnegative(), z.strictObject({ currency: z.string(), counts: CountsSchema })]);
const OperatorSchema = IdSchema.optional();
const AtSchema = z.iso.datetime({
  offset: true,
  message: 'must be an ISO 8601 timestamp with a time zone, such as "2025-03-01T09:30:00.000Z"',
});

/** The result of a session step: the till's next state and the journal entry to store with it. */
export interface SessionStep {
  till: TillState;
  entry: JournalEntry;
}

/**
 * The total of a count by denomination in minor units: countDenominations('EUR', { "2000": 2,
 * "50": 3 }) is 4150. Denominations are positive integers of minor units, counts non-negative
 * integers. Throws UNKNOWN_CURRENCY, VALIDATION_FAILED or AMOUNT_OVERFLOW.
 */
export function countDenominations(currency: string, counts: Record<string, number>): number {
  currencyExponent(currency);
  const parsed = parseInput(CountsSchema, counts, `${currency} cash count`);
  let total = 0;
  for (const [denomination, count] of Object.entries(parsed)) total += Number(denomination) * count;
  if (!Number.isSafeInteger(total)) {
    throw new MoneyError(
      ErrorCode.AMOUNT_OVERFLOW,
      `The ${currency} cash count is beyond the safe integer range; check the counts.`,
    );
  }
  return total;
}

/**
 * A cash count as a total, plus its per-denomination counts for the journal entry's data under
 * `label.prefix` ("floatCount.2000": 3).
 */
function readCount(
  till: TillState,
  input: unknown,
  label: { what: string; prefix: string },
): { amount: number; data: Record<string, number> } {
  const { what, prefix } = label;
  const count = parseInput(CashCountSchema, input, what);
  if (typeof count === 'number') return { amount: count, data: {} };
  if (count.currency !== till.currency) {
    throw new MoneyError(
      ErrorCode.CURRENCY_MISMATCH,
      `The ${what} is in ${count.currency} but till ${till.tillId} counts cash in ${till.currency}; count the till's currency.`,
    );
  }
  const data = Object.fromEntries(Object.entries(count.counts).map(([d, n]) => [`${prefix}.${d}`, n]));
  return { amount: countDenominations(count.currency, count.counts), data };
}

function requireSession(till: TillState, action: string): SessionInfo {
  checkTill(till);
  if (till.session === null) {
    throw new StateError(
      ErrorCode.SESSION_NOT_OPEN,
      `Till ${till.tillId} has no open session; open one with openSession() to ${action}.`,
    );
  }
  return till.session;
}

/** The body of a drawer or session event: no transaction, no totals, in the open session. */
function eventBody(
  till: TillState,
  type: JournalEntryBody['type'],
  event: { at: string; operator: string | null; data: JournalEntryBody['data'] },
): JournalEntryBody {
  const { at, operator, data } = event;
  return {
    type,
    startedAt: at,
    endedAt: at,
    operator,
    training: false,
    transactionId: null,
    receiptNumber: null,
    references: [],
    currency: till.currency,
    total: 0,
    rates: [],
    payments: [],
    change: 0,
    cashRounding: 0,
    sessionId: till.session?.id ?? null,
    data,
  };
}

const OpenSessionSchema = z.object({ id: IdSchema, at: AtSchema, operator: OperatorSchema, float: z.unknown() });

/**
 * Opens a cash session with a counted float (by denomination or as a total). Journals a
 * 'session_opening' entry with data.float (and the counts per denomination).
 * Throws SESSION_ALREADY_OPEN when a session is open, CURRENCY_MISMATCH for a float in another
 * currency and VALIDATION_FAILED for bad input.
 */
export function openSession(
  till: TillState,
  input: { id: string; at: string; operator?: string | undefined; float: CashCount },
): SessionStep {
  checkTill(till);
  const { id, at, operator = null, float } = parseInput(OpenSessionSchema, input, 'session opening');
  if (till.session !== null) {
    throw new StateError(
      ErrorCode.SESSION_ALREADY_OPEN,
      `Till ${till.tillId} already has session ${till.session.id} open; close it with closeSession() first.`,
    );
  }
  const counted = readCount(till, float, { what: 'opening float', prefix: 'floatCount' });
  const body = {
    ...eventBody(till, 'session_opening', { at, operator, data: { float: counted.amount, ...counted.data } }),
    sessionId: id,
  };
  const recorded = recordJournalEntry(till, body);
  const session: SessionInfo = {
    id,
    openedAt: at,
    operator,
    openingFloat: counted.amount,
    openingSequence: recorded.entry.sequence,
  };
  return { till: { ...recorded.till, session }, entry: recorded.entry };
}

const CashMovementSchema = z.object({
  amount: MinorUnitsSchema.positive(),
  reason: z.string().min(1).max(256),
  at: AtSchema,
  operator: OperatorSchema,
});

function cashMovement(till: TillState, type: 'paid_in' | 'paid_out', input: unknown): SessionStep {
  const session = requireSession(till, `record a ${type === 'paid_in' ? 'paid-in' : 'paid-out'}`);
  const { amount, reason, at, operator } = parseInput(CashMovementSchema, input, type.replace('_', '-'));
  return recordJournalEntry(
    till,
    eventBody(till, type, { at, operator: operator ?? session.operator, data: { amount, reason } }),
  );
}

/**
 * Cash put into the drawer outside a sale (change from the bank). Journals a 'paid_in' entry
 * with data.amount and data.reason; it raises expected cash but not the grand total.
 * Throws SESSION_NOT_OPEN without an open session. The operator defaults to the session's.
 */
export function paidIn(
  till: TillState,
  input: { amount: number; reason: string; at: string; operator?: string | undefined },
): SessionStep {
  return cashMovement(till, 'paid_in', input);
}

/** Cash taken out of the drawer outside a sale (a supplier paid in cash). See paidIn. */
export function paidOut(
  till: TillState,
  input: { amount: number; reason: string; at: string; operator?: string | undefined },
): SessionStep {
  return cashMovement(till, 'paid_out', input);
}

const NoSaleSchema = z.object({ at: AtSchema, reason: z.string().min(1).max(256).optional(), operator: OperatorSchema });

/** The drawer was opened without a sale. Journals a 'no_sale' entry. Throws SESSION_NOT_OPEN. */
export function noSale(
  till: TillState,
  input: { at: string; reason?: string | undefined; operator?: string | undefined },
): SessionStep {
  const session = requireSession(till, 'open the drawer');
  const { at, reason, operator } = parseInput(NoSaleSchema, input, 'no-sale');
  return recordJournalEntry(
    till,
    eventBody(till, 'no_sale', { at, operator: operator ?? session.operator, data: reason === undefined ? {} : { reason } }),
  );
}

const CloseSessionSchema = z.object({
  at: AtSchema,
  operator: OperatorSchema,
  counted: z.unknown(),
  entries: z.array(z.unknown()),
});

/**
 * Closes the open session: expected cash = opening float + cash sales - cash refunds + paid-in
 * - paid-out (cash payments net of change; training and reprints ignored), over/short = counted
 * - expected. Journals a 'session_closing' entry (data: zNumber, float, expected, counted,
 * overShort, counts per denomination), takes the next gapless Z number, clears the session and
 * returns the Z report built from the journal.
 *
 * `entries` must hold the session's entries from its opening to the till's head, as stored
 * (JOURNAL_MISMATCH otherwise). Hashes are not checked here, to keep closing cheap and pure:
 * callers that need tamper evidence run verifyChain over the journal.
 * Throws SESSION_NOT_OPEN without an open session.
 */
export function closeSession(
  till: TillState,
  input: { at: string; operator?: string | undefined; counted: CashCount; entries: readonly JournalEntry[] },
): SessionStep & { report: ZReport } {
  const session = requireSession(till, 'close it');
  const { at, operator, counted: countInput, entries } = parseInput(CloseSessionSchema, input, 'session closing');
  const list = sessionEntries(entries as JournalEntry[], session.id);
  const first = list[0] as JournalEntry;
  const last = list[list.length - 1] as JournalEntry;
  if (first.sequence !== session.openingSequence || last.sequence !== till.journal.sequence || last.hash !== till.journal.hash) {
    throw new StateError(
      ErrorCode.JOURNAL_MISMATCH,
      `The entries given for session ${session.id} run from sequence ${first.sequence} to ${last.sequence}, but the session opened at sequence ${session.openingSequence} and till ${till.tillId} is at sequence ${till.journal.sequence} (hash ${till.journal.hash.slice(0, 12)}…); pass the journal from the session's opening to the till's head, as stored.`,
    );
  }
  const { expectedCash } = buildReport(list, { kind: 'X', sessionId: session.id, at });
  const counted = readCount(till, countInput, { what: 'counted cash', prefix: 'count' });
  const zNumber = till.lastZNumber + 1;
  const data = {
    zNumber,
    float: session.openingFloat,
    expected: expectedCash,
    counted: counted.amount,
    overShort: counted.amount - expectedCash,
    ...counted.data,
  };
  const recorded = recordJournalEntry(
    till,
    eventBody(till, 'session_closing', { at, operator: operator ?? session.operator, data }),
  );
  const report = buildReport([...list, recorded.entry], { kind: 'Z', sessionId: session.id, zNumber, at });
  return { till: { ...recorded.till, lastZNumber: zNumber, session: null }, entry: recorded.entry, report };
}
