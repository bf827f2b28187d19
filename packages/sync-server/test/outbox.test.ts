import { join } from 'node:path';
import { createHttpTransport, createOutbox } from '@tillkit/offline-queue';
import { createSqliteStore } from '@tillkit/offline-queue/sqlite';
import { startFaultProxy } from '@tillkit/offline-queue/testing';
import { eventKey, SyncPaths, type WireItem } from '@tillkit/sync-client/protocol';
import { describe, expect, it } from 'vitest';
import { call, enrolTill, forgeCheaperSale, startServer, tempDir, TillSim, wireItem, type Step } from './fixtures';

const T = { merchantId: 'm1', storeId: 's1', registerId: 'r1' };

describe('the offline queue pushing to the server', () => {
  it('delivers a till journal exactly once through lost answers and reset connections', async () => {
    const server = await startServer();
    const till = await enrolTill(server, T);
    const proxy = await startFaultProxy({
      target: { host: '127.0.0.1', port: server.port },
      seed: 7,
      faults: { loseResponse: 0.3, reset: 0.15 },
    });
    const store = await createSqliteStore({ path: join(tempDir(), 'outbox.db') });
    const outbox = createOutbox({
      store,
      transport: createHttpTransport({
        pushPath: SyncPaths.push,
        headers: () => Promise.resolve({ authorization: `Bearer ${till.token}`, 'tillkit-protocol': '1' }),
        timeoutMs: 2_000,
      }),
      endpoints: [{ id: 'cloud', url: proxy.url }],
      deviceId: 'r1',
      batch: { maxItems: 4 },
      backoff: { baseMs: 5, capMs: 40 },
      probeIntervalMs: 0,
      failover: { breaker: { failureThreshold: 1000 } },
    });
    try {
      const sim = new TillSim('r1');
      const steps = [sim.openSession(), ...Array.from({ length: 20 }, (_, i) => sim.coffee(1 + (i % 3))), sim.paidIn(1000)];
      for (const step of steps) {
        const item = wireItem(step);
        await outbox.enqueue({ key: item.key, partition: item.partition, type: item.type, payload: item.payload });
      }
      for (let round = 0; round < 200; round++) {
        const report = await outbox.flush();
        if (report.remaining === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect((await outbox.items()).length).toBe(0);
      expect(await outbox.deadLetters.list()).toEqual([]);
      // the server applied batches whose answers were lost: the queue sent them again
      expect(proxy.stats.loseResponse).toBeGreaterThan(0);
      expect(proxy.stats.reset).toBeGreaterThan(0);

      const journal = await call(server.url, 'GET', '/admin/v1/merchants/m1/registers/r1/journal', undefined, {
        token: server.adminToken,
      });
      expect(journal.body.verification).toMatchObject({ ok: true, count: steps.length, head: { hash: sim.till.journal.hash } });
    } finally {
      await outbox.close();
      await store.close();
      await proxy.close();
    }
  });

  it('dead-letters a sale the server rejects (TOTALS_MISMATCH) while the rest of the register flows, once, without looping', async () => {
    const server = await startServer();
    const till = await enrolTill(server, T);
    // every push request and the keys it carried, counted where the till sends them
    const sent: string[][] = [];
    const counting = (input: string, init: RequestInit): Promise<Response> => {
      if (input.endsWith(SyncPaths.push) && typeof init.body === 'string') {
        sent.push((JSON.parse(init.body) as { items: WireItem[] }).items.map((i) => i.key));
      }
      return fetch(input, init);
    };
    const store = await createSqliteStore({ path: join(tempDir(), 'outbox.db') });
    const outbox = createOutbox({
      store,
      transport: createHttpTransport({
        pushPath: SyncPaths.push,
        headers: () => Promise.resolve({ authorization: `Bearer ${till.token}`, 'tillkit-protocol': '1' }),
        fetch: counting,
        timeoutMs: 2_000,
      }),
      endpoints: [{ id: 'cloud', url: server.url }],
      deviceId: 'r1',
      batch: { maxItems: 3 },
      backoff: { baseMs: 5, capMs: 40 },
      probeIntervalMs: 0,
    });
    const enqueue = async (step: Step) => {
      const item = wireItem(step);
      await outbox.enqueue({ key: item.key, partition: item.partition, type: item.type, payload: item.payload });
    };
    const drain = async () => {
      for (let round = 0; round < 50; round++) {
        if ((await outbox.flush()).remaining === 0) return;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    try {
      // ten journal entries; the till's own journal holds #4 with a total 1.00 below its lines and goes on from it
      const sim = new TillSim('r1');
      const steps = [sim.openSession(), sim.coffee(), sim.coffee(2)];
      const forged = forgeCheaperSale(steps[2]!, sim.coffee(3));
      sim.till = forged.till;
      steps.push(forged, sim.coffee(), sim.paidIn(500), sim.coffee(2), sim.coffee(), sim.coffee(4), sim.coffee());
      for (const step of steps) await enqueue(step);
      await drain();
      const forgedKey = eventKey(forged.entry);

      // on the till: #4 is a dead letter with the server's code and keeps its number; nothing else waits or is blocked
      expect(await outbox.items()).toEqual([]);
      const dead = await outbox.deadLetters.list();
      expect(dead.map((d) => [d.key, d.dead?.code, d.dead?.source, d.dead?.seq])).toEqual([
        [forgedKey, 'TOTALS_MISMATCH', 'item', 4],
      ]);
      expect((await store.listPartitions()).find((p) => p.partition === 'r1')?.blocked).toBeUndefined();

      // on the server: the other nine applied exactly once, #4 quarantined, the journal verifies
      const admin = { token: server.adminToken };
      const applied = await call(server.url, 'GET', '/admin/v1/merchants/m1/stores/s1/events', undefined, admin);
      const appliedKeys = (applied.body.events as { key: string }[]).map((e) => e.key);
      expect(appliedKeys).toEqual(steps.filter((s) => s !== forged).map((s) => eventKey(s.entry)));
      const rejected = await call(server.url, 'GET', '/admin/v1/merchants/m1/stores/s1/events?status=rejected', undefined, admin);
      expect(rejected.body.events).toMatchObject([{ seq: 4, key: forgedKey, status: 'rejected', code: 'TOTALS_MISMATCH' }]);
      const journal = await call(server.url, 'GET', '/admin/v1/merchants/m1/registers/r1/journal', undefined, admin);
      expect(journal.body.verification).toMatchObject({ ok: true, count: 10, head: { hash: sim.till.journal.hash } });

      // no loop: every key went out once, in as many requests as batches
      expect(sent.flat().sort()).toEqual(steps.map((s) => eventKey(s.entry)).sort());
      expect(sent.length).toBe(4);

      // nothing else stops: later sales of the register go through, the dead letter stays where it is
      const later = [sim.coffee(), sim.coffee(2)];
      for (const step of later) await enqueue(step);
      await drain();
      expect(await outbox.items()).toEqual([]);
      expect((await outbox.deadLetters.list()).map((d) => d.key)).toEqual([forgedKey]);
      expect(sent.flat()).toHaveLength(12);
      const after = await call(server.url, 'GET', '/admin/v1/merchants/m1/registers/r1/journal', undefined, admin);
      expect(after.body.verification).toMatchObject({ ok: true, count: 12, head: { hash: sim.till.journal.hash } });
    } finally {
      await outbox.close();
      await store.close();
    }
  });
});
