import { join } from 'node:path';
import { createHttpTransport, createOutbox } from '@tillkit/offline-queue';
import { createSqliteStore } from '@tillkit/offline-queue/sqlite';
import { startFaultProxy } from '@tillkit/offline-queue/testing';
import { SyncPaths } from '@tillkit/sync-client/protocol';
import { describe, expect, it } from 'vitest';
import { call, enrolTill, startServer, tempDir, TillSim, wireItem } from './fixtures';

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
});
