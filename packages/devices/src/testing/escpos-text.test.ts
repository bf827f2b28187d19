import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { PRINTER_PROFILES } from '../profiles';
import { CUT_LINE, EscPosTextRenderer } from './escpos-text';

const latin = (s: string): Uint8Array => Uint8Array.from(s, (ch) => ch.charCodeAt(0));

describe('EscPosTextRenderer', () => {
  it('decodes per the code page selected with ESC t', () => {
    const r = new EscPosTextRenderer(PRINTER_PROFILES['epson-tm-t88vi']);
    const line = (n: number, byte: number): void => {
      r.selectCodePage(n);
      r.write(Uint8Array.of(byte));
      r.printAndFeed(1);
    };
    line(0, 0x9c); // cp437 pound
    line(2, 0xd5); // cp850 dotless i
    line(19, 0xd5); // cp858 euro
    line(16, 0x80); // cp1252 euro
    expect(r.text()).toBe('£\nı\n€\n€\n');
  });

  it('ignores a code page the model does not have', () => {
    const r = new EscPosTextRenderer(PRINTER_PROFILES['generic-58mm']);
    expect(r.selectCodePage(16)).toBeUndefined();
    r.write(Uint8Array.of(0x80));
    r.printAndFeed(1);
    expect(r.text()).toBe('Ç\n');
  });

  it('wraps at the profile columns, halved for double width and for wide CJK characters', () => {
    const r = new EscPosTextRenderer(PRINTER_PROFILES['epson-tm-t88vi-chinese']);
    r.write(latin('x'.repeat(42)));
    r.printAndFeed(1);
    r.write(latin('y'.repeat(43)));
    r.printAndFeed(1);
    r.setCharacterSize(0x10);
    r.write(latin('z'.repeat(22)));
    r.printAndFeed(1);
    r.setCharacterSize(0);
    r.setFont(1);
    r.write(latin('b'.repeat(57)));
    r.printAndFeed(1);
    r.setFont(0);
    r.setKanjiMode(true);
    r.write(iconv.encode('中'.repeat(22), 'gb18030'));
    r.printAndFeed(1);
    expect(r.text().split('\n')).toEqual([
      'x'.repeat(42),
      'y'.repeat(42),
      'y',
      'z'.repeat(21),
      'z',
      'b'.repeat(56),
      'b',
      '中'.repeat(21),
      '中',
      '',
    ]);
  });

  it('keeps a multi-byte character split across writes whole', () => {
    const r = new EscPosTextRenderer(PRINTER_PROFILES['epson-tm-t88vi-japanese']);
    r.setKanjiMode(true);
    const sjis = iconv.encode('領収書', 'shift_jis');
    r.write(sjis.subarray(0, 3));
    r.write(sjis.subarray(3));
    r.printAndFeed(1);
    expect(r.text()).toBe('領収書\n');
  });

  it('does not print an unfinished line, and ESC @ throws it away', () => {
    const r = new EscPosTextRenderer(PRINTER_PROFILES['epson-tm-t88vi']);
    r.write(latin('pending'));
    expect(r.text()).toBe('');
    r.initialize();
    r.printAndFeed(0);
    expect(r.text()).toBe('');
  });

  it('splits receipts at cuts, leaving out the paper fed before each cut', () => {
    const r = new EscPosTextRenderer(PRINTER_PROFILES['epson-tm-t88vi']);
    r.write(latin('one'));
    r.printAndFeed(4);
    r.cut();
    r.write(latin('two'));
    r.cut();
    r.printBlock('[image 8x1]');
    expect(r.text()).toBe(`one\n\n\n\n${CUT_LINE}\ntwo\n${CUT_LINE}\n[image 8x1]\n`);
    expect(r.receipts()).toEqual(['one', 'two', '[image 8x1]']);
  });

  it('moves to the next tab stop on HT', () => {
    const r = new EscPosTextRenderer(PRINTER_PROFILES['epson-tm-t88vi']);
    r.write(latin('ab'));
    r.tab();
    r.write(latin('c'));
    r.setTabs([12]);
    r.tab();
    r.write(latin('d'));
    r.printAndFeed(1);
    expect(r.text()).toBe('ab      c   d\n');
  });
});
