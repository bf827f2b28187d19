import { SyncPaths } from '@tillkit/sync-client/protocol';
import { check, show } from '../assert';
import type { ConformanceCheck } from '../check';
import { expectResult } from '../context';
import { ScriptedTill, wireItem } from '../till-events';

export const restoreChecks: ConformanceCheck[] = [
  {
    id: 'restore.snapshot',
    title: `GET ${SyncPaths.restore}?tail=N gives the register's last sequence, the newest till state and the last N journal entries; nothing for a register that never pushed`,
    async run(ctx) {
      const fresh = await ctx.enrol();
      const empty = await fresh.restore();
      check(
        empty.partitions.every((p) => p.lastSeq === 0),
        () => `a register that never pushed restores with partitions ${show(empty.partitions)}`,
      );
      check(empty.till === null, () => `a register that never pushed restores with till state ${show(empty.till)}`);
      check(
        empty.journalTail.length === 0,
        () => `a register that never pushed restores with ${empty.journalTail.length} journal entries`,
      );

      const till = await ctx.enrol();
      const s = till.script;
      const events = [s.openSession(), s.sale(), s.paidIn(), s.sale(3)];
      await till.pushApplied(events.map((e) => wireItem(e)));
      const snapshot = await till.restore(2);
      const mine = snapshot.partitions.find((p) => p.partition === till.tenant.registerId);
      check(
        mine?.lastSeq === 4,
        () => `restore gives the register's last sequence as ${show(mine ?? snapshot.partitions)}, expected 4`,
      );
      const tail = snapshot.journalTail.map((e) => `${e.sequence}:${e.hash.slice(0, 12)}`);
      const want = events.slice(2).map((e) => `${e.entry.sequence}:${e.entry.hash.slice(0, 12)}`);
      check(
        tail.join('|') === want.join('|'),
        () => `restore's journal tail for tail=2 is ${show(tail)}, expected ${show(want)}`,
      );
      const head =
        (snapshot.till as { journal?: { sequence?: unknown; hash?: unknown }; lastReceiptNumber?: unknown } | null) ?? {};
      const last = events[3]!.till;
      check(
        head.journal?.sequence === 4 && head.journal.hash === last.journal.hash,
        () => `restore's till state has journal head ${show(head.journal)}, expected sequence 4 and hash ${last.journal.hash}`,
      );
      check(
        head.lastReceiptNumber === last.lastReceiptNumber,
        () => `restore's till state has lastReceiptNumber ${show(head.lastReceiptNumber)}, expected ${last.lastReceiptNumber}`,
      );
    },
  },
  {
    id: 'restore.replacement-till',
    title:
      'a replacement till enrolled for the same register gets its own credentials, restores where the old one stopped and goes on without a gap',
    async run(ctx) {
      const old = await ctx.enrol();
      const events = [old.script.openSession(), old.script.sale(), old.script.sale(2, 990)];
      await old.pushApplied(events.map((e) => wireItem(e)));
      const replacement = await ctx.enrol(old.tenant);
      check(
        replacement.enrolment.credentials.clientId !== old.enrolment.credentials.clientId,
        "the replacement till got the old till's client id",
      );
      const snapshot = await replacement.restore(10);
      const mine = snapshot.partitions.find((p) => p.partition === old.tenant.registerId);
      check(
        mine?.lastSeq === 3,
        () => `the replacement's restore gives last sequence ${show(mine ?? snapshot.partitions)}, expected 3`,
      );
      check(
        snapshot.journalTail.length === 3,
        () => `the replacement's restore carries ${snapshot.journalTail.length} entries, expected 3`,
      );
      check(snapshot.till !== null, "the replacement's restore carries no till state");
      // the replacement goes on from the restored till state: the next entry chains to the old till's last
      const resumed = new ScriptedTill(snapshot.till as unknown as typeof old.script.state);
      const next = wireItem(resumed.sale());
      check(next.seq === 4, () => `the restored till state continues at seq ${next.seq}, expected 4`);
      expectResult(await replacement.pushOne(next), { result: 'applied' }, "the replacement's first sale (seq 4)");
      expectResult(
        await replacement.pushOne({ ...wireItem(events[2]!), attempt: 9 }),
        { result: 'duplicate' },
        "the old till's seq 3 replayed by the replacement",
      );
    },
  },
];
