import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalize } from './canonical';
import { ErrorCode } from './errors';
import {
  appendJournalEntry,
  emptyJournalHead,
  GENESIS_HASH,
  hashJournalEntry,
  isJournalEntry,
  isJournalEntryBody,
  journalBodyForTransaction,
  JournalEntrySchema,
  verifyChain,
  withSignature,
  type JournalEntry,
  type JournalEntryBody,
  type JournalHead,
} from './journal';
import type { PricedSale, TaxBucket } from './pricing-schema';
import { DEFAULT_TAX_POLICY } from './tax-policy';
import type { CompletedTransaction, Tender, VoidedTransaction } from './transaction';
import { errorCode as codeOf } from './test-support';

const AT = '2026-03-02T09:00:00.000Z';

function body(overrides: Partial<JournalEntryBody> = {}): JournalEntryBody {
  return {
    type: 'sale',
    startedAt: AT,
    endedAt: '2026-03-02T09:01:30.000Z',
    operator: 'anna',
    training: false,
    transactionId: 'tx-1',
    receiptNumber: 1,
    references: [],
    currency: 'EUR',
    total: 1190,
    rates: [{ taxId: 'vat19', rate: '19', net: 1000, tax: 190, gross: 1190 }],
    payments: [{ type: 'cash', kind: 'cash', amount: 2000 }],
    change: 810,
    cashRounding: 0,
    sessionId: 'session-1',
    data: {},
    ...overrides,
  };
}

function chain(
  bodies: readonly JournalEntryBody[],
  start: JournalHead = emptyJournalHead('till-1'),
): { head: JournalHead; entries: JournalEntry[] } {
  let head = start;
  const entries: JournalEntry[] = [];
  for (const b of bodies) {
    const appended = appendJournalEntry(head, b);
    head = appended.head;
    entries.push(appended.entry);
  }
  return { head, entries };
}

/** A copy of `entry` changed by `change`, with its hash recomputed (a forger who knows the scheme). */
function forged(entry: JournalEntry, change: Partial<JournalEntry>): JournalEntry {
  const changed = { ...entry, ...change };
  return { ...changed, hash: hashJournalEntry(changed) };
}

function bucket(taxId: string, rate: string, net: number, tax: number): TaxBucket {
  return { taxId, name: `VAT ${rate}%`, code: undefined, rate, inclusive: true, net, tax, gross: net + tax };
}

function priced(total: number, taxBuckets: TaxBucket[]): PricedSale {
  return {
    currency: 'EUR',
    policy: DEFAULT_TAX_POLICY,
    lines: [],
    serviceCharges: [],
    taxBuckets,
    subtotal: total,
    discountTotal: 0,
    netTotal: taxBuckets.reduce((s, b) => s + b.net, 0),
    taxTotal: taxBuckets.reduce((s, b) => s + b.tax, 0),
    serviceChargeTotal: 0,
    roundingAdjustment: 0,
    total,
    documentRounding: undefined,
  };
}

function tender(id: string, type: string, kind: Tender['kind'], amount: number): Tender {
  return { id, type, kind, amount, reference: undefined, allowsChange: kind === 'cash', cashRounding: kind === 'cash' };
}

/** A completed sale built by hand: 11.90 at 19 % and 3.21 at 7 %, paid 10.00 card + 2 x cash. */
function completedSale(overrides: Partial<CompletedTransaction> = {}): CompletedTransaction {
  return {
    id: 'tx-sale',
    tillId: 'till-1',
    kind: 'sale',
    currency: 'EUR',
    operator: 'anna',
    training: false,
    openedAt: AT,
    taxes: [],
    policy: DEFAULT_TAX_POLICY,
    events: [],
    status: 'completed',
    sequence: 2,
    receiptNumber: 7,
    completedAt: '2026-03-02T09:02:00.000Z',
    priced: priced(1511, [bucket('vat19', '19', 1000, 190), bucket('vat7', '7', 300, 21)]),
    tenders: [tender('t1', 'visa', 'card', 1000), tender('t2', 'cash', 'cash', 500), tender('t3', 'cash', 'cash', 100)],
    change: 89,
    cashRounding: 0,
    amountDue: 1511,
    returnOf: undefined,
    ...overrides,
  };
}

function voidedSale(): VoidedTransaction {
  return {
    id: 'tx-void',
    tillId: 'till-1',
    kind: 'sale',
    currency: 'EUR',
    operator: undefined,
    training: false,
    openedAt: AT,
    taxes: [],
    policy: DEFAULT_TAX_POLICY,
    events: [],
    status: 'voided',
    sequence: 3,
    voidedAt: '2026-03-02T09:03:00.000Z',
    reason: 'customer left',
    lines: [
      { id: 'l1', name: 'Coffee', unitPrice: 300, quantity: 1, taxIds: ['vat19'] },
      { id: 'l2', name: 'Cake', unitPrice: 400, quantity: 2, taxIds: ['vat7'] },
    ],
  };
}

describe('appendJournalEntry', () => {
  it('starts at sequence 1 after the genesis hash of 64 zeros', () => {
    expect(GENESIS_HASH).toBe('0'.repeat(64));
    expect(emptyJournalHead('till-1')).toEqual({
      tillId: 'till-1',
      sequence: 0,
      hash: GENESIS_HASH,
      grandTotal: 0,
      absoluteGrandTotal: 0,
    });
    const { entry, head } = appendJournalEntry(emptyJournalHead('till-1'), body());
    expect(entry).toMatchObject({ version: 1, tillId: 'till-1', sequence: 1, previousHash: GENESIS_HASH, signature: null });
    expect(entry.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(head).toEqual({ tillId: 'till-1', sequence: 1, hash: entry.hash, grandTotal: 1190, absoluteGrandTotal: 1190 });
  });

  it('chains entries: gapless sequences, each previousHash is the hash before it', () => {
    const { entries, head } = chain([
      body(),
      body({ transactionId: 'tx-2', total: 500 }),
      body({ transactionId: 'tx-3', total: 250 }),
    ]);
    expect(entries.map((e) => e.sequence)).toEqual([1, 2, 3]);
    expect(entries[1]!.previousHash).toBe(entries[0]!.hash);
    expect(entries[2]!.previousHash).toBe(entries[1]!.hash);
    expect(head.hash).toBe(entries[2]!.hash);
    expect(entries.map((e) => e.grandTotal)).toEqual([1190, 1690, 1940]);
  });

  it('keeps the body it was given (a copy: later changes to the input do not reach the entry)', () => {
    const input = body({ references: ['tx-0'], data: { note: 'x' } });
    const { entry } = appendJournalEntry(emptyJournalHead('till-1'), input);
    input.references.push('tx-9');
    input.data.note = 'changed';
    expect(entry.references).toEqual(['tx-0']);
    expect(entry.data).toEqual({ note: 'x' });
    expect(verifyChain([entry]).ok).toBe(true);
  });

  it('hashes the same entry to the same golden value in every run and on every platform', () => {
    const { entry } = appendJournalEntry(emptyJournalHead('till-1'), body());
    const { hash: _hash, signature: _signature, ...content } = entry;
    const text = canonicalize(content);
    expect(text).toBe(
      '{"absoluteGrandTotal":1190,"cashRounding":0,"change":810,"currency":"EUR","data":{},' +
        '"endedAt":"2026-03-02T09:01:30.000Z","grandTotal":1190,"operator":"anna",' +
        '"payments":[{"amount":2000,"kind":"cash","type":"cash"}],' +
        `"previousHash":"${GENESIS_HASH}",` +
        '"rates":[{"gross":1190,"net":1000,"rate":"19","tax":190,"taxId":"vat19"}],' +
        '"receiptNumber":1,"references":[],"sequence":1,"sessionId":"session-1",' +
        '"startedAt":"2026-03-02T09:00:00.000Z","tillId":"till-1","total":1190,"training":false,' +
        '"transactionId":"tx-1","type":"sale","version":1}',
    );
    // an independent SHA-256 of the canonical UTF-8 text agrees
    expect(entry.hash).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
    expect(entry.hash).toBe('3b999f86664ceeb2eb44bf74ac18770f6ae9d6757db5731911f7ea9c49809b8a');
  });

  it('moves grand totals for sales and returns, not for training or reprint entries', () => {
    const { entries, head } = chain([
      body({ total: 1000 }),
      body({ type: 'return', total: -400, references: ['tx-1'] }),
      body({ training: true, total: 5000 }),
      body({ type: 'reprint', total: 1000, references: ['tx-1'] }),
      body({ type: 'reprint', training: true, total: 1000 }),
      body({ type: 'no_sale', total: 0, rates: [], payments: [], change: 0 }),
    ]);
    expect(entries.map((e) => [e.grandTotal, e.absoluteGrandTotal])).toEqual([
      [1000, 1000],
      [600, 1400],
      [600, 1400],
      [600, 1400],
      [600, 1400],
      [600, 1400],
    ]);
    // they are journaled all the same, with their flags, in the gapless sequence
    expect(entries.map((e) => [e.sequence, e.type, e.training])).toEqual([
      [1, 'sale', false],
      [2, 'return', false],
      [3, 'sale', true],
      [4, 'reprint', false],
      [5, 'reprint', true],
      [6, 'no_sale', false],
    ]);
    expect(head).toMatchObject({ sequence: 6, grandTotal: 600, absoluteGrandTotal: 1400 });
  });

  it('refuses a grand total beyond the safe integer range with AMOUNT_OVERFLOW', () => {
    const head = {
      ...emptyJournalHead('till-1'),
      grandTotal: Number.MAX_SAFE_INTEGER - 10,
      absoluteGrandTotal: Number.MAX_SAFE_INTEGER - 10,
    };
    expect(codeOf(() => appendJournalEntry(head, body({ total: 11 })))).toBe(ErrorCode.AMOUNT_OVERFLOW);
  });
});

describe('withSignature', () => {
  it('fills the signature slot without changing the hash, and the chain still verifies', () => {
    const { entries } = chain([body(), body({ transactionId: 'tx-2' })]);
    const signed = withSignature(entries[0]!, 'MEUCIQD-signature');
    expect(signed.signature).toBe('MEUCIQD-signature');
    expect(signed.hash).toBe(entries[0]!.hash);
    expect(entries[0]!.signature).toBeNull();
    expect(verifyChain([signed, entries[1]!])).toMatchObject({ ok: true, count: 2 });
  });

  it('refuses to sign an entry twice: entries are never edited', () => {
    const { entries } = chain([body()]);
    const signed = withSignature(entries[0]!, 'sig-1');
    expect(codeOf(() => withSignature(signed, 'sig-2'))).toBe(ErrorCode.INVALID_STATE);
  });

  it('is outside the hash: a changed signature is found only by checking it with the signer key', () => {
    const { entries } = chain([body()]);
    const resigned = { ...withSignature(entries[0]!, 'good'), signature: 'forged' };
    expect(verifyChain([resigned]).ok).toBe(true);
  });
});

describe('journalBodyForTransaction', () => {
  it('records a sale: rates from the stored tax buckets, payments summed per tender type', () => {
    const b = journalBodyForTransaction(completedSale(), { sessionId: 'session-1' });
    expect(b).toEqual({
      type: 'sale',
      startedAt: AT,
      endedAt: '2026-03-02T09:02:00.000Z',
      operator: 'anna',
      training: false,
      transactionId: 'tx-sale',
      receiptNumber: 7,
      references: [],
      currency: 'EUR',
      total: 1511,
      rates: [
        { taxId: 'vat19', rate: '19', net: 1000, tax: 190, gross: 1190 },
        { taxId: 'vat7', rate: '7', net: 300, tax: 21, gross: 321 },
      ],
      payments: [
        { type: 'cash', kind: 'cash', amount: 600 },
        { type: 'visa', kind: 'card', amount: 1000 },
      ],
      change: 89,
      cashRounding: 0,
      sessionId: 'session-1',
      data: {},
    });
  });

  it('uses `at` as the end timestamp when given and null as the session by default', () => {
    const b = journalBodyForTransaction(completedSale(), { at: '2026-03-02T10:00:00.000Z' });
    expect(b.endedAt).toBe('2026-03-02T10:00:00.000Z');
    expect(b.sessionId).toBeNull();
  });

  it('records a return with a negative total and a reference to the original sale', () => {
    const ret = completedSale({
      id: 'tx-return',
      kind: 'return',
      priced: priced(-1190, [bucket('vat19', '19', -1000, -190)]),
      tenders: [tender('r1', 'cash', 'cash', -1190)],
      change: 0,
      amountDue: -1190,
      returnOf: { transactionId: 'tx-sale', sequence: 2, receiptNumber: 7, lines: [] },
    });
    const b = journalBodyForTransaction(ret);
    expect(b).toMatchObject({
      type: 'return',
      total: -1190,
      references: ['tx-sale'],
      rates: [{ taxId: 'vat19', rate: '19', net: -1000, tax: -190, gross: -1190 }],
      payments: [{ type: 'cash', kind: 'cash', amount: -1190 }],
      data: { returnOfSequence: 2, returnOfReceiptNumber: 7 },
    });
  });

  it('records the cash rounding and flags training receipts, which have no receipt number', () => {
    const b = journalBodyForTransaction(completedSale({ training: true, receiptNumber: 0, cashRounding: 1, amountDue: 1512 }));
    expect(b).toMatchObject({ training: true, receiptNumber: null, cashRounding: 1, total: 1512 });
  });

  it('records a voided transaction as a void with total 0 and the number of voided lines', () => {
    expect(journalBodyForTransaction(voidedSale())).toEqual({
      type: 'void',
      startedAt: AT,
      endedAt: '2026-03-02T09:03:00.000Z',
      operator: null,
      training: false,
      transactionId: 'tx-void',
      receiptNumber: null,
      references: [],
      currency: 'EUR',
      total: 0,
      rates: [],
      payments: [],
      change: 0,
      cashRounding: 0,
      sessionId: null,
      data: { voidedLines: 2, reason: 'customer left' },
    });
  });

  it('gives bodies that append and verify', () => {
    const { entries } = chain([journalBodyForTransaction(completedSale()), journalBodyForTransaction(voidedSale())]);
    expect(verifyChain(entries)).toMatchObject({ ok: true, head: { grandTotal: 1511, absoluteGrandTotal: 1511 } });
  });
});

describe('verifyChain', () => {
  const bodies = Array.from({ length: 6 }, (_, i) =>
    body({ transactionId: `tx-${i + 1}`, receiptNumber: i + 1, total: 100 * (i + 1) }),
  );
  const { entries, head } = chain(bodies);

  it('accepts an intact journal and returns its head', () => {
    expect(verifyChain(entries)).toEqual({ ok: true, count: 6, head });
  });

  it('accepts an empty journal', () => {
    expect(verifyChain([])).toEqual({ ok: true, count: 0, head: { ...emptyJournalHead('x'), tillId: '' } });
    expect(verifyChain([], { start: head })).toEqual({ ok: true, count: 0, head });
  });

  it('verifies a continuation from a known head', () => {
    const start: JournalHead = {
      tillId: 'till-1',
      sequence: 3,
      hash: entries[2]!.hash,
      grandTotal: entries[2]!.grandTotal,
      absoluteGrandTotal: entries[2]!.absoluteGrandTotal,
    };
    expect(verifyChain(entries.slice(3), { start })).toEqual({ ok: true, count: 3, head });
    // without the start, a continuation does not begin at sequence 1
    expect(verifyChain(entries.slice(3))).toMatchObject({ ok: false, index: 0, reason: 'sequence_gap' });
  });

  it.each([0, 2, 5])('reports a deleted entry at the index where it is missing (deleted %i)', (k) => {
    const rest = entries.filter((_, i) => i !== k);
    if (k === entries.length - 1) {
      // removing the last entry leaves a valid shorter chain: only the till's stored head shows it
      const result = verifyChain(rest);
      expect(result.ok && result.head.hash === head.hash).toBe(false);
      expect(result).toMatchObject({ ok: true, count: 5 });
    } else {
      expect(verifyChain(rest)).toMatchObject({ ok: false, index: k, sequence: k + 2, reason: 'sequence_gap' });
    }
  });

  it.each([
    [0, 1],
    [1, 4],
    [4, 5],
  ])('reports swapped entries %i and %i at the first of them', (i, j) => {
    const swapped = [...entries];
    [swapped[i], swapped[j]] = [swapped[j]!, swapped[i]!];
    expect(verifyChain(swapped)).toMatchObject({ ok: false, index: i, reason: 'sequence_gap' });
  });

  it('reports an inserted (duplicated) entry at its index', () => {
    const doubled = [...entries.slice(0, 3), entries[2]!, ...entries.slice(3)];
    expect(verifyChain(doubled)).toMatchObject({ ok: false, index: 3, reason: 'sequence_gap' });
  });

  it('reports a changed field at that entry (hash mismatch)', () => {
    const changed = [...entries];
    changed[3] = { ...entries[3]!, operator: 'mallory' };
    expect(verifyChain(changed)).toMatchObject({ ok: false, index: 3, sequence: 4, reason: 'hash_mismatch' });
  });

  it('catches a changed entry whose hash was recomputed at the NEXT entry', () => {
    const changed = [...entries];
    changed[2] = forged(entries[2]!, { operator: 'mallory' });
    expect(verifyChain(changed)).toMatchObject({ ok: false, index: 3, sequence: 4, reason: 'previous_hash_mismatch' });
  });

  it('catches a forged last entry only against the stored head', () => {
    const changed = [...entries.slice(0, 5), forged(entries[5]!, { operator: 'mallory' })];
    const result = verifyChain(changed);
    expect(result.ok).toBe(true);
    expect(result.ok && result.head.hash).not.toBe(head.hash);
  });

  it('reports wrong grand totals at that entry, even with a recomputed hash', () => {
    const changed = [...entries];
    changed[1] = forged(entries[1]!, { grandTotal: entries[1]!.grandTotal + 1 });
    expect(verifyChain(changed)).toMatchObject({ ok: false, index: 1, reason: 'grand_total_mismatch' });
    const totalChanged = [...entries];
    totalChanged[4] = forged(entries[4]!, { total: entries[4]!.total + 100 });
    expect(verifyChain(totalChanged)).toMatchObject({ ok: false, index: 4, reason: 'grand_total_mismatch' });
    const absolute = [...entries];
    absolute[0] = forged(entries[0]!, { absoluteGrandTotal: 0 });
    expect(verifyChain(absolute)).toMatchObject({ ok: false, index: 0, reason: 'grand_total_mismatch' });
  });

  it('reports a training flag flipped after the fact (totals no longer add up)', () => {
    const changed = [...entries];
    changed[2] = forged(entries[2]!, { training: true });
    expect(verifyChain(changed)).toMatchObject({ ok: false, index: 2, reason: 'grand_total_mismatch' });
  });

  it('reports an entry of another till', () => {
    const other = chain([body()], emptyJournalHead('till-2')).entries[0]!;
    expect(verifyChain([entries[0]!, { ...other, sequence: 2 }])).toMatchObject({ ok: false, index: 1, reason: 'till_mismatch' });
  });

  it('reports a previous hash that does not match', () => {
    const changed = [...entries];
    changed[1] = forged(entries[1]!, { previousHash: 'f'.repeat(64) });
    expect(verifyChain(changed)).toMatchObject({ ok: false, index: 1, reason: 'previous_hash_mismatch' });
  });

  it('checks the first entry against options.start', () => {
    const wrongStart = { ...emptyJournalHead('till-1'), hash: 'a'.repeat(64) };
    expect(verifyChain(entries, { start: wrongStart })).toMatchObject({ ok: false, index: 0, reason: 'previous_hash_mismatch' });
  });

  it('says what was wrong in its message', () => {
    const changed = [...entries];
    changed[2] = forged(entries[2]!, { operator: 'mallory' });
    const result = verifyChain(changed);
    expect(result.ok === false && result.message).toBe(
      'Entry 3 (sequence 4) does not chain to the entry before it: that entry or its hash was changed.',
    );
  });

  const throwing = new Proxy(
    {},
    {
      get() {
        throw new Error('boom');
      },
      ownKeys() {
        throw new Error('boom');
      },
    },
  );

  it.each([
    ['null', 0, null],
    ['a string', 0, 'journal'],
    ['an object', 0, { length: 1 }],
    ['an array with null', 0, [null]],
    ['an array with a number', 0, [42]],
    ['an entry with an unknown key', 1, () => [entries[0], { ...entries[1], dbId: 7 }]],
    ['an entry without a hash', 0, () => [{ ...entries[0], hash: undefined }]],
    ['an entry with a float total', 1, () => [entries[0], { ...entries[1], total: 1.5 }]],
    ['an entry with an upper-case hash', 0, () => [{ ...entries[0], hash: entries[0]!.hash.toUpperCase() }]],
    ['an entry with version 2', 0, () => [{ ...entries[0], version: 2 }]],
    ['an entry that throws when read', 1, () => [entries[0], throwing]],
  ])('never throws on garbage: %s is malformed at index %i', (_name, index, input) => {
    const value = typeof input === 'function' ? (input as () => unknown)() : input;
    const result = verifyChain(value as JournalEntry[]);
    expect(result).toMatchObject({ ok: false, index, reason: 'malformed' });
  });

  it('never throws on garbage options', () => {
    expect(verifyChain(entries, { start: 'nope' as unknown as JournalHead })).toMatchObject({
      ok: false,
      index: 0,
      reason: 'malformed',
    });
    expect(verifyChain(entries, null as unknown as undefined)).toMatchObject({ ok: true });
  });
});

describe('isJournalEntry / isJournalEntryBody (fast guards)', () => {
  const { entries } = chain([body({ references: ['tx-0'], data: { note: 'x' } })]);
  const entry = entries[0]!;
  const withData = (data: Record<string, unknown>) => ({ ...entry, data });
  const holey = new Array<string>(2);
  holey[1] = 'tx-1';
  const symbolKeyed = { ...entry, [Symbol('db')]: 1 };
  const nullProto = Object.assign(Object.create(null) as object, entry);

  it.each<[string, unknown, boolean]>([
    ['the entry', entry, true],
    ['an entry without a prototype', nullProto, true],
    ['a 128-character id', { ...entry, operator: 'o'.repeat(128) }, true],
    ['a 129-character id', { ...entry, operator: 'o'.repeat(129) }, false],
    ['an empty id', { ...entry, transactionId: '' }, false],
    ['100 references', { ...entry, references: Array.from({ length: 100 }, (_, i) => `r${i}`) }, true],
    ['101 references', { ...entry, references: Array.from({ length: 101 }, (_, i) => `r${i}`) }, false],
    ['a hole in references', { ...entry, references: holey }, false],
    ['64 data keys', withData(Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`k${i}`, i]))), true],
    ['65 data keys', withData(Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, i]))), false],
    ['a 64-character data key', withData({ ['k'.repeat(64)]: 1 }), true],
    ['a 65-character data key', withData({ ['k'.repeat(65)]: 1 }), false],
    ['a 1024-character data string', withData({ note: 'n'.repeat(1024) }), true],
    ['a 1025-character data string', withData({ note: 'n'.repeat(1025) }), false],
    ['an own __proto__ data key', withData(JSON.parse('{"__proto__": 1}') as Record<string, unknown>), false],
    ['an array as data', withData([] as never), false],
    ['a symbol key (ignored, like JSON does)', symbolKeyed, true],
    ['a symbol key in data', withData({ [Symbol('x')]: 1 }), false],
    ['an 8192-character signature', { ...entry, signature: 's'.repeat(8192) }, true],
    ['an 8193-character signature', { ...entry, signature: 's'.repeat(8193) }, false],
    ['sequence 0', { ...entry, sequence: 0 }, false],
    ['receipt number -1', { ...entry, receiptNumber: -1 }, false],
    ['receipt number 0', { ...entry, receiptNumber: 0 }, true],
    ['a lower-case currency', { ...entry, currency: 'eur' }, false],
    ['a rate of "1."', { ...entry, rates: [{ taxId: 't', rate: '1.', net: 0, tax: 0, gross: 0 }] }, false],
    ['a rate given as a number', { ...entry, rates: [{ taxId: 't', rate: 19, net: 0, tax: 0, gross: 0 }] }, false],
    ['a hash in an array', { ...entry, hash: [entry.hash] }, false],
    ['a timestamp without seconds', { ...entry, endedAt: '2026-03-02T09:01Z' }, false],
    ['a timestamp on 30 February', { ...entry, endedAt: '2026-02-30T09:01:00Z' }, false],
    ['a timestamp with an offset', { ...entry, endedAt: '2026-03-02T10:01:30+01:00' }, true],
  ])('%s', (_name, value, expected) => {
    expect(isJournalEntry(value)).toBe(expected);
    expect(JournalEntrySchema.safeParse(value).success).toBe(expected);
  });

  it('falls back to the schema for objects that are not plain (class instances)', () => {
    class Stored {
      constructor(source: JournalEntry) {
        Object.assign(this, source);
      }
    }
    const instance = new Stored(entry);
    expect(isJournalEntry(instance)).toBe(false);
    expect(JournalEntrySchema.safeParse(instance).success).toBe(true);
    expect(verifyChain([instance as JournalEntry])).toMatchObject({ ok: true, count: 1 });
    const {
      hash: _h,
      signature: _s,
      grandTotal: _g,
      absoluteGrandTotal: _a,
      previousHash: _p,
      sequence: _q,
      tillId: _t,
      version: _v,
      ...b
    } = entry;
    expect(appendJournalEntry(emptyJournalHead('till-1'), new Stored(b as JournalEntry) as never).entry.hash).toBe(entry.hash);
  });

  it('checks bodies the same way', () => {
    expect(isJournalEntryBody(body())).toBe(true);
    expect(isJournalEntryBody({ ...body(), sequence: 1 })).toBe(false);
    expect(isJournalEntryBody(entry)).toBe(false);
  });
});

describe('invalid inputs', () => {
  const head = emptyJournalHead('till-1');
  const { entries } = chain([body()]);

  it.each<[string, () => unknown, string]>([
    ['emptyJournalHead with an empty till id', () => emptyJournalHead(''), ErrorCode.VALIDATION_FAILED],
    ['append to a head with a bad hash', () => appendJournalEntry({ ...head, hash: 'abc' }, body()), ErrorCode.VALIDATION_FAILED],
    [
      'append to a head with a negative sequence',
      () => appendJournalEntry({ ...head, sequence: -1 }, body()),
      ErrorCode.VALIDATION_FAILED,
    ],
    ['append to null', () => appendJournalEntry(null as unknown as JournalHead, body()), ErrorCode.VALIDATION_FAILED],
    ['append a float total', () => appendJournalEntry(head, body({ total: 11.9 })), ErrorCode.VALIDATION_FAILED],
    ['append an unsafe total', () => appendJournalEntry(head, body({ total: 2 ** 53 })), ErrorCode.VALIDATION_FAILED],
    ['append an unknown type', () => appendJournalEntry(head, body({ type: 'refund' as never })), ErrorCode.VALIDATION_FAILED],
    ['append an unknown currency', () => appendJournalEntry(head, body({ currency: 'EURO' })), ErrorCode.VALIDATION_FAILED],
    [
      'append a timestamp without time zone',
      () => appendJournalEntry(head, body({ startedAt: '2026-03-02T09:00:00' })),
      ErrorCode.VALIDATION_FAILED,
    ],
    ['append a negative change', () => appendJournalEntry(head, body({ change: -1 })), ErrorCode.VALIDATION_FAILED],
    [
      'append a rate where net + tax != gross',
      () => appendJournalEntry(head, body({ rates: [{ taxId: 'vat19', rate: '19', net: 1000, tax: 190, gross: 1191 }] })),
      ErrorCode.VALIDATION_FAILED,
    ],
    [
      'append an unknown tender kind',
      () => appendJournalEntry(head, body({ payments: [{ type: 'btc', kind: 'crypto' as never, amount: 1 }] })),
      ErrorCode.VALIDATION_FAILED,
    ],
    ['append float data', () => appendJournalEntry(head, body({ data: { counted: 1.5 } })), ErrorCode.VALIDATION_FAILED],
    ['append nested data', () => appendJournalEntry(head, body({ data: { x: {} as never } })), ErrorCode.VALIDATION_FAILED],
    [
      'append an unknown key',
      () => appendJournalEntry(head, { ...body(), hash: 'x' } as JournalEntryBody),
      ErrorCode.VALIDATION_FAILED,
    ],
    [
      'append a body missing fields',
      () => appendJournalEntry(head, { type: 'sale' } as JournalEntryBody),
      ErrorCode.VALIDATION_FAILED,
    ],
    ['body for null', () => journalBodyForTransaction(null as never), ErrorCode.VALIDATION_FAILED],
    [
      'body for a completed transaction without pricing',
      () => journalBodyForTransaction({ status: 'completed', id: 'x' } as never),
      ErrorCode.VALIDATION_FAILED,
    ],
    [
      'body for a voided transaction without lines',
      () => journalBodyForTransaction({ ...voidedSale(), lines: undefined } as never),
      ErrorCode.VALIDATION_FAILED,
    ],
    [
      'body for a draft',
      () => journalBodyForTransaction({ ...completedSale(), status: 'open' } as never),
      ErrorCode.INVALID_STATE,
    ],
    [
      'body for a tender type used with two kinds',
      () =>
        journalBodyForTransaction(completedSale({ tenders: [tender('a', 'x', 'cash', 1000), tender('b', 'x', 'card', 600)] })),
      ErrorCode.VALIDATION_FAILED,
    ],
    [
      'body with a float amount due',
      () => journalBodyForTransaction(completedSale({ amountDue: 15.11 })),
      ErrorCode.VALIDATION_FAILED,
    ],
    ['sign garbage', () => withSignature({} as JournalEntry, 'sig'), ErrorCode.VALIDATION_FAILED],
    ['sign with an empty signature', () => withSignature(entries[0]!, ''), ErrorCode.VALIDATION_FAILED],
    ['hash a float entry', () => hashJournalEntry({ ...entries[0]!, total: 0.5 }), ErrorCode.VALIDATION_FAILED],
  ])('%s: throws the documented code', (_name, run, code) => {
    expect(codeOf(run)).toBe(code);
  });
});
