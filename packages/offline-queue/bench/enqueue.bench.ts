import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, bench, describe } from 'vitest';
import { createHttpTransport } from '../src/http-transport';
import { createOutbox } from '../src/outbox';
import { createSqliteStore } from '../src/sqlite/sqlite-store';
import { Samples } from './report';
import { ringSales } from './sales';

// Durable enqueue on Node: one real sale (about 3 KB of transaction JSON from @tillkit/core) per
// call, each call awaited before the next, like a till. The baseline is better-sqlite3 doing the
// same durable write itself: the same sale turned into JSON and INSERTed into a table with a unique
// key, in WAL mode with synchronous=FULL, one transaction per row. The cases run interleaved in rounds, so
// a busy machine slows them alike. Target: >= 80% of the baseline's items/s and p95 < 10 ms.
// Run: cd packages/offline-queue && npx vitest bench --run bench/enqueue.bench.ts

const ROUNDS = 20;
const PER_ROUND = 100;
const dir = mkdtempSync(join(tmpdir(), 'tillkit-bench-enqueue-'));
const sales = ringSales(PER_ROUND);
const samples = new Samples();

const RAW = 'baseline: raw better-sqlite3 INSERT (WAL, synchronous=FULL)';
const raw = new Database(join(dir, 'raw.db'));
raw.pragma('journal_mode = WAL');
raw.pragma('synchronous = FULL');
raw.exec('CREATE TABLE outbox (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, payload TEXT NOT NULL)');
const rawInsert = raw.prepare('INSERT INTO outbox (key, payload) VALUES (?, ?)');

const store = await createSqliteStore({ path: join(dir, 'store.db') });
const outboxStore = await createSqliteStore({ path: join(dir, 'outbox.db') });
const withRecordsStore = await createSqliteStore({ path: join(dir, 'records.db') });
const options = {
  transport: createHttpTransport(),
  endpoints: [{ id: 'cloud', url: 'http://127.0.0.1:9', priority: 0 }],
  deviceId: 'bench-till',
};
const outbox = createOutbox({ ...options, store: outboxStore });
const withRecords = createOutbox({ ...options, store: withRecordsStore });

type Case = [string, (round: number, i: number) => unknown];
const cases: Case[] = [
  [RAW, (round, i) => rawInsert.run(`${round}-${i}`, JSON.stringify(sales[i]!.input.payload))],
  [
    'store.commit (SQLite store)',
    (round, i) =>
      store.commit({
        items: [{ ...sales[i]!.input, key: `${round}-${i}`, partition: 'bench-till', type: 'sale' }],
        now: Date.now(),
      }),
  ],
  ['outbox.enqueue', (round, i) => outbox.enqueue({ ...sales[i]!.input, key: `${round}-${i}` })],
  [
    'outbox.enqueue + transaction and journal records',
    (round, i) =>
      withRecords.enqueue(
        { ...sales[i]!.input, key: `${round}-${i}` },
        { records: sales[i]!.records.map((r) => ({ ...r, key: `${round}-${r.key}` })) },
      ),
  ],
];

describe('durable enqueue (SQLite, Node)', () => {
  bench(
    'all cases, interleaved in rounds of 100',
    async () => {
      for (let round = 0; round < ROUNDS; round++) {
        // a different case leads each round, so none always runs right after another's checkpoint
        for (const [name, run] of cases.map((_, k) => cases[(k + round) % cases.length]!)) {
          const blockStart = performance.now();
          for (let i = 0; i < PER_ROUND; i++) {
            const started = performance.now();
            await run(round, i);
            samples.add(name, performance.now() - started);
          }
          samples.block(name, PER_ROUND, performance.now() - blockStart);
        }
      }
    },
    { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 },
  );
});

afterAll(async () => {
  console.log(
    `\ndurable enqueue of a ${JSON.stringify(sales[0]!.input.payload).length}-byte sale, ${ROUNDS * PER_ROUND} per case (target: >= 80% of the baseline, p95 < 10 ms)`,
  );
  console.table(samples.table(RAW));
  await outbox.close();
  await withRecords.close();
  await Promise.all([store.close(), outboxStore.close(), withRecordsStore.close()]);
  raw.close();
  rmSync(dir, { recursive: true, force: true });
});
