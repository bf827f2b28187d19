import { TillkitError } from '@tillkit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkEan13, checkEan8, checkGtin, checkUpcA, expandUpcE, gs1CheckDigit, hasValidCheckDigit, parseGtin } from './barcode';

describe('GS1 check digits', () => {
  it('accepts real EAN-13, EAN-8 and UPC-A codes', () => {
    expect(checkEan13('4006381333931')).toEqual({ ok: true, kind: 'ean-13', code: '4006381333931', gtin14: '04006381333931' });
    expect(checkEan8('73513537')).toMatchObject({ ok: true, kind: 'ean-8', gtin14: '00000073513537' });
    expect(checkUpcA('036000291452')).toMatchObject({ ok: true, kind: 'upc-a', gtin14: '00036000291452' });
    expect(checkGtin('09501101530003')).toMatchObject({ ok: true, kind: 'gtin-14' });
  });

  it('says which digit a misread code should end with', () => {
    expect(checkEan13('4006381333932')).toMatchObject({ ok: false, problem: 'bad-check-digit', expected: 1 });
    expect(checkUpcA('036000291453')).toMatchObject({ ok: false, problem: 'bad-check-digit', expected: 2 });
  });

  it('tells wrong lengths and non-digits apart', () => {
    expect(checkEan13('400638133393')).toMatchObject({ ok: false, problem: 'wrong-length' });
    expect(checkEan8('7351353A')).toMatchObject({ ok: false, problem: 'not-digits' });
    expect(checkGtin('12345')).toMatchObject({ ok: false, problem: 'wrong-length', kind: undefined });
    expect(checkGtin(' 4006381333931')).toMatchObject({ ok: false, problem: 'not-digits' });
  });

  it('parseGtin throws a ValidationError with the problem in details', () => {
    expect(parseGtin('4006381333931')).toBe('04006381333931');
    try {
      parseGtin('4006381333932');
      expect.unreachable('a bad check digit must throw');
    } catch (error) {
      expect(TillkitError.hasCode(error, 'VALIDATION_FAILED')).toBe(true);
      expect((error as TillkitError).details).toMatchObject({ problem: 'bad-check-digit', expected: 1, kind: 'ean-13' });
    }
  });

  it('expands UPC-E to UPC-A by each of the four rules', () => {
    expect(expandUpcE('01234565')).toBe('012345000065'); // last digit 5-9
    expect(expandUpcE('04252614')).toBe('042100005264'); // last digit 0-2
    expect(expandUpcE('01234133')).toBe('012300000413'); // last digit 3
    expect(checkGtin('04252614', 'upc-e')).toMatchObject({ ok: true, gtin14: '00042100005264' });
    expect(checkGtin('24252614', 'upc-e')).toMatchObject({ ok: false, problem: 'bad-number-system' });
    expect(() => expandUpcE('01234144')).toThrow(/check digit 4, but its digits give 5/);
  });

  it('a computed check digit always validates, and every single-digit error is caught', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(7, 11, 12, 13),
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 13, maxLength: 13 }),
        fc.nat(),
        fc.integer({ min: 1, max: 9 }),
        (bodyLength, digits, where, delta) => {
          const body = digits.slice(0, bodyLength).join('');
          const code = `${body}${gs1CheckDigit(body)}`;
          expect(hasValidCheckDigit(code)).toBe(true);
          expect(checkGtin(code).ok).toBe(true);
          const i = where % code.length;
          const wrong = `${code.slice(0, i)}${(Number(code[i]) + delta) % 10}${code.slice(i + 1)}`;
          expect(hasValidCheckDigit(wrong)).toBe(false);
        },
      ),
    );
  });
});
