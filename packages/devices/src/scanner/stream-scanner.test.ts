import { TillkitError } from '@tillkit/core';
import { firstValueFrom, take, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { createStreamTransport } from '../stream-transport';
import { createSerialScannerSimulator } from '../testing/simulators/scanner-simulator';
import { createStreamPair } from '../testing/simulators/stream-pair';
import { GS } from './gs1';
import { createStreamScanner, type StreamScanner } from './stream-scanner';

const clock = { now: () => Date.UTC(2025, 5, 1, 12) };
let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanup.map((f) => f()));
  cleanup = [];
});

function track(scanner: StreamScanner, sim: { close(): Promise<void> }): void {
  cleanup.push(
    () => scanner.close(),
    () => sim.close(),
  );
}

describe('stream scanner', () => {
  it('reads CR-framed scans over a real TCP socket, split across reads', async () => {
    const sim = createSerialScannerSimulator({ suffix: 'CR' });
    const scanner = createStreamScanner({ transport: await sim.connectTcp(), clock, referenceYear: 2025 });
    track(scanner, sim);
    const scans = firstValueFrom(scanner.scans$.pipe(take(3), toArray()));
    await sim.scan('4006381333931', { aimId: ']E0', chunkSize: 3 });
    await sim.scan(`0109501101530003${GS}10LOT-7`, { aimId: ']C1', chunkSize: 1 });
    await sim.scan('plain data');
    const got = await scans;
    expect(got.map((s) => [s.data, s.symbology, s.aimId, s.source])).toEqual([
      ['4006381333931', 'ean-13', ']E0', 'serial'],
      [`0109501101530003${GS}10LOT-7`, 'gs1-128', ']C1', 'serial'],
      ['plain data', 'unknown', undefined, 'serial'],
    ]);
    expect(got[1]?.gs1?.byAi['10']?.value).toEqual({ type: 'text', text: 'LOT-7' });
    expect(got[0]?.at).toBe(clock.now());
  });

  it.each([
    ['LF', 'any'],
    ['CRLF', 'any'],
    ['CRLF', 'CRLF'],
    ['LF', 'LF'],
  ] as const)('frames %s suffixes when set to %s, without empty scans', async (sent, expected) => {
    const sim = createSerialScannerSimulator({ suffix: sent });
    const scanner = createStreamScanner({ transport: sim.connect(), suffix: expected });
    track(scanner, sim);
    const scans = firstValueFrom(scanner.scans$.pipe(take(2), toArray()));
    await sim.scan('A1', { chunkSize: 1 });
    await sim.scan('B2', { chunkSize: 2 });
    expect((await scans).map((s) => s.data)).toEqual(['A1', 'B2']);
  });

  it('keeps a CR inside the data when only CR LF ends a scan', async () => {
    const sim = createSerialScannerSimulator({ suffix: 'CRLF' });
    const scanner = createStreamScanner({ transport: sim.connect(), suffix: 'CRLF' });
    track(scanner, sim);
    const scan = firstValueFrom(scanner.scans$);
    await sim.scan('line1\rline2', { chunkSize: 1 });
    expect((await scan).data).toBe('line1\rline2');
  });

  it('drops input longer than maxLength up to the next suffix', async () => {
    const sim = createSerialScannerSimulator();
    const scanner = createStreamScanner({ transport: sim.connect(), maxLength: 8 });
    track(scanner, sim);
    const scan = firstValueFrom(scanner.scans$);
    await sim.scan('0123456789ABCDEF');
    await sim.scan('short');
    expect((await scan).data).toBe('short');
  });

  it('completes and reports disconnected when the scanner hangs up', async () => {
    const [host, device] = createStreamPair();
    const scanner = createStreamScanner({ transport: createStreamTransport(host, { name: 'scanner' }), id: 'lane-1-scanner' });
    const states: string[] = [];
    scanner.health$.subscribe((h) => states.push(h.state));
    const all = firstValueFrom(scanner.scans$.pipe(toArray()));
    device.end('12345678\r');
    expect((await all).map((s) => s.data)).toEqual(['12345678']);
    expect(states).toEqual(['online', 'disconnected']);
    await scanner.close();
  });

  it('fails scans$ with a DeviceError when the connection fails', async () => {
    const [host] = createStreamPair();
    const scanner = createStreamScanner({ transport: createStreamTransport(host) });
    const outcome = firstValueFrom(scanner.scans$).catch((e: unknown) => e);
    host.destroy(new Error('serial adapter unplugged'));
    const error = await outcome;
    expect(TillkitError.hasCode(error, 'DEVICE_ERROR')).toBe(true);
    expect((error as Error).message).toMatch(/serial adapter unplugged/);
    await scanner.close();
  });

  it('rejects bad options with a ValidationError', () => {
    expect(() => createStreamScanner({ transport: {} as never })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    const [host] = createStreamPair();
    const transport = createStreamTransport(host);
    expect(() => createStreamScanner({ transport, suffix: 'NUL' as 'CR' })).toThrow(/suffix/);
    void transport.close();
  });
});
