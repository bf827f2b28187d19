import { join } from 'node:path';
import { startFaultProxy, type FaultKind, type FaultProxy, type FaultRates } from '@tillkit/offline-queue/testing';
import {
  DATASETS,
  datasetRecordSchemas,
  eventKey,
  type Change,
  type Cursor,
  type Dataset,
  type SyncEvent,
} from '@tillkit/sync-client';
import type { SyncStorage } from '@tillkit/sync-server';
import { describe, expect, it } from 'vitest';
import { withCleanup } from './cleanup';
import { TENANT, until, type Cloud } from './harness';
import { HeadOffice, type HeadOfficeModel } from './head-office';
import { between, seededRandom } from './seeded-random';
import { TillFixture } from './till-fixture';

// The proof, end to end over real HTTP: a till's SyncClient (SQLite outbox and catalog
// store) talks to the reference server (a SQLite file) through a TCP proxy that drops, resets,
// delays, blackholes requests and truncates or loses answers after the server committed. The till
// rings a few hundred journal events and pulls again and again, while the head office changes
// prices, articles, members, settings and tax rates on the admin API (directly, not through the
// proxy). Afterwards the server holds every event exactly once, in order, its journal verifies, and
// the till's catalog equals the server's.

/** TILLKIT_FAULT_SEED=<n> plays another mix of faults, sales and back-office changes (every seed below derives from it). */
const SEED = Number(process.env.TILLKIT_FAULT_SEED ?? 7);
if (!Number.isSafeInteger(SEED)) throw new Error(`TILLKIT_FAULT_SEED must be an integer, got ${process.env.TILLKIT_FAULT_SEED}`);

const FAULT_KINDS = ['drop', 'reset', 'delay', 'truncate', 'loseResponse', 'blackhole'] as const satisfies readonly FaultKind[];
type Counts = Record<FaultKind, number>;

/** One kind at a time, often enough to hit several exchanges quickly. */
const ONE_KIND: Record<FaultKind, FaultRates> = {
  drop: { drop: 0.3 },
  reset: { reset: 0.3 },
  delay: { delay: { rate: 0.5, minMs: 20, maxMs: 400 } },
  truncate: { truncate: 0.3 },
  loseResponse: { loseResponse: 0.35 },
  blackhole: { blackhole: 0.2 },
};
/** Every kind at once, for the last phase. */
const EVERY_FAULT: FaultRates = {
  drop: 0.06,
  reset: 0.06,
  delay: { rate: 0.1, minMs: 5, maxMs: 300 },
  truncate: 0.07,
  loseResponse: 0.1,
  blackhole: 0.03,
};
/** exchanges each phase's kind must hit before the next phase */
const HITS_PER_PHASE = 4;
const MIN_PHASE_MS = 500;
/** the till rings at least this many journal events, and goes on while the faults play out, up to MAX_EVENTS */
const MIN_EVENTS = 300;
const MAX_EVENTS = 700;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function faultCounts(proxy: FaultProxy): Counts {
  const stats = proxy.stats;
  return Object.fromEntries(FAULT_KINDS.map((kind) => [kind, stats[kind]])) as Counts;
}

/** Runs `work` over and over, with seeded pauses, until `stop()`; resolves with the number of rounds. */
function loop(random: () => number, pauseMs: [number, number], work: () => Promise<void>) {
  let stopping = false;
  const done = (async () => {
    let rounds = 0;
    while (!stopping) {
      await work();
      rounds++;
      await sleep(between(random, pauseMs[0], pauseMs[1]));
    }
    return rounds;
  })();
  done.catch(() => undefined); // a test that fails early: the error is the test's, not an unhandled one
  return {
    stop() {
      stopping = true;
      return done;
    },
  };
}

/** What the server holds now for a dataset of the store: every change from the start, folded (tombstones remove). */
async function serverDataset(storage: SyncStorage, dataset: Dataset): Promise<Map<string, Record<string, unknown>>> {
  const state = new Map<string, Record<string, unknown>>();
  let after: Cursor | null = null;
  for (;;) {
    const { changes, hasMore }: { changes: Change[]; hasMore: boolean } = await storage.pullChanges({
      merchantId: TENANT.merchantId,
      storeId: TENANT.storeId,
      dataset,
      after,
      limit: 1000,
    });
    for (const change of changes) {
      if (change.deleted) state.delete(change.id);
      else state.set(change.id, { ...change.data, id: change.id });
    }
    const last = changes.at(-1);
    if (!hasMore || last === undefined) return state;
    after = { updatedAt: last.updatedAt, id: last.id };
  }
}

/** Records as the dataset's schema reads them (defaults filled in), by id. */
function normalized(dataset: Dataset, records: Iterable<Record<string, unknown>>): Record<string, unknown> {
  const schema = datasetRecordSchemas[dataset];
  const out: Record<string, unknown> = {};
  for (const record of [...records].sort((a, b) => String(a.id).localeCompare(String(b.id)))) {
    out[String(record.id)] = schema.parse(record);
  }
  return out;
}

/** The admin API's events with every status (a server that knows no `status` filter lists applied ones). */
async function allEvents(cloud: Cloud): Promise<{ key: string; seq: number; status?: string; code?: string }[]> {
  const response = await fetch(
    `${cloud.url}/admin/v1/merchants/${TENANT.merchantId}/stores/${TENANT.storeId}/events?status=all&limit=1000`,
    { headers: { authorization: `Bearer ${cloud.server.adminToken}` } },
  );
  expect(response.status).toBe(200);
  const page = (await response.json()) as {
    events: { key: string; seq: number; status?: string; code?: string }[];
    next: unknown;
  };
  expect(page.next).toBeNull();
  return page.events;
}

const { cloud, till, folder, defer } = withCleanup();

describe('faults: client, outbox and server over a faulty network', () => {
  it(
    'through drops, resets, delays, blackholes, truncated and lost answers, every event lands exactly once and the catalogs agree',
    { timeout: 60_000 },
    async () => {
      const started = Date.now();
      const dir = folder();
      const c = await cloud({ db: join(dir, 'cloud.db') });
      const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: c.server.port }, seed: SEED, mode: 'pass' });
      defer(() => proxy.close());
      const office = new HeadOffice(c.admin, seededRandom(SEED + 1));
      await office.open();

      const t = await till(dir, {
        baseUrl: proxy.url,
        deviceId: 'till-faults',
        requestTimeoutMs: 800,
        outbox: {
          batch: { maxItems: 8 },
          sendTimeoutMs: 600,
          leaseMs: 3000,
          backoff: { baseMs: 10, capMs: 150 },
          probeIntervalMs: 0,
          pollIntervalMs: 20,
          failover: { breaker: { failureThreshold: 4, openMs: 150, closeAfterSuccesses: 1 } },
          random: seededRandom(SEED + 2),
        },
        random: seededRandom(SEED + 3),
      });
      // a one-time code is spent even when its answer is lost: enrol on a quiet network
      await t.client.enrol(await c.admin.enrolmentCode());
      await t.client.start();
      await t.client.pullNow();
      expect(await t.catalog.count('catalog')).toBe(12);
      proxy.setMode('faulty');

      // the till rings sales at the prices it pulled, recording every journal event
      const fixture = new TillFixture(TENANT.registerId);
      const recorded: SyncEvent[] = [];
      const ringRandom = seededRandom(SEED + 4);
      let phasesDone = false;
      const ring = (async () => {
        const opening = fixture.openSession();
        await t.client.recordEvent(opening);
        recorded.push(opening);
        while (recorded.length < MAX_EVENTS && (!phasesDone || recorded.length < MIN_EVENTS)) {
          const prices = await t.catalog.list('prices');
          const price = prices.length === 0 ? 350 : prices[Math.floor(ringRandom() * prices.length)]!.unitPrice;
          const event = fixture.sale(price, between(ringRandom, 1, 4));
          await t.client.recordEvent(event);
          recorded.push(event);
          if (ringRandom() < 0.6) await sleep(between(ringRandom, 0, 30));
        }
      })();
      ring.catch(() => undefined);

      let pulls = 0;
      let failedPulls = 0;
      // pulls one dataset after the other (the client also pulls all of them by itself when it is back from an outage)
      const puller = loop(seededRandom(SEED + 5), [30, 120], async () => {
        try {
          await t.client.pullNow([DATASETS[(pulls + failedPulls) % DATASETS.length]!]);
          pulls++;
        } catch {
          failedPulls++;
        }
      });
      const backOffice = loop(seededRandom(SEED + 6), [20, 120], async () => {
        await office.step();
      });

      // the proxy cycles through every kind of fault, then a short outage, then all of them at once
      for (const kind of FAULT_KINDS) {
        const from = faultCounts(proxy)[kind];
        const phaseStart = Date.now();
        proxy.setFaults(ONE_KIND[kind]);
        await until(
          `${HITS_PER_PHASE} exchanges hit by ${kind}`,
          () => (faultCounts(proxy)[kind] - from >= HITS_PER_PHASE && Date.now() - phaseStart >= MIN_PHASE_MS ? true : undefined),
          15_000,
        );
      }
      const downFrom = proxy.stats.down;
      const downStart = Date.now();
      proxy.setMode('down');
      await until(
        'the outage to refuse the till',
        () => (proxy.stats.down > downFrom && Date.now() - downStart >= 400 ? true : undefined),
        15_000,
      );
      proxy.setMode('faulty');
      proxy.setFaults(EVERY_FAULT);
      const mixedFrom = faultCounts(proxy);
      const mixedStart = Date.now();
      await until(
        'every kind of fault in the mixed phase',
        () =>
          FAULT_KINDS.every((kind) => faultCounts(proxy)[kind] > mixedFrom[kind]) && Date.now() - mixedStart >= 1000
            ? true
            : undefined,
        20_000,
      );
      phasesDone = true;
      await ring;
      const officeSteps = await backOffice.stop();
      await puller.stop();

      // the network heals: everything drains, one last pull
      proxy.setMode('pass');
      await until('the outbox to drain', async () => ((await t.client.outbox.items()).length === 0 ? true : undefined), 20_000);
      let last: unknown;
      for (let attempt = 0; ; attempt++) {
        try {
          await t.client.pullNow();
          break;
        } catch (error) {
          last = error;
          if (attempt >= 5) throw last;
          await sleep(100);
        }
      }

      // the server: every recorded event once, in order, nothing rejected; the journal verifies
      const keys = recorded.map((e) => eventKey(e.entry));
      const stored = await c.admin.events();
      expect(stored.map((e) => e.key)).toEqual(keys);
      expect(stored.map((e) => e.seq)).toEqual(keys.map((_, i) => i + 1));
      expect(new Set(stored.map((e) => e.key)).size).toBe(keys.length);
      expect(stored.map((e) => e.payload.entry.hash)).toEqual(recorded.map((e) => e.entry.hash));
      const sales = stored.filter((e) => e.type === 'sale');
      expect(sales.map((e) => e.payload.transaction?.priced.total)).toEqual(
        recorded.filter((e) => e.transaction !== undefined).map((e) => e.transaction!.priced.total),
      );
      const every = await allEvents(c);
      expect(every.filter((e) => e.status !== undefined && e.status !== 'applied')).toEqual([]);
      expect(every).toHaveLength(keys.length);
      const journal = (await c.admin.journal()) as Awaited<ReturnType<Cloud['admin']['journal']>> & { rejected?: unknown[] };
      expect(journal.verification).toEqual({
        ok: true,
        count: keys.length,
        head: expect.objectContaining({ hash: fixture.till.journal.hash }),
      });
      expect(journal.entries.map((e) => e.hash)).toEqual(recorded.map((e) => e.entry.hash));
      expect(journal.rejected ?? []).toEqual([]);

      // the till: every item acknowledged (applied, or duplicate when the first answer was lost), no dead letters
      expect(await t.client.outbox.deadLetters.list()).toEqual([]);
      const items = await t.store.listItems({ state: 'all', limit: 100_000 });
      expect(items.map((i) => i.key).sort()).toEqual([...keys].sort());
      expect(items.filter((i) => i.state !== 'acked' || (i.ack?.result !== 'applied' && i.ack?.result !== 'duplicate'))).toEqual(
        [],
      );
      const duplicates = items.filter((i) => i.ack?.result === 'duplicate').length;

      // the catalogs: the till's equals the server's, which is what the head office left; tombstoned records on neither
      const model: HeadOfficeModel = office.model;
      const sizes: string[] = [];
      for (const dataset of DATASETS) {
        const onServer = await serverDataset(c.server.storage, dataset);
        const onTill = await t.catalog.list(dataset, { limit: 100_000 });
        expect(
          onTill.map((r) => r.id),
          dataset,
        ).toEqual([...onServer.keys()].sort());
        expect(normalized(dataset, onTill), dataset).toEqual(normalized(dataset, onServer.values()));
        expect(normalized(dataset, onServer.values()), dataset).toEqual(normalized(dataset, model.live[dataset].values()));
        expect(await t.catalog.count(dataset), dataset).toBe(model.live[dataset].size);
        for (const id of model.deleted[dataset]) {
          expect(onServer.has(id), `${dataset}/${id} on the server`).toBe(false);
          expect(await t.catalog.get(dataset, id), `${dataset}/${id} on the till`).toBeUndefined();
        }
        sizes.push(`${dataset} ${onTill.length} (${model.deleted[dataset].size} deleted)`);
      }
      expect(await t.catalog.listLocal()).toEqual([]);

      // every kind of fault hit the run, and answers lost after the server committed came back as duplicates
      const counts = faultCounts(proxy);
      for (const kind of FAULT_KINDS) expect(counts[kind], kind).toBeGreaterThanOrEqual(HITS_PER_PHASE);
      expect(proxy.stats.down).toBeGreaterThan(0);
      expect(duplicates).toBeGreaterThan(0);
      expect(pulls).toBeGreaterThan(0);

      console.log(
        `faults e2e (TILLKIT_FAULT_SEED=${SEED}, ${((Date.now() - started) / 1000).toFixed(1)} s): ${keys.length} events ` +
          `(${sales.length} sales) exactly once, ${duplicates} duplicates answered; ${proxy.stats.exchanges} requests through the proxy, ` +
          `faults ${JSON.stringify(counts)}, ${proxy.stats.down} refused while down; ${pulls} pulls (${failedPulls} failed); ` +
          `${officeSteps} back-office changes ${JSON.stringify(office.counts)}; catalog: ${sizes.join(', ')}`,
      );
    },
  );
});
