/**
 * The sync part of the demo: every journal entry of the till (and the sale it records) goes into
 * the outbox of @tillkit/offline-queue, in one durable SQLite transaction with its companion
 * records, before the cashier moves on. A reference server on loopback stands in for the cloud,
 * reached through two paths (a primary and a secondary region over one database), each behind a
 * fault-injecting proxy so the demo can cut the network and kill the primary for real.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyChain, type CompletedTransaction, type JournalEntry } from '@tillkit/core';
import {
  createHttpTransport,
  createOutbox,
  type JsonValue,
  type Outbox,
  type OutboxEvent,
  type OutboxMetrics,
} from '@tillkit/offline-queue';
import { createSqliteStore, type SqliteStore } from '@tillkit/offline-queue/sqlite';
import { startFaultProxy, startTestServer, type FaultProxy, type TestServer } from '@tillkit/offline-queue/testing';
import { filter, firstValueFrom } from 'rxjs';

export interface SyncDemoHooks {
  step(title: string): void;
  check(what: string, ok: boolean): void;
  note(text: string): void;
}

const json = (value: unknown): JsonValue => JSON.parse(JSON.stringify(value)) as JsonValue;
const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;

export class TillSync {
  private readonly events: OutboxEvent[] = [];
  private latest: OutboxMetrics | undefined;
  private readonly slowest = { ms: 0 };

  private constructor(
    private readonly tillId: string,
    private readonly hooks: SyncDemoHooks,
    private readonly dir: string,
    private readonly cloud: TestServer,
    private readonly primary: FaultProxy,
    private readonly secondary: FaultProxy,
    private readonly store: SqliteStore,
    readonly outbox: Outbox,
  ) {
    outbox.events$.subscribe((e) => this.events.push(e));
    outbox.metrics$.subscribe((m) => (this.latest = m));
  }

  static async start(tillId: string, hooks: SyncDemoHooks): Promise<TillSync> {
    const dir = mkdtempSync(join(tmpdir(), 'tillkit-demo-'));
    const cloud = await startTestServer();
    const primary = await startFaultProxy({ target: { host: cloud.host, port: cloud.port } });
    const secondary = await startFaultProxy({ target: { host: cloud.host, port: cloud.port } });
    primary.setMode('pass');
    secondary.setMode('pass');
    const store = await createSqliteStore({ path: join(dir, 'till.db') });
    const outbox = createOutbox({
      store,
      transport: createHttpTransport(),
      endpoints: [
        { id: 'eu-primary', url: primary.url, priority: 0 },
        { id: 'eu-secondary', url: secondary.url, priority: 1 },
      ],
      deviceId: tillId,
      // tuned so the demo's failover takes a second, not the default's ten
      backoff: { baseMs: 100, capMs: 1000 },
      sendTimeoutMs: 2000,
      leaseMs: 10_000,
      probeIntervalMs: 250,
      failover: { breaker: { failureThreshold: 3 }, failBackAfterMs: 10 * 60_000 },
    });
    outbox.start();
    return new TillSync(tillId, hooks, dir, cloud, primary, secondary, store, outbox);
  }

  /** Writes a journal entry (and the transaction it records) durably; the cashier goes on at once. */
  async record(entry: JournalEntry, transaction?: CompletedTransaction): Promise<void> {
    const started = performance.now();
    const key = `${this.tillId}/journal/${entry.sequence}`;
    await this.outbox.enqueue(
      { key, type: entry.type, payload: json({ entry, transaction }) },
      {
        records: [
          { collection: 'journal', key: String(entry.sequence).padStart(12, '0'), value: json(entry), mode: 'insert' },
          ...(transaction === undefined ? [] : [{ collection: 'transactions', key: transaction.id, value: json(transaction) }]),
        ],
      },
    );
    this.slowest.ms = Math.max(this.slowest.ms, performance.now() - started);
  }

  /** Waits until the outbox is empty, and its metrics say so. */
  private async drained(): Promise<void> {
    while ((await this.outbox.flush()).remaining > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    const emptyAt = Date.now();
    await firstValueFrom(this.outbox.metrics$.pipe(filter((m) => m.depth === 0 && m.at >= emptyAt)));
  }

  private status(): string {
    const m = this.latest;
    if (m === undefined) return 'queue: (no metrics yet)';
    const age = m.oldestItemAgeMs === undefined ? '' : `, oldest ${(m.oldestItemAgeMs / 1000).toFixed(1)} s`;
    const retry = m.retryAt === undefined ? '' : `, next try in ${Math.max(0, (m.retryAt - Date.now()) / 1000).toFixed(1)} s`;
    return `queue: ${m.depth} waiting (${kb(m.bytes)})${age}; endpoint ${m.endpoint}${retry}; dead letters ${m.deadLetters}`;
  }

  async online(): Promise<void> {
    this.hooks.step('The cloud: every journal entry goes through the outbox, durable before the cashier moves on');
    await this.drained();
    const applied = this.cloud.applied();
    this.hooks.check(
      `${applied.length} entries so far reached the cloud through eu-primary, in order (sequence ${applied.map((i) => i.seq).join(', ')})`,
      applied.length > 0 && applied.every((item, i) => item.seq === i + 1),
    );
  }

  /** Cuts the network, lets `ring` take sales, and shows what the queue holds. */
  async outage(ring: () => Promise<number>): Promise<void> {
    this.hooks.step('Network outage: both paths to the cloud are cut, the till keeps selling');
    this.primary.setMode('down');
    this.secondary.setMode('down');
    const before = this.cloud.applied().length;
    this.slowest.ms = 0;
    const rung = await ring();
    await new Promise((resolve) => setTimeout(resolve, 600));
    const metrics = this.latest;
    this.hooks.note(this.status());
    this.hooks.check(
      `${rung} sales rung offline; the slowest durable write took ${this.slowest.ms.toFixed(1)} ms (none waited on the network)`,
      rung > 0 && this.slowest.ms < 250,
    );
    this.hooks.check(
      `nothing reached the cloud, ${metrics?.depth ?? 0} entries wait in the outbox`,
      this.cloud.applied().length === before && (metrics?.depth ?? 0) >= rung,
    );
    const retries = this.events.filter((e) => e.type === 'retry-scheduled').length;
    this.hooks.check(`delivery keeps retrying with backoff (${retries} retries scheduled), nothing dropped`, retries > 0);
  }

  async failover(): Promise<void> {
    this.hooks.step('The network comes back, but eu-primary stays dead: the outbox delivers through eu-secondary');
    this.secondary.setMode('pass');
    const started = performance.now();
    await this.drained();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const switched = this.events.find((e) => e.type === 'endpoint-switched');
    this.hooks.note(`${this.status()} (drained in ${seconds} s)`);
    this.hooks.check(
      `failed over ${switched?.type === 'endpoint-switched' ? `${switched.from} -> ${switched.to}` : '(no switch)'} when eu-primary stopped answering, and drained once eu-secondary answered again`,
      switched?.type === 'endpoint-switched' && switched.to === 'eu-secondary',
    );
    this.checkExactlyOnce();
  }

  private checkExactlyOnce(): void {
    const applied = this.cloud.applied();
    const once = this.cloud.keys().every((key) => this.cloud.appliedCount(key) === 1);
    this.hooks.check(
      `the cloud holds ${applied.length} entries, each exactly once, sequence 1..${applied.length} without a gap`,
      once && applied.every((item, i) => item.seq === i + 1),
    );
  }

  /** Delivers what is left and checks the cloud's copy of the journal against the till's. */
  async finish(journal: readonly JournalEntry[]): Promise<void> {
    this.hooks.step('End of day: the cloud has the whole journal');
    await this.drained();
    this.checkExactlyOnce();
    const cloudJournal = this.cloud.applied().map((item) => (item.payload as unknown as { entry: JournalEntry }).entry);
    const verified = verifyChain(cloudJournal);
    this.hooks.check(
      `the cloud's copy of the journal verifies and ends at the till's head (${cloudJournal.length} entries, head ${cloudJournal.at(-1)?.hash.slice(0, 16) ?? '-'}…)`,
      verified.ok && cloudJournal.length === journal.length && cloudJournal.at(-1)?.hash === journal.at(-1)?.hash,
    );
    const stored = await this.store.listRecords('journal', { limit: 10_000 });
    this.hooks.check(
      `the till's store kept every entry with its companion records (${stored.length} journal records)`,
      stored.length === journal.length,
    );
  }

  async close(): Promise<void> {
    await this.outbox.close();
    await this.store.close();
    await this.primary.close();
    await this.secondary.close();
    await this.cloud.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
