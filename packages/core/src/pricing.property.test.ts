import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDecimal, parseDecimal } from './decimal';
import { ErrorCode, TillkitError } from './errors';
import { priceSale, priceSaleTrusted } from './pricing';
import type {
  DiscountInput,
  LineInput,
  LineTax,
  PricedSale,
  PricingInput,
  ServiceChargeInput,
  TaxRateInput,
} from './pricing-schema';
import { ROUNDING_MODES, roundDivBig, type RoundingMode } from './rounding';
import { lineTaxes, taxGroupRates, unitTaxes, type TaxSplit } from './tax-calc';
import type { InclusiveRoundFirst, TaxLevel, TaxPolicy } from './tax-policy';

const LEVELS: readonly TaxLevel[] = ['UNIT', 'LINE', 'RATE_BUCKET', 'DOCUMENT'];
const FIRSTS: readonly InclusiveRoundFirst[] = ['TAX', 'NET'];
const POLICIES: TaxPolicy[] = LEVELS.flatMap((level) =>
  ROUNDING_MODES.flatMap((mode) => FIRSTS.map((inclusiveRoundFirst) => ({ mode, level, inclusiveRoundFirst }))),
);
const RUNS_PER_POLICY = 40;

// ---------------------------------------------------------------------------------------------
// Generators: small baskets with every feature, amounts kept small so rounding matters.

const decimal = (max: number, scale: number, min = 0) => fc.integer({ min, max }).map((units) => formatDecimal({ units, scale }));

const rateArb = fc.oneof(fc.constantFrom('0', '5', '7', '8', '8.875', '10', '19', '20', '21', '25'), decimal(30_000, 3));

const taxesArb: fc.Arbitrary<TaxRateInput[]> = fc
  .array(fc.record({ rate: rateArb, inclusive: fc.boolean() }), { minLength: 1, maxLength: 4 })
  .map((list) => list.map((t, i) => ({ id: `t${i}`, name: `Tax ${i}`, rate: t.rate, inclusive: t.inclusive })));

const discountArb: fc.Arbitrary<DiscountInput> = fc.oneof(
  decimal(10_000, 2).map((percent): DiscountInput => ({ kind: 'percent', percent })),
  fc.integer({ min: 0, max: 300 }).map((amount): DiscountInput => ({ kind: 'amount', amount, id: `d${amount}` })),
);

function lineArb(taxIds: readonly string[], maxTaxes: number): fc.Arbitrary<Omit<LineInput, 'id'>> {
  return fc.record({
    name: fc.constant('item'),
    unitPrice: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 200_000 })),
    quantity: fc.oneof(fc.integer({ min: 1, max: 12 }), decimal(5_000, 3, 1)),
    modifiers: fc.array(
      fc.record({
        name: fc.constant('extra'),
        unitPrice: fc.integer({ min: 0, max: 500 }),
        quantity: fc.integer({ min: 1, max: 3 }),
      }),
      { maxLength: 2 },
    ),
    discounts: fc.array(discountArb, { maxLength: 3 }),
    taxIds: fc.subarray([...taxIds], { maxLength: Math.min(maxTaxes, taxIds.length) }),
  });
}

function chargeArb(taxIds: readonly string[], maxTaxes: number): fc.Arbitrary<ServiceChargeInput[]> {
  const charge = fc.oneof(
    decimal(2_000, 2).map((percent) => ({ kind: 'percent' as const, percent })),
    fc.integer({ min: 0, max: 500 }).map((amount) => ({ kind: 'amount' as const, amount })),
  );
  const before = fc.record({ charge, taxIds: fc.subarray([...taxIds], { maxLength: Math.min(maxTaxes, taxIds.length) }) });
  return fc
    .tuple(fc.array(before, { maxLength: 2 }), fc.array(charge, { maxLength: 1 }))
    .map(([b, a]) => [
      ...b.map((c, i): ServiceChargeInput => ({ id: `s${i}`, name: 'Service', phase: 'BEFORE_TAX', ...c })),
      ...a.map((c, i): ServiceChargeInput => ({ id: `tip${i}`, name: 'Tip', phase: 'AFTER_TAX', charge: c })),
    ]);
}

interface BasketOptions {
  /** most taxes on one line or charge; 1 keeps one tax group per rate */
  readonly maxTaxes: number;
}

function basketArb(policy: TaxPolicy, { maxTaxes }: BasketOptions): fc.Arbitrary<PricingInput> {
  return taxesArb.chain((taxes) => {
    const ids = taxes.map((t) => t.id);
    return fc.record({
      currency: fc.constantFrom('EUR', 'JPY', 'KWD'),
      taxes: fc.constant(taxes),
      lines: fc.array(lineArb(ids, maxTaxes), { maxLength: 10 }).map((lines) => lines.map((l, i) => ({ ...l, id: `l${i}` }))),
      orderDiscounts: fc.array(discountArb, { maxLength: 3 }),
      serviceCharges: chargeArb(ids, maxTaxes),
      policy: fc.constant(policy),
      documentRounding: fc.option(
        fc.record({ increment: fc.constantFrom(1, 5, 10, 50, 100), mode: fc.constantFrom(...ROUNDING_MODES) }),
        { nil: undefined },
      ),
    });
  });
}

/** Prices a generated basket, or skips it when a fixed discount is larger than what is left. */
function priceOrSkip(input: PricingInput): PricedSale {
  try {
    return priceSale(input);
  } catch (error) {
    if (TillkitError.hasCode(error, ErrorCode.DISCOUNT_EXCEEDS_AMOUNT)) fc.pre(false);
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Exact arithmetic for the oracles: a rational as bigint numerator / denominator.

interface Rational {
  readonly n: bigint;
  readonly d: bigint;
}
const ZERO: Rational = { n: 0n, d: 1n };

function addRational(a: Rational, b: Rational): Rational {
  const n = a.n * b.d + b.n * a.d;
  const d = a.d * b.d;
  const g = gcd(n < 0n ? -n : n, d);
  return g > 1n ? { n: n / g, d: d / g } : { n, d };
}

function gcd(a: bigint, b: bigint): bigint {
  return b === 0n ? a : gcd(b, a % b);
}

const roundExact = (r: Rational, mode: RoundingMode): number => Number(roundDivBig(r.n, r.d, mode));

/** A rate as an exact fraction of the net: "8.875" -> 8875 / 100000. */
function fraction(rate: TaxRateInput['rate']): Rational {
  const p = parseDecimal(rate);
  return { n: BigInt(p.units), d: 100n * 10n ** BigInt(p.scale) };
}

interface TaxedAmount {
  readonly base: number;
  readonly taxIds: readonly string[];
}

/** Exact net and taxes of one amount: every tax is base x r / (1 + R), the net base / (1 + R). */
function exactSplit(item: TaxedAmount, taxes: readonly TaxRateInput[]): { net: Rational; taxes: Map<string, Rational> } {
  const own = taxes.filter((t) => item.taxIds.includes(t.id));
  const onePlusR = own.filter((t) => t.inclusive).reduce((s, t) => addRational(s, fraction(t.rate)), { n: 1n, d: 1n });
  const base = BigInt(item.base);
  const perTax = new Map<string, Rational>();
  for (const t of own) {
    const r = fraction(t.rate);
    perTax.set(t.id, { n: base * r.n * onePlusR.d, d: r.d * onePlusR.n });
  }
  return { net: { n: base * onePlusR.d, d: onePlusR.n }, taxes: perTax };
}

/** The taxed amounts of a priced sale: its lines and BEFORE_TAX charges, with their bases. */
function taxedAmounts(input: PricingInput, priced: PricedSale): TaxedAmount[] {
  const lines = priced.lines.map((l, i) => ({ base: l.base, taxIds: input.lines[i]?.taxIds ?? [] }));
  const charges = (input.serviceCharges ?? []).filter((c) => c.phase === 'BEFORE_TAX');
  const chargeBases = charges.map((c) => {
    const pricedCharge = priced.serviceCharges.find((p) => p.id === c.id);
    if (!pricedCharge) throw new Error(`charge ${c.id} missing`);
    const inclusive = pricedCharge.taxes.filter((t) => t.inclusive).reduce((s, t) => s + t.amount, 0);
    return { base: pricedCharge.net + inclusive, taxIds: c.taxIds ?? [] };
  });
  return [...lines, ...chargeBases];
}

const sumOf = (values: readonly number[]) => values.reduce((s, v) => s + v, 0);
const allTaxes = (priced: PricedSale): LineTax[] => [...priced.lines, ...priced.serviceCharges].flatMap((x) => x.taxes);

// ---------------------------------------------------------------------------------------------
// Invariants

function expectInvariants(input: PricingInput, priced: PricedSale): void {
  for (const line of priced.lines) {
    const own = (scope: 'line' | 'order') => sumOf(line.discounts.filter((d) => d.scope === scope).map((d) => d.amount));
    expect(own('line')).toBe(line.lineDiscount);
    expect(own('order')).toBe(line.orderDiscount);
    expect(line.base).toBe(line.gross - line.lineDiscount - line.orderDiscount);
    expect(line.base).toBeGreaterThanOrEqual(0);
    expect(line.net + sumOf(line.taxes.map((t) => t.amount))).toBe(line.total);
    // The gross never moves: the total is the base plus the additive taxes only, so a line with
    // only inclusive taxes has total === base.
    expect(line.total).toBe(line.base + sumOf(line.taxes.filter((t) => !t.inclusive).map((t) => t.amount)));
    for (const tax of line.taxes) expect(tax.taxable).toBe(line.net);
  }
  for (const charge of priced.serviceCharges) {
    expect(charge.net + sumOf(charge.taxes.map((t) => t.amount))).toBe(charge.total);
  }
  for (const tax of allTaxes(priced)) expect(tax.amount).toBeGreaterThanOrEqual(0);

  const taxOrder = input.taxes.map((t) => t.id);
  expect(priced.taxBuckets.map((b) => b.taxId)).toEqual(taxOrder.filter((id) => priced.taxBuckets.some((b) => b.taxId === id)));
  for (const bucket of priced.taxBuckets) {
    const mine = allTaxes(priced).filter((t) => t.taxId === bucket.taxId);
    expect(bucket.net + bucket.tax).toBe(bucket.gross);
    expect(bucket.tax).toBe(sumOf(mine.map((t) => t.amount)));
    expect(bucket.net).toBe(sumOf(mine.map((t) => t.taxable)));
  }

  const linesTotal = sumOf(priced.lines.map((l) => l.total));
  expect(linesTotal + priced.serviceChargeTotal + priced.roundingAdjustment).toBe(priced.total);
  expect(priced.serviceChargeTotal).toBe(sumOf(priced.serviceCharges.map((c) => c.total)));
  expect(priced.discountTotal).toBe(sumOf(priced.lines.flatMap((l) => l.discounts.map((d) => d.amount))));
  expect(priced.taxTotal).toBe(sumOf(allTaxes(priced).map((t) => t.amount)));
  expect(priced.subtotal).toBe(sumOf(priced.lines.map((l) => l.gross)));
  expect(priced.netTotal).toBe(sumOf([...priced.lines, ...priced.serviceCharges].map((x) => x.net)));
  if (input.documentRounding) expect(priced.total % input.documentRounding.increment).toBe(0);
  expectSafeIntegers(priced);
}

function expectSafeIntegers(value: unknown): void {
  if (typeof value === 'number') expect(Number.isSafeInteger(value)).toBe(true);
  else if (typeof value === 'object' && value !== null) Object.values(value).forEach(expectSafeIntegers);
}

/** Each order discount is rounded once on the running order amount and its shares sum to it. */
function expectOrderDiscountsAllocated(input: PricingInput, priced: PricedSale): void {
  const discounts = input.orderDiscounts ?? [];
  const ordered = [...discounts.filter((d) => d.kind === 'percent'), ...discounts.filter((d) => d.kind === 'amount')];
  let running = sumOf(priced.lines.map((l) => l.gross - l.lineDiscount));
  ordered.forEach((d, j) => {
    const shares = priced.lines.map((l) => l.discounts.filter((x) => x.scope === 'order')[j]?.amount ?? 0);
    const p = d.kind === 'percent' ? parseDecimal(d.percent) : undefined;
    const expected =
      d.kind === 'amount'
        ? d.amount
        : roundExact({ n: BigInt(running) * BigInt(p!.units), d: 100n * 10n ** BigInt(p!.scale) }, input.policy.mode);
    if (priced.lines.length > 0) expect(sumOf(shares)).toBe(expected);
    running -= expected;
  });
}

// ---------------------------------------------------------------------------------------------

describe('priceSale properties, for every policy', () => {
  it.each(POLICIES.map((p) => [`${p.level} ${p.mode} ${p.inclusiveRoundFirst}-first`, p] as const))(
    '%s: invariants hold and order discounts are allocated exactly',
    (_name, policy) => {
      fc.assert(
        fc.property(basketArb(policy, { maxTaxes: 3 }), (input) => {
          const priced = priceOrSkip(input);
          expectInvariants(input, priced);
          expectOrderDiscountsAllocated(input, priced);
        }),
        { numRuns: RUNS_PER_POLICY },
      );
    },
  );

  it('priceSaleTrusted agrees with priceSale on valid input', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...POLICIES).chain((p) => basketArb(p, { maxTaxes: 3 })),
        (input) => {
          const checked = priceOrSkip(input);
          expect(priceSaleTrusted(input)).toEqual(checked);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('RATE_BUCKET and DOCUMENT: per-rate totals equal the rounded exact sums', () => {
  const policies = (level: TaxLevel) => POLICIES.filter((p) => p.level === level);

  it.each(policies('RATE_BUCKET').map((p) => [`${p.mode} ${p.inclusiveRoundFirst}-first`, p] as const))(
    'RATE_BUCKET %s: one rounding per rate',
    (_name, policy) => {
      fc.assert(
        // One tax per line or charge, so each rate is one tax group and rounds exactly once.
        fc.property(basketArb(policy, { maxTaxes: 1 }), (input) => {
          const priced = priceOrSkip(input);
          const exact = taxedAmounts(input, priced).map((item) => exactSplit(item, input.taxes));
          for (const bucket of priced.taxBuckets) {
            const carrying = exact.filter((e) => e.taxes.has(bucket.taxId));
            const tax = carrying.reduce((s, e) => addRational(s, e.taxes.get(bucket.taxId)!), ZERO);
            const net = carrying.reduce((s, e) => addRational(s, e.net), ZERO);
            if (bucket.inclusive && policy.inclusiveRoundFirst === 'NET') expect(bucket.net).toBe(roundExact(net, policy.mode));
            else expect(bucket.tax).toBe(roundExact(tax, policy.mode));
          }
        }),
        { numRuns: RUNS_PER_POLICY },
      );
    },
  );

  it.each(policies('DOCUMENT').map((p) => [`${p.mode} ${p.inclusiveRoundFirst}-first`, p] as const))(
    'DOCUMENT %s: one rounding for the document',
    (_name, policy) => {
      fc.assert(
        fc.property(basketArb(policy, { maxTaxes: 3 }), (input) => {
          const priced = priceOrSkip(input);
          const exact = taxedAmounts(input, priced).map((item) => exactSplit(item, input.taxes));
          const inclusive = new Set(input.taxes.filter((t) => t.inclusive).map((t) => t.id));
          const sumTaxes = (keep: (id: string) => boolean) =>
            exact.reduce((s, e) => [...e.taxes].reduce((acc, [id, r]) => (keep(id) ? addRational(acc, r) : acc), s), ZERO);
          const taxed = [...priced.lines, ...priced.serviceCharges.filter((c) => c.phase === 'BEFORE_TAX')];
          const amounts = (keep: (t: LineTax) => boolean) =>
            sumOf(taxed.flatMap((x) => x.taxes.filter(keep).map((t) => t.amount)));
          if (policy.inclusiveRoundFirst === 'TAX') {
            expect(priced.taxTotal).toBe(
              roundExact(
                sumTaxes(() => true),
                policy.mode,
              ),
            );
          } else {
            const exactNet = exact.reduce((s, e) => addRational(s, e.net), ZERO);
            expect(sumOf(taxed.map((x) => x.net))).toBe(roundExact(exactNet, policy.mode));
            expect(amounts((t) => !t.inclusive)).toBe(
              roundExact(
                sumTaxes((id) => !inclusive.has(id)),
                policy.mode,
              ),
            );
          }
        }),
        { numRuns: RUNS_PER_POLICY },
      );
    },
  );
});

describe('tax arithmetic is symmetric for returns', () => {
  const MIRROR: Partial<Record<RoundingMode, RoundingMode>> = { FLOOR: 'CEIL', CEIL: 'FLOOR' };
  const negate = (s: TaxSplit): TaxSplit => ({ net: -s.net || 0, taxes: s.taxes.map((t) => -t || 0) });
  const groupArb = fc.array(fc.record({ percent: rateArb.map((r) => parseDecimal(r)), inclusive: fc.boolean() }), {
    maxLength: 3,
  });

  it('lineTaxes(-b) = -lineTaxes(b) for symmetric modes; FLOOR and CEIL mirror each other', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 1, max: 12 }),
        groupArb,
        fc.constantFrom(...ROUNDING_MODES),
        fc.constantFrom(...FIRSTS),
        (base, units, taxes, mode, roundFirst) => {
          const group = taxGroupRates(taxes);
          const mirrored = { mode: MIRROR[mode] ?? mode, roundFirst };
          expect(negate(lineTaxes(-base, group, { mode, roundFirst }))).toEqual(lineTaxes(base, group, mirrored));
          expect(negate(unitTaxes(-base, units, group, { mode, roundFirst }))).toEqual(unitTaxes(base, units, group, mirrored));
        },
      ),
    );
  });
});
