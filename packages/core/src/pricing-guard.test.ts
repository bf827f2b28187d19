import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPlainPricingInput } from './pricing-guard';
import { PricingInputSchema } from './pricing-schema';

// Mostly valid values with a tenth of bad ones, so both answers are reached often.
const mostly = <T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: good, weight: 12 }, { arbitrary: bad, weight: 1 });
const decimal = mostly<string | number>(
  fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.constantFrom('1', '0.5', '1.235', '8.875')),
  fc.oneof(fc.constantFrom('1e3', '', 'abc', ' 1', -2), fc.double({ noDefaultInfinity: false })),
);
const text = mostly(
  fc.string({ minLength: 1, maxLength: 4 }),
  fc.constantFrom('', 'x'.repeat(65), 'x'.repeat(129), 'x'.repeat(300)),
);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const minor = mostly(fc.integer({ min: 0, max: 1e6 }), fc.constantFrom(-1, 0.5, Number.NaN, 2 ** 53, -0));
const discount = fc.oneof(
  fc.record(
    { kind: fc.constant('percent'), percent: decimal, id: maybe(text), name: maybe(text) },
    { requiredKeys: ['kind', 'percent'] },
  ),
  fc.record({ kind: mostly(fc.constant('amount'), fc.constant('other')), amount: minor }),
);
const line = fc.record(
  {
    id: text,
    name: text,
    sku: maybe(text),
    unit: maybe(text),
    unitPrice: minor,
    quantity: decimal,
    taxIds: mostly(fc.array(text, { maxLength: 3 }), fc.constant('vat') as never),
    discounts: maybe(fc.array(discount, { maxLength: 3 })),
    modifiers: maybe(fc.array(fc.record({ name: text, unitPrice: minor, quantity: maybe(minor) }), { maxLength: 2 })),
  },
  { requiredKeys: ['id', 'name', 'unitPrice', 'quantity', 'taxIds'] },
);
const input = fc.record({
  currency: mostly(fc.constantFrom('EUR', 'JPY'), fc.constantFrom('eur', 'XYZ', '')),
  lines: fc.array(line, { maxLength: 4 }),
  taxes: fc.array(
    fc.record({
      id: text,
      name: text,
      code: maybe(text),
      rate: decimal,
      inclusive: mostly(fc.boolean(), fc.constant('yes') as never),
    }),
    {
      maxLength: 3,
    },
  ),
  orderDiscounts: maybe(fc.array(discount, { maxLength: 2 })),
  serviceCharges: maybe(
    fc.array(
      fc.record(
        {
          id: text,
          name: text,
          phase: mostly(fc.constantFrom('BEFORE_TAX', 'AFTER_TAX'), fc.constant('DURING')),
          charge: mostly(
            fc.oneof(
              fc.record({ kind: fc.constant('percent'), percent: decimal }),
              fc.record({ kind: fc.constant('amount'), amount: minor }),
            ),
            fc.constant({ kind: 'flat' }) as never,
          ),
          taxIds: maybe(fc.array(text, { maxLength: 2 })),
        },
        { requiredKeys: ['id', 'name', 'phase', 'charge'] },
      ),
      { maxLength: 2 },
    ),
  ),
  documentRounding: maybe(fc.record({ increment: minor, mode: mostly(fc.constant('HALF_UP'), fc.constant('UP')) })),
  policy: fc.record({
    mode: mostly(fc.constantFrom('HALF_EVEN', 'HALF_UP'), fc.constant('BANKERS')),
    level: mostly(fc.constantFrom('LINE', 'UNIT', 'RATE_BUCKET', 'DOCUMENT'), fc.constant('ORDER')),
    inclusiveRoundFirst: mostly(fc.constantFrom('TAX', 'NET'), fc.constant('GROSS')),
  }),
});

describe('isPlainPricingInput', () => {
  it('never accepts what PricingInputSchema refuses, and agrees on plain input (property)', () => {
    let accepted = 0;
    fc.assert(
      fc.property(input, (value) => {
        const schemaOk = PricingInputSchema.safeParse(value).success;
        const fast = isPlainPricingInput(value);
        if (fast) accepted++;
        if (fast) expect(schemaOk).toBe(true);
        expect(fast).toBe(schemaOk);
      }),
      { numRuns: 3000 },
    );
    // the generator must reach valid input too, or the agreement above proves little
    expect(accepted).toBeGreaterThan(30);
  });

  it('refuses non-objects', () => {
    expect(isPlainPricingInput(null)).toBe(false);
    expect(isPlainPricingInput([])).toBe(false);
    expect(isPlainPricingInput('basket')).toBe(false);
  });
});
