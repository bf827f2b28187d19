import { describe, expect, it } from 'vitest';
import { priceSale } from './pricing';
import type { LineInput, PricedSale, PricingInput, TaxRateInput } from './pricing-schema';
import type { TaxPolicy } from './tax-policy';

// Worked examples from public documentation. Every expected value is computed by hand in the
// comment beside it; none comes from the code under test.

function item(id: string, unitPrice: number, taxIds: string[], quantity: number | string = 1): LineInput {
  return { id, name: id, unitPrice, quantity, taxIds };
}

function price(currency: string, taxes: TaxRateInput[], lines: LineInput[], policy: TaxPolicy): PricedSale {
  const input: PricingInput = { currency, taxes, lines, policy };
  return priceSale(input);
}

const taxesOf = (priced: PricedSale): number[] => priced.lines.map((l) => l.taxes.reduce((s, t) => s + t.amount, 0));

describe("Square: banker's rounding of per-line tax", () => {
  // https://developer.squareup.com/docs/orders-api/price-adjustments ("Rounding rules"): the Orders
  // API rounds with Bankers' Rounding (half to even). The amounts are the ones Square staff
  // confirmed on the Square developer forums.
  const rate = (id: string, r: string): TaxRateInput => ({ id, name: `${r}%`, rate: r, inclusive: false });
  const taxes = [rate('t10', '10'), rate('t975', '9.75'), rate('t1175', '11.75')];
  const lines = [
    item('a', 545, ['t10']), // forums t/25057: $5.45 x 10 % = 0.545 -> $0.54 (half-up would give $0.55)
    item('b', 600, ['t975']), // forums t/11705: $6.00 x 9.75 % = 0.585 -> $0.58
    item('c', 600, ['t1175']), // forums t/2354: $6.00 x 11.75 % = 0.705 -> $0.70
    item('d', 3020, ['t1175']), // forums t/2354: $30.20 x 11.75 % = 3.5485 -> $3.55 (not a tie)
  ];

  it('rounds half-cents to even per line', () => {
    const priced = price('USD', taxes, lines, { mode: 'HALF_EVEN', level: 'LINE', inclusiveRoundFirst: 'TAX' });
    expect(taxesOf(priced)).toEqual([54, 58, 70, 355]);
  });

  it('differs from half-up only on the ties', () => {
    const priced = price('USD', taxes, lines, { mode: 'HALF_UP', level: 'LINE', inclusiveRoundFirst: 'TAX' });
    // 54.5 -> 55, 58.5 -> 59, 70.5 -> 71, 354.85 -> 355
    expect(taxesOf(priced)).toEqual([55, 59, 71, 355]);
  });
});

describe('Shopify: tax included in prices, Tax = (Tax Rate x Price) / (1 + Tax Rate)', () => {
  // https://help.shopify.com/en/manual/taxes/include-exclude-taxes
  const policy: TaxPolicy = { mode: 'HALF_EVEN', level: 'LINE', inclusiveRoundFirst: 'TAX' };

  it('splits $100 at 10 % into $90.91 + $9.09', () => {
    const priced = price(
      'USD',
      [{ id: 'tax', name: 'Tax 10%', rate: '10', inclusive: true }],
      [item('product', 10000, ['tax'])],
      policy,
    );
    // 0.1 x 10000 / 1.1 = 909.09 -> 909; net 10000 - 909 = 9091; the $100 price does not move
    expect(priced.lines[0]).toMatchObject({ net: 9091, total: 10000 });
    expect(priced.taxTotal).toBe(909);
  });

  it('splits a UK £20 price at 20 % VAT into £16.67 + £3.33', () => {
    // Shopify staff on community.shopify.com ("Taxes Included"): a £20 product has a pre-tax cost
    // of £16.67 and £3.33 VAT. 0.2 x 2000 / 1.2 = 333.33 -> 333; net 1667
    const priced = price(
      'GBP',
      [{ id: 'vat', name: 'VAT 20%', rate: '20', inclusive: true }],
      [item('tshirt', 2000, ['vat'])],
      policy,
    );
    expect(priced.lines[0]).toMatchObject({ net: 1667, total: 2000 });
    expect(priced.taxTotal).toBe(333);
  });
});

describe('Odoo: "Round per Line" vs "Round Globally"', () => {
  // Odoo Invoicing/Accounting settings, Taxes > Rounding Method (res.company field
  // tax_calculation_rounding_method = round_per_line | round_globally): per line rounds each line's
  // tax and sums; globally rounds the summed tax once. Odoo rounds half-up by default (OCA
  // l10n-japan account_tax_rounding_method README). In tillkit: LINE vs RATE_BUCKET.
  const taxes: TaxRateInput[] = [{ id: 'tax10', name: 'Tax 10%', rate: '10', inclusive: false }];
  const basket = [item('a', 105, ['tax10']), item('b', 105, ['tax10']), item('c', 105, ['tax10'])];

  it('rounds per line: 3 x round(0.105) = 0.33', () => {
    const priced = price('EUR', taxes, basket, { mode: 'HALF_UP', level: 'LINE', inclusiveRoundFirst: 'TAX' });
    // 105 x 10 % = 10.5 -> 11 on each line; 33 in all; total 315 + 33 = 348
    expect(taxesOf(priced)).toEqual([11, 11, 11]);
    expect(priced.total).toBe(348);
  });

  it('rounds globally: round(3 x 0.105) = 0.32, one cent less on the same basket', () => {
    const priced = price('EUR', taxes, basket, { mode: 'HALF_UP', level: 'RATE_BUCKET', inclusiveRoundFirst: 'TAX' });
    // 315 x 10 % = 31.5 -> 32, allocated by equal bases: 10.67 each -> 10, 10, 10 + 2 leftover -> 11, 11, 10
    expect(priced.taxTotal).toBe(32);
    expect(taxesOf(priced)).toEqual([11, 11, 10]);
    expect(priced.total).toBe(347);
  });

  it('rounds JPY tax half-up, up or down as configured (OCA account_tax_rounding_method README)', () => {
    const jp: TaxRateInput[] = [{ id: 'tax10', name: '10%', rate: '10', inclusive: false }];
    const at = (unitPrice: number, mode: TaxPolicy['mode']) =>
      price('JPY', jp, [item('x', unitPrice, ['tax10'])], { mode, level: 'RATE_BUCKET', inclusiveRoundFirst: 'TAX' }).taxTotal;
    // 15 x 10 % = 1.5 -> half-up 2, round-down 1; 13 x 10 % = 1.3 -> round-up 2
    expect([at(15, 'HALF_UP'), at(15, 'FLOOR'), at(13, 'CEIL')]).toEqual([2, 1, 2]);
  });

  it('keeps a 24.99 price-included line at 24.99, unlike rounding base and tax separately (odoo/odoo#232186)', () => {
    // The PR: 24.99 / 1.2 = 20.825 and 20.825 x 0.2 = 4.165; rounding both gives 20.83 + 4.17 = 25.00.
    const vat: TaxRateInput[] = [{ id: 'vat20', name: 'VAT 20%', rate: '20', inclusive: true }];
    const lines = [item('x', 2499, ['vat20'])];
    // TAX first: 2499 x 20/120 = 416.5 -> 417 (half-up); net 2499 - 417 = 2082
    const taxFirst = price('EUR', vat, lines, { mode: 'HALF_UP', level: 'LINE', inclusiveRoundFirst: 'TAX' });
    expect(taxFirst.lines[0]).toMatchObject({ net: 2082, total: 2499 });
    // NET first: 2499 / 1.2 = 2082.5 -> 2083; tax 2499 - 2083 = 416
    const netFirst = price('EUR', vat, lines, { mode: 'HALF_UP', level: 'LINE', inclusiveRoundFirst: 'NET' });
    expect(netFirst.lines[0]).toMatchObject({ net: 2083, total: 2499 });
    expect(netFirst.taxTotal).toBe(416);
  });
});

describe('Japan: qualified invoice system, tax rounded once per rate per invoice (8 % and 10 %)', () => {
  // National Tax Agency, Qualified Invoice System (適格請求書等保存方式, from 1 October 2023): the
  // consumption tax is rounded once per invoice for each rate; the rounding direction is the
  // seller's choice (rounding down is common). Square's "Order Calculation Guide for Japan"
  // (developer.squareup.com/docs/international-development/japan-order-calculation) summarises it
  // as "Single rounding per rate per invoice". Prices include tax, as on Japanese shelves.
  const taxes: TaxRateInput[] = [
    { id: 'reduced', name: '軽減税率 8%', code: '※', rate: '8', inclusive: true },
    { id: 'standard', name: '標準税率 10%', rate: '10', inclusive: true },
  ];
  const basket = [
    item('onigiri', 150, ['reduced']),
    item('sandwich', 398, ['reduced']),
    item('green-tea', 148, ['reduced']),
    item('batteries', 298, ['standard']),
    item('umbrella', 498, ['standard']),
  ];

  it('rounds each rate once over the invoice and allocates back to the items', () => {
    const priced = price('JPY', taxes, basket, { mode: 'FLOOR', level: 'RATE_BUCKET', inclusiveRoundFirst: 'TAX' });
    // 8 %: 150 + 398 + 148 = 696 yen; 696 x 8/108 = 51.56 -> 51; net 645.
    // 10 %: 298 + 498 = 796 yen; 796 x 10/110 = 72.36 -> 72; net 724.
    expect(priced.taxBuckets.map((b) => [b.taxId, b.net, b.tax, b.gross])).toEqual([
      ['reduced', 645, 51, 696],
      ['standard', 724, 72, 796],
    ]);
    // 51 over 150/398/148: 10.99, 29.16, 10.84 -> 10, 29, 10 + 2 leftover to the largest
    // remainders (onigiri .99, green tea .84). 72 over 298/498: 26.95, 45.05 -> 26, 45 + 1 -> 27, 45
    expect(taxesOf(priced)).toEqual([11, 29, 11, 27, 45]);
    expect(priced.total).toBe(1492);
  });

  it('is one yen more than rounding per line on the reduced rate', () => {
    const priced = price('JPY', taxes, basket, { mode: 'FLOOR', level: 'LINE', inclusiveRoundFirst: 'TAX' });
    // 150 x 8/108 = 11.11 -> 11; 398 x 8/108 = 29.48 -> 29; 148 x 8/108 = 10.96 -> 10: 50 (not 51)
    // 298 x 10/110 = 27.09 -> 27; 498 x 10/110 = 45.27 -> 45: 72
    expect(priced.taxBuckets.map((b) => b.tax)).toEqual([50, 72]);
    expect(priced.total).toBe(1492);
  });
});

describe('Germany: VAT-inclusive receipt with 7 % and 19 %', () => {
  // §12 UStG: 19 % standard, 7 % reduced (most food). §14 (4) no. 8 UStG: the invoice shows the
  // net amount and the tax per rate. Prices include VAT; tax is rounded half-up per rate.
  const taxes: TaxRateInput[] = [
    { id: 'A', name: 'MwSt 19%', code: 'A', rate: '19', inclusive: true },
    { id: 'B', name: 'MwSt 7%', code: 'B', rate: '7', inclusive: true },
  ];
  const receipt = [
    item('Brötchen', 45, ['B'], 4),
    item('Milch 1l', 119, ['B']),
    item('Spülmittel', 195, ['A']),
    item('Batterien AA', 499, ['A']),
  ];

  it('shows net, VAT and gross per rate, the prices unchanged', () => {
    const priced = price('EUR', taxes, receipt, { mode: 'HALF_UP', level: 'RATE_BUCKET', inclusiveRoundFirst: 'TAX' });
    // A 19 %: 195 + 499 = 694; 694 x 19/119 = 110.81 -> 111; net 583
    // B 7 %: 4 x 45 + 119 = 299; 299 x 7/107 = 19.56 -> 20; net 279
    expect(priced.taxBuckets.map((b) => [b.code, b.net, b.tax, b.gross])).toEqual([
      ['A', 583, 111, 694],
      ['B', 279, 20, 299],
    ]);
    expect(priced.lines.map((l) => l.total)).toEqual([180, 119, 195, 499]);
    expect(priced).toMatchObject({ total: 993, taxTotal: 131, netTotal: 862 });
  });

  it('gives the same per-rate VAT when rounded per line on this receipt', () => {
    const priced = price('EUR', taxes, receipt, { mode: 'HALF_UP', level: 'LINE', inclusiveRoundFirst: 'TAX' });
    // 180 x 7/107 = 11.78 -> 12; 119 x 7/107 = 7.79 -> 8: 20. 195 x 19/119 = 31.13 -> 31;
    // 499 x 19/119 = 79.67 -> 80: 111
    expect(taxesOf(priced)).toEqual([12, 8, 31, 80]);
  });
});

describe('US sales tax: New York City 8.875 %, added on top', () => {
  // NYS Department of Taxation and Finance, Publication 718: New York City 8.875 % (4 % state,
  // 4.5 % city, 0.375 % MCTD). Baskets and Square's totals from the Square developer forums,
  // "Square Banker's Rounding Clarification" (t/11179).
  const taxes: TaxRateInput[] = [{ id: 'nyc', name: 'NYC 8.875%', rate: '8.875', inclusive: false }];

  it('order #1: $18.80 + $6.95 -> $2.29 tax', () => {
    const priced = price('USD', taxes, [item('1', 1880, ['nyc']), item('2', 695, ['nyc'])], {
      mode: 'HALF_EVEN',
      level: 'LINE',
      inclusiveRoundFirst: 'TAX',
    });
    // 1880 x 8.875 % = 166.85 -> 167; 695 x 8.875 % = 61.68 -> 62; 229; total 2575 + 229 = 2804
    expect(taxesOf(priced)).toEqual([167, 62]);
    expect(priced.total).toBe(2804);
  });

  it('order #2: per line gives $3.28, once per order gives $3.27 as Square did', () => {
    const basket = [item('1', 1500, ['nyc']), item('2', 800, ['nyc']), item('3', 695, ['nyc']), item('4', 695, ['nyc'])];
    const perLine = price('USD', taxes, basket, { mode: 'HALF_EVEN', level: 'LINE', inclusiveRoundFirst: 'TAX' });
    // 133.125 -> 133; 71; 61.68 -> 62; 61.68 -> 62: 328
    expect(perLine.taxTotal).toBe(328);
    const perOrder = price('USD', taxes, basket, { mode: 'HALF_EVEN', level: 'RATE_BUCKET', inclusiveRoundFirst: 'TAX' });
    // 3690 x 8.875 % = 327.4875 -> 327. Allocated: 132.93, 70.89, 61.59, 61.59 -> 132, 70, 61, 61
    // and the 3 leftover cents to the largest remainders (.93, .89, then the first .59)
    expect(perOrder.taxTotal).toBe(327);
    expect(taxesOf(perOrder)).toEqual([133, 71, 62, 61]);
    expect(perOrder.total).toBe(4017);
  });
});

// Oracle Order Management 25C, "Use Extended Precision to Round Unit Tax" (readiness notes):
// 12 units at 10.08 with a 6 % tax. Rounded per unit, 10.08 x 6 % = 0.6048 becomes 0.61 and the
// line tax is 0.61 x 12 = 7.32 (net + tax 128.28); rounded on the extended amount, 120.96 x 6 % =
// 7.2576 becomes 7.26 (128.22). The example rounds up (Oracle's rounding rule "Up"), so CEIL.
describe('Oracle: unit tax rounded per unit vs on the extended amount', () => {
  const taxes: TaxRateInput[] = [{ id: 'tax6', name: 'Tax 6%', rate: '6', inclusive: false }];
  const lines = [item('l1', 1008, ['tax6'], 12)];

  it('per unit (UNIT level): 0.61 x 12 = 7.32, total 128.28', () => {
    const priced = price('USD', taxes, lines, { mode: 'CEIL', level: 'UNIT', inclusiveRoundFirst: 'TAX' });
    expect(taxesOf(priced)).toEqual([732]);
    expect(priced.total).toBe(12828);
  });

  it('on the extended amount (LINE level): 7.2576 -> 7.26, total 128.22', () => {
    const priced = price('USD', taxes, lines, { mode: 'CEIL', level: 'LINE', inclusiveRoundFirst: 'TAX' });
    expect(taxesOf(priced)).toEqual([726]);
    expect(priced.total).toBe(12822);
  });
});
