import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { TillkitError } from '@tillkit/core';
import { filter, firstValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { guardAgainstEscapes } from '../test-support';
import type { Scheduler } from './scheduler';
import { TcpConnection, type TcpConnectionEvent } from './tcp-connection';

/** A plain TCP server that records what it receives, per connection. */
async function startServer(onSocket?: (socket: Socket) => void) {
  const sockets: Socket[] = [];
  const received: Buffer[][] = [];
  const server: Server = createServer((socket) => {
    const chunks: Buffer[] = [];
    sockets.push(socket);
    received.push(chunks);
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', () => undefined);
    onSocket?.(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    sockets,
    bytes: (i: number) => Buffer.concat(received[i] ?? []),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** a port nothing listens on */
async function closedPort(): Promise<number> {
  const s = await startServer();
  await s.close();
  return s.port;
}

const until = async (predicate: () => boolean, timeoutMs = 2000) => {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

const cleanup = guardAgainstEscapes();

function connect(port: number, options: Partial<ConstructorParameters<typeof TcpConnection>[0]> = {}) {
  const conn = new TcpConnection({
    host: '127.0.0.1',
    port,
    connectTimeoutMs: 500,
    backoff: { baseMs: 20, maxMs: 200 },
    ...options,
  });
  const events: TcpConnectionEvent[] = [];
  conn.events$.subscribe((e) => events.push(e));
  cleanup.push(() => conn.close());
  conn.start();
  return { conn, events };
}

const connected = (conn: TcpConnection) => firstValueFrom(conn.state$.pipe(filter((s) => s === 'connected')));

describe('TcpConnection', () => {
  it('connects, writes and reads', async () => {
    const server = await startServer((s) => s.on('data', () => s.write(Uint8Array.of(0x12))));
    cleanup.push(server.close);
    const { conn } = connect(server.port);
    await connected(conn);
    const reply = firstValueFrom(conn.data$);
    await conn.write(Uint8Array.of(0x10, 0x04, 0x01));
    expect([...(await reply).bytes]).toEqual([0x12]);
    expect([...server.bytes(0)]).toEqual([0x10, 0x04, 0x01]);
  });

  it('reconnects by itself when the device drops the connection (as printers do when idle)', async () => {
    const server = await startServer();
    cleanup.push(server.close);
    const { conn, events } = connect(server.port);
    await connected(conn);
    const first = conn.generation;
    server.sockets[0]!.destroy();
    await until(() => events.filter((e) => e.type === 'connected').length === 2);
    expect(events.map((e) => e.type)).toEqual(['connected', 'disconnected', 'connected']);
    expect(conn.generation).not.toBe(first);
    await conn.write(Uint8Array.of(1, 2, 3));
    await until(() => server.bytes(1).length === 3);
  });

  it('never writes a job that began on a lost connection onto the new one', async () => {
    const server = await startServer();
    cleanup.push(server.close);
    const { conn, events } = connect(server.port);
    await connected(conn);
    const old = conn.generation!;
    server.sockets[0]!.destroy();
    await until(() => events.some((e) => e.type === 'connected' && e.generation !== old));
    const error = await conn.write(Uint8Array.of(1), { generation: old }).catch((e: unknown) => e);
    expect(TillkitError.hasCode(error, 'DEVICE_ERROR')).toBe(true);
    expect(server.bytes(1).length).toBe(0);
  });

  it('backs off with full jitter when nothing listens, without crashing', async () => {
    const port = await closedPort();
    const delays: number[] = [];
    // a scheduler that records reconnect delays and runs them at once
    const scheduler: Scheduler = {
      schedule(ms, fn) {
        if (ms !== 700) delays.push(ms);
        const h = setTimeout(fn, ms === 700 ? ms : 0);
        return () => clearTimeout(h);
      },
    };
    const { conn, events } = connect(port, {
      random: () => 0.5,
      scheduler,
      connectTimeoutMs: 700,
      backoff: { baseMs: 100, maxMs: 1000 },
    });
    await until(() => events.length >= 6);
    expect(conn.state).not.toBe('connected');
    expect(delays.slice(0, 6)).toEqual([50, 100, 200, 400, 500, 500]);
    const failed = events.filter((e) => e.type === 'connect-failed');
    expect(failed.length).toBe(events.length);
    expect(failed[0]!.error.message).toMatch(/ECONNREFUSED.*is the printer on/);
  });

  it('times out a connect whose handshake gets no answer, then retries', async () => {
    const server = await startServer(); // accepts, never answers
    cleanup.push(server.close);
    const { conn, events } = connect(server.port, {
      connectTimeoutMs: 150,
      handshake: (generation) =>
        new Promise<void>(() => {
          void generation;
        }),
    });
    await until(() => events.filter((e) => e.type === 'connect-failed').length >= 2, 3000);
    const e = events[0]!;
    expect(e.type === 'connect-failed' && e.error.message).toMatch(/did not answer within 150 ms/);
    expect(conn.state).not.toBe('connected');
    expect(server.sockets.length).toBeGreaterThanOrEqual(2);
  });

  it('keeps one write whole: concurrent writes never interleave', async () => {
    const server = await startServer();
    cleanup.push(server.close);
    const { conn } = connect(server.port, { chunkBytes: 1000 });
    await connected(conn);
    const a = new Uint8Array(50_000).fill(0x41);
    const b = new Uint8Array(50_000).fill(0x42);
    await Promise.all([conn.write(a), conn.write(b)]);
    await until(() => server.bytes(0).length === 100_000);
    const got = server.bytes(0);
    expect(got.subarray(0, 50_000).every((x) => x === 0x41)).toBe(true);
    expect(got.subarray(50_000).every((x) => x === 0x42)).toBe(true);
  });

  it('fails a write that stalls (device stopped reading), resets the connection and reconnects', async () => {
    const server = await startServer((s) => s.pause());
    cleanup.push(server.close);
    const { conn, events } = connect(server.port, { writeTimeoutMs: 200 });
    await connected(conn);
    const started = Date.now();
    const error = await conn.write(new Uint8Array(64 * 1024 * 1024)).catch((e: unknown) => e);
    expect(TillkitError.hasCode(error, 'DEVICE_ERROR')).toBe(true);
    expect((error as Error).message).toMatch(/stopped accepting data for 200 ms/);
    expect(Date.now() - started).toBeLessThan(5000);
    await until(() => events.filter((e) => e.type === 'connected').length === 2);
  });

  it('does not time out a slow write while the device says it is paused', async () => {
    let paused = true;
    const server = await startServer((s) => s.pause());
    cleanup.push(server.close);
    const { conn } = connect(server.port, { writeTimeoutMs: 100 });
    await connected(conn);
    const write = conn.write(new Uint8Array(32 * 1024 * 1024), { held: () => paused });
    // four write timeouts long, the device paused: the write must still be waiting, not failed
    const outcome = await Promise.race([
      write.then(
        () => 'resolved',
        (e: unknown) => `rejected: ${String(e)}`,
      ),
      new Promise((r) => setTimeout(() => r('waiting'), 400)),
    ]);
    expect(outcome).toBe('waiting');
    // the device takes data again (it stays marked busy until the data is in, so a loaded test
    // machine's scheduling pauses cannot count against the 100 ms timeout)
    server.sockets[0]!.resume();
    await expect(write).resolves.toBeUndefined();
    paused = false;
  });

  it('stops reconnecting once closed', async () => {
    const port = await closedPort();
    const { conn, events } = connect(port);
    await until(() => events.length >= 1);
    await conn.close();
    const n = events.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(events.length).toBe(n);
    expect(events.at(-1)!.type).toBe('closed');
    await expect(conn.write(Uint8Array.of(1))).rejects.toThrow(/closed/);
  });

  it('reports each connect exactly once to late subscribers via state$', async () => {
    const server = await startServer();
    cleanup.push(server.close);
    const { conn } = connect(server.port);
    await connected(conn);
    const states = await firstValueFrom(conn.state$.pipe(take(1), toArray()));
    expect(states).toEqual(['connected']);
  });
});
