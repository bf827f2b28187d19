import { join } from 'node:path';
import {
  hashJournalEntry,
  journalBodyForTransaction,
  nextReceiptNumber,
  recordJournalEntry,
  type CompletedTransaction,
  type JournalEntry,
} from '@tillkit/core';
import { eventKey, pushResultsSchema } from '@tillkit/sync-client/protocol';
import { describe, expect, it } from 'vitest';
import { call, copy, enrolTill, push, startServer, tempDir, TillSim, wireItem, type Step } from './fixtures';

const T = { merchantId: 'm1', storeId: 's1', registerId: 'r1' };

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
      payload: { transaction?: { priced: { total: number } } };
    }[];
    next: string | null;
  };
}

/** A sale whose transaction says it cost 1.00 less than its lines, with an entry and till state that agree with it. */
function forgeCheaperSale(before: Step, honest: Step): Step {
  const tx = copy(honest.transaction!) as unknown as {
    priced: { total: number };
    amountDue: number;
    tenders: { amount: number }[];
  };
  tx.priced.total -= 100;
  tx.amountDue -= 100;
  tx.tenders[0]!.amount -= 100;
  const numbered = nextReceiptNumber(before.till).till;
  const forged = recordJournalEntry(
    numbered,
    journalBodyForTransaction(tx as unknown as CompletedTransaction, { at: honest.entry.endedAt }),
  );
  return { entry: forged.entry, till: forged.till, transaction: tx as unknown as CompletedTransaction };
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

  it('refuses items whose seq, type or key disagree with their entry (SEQUENCE_MISMATCH); the sequence stays', async () => {
    const server = await startServer();
    const till = await enrolTill(server, T);
    const sim = new TillSim('r1');
    const [open, sale] = [sim.openSession(), sim.coffee()];
    const wrongSeq = { ...wireItem(sale), seq: 1 };
    const wrongType = { ...wireItem(open), type: 'no_sale' };
    const wrongKey = { ...wireItem(open), key: 'r1:1:0000000000000000' };
    const results = await push(server, till.token, [wrongSeq, wrongType, wrongKey]);
    expect(results.map((r) => r.code)).toEqual(['SEQUENCE_MISMATCH', 'SEQUENCE_MISMATCH', 'SEQUENCE_MISMATCH']);
    expect(results[0]!.message).toMatch(/sequence 2/);
    // nothing moved: the real first entry is still expected
    expect((await push(server, till.token, [wireItem(open), wireItem(sale)])).map((r) => r.result)).toEqual([
      'applied',
      'applied',
    ]);
  });

  it('refuses an entry that does not continue the register journal (CHAIN_BROKEN)', async () => {
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

    // an entry changed after it was hashed
    const next = sim.coffee(2);
    const edited = copy(next);
    edited.entry = { ...edited.entry, operator: 'someone-else' };
    const [changed] = await push(server, till.token, [wireItem(edited)]);
    expect(changed).toMatchObject({ result: 'rejected', code: 'CHAIN_BROKEN', message: expect.stringMatching(/hash/) });

    expect((await push(server, till.token, [wireItem(next)]))[0]!.result).toBe('applied');
  });

  it('refuses a sale whose totals are not what @tillkit/core computes from its lines (TOTALS_MISMATCH)', async () => {
    const server = await startServer();
    const till = await enrolTill(server, T);
    const sim = new TillSim('r1');
    const open = sim.openSession();
    const honest = sim.sale({
      lines: [
        { id: 'a', name: 'Cheese', unitPrice: 1290, quantity: '0.35', unit: 'kg', taxIds: ['vat7'] },
        { id: 'b', name: 'Wine', unitPrice: 899, quantity: 2, taxIds: ['vat19', 'levy'] },
      ],
      orderDiscounts: [{ kind: 'percent', percent: 5 }],
      tenders: [{ type: 'card' }],
    });
    await push(server, till.token, [wireItem(open)]);

    const forged = forgeCheaperSale(open, honest);
    const [cheaper] = await push(server, till.token, [wireItem(forged)]);
    expect(cheaper).toMatchObject({ result: 'rejected', code: 'TOTALS_MISMATCH' });

    const priced = copy(honest);
    (priced.transaction as unknown as { priced: { lines: { unitPrice: number }[] } }).priced.lines[1]!.unitPrice = 799;
    const [lied] = await push(server, till.token, [wireItem(priced)]);
    expect(lied).toMatchObject({ result: 'rejected', code: 'TOTALS_MISMATCH', message: expect.stringMatching(/Line b/) });

    expect((await push(server, till.token, [wireItem(honest)]))[0]!.result).toBe('applied');
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

  it('refuses a malformed payload (INVALID_EVENT), replays the rejection for its key, and does not move the sequence', async () => {
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
    expect((await push(server, till.token, [wireItem(open)]))[0]!.result).toBe('applied');
    expect((await events(server)).events).toHaveLength(1);
  });

  it('decides a rejected key again when it comes back corrected', async () => {
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
    expect((await push(server, till.token, [wireItem(withoutTransaction)]))[0]!.code).toBe('INVALID_EVENT');
    expect(await push(server, till.token, [wireItem(sale)])).toEqual([{ key: eventKey(sale.entry), result: 'applied' }]);
    expect((await push(server, till.token, [wireItem(withoutTransaction)]))[0]).toMatchObject({ code: 'KEY_REUSED' });
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
