import { displayWidth } from '@tillkit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PRINTER_PROFILES, type PrinterProfile } from '../profiles';
import { ByteWriter } from './byte-writer';
import { commands } from './commands';
import { cjkBytes, LineEncoder, type CjkEncoding } from './encoding';

const hex = (bytes: Uint8Array) =>
  Buffer.from(bytes)
    .toString('hex')
    .replace(/(..)(?!$)/g, '$1 ');

const ESCPOS = { selectCodePage: commands.selectCodePage, kanjiOn: commands.kanjiOn(), kanjiOff: commands.kanjiOff() };

function encode(text: string, profile: PrinterProfile, cjk?: CjkEncoding): string {
  const out = new ByteWriter(8);
  const encoder = new LineEncoder(out, ESCPOS, cjk, profile);
  encoder.selectInitialCodePage();
  encoder.write(text);
  return hex(out.finish());
}

const T20 = PRINTER_PROFILES['epson-tm-t20iii'];

describe('LineEncoder', () => {
  it('starts on cp858 when the profile has it, so the euro sign is one byte', () => {
    expect(encode('€ 5', T20)).toBe('1b 74 13 d5 20 35');
  });

  it('falls back to cp1252, then cp437, when the profile lacks cp858', () => {
    const noEuroPage = { ...T20, codePages: { cp437: 0, cp1252: 16 } };
    expect(encode('€', noEuroPage)).toBe('1b 74 10 80');
    const only437 = { ...T20, codePages: { cp437: 0 } };
    expect(encode('é€', only437)).toBe('1b 74 00 82 3f');
  });

  it('switches code page only for a character the current one lacks, and stays there', () => {
    // "½" is in cp858 (0xAB); "Γ" only in cp437 (0xE2); "é" is in both (0x82).
    expect(encode('½Γé', T20)).toBe('1b 74 13 ab 1b 74 00 e2 82');
  });

  it("prints '?' for a narrow character no code page has, never dropping it", () => {
    expect(encode('a\u0394b', T20)).toBe('1b 74 13 61 3f 62');
  });

  it('prints an ASCII look-alike for spaces, dashes and quotes no code page has', () => {
    // U+202F (Intl's space before AM/PM and in zh-TW dates), U+2212 minus; ‘ is in cp1252 (0x91).
    expect(encode('10:00\u202fAM \u22125', T20)).toBe('1b 74 13 31 30 3a 30 30 20 41 4d 20 2d 35');
    expect(encode('\u2018', T20)).toBe('1b 74 13 1b 74 10 91');
    expect(encode('\u2018', { ...T20, codePages: { cp437: 0 } })).toBe('1b 74 00 27');
    expect(encode('a\u3000b', T20)).toBe('1b 74 13 61 20 20 62');
  });

  it('composes combining marks (NFC) and leaves out zero-width characters', () => {
    expect(encode('e\u0301', T20)).toBe('1b 74 13 82');
    expect(encode('a\u200bb', T20)).toBe('1b 74 13 61 62');
  });

  it("prints '??' for each wide character on a profile without CJK, keeping the width", () => {
    expect(encode('緑茶', T20)).toBe('1b 74 13 3f 3f 3f 3f');
  });

  it('sends CJK runs in Kanji mode in the profile encoding', () => {
    const zh = PRINTER_PROFILES['epson-tm-t88vi-chinese'];
    // 绿茶 in GB18030: C2 CC B2 E8
    expect(encode('绿茶 1', zh, 'gb18030')).toBe('1b 74 13 1c 26 c2 cc b2 e8 1c 2e 20 31');
    const tw = PRINTER_PROFILES['epson-tm-t88vi-traditional-chinese'];
    // 烏龍 in Big5: AF 51 C0 73
    expect(encode('烏龍', tw, 'big5')).toBe('1b 74 13 1c 26 af 51 c0 73 1c 2e');
    const ja = PRINTER_PROFILES['epson-tm-t88vi-japanese'];
    // お茶 in Shift-JIS: 82 A8 92 83
    expect(encode('お茶', ja, 'shift_jis')).toBe('1b 74 13 1c 26 82 a8 92 83 1c 2e');
  });

  it('keeps narrow characters out of Kanji mode (they would print two columns wide)', () => {
    const zh = PRINTER_PROFILES['epson-tm-t88vi-chinese'];
    // ¥ is one column: cp858 0xBE, not GB18030's double-byte form.
    expect(encode('¥茶', zh, 'gb18030')).toBe('1b 74 13 be 1c 26 b2 e8 1c 2e');
  });

  it("prints '??' for a wide character the CJK encoding or the printer font lacks", () => {
    const ja = PRINTER_PROFILES['epson-tm-t88vi-japanese'];
    expect(encode('😀', ja, 'shift_jis')).toBe('1b 74 13 3f 3f');
    expect(cjkBytes('gb18030', 0x1f600)).toBeNull();
    expect(cjkBytes('gb18030', 0x3400)?.length).toBe(4); // CJK Extension A: four bytes, in the font
  });

  it('prints exactly one byte per display column, whatever the text (so layout widths hold)', () => {
    const ja = PRINTER_PROFILES['epson-tm-t88vi-japanese'];
    const commandsOnly = /1b 74 [0-9a-f]{2}|1c 26|1c 2e/g;
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
        const columns = displayWidth(text.normalize('NFC'));
        for (const [profile, cjk] of [
          [T20, undefined],
          [ja, 'shift_jis'],
        ] as const) {
          const bytes = encode(text, profile, cjk).replace(commandsOnly, '').trim();
          expect(bytes === '' ? 0 : bytes.split(/ +/).length).toBe(columns);
        }
      }),
      { numRuns: 500 },
    );
  });
});
