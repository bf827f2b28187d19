import { describe, expect, it } from 'vitest';
import { ErrorCode, MoneyError, TillkitError, ValidationError } from './errors';
import { priceSale, priceSaleTrusted } from './pricing';
import type { LineInput, PricedLine, PricedSale, PricingInput, ServiceChargeInput, TaxRateInput } from './pricing-schema';
import type { TaxPolicy } from './tax-policy';

// Every expected value below is worked out by hand in the comment next to it.

const VAT19: TaxRateInput = { id: 'vat19', name: 'VAT 19%', code: 'A', rate: '19', inclusive: true };
const VAT7: TaxRateInput = { id: 'vat7', name: 'VAT 7%', code: 'B', rate: '7', inclusive: true };
const ADD10: TaxRateInput = { id: 'add10', name: 'Sales tax 10%', rate: '10', inclusive: false };
const LINE_POLICY: TaxPolicy = { mode: 'HALF_EVEN', level: 'LINE', inclusiveRoundFirst: 'TAX' };

function sale(overrides: Partial<PricingInput> = {}): PricingInput {
  return { currency: 'EUR', lines: [], taxes: [VAT19, VAT7, ADD10], policy: LINE_POLICY, ...overrides };
}

function line(id: string, unitPrice: number, extra: Partial<LineInput> = {}): LineInput {
  return { id, name: `Item ${id}`, unitPrice, quantity: 1, taxIds: [], ...extra };
}

function policy(
  level: TaxPolicy['level'],
  mode: TaxPolicy['mode'] = 'HALF_EVEN',
  first: TaxPolicy['inclusiveRoundFirst'] = 'TAX',
): TaxPolicy {
  return { mode, level, inclusiveRoundFirst: first };
}

function lineOf(priced: PricedSale, id: string): PricedLine {
  const found = priced.lines.find((l) => l.id === id);
  if (!found) throw new Error(`no line ${id}`);
  return found;
}

/** net and tax amounts of a line, in tax order: the shape most assertions need. */
function split(l: PricedLine): { net: number; taxes: number[]; total: number } {
  return { net: l.net, taxes: l.taxes.map((t) => t.amount), total: l.total };
}

function thrown(fn: () => unknown): TillkitError {
  try {
    fn();
  } catch (error) {
    if (TillkitError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a TillkitError, nothing was thrown');
}

describe('priceSale: line gross', () => {
  it('adds modifiers per unit, then multiplies by the quantity', () => {
    const priced = priceSale(
      sale({
        lines: [
          line('burger', 450, {
            quantity: 3,
            modifiers: [
              { name: 'cheese', unitPrice: 50, quantity: 2 },
              { name: 'bacon', unitPrice: 80 },
            ],
          }),
        ],
      }),
    );
    const burger = lineOf(priced, 'burger');
    // modifiers per unit: 50 x 2 + 80 x 1 = 180; gross = (450 + 180) x 3 = 1890
    expect(burger.modifierUnitPrice).toBe(180);
    expect(burger.gross).toBe(1890);
    expect(priced.subtotal).toBe(1890);
  });

  it('rounds a measured quantity once, with the policy mode', () => {
    const priced = priceSale(sale({ lines: [line('cheese', 1299, { quantity: '1.235', unit: 'kg' })] }));
    // 12.99/kg x 1.235 kg = 1604.265 cents -> 1604
    expect(lineOf(priced, 'cheese')).toMatchObject({ gross: 1604, quantity: '1.235', unit: 'kg' });
  });

  it('breaks a half-cent tie on a measured quantity by the policy mode', () => {
    const input = sale({ lines: [line('nuts', 5, { quantity: '0.5' })] });
    // 5 x 0.5 = 2.5: HALF_EVEN -> 2, HALF_UP -> 3
    expect(priceSale(input).lines[0]?.gross).toBe(2);
    expect(priceSale({ ...input, policy: policy('LINE', 'HALF_UP') }).lines[0]?.gross).toBe(3);
  });

  it('stores the quantity in canonical form', () => {
    const priced = priceSale(sale({ lines: [line('a', 100, { quantity: '2.50' }), line('b', 100, { quantity: 1.5 })] }));
    expect(priced.lines.map((l) => l.quantity)).toEqual(['2.5', '1.5']);
  });
});

describe('priceSale: line discounts', () => {
  it('applies every percentage first, each on the running amount, then fixed amounts', () => {
    const priced = priceSale(
      sale({
        lines: [
          line('a', 1000, {
            discounts: [
              { kind: 'amount', amount: 100, id: 'coupon' },
              { kind: 'percent', percent: '10', id: 'staff' },
              { kind: 'percent', percent: 5, id: 'happy-hour' },
            ],
          }),
        ],
      }),
    );
    const a = lineOf(priced, 'a');
    // 10 % of 1000 = 100 -> 900; 5 % of 900 = 45 -> 855; then 100 fixed -> 755
    expect(a.discounts.map((d) => [d.scope, d.id, d.kind, d.amount])).toEqual([
      ['line', 'staff', 'percent', 100],
      ['line', 'happy-hour', 'percent', 45],
      ['line', 'coupon', 'amount', 100],
    ]);
    expect(a).toMatchObject({ gross: 1000, lineDiscount: 245, orderDiscount: 0, base: 755, total: 755 });
    expect(priced.discountTotal).toBe(245);
  });

  it('rounds each percentage discount once', () => {
    const priced = priceSale(sale({ lines: [line('a', 999, { discounts: [{ kind: 'percent', percent: '12.5' }] })] }));
    // 999 x 12.5 % = 124.875 -> 125
    expect(lineOf(priced, 'a').lineDiscount).toBe(125);
  });
});

describe('priceSale: order discounts', () => {
  const input = sale({
    lines: [line('a', 1000), line('b', 2000), line('c', 3000)],
    orderDiscounts: [
      { kind: 'amount', amount: 100, id: 'voucher', name: 'Voucher' },
      { kind: 'percent', percent: '10', id: 'member' },
    ],
  });

  it('applies percentages first, allocates each discount by largest remainder and stores the shares', () => {
    const priced = priceSale(input);
    // 10 % of 6000 = 600, split 100 / 200 / 300 by the amounts 1000 / 2000 / 3000.
    // Then 100 fixed over the running 900 / 1800 / 2700 (sum 5400): exact shares 16.67, 33.33, 50
    // -> floors 16, 33, 50 = 99; the leftover unit goes to the largest remainder (a, 0.67).
    expect(priced.lines.map((l) => l.discounts.map((d) => d.amount))).toEqual([
      [100, 17],
      [200, 33],
      [300, 50],
    ]);
    expect(lineOf(priced, 'a').discounts[1]).toEqual({
      scope: 'order',
      id: 'voucher',
      name: 'Voucher',
      kind: 'amount',
      amount: 17,
    });
    // bases: 1000-117 = 883, 2000-233 = 1767, 3000-350 = 2650; sum 5300 = 6000 - 700
    expect(priced.lines.map((l) => [l.orderDiscount, l.base])).toEqual([
      [117, 883],
      [233, 1767],
      [350, 2650],
    ]);
    expect(priced.discountTotal).toBe(700);
    expect(priced.total).toBe(5300);
  });

  it('applies order discounts to the amounts left after line discounts', () => {
    const priced = priceSale(
      sale({
        lines: [line('a', 1000, { discounts: [{ kind: 'amount', amount: 500 }] }), line('b', 500)],
        orderDiscounts: [{ kind: 'percent', percent: 50 }],
      }),
    );
    // running order amount = 500 + 500 = 1000; 50 % = 500, split 250 / 250
    expect(priced.lines.map((l) => [l.lineDiscount, l.orderDiscount, l.base])).toEqual([
      [500, 250, 250],
      [0, 250, 250],
    ]);
  });

  it('stores zero shares too, so every line lists every order discount', () => {
    const priced = priceSale(
      sale({ lines: [line('free', 0), line('b', 300)], orderDiscounts: [{ kind: 'amount', amount: 30 }] }),
    );
    expect(lineOf(priced, 'free').discounts).toEqual([
      { scope: 'order', id: undefined, name: undefined, kind: 'amount', amount: 0 },
    ]);
    expect(lineOf(priced, 'b').orderDiscount).toBe(30);
  });
});

describe('priceSale: service charges', () => {
  const service: ServiceChargeInput = {
    id: 'service',
    name: 'Service 12.5%',
    phase: 'BEFORE_TAX',
    charge: { kind: 'percent', percent: '12.5' },
    taxIds: ['add10'],
  };
  const tip: ServiceChargeInput = { id: 'tip', name: 'Tip', phase: 'AFTER_TAX', charge: { kind: 'percent', percent: 15 } };

  it('taxes BEFORE_TAX charges like a line and computes AFTER_TAX charges on the taxed total', () => {
    const priced = priceSale(sale({ lines: [line('meal', 1000, { taxIds: ['add10'] })], serviceCharges: [service, tip] }));
    // meal: 1000 + 10 % = 1100.
    // service: 12.5 % of the line bases (1000) = 125; 10 % tax = 12.5 -> 12 (HALF_EVEN); total 137.
    // tip: 15 % of the taxed total 1100 + 137 = 1237 -> 185.55 -> 186; not taxed.
    expect(priced.serviceCharges).toEqual([
      {
        id: 'service',
        name: 'Service 12.5%',
        phase: 'BEFORE_TAX',
        net: 125,
        taxes: [{ taxId: 'add10', rate: '10', inclusive: false, taxable: 125, amount: 12 }],
        total: 137,
      },
      { id: 'tip', name: 'Tip', phase: 'AFTER_TAX', net: 186, taxes: [], total: 186 },
    ]);
    expect(priced).toMatchObject({ serviceChargeTotal: 323, taxTotal: 112, netTotal: 1311, total: 1423 });
    expect(priced.taxBuckets).toEqual([
      { taxId: 'add10', name: 'Sales tax 10%', code: undefined, rate: '10', inclusive: false, net: 1125, tax: 112, gross: 1237 },
    ]);
  });

  it('computes BEFORE_TAX percentages on the bases after all discounts', () => {
    const priced = priceSale(
      sale({
        lines: [line('a', 1000), line('b', 3000)],
        orderDiscounts: [{ kind: 'percent', percent: 10 }],
        serviceCharges: [{ id: 's', name: 'Service', phase: 'BEFORE_TAX', charge: { kind: 'percent', percent: 10 } }],
      }),
    );
    // bases 900 + 2700 = 3600; 10 % = 360, untaxed
    expect(priced.serviceCharges[0]).toMatchObject({ net: 360, taxes: [], total: 360 });
    expect(priced.total).toBe(3960);
  });

  it('backs an inclusive tax out of a BEFORE_TAX charge, as for a line', () => {
    const priced = priceSale(
      sale({
        lines: [line('a', 1190, { taxIds: ['vat19'] })],
        serviceCharges: [{ ...service, taxIds: ['vat19'], charge: { kind: 'percent', percent: 10 } }],
      }),
    );
    // charge 10 % of 1190 = 119; VAT 119 x 19 / 119 = 19; net 100; the gross 119 does not move
    expect(priced.serviceCharges[0]).toMatchObject({ net: 100, total: 119 });
    expect(priced.serviceCharges[0]?.taxes.map((t) => t.amount)).toEqual([19]);
    expect(priced.taxBuckets[0]).toMatchObject({ taxId: 'vat19', net: 1100, tax: 209, gross: 1309 });
  });

  it('lists charges in input order, whatever their phase', () => {
    const priced = priceSale(sale({ lines: [line('a', 1000, { taxIds: ['add10'] })], serviceCharges: [tip, service] }));
    // same amounts as above: the tip is still computed on the total including the service charge
    expect(priced.serviceCharges.map((c) => [c.id, c.total])).toEqual([
      ['tip', 186],
      ['service', 137],
    ]);
  });

  it('takes fixed amounts as given', () => {
    const priced = priceSale(
      sale({
        lines: [line('a', 1000)],
        serviceCharges: [
          { id: 'delivery', name: 'Delivery', phase: 'BEFORE_TAX', charge: { kind: 'amount', amount: 250 }, taxIds: [] },
          { id: 'tip', name: 'Tip', phase: 'AFTER_TAX', charge: { kind: 'amount', amount: 100 } },
        ],
      }),
    );
    expect(priced.serviceCharges.map((c) => c.total)).toEqual([250, 100]);
    expect(priced.total).toBe(1350);
  });
});

describe('priceSale: tax levels', () => {
  const tenCents = (id: string, taxId = 'vat19'): LineInput => line(id, 10, { taxIds: [taxId] });

  it('LINE rounds each line', () => {
    const priced = priceSale(sale({ lines: [tenCents('a'), tenCents('b'), tenCents('c')] }));
    // each: 10 x 19 / 119 = 1.597 -> 2; net 8
    expect(priced.lines.map(split)).toEqual([0, 1, 2].map(() => ({ net: 8, taxes: [2], total: 10 })));
    expect(priced.taxBuckets[0]).toMatchObject({ net: 24, tax: 6, gross: 30 });
  });

  it('RATE_BUCKET rounds once per rate and allocates back by base', () => {
    const priced = priceSale(sale({ lines: [tenCents('a'), tenCents('b'), tenCents('c')], policy: policy('RATE_BUCKET') }));
    // 30 x 19 / 119 = 4.790 -> 5; equal bases: 1.67 each -> floors 1, 1, 1 and the two leftover
    // units to the lowest indices -> 2, 2, 1
    expect(priced.lines.map((l) => l.taxes[0]?.amount)).toEqual([2, 2, 1]);
    expect(priced.lines.map((l) => l.net)).toEqual([8, 8, 9]);
    expect(priced.taxBuckets[0]).toMatchObject({ net: 25, tax: 5, gross: 30 });
    expect(priced.total).toBe(30);
  });

  it('RATE_BUCKET rounds each rate separately, DOCUMENT rounds the whole document once', () => {
    const lines = [tenCents('a', 'vat19'), tenCents('b', 'vat7')];
    // per rate: 10 x 19/119 = 1.597 -> 2 and 10 x 7/107 = 0.654 -> 1: 3 in all
    const bucketed = priceSale(sale({ lines, policy: policy('RATE_BUCKET') }));
    expect(bucketed.taxBuckets.map((b) => b.tax)).toEqual([2, 1]);
    // document: 190/119 + 70/107 = 28660/12733 = 2.251 -> 2, allocated by the exact amounts:
    // 2 x 1.597/2.251 = 1.419 and 2 x 0.654/2.251 = 0.581 -> floors 1, 0; the leftover unit goes
    // to the larger remainder (VAT 7 %, 0.581) -> 1 and 1
    const document = priceSale(sale({ lines, policy: policy('DOCUMENT') }));
    expect(document.taxBuckets.map((b) => [b.taxId, b.net, b.tax, b.gross])).toEqual([
      ['vat19', 9, 1, 10],
      ['vat7', 9, 1, 10],
    ]);
    expect(document.taxTotal).toBe(2);
    expect(document.total).toBe(20);
  });

  it('UNIT rounds one unit and multiplies by the quantity', () => {
    const input = sale({ lines: [line('a', 10, { quantity: 3, taxIds: ['vat19'] })], policy: policy('UNIT') });
    // per unit 10 x 19/119 = 1.597 -> 2, x 3 = 6; net 30 - 6 = 24. LINE: 30 x 19/119 = 4.790 -> 5
    expect(split(priceSale(input).lines[0]!)).toEqual({ net: 24, taxes: [6], total: 30 });
    expect(split(priceSale({ ...input, policy: policy('LINE') }).lines[0]!)).toEqual({ net: 25, taxes: [5], total: 30 });
  });

  it('UNIT uses the discounted unit amount when it is whole', () => {
    const input = sale({
      lines: [line('a', 10, { quantity: 3, taxIds: ['vat19'], discounts: [{ kind: 'amount', amount: 3 }] })],
      policy: policy('UNIT'),
    });
    // base 27 = 3 x 9: 9 x 19/119 = 1.437 -> 1, x 3 = 3 (LINE would give 27 x 19/119 = 4.311 -> 4)
    expect(split(priceSale(input).lines[0]!)).toEqual({ net: 24, taxes: [3], total: 27 });
  });

  it('UNIT falls back to LINE for measured quantities and uneven discounts', () => {
    const measured = sale({ lines: [line('a', 20, { quantity: '1.5', taxIds: ['vat19'] })], policy: policy('UNIT') });
    // gross 30, as LINE: 30 x 19/119 = 4.790 -> 5
    expect(split(priceSale(measured).lines[0]!)).toEqual({ net: 25, taxes: [5], total: 30 });
    const uneven = sale({
      lines: [line('a', 10, { quantity: 3, taxIds: ['vat19'], discounts: [{ kind: 'amount', amount: 1 }] })],
      policy: policy('UNIT'),
    });
    // base 29 does not divide by 3; as LINE: 29 x 19/119 = 4.630 -> 5
    expect(split(priceSale(uneven).lines[0]!)).toEqual({ net: 24, taxes: [5], total: 29 });
  });
});

describe('priceSale: inclusive rounding, several taxes', () => {
  it('TAX first rounds the tax, NET first rounds the net', () => {
    const input = sale({ lines: [line('a', 100, { taxIds: ['vat19'] })], policy: policy('LINE', 'FLOOR', 'TAX') });
    // TAX first: floor(100 x 19/119 = 15.97) = 15, net 85. NET first: floor(100/1.19 = 84.03) = 84, tax 16
    expect(split(priceSale(input).lines[0]!)).toEqual({ net: 85, taxes: [15], total: 100 });
    expect(split(priceSale({ ...input, policy: policy('LINE', 'FLOOR', 'NET') }).lines[0]!)).toEqual({
      net: 84,
      taxes: [16],
      total: 100,
    });
  });

  it('backs several inclusive taxes out over 1 + R, never 1 + r', () => {
    const taxes: TaxRateInput[] = [
      { id: 'x', name: 'X 5%', rate: '5', inclusive: true },
      { id: 'y', name: 'Y 5%', rate: '5', inclusive: true },
    ];
    const input = sale({ taxes, lines: [line('a', 100, { taxIds: ['y', 'x'] })] });
    // TAX first: each 100 x 5/110 = 4.545 -> 5; net 90
    expect(split(priceSale(input).lines[0]!)).toEqual({ net: 90, taxes: [5, 5], total: 100 });
    // NET first: net = 100/1.10 = 90.91 -> 91; tax 9 split 5:5 -> 4.5 each -> 4, 4 + the leftover to the first
    expect(split(priceSale({ ...input, policy: policy('LINE', 'HALF_EVEN', 'NET') }).lines[0]!)).toEqual({
      net: 91,
      taxes: [5, 4],
      total: 100,
    });
    // taxes are listed in the order of input.taxes, whatever the order on the line
    expect(priceSale(input).lines[0]?.taxes.map((t) => t.taxId)).toEqual(['x', 'y']);
  });

  it('adds several additive taxes on the same net', () => {
    const taxes: TaxRateInput[] = [
      { id: 'gst', name: 'GST', rate: '5', inclusive: false },
      { id: 'pst', name: 'PST', rate: '7', inclusive: false },
    ];
    const priced = priceSale(sale({ taxes, lines: [line('a', 1995, { taxIds: ['gst', 'pst'] })] }));
    // GST 1995 x 5 % = 99.75 -> 100; PST 1995 x 7 % = 139.65 -> 140; total 2235
    expect(split(priced.lines[0]!)).toEqual({ net: 1995, taxes: [100, 140], total: 2235 });
    expect(priced.lines[0]?.taxes.every((t) => t.taxable === 1995)).toBe(true);
  });

  it('computes additive taxes on the net left after backing out inclusive ones', () => {
    const taxes: TaxRateInput[] = [VAT19, { id: 'levy', name: 'Levy 5%', rate: '5', inclusive: false }];
    const priced = priceSale(sale({ taxes, lines: [line('a', 1000, { taxIds: ['vat19', 'levy'] })] }));
    // VAT 1000 x 19/119 = 159.66 -> 160; net 840; levy 5 % of 840 = 42; total 840 + 160 + 42 = 1042
    expect(split(priced.lines[0]!)).toEqual({ net: 840, taxes: [160, 42], total: 1042 });
  });
});

describe('priceSale: currencies with 0 and 3 decimals', () => {
  it('prices JPY in whole yen', () => {
    const taxes: TaxRateInput[] = [
      { id: 'jp8', name: '8%', rate: '8', inclusive: true },
      { id: 'jp10', name: '10%', rate: '10', inclusive: true },
    ];
    const priced = priceSale(
      sale({
        currency: 'JPY',
        taxes,
        lines: [
          line('rice', 1080, { taxIds: ['jp8'] }),
          line('bento', 98, { taxIds: ['jp8'] }),
          line('beer', 1100, { taxIds: ['jp10'] }),
        ],
      }),
    );
    // 1080 x 8/108 = 80; 98 x 8/108 = 7.26 -> 7; 1100 x 10/110 = 100
    expect(priced.lines.map((l) => l.taxes[0]?.amount)).toEqual([80, 7, 100]);
    expect(priced).toMatchObject({ currency: 'JPY', total: 2278, taxTotal: 187 });
  });

  it('prices KWD in fils (3 decimals)', () => {
    const taxes: TaxRateInput[] = [{ id: 'five', name: '5%', rate: '5', inclusive: false }];
    const priced = priceSale(
      sale({ currency: 'KWD', taxes, lines: [line('dates', 1250, { quantity: '0.75', taxIds: ['five'] })] }),
    );
    // 1.250 KWD x 0.75 = 937.5 fils -> 938 (HALF_EVEN, 8 is even); 5 % = 46.9 -> 47; total 0.985 KWD
    expect(split(priced.lines[0]!)).toEqual({ net: 938, taxes: [47], total: 985 });
  });
});

describe('priceSale: document rounding and output', () => {
  const basket = sale({
    lines: [line('meal', 1000, { taxIds: ['add10'] })],
    serviceCharges: [
      { id: 'service', name: 'Service', phase: 'BEFORE_TAX', charge: { kind: 'percent', percent: '12.5' }, taxIds: ['add10'] },
      { id: 'tip', name: 'Tip', phase: 'AFTER_TAX', charge: { kind: 'percent', percent: 15 } },
    ],
  });

  it('rounds the total to the increment and records the signed adjustment', () => {
    // unrounded total 1423 (see the service charge test): /5 = 284.6 -> 285 -> 1425 (+2)
    const up = priceSale({ ...basket, documentRounding: { increment: 5, mode: 'HALF_UP' } });
    expect(up).toMatchObject({ total: 1425, roundingAdjustment: 2, documentRounding: { increment: 5, mode: 'HALF_UP' } });
    // /10 = 142.3 -> floor 142 -> 1420 (-3)
    const down = priceSale({ ...basket, documentRounding: { increment: 10, mode: 'FLOOR' } });
    expect(down).toMatchObject({ total: 1420, roundingAdjustment: -3 });
  });

  it('records the policy and leaves documentRounding undefined when not asked for', () => {
    const priced = priceSale(basket);
    expect(priced.policy).toEqual(LINE_POLICY);
    expect(priced).toMatchObject({ roundingAdjustment: 0, documentRounding: undefined, currency: 'EUR' });
  });

  it('lists buckets in the order of input.taxes, only for taxes in use, with canonical rates', () => {
    const taxes: TaxRateInput[] = [
      { id: 'ny', name: 'NYC 8.875%', rate: 8.875, inclusive: false },
      { id: 'unused', name: 'Unused', rate: '1', inclusive: false },
      { id: 'z', name: 'Z 7.50%', rate: '7.50', inclusive: false },
    ];
    const priced = priceSale(sale({ taxes, lines: [line('a', 100, { taxIds: ['z'] }), line('b', 100, { taxIds: ['ny'] })] }));
    expect(priced.taxBuckets.map((b) => [b.taxId, b.rate])).toEqual([
      ['ny', '8.875'],
      ['z', '7.5'],
    ]);
  });

  it('keeps lines in input order with their descriptive fields', () => {
    const priced = priceSale(sale({ lines: [line('b', 1, { sku: 'SKU-B' }), line('a', 2)] }));
    expect(priced.lines.map((l) => [l.id, l.sku, l.name, l.unitPrice, l.unit])).toEqual([
      ['b', 'SKU-B', 'Item b', 1, undefined],
      ['a', undefined, 'Item a', 2, undefined],
    ]);
  });

  it('prices an empty basket to zero', () => {
    expect(priceSale(sale())).toMatchObject({ lines: [], taxBuckets: [], subtotal: 0, total: 0, taxTotal: 0 });
  });

  it('accepts frozen input and does not change it', () => {
    const input = sale({ lines: [line('a', 1000, { taxIds: ['vat19'], discounts: [{ kind: 'percent', percent: 10 }] })] });
    const copy = structuredClone(input);
    deepFreeze(input);
    priceSale(input);
    expect(input).toEqual(copy);
  });

  it('priceSaleTrusted gives the same result without the schema parse', () => {
    expect(priceSaleTrusted(basket)).toEqual(priceSale(basket));
  });
});

describe('priceSale: invalid input', () => {
  const taxed = (extra: Partial<LineInput> = {}): LineInput => line('a', 1000, { taxIds: ['vat19'], ...extra });
  const cases: [string, PricingInput, string, typeof ValidationError | typeof MoneyError][] = [
    ['a float unit price', sale({ lines: [line('a', 9.99)] }), ErrorCode.VALIDATION_FAILED, ValidationError],
    ['an unknown currency', sale({ currency: 'EURO' }), ErrorCode.VALIDATION_FAILED, ValidationError],
    ['a NaN quantity', sale({ lines: [line('a', 100, { quantity: Number.NaN })] }), ErrorCode.VALIDATION_FAILED, ValidationError],
    ['an unknown tax on a line', sale({ lines: [taxed({ taxIds: ['vat20'] })] }), ErrorCode.UNKNOWN_TAX, ValidationError],
    [
      'an unknown tax on a charge',
      sale({
        serviceCharges: [{ id: 's', name: 'S', phase: 'BEFORE_TAX', charge: { kind: 'amount', amount: 1 }, taxIds: ['nope'] }],
      }),
      ErrorCode.UNKNOWN_TAX,
      ValidationError,
    ],
    ['two lines with one id', sale({ lines: [line('a', 1), line('a', 2)] }), ErrorCode.DUPLICATE_ID, ValidationError],
    ['two taxes with one id', sale({ taxes: [VAT19, { ...VAT7, id: 'vat19' }] }), ErrorCode.DUPLICATE_ID, ValidationError],
    [
      'one tax twice on a line',
      sale({ lines: [taxed({ taxIds: ['vat19', 'vat19'] })] }),
      ErrorCode.DUPLICATE_ID,
      ValidationError,
    ],
    [
      'two charges with one id',
      sale({
        serviceCharges: [
          { id: 's', name: 'S', phase: 'BEFORE_TAX', charge: { kind: 'amount', amount: 1 } },
          { id: 's', name: 'T', phase: 'AFTER_TAX', charge: { kind: 'amount', amount: 1 } },
        ],
      }),
      ErrorCode.DUPLICATE_ID,
      ValidationError,
    ],
    ['a zero quantity', sale({ lines: [line('a', 100, { quantity: 0 })] }), ErrorCode.INVALID_DECIMAL, ValidationError],
    ['a negative quantity', sale({ lines: [line('a', 100, { quantity: '-1' })] }), ErrorCode.INVALID_DECIMAL, ValidationError],
    [
      'a quantity with 10 decimals',
      sale({ lines: [line('a', 100, { quantity: '1.0000000001' })] }),
      ErrorCode.INVALID_DECIMAL,
      ValidationError,
    ],
    [
      'a line percentage above 100',
      sale({ lines: [line('a', 100, { discounts: [{ kind: 'percent', percent: '100.01' }] })] }),
      ErrorCode.VALIDATION_FAILED,
      ValidationError,
    ],
    [
      'a negative line percentage',
      sale({ lines: [line('a', 100, { discounts: [{ kind: 'percent', percent: '-5' }] })] }),
      ErrorCode.VALIDATION_FAILED,
      ValidationError,
    ],
    [
      'an order percentage above 100',
      sale({ lines: [line('a', 100)], orderDiscounts: [{ kind: 'percent', percent: 101 }] }),
      ErrorCode.VALIDATION_FAILED,
      ValidationError,
    ],
    [
      'a fixed line discount above the gross',
      sale({ lines: [line('a', 100, { discounts: [{ kind: 'amount', amount: 101 }] })] }),
      ErrorCode.DISCOUNT_EXCEEDS_AMOUNT,
      ValidationError,
    ],
    [
      'a fixed line discount above what a percentage left',
      sale({
        lines: [
          line('a', 100, {
            discounts: [
              { kind: 'amount', amount: 60 },
              { kind: 'percent', percent: 50 },
            ],
          }),
        ],
      }),
      ErrorCode.DISCOUNT_EXCEEDS_AMOUNT,
      ValidationError,
    ],
    [
      'a fixed order discount above the order',
      sale({ lines: [line('a', 100), line('b', 100)], orderDiscounts: [{ kind: 'amount', amount: 201 }] }),
      ErrorCode.DISCOUNT_EXCEEDS_AMOUNT,
      ValidationError,
    ],
    [
      'a fixed order discount on an empty basket',
      sale({ orderDiscounts: [{ kind: 'amount', amount: 1 }] }),
      ErrorCode.DISCOUNT_EXCEEDS_AMOUNT,
      ValidationError,
    ],
    [
      'taxes on an AFTER_TAX charge',
      sale({
        serviceCharges: [
          { id: 'tip', name: 'Tip', phase: 'AFTER_TAX', charge: { kind: 'amount', amount: 1 }, taxIds: ['vat19'] },
        ],
      }),
      ErrorCode.VALIDATION_FAILED,
      ValidationError,
    ],
    [
      'a negative charge percentage',
      sale({ serviceCharges: [{ id: 's', name: 'S', phase: 'BEFORE_TAX', charge: { kind: 'percent', percent: '-1' } }] }),
      ErrorCode.VALIDATION_FAILED,
      ValidationError,
    ],
    ['a negative tax rate', sale({ taxes: [{ ...VAT19, rate: '-19' }] }), ErrorCode.VALIDATION_FAILED, ValidationError],
    ['a tax rate above 1000 %', sale({ taxes: [{ ...VAT19, rate: '1000.5' }] }), ErrorCode.VALIDATION_FAILED, ValidationError],
    [
      'a gross beyond the safe range',
      sale({ lines: [line('a', Number.MAX_SAFE_INTEGER, { quantity: 2 })] }),
      ErrorCode.AMOUNT_OVERFLOW,
      MoneyError,
    ],
    [
      'lines adding up beyond the safe range',
      sale({ lines: [line('a', 2 ** 52), line('b', 2 ** 52)] }),
      ErrorCode.AMOUNT_OVERFLOW,
      MoneyError,
    ],
    [
      'a tax beyond the safe range',
      sale({ taxes: [{ ...ADD10, rate: '1000' }], lines: [line('a', 2 ** 50, { taxIds: ['add10'] })] }),
      ErrorCode.AMOUNT_OVERFLOW,
      MoneyError,
    ],
  ];

  it.each(cases)('rejects %s', (_what, input, code, errorClass) => {
    const error = thrown(() => priceSale(input));
    expect(error.code).toBe(code);
    expect(error).toBeInstanceOf(errorClass);
  });

  it('rejects input that is not an object', () => {
    expect(thrown(() => priceSale(null as unknown as PricingInput)).code).toBe(ErrorCode.VALIDATION_FAILED);
  });

  it('names the line in quantity errors', () => {
    const error = thrown(() => priceSale(sale({ lines: [line('apples', 100, { quantity: 0 })] })));
    expect(error.message).toContain('Line "apples" quantity');
  });

  it('names the discount in percentage errors', () => {
    const input = sale({ lines: [line('a', 100, { discounts: [{ kind: 'percent', percent: '1.0000000001', id: 'promo' }] })] });
    const error = thrown(() => priceSale(input));
    expect(error.code).toBe(ErrorCode.INVALID_DECIMAL);
    expect(error.message).toContain('Discount "promo" on Line "a" percent has 10 decimal places');
  });

  it('says which discount exceeds what', () => {
    const error = thrown(() =>
      priceSale(sale({ lines: [line('a', 100, { discounts: [{ kind: 'amount', amount: 150, id: 'promo' }] })] })),
    );
    expect(error.message).toContain('Discount "promo" of 150 on Line "a" exceeds the 100 left');
    expect(error.details).toEqual({ discountId: 'promo', amount: 150, available: 100 });
  });
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}
