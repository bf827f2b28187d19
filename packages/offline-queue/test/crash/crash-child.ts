// One till process for crash.test.ts: opens the shared SQLite outbox, starts delivery, enqueues
// sales with their companion records, and reports each acknowledged sale on stdout. The parent
// SIGKILLs it at a random moment. Bundled with esbuild and run with plain `node`.
import { writeSync } from 'node:fs';
import { createHttpTransport, createOutbox } from '@tillkit/offline-queue';
import { createSqliteStore } from '@tillkit/offline-queue/sqlite';
import { saleEnqueue, type CrashChildConfig, type Sale } from './child-protocol';
import { seededRandom } from './seeded-random';

/** One synchronous write per line: a kill lands before or after it, never in the middle. */
function say(line: string): void {
  writeSync(1, `${line}\n`);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '') as CrashChildConfig;
  const random = seededRandom(config.seed);
  const store = await createSqliteStore({ path: config.dbPath });
  const outbox = createOutbox({
    store,
    transport: createHttpTransport({ timeoutMs: config.sendTimeoutMs }),
    endpoints: [{ id: 'server', url: config.url, priority: 0 }],
    deviceId: config.partitions[0]!,
    instanceId: config.runId,
    batch: { maxItems: config.batchItems },
    backoff: { baseMs: 5, capMs: 40 },
    sendTimeoutMs: config.sendTimeoutMs,
    leaseMs: config.leaseMs,
    probeIntervalMs: 0,
    pollIntervalMs: 20,
    failover: { breaker: { failureThreshold: 3, openMs: 100, closeAfterSuccesses: 1 } },
    random,
  });
  outbox.events$.subscribe((event) => {
    if (event.type === 'role-changed') say(`ROLE ${event.role}`);
    else if (
      event.type === 'dead-lettered' ||
      event.type === 'partition-blocked' ||
      event.type === 'rewound' ||
      event.type === 'error'
    ) {
      say(`EVENT ${JSON.stringify(event)}`);
    }
  });
  outbox.start();
  say('READY');

  const sell = async (sale: Sale) => {
    say(`TRY ${JSON.stringify(sale)}`);
    const { input, records } = saleEnqueue(sale);
    await outbox.enqueue(input, { records });
    say(`ACK ${sale.key}`);
  };
  // first what a killed till was writing when it died, then new sales
  for (const sale of config.replay) await sell(sale);
  for (let n = 1; n <= config.items; n++) {
    const partition = config.partitions[Math.floor(random() * config.partitions.length)]!;
    await sell({ key: `${config.runId}-${n}`, partition, total: 100 + Math.floor(random() * 10_000) });
    if (config.maxPauseMs > 0) await sleep(Math.floor(random() * (config.maxPauseMs + 1)));
  }
  say('DONE');
}

// A started outbox keeps the process alive, flushing, until it is killed. A child whose test run
// went away (its parent is gone) ends itself rather than flush forever.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(2);
}, 250);

main().catch((error: unknown) => {
  process.stderr.write(`crash-child failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
