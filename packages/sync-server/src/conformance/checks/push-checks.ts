import { PushRejectCode, SyncPaths, type WireItem } from '@tillkit/sync-client/protocol';
import { check, show } from '../assert';
import type { ConformanceCheck } from '../check';
import { expectResult, type EnrolledTill } from '../context';
import { wireItem } from '../till-events';

const applied = { result: 'applied' } as const;
const duplicate = { result: 'duplicate' } as const;
const rejected = (code: string) => ({ result: 'rejected', code }) as const;
const gap = (expectedSeq: number) => ({ result: 'gap', expectedSeq }) as const;

/** The ingested events of the till's register, checked to be exactly `items`, in sequence order. */
async function expectIngested(till: EnrolledTill, items: readonly WireItem[]): Promise<void> {
  const events = (await till.ctx.events(till.tenant)).filter((e) => e.partition === till.tenant.registerId);
  const seen = events.map((e) => `${e.seq}:${e.key}`).sort(bySeq);
  const expected = items.map((i) => `${i.seq}:${i.key}`).sort(bySeq);
  check(
    seen.length === expected.length && seen.every((s, i) => s === expected[i]),
    () =>
      `the backend ingested ${show(seen, 600)} for register ${till.tenant.registerId}, expected exactly ${show(expected, 600)}`,
  );
}

const bySeq = (a: string, b: string): number => Number.parseInt(a, 10) - Number.parseInt(b, 10);

export const pushChecks: ConformanceCheck[] = [
  {
    id: 'push.exactly-once',
    title: `${SyncPaths.push}: an event is applied once; its replays (one by one or in a batch) answer duplicate and nothing is ingested twice`,
    async run(ctx) {
      const till = await ctx.enrol();
      const open = wireItem(till.script.openSession());
      expectResult(await till.pushOne(open), applied, 'the first push of seq 1');
      expectResult(await till.pushOne({ ...open, attempt: 2 }), duplicate, 'the replay of seq 1 (attempt 2)');
      const sale = wireItem(till.script.sale());
      const paid = wireItem(till.script.paidIn());
      const first = await till.push([sale, paid]);
      expectResult(first[0]!, applied, 'a sale at seq 2');
      expectResult(first[1]!, applied, 'a paid-in at seq 3');
      const replay = await till.push([open, sale, paid].map((i) => ({ ...i, attempt: i.attempt + 1 })));
      replay.forEach((result, i) => expectResult(result, duplicate, `the replayed batch's item ${i + 1} (seq ${i + 1})`));
      expectResult(await till.pushOne({ ...sale, attempt: 5 }), duplicate, 'the sale replayed again');
      await expectIngested(till, [open, sale, paid]);
    },
  },
  {
    id: 'push.key-reused',
    title: `the same idempotency key with different content is rejected ${PushRejectCode.KEY_REUSED}, at the same or the next sequence`,
    async run(ctx) {
      const till = await ctx.enrol();
      const rival = till.script.fork();
      const open = wireItem(till.script.openSession());
      expectResult(await till.pushOne(open), applied, 'seq 1');
      const other = wireItem(rival.openSession(25_000));
      expectResult(
        await till.pushOne({ ...other, key: open.key }),
        rejected(PushRejectCode.KEY_REUSED),
        "another seq-1 entry under seq 1's key",
      );
      const next = wireItem(till.script.sale());
      expectResult(
        await till.pushOne({ ...next, key: open.key }),
        rejected(PushRejectCode.KEY_REUSED),
        "the seq-2 sale under seq 1's key",
      );
      expectResult(await till.pushOne(next), applied, 'the seq-2 sale under its own key (the rejections took no sequence)');
      await expectIngested(till, [open, next]);
    },
  },
  {
    id: 'push.gap-ahead',
    title:
      "an event ahead of the register's next sequence answers gap with expectedSeq (the next sequence), and nothing is applied",
    async run(ctx) {
      const till = await ctx.enrol();
      const items = [till.script.openSession(), till.script.sale(), till.script.sale()].map((e) => wireItem(e));
      const [one, two, three] = items as [WireItem, WireItem, WireItem];
      expectResult(await till.pushOne(three), gap(1), 'seq 3 on a register that has nothing');
      expectResult(await till.pushOne(one), applied, 'seq 1');
      expectResult(await till.pushOne(three), gap(2), 'seq 3 after seq 1');
      const results = await till.push([two, three]);
      expectResult(results[0]!, applied, 'seq 2');
      expectResult(results[1]!, applied, 'seq 3 after seq 2');
      await expectIngested(till, items);
    },
  },
  {
    id: 'push.seq-taken',
    title: 'an event at a sequence another key already holds answers gap with expectedSeq (the next free sequence)',
    async run(ctx) {
      const till = await ctx.enrol();
      const rival = till.script.fork();
      const open = wireItem(till.script.openSession());
      expectResult(await till.pushOne(open), applied, 'seq 1');
      const other = wireItem(rival.openSession(30_000));
      check(other.key !== open.key, 'internal: the rival entry should have its own key');
      expectResult(await till.pushOne(other), gap(2), 'another entry at seq 1 under its own key');
      const rivalTwo = till.script.fork();
      const sale = wireItem(till.script.sale());
      expectResult(await till.pushOne(sale), applied, 'seq 2');
      expectResult(await till.pushOne(wireItem(rivalTwo.noSale())), gap(3), 'another entry at seq 2 under its own key');
      await expectIngested(till, [open, sale]);
    },
  },
  {
    id: 'push.totals-mismatch',
    title: `a sale whose totals disagree with its lines is rejected ${PushRejectCode.TOTALS_MISMATCH} and is not ingested as applied`,
    async run(ctx) {
      const till = await ctx.enrol();
      const open = wireItem(till.script.openSession());
      expectResult(await till.pushOne(open), applied, 'seq 1');
      const tampered = wireItem(till.script.tamperedSale(100));
      expectResult(
        await till.pushOne(tampered),
        rejected(PushRejectCode.TOTALS_MISMATCH),
        'a sale claiming 1.00 less than its lines',
      );
      await expectIngested(till, [open]);
    },
  },
  {
    id: 'push.rejected-uses-sequence',
    title:
      "a rejected event uses up its sequence: the till's next entry (seq + 1, chained to the rejected one) is applied, another event at the rejected sequence answers gap, and the register keeps flowing",
    async run(ctx) {
      const till = await ctx.enrol();
      const open = wireItem(till.script.openSession());
      const rival = till.script.fork();
      expectResult(await till.pushOne(open), applied, 'seq 1');
      const tampered = wireItem(till.script.tamperedSale(100));
      expectResult(await till.pushOne(tampered), rejected(PushRejectCode.TOTALS_MISMATCH), 'a tampered sale at seq 2');
      const next = wireItem(till.script.sale());
      expectResult(await till.pushOne(next), applied, 'the next sale at seq 3, chained to the rejected seq 2');
      expectResult(await till.pushOne(wireItem(rival.paidIn())), gap(4), 'another entry at the rejected seq 2');
      const later = [till.script.noSale(), till.script.sale(1)].map((e) => wireItem(e));
      const results = await till.push(later);
      results.forEach((result, i) => expectResult(result, applied, `seq ${later[i]!.seq} after the rejection`));
      await expectIngested(till, [open, next, ...later]);
    },
  },
  {
    id: 'push.rejected-replay',
    title:
      'a rejected key replays the same rejection (code and message), also after later events and with other content under it: it is never decided again',
    async run(ctx) {
      const till = await ctx.enrol();
      const open = wireItem(till.script.openSession());
      expectResult(await till.pushOne(open), applied, 'seq 1');
      const tampered = wireItem(till.script.tamperedSale(100));
      const first = await till.pushOne(tampered);
      expectResult(first, rejected(PushRejectCode.TOTALS_MISMATCH), 'a tampered sale at seq 2');
      const replay = await till.pushOne({ ...tampered, attempt: 2 });
      expectResult(replay, rejected(PushRejectCode.TOTALS_MISMATCH), 'the replay of the tampered sale');
      const message = (r: typeof first): string | undefined => (r.result === 'rejected' ? r.message : undefined);
      check(
        message(replay) === message(first),
        () => `the replay's message ${show(message(replay))} is not the rejection's ${show(message(first))}`,
      );
      const next = wireItem(till.script.sale());
      expectResult(await till.pushOne(next), applied, 'the next sale at seq 3');
      expectResult(
        await till.pushOne({ ...tampered, attempt: 3 }),
        rejected(PushRejectCode.TOTALS_MISMATCH),
        'the tampered sale replayed after seq 3 was applied',
      );
      const payload = tampered.payload as { entry: unknown; transaction: unknown; till: unknown };
      const otherContent = { ...tampered, payload: { ...payload, transaction: { note: 'corrected' } }, attempt: 4 } as WireItem;
      expectResult(
        await till.pushOne(otherContent),
        rejected(PushRejectCode.TOTALS_MISMATCH),
        'other content under the rejected key',
      );
      await expectIngested(till, [open, next]);
    },
  },
  {
    id: 'push.chain-broken',
    title: `an entry chained to the wrong previous hash, or whose hash does not match its content, is rejected ${PushRejectCode.CHAIN_BROKEN}; the entry after it chains to it and is applied`,
    async run(ctx) {
      const till = await ctx.enrol();
      const open = wireItem(till.script.openSession());
      expectResult(await till.pushOne(open), applied, 'seq 1');
      const wrongPrevious = wireItem(till.script.wrongPreviousHash());
      expectResult(
        await till.pushOne(wrongPrevious),
        rejected(PushRejectCode.CHAIN_BROKEN),
        "seq 2 chained to a previous hash that is not seq 1's",
      );
      const wrongHash = wireItem(till.script.wrongHash());
      expectResult(await till.pushOne(wrongHash), rejected(PushRejectCode.CHAIN_BROKEN), 'seq 3 edited after hashing');
      const honest = wireItem(till.script.paidIn());
      expectResult(await till.pushOne(honest), applied, 'the honest entry at seq 4, chained to the hash seq 3 carried');
      await expectIngested(till, [open, honest]);
    },
  },
  {
    id: 'push.sequence-mismatch',
    title: `an item whose seq or type disagrees with its journal entry is rejected ${PushRejectCode.SEQUENCE_MISMATCH} and uses up its sequence`,
    async run(ctx) {
      const till = await ctx.enrol();
      const open = wireItem(till.script.openSession());
      expectResult(await till.pushOne(open), applied, 'seq 1');
      const typed = wireItem(till.script.paidIn());
      expectResult(
        await till.pushOne({ ...typed, type: 'no_sale' }),
        rejected(PushRejectCode.SEQUENCE_MISMATCH),
        'item type no_sale carrying a paid_in entry at seq 2',
      );
      const numbered = wireItem(till.script.fork().wrongSequence());
      expectResult(
        await till.pushOne({ ...numbered, seq: 3 }),
        rejected(PushRejectCode.SEQUENCE_MISMATCH),
        'item seq 3 carrying a journal entry numbered 4',
      );
      // the refused item at 3 held no entry 3 of the register: the till's entry 4 is taken with the previousHash it has
      till.script.noSale();
      const honest = wireItem(till.script.sale());
      expectResult(await till.pushOne(honest), applied, 'the honest entry at seq 4');
      await expectIngested(till, [open, honest]);
    },
  },
  {
    id: 'push.invalid-event',
    title: `an event whose payload is not a journal event is rejected ${PushRejectCode.INVALID_EVENT}, in a 200 answer; it uses up its sequence and the next entry is taken with the previous hash it has`,
    async run(ctx) {
      const till = await ctx.enrol();
      const open = wireItem(till.script.openSession());
      expectResult(await till.pushOne(open), applied, 'seq 1');
      const registerId = till.tenant.registerId;
      const junk: WireItem = {
        key: `${registerId}:2:not-an-entry`,
        partition: registerId,
        seq: 2,
        type: 'sale',
        payload: { entry: { sequence: 2, note: 'not a journal entry' }, till: null },
        createdAt: Date.now(),
        attempt: 1,
      };
      expectResult(await till.pushOne(junk), rejected(PushRejectCode.INVALID_EVENT), 'a sale item whose payload is junk');
      till.script.sale(); // the till's entry 2, which the junk item stood for
      const honest = wireItem(till.script.sale());
      expectResult(await till.pushOne(honest), applied, 'the honest entry at seq 3');
      await expectIngested(till, [open, honest]);
    },
  },
  {
    id: 'push.batch-in-order',
    title:
      'a batch of several events is applied in order with one result per item; after a hole in a batch, later items answer gap',
    async run(ctx) {
      const till = await ctx.enrol();
      const s = till.script;
      const items = [s.openSession(), s.sale(1), s.paidIn(), s.sale(3), s.noSale(), s.sale(2, 199)].map((e) => wireItem(e));
      const results = await till.push(items);
      results.forEach((result, i) =>
        expectResult(result, applied, `batch item ${i + 1} (seq ${items[i]!.seq}, ${items[i]!.type})`),
      );
      const seven = wireItem(s.sale());
      s.noSale();
      const nine = wireItem(s.sale());
      const mixed = await till.push([seven, nine]);
      expectResult(mixed[0]!, applied, 'seq 7 in a batch with seq 9');
      expectResult(mixed[1]!, gap(8), 'seq 9 after seq 7 in the same batch');
      await expectIngested(till, [...items, seven]);
    },
  },
];
