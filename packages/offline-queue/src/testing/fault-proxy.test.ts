import { Agent, createServer, request as httpRequest } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { TillkitError } from '@tillkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpTransport } from '../http-transport';
import type { OutboxItem } from '../item';
import type { KeyedItemResult } from '../transport';
import { startFaultProxy, type FaultProxy, type FaultProxyOptions } from './fault-proxy';
import { startTestServer, type TestServer } from './test-server';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((close) => close()));
});

async function testServer(): Promise<TestServer> {
  const server = await startTestServer();
  cleanups.push(() => server.close());
  return server;
}

async function proxy(server: TestServer, options: Omit<FaultProxyOptions, 'target'> = {}): Promise<FaultProxy> {
  const p = await startFaultProxy({ target: { host: server.host, port: server.port }, ...options });
  cleanups.push(() => p.close());
  return p;
}

function wireItem(key: string, seq: number): Record<string, unknown> {
  return { key, partition: 'till-1', seq, type: 'sale', payload: { n: seq }, createdAt: 0, attempt: 1 };
}

/** One push over a fresh connection; resolves with the status, rejects with the socket error. */
async function push(url: string, items: unknown[], signal?: AbortSignal): Promise<number> {
  const response = await fetch(`${url}/v1/outbox`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', connection: 'close' },
    body: JSON.stringify({ items }),
    ...(signal ? { signal } : {}),
  });
  await response.text();
  return response.status;
}

/** Sends raw bytes on one connection and collects everything until the connection ends. */
function raw(port: number, bytes: string): Promise<{ data: string; error: string | undefined }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let data = '';
    let error: string | undefined;
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code));
    socket.on('close', () => resolve({ data, error }));
    socket.write(bytes);
  });
}

const HEALTH_REQUEST = 'GET /v1/health HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n';

describe('startFaultProxy', () => {
  it('passes exchanges through, drawing per exchange on a keep-alive connection', async () => {
    const server = await testServer();
    const p = await proxy(server);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(() => Promise.resolve(agent.destroy()));
    const get = (): Promise<string> =>
      new Promise((resolve, reject) => {
        httpRequest(`${p.url}/v1/health`, { agent }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve(body));
        })
          .on('error', reject)
          .end();
      });
    for (let i = 0; i < 3; i++) expect(await get()).toBe('{"status":"ok"}');
    expect(p.stats).toMatchObject({ connections: 1, exchanges: 3, passed: 3 });
    expect(p.history()).toEqual(['pass', 'pass', 'pass']);
    expect(p.url).toBe(`http://127.0.0.1:${p.port}`);
  });

  it('drop: closes the client without forwarding', async () => {
    const server = await testServer();
    const p = await proxy(server, { faults: { drop: 1 } });
    await expect(push(p.url, [wireItem('a', 1)])).rejects.toThrow();
    const { data } = await raw(p.port, HEALTH_REQUEST);
    expect(data).toBe('');
    expect(server.requests).toBe(0);
    expect(p.stats).toMatchObject({ exchanges: 2, drop: 2, passed: 0 });
  });

  it('reset: resets the client without forwarding', async () => {
    const server = await testServer();
    const p = await proxy(server, { faults: { reset: 1 } });
    await expect(push(p.url, [wireItem('a', 1)])).rejects.toMatchObject({ cause: { code: 'ECONNRESET' } });
    expect(await raw(p.port, HEALTH_REQUEST)).toEqual({ data: '', error: 'ECONNRESET' });
    expect(server.requests).toBe(0);
    expect(p.stats.reset).toBe(2);
  });

  it('delay: holds the request, then passes it', async () => {
    const server = await testServer();
    const p = await proxy(server, { faults: { delay: { rate: 1, minMs: 10, maxMs: 30 } } });
    expect(await push(p.url, [wireItem('a', 1)])).toBe(200);
    expect(server.keys()).toEqual(['a']);
    expect(p.stats).toMatchObject({ exchanges: 1, delay: 1 });
  });

  it('truncate: forwards the request and passes on only part of the response', async () => {
    const server = await testServer();
    const p = await proxy(server, { faults: { truncate: 1 } });
    const { data } = await raw(p.port, HEALTH_REQUEST);
    expect(data.startsWith('HTTP/1.1 200 OK\r\n')).toBe(true);
    expect(data).not.toContain('{"status":"ok"}');
    await expect(push(p.url, [wireItem('a', 1)])).rejects.toThrow();
    expect(server.appliedCount('a')).toBe(1);
    expect(p.stats.truncate).toBe(2);
  });

  it('loseResponse: the server commits, the client is reset when the answer comes', async () => {
    const server = await testServer();
    const p = await proxy(server, { faults: { loseResponse: 1 } });
    await expect(push(p.url, [wireItem('a', 1)])).rejects.toMatchObject({ cause: { code: 'ECONNRESET' } });
    expect(server.appliedCount('a')).toBe(1);
    expect(server.requests).toBe(1);
    expect(p.stats.loseResponse).toBe(1);
  });

  it('blackhole: swallows the request and never answers', async () => {
    const server = await testServer();
    const p = await proxy(server, { faults: { blackhole: 1 } });
    await expect(push(p.url, [wireItem('a', 1)], AbortSignal.timeout(150))).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(server.requests).toBe(0);
    expect(p.stats.blackhole).toBe(1);
  });

  it('modes: down resets every connection, blackhole never answers, pass ignores the rates', async () => {
    const server = await testServer();
    const p = await proxy(server, { faults: { drop: 1 } });
    p.setMode('down');
    expect(p.mode).toBe('down');
    // the reset may land before the client has written its request
    expect(['ECONNRESET', 'EPIPE']).toContain((await raw(p.port, HEALTH_REQUEST)).error);
    p.setMode('blackhole');
    await expect(push(p.url, [wireItem('a', 1)], AbortSignal.timeout(150))).rejects.toMatchObject({ name: 'TimeoutError' });
    p.setMode('pass');
    expect(await push(p.url, [wireItem('a', 1)])).toBe(200);
    p.setMode('faulty');
    await expect(push(p.url, [wireItem('b', 2)])).rejects.toThrow();
    expect(server.keys()).toEqual(['a']);
    expect(p.stats).toMatchObject({ down: 1, blackhole: 1, passed: 1, drop: 1 });
  });

  it('keeps a blackholed request hanging when the server closes the idle upstream connection', async () => {
    const target = createServer((_req, res) => res.end('ok'));
    target.keepAliveTimeout = 50;
    const upstreams: Socket[] = [];
    target.on('connection', (socket: Socket) => upstreams.push(socket));
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          target.close(() => resolve());
          target.closeAllConnections();
        }),
    );
    const p = await startFaultProxy({ target: { host: '127.0.0.1', port: (target.address() as AddressInfo).port } });
    cleanups.push(() => p.close());

    const client = connect({ host: '127.0.0.1', port: p.port });
    let received = '';
    let closed = false;
    client.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    client.on('error', () => undefined);
    client.on('close', () => (closed = true));
    client.write('GET / HTTP/1.1\r\nhost: test\r\n\r\n');
    while (!received.endsWith('\r\n\r\nok')) await new Promise((resolve) => setTimeout(resolve, 5));

    p.setMode('blackhole');
    received = '';
    const upstreamClosed = new Promise((resolve) => upstreams[0]!.once('close', resolve));
    client.write('GET / HTTP/1.1\r\nhost: test\r\n\r\n');
    await upstreamClosed; // the target dropped the idle upstream connection (its keep-alive timeout)
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received).toBe('');
    expect(closed).toBe(false);
    client.destroy();
    expect(p.stats).toMatchObject({ connections: 1, exchanges: 2, passed: 1, blackhole: 1 });
  });

  it('setFaults replaces the rates', async () => {
    const server = await testServer();
    const p = await proxy(server, { faults: { reset: 1 } });
    p.setFaults({});
    expect(await push(p.url, [wireItem('a', 1)])).toBe(200);
    expect(() => p.setFaults({ drop: 0.7, reset: 0.7 })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });

  it('draws the same faults for the same seed', async () => {
    const faults = { drop: 0.2, reset: 0.2, truncate: 0.15, loseResponse: 0.15, delay: { rate: 0.1, minMs: 0, maxMs: 5 } };
    async function run(seed: number): Promise<string[]> {
      const server = await testServer();
      const p = await proxy(server, { seed, faults });
      for (let i = 0; i < 30; i++) await raw(p.port, HEALTH_REQUEST);
      const stats = p.stats;
      expect(stats.exchanges).toBe(30);
      expect(stats.passed + stats.drop + stats.reset + stats.delay + stats.truncate + stats.loseResponse + stats.blackhole).toBe(
        30,
      );
      return p.history();
    }
    const first = await run(42);
    expect(await run(42)).toEqual(first);
    expect(await run(7)).not.toEqual(first);
    expect(new Set(first)).toEqual(new Set(['pass', 'drop', 'reset', 'truncate', 'loseResponse', 'delay']));
  });

  it('delivers everything exactly once through every fault when the client retries', async () => {
    const server = await testServer();
    const p = await proxy(server, {
      seed: 2024,
      faults: {
        drop: 0.1,
        reset: 0.1,
        delay: { rate: 0.1, minMs: 0, maxMs: 20 },
        truncate: 0.1,
        loseResponse: 0.15,
        blackhole: 0.05,
      },
    });
    const transport = createHttpTransport({ timeoutMs: 300 });
    const endpoint = { id: 'proxy', url: p.url, priority: 0 };
    const pending: OutboxItem[] = Array.from({ length: 40 }, (_, i) => ({
      key: `sale-${i + 1}`,
      partition: 'till-1',
      seq: i + 1,
      type: 'sale',
      payload: { n: i + 1 },
      bytes: 8,
      createdAt: 0,
      state: 'pending',
      attempts: 0,
      notBefore: 0,
      lease: undefined,
      ack: undefined,
      dead: undefined,
      lastError: undefined,
    }));
    let sends = 0;
    while (pending.length > 0 && sends < 200) {
      sends++;
      const batch = pending.slice(0, 2).map((item) => ({ ...item, attempts: item.attempts + 1 }));
      const result = await transport.send({ endpoint, items: batch, signal: new AbortController().signal });
      if (result.kind === 'failed') continue;
      const acked = new Set(
        result.results.filter((r: KeyedItemResult) => r.result === 'applied' || r.result === 'duplicate').map((r) => r.key),
      );
      while (pending.length > 0 && acked.has(pending[0]!.key)) pending.shift();
    }
    expect(pending).toEqual([]);
    expect(server.keys()).toEqual(Array.from({ length: 40 }, (_, i) => `sale-${i + 1}`));
    for (const key of server.keys()) expect(server.appliedCount(key)).toBe(1);
    // with this seed every kind of fault hit some exchange
    expect(new Set(p.history())).toEqual(new Set(['pass', 'drop', 'reset', 'delay', 'truncate', 'loseResponse', 'blackhole']));
  });

  it('survives a dead target: the client is reset, the process keeps running', async () => {
    const server = await testServer();
    const p = await proxy(server);
    await server.stop();
    expect((await raw(p.port, HEALTH_REQUEST)).error).toBe('ECONNRESET');
    await server.start();
    expect(await push(p.url, [wireItem('a', 1)])).toBe(200);
  });

  it('close() destroys open connections', async () => {
    const server = await testServer();
    const p = await startFaultProxy({ target: { host: '127.0.0.1', port: server.port }, mode: 'blackhole' });
    const pending = raw(p.port, HEALTH_REQUEST);
    while (p.stats.exchanges === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await p.close();
    expect((await pending).data).toBe('');
  });

  it('rejects bad options with VALIDATION_FAILED', async () => {
    const target = { host: '127.0.0.1', port: 1 };
    for (const bad of [
      { target: { host: '127.0.0.1', port: 0 } },
      { target, faults: { drop: 1.5 } },
      { target, faults: { drop: 0.6, blackhole: 0.6 } },
      { target, faults: { delay: { rate: 0.1, minMs: 50, maxMs: 10 } } },
      { target, mode: 'sideways' },
    ]) {
      await expect(startFaultProxy(bad as FaultProxyOptions)).rejects.toSatisfy((e) =>
        TillkitError.hasCode(e, 'VALIDATION_FAILED'),
      );
    }
  });
});
