import { ErrorCode, ValidationError } from '@tillkit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextDelay, parseRetryAfter, retryDelay } from './backoff';

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);

describe('nextDelay (full jitter)', () => {
  it('stays within 0..min(cap, base * 2^attempt) for any attempt, options and random draw', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2000 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, baseMs, extra, r) => {
          const capMs = baseMs + extra;
          const delay = nextDelay(attempt, { baseMs, capMs }, () => r);
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(Math.min(capMs, baseMs * 2 ** attempt));
        },
      ),
    );
  });

  it('uses defaults of 1 s base and 60 s cap', () => {
    const top = () => 0.999999;
    expect(nextDelay(0, {}, top)).toBe(999);
    expect(nextDelay(3, {}, top)).toBe(7999);
    expect(nextDelay(10, {}, top)).toBe(59_999);
    expect(nextDelay(5, {}, () => 0)).toBe(0);
  });

  it('spreads delays over the whole window (full jitter, not equal jitter)', () => {
    expect(nextDelay(2, { baseMs: 1000 }, () => 0.5)).toBe(2000);
    expect(nextDelay(2, { baseMs: 1000 }, () => 0.01)).toBe(40);
  });

  it('clamps a misbehaving random source into the window', () => {
    expect(nextDelay(1, {}, () => 7)).toBe(2000);
    expect(nextDelay(1, {}, () => -1)).toBe(0);
    expect(nextDelay(1, {}, () => Number.NaN)).toBe(0);
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['0', 0],
    ['120', 120_000],
    [' 5 ', 5000],
    ['Wed, 25 Nov 2026 12:00:30 GMT', 30_000],
    ['Wednesday, 25-Nov-26 12:01:00 GMT', 60_000],
    ['Wed Nov 25 12:00:10 2026', 10_000],
    ['Wed Nov  5 12:00:10 2026', 0], // in the past
    ['Tue, 24 Nov 2026 12:00:00 GMT', 0], // in the past
  ])('%j -> %d ms', (header, ms) => {
    expect(parseRetryAfter(header, NOW)).toBe(ms);
  });

  it.each([
    [undefined],
    [null],
    [''],
    ['soon'],
    ['-5'],
    ['1.5'],
    ['1e3'],
    ['Wed, 31 Feb 2026 12:00:00 GMT'],
    ['Wed, 25 Nov 2026 25:00:00 GMT'],
    ['25 Nov 2026 12:00:30 GMT'],
    ['Wed, 25 Nov 2026 12:00:30 PST'],
    ['99999999999999999999999'],
  ])('%j -> undefined', (header) => {
    expect(parseRetryAfter(header, NOW)).toBeUndefined();
  });
});

describe('retryDelay', () => {
  it('is never shorter than Retry-After, and never longer than max(backoff window, capped Retry-After)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 64 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, retryAfterMs, maxRetryAfterMs, r) => {
          const delay = retryDelay({ attempt, retryAfterMs, maxRetryAfterMs, random: () => r });
          const honoured = Math.min(retryAfterMs, maxRetryAfterMs);
          expect(delay).toBeGreaterThanOrEqual(honoured);
          expect(delay).toBeLessThanOrEqual(Math.max(honoured, Math.min(60_000, 1000 * 2 ** attempt)));
        },
      ),
    );
  });

  it('caps an excessive Retry-After at maxRetryAfterMs (default 10 minutes)', () => {
    expect(retryDelay({ attempt: 0, retryAfterMs: 86_400_000, random: () => 0 })).toBe(600_000);
    expect(retryDelay({ attempt: 0, retryAfterMs: 86_400_000, maxRetryAfterMs: 5000, random: () => 0 })).toBe(5000);
  });

  it('falls back to plain backoff without Retry-After', () => {
    expect(retryDelay({ attempt: 2, baseMs: 100, capMs: 1000, random: () => 0.5 })).toBe(200);
  });
});

describe('bad input', () => {
  it.each([
    ['negative attempt', () => nextDelay(-1)],
    ['fractional attempt', () => nextDelay(1.5)],
    ['zero base', () => nextDelay(0, { baseMs: 0 })],
    ['cap below base', () => nextDelay(0, { baseMs: 2000, capMs: 1000 })],
    ['NaN cap', () => nextDelay(0, { capMs: Number.NaN })],
    ['negative Retry-After', () => retryDelay({ attempt: 0, retryAfterMs: -1 })],
    ['negative max Retry-After', () => retryDelay({ attempt: 0, maxRetryAfterMs: -1 })],
    ['bad backoff options via retryDelay', () => retryDelay({ attempt: 0, baseMs: -3 })],
  ])('%s -> ValidationError VALIDATION_FAILED', (_name, call) => {
    expect(call).toThrow(ValidationError);
    expect(call).toThrow(expect.objectContaining({ code: ErrorCode.VALIDATION_FAILED }) as Error);
  });
});
