import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytes } from '../test-support';
import { EscPosCommandParser, code128Text, type EmulatedCommand, type ParsedCommand } from './escpos-command-parser';

function parse(stream: Uint8Array, splits: readonly number[] = []): ParsedCommand[] {
  const parser = new EscPosCommandParser();
  const out: ParsedCommand[] = [];
  let from = 0;
  for (const at of [...splits].sort((a, b) => a - b)) {
    out.push(...parser.feed(stream.subarray(from, at)));
    from = at;
  }
  out.push(...parser.feed(stream.subarray(from)));
  return out;
}

/** The log as the emulator keeps it: TEXT runs split across feeds merged back together. */
function merged(commands: readonly ParsedCommand[]): EmulatedCommand[] {
  const log: EmulatedCommand[] = [];
  for (const c of commands) {
    const last = log[log.length - 1];
    if (c.continuesText && last?.name === 'TEXT') {
      log[log.length - 1] = { name: 'TEXT', bytes: bytes(last.bytes, c.bytes) };
    } else {
      log.push({
        name: c.name,
        bytes: c.bytes,
        ...(c.params ? { params: c.params } : {}),
        ...(c.error ? { error: c.error } : {}),
      });
    }
  }
  return log;
}

const ESC = 0x1b;
const GS = 0x1d;
const FS = 0x1c;
const DLE = 0x10;

const raster = (bytesPerRow: number, rows: number): Uint8Array =>
  bytes(GS, 0x76, 0x30, 0, bytesPerRow, 0, rows, 0, new Uint8Array(bytesPerRow * rows).fill(0x5a));
const qrStore = (data: string): Uint8Array =>
  bytes(GS, 0x28, 0x6b, (data.length + 3) & 0xff, (data.length + 3) >> 8, 49, 80, 48, data);

/** [bytes, name, params that must be present] */
const GOLDEN: readonly [Uint8Array, string, Record<string, number | string>][] = [
  [bytes(ESC, 0x40), 'ESC @', {}],
  [bytes(ESC, 0x21, 0x38), 'ESC !', { n: 0x38, bold: 1, doubleHeight: 1, doubleWidth: 1, font: 'A' }],
  [bytes(ESC, 0x45, 1), 'ESC E', { bold: 1 }],
  [bytes(ESC, 0x2d, 2), 'ESC -', { underline: 2 }],
  [bytes(ESC, 0x61, 1), 'ESC a', { align: 'center' }],
  [bytes(ESC, 0x61, 50), 'ESC a', { align: 'right' }],
  [bytes(ESC, 0x64, 4), 'ESC d', { n: 4 }],
  [bytes(ESC, 0x4a, 24), 'ESC J', { n: 24 }],
  [bytes(ESC, 0x74, 19), 'ESC t', { n: 19 }],
  [bytes(ESC, 0x52, 3), 'ESC R', { n: 3 }],
  [bytes(ESC, 0x4d, 1), 'ESC M', { font: 'B' }],
  [bytes(ESC, 0x70, 0, 0x19, 0xfa), 'ESC p', { m: 0, t1: 25, t2: 250, pin: 2, onMs: 50, offMs: 500 }],
  [bytes(ESC, 0x70, 49, 0x19, 0xfa), 'ESC p', { pin: 5 }],
  [bytes(ESC, 0x32), 'ESC 2', {}],
  [bytes(ESC, 0x33, 30), 'ESC 3', { n: 30 }],
  [bytes(ESC, 0x20, 2), 'ESC SP', { n: 2 }],
  [bytes(ESC, 0x7b, 1), 'ESC {', { n: 1 }],
  [bytes(ESC, 0x24, 0x10, 0x01), 'ESC $', { n: 272 }],
  [bytes(ESC, 0x44, 8, 16, 24, 0), 'ESC D', { tabs: '8,16,24' }],
  [bytes(ESC, 0x2a, 33, 2, 0, [1, 2, 3, 4, 5, 6]), 'ESC *', { m: 33, width: 2, rows: 24 }],
  [bytes(ESC, 0x28, 0x41, 4, 0, 48, 55, 3, 15), 'ESC ( A', {}],
  [bytes(GS, 0x21, 0x11), 'GS !', { width: 2, height: 2 }],
  [bytes(GS, 0x42, 1), 'GS B', { n: 1 }],
  [bytes(GS, 0x56, 0), 'GS V', { m: 0, mode: 'full' }],
  [bytes(GS, 0x56, 49), 'GS V', { m: 49, mode: 'partial' }],
  [bytes(GS, 0x56, 66, 3), 'GS V', { m: 66, n: 3, mode: 'partial' }],
  [raster(2, 3), 'GS v 0', { m: 0, bytesPerRow: 2, width: 16, height: 3 }],
  [bytes(GS, 0x6b, 2, '4006381333931', 0), 'GS k', { m: 2, type: 'EAN13', data: '4006381333931' }],
  [bytes(GS, 0x6b, 73, 8, '{B', 'ABC', '{C', 12), 'GS k', { m: 73, type: 'CODE128', data: 'ABC12' }],
  [bytes(GS, 0x6b, 69, 4, 'T-42'), 'GS k', { type: 'CODE39', data: 'T-42' }],
  [bytes(GS, 0x68, 80), 'GS h', { n: 80 }],
  [bytes(GS, 0x77, 3), 'GS w', { n: 3 }],
  [bytes(GS, 0x48, 2), 'GS H', { n: 2 }],
  [bytes(GS, 0x66, 1), 'GS f', { n: 1 }],
  [bytes(GS, 0x28, 0x6b, 4, 0, 49, 65, 50, 0), 'GS ( k', { cn: 49, fn: 65, symbol: 'QR' }],
  [bytes(GS, 0x28, 0x6b, 3, 0, 49, 67, 6), 'GS ( k', { fn: 67, value: 6 }],
  [qrStore('https://till.example/r/42'), 'GS ( k', { fn: 80, data: 'https://till.example/r/42' }],
  [bytes(GS, 0x28, 0x6b, 3, 0, 49, 81, 48), 'GS ( k', { fn: 81, symbol: 'QR' }],
  [bytes(GS, 0x28, 0x48, 6, 0, 48, 48, 'J001'), 'GS ( H', { fn: 48, m: 48, id: 'J001' }],
  [bytes(GS, 0x28, 0x4c, 11, 0, 48, 112, 48, 1, 1, 49, 8, 0, 1, 0, 0xff), 'GS ( L', { m: 48, fn: 112, width: 8, height: 1 }],
  [bytes(GS, 0x28, 0x4c, 2, 0, 48, 50), 'GS ( L', { fn: 50 }],
  [bytes(GS, 0x38, 0x4c, 11, 0, 0, 0, 48, 112, 48, 1, 1, 49, 8, 0, 1, 0, 0xff), 'GS 8 L', { fn: 112, width: 8 }],
  [bytes(GS, 0x61, 0xff), 'GS a', { n: 255 }],
  [bytes(GS, 0x72, 1), 'GS r', { n: 1 }],
  [bytes(GS, 0x49, 67), 'GS I', { n: 67 }],
  [bytes(GS, 0x28, 0x44, 5, 0, 20, 1, 0, 2, 0), 'GS ( D', { fn: 20, m: 1, enable: 0 }],
  [bytes(DLE, 0x04, 1), 'DLE EOT', { n: 1 }],
  [bytes(DLE, 0x04, 4), 'DLE EOT', { n: 4 }],
  [bytes(DLE, 0x14, 1, 0, 1), 'DLE DC4', { fn: 1, m: 0, t: 1, pin: 2 }],
  [bytes(DLE, 0x14, 8, 1, 3, 20, 1, 6, 2, 8), 'DLE DC4', { fn: 8 }],
  [bytes(FS, 0x26), 'FS &', {}],
  [bytes(FS, 0x2e), 'FS .', {}],
  [bytes(FS, 0x43, 1), 'FS C', { n: 1 }],
  [bytes(0x0a), 'LF', {}],
  [bytes(0x0d), 'CR', {}],
  [bytes(0x09), 'HT', {}],
  [bytes('Total 12.50'), 'TEXT', {}],
];

describe('EscPosCommandParser', () => {
  it.each(GOLDEN.map(([b, name, params]) => ({ b, name, params, hex: Buffer.from(b).toString('hex') })))(
    '$name from $hex',
    ({ b, name, params }) => {
      const commands = parse(b);
      expect(commands.map((c) => c.name)).toEqual([name]);
      expect(commands[0]?.bytes).toEqual(b);
      expect(commands[0]?.error).toBeUndefined();
      expect(commands[0]?.params ?? {}).toMatchObject(params);
    },
  );

  it('takes exactly the parameter bytes, so text after a command stays text', () => {
    const names = parse(bytes(ESC, 0x61, 1, 'A', ESC, 0x70, 0, 0x19, 0xfa, 'B', GS, 0x56, 66, 0, 'C')).map((c) => [
      c.name,
      Buffer.from(c.bytes).toString('latin1'),
    ]);
    expect(names).toEqual([
      ['ESC a', '\x1ba\x01'],
      ['TEXT', 'A'],
      ['ESC p', '\x1bp\x00\x19\xfa'],
      ['TEXT', 'B'],
      ['GS V', '\x1dVB\x00'],
      ['TEXT', 'C'],
    ]);
  });

  it('logs an unknown ESC/GS/FS sequence as UNKNOWN and resumes one byte later', () => {
    const commands = merged(parse(bytes(ESC, 0x5a, 'ok', GS, 0x01, 0x0a, FS, 0x7e, DLE, 0x30, 0x02)));
    expect(commands.map((c) => c.name)).toEqual([
      'UNKNOWN',
      'TEXT',
      'UNKNOWN',
      'UNKNOWN',
      'LF',
      'UNKNOWN',
      'TEXT',
      'UNKNOWN',
      'TEXT',
      'UNKNOWN',
    ]);
    expect(commands[0]).toMatchObject({ bytes: bytes(ESC), params: { byte: ESC, next: 0x5a } });
    expect(Buffer.from(commands[1]?.bytes ?? []).toString()).toBe('Zok');
  });

  it('flags the node-thermal-printer drawer kick without timing bytes; the stray byte that follows is UNKNOWN', () => {
    // openCashDrawer() sends ESC p 0 then ESC p 1, each without t1 t2
    const commands = parse(bytes(ESC, 0x70, 0, ESC, 0x70, 1));
    expect(commands.map((c) => c.name)).toEqual(['ESC p', 'UNKNOWN']);
    expect(commands[0]?.error).toMatch(/without its two timing bytes/);
    expect(commands[1]?.bytes).toEqual(bytes(1));
  });

  it('flags a kick with an invalid pin or a zero pulse', () => {
    expect(parse(bytes(ESC, 0x70, 2, 0x19, 0xfa))[0]?.error).toMatch(/m must be 0, 1, 48 or 49/);
    expect(parse(bytes(ESC, 0x70, 0, 0, 0xfa))[0]?.error).toMatch(/zero-length pulse/);
    expect(parse(bytes(DLE, 0x14, 1, 0, 9))[0]?.error).toMatch(/t must be 1-8/);
  });

  it('ends a form A barcode at the first byte that cannot be barcode data and parses that byte again', () => {
    const commands = parse(bytes(GS, 0x6b, 4, 'ABC', 0x0a, 'x'));
    expect(commands.map((c) => c.name)).toEqual(['GS k', 'LF', 'TEXT']);
    expect(commands[0]?.error).toMatch(/must end with NUL/);
  });

  it('treats a malformed DLE sequence as not a command, like the real-time receive path', () => {
    const commands = parse(bytes(DLE, 0x04, DLE, 0x04, 2));
    expect(commands.map((c) => c.name)).toEqual(['UNKNOWN', 'UNKNOWN', 'DLE EOT']);
  });

  it('reports the rows of a raster image received so far', () => {
    const parser = new EscPosCommandParser();
    const image = raster(4, 10);
    expect(parser.feed(image.subarray(0, 8 + 4 * 3 + 1))).toEqual([]);
    expect(parser.partialRaster()).toMatchObject({ bytesPerRow: 4, rows: 10, rowsReceived: 3 });
    const [done] = parser.feed(image.subarray(8 + 4 * 3 + 1));
    expect(done?.name).toBe('GS v 0');
    expect(parser.partialRaster()).toBeUndefined();
  });

  it('prints CODE128 data as the human-readable text', () => {
    expect(code128Text(bytes('{A', 'AB', '{C', 1, 23, '{B', 'x{{'))).toBe('AB0123x{');
  });

  it('gives the same commands however the stream is split (property)', () => {
    const command = fc.constantFrom(...GOLDEN.map(([b]) => b), raster(8, 40), bytes(ESC, 0x70, 0, ESC, 0x70, 1));
    const text = fc.string({ minLength: 1, maxLength: 20 }).map((s) => bytes(s.replace(/[^\x20-\x7e]/g, '.')));
    fc.assert(
      fc.property(
        fc.array(fc.oneof(command, text, fc.uint8Array({ maxLength: 12 })), { maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (parts, cuts) => {
          const stream = bytes(...parts);
          const splits = cuts.map((c) => (stream.length === 0 ? 0 : c % stream.length));
          expect(merged(parse(stream, splits))).toEqual(merged(parse(stream)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws on random bytes and consumes them all (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (garbage) => {
        const parser = new EscPosCommandParser();
        const commands = parser.feed(garbage);
        const consumed = commands.reduce((sum, c) => sum + c.bytes.length, 0);
        expect(consumed + parser.pendingBytes).toBe(garbage.length);
      }),
      { numRuns: 500 },
    );
  });
});
