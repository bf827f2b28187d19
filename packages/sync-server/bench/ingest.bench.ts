import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROTOCOL_HEADER, SyncPaths, type PushResults } from '@tillkit/sync-client/protocol';
import Database from 'better-sqlite3';
import { afterAll, bench, describe } from 'vitest';
import { wireItem } from '../src/conformance/till-events';
import { BenchAdmin, enrolDirect } from './admin';
import { ringJournal } from './sales';
import { spawnServer } from './spawn-server';
import { machine, ms, once, percentiles, perSecond, share } from './stats';

// Server ingest: REGISTERS registers push their journals (a session opening, then 3-line sales
// rung with @tillkit/core) in batches of 100 to the reference server over loopback, all registers
// at once, each with one request in flight, like tills catching up together. The server (its own
// process; SQLite file, WAL, synchronous=FULL) checks every item (sequence, hash chain, totals
// recomputed with core) and stores key, sequence and event in one transaction per batch.
// Baseline: the same payloads INSERTed with better-sqlite3 into a table with a unique key, same
// pragmas, one transaction per 100: what storing them costs without HTTP, JSON parsing and checks.
// The two run interleaved in ROUNDS, so a busy machine slows them alike.
// Run: cd packages/sync-server && npx vitest bench --run bench/ingest.bench.ts

const REGISTERS = 8;
const SALES_PER_REGISTER = 600;
const BATCH = 100;
const ROUNDS = 3;
const OPTIONS = { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 };
/** the machine before this file's work: a busy machine's figures are not a quiet one's */
const MACHINE = machine();

const dir = mkdtempSync(join(tmpdir(), 'tillkit-bench-ingest-'));
const journals = Array.from({ length: REGISTERS }, (_, r) => ringJournal(`reg-${r}`, SALES_PER_REGISTER).map((e) => wireItem(e)));
const total = journals.reduce((n, j) => n + j.length, 0);
// each register's batches, as the request bodies a till sends
const bodies = journals.map((items) =>
  Array.from({ length: Math.ceil(items.length / BATCH) }, (_, b) =>
    JSON.stringify({ items: items.slice(b * BATCH, (b + 1) * BATCH) }),
  ),
);
const batchesPerRound = Math.ceil(bodies[0]!.length / ROUNDS);

const server = await spawnServer({ db: join(dir, 'server.db') });
const admin = new BenchAdmin(server.url, server.adminToken);
const tokens: string[] = [];
for (let r = 0; r < REGISTERS; r++) {
  const code = await admin.enrolmentCode({ merchantId: 'bench', storeId: `store-${r % 2}`, registerId: `reg-${r}` });
  tokens.push((await enrolDirect(server.url, code, `till-${r}`)).token);
}

const raw = new Database(join(dir, 'raw.db'));
raw.pragma('journal_mode = WAL');
raw.pragma('synchronous = FULL');
raw.exec(
  'CREATE TABLE events (id INTEGER PRIMARY KEY, partition TEXT NOT NULL, seq INTEGER NOT NULL, key TEXT NOT NULL UNIQUE, type TEXT NOT NULL, payload TEXT NOT NULL)',
);
const insert = raw.prepare('INSERT INTO events (partition, seq, key, type, payload) VALUES (?, ?, ?, ?, ?)');
const insertBatch = raw.transaction((items: (typeof journals)[number]) => {
  for (const item of items) insert.run(item.partition, item.seq, item.key, item.type, JSON.stringify(item.payload));
});

const timing = {
  server: { ms: 0, items: 0, latencies: [] as number[], cpuMs: 0 },
  raw: { ms: 0, items: 0, latencies: [] as number[] },
};

async function pushRound(round: number): Promise<void> {
  const before = await server.usage();
  const t0 = performance.now();
  await Promise.all(
    bodies.map(async (batches, r) => {
      for (const body of batches.slice(round * batchesPerRound, (round + 1) * batchesPerRound)) {
        const started = performance.now();
        const response = await fetch(`${server.url}${SyncPaths.push}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${tokens[r]!}`, [PROTOCOL_HEADER]: '1', 'content-type': 'application/json' },
          body,
        });
        const answer = (await response.json()) as PushResults;
        timing.server.latencies.push(performance.now() - started);
        const refused = answer.results.filter((x) => x.result !== 'applied');
        if (!response.ok || refused.length > 0)
          throw new Error(`push: ${response.status} ${JSON.stringify(refused).slice(0, 500)}`);
        timing.server.items += answer.results.length;
      }
    }),
  );
  timing.server.ms += performance.now() - t0;
  timing.server.cpuMs += (await server.usage()).cpuMs - before.cpuMs;
}

function insertRound(round: number): void {
  const t0 = performance.now();
  for (const items of journals) {
    for (let b = round * batchesPerRound; b < (round + 1) * batchesPerRound && b * BATCH < items.length; b++) {
      const started = performance.now();
      const batch = items.slice(b * BATCH, (b + 1) * BATCH);
      insertBatch(batch);
      timing.raw.latencies.push(performance.now() - started);
      timing.raw.items += batch.length;
    }
  }
  timing.raw.ms += performance.now() - t0;
}

describe('server ingest (batches of 100 from several registers)', () => {
  bench(
    `${REGISTERS} registers, ${total} events, interleaved with the baseline`,
    once(async () => {
      for (let round = 0; round < ROUNDS; round++) {
        // a different case leads each round
        if (round % 2 === 0) {
          insertRound(round);
          await pushRound(round);
        } else {
          await pushRound(round);
          insertRound(round);
        }
      }
    }),
    OPTIONS,
  );
});

afterAll(async () => {
  const rawRate = perSecond(timing.raw.items, timing.raw.ms);
  const serverRate = perSecond(timing.server.items, timing.server.ms);
  const rawLatency = percentiles(timing.raw.latencies);
  const serverLatency = percentiles(timing.server.latencies);
  const bytes = JSON.stringify(journals[0]![1]).length;
  console.log(
    `\nserver ingest: ${REGISTERS} registers at once, ${total} events (${bytes}-byte sales), batches of ${BATCH}, ${ROUNDS} rounds interleaved; before: ${MACHINE}`,
  );
  console.table([
    {
      case: 'baseline: better-sqlite3 INSERT of the payloads (WAL, synchronous=FULL), 1 transaction / 100',
      'p50 ms / batch': ms(rawLatency.p50),
      'p95 ms / batch': ms(rawLatency.p95),
      'sales/s': rawRate,
      'vs baseline': '100%',
      'server CPU ms / sale': '-',
    },
    {
      case: `reference server: POST /v1/sync/push, ${REGISTERS} registers at once (checks, chain, totals, 3 rows / event)`,
      'p50 ms / batch': ms(serverLatency.p50),
      'p95 ms / batch': ms(serverLatency.p95),
      'sales/s': serverRate,
      'vs baseline': share(serverRate, rawRate),
      'server CPU ms / sale': (timing.server.cpuMs / timing.server.items).toFixed(3),
    },
  ]);
  raw.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});
