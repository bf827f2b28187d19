import { join } from 'node:path';
import { hashJournalEntry, type JournalEntry } from '@tillkit/core';
import { eventKey, pushResultsSchema } from '@tillkit/sync-client/protocol';
import { describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, call, copy, enrolTill, forgeCheaperSale, push, startServer, tempDir, TillSim, wireItem } from './fixtures';

const T = { merchantId: 'm1', storeId: 's1', registerId: 'r1' };
const admin = { token: ADMIN_TOKEN };

async function events(server: { url: string; adminToken: string }, query = '') {
  const answer = await call(server.url, 'GET', `/admin/v1/merchants/m1/stores/s1/events${query}`, undefined, {
    token: server.adminToken,
  });
  expect(answer.status).toBe(200);
  return answer.body as {
    events: {
      partition: string;
      seq: number;
      key: string;
      type: string;
      status: 'applied' | 'rejected';
      code?: string;
      message?: string;
      payload: { transaction?: { priced: { total: number } } };
    }[];
    next: string | null;
  };
}

describe('push', () => {
  it('applies journal events in order and answers one result per item', async () => {
    const server = await startServer();
    const till = await enrolTill(server, T);
    const sim = new TillSim('r1');
    const items = [sim.openSession(), sim.coffee(2), sim.paidIn(500), sim.coffee(1)].map((s) => wireItem(s));
    const answer = await call(server.url, 'POST', '/v1/sync/push', { items }, { token: till.token });
    expect(answer.status).toBe(200);
    expect(pushResultsSchema.parse(answer.body).results).toEqual(items.map((i) => ({ key: i.key, result: 'applied' })));

    const listed = await events(server);
    expect(listed.events.map((e) => [e.partition, e.seq, e.type])).toEqual([
      ['r1', 1, 'session_opening'],
      ['r1', 2, 'sale'],
      ['r1', 3, 'paid_in'],
      ['r1', 4, 'sale'],
    ]);
    const sales = await events(server, '?type=sale');
    expect(sales.events.map((e) => e.payload.transaction?.priced.total)).toEqual([700, 350]);

    const journal = await call(server.url, 'GET', '/admin/v1/merchants/m1/registers/r1/journal', undefined, {
      token: server.adminToken,
    });
    expect(journal.body.verification).toMatchObject({ ok: true, count: 4, head: { hash: sim.till.journal.hash } });
  });

  it('answers a replayed batch with duplicate and applies nothing twice, whatever its attempt and createdAt', async () => {
    const server = await startServer();
    const till = await enrolTill(server, T);
    const sim = new TillSim('r1');
    const steps = [sim.openSession(), sim.coffee(), sim.coffee(3)];
    await push(
      server,
      till.token,
      steps.map((s) => wireItem(s)),
    );
    const again = await push(
      server,
      till.token,
      steps.map((s) => ({ ...wireItem(s, 7), createdAt: 1 })),
    );
    expect(again.map((r) => r.result)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    expect((await events(server)).events).toHaveLength(3);
  });

  it('applies each event exactly once when the same batch arrives many times at once', async () => {
    const server = await startServer();
    const till = await enrolTill(server, T);
    const sim = new TillSim('r1');
    const items = [sim.openSession(), sim.coffee(), sim.coffee(2), sim.coffee(3)].map((s) => wireItem(s));
    const answers = await Promise.all(Array.from({ length: 6 }, () => push(server, till.token, items)));
    for (const [index, item] of items.entries()) {
      const results = answers.map((a) => a[index]!.result);
      expect(results.filter((r) => r === 'applied')).toHaveLength(1);
      expect(results.filter((r) => r !== 'applied').every((r) => r === 'duplicate')).toBe(true);
      expect(answers.every((a) => a[index]!.key === item.key)).toBe(true);
    }
    expect((await events(server)).events).toHaveLength(4);
  });

  it('refuses a key used before for another event (KEY_REUSED) without storing anything', async () => {
    const server = await startServer();
    const till = await enrolTill(server, T);
    const sim = new TillSim('r1');
    const [open, sale] = [sim.openSession(), sim.coffee()];
    await push(server, till.token, [wireItem(open)]);
    const reused = { ...wireItem(sale), key: wireItem(open).key };
    const [result] = await push(server, till.token, [reused]);
    expect(result).toMatchObject({ result: 'rejected', code: 'KEY_REUSED' });
    expect((await push(server, till.token, [wireItem(sale)]))[0]!.result).toBe('applied');
  });

  it('answers gap with the expected sequence for items ahead of the register and for a sequence another event holds', async () => {
    const server = await startServer();
    const till = await enrolTill(server, T);
    const sim = new TillSim('r1');
    const steps = [sim.openSession(), sim.coffee(), sim.coffee(2), sim.coffee(3)];
    // ahead: 1 arrives, 3 and 4 come before 2
    const ahead = await push(server, till.token, [wireItem(steps[0]!), wireItem(steps[2]!), wireItem(steps[3]!)]);
    expect(ahead.map((r) => r.result)).toEqual(['applied', 'gap', 'gap']);
    expect(ahead[1]).toMatchObject({ expectedSeq: 2 });
    await push(
      server,
      till.token,
      steps.slice(1).map((s) => wireItem(s)),
    );

    // behind: a till restored from an old backup rings another sale as sequence 3
    const fork = new TillSim('r1');
    fork.openSession();
    fork.coffee();
    const other = fork.coffee(9);
    const [behind] = await push(server, till.token, [wireItem(other)]);
    expect(behind).toEqual({ key: eventKey(other.entry), result: 'gap', expectedSeq: 5 });
  });

  it('refuses items whose seq, type or key disagree with their entry (SEQUENCE_MISMATCH); each uses up its sequence', async () => {
    const server = await startServer();
    const till = await enrolTill(server, T);
    const sim = new TillSim('r1');
    const [open, sale, paid, more] = [sim.openSession(), sim.coffee(), sim.paidIn(300), sim.coffee(2)];
    const wrongSeq = { ...wireItem(paid), seq: 1 };
    const wrongType = { ...wireItem(sale), type: 'no_sale' };
    const wrongKey = { ...wireItem(paid), key: 'r1:3:0000000000000000' };
    const results = await push(server, till.token, [wrongSeq, wrongType, wrongKey]);
    expect(results.map((r) => r.code)).toEqual(['SEQUENCE_MISMATCH', 'SEQUENCE_MISMATCH', 'SEQUENCE_MISMATCH']);
    expect(results[0]!.message).toMatch(/sequence 3/);
    // sequences 1 to 3 are used up; entry 4 chains to entry 3, whose rejected item carried it
    expect(await push(server, till.token, [wireItem(more)])).toEqual([{ key: eventKey(more.entry), result: 'applied' }]);
    // the first entry now comes too late, and the sale's key is decided (rejected) for good
    expect(await push(server, till.token, [wireItem(open)])).toEqual([
      { key: eventKey(open.entry), result: 'gap', expectedSeq: 5 },
    ]);
    expect((await push(server, till.token, [wireItem(sale)]))[0]).toMatchObject({
      result: 'rejected',
      code: 'SEQUENCE_MISMATCH',
    });
    expect((await events(server)).events.map((e) => e.seq)).toEqual([4]);

    const journal = await call(server.url, 'GET', '/admin/v1/merchants/m1/registers/r1/journal', undefined, {
      token: server.adminToken,
    });
    // item 1 carried entry 3: no entry of the register at sequence 1, so the journal shows the hole
    expect((journal.body.entries as JournalEntry[]).map((e) => e.sequence)).toEqual([2, 3, 4]);
    expect(journal.body.rejected).toEqual([
      { seq: 1, key: wrongSeq.key, type: 'paid_in', code: 'SEQUENCE_MISMATCH', message: results[0]!.message, inEntries: false },
      { seq: 2, key: wrongType.key, type: 'no_sale', code: 'SEQUENCE_MISMATCH', message: results[1]!.message, inEntries: true },
      { seq: 3, key: wrongKey.key, type: 'paid_in', code: 'SEQUENCE_MISMATCH', message: results[2]!.message, inEntries: true },
    ]);
    expect(journal.body.verification).toMatchObject({ ok: false, reason: 'sequence_gap', index: 0 });
  });

  it('refuses an entry that does not continue the register journal (CHAIN_BROKEN); the next entry chains to the refused one', async () => {
    const server = await startServer();
    const till = await enrolTill(server, T);
    const sim = new TillSim('r1');
    await push(server, till.token, [wireItem(sim.openSession()), wireItem(sim.coffee())]);

    // another history: its entry 3 chains to a different entry 2
    const fork = new TillSim('r1');
    fork.openSession();
    fork.coffee(4);
    const [forked] = await push(server, till.token, [wireItem(fork.coffee())]);
    expect(forked).toMatchObject({ result: 'rejected', code: 'CHAIN_BROKEN', message: expect.stringMatching(/previousHash/) });
    // sequence 3 is used up: the till whose entry 3 was refused goes on at 4, chained to it
    const [next] = await push(server, till.token, [wireItem(sim.coffee(2))]);
    expect(next).toMatchObject({ result: 'gap', expectedSeq: 4 });
    expect((await push(server, till.token, [wireItem(fork.coffee())]))[0]!.result).toBe('applied');

    // an entry changed after it was hashed; the next entry chains to the hash it carried
    const edited = copy(fork.coffee(2));
    edited.entry = { ...edited.entry, operator: 'someone-else' };
    const [changed] = await push(server, till.token, [wireItem(edited)]);
    expect(changed).toMatchObject({ result: 'rejected', code: 'CHAIN_BROKEN', message: expect.stringMatching(/hash/) });
    expect((await push(server, till.token, [wireItem(fork.coffee())]))[0]!.result).toBe('applied');

    expect((await events(server)).events.map((e) => e.seq)).toEqual([1, 2, 4, 6]);
    const journal = await call(server.url, 'GET', '/admin/v1/merchants/m1/registers/r1/journal', undefined, {
      token: server.adminToken,
    });
    expect((journal.body.entries as JournalEntry[]).map((e) => e.sequence)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(journal.body.verification).toMatchObject({ ok: false, reason: 'previous_hash_mismatch', sequence: 3 });
  });

  it('refuses a sale whose totals are not what @tillkit/core computes from its lines (TOTALS_MISMATCH); later sales flow', async () => {
    const server = await startServer();
    const till = await enrolTill(server, T);
    const sim = new TillSim('r1');
    const open = sim.openSession();
    const spec = {
      lines: [
        { id: 'a', name: 'Cheese', unitPrice: 1290, quantity: '0.35', unit: 'kg', taxIds: ['vat7'] },
        { id: 'b', name: 'Wine', unitPrice: 899, quantity: 2, taxIds: ['vat19', 'levy'] },
      ],
      orderDiscounts: [{ kind: 'percent' as const, percent: 5 }],
      tenders: [{ type: 'card' as const }],
    };
    const honest = sim.sale(spec);
    await push(server, till.token, [wireItem(open)]);

    // the till's own journal holds the forged sale as entry 2 and goes on from it
    const forged = forgeCheaperSale(open, honest);
    sim.till = forged.till;
    const [cheaper] = await push(server, till.token, [wireItem(forged)]);
    expect(cheaper).toMatchObject({ result: 'rejected', code: 'TOTALS_MISMATCH' });
    expect((await push(server, till.token, [wireItem(sim.coffee())]))[0]!.result).toBe('applied');

    const fourth = sim.sale(spec);
    const priced = copy(fourth);
    (priced.transaction as unknown as { priced: { lines: { unitPrice: number }[] } }).priced.lines[1]!.unitPrice = 799;
    const [lied] = await push(server, till.token, [wireItem(priced)]);
    expect(lied).toMatchObject({ result: 'rejected', code: 'TOTALS_MISMATCH', message: expect.stringMatching(/Line b/) });
    // its key is decided: the honest copy of entry 4 gets the same rejection
    expect(await push(server, till.token, [wireItem(fourth)])).toEqual([lied]);
    expect((await push(server, till.token, [wireItem(sim.coffee(2))]))[0]!.result).toBe('applied');

    // applied sales only by default; the rejected ones are kept with their payload and code
    expect((await events(server, '?type=sale')).events.map((e) => e.seq)).toEqual([3, 5]);
    const rejected = await events(server, '?status=rejected');
    expect(rejected.events.map((e) => [e.seq, e.status, e.code])).toEqual([
      [2, 'rejected', 'TOTALS_MISMATCH'],
      [4, 'rejected', 'TOTALS_MISMATCH'],
    ]);
    expect(rejected.events[0]!.payload.transaction?.priced.total).toBe(forged.transaction!.priced.total);
    expect((await events(server, '?status=all')).events.map((e) => [e.seq, e.status])).toEqual([
      [1, 'applied'],
      [2, 'rejected'],
      [3, 'applied'],
      [4, 'rejected'],
      [5, 'applied'],
    ]);
    expect((await call(server.url, 'GET', '/admin/v1/merchants/m1/stores/s1/events?status=nope', undefined, admin)).status).toBe(
      400,
    );

    // the till's journal is intact: with the quarantined entries in it, it verifies
    const journal = await call(server.url, 'GET', '/admin/v1/merchants/m1/registers/r1/journal', undefined, admin);
    expect(journal.body.verification).toMatchObject({ ok: true, count: 5, head: { hash: sim.till.journal.hash } });
    expect((journal.body.rejected as { seq: number; inEntries: boolean }[]).map((r) => [r.seq, r.inEntries])).toEqual([
      [2, true],
      [4, true],
    ]);
  });

  it('accepts returns, training sales and service charges that add up', async () => {
    const server = await startServer();
    const till = await enrolTill(server, T);
    const sim = new TillSim('r1');
    const open = sim.openSession();
    const sale = sim.sale({
      lines: [
        { id: 'a', name: 'Menu', unitPrice: 1850, quantity: 3, taxIds: ['vat19'], discounts: [{ kind: 'amount', amount: 100 }] },
      ],
      serviceCharges: [
        { id: 'svc', name: 'Service', phase: 'BEFORE_TAX', charge: { kind: 'percent', percent: '10' }, taxIds: ['vat19'] },
        { id: 'tip', name: 'Tip', phase: 'AFTER_TAX', charge: { kind: 'amount', amount: 200 } },
      ],
      tenders: [{ type: 'card', amount: 3000 }, { type: 'cash' }],
    });
    const training = sim.sale({ lines: [{ id: 'x', name: 'Test', unitPrice: 100, quantity: 1, taxIds: [] }], training: true });
    const back = sim.giveBack(sale.transaction!, 'a', 1);
    const results = await push(
      server,
      till.token,
      [open, sale, training, back].map((s) => wireItem(s)),
    );
    expect(results.map((r) => r.result)).toEqual(['applied', 'applied', 'applied', 'applied']);
  });

  it('refuses a malformed payload (INVALID_EVENT), keeps it, replays the rejection for its key, and uses up its sequence', async () => {
    const server = await startServer();
    const till = await enrolTill(server, T);
    const sim = new TillSim('r1');
    const open = sim.openSession();
    const junk = { ...wireItem(open), key: 'junk-1', payload: { hello: 'world' } };
    const [rejected] = await push(server, till.token, [junk]);
    expect(rejected).toMatchObject({
      key: 'junk-1',
      result: 'rejected',
      code: 'INVALID_EVENT',
      message: expect.stringMatching(/entry/),
    });
    expect(await push(server, till.token, [junk])).toEqual([rejected]);
    expect(await push(server, till.token, [wireItem(open)])).toEqual([
      { key: eventKey(open.entry), result: 'gap', expectedSeq: 2 },
    ]);
    // no readable entry at 1: the head's hash is unknown, so entry 2 is taken with the previousHash it has
    const [second, third] = [sim.coffee(), sim.coffee(2)];
    expect((await push(server, till.token, [wireItem(second), wireItem(third)])).map((r) => r.result)).toEqual([
      'applied',
      'applied',
    ]);
    expect((await events(server)).events.map((e) => e.seq)).toEqual([2, 3]);
    expect((await events(server, '?status=rejected')).events).toMatchObject([
      {
        seq: 1,
        key: 'junk-1',
        status: 'rejected',
        code: 'INVALID_EVENT',
        message: rejected!.message,
        payload: { hello: 'world' },
      },
    ]);
    const journal = await call(server.url, 'GET', '/admin/v1/merchants/m1/registers/r1/journal', undefined, admin);
    expect((journal.body.entries as JournalEntry[]).map((e) => e.sequence)).toEqual([2, 3]);
    expect(journal.body.rejected).toMatchObject([{ seq: 1, key: 'junk-1', code: 'INVALID_EVENT', inEntries: false }]);
    expect(journal.body.verification).toMatchObject({ ok: false, reason: 'sequence_gap' });
  });

  it('never decides a rejected key again: other content under it gets the same rejection; a correction is a new entry', async () => {
    const server = await startServer();
    const till = await enrolTill(server, T);
    const sim = new TillSim('r1');
    const open = sim.openSession();
    const sale = sim.coffee();
    const withoutTransaction = copy(sale);
    delete withoutTransaction.transaction;
    const results = await push(server, till.token, [wireItem(open), wireItem(withoutTransaction)]);
    expect(results[1]).toMatchObject({
      result: 'rejected',
      code: 'INVALID_EVENT',
      message: expect.stringMatching(/transaction/),
    });
    expect(await push(server, till.token, [wireItem(sale)])).toEqual([results[1]]);

    // a replacement till restores right after the rejected entry: it is the register's entry 2
    const restore = await call(server.url, 'GET', '/v1/restore', undefined, { token: till.token });
    expect(restore.body).toMatchObject({
      partitions: [{ partition: 'r1', lastSeq: 2 }],
      till: { journal: { hash: sale.entry.hash } },
    });
    expect((restore.body.journalTail as JournalEntry[]).map((e) => e.hash)).toEqual([open.entry.hash, sale.entry.hash]);

    const next = sim.coffee(2);
    expect(await push(server, till.token, [wireItem(next)])).toEqual([{ key: eventKey(next.entry), result: 'applied' }]);
  });

  it('refuses an entry in another currency than the register keeps its books in (INVALID_EVENT)', async () => {
    const server = await startServer();
    const till = await enrolTill(server, { ...T, currency: 'CHF' });
    const sim = new TillSim('r1', 'EUR');
    const [result] = await push(server, till.token, [wireItem(sim.openSession())]);
    expect(result).toMatchObject({ result: 'rejected', code: 'INVALID_EVENT', message: expect.stringMatching(/CHF/) });
  });

  it('keeps exactly-once across a restart on the same database file', async () => {
    const db = join(tempDir(), 'restart.db');
    const first = await startServer({ db });
    const till = await enrolTill(first, T);
    const sim = new TillSim('r1');
    const steps = [sim.openSession(), sim.coffee(), sim.coffee(2)];
    await push(
      first,
      till.token,
      steps.map((s) => wireItem(s)),
    );
    await first.close();

    const second = await startServer({ db });
    const more = sim.coffee(3);
    const results = await push(
      second,
      till.token,
      [...steps, more].map((s) => wireItem(s, 2)),
    );
    expect(results.map((r) => r.result)).toEqual(['duplicate', 'duplicate', 'duplicate', 'applied']);
    const listed = await events(second);
    expect(listed.events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
  });

  it('pages the admin event list with next', async () => {
    const server = await startServer();
    const till = await enrolTill(server, T);
    const sim = new TillSim('r1');
    await push(
      server,
      till.token,
      [sim.openSession(), sim.coffee(), sim.coffee(), sim.coffee()].map((s) => wireItem(s)),
    );
    const first = await events(server, '?limit=3');
    expect(first.events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(first.next).not.toBeNull();
    const second = await events(server, `?limit=3&after=${first.next}`);
    expect(second).toMatchObject({ events: [{ seq: 4 }], next: null });
  });
});

describe('the journal a server keeps', () => {
  it('is the till journal: verifyChain passes and the head is the till head', async () => {
    const server = await startServer();
    const till = await enrolTill(server, T);
    const sim = new TillSim('r1');
    const steps = [sim.openSession(), sim.coffee(), sim.paidIn(200), sim.coffee(4)];
    await push(
      server,
      till.token,
      steps.map((s) => wireItem(s)),
    );
    const journal = await call(server.url, 'GET', '/admin/v1/merchants/m1/registers/r1/journal', undefined, {
      token: server.adminToken,
    });
    const entries = journal.body.entries as JournalEntry[];
    expect(entries.map((e) => e.hash)).toEqual(steps.map((s) => s.entry.hash));
    expect(entries.every((e) => hashJournalEntry(e) === e.hash)).toBe(true);
  });
});
