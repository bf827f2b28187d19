import { hashJournalEntry, verifyChain, type JournalEntry } from '@tillkit/core';
import { eventKey, syncEventPayloadSchema } from '@tillkit/sync-client/protocol';
import { describe, expect, it } from 'vitest';
import { ScriptedTill, wireItem } from './till-events';

describe('ScriptedTill', () => {
  it('rings up an honest journal: a valid chain, items in the protocol shape', () => {
    const till = ScriptedTill.create('reg-1', 'EUR');
    const events = [till.openSession(), till.sale(), till.paidIn(), till.noSale(), till.sale(3)];
    const entries = events.map((e) => e.entry);
    expect(verifyChain(entries)).toMatchObject({ ok: true, count: 5 });
    for (const [i, event] of events.entries()) {
      const item = wireItem(event);
      expect(item).toMatchObject({ partition: 'reg-1', seq: i + 1, type: event.entry.type, key: eventKey(event.entry) });
      expect(syncEventPayloadSchema.safeParse(item.payload).success).toBe(true);
    }
    expect(wireItem(events[1]!).payload).toHaveProperty('transaction.kind', 'sale');
  });

  it('forks run apart: a fork at the same head makes an entry with its own key', () => {
    const till = ScriptedTill.create('reg-1', 'EUR');
    till.openSession();
    const forked = till.fork().noSale();
    const honest = till.noSale();
    expect(forked.entry.sequence).toBe(honest.entry.sequence);
    expect(eventKey(forked.entry)).not.toBe(eventKey(honest.entry));
  });

  it('a tampered sale keeps its chain and its books but not the totals its lines price to', () => {
    const till = ScriptedTill.create('reg-1', 'EUR');
    const open = till.openSession();
    const { entry, transaction } = till.fork().tamperedSale(100);
    expect(verifyChain([open.entry, entry])).toMatchObject({ ok: true });
    const tx = transaction!;
    const linesTotal = tx.priced.lines.reduce((sum, line) => sum + line.total, 0);
    expect(linesTotal - tx.priced.total).toBe(100);
    expect(entry.total).toBe(tx.amountDue);
    expect(tx.tenders.reduce((s, t) => s + t.amount, 0) - tx.change).toBe(tx.amountDue);
  });

  it('broken entries break the chain in the way they say', () => {
    const till = ScriptedTill.create('reg-1', 'EUR');
    const open = till.openSession();
    const previous: JournalEntry = till.fork().wrongPreviousHash().entry;
    expect(previous.hash).toBe(hashJournalEntry(previous));
    expect(verifyChain([open.entry, previous])).toMatchObject({ ok: false, reason: 'previous_hash_mismatch' });
    const edited = till.fork().wrongHash().entry;
    expect(verifyChain([open.entry, edited])).toMatchObject({ ok: false, reason: 'hash_mismatch' });
    const numbered = till.fork().wrongSequence().entry;
    expect(numbered.sequence).toBe(3);
    expect(numbered.previousHash).toBe(open.entry.hash);
    expect(numbered.hash).toBe(hashJournalEntry(numbered));
  });
});
