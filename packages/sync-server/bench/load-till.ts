import { join } from 'node:path';
import type { FetchFunction } from '@tillkit/offline-queue';
import { createSqliteStore, type SqliteStore } from '@tillkit/offline-queue/sqlite';
import { createSyncClient, type SyncClient } from '@tillkit/sync-client';
import {
  encodeCursor,
  PROTOCOL_HEADER,
  SyncPaths,
  type Cursor,
  type PullPage,
  type PushResults,
  type WireItem,
} from '@tillkit/sync-client/protocol';
import { createSqliteCatalogStore } from '@tillkit/sync-client/sqlite';
import type { CatalogStore } from '@tillkit/sync-client';
import { wireItem, type TillEvent } from '../src/conformance/till-events';
import { enrolDirect } from './admin';
import type { LoadTillSpec } from './load-protocol';

const PULLED = ['catalog', 'prices'] as const;

/** What the tills of one worker measure together. */
export class LoadMetrics {
  readonly pushLatenciesMs: number[] = [];
  readonly pullLatenciesMs: number[] = [];
  readonly pullFailures: string[] = [];
  pullRequests = 0;
  lastAckAt = 0;

  /** fetch that times push requests (until the answer's headers: the server answers when it has committed) and counts pull pages */
  readonly fetch: FetchFunction = async (input, init) => {
    const push = input.endsWith(SyncPaths.push);
    if (input.includes(`${SyncPaths.pull}/`)) this.pullRequests++;
    const t0 = performance.now();
    const response = await fetch(input, init);
    if (push) this.pushLatenciesMs.push(performance.now() - t0);
    return response;
  };

  acked(): void {
    this.lastAckAt = Date.now();
  }
}

/** One till's connection to the server. */
export interface TillLink {
  /** enrols with the code and starts delivering */
  open(): Promise<void>;
  /** hands one event over: durably into the outbox (client), or into an in-memory queue (transport) */
  record(event: TillEvent): Promise<void>;
  /** pulls catalog and prices */
  pull(): Promise<void>;
  /** events acknowledged by the server, and events it refused */
  readonly acked: number;
  readonly refused: number;
  /** live records of the pulled datasets and the sum of the unit prices */
  pulledState(): Promise<{ catalogCount: number; pricesCount: number; priceSum: number }>;
  close(): Promise<void>;
}

/** The real till stack: createSyncClient over an SQLite outbox and an SQLite catalog store. */
export class ClientTillLink implements TillLink {
  private client!: SyncClient;
  private store!: SqliteStore;
  private catalog!: CatalogStore;
  private readonly ackedKeys = new Set<string>();
  private refusedKeys = 0;

  constructor(
    private readonly url: string,
    private readonly dir: string,
    private readonly spec: LoadTillSpec,
    private readonly metrics: LoadMetrics,
    private readonly batchItems: number,
  ) {}

  get acked(): number {
    return this.ackedKeys.size;
  }

  get refused(): number {
    return this.refusedKeys;
  }

  async open(): Promise<void> {
    this.store = await createSqliteStore({ path: join(this.dir, `${this.spec.registerId}-outbox.db`) });
    this.catalog = await createSqliteCatalogStore({ path: join(this.dir, `${this.spec.registerId}-catalog.db`) });
    this.client = createSyncClient({
      baseUrl: this.url,
      outbox: { store: this.store, batch: { maxItems: this.batchItems, maxBytes: 4 * 1024 * 1024 } },
      catalog: this.catalog,
      deviceId: this.spec.deviceId,
      softwareVersion: 'load-simulation',
      // the simulation pulls itself, now and then (plus the client's own pull on start)
      pull: { intervalMs: 0, datasets: [...PULLED] },
      heartbeat: { intervalMs: 0 },
      fetch: this.metrics.fetch,
    });
    this.client.outbox.events$.subscribe((e) => {
      if (e.type === 'delivered') {
        for (const key of [...e.applied, ...e.duplicates]) this.ackedKeys.add(key);
        this.metrics.acked();
      } else if (e.type === 'dead-lettered' || e.type === 'partition-blocked') {
        this.refusedKeys++;
      }
    });
    await this.client.enrol(this.spec.code);
    await this.client.start();
  }

  async record(event: TillEvent): Promise<void> {
    await this.client.recordEvent(event);
  }

  async pull(): Promise<void> {
    await this.client.pullNow([...PULLED]);
  }

  async pulledState() {
    const prices = await this.catalog.list('prices', { limit: 100_000 });
    return {
      catalogCount: await this.catalog.count('catalog'),
      pricesCount: prices.length,
      priceSum: prices.reduce((sum, p) => sum + p.unitPrice, 0),
    };
  }

  async close(): Promise<void> {
    await this.client.close();
    await this.store.close();
    await this.catalog.close();
  }
}

/** The protocol by hand: a bearer token and fetch, batches from an in-memory queue, one request in flight. */
export class TransportTillLink implements TillLink {
  private token = '';
  private readonly queue: WireItem[] = [];
  private sending: Promise<void> | undefined;
  private ackedCount = 0;
  private refusedCount = 0;
  private readonly cursors = new Map<string, Cursor | null>();
  private readonly records = new Map<string, Map<string, Record<string, unknown>>>(PULLED.map((d) => [d, new Map()]));
  private failure: Error | undefined;

  constructor(
    private readonly url: string,
    private readonly spec: LoadTillSpec,
    private readonly metrics: LoadMetrics,
    private readonly batchItems: number,
  ) {}

  get acked(): number {
    return this.ackedCount;
  }

  get refused(): number {
    return this.refusedCount;
  }

  private headers(): Record<string, string> {
    return { authorization: `Bearer ${this.token}`, [PROTOCOL_HEADER]: '1' };
  }

  async open(): Promise<void> {
    this.token = (await enrolDirect(this.url, this.spec.code, this.spec.deviceId)).token;
    await this.pull();
  }

  /** Queues the event; waits while a full batch is already waiting (the till cannot run ahead of the server without bound). */
  async record(event: TillEvent): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    this.queue.push(wireItem(event));
    this.sending ??= this.send().finally(() => (this.sending = undefined));
    while (this.queue.length >= this.batchItems && this.sending !== undefined) await this.sending;
  }

  /** Sends until the queue is empty; a network failure is tried again, a refusal stops the till. */
  private async send(): Promise<void> {
    while (this.queue.length > 0 && this.failure === undefined) {
      const batch = this.queue.slice(0, this.batchItems);
      let answer: PushResults;
      try {
        const response = await this.metrics.fetch(`${this.url}${SyncPaths.push}`, {
          method: 'POST',
          headers: { ...this.headers(), 'content-type': 'application/json' },
          body: JSON.stringify({ items: batch }),
        });
        if (!response.ok) throw new Error(`push: HTTP ${response.status} ${await response.text()}`);
        answer = (await response.json()) as PushResults;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      for (const result of answer.results) {
        if (result.result === 'applied' || result.result === 'duplicate') {
          this.ackedCount++;
        } else {
          this.refusedCount++;
          this.failure = new Error(`${this.spec.registerId}: event ${result.key} answered ${JSON.stringify(result)}`);
        }
      }
      this.queue.splice(0, answer.results.length);
      this.metrics.acked();
    }
  }

  async pull(): Promise<void> {
    for (const dataset of PULLED) {
      for (;;) {
        const cursor = this.cursors.get(dataset) ?? null;
        const query = new URLSearchParams({ limit: '500' });
        if (cursor !== null) query.set('cursor', encodeCursor(cursor));
        const response = await this.metrics.fetch(`${this.url}${SyncPaths.pull}/${dataset}?${query.toString()}`, {
          method: 'GET',
          headers: this.headers(),
        });
        if (!response.ok) throw new Error(`pull ${dataset}: HTTP ${response.status} ${await response.text()}`);
        const page = (await response.json()) as PullPage;
        const records = this.records.get(dataset)!;
        for (const change of page.changes) {
          if (change.deleted) records.delete(change.id);
          else records.set(change.id, change.data);
        }
        this.cursors.set(dataset, page.cursor);
        if (!page.hasMore) break;
      }
    }
  }

  async pulledState() {
    await this.sending;
    const prices = [...this.records.get('prices')!.values()];
    return {
      catalogCount: this.records.get('catalog')!.size,
      pricesCount: prices.length,
      priceSum: prices.reduce((sum, p) => sum + (p.unitPrice as number), 0),
    };
  }

  async close(): Promise<void> {
    await this.sending;
  }
}
