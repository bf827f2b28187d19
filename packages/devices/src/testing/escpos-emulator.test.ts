import { connect, type Socket } from 'node:net';
import { TillkitError } from '@tillkit/core';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { afterEach, describe, expect, it } from 'vitest';
import { bytes, type BytePart as Part } from '../test-support';
import { PRINTER_PROFILES } from '../profiles';
import { EscPosCommandParser } from './escpos-command-parser';
import { startEscPosEmulator, type EscPosEmulator, type EscPosEmulatorOptions } from './escpos-emulator';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const ESC = 0x1b;
const GS = 0x1d;
const FS = 0x1c;
const DLE = 0x10;
const INIT = bytes(ESC, 0x40);
const ASB_ON = bytes(GS, 0x61, 0xff);
const DLE_EOT = (n: number): Uint8Array => bytes(DLE, 0x04, n);
const CUT = bytes(GS, 0x56, 0);
const PRINTED = (id: string): Uint8Array => bytes(GS, 0x28, 0x48, 6, 0, 0x30, 0x30, id);
const PRINTED_REPLY = (id: string): string => hex(bytes(0x37, 0x22, id, 0));
const KICK = bytes(ESC, 0x70, 0, 0x19, 0xfa);
const lines = (count: number, prefix = 'line'): string =>
  Array.from({ length: count }, (_, i) => `${prefix} ${String(i + 1).padStart(3, '0')}\n`).join('');

/** A host on a real socket: writes, and collects whatever the printer sends back. */
class Host {
  private readonly inbox: number[] = [];
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.inbox.push(...chunk));
    socket.on('error', () => {
      // resets are part of the scenarios (dropConnection, powerCycle)
    });
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static open(port: number): Promise<Host> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => resolve(new Host(socket)));
      socket.once('error', reject);
    });
  }

  write(...parts: Part[]): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(bytes(...parts), (error) => (error ? reject(error) : resolve())));
  }

  /** Wait for `count` bytes from the printer and take them. */
  async read(count: number, timeoutMs = 2000): Promise<Uint8Array> {
    const until = Date.now() + timeoutMs;
    while (this.inbox.length < count) {
      if (Date.now() > until) {
        throw new Error(
          `expected ${count} bytes from the printer, got ${this.inbox.length}: ${hex(Uint8Array.from(this.inbox))}`,
        );
      }
      await sleep(2);
    }
    return Uint8Array.from(this.inbox.splice(0, count));
  }

  /** Whatever arrives within `ms` (for asserting that nothing does). */
  async within(ms: number): Promise<Uint8Array> {
    await sleep(ms);
    return Uint8Array.from(this.inbox.splice(0));
  }

  discardInbox(): void {
    this.inbox.splice(0);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

const emulators: EscPosEmulator[] = [];
const hosts: Host[] = [];

async function emulator(options: EscPosEmulatorOptions = {}): Promise<EscPosEmulator> {
  const e = await startEscPosEmulator(options);
  emulators.push(e);
  return e;
}

async function host(e: EscPosEmulator): Promise<Host> {
  const h = await Host.open(e.port);
  hosts.push(h);
  return h;
}

afterEach(async () => {
  for (const h of hosts.splice(0)) h.destroy();
  await Promise.all(emulators.splice(0).map((e) => e.close()));
});

const printedLines = (e: EscPosEmulator): string[] =>
  e
    .text()
    .split('\n')
    .filter((l) => l !== '');

describe('EscPosEmulator: printing', () => {
  it('prints text and cuts into receipts, with styles in the command log only', async () => {
    const e = await emulator();
    const h = await host(e);
    await h.write(
      INIT,
      ESC,
      0x61,
      1,
      ESC,
      0x45,
      1,
      'Corner Shop\n',
      ESC,
      0x45,
      0,
      ESC,
      0x61,
      0,
      'Tea  2.50\n',
      ESC,
      0x64,
      3,
      CUT,
    );
    await h.write('Second\n', CUT, PRINTED('R002'));
    expect(hex(await h.read(7))).toBe(PRINTED_REPLY('R002'));
    expect(e.text()).toBe('Corner Shop\nTea  2.50\n\n\n\n--- cut ---\nSecond\n--- cut ---\n');
    expect(e.receipts()).toEqual(['Corner Shop\nTea  2.50', 'Second']);
    expect(e.commands.slice(0, 4)).toMatchObject([
      { name: 'ESC @' },
      { name: 'ESC a', params: { align: 'center' } },
      { name: 'ESC E', params: { bold: 1 } },
      { name: 'TEXT', params: { text: 'Corner Shop' } },
    ]);
    expect(e.connections).toBe(1);
  });

  it('renders raster images, barcodes, QR codes and graphics as marker lines', async () => {
    const e = await emulator();
    const h = await host(e);
    const qr = 'https://till.example/r/42';
    await h.write(
      bytes(GS, 0x76, 0x30, 0, 64, 0, 100, 0, new Uint8Array(64 * 100)),
      bytes(GS, 0x6b, 73, 8, '{B', 'ABC', '{C', 12),
      bytes(GS, 0x6b, 2, '4006381333931', 0),
      bytes(GS, 0x28, 0x6b, qr.length + 3, 0, 49, 80, 48, qr),
      bytes(GS, 0x28, 0x6b, 3, 0, 49, 81, 48),
      bytes(GS, 0x28, 0x4c, 11, 0, 48, 112, 48, 1, 1, 49, 8, 0, 1, 0, 0xff),
      bytes(GS, 0x28, 0x4c, 2, 0, 48, 50),
      PRINTED('IMG1'),
    );
    await h.read(7);
    expect(printedLines(e)).toEqual([
      '[image 512x100]',
      '[barcode CODE128: ABC12]',
      '[barcode EAN13: 4006381333931]',
      `[QR: ${qr}]`,
      '[image 8x1]',
    ]);
  });

  it('survives unknown and malformed sequences and keeps printing', async () => {
    const e = await emulator();
    const h = await host(e);
    await h.write(ESC, 0x5a, GS, 0x01, FS, 0x7e, 0x02, GS, 0x56, 7, 'still here\n', PRINTED('OK01'));
    expect(hex(await h.read(7))).toBe(PRINTED_REPLY('OK01'));
    expect(e.commands.filter((c) => c.name === 'UNKNOWN')).toHaveLength(5); // ESC Z, GS, 0x01, FS ~, 0x02
    expect(e.commands.find((c) => c.name === 'GS V')?.error).toMatch(/GS V m must be/);
    expect(printedLines(e)).toEqual(['Z~still here']); // skipped by one byte: the Z and ~ print
  });

  it('logs the same commands however TCP splits the stream (property, real sockets)', async () => {
    const pieces = [
      INIT,
      ASB_ON,
      bytes('Caf', 0x82, ' au lait 3.20\n'),
      bytes(ESC, 0x21, 0x30),
      bytes(GS, 0x21, 0x11),
      bytes(ESC, 0x74, 16),
      KICK,
      bytes(ESC, 0x70, 0, ESC, 0x70, 1),
      bytes(GS, 0x76, 0x30, 0, 2, 0, 3, 0, [1, 2, 3, 4, 5, 6]),
      bytes(GS, 0x6b, 69, 4, 'T-42'),
      bytes(GS, 0x28, 0x6b, 7, 0, 49, 80, 48, 'ABCD'),
      DLE_EOT(2),
      bytes(FS, 0x26),
      bytes(FS, 0x2e),
      CUT,
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        async (parts, cuts) => {
          const stream = bytes(...parts, PRINTED('DONE'));
          const points = [...new Set(cuts.map((c) => c % stream.length))].sort((a, b) => a - b);
          const e = await emulator({ printSpeedLinesPerSecond: 100_000 });
          const h = await host(e);
          let from = 0;
          for (const point of [...points, stream.length]) {
            await h.write(stream.subarray(from, point));
            const sent = point;
            await e.waitFor((x) => x.bytesReceived >= sent); // the emulator read exactly this split
            from = point;
          }
          await e.waitFor((x) => x.commands.at(-1)?.name === 'GS ( H');
          const expected: string[] = [];
          for (const c of new EscPosCommandParser().feed(stream)) {
            if (c.continuesText) expected[expected.length - 1] += hex(c.bytes);
            else expected.push(`${c.name}:${hex(c.bytes)}`);
          }
          expect(e.commands.map((c) => `${c.name}:${hex(c.bytes)}`)).toEqual(expected);
          h.destroy();
          await e.close();
        },
      ),
      { numRuns: 12 },
    );
  });
});

describe('EscPosEmulator: real-time status (DLE EOT)', () => {
  it('answers DLE EOT 1-4 per the reference table', async () => {
    // no drawer on the connector: pin 3 reads low, as in the reference examples
    const e = await emulator({ drawerConnected: false });
    const h = await host(e);
    const cases: [string, (x: EscPosEmulator) => void, number[]][] = [
      ['normal', () => undefined, [0x12, 0x12, 0x12, 0x12]],
      ['paper near end', (x) => x.setPaper('near-end'), [0x12, 0x12, 0x12, 0x1e]],
      ['paper out', (x) => x.setPaper('out'), [0x1a, 0x32, 0x12, 0x7e]],
      ['cover open', (x) => x.setCoverOpen(true), [0x1a, 0x16, 0x12, 0x12]],
      ['cutter error', (x) => x.setCutterError(true), [0x1a, 0x52, 0x1a, 0x12]],
      ['offline', (x) => x.setOffline(true), [0x1a, 0x12, 0x12, 0x12]],
    ];
    for (const [label, apply, expected] of cases) {
      apply(e);
      await h.write(DLE_EOT(1), DLE_EOT(2), DLE_EOT(3), DLE_EOT(4));
      expect([label, Array.from(await h.read(4))]).toEqual([label, expected]);
      e.setPaper('ok');
      e.setCoverOpen(false);
      e.setCutterError(false);
      e.setOffline(false);
    }
  });

  it('sets the drawer bit of DLE EOT 1 from the sensor per profile.drawer.openWhenHigh', async () => {
    for (const [profile, closed, open] of [
      [PRINTER_PROFILES['epson-tm-t88vi'], 0x16, 0x12], // pin 3 high when closed
      [PRINTER_PROFILES['star-tsp143iv'], 0x12, 0x16], // pin 3 high when open
    ] as const) {
      const e = await emulator({ profile });
      const h = await host(e);
      await h.write(DLE_EOT(1));
      expect(await h.read(1)).toEqual(Uint8Array.of(closed));
      e.setDrawerOpen(true);
      await h.write(DLE_EOT(1));
      expect(await h.read(1)).toEqual(Uint8Array.of(open));
    }
  });

  it('answers at once while the print engine is stopped with data waiting, and after split bytes', async () => {
    const e = await emulator();
    const h = await host(e);
    e.setOffline(true);
    await h.write(lines(20), DLE, 0x04);
    await h.write(4);
    expect(await h.read(1)).toEqual(Uint8Array.of(0x12));
    expect(e.text()).toBe('');
    expect(e.state().buffered).toBeGreaterThan(0);
    e.setOffline(false);
    await e.waitFor((x) => printedLines(x).length === 20);
  });
});

describe('EscPosEmulator: automatic status back (GS a)', () => {
  it('sends the status when enabled and again on every change', async () => {
    const e = await emulator({ drawerConnected: false });
    const h = await host(e);
    await h.write(ASB_ON);
    const next = async (): Promise<string> => hex(await h.read(4));
    expect(await next()).toBe('10000000');
    e.setPaper('near-end');
    expect(await next()).toBe('10000300');
    e.setPaper('out');
    expect(await next()).toBe('18000f00');
    e.setPaper('ok');
    expect(await next()).toBe('10000000');
    e.setCoverOpen(true);
    expect(await next()).toBe('38000000');
    e.setCoverOpen(false);
    expect(await next()).toBe('10000000');
    e.setCutterError(true);
    expect(await next()).toBe('18080000');
    e.setCutterError(false);
    expect(await next()).toBe('10000000');
    e.setOffline(true);
    expect(await next()).toBe('18000000');
    e.setOffline(false);
    expect(await next()).toBe('10000000');
    e.setPaper('ok'); // no change, nothing sent
    expect(await h.within(30)).toEqual(new Uint8Array());
    expect(e.state().asb).toBe(true);
  });

  it('reports the drawer: a kick opens it, the test closes it', async () => {
    const e = await emulator();
    const h = await host(e);
    await h.write(ASB_ON);
    expect(hex(await h.read(4))).toBe('14000000'); // closed: pin 3 high on this Epson profile
    await h.write(KICK);
    expect(hex(await h.read(4))).toBe('10000000');
    expect(e.state().drawerOpen).toBe(true);
    e.setDrawerOpen(false);
    expect(hex(await h.read(4))).toBe('14000000');
  });

  it('only sends the status groups enabled in n', async () => {
    const e = await emulator({ drawerConnected: false });
    const h = await host(e);
    await h.write(GS, 0x61, 0x08); // roll paper sensor only
    expect(hex(await h.read(4))).toBe('10000000');
    e.setCoverOpen(true);
    e.setCoverOpen(false);
    expect(await h.within(30)).toEqual(new Uint8Array());
    e.setPaper('near-end');
    expect(hex(await h.read(4))).toBe('10000300');
  });

  it('is switched off by ESC @', async () => {
    const e = await emulator();
    const h = await host(e);
    await h.write(ASB_ON);
    await h.read(4);
    await h.write(INIT);
    await e.waitFor((x) => !x.state().asb);
    e.setPaper('near-end');
    expect(await h.within(50)).toEqual(new Uint8Array());
  });

  it('is off after a power cycle and after the connection that enabled it closes', async () => {
    const e = await emulator({ powerCycleMs: 20 });
    const first = await host(e);
    await first.write(ASB_ON);
    await first.read(4);
    await e.powerCycle();
    expect(e.state().asb).toBe(false);
    const second = await host(e);
    e.setPaper('near-end');
    expect(await second.within(50)).toEqual(new Uint8Array());

    await second.write(ASB_ON);
    await second.read(4);
    second.destroy();
    await e.waitFor((x) => !x.state().asb);
  });

  it('is ignored by a model without ASB', async () => {
    const e = await emulator({ profile: PRINTER_PROFILES['generic-58mm'] });
    const h = await host(e);
    await h.write(ASB_ON, PRINTED('NONE'), bytes(GS, 0x72, 1));
    expect(await h.read(1)).toEqual(Uint8Array.of(0x00)); // GS r 1 only: no ASB, no GS ( H on this model
    expect(await h.within(30)).toEqual(new Uint8Array());
  });
});

describe('EscPosEmulator: completion replies', () => {
  it('answers GS r only after the data before it has been processed', async () => {
    const e = await emulator({ printSpeedLinesPerSecond: 200 });
    const h = await host(e);
    await h.write(lines(30), GS, 0x72, 1);
    expect(await h.read(1)).toEqual(Uint8Array.of(0x00));
    expect(printedLines(e)).toHaveLength(30);
    e.setPaper('near-end');
    await h.write(GS, 0x72, 49, GS, 0x72, 2);
    expect(Array.from(await h.read(2))).toEqual([0x03, 0x01]);
  });

  it('answers GS ( H only once everything before it has printed', async () => {
    const e = await emulator({ printSpeedLinesPerSecond: 200 });
    const h = await host(e);
    await h.write(lines(30), CUT, PRINTED('J001'));
    expect(hex(await h.read(7))).toBe(PRINTED_REPLY('J001'));
    expect(e.receipts()).toEqual([lines(30).trimEnd()]);
  });

  it('holds the GS ( H reply while paper is out and sends it once paper is loaded', async () => {
    const e = await emulator();
    const h = await host(e);
    e.setPaper('out');
    await h.write(lines(5), PRINTED('J002'));
    expect(await h.within(150)).toEqual(new Uint8Array());
    expect(e.text()).toBe('');
    e.setPaper('ok');
    expect(hex(await h.read(7))).toBe(PRINTED_REPLY('J002'));
    expect(printedLines(e)).toHaveLength(5);
  });

  it('identifies the printer (GS I)', async () => {
    const e = await emulator();
    const h = await host(e);
    await h.write(GS, 0x49, 1, GS, 0x49, 67, GS, 0x49, 66);
    expect(await h.read(1)).toEqual(Uint8Array.of(0x20));
    expect(await h.read(10)).toEqual(bytes(0x5f, 'TM-T88VI', 0));
    expect(await h.read(7)).toEqual(bytes(0x5f, 'EPSON', 0));
  });
});

describe('EscPosEmulator: stops, buffers and backpressure', () => {
  it('stops when paper runs out mid-job and completes after reload with nothing lost or doubled', async () => {
    const e = await emulator({ printSpeedLinesPerSecond: 300 });
    const h = await host(e);
    await h.write(lines(100), PRINTED('J100'));
    await e.waitFor((x) => printedLines(x).length >= 10);
    e.setPaper('out');
    const atStop = printedLines(e).length;
    expect(atStop).toBeLessThan(100);
    expect(await h.within(100)).toEqual(new Uint8Array());
    expect(printedLines(e)).toHaveLength(atStop);
    e.setPaper('ok');
    expect(hex(await h.read(7))).toBe(PRINTED_REPLY('J100'));
    expect(e.text()).toBe(lines(100));
  });

  it('stops for an open cover, a cutter error or offline, and resumes by itself; near end keeps printing', async () => {
    const e = await emulator();
    const h = await host(e);
    const stops: [(on: boolean) => void, string][] = [
      [(on) => e.setCoverOpen(on), 'cover'],
      [(on) => e.setCutterError(on), 'cutter'],
      [(on) => e.setOffline(on), 'offline'],
    ];
    for (const [set, label] of stops) {
      set(true);
      await h.write(`${label}\n`);
      await e.waitFor((x) => x.bytesReceived > 0 && x.state().buffered > 0);
      expect(await h.within(30)).toEqual(new Uint8Array());
      expect(e.text()).not.toContain(label);
      set(false);
      await e.waitFor((x) => x.text().includes(`${label}\n`));
    }
    e.setPaper('near-end');
    await h.write('near end\n');
    await e.waitFor((x) => x.text().includes('near end\n'));
  });

  it('prints a 200 KB raster job through a 4 KB receive buffer, leaving the rest in TCP', async () => {
    const e = await emulator();
    const h = await host(e);
    const bands: Uint8Array[] = [];
    for (let rows = 3200; rows > 0; rows -= 255) {
      const height = Math.min(255, rows);
      bands.push(bytes(GS, 0x76, 0x30, 0, 64, 0, height, 0), new Uint8Array(64 * height).fill(0xaa));
    }
    const job = bytes(...bands, PRINTED('BIG1'));
    expect(job.length).toBeGreaterThan(200_000);
    let maxBuffered = 0;
    const sampler = setInterval(() => (maxBuffered = Math.max(maxBuffered, e.state().buffered)), 1);
    try {
      await h.write(job); // the kernel takes the bytes the emulator does not read
      expect(e.bytesReceived).toBeLessThan(job.length / 2);
      expect(hex(await h.read(7, 10_000))).toBe(PRINTED_REPLY('BIG1'));
    } finally {
      clearInterval(sampler);
    }
    expect(maxBuffered).toBeLessThanOrEqual(4096);
    expect(e.bytesReceived).toBe(job.length);
    expect(printedLines(e)).toEqual([...Array<string>(12).fill('[image 512x255]'), '[image 512x140]']);
  });

  it('reads a second connection only once the first has closed', async () => {
    const e = await emulator();
    const first = await host(e);
    await first.write('first\n');
    await e.waitFor((x) => x.text() === 'first\n');
    const second = await host(e);
    await second.write('second\n', DLE_EOT(4));
    await e.waitFor((x) => x.connections === 2);
    expect(await second.within(100)).toEqual(new Uint8Array()); // not read: not even real-time commands
    expect(e.text()).toBe('first\n');
    first.socket.end();
    await first.closed;
    expect(await second.read(1)).toEqual(Uint8Array.of(0x12));
    await e.waitFor((x) => x.text() === 'first\nsecond\n');
  });
});

describe('EscPosEmulator: connection loss and power', () => {
  it('dropConnection loses the bytes in flight; what was received still prints', async () => {
    const e = await emulator({ receiveBufferBytes: 64 });
    const h = await host(e);
    e.setPaper('out');
    await h.write(`${'A'.repeat(30)}\n`, 'B'.repeat(5000), '\n');
    await e.waitFor((x) => x.state().buffered === 64);
    e.dropConnection();
    await h.closed;
    e.setPaper('ok');
    await e.waitFor((x) => x.state().buffered === 0);
    expect(e.text()).toBe(`${'A'.repeat(30)}\n`); // 33 B's wait in the line buffer, the rest was lost
    const next = await host(e);
    await next.write(INIT, 'after\n');
    await e.waitFor((x) => x.text().endsWith('after\n'));
    expect(e.connections).toBe(2);
  });

  it('dropConnection({ discardBuffered: true }) also loses what was received and not printed', async () => {
    const e = await emulator();
    const h = await host(e);
    e.setPaper('out');
    await h.write('lost\n');
    await e.waitFor((x) => x.state().buffered === 5);
    e.dropConnection({ discardBuffered: true });
    await h.closed;
    e.setPaper('ok');
    expect(e.state().buffered).toBe(0);
    await sleep(30);
    expect(e.text()).toBe('');
  });

  it('powerCycle closes the port, loses unprinted data, resets settings and reopens on the same port', async () => {
    const e = await emulator({ powerCycleMs: 100 });
    const port = e.port;
    const h = await host(e);
    await h.write(ASB_ON, ESC, 0x74, 16, 0x80, '\n');
    await h.read(4);
    await e.waitFor((x) => x.text() === '€\n');
    e.setPaper('out');
    await h.write('unprinted\n');
    await e.waitFor((x) => x.state().buffered > 0);

    const cycling = e.powerCycle();
    await h.closed;
    await expect(Host.open(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await cycling;

    expect(e.port).toBe(port);
    expect(e.state()).toMatchObject({ asb: false, buffered: 0, paper: 'out' });
    e.setPaper('ok');
    const after = await host(e);
    await after.write(0x80, '\n', PRINTED('PWR1')); // code page back to 0 (cp437)
    expect(hex(await after.read(7))).toBe(PRINTED_REPLY('PWR1'));
    expect(e.text()).toBe('€\nÇ\n');
  });
});

describe('EscPosEmulator: character sets', () => {
  it.each([
    [0, 'cp437', 'Ç£ é'],
    [2, 'cp850', 'Øre ß'],
    [19, 'cp858', '€ 4,20'],
    [16, 'cp1252', '€ Šmoothie'],
  ])('ESC t %i prints %s', async (n, encoding, sample) => {
    const e = await emulator();
    const h = await host(e);
    await h.write(ESC, 0x74, n, iconv.encode(sample, encoding), '\n', PRINTED('CP01'));
    await h.read(7);
    expect(e.text()).toBe(`${sample}\n`);
  });

  it.each([
    ['epson-tm-t88vi-chinese', 'gb18030', '合计 ¥12.50 谢谢惠顾'],
    ['epson-tm-t88vi-traditional-chinese', 'big5', '合計 12.50 謝謝光臨'],
    ['epson-tm-t88vi-japanese', 'shift_jis', '合計 12.50 ありがとうございました'],
  ] as const)('Kanji mode on %s prints %s text', async (profileId, encoding, sample) => {
    const e = await emulator({ profile: PRINTER_PROFILES[profileId] });
    const h = await host(e);
    await h.write(FS, 0x43, 1, FS, 0x26, iconv.encode(sample, encoding), FS, 0x2e, ' ok\n', PRINTED('CJK1'));
    await h.read(7);
    expect(e.text()).toBe(`${sample} ok\n`);
    expect(e.commands.find((c) => c.name === 'TEXT')?.params).toEqual({ text: sample });
  });

  it('ignores Kanji mode on a model without a CJK font', async () => {
    const e = await emulator();
    const h = await host(e);
    await h.write(FS, 0x26, 0x82, 0xa0, '\n', PRINTED('CJK2'));
    await h.read(7);
    expect(e.text()).toBe('éá\n'); // cp437, not Shift-JIS
  });
});

describe('EscPosEmulator: cash drawer', () => {
  it('counts only well-formed kicks and opens the drawer on the profile pin', async () => {
    const e = await emulator();
    const h = await host(e);
    await h.write(ESC, 0x70, 0, ESC, 0x70, 1, PRINTED('K001')); // node-thermal-printer: no timing bytes
    await h.read(7);
    expect(e.drawerKicks).toBe(0);
    expect(e.state().drawerOpen).toBe(false);
    expect(e.commands.find((c) => c.name === 'ESC p')?.error).toMatch(/two timing bytes/);

    await h.write(ESC, 0x70, 1, 0x19, 0xfa, PRINTED('K002')); // pin 5: this drawer is on pin 2
    await h.read(7);
    expect(e.drawerKicks).toBe(1);
    expect(e.state().drawerOpen).toBe(false);

    await h.write(KICK, PRINTED('K003'));
    await h.read(7);
    expect(e.drawerKicks).toBe(2);
    expect(e.state().drawerOpen).toBe(true);
  });

  it('kicks in real time with DLE DC4 1 m t, even offline', async () => {
    const e = await emulator();
    const h = await host(e);
    e.setOffline(true);
    await h.write(DLE, 0x14, 1, 0, 9); // t out of range
    await h.write(DLE, 0x14, 1, 0, 2);
    await e.waitFor((x) => x.state().drawerOpen);
    expect(e.drawerKicks).toBe(1);
  });
});

describe('EscPosEmulator: robustness', () => {
  it('stays up, answers DLE EOT and logs something whatever bytes arrive (fuzz)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (garbage, cuts) => {
          const e = await emulator({ printSpeedLinesPerSecond: 1_000_000 });
          const h = await host(e);
          const points = [...new Set(cuts.map((c) => c % garbage.length))].sort((a, b) => a - b);
          let from = 0;
          for (const point of [...points, garbage.length]) {
            await h.write(garbage.subarray(from, point));
            from = point;
          }
          // resynchronise: NULs complete or break any real-time sequence the garbage left open
          await h.write(new Uint8Array(16));
          await e.waitFor((x) => x.bytesReceived === garbage.length + 16);
          await sleep(10);
          h.discardInbox();
          await h.write(DLE_EOT(4));
          const until = Date.now() + 2000;
          let answered = false;
          while (!answered && Date.now() < until) answered = (await h.read(1)).includes(0x12);
          expect(answered).toBe(true);
          await e.waitFor((x) => x.commands.length > 0);
          const again = await Host.open(e.port);
          again.destroy();
          h.destroy();
          await e.close();
        },
      ),
      { numRuns: 40 },
    );
  });

  it('rejects waitFor with the state when the condition never holds', async () => {
    const e = await emulator();
    e.setPaper('out');
    await expect(e.waitFor((x) => x.text().includes('never'), 30)).rejects.toThrow(
      /did not hold within 30 ms\. State: \{"paper":"out"/,
    );
  });

  it('validates its options', async () => {
    await expect(startEscPosEmulator({ receiveBufferBytes: 0 })).rejects.toSatisfy((error: unknown) =>
      TillkitError.hasCode(error, 'VALIDATION_FAILED'),
    );
    const e = await emulator();
    await expect(startEscPosEmulator({ port: e.port })).rejects.toThrow(/could not listen on 127\.0\.0\.1:\d+/);
  });
});
