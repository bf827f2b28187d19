import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cashRoundingRule } from './currency';
import { amountToSettle, checkNewTender, DEFAULT_TENDER_TYPES, findTenderType, roundCash, settle } from './tenders';
import type { Tender } from './transaction';
import { errorCode } from './test-support';

const tender = (type: 'cash' | 'card' | 'voucher', amount: number): Tender => {
  const t = findTenderType(DEFAULT_TENDER_TYPES, type);
  return {
    id: `${type}-${amount}`,
    type,
    kind: t.kind,
    amount,
    reference: undefined,
    allowsChange: t.allowsChange,
    cashRounding: t.cashRounding,
  };
};

describe('cash rounding per currency', () => {
  // Swiss 5-Rappen rounding (SIX/Swiss retail practice): .01-.02 down, .03-.04 up, .06-.07 down, .08-.09 up.
  it.each([
    [1001, 1000],
    [1002, 1000],
    [1003, 1005],
    [1007, 1005],
    [1008, 1010],
    [1025, 1025],
  ])('CHF %i -> %i', (amount, rounded) => {
    expect(roundCash(amount, cashRoundingRule('CHF'))).toBe(rounded);
  });

  // Royal Canadian Mint, 2013 penny phase-out: 1.01/1.02 -> 1.00; 1.03/1.04 -> 1.05; 1.06/1.07 -> 1.05; 1.08/1.09 -> 1.10.
  it.each([
    [101, 100],
    [102, 100],
    [103, 105],
    [104, 105],
    [106, 105],
    [107, 105],
    [108, 110],
    [109, 110],
  ])('CAD %i -> %i', (amount, rounded) => {
    expect(roundCash(amount, cashRoundingRule('CAD'))).toBe(rounded);
  });

  // Sveriges Riksbank: cash totals round to whole kronor, 0.50 upward (since 2010).
  it.each([
    [1249, 1200],
    [1250, 1300],
    [1299, 1300],
  ])('SEK %i -> %i', (amount, rounded) => {
    expect(roundCash(amount, cashRoundingRule('SEK'))).toBe(rounded);
  });

  // Danmarks Nationalbank: to the nearest 50 øre (0.24 down, 0.25 up).
  it.each([
    [1024, 1000],
    [1025, 1050],
    [1074, 1050],
    [1075, 1100],
  ])('DKK %i -> %i', (amount, rounded) => {
    expect(roundCash(amount, cashRoundingRule('DKK'))).toBe(rounded);
  });

  it('is symmetric, so refunds round like sales', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.constantFrom('CHF', 'SEK', 'DKK', 'CAD', 'EUR'), (n, c) => {
        const rule = cashRoundingRule(c);
        expect(roundCash(-n, rule)).toBe(-roundCash(n, rule) || 0);
      }),
    );
  });
});

describe('settle', () => {
  it('rounds only the cash part: CHF 10.02 paid all in cash is 10.00 (adjustment -0.02)', () => {
    const s = settle(1002, [tender('cash', 2000)], 'CHF');
    expect(s).toMatchObject({ balanced: true, cashRounding: -2, change: 1000, remaining: 0 });
  });

  it('card pays exactly, no rounding: CHF 10.02 by card', () => {
    expect(settle(1002, [tender('card', 1002)], 'CHF')).toMatchObject({ balanced: true, cashRounding: 0, change: 0 });
  });

  it('split tender with change: CHF 10.02 = card 7.33 + cash 5.00 -> cash due 2.69 rounds to 2.70, change 2.30', () => {
    const s = settle(1002, [tender('card', 733), tender('cash', 500)], 'CHF');
    expect(s).toMatchObject({ balanced: true, cashRounding: 1, change: 230 });
    // the balance rule: tenders - change = total + cash rounding
    expect(733 + 500 - s.change).toBe(1002 + s.cashRounding);
  });

  it('reports what remains while tenders are short', () => {
    expect(settle(1000, [tender('card', 400)], 'EUR')).toMatchObject({ balanced: false, remaining: 600, change: 0 });
    expect(settle(1002, [tender('cash', 500)], 'CHF')).toMatchObject({ balanced: false, remaining: 500, cashRounding: -2 });
  });

  it('mirrors for refunds and never gives change on a refund', () => {
    const s = settle(-997, [tender('cash', -995)], 'CHF');
    expect(s).toMatchObject({ balanced: true, cashRounding: 2, change: 0 });
  });

  it('holds tendered - change = total + cashRounding whenever balanced (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e7 }),
        fc.integer({ min: 0, max: 1e7 }),
        fc.integer({ min: 0, max: 2e7 }),
        fc.constantFrom('CHF', 'SEK', 'EUR', 'DKK', 'JPY'),
        (total, card, cash, currency) => {
          const tenders = [
            ...(card > 0 && card <= total ? [tender('card', card)] : []),
            ...(cash > 0 ? [tender('cash', cash)] : []),
          ];
          const s = settle(total, tenders, currency);
          if (s.balanced) expect(s.tendered - s.change).toBe(total + s.cashRounding);
          expect(s.change).toBeGreaterThanOrEqual(0);
        },
      ),
    );
  });
});

describe('checkNewTender and amountToSettle', () => {
  it('refuses a card paying more than is due', () => {
    expect(() => checkNewTender(1000, [], tender('card', 1001), 'EUR')).toThrow(expect.objectContaining({ code: 'OVER_TENDER' }));
  });

  it('refuses a card over-tender hidden behind earlier cash', () => {
    expect(() => checkNewTender(1000, [tender('cash', 500)], tender('card', 600), 'EUR')).toThrow(
      expect.objectContaining({ code: 'OVER_TENDER' }),
    );
  });

  it('accepts cash over-tender (change) and refuses tenders once balanced', () => {
    expect(() => checkNewTender(1000, [], tender('cash', 5000), 'EUR')).not.toThrow();
    expect(() => checkNewTender(1000, [tender('cash', 1000)], tender('cash', 1), 'EUR')).toThrow(
      expect.objectContaining({ code: 'OVER_TENDER' }),
    );
  });

  it('refuses a positive refund and a zero payment', () => {
    expect(() => checkNewTender(-500, [], tender('cash', 500), 'EUR')).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    );
    expect(() => checkNewTender(500, [], tender('cash', 0), 'EUR')).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    );
  });

  it('computes the exact amount to settle per tender kind', () => {
    const cash = findTenderType(DEFAULT_TENDER_TYPES, 'cash');
    const card = findTenderType(DEFAULT_TENDER_TYPES, 'card');
    expect(amountToSettle(1002, [], cash, 'CHF')).toBe(1000);
    expect(amountToSettle(1002, [], card, 'CHF')).toBe(1002);
    expect(amountToSettle(1002, [tender('card', 733)], cash, 'CHF')).toBe(270);
    expect(amountToSettle(-1249, [], cash, 'SEK')).toBe(-1200);
  });

  it('names the known tender types when given an unknown one', () => {
    expect(() => findTenderType(DEFAULT_TENDER_TYPES, 'bitcoin')).toThrow(/cash, card, voucher, other/);
  });
});

describe('bad input to the settlement functions', () => {
  const cash = findTenderType(DEFAULT_TENDER_TYPES, 'cash');
  const table: [string, () => unknown, string][] = [
    ['NaN total', () => settle(Number.NaN, [], 'EUR'), 'VALIDATION_FAILED'],
    ['float total', () => settle(10.5, [], 'EUR'), 'VALIDATION_FAILED'],
    ['tender with a float amount', () => settle(1000, [{ ...tender('cash', 100), amount: 1.5 }], 'EUR'), 'VALIDATION_FAILED'],
    ['unknown currency', () => settle(1000, [], 'EURO'), 'UNKNOWN_CURRENCY'],
    ['tenders not an array', () => settle(1000, null as never, 'EUR'), 'VALIDATION_FAILED'],
    ['zero cash step', () => roundCash(1000, { increment: 0, mode: 'HALF_UP' }), 'VALIDATION_FAILED'],
    ['unknown rounding mode', () => roundCash(1000, { increment: 5, mode: 'UP' as never }), 'VALIDATION_FAILED'],
    ['amount to settle with an Infinity total', () => amountToSettle(Infinity, [], cash, 'CHF'), 'VALIDATION_FAILED'],
    ['malformed tender types', () => findTenderType([{ type: 'cash' }] as never, 'cash'), 'VALIDATION_FAILED'],
  ];
  it.each(table)('%s -> %s', (_name, fn, code) => {
    expect(errorCode(fn)).toBe(code);
  });
});
