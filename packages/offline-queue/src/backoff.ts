import { parseInput } from '@tillkit/core';
import { z } from 'zod';

/** A source of uniform random numbers in [0, 1), like `Math.random`. Injectable for tests. */
export type RandomSource = () => number;

export interface BackoffOptions {
  /** delay ceiling for the first retry (attempt 0), in ms; default 1000 */
  baseMs?: number;
  /** the ceiling never grows beyond this, in ms; default 60 000 */
  capMs?: number;
}

const backoffOptionsSchema = z
  .object({
    baseMs: z.number().int().positive().default(1000),
    capMs: z.number().int().positive().default(60_000),
  })
  .refine((o) => o.capMs >= o.baseMs, { message: 'capMs must be >= baseMs', path: ['capMs'] });

const attemptSchema = z.number().int().nonnegative();

function clampUnit(value: number): number {
  if (!Number.isFinite(value) || value < 0) return 0;
  return value > 1 ? 1 : value;
}

/**
 * Full-jitter exponential backoff: a uniform delay in [0, min(capMs, baseMs * 2^attempt)], in whole
 * milliseconds. `attempt` counts retries already made (0 for the first retry); reset it to 0 after a
 * success. Throws ValidationError (VALIDATION_FAILED) for a negative or fractional attempt or bad options.
 */
export function nextDelay(attempt: number, options: BackoffOptions = {}, random: RandomSource = Math.random): number {
  const n = parseInput(attemptSchema, attempt, 'backoff attempt');
  const { baseMs, capMs } = parseInput(backoffOptionsSchema, options, 'backoff options');
  const ceiling = Math.min(capMs, baseMs * 2 ** n);
  return Math.floor(clampUnit(random()) * ceiling);
}

const DELTA_SECONDS = /^\d+$/;
const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTH = '(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
/** IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
/** obsolete RFC 850: Sunday, 06-Nov-94 08:49:37 GMT */
const RFC_850 = new RegExp(`^${LONG_DAY}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`);
/** obsolete asctime: Sun Nov  6 08:49:37 1994 */
const ASCTIME = new RegExp(`^${DAY} ${MONTH} ([ \\d]\\d) ${TIME} (\\d{4})$`);
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function utc(parts: { year: number; month: string; day: number; h: number; m: number; s: number }): number | undefined {
  const month = MONTHS.indexOf(parts.month);
  if (parts.day < 1 || parts.day > 31 || parts.h > 23 || parts.m > 59 || parts.s > 60) return undefined;
  const ms = Date.UTC(parts.year, month, parts.day, parts.h, parts.m, Math.min(parts.s, 59));
  // reject dates that roll over (31 Feb)
  return new Date(ms).getUTCDate() === parts.day ? ms : undefined;
}

function parseHttpDate(value: string, nowMs: number): number | undefined {
  let m = IMF_FIXDATE.exec(value);
  if (m) return utc({ day: Number(m[1]), month: m[2]!, year: Number(m[3]), h: Number(m[4]), m: Number(m[5]), s: Number(m[6]) });
  m = RFC_850.exec(value);
  if (m) {
    // RFC 9110: a two-digit year more than 50 years in the future is in the past century
    const nowYear = new Date(nowMs).getUTCFullYear();
    let year = Math.floor(nowYear / 100) * 100 + Number(m[3]);
    if (year > nowYear + 50) year -= 100;
    return utc({ day: Number(m[1]), month: m[2]!, year, h: Number(m[4]), m: Number(m[5]), s: Number(m[6]) });
  }
  m = ASCTIME.exec(value);
  if (m) {
    return utc({
      month: m[1]!,
      day: Number(m[2]!.trim()),
      h: Number(m[3]),
      m: Number(m[4]),
      s: Number(m[5]),
      year: Number(m[6]),
    });
  }
  return undefined;
}

/**
 * Parses a Retry-After header value (RFC 9110 section 10.2.3): delta-seconds ("120") or an HTTP-date
 * (IMF-fixdate, or the obsolete RFC 850 and asctime forms). Returns the wait in ms from `nowMs`
 * (0 for a date in the past), or undefined for a missing or malformed value.
 */
export function parseRetryAfter(header: string | null | undefined, nowMs: number): number | undefined {
  if (typeof header !== 'string') return undefined;
  const value = header.trim();
  if (value === '') return undefined;
  if (DELTA_SECONDS.test(value)) {
    const ms = Number(value) * 1000;
    return Number.isSafeInteger(ms) ? ms : undefined;
  }
  const at = parseHttpDate(value, nowMs);
  if (at === undefined) return undefined;
  return Math.max(0, at - nowMs);
}

export interface RetryDelayInput extends BackoffOptions {
  /** retries already made (0 for the first retry) */
  attempt: number;
  /** the server's Retry-After, already parsed to ms (see parseRetryAfter) */
  retryAfterMs?: number | undefined;
  /** the longest Retry-After honoured, in ms; longer requests are cut to this. Default 600 000 (10 min) */
  maxRetryAfterMs?: number;
  /** uniform [0, 1) source; default Math.random */
  random?: RandomSource;
}

const retryDelaySchema = z.object({
  attempt: attemptSchema,
  retryAfterMs: z.number().int().nonnegative().optional(),
  maxRetryAfterMs: z.number().int().nonnegative().default(600_000),
  baseMs: z.number().optional(),
  capMs: z.number().optional(),
  random: z.custom<RandomSource>((v) => typeof v === 'function', { message: 'Expected a function' }).optional(),
});

/**
 * The wait before the next delivery attempt: full-jitter backoff, but never shorter than the server's
 * Retry-After (itself capped at `maxRetryAfterMs`, so a hostile or broken header cannot park the
 * outbox for days). Throws ValidationError (VALIDATION_FAILED) for bad input.
 */
export function retryDelay(input: RetryDelayInput): number {
  const parsed = parseInput(retryDelaySchema, input, 'retry delay input');
  const options: BackoffOptions = {};
  if (parsed.baseMs !== undefined) options.baseMs = parsed.baseMs;
  if (parsed.capMs !== undefined) options.capMs = parsed.capMs;
  const jittered = nextDelay(parsed.attempt, options, parsed.random ?? Math.random);
  if (parsed.retryAfterMs === undefined) return jittered;
  return Math.max(jittered, Math.min(parsed.retryAfterMs, parsed.maxRetryAfterMs));
}
