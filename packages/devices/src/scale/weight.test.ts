import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseNciReply } from './nci';
import { parseToledoReply } from './toledo';
import { createFramer, parseWeightText, toGrams } from './weight';

const kg = { unit: 'kg', decimals: 3 } as const;

describe('scale replies', () => {
  it('reads Toledo weight and status records', () => {
    expect(parseToledoReply('01250', kg)).toMatchObject({
      weight: { value: 1250, grams: 1250, display: '1.250 kg' },
      motion: false,
    });
    expect(parseToledoReply('00250', { unit: 'lb', decimals: 2 })).toMatchObject({ weight: { display: '2.50 lb', grams: 1134 } });
    expect(parseToledoReply('01.250kg', kg)).toMatchObject({ weight: { value: 1250, decimals: 3 } });
    expect(parseToledoReply('?a', kg)).toEqual({ motion: true, overCapacity: false, underZero: false });
    expect(parseToledoReply('?b', kg)).toMatchObject({ overCapacity: true });
    expect(parseToledoReply('?d', kg)).toMatchObject({ underZero: true });
    expect(parseToledoReply('?', kg)).toMatchObject({ fault: 'the scale rejected the command' });
    expect(parseToledoReply('12x45', kg)).toMatchObject({ fault: expect.stringMatching(/unreadable/) });
  });

  it('reads NCI weight lines and status bytes', () => {
    expect(parseNciReply('\n0001.25lb\r\n00\r', kg)).toMatchObject({
      weight: { value: 125, decimals: 2, unit: 'lb', grams: 567 },
      motion: false,
    });
    expect(parseNciReply('\n0001.25LB\r\n10\r', kg)).toMatchObject({ motion: true });
    expect(parseNciReply('\nS20\r', kg)).toEqual({ motion: false, underZero: false, overCapacity: false });
    expect(parseNciReply('\n^^^^^^\r\n02\r', kg)).toMatchObject({ overCapacity: true });
    expect(parseNciReply('\n-000.10kg\r\n01\r', kg)).toMatchObject({
      underZero: true,
      weight: { value: -10, decimals: 2, grams: -100 },
    });
    expect(parseNciReply('\n 1250g \r\n00\r', kg)).toMatchObject({ weight: { grams: 1250, unit: 'g' } });
    expect(parseNciReply('\n?\r', kg)).toMatchObject({ fault: 'the scale rejected the command' });
    expect(parseNciReply('\n0001.00kg\r\n08\r', kg)).toMatchObject({ fault: expect.stringMatching(/faulty calibration/) });
    expect(parseNciReply('\n1.00 stone\r\n00\r', kg)).toMatchObject({ fault: expect.stringMatching(/unreadable/) });
  });

  it('frames a reply stream split anywhere', () => {
    const frame = createFramer({ start: 0x02, end: 0x0d, maxLength: 8 });
    expect(frame(Uint8Array.from([0x41, 0x02, 0x30, 0x31]))).toEqual([]);
    expect(frame(Uint8Array.from([0x32, 0x0d, 0x02, 0x39, 0x0d]))).toEqual(['012', '9']);
    expect(frame(Buffer.from('\u0002123456789\r\u0002ok\r'))).toEqual(['ok']);
  });

  it('converts to whole grams exactly, never through floats', () => {
    expect(toGrams(1, 0, 'lb')).toBe(454);
    expect(toGrams(100, 2, 'oz')).toBe(28);
    expect(toGrams(-5, 1, 'kg')).toBe(-500);
    expect(toGrams(15, 4, 'kg')).toBe(2); // 1.5 g rounds half away from zero
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 99_999 }),
        fc.integer({ min: 0, max: 4 }),
        fc.constantFrom('kg', 'g', 'lb', 'oz' as const),
        (v, d, unit) => {
          const grams = toGrams(v, d, unit);
          expect(Number.isSafeInteger(grams)).toBe(true);
          expect(toGrams(v + 1, d, unit)).toBeGreaterThanOrEqual(grams);
          expect(toGrams(-v, d, unit)).toBe(-grams || 0);
        },
      ),
    );
  });

  it('refuses text that is not a weight', () => {
    expect(parseWeightText('------', kg)).toBeUndefined();
    expect(parseWeightText('', kg)).toBeUndefined();
    expect(parseWeightText('1.2 furlongs', kg)).toBeUndefined();
    expect(parseWeightText(' 12.5 ', kg)).toMatchObject({ value: 125, decimals: 1, unit: 'kg', grams: 12500 });
  });
});
