import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StatusStreamParser, type InfoRequestKind, type PrinterReply, type RealtimeStatusKind } from './status-parser';

/** a reply as the printer sends it, with the question it answers (if any) */
type Sent =
  | { kind: 'asb'; bytes: [number, number, number, number] }
  | { kind: 'realtime'; n: RealtimeStatusKind; byte: number }
  | { kind: 'gs-r'; n: number; byte: number }
  | { kind: 'gs-i'; n: 1 | 2 | 3; byte: number }
  | { kind: 'info'; n: InfoRequestKind; text: string }
  | { kind: 'completion'; id: string }
  | { kind: 'xon' }
  | { kind: 'xoff' };

const flags = (bits: readonly number[]) => fc.subarray([...bits]).map((picked) => picked.reduce((a, b) => a | b, 0));
/** 0xx0xxxx */
const lowByte = fc.integer({ min: 0, max: 255 }).map((b) => b & 0x6f);
const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 });
const id4 = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  minLength: 4,
  maxLength: 4,
});

const sentArb: fc.Arbitrary<Sent> = fc.oneof(
  fc
    .tuple(flags([0x04, 0x08, 0x20, 0x40]), lowByte, lowByte, lowByte)
    .map(([b1, b2, b3, b4]) => ({ kind: 'asb' as const, bytes: [0x10 | b1, b2, b3, b4] as [number, number, number, number] })),
  fc
    .tuple(fc.constantFrom<RealtimeStatusKind>(1, 2, 3, 4), flags([0x04, 0x08, 0x20, 0x40]))
    .map(([n, f]) => ({ kind: 'realtime' as const, n, byte: 0x12 | f })),
  fc.tuple(fc.constantFrom(1, 2), lowByte).map(([n, byte]) => ({ kind: 'gs-r' as const, n, byte })),
  fc.tuple(fc.constantFrom<1 | 2 | 3>(1, 2, 3), lowByte).map(([n, byte]) => ({ kind: 'gs-i' as const, n, byte })),
  fc
    .tuple(fc.constantFrom<InfoRequestKind>(65, 66, 67, 68, 69), printable)
    .map(([n, text]) => ({ kind: 'info' as const, n, text })),
  id4.map((id) => ({ kind: 'completion' as const, id })),
  fc.constant({ kind: 'xon' as const }),
  fc.constant({ kind: 'xoff' as const }),
);

function bytesOf(s: Sent): number[] {
  switch (s.kind) {
    case 'asb':
      return s.bytes;
    case 'realtime':
    case 'gs-r':
    case 'gs-i':
      return [s.byte];
    case 'info':
      return [0x5f, ...[...s.text].map((c) => c.charCodeAt(0)), 0];
    case 'completion':
      return [0x37, 0x22, ...[...s.id].map((c) => c.charCodeAt(0)), 0];
    case 'xon':
      return [0x11];
    case 'xoff':
      return [0x13];
  }
}

function expected(s: Sent): object {
  switch (s.kind) {
    case 'asb':
      return { type: 'asb', bytes: s.bytes };
    case 'realtime':
      return { type: 'realtime-status', n: s.n, byte: s.byte };
    case 'gs-r':
      return { type: 'transmit-status', n: s.n, byte: s.byte };
    case 'gs-i':
      return { type: 'printer-id', n: s.n, byte: s.byte };
    case 'info':
      return { type: 'printer-info', n: s.n, text: s.text };
    case 'completion':
      return { type: 'print-completion', id: s.id };
    case 'xon':
    case 'xoff':
      return { type: s.kind };
  }
}

/** a parser that was asked, in order, the questions `sent` answers */
function parserFor(sent: readonly Sent[]): StatusStreamParser {
  const parser = new StatusStreamParser();
  for (const s of sent) {
    if (s.kind === 'realtime') parser.expectRealtime(s.n);
    else if (s.kind === 'gs-r') parser.expectTransmit({ command: 'gs-r', n: s.n });
    else if (s.kind === 'gs-i') parser.expectTransmit({ command: 'gs-i', n: s.n });
    else if (s.kind === 'info') parser.expectInfo(s.n);
  }
  return parser;
}

/** events without the request handles (which differ per parser) */
function plain(events: readonly PrinterReply[]): object[] {
  return events.map((e) => {
    const { request: _request, ...rest } = e as PrinterReply & { request?: unknown };
    return rest;
  });
}

function feed(parser: StatusStreamParser, bytes: Uint8Array, cuts: readonly number[]): PrinterReply[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: PrinterReply[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    out.push(...parser.push(bytes.subarray(from, p)));
    from = p;
  }
  return out;
}

describe('StatusStreamParser', () => {
  it('reads the reference examples', () => {
    const parser = new StatusStreamParser();
    parser.expectRealtime(1);
    parser.expectRealtime(2);
    parser.expectRealtime(4);
    const events = parser.push(Uint8Array.of(0x18, 0x00, 0x0f, 0x00, 0x1a, 0x32, 0x7e));
    expect(plain(events)).toEqual([
      { type: 'asb', bytes: [0x18, 0x00, 0x0f, 0x00] },
      { type: 'realtime-status', n: 1, byte: 0x1a },
      { type: 'realtime-status', n: 2, byte: 0x32 },
      { type: 'realtime-status', n: 4, byte: 0x7e },
    ]);
  });

  it('reads a print completion block split byte by byte', () => {
    const parser = new StatusStreamParser();
    const events = [0x37, 0x22, 0x41, 0x42, 0x43, 0x44, 0x00].flatMap((b) => parser.push(Uint8Array.of(b)));
    expect(events).toEqual([{ type: 'print-completion', id: 'ABCD' }]);
  });

  it('answers interleaved DLE EOT and GS r questions from their own queues', () => {
    const parser = new StatusStreamParser();
    parser.expectTransmit({ command: 'gs-r', n: 1 });
    parser.expectRealtime(4);
    // the DLE EOT answer overtakes the GS r answer (it is answered at once)
    expect(plain(parser.push(Uint8Array.of(0x1e, 0x03)))).toEqual([
      { type: 'realtime-status', n: 4, byte: 0x1e },
      { type: 'transmit-status', n: 1, byte: 0x03 },
    ]);
  });

  it('reports answers nobody asked for instead of guessing', () => {
    const parser = new StatusStreamParser();
    expect(plain(parser.push(Uint8Array.of(0x12, 0x00)))).toEqual([
      { type: 'realtime-status', n: null, byte: 0x12 },
      { type: 'unexpected', bytes: Uint8Array.of(0x00), reason: 'status reply nobody asked for' },
    ]);
  });

  it('forgets cancelled questions', () => {
    const parser = new StatusStreamParser();
    const first = parser.expectTransmit({ command: 'gs-i', n: 1 });
    parser.expectTransmit({ command: 'gs-r', n: 1 });
    expect(parser.cancel(first)).toBe(true);
    expect(parser.cancel(first)).toBe(false);
    expect(plain(parser.push(Uint8Array.of(0x00)))).toEqual([{ type: 'transmit-status', n: 1, byte: 0 }]);
  });

  it('drops a block that runs on without its NUL and reads what follows', () => {
    const parser = new StatusStreamParser();
    const long = new Uint8Array(200).fill(0x41);
    long[0] = 0x5f;
    const events = parser.push(Uint8Array.from([...long, 0x11]));
    expect(events.map((e) => e.type)).toContain('unexpected');
    expect(events.at(-1)).toEqual({ type: 'xon' });
  });

  it('property: any split of a valid reply stream yields the same events', () => {
    fc.assert(
      fc.property(fc.array(sentArb, { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 30 }), (sent, cuts) => {
        const bytes = Uint8Array.from(sent.flatMap(bytesOf));
        const whole = parserFor(sent).push(bytes);
        const split = feed(parserFor(sent), bytes, cuts);
        expect(plain(split)).toEqual(plain(whole));
        expect(plain(whole)).toEqual(sent.map(expected));
      }),
      { numRuns: 500 },
    );
  });

  it('property: random garbage never throws, and three NULs resynchronise the stream', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.array(sentArb, { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (garbage, sent, cuts) => {
          const parser = new StatusStreamParser();
          expect(() => feed(parser, garbage, cuts)).not.toThrow();
          // whatever the garbage left open (half an ASB, a block), three NULs close it
          parser.push(Uint8Array.of(0, 0, 0));
          for (const s of sent) {
            if (s.kind === 'realtime') parser.expectRealtime(s.n);
            else if (s.kind === 'gs-r') parser.expectTransmit({ command: 'gs-r', n: s.n });
            else if (s.kind === 'gs-i') parser.expectTransmit({ command: 'gs-i', n: s.n });
            else if (s.kind === 'info') parser.expectInfo(s.n);
          }
          const bytes = Uint8Array.from(sent.flatMap(bytesOf));
          expect(plain(feed(parser, bytes, cuts))).toEqual(sent.map(expected));
        },
      ),
      { numRuns: 500 },
    );
  });
});
