import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { displayWidth } from './display-width';
import { ErrorCode } from './errors';
import type { ReceiptBlock, ReceiptColumn, ReceiptDocument } from './receipt';
import { DEFAULT_TEXT_WIDTH, renderReceiptText } from './receipt-text';
import { errorCode as codeOf } from './test-support';

function doc(blocks: ReceiptBlock[]): ReceiptDocument {
  return { version: 1, kind: 'sale', locale: 'en-US', currency: 'EUR', copy: false, training: false, blocks };
}

function render(blocks: ReceiptBlock[], width = 20): string[] {
  return renderReceiptText(doc(blocks), { width }).split('\n');
}

const fill = (text: string, align: ReceiptColumn['align'] = 'left'): ReceiptColumn => ({ text, width: 'fill', align });
const fixed = (text: string, width: number, align: ReceiptColumn['align'] = 'right'): ReceiptColumn => ({ text, width, align });

describe('renderReceiptText: text blocks', () => {
  it('aligns left, center and right by display width and trims trailing spaces', () => {
    expect(
      render([
        { type: 'text', text: 'left' },
        { type: 'text', text: 'center', align: 'center' },
        { type: 'text', text: 'right', align: 'right' },
        { type: 'text', text: '緑茶', align: 'right' },
      ]),
    ).toEqual(['left', '       center', '               right', '                緑茶']);
  });

  it('wraps long text at spaces and between CJK characters', () => {
    expect(render([{ type: 'text', text: 'Large oat milk cappuccino with an extra shot' }])).toEqual([
      'Large oat milk',
      'cappuccino with an',
      'extra shot',
    ]);
    expect(render([{ type: 'text', text: '幕の内弁当（特製）デラックス版', align: 'center' }])).toEqual([
      '幕の内弁当（特製）デ',
      '     ラックス版',
    ]);
  });

  it('prints styled and double-size text as-is: styling is for printers', () => {
    const styled: ReceiptBlock = { type: 'text', text: 'TOTAL', bold: true, underline: true, size: 'double' };
    expect(render([styled])).toEqual(render([{ type: 'text', text: 'TOTAL' }]));
  });

  it('prints an empty text block as an empty line', () => {
    expect(
      render([
        { type: 'text', text: 'a' },
        { type: 'text', text: '' },
        { type: 'text', text: 'b' },
      ]),
    ).toEqual(['a', '', 'b']);
  });
});

describe('renderReceiptText: columns', () => {
  it('gives fill columns what the fixed columns and one-space gaps leave', () => {
    const [line] = render([{ type: 'columns', columns: [fill('Tea'), fixed('3.50', 6), fixed('A', 1, 'left')] }]);
    // fill = 20 - 6 - 1 - 2 gaps = 11: "Tea" + 8 spaces, gap, "  3.50", gap, "A"
    expect(line).toBe(`Tea${' '.repeat(8)} ${'  3.50'} A`);
    expect(displayWidth(line ?? '')).toBe(20);
  });

  it('shares free space between several fill columns, the first taking the remainder', () => {
    expect(render([{ type: 'columns', columns: [fill('a'), fill('b', 'right'), fill('c', 'center')] }], 21)).toEqual([
      // 19 free columns: 7, 6 and 6
      `${'a'.padEnd(7)} ${'b'.padStart(6)} ${'  c   '}`.trimEnd(),
    ]);
  });

  it('wraps cells inside their columns, top-aligned', () => {
    expect(render([{ type: 'columns', columns: [fill('Cappuccino grande'), fixed('12.50', 5)] }])).toEqual([
      'Cappuccino     12.50',
      'grande',
    ]);
  });

  it('lays out CJK cells by display width', () => {
    const lines = render([
      { type: 'columns', columns: [fill('緑茶'), fixed('150', 5)] },
      { type: 'columns', columns: [fill('Tea'), fixed('150', 5)] },
    ]);
    expect(lines).toEqual([`緑茶${' '.repeat(13)}150`, `Tea${' '.repeat(14)}150`]);
    expect(lines.map(displayWidth)).toEqual([20, 20]);
  });

  it('stacks the cells of a 1-column cell holding a wide character', () => {
    expect(render([{ type: 'columns', columns: [fill('Tea'), fixed('緑', 1, 'left')] }])).toEqual(['Tea', '緑']);
  });

  it('stacks the cells when the fixed columns leave no room, so no amount is cut', () => {
    const lines = render([{ type: 'columns', columns: [fill('Original transaction'), fixed('0190f3c4-5d6e-7a8b', 18)] }]);
    expect(lines).toEqual(['Original transaction', '  0190f3c4-5d6e-7a8b']);
  });

  it('leaves empty cells empty', () => {
    expect(render([{ type: 'columns', columns: [fill('  Ref 123'), fixed('', 5), fixed('', 1)] }])).toEqual(['  Ref 123']);
  });
});

describe('renderReceiptText: other blocks', () => {
  it('draws dividers over the whole width, with any one-column character', () => {
    expect(render([{ type: 'divider' }, { type: 'divider', char: '=' }, { type: 'divider', char: '─' }])).toEqual([
      '-'.repeat(20),
      '='.repeat(20),
      '─'.repeat(20),
    ]);
  });

  it('shows barcodes, QR codes and images as centered placeholders', () => {
    expect(
      render(
        [
          { type: 'barcode', symbology: 'EAN13', data: '4006381333931' },
          { type: 'qr', data: 'https://ex.com/r/1042' },
          { type: 'image', ref: 'logo' },
        ],
        32,
      ),
    ).toEqual(['     [EAN13: 4006381333931]', '  [QR: https://ex.com/r/1042]', '         [image: logo]']);
  });

  it('wraps a long QR payload over several lines, all of it printed', () => {
    const data = 'https://example.com/receipts/0190f3c4-5d6e-7a8b-9c0d-1e2f3a4b5c6d';
    const lines = render([{ type: 'qr', data }], 32);
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(32);
    expect(lines.join('').replace(/\s/g, '')).toBe(`[QR:${data}]`);
  });

  it('prints feeds as empty lines, a cut as a dashed line and nothing for a drawer kick', () => {
    expect(
      render([
        { type: 'drawer-kick' },
        { type: 'text', text: 'x' },
        { type: 'feed', lines: 2 },
        { type: 'cut' },
        { type: 'cut', partial: true },
      ]),
    ).toEqual(['x', '', '', '- - - - - - - - - -', '- - - - - - - - - -']);
  });

  it('uses 42 columns by default', () => {
    expect(DEFAULT_TEXT_WIDTH).toBe(42);
    expect(renderReceiptText(doc([{ type: 'divider' }]))).toBe('-'.repeat(42));
  });
});

describe('renderReceiptText: validation', () => {
  it.each<[string, unknown]>([
    ['19 columns', { width: 19 }],
    ['a fractional width', { width: 32.5 }],
    ['NaN', { width: Number.NaN }],
    ['Infinity', { width: Number.POSITIVE_INFINITY }],
    ['a width given as a string', { width: '42' }],
    ['an unknown option', { columns: 42 }],
  ])('refuses %s with VALIDATION_FAILED', (_, options) => {
    expect(codeOf(() => renderReceiptText(doc([]), options as { width: number }))).toBe(ErrorCode.VALIDATION_FAILED);
  });

  it('accepts 20 columns, the narrowest', () => {
    expect(renderReceiptText(doc([{ type: 'cut' }]), { width: 20 })).toBe('- - - - - - - - - -');
  });

  it.each<[string, unknown]>([
    ['text with a line break', { type: 'text', text: 'a\nb' }],
    ['text with an ESC/POS command', { type: 'text', text: '\u001bd\u0005' }],
    ['an unknown block type', { type: 'beep' }],
    ['an EAN-13 with a wrong check digit', { type: 'barcode', symbology: 'EAN13', data: '4006381333932' }],
    ['CODE39 with lower case', { type: 'barcode', symbology: 'CODE39', data: 'abc' }],
    ['CODE128 with non-ASCII data', { type: 'barcode', symbology: 'CODE128', data: 'café' }],
    ['a two-character divider', { type: 'divider', char: '==' }],
    ['a wide divider character', { type: 'divider', char: '＝' }],
    ['a column width of 0', { type: 'columns', columns: [{ text: 'a', width: 0, align: 'left' }] }],
    ['columns without cells', { type: 'columns', columns: [] }],
    ['a feed of 0 lines', { type: 'feed', lines: 0 }],
    ['a QR module size of 17', { type: 'qr', data: 'x', size: 17 }],
  ])('refuses a document with %s', (_, block) => {
    expect(codeOf(() => renderReceiptText(doc([block as ReceiptBlock])))).toBe(ErrorCode.VALIDATION_FAILED);
  });

  it('refuses a document of another version', () => {
    expect(codeOf(() => renderReceiptText({ ...doc([]), version: 2 } as unknown as ReceiptDocument))).toBe(
      ErrorCode.VALIDATION_FAILED,
    );
  });
});

describe('renderReceiptText: any content fits the width', () => {
  const cellText = fc
    .array(
      fc.constantFrom('a', 'Tea', ' ', ' ', '1,234.50', '緑茶', 'ラテ', '한', 'Ａ', '😀', 'e\u0301', 'Donaudampfschifffahrt'),
      {
        maxLength: 12,
      },
    )
    .map((parts) => parts.join(''));
  const align = fc.constantFrom<ReceiptColumn['align']>('left', 'center', 'right');
  const column = fc.record({
    text: cellText,
    width: fc.oneof(fc.constant<'fill'>('fill'), fc.integer({ min: 1, max: 30 })),
    align,
  });
  const block: fc.Arbitrary<ReceiptBlock> = fc.oneof(
    fc.record({ type: fc.constant<'text'>('text'), text: cellText, align }),
    fc.record({ type: fc.constant<'columns'>('columns'), columns: fc.array(column, { minLength: 1, maxLength: 5 }) }),
  );

  it('never prints a line wider than the width and never drops a character', () => {
    fc.assert(
      fc.property(fc.array(block, { maxLength: 6 }), fc.integer({ min: 20, max: 64 }), (blocks, width) => {
        const text = renderReceiptText(doc(blocks), { width });
        for (const line of text.split('\n')) expect(displayWidth(line)).toBeLessThanOrEqual(width);
        const given = blocks.map((b) =>
          b.type === 'text' ? b.text : b.type === 'columns' ? b.columns.map((c) => c.text).join('') : '',
        );
        expect(text.replace(/\s/g, '').length).toBe(given.join('').replace(/\s/g, '').length);
      }),
    );
  });
});
