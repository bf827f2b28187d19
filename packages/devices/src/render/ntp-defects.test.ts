import { buildTextDocument, displayWidth, type ReceiptBlock, type ReceiptDocument } from '@tillkit/core';
import { PrinterTypes, ThermalPrinter } from 'node-thermal-printer';
import { describe, expect, it } from 'vitest';
import { PRINTER_PROFILES, type PrinterProfile } from '../profiles';
import { dumpBytes } from './byte-dump';
import { renderReceipt } from './receipt-renderer';

/*
 * Regression tests for node-thermal-printer 4.6.1's known defects: each shows what the library
 * produces (so an upgrade that changes it is noticed) and checks that renderReceipt's bytes are right.
 */

const hex = (bytes: Uint8Array | Buffer | null) =>
  bytes === null
    ? ''
    : Buffer.from(bytes)
        .toString('hex')
        .toUpperCase()
        .replace(/(..)(?!$)/g, '$1 ');

function ntp(type: 'epson' | 'star'): ThermalPrinter {
  const config = { type: type === 'star' ? PrinterTypes.STAR : PrinterTypes.EPSON };
  return new ThermalPrinter(config as ConstructorParameters<typeof ThermalPrinter>[0]);
}

function indexOf(haystack: Uint8Array, needle: readonly number[], from = 0): number {
  outer: for (let i = from; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function occurrences(haystack: Uint8Array, needle: readonly number[]): number[] {
  const found: number[] = [];
  for (let i = indexOf(haystack, needle); i >= 0; i = indexOf(haystack, needle, i + 1)) found.push(i);
  return found;
}

const T20 = PRINTER_PROFILES['epson-tm-t20iii'];

function docOf(blocks: ReceiptBlock[]): ReceiptDocument {
  return { ...buildTextDocument('Receipt', []), blocks };
}

describe('node-thermal-printer defects never reach the printer', () => {
  it('(1) drawer: its ESC p has no timing bytes; ours is ESC p m t1 t2 (1B 70 00 19 FA)', () => {
    const p = ntp('epson');
    p.openCashDrawer();
    expect(hex(p.getBuffer())).toBe('1B 70 00 1B 70 01'); // no t1 t2: the next bytes become the timing
    const bytes = renderReceipt(docOf([{ type: 'drawer-kick' }, { type: 'text', text: 'Hi' }]), T20);
    expect(occurrences(bytes, [0x1b, 0x70])).toHaveLength(1);
    const at = indexOf(bytes, [0x1b, 0x70]);
    expect(hex(bytes.subarray(at, at + 5))).toBe('1B 70 00 19 FA');
    const pin5 = { ...T20, drawer: { pin: 5 as const, openWhenHigh: false } };
    const kick5 = renderReceipt(docOf([{ type: 'drawer-kick' }]), pin5);
    expect(hex(kick5.subarray(indexOf(kick5, [0x1b, 0x70])))).toBe('1B 70 01 19 FA');
  });

  it('(2) cut: it appends ESC @ (code page reset, ASB off); our jobs have ESC @ only at the start', () => {
    const p = ntp('epson');
    p.partialCut();
    expect(hex(p.getBuffer())).toBe('1B 64 04 1B 64 04 1D 56 01 1B 40');
    const blocks: ReceiptBlock[] = [
      { type: 'text', text: 'Customer copy' },
      { type: 'cut', partial: true },
      { type: 'text', text: 'Merchant copy: €' },
      { type: 'cut' },
    ];
    const bytes = renderReceipt(docOf(blocks), T20);
    expect(occurrences(bytes, [0x1b, 0x40])).toEqual([0]);
    // The second part still prints in cp858 (the euro sign as 0xD5, no new ESC t needed).
    expect(dumpBytes(bytes, T20)).toContain('<GS V 66 0>Merchant copy: €<LF>');
    expect(hex(bytes.subarray(-4))).toBe('1D 56 42 00');
  });

  it('(3) CJK: it sends ESC R and EUC bytes and counts string.length; ours is Kanji mode by display width', () => {
    const p = ntp('epson');
    p.setCharacterSet('CHINA');
    p.leftRight('绿茶', '12.50');
    const theirs = p.getBuffer();
    expect(hex(theirs.subarray(0, 3))).toBe('1B 52 0F'); // ESC R: an international character set
    // '绿茶' counted as 2 columns (string.length): 41 spaces pad the line, which then prints
    // 50 columns wide on a 48-column printer and wraps.
    const spaces = [...theirs].filter((b) => b === 0x20).length;
    expect(spaces).toBe(48 - '绿茶'.length - '12.50'.length);
    expect(displayWidth('绿茶') + spaces + displayWidth('12.50')).toBe(50);

    const zh = PRINTER_PROFILES['epson-tm-t88vi-chinese'];
    const row: ReceiptBlock = {
      type: 'columns',
      columns: [
        { text: '绿茶', width: 'fill', align: 'left' },
        { text: '12.50', width: 6, align: 'right' },
      ],
    };
    const bytes = renderReceipt(docOf([row]), zh);
    expect(indexOf(bytes, [0x1b, 0x52])).toBe(-1);
    expect(indexOf(bytes, [0x1c, 0x26, 0xc2, 0xcc, 0xb2, 0xe8, 0x1c, 0x2e])).toBeGreaterThan(0); // GB18030
    const printed =
      dumpBytes(bytes, zh)
        .split('\n')[0]
        ?.replace(/<[^>]*>/g, '') ?? '';
    expect(printed).toBe(`绿茶${' '.repeat(42 - 4 - 5)}12.50`);
    expect(displayWidth(printed)).toBe(42);

    const ja: PrinterProfile = PRINTER_PROFILES['epson-tm-t88vi-japanese'];
    const jaBytes = renderReceipt(docOf([{ type: 'text', text: 'お茶' }]), ja);
    expect(hex(jaBytes.subarray(0, 7))).toBe('1B 40 1C 2E 1C 43 01'); // FS C 1: Shift-JIS
    expect(indexOf(jaBytes, [0x1c, 0x26, 0x82, 0xa8, 0x92, 0x83, 0x1c, 0x2e])).toBeGreaterThan(0);
  });

  it('(4) its buffer keeps every earlier job; each of our jobs is built fresh', () => {
    const p = ntp('epson');
    p.println('job 1');
    p.println('job 2');
    expect(p.getBuffer().toString('latin1')).toBe('job 1\njob 2\n'); // job 2 would reprint job 1
    const first = renderReceipt(docOf([{ type: 'text', text: 'job 1' }]), T20);
    const second = renderReceipt(docOf([{ type: 'text', text: 'job 2' }]), T20);
    expect(Buffer.from(second).toString('latin1')).not.toContain('job 1');
    expect(renderReceipt(docOf([{ type: 'text', text: 'job 1' }]), T20)).toEqual(first);
  });

  it('(5) QR on ESC/POS: its length counts UTF-16 units, not bytes; ours counts bytes', () => {
    const p = ntp('epson');
    p.printQR('é');
    const theirs = p.getBuffer();
    const store = indexOf(theirs, [0x31, 0x50, 0x30]) - 5;
    expect(hex(theirs.subarray(store, store + 10))).toBe('1D 28 6B 04 00 31 50 30 C3 A9'); // 4 = 1 + 3, but 2 bytes follow
    const bytes = renderReceipt(docOf([{ type: 'qr', data: 'é' }]), T20);
    const ours = indexOf(bytes, [0x31, 0x50, 0x30]) - 5;
    expect(hex(bytes.subarray(ours, ours + 10))).toBe('1D 28 6B 05 00 31 50 30 C3 A9');
  });

  it('(6) QR on Star: it leaves out ESC GS y D 1 (the data command) and picks model 1; ours does not', () => {
    const p = ntp('star');
    p.printQR('abc');
    expect(hex(p.getBuffer())).toBe('1B 1D 79 53 30 01 1B 1D 79 53 31 01 1B 1D 79 53 32 04 03 00 61 62 63 0A 1B 1D 79 50');
    const star: PrinterProfile = { ...T20, id: 'star-line', dialect: 'star', codePages: { cp437: 1, cp858: 4 } };
    const bytes = renderReceipt(docOf([{ type: 'qr', data: 'abc' }]), star);
    expect(hex(bytes.subarray(indexOf(bytes, [0x1b, 0x1d, 0x79])))).toBe(
      '1B 1D 79 53 30 02 1B 1D 79 53 31 01 1B 1D 79 53 32 06 1B 1D 79 44 31 00 03 00 61 62 63 1B 1D 79 50',
    );
  });

  it('(7) text size: its setTextSize(height, width) swaps them in GS !; our double height is GS ! 01', () => {
    const p = ntp('epson');
    p.setTextSize(1, 0);
    expect(hex(p.getBuffer())).toBe('1D 21 10'); // 0x10 is double WIDTH
    const bytes = renderReceipt(docOf([{ type: 'text', text: 'Tall', size: 'double-height' }]), T20);
    expect(indexOf(bytes, [0x1d, 0x21, 0x01])).toBeGreaterThan(0);
    const wide = renderReceipt(docOf([{ type: 'text', text: 'Wide', size: 'double-width' }]), T20);
    expect(indexOf(wide, [0x1d, 0x21, 0x10])).toBeGreaterThan(0);
  });

  it('(8) CODE128: it sends "{" as is (a code set switch); ours escapes it as "{{"', () => {
    const p = ntp('epson');
    p.printBarcode('a{b', 73);
    expect(hex(p.getBuffer().subarray(-7))).toBe('49 05 7B 42 61 7B 62');
    const bytes = renderReceipt(docOf([{ type: 'barcode', symbology: 'CODE128', data: 'a{b' }]), T20);
    const at = indexOf(bytes, [0x1d, 0x6b]);
    expect(hex(bytes.subarray(at, at + 10))).toBe('1D 6B 49 06 7B 42 61 7B 7B 62');
  });
});
