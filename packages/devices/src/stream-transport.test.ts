import { TillkitError } from '@tillkit/core';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { createStreamTransport } from './stream-transport';
import { createSocketPair, createStreamPair, type SocketPair } from './testing/simulators/stream-pair';

let pairs: SocketPair[] = [];
afterEach(async () => {
  await Promise.all(pairs.map((p) => p.close()));
  pairs = [];
});

async function sockets(): Promise<SocketPair> {
  const pair = await createSocketPair();
  pairs.push(pair);
  return pair;
}

const settled = async <T>(p: Promise<T>): Promise<boolean> => {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  return done;
};

describe('stream transport', () => {
  it('carries bytes both ways over a real TCP socket', async () => {
    const { host, device } = await sockets();
    const transport = createStreamTransport(host, { name: 'scale' });
    const received = new Promise<Buffer>((resolve) => device.once('data', resolve));
    await transport.write(Uint8Array.of(0x57, 0x0d));
    expect([...(await received)]).toEqual([0x57, 0x0d]);
    const reply = firstValueFrom(transport.data$);
    device.write(Buffer.from([0x02, 0x31, 0x0d]));
    expect([...(await reply)]).toEqual([0x02, 0x31, 0x0d]);
  });

  it('resolves a write only once the stream has taken it (backpressure)', async () => {
    const { host, device } = await sockets();
    const transport = createStreamTransport(host);
    device.pause();
    const big = new Uint8Array(24 * 1024 * 1024);
    const write = transport.write(big);
    expect(await settled(write)).toBe(false);
    let got = 0;
    device.on('data', (chunk: Buffer) => (got += chunk.length));
    device.resume();
    await write;
    expect(got).toBeGreaterThan(0);
  });

  it('completes data$ when the device hangs up, and refuses writes after close', async () => {
    const { host, device } = await sockets();
    const transport = createStreamTransport(host);
    const all = lastValueFrom(transport.data$.pipe(toArray()));
    device.end(Buffer.from('bye'));
    expect(Buffer.concat(await all).toString()).toBe('bye');
    await transport.close();
    await transport.close();
    expect(transport.closed).toBe(true);
    const error = await transport.write(Uint8Array.of(1)).catch((e: unknown) => e);
    expect(TillkitError.hasCode(error, 'DEVICE_ERROR')).toBe(true);
    expect((error as Error).message).toMatch(/closed: reconnect/);
  });

  it('close() flushes pending bytes before ending the stream', async () => {
    const [host, device] = createStreamPair();
    const transport = createStreamTransport(host);
    const chunks: Buffer[] = [];
    device.on('data', (c: Buffer) => chunks.push(c));
    const ended = new Promise((resolve) => device.once('end', resolve));
    void transport.write(Uint8Array.of(1, 2, 3));
    await transport.close();
    await ended;
    expect([...Buffer.concat(chunks)]).toEqual([1, 2, 3]);
  });

  it('fails data$ with a DeviceError when the stream fails', async () => {
    const [host] = createStreamPair();
    const transport = createStreamTransport(host, { name: 'customer display' });
    const outcome = firstValueFrom(transport.data$).catch((e: unknown) => e);
    host.destroy(new Error('EPIPE'));
    const error = await outcome;
    expect(TillkitError.hasCode(error, 'DEVICE_ERROR')).toBe(true);
    expect((error as Error).message).toMatch(/customer display failed: EPIPE/);
  });

  it('validates its inputs', async () => {
    expect(() => createStreamTransport({} as never)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    const [host] = createStreamPair();
    const transport = createStreamTransport(host);
    const error = await transport.write('W' as unknown as Uint8Array).catch((e: unknown) => e);
    expect(TillkitError.hasCode(error, 'VALIDATION_FAILED')).toBe(true);
    await transport.close();
  });
});
