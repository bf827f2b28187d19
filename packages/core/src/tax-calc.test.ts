import { describe, expect, it } from 'vitest';
import { parseDecimal } from './decimal';
import { ErrorCode, TillkitError } from './errors';
import { allocateBig, documentTaxes, lineTaxes, spreadSplit, taxGroupRates, unitTaxes, type TaxRounding } from './tax-calc';

const incl = (rate: string) => ({ percent: parseDecimal(rate), inclusive: true });
const add = (rate: string) => ({ percent: parseDecimal(rate), inclusive: false });
const TAX_FIRST: TaxRounding = { mode: 'HALF_EVEN', roundFirst: 'TAX' };
const NET_FIRST: TaxRounding = { mode: 'HALF_EVEN', roundFirst: 'NET' };

describe('taxGroupRates', () => {
  it('puts all rates of a group on their largest scale', () => {
    const group = taxGroupRates([incl('19'), add('8.875')]);
    // 19 % = 19000 / 100000, 8.875 % = 8875 / 100000
    expect(group).toMatchObject({
      numerators: [19000, 8875],
      denominator: 100_000,
      inclusiveSum: 19000,
      inclusiveWeights: [19000, 0],
    });
    expect(group.soleInclusive).toBe(0);
  });

  it('has no sole inclusive tax when two inclusive rates are non-zero', () => {
    expect(taxGroupRates([incl('5'), incl('5')]).soleInclusive).toBe(-1);
    expect(taxGroupRates([incl('0'), incl('5')]).soleInclusive).toBe(1);
  });
});

describe('lineTaxes', () => {
  it('leaves an untaxed amount as its own net', () => {
    expect(lineTaxes(1234, taxGroupRates([]), TAX_FIRST)).toEqual({ net: 1234, taxes: [] });
  });

  it('gives a 0 % inclusive rate no tax', () => {
    expect(lineTaxes(1234, taxGroupRates([incl('0')]), NET_FIRST)).toEqual({ net: 1234, taxes: [0] });
  });

  it('backs out inclusive tax and adds additive tax on the net', () => {
    // 1190 x 19/119 = 190; net 1000; 8.875 % of 1000 = 88.75 -> 89
    expect(lineTaxes(1190, taxGroupRates([incl('19'), add('8.875')]), TAX_FIRST)).toEqual({ net: 1000, taxes: [190, 89] });
  });

  it('mirrors a negative base under a symmetric mode', () => {
    const group = taxGroupRates([incl('19')]);
    // 1000 x 19/119 = 159.66 -> 160
    expect(lineTaxes(-1000, group, { mode: 'HALF_UP', roundFirst: 'TAX' })).toEqual({ net: -840, taxes: [-160] });
  });
});

describe('unitTaxes', () => {
  const vat = taxGroupRates([incl('19')]);

  it('rounds one unit and multiplies', () => {
    // 10 x 19/119 = 1.597 -> 2 per unit; x 4 = 8
    expect(unitTaxes(40, 4, vat, TAX_FIRST)).toEqual({ net: 32, taxes: [8] });
  });

  it('falls back to LINE when the base is not a whole amount per unit', () => {
    // With a fractional unit (7/4 = 1.75) a 0 % inclusive rate, NET first, would give a net of
    // round(1.75) x 4 = 8 > 7 and a tax of -1. As LINE: net 7, tax 0.
    expect(unitTaxes(7, 4, taxGroupRates([incl('0')]), NET_FIRST)).toEqual({ net: 7, taxes: [0] });
    expect(unitTaxes(41, 4, vat, TAX_FIRST)).toEqual(lineTaxes(41, vat, TAX_FIRST));
  });
});

describe('spreadSplit', () => {
  const vat = taxGroupRates([incl('19')]);

  it('allocates each tax by base; nets follow so each gross is kept', () => {
    // 5 over 10/10/10: 1.67 each -> 1, 1, 1 and the two leftover units to the first two
    expect(spreadSplit({ net: 25, taxes: [5] }, [10, 10, 10], vat)).toEqual([
      { net: 8, taxes: [2] },
      { net: 8, taxes: [2] },
      { net: 9, taxes: [1] },
    ]);
  });

  it('keeps a net that comes from additive taxes only', () => {
    const group = taxGroupRates([add('10')]);
    // 30 over 100/200: 10 and 20; nets are the bases
    expect(spreadSplit({ net: 300, taxes: [30] }, [100, 200], group)).toEqual([
      { net: 100, taxes: [10] },
      { net: 200, taxes: [20] },
    ]);
  });
});

describe('documentTaxes', () => {
  const vat19 = taxGroupRates([incl('19')]);
  const vat7 = taxGroupRates([incl('7')]);
  const sales10 = taxGroupRates([add('10')]);

  it('TAX first: rounds the document tax once and allocates it by the exact amounts', () => {
    // 10 x 19/119 + 10 x 7/107 = 1.597 + 0.654 = 2.251 -> 2; 1.419 / 0.581 -> floors 1 / 0, the
    // leftover unit to the larger remainder (0.581)
    expect(documentTaxes([10, 10], [vat19, vat7], TAX_FIRST)).toEqual([
      { net: 9, taxes: [1] },
      { net: 9, taxes: [1] },
    ]);
  });

  it('NET first: rounds the document net once', () => {
    // nets 10/1.19 + 10/1.07 = 8.403 + 9.346 = 17.749 -> 18; tax 20 - 18 = 2, split 1 / 1 as above
    expect(documentTaxes([10, 10], [vat19, vat7], NET_FIRST)).toEqual([
      { net: 9, taxes: [1] },
      { net: 9, taxes: [1] },
    ]);
  });

  it('NET first: rounds additive taxes once on their own', () => {
    // additive: 105 x 10 % = 10.5 -> 10 (HALF_EVEN). Inclusive: nets 105 + 8.403 = 113.403 -> 113,
    // so the inclusive tax is 115 - 113 = 2
    expect(documentTaxes([105, 10], [sales10, vat19], NET_FIRST)).toEqual([
      { net: 105, taxes: [10] },
      { net: 8, taxes: [2] },
    ]);
  });

  it('handles groups without taxes and empty documents', () => {
    expect(documentTaxes([500, 100], [taxGroupRates([]), sales10], TAX_FIRST)).toEqual([
      { net: 500, taxes: [] },
      { net: 100, taxes: [10] },
    ]);
    expect(documentTaxes([], [], TAX_FIRST)).toEqual([]);
  });
});

describe('allocateBig', () => {
  it('splits by largest remainder, ties to the lower index, symmetric in sign', () => {
    expect(allocateBig(10, [1n, 1n, 1n])).toEqual([4, 3, 3]);
    expect(allocateBig(-10, [1n, 1n, 1n])).toEqual([-4, -3, -3]);
    expect(allocateBig(5, [0n, 3n, 1n])).toEqual([0, 4, 1]);
  });

  it('works on weights far beyond the safe integer range', () => {
    const huge = 10n ** 30n;
    expect(allocateBig(3, [huge, huge + 1n])).toEqual([1, 2]);
  });

  it('allocates zero over zero weights and refuses anything else', () => {
    expect(allocateBig(0, [0n, 0n])).toEqual([0, 0]);
    let code: string | undefined;
    try {
      allocateBig(1, [0n]);
    } catch (error) {
      code = TillkitError.isInstance(error) ? error.code : undefined;
    }
    expect(code).toBe(ErrorCode.INVALID_ALLOCATION);
  });
});
