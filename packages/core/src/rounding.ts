import { ErrorCode, MoneyError } from './errors';

/**
 * How a value between two integers is rounded. All "HALF_*" modes and TRUNCATE are symmetric:
 * round(-x) === -round(x). FLOOR and CEIL are directional and mirror each other:
 * FLOOR(-x) === -CEIL(x).
 * - HALF_EVEN: ties to the even neighbour (banker's rounding; Square).
 * - HALF_UP: ties away from zero, as Odoo, Clover and Java's HALF_UP mean it (2.5 -> 3, -2.5 -> -3).
 * - HALF_AWAY_FROM_ZERO: the same rule under its explicit name.
 * - HALF_DOWN: ties toward zero (2.5 -> 2, -2.5 -> -2).
 * - FLOOR: toward negative infinity. CEIL: toward positive infinity. TRUNCATE: toward zero.
 */
export const RoundingMode = {
  HALF_EVEN: 'HALF_EVEN',
  HALF_UP: 'HALF_UP',
  HALF_AWAY_FROM_ZERO: 'HALF_AWAY_FROM_ZERO',
  HALF_DOWN: 'HALF_DOWN',
  FLOOR: 'FLOOR',
  CEIL: 'CEIL',
  TRUNCATE: 'TRUNCATE',
} as const;
export type RoundingMode = (typeof RoundingMode)[keyof typeof RoundingMode];
export const ROUNDING_MODES = Object.values(RoundingMode) as readonly RoundingMode[];

function adjust(q: number, twiceRem: number, divisor: number, negative: boolean, mode: RoundingMode): number {
  // q is the quotient truncated toward zero, twiceRem = 2*|remainder| (> 0), divisor > 0.
  const step = negative ? -1 : 1;
  switch (mode) {
    case 'TRUNCATE':
      return q;
    case 'FLOOR':
      return negative ? q - 1 : q;
    case 'CEIL':
      return negative ? q : q + 1;
    case 'HALF_UP':
    case 'HALF_AWAY_FROM_ZERO':
      return twiceRem >= divisor ? q + step : q;
    case 'HALF_DOWN':
      return twiceRem > divisor ? q + step : q;
    case 'HALF_EVEN':
      if (twiceRem > divisor) return q + step;
      if (twiceRem < divisor) return q;
      return q % 2 === 0 ? q : q + step;
    default:
      throw new MoneyError(
        ErrorCode.VALIDATION_FAILED,
        `Unknown rounding mode "${String(mode)}". Use one of ${ROUNDING_MODES.join(', ')}.`,
      );
  }
}

function adjustBig(q: bigint, twiceRem: bigint, divisor: bigint, negative: boolean, mode: RoundingMode): bigint {
  const step = negative ? -1n : 1n;
  switch (mode) {
    case 'TRUNCATE':
      return q;
    case 'FLOOR':
      return negative ? q - 1n : q;
    case 'CEIL':
      return negative ? q : q + 1n;
    case 'HALF_UP':
    case 'HALF_AWAY_FROM_ZERO':
      return twiceRem >= divisor ? q + step : q;
    case 'HALF_DOWN':
      return twiceRem > divisor ? q + step : q;
    case 'HALF_EVEN':
      if (twiceRem > divisor) return q + step;
      if (twiceRem < divisor) return q;
      return q % 2n === 0n ? q : q + step;
    default:
      throw new MoneyError(
        ErrorCode.VALIDATION_FAILED,
        `Unknown rounding mode "${String(mode)}". Use one of ${ROUNDING_MODES.join(', ')}.`,
      );
  }
}

/** round(n / d) for bigints, d !== 0. */
export function roundDivBig(n: bigint, d: bigint, mode: RoundingMode): bigint {
  if (d === 0n) throw new MoneyError(ErrorCode.DIVISION_BY_ZERO, 'Cannot divide by zero.');
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const q = n / d;
  const r = n % d;
  if (r === 0n) return q;
  const abs = r < 0n ? -r : r;
  return adjustBig(q, 2n * abs, d, n < 0n, mode);
}

function toSafe(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new MoneyError(
      ErrorCode.AMOUNT_OVERFLOW,
      `Result ${value} is beyond the safe integer range; amounts this large cannot be represented exactly.`,
    );
  }
  return Number(value);
}

/**
 * round(n / d) for safe integers, exactly. d must be a positive or negative safe integer, not 0.
 */
export function roundDiv(n: number, d: number, mode: RoundingMode): number {
  if (d === 0) throw new MoneyError(ErrorCode.DIVISION_BY_ZERO, 'Cannot divide by zero.');
  if (d < 0) {
    n = -n;
    d = -d;
  }
  if (n > 2 ** 52 || n < -(2 ** 52)) return toSafe(roundDivBig(BigInt(n), BigInt(d), mode));
  let q = Math.trunc(n / d);
  let r = n - q * d;
  // Correct the float quotient if it was off by one near an integer boundary.
  if (r !== 0 && r < 0 !== n < 0) {
    q += n < 0 ? 1 : -1;
    r = n - q * d;
  } else if (Math.abs(r) >= d) {
    q += n < 0 ? -1 : 1;
    r = n - q * d;
  }
  if (r === 0) return q || 0;
  return adjust(q, 2 * Math.abs(r), d, n < 0, mode) || 0;
}

const SAFE = Number.MAX_SAFE_INTEGER;

/**
 * round(a * b / c) exactly, for safe integers a, b, c (c !== 0). Uses float arithmetic only when
 * every intermediate is an exact integer, and bigints otherwise. Throws AMOUNT_OVERFLOW when the
 * result is not a safe integer.
 */
export function mulDivRound(a: number, b: number, c: number, mode: RoundingMode): number {
  const p = a * b;
  if (p <= SAFE && p >= -SAFE && c <= SAFE && c >= -SAFE) return roundDiv(p, c, mode);
  return toSafe(roundDivBig(BigInt(a) * BigInt(b), BigInt(c), mode));
}

/** Rounds the exact rational n/d, given as bigints, to a safe integer. */
export function roundRational(n: bigint, d: bigint, mode: RoundingMode): number {
  return toSafe(roundDivBig(n, d, mode));
}
