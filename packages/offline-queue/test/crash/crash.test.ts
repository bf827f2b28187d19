import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHttpTransport, createOutbox, type OutboxItem, type StoredRecord } from '@tillkit/offline-queue';
import { createSqliteStore, type SqliteStore } from '@tillkit/offline-queue/sqlite';
import { startTestServer, type TestServer, type TestServerFailure } from '@tillkit/offline-queue/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOURNAL, saleEnqueue, TRANSACTIONS, type CrashChildConfig, type Sale } from './child-protocol';
import { bundleCrashChild, spawnCrashChild, type CrashChild } from './child-process';
import { seededRandom } from './seeded-random';

// The crash harness: till processes (crash-child.ts) enqueue sales with their companion records
// into one SQLite file and deliver them over real HTTP to one test server, while this test SIGKILLs
// them at random moments: in the enqueue loop, mid-request, between the server's commit and the
// local settle, while the server loses answers or fails. Often two or three processes share the
// file, so the flusher role hands over between live processes, and the sale a killed process was
// writing is enqueued again by the next one (a safe replay). Afterwards the queue is drained and the
// server must hold every acknowledged sale exactly once, in order, with nothing left behind.
//
// TILLKIT_CRASH_KILLS=<n> sets the number of kills (default 200; CI runs the default, a soak 2000);
// TILLKIT_CRASH_SEED=<n> plays another sequence of choices (each run prints its seed).

function envInteger(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min)
    throw new Error(`${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

const KILLS = envInteger('TILLKIT_CRASH_KILLS', 200, 1);
const SEED = envInteger('TILLKIT_CRASH_SEED', 20_260_105, 0);
const PARTITIONS = ['till-1', 'till-2', 'till-3'] as const;
/** slot 0 always has a child running, slot 1 too after the first SOLO_KILLS, slot 2 now and then */
const SLOTS = 3;
const SOLO_KILLS = Math.ceil(KILLS / 20);
const SEND_TIMEOUT_MS = 500;
/** long on purpose: items leased by a killed flusher go out again because the next flusher releases them, not because a lease ran out */
const LEASE_MS = 60_000;
const PAGE = 10_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function until(what: string, condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

async function allItems(store: SqliteStore): Promise<OutboxItem[]> {
  const items: OutboxItem[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await store.listItems({ state: 'all', limit: PAGE, offset });
    items.push(...page);
    if (page.length < PAGE) return items;
  }
}

async function allRecords(store: SqliteStore, collection: string): Promise<Map<string, StoredRecord>> {
  const records = new Map<string, StoredRecord>();
  for (let afterKey = ''; ;) {
    const page = await store.listRecords(collection, { afterKey, limit: PAGE });
    for (const record of page) records.set(record.key, record);
    if (page.length < PAGE) return records;
    afterKey = page[page.length - 1]!.key;
  }
}

const pick = <T>(random: () => number, values: readonly T[]): T => values[Math.floor(random() * values.length)]!;

const SERVER_FAILURES: readonly TestServerFailure[] = [
  { status: 500 },
  { status: 503, retryAfter: 0 },
  { status: 429, retryAfter: 0 },
  { status: 200, body: '<html>Welcome to the hotel wifi</html>', contentType: 'text/html' },
];

let dir: string;
let bundle: string;
/** children alive right now (a failed or timed-out run kills them in afterAll) */
const live = new Set<CrashChild>();
let server: TestServer;
let store: SqliteStore;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tillkit-crash-'));
  bundle = await bundleCrashChild(dir);
  server = await startTestServer();
  // create the file (and its schema) before the first child, then watch it from here
  store = await createSqliteStore({ path: join(dir, 'outbox.db') });
}, 60_000);

afterAll(async () => {
  for (const child of live) child.kill();
  await Promise.all([...live].map((child) => child.closed));
  await store?.close();
  await server?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('crash harness: SIGKILL during enqueue and flush', () => {
  // 0.3 to 0.5 s a kill on a busy 2-core machine (each child's Node start-up dominates): 200 kills take 1 to 2 minutes
  it(
    `every acknowledged sale reaches the server exactly once through ${KILLS} kills`,
    { timeout: Math.max(180_000, KILLS * 900) },
    async () => {
      const started = Date.now();
      const acknowledged = new Set<string>();
      const problems: string[] = [];
      const events: string[] = [];
      const tally = {
        kills: 0,
        duringEnqueue: 0,
        whileOnlyFlushing: 0,
        withBatchInFlight: 0,
        flusherKilled: 0,
        /** the flusher was killed while another live process stood by to take over */
        handovers: 0,
        /** kills while no other child was running on the same file */
        alone: 0,
        serverFaults: 0,
      };
      let spawned = 0;

      /** sales a killed child was writing, not acknowledged: the next child enqueues them again */
      const toReplay = new Map<string, Sale>();
      let replayed = 0;
      const takeReplays = (): Sale[] => {
        const sales = [...toReplay.values()];
        toReplay.clear();
        replayed += sales.length;
        return sales;
      };
      const childConfig = (runId: string, random: () => number): CrashChildConfig => ({
        dbPath: join(dir, 'outbox.db'),
        url: server.url,
        runId,
        seed: Math.floor(random() * 2 ** 31),
        partitions: PARTITIONS,
        replay: takeReplays(),
        // most children are killed in their enqueue loop; the rest enqueue a few and only flush
        items: random() < 0.6 ? 20 + Math.floor(random() * 180) : Math.floor(random() * 8),
        maxPauseMs: pick(random, [0, 2, 5, 10]),
        batchItems: 1 + Math.floor(random() * 10),
        sendTimeoutMs: SEND_TIMEOUT_MS,
        leaseMs: LEASE_MS,
      });

      /**
       * Now and then the server loses answers after committing, or fails a request, so kills land amid
       * retries and duplicates. A new fault is queued only once the requests since the last one could
       * have used up every fault queued so far: faults never pile up while the children are starting.
       */
      let faultsQueued = 0;
      const disturbServer = (random: () => number) => {
        if (server.requests < faultsQueued) return;
        const r = random();
        if (r < 0.15) {
          const count = 1 + Math.floor(random() * 2);
          server.loseNextResponses(count);
          faultsQueued = server.requests + count;
          tally.serverFaults += count;
        } else if (r < 0.25) {
          server.failNext(1, pick(random, SERVER_FAILURES));
          faultsQueued = server.requests + 1;
          tally.serverFaults++;
        }
      };

      // the first kills hit a lone process (a till restarting after a crash finds no one to hand over
      // from); then slot 1 keeps a second process running and slot 2 a third now and then
      let endSolo!: () => void;
      const soloOver = new Promise<void>((resolve) => {
        endSolo = resolve;
      });
      const slot = async (index: number) => {
        const random = seededRandom(SEED * 7919 + index);
        if (index > 0) await soloOver;
        while (spawned < KILLS) {
          const runId = `c${String(++spawned).padStart(4, '0')}`;
          if (index === 2 && random() < 0.4) await sleep(Math.floor(random() * 600));
          disturbServer(random);
          const child = spawnCrashChild(bundle, childConfig(runId, random));
          live.add(child);
          try {
            await child.ready;
          } catch (error) {
            problems.push(String(error));
            child.kill();
            await child.closed;
            live.delete(child);
            continue;
          }
          // kill right at READY (while it takes the flusher role) now and then, else anywhere in the first 200 ms
          await sleep(random() < 0.1 ? Math.floor(random() * 5) : Math.floor(random() * 200));
          const flusher = child.role() === 'flusher';
          const others = live.size - 1;
          child.kill();
          const exit = await child.closed;
          live.delete(child);
          tally.kills++;
          if (exit.signal !== 'SIGKILL') problems.push(`child ${runId} ended by itself (code ${exit.code}): ${exit.stderr}`);
          for (const key of child.acks) acknowledged.add(key);
          for (const sale of [...child.config.replay, ...child.tries]) {
            if (!acknowledged.has(sale.key)) toReplay.set(sale.key, sale);
          }
          events.push(...child.events);
          if (child.done()) tally.whileOnlyFlushing++;
          else tally.duringEnqueue++;
          if (flusher) tally.flusherKilled++;
          if (flusher && others > 0) tally.handovers++;
          if (others === 0) tally.alone++;
          const leased = await store.listItems({ state: 'in-flight', limit: 100_000 });
          if (leased.some((item) => item.lease?.owner === runId)) tally.withBatchInFlight++;
          if (index === 0 && tally.kills >= SOLO_KILLS) endSolo();
        }
        endSolo();
      };
      await Promise.all(Array.from({ length: SLOTS }, (_, i) => slot(i)));
      const killedAt = Date.now();

      // drain: one last process (this one) delivers whatever the killed ones left
      const drainer = createOutbox({
        store,
        transport: createHttpTransport({ timeoutMs: SEND_TIMEOUT_MS }),
        endpoints: [{ id: 'server', url: server.url, priority: 0 }],
        deviceId: PARTITIONS[0],
        instanceId: 'drainer',
        batch: { maxItems: 100 },
        backoff: { baseMs: 5, capMs: 40 },
        sendTimeoutMs: SEND_TIMEOUT_MS,
        leaseMs: LEASE_MS,
        probeIntervalMs: 0,
        pollIntervalMs: 20,
        failover: { breaker: { failureThreshold: 3, openMs: 100, closeAfterSuccesses: 1 } },
      });
      drainer.events$.subscribe((event) => {
        if (event.type === 'dead-lettered' || event.type === 'partition-blocked' || event.type === 'rewound') {
          events.push(JSON.stringify(event));
        }
      });
      drainer.start();
      // like a till restarting: first what the last killed processes were writing, then deliver everything
      for (const sale of takeReplays()) {
        const { input, records } = saleEnqueue(sale);
        await drainer.enqueue(input, { records });
        acknowledged.add(sale.key);
      }
      try {
        await until(
          'the queue to drain',
          async () => {
            const stats = await store.stats(Date.now());
            return stats.pending + stats.inFlight === 0;
          },
          60_000,
        );
      } catch (error) {
        const stats = await store.stats(Date.now());
        const open = await store.listItems({ state: 'open', limit: 5 });
        throw new Error(
          `${String(error)} (seed ${SEED}): ${JSON.stringify(stats)}; partitions ${JSON.stringify(await store.listPartitions())}; ` +
            `server: ${server.requests} requests, ${server.keys().length} applied; first open items ${JSON.stringify(open)}`,
          { cause: error },
        );
      } finally {
        await drainer.close();
      }

      const items = await allItems(store);
      const byKey = new Map(items.map((item) => [item.key, item]));
      const applied = server.applied();
      const duplicates = items.filter((item) => item.ack?.result === 'duplicate').length;
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      console.log(
        `crash harness (seed ${SEED}): ${tally.kills} kills (${tally.duringEnqueue} in the enqueue loop, ${tally.whileOnlyFlushing} while only flushing, ` +
          `${tally.withBatchInFlight} with a batch in flight, ${tally.flusherKilled} of the flusher, ${tally.handovers} handed over to a live process, ` +
          `${tally.alone} while no other process ran), ${tally.serverFaults} server faults, ${acknowledged.size} items acknowledged ` +
          `(${replayed} enqueued again after a kill), ${items.length} committed, ${applied.length} applied, ${duplicates} duplicates answered, ${server.requests} requests; ` +
          `${seconds} s (kills ${((killedAt - started) / 1000).toFixed(1)} s, drain ${((Date.now() - killedAt) / 1000).toFixed(1)} s)`,
      );

      expect(problems).toEqual([]);
      expect(tally.kills).toBe(KILLS);
      expect(acknowledged.size).toBeGreaterThan(0);
      if (KILLS >= 100) {
        // the kills landed in every phase: enqueue loop, pure flushing, mid-request, and flusher handover
        expect(tally.duringEnqueue).toBeGreaterThan(0);
        expect(tally.whileOnlyFlushing).toBeGreaterThan(0);
        expect(tally.withBatchInFlight).toBeGreaterThan(0);
        expect(tally.handovers).toBeGreaterThan(0);
        // ...and amid lost answers (duplicates) and sales written again after a kill
        expect(duplicates).toBeGreaterThan(0);
        expect(replayed).toBeGreaterThan(0);
      }

      // every sale acknowledged to the cashier is in the store and was applied exactly once
      expect([...acknowledged].filter((key) => !byKey.has(key))).toEqual([]);
      expect([...acknowledged].filter((key) => server.appliedCount(key) !== 1)).toEqual([]);
      // the server applied nothing twice and nothing the store does not hold
      expect(applied.filter((item) => server.appliedCount(item.key) !== 1).map((item) => item.key)).toEqual([]);
      expect(applied.filter((item) => !byKey.has(item.key)).map((item) => item.key)).toEqual([]);
      // nothing left behind: every committed item (acknowledged to the cashier or not) was delivered
      expect(items.filter((item) => item.state !== 'acked').map((item) => `${item.key}: ${item.state}`)).toEqual([]);
      expect(items.filter((item) => server.appliedCount(item.key) !== 1).map((item) => item.key)).toEqual([]);
      expect(await store.stats(Date.now())).toMatchObject({ pending: 0, inFlight: 0, dead: 0, blockedPartitions: 0 });
      expect(events).toEqual([]);

      // per partition the server applied 1..N in order, each with the number the store gave it
      for (const partition of PARTITIONS) {
        const inPartition = applied.filter((item) => item.partition === partition);
        const committed = items.filter((item) => item.partition === partition).length;
        expect(inPartition.map((item) => item.seq)).toEqual(Array.from({ length: committed }, (_, i) => i + 1));
        expect(inPartition.filter((item) => byKey.get(item.key)?.seq !== item.seq).map((item) => item.key)).toEqual([]);
      }

      // atomic commits: every item has both companion records, written with it, and every record has its item
      for (const collection of [TRANSACTIONS, JOURNAL]) {
        const records = await allRecords(store, collection);
        const total = (value: unknown) => (value as { total?: unknown } | null)?.total;
        expect(
          items
            .filter((item) => total(records.get(item.key)?.value) !== total(item.payload))
            .map((item) => `${collection} ${item.key}: ${JSON.stringify(records.get(item.key)?.value)}`),
        ).toEqual([]);
        expect(
          [...records.keys()].filter((key) => !byKey.has(key)).map((key) => `${collection} ${key} without its item`),
        ).toEqual([]);
      }
    },
  );
});
