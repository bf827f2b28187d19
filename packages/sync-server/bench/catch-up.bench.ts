import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordWrite } from '@tillkit/offline-queue';
import { createSqliteStore } from '@tillkit/offline-queue/sqlite';
import { buildEventItem, createSyncClient, type SyncClient } from '@tillkit/sync-client';
import { PROTOCOL_HEADER, SyncPaths, type PushResults, type WireItem } from '@tillkit/sync-client/protocol';
import { createSqliteCatalogStore } from '@tillkit/sync-client/sqlite';
import { afterAll, bench, describe } from 'vitest';
import { BenchAdmin, enrolDirect } from './admin';
import { ringJournal } from './sales';
import { spawnServer, type ServerProcess } from './spawn-server';
import { machine, ms, once, percentiles, perSecond, share } from './stats';

// Catch-up after an outage: one till rang SALES sales (plus its session opening) while the server
// was down; they wait in its SQLite outbox (recorded as recordEvent records them: the item with
// its journal entry, transaction and till state). Then the server comes up again (same file, same
// port) and the till's sync client starts: measured is the time from start() until the server has
// acknowledged every event, batches of 100. Baseline: the very same items posted in batches of
// 100 with fetch alone to a fresh server, one request after the other: what HTTP and the server
// cost by themselves, without the outbox, leases and status.
// Run: cd packages/sync-server && npx vitest bench --run bench/catch-up.bench.ts

const SALES = 20_000;
const BATCH = 100;
const OPTIONS = { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 };
/** the machine before this file's work: a busy machine's figures are not a quiet one's */
const MACHINE = machine();
const TENANT = { merchantId: 'bench', storeId: 'store-1', registerId: 'reg-1' };

const dir = mkdtempSync(join(tmpdir(), 'tillkit-bench-catch-up-'));
const events = ringJournal(TENANT.registerId, SALES);
const built = events.map((event) => buildEventItem(event));
const rows: Record<string, string | number>[] = [];
let baselineRate = Number.NaN;

/** POST /v1/sync/push timings (until the answer's headers) through the client's fetch. */
function timedFetch(latencies: number[]) {
  return async (input: string, init: RequestInit): Promise<Response> => {
    const t0 = performance.now();
    const response = await fetch(input, init);
    if (input.endsWith(SyncPaths.push)) latencies.push(performance.now() - t0);
    return response;
  };
}

function record(name: string, count: number, elapsedMs: number, latencies: number[], server: { cpuMs: number }) {
  const rate = perSecond(count, elapsedMs);
  const latency = percentiles(latencies);
  rows.push({
    case: name,
    s: (elapsedMs / 1000).toFixed(2),
    'items/s': rate,
    'vs baseline': Number.isNaN(baselineRate) ? '100%' : share(rate, baselineRate),
    'push p50 ms': ms(latency.p50),
    'push p95 ms': ms(latency.p95),
    requests: latencies.length,
    'server CPU ms / item': (server.cpuMs / count).toFixed(3),
  });
  return rate;
}

async function baseline(): Promise<void> {
  const server = await spawnServer({ db: join(dir, 'baseline.db') });
  try {
    const code = await new BenchAdmin(server.url, server.adminToken).enrolmentCode(TENANT);
    const { token } = await enrolDirect(server.url, code, 'baseline-till');
    const items: WireItem[] = built.map((b, i) => ({
      key: b.key,
      partition: b.partition,
      seq: i + 1,
      type: b.type,
      payload: b.payload,
      createdAt: 0,
      attempt: 1,
    }));
    const latencies: number[] = [];
    const before = await server.usage();
    const t0 = performance.now();
    for (let i = 0; i < items.length; i += BATCH) {
      const started = performance.now();
      const response = await fetch(`${server.url}${SyncPaths.push}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, [PROTOCOL_HEADER]: '1', 'content-type': 'application/json' },
        body: JSON.stringify({ items: items.slice(i, i + BATCH) }),
      });
      latencies.push(performance.now() - started);
      const answer = (await response.json()) as PushResults;
      if (answer.results.some((r) => r.result !== 'applied'))
        throw new Error(`baseline push refused: ${JSON.stringify(answer).slice(0, 500)}`);
    }
    const elapsed = performance.now() - t0;
    const after = await server.usage();
    baselineRate = record(`baseline: the same batches by fetch alone, ${items.length} items`, items.length, elapsed, latencies, {
      cpuMs: after.cpuMs - before.cpuMs,
    });
  } finally {
    await server.stop();
  }
}

async function catchUp(): Promise<void> {
  const db = join(dir, 'server.db');
  let server: ServerProcess = await spawnServer({ db });
  const store = await createSqliteStore({ path: join(dir, 'outbox.db') });
  const catalog = await createSqliteCatalogStore({ path: join(dir, 'catalog.db') });
  const latencies: number[] = [];
  let client: SyncClient | undefined;
  try {
    client = createSyncClient({
      baseUrl: server.url,
      outbox: { store, batch: { maxItems: BATCH, maxBytes: 4 * 1024 * 1024 } },
      catalog,
      deviceId: 'bench-till',
      softwareVersion: 'bench',
      pull: { intervalMs: 0 },
      heartbeat: { intervalMs: 0 },
      fetch: timedFetch(latencies),
    });
    await client.enrol(await new BenchAdmin(server.url, server.adminToken).enrolmentCode(TENANT));
    const port = server.port;
    await server.stop();

    // the outage: every sale goes into the outbox, with its companion records
    for (let i = 0; i < built.length; i += 500) {
      const chunk = built.slice(i, i + 500);
      const records: RecordWrite[] = chunk.flatMap((b) => b.records.filter((r) => r.collection !== 'till'));
      records.push(chunk.at(-1)!.records.find((r) => r.collection === 'till')!);
      await client.outbox.enqueueAll(
        chunk.map((b) => ({ key: b.key, partition: b.partition, type: b.type, payload: b.payload })),
        { records },
      );
    }

    server = await spawnServer({ db, port });
    let acknowledged = 0;
    const done = new Promise<void>((resolve) => {
      client!.outbox.events$.subscribe((e) => {
        if (e.type === 'delivered') acknowledged += e.applied.length + e.duplicates.length;
        if (acknowledged >= built.length) resolve();
      });
    });
    const before = await server.usage();
    const t0 = performance.now();
    await client.start();
    await done;
    const elapsed = performance.now() - t0;
    const after = await server.usage();
    const status = await client.outbox.items({ state: 'open', limit: 1 });
    if (status.length > 0 || (await client.outbox.deadLetters.list()).length > 0)
      throw new Error('the catch-up left events behind');
    record(`sync client catch-up (SQLite outbox), ${built.length} items`, built.length, elapsed, latencies, {
      cpuMs: after.cpuMs - before.cpuMs,
    });
  } finally {
    await client?.close();
    await store.close();
    await catalog.close();
    await server.stop();
  }
}

describe(`catch-up of ${SALES} queued sales (one till, loopback)`, () => {
  bench('baseline: fetch alone', once(baseline), OPTIONS);
  bench('sync client start() until all acknowledged', once(catchUp), OPTIONS);
});

afterAll(() => {
  console.log(
    `\ncatch-up after an outage: ${SALES} sales and a session opening (${JSON.stringify(built[1]!.payload).length} bytes each) queued offline, batches of ${BATCH}; before: ${MACHINE}`,
  );
  console.table(rows);
  rmSync(dir, { recursive: true, force: true });
});
