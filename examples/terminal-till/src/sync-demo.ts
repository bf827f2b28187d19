/**
 * The cloud part of the demo. The reference server of @tillkit/sync-server runs on loopback with
 * its embedded SQLite database in a temp folder; the head office loads the café's catalog through
 * its admin API and hands out a one-time enrolment code. The till enrols with @tillkit/sync-client,
 * pulls the catalog into its own SQLite store, and records every journal entry (with the sale it
 * records) in the durable outbox of @tillkit/offline-queue before the cashier moves on. The cloud
 * is reached through two paths (a primary and a secondary region over one server), each behind a
 * fault-injecting proxy, so the demo can cut the network and kill the primary for real.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CompletedTransaction, JournalEntry, TillState, VerifyChainResult } from '@tillkit/core';
import type { OutboxEvent, OutboxMetrics } from '@tillkit/offline-queue';
import { createSqliteStore, type SqliteStore } from '@tillkit/offline-queue/sqlite';
import { startFaultProxy, type FaultProxy } from '@tillkit/offline-queue/testing';
import { createSyncClient, type CatalogItem, type Price, type SyncClient, type SyncStatus } from '@tillkit/sync-client';
import { createSqliteCatalogStore } from '@tillkit/sync-client/sqlite';
import { startSyncServer, type RunningSyncServer } from '@tillkit/sync-server';

export interface SyncDemoHooks {
  step(title: string): void;
  check(what: string, ok: boolean): void;
  note(text: string): void;
}

/** What the head office sells in this café: articles (with barcodes) and their prices in rappen. */
export const CAFE_CATALOG: { article: CatalogItem; price: number }[] = [
  { article: { id: '7610010', name: 'Espresso', barcodes: ['7610010000014'], taxId: 'mwst81', weighed: false }, price: 420 },
  { article: { id: '7610011', name: 'Cappuccino', barcodes: ['7610011000013'], taxId: 'mwst81', weighed: false }, price: 550 },
  { article: { id: '7610012', name: 'Gipfeli', barcodes: ['7610012000012'], taxId: 'mwst26', weighed: false }, price: 290 },
  { article: { id: '7610013', name: 'Birchermüesli', barcodes: ['7610013000011'], taxId: 'mwst26', weighed: false }, price: 790 },
];

const MERCHANT = 'cafe-lindenhof';
const STORE = 'zh-lindenhof';
const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;

interface CloudEvent {
  partition: string;
  seq: number;
  key: string;
  type: string;
}

export class TillCloud {
  private readonly events: OutboxEvent[] = [];
  private latest: OutboxMetrics | undefined;
  private status: SyncStatus | undefined;
  private readonly slowest = { ms: 0 };
  private maxCatchUp = { sent: 0, total: 0 };

  private constructor(
    private readonly tillId: string,
    private readonly hooks: SyncDemoHooks,
    private readonly dir: string,
    private readonly cloud: RunningSyncServer,
    private readonly adminToken: string,
    private readonly primary: FaultProxy,
    private readonly secondary: FaultProxy,
    private readonly store: SqliteStore,
    readonly client: SyncClient,
  ) {
    client.outbox.events$.subscribe((e) => this.events.push(e));
    client.outbox.metrics$.subscribe((m) => (this.latest = m));
    client.status$.subscribe((s) => {
      this.status = s;
      if (s.catchingUp !== undefined && s.catchingUp.sent >= this.maxCatchUp.sent) {
        this.maxCatchUp = { sent: s.catchingUp.sent, total: s.catchingUp.total };
      }
    });
  }

  /** Starts the cloud, loads the café's data as the head office, and enrols this till. */
  static async start(tillId: string, currency: string, hooks: SyncDemoHooks): Promise<TillCloud> {
    hooks.step('The cloud: the reference sync server starts on loopback; the head office enrols the till');
    const dir = mkdtempSync(join(tmpdir(), 'tillkit-demo-'));
    const adminToken = randomBytes(24).toString('base64url');
    const cloud = await startSyncServer({ db: join(dir, 'cloud.db'), adminToken });
    const primary = await startFaultProxy({ target: { host: '127.0.0.1', port: cloud.port } });
    const secondary = await startFaultProxy({ target: { host: '127.0.0.1', port: cloud.port } });
    primary.setMode('pass');
    secondary.setMode('pass');

    const admin = adminClient(cloud.url, adminToken);
    await admin('POST', '/registers', { merchantId: MERCHANT, storeId: STORE, registerId: tillId, currency });
    const store = (dataset: string) => `/merchants/${MERCHANT}/stores/${STORE}/datasets/${dataset}`;
    await admin('PUT', store('tax-rates'), {
      records: [
        { id: 'mwst81', name: 'MWST 8.1%', rate: '8.1', inclusive: true },
        { id: 'mwst26', name: 'MWST 2.6%', rate: '2.6', inclusive: true },
      ],
    });
    await admin('PUT', store('catalog'), { records: CAFE_CATALOG.map((c) => c.article) });
    await admin('PUT', store('prices'), {
      records: CAFE_CATALOG.map((c) => ({ id: c.article.id, currency, unitPrice: c.price })),
    });
    const { code } = (await admin('POST', '/enrolments', { merchantId: MERCHANT, storeId: STORE, registerId: tillId })) as {
      code: string;
    };

    const outboxStore = await createSqliteStore({ path: join(dir, 'till-outbox.db') });
    const client = createSyncClient({
      endpoints: [
        { id: 'eu-primary', url: primary.url },
        { id: 'eu-secondary', url: secondary.url },
      ],
      outbox: {
        store: outboxStore,
        // tuned so the demo's failover takes a second, not the default's ten
        backoff: { baseMs: 100, capMs: 1000 },
        sendTimeoutMs: 2000,
        leaseMs: 10_000,
        probeIntervalMs: 250,
        failover: { breaker: { failureThreshold: 3 }, failBackAfterMs: 10 * 60_000 },
      },
      catalog: await createSqliteCatalogStore({ path: join(dir, 'till-catalog.db') }),
      deviceId: 'lindenhof-till-sn-0001',
      softwareVersion: '1.0.0',
      pull: { intervalMs: 0 },
      heartbeat: { intervalMs: 0 },
    });
    const enrolment = await client.enrol(code);
    hooks.check(
      `enrolled with one-time code ${code.slice(0, 3)}… as register ${enrolment.tenant.registerId} of store ${enrolment.tenant.storeId}`,
      enrolment.tenant.registerId === tillId,
    );
    await client.start();
    const pulled = await client.pullNow();
    const counts = pulled.datasets.map((d) => `${d.upserted} ${d.dataset}`).join(', ');
    const articles = await client.catalog.count('catalog');
    hooks.check(`pulled the café's data into the till's own store: ${counts}`, articles === CAFE_CATALOG.length);
    return new TillCloud(tillId, hooks, dir, cloud, adminToken, primary, secondary, outboxStore, client);
  }

  /** The article with this barcode and its current price, from the till's local catalog. */
  async scan(barcode: string): Promise<{ article: CatalogItem; price: Price }> {
    const article = await this.client.catalog.findByBarcode(barcode);
    const price = article && (await this.client.catalog.get('prices', article.id));
    if (article === undefined || price === undefined) throw new Error(`Unknown barcode ${barcode}`);
    return { article, price };
  }

  /** Writes a journal entry (and the transaction it records) durably; the cashier goes on at once. */
  async record(entry: JournalEntry, till: TillState, transaction?: CompletedTransaction): Promise<void> {
    const started = performance.now();
    await this.client.recordEvent(transaction === undefined ? { entry, till } : { entry, till, transaction });
    this.slowest.ms = Math.max(this.slowest.ms, performance.now() - started);
  }

  /** Waits until the outbox is empty, and its metrics say so. */
  private async drained(): Promise<void> {
    while ((await this.client.outbox.flush()).remaining > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    const emptyAt = Date.now();
    while (this.latest === undefined || this.latest.depth > 0 || this.latest.at < emptyAt) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private line(): string {
    const m = this.latest;
    const s = this.status;
    if (m === undefined || s === undefined) return 'status: (nothing yet)';
    const age = m.oldestItemAgeMs === undefined ? '' : `, oldest ${(m.oldestItemAgeMs / 1000).toFixed(1)} s`;
    const retry = m.retryAt === undefined ? '' : `, next try in ${Math.max(0, (m.retryAt - Date.now()) / 1000).toFixed(1)} s`;
    return `status: ${s.connectivity}; ${m.depth} waiting (${kb(m.bytes)})${age}; endpoint ${s.endpoint ?? '-'}${retry}; dead letters ${s.deadLetters}`;
  }

  private async cloudEvents(): Promise<CloudEvent[]> {
    const admin = adminClient(this.cloud.url, this.adminToken);
    const events: CloudEvent[] = [];
    let after: string | undefined;
    for (;;) {
      const query = after === undefined ? '?limit=1000' : `?limit=1000&after=${encodeURIComponent(after)}`;
      const page = (await admin('GET', `/merchants/${MERCHANT}/stores/${STORE}/events${query}`)) as {
        events: CloudEvent[];
        next: string | null;
      };
      events.push(...page.events);
      if (page.next === null || page.events.length === 0) return events;
      after = page.next;
    }
  }

  async online(): Promise<void> {
    this.hooks.step('Online: every journal entry is durable in the outbox first, then reaches the cloud');
    await this.drained();
    const applied = (await this.cloudEvents()).filter((e) => e.partition === this.tillId);
    this.hooks.check(
      `${applied.length} entries so far reached the cloud through eu-primary, in order (sequence ${applied.map((e) => e.seq).join(', ')})`,
      applied.length > 0 && applied.every((e, i) => e.seq === i + 1),
    );
  }

  /** Cuts the network, lets `ring` take sales, and shows what the queue holds. */
  async outage(ring: () => Promise<number>): Promise<void> {
    this.hooks.step('Network outage: both paths to the cloud are cut, the till keeps selling from its local catalog');
    this.primary.setMode('down');
    this.secondary.setMode('down');
    const before = (await this.cloudEvents()).length;
    this.slowest.ms = 0;
    const rung = await ring();
    await new Promise((resolve) => setTimeout(resolve, 600));
    const metrics = this.latest;
    this.hooks.note(this.line());
    this.hooks.check(
      `${rung} sales rung offline; the slowest durable write took ${this.slowest.ms.toFixed(1)} ms (none waited on the network)`,
      rung > 0 && this.slowest.ms < 250,
    );
    this.hooks.check(
      `nothing reached the cloud, ${metrics?.depth ?? 0} entries wait in the outbox; the till says "${this.status?.connectivity}"`,
      (await this.cloudEvents()).length === before && (metrics?.depth ?? 0) >= rung && this.status?.connectivity === 'offline',
    );
    const retries = this.events.filter((e) => e.type === 'retry-scheduled').length;
    this.hooks.check(`delivery keeps retrying with backoff (${retries} retries scheduled), nothing dropped`, retries > 0);
  }

  async failover(): Promise<void> {
    this.hooks.step('The network comes back, but eu-primary stays dead: the outbox delivers through eu-secondary');
    this.maxCatchUp = { sent: 0, total: 0 };
    this.secondary.setMode('pass');
    const started = performance.now();
    await this.drained();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const switched = this.events.find((e) => e.type === 'endpoint-switched');
    this.hooks.note(`${this.line()} (drained in ${seconds} s)`);
    if (this.maxCatchUp.total > 0) {
      this.hooks.note(`catching up after the outage: ${this.maxCatchUp.sent} of ${this.maxCatchUp.total} sent`);
    }
    this.hooks.check(
      `failed over ${switched?.type === 'endpoint-switched' ? `${switched.from} -> ${switched.to}` : '(no switch)'} when eu-primary stopped answering, and drained once eu-secondary answered again`,
      switched?.type === 'endpoint-switched' && switched.to === 'eu-secondary',
    );
    await this.checkExactlyOnce();
  }

  /** The head office changes a price; the till pulls it (through whichever endpoint is up). */
  async priceChange(articleId: string, unitPrice: number, currency: string): Promise<void> {
    this.hooks.step('Head office changes a price: the till pulls it and the next sale uses it');
    const admin = adminClient(this.cloud.url, this.adminToken);
    await admin('PUT', `/merchants/${MERCHANT}/stores/${STORE}/datasets/prices`, {
      records: [{ id: articleId, currency, unitPrice }],
    });
    const report = await this.client.pullNow(['prices']);
    const prices = report.datasets.find((d) => d.dataset === 'prices');
    const local = await this.client.catalog.get('prices', articleId);
    this.hooks.check(
      `pulled ${prices?.upserted ?? 0} changed price through ${report.endpoint}: article ${articleId} now ${unitPrice} rappen in the till's catalog`,
      prices?.upserted === 1 && local?.unitPrice === unitPrice,
    );
  }

  private async checkExactlyOnce(): Promise<void> {
    const events = (await this.cloudEvents()).filter((e) => e.partition === this.tillId);
    const once = new Set(events.map((e) => e.key)).size === events.length;
    this.hooks.check(
      `the cloud holds ${events.length} entries, each exactly once, sequence 1..${events.length} without a gap`,
      once && events.every((e, i) => e.seq === i + 1),
    );
  }

  /** Delivers what is left and checks the cloud's copy of the journal against the till's. */
  async finish(journal: readonly JournalEntry[]): Promise<void> {
    this.hooks.step('End of day: the cloud has the whole journal');
    await this.drained();
    await this.checkExactlyOnce();
    const admin = adminClient(this.cloud.url, this.adminToken);
    const cloud = (await admin('GET', `/merchants/${MERCHANT}/registers/${this.tillId}/journal`)) as {
      entries: JournalEntry[];
      verification: VerifyChainResult;
    };
    this.hooks.check(
      `the cloud's copy of the journal verifies and ends at the till's head (${cloud.entries.length} entries, head ${cloud.entries.at(-1)?.hash.slice(0, 16) ?? '-'}…)`,
      cloud.verification.ok && cloud.entries.length === journal.length && cloud.entries.at(-1)?.hash === journal.at(-1)?.hash,
    );
    const stored = await this.store.listRecords('journal', { limit: 10_000 });
    this.hooks.check(
      `the till's store kept every entry with its companion records (${stored.length} journal records)`,
      stored.length === journal.length,
    );
  }

  async close(): Promise<void> {
    await this.client.close();
    await this.client.catalog.close();
    await this.store.close();
    await this.primary.close();
    await this.secondary.close();
    await this.cloud.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A tiny client for the reference server's admin API (what a head-office back end would call). */
function adminClient(baseUrl: string, token: string) {
  return async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${baseUrl}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} /admin/v1${path}: ${response.status} ${text}`);
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  };
}
