import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createSqliteStore } from '@tillkit/offline-queue/sqlite';
import { createSyncClient, type PullReport } from '@tillkit/sync-client';
import { encodeCursor, PROTOCOL_HEADER, SyncPaths, type Dataset, type PullPage } from '@tillkit/sync-client/protocol';
import { createSqliteCatalogStore } from '@tillkit/sync-client/sqlite';
import Database from 'better-sqlite3';
import { afterAll, bench, describe } from 'vitest';
import { BenchAdmin, enrolDirect } from './admin';
import { spawnServer } from './spawn-server';
import { machine, mb, once, perSecond, share } from './stats';

// Pull of a 50,000-article catalog: the catalog dataset (50,000 articles with a barcode each) and
// the prices dataset (50,000 prices), 100,000 records, from the reference server over loopback
// (its own process) into the SQLite catalog store, through the sync client's pull (pages of 1,000:
// every page checked, every record validated against its schema, page and cursor applied in one
// transaction). Reported: time and records/s; then, in a second pull into a fresh store, the
// memory of this process above its level before the pull, sampled every 100 ms after a full
// garbage collection (what the pull keeps alive): peak live heap and peak RSS. Baselines, with
// the same pages fetched beforehand: applyPage of each page into a fresh SQLite catalog store
// (the store's own cost), and a plain better-sqlite3 INSERT of the same records (WAL,
// synchronous=FULL, one transaction per page).
// Run: cd packages/sync-server && npx vitest bench --run bench/pull.bench.ts

const ARTICLES = 50_000;
const PAGE = 1000;
const DATASETS: Dataset[] = ['catalog', 'prices'];
const TENANT = { merchantId: 'bench', storeId: 'store-1', registerId: 'reg-1' };
const OPTIONS = { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 };
/** the machine before this file's work: a busy machine's figures are not a quiet one's */
const MACHINE = machine();

const dir = mkdtempSync(join(tmpdir(), 'tillkit-bench-pull-'));
const server = await spawnServer({ db: join(dir, 'server.db') });
const admin = new BenchAdmin(server.url, server.adminToken);
const catalog = Array.from({ length: ARTICLES }, (_, i) => ({
  id: `sku-${String(i).padStart(6, '0')}`,
  name: `Article ${i}, 500 g`,
  taxId: i % 3 === 0 ? 'vat-reduced' : 'vat-std',
  barcodes: [`400${String(i).padStart(10, '0')}`],
}));
await admin.putRecords(TENANT.merchantId, TENANT.storeId, 'catalog', catalog);
await admin.putRecords(
  TENANT.merchantId,
  TENANT.storeId,
  'prices',
  catalog.map((a, i) => ({ id: a.id, currency: 'EUR', unitPrice: 99 + (i % 2000) })),
);
const rows: Record<string, string | number>[] = [];
const RECORDS = ARTICLES * DATASETS.length;

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

/** Every page of both datasets, fetched with a device token (the baselines apply these). */
async function fetchPages(): Promise<{ pages: PullPage[]; ms: number }> {
  const { token } = await enrolDirect(server.url, await admin.enrolmentCode(TENANT), 'baseline-device');
  const pages: PullPage[] = [];
  const t0 = performance.now();
  for (const dataset of DATASETS) {
    let cursor: PullPage['cursor'] = null;
    for (;;) {
      const query = new URLSearchParams({ limit: String(PAGE) });
      if (cursor !== null) query.set('cursor', encodeCursor(cursor));
      const response = await fetch(`${server.url}${SyncPaths.pull}/${dataset}?${query.toString()}`, {
        headers: { authorization: `Bearer ${token}`, [PROTOCOL_HEADER]: '1' },
      });
      const page = (await response.json()) as PullPage;
      pages.push(page);
      cursor = page.cursor;
      if (!page.hasMore) break;
    }
  }
  return { pages, ms: performance.now() - t0 };
}

let baselineRate = Number.NaN;

function row(name: string, ms: number, memory?: { heap: number; rss: number }, compare = true) {
  const rate = perSecond(RECORDS, ms);
  rows.push({
    case: name,
    s: (ms / 1000).toFixed(2),
    'records/s': rate,
    'vs applyPage baseline': Number.isNaN(baselineRate) || !compare ? '-' : share(rate, baselineRate),
    'peak live heap +MB': memory === undefined ? '-' : mb(memory.heap),
    'peak RSS +MB': memory === undefined ? '-' : mb(memory.rss),
  });
  return rate;
}

async function baselines(): Promise<void> {
  const { pages, ms: fetchMs } = await fetchPages();
  const changes = pages.reduce((n, p) => n + p.changes.length, 0);
  if (changes !== RECORDS) throw new Error(`fetched ${changes} changes, expected ${RECORDS}`);

  const store = await createSqliteCatalogStore({ path: join(dir, 'baseline-catalog.db') });
  const applied = await measure(async () => {
    for (const page of pages) await store.applyPage({ dataset: page.dataset, changes: page.changes, cursor: page.cursor });
  }, false);
  await store.close();
  baselineRate = row(`baseline: applyPage of the same ${pages.length} pages into a fresh SQLite catalog store`, applied.ms);

  const raw = new Database(join(dir, 'raw.db'));
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = FULL');
  raw.exec(
    'CREATE TABLE records (dataset TEXT NOT NULL, id TEXT NOT NULL, updated_at INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (dataset, id))',
  );
  const insert = raw.prepare('INSERT INTO records (dataset, id, updated_at, data) VALUES (?, ?, ?, ?)');
  const insertPage = raw.transaction((page: PullPage) => {
    for (const c of page.changes) if (!c.deleted) insert.run(page.dataset, c.id, c.updatedAt, JSON.stringify(c.data));
  });
  const rawInsert = await measure(() => {
    for (const page of pages) insertPage(page);
    return Promise.resolve();
  }, false);
  raw.close();
  row('baseline: better-sqlite3 INSERT of the same records (WAL, synchronous=FULL), 1 transaction / page', rawInsert.ms);
  row('(the same pages fetched alone with plain fetch: the server and HTTP)', fetchMs, undefined, false);
}

/** A fresh till (outbox, catalog store, sync client, enrolment) that pulls both datasets; returns the measure of the pull. */
async function pull(run: number, sample: boolean) {
  const outbox = await createSqliteStore({ path: join(dir, `outbox-${run}.db`) });
  const store = await createSqliteCatalogStore({ path: join(dir, `catalog-${run}.db`) });
  const client = createSyncClient({
    baseUrl: server.url,
    outbox: { store: outbox },
    catalog: store,
    deviceId: `bench-device-${run}`,
    softwareVersion: 'bench',
    pull: { intervalMs: 0, datasets: DATASETS, limit: PAGE },
    heartbeat: { intervalMs: 0 },
  });
  try {
    await client.enrol(await admin.enrolmentCode(TENANT));
    let report: PullReport | undefined;
    const result = await measure(async () => {
      report = await client.pullNow(DATASETS);
    }, sample);
    const upserted = report!.datasets.reduce((n, d) => n + d.upserted, 0);
    if (upserted !== RECORDS || (await store.count('catalog')) !== ARTICLES || (await store.count('prices')) !== ARTICLES) {
      throw new Error(`the pull stored ${upserted} records, expected ${RECORDS}`);
    }
    return { ...result, pages: report!.datasets.reduce((n, d) => n + d.pages, 0) };
  } finally {
    await client.close();
    await outbox.close();
    await store.close();
  }
}

describe(`pull of a ${ARTICLES}-article catalog (catalog + prices) into the SQLite catalog store`, () => {
  bench('baselines: applyPage and raw INSERT of the same pages', once(baselines), OPTIONS);
  bench(
    'sync client pullNow, timed, then sampled for memory',
    once(async () => {
      const timed = await pull(1, false);
      const sampled = await pull(2, true);
      row(`sync client pullNow(['catalog', 'prices']), ${timed.pages} pages of ${PAGE}`, timed.ms, sampled);
    }),
    OPTIONS,
  );
});

afterAll(async () => {
  console.log(
    `\npull of ${RECORDS} records (${ARTICLES} articles and ${ARTICLES} prices) from the reference server over loopback; before: ${MACHINE}`,
  );
  console.table(rows);
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});
