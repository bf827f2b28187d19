import { describe, expect, it } from 'vitest';
import { ErrorCode } from './errors';
import { journalBodyForTransaction, verifyChain, type JournalEntry, type JournalEntryBody } from './journal';
import type { TaxBucket } from './pricing-schema';
import { closeSession, countDenominations, noSale, openSession, paidIn, paidOut, type SessionStep } from './session';
import { DEFAULT_TAX_POLICY } from './tax-policy';
import { createTill, nextReceiptNumber, recordJournalEntry, type TillState } from './till';
import type { CompletedTransaction, Tender, VoidedTransaction } from './transaction';
import { errorCode as codeOf } from './test-support';

const T = (minute: number): string =>
  `2026-03-02T${String(9 + Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}:00.000Z`;

/** A till plus the journal as a store would keep it. */
class Harness {
  entries: JournalEntry[] = [];
  constructor(public till: TillState) {}
  step<R extends SessionStep>(result: R): R {
    this.till = result.till;
    this.entries.push(result.entry);
    return result;
  }
  record(body: JournalEntryBody): JournalEntry {
    return this.step(recordJournalEntry(this.till, body)).entry;
  }
}

function bucket(taxId: string, rate: string, gross: number, tax: number): TaxBucket {
  return { taxId, name: `VAT ${rate}%`, code: undefined, rate, inclusive: true, net: gross - tax, tax, gross };
}

function tender(type: string, kind: Tender['kind'], amount: number): Tender {
  return {
    id: `${type}-${amount}`,
    type,
    kind,
    amount,
    reference: undefined,
    allowsChange: kind === 'cash',
    cashRounding: kind === 'cash',
  };
}

interface SaleSpec {
  id: string;
  kind?: 'sale' | 'return';
  buckets: TaxBucket[];
  tenders: Tender[];
  change?: number;
  cashRounding?: number;
  training?: boolean;
  returnOf?: string;
  at: string;
}

/** A completed transaction built by hand (balanced: tenders - change = total + cash rounding). */
function completed(h: Harness, spec: SaleSpec): CompletedTransaction {
  const total = spec.buckets.reduce((s, b) => s + b.gross, 0);
  const cashRounding = spec.cashRounding ?? 0;
  const change = spec.change ?? 0;
  const paid = spec.tenders.reduce((s, t) => s + t.amount, 0);
  expect(paid - change).toBe(total + cashRounding);
  const receipt = spec.training ? { till: h.till, receiptNumber: 0 } : nextReceiptNumber(h.till);
  h.till = receipt.till;
  return {
    id: spec.id,
    tillId: h.till.tillId,
    kind: spec.kind ?? 'sale',
    currency: h.till.currency,
    operator: 'anna',
    training: spec.training ?? false,
    openedAt: spec.at,
    taxes: [],
    policy: DEFAULT_TAX_POLICY,
    events: [],
    status: 'completed',
    sequence: h.till.journal.sequence + 1,
    receiptNumber: receipt.receiptNumber,
    completedAt: spec.at,
    priced: {
      currency: h.till.currency,
      policy: DEFAULT_TAX_POLICY,
      lines: [],
      serviceCharges: [],
      taxBuckets: spec.buckets,
      subtotal: total,
      discountTotal: 0,
      netTotal: spec.buckets.reduce((s, b) => s + b.net, 0),
      taxTotal: spec.buckets.reduce((s, b) => s + b.tax, 0),
      serviceChargeTotal: 0,
      roundingAdjustment: 0,
      total,
      documentRounding: undefined,
    },
    tenders: spec.tenders,
    change,
    cashRounding,
    amountDue: total + cashRounding,
    returnOf: spec.returnOf ? { transactionId: spec.returnOf, sequence: 2, receiptNumber: 1, lines: [] } : undefined,
  };
}

function ring(h: Harness, spec: SaleSpec): CompletedTransaction {
  const tx = completed(h, spec);
  h.record(journalBodyForTransaction(tx));
  return tx;
}

function voided(h: Harness, at: string): VoidedTransaction {
  return {
    id: 'tx-void',
    tillId: h.till.tillId,
    kind: 'sale',
    currency: h.till.currency,
    operator: 'anna',
    training: false,
    openedAt: at,
    taxes: [],
    policy: DEFAULT_TAX_POLICY,
    events: [],
    status: 'voided',
    sequence: h.till.journal.sequence + 1,
    voidedAt: at,
    reason: 'customer changed their mind',
    lines: [
      { id: 'l1', name: 'Espresso', unitPrice: 420, quantity: 1, taxIds: ['vat81'] },
      { id: 'l2', name: 'Croissant', unitPrice: 350, quantity: 1, taxIds: ['vat26'] },
    ],
  };
}

/** CHF 150.00 counted by denomination: 1x50, 2x20, 3x10, 2x5, 5x2, 5x1, 4x0.50, 5x0.20, 20x0.10. */
const OPENING_FLOAT = {
  currency: 'CHF',
  counts: { '5000': 1, '2000': 2, '1000': 3, '500': 2, '200': 5, '100': 5, '50': 4, '20': 5, '10': 20 },
};
/** CHF 190.50 counted at closing: 2x50, 3x20, 2x10, 1x5, 2x2, 1x1, 1x0.50. */
const CLOSING_COUNT = { currency: 'CHF', counts: { '5000': 2, '2000': 3, '1000': 2, '500': 1, '200': 2, '100': 1, '50': 1 } };

/**
 * The worked example (CHF, VAT 8.1 % and 2.6 % inclusive):
 *   float                                          150.00
 *   S1 12.33 cash-rounded to 12.35, paid 20.00 cash, change 7.65     +12.35
 *   S2 45.60: 30.00 card + 20.00 cash, change 4.40                   +15.60
 *   S3  9.99 card                                                      0
 *   R1 return of S1, 12.35 refunded in cash                          -12.35
 *   T1 training sale 100.00 cash                                       0 (training)
 *   paid-in 50.00, paid-out 25.00                                    +25.00
 *   reprint of S1, no-sale, a voided sale                              0
 *   expected = 150.00 + 27.95 - 12.35 + 50.00 - 25.00 =             190.60
 *   counted 190.50 -> over/short -0.10
 */
function workedExample(options: { extras: boolean } = { extras: true }): Harness {
  const h = new Harness(createTill({ tillId: 'till-zh-1', currency: 'CHF' }));
  h.step(openSession(h.till, { id: 'shift-1', at: T(0), operator: 'anna', float: OPENING_FLOAT }));
  const s1 = ring(h, {
    id: 'S1',
    buckets: [bucket('vat81', '8.1', 1233, 92)],
    tenders: [tender('cash', 'cash', 2000)],
    change: 765,
    cashRounding: 2,
    at: T(5),
  });
  ring(h, {
    id: 'S2',
    buckets: [bucket('vat81', '8.1', 3000, 225), bucket('vat26', '2.6', 1560, 40)],
    tenders: [tender('visa', 'card', 3000), tender('cash', 'cash', 2000)],
    change: 440,
    at: T(10),
  });
  ring(h, { id: 'S3', buckets: [bucket('vat26', '2.6', 999, 25)], tenders: [tender('visa', 'card', 999)], at: T(15) });
  ring(h, {
    id: 'R1',
    kind: 'return',
    buckets: [bucket('vat81', '8.1', -1233, -92)],
    tenders: [tender('cash', 'cash', -1235)],
    cashRounding: -2,
    returnOf: 'S1',
    at: T(20),
  });
  if (options.extras) {
    ring(h, {
      id: 'T1',
      training: true,
      buckets: [bucket('vat81', '8.1', 10000, 749)],
      tenders: [tender('cash', 'cash', 10000)],
      at: T(25),
    });
  }
  h.step(paidIn(h.till, { amount: 5000, reason: 'change from the bank', at: T(30) }));
  h.step(paidOut(h.till, { amount: 2500, reason: 'window cleaner', at: T(35), operator: 'ben' }));
  if (options.extras) {
    h.record({
      ...journalBodyForTransaction(s1),
      type: 'reprint',
      references: ['S1'],
      receiptNumber: null,
      startedAt: T(40),
      endedAt: T(40),
    });
  }
  h.step(noSale(h.till, { at: T(45), reason: 'customer asked for change' }));
  h.record(journalBodyForTransaction(voided(h, T(50))));
  return h;
}

describe('till', () => {
  it('starts with an empty journal, no receipts, no Z reports and no session', () => {
    expect(createTill({ tillId: 'till-1', currency: 'EUR' })).toEqual({
      tillId: 'till-1',
      currency: 'EUR',
      journal: { tillId: 'till-1', sequence: 0, hash: '0'.repeat(64), grandTotal: 0, absoluteGrandTotal: 0 },
      lastReceiptNumber: 0,
      lastZNumber: 0,
      session: null,
    });
  });

  it('hands out gapless receipt numbers without changing the state it was given', () => {
    const till = createTill({ tillId: 'till-1', currency: 'EUR' });
    const a = nextReceiptNumber(till);
    const b = nextReceiptNumber(a.till);
    expect([a.receiptNumber, b.receiptNumber, b.till.lastReceiptNumber]).toEqual([1, 2, 2]);
    expect(till.lastReceiptNumber).toBe(0);
  });

  it('fills the session id of journal entries from the open session, and keeps one given explicitly', () => {
    const h = new Harness(createTill({ tillId: 'till-1', currency: 'CHF' }));
    const before = h.record({ ...journalBodyForTransaction(voided(h, T(0))) });
    h.step(openSession(h.till, { id: 'shift-1', at: T(1), float: 0 }));
    const during = h.record(journalBodyForTransaction(voided(h, T(2))));
    const explicit = h.record(journalBodyForTransaction(voided(h, T(3)), { sessionId: 'other' }));
    expect([before.sessionId, during.sessionId, explicit.sessionId]).toEqual([null, 'shift-1', 'other']);
    expect(h.till.journal).toMatchObject({ sequence: 4, hash: explicit.hash });
  });
});

describe('cash sessions', () => {
  it('counts cash by denomination in minor units', () => {
    expect(countDenominations('CHF', OPENING_FLOAT.counts)).toBe(15000);
    expect(countDenominations('CHF', CLOSING_COUNT.counts)).toBe(19050);
    expect(countDenominations('JPY', { '10000': 1, '1000': 3, '1': 7 })).toBe(13007);
    expect(countDenominations('EUR', {})).toBe(0);
  });

  it('opens with a counted float, journaled as session_opening with the counts', () => {
    const till = createTill({ tillId: 'till-zh-1', currency: 'CHF' });
    const { till: opened, entry } = openSession(till, { id: 'shift-1', at: T(0), operator: 'anna', float: OPENING_FLOAT });
    expect(opened.session).toEqual({ id: 'shift-1', openedAt: T(0), operator: 'anna', openingFloat: 15000, openingSequence: 1 });
    expect(entry).toMatchObject({ type: 'session_opening', sequence: 1, sessionId: 'shift-1', total: 0, operator: 'anna' });
    expect(entry.data).toMatchObject({ float: 15000, 'floatCount.5000': 1, 'floatCount.10': 20 });
    expect(till.session).toBeNull();
  });

  it('computes expected cash and over/short for the worked example', () => {
    const h = workedExample();
    const { report, entry } = h.step(closeSession(h.till, { at: T(60), counted: CLOSING_COUNT, entries: h.entries }));
    expect(entry.type).toBe('session_closing');
    expect(entry.data).toMatchObject({ zNumber: 1, float: 15000, expected: 19060, counted: 19050, overShort: -10 });
    expect(report).toMatchObject({
      openingFloat: 15000,
      cashSales: 2795,
      cashRefunds: 1235,
      paidIn: 5000,
      paidOut: 2500,
      expectedCash: 19060,
      counted: 19050,
      overShort: -10,
    });
    expect(h.till.session).toBeNull();
    expect(h.till.lastZNumber).toBe(1);
    expect(verifyChain(h.entries)).toEqual({ ok: true, count: 12, head: h.till.journal });
  });

  it('returns the full Z report of the worked example', () => {
    const h = workedExample();
    const { report } = closeSession(h.till, { at: T(60), counted: CLOSING_COUNT, entries: h.entries });
    const none = {
      sale: 0,
      return: 0,
      void: 0,
      no_sale: 0,
      paid_in: 0,
      paid_out: 0,
      session_opening: 0,
      session_closing: 0,
      reprint: 0,
      failure: 0,
    };
    expect(report).toEqual({
      kind: 'Z',
      zNumber: 1,
      tillId: 'till-zh-1',
      sessionId: 'shift-1',
      currency: 'CHF',
      at: T(60),
      openedAt: T(0),
      closedAt: T(60),
      operator: 'anna',
      firstSequence: 1,
      lastSequence: 12,
      counts: {
        ...none,
        sale: 3,
        return: 1,
        void: 1,
        no_sale: 1,
        paid_in: 1,
        paid_out: 1,
        session_opening: 1,
        session_closing: 1,
        reprint: 1,
      },
      trainingCounts: { ...none, sale: 1 },
      sales: { count: 3, total: 1235 + 4560 + 999 },
      returns: { count: 1, total: -1235 },
      total: 5559,
      rates: [
        { taxId: 'vat26', rate: '2.6', net: 1520 + 974, tax: 40 + 25, gross: 1560 + 999 },
        { taxId: 'vat81', rate: '8.1', net: 1141 + 2775 - 1141, tax: 92 + 225 - 92, gross: 1233 + 3000 - 1233 },
      ],
      gross: 5559,
      net: 5269,
      tax: 290,
      payments: [
        { type: 'cash', kind: 'cash', amount: 2000 + 2000 - 1235 },
        { type: 'visa', kind: 'card', amount: 3000 + 999 },
      ],
      change: 765 + 440,
      cashRounding: 2 - 2,
      paidIn: 5000,
      paidOut: 2500,
      openingFloat: 15000,
      cashSales: 2000 - 765 + (2000 - 440),
      cashRefunds: 1235,
      expectedCash: 19060,
      counted: 19050,
      overShort: -10,
      grandTotal: 5559,
      absoluteGrandTotal: 1235 + 4560 + 999 + 1235,
    });
  });

  it('records the counted total when no denominations are given, and an over as positive', () => {
    const h = workedExample();
    const { report } = h.step(closeSession(h.till, { at: T(60), counted: 19100, entries: h.entries }));
    expect([report.counted, report.overShort]).toEqual([19100, 40]);
  });

  it('ignores training and reprint entries: the same shift without them expects the same cash', () => {
    const withExtras = workedExample();
    const without = workedExample({ extras: false });
    expect(withExtras.entries.length - without.entries.length).toBe(2);
    const a = closeSession(withExtras.till, { at: T(60), counted: CLOSING_COUNT, entries: withExtras.entries }).report;
    const b = closeSession(without.till, { at: T(60), counted: CLOSING_COUNT, entries: without.entries }).report;
    expect([a.expectedCash, a.overShort]).toEqual([19060, -10]);
    expect([b.expectedCash, b.overShort]).toEqual([19060, -10]);
  });

  it('numbers Z reports without gaps over several sessions', () => {
    const h = new Harness(createTill({ tillId: 'till-1', currency: 'EUR' }));
    const zNumbers: number[] = [];
    for (let s = 1; s <= 3; s++) {
      h.step(openSession(h.till, { id: `shift-${s}`, at: T(s * 10), float: 10000 }));
      h.step(paidIn(h.till, { amount: 100 * s, reason: 'coins', at: T(s * 10 + 1) }));
      const closed = h.step(closeSession(h.till, { at: T(s * 10 + 2), counted: 10000 + 100 * s, entries: h.entries }));
      zNumbers.push(closed.report.zNumber);
      expect(closed.entry.data.zNumber).toBe(s);
      expect(closed.report.overShort).toBe(0);
    }
    expect(zNumbers).toEqual([1, 2, 3]);
    expect(h.till.lastZNumber).toBe(3);
    expect(h.entries.map((e) => e.sequence)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('closes with only the session entries given (the rest of the journal may be archived)', () => {
    const h = new Harness(createTill({ tillId: 'till-1', currency: 'EUR' }));
    h.step(openSession(h.till, { id: 'shift-1', at: T(0), float: 0 }));
    h.step(closeSession(h.till, { at: T(1), counted: 0, entries: h.entries }));
    const archived = h.entries.length;
    h.step(openSession(h.till, { id: 'shift-2', at: T(2), float: 500 }));
    h.step(noSale(h.till, { at: T(3) }));
    const { report } = h.step(closeSession(h.till, { at: T(4), counted: 500, entries: h.entries.slice(archived) }));
    expect(report).toMatchObject({ zNumber: 2, firstSequence: 3, lastSequence: 5, expectedCash: 500 });
  });

  it('uses the session operator for cash movements unless one is given', () => {
    const h = workedExample();
    const [paidInEntry, paidOutEntry] = h.entries.filter((e) => e.type === 'paid_in' || e.type === 'paid_out');
    expect(paidInEntry).toMatchObject({ operator: 'anna', total: 0, data: { amount: 5000, reason: 'change from the bank' } });
    expect(paidOutEntry).toMatchObject({ operator: 'ben', total: 0, data: { amount: 2500, reason: 'window cleaner' } });
  });

  it('works with the sale lifecycle (sale.ts): completed sales land in the session', async () => {
    const sale = await import('./sale');
    const opened = openSession(createTill({ tillId: 'till-1', currency: 'EUR' }), { id: 'shift-1', at: T(0), float: 5000 });
    let till = opened.till;
    const entries: JournalEntry[] = [opened.entry];
    let draft = sale.openSale({
      tillId: 'till-1',
      currency: 'EUR',
      taxes: [{ id: 'vat19', name: 'VAT 19%', rate: '19', inclusive: true }],
      at: T(1),
    });
    draft = sale.addLine(draft, { id: 'l1', name: 'Book', unitPrice: 1190, quantity: 1, taxIds: ['vat19'] }, { at: T(1) });
    draft = sale.addTender(draft, { type: 'cash', amount: 2000 }, { at: T(2) });
    const done = sale.completeSale(draft, till, { at: T(3) });
    till = done.till;
    entries.push(done.entry);
    const closed = closeSession(till, { at: T(4), counted: 6190, entries });
    expect(done.entry).toMatchObject({ type: 'sale', sessionId: 'shift-1', total: 1190, change: 810, receiptNumber: 1 });
    expect(closed.report).toMatchObject({ expectedCash: 6190, overShort: 0, sales: { count: 1, total: 1190 } });
    expect(verifyChain([...entries, closed.entry])).toEqual({ ok: true, count: 3, head: closed.till.journal });
  });
});

describe('invalid inputs', () => {
  const till = createTill({ tillId: 'till-1', currency: 'EUR' });
  const open = openSession(till, { id: 'shift-1', at: T(0), float: 0 });
  const body = journalBodyForTransaction({ ...voided(new Harness(till), T(1)), currency: 'EUR' });

  it.each<[string, () => unknown, string]>([
    ['createTill with an unknown currency', () => createTill({ tillId: 'till-1', currency: 'EURO' }), ErrorCode.UNKNOWN_CURRENCY],
    [
      'createTill with a lower-case currency',
      () => createTill({ tillId: 'till-1', currency: 'eur' }),
      ErrorCode.UNKNOWN_CURRENCY,
    ],
    ['createTill with an empty till id', () => createTill({ tillId: '', currency: 'EUR' }), ErrorCode.VALIDATION_FAILED],
    ['createTill with nothing', () => createTill(undefined as never), ErrorCode.VALIDATION_FAILED],
    [
      'recordJournalEntry in another currency',
      () => recordJournalEntry(till, { ...body, currency: 'USD' }),
      ErrorCode.CURRENCY_MISMATCH,
    ],
    [
      'recordJournalEntry with a float total',
      () => recordJournalEntry(till, { ...body, total: 0.1 }),
      ErrorCode.VALIDATION_FAILED,
    ],
    ['recordJournalEntry with garbage', () => recordJournalEntry(till, 42 as never), ErrorCode.VALIDATION_FAILED],
    [
      'recordJournalEntry on a broken till',
      () => recordJournalEntry({ ...till, journal: null } as never, body),
      ErrorCode.VALIDATION_FAILED,
    ],
    [
      'recordJournalEntry on a till holding another till journal',
      () => recordJournalEntry({ ...till, journal: { ...till.journal, tillId: 'till-2' } }, body),
      ErrorCode.JOURNAL_MISMATCH,
    ],
    ['nextReceiptNumber on garbage', () => nextReceiptNumber({} as TillState), ErrorCode.VALIDATION_FAILED],
    ['openSession twice', () => openSession(open.till, { id: 'shift-2', at: T(1), float: 0 }), ErrorCode.SESSION_ALREADY_OPEN],
    ['openSession with a negative float', () => openSession(till, { id: 's', at: T(1), float: -1 }), ErrorCode.VALIDATION_FAILED],
    ['openSession with a float of 1.5', () => openSession(till, { id: 's', at: T(1), float: 1.5 }), ErrorCode.VALIDATION_FAILED],
    [
      'openSession with a float in another currency',
      () => openSession(till, { id: 's', at: T(1), float: { currency: 'CHF', counts: { '100': 1 } } }),
      ErrorCode.CURRENCY_MISMATCH,
    ],
    ['openSession without an id', () => openSession(till, { id: '', at: T(1), float: 0 }), ErrorCode.VALIDATION_FAILED],
    [
      'openSession with a bad timestamp',
      () => openSession(till, { id: 's', at: 'yesterday', float: 0 }),
      ErrorCode.VALIDATION_FAILED,
    ],
    ['paidIn without a session', () => paidIn(till, { amount: 100, reason: 'coins', at: T(1) }), ErrorCode.SESSION_NOT_OPEN],
    ['paidOut without a session', () => paidOut(till, { amount: 100, reason: 'milk', at: T(1) }), ErrorCode.SESSION_NOT_OPEN],
    ['noSale without a session', () => noSale(till, { at: T(1) }), ErrorCode.SESSION_NOT_OPEN],
    ['paidIn of 0', () => paidIn(open.till, { amount: 0, reason: 'coins', at: T(1) }), ErrorCode.VALIDATION_FAILED],
    [
      'paidOut of a negative amount',
      () => paidOut(open.till, { amount: -5, reason: 'milk', at: T(1) }),
      ErrorCode.VALIDATION_FAILED,
    ],
    ['paidOut of a float', () => paidOut(open.till, { amount: 2.5, reason: 'milk', at: T(1) }), ErrorCode.VALIDATION_FAILED],
    ['paidIn without a reason', () => paidIn(open.till, { amount: 100, reason: '', at: T(1) }), ErrorCode.VALIDATION_FAILED],
    [
      'closeSession without a session',
      () => closeSession(till, { at: T(1), counted: 0, entries: [] }),
      ErrorCode.SESSION_NOT_OPEN,
    ],
    [
      'closeSession without the journal',
      () => closeSession(open.till, { at: T(1), counted: 0, entries: [] }),
      ErrorCode.JOURNAL_MISMATCH,
    ],
    [
      'closeSession with a journal missing its last entry',
      () => {
        const next = noSale(open.till, { at: T(1) });
        return closeSession(next.till, { at: T(2), counted: 0, entries: [open.entry] });
      },
      ErrorCode.JOURNAL_MISMATCH,
    ],
    [
      'closeSession with a journal missing an entry in the middle',
      () => {
        const a = noSale(open.till, { at: T(1) });
        const b = noSale(a.till, { at: T(2) });
        return closeSession(b.till, { at: T(3), counted: 0, entries: [open.entry, b.entry] });
      },
      ErrorCode.JOURNAL_MISMATCH,
    ],
    [
      'closeSession with entries that are not journal entries',
      () => closeSession(open.till, { at: T(1), counted: 0, entries: 'all' as never }),
      ErrorCode.VALIDATION_FAILED,
    ],
    [
      'closeSession with a count in another currency',
      () => closeSession(open.till, { at: T(1), counted: { currency: 'USD', counts: {} }, entries: [open.entry] }),
      ErrorCode.CURRENCY_MISMATCH,
    ],
    ['countDenominations in an unknown currency', () => countDenominations('XYZ', {}), ErrorCode.UNKNOWN_CURRENCY],
    ['countDenominations with a 0 denomination', () => countDenominations('EUR', { '0': 1 }), ErrorCode.VALIDATION_FAILED],
    [
      'countDenominations with a negative denomination',
      () => countDenominations('EUR', { '-5': 1 }),
      ErrorCode.VALIDATION_FAILED,
    ],
    [
      'countDenominations with a decimal denomination',
      () => countDenominations('EUR', { '0.5': 1 }),
      ErrorCode.VALIDATION_FAILED,
    ],
    ['countDenominations with a leading zero', () => countDenominations('EUR', { '050': 1 }), ErrorCode.VALIDATION_FAILED],
    ['countDenominations with a negative count', () => countDenominations('EUR', { '50': -1 }), ErrorCode.VALIDATION_FAILED],
    ['countDenominations with a fractional count', () => countDenominations('EUR', { '50': 1.5 }), ErrorCode.VALIDATION_FAILED],
    [
      'countDenominations beyond the safe range',
      () => countDenominations('EUR', { '100000000000000': 1000 }),
      ErrorCode.AMOUNT_OVERFLOW,
    ],
    ['countDenominations of null', () => countDenominations('EUR', null as never), ErrorCode.VALIDATION_FAILED],
  ])('%s: throws the documented code', (_name, run, code) => {
    expect(codeOf(run)).toBe(code);
  });

  it('tells what to do in its messages', () => {
    expect(() => paidIn(till, { amount: 100, reason: 'coins', at: T(1) })).toThrow(
      /no open session; open one with openSession\(\)/,
    );
    expect(() => closeSession(open.till, { at: T(1), counted: 0, entries: [] })).toThrow(
      /Pass the till's journal from the session's opening/,
    );
  });
});
