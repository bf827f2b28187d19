import { describe, expect, it } from 'vitest';
import { ErrorCode } from './errors';
import { hashJournalEntry, type JournalEntry, type JournalEntryBody } from './journal';
import { buildReport, type SessionReport } from './report';
import { closeSession, noSale, openSession, paidIn, paidOut } from './session';
import { createTill, recordJournalEntry, type TillState } from './till';
import { errorCode as codeOf } from './test-support';

const T = (minute: number): string => `2026-03-02T10:${String(minute).padStart(2, '0')}:00.000Z`;

function saleBody(total: number, cash: number, card: number, overrides: Partial<JournalEntryBody> = {}): JournalEntryBody {
  const tax = Math.round((total * 19) / 119);
  const payments: JournalEntryBody['payments'] = [];
  if (cash !== 0) payments.push({ type: 'cash', kind: 'cash', amount: cash });
  if (card !== 0) payments.push({ type: 'card', kind: 'card', amount: card });
  return {
    type: total < 0 ? 'return' : 'sale',
    startedAt: T(1),
    endedAt: T(2),
    operator: 'kim',
    training: false,
    transactionId: `tx-${total}-${cash}-${card}`,
    receiptNumber: null,
    references: [],
    currency: 'EUR',
    total,
    rates: [{ taxId: 'vat19', rate: '19', net: total - tax, tax, gross: total }],
    payments,
    change: Math.max(0, cash + card - total),
    cashRounding: 0,
    sessionId: null,
    data: {},
    ...overrides,
  };
}

/** A journal with two sessions on one till; the second is still open. */
function journal(): { till: TillState; entries: JournalEntry[] } {
  let till = createTill({ tillId: 'till-9', currency: 'EUR' });
  const entries: JournalEntry[] = [];
  const step = (r: { till: TillState; entry: JournalEntry }): void => {
    till = r.till;
    entries.push(r.entry);
  };
  step(openSession(till, { id: 'shift-a', at: T(0), operator: 'kim', float: 10000 }));
  step(recordJournalEntry(till, saleBody(1190, 2000, 0)));
  step(closeSession(till, { at: T(3), counted: 11190, entries }));

  step(openSession(till, { id: 'shift-b', at: T(10), operator: 'lee', float: 20000 }));
  step(recordJournalEntry(till, saleBody(2380, 0, 2380)));
  step(recordJournalEntry(till, saleBody(595, 1000, 0)));
  step(recordJournalEntry(till, saleBody(-595, -595, 0, { references: ['tx-595-1000-0'] })));
  step(recordJournalEntry(till, saleBody(9999, 9999, 0, { training: true })));
  step(recordJournalEntry(till, saleBody(-100, -100, 0, { training: true })));
  step(recordJournalEntry(till, { ...saleBody(595, 1000, 0), type: 'reprint', references: ['tx-595-1000-0'] }));
  step(recordJournalEntry(till, { ...saleBody(0, 0, 0), type: 'failure', rates: [], change: 0, data: { device: 'printer' } }));
  step(paidIn(till, { amount: 300, reason: 'coins', at: T(20) }));
  step(paidOut(till, { amount: 150, reason: 'stamps', at: T(21) }));
  step(noSale(till, { at: T(22) }));
  return { till, entries };
}

describe('buildReport', () => {
  it('reports one session out of the whole journal', () => {
    const { entries } = journal();
    const x = buildReport(entries, { kind: 'X', sessionId: 'shift-b', at: T(30) });
    expect(x).toMatchObject({
      kind: 'X',
      zNumber: null,
      tillId: 'till-9',
      sessionId: 'shift-b',
      operator: 'lee',
      openedAt: T(10),
      closedAt: null,
      firstSequence: 4,
      lastSequence: 14,
      sales: { count: 2, total: 2975 },
      returns: { count: 1, total: -595 },
      total: 2380,
      rates: [{ taxId: 'vat19', rate: '19', net: 2000, tax: 380, gross: 2380 }],
      payments: [
        { type: 'card', kind: 'card', amount: 2380 },
        { type: 'cash', kind: 'cash', amount: 405 },
      ],
      change: 405,
      openingFloat: 20000,
      cashSales: 595,
      cashRefunds: 595,
      paidIn: 300,
      paidOut: 150,
      expectedCash: 20150,
      counted: null,
      overShort: null,
      grandTotal: 1190 + 2380,
      absoluteGrandTotal: 1190 + 2380 + 595 + 595,
    });
    expect(x.counts).toMatchObject({
      session_opening: 1,
      sale: 2,
      return: 1,
      reprint: 1,
      failure: 1,
      paid_in: 1,
      paid_out: 1,
      no_sale: 1,
    });
    expect(x.trainingCounts).toMatchObject({ sale: 1, return: 1 });
  });

  it('gives an X report with the same numbers as a Z report over the same entries', () => {
    const { entries } = journal();
    const x = buildReport(entries, { kind: 'X', sessionId: 'shift-b', at: T(30) });
    const z = buildReport(entries, { kind: 'Z', sessionId: 'shift-b', zNumber: 2, at: T(30) });
    const strip = ({ kind: _k, zNumber: _z, ...numbers }: SessionReport) => numbers;
    expect(strip(z)).toEqual(strip(x));
    expect([x.kind, x.zNumber, z.kind, z.zNumber]).toEqual(['X', null, 'Z', 2]);
  });

  it('changes nothing: the same journal gives the same X report, and the journal is untouched', () => {
    const { entries } = journal();
    const frozen = structuredClone(entries);
    const first = buildReport(entries, { kind: 'X', sessionId: 'shift-b', at: T(30) });
    expect(buildReport(entries, { kind: 'X', sessionId: 'shift-b', at: T(30) })).toEqual(first);
    expect(entries).toEqual(frozen);
  });

  it('reproduces the Z report of a closed session from the journal alone', () => {
    const { till, entries } = journal();
    const closed = closeSession(till, { at: T(40), counted: 20000, entries });
    const again = buildReport([...entries, closed.entry], { kind: 'Z', sessionId: 'shift-b', zNumber: 2, at: T(40) });
    expect(again).toEqual(closed.report);
    expect(closed.report).toMatchObject({
      zNumber: 2,
      expectedCash: 20150,
      counted: 20000,
      overShort: -150,
      closedAt: T(40),
      lastSequence: 15,
    });
    // and the X numbers before closing are the Z numbers, apart from the closing itself
    const x = buildReport(entries, { kind: 'X', sessionId: 'shift-b', at: T(40) });
    const numbers = ({
      kind: _k,
      zNumber: _z,
      closedAt: _c,
      counted: _n,
      overShort: _o,
      lastSequence: _l,
      counts,
      ...rest
    }: SessionReport) => ({
      ...rest,
      counts: { ...counts, session_closing: 0 },
    });
    expect(numbers(closed.report)).toEqual(numbers(x));
  });

  it('reports the first, closed session', () => {
    const { entries } = journal();
    const z = buildReport(entries, { kind: 'Z', sessionId: 'shift-a', zNumber: 1, at: T(30) });
    expect(z).toMatchObject({ zNumber: 1, expectedCash: 11190, counted: 11190, overShort: 0, firstSequence: 1, lastSequence: 3 });
  });

  it('refuses a Z number that differs from the one the session was closed with', () => {
    const { entries } = journal();
    expect(codeOf(() => buildReport(entries, { kind: 'Z', sessionId: 'shift-a', zNumber: 5, at: T(30) }))).toBe(
      ErrorCode.JOURNAL_MISMATCH,
    );
  });

  it('refuses a closing entry whose stored expected cash does not match its entries', () => {
    const { entries } = journal();
    const closing = entries[2]!;
    const forged = { ...closing, data: { ...closing.data, expected: 99999, overShort: 11190 - 99999 } };
    const tampered = [entries[0]!, entries[1]!, { ...forged, hash: hashJournalEntry(forged) }];
    expect(codeOf(() => buildReport(tampered, { kind: 'Z', sessionId: 'shift-a', zNumber: 1, at: T(30) }))).toBe(
      ErrorCode.JOURNAL_MISMATCH,
    );
  });

  const { entries } = journal();
  const b = entries.filter((e) => e.sessionId === 'shift-b');
  const X = { kind: 'X' as const, sessionId: 'shift-b', at: T(30) };

  it.each<[string, () => unknown, string]>([
    [
      'a Z report without a Z number',
      () => buildReport(entries, { kind: 'Z', sessionId: 'shift-b', at: T(30) } as never),
      ErrorCode.VALIDATION_FAILED,
    ],
    ['an X report with a Z number', () => buildReport(entries, { ...X, zNumber: 3 }), ErrorCode.VALIDATION_FAILED],
    [
      'a Z number of 0',
      () => buildReport(entries, { kind: 'Z', sessionId: 'shift-b', zNumber: 0, at: T(30) }),
      ErrorCode.VALIDATION_FAILED,
    ],
    ['an unknown kind', () => buildReport(entries, { ...X, kind: 'Y' as never }), ErrorCode.VALIDATION_FAILED],
    ['a bad timestamp', () => buildReport(entries, { ...X, at: 'now' }), ErrorCode.VALIDATION_FAILED],
    ['no options', () => buildReport(entries, undefined as never), ErrorCode.VALIDATION_FAILED],
    ['entries that are not an array', () => buildReport('journal' as never, X), ErrorCode.VALIDATION_FAILED],
    ['an unknown session', () => buildReport(entries, { ...X, sessionId: 'shift-z' }), ErrorCode.JOURNAL_MISMATCH],
    ['a session without its opening', () => buildReport(b.slice(1), X), ErrorCode.JOURNAL_MISMATCH],
    ['a session with an entry missing', () => buildReport([...b.slice(0, 3), ...b.slice(4)], X), ErrorCode.JOURNAL_MISMATCH],
    ['a session out of order', () => buildReport([b[0]!, b[2]!, b[1]!, ...b.slice(3)], X), ErrorCode.JOURNAL_MISMATCH],
    [
      'a malformed session entry',
      () => buildReport([...b, { ...b[1]!, sequence: 15, total: 1.5 }], X),
      ErrorCode.VALIDATION_FAILED,
    ],
    [
      'a session entry in another currency',
      () => buildReport([...b, { ...b[1]!, sequence: 15, currency: 'USD' }], X),
      ErrorCode.JOURNAL_MISMATCH,
    ],
    [
      'a paid-in without its amount',
      () =>
        buildReport(
          b.map((e) => (e.type === 'paid_in' ? { ...e, data: {} } : e)),
          X,
        ),
      ErrorCode.JOURNAL_MISMATCH,
    ],
  ])('refuses %s', (_name, run, code) => {
    expect(codeOf(run)).toBe(code);
  });
});
