import { describe, expect, it } from 'vitest';
import { displayWidth } from './display-width';
import { ErrorCode, StateError, TillkitError } from './errors';
import type { AppliedDiscount, PricedLine, PricedServiceCharge, TaxBucket, TaxRateInput } from './pricing-schema';
import {
  buildReceipt,
  buildTextDocument,
  ReceiptDocumentSchema,
  type ReceiptBlock,
  type ReceiptDocument,
  type ReceiptOptions,
  type ReceiptRole,
} from './receipt';
import { renderReceiptText } from './receipt-text';
import { openReturn } from './returns';
import { addTender, completeSale } from './sale';
import { openTill, ring } from './test-fixtures';
import type { CompletedTransaction, Tender } from './transaction';
import { errorCode as codeOf } from './test-support';

// ---------------------------------------------------------------------------------------------
// Hand-built completed transactions: amounts are consistent (net + tax = gross, lines sum to the
// total, tenders balance) with simple half-up rounding per line.
// ---------------------------------------------------------------------------------------------

const EU_VAT: TaxRateInput[] = [
  { id: 'vat19', name: 'VAT 19%', code: 'A', rate: '19', inclusive: true },
  { id: 'vat7', name: 'VAT 7%', code: 'B', rate: '7', inclusive: true },
];

interface LineSpec {
  id: string;
  name: string;
  unitPrice: number;
  quantity?: string;
  unit?: string;
  modifierUnitPrice?: number;
  discounts?: AppliedDiscount[];
  taxId?: string;
}

function pricedLine(spec: LineSpec, taxes: readonly TaxRateInput[]): PricedLine {
  const quantity = spec.quantity ?? '1';
  const modifierUnitPrice = spec.modifierUnitPrice ?? 0;
  const gross = Math.round((spec.unitPrice + modifierUnitPrice) * Number(quantity));
  const discounts = spec.discounts ?? [];
  const lineDiscount = discounts.filter((d) => d.scope === 'line').reduce((s, d) => s + d.amount, 0);
  const orderDiscount = discounts.filter((d) => d.scope === 'order').reduce((s, d) => s + d.amount, 0);
  const base = gross - lineDiscount - orderDiscount;
  const rate = taxes.find((t) => t.id === spec.taxId);
  const r = rate ? Number(rate.rate) / 100 : 0;
  const tax = !rate ? 0 : rate.inclusive ? Math.round((base * r) / (1 + r)) : Math.round(base * r);
  const net = rate?.inclusive ? base - tax : base;
  return {
    id: spec.id,
    sku: undefined,
    name: spec.name,
    unitPrice: spec.unitPrice,
    quantity,
    unit: spec.unit,
    modifierUnitPrice,
    gross,
    discounts,
    lineDiscount,
    orderDiscount,
    base,
    net,
    taxes: rate ? [{ taxId: rate.id, rate: String(rate.rate), inclusive: rate.inclusive, taxable: net, amount: tax }] : [],
    total: net + tax,
  };
}

function bucketsOf(items: readonly (PricedLine | PricedServiceCharge)[], taxes: readonly TaxRateInput[]): TaxBucket[] {
  return taxes.flatMap((t) => {
    const parts = items.flatMap((i) => i.taxes.filter((x) => x.taxId === t.id));
    if (parts.length === 0) return [];
    const net = parts.reduce((s, x) => s + x.taxable, 0);
    const tax = parts.reduce((s, x) => s + x.amount, 0);
    return [
      { taxId: t.id, name: t.name, code: t.code, rate: String(t.rate), inclusive: t.inclusive, net, tax, gross: net + tax },
    ];
  });
}

function tender(type: string, amount: number, reference?: string): Tender {
  const kind = type === 'cash' ? 'cash' : type === 'card' ? 'card' : 'other';
  return { id: `t-${type}`, type, kind, amount, reference, allowsChange: kind === 'cash', cashRounding: kind === 'cash' };
}

interface TxSpec {
  currency: string;
  taxes?: TaxRateInput[];
  lines: LineSpec[];
  serviceCharges?: PricedServiceCharge[];
  tenders: Tender[];
  cashRounding?: number;
  training?: boolean;
  receiptNumber?: number;
  operator?: string;
}

function completed(spec: TxSpec): CompletedTransaction {
  const taxes = spec.taxes ?? EU_VAT;
  const lines = spec.lines.map((l) => pricedLine(l, taxes));
  const serviceCharges = spec.serviceCharges ?? [];
  const sum = (f: (l: PricedLine) => number) => lines.reduce((s, l) => s + f(l), 0);
  const total = sum((l) => l.total) + serviceCharges.reduce((s, c) => s + c.total, 0);
  const cashRounding = spec.cashRounding ?? 0;
  const amountDue = total + cashRounding;
  const paid = spec.tenders.reduce((s, t) => s + t.amount, 0);
  return {
    id: '0190f3c4-5d6e-7a8b-9c0d-1e2f3a4b5c6d',
    tillId: 'till-1',
    kind: 'sale',
    currency: spec.currency,
    operator: spec.operator ?? 'Anna',
    training: spec.training ?? false,
    openedAt: '2026-03-02T08:58:00.000Z',
    taxes,
    policy: { mode: 'HALF_EVEN', level: 'LINE', inclusiveRoundFirst: 'TAX' },
    events: [],
    status: 'completed',
    sequence: 57,
    receiptNumber: spec.training ? 0 : (spec.receiptNumber ?? 1042),
    completedAt: '2026-03-02T09:00:00.000Z',
    priced: {
      currency: spec.currency,
      policy: { mode: 'HALF_EVEN', level: 'LINE', inclusiveRoundFirst: 'TAX' },
      lines,
      serviceCharges,
      taxBuckets: bucketsOf([...lines, ...serviceCharges], taxes),
      subtotal: sum((l) => l.gross),
      discountTotal: sum((l) => l.lineDiscount + l.orderDiscount),
      netTotal: sum((l) => l.net) + serviceCharges.reduce((s, c) => s + c.net, 0),
      taxTotal: sum((l) => l.total - l.net) + serviceCharges.reduce((s, c) => s + c.total - c.net, 0),
      serviceChargeTotal: serviceCharges.reduce((s, c) => s + c.total, 0),
      roundingAdjustment: 0,
      total,
      documentRounding: undefined,
    },
    tenders: spec.tenders,
    change: paid - amountDue,
    cashRounding,
    amountDue,
    returnOf: undefined,
  };
}

/** Café sale in EUR: inclusive VAT at two rates, a line discount, an order discount, card + cash. */
function eurSale(overrides: Partial<TxSpec> = {}): CompletedTransaction {
  return completed({
    currency: 'EUR',
    lines: [
      {
        id: 'l1',
        name: 'Cappuccino',
        unitPrice: 350,
        quantity: '2',
        modifierUnitPrice: 50,
        taxId: 'vat19',
        discounts: [
          { scope: 'line', id: 'hh', name: 'Happy hour 10%', kind: 'percent', amount: 80 },
          { scope: 'order', id: 'loyal', name: 'Loyalty', kind: 'amount', amount: 48 },
        ],
      },
      {
        id: 'l2',
        name: 'Croissant',
        unitPrice: 295,
        taxId: 'vat7',
        discounts: [{ scope: 'order', id: 'loyal', name: 'Loyalty', kind: 'amount', amount: 20 }],
      },
      {
        id: 'l3',
        name: 'Bananas',
        unitPrice: 199,
        quantity: '1.235',
        unit: 'kg',
        taxId: 'vat7',
        discounts: [{ scope: 'order', id: 'loyal', name: 'Loyalty', kind: 'amount', amount: 17 }],
      },
    ],
    tenders: [tender('card', 500, 'AUTH 884213'), tender('cash', 1000)],
    ...overrides,
  });
}

/** Returns the stored amounts negated, as openReturn() replays them. */
function asReturn(sale: CompletedTransaction): CompletedTransaction {
  const neg = (n: number) => -n || 0;
  const lines = sale.priced.lines.map((l) => ({
    ...l,
    gross: neg(l.gross),
    discounts: l.discounts.map((d) => ({ ...d, amount: neg(d.amount) })),
    lineDiscount: neg(l.lineDiscount),
    orderDiscount: neg(l.orderDiscount),
    base: neg(l.base),
    net: neg(l.net),
    taxes: l.taxes.map((t) => ({ ...t, taxable: neg(t.taxable), amount: neg(t.amount) })),
    total: neg(l.total),
  }));
  const p = sale.priced;
  return {
    ...sale,
    id: '0190f3c4-aaaa-7a8b-9c0d-1e2f3a4b5c6d',
    kind: 'return',
    receiptNumber: 1043,
    completedAt: '2026-03-03T10:30:00.000Z',
    priced: {
      ...p,
      lines,
      taxBuckets: p.taxBuckets.map((b) => ({ ...b, net: neg(b.net), tax: neg(b.tax), gross: neg(b.gross) })),
      subtotal: neg(p.subtotal),
      discountTotal: neg(p.discountTotal),
      netTotal: neg(p.netTotal),
      taxTotal: neg(p.taxTotal),
      total: neg(p.total),
    },
    tenders: [tender('cash', neg(p.total))],
    change: 0,
    cashRounding: 0,
    amountDue: neg(p.total),
    returnOf: { transactionId: sale.id, sequence: sale.sequence, receiptNumber: sale.receiptNumber, lines: [] },
  };
}

// ---------------------------------------------------------------------------------------------
// Helpers to read a document
// ---------------------------------------------------------------------------------------------

function withRole(doc: ReceiptDocument, role: ReceiptRole): ReceiptBlock[] {
  return doc.blocks.filter((b) => (b.type === 'text' || b.type === 'columns') && b.role === role);
}

/** The cells of a columns block, or the text of a text block. */
function cells(block: ReceiptBlock | undefined): string[] {
  if (block?.type === 'columns') return block.columns.map((c) => c.text);
  if (block?.type === 'text') return [block.text];
  throw new Error(`not a text or columns block: ${JSON.stringify(block)}`);
}

function texts(doc: ReceiptDocument, role: ReceiptRole): string[][] {
  return withRole(doc, role).map(cells);
}

/** Parses an en-US plain amount ("1,234.50", "-0.80") into minor units. */
function minor(text: string, exponent: number): number {
  const value = text.replace(/[^\d.-]/g, '');
  const [whole = '0', fraction = ''] = value.replace('-', '').split('.');
  const units = Number(whole) * 10 ** exponent + Number(fraction.padEnd(exponent, '0') || '0');
  return value.startsWith('-') ? -units : units;
}

const OPTIONS: ReceiptOptions = { locale: 'en-GB', timeZone: 'Europe/Dublin' };

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

describe('buildReceipt: an EUR sale with inclusive VAT and discounts', () => {
  const tx = eurSale();
  const doc = buildReceipt(tx, {
    ...OPTIONS,
    header: { name: 'Café Zentral', lines: ['Hauptstr. 1, 10115 Berlin', 'VAT DE123456789'] },
    footer: ['Thank you!'],
    barcode: 'receipt-number',
    qr: 'https://example.com/r/1042',
    logo: 'logo-main',
    openDrawer: true,
  });

  it('is plain, serialisable data that passes its own schema', () => {
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
    expect(ReceiptDocumentSchema.safeParse(doc).success).toBe(true);
    expect(doc).toMatchObject({
      version: 1,
      kind: 'sale',
      locale: 'en-GB',
      currency: 'EUR',
      copy: false,
      training: false,
      transactionId: tx.id,
    });
  });

  it('kicks the drawer first, then the logo and the centered header with the name bold and double', () => {
    expect(doc.blocks.slice(0, 3)).toEqual([
      { type: 'drawer-kick' },
      { type: 'image', ref: 'logo-main', align: 'center' },
      { type: 'text', text: 'Café Zentral', role: 'header', align: 'center', bold: true, size: 'double' },
    ]);
    expect(texts(doc, 'header').slice(1)).toEqual([['Hauptstr. 1, 10115 Berlin'], ['VAT DE123456789']]);
  });

  it('prints receipt number, date in the time zone, till and operator', () => {
    expect(texts(doc, 'meta')).toEqual([
      ['Receipt', '1042'],
      ['Date', '02/03/2026, 09:00'],
      ['Till', 'till-1'],
      ['Operator', 'Anna'],
    ]);
  });

  it('prints items with quantity x unit price (extras included), amount and tax code', () => {
    expect(texts(doc, 'item')).toEqual([['Cappuccino'], ['Croissant', '2.95', 'B'], ['Bananas']]);
    expect(texts(doc, 'item-detail')).toEqual([
      ['  2 x 4.00', '8.00', 'A'],
      ['  incl. extras 0.50', '', ''],
      ['  1.235 kg x 1.99/kg', '2.46', 'B'],
    ]);
  });

  it('prints line discounts under their item and order discounts once, summed, with negative amounts', () => {
    expect(texts(doc, 'discount')).toEqual([
      ['  Happy hour 10%', '-0.80', ''],
      ['Loyalty', '-0.85', ''],
      ['Total discounts', '-1.65', ''],
    ]);
  });

  it('adds up: subtotal of the printed items, minus order discounts, is the TOTAL (bold, double)', () => {
    const [subtotal] = texts(doc, 'subtotal');
    expect(subtotal).toEqual(['Subtotal', '12.61', '']);
    const total = withRole(doc, 'total');
    expect(total).toEqual([
      {
        type: 'columns',
        role: 'total',
        bold: true,
        size: 'double',
        columns: [
          { text: 'TOTAL', width: 'fill', align: 'left' },
          { text: '€11.76', width: 6, align: 'right' },
          { text: '', width: 1, align: 'left' },
        ],
      },
    ]);
    expect(tx.priced.total).toBe(1176);
  });

  it('prints each tender with its reference, and the change', () => {
    expect(texts(doc, 'payment')).toEqual([
      ['Card', '5.00', ''],
      ['  Ref AUTH 884213', '', ''],
      ['Cash', '10.00', ''],
    ]);
    expect(texts(doc, 'change')).toEqual([['Change', '3.24', '']]);
  });

  it('prints the tax breakdown: rate, net, tax and gross per bucket', () => {
    expect(texts(doc, 'tax-breakdown')).toEqual([
      ['Rate', 'Net', 'Tax', 'Gross'],
      ['A 19%', '5.65', '1.07', '6.72'],
      ['B 7%', '4.71', '0.33', '5.04'],
    ]);
    for (const b of tx.priced.taxBuckets) expect(b.net + b.tax).toBe(b.gross);
  });

  it('ends with footer, barcode, QR and a cut', () => {
    expect(doc.blocks.slice(-5)).toEqual([
      { type: 'divider' },
      { type: 'text', text: 'Thank you!', role: 'footer', align: 'center' },
      { type: 'barcode', symbology: 'CODE128', data: '1042' },
      { type: 'qr', data: 'https://example.com/r/1042' },
      { type: 'cut' },
    ]);
  });

  it('puts every amount in one shared column and every tax code in another', () => {
    const rows = doc.blocks.filter(
      (b): b is Extract<ReceiptBlock, { type: 'columns' }> => b.type === 'columns' && b.columns.length === 3,
    );
    expect(new Set(rows.map((b) => JSON.stringify(b.columns.map((c) => c.width))))).toEqual(new Set(['["fill",6,1]']));
  });

  it('renders as text (golden, 42 columns)', () => {
    expect(renderReceiptText(doc, { width: 42 })).toMatchInlineSnapshot(`
      "            [image: logo-main]
                     Café Zentral
              Hauptstr. 1, 10115 Berlin
                   VAT DE123456789
      Receipt                               1042
      Date                     02/03/2026, 09:00
      Till                                till-1
      Operator                              Anna
      ------------------------------------------
      Cappuccino
        2 x 4.00                          8.00 A
        incl. extras 0.50
        Happy hour 10%                   -0.80
      Croissant                           2.95 B
      Bananas
        1.235 kg x 1.99/kg                2.46 B
      ------------------------------------------
      Subtotal                           12.61
      Loyalty                            -0.85
      TOTAL                             €11.76
      Card                                5.00
        Ref AUTH 884213
      Cash                               10.00
      Change                              3.24
      Total discounts                    -1.65
      ------------------------------------------
      Rate                        Net  Tax Gross
      A 19%                      5.65 1.07  6.72
      B 7%                       4.71 0.33  5.04
      ------------------------------------------
                      Thank you!
                   [CODE128: 1042]
           [QR: https://example.com/r/1042]
      - - - - - - - - - - - - - - - - - - - - -"
    `);
  });
});

describe('buildReceipt: currencies', () => {
  it('prints JPY without decimals and with the fullwidth yen sign of ja-JP', () => {
    const tx = completed({
      currency: 'JPY',
      taxes: [
        { id: 'jp8', name: '軽減税率 8%', code: '※', rate: '8', inclusive: true },
        { id: 'jp10', name: '消費税 10%', rate: '10', inclusive: true },
      ],
      lines: [
        { id: 'a', name: '緑茶', unitPrice: 150, quantity: '3', taxId: 'jp8' },
        { id: 'b', name: '幕の内弁当', unitPrice: 980, taxId: 'jp10' },
      ],
      tenders: [tender('cash', 2000)],
    });
    const doc = buildReceipt(tx, { locale: 'ja-JP', timeZone: 'Asia/Tokyo' });
    expect(texts(doc, 'item-detail')).toEqual([['  3 x 150', '450', '※']]);
    expect(texts(doc, 'item')).toEqual([['緑茶'], ['幕の内弁当', '980', 'A']]);
    expect(cells(withRole(doc, 'total')[0])).toEqual(['TOTAL', '￥1,430', '']);
    expect(texts(doc, 'change')).toEqual([['Change', '570', '']]);
    expect(texts(doc, 'meta')[1]).toEqual(['Date', '2026/03/02 18:00']);
    expect(texts(doc, 'tax-breakdown').slice(1)).toEqual([
      ['※ 8%', '417', '33', '450'],
      ['A 10%', '891', '89', '980'],
    ]);
  });

  it('prints KWD with three decimals', () => {
    const tx = completed({
      currency: 'KWD',
      taxes: [],
      lines: [
        { id: 'a', name: 'Shawarma', unitPrice: 1250, quantity: '2' },
        { id: 'b', name: 'Laban', unitPrice: 375 },
      ],
      tenders: [tender('card', 2875)],
    });
    const doc = buildReceipt(tx, { locale: 'en-US' });
    expect(texts(doc, 'item-detail')).toEqual([['  2 x 1.250', '2.500']]);
    expect(texts(doc, 'item')).toEqual([['Shawarma'], ['Laban', '0.375']]);
    expect(cells(withRole(doc, 'total')[0])).toEqual(['TOTAL', 'KWD\u00a02.875']);
    expect(texts(doc, 'change')).toEqual([]);
    expect(withRole(doc, 'tax-breakdown')).toEqual([]);
  });

  it('formats amounts in the locale: de-DE uses a decimal comma and a trailing euro sign', () => {
    const doc = buildReceipt(eurSale(), { locale: 'de-DE', timeZone: 'Europe/Berlin' });
    expect(cells(withRole(doc, 'total')[0])).toEqual(['TOTAL', '11,76\u00a0€', '']);
    expect(texts(doc, 'item-detail')[2]).toEqual(['  1,235 kg x 1,99/kg', '2,46', 'B']);
  });

  it('shows additive tax, service charges and cash rounding as rows that add up to what was paid', () => {
    const taxes: TaxRateInput[] = [{ id: 'ny', name: 'Sales tax 8.875%', rate: '8.875', inclusive: false }];
    const charge: PricedServiceCharge = {
      id: 'svc',
      name: 'Service 10%',
      phase: 'BEFORE_TAX',
      net: 200,
      taxes: [{ taxId: 'ny', rate: '8.875', inclusive: false, taxable: 200, amount: 18 }],
      total: 218,
    };
    const tx = completed({
      currency: 'CHF',
      taxes,
      lines: [{ id: 'a', name: 'Pasta', unitPrice: 1999, taxId: 'ny' }],
      serviceCharges: [charge],
      tenders: [tender('cash', 2500)],
      cashRounding: 1,
    });
    const doc = buildReceipt(tx, OPTIONS);
    expect(texts(doc, 'service-charge')).toEqual([['Service 10%', '2.00', 'A']]);
    expect(texts(doc, 'tax')).toEqual([['Sales tax 8.875%', '1.95', 'A']]);
    expect(texts(doc, 'rounding')).toEqual([
      ['Cash rounding', '+0.01', ''],
      ['Rounded total', 'CHF\u00a023.95', ''],
    ]);
    const column = (role: ReceiptRole) => texts(doc, role).reduce((s, c) => s + minor(c[1] ?? '', 2), 0);
    const total = column('subtotal') + column('discount') + column('service-charge') + column('tax');
    expect(total).toBe(tx.priced.total);
    expect(total + tx.cashRounding - column('payment') + column('change')).toBe(0);
  });
});

describe('buildReceipt: returns, copies and training', () => {
  it('marks a return with a RETURN banner and the original receipt, with refund amounts', () => {
    const sale = eurSale();
    const doc = buildReceipt(asReturn(sale), OPTIONS);
    expect(doc.kind).toBe('return');
    expect(texts(doc, 'banner')).toEqual([['*** RETURN ***']]);
    expect(texts(doc, 'meta')).toContainEqual(['Original receipt', '1042']);
    expect(texts(doc, 'meta').flat()).toContain(sale.id);
    expect(texts(doc, 'item-detail')[0]).toEqual(['  2 x 4.00', '-8.00', 'A']);
    // A discount on a return reduces the refund: shown positive.
    expect(texts(doc, 'discount')[0]).toEqual(['  Happy hour 10%', '0.80', '']);
    expect(cells(withRole(doc, 'total')[0])).toEqual(['TOTAL', '-€11.76', '']);
    expect(texts(doc, 'payment')).toEqual([['Cash', '-11.76', '']]);
    expect(texts(doc, 'change')).toEqual([]);
  });

  it('marks a reprint as a COPY at the top and bottom and never opens the drawer', () => {
    const doc = buildReceipt(eurSale(), { ...OPTIONS, copy: true, openDrawer: true });
    expect(doc.copy).toBe(true);
    expect(doc.blocks.some((b) => b.type === 'drawer-kick')).toBe(false);
    const banners = withRole(doc, 'banner');
    expect(banners.map(cells)).toEqual([['*** COPY ***'], ['*** COPY ***']]);
    expect(banners[0]).toMatchObject({ align: 'center', bold: true });
    expect(doc.blocks.at(-2)).toBe(banners[1]);
  });

  it('marks training with TRAINING - NOT A RECEIPT, no receipt number and no receipt barcode', () => {
    const doc = buildReceipt(eurSale({ training: true }), { ...OPTIONS, barcode: 'receipt-number' });
    expect(doc.training).toBe(true);
    expect(texts(doc, 'banner')).toEqual([['*** TRAINING - NOT A RECEIPT ***'], ['*** TRAINING - NOT A RECEIPT ***']]);
    expect(texts(doc, 'meta').map((c) => c[0])).not.toContain('Receipt');
    expect(doc.blocks.some((b) => b.type === 'barcode')).toBe(false);
  });

  it('prints a training copy of a return with all three banners', () => {
    const doc = buildReceipt(asReturn(eurSale({ training: true })), { ...OPTIONS, copy: true });
    expect(texts(doc, 'banner').slice(0, 3).flat()).toEqual([
      '*** TRAINING - NOT A RECEIPT ***',
      '*** COPY ***',
      '*** RETURN ***',
    ]);
  });
});

describe('buildReceipt: CJK text', () => {
  const tx = completed({
    currency: 'JPY',
    taxes: [{ id: 'jp8', name: '軽減税率 8%', code: '8', rate: '8', inclusive: true }],
    lines: [
      { id: 'a', name: '緑茶', unitPrice: 150, taxId: 'jp8' },
      { id: 'b', name: '幕の内弁当（特製）デラックス版・季節の野菜入り', unitPrice: 1280, taxId: 'jp8' },
      { id: 'c', name: 'おにぎり 鮭', unitPrice: 160, quantity: '3', taxId: 'jp8' },
      { id: 'd', name: 'Coke コーラ 500ml', unitPrice: 98, taxId: 'jp8' },
      { id: 'e', name: '한국 김치', unitPrice: 12345, taxId: 'jp8' },
    ],
    tenders: [tender('cash', 20000)],
  });
  const doc = buildReceipt(tx, { locale: 'ja-JP', timeZone: 'Asia/Tokyo', header: { name: 'コンビニ 東京駅前店' } });

  it.each([32, 42, 48])('fits every line in %i columns and right-aligns every item amount at the same column', (width) => {
    const lines = renderReceiptText(doc, { width }).split('\n');
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(width);
    const itemRows = [...withRole(doc, 'item'), ...withRole(doc, 'item-detail')].filter((b) => b.type === 'columns');
    expect(itemRows).toHaveLength(5);
    for (const [, amount, code] of itemRows.map(cells)) {
      const line = lines.find((l) => l.endsWith(` ${amount} ${code}`));
      expect(line, `no line ends with ${amount} ${code}`).toBeDefined();
      // The code column is one column wide: each amount ends two columns before the line end.
      expect(displayWidth(line as string)).toBe(width);
    }
  });

  it('wraps a long CJK name inside its column, the amount on its first line', () => {
    const name = '幕の内弁当（特製）デラックス版・季節の野菜入り';
    const lines = renderReceiptText(doc, { width: 32 }).split('\n');
    const first = lines.findIndex((l) => l.startsWith('幕の内弁当'));
    expect(lines[first]).toMatch(/ 1,280 8$/);
    const wrapped = lines.slice(first, first + 3);
    expect(wrapped.join('').replace(' 1,280 8', '').replace(/\s/g, '')).toBe(name);
  });
});

describe('buildReceipt: the real sale lifecycle', () => {
  it('adds up for a sale priced by the engine and for its partial return', () => {
    const till = openTill();
    const sale = ring(till, {
      lines: [
        {
          id: 'l1',
          name: 'Cappuccino',
          unitPrice: 350,
          quantity: 2,
          taxIds: ['vat19'],
          modifiers: [{ name: 'Oat milk', unitPrice: 50 }],
          discounts: [{ kind: 'percent', percent: 10, name: 'Happy hour' }],
        },
        { id: 'l2', name: '抹茶ラテ', unitPrice: 495, quantity: 1, taxIds: ['vat7'] },
      ],
      orderDiscounts: [{ kind: 'amount', amount: 100, name: 'Loyalty' }],
      tenders: [
        { type: 'card', amount: 500 },
        { type: 'cash', amount: 2000 },
      ],
    });
    let draft = openReturn({ source: sale.tx, lines: [{ sourceLineId: 'l1', quantity: 1 }], at: '2026-03-03T10:00:00.000Z' });
    draft = addTender(draft, { type: 'cash' });
    const refund = completeSale(draft, sale.till, { at: '2026-03-03T10:00:00.000Z' }).transaction;

    for (const tx of [sale.tx, refund]) {
      const doc = buildReceipt(tx, OPTIONS);
      const amounts = (rows: string[][]) => rows.reduce((s, c) => s + minor(c[1] ?? '', 2), 0);
      const discounts = texts(doc, 'discount');
      const lineDiscounts = discounts.filter((c) => c[0]?.startsWith('  '));
      const orderDiscounts = discounts.filter((c) => !c[0]?.startsWith('  ') && c[0] !== 'Total discounts');
      const items = amounts(texts(doc, 'item').filter((c) => c.length > 1)) + amounts(texts(doc, 'item-detail'));
      const subtotal = amounts(texts(doc, 'subtotal'));
      expect(subtotal).toBe(items + amounts(lineDiscounts));
      expect(subtotal + amounts(orderDiscounts)).toBe(tx.priced.total);
      expect(amounts(texts(doc, 'total'))).toBe(tx.priced.total);
      expect(amounts(texts(doc, 'payment')) - amounts(texts(doc, 'change'))).toBe(tx.amountDue);
    }
  });
});

describe('buildReceipt: validation', () => {
  const tx = eurSale();

  it.each<[string, unknown]>([
    ['an unknown option (typo)', { opendrawer: true }],
    ['a malformed locale', { locale: 'en_US!' }],
    ['an unknown time zone', { timeZone: 'Mars/Olympus' }],
    ['an unknown barcode source', { barcode: 'sku' }],
    ['barcode: true', { barcode: true }],
    ['an empty QR payload', { qr: '' }],
    ['a QR payload beyond 2953 bytes', { qr: 'x'.repeat(2954) }],
    ['an empty logo reference', { logo: '' }],
    ['a header without a name', { header: { name: '' } }],
    ['a header line with a line break', { header: { name: 'Shop', lines: ['a\nb'] } }],
    ['a footer line with an ESC/POS command', { footer: ['\u001b@'] }],
    ['an unknown label', { labels: { totl: 'SUMME' } }],
    ['a tender type without a label', { tenderTypes: [{ type: 'cash', label: '' }] }],
    ['copy given as a string', { copy: 'yes' }],
    ['options that are not an object', 42],
  ])('refuses %s with VALIDATION_FAILED', (_, options) => {
    expect(codeOf(() => buildReceipt(tx, options as ReceiptOptions))).toBe(ErrorCode.VALIDATION_FAILED);
  });

  it('refuses a transaction that is not completed with a StateError INVALID_STATE', () => {
    const open = { ...tx, status: 'open' } as unknown as CompletedTransaction;
    let error: unknown;
    try {
      buildReceipt(open);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StateError);
    expect(TillkitError.hasCode(error, ErrorCode.INVALID_STATE)).toBe(true);
  });

  it('refuses something that is not a transaction with VALIDATION_FAILED', () => {
    expect(codeOf(() => buildReceipt(null as unknown as CompletedTransaction))).toBe(ErrorCode.VALIDATION_FAILED);
  });

  it('turns control characters in item names into spaces, so no printer command gets through', () => {
    const doc = buildReceipt(
      eurSale({ lines: [{ id: 'x', name: 'Tea\u001b@\nbag', unitPrice: 100 }], tenders: [tender('cash', 100)] }),
      OPTIONS,
    );
    expect(texts(doc, 'item')).toEqual([['Tea @ bag', '1.00']]);
  });

  it('uses tender type labels and label overrides', () => {
    const doc = buildReceipt(eurSale({ tenders: [tender('gift-card', 1176)] }), {
      ...OPTIONS,
      labels: { total: 'SUMME', subtotal: 'Zwischensumme' },
      tenderTypes: [{ type: 'card', label: 'Karte' }],
    });
    expect(cells(withRole(doc, 'total')[0])[0]).toBe('SUMME');
    expect(cells(withRole(doc, 'subtotal')[0])[0]).toBe('Zwischensumme');
    expect(texts(doc, 'payment')).toEqual([['Gift card', '11.76', '']]);
    const card = buildReceipt(eurSale({ tenders: [tender('card', 1176)] }), { tenderTypes: [{ type: 'card', label: 'Karte' }] });
    expect(texts(card, 'payment')[0]?.[0]).toBe('Karte');
  });

  it('encodes the transaction id as a CODE128 barcode when asked', () => {
    const doc = buildReceipt(tx, { barcode: 'transaction-id' });
    expect(doc.blocks).toContainEqual({ type: 'barcode', symbology: 'CODE128', data: tx.id });
  });
});

describe('buildTextDocument', () => {
  it('lays out a report as a title and label / value rows, headings for rows without a value', () => {
    const doc = buildTextDocument(
      'Z report #12',
      [
        { label: 'Sales' },
        { label: 'Gross', value: '1,234.50' },
        { label: 'Receipts', value: '87' },
        { label: 'Total', value: '€1,234.50', bold: true },
      ],
      { currency: 'EUR', header: { name: 'Café Zentral' }, footer: ['End of report'] },
    );
    expect(doc).toMatchObject({ version: 1, kind: 'report', currency: 'EUR', copy: false, training: false });
    expect(ReceiptDocumentSchema.safeParse(doc).success).toBe(true);
    expect(texts(doc, 'heading')).toEqual([['Z report #12'], ['Sales']]);
    expect(texts(doc, 'row')).toEqual([
      ['Gross', '1,234.50'],
      ['Receipts', '87'],
      ['Total', '€1,234.50'],
    ]);
    expect(withRole(doc, 'row')[2]).toMatchObject({ bold: true });
    expect(renderReceiptText(doc, { width: 32 })).toMatchInlineSnapshot(`
      "          Café Zentral
                Z report #12
      --------------------------------
      Sales
      Gross                   1,234.50
      Receipts                      87
      Total                  €1,234.50
      --------------------------------
               End of report
      - - - - - - - - - - - - - - - -"
    `);
  });

  it('marks training and copies and can leave out the cut', () => {
    const doc = buildTextDocument('X report', [], { training: true, copy: true, cut: false });
    expect(texts(doc, 'banner').flat()).toEqual([
      '*** TRAINING - NOT A RECEIPT ***',
      '*** COPY ***',
      '*** TRAINING - NOT A RECEIPT ***',
      '*** COPY ***',
    ]);
    expect(doc.blocks.some((b) => b.type === 'cut')).toBe(false);
  });

  it.each<[string, () => unknown]>([
    ['an empty title', () => buildTextDocument('', [])],
    ['a row value with a tab', () => buildTextDocument('X', [{ label: 'a', value: '1\t2' }])],
    ['rows that are not an array', () => buildTextDocument('X', 'rows' as never)],
    ['an unknown currency', () => buildTextDocument('X', [], { currency: 'EURO' })],
  ])('refuses %s with VALIDATION_FAILED', (_, fn) => {
    expect(codeOf(fn)).toBe(ErrorCode.VALIDATION_FAILED);
  });
});
