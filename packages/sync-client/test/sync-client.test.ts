import { TillkitError } from '@tillkit/core';
import { createSqliteStore, type SqliteStore } from '@tillkit/offline-queue/sqlite';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CatalogStore } from '../src/catalog-store';
import { ENROLMENT_META_KEY } from '../src/auth';
import { createSyncClient, type SyncClient } from '../src/sync-client';
import type { SyncClientOptions } from '../src/sync-client-options';
import type { SyncStatus } from '../src/status';
import { createSqliteCatalogStore } from '../src/sqlite/index';
import { metaBody, startStub, type StubServer } from './stub-server';
import { TillFixture } from './till-fixture';

const SECRET = 'client-secret-that-must-never-leak-0001';
const TOKEN = 'bearer-token-that-must-never-leak-0002';
const tenant = { merchantId: 'm1', storeId: 's1', registerId: 'reg-1' };

let store: SqliteStore;
let catalog: CatalogStore;
let stub: StubServer | undefined;
let client: SyncClient | undefined;

beforeEach(async () => {
  store = await createSqliteStore({ path: ':memory:' });
  catalog = await createSqliteCatalogStore({ path: ':memory:' });
});
afterEach(async () => {
  await client?.close();
  client = undefined;
  await stub?.close();
  stub = undefined;
  await store.close();
  await catalog.close();
});

describe('createSyncClient options', () => {
  it.each([
    [{}, 'baseUrl: give either baseUrl or endpoints'],
    [
      { baseUrl: 'http://x.test', endpoints: [{ id: 'a', url: 'http://x.test', priority: 0 }] },
      'baseUrl: give either baseUrl or endpoints',
    ],
    [{ baseUrl: 'nope' }, 'baseUrl'],
    [{ baseUrl: 'http://x.test', pull: { limit: 0 } }, 'pull.limit'],
    [{ baseUrl: 'http://x.test', pull: { datasets: ['sales'] } }, 'pull.datasets.0'],
    [
      {
        endpoints: [
          { id: 'a', url: 'http://x.test', priority: 0 },
          { id: 'a', url: 'http://y.test', priority: 1 },
        ],
      },
      'endpoints.1.id',
    ],
  ])('refuses %j naming the path', (overrides: object, path) => {
    const options: unknown = { outbox: { store }, catalog, deviceId: 'd1', softwareVersion: '1.0.0', ...overrides };
    let error: unknown;
    try {
      createSyncClient(options as SyncClientOptions);
    } catch (e) {
      error = e;
    }
    expect(TillkitError.hasCode(error, 'VALIDATION_FAILED')).toBe(true);
    expect((error as Error).message).toContain(path);
  });
});

describe('dead letters', () => {
  it('cannot be retried: a journal event keeps its sequence, so a correction is a new record', async () => {
    client = createSyncClient({
      baseUrl: 'http://127.0.0.1:9',
      outbox: { store },
      catalog,
      deviceId: 'd1',
      softwareVersion: '1.0.0',
    });
    const error = await client.outbox.deadLetters.retry('all').catch((e: unknown) => e);
    expect(TillkitError.hasCode(error, 'RETRY_NOT_ALLOWED')).toBe(true);
  });
});

describe('secrets', () => {
  it('keeps the token and the client secret out of status, errors and diagnostics, even when a server echoes them', async () => {
    // a server that echoes the Authorization header in every failure
    stub = await startStub((req) => {
      if (req.path === '/v1/meta') return { status: 200, body: metaBody() };
      if (req.path === '/v1/auth/token') {
        return { status: 200, body: { accessToken: TOKEN, tokenType: 'Bearer', expiresIn: 900, tenant, deviceId: 'd1' } };
      }
      const echo = `you sent ${String(req.headers.authorization)} (and we know ${SECRET})`;
      return { status: 503, body: { title: 'Unavailable', status: 503, detail: echo } };
    });
    await catalog.setMeta(ENROLMENT_META_KEY, {
      deviceId: 'd1',
      tenant,
      currency: 'EUR',
      credentials: { clientId: 'c1', clientSecret: SECRET },
      enrolledAt: 1,
    });
    client = createSyncClient({
      baseUrl: stub.url,
      outbox: { store, backoff: { baseMs: 50, capMs: 100 }, probeIntervalMs: 0 },
      catalog,
      deviceId: 'd1',
      softwareVersion: '1.0.0',
      pull: { intervalMs: 0 },
      heartbeat: { intervalMs: 0 },
    });
    const seen: SyncStatus[] = [];
    client.status$.subscribe((s) => seen.push(s));
    await client.start();
    const till = new TillFixture('reg-1');
    await client.recordEvent(till.openSession());
    const pullError = await client.pullNow(['catalog']).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    const heartbeatError = await client.heartbeat().catch((e: unknown) => e as Error);
    await firstValueFrom(
      client.status$.pipe(
        filter((s) => s.lastError?.startsWith('push') === true),
        timeout(5000),
      ),
    );
    const diagnostics = await client
      .uploadDiagnostics({ logs: [{ at: 1, level: 'info', message: `token ${TOKEN}` }], config: { secret: SECRET } })
      .catch((e: unknown) => e as Error);

    const everything = JSON.stringify({
      seen,
      pull: pullError?.message,
      heartbeat: heartbeatError?.message,
      diagnostics: diagnostics instanceof Error ? diagnostics.message : diagnostics,
    });
    expect(pullError?.message).toContain('Unavailable');
    expect(everything).toContain('[redacted]');
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(SECRET);
    // the diagnostics upload itself carried no secret
    const upload = stub.requests.find((r) => r.path === '/v1/telemetry/diagnostics');
    expect(JSON.stringify(upload?.body)).not.toContain(TOKEN);
    expect(JSON.stringify(upload?.body)).not.toContain(SECRET);
    // and every request carried the protocol header
    expect(stub.requests.every((r) => r.headers['tillkit-protocol'] === '1')).toBe(true);
    // the event waits, nothing lost
    const last = await firstValueFrom(
      client.status$.pipe(
        filter((s) => s.pending + s.inFlight === 1),
        timeout(5000),
      ),
    );
    expect(last.auth).toBe('ok');
  });
});
