import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EscPosRealtimeScanner } from './escpos-realtime';

const scanAll = (chunks: readonly Uint8Array[]): string[] => {
  const scanner = new EscPosRealtimeScanner();
  return chunks.flatMap((chunk) => scanner.scan(chunk).map((c) => Buffer.from(c.bytes).toString('hex')));
};

describe('EscPosRealtimeScanner', () => {
  it('finds DLE EOT, DLE DC4 and DLE ENQ among other bytes, wherever they are', () => {
    const stream = Uint8Array.of(
      0x41,
      0x10,
      0x04,
      0x01,
      0x1d,
      0x76,
      0x10,
      0x04,
      0x04,
      0x10,
      0x14,
      0x01,
      0x00,
      0x02,
      0x10,
      0x05,
      0x02,
    );
    expect(scanAll([stream])).toEqual(['100401', '100404', '1014010002', '100502']);
  });

  it('skips what is not a real-time command and resynchronises on the next DLE', () => {
    expect(scanAll([Uint8Array.of(0x10, 0x04, 0x10, 0x04, 0x02, 0x10, 0x14, 0x08, 0x01, 0x10, 0x04, 0x03)])).toEqual([
      '100402',
      '100403',
    ]);
  });

  it('reports where each command ends in the chunk (to clear buffers up to DLE DC4 8)', () => {
    const scanner = new EscPosRealtimeScanner();
    const found = scanner.scan(Uint8Array.of(0x41, 0x10, 0x14, 0x08, 0x01, 0x03, 0x14, 0x01, 0x06, 0x02, 0x08, 0x42));
    expect(found.map((c) => c.end)).toEqual([11]);
  });

  it('finds the same commands however the bytes are split (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom(0x10, 0x04, 0x14, 0x01, 0x02, 0x08), fc.integer({ min: 0, max: 255 })), {
          maxLength: 200,
        }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (values, cuts) => {
          const stream = Uint8Array.from(values);
          const points = [...new Set(cuts.map((c) => (stream.length ? c % stream.length : 0)))].sort((a, b) => a - b);
          const chunks: Uint8Array[] = [];
          let from = 0;
          for (const p of points) {
            chunks.push(stream.subarray(from, p));
            from = p;
          }
          chunks.push(stream.subarray(from));
          expect(scanAll(chunks)).toEqual(scanAll([stream]));
        },
      ),
      { numRuns: 300 },
    );
  });
});
