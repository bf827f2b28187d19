import { firstValueFrom, filter, timeout } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { OutboxEvent } from '@tillkit/offline-queue';
import type { SyncStatus } from '@tillkit/sync-client';
import { withCleanup } from './cleanup';
import { manualClock, openTill, startCloud, TENANT, until } from './harness';
import { TillFixture } from './till-fixture';

const { cloud, till, folder } = withCleanup();

describe('push', () => {
  it('enrols, records sales durably and delivers each journal event exactly once, in order; a restarted till does not enrol again', async () => {
    const { url, admin } = await cloud();
    const dir = folder();
    const a = await openTill(dir, { baseUrl: url, deviceId: 'till-a' });
    const enrolled = await a.client.enrol(await admin.enrolmentCode());
    expect(enrolled.tenant).toEqual(TENANT);
    await a.client.start();

    const fixture = new TillFixture(TENANT.registerId);
    const events = [fixture.openSession(), fixture.sale(350), fixture.sale(420, 3), fixture.sale(990), fixture.sale(120, 5)];
    for (const event of events) await a.client.recordEvent(event);
    // recording the same entry again (a till replaying after a crash) changes nothing
    await a.client.recordEvent(events[2]!);

    const stored = await until('5 events on the server', async () => {
      const all = await admin.events();
      return all.length >= 5 ? all : undefined;
    });
    expect(stored.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(new Set(stored.map((e) => e.key)).size).toBe(5);
    expect(stored.map((e) => e.type)).toEqual(['session_opening', 'sale', 'sale', 'sale', 'sale']);
    expect(stored.map((e) => e.payload.entry.hash)).toEqual(events.map((e) => e.entry.hash));
    expect(stored.filter((e) => e.type === 'sale').map((e) => e.payload.transaction?.priced.total)).toEqual(
      events.slice(1).map((e) => e.transaction!.priced.total),
    );
    const status = await firstValueFrom(
      a.client.status$.pipe(
        filter((s) => s.pending + s.inFlight === 0 && s.lastPushAt !== undefined),
        timeout(5000),
      ),
    );
    expect(status).toMatchObject({ connectivity: 'online', auth: 'ok', deadLetters: 0, endpoint: 'primary' });
    await a.close();

    // the till restarts: same files, no enrolment, the journal goes on
    const again = await till(dir, { baseUrl: url, deviceId: 'till-a' });
    expect((await again.client.enrolment())?.tenant).toEqual(TENANT);
    await again.client.start();
    await again.client.recordEvent(fixture.sale(275));
    const after = await until('6 events on the server', async () => {
      const all = await admin.events();
      return all.length >= 6 ? all : undefined;
    });
    expect(after.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    const journal = await admin.journal();
    expect(journal.verification.ok).toBe(true);
    expect(journal.entries.at(-1)?.hash).toBe(fixture.till.journal.hash);
  });

  it('refreshes an expired token on 401 and goes on pushing', async () => {
    const serverClock = manualClock();
    const { url, admin } = await cloud({ clock: serverClock, tokenTtlSeconds: 900 });
    const t = await till(folder(), { baseUrl: url, deviceId: 'till-a' });
    await t.client.enrol(await admin.enrolmentCode());
    const outboxEvents: OutboxEvent[] = [];
    t.client.outbox.events$.subscribe((e) => outboxEvents.push(e));
    await t.client.start();
    const fixture = new TillFixture(TENANT.registerId);
    await t.client.recordEvent(fixture.openSession());
    await until('the opening on the server', async () => ((await admin.events()).length === 1 ? true : undefined));

    // the server's time moves past the token's lifetime; the till still believes in its token
    serverClock.advance(901_000);
    await t.client.recordEvent(fixture.sale());
    await t.client.recordEvent(fixture.sale(500));
    const stored = await until('3 events on the server', async () => {
      const all = await admin.events();
      return all.length === 3 ? all : undefined;
    });
    expect(stored.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(outboxEvents.some((e) => e.type === 'auth-refreshed')).toBe(true);
    expect(outboxEvents.filter((e) => e.type === 'dead-lettered')).toEqual([]);
    const status = await firstValueFrom(
      t.client.status$.pipe(
        filter((s) => s.pending + s.inFlight === 0),
        timeout(5000),
      ),
    );
    expect(status.auth).toBe('ok');
  });

  it('queues through an outage, reports offline, then catches up with a fixed total and is online again', async () => {
    const dir = folder();
    const first = await startCloud({ db: `${dir}/cloud.db` });
    const { port } = first.server;
    const t = await till(dir, { baseUrl: first.url, deviceId: 'till-a', outbox: { batch: { maxItems: 3 } } });
    await t.client.enrol(await first.admin.enrolmentCode());
    const seen: SyncStatus[] = [];
    t.client.status$.subscribe((s) => seen.push(s));
    await t.client.start();
    const fixture = new TillFixture(TENANT.registerId);
    await t.client.recordEvent(fixture.openSession());
    await until('the opening on the server', async () => ((await first.admin.events()).length === 1 ? true : undefined));

    await first.close();
    // only the catch-up after this outage counts (a slow first contact may report its own of one)
    const outageStart = seen.length;
    for (let i = 0; i < 10; i++) await t.client.recordEvent(fixture.sale(100 + i));
    const offline = await firstValueFrom(
      t.client.status$.pipe(
        filter((s) => s.connectivity === 'offline' && s.pending + s.inFlight === 10),
        timeout(10_000),
      ),
    );
    expect(offline.lagMs).toBeGreaterThanOrEqual(0);
    expect(offline.lastError).toBeDefined();

    const second = await cloud({ db: `${dir}/cloud.db`, port });
    await until('11 events on the server', async () => ((await second.admin.events()).length === 11 ? true : undefined), 20_000);
    const done = await firstValueFrom(
      t.client.status$.pipe(
        filter((s) => s.pending + s.inFlight === 0 && s.connectivity === 'online'),
        timeout(10_000),
      ),
    );
    expect(done.catchingUp).toBeUndefined();
    const progress = seen.slice(outageStart).flatMap((s) => (s.catchingUp === undefined ? [] : [s.catchingUp]));
    expect(progress.length).toBeGreaterThan(0);
    expect(new Set(progress.map((p) => p.total))).toEqual(new Set([10]));
    const percents = progress.map((p) => p.percent);
    expect(percents).toEqual([...percents].sort((x, y) => x - y));
    expect(percents.every((p) => p >= 0 && p < 100)).toBe(true);
    expect(Math.max(...percents)).toBeGreaterThan(0);
    expect((await second.admin.journal()).verification.ok).toBe(true);
  });
});
