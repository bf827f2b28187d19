import { SyncPaths } from '@tillkit/sync-client/protocol';
import { check, show } from '../assert';
import type { ConformanceCheck } from '../check';
import { wireItem } from '../till-events';

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
];
