import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  const options = { baseMs: 100, maxMs: 5000 };

  it('doubles its cap per attempt up to maxMs (random = just below 1)', () => {
    const top = () => 0.999_999;
    expect([0, 1, 2, 3, 4, 5, 6, 10].map((a) => backoffDelay(a, options, top))).toEqual([
      99, 199, 399, 799, 1599, 3199, 4999, 4999,
    ]);
  });

  it('property: full jitter stays within [0, min(max, base * 2^attempt))', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, r) => {
          const d = backoffDelay(attempt, options, () => r);
          expect(d).toBeGreaterThanOrEqual(0);
          expect(d).toBeLessThan(Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 52)));
        },
      ),
    );
  });

  it('survives a broken random source', () => {
    expect(backoffDelay(3, options, () => Number.NaN)).toBe(400);
    expect(backoffDelay(3, options, () => 7)).toBe(799);
  });
});
