import { afterAll, bench, describe } from 'vitest';
import { priceSale, priceSaleTrusted } from '../src/pricing';
import { PricingInputSchema, type LineInput, type PricingInput } from '../src/pricing-schema';
import type { TaxPolicy } from '../src/tax-policy';

// Prices baskets of 10 to 10,000 lines with mixed inclusive and additive taxes, measured/weighed
// quantities, modifiers, line and order discounts and both kinds of service charge. The baseline
// is a plain integer loop over the same lines, so the report can say "pricing costs N x a sum".
// Run: cd packages/core && npx vitest bench --run

const SIZES = [10, 100, 1_000, 10_000] as const;
const LINE_POLICY: TaxPolicy = { mode: 'HALF_EVEN', level: 'LINE', inclusiveRoundFirst: 'TAX' };
const DOCUMENT_POLICY: TaxPolicy = { mode: 'HALF_EVEN', level: 'DOCUMENT', inclusiveRoundFirst: 'NET' };

const TAX_SETS = [['vat19'], ['vat7'], ['nyc'], ['vat19', 'levy']];

function basketLine(i: number): LineInput {
  return {
    id: `line-${i}`,
    name: `Item ${i}`,
    unitPrice: 99 + ((i * 7919) % 20_000),
    // every tenth line is weighed; the others count 1 to 3
    quantity: i % 10 === 0 ? '1.235' : (i % 3) + 1,
    taxIds: TAX_SETS[i % TAX_SETS.length] ?? [],
    ...(i % 11 === 0 ? { modifiers: [{ name: 'extra', unitPrice: 50 }] } : {}),
    ...(i % 5 === 0
      ? {
          discounts: [
            { kind: 'percent' as const, percent: '10' },
            { kind: 'amount' as const, amount: 50 },
          ],
        }
      : {}),
  };
}

function basket(size: number, policy: TaxPolicy): PricingInput {
  return {
    currency: 'EUR',
    taxes: [
      { id: 'vat19', name: 'VAT 19%', rate: '19', inclusive: true },
      { id: 'vat7', name: 'VAT 7%', rate: '7', inclusive: true },
      { id: 'nyc', name: 'NYC 8.875%', rate: '8.875', inclusive: false },
      { id: 'levy', name: 'Levy 5%', rate: '5', inclusive: false },
    ],
    lines: Array.from({ length: size }, (_, i) => basketLine(i)),
    orderDiscounts: [
      { kind: 'percent', percent: '5' },
      { kind: 'amount', amount: 100 },
    ],
    serviceCharges: [
      { id: 'service', name: 'Service', phase: 'BEFORE_TAX', charge: { kind: 'percent', percent: '10' }, taxIds: ['vat19'] },
      { id: 'tip', name: 'Tip', phase: 'AFTER_TAX', charge: { kind: 'percent', percent: '15' } },
    ],
    policy,
  };
}

/** The baseline: what any checkout does at least, summing the line amounts with integer math. */
function plainSum(input: PricingInput): number {
  let total = 0;
  for (const line of input.lines) total += line.unitPrice * (typeof line.quantity === 'number' ? line.quantity : 1);
  return total;
}

const baskets = new Map(SIZES.map((size) => [size, basket(size, LINE_POLICY)]));
const documentBaskets = new Map(SIZES.map((size) => [size, basket(size, DOCUMENT_POLICY)]));
const at = (map: Map<number, PricingInput>, size: number) => map.get(size) as PricingInput;

for (const size of SIZES) {
  describe(`${size.toLocaleString('en-US')} lines`, () => {
    bench('baseline: plain integer sum', () => {
      plainSum(at(baskets, size));
    });
    bench('schema parse only', () => {
      PricingInputSchema.parse(at(baskets, size));
    });
    bench('priceSaleTrusted, LINE', () => {
      priceSaleTrusted(at(baskets, size));
    });
    bench('priceSaleTrusted, DOCUMENT', () => {
      priceSaleTrusted(at(documentBaskets, size));
    });
    bench('priceSale (validated), LINE', () => {
      priceSale(at(baskets, size));
    });
  });
}

/** Median time of `fn` in ms, sampled for about `budgetMs` after a warm-up. */
function median(fn: () => unknown, budgetMs = 250): number {
  const samples: number[] = [];
  for (let i = 0; i < 20; i++) fn();
  const end = performance.now() + budgetMs;
  while (performance.now() < end || samples.length < 15) {
    const start = performance.now();
    fn();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1] as number;
}

// vitest's bench report shows each case's own figures; this table puts them per line, next to the
// baseline, so linear growth (a flat per-line column) and the cost ratio are visible at a glance.
afterAll(() => {
  const rows = SIZES.map((size) => {
    const input = at(baskets, size);
    const base = median(() => plainSum(input));
    const parse = median(() => PricingInputSchema.parse(input));
    const trusted = median(() => priceSaleTrusted(input));
    const full = median(() => priceSale(input));
    const perLineUs = (ms: number) => Number(((ms * 1000) / size).toFixed(3));
    return {
      lines: size,
      'priceSale median ms': Number(full.toFixed(4)),
      'priceSaleTrusted median ms': Number(trusted.toFixed(4)),
      'schema parse median ms': Number(parse.toFixed(4)),
      'priceSale us/line': perLineUs(full),
      'trusted us/line': perLineUs(trusted),
      'parse us/line': perLineUs(parse),
      'trusted / plain sum': Math.round(trusted / base),
    };
  });
  console.table(rows);
});
