import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  appendJournalEntry,
  emptyJournalHead,
  hashJournalEntry,
  isJournalEntry,
  isJournalEntryBody,
  JOURNAL_ENTRY_TYPES,
  JournalEntryBodySchema,
  JournalEntrySchema,
  verifyChain,
  type JournalEntry,
  type JournalEntryBody,
  type JournalHead,
} from './journal';

/** Ids and free text, including non-ASCII and multi-unit graphemes. */
const text = fc.oneof(
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 12 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }),
);
// -0 included: it must hash like 0 on every path
const amount = fc.oneof(fc.integer({ min: -10_000_000, max: 10_000_000 }), fc.constant(-0));
const timestamp = fc
  .date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2035-12-31T23:59:59Z'), noInvalidDate: true })
  .map((d) => d.toISOString());

const bodyArb: fc.Arbitrary<JournalEntryBody> = fc.record({
  type: fc.constantFrom(...JOURNAL_ENTRY_TYPES),
  startedAt: timestamp,
  endedAt: timestamp,
  operator: fc.option(text, { nil: null }),
  training: fc.boolean(),
  transactionId: fc.option(text, { nil: null }),
  receiptNumber: fc.option(fc.nat({ max: 1_000_000 }), { nil: null }),
  references: fc.array(text, { maxLength: 2 }),
  currency: fc.constantFrom('EUR', 'JPY', 'KWD', 'CHF'),
  total: amount,
  rates: fc.array(
    fc
      .record({ taxId: text, rate: fc.constantFrom('19', '7', '8.875', '0'), net: amount, tax: amount })
      .map((r) => ({ taxId: r.taxId, rate: r.rate, net: r.net, tax: r.tax, gross: r.net + r.tax })),
    { maxLength: 3 },
  ),
  payments: fc.array(fc.record({ type: text, kind: fc.constantFrom('cash', 'card', 'voucher', 'other'), amount }), {
    maxLength: 3,
  }),
  change: fc.nat({ max: 1_000_000 }),
  cashRounding: fc.integer({ min: -50, max: 50 }),
  sessionId: fc.option(text, { nil: null }),
  data: fc.dictionary(
    fc.string({ minLength: 1, maxLength: 10 }).filter((k) => k !== '__proto__'),
    fc.oneof(fc.string({ maxLength: 10 }), fc.maxSafeInteger(), fc.boolean(), fc.constant(null)),
    { maxKeys: 3, noNullPrototype: true },
  ),
});

function chain(bodies: readonly JournalEntryBody[]): { head: JournalHead; entries: JournalEntry[] } {
  let head = emptyJournalHead('till-1');
  const entries: JournalEntry[] = [];
  for (const b of bodies) {
    const appended = appendJournalEntry(head, b);
    head = appended.head;
    entries.push(appended.entry);
  }
  return { head, entries };
}

const journalArb = fc.array(bodyArb, { minLength: 1, maxLength: 10 }).map(chain);

/** A small deterministic random source, so a shrunk counterexample replays exactly. */
function random(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    return state % n;
  };
}

const REPLACEMENTS = 'x0123456789abcdefZ-"é ';

/** A value that differs from `value` in one place: one character, one number, one flag, one element. */
function mutate(value: unknown, pick: (n: number) => number): unknown {
  if (typeof value === 'string') {
    if (value.length === 0) return 'x';
    const i = pick(value.length);
    const options = [...REPLACEMENTS].filter((c) => c !== value[i]);
    return value.slice(0, i) + options[pick(options.length)]! + value.slice(i + 1);
  }
  if (typeof value === 'number') return value + (pick(2) === 0 ? 1 : -(1 + pick(1000)));
  if (typeof value === 'boolean') return !value;
  if (value === null) return pick(2) === 0 ? 0 : 'x';
  if (Array.isArray(value)) {
    const choice = value.length === 0 ? 0 : pick(3);
    if (choice === 0) return [...value, value[0] ?? 'x'];
    if (choice === 1) {
      const drop = pick(value.length);
      return value.filter((_, i) => i !== drop);
    }
    const i = pick(value.length);
    return value.map((item: unknown, j) => (j === i ? mutate(item, pick) : item));
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  const choice = keys.length === 0 ? 0 : pick(3);
  if (choice === 0) return { ...record, [`added${keys.length}`]: 1 };
  const key = keys[pick(keys.length)]!;
  if (choice === 1) return Object.fromEntries(Object.entries(record).filter(([k]) => k !== key));
  return { ...record, [key]: mutate(record[key], pick) };
}

/** Every field a tamperer could change. `signature` is outside the hash by design (see journal.test.ts). */
const FIELDS = [
  'absoluteGrandTotal',
  'cashRounding',
  'change',
  'currency',
  'data',
  'endedAt',
  'grandTotal',
  'hash',
  'operator',
  'payments',
  'previousHash',
  'rates',
  'receiptNumber',
  'references',
  'sequence',
  'sessionId',
  'startedAt',
  'tillId',
  'total',
  'training',
  'transactionId',
  'type',
  'version',
] as const;

describe('verifyChain (properties)', () => {
  it('accepts every journal built by appendJournalEntry and returns its head', () => {
    fc.assert(
      fc.property(journalArb, ({ entries, head }) => {
        expect(verifyChain(entries)).toEqual({ ok: true, count: entries.length, head });
      }),
    );
  });

  it('hashes on the fast path exactly as hashJournalEntry (generic canonicalize) does', () => {
    fc.assert(
      fc.property(journalArb, ({ entries }) => {
        for (const entry of entries) expect(hashJournalEntry(entry)).toBe(entry.hash);
      }),
    );
  });

  it('has fast guards that accept exactly what the zod schemas accept', () => {
    const BODY_FIELDS = FIELDS.filter(
      (f) => !['absoluteGrandTotal', 'grandTotal', 'hash', 'previousHash', 'sequence', 'tillId', 'version'].includes(f),
    );
    fc.assert(
      fc.property(
        journalArb,
        fc.nat(),
        fc.constantFrom(...FIELDS, 'signature', 'extra'),
        fc.integer(),
        fc.option(fc.anything({ withNullPrototype: true, withObjectString: true }), { freq: 3 }),
        ({ entries }, at, field, seed, junk) => {
          const entry = entries[at % entries.length]!;
          const value = field === 'extra' ? 1 : (junk ?? mutate(entry[field], random(seed)));
          const tampered: Record<string, unknown> = { ...entry, [field]: value };
          expect(isJournalEntry(tampered)).toBe(JournalEntrySchema.safeParse(tampered).success);
          expect(isJournalEntry(entry)).toBe(true);

          const body: Record<string, unknown> = Object.fromEntries(BODY_FIELDS.map((f) => [f, entry[f]]));
          expect(isJournalEntryBody(body)).toBe(true);
          if (field === 'extra' || (BODY_FIELDS as readonly string[]).includes(field)) {
            const changed = { ...body, [field]: value };
            expect(isJournalEntryBody(changed)).toBe(JournalEntryBodySchema.safeParse(changed).success);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('covers every field of an entry except signature', () => {
    const { entries } = chain([fc.sample(bodyArb, { numRuns: 1, seed: 1 })[0]!]);
    expect([...FIELDS, 'signature'].sort()).toEqual(Object.keys(entries[0]!).sort());
  });

  it('reports a change to any field of any entry at that entry', () => {
    fc.assert(
      fc.property(journalArb, fc.nat(), fc.constantFrom(...FIELDS), fc.integer(), ({ entries }, at, field, seed) => {
        const index = at % entries.length;
        const original = entries[index]!;
        const tampered = { ...original, [field]: mutate(original[field], random(seed)) } as JournalEntry;
        const result = verifyChain(entries.map((e, i) => (i === index ? tampered : e)));
        expect(result).toMatchObject({ ok: false, index });
      }),
      { numRuns: 500 },
    );
  });

  it('reports any changed character of an entry stored as JSON at that entry', () => {
    fc.assert(
      fc.property(journalArb, fc.nat(), fc.nat(), fc.integer(), ({ entries }, at, position, seed) => {
        const index = at % entries.length;
        const json = JSON.stringify(entries[index]);
        const pick = random(seed);
        // find a one-character change that still parses as JSON (most do not)
        let tampered: unknown;
        for (let tries = 0; tries < json.length && tampered === undefined; tries++) {
          const p = (position + tries) % json.length;
          const c = REPLACEMENTS[pick(REPLACEMENTS.length)]!;
          if (c === json[p]) continue;
          try {
            tampered = JSON.parse(json.slice(0, p) + c + json.slice(p + 1));
          } catch {
            // not JSON any more: a storage layer would refuse it before verification
          }
        }
        fc.pre(tampered !== undefined);
        const result = verifyChain(entries.map((e, i) => (i === index ? (tampered as JournalEntry) : e)));
        expect(result).toMatchObject({ ok: false, index });
      }),
      { numRuns: 300 },
    );
  });

  it('reports a deleted entry (not the last) at its position', () => {
    fc.assert(
      fc.property(journalArb, fc.nat(), ({ entries }, at) => {
        fc.pre(entries.length >= 2);
        const index = at % (entries.length - 1);
        const result = verifyChain(entries.filter((_, i) => i !== index));
        expect(result).toMatchObject({ ok: false, index, reason: 'sequence_gap' });
      }),
    );
  });

  it('reports any reordering at the first position that moved', () => {
    fc.assert(
      fc.property(
        journalArb.chain(({ entries }) =>
          fc.tuple(fc.constant(entries), fc.shuffledSubarray(entries, { minLength: entries.length })),
        ),
        ([entries, shuffled]) => {
          const first = shuffled.findIndex((e, i) => e !== entries[i]);
          fc.pre(first >= 0);
          expect(verifyChain(shuffled)).toMatchObject({ ok: false, index: first, reason: 'sequence_gap' });
        },
      ),
    );
  });
});
