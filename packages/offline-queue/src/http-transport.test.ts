import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TillkitError } from '@tillkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { Endpoint } from './endpoint-selector';
import { createHttpTransport, type HttpTransportOptions } from './http-transport';
import type { OutboxItem } from './item';
import { startFaultProxy, type FaultProxy, type FaultProxyOptions } from './testing/fault-proxy';
import { startTestServer, type TestServer, type TestServerOptions } from './testing/test-server';
import type { SendResult, Transport } from './transport';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((close) => close()));
});

async function testServer(options: TestServerOptions = {}): Promise<TestServer> {
  const server = await startTestServer(options);
  cleanups.push(() => server.close());
  return server;
}

async function proxy(target: { port: number }, options: Omit<FaultProxyOptions, 'target'> = {}): Promise<FaultProxy> {
  const p = await startFaultProxy({ target: { host: '127.0.0.1', port: target.port }, ...options });
  cleanups.push(() => p.close());
  return p;
}

/** A tiny node:http server for answers the test server never gives (captive portals, cut bodies, echoes). */
async function rawServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => handler(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function endpoint(url: string): Endpoint {
  return { id: 'primary', url, priority: 0 };
}

function outboxItem(key: string, seq: number | null, partition = 'till-1'): OutboxItem {
  return {
    key,
    partition,
    seq,
    type: 'sale',
    payload: { lines: [{ sku: 'A1', qty: 2 }], total: 1234 },
    bytes: 40,
    createdAt: 1_700_000_000_000,
    state: 'in-flight',
    attempts: 3,
    notBefore: 0,
    lease: undefined,
    ack: undefined,
    dead: undefined,
    lastError: undefined,
  };
}

function send(
  transport: Transport,
  url: string,
  items: OutboxItem[],
  signal = new AbortController().signal,
): Promise<SendResult> {
  return transport.send({ endpoint: endpoint(url), items, signal });
}

function probe(transport: Transport, url: string, signal = new AbortController().signal): Promise<boolean> {
  return transport.probe!({ endpoint: endpoint(url), signal });
}

function transport(options: HttpTransportOptions = {}): Transport {
  return createHttpTransport(options);
}

describe('createHttpTransport: send', () => {
  it('posts the wire format and returns per-item results', async () => {
    const server = await testServer();
    const t = transport();
    const first = await send(t, server.url, [outboxItem('a', 1), outboxItem('b', 2)]);
    expect(first).toEqual({
      kind: 'results',
      results: [
        { key: 'a', result: 'applied' },
        { key: 'b', result: 'applied' },
      ],
    });
    expect(server.applied()[0]).toEqual({
      key: 'a',
      partition: 'till-1',
      seq: 1,
      type: 'sale',
      payload: { lines: [{ sku: 'A1', qty: 2 }], total: 1234 },
      createdAt: 1_700_000_000_000,
      attempt: 3,
    });
    const again = await send(t, `${server.url}/`, [outboxItem('a', 1), outboxItem('b', 2), outboxItem('gap', 9)]);
    expect(again).toEqual({
      kind: 'results',
      results: [
        { key: 'a', result: 'duplicate' },
        { key: 'b', result: 'duplicate' },
        { key: 'gap', result: 'gap', expectedSeq: 3 },
      ],
    });
  });

  it('passes rejected and retry-after results through', async () => {
    const server = await testServer({
      onItem: (i) =>
        i.key === 'bad'
          ? { result: 'rejected', code: 'INVALID_TOTAL', message: 'no' }
          : i.key === 'busy'
            ? { result: 'retry-after', ms: 500 }
            : undefined,
    });
    const result = await send(transport(), server.url, [outboxItem('bad', 1), outboxItem('busy', 2)]);
    expect(result).toEqual({
      kind: 'results',
      results: [
        { key: 'bad', result: 'rejected', code: 'INVALID_TOTAL', message: 'no' },
        { key: 'busy', result: 'retry-after', ms: 500 },
      ],
    });
  });

  it('ignores results for keys that were not in the batch', async () => {
    const url = await rawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          results: [
            { key: 'stranger', result: 'applied' },
            { key: 'a', result: 'applied' },
            { key: 'a', result: 'gap', expectedSeq: 1 },
          ],
        }),
      );
    });
    expect(await send(transport(), url, [outboxItem('a', 1)])).toEqual({
      kind: 'results',
      results: [{ key: 'a', result: 'applied' }],
    });
  });

  it('sends nothing for an empty batch', async () => {
    const server = await testServer();
    expect(await send(transport(), server.url, [])).toEqual({ kind: 'results', results: [] });
    expect(server.requests).toBe(0);
  });

  it('throws a TypeError for an item without a sequence number', async () => {
    const server = await testServer();
    await expect(send(transport(), server.url, [outboxItem('a', null)])).rejects.toThrow(TypeError);
    expect(server.requests).toBe(0);
  });

  it('maps a refused connection to a network outcome with its code', async () => {
    const port = await deadPort();
    const result = await send(transport(), `http://127.0.0.1:${port}`, [outboxItem('a', 1)]);
    expect(result).toMatchObject({ kind: 'failed', outcome: { kind: 'network', code: 'ECONNREFUSED' } });
  });

  it('maps a reset connection to a network outcome, and the server never saw it', async () => {
    const server = await testServer();
    const p = await proxy(server, { faults: { reset: 1 } });
    const result = await send(transport(), p.url, [outboxItem('a', 1)]);
    expect(result).toMatchObject({
      kind: 'failed',
      outcome: { kind: 'network', code: expect.stringMatching(/^(ECONNRESET|UND_ERR_SOCKET)$/) },
    });
    expect(server.requests).toBe(0);
  });

  it('maps its own timeout to a timeout outcome (a blackholed request)', async () => {
    const server = await testServer();
    const p = await proxy(server, { mode: 'blackhole' });
    const result = await send(transport({ timeoutMs: 150 }), p.url, [outboxItem('a', 1)]);
    expect(result).toMatchObject({ kind: 'failed', outcome: { kind: 'timeout' }, detail: expect.stringContaining('timed out') });
  });

  it("maps the caller's abort to a timeout outcome", async () => {
    const server = await testServer();
    const p = await proxy(server, { mode: 'blackhole' });
    const controller = new AbortController();
    const pending = send(transport(), p.url, [outboxItem('a', 1)], controller.signal);
    controller.abort();
    expect(await pending).toMatchObject({ kind: 'failed', outcome: { kind: 'timeout' } });
    expect(await send(transport(), server.url, [outboxItem('b', 1)], AbortSignal.abort())).toMatchObject({
      kind: 'failed',
      outcome: { kind: 'timeout' },
    });
    expect(server.requests).toBe(0);
  });

  it('maps a response lost after the server committed to a network outcome', async () => {
    const server = await testServer();
    const p = await proxy(server, { faults: { loseResponse: 1 } });
    const result = await send(transport(), p.url, [outboxItem('a', 1)]);
    expect(result).toMatchObject({ kind: 'failed', outcome: { kind: 'network' } });
    expect(server.appliedCount('a')).toBe(1);

    server.loseNextResponses(1);
    const lost = await send(transport(), server.url, [outboxItem('b', 2)]);
    expect(lost).toMatchObject({ kind: 'failed', outcome: { kind: 'network' } });
    expect(server.appliedCount('b')).toBe(1);
  });

  it('maps a response cut off by the network to a failure, the item applied once', async () => {
    const server = await testServer();
    const p = await proxy(server, { faults: { truncate: 1 } });
    const result = await send(transport(), p.url, [outboxItem('a', 1)]);
    expect(result).toMatchObject({ kind: 'failed', outcome: { kind: 'network' } });
    expect(server.appliedCount('a')).toBe(1);
    expect(await send(transport(), server.url, [outboxItem('a', 1)])).toEqual({
      kind: 'results',
      results: [{ key: 'a', result: 'duplicate' }],
    });
  });

  it('maps a 2xx whose body is cut short to BAD_RESPONSE', async () => {
    const url = await rawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"results":[{"key":"a",');
      setTimeout(() => res.destroy(), 10);
    });
    const result = await send(transport(), url, [outboxItem('a', 1)]);
    expect(result).toMatchObject({
      kind: 'failed',
      outcome: { kind: 'network', code: 'BAD_RESPONSE' },
      detail: expect.stringContaining('cut off'),
    });
  });

  it('maps a 2xx that is not JSON, or not a push response, to BAD_RESPONSE', async () => {
    const server = await testServer();
    server.failNext(1, { status: 200, body: '{"results": [', contentType: 'application/json' });
    server.failNext(1, { status: 200, body: '{"results": [{"key": "a", "result": "maybe"}]}', contentType: 'application/json' });
    server.failNext(1, { status: 204 });
    const t = transport();
    expect(await send(t, server.url, [outboxItem('a', 1)])).toMatchObject({
      kind: 'failed',
      outcome: { kind: 'network', code: 'BAD_RESPONSE' },
      detail: expect.stringContaining('not JSON'),
    });
    expect(await send(t, server.url, [outboxItem('a', 1)])).toMatchObject({
      kind: 'failed',
      outcome: { kind: 'network', code: 'BAD_RESPONSE' },
      detail: expect.stringContaining('results.0.result'),
    });
    expect(await send(t, server.url, [outboxItem('a', 1)])).toMatchObject({
      kind: 'failed',
      outcome: { kind: 'network', code: 'BAD_RESPONSE' },
    });
    expect(server.keys()).toEqual([]);
  });

  it('does not follow a redirect (a captive portal): it is an http 302 outcome', async () => {
    const portal = await rawServer((_req, res) => {
      res.writeHead(302, { location: 'http://portal.example/login' });
      res.end('<html>log in</html>');
    });
    const result = await send(transport(), portal, [outboxItem('a', 1)]);
    expect(result).toMatchObject({ kind: 'failed', outcome: { kind: 'http', status: 302, retryAfter: undefined } });
    expect(result.kind === 'failed' && result.detail).toContain('portal.example/login');
  });

  it('maps a 200 HTML page (a captive portal) to BAD_RESPONSE', async () => {
    const portal = await rawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Welcome to the hotel Wi-Fi</body></html>');
    });
    expect(await send(transport(), portal, [outboxItem('a', 1)])).toMatchObject({
      kind: 'failed',
      outcome: { kind: 'network', code: 'BAD_RESPONSE' },
    });
  });

  it('maps a browser opaque redirect (status 0) to http 302', async () => {
    // A manual redirect in a browser is an opaque response that Node's fetch never produces: the one
    // place this file stands in for fetch.
    const opaque = { type: 'opaqueredirect', status: 0, ok: false, headers: new Headers(), body: null } as unknown as Response;
    const t = transport({ fetch: () => Promise.resolve(opaque) });
    expect(await send(t, 'http://till.example', [outboxItem('a', 1)])).toMatchObject({
      kind: 'failed',
      outcome: { kind: 'http', status: 302 },
    });
    expect(await probe(t, 'http://till.example')).toBe(false);
  });

  it('maps 401, 413, 429 with Retry-After and 500 to http outcomes with the problem in the detail', async () => {
    const server = await testServer({ token: 'right', maxBodyBytes: 2048 });
    const t = transport({ headers: () => ({ authorization: 'Bearer right' }) });
    expect(await send(transport(), server.url, [outboxItem('a', 1)])).toMatchObject({
      kind: 'failed',
      outcome: { kind: 'http', status: 401, retryAfter: undefined },
      detail: expect.stringContaining('HTTP 401 Unauthorized'),
    });
    const big = { ...outboxItem('big', 1), payload: 'x'.repeat(4096) };
    expect(await send(t, server.url, [big])).toMatchObject({
      kind: 'failed',
      outcome: { kind: 'http', status: 413 },
      detail: expect.stringContaining('larger than 2048 bytes'),
    });
    server.failNext(1, { status: 429, retryAfter: 3 });
    expect(await send(t, server.url, [outboxItem('a', 1)])).toMatchObject({
      kind: 'failed',
      outcome: { kind: 'http', status: 429, retryAfter: '3' },
    });
    server.failNext(1, { status: 500, body: 'oops' });
    expect(await send(t, server.url, [outboxItem('a', 1)])).toEqual({
      kind: 'failed',
      outcome: { kind: 'http', status: 500, retryAfter: undefined },
      detail: 'HTTP 500 Internal Server Error',
    });
    expect(server.keys()).toEqual([]);
    expect(await send(t, server.url, [outboxItem('a', 1)])).toMatchObject({ kind: 'results' });
  });

  it('asks the headers hook before every request, so a refreshed token is used', async () => {
    const server = await testServer({ token: 'token-2' });
    const calls: string[] = [];
    let token = 'token-1';
    const t = transport({
      headers: async (e) => {
        calls.push(e.id);
        await Promise.resolve();
        return { Authorization: `Bearer ${token}` };
      },
    });
    const stale = await send(t, server.url, [outboxItem('a', 1)]);
    expect(stale).toMatchObject({ kind: 'failed', outcome: { kind: 'http', status: 401 } });
    token = 'token-2';
    expect(await send(t, server.url, [outboxItem('a', 1)])).toMatchObject({
      kind: 'results',
      results: [{ key: 'a', result: 'applied' }],
    });
    expect(calls).toEqual(['primary', 'primary']);
  });

  it('keeps short non-secret header values (a protocol version) out of redaction, and redacts a bare token', async () => {
    const echo = await rawServer((req, res) => {
      res.writeHead(400, { 'content-type': 'application/problem+json' });
      const bare = String(req.headers.authorization).replace('Bearer ', '');
      res.end(JSON.stringify({ title: 'Bad Request', status: 400, detail: `POST /v1/push version 1 with ${bare}` }));
    });
    const t = transport({ headers: () => ({ authorization: 'Bearer tok-9f8e7d', 'tillkit-protocol': '1' }) });
    const result = await send(t, echo, [outboxItem('a', 1)]);
    expect(result.kind === 'failed' && result.detail).toContain('POST /v1/push version 1 with [redacted]');
  });

  it('never puts header values in details, even when a server echoes them', async () => {
    const token = 'Bearer sk_live_4f9a8b7c6d5e';
    const echo = await rawServer((req, res) => {
      res.writeHead(400, { 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ title: 'Bad Request', status: 400, detail: `you sent ${req.headers.authorization}` }));
    });
    const t = transport({ headers: () => ({ authorization: token, 'x-till': 'till-secret-42' }) });
    const result = await send(t, echo, [outboxItem('a', 1)]);
    expect(result).toMatchObject({ kind: 'failed', outcome: { kind: 'http', status: 400 } });
    expect(JSON.stringify(result)).not.toContain('sk_live_4f9a8b7c6d5e');
    expect(result.kind === 'failed' && result.detail).toContain('[redacted]');

    const invalid = transport({ headers: () => ({ authorization: 'Bearer sk_live\r\nx-evil: 1' }) });
    const refused = await send(invalid, echo, [outboxItem('a', 1)]);
    expect(refused).toMatchObject({ kind: 'failed', outcome: { kind: 'network', code: 'HEADERS_FAILED' } });
    expect(JSON.stringify(refused)).not.toContain('sk_live');

    const throwing = transport({
      headers: () => {
        throw new Error('refresh failed');
      },
    });
    expect(await send(throwing, echo, [outboxItem('a', 1)])).toMatchObject({
      kind: 'failed',
      outcome: { kind: 'network', code: 'HEADERS_FAILED' },
    });
  });

  it('uses custom paths and an injected fetch', async () => {
    const server = await testServer({ pushPath: '/api/outbox', healthPath: '/api/health' });
    const urls: string[] = [];
    const t = transport({
      pushPath: '/api/outbox',
      healthPath: '/api/health',
      fetch: (input, init) => {
        urls.push(input);
        return fetch(input, init);
      },
    });
    expect(await send(t, server.url, [outboxItem('a', 1)])).toMatchObject({ kind: 'results' });
    expect(await probe(t, server.url)).toBe(true);
    expect(urls).toEqual([`${server.url}/api/outbox`, `${server.url}/api/health`]);
  });

  it('rejects bad options with VALIDATION_FAILED', () => {
    for (const bad of [{ timeoutMs: 0 }, { probeTimeoutMs: -1 }, { pushPath: 'v1' }, { headers: 'Bearer x' }, { fetch: 42 }]) {
      let thrown: unknown;
      try {
        createHttpTransport(bad as HttpTransportOptions);
      } catch (error) {
        thrown = error;
      }
      expect(TillkitError.hasCode(thrown, 'VALIDATION_FAILED')).toBe(true);
    }
  });
});

describe('createHttpTransport: probe', () => {
  it('is true for a healthy server and false for an unhealthy one', async () => {
    const server = await testServer();
    const t = transport();
    expect(await probe(t, server.url)).toBe(true);
    server.setHealthy(false);
    expect(await probe(t, server.url)).toBe(false);
  });

  it('is false when nothing listens, and when the endpoint never answers', async () => {
    const server = await testServer();
    const p = await proxy(server, { mode: 'blackhole' });
    expect(await probe(transport(), `http://127.0.0.1:${await deadPort()}`)).toBe(false);
    expect(await probe(transport({ probeTimeoutMs: 100 }), p.url)).toBe(false);
  });

  it('is false for a captive portal: a redirect or a 200 HTML page', async () => {
    const redirect = await rawServer((_req, res) => {
      res.writeHead(302, { location: '/login' });
      res.end();
    });
    const page = await rawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>{"status":"ok"}</html>');
    });
    expect(await probe(transport(), redirect)).toBe(false);
    expect(await probe(transport(), page)).toBe(false);
  });

  it('sends the hook headers, and is false when the hook fails', async () => {
    const seen: (string | undefined)[] = [];
    const url = await rawServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
    });
    expect(await probe(transport({ headers: () => ({ authorization: 'Bearer p' }) }), url)).toBe(true);
    expect(seen).toEqual(['Bearer p']);
    const failing = transport({ headers: () => Promise.reject(new Error('no token')) });
    expect(await probe(failing, url)).toBe(false);
  });
});
