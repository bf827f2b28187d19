import {
  addLine,
  addTender,
  buildReceipt,
  buildTextDocument,
  completeSale,
  createTill,
  displayWidth,
  openSale,
  openSession,
  renderReceiptText,
  TillkitError,
  type LineInput,
  type ReceiptDocument,
  type ReceiptOptions,
  type TaxRateInput,
} from '@tillkit/core';
import pngjs from 'pngjs';
import { describe, expect, it } from 'vitest';
import { PRINTER_PROFILES, type PrinterProfile } from '../profiles';
import { dumpBytes, hexLines } from './byte-dump';
import { renderReceipt } from './receipt-renderer';

const AT = '2026-03-02T09:00:00.000Z';

interface SaleFixture {
  currency: string;
  taxes: TaxRateInput[];
  lines: Omit<LineInput, 'id'>[];
  /** cash handed over, in minor units */
  cash: number;
  receipt: ReceiptOptions;
}

/** A completed sale through core's lifecycle (till, session, sale, cash tender), as a receipt document. */
function receiptOf(f: SaleFixture): ReceiptDocument {
  const opened = openSession(createTill({ tillId: 'till-1', currency: f.currency }), { id: 'session-1', at: AT, float: 0 });
  let sale = openSale({
    id: '01950000-0000-7000-8000-000000000001',
    tillId: 'till-1',
    currency: f.currency,
    taxes: f.taxes,
    at: AT,
  });
  f.lines.forEach((line, i) => {
    sale = addLine(sale, { ...line, id: `l${i + 1}` }, { at: AT });
  });
  sale = addTender(sale, { type: 'cash', amount: f.cash }, { at: AT });
  const done = completeSale(sale, opened.till, { at: AT });
  return buildReceipt(done.transaction, f.receipt);
}

/** The printed text of a job: its transcript without commands. */
function printedLines(bytes: Uint8Array, profile: PrinterProfile): string[] {
  return dumpBytes(bytes, profile)
    .split('\n')
    .map((line) => line.replace(/<[^>]*>/g, ''));
}

function indexOf(haystack: Uint8Array, needle: readonly number[], from = 0): number {
  outer: for (let i = from; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

const hasSequence = (bytes: Uint8Array, needle: readonly number[]) => indexOf(bytes, needle) >= 0;

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return TillkitError.isInstance(error) ? error.code : `not a TillkitError: ${String(error)}`;
  }
  return undefined;
}

const LATIN: SaleFixture = {
  currency: 'EUR',
  taxes: [
    { id: 'vat19', name: 'MwSt 19%', code: 'A', rate: '19', inclusive: true },
    { id: 'vat7', name: 'MwSt 7%', code: 'B', rate: '7', inclusive: true },
  ],
  lines: [
    { name: 'Café crème', unitPrice: 350, quantity: '2', taxIds: ['vat19'] },
    { name: 'Croissant au beurre', unitPrice: 220, quantity: '1', taxIds: ['vat7'] },
    { name: 'Äpfel', unitPrice: 299, quantity: '1.250', unit: 'kg', taxIds: ['vat7'] },
  ],
  cash: 2000,
  receipt: {
    locale: 'de-DE',
    timeZone: 'Europe/Berlin',
    header: { name: 'Café Luna', lines: ['Hauptstraße 1, 10115 Berlin'] },
    footer: ['Vielen Dank für Ihren Einkauf!'],
    labels: { total: 'SUMME', change: 'Rückgeld', cashRounding: 'Rundung' },
    tenderTypes: [{ type: 'cash', label: 'Bar' }],
    barcode: 'receipt-number',
    qr: 'https://example.test/r/€1',
    openDrawer: true,
  },
};

const SIMPLIFIED: SaleFixture = {
  currency: 'CNY',
  taxes: [{ id: 'vat13', name: '增值税 13%', code: 'A', rate: '13', inclusive: true }],
  lines: [
    { name: '绿茶', unitPrice: 1800, quantity: '2', taxIds: ['vat13'] },
    { name: '小笼包（猪肉）', unitPrice: 2600, quantity: '1', taxIds: ['vat13'] },
  ],
  cash: 10000,
  receipt: {
    locale: 'zh-CN',
    timeZone: 'Asia/Shanghai',
    header: { name: '悦来茶馆', lines: ['上海市黄浦区南京东路 100 号'] },
    footer: ['谢谢惠顾，欢迎再来！'],
    labels: { receipt: '单号', date: '日期', till: '收银台', subtotal: '小计', total: '合计', change: '找零' },
    tenderTypes: [{ type: 'cash', label: '现金' }],
  },
};

const TRADITIONAL: SaleFixture = {
  currency: 'TWD',
  taxes: [{ id: 'vat5', name: '營業稅 5%', code: 'TX', rate: '5', inclusive: true }],
  lines: [
    { name: '凍頂烏龍茶', unitPrice: 45000, quantity: '1', taxIds: ['vat5'] },
    { name: '鳳梨酥', unitPrice: 6000, quantity: '3', taxIds: ['vat5'] },
  ],
  cash: 70000,
  receipt: {
    locale: 'zh-TW',
    timeZone: 'Asia/Taipei',
    header: { name: '鹿港茶行', lines: ['台北市大安區'] },
    footer: ['謝謝光臨'],
    labels: { subtotal: '小計', total: '總計', change: '找零' },
    tenderTypes: [{ type: 'cash', label: '現金' }],
  },
};

const JAPANESE: SaleFixture = {
  currency: 'JPY',
  taxes: [
    { id: 'jct10', name: '消費税 10%', code: '', rate: '10', inclusive: true },
    { id: 'jct8', name: '軽減税率 8%', code: '*', rate: '8', inclusive: true },
  ],
  lines: [
    { name: 'ほうじ茶ラテ', unitPrice: 480, quantity: '1', taxIds: ['jct10'] },
    { name: 'おにぎり（鮭）', unitPrice: 180, quantity: '2', taxIds: ['jct8'] },
  ],
  cash: 1000,
  receipt: {
    locale: 'ja-JP',
    timeZone: 'Asia/Tokyo',
    header: { name: '喫茶さくら', lines: ['東京都渋谷区神南1-2-3'] },
    footer: ['またのお越しをお待ちしております'],
    labels: { subtotal: '小計', total: '合計', change: 'お釣り', date: '日時' },
    tenderTypes: [{ type: 'cash', label: '現金' }],
  },
};

/** A Star printer in Star Line Mode (its own command set, ESC GS t code page numbers). */
const STAR_LINE: PrinterProfile = {
  id: 'star-tsp650ii-line',
  vendor: 'Star Micronics',
  model: 'TSP650II (Star Line Mode)',
  dialect: 'star',
  columns: { fontA: 48, fontB: 64 },
  dpi: 203,
  widthDots: 576,
  codePages: { cp437: 1, cp858: 4, cp1252: 32 },
  cjk: [],
  cutter: 'partial',
  asb: true,
  printCompletion: 'gs-r',
  maxRasterRows: 255,
  drawer: { pin: 2, openWhenHigh: false },
};

function golden(bytes: Uint8Array, profile: PrinterProfile) {
  return { transcript: dumpBytes(bytes, profile), hex: hexLines(bytes) };
}

/**
 * The amounts of the rows starting with these labels end in the same printed column (counted in
 * display width: a CJK character takes two), and no line is wider than the paper.
 */
function expectAmountsAligned(lines: string[], labels: string[], width: number): void {
  const ends = labels.map((label) => {
    const row = lines.find((l) => l.startsWith(label));
    expect(row, `a printed row starting with ${label}`).toBeDefined();
    return displayWidth(/^(.*\d)/.exec(row as string)?.[1] ?? '');
  });
  expect(new Set(ends).size, `amount end columns ${ends.join(', ')}`).toBe(1);
  for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(width);
}

describe('renderReceipt: golden jobs', () => {
  it('Latin receipt on an Epson TM-T20III: cp858 with the euro sign, every block', () => {
    const profile = PRINTER_PROFILES['epson-tm-t20iii'];
    const doc = receiptOf(LATIN);
    const bytes = renderReceipt(doc, profile);
    expect(golden(bytes, profile)).toMatchSnapshot();
    // Starts with ESC @, cp858 (ESC t 19), font A; ends with the partial cut (the profile's cutter).
    expect([...bytes.subarray(0, 8)]).toEqual([0x1b, 0x40, 0x1b, 0x74, 19, 0x1b, 0x4d, 0]);
    expect([...bytes.subarray(-4)]).toEqual([0x1d, 0x56, 66, 0]);
    expect(hasSequence(bytes, [0x1b, 0x70, 0x00, 0x19, 0xfa])).toBe(true); // drawer kick with timing
    const lines = printedLines(bytes, profile);
    expect(lines).toContain('Café Luna');
    expect(lines.some((l) => l.includes('€'))).toBe(true); // euro in the totals, as cp858 0xD5
    expect(hasSequence(bytes, [0xd5])).toBe(true);
    expectAmountsAligned(lines, ['Croissant au beurre', 'Subtotal', 'Bar', 'Rückgeld'], 48);
    // The paper matches the text preview line for line for every normal-size columns row.
    const preview = renderReceiptText(doc, { width: 48 }).split('\n');
    for (const row of lines.filter((l) => /\d$/.test(l) && !l.startsWith('SUMME'))) expect(preview).toContain(row);
  });

  it('Simplified Chinese on the GB18030 model: Kanji mode, amounts aligned by display width', () => {
    const profile = PRINTER_PROFILES['epson-tm-t88vi-chinese'];
    const bytes = renderReceipt(receiptOf(SIMPLIFIED), profile);
    expect(golden(bytes, profile)).toMatchSnapshot();
    // ESC @, Kanji mode off (the model may start in it), cp858.
    expect([...bytes.subarray(0, 7)]).toEqual([0x1b, 0x40, 0x1c, 0x2e, 0x1b, 0x74, 19]);
    // 绿茶 in GB18030 inside FS & ... FS .
    expect(hasSequence(bytes, [0x1c, 0x26, 0xc2, 0xcc, 0xb2, 0xe8, 0x1c, 0x2e])).toBe(true);
    expect(hasSequence(bytes, [0x1b, 0x52])).toBe(false); // never ESC R (international set)
    const lines = printedLines(bytes, profile);
    expect(lines).toContain('悦来茶馆');
    expectAmountsAligned(lines, ['小笼包（猪肉）', '小计', '现金', '找零'], 42);
  });

  it('Traditional Chinese on the Big5 model', () => {
    const profile = PRINTER_PROFILES['epson-tm-t88vi-traditional-chinese'];
    const bytes = renderReceipt(receiptOf(TRADITIONAL), profile);
    expect(golden(bytes, profile)).toMatchSnapshot();
    // 烏龍 in Big5 (AF 51 C0 73) within a Kanji run
    expect(hasSequence(bytes, [0xaf, 0x51, 0xc0, 0x73])).toBe(true);
    expect(hasSequence(bytes, [0x1c, 0x43])).toBe(false); // FS C is for Japanese models only
    const lines = printedLines(bytes, profile);
    expect(lines).toContain('鹿港茶行');
    expectAmountsAligned(lines, ['凍頂烏龍茶', '小計', '現金', '找零'], 42);
  });

  it('Japanese on the Shift-JIS model: FS C 1, fullwidth yen in Kanji mode', () => {
    const profile = PRINTER_PROFILES['epson-tm-t88vi-japanese'];
    const bytes = renderReceipt(receiptOf(JAPANESE), profile);
    expect(golden(bytes, profile)).toMatchSnapshot();
    expect([...bytes.subarray(0, 10)]).toEqual([0x1b, 0x40, 0x1c, 0x2e, 0x1c, 0x43, 1, 0x1b, 0x74, 19]);
    // ほうじ茶 in Shift-JIS: 82 D9 82 A4 82 B6 92 83
    expect(hasSequence(bytes, [0x1c, 0x26, 0x82, 0xd9, 0x82, 0xa4, 0x82, 0xb6, 0x92, 0x83])).toBe(true);
    const lines = printedLines(bytes, profile);
    expect(lines).toContain('喫茶さくら');
    expectAmountsAligned(lines, ['ほうじ茶ラテ', '小計', '現金', 'お釣り'], 42);
  });

  it('Star Line Mode: its own commands for styles, code page, barcode, QR, drawer and cut', () => {
    const doc = buildTextDocument('Z report #12', [{ label: 'Sales' }, { label: 'Gross', value: '€1,234.50' }], {
      header: { name: 'Café Luna' },
    });
    const blocks = [{ type: 'drawer-kick' } as const, ...doc.blocks.slice(0, -1)];
    blocks.push({ type: 'barcode', symbology: 'CODE128', data: '12%' }, { type: 'qr', data: 'Z12' }, { type: 'cut' });
    const bytes = renderReceipt({ ...doc, blocks }, STAR_LINE);
    expect(golden(bytes, STAR_LINE)).toMatchSnapshot();
    expect([...bytes.subarray(0, 10)]).toEqual([0x1b, 0x40, 0x1b, 0x1d, 0x74, 4, 0x1b, 0x1e, 0x46, 0]);
    expect(hasSequence(bytes, [0x1b, 0x07, 0x0b, 0x37, 0x07])).toBe(true); // ESC BEL n1 n2 BEL
    expect(hasSequence(bytes, [0x1b, 0x62, 54, 50, 50, 80, ...Buffer.from('12%0'), 0x1e])).toBe(true);
    expect(hasSequence(bytes, [0x1b, 0x1d, 0x79, 0x44, 0x31, 0x00, 3, 0, ...Buffer.from('Z12')])).toBe(true);
    expect([...bytes.subarray(-3)]).toEqual([0x1b, 0x64, 3]);
    expect(hasSequence(bytes, [0x1d, 0x56])).toBe(false); // GS V would print "VA" in Star mode
    expect(hasSequence(bytes, [0x1b, 0x70])).toBe(false); // and ESC p a "p"
  });
});

describe('renderReceipt: layout and encoding', () => {
  it("prints CJK as '??' on a profile without CJK, keeping the columns aligned", () => {
    const profile = PRINTER_PROFILES['epson-tm-t20iii'];
    const english = { ...SIMPLIFIED.receipt, labels: {}, tenderTypes: [] };
    const bytes = renderReceipt(receiptOf({ ...SIMPLIFIED, receipt: english }), profile);
    const lines = printedLines(bytes, profile);
    expect(lines).toContain('????????'); // 悦来茶馆: four wide characters, eight columns
    expect(hasSequence(bytes, [0x1c, 0x26])).toBe(false);
    // 小笼包（猪肉）: seven wide characters, fourteen question marks
    expectAmountsAligned(lines, [`${'?'.repeat(14)} `, 'Subtotal', 'Cash', 'Change'], 48);
  });

  it('gives double-width rows half the columns', () => {
    const profile = PRINTER_PROFILES['epson-tm-t88vi'];
    const lines = printedLines(renderReceipt(receiptOf(LATIN), profile), profile);
    const total = lines.find((l) => l.startsWith('SUMME')) as string;
    expect(displayWidth(total)).toBe(21 - 2); // 42 columns halved, less the empty tax-code column
    expect(total.endsWith('€')).toBe(true);
  });

  it('uses font B columns when asked, and font A for CJK text on CJK printers', () => {
    const t20 = PRINTER_PROFILES['epson-tm-t20iii'];
    const bytes = renderReceipt(receiptOf(LATIN), t20, { font: 'B' });
    expect([...bytes.subarray(5, 8)]).toEqual([0x1b, 0x4d, 1]);
    expect(printedLines(bytes, t20).some((l) => l.startsWith('-') && l.length === 64)).toBe(true);
    const zh = PRINTER_PROFILES['epson-tm-t88vi-chinese'];
    const cjk = renderReceipt(receiptOf(SIMPLIFIED), zh, { font: 'B' });
    expect(hasSequence(cjk, [0x1b, 0x4d, 0])).toBe(true);
    expect(hasSequence(cjk, [0x1b, 0x4d, 1])).toBe(false);
  });

  it('feeds instead of cutting on printers without a cutter; full or partial as the profile allows', () => {
    const doc = buildTextDocument('X', [{ label: 'a', value: '1' }]);
    const ends = (profile: PrinterProfile, partial?: boolean) => {
      const blocks = doc.blocks.map((b) => (b.type === 'cut' && partial !== undefined ? { ...b, partial } : b));
      return [...renderReceipt({ ...doc, blocks }, profile).subarray(-4)];
    };
    expect(ends(PRINTER_PROFILES['generic-58mm']).slice(-3)).toEqual([0x1b, 0x64, 4]);
    expect(ends(PRINTER_PROFILES['epson-tm-t88vi'])).toEqual([0x1d, 0x56, 65, 0]);
    expect(ends(PRINTER_PROFILES['epson-tm-t88vi'], true)).toEqual([0x1d, 0x56, 66, 0]);
    expect(ends(PRINTER_PROFILES['epson-tm-t20iii'], false)).toEqual([0x1d, 0x56, 66, 0]);
  });

  it('prints barcodes with GS k, HRI below, and their data as text when too long for the paper', () => {
    const doc = buildTextDocument('X', [], { cut: false });
    const blocks = [
      ...doc.blocks,
      { type: 'barcode', symbology: 'EAN13', data: '4006381333931' },
      { type: 'barcode', symbology: 'CODE39', data: 'AB-12' },
      { type: 'barcode', symbology: 'CODE128', data: 'x'.repeat(60) },
    ] as const;
    const profile = PRINTER_PROFILES['generic-58mm'];
    const bytes = renderReceipt({ ...doc, blocks: [...blocks] }, profile);
    expect(hasSequence(bytes, [0x1d, 0x48, 2, 0x1d, 0x66, 0, 0x1d, 0x77, 3, 0x1d, 0x68, 80, 0x1d, 0x6b, 67, 13])).toBe(true);
    expect(hasSequence(bytes, [0x1d, 0x6b, 69, 5, ...Buffer.from('AB-12')])).toBe(true);
    expect(printedLines(bytes, profile).slice(-2)).toEqual(['x'.repeat(32), 'x'.repeat(28)]);
  });

  it('sizes QR codes to the paper: the default module, shrunk for long data, capped at the document size', () => {
    const doc = buildTextDocument('X', [], { cut: false });
    const moduleSize = (data: string, size?: number) => {
      const qr = { type: 'qr' as const, data, ...(size === undefined ? {} : { size }) };
      const bytes = renderReceipt({ ...doc, blocks: [qr] }, PRINTER_PROFILES['generic-58mm']);
      const at = indexOf(bytes, [0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x43]);
      return bytes[at + 7];
    };
    expect(moduleSize('short')).toBe(6);
    expect(moduleSize('short', 12)).toBe(12);
    // 1000 bytes need version 26 at level M: 121 modules + 8 of quiet zone in 384 dots: 2 dots each.
    expect(moduleSize('x'.repeat(1000))).toBe(2);
  });

  it('prints an image block from a RasterImage or PNG bytes, and skips one it has no image for', () => {
    const profile = PRINTER_PROFILES['epson-tm-t88vi'];
    const doc = buildTextDocument('X', [], { cut: false });
    const blocks = [{ type: 'image' as const, ref: 'logo', align: 'center' as const }, ...doc.blocks];
    const pixels = new Uint8Array(600 * 300).fill(0);
    const raster = renderReceipt({ ...doc, blocks }, profile, { images: { logo: { width: 600, height: 300, pixels } } });
    // 600 wide shrinks to the 512 dots of the paper: 64 bytes a row, 256 rows, in slices of 255.
    expect(hasSequence(raster, [0x1d, 0x76, 0x30, 0, 64, 0, 255, 0])).toBe(true);
    expect(hasSequence(raster, [0x1d, 0x76, 0x30, 0, 64, 0, 1, 0])).toBe(true);
    const png = new pngjs.PNG({ width: 16, height: 2 });
    png.data.fill(0);
    const fromPng = renderReceipt({ ...doc, blocks }, profile, { images: { logo: new Uint8Array(pngjs.PNG.sync.write(png)) } });
    expect(hasSequence(fromPng, [0x1d, 0x76, 0x30, 0, 2, 0, 2, 0])).toBe(true);
    const missing = renderReceipt({ ...doc, blocks }, profile);
    expect(hasSequence(missing, [0x1d, 0x76, 0x30])).toBe(false);
  });

  it('kicks the drawer as the document says, as options say, and never for a copy', () => {
    const profile = PRINTER_PROFILES['epson-tm-t20iii'];
    const kick = [0x1b, 0x70, 0x00, 0x19, 0xfa];
    const withKick = receiptOf(LATIN);
    const without = receiptOf({ ...LATIN, receipt: { ...LATIN.receipt, openDrawer: false } });
    expect(hasSequence(renderReceipt(without, profile), kick)).toBe(false);
    expect(hasSequence(renderReceipt(without, profile, { drawerKick: true }), kick)).toBe(true);
    expect(hasSequence(renderReceipt(withKick, profile, { drawerKick: false }), kick)).toBe(false);
    const copy = renderReceipt(withKick, profile, { copy: true, drawerKick: true });
    expect(hasSequence(copy, kick)).toBe(false);
    const lines = printedLines(copy, profile);
    expect(lines.filter((l) => l === '*** COPY ***')).toHaveLength(2);
    const pin5 = { ...profile, drawer: { pin: 5 as const, openWhenHigh: false } };
    expect(hasSequence(renderReceipt(withKick, pin5), [0x1b, 0x70, 0x01, 0x19, 0xfa])).toBe(true);
  });

  it('refuses documents, profiles and options that are not valid', () => {
    const profile = PRINTER_PROFILES['epson-tm-t20iii'];
    const doc = buildTextDocument('X', []);
    const injected = { ...doc, blocks: [{ type: 'text' as const, text: 'a\x1b@b' }] };
    expect(code(() => renderReceipt(injected, profile))).toBe('VALIDATION_FAILED');
    expect(code(() => renderReceipt(doc, { ...profile, widthDots: 0 }))).toBe('VALIDATION_FAILED');
    expect(code(() => renderReceipt(doc, profile, { font: 'C' as 'A' }))).toBe('VALIDATION_FAILED');
    const starChinese = { ...STAR_LINE, cjk: ['gb18030' as const] };
    expect(code(() => renderReceipt(doc, starChinese))).toBe('VALIDATION_FAILED');
  });
});
