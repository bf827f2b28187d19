import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codePointWidth, displayWidth, padToWidth, truncateToWidth, wrapToWidth } from './display-width';
import { ErrorCode } from './errors';
import { errorCode as codeOf } from './test-support';

/** A lone surrogate half: a string split inside a surrogate pair. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Text mixing ASCII, Latin with combining marks, CJK, fullwidth forms and emoji. */
const mixedText = fc
  .array(
    fc.constantFrom(
      'a',
      'Z',
      '1',
      ' ',
      ' ',
      '-',
      'é',
      'e\u0301',
      '緑',
      '茶',
      'ラ',
      '한',
      'Ａ',
      '￥',
      '😀',
      '👍',
      '\u200b',
      'ｱ',
      '。',
    ),
    {
      maxLength: 60,
    },
  )
  .map((parts) => parts.join(''));

describe('displayWidth', () => {
  it.each([
    ['', 0],
    ['Tea', 3],
    ['Coffee & cake 2 x 3.50', 22],
    ['€1,234.50', 9],
  ])('counts printable ASCII and Latin-1 one column each: %j', (text, width) => {
    expect(displayWidth(text)).toBe(width);
  });

  it.each([
    ['緑茶', 4, 'CJK ideographs'],
    ['ひらがな', 8, 'Hiragana'],
    ['カタカナ', 8, 'Katakana'],
    ['한국어', 6, 'Hangul syllables'],
    ['、。「」', 8, 'CJK punctuation'],
    ['\u3000', 2, 'ideographic space'],
    ['ＡＢＣ１２３', 12, 'fullwidth Latin and digits'],
    ['￥', 2, 'fullwidth yen sign (ja-JP currency format)'],
    ['抹茶ラテ M', 10, 'CJK mixed with ASCII'],
    ['𠮷野家', 6, 'a CJK ideograph outside the BMP (surrogate pair)'],
  ])('counts East Asian Wide and Fullwidth characters two columns: %j (%s)', (text, width) => {
    expect(displayWidth(text)).toBe(width);
  });

  it.each([
    ['ｱｲｳ', 3, 'halfwidth Katakana'],
    ['Grüße', 5, 'precomposed Latin'],
    ['╔═╗', 3, 'box drawing (East Asian Ambiguous, narrow on Western printers)'],
  ])('counts narrow, halfwidth and ambiguous characters one column: %j (%s)', (text, width) => {
    expect(displayWidth(text)).toBe(width);
  });

  it.each([
    ['e\u0301', 1, 'e + combining acute'],
    ['n\u0303o\u0308', 2, 'two combining marks'],
    ['a\u200bb', 2, 'zero-width space'],
    ['\u200d', 0, 'zero-width joiner'],
    ['\ufe0f', 0, 'variation selector'],
    ['\u00ad', 0, 'soft hyphen'],
    ['ka\u3099', 2, 'combining kana voiced mark'],
    ['\u1100\u1161', 2, 'conjoining Hangul jamo: the vowel takes no column'],
    ['\u001b\u0007', 0, 'control characters'],
  ])('counts combining marks, zero-width and control characters zero: %j (%s)', (text, width) => {
    expect(displayWidth(text)).toBe(width);
  });

  it('counts an emoji written as a surrogate pair once, as two columns', () => {
    expect('😀'.length).toBe(2);
    expect(displayWidth('😀')).toBe(2);
    expect(displayWidth('Tea 🍵')).toBe(6);
  });

  it('gives the width of single code points, including the edges of the wide ranges', () => {
    expect(codePointWidth(0x41)).toBe(1);
    expect(codePointWidth(0x10ff)).toBe(1);
    expect(codePointWidth(0x1100)).toBe(2);
    expect(codePointWidth(0x115f)).toBe(2);
    expect(codePointWidth(0x4e00)).toBe(2);
    expect(codePointWidth(0xa4d0)).toBe(1);
    expect(codePointWidth(0xff60)).toBe(2);
    expect(codePointWidth(0xff61)).toBe(1);
    expect(codePointWidth(0x3fffd)).toBe(2);
    expect(codePointWidth(0x0301)).toBe(0);
  });

  it.each([-1, 0x110000, 1.5, Number.NaN])('refuses %s as a code point', (cp) => {
    expect(codeOf(() => codePointWidth(cp))).toBe(ErrorCode.VALIDATION_FAILED);
  });

  it('agrees with the per-code-point widths for any text', () => {
    fc.assert(
      fc.property(mixedText, (text) => {
        const sum = [...text].reduce((s, ch) => s + codePointWidth(ch.codePointAt(0) as number), 0);
        expect(displayWidth(text)).toBe(sum);
      }),
    );
  });
});

describe('padToWidth', () => {
  it('pads left, right and center by display width', () => {
    expect(padToWidth('ab', 5)).toBe('ab   ');
    expect(padToWidth('ab', 5, 'right')).toBe('   ab');
    expect(padToWidth('ab', 5, 'center')).toBe(' ab  ');
    expect(padToWidth('緑茶', 6, 'right')).toBe('  緑茶');
    expect(padToWidth('e\u0301', 3)).toBe('e\u0301  ');
  });

  it('returns text already wider than the width unchanged', () => {
    expect(padToWidth('abcdef', 3)).toBe('abcdef');
  });

  it('reaches exactly the width, or leaves wider text as it is', () => {
    fc.assert(
      fc.property(mixedText, fc.nat(40), fc.constantFrom('left', 'right', 'center'), (text, width, align) => {
        const padded = padToWidth(text, width, align);
        expect(displayWidth(padded)).toBe(Math.max(width, displayWidth(text)));
        expect(padded.trim()).toBe(text.trim());
      }),
    );
  });
});

describe('truncateToWidth', () => {
  it('keeps text that fits', () => {
    expect(truncateToWidth('Tea', 3)).toBe('Tea');
  });

  it('never splits a wide character: a 2-column character that does not fit is dropped', () => {
    expect(truncateToWidth('緑茶ラテ', 5)).toBe('緑茶');
    expect(truncateToWidth('a緑', 2)).toBe('a');
  });

  it('never splits a surrogate pair or a character from its combining marks', () => {
    expect(truncateToWidth('😀😀', 3)).toBe('😀');
    expect(truncateToWidth('ae\u0301b', 2)).toBe('ae\u0301');
  });

  it('ends cut text with the ellipsis, within the width', () => {
    expect(truncateToWidth('Cappuccino', 6, '…')).toBe('Cappu…');
    expect(truncateToWidth('抹茶ラテ', 5, '…')).toBe('抹茶…');
    expect(truncateToWidth('Tea', 3, '…')).toBe('Tea');
  });

  it('always gives a prefix that fits, with no broken surrogate pair', () => {
    fc.assert(
      fc.property(mixedText, fc.nat(30), (text, width) => {
        const cut = truncateToWidth(text, width);
        expect(displayWidth(cut)).toBeLessThanOrEqual(width);
        expect(text.startsWith(cut)).toBe(true);
        expect(LONE_SURROGATE.test(cut)).toBe(false);
      }),
    );
  });

  it.each([-1, 2.5, Number.NaN])('refuses a width of %s', (width) => {
    expect(codeOf(() => truncateToWidth('abc', width))).toBe(ErrorCode.VALIDATION_FAILED);
  });
});

describe('wrapToWidth', () => {
  it('breaks at spaces and drops the spaces at a break', () => {
    expect(wrapToWidth('Large oat milk cappuccino', 10)).toEqual(['Large oat', 'milk', 'cappuccino']);
  });

  it('breaks between CJK characters, which have no spaces', () => {
    expect(wrapToWidth('幕の内弁当と緑茶', 6)).toEqual(['幕の内', '弁当と', '緑茶']);
    expect(wrapToWidth('抹茶ラテ Large', 7)).toEqual(['抹茶ラ', 'テ', 'Large']);
  });

  it('splits words longer than a line, never inside a surrogate pair or combining sequence', () => {
    expect(wrapToWidth('Donaudampfschifffahrt', 8)).toEqual(['Donaudam', 'pfschiff', 'fahrt']);
    expect(wrapToWidth('😀😀😀', 5)).toEqual(['😀😀', '😀']);
    expect(wrapToWidth('e\u0301e\u0301e\u0301', 2)).toEqual(['e\u0301e\u0301', 'e\u0301']);
  });

  it('keeps leading indentation and line breaks in the text', () => {
    expect(wrapToWidth('  2 x 3.50', 20)).toEqual(['  2 x 3.50']);
    expect(wrapToWidth('one\ntwo', 20)).toEqual(['one', 'two']);
    expect(wrapToWidth('', 5)).toEqual(['']);
  });

  it('puts a wide character alone on a 1-column line (the one case wider than the width)', () => {
    expect(wrapToWidth('緑a', 1)).toEqual(['緑', 'a']);
  });

  it('fits every line into the width and keeps every non-space character in order', () => {
    fc.assert(
      fc.property(mixedText, fc.integer({ min: 2, max: 30 }), (text, width) => {
        const lines = wrapToWidth(text, width);
        for (const line of lines) {
          expect(displayWidth(line)).toBeLessThanOrEqual(width);
          expect(LONE_SURROGATE.test(line)).toBe(false);
        }
        expect(lines.join('').replace(/\s/gu, '')).toBe(text.replace(/\s/gu, ''));
      }),
    );
  });

  it.each([0, -3, 1.5])('refuses a width of %s', (width) => {
    expect(codeOf(() => wrapToWidth('abc', width))).toBe(ErrorCode.VALIDATION_FAILED);
  });
});
