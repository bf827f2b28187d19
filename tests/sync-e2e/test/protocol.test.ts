import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TillkitError } from '@tillkit/core';
import { SyncErrorCode } from '@tillkit/sync-client';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { withCleanup } from './cleanup';
import { TENANT, until } from './harness';
import { TillFixture } from './till-fixture';

const { till, folder, defer } = withCleanup();

/** A server of a future protocol major version: it states major 2 and refuses a version 1 request. */
async function startMajorTwoServer(): Promise<{
  url: string;
  requests: { method: string; path: string; headers: IncomingHttpHeaders }[];
}> {
  const requests: { method: string; path: string; headers: IncomingHttpHeaders }[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      requests.push({ method: req.method ?? 'GET', path, headers: req.headers });
      const json = (status: number, body: unknown, type = 'application/json') => {
        res.writeHead(status, { 'content-type': type });
        res.end(JSON.stringify(body));
      };
      if (path === '/v1/meta') {
        json(200, {
          protocol: { name: 'tillkit-sync', majors: [2], version: '2.0' },
          server: { name: 'future', version: '9.0.0' },
          limits: { maxBodyBytes: 1_000_000, maxBatchItems: 100, maxPageSize: 1000 },
        });
      } else if (path === '/v1/health') {
        json(200, { status: 'ok' });
      } else if (path === '/v1/devices/enrol') {
        // enrolment is unchanged in this imagined version 2
        json(201, {
          deviceId: 'till-a',
          tenant: TENANT,
          currency: 'EUR',
          credentials: { clientId: 'client-1', clientSecret: 'secret-secret-secret-1' },
        });
      } else {
        json(
          400,
          { title: 'Bad Request', status: 400, code: 'UNSUPPORTED_VERSION', detail: 'This server speaks major 2 only.' },
          'application/problem+json',
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  defer(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

describe('protocol version', () => {
  it('refuses a server that speaks only major 2: PROTOCOL_INCOMPATIBLE naming both versions, nothing pushed, nothing lost', async () => {
    const future = await startMajorTwoServer();
    const t = await till(folder(), { baseUrl: future.url, deviceId: 'till-a' });
    await t.client.enrol('CODE-0001');
    await t.client.start();
    const fixture = new TillFixture(TENANT.registerId);
    await t.client.recordEvent(fixture.openSession());
    await t.client.recordEvent(fixture.sale());

    const error = await t.client.pullNow(['catalog']).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(TillkitError.hasCode(error, SyncErrorCode.PROTOCOL_INCOMPATIBLE)).toBe(true);
    expect((error as Error).message).toContain('protocol 2.0 (major 2)');
    expect((error as Error).message).toContain('tillkit-sync 1.0 (major 1)');

    // delivery tries, is told the same, and keeps the events
    await until('a push attempt', () => (future.requests.filter((r) => r.path === '/v1/meta').length >= 2 ? true : undefined));
    const status = await firstValueFrom(
      t.client.status$.pipe(
        filter((s) => s.lastError?.includes('PROTOCOL_INCOMPATIBLE') === true && s.pending + s.inFlight === 2),
        timeout(5000),
      ),
    );
    expect(status.connectivity).toBe('offline');
    expect(status.deadLetters).toBe(0);
    expect(future.requests.filter((r) => r.path === '/v1/sync/push')).toEqual([]);
    expect(future.requests.filter((r) => r.path.startsWith('/v1/sync/pull'))).toEqual([]);
    expect(future.requests.every((r) => r.headers['tillkit-protocol'] === '1')).toBe(true);
    expect(await t.client.outbox.items()).toHaveLength(2);
  });
});
