import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, bench, describe } from 'vitest';
import { createHttpTransport } from '../src/http-transport';
import { createOutbox } from '../src/outbox';
import { createSqliteStore } from '../src/sqlite/sqlite-store';
import { toWireItem } from '../src/wire';
import { ringSales } from './sales';
import { spawnServer } from './spawn-server';

// Drain after an outage: 20,000 queued sales (three days of a busy till) delivered to the test
// server over loopback HTTP, in batches of 100, the server in a process of its own. Reported: time
// and items/s, then, in a second drain of the same size, the queue process's memory above its
// level before the drain, sampled every 100 ms after a full garbage collection (what the drain
// keeps alive, not garbage waiting to be collected): peak live heap and peak RSS, for 5,000 and
// for 20,000 items (flat means the same for both). The baseline posts the very same batches with
// fetch alone (no store, no leases): what the network and the server cost by themselves.
// Target: 20,000 in under 60 s, memory flat in the number of items.
// Run: cd packages/offline-queue && npx vitest bench --run bench/drain.bench.ts

const OPTIONS = { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 };
const BATCH = 100;
const sales = ringSales(500);
const dir = mkdtempSync(join(tmpdir(), 'tillkit-bench-drain-'));
const rows: Record<string, string | number>[] = [];

function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}

// a full collection before each sample, so the samples show live memory
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Runs `run`; with `sample`, reads memory every 100 ms after a full GC and returns the peaks above the start. */
async function measure(run: () => Promise<void>, sample: boolean): Promise<{ ms: number; rss: number; heap: number }> {
  gc();
  const start = process.memoryUsage();
  let rss = start.rss;
  let heap = start.heapUsed;
  const timer = sample
    ? setInterval(() => {
        gc();
        const now = process.memoryUsage();
        rss = Math.max(rss, now.rss);
        heap = Math.max(heap, now.heapUsed);
      }, 100)
    : undefined;
  const t0 = performance.now();
  await run();
  const ms = performance.now() - t0;
  clearInterval(timer);
  return { ms, rss: rss - start.rss, heap: heap - start.heapUsed };
}

/** Queues `count` sales while the cloud is away, then drains them; returns the measure of the drain. */
async function drainOnce(count: number, run: number, sample: boolean) {
  const server = await spawnServer();
  const store = await createSqliteStore({ path: join(dir, `drain-${count}-${run}.db`) });
  const outbox = createOutbox({
    store,
    transport: createHttpTransport(),
    endpoints: [{ id: 'cloud', url: server.url, priority: 0 }],
    deviceId: 'bench-till',
    batch: { maxItems: BATCH },
    probeIntervalMs: 0,
  });
  for (let start = 0; start < count; start += 1000) {
    await outbox.enqueueAll(
      Array.from({ length: Math.min(1000, count - start) }, (_, i) => ({
        ...sales[(start + i) % sales.length]!.input,
        key: `sale-${start + i}`,
      })),
    );
  }
  const result = await measure(async () => {
    const report = await outbox.flush();
    if (report.remaining !== 0 || report.delivered !== count) {
      throw new Error(`drain left ${report.remaining}, delivered ${report.delivered}`);
    }
  }, sample);
  await outbox.close();
  await store.close();
  await server.stop();
  return result;
}

async function drain(count: number): Promise<void> {
  const timed = await drainOnce(count, 1, false);
  const sampled = await drainOnce(count, 2, true);
  rows.push({
    case: `outbox drain, ${count} items`,
    s: (timed.ms / 1000).toFixed(2),
    'items/s': Math.round((count / timed.ms) * 1000),
    'peak live heap +MB': mb(sampled.heap),
    'peak RSS +MB': mb(sampled.rss),
  });
}

async function baseline(count: number): Promise<void> {
  const server = await spawnServer();
  const items = Array.from({ length: count }, (_, n) => ({
    ...toWireItem({
      key: `sale-${n}`,
      partition: 'bench-till',
      seq: n + 1,
      type: 'sale',
      payload: sales[n % sales.length]!.input.payload,
      bytes: 0,
      createdAt: 0,
      state: 'in-flight',
      attempts: 1,
      notBefore: 0,
      lease: undefined,
      ack: undefined,
      dead: undefined,
      lastError: undefined,
    }),
  }));
  const result = await measure(async () => {
    for (let i = 0; i < count; i += BATCH) {
      const response = await fetch(`${server.url}/v1/outbox`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ items: items.slice(i, i + BATCH) }),
      });
      await response.json();
    }
  }, false);
  rows.push({
    case: `baseline: the same batches by fetch alone, ${count} items`,
    s: (result.ms / 1000).toFixed(2),
    'items/s': Math.round((count / result.ms) * 1000),
    'peak live heap +MB': '-',
    'peak RSS +MB': '-',
  });
  await server.stop();
}

/** vitest may call a bench function more than once: each case here runs (and reports) once. */
function once(run: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= run());
}

describe('drain after an outage (SQLite store, loopback HTTP)', () => {
  bench(
    'baseline: fetch alone, 20,000 items',
    once(() => baseline(20_000)),
    OPTIONS,
  );
  bench(
    'outbox.flush, 5,000 items',
    once(() => drain(5_000)),
    OPTIONS,
  );
  bench(
    'outbox.flush, 20,000 items',
    once(() => drain(20_000)),
    OPTIONS,
  );
});

afterAll(() => {
  console.log(
    `\ndrain of queued sales (${JSON.stringify(sales[0]!.input.payload).length} bytes each), batches of ${BATCH} (target: 20,000 in < 60 s, memory flat)`,
  );
  console.table(rows);
  rmSync(dir, { recursive: true, force: true });
});
