import { sha256 } from '@noble/hashes/sha256';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import { bench, describe } from 'vitest';
import { canonicalize } from '../src/canonical';
import { appendJournalEntry, emptyJournalHead, verifyChain, type JournalEntry, type JournalEntryBody } from '../src/journal';

// Appends and verifies a journal of 100,000 entries (a busy till's year). The baselines hash the
// very same canonical strings with bare SHA-256 (and canonicalize + SHA-256), so the report says
// what validation, chaining and totals cost on top of the hashing any hash chain must do.
// vitest prints each case against the fastest in its group. Run:
//   cd packages/core && npx vitest bench --run bench/journal.bench.ts

const COUNT = 100_000;
// each case does 100,000 operations; three timed runs each keep the file under a minute
const OPTIONS = { iterations: 3, time: 0, warmupIterations: 0, warmupTime: 0 };

function body(i: number): JournalEntryBody {
  const kind = i % 50 === 0 ? 'return' : i % 97 === 0 ? 'reprint' : 'sale';
  const sign = kind === 'return' ? -1 : 1;
  const gross19 = sign * (100 + ((i * 7919) % 20_000));
  const gross7 = sign * (i % 3 === 0 ? 0 : 50 + ((i * 104_729) % 5_000));
  const tax19 = Math.round((gross19 * 19) / 119);
  const tax7 = Math.round((gross7 * 7) / 107);
  const total = gross19 + gross7;
  const cash = i % 4 === 0 ? 0 : sign * (Math.ceil(Math.abs(total) / 1000) * 1000);
  const card = total - (i % 4 === 0 ? 0 : total);
  return {
    type: kind,
    startedAt: '2026-03-02T09:00:00.000Z',
    endedAt: '2026-03-02T09:01:30.000Z',
    operator: `operator-${i % 7}`,
    training: i % 200 === 0,
    transactionId: `0190b0f2-7c3a-7def-8123-${String(i).padStart(12, '0')}`,
    receiptNumber: i + 1,
    references: kind === 'sale' ? [] : [`0190b0f2-7c3a-7def-8123-${String(i - 1).padStart(12, '0')}`],
    currency: 'EUR',
    total,
    rates: [
      { taxId: 'vat19', rate: '19', net: gross19 - tax19, tax: tax19, gross: gross19 },
      { taxId: 'vat7', rate: '7', net: gross7 - tax7, tax: tax7, gross: gross7 },
    ],
    payments: [
      ...(cash !== 0 ? [{ type: 'cash', kind: 'cash' as const, amount: cash }] : []),
      ...(card !== 0 ? [{ type: 'visa', kind: 'card' as const, amount: card }] : []),
    ],
    change: cash === 0 || sign < 0 ? 0 : cash - total,
    cashRounding: 0,
    sessionId: `session-${Math.floor(i / 500)}`,
    data: {},
  };
}

function appendAll(bodies: readonly JournalEntryBody[]): JournalEntry[] {
  let head = emptyJournalHead('till-bench');
  const entries: JournalEntry[] = [];
  for (const b of bodies) {
    const appended = appendJournalEntry(head, b);
    head = appended.head;
    entries.push(appended.entry);
  }
  return entries;
}

const bodies = Array.from({ length: COUNT }, (_, i) => body(i));
const entries = appendAll(bodies);
const canonicalStrings = entries.map(({ hash: _hash, signature: _signature, ...content }) => canonicalize(content));
const result = verifyChain(entries);
if (!result.ok || result.count !== COUNT) throw new Error(`the bench journal does not verify: ${JSON.stringify(result)}`);

describe(`journal, ${COUNT.toLocaleString('en-US')} entries`, () => {
  bench(
    'baseline: SHA-256 of the canonical strings',
    () => {
      for (const text of canonicalStrings) bytesToHex(sha256(utf8ToBytes(text)));
    },
    OPTIONS,
  );

  bench(
    'baseline: generic canonicalize + SHA-256',
    () => {
      for (const { hash: _hash, signature: _signature, ...content } of entries)
        bytesToHex(sha256(utf8ToBytes(canonicalize(content))));
    },
    OPTIONS,
  );

  bench(
    'appendJournalEntry (validate, chain, totals, hash)',
    () => {
      appendAll(bodies);
    },
    OPTIONS,
  );

  bench(
    'verifyChain (validate, chain, totals, re-hash)',
    () => {
      if (!verifyChain(entries).ok) throw new Error('verification failed');
    },
    OPTIONS,
  );
});
