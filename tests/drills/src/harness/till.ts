import { join } from 'node:path';
import type { Clock } from '@tillkit/core';
import { createSqliteStore, type SqliteStore } from '@tillkit/offline-queue/sqlite';
import { createSyncClient, type CatalogStore, type SyncClient, type SyncOutboxOptions } from '@tillkit/sync-client';
import { createSqliteCatalogStore } from '@tillkit/sync-client/sqlite';

export interface TillOptions {
  /** the till's folder: its outbox and catalog SQLite files */
  dir: string;
  deviceId: string;
  endpoints: { id: string; url: string }[];
  clock?: Clock;
  /** outbox tuning on top of the drills' quick defaults */
  outbox?: Partial<Omit<SyncOutboxOptions, 'store'>>;
  requestTimeoutMs?: number;
}

export interface TillParts {
  client: SyncClient;
  store: SqliteStore;
  catalog: CatalogStore;
  /** closes the client and both stores (the files stay) */
  close(): Promise<void>;
}

/** Tuned so a drill's failures and recoveries take a second, not the defaults' minutes. */
export const QUICK_OUTBOX = {
  backoff: { baseMs: 50, capMs: 400 },
  probeIntervalMs: 100,
  sendTimeoutMs: 1500,
  leaseMs: 10_000,
  failover: { breaker: { failureThreshold: 3, openMs: 1000 }, minSwitchIntervalMs: 500, failBackAfterMs: 1500 },
} satisfies Partial<SyncOutboxOptions>;

/** A till's sync client over SQLite files in `dir` (the same files again after a restart). */
export async function openTill(options: TillOptions): Promise<TillParts> {
  const store = await createSqliteStore({ path: join(options.dir, 'outbox.db') });
  const catalog = await createSqliteCatalogStore({ path: join(options.dir, 'catalog.db') });
  const client = createSyncClient({
    endpoints: options.endpoints,
    deviceId: options.deviceId,
    softwareVersion: '1.0.0-drills',
    pull: { intervalMs: 0 },
    heartbeat: { intervalMs: 0 },
    requestTimeoutMs: options.requestTimeoutMs ?? 1500,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    outbox: { ...QUICK_OUTBOX, ...options.outbox, store },
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
