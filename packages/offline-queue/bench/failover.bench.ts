import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, bench, describe } from 'vitest';
import { createHttpTransport } from '../src/http-transport';
import { createOutbox, type OutboxEvent } from '../src/outbox';
import type { OutboxOptions } from '../src/outbox-options';
import { createSqliteStore } from '../src/sqlite/sqlite-store';
import { startFaultProxy, type FaultProxyMode } from '../src/testing/fault-proxy';
import { startTestServer } from '../src/testing/test-server';
import { quantile } from './report';

// Failover: time from the primary's death to the first item acknowledged through the secondary,
// while the till rings a sale every 100 ms. One backend behind two paths (a primary and a
// secondary proxy, like two regions over one database); the primary path dies either by refusing
// connections (a dead host: fails fast) or by swallowing requests (a hung one: each attempt waits
// for the send timeout). Measured with the default options (breaker opens after 5 failures,
// backoff from 1 s, probes every 10 s, 20 s send timeout) and with a till tuned for quick failover
// (3 failures, backoff from 200 ms, probes every 1 s, 3 s send timeout). The baseline is one sale
// from enqueue to applied through the primary before it dies.
// Run: cd packages/offline-queue && npx vitest bench --run bench/failover.bench.ts

const RUNS = 3;
const OPTIONS = { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 };
const dir = mkdtempSync(join(tmpdir(), 'tillkit-bench-failover-'));
const rows: Record<string, string | number>[] = [];
let files = 0;

const FAST: Partial<OutboxOptions> = {
  backoff: { baseMs: 200, capMs: 5000 },
  sendTimeoutMs: 3000,
  leaseMs: 10_000,
  probeIntervalMs: 1000,
  failover: { breaker: { failureThreshold: 3 } },
};

async function failoverOnce(
  death: FaultProxyMode,
  tuning: Partial<OutboxOptions>,
): Promise<{ failoverMs: number; roundTripMs: number }> {
  const backend = await startTestServer();
  const primary = await startFaultProxy({ target: { host: backend.host, port: backend.port } });
  const secondary = await startFaultProxy({ target: { host: backend.host, port: backend.port } });
  primary.setMode('pass');
  secondary.setMode('pass');
  const store = await createSqliteStore({ path: join(dir, `failover-${++files}.db`) });
  const outbox = createOutbox({
    store,
    transport: createHttpTransport(),
    endpoints: [
      { id: 'primary', url: primary.url, priority: 0 },
      { id: 'secondary', url: secondary.url, priority: 1 },
    ],
    deviceId: 'bench-till',
    ...tuning,
  });
  const events: (OutboxEvent & { seenAt: number })[] = [];
  outbox.events$.subscribe((e) => events.push({ ...e, seenAt: performance.now() }));
  outbox.start();
  let n = 0;
  const ring = setInterval(() => {
    void outbox.enqueue({ key: `sale-${++n}`, type: 'sale', payload: { n } });
  }, 100);
  const waitFor = async (test: () => boolean) => {
    while (!test()) await new Promise((r) => setTimeout(r, 5));
  };
  // deliveries flow through the primary: time one from enqueue to applied
  await outbox.enqueue({ key: 'warm', type: 'sale', payload: {} });
  await waitFor(() => backend.keys().includes('warm'));
  const before = performance.now();
  await outbox.enqueue({ key: 'timed', type: 'sale', payload: {} });
  await waitFor(() => backend.keys().includes('timed'));
  const roundTripMs = performance.now() - before;
  const died = performance.now();
  primary.setMode(death);
  await waitFor(() => events.some((e) => e.type === 'delivered' && e.endpointId === 'secondary' && e.seenAt > died));
  const failoverMs = events.find((e) => e.type === 'delivered' && e.endpointId === 'secondary' && e.seenAt > died)!.seenAt - died;
  clearInterval(ring);
  await outbox.close();
  await store.close();
  await primary.close();
  await secondary.close();
  await backend.close();
  return { failoverMs, roundTripMs };
}

async function measure(label: string, death: FaultProxyMode, tuning: Partial<OutboxOptions>): Promise<void> {
  const failovers: number[] = [];
  const trips: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const { failoverMs, roundTripMs } = await failoverOnce(death, tuning);
    failovers.push(failoverMs);
    trips.push(roundTripMs);
  }
  failovers.sort((a, b) => a - b);
  trips.sort((a, b) => a - b);
  rows.push({
    case: label,
    runs: RUNS,
    'baseline: enqueue to applied, p50 ms': quantile(trips, 0.5).toFixed(1),
    'failover p50 s': (quantile(failovers, 0.5) / 1000).toFixed(2),
    'failover max s': (failovers.at(-1)! / 1000).toFixed(2),
  });
}

function once(run: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= run());
}

describe('failover to the secondary endpoint', () => {
  bench(
    'primary refuses connections, default options',
    once(() => measure('refused, default options', 'down', {})),
    OPTIONS,
  );
  bench(
    'primary refuses connections, tuned',
    once(() => measure('refused, tuned for quick failover', 'down', FAST)),
    OPTIONS,
  );
  bench(
    'primary hangs (blackhole), tuned',
    once(() => measure('hung, tuned for quick failover', 'blackhole', FAST)),
    OPTIONS,
  );
});

afterAll(() => {
  console.log('\ntime from the primary dying to the first item acknowledged through the secondary');
  console.table(rows);
  rmSync(dir, { recursive: true, force: true });
});
