import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createSqliteStore } from '@tillkit/offline-queue/sqlite';
import type { Drill } from '../drill';
import { spawnTill } from '../harness/child-process';
import { startCloud } from '../harness/cloud';
import { startFaultProxy } from '@tillkit/offline-queue/testing';
import { REGISTER_ID } from '../harness/shop';
import { until } from '../harness/sim-clock';
import { openTill } from '../harness/till';
import { verifyCloud } from '../harness/verify';
import type { JournalEntry } from '@tillkit/core';

/**
 * 10. The till process is killed (SIGKILL) in the middle of ringing and syncing, again and again,
 * and restarted on the same files. Every sale it said was done reaches the cloud once; the local
 * store and the cloud agree.
 */
export const tillKilled: Drill = {
  name: 'till-killed',
  title: 'till process killed (SIGKILL) mid-sale and mid-sync, restarted',
  async run(ctx) {
    const kills = ctx.scale === 'full' ? 5 : 2;
    const cloud = await startCloud(ctx.dir, REGISTER_ID);
    ctx.defer(() => cloud.close());
    // answers slowed down, so a kill lands while a push is in flight
    const proxy = await startFaultProxy({
      target: { host: '127.0.0.1', port: cloud.port },
      faults: { delay: { rate: 0.7, minMs: 20, maxMs: 120 } },
    });
    ctx.defer(() => proxy.close());
    const dir = join(ctx.dir, 'till');
    mkdirSync(dir);
    const enrolling = await openTill({ dir, deviceId: 'drill-device-1', endpoints: [{ id: 'primary', url: proxy.url }] });
    await enrolling.client.enrol(await cloud.admin.enrolmentCode(REGISTER_ID));
    await enrolling.close();

    const reported = new Set<string>();
    let longestWaitMs = 0;
    let started = 0;
    /** kills that landed while the cloud was behind the till's store: a push was under way */
    let midSync = 0;
    /** kills that landed after the till began writing a sale and before it said the sale was done */
    let midSale = 0;
    for (let round = 0; round < kills; round++) {
      const child = spawnTill(dir, proxy.url, 'sell');
      ctx.defer(() => void child.process.kill('SIGKILL'));
      const goal = 15 + round * 7;
      await until(
        `the till process to ring ${goal} sales (${child.stderr()})`,
        () => child.lines.filter((l) => 'rung' in l).length >= goal,
        20_000,
      );
      child.process.kill('SIGKILL');
      await child.exited;
      for (const line of child.lines) {
        if (typeof line.rung === 'string') reported.add(line.rung);
        if (typeof line.waitMs === 'number') longestWaitMs = Math.max(longestWaitMs, line.waitMs);
        if (line.started === true) started++;
      }
      const store = await createSqliteStore({ path: join(dir, 'outbox.db') });
      const stored = (await store.listRecords('transactions', { limit: 100_000 })).map((r) => r.key);
      await store.close();
      const applied = (await cloud.admin.events('applied')).length;
      if (applied < stored.length + 1) midSync++; // + 1: the session opening
      const last = child.lines.at(-1);
      if (last !== undefined && 'recording' in last) midSale++; // killed before the sale it was writing was confirmed
    }
    // the last restart (in this process, on the same files) delivers what the killed ones left
    proxy.setMode('pass');
    const restarted = await openTill({ dir, deviceId: 'drill-device-1', endpoints: [{ id: 'primary', url: proxy.url }] });
    ctx.defer(() => restarted.close());
    await restarted.client.start();
    await until('the restarted till to drain', async () => (await restarted.client.outbox.flush()).remaining === 0, 15_000);

    // the till's own store after the restarts: its journal is what the cloud must hold
    const journal = (await restarted.store.listRecords('journal', { limit: 100_000 })).map(
      (r) => r.value as unknown as JournalEntry,
    );
    const transactions = new Set((await restarted.store.listRecords('transactions', { limit: 100_000 })).map((r) => r.key));
    const verdict = await verifyCloud(cloud.admin, REGISTER_ID, journal);
    const onCloud = new Set(verdict.applied.map((e) => e.payload.transaction?.id).filter((id) => id !== undefined));
    const lost = [...reported].filter((id) => !onCloud.has(id)).length;
    return {
      salesLost: Math.max(lost, verdict.salesLost),
      duplicates: verdict.duplicates,
      longestWaitMs,
      checks: [
        { what: `the till was killed ${kills} times and restarted (${started} starts)`, ok: started === kills },
        { what: `kills landed while a push was under way (${midSync} of ${kills})`, ok: midSync > 0 },
        {
          what: `every sale the till reported done (${reported.size}) is in its store`,
          ok: [...reported].every((id) => transactions.has(id)),
        },
        { what: `and on the cloud once`, ok: lost === 0 },
        {
          what: `the store's journal (${journal.length}) and the cloud's applied events (${verdict.applied.length}) agree`,
          ok: journal.length === verdict.applied.length,
        },
        ...verdict.checks,
      ],
      note: `${kills} SIGKILLs (${midSale} while recording a sale, ${midSync} while pushes were under way); ${reported.size} sales reported done, ${journal.length} journal entries`,
    };
  },
};
