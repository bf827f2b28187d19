// Browser entry for browser.test.ts: runs inside Chromium, bundled by browser-harness.ts. The page is
// a till in a browser tab: a SyncClient over the Dexie outbox store and the Dexie catalog store
// (IndexedDB), talking to the reference server across origins (CORS). The node-side test calls each
// function through `BrowserPage.call`.
import { createDexieStore } from '@tillkit/offline-queue/dexie';
import type { OutboxStore } from '@tillkit/offline-queue';
import { createSyncClient, eventKey, type CatalogStore, type SyncClient, type SyncStatus } from '@tillkit/sync-client';
import { createDexieCatalogStore } from '@tillkit/sync-client/dexie';
import { TillFixture } from '../till-fixture';
import { exposePageApi } from './page-api';

interface Till {
  client: SyncClient;
  store: OutboxStore;
  catalog: CatalogStore;
  status: SyncStatus | undefined;
}

let till: Till | undefined;
let fixture: TillFixture | undefined;

function opened(): Till {
  if (till === undefined) throw new Error('open() the till first');
  return till;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Opens the till's stores (IndexedDB databases named after the device) and its sync client, and starts it. */
async function open(options: { url: string; deviceId: string }) {
  const store = await createDexieStore({ name: `${options.deviceId}-outbox` });
  const catalog = await createDexieCatalogStore({ name: `${options.deviceId}-catalog` });
  const client = createSyncClient({
    baseUrl: options.url,
    deviceId: options.deviceId,
    softwareVersion: '1.0.0-browser-e2e',
    outbox: { store, backoff: { baseMs: 50, capMs: 500 }, probeIntervalMs: 200, sendTimeoutMs: 3000, leaseMs: 10_000 },
    catalog,
    pull: { intervalMs: 0 },
    heartbeat: { intervalMs: 0 },
  });
  const opening: Till = { client, store, catalog, status: undefined };
  client.status$.subscribe((s) => (opening.status = s));
  till = opening;
  await client.start();
  return { enrolment: (await client.enrolment()) ?? null };
}

async function enrol(code: string) {
  const { client } = opened();
  return client.enrol(code);
}

/** Opens the register's session and rings `sales` sales; resolves with the recorded events' keys and sale totals. */
async function record(registerId: string, sales: number) {
  const { client } = opened();
  fixture = new TillFixture(registerId);
  const events = [fixture.openSession()];
  for (let i = 0; i < sales; i++) events.push(fixture.sale(250 + 100 * i, i + 1));
  for (const event of events) await client.recordEvent(event);
  return {
    keys: events.map((e) => eventKey(e.entry)),
    hashes: events.map((e) => e.entry.hash),
    saleTotals: events.flatMap((e) => (e.transaction === undefined ? [] : [e.transaction.priced.total])),
  };
}

/** Waits until the outbox holds nothing to send and the status says so. */
async function drain(timeoutMs: number) {
  const t = opened();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await t.client.outbox.items();
    const status = t.status;
    if (open.length === 0 && status !== undefined && status.pending + status.inFlight === 0 && status.lastPushAt !== undefined) {
      const acked = await t.store.listItems({ state: 'acked', limit: 1000 });
      return {
        status: {
          connectivity: status.connectivity,
          auth: status.auth,
          deadLetters: status.deadLetters,
          endpoint: status.endpoint,
        },
        acked: acked.map((i) => ({ key: i.key, result: i.ack?.result })),
        deadLetters: (await t.client.outbox.deadLetters.list()).length,
      };
    }
    if (Date.now() > deadline) throw new Error(`the outbox did not drain in ${timeoutMs} ms: ${JSON.stringify(status)}`);
    await sleep(50);
  }
}

async function pull() {
  const report = await opened().client.pullNow();
  return report.datasets.map((d) => ({ dataset: d.dataset, pages: d.pages, upserted: d.upserted, deleted: d.deleted }));
}

/** What the till's catalog store holds. */
async function catalog() {
  const { catalog: store } = opened();
  return {
    catalog: await store.list('catalog'),
    prices: await store.list('prices'),
    taxRates: await store.list('tax-rates'),
    members: await store.list('members'),
    config: await store.list('config'),
    byBarcode: (await store.findByBarcode('4000000000002'))?.id ?? null,
    member: (await store.findMembers('CARD-1')).map((m) => m.id),
  };
}

async function close() {
  const t = opened();
  till = undefined;
  await t.client.close();
  await t.store.close();
  await t.catalog.close();
}

const api = { open, enrol, record, drain, pull, catalog, close };
export type SyncClientPageApi = typeof api;

exposePageApi(api);
