import { TillkitError } from '@tillkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { WireItem } from '../wire';
import { startTestServer, type TestServer, type TestServerOptions } from './test-server';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(options: TestServerOptions = {}): Promise<TestServer> {
  const s = await startTestServer(options);
  servers.push(s);
  return s;
}

function item(key: string, seq: number, partition = 'till-1'): WireItem {
  return { key, partition, seq, type: 'sale', payload: { total: seq * 100 }, createdAt: 1_700_000_000_000 + seq, attempt: 1 };
}

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

async function request(s: TestServer, path: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(`${s.url}${path}`, init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body };
}

function push(s: TestServer, items: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return request(s, '/v1/outbox', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ items }),
  });
}

describe('startTestServer', () => {
  it('applies items in order over real HTTP and reports what it applied', async () => {
    const s = await server();
    expect(s.url).toBe(`http://127.0.0.1:${s.port}`);
    const answer = await push(s, [item('a', 1), item('b', 2), item('x', 1, 'till-2')]);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      results: [
        { key: 'a', result: 'applied' },
        { key: 'b', result: 'applied' },
        { key: 'x', result: 'applied' },
      ],
    });
    expect(s.keys()).toEqual(['a', 'b', 'x']);
    expect(s.applied()[0]).toEqual(item('a', 1));
    expect(s.appliedCount('a')).toBe(1);
    expect(s.appliedCount('never-sent')).toBe(0);
    expect(s.expectedSeq('till-1')).toBe(3);
    expect(s.expectedSeq('till-2')).toBe(2);
    expect(s.expectedSeq('unknown')).toBe(1);
    expect(s.requests).toBe(1);
  });

  it('answers duplicate for a key applied before and never applies it twice', async () => {
    const s = await server();
    await push(s, [item('a', 1), item('b', 2)]);
    const again = await push(s, [item('a', 1), item('b', 2), item('c', 3)]);
    expect(again.body).toEqual({
      results: [
        { key: 'a', result: 'duplicate' },
        { key: 'b', result: 'duplicate' },
        { key: 'c', result: 'applied' },
      ],
    });
    expect(s.appliedCount('a')).toBe(1);
    expect(s.appliedCount('b')).toBe(1);
    expect(s.expectedSeq('till-1')).toBe(4);
  });

  it('advances the partition on a duplicate at the expected seq (a restored server moves on)', async () => {
    const s = await server();
    await push(s, [item('a', 1), item('b', 2)]);
    s.setExpectedSeq('till-1', 2);
    const answer = await push(s, [item('b', 2), item('c', 3)]);
    expect(answer.body).toEqual({
      results: [
        { key: 'b', result: 'duplicate' },
        { key: 'c', result: 'applied' },
      ],
    });
    expect(s.expectedSeq('till-1')).toBe(4);
    expect(s.appliedCount('b')).toBe(1);
  });

  it('answers gap with the expected seq when items are missing and when the seq is taken by another key', async () => {
    const s = await server();
    const ahead = await push(s, [item('c', 3)]);
    expect(ahead.body).toEqual({ results: [{ key: 'c', result: 'gap', expectedSeq: 1 }] });
    await push(s, [item('a', 1), item('b', 2)]);
    const behind = await push(s, [item('other', 1)]);
    expect(behind.body).toEqual({ results: [{ key: 'other', result: 'gap', expectedSeq: 3 }] });
    expect(s.keys()).toEqual(['a', 'b']);
    expect(s.expectedSeq('till-1')).toBe(3);
  });

  it('stores a rejection, lets it consume the seq, and replays it for the same key and seq', async () => {
    const seen: string[] = [];
    const s = await server({
      onItem: (i) => {
        seen.push(i.key);
        return i.key === 'bad' ? { result: 'rejected', code: 'TOTAL_MISMATCH', message: 'totals differ' } : undefined;
      },
    });
    const first = await push(s, [item('a', 1), item('bad', 2), item('c', 3)]);
    expect(first.body).toEqual({
      results: [
        { key: 'a', result: 'applied' },
        { key: 'bad', result: 'rejected', code: 'TOTAL_MISMATCH', message: 'totals differ' },
        { key: 'c', result: 'applied' },
      ],
    });
    const replay = await push(s, [item('bad', 2)]);
    expect(replay.body).toEqual({
      results: [{ key: 'bad', result: 'rejected', code: 'TOTAL_MISMATCH', message: 'totals differ' }],
    });
    expect(seen).toEqual(['a', 'bad', 'c']);
    expect(s.rejected()).toEqual([{ key: 'bad', seq: 2, code: 'TOTAL_MISMATCH' }]);
    expect(s.appliedCount('bad')).toBe(0);
    expect(s.expectedSeq('till-1')).toBe(4);
  });

  it('treats a rejected key sent again under a new seq as a new item', async () => {
    let reject = true;
    const s = await server({ onItem: (i) => (i.key === 'bad' && reject ? { result: 'rejected', code: 'INVALID' } : undefined) });
    await push(s, [item('bad', 1)]);
    reject = false;
    const retried = await push(s, [item('bad', 2)]);
    expect(retried.body).toEqual({ results: [{ key: 'bad', result: 'applied' }] });
    expect(s.appliedCount('bad')).toBe(1);
  });

  it('answers retry-after without storing anything or consuming the seq', async () => {
    let busy = true;
    const s = await server({ onItem: () => (busy ? { result: 'retry-after', ms: 250 } : undefined) });
    const first = await push(s, [item('a', 1), item('b', 2)]);
    expect(first.body).toEqual({
      results: [
        { key: 'a', result: 'retry-after', ms: 250 },
        { key: 'b', result: 'gap', expectedSeq: 1 },
      ],
    });
    expect(s.expectedSeq('till-1')).toBe(1);
    busy = false;
    const second = await push(s, [item('a', 1), item('b', 2)]);
    expect(second.body).toEqual({
      results: [
        { key: 'a', result: 'applied' },
        { key: 'b', result: 'applied' },
      ],
    });
  });

  it('answers 500 when onItem throws, keeping items applied before it', async () => {
    const s = await server({
      onItem: (i) => {
        if (i.key === 'boom') throw new Error('database down');
        return undefined;
      },
    });
    const answer = await push(s, [item('a', 1), item('boom', 2)]);
    expect(answer.status).toBe(500);
    expect(answer.body).toMatchObject({ status: 500, detail: expect.stringContaining('database down') });
    expect(s.keys()).toEqual(['a']);
  });

  it('fails the next requests as told without applying anything', async () => {
    const s = await server();
    s.failNext(2, { status: 503, retryAfter: 7 });
    s.failNext(1, { status: 200, body: '<html>captive portal</html>', contentType: 'text/html' });
    const first = await push(s, [item('a', 1)]);
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('7');
    expect(first.headers.get('content-type')).toBe('application/problem+json');
    expect(first.body).toMatchObject({ title: 'Service Unavailable', status: 503 });
    expect((await push(s, [item('a', 1)])).status).toBe(503);
    const portal = await push(s, [item('a', 1)]);
    expect(portal.status).toBe(200);
    expect(portal.body).toBe('<html>captive portal</html>');
    expect(s.keys()).toEqual([]);
    expect((await push(s, [item('a', 1)])).body).toEqual({ results: [{ key: 'a', result: 'applied' }] });
    expect(s.requests).toBe(4);
  });

  it('applies a request in full before losing its response (committed, then the connection dies)', async () => {
    const s = await server();
    s.loseNextResponses(1);
    await expect(push(s, [item('a', 1), item('b', 2)])).rejects.toThrow();
    expect(s.keys()).toEqual(['a', 'b']);
    expect(s.appliedCount('a')).toBe(1);
    const retry = await push(s, [item('a', 1), item('b', 2)]);
    expect(retry.body).toEqual({
      results: [
        { key: 'a', result: 'duplicate' },
        { key: 'b', result: 'duplicate' },
      ],
    });
    expect(s.appliedCount('a')).toBe(1);
  });

  it('dies on stop() and comes back on the same port with its state on start()', async () => {
    const s = await server();
    const port = s.port;
    await push(s, [item('a', 1)]);
    await s.stop();
    await expect(push(s, [item('b', 2)])).rejects.toMatchObject({ cause: { code: 'ECONNREFUSED' } });
    await s.start();
    expect(s.port).toBe(port);
    const answer = await push(s, [item('a', 1), item('b', 2)]);
    expect(answer.body).toEqual({
      results: [
        { key: 'a', result: 'duplicate' },
        { key: 'b', result: 'applied' },
      ],
    });
  });

  it('never applies a request that was waiting out its latency when the server stopped', async () => {
    const s = await server({ latencyMs: 5_000 });
    const pending = push(s, [item('a', 1)]);
    while (s.requests === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await s.stop();
    await expect(pending).rejects.toThrow();
    expect(s.keys()).toEqual([]);
  });

  it('answers after its latency', async () => {
    const s = await server({ latencyMs: 20 });
    expect((await push(s, [item('a', 1)])).body).toEqual({ results: [{ key: 'a', result: 'applied' }] });
  });

  it('requires the bearer token when one is set', async () => {
    const s = await server({ token: 'secret-1' });
    const missing = await push(s, [item('a', 1)]);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect((await push(s, [item('a', 1)], { authorization: 'Bearer wrong' })).status).toBe(401);
    expect(s.keys()).toEqual([]);
    expect((await push(s, [item('a', 1)], { authorization: 'Bearer secret-1' })).status).toBe(200);
    s.setToken('secret-2');
    expect((await push(s, [item('b', 2)], { authorization: 'Bearer secret-1' })).status).toBe(401);
    s.setToken(undefined);
    expect((await push(s, [item('b', 2)])).status).toBe(200);
  });

  it('answers 413 for a body over maxBodyBytes without applying it', async () => {
    const s = await server({ maxBodyBytes: 1024 });
    const big = [item('a', 1), { ...item('b', 2), payload: 'x'.repeat(4096) }];
    const answer = await push(s, big);
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ title: 'Content Too Large', status: 413 });
    expect(s.keys()).toEqual([]);
    expect((await push(s, [item('a', 1)])).status).toBe(200);
  });

  it('answers 400 problems for malformed JSON and for a body that is not a push request', async () => {
    const s = await server();
    const malformed = await request(s, '/v1/outbox', { method: 'POST', body: '{"items": [' });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toBe('application/problem+json');
    expect(malformed.body).toMatchObject({ status: 400, detail: 'the body is not valid JSON' });
    const wrong = await push(s, [{ ...item('a', 1), seq: 0 }]);
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ detail: expect.stringContaining('items.0.seq') });
    expect(s.keys()).toEqual([]);
  });

  it('answers 404 for other paths and 405 for other methods', async () => {
    const s = await server();
    expect((await request(s, '/v1/elsewhere')).status).toBe(404);
    const get = await request(s, '/v1/outbox');
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST, OPTIONS');
    expect(s.requests).toBe(0);
  });

  it('answers CORS preflights and puts CORS headers on every answer', async () => {
    const s = await server({ token: 't' });
    const preflight = await request(s, '/v1/outbox', {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('content-type');
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET, POST, OPTIONS');
    for (const answer of [await push(s, []), await request(s, '/nowhere'), await request(s, '/v1/health')]) {
      expect(answer.headers.get('access-control-allow-origin')).toBe('*');
    }
  });

  it('answers its health path, 503 when set unhealthy', async () => {
    const s = await server();
    expect(await request(s, '/v1/health')).toMatchObject({ status: 200, body: { status: 'ok' } });
    s.setHealthy(false);
    expect((await request(s, '/v1/health')).status).toBe(503);
    s.setHealthy(true);
    expect((await request(s, '/v1/health')).status).toBe(200);
  });

  it('serves custom paths', async () => {
    const s = await server({ pushPath: '/api/push', healthPath: '/api/ok' });
    const answer = await request(s, '/api/push', { method: 'POST', body: JSON.stringify({ items: [item('a', 1)] }) });
    expect(answer.body).toEqual({ results: [{ key: 'a', result: 'applied' }] });
    expect((await request(s, '/api/ok')).status).toBe(200);
    expect((await request(s, '/v1/outbox', { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('rejects bad options and bad control calls with VALIDATION_FAILED', async () => {
    await expect(startTestServer({ port: -1 })).rejects.toSatisfy((e) => TillkitError.hasCode(e, 'VALIDATION_FAILED'));
    await expect(startTestServer({ pushPath: 'v1/outbox' })).rejects.toSatisfy((e) =>
      TillkitError.hasCode(e, 'VALIDATION_FAILED'),
    );
    const s = await server();
    expect(() => s.setExpectedSeq('p', 0)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(() => s.failNext(1, { status: 100 })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });

  it('refuses to start again after close()', async () => {
    const s = await startTestServer();
    await s.close();
    await expect(s.start()).rejects.toSatisfy((e) => TillkitError.hasCode(e, 'INVALID_STATE'));
  });
});
