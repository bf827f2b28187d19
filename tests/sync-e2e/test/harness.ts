import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock, JournalEntry, VerifyChainResult } from '@tillkit/core';
import { createSqliteStore, type SqliteStore } from '@tillkit/offline-queue/sqlite';
import {
  createSyncClient,
  type CatalogStore,
  type SyncClient,
  type SyncClientOptions,
  type SyncOutboxOptions,
} from '@tillkit/sync-client';
import { createSqliteCatalogStore } from '@tillkit/sync-client/sqlite';
import { startSyncServer, type RunningSyncServer, type StartSyncServerOptions } from '@tillkit/sync-server';

export const TENANT = { merchantId: 'm1', storeId: 's1', registerId: 'reg-1' } as const;
export const CURRENCY = 'EUR';

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A clock the test moves by hand (the server's, to expire tokens). */
export function manualClock(offsetMs = 0): Clock & { advance(ms: number): void } {
  let offset = offsetMs;
  return { now: () => Date.now() + offset, advance: (ms) => (offset += ms) };
}

export interface StoredEventView {
  partition: string;
  seq: number;
  key: string;
  type: string;
  receivedAt: number;
  payload: { entry: JournalEntry; transaction?: { id: string; priced: { total: number } } };
}

/** The reference server's admin API, over HTTP. */
export class Admin {
  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const send = () =>
      fetch(`${this.url}/admin/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    // a server restarted on the same port leaves stale keep-alive sockets in fetch's pool: one retry
    const response = await send().catch(() => send());
    const text = await response.text();
    if (!response.ok) throw new Error(`admin ${method} ${path}: HTTP ${response.status} ${text}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  register(registerId: string = TENANT.registerId) {
    return this.call('POST', '/registers', { ...TENANT, registerId, currency: CURRENCY });
  }

  async enrolmentCode(registerId: string = TENANT.registerId): Promise<string> {
    return (await this.call<{ code: string }>('POST', '/enrolments', { ...TENANT, registerId })).code;
  }

  putRecords(dataset: string, records: readonly object[]) {
    return this.call<{ count: number; updatedAt: number }>(
      'PUT',
      `/merchants/${TENANT.merchantId}/stores/${TENANT.storeId}/datasets/${dataset}`,
      { records },
    );
  }

  deleteRecord(dataset: string, id: string) {
    return this.call('DELETE', `/merchants/${TENANT.merchantId}/stores/${TENANT.storeId}/datasets/${dataset}/${id}`);
  }

  async events(type?: string): Promise<StoredEventView[]> {
    const all: StoredEventView[] = [];
    let after: string | null = null;
    do {
      const query = new URLSearchParams({ limit: '1000' });
      if (type !== undefined) query.set('type', type);
      if (after !== null) query.set('after', after);
      const page: { events: StoredEventView[]; next: string | null } = await this.call(
        'GET',
        `/merchants/${TENANT.merchantId}/stores/${TENANT.storeId}/events?${query.toString()}`,
      );
      all.push(...page.events);
      after = page.next;
    } while (after !== null);
    return all;
  }

  journal(registerId: string = TENANT.registerId) {
    return this.call<{ entries: JournalEntry[]; verification: VerifyChainResult }>(
      'GET',
      `/merchants/${TENANT.merchantId}/registers/${registerId}/journal`,
    );
  }

  telemetry(deviceId: string) {
    return this.call<{ heartbeat: Record<string, unknown> | null; diagnostics: { id: string; createdAt: number }[] }>(
      'GET',
      `/devices/${deviceId}/telemetry`,
    );
  }
}

export interface Cloud {
  server: RunningSyncServer;
  url: string;
  admin: Admin;
  close(): Promise<void>;
}

/** The reference server on loopback, with register reg-1 of store s1 of merchant m1. */
export async function startCloud(options: StartSyncServerOptions = {}): Promise<Cloud> {
  const server = await startSyncServer({ db: ':memory:', adminToken: 'admin-token-for-e2e-tests-0001', ...options });
  const admin = new Admin(server.url, server.adminToken);
  await admin.register();
  return { server, url: server.url, admin, close: () => server.close() };
}

/** A temporary folder for a till's SQLite files, removed by `remove()`. */
export function tempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'tillkit-sync-e2e-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface Till {
  client: SyncClient;
  store: SqliteStore;
  catalog: CatalogStore;
  /** closes the client and both stores (the files stay) */
  close(): Promise<void>;
}

/** A till's sync client over SQLite files in `dir`, tuned for quick retries on loopback. */
export async function openTill(
  dir: string,
  options: Omit<Partial<SyncClientOptions>, 'outbox'> &
    Pick<SyncClientOptions, 'deviceId'> & { name?: string; outbox?: Partial<SyncOutboxOptions> },
): Promise<Till> {
  const name = options.name ?? options.deviceId;
  const store = await createSqliteStore({ path: join(dir, `${name}-outbox.db`) });
  const catalog = await createSqliteCatalogStore({ path: join(dir, `${name}-catalog.db`) });
  const { name: _name, ...rest } = options;
  const client = createSyncClient({
    softwareVersion: '1.0.0-e2e',
    pull: { intervalMs: 0 },
    heartbeat: { intervalMs: 0 },
    ...rest,
    outbox: {
      backoff: { baseMs: 50, capMs: 500 },
      probeIntervalMs: 200,
      sendTimeoutMs: 3000,
      leaseMs: 10_000,
      ...rest.outbox,
      store,
    },
    catalog,
  });
  return {
    client,
    store,
    catalog,
    async close() {
      await client.close();
      await store.close();
      await catalog.close();
    },
  };
}
