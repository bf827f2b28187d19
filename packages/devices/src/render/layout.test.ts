import { displayWidth, padToWidth, renderReceiptText, type ReceiptBlock, type ReceiptDocument } from '@tillkit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { layoutColumns, layoutText, trimEnd } from './layout';

/** What the paper shows for these blocks at normal size, with the printer's alignment done by spaces. */
function paper(blocks: readonly ReceiptBlock[], width: number): string {
  return blocks
    .flatMap((block) => {
      if (block.type === 'text')
        return layoutText(block.text, width).map((line) => padToWidth(line, width, block.align ?? 'left'));
      if (block.type === 'columns') return layoutColumns(block.columns, width);
      if (block.type === 'divider') return [(block.char ?? '-').repeat(width)];
      return [];
    })
    .map(trimEnd)
    .join('\n');
}

const doc = (blocks: ReceiptBlock[]): ReceiptDocument => ({
  version: 1,
  kind: 'report',
  locale: 'en-US',
  copy: false,
  training: false,
  blocks,
});

const piece = fc.constantFrom('Tea', 'x', ' ', '  ', '緑茶', 'é', 'e\u0301', '12.50', 'Grüner Tee', '-', 'ＡＢ', '小笼包');
const text = fc.array(piece, { maxLength: 8 }).map((parts) => parts.join(''));
const align = fc.constantFrom('left' as const, 'center' as const, 'right' as const);
const column = fc.record({
  text,
  width: fc.oneof(fc.constant('fill' as const), fc.integer({ min: 1, max: 14 })),
  align,
});
const block: fc.Arbitrary<ReceiptBlock> = fc.oneof(
  fc.record({ type: fc.constant('text' as const), text, align }),
  fc.record({ type: fc.constant('columns' as const), columns: fc.array(column, { minLength: 1, maxLength: 4 }) }),
  fc.record({ type: fc.constant('divider' as const) }),
);

describe('layout', () => {
  it('lays out text, columns and dividers exactly as renderReceiptText does', () => {
    fc.assert(
      fc.property(fc.array(block, { minLength: 1, maxLength: 6 }), fc.integer({ min: 20, max: 64 }), (blocks, width) => {
        expect(paper(blocks, width)).toBe(renderReceiptText(doc(blocks), { width }));
      }),
      { numRuns: 300 },
    );
  });

  it('shares fill columns like the text renderer: the first fill takes the remainder', () => {
    const cols = [
      { text: 'a', width: 'fill' as const, align: 'left' as const },
      { text: 'b', width: 5, align: 'right' as const },
      { text: 'c', width: 'fill' as const, align: 'left' as const },
    ];
    // 42 - 5 - 2 gaps = 35 free columns: 18 for the first fill, 17 for the second
    expect(layoutColumns(cols, 42)).toEqual([`${'a'.padEnd(18)} ${'b'.padStart(5)} ${'c'.padEnd(17)}`]);
  });

  it('aligns amounts by display width when labels hold CJK characters', () => {
    const row = (label: string) =>
      layoutColumns(
        [
          { text: label, width: 'fill', align: 'left' },
          { text: '12.50', width: 6, align: 'right' },
        ],
        24,
      );
    for (const line of [...row('Green tea'), ...row('緑茶'), ...row('小笼包 x2')]) {
      expect(displayWidth(line)).toBe(24);
      expect(line.endsWith(' 12.50')).toBe(true);
    }
  });

  it('stacks the cells when the fixed columns leave no room', () => {
    expect(
      layoutColumns(
        [
          { text: 'Label', width: 'fill', align: 'left' },
          { text: '1234567890', width: 20, align: 'right' },
        ],
        20,
      ),
    ).toEqual(['Label               ', '          1234567890']);
  });
});
