import { fileURLToPath } from 'node:url';
import { afterAll, bench, describe } from 'vitest';
import { callPage, startBrowserHarness } from '../test/browser/harness';
import type { BenchSale, CaseId, DexieBenchApi } from './dexie-enqueue-entry';
import { Samples } from './report';
import { ringSales } from './sales';

// Durable enqueue in a browser: the Dexie store in real headless Chromium (Debian's /usr/bin/chromium,
// or CHROMIUM_PATH), through the browser test harness. One real sale (the transaction JSON from
// @tillkit/core) per call, each call awaited before the next, like a till; the writes run and are
// timed inside the page. The baseline is Dexie doing the same durable write itself: one `add` of the
// same JSON string, under a unique key, to a table `outbox`, in a database opened with
// chromeTransactionDurability 'strict' (the durability every write of the Dexie store has). The cases
// run interleaved in rounds, so a busy machine slows them alike.
// Target: >= 80% of the baseline's items/s and p95 < 10 ms.
// Run: cd packages/offline-queue && npx vitest bench --run bench/dexie-enqueue.bench.ts

const ROUNDS = 10;
const PER_ROUND = 100;

const CASES: Readonly<Record<CaseId, string>> = {
  raw: 'baseline: raw Dexie add (strict durability)',
  commit: 'store.commit (Dexie store)',
  enqueue: 'outbox.enqueue',
  withRecords: 'outbox.enqueue + transaction and journal records',
};
const RAW = CASES.raw;

const sales: BenchSale[] = ringSales(PER_ROUND).map((sale) => ({ payload: sale.input.payload, records: sale.records }));
const samples = new Samples();

const harness = await startBrowserHarness({ entryFile: fileURLToPath(new URL('./dexie-enqueue-entry.ts', import.meta.url)) });
const page = await harness.openPage();
const call = <K extends keyof DexieBenchApi>(name: K, ...args: Parameters<DexieBenchApi[K]>) =>
  callPage<DexieBenchApi, K>(page, name, ...args);
try {
  await call('setup', sales);
  // a fair race: every write of every case is a strict IndexedDB transaction
  const durabilities = await call('durabilities');
  for (const [id, seen] of Object.entries(durabilities)) {
    if (seen.length === 0 || seen.some((d) => d !== 'strict')) {
      throw new Error(`The case "${CASES[id as CaseId]}" wrote with durability ${JSON.stringify(seen)}, not only 'strict'.`);
    }
  }
} catch (error) {
  await harness.close();
  throw error;
}

describe('durable enqueue (Dexie, Chromium)', () => {
  bench(
    `all cases, interleaved in rounds of ${PER_ROUND}`,
    async () => {
      for (let round = 0; round < ROUNDS; round++) {
        for (const [id, name] of Object.entries(CASES) as [CaseId, string][]) {
          const { latencies, totalMs } = await call('runBlock', id, round);
          for (const latency of latencies) samples.add(name, latency);
          samples.block(name, latencies.length, totalMs);
        }
      }
    },
    { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 },
  );
});

afterAll(async () => {
  const version = harness.browser.version();
  console.log(
    `\ndurable enqueue of a ${JSON.stringify(sales[0]!.payload).length}-byte sale in Chromium ${version}, ${ROUNDS * PER_ROUND} per case ` +
      '(target: >= 80% of the baseline, p95 < 10 ms)',
  );
  console.table(samples.table(RAW));
  await call('teardown');
  await harness.close();
});
