import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHttpTransport, createOutbox, type Outbox, type OutboxEvent, type OutboxItem } from '@tillkit/offline-queue';
import { createSqliteStore, type SqliteStore } from '@tillkit/offline-queue/sqlite';
import {
  startFaultProxy,
  startTestServer,
  type FaultProxy,
  type FaultRates,
  type TestServer,
} from '@tillkit/offline-queue/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { seededRandom } from './crash/seeded-random';

// The fault-injection soak: the outbox delivers over real HTTP through a TCP proxy that drops,
// resets, delays, truncates, blackholes requests and loses answers after the server committed.
// Whatever the network does, the server must hold every item exactly once, in order per partition.

const dir = mkdtempSync(join(tmpdir(), 'tillkit-faults-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Every fault, often enough that each kind shows up many times in a few hundred exchanges. */
const EVERY_FAULT: FaultRates = {
  drop: 0.07,
  reset: 0.07,
  delay: { rate: 0.12, minMs: 5, maxMs: 400 },
  truncate: 0.08,
  loseResponse: 0.1,
  blackhole: 0.04,
};
/** The primary path of the two-path run: faulty, yet up often enough to carry traffic between failovers. */
const SOME_FAULTS: FaultRates = {
  drop: 0.04,
  reset: 0.04,
  delay: { rate: 0.08, minMs: 5, maxMs: 400 },
  truncate: 0.04,
  loseResponse: 0.06,
  blackhole: 0.03,
};
const FAULT_KINDS = ['drop', 'reset', 'delay', 'truncate', 'loseResponse', 'blackhole'] as const;

/** Short enough that a blackholed request times out quickly; a delay past it times out too. */
const SEND_TIMEOUT_MS = 300;
const PARTITIONS = ['till-1', 'till-2', 'till-3', 'till-4'] as const;
/** every run sells at least this many items, and keeps selling while the faults play out, up to MAX_ITEMS */
const MIN_ITEMS = 300;
const MAX_ITEMS = 1500;

/** TILLKIT_FAULT_SEED=<n> plays another mix of faults and pauses (every seed below derives from it) */
const SEED = Number(process.env.TILLKIT_FAULT_SEED ?? 40);
if (!Number.isSafeInteger(SEED)) throw new Error(`TILLKIT_FAULT_SEED must be an integer, got ${process.env.TILLKIT_FAULT_SEED}`);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

async function server(): Promise<TestServer> {
  const s = await startTestServer();
  cleanups.push(() => s.close());
  return s;
}

async function proxy(target: TestServer, seed: number, faults: FaultRates): Promise<FaultProxy> {
  const p = await startFaultProxy({ target: { host: target.host, port: target.port }, seed, mode: 'faulty', faults });
  cleanups.push(() => p.close());
  return p;
}

let files = 0;
async function store(): Promise<SqliteStore> {
  const s = await createSqliteStore({ path: join(dir, `outbox-${++files}.db`) });
  cleanups.push(() => s.close());
  return s;
}

function outbox(options: {
  store: SqliteStore;
  endpoints: { id: string; url: string; priority: number }[];
  seed: number;
  probeIntervalMs?: number;
}): { outbox: Outbox; events: OutboxEvent[] } {
  const o = createOutbox({
    store: options.store,
    transport: createHttpTransport({ timeoutMs: SEND_TIMEOUT_MS, probeTimeoutMs: SEND_TIMEOUT_MS }),
    endpoints: options.endpoints,
    deviceId: PARTITIONS[0],
    batch: { maxItems: 8 },
    backoff: { baseMs: 5, capMs: 40 },
    sendTimeoutMs: SEND_TIMEOUT_MS,
    leaseMs: 1000,
    probeIntervalMs: options.probeIntervalMs ?? 0,
    pollIntervalMs: 20,
    failover: {
      breaker: { failureThreshold: 3, openMs: 150, closeAfterSuccesses: 1 },
      minSwitchIntervalMs: 0,
      failBackAfterMs: 300,
    },
    random: seededRandom(options.seed),
  });
  const events: OutboxEvent[] = [];
  o.events$.subscribe((e) => events.push(e));
  cleanups.push(() => o.close());
  return { outbox: o, events };
}

interface Till {
  /** stops selling; resolves with the key of every sale enqueued */
  stop(): Promise<string[]>;
}

/**
 * A till selling while the outbox delivers: sales over the partitions with small seeded pauses,
 * until stop() (and at least MIN_ITEMS), at most MAX_ITEMS.
 */
function startSelling(o: Outbox, seed: number): Till {
  const random = seededRandom(seed);
  const keys: string[] = [];
  let stopping = false;
  const done = (async () => {
    for (let n = 1; n <= MAX_ITEMS && (!stopping || n <= MIN_ITEMS); n++) {
      const partition = PARTITIONS[Math.floor(random() * PARTITIONS.length)]!;
      const key = `sale-${n}`;
      await o.enqueue(
        { key, partition, type: 'sale', payload: { n, total: 100 + Math.floor(random() * 10_000) } },
        { records: [{ collection: 'transactions', key, value: { key, partition } }] },
      );
      keys.push(key);
      if (random() < 0.5) await sleep(Math.floor(random() * 12));
    }
  })();
  // a test that fails early closes the outbox under the loop: that error is the test's, not an unhandled one
  done.catch(() => undefined);
  return {
    async stop() {
      stopping = true;
      await done;
      return keys;
    },
  };
}

/** The zero-loss, zero-duplicate check: every item acknowledged, applied exactly once, in order per partition. */
async function expectExactlyOnce(s: SqliteStore, srv: TestServer, keys: readonly string[]): Promise<OutboxItem[]> {
  const items = await s.listItems({ state: 'all', limit: 100_000 });
  expect(items.map((i) => i.key).sort()).toEqual([...keys].sort());
  expect(items.filter((i) => i.state !== 'acked').map((i) => `${i.key}: ${i.state}`)).toEqual([]);
  expect(items.filter((i) => i.ack?.result !== 'applied' && i.ack?.result !== 'duplicate').map((i) => i.key)).toEqual([]);
  expect(keys.filter((key) => srv.appliedCount(key) !== 1)).toEqual([]);
  expect(srv.keys()).toHaveLength(keys.length);
  const byKey = new Map(items.map((i) => [i.key, i]));
  for (const partition of PARTITIONS) {
    const applied = srv.applied().filter((i) => i.partition === partition);
    const stored = items.filter((i) => i.partition === partition);
    expect(applied.map((i) => i.seq)).toEqual(Array.from({ length: stored.length }, (_, i) => i + 1));
    expect(applied.filter((i) => byKey.get(i.key)?.seq !== i.seq).map((i) => i.key)).toEqual([]);
  }
  expect(await s.stats(Date.now())).toMatchObject({ pending: 0, inFlight: 0, dead: 0, blockedPartitions: 0 });
  return items;
}

function faultCounts(p: FaultProxy): Record<(typeof FAULT_KINDS)[number], number> {
  const stats = p.stats;
  return Object.fromEntries(FAULT_KINDS.map((kind) => [kind, stats[kind]])) as Record<(typeof FAULT_KINDS)[number], number>;
}

const acknowledgedVia = async (s: SqliteStore, endpointId: string) =>
  (await s.listItems({ state: 'acked', limit: 100_000 })).filter((i) => i.ack?.endpointId === endpointId).length;

describe('fault injection: outbox -> fault proxy -> test server', () => {
  it(
    'through drops, resets, delays, truncated and lost answers and blackholes, every item is applied exactly once, in order',
    { timeout: 60_000 },
    async () => {
      const srv = await server();
      const faulty = await proxy(srv, SEED + 1, EVERY_FAULT);
      const s = await store();
      const { outbox: o, events } = outbox({
        store: s,
        endpoints: [{ id: 'proxy', url: faulty.url, priority: 0 }],
        seed: SEED + 2,
      });
      o.start();
      const till = startSelling(o, SEED + 3);
      // sell through the faults until every kind has hit several exchanges, then let the rest through
      await until('every fault kind to hit three exchanges', () =>
        Object.values(faultCounts(faulty)).every((count) => count >= 3),
      );
      const keys = await till.stop();
      faulty.setMode('pass');
      await until('the queue to drain', async () => (await o.items()).length === 0);

      const items = await expectExactlyOnce(s, srv, keys);
      const counts = faultCounts(faulty);
      for (const kind of FAULT_KINDS) expect(counts[kind], kind).toBeGreaterThan(0);
      // answers lost after the server committed came back as duplicates the next time
      const duplicates = items.filter((i) => i.ack?.result === 'duplicate').length;
      expect(duplicates).toBeGreaterThan(0);
      // one backend: a gap answer (rewind) would mean an item was taken as acknowledged that the server never applied
      expect(events.filter((e) => e.type === 'dead-lettered' || e.type === 'partition-blocked' || e.type === 'rewound')).toEqual(
        [],
      );
      console.log(
        `fault soak, one path (seed ${SEED}): ${items.length} items, ${duplicates} duplicates answered, ${srv.requests} requests reached the server; ` +
          `${faulty.stats.exchanges} exchanges through the proxy: ${JSON.stringify(counts)}`,
      );
    },
  );

  it(
    'one backend behind a faulty primary path and a direct secondary path: fails over mid-run with zero loss and zero duplicates',
    { timeout: 60_000 },
    async () => {
      const srv = await server();
      const faulty = await proxy(srv, SEED + 11, SOME_FAULTS);
      const s = await store();
      const { outbox: o, events } = outbox({
        store: s,
        endpoints: [
          { id: 'primary', url: faulty.url, priority: 0 },
          { id: 'secondary', url: srv.url, priority: 1 },
        ],
        seed: SEED + 12,
        probeIntervalMs: 40,
      });
      const switches = (reason: 'failover' | 'fail-back') =>
        events.filter((e) => e.type === 'endpoint-switched' && e.reason === reason).length;
      o.start();
      const till = startSelling(o, SEED + 13);
      await until('deliveries through the faulty primary', async () => (await acknowledgedVia(s, 'primary')) >= 20);
      // mid-run the primary path goes down, with batches in flight on it
      const failovers = switches('failover');
      faulty.setMode('down');
      await until('failover to the secondary', () => switches('failover') > failovers);
      await until('deliveries through the secondary', async () => (await acknowledgedVia(s, 'secondary')) >= 20);
      // the primary path comes back (healthy long enough to fail back), then turns faulty again
      const failBacks = switches('fail-back');
      faulty.setMode('pass');
      await until('fail-back to the primary', () => switches('fail-back') > failBacks);
      faulty.setMode('faulty');
      await until('every fault kind on the primary path', () => Object.values(faultCounts(faulty)).every((count) => count >= 1));
      const keys = await till.stop();
      faulty.setMode('pass');
      await until('the queue to drain', async () => (await o.items()).length === 0);

      const items = await expectExactlyOnce(s, srv, keys);
      const counts = faultCounts(faulty);
      for (const kind of FAULT_KINDS) expect(counts[kind], kind).toBeGreaterThan(0);
      // one backend: a gap answer (rewind) would mean an item was taken as acknowledged that the server never applied
      expect(events.filter((e) => e.type === 'dead-lettered' || e.type === 'partition-blocked' || e.type === 'rewound')).toEqual(
        [],
      );
      const via = { primary: await acknowledgedVia(s, 'primary'), secondary: await acknowledgedVia(s, 'secondary') };
      console.log(
        `fault soak, two paths (seed ${SEED}): ${items.length} items (${via.primary} acknowledged via the primary, ${via.secondary} via the secondary), ` +
          `${switches('failover')} failovers, ${switches('fail-back')} fail-backs, ` +
          `${items.filter((i) => i.ack?.result === 'duplicate').length} duplicates answered; ` +
          `${faulty.stats.exchanges} exchanges through the proxy: ${JSON.stringify(counts)}`,
      );
    },
  );
});
