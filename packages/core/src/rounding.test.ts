import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mulDivRound, roundDiv, roundDivBig, ROUNDING_MODES, type RoundingMode } from './rounding';
import { TillkitError } from './errors';

// Expected values from the definitions of each mode (Java BigDecimal's RoundingMode table uses the
// same inputs: 5.5, 2.5, 1.6, 1.1, 1.0, -1.0, -1.1, -1.6, -2.5, -5.5).
const TABLE: Record<RoundingMode, number[]> = {
  HALF_EVEN: [6, 2, 2, 1, 1, -1, -1, -2, -2, -6],
  HALF_UP: [6, 3, 2, 1, 1, -1, -1, -2, -3, -6],
  HALF_AWAY_FROM_ZERO: [6, 3, 2, 1, 1, -1, -1, -2, -3, -6],
  HALF_DOWN: [5, 2, 2, 1, 1, -1, -1, -2, -2, -5],
  FLOOR: [5, 2, 1, 1, 1, -1, -2, -2, -3, -6],
  CEIL: [6, 3, 2, 2, 1, -1, -1, -1, -2, -5],
  TRUNCATE: [5, 2, 1, 1, 1, -1, -1, -1, -2, -5],
};
const INPUTS_TENTHS = [55, 25, 16, 11, 10, -10, -11, -16, -25, -55];

describe('roundDiv', () => {
  for (const mode of ROUNDING_MODES) {
    it(`${mode} matches the BigDecimal reference table`, () => {
      expect(INPUTS_TENTHS.map((n) => roundDiv(n, 10, mode))).toEqual(TABLE[mode]);
      expect(INPUTS_TENTHS.map((n) => roundDivBig(BigInt(n), 10n, mode))).toEqual(TABLE[mode].map(BigInt));
    });
  }

  it('is symmetric for negatives: round(-x) = -round(x) for the half modes and truncate', () => {
    const symmetric: RoundingMode[] = ['HALF_EVEN', 'HALF_UP', 'HALF_AWAY_FROM_ZERO', 'HALF_DOWN', 'TRUNCATE'];
    fc.assert(
      fc.property(
        fc.integer({ min: -1e12, max: 1e12 }),
        fc.integer({ min: 1, max: 1e6 }),
        fc.constantFrom(...symmetric),
        (n, d, mode) => {
          expect(roundDiv(-n, d, mode)).toBe(-roundDiv(n, d, mode) || 0);
        },
      ),
    );
  });

  it('mirrors FLOOR and CEIL: floor(-x) = -ceil(x)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), fc.integer({ min: 1, max: 1e6 }), (n, d) => {
        expect(roundDiv(-n, d, 'FLOOR')).toBe(-roundDiv(n, d, 'CEIL') || 0);
      }),
    );
  });

  it('agrees with exact bigint rounding across the safe range', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        fc.constantFrom(...ROUNDING_MODES),
        (n, d, mode) => {
          expect(roundDiv(n, d, mode)).toBe(Number(roundDivBig(BigInt(n), BigInt(d), mode)));
        },
      ),
    );
  });

  it('never returns negative zero', () => {
    expect(Object.is(roundDiv(-1, 10, 'HALF_EVEN'), -0)).toBe(false);
  });

  it('refuses division by zero with a typed error', () => {
    expect(() => roundDiv(1, 0, 'HALF_EVEN')).toThrow(expect.objectContaining({ code: 'DIVISION_BY_ZERO' }));
  });

  it('refuses an unknown mode', () => {
    expect(() => roundDiv(15, 10, 'BANKERS' as RoundingMode)).toThrow(TillkitError);
  });
});

describe('mulDivRound', () => {
  it('switches to bigints when a product leaves the safe range, exactly', () => {
    // 9,007,199,254,740,991 * 19 / 119 would lose digits in floating point
    const a = Number.MAX_SAFE_INTEGER;
    expect(mulDivRound(a, 19, 119, 'HALF_EVEN')).toBe(Number((BigInt(a) * 19n * 2n + 119n) / (119n * 2n)));
  });

  it('throws AMOUNT_OVERFLOW when the result is not a safe integer', () => {
    expect(() => mulDivRound(Number.MAX_SAFE_INTEGER, 3, 1, 'HALF_EVEN')).toThrow(
      expect.objectContaining({ code: 'AMOUNT_OVERFLOW' }),
    );
  });
});
