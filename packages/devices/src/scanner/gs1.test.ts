import { TillkitError } from '@tillkit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gs1CheckDigit } from './barcode';
import { GS, parseGs1 } from './gs1';

const opts = { referenceYear: 2025 };

function failure(input: string): { message: string; position: unknown } {
  try {
    parseGs1(input, opts);
  } catch (error) {
    expect(TillkitError.hasCode(error, 'VALIDATION_FAILED')).toBe(true);
    const e = error as TillkitError;
    return { message: e.message, position: e.details?.['position'] };
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

describe('parseGs1', () => {
  it('reads fixed-length and GS-terminated elements with typed values', () => {
    const parsed = parseGs1(`0109501101530003172512311012AB-34${GS}3103001250${GS}21SN/77`, opts);
    expect(parsed.elements.map((e) => e.ai)).toEqual(['01', '17', '10', '3103', '21']);
    expect(parsed.byAi['01']?.value).toEqual({ type: 'digits', digits: '09501101530003' });
    expect(parsed.byAi['17']).toMatchObject({
      title: 'USE BY OR EXPIRY',
      value: { type: 'date', iso: '2025-12-31', year: 2025, month: 12, day: 31, dayUnspecified: false },
      position: 16,
    });
    expect(parsed.byAi['10']?.value).toEqual({ type: 'text', text: '12AB-34' });
    expect(parsed.byAi['3103']?.value).toEqual({ type: 'measure', value: 1250, decimals: 3, unit: 'kg', text: '1.250' });
    expect(parsed.byAi['21']?.value).toEqual({ type: 'text', text: 'SN/77' });
  });

  it('reads prices as integers with their decimals, and the ISO currency of 393n', () => {
    expect(parseGs1('3922199', opts).byAi['3922']?.value).toEqual({ type: 'amount', value: 199, decimals: 2, text: '1.99' });
    expect(parseGs1('39329781250', opts).byAi['3932']?.value).toEqual({
      type: 'amount',
      value: 1250,
      decimals: 2,
      text: '12.50',
      currency: { numeric: '978', code: 'EUR' },
    });
    expect(parseGs1('393100111', opts).byAi['3931']?.value).toMatchObject({
      value: 11,
      text: '1.1',
      currency: { numeric: '001' },
    });
    expect(parseGs1('3202000550', opts).byAi['3202']?.value).toMatchObject({ value: 550, unit: 'lb', text: '5.50' });
    expect(parseGs1(`3012${GS}3712`, opts).elements.map((e) => e.value)).toEqual([
      { type: 'count', count: 12 },
      { type: 'count', count: 12 },
    ]);
  });

  it('reads day 00 as the last day of the month, and YY in a window around the reference year', () => {
    expect(parseGs1('17240200', opts).byAi['17']?.value).toMatchObject({ iso: '2024-02-29', dayUnspecified: true });
    expect(parseGs1('11740101', { referenceYear: 2024 }).byAi['11']?.value).toMatchObject({ year: 2074 });
    expect(parseGs1('11750101', { referenceYear: 2024 }).byAi['11']?.value).toMatchObject({ year: 1975 });
    expect(parseGs1('11750101', { referenceYear: 2025 }).byAi['11']?.value).toMatchObject({ year: 2075 });
    expect(parseGs1('11760101', { referenceYear: 2025 }).byAi['11']?.value).toMatchObject({ year: 1976 });
    expect(parseGs1('11990101', { referenceYear: 2001 }).byAi['11']?.value).toMatchObject({ year: 1999 });
  });

  it('skips a leading FNC1 and a redundant separator after a fixed-length element', () => {
    const parsed = parseGs1(`${GS}0109501101530003${GS}10A`, opts);
    expect(parsed.elements.map((e) => [e.ai, e.position])).toEqual([
      ['01', 1],
      ['10', 18],
    ]);
  });

  it('says what is wrong and where', () => {
    expect(failure('0109501101530004')).toMatchObject({ position: 15, message: expect.stringMatching(/wrong check digit/) });
    expect(failure('01095011015300031725133110A')).toMatchObject({ position: 20, message: expect.stringMatching(/month 13/) });
    expect(failure('17250230')).toMatchObject({ position: 6, message: expect.stringMatching(/day 30.*28 days/) });
    expect(failure('0109501101530003' + '2399')).toMatchObject({
      position: 16,
      message: expect.stringMatching(/known application identifier/),
    });
    expect(failure('010950110153')).toMatchObject({ position: 12, message: expect.stringMatching(/takes 14 characters/) });
    expect(failure(`10${'A'.repeat(21)}`)).toMatchObject({ position: 22, message: expect.stringMatching(/at most 20/) });
    expect(failure('10AB CD')).toMatchObject({ position: 4, message: expect.stringMatching(/" "/) });
    expect(failure('3106001250')).toMatchObject({ message: expect.stringMatching(/6 decimals/) });
    expect(failure(`10${GS}21A`)).toMatchObject({ position: 2, message: expect.stringMatching(/no data/) });
    expect(failure('3012A')).toMatchObject({ position: 4 });
    expect(failure('')).toMatchObject({ position: 0 });
  });

  it('parses back any element string built from valid elements', () => {
    const gtin = fc
      .array(fc.integer({ min: 0, max: 9 }), { minLength: 13, maxLength: 13 })
      .map((d) => d.join(''))
      .map((body) => `${body}${gs1CheckDigit(body)}`);
    const batch = fc.stringMatching(/^[0-9A-Za-z\-./]{1,20}$/);
    const weight = fc.record({ n: fc.integer({ min: 0, max: 5 }), v: fc.integer({ min: 0, max: 999_999 }) });
    fc.assert(
      fc.property(gtin, batch, weight, fc.integer({ min: 0, max: 999_999 }), (g, b, w, price) => {
        const s = `01${g}10${b}${GS}310${w.n}${String(w.v).padStart(6, '0')}3922${price}`;
        const parsed = parseGs1(s, opts);
        expect(parsed.elements.map((e) => e.raw)).toEqual([g, b, String(w.v).padStart(6, '0'), String(price)]);
        expect(parsed.byAi[`310${w.n}`]?.value).toMatchObject({ value: w.v, decimals: w.n });
        expect(parsed.byAi['3922']?.value).toMatchObject({ value: price, decimals: 2 });
      }),
    );
  });
});
