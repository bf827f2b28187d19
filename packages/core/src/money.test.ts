import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocateInteger } from './allocate';
import { cashRoundingRule, currencyExponent, CURRENCY_CODES } from './currency';
import { parseDecimal, formatDecimal } from './decimal';
import { TillkitError } from './errors';
import {
  abs,
  add,
  allocate,
  compare,
  equals,
  formatMoney,
  isNegative,
  isZero,
  money,
  moneyFromDecimal,
  multiply,
  negate,
  percentage,
  subtract,
  sum,
  toDecimalString,
} from './money';

const eur = (n: number) => money(n, 'EUR');

describe('currencies', () => {
  it('knows the ISO 4217 exponents of 0, 2, 3 and 4 decimal currencies', () => {
    expect(['JPY', 'KRW', 'EUR', 'USD', 'KWD', 'BHD', 'JOD', 'OMR', 'TND', 'CLF'].map(currencyExponent)).toEqual([
      0, 0, 2, 2, 3, 3, 3, 3, 3, 4,
    ]);
    expect(CURRENCY_CODES.length).toBeGreaterThan(150);
  });

  it('refuses lower case and made-up codes with UNKNOWN_CURRENCY', () => {
    for (const code of ['eur', 'EURO', 'XXX', '', 'E U']) {
      expect(() => currencyExponent(code)).toThrow(expect.objectContaining({ code: 'UNKNOWN_CURRENCY' }));
    }
  });

  it('has the national cash rounding steps', () => {
    expect(cashRoundingRule('CHF').increment).toBe(5);
    expect(cashRoundingRule('SEK').increment).toBe(100);
    expect(cashRoundingRule('DKK').increment).toBe(50);
    expect(cashRoundingRule('EUR').increment).toBe(1);
  });
});

describe('decimal parsing', () => {
  it('reads strings and numbers without float error', () => {
    expect(parseDecimal('8.875')).toEqual({ units: 8875, scale: 3 });
    expect(parseDecimal(0.1)).toEqual({ units: 1, scale: 1 });
    expect(parseDecimal('1.2300')).toEqual({ units: 123, scale: 2 });
    expect(formatDecimal({ units: -5, scale: 2 })).toBe('-0.05');
  });

  it.each([['abc'], ['1e5'], [Number.NaN], [Infinity], ['1.0000000001'], ['99999999999999999'], [''], ['.5']])(
    'refuses %s',
    (bad) => {
      expect(() => parseDecimal(bad as string)).toThrow(expect.objectContaining({ code: 'INVALID_DECIMAL' }));
    },
  );
});

describe('money arithmetic', () => {
  it('adds, subtracts and sums in one currency', () => {
    expect(add(eur(1999), eur(1))).toEqual(eur(2000));
    expect(subtract(eur(100), eur(250))).toEqual(eur(-150));
    expect(sum([eur(1), eur(2), eur(3)])).toEqual(eur(6));
    expect(sum([], 'JPY')).toEqual(money(0, 'JPY'));
    expect(negate(eur(5))).toEqual(eur(-5));
    expect(abs(eur(-5))).toEqual(eur(5));
    expect(compare(eur(1), eur(2))).toBe(-1);
    expect(isZero(negate(eur(0)))).toBe(true);
    expect(Object.is(negate(eur(0)).amount, -0)).toBe(false);
    expect(isNegative(eur(-1))).toBe(true);
  });

  it('refuses mixed currencies with CURRENCY_MISMATCH and never mixes silently', () => {
    expect(() => add(eur(1), money(1, 'USD'))).toThrow(expect.objectContaining({ code: 'CURRENCY_MISMATCH' }));
    expect(() => sum([eur(1), money(1, 'USD')])).toThrow(expect.objectContaining({ code: 'CURRENCY_MISMATCH' }));
    expect(equals(eur(1), money(1, 'USD'))).toBe(false);
  });

  const bad: [string, () => unknown, string][] = [
    ['float amount', () => money(19.99, 'EUR'), 'INVALID_AMOUNT'],
    ['NaN', () => money(Number.NaN, 'EUR'), 'INVALID_AMOUNT'],
    ['Infinity', () => money(Infinity, 'EUR'), 'INVALID_AMOUNT'],
    ['unsafe integer', () => money(2 ** 53, 'EUR'), 'INVALID_AMOUNT'],
    ['string amount', () => money('12' as unknown as number, 'EUR'), 'INVALID_AMOUNT'],
    ['unknown currency', () => money(1, 'ABC'), 'UNKNOWN_CURRENCY'],
    ['overflowing add', () => add(eur(Number.MAX_SAFE_INTEGER), eur(1)), 'AMOUNT_OVERFLOW'],
    ['float inside add', () => add({ amount: 0.5, currency: 'EUR' }, eur(1)), 'INVALID_AMOUNT'],
    ['null money', () => add(null as never, eur(1)), 'INVALID_AMOUNT'],
    ['too many decimals', () => moneyFromDecimal('1.005', 'EUR'), 'INVALID_AMOUNT'],
    ['decimals on JPY', () => moneyFromDecimal('100.5', 'JPY'), 'INVALID_AMOUNT'],
    ['garbage decimal', () => moneyFromDecimal('12,50', 'EUR'), 'INVALID_DECIMAL'],
    ['empty sum without currency', () => sum([]), 'VALIDATION_FAILED'],
    ['negative ratio', () => allocate(eur(100), [1, -1]), 'INVALID_ALLOCATION'],
    ['all-zero ratios', () => allocate(eur(100), [0, 0]), 'INVALID_ALLOCATION'],
    ['no ratios', () => allocate(eur(100), []), 'INVALID_ALLOCATION'],
    ['NaN factor', () => multiply(eur(100), Number.NaN), 'INVALID_DECIMAL'],
    ['bad locale', () => formatMoney(eur(100), 'not a locale!'), 'VALIDATION_FAILED'],
  ];
  it.each(bad)('%s throws %s', (_name, fn, code) => {
    let caught: unknown;
    try {
      fn();
    } catch (e) {
      caught = e;
    }
    expect(TillkitError.isInstance(caught)).toBe(true);
    expect((caught as TillkitError).code).toBe(code);
    expect((caught as TillkitError).message.length).toBeGreaterThan(20);
  });

  it('converts decimals exactly and rounds only when asked', () => {
    expect(moneyFromDecimal('19.99', 'EUR')).toEqual(eur(1999));
    expect(moneyFromDecimal('1.5', 'KWD')).toEqual(money(1500, 'KWD'));
    expect(moneyFromDecimal(1000, 'JPY')).toEqual(money(1000, 'JPY'));
    expect(moneyFromDecimal('1.005', 'EUR', 'HALF_EVEN')).toEqual(eur(100));
    expect(moneyFromDecimal('1.005', 'EUR', 'HALF_UP')).toEqual(eur(101));
    expect(toDecimalString(money(1500, 'KWD'))).toBe('1.500');
    expect(toDecimalString(eur(-5))).toBe('-0.05');
    expect(toDecimalString(money(500, 'JPY'))).toBe('500');
  });

  it('multiplies and takes percentages with one rounding', () => {
    expect(multiply(eur(999), '1.5')).toEqual(eur(1498)); // 1498.5 -> even
    expect(multiply(eur(999), '1.5', 'HALF_UP')).toEqual(eur(1499));
    expect(percentage(eur(1000), '8.875', 'HALF_UP')).toEqual(eur(89)); // 88.75
    expect(multiply(eur(-999), '1.5', 'HALF_UP')).toEqual(eur(-1499));
  });
});

describe('allocation', () => {
  it('gives the remainder to the largest remainders, ties to the first', () => {
    expect(allocate(eur(100), [1, 1, 1]).map((m) => m.amount)).toEqual([34, 33, 33]);
    expect(allocate(eur(5), [3, 7]).map((m) => m.amount)).toEqual([2, 3]); // 1.5 and 3.5: tie -> first
    expect(allocate(eur(-100), [1, 1, 1]).map((m) => m.amount)).toEqual([-34, -33, -33]);
    expect(allocate(eur(100), ['0.5', '0.25', '0.25']).map((m) => m.amount)).toEqual([50, 25, 25]);
    expect(allocateInteger(0, [0, 0])).toEqual([0, 0]);
  });

  it('always sums exactly and is symmetric (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e12, max: 1e12 }),
        fc.array(fc.integer({ min: 0, max: 1e6 }), { minLength: 1, maxLength: 30 }).filter((w) => w.some((x) => x > 0)),
        (amount, weights) => {
          const parts = allocateInteger(amount, weights);
          expect(parts.reduce((a, b) => a + b, 0)).toBe(amount);
          expect(allocateInteger(-amount, weights)).toEqual(parts.map((p) => -p || 0));
          const total = weights.reduce((a, b) => a + b, 0);
          parts.forEach((p, i) => expect(Math.abs(p * total - amount * weights[i]!)).toBeLessThan(total));
        },
      ),
    );
  });

  it('is exact with weights whose products leave the safe range', () => {
    const parts = allocateInteger(Number.MAX_SAFE_INTEGER, [3, 3, 1]);
    expect(parts.reduce((a, b) => a + b, 0)).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('formatting', () => {
  it('formats with the locale and the ISO number of decimals', () => {
    expect(formatMoney(money(123456, 'EUR'), 'de-DE')).toBe('1.234,56\u00a0€');
    expect(formatMoney(money(123456, 'JPY'), 'ja-JP')).toBe('￥123,456');
    expect(formatMoney(money(1500, 'KWD'), 'en-US')).toBe('KWD\u00a01.500');
    expect(formatMoney(money(-505, 'USD'), 'en-US')).toBe('-$5.05');
    // 2^53 - 1 cents is still printed exactly (no float division)
    expect(formatMoney(money(Number.MAX_SAFE_INTEGER, 'USD'), 'en-US')).toBe('$90,071,992,547,409.91');
  });
});

describe('allocation tie-break', () => {
  it('matches a full sort by (remainder desc, index asc) on random inputs (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e9 }),
        fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 60 }).filter((w) => w.some((x) => x > 0)),
        (amount, weights) => {
          const total = weights.reduce((a, b) => a + b, 0);
          const floors = weights.map((w) => Math.floor((amount * w) / total));
          const rems = weights.map((w, i) => amount * w - floors[i]! * total);
          const left = amount - floors.reduce((a, b) => a + b, 0);
          const order = weights.map((_, i) => i).sort((a, b) => rems[b]! - rems[a]! || a - b);
          const expected = floors.slice();
          for (const i of order.slice(0, left)) expected[i]! += 1;
          expect(allocateInteger(amount, weights)).toEqual(expected);
        },
      ),
      { numRuns: 500 },
    );
  });
});
