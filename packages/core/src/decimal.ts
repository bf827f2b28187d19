import { ErrorCode, ValidationError } from './errors';

/** A decimal value as a safe integer of units and a power-of-ten scale: 1.235 = { units: 1235, scale: 3 }. */
export interface ScaledDecimal {
  readonly units: number;
  readonly scale: number;
}

/** Decimal input accepted from callers: a decimal string ("8.875") or a finite number (8.875). */
export type DecimalInput = string | number;

export const MAX_DECIMAL_SCALE = 9;
const DECIMAL_RE = /^(-)?(\d+)(?:\.(\d+))?$/;
export const POWERS_OF_TEN: readonly number[] = Array.from({ length: 16 }, (_, i) => 10 ** i);

/**
 * Parses a decimal from a string or number without ever going through binary floating point
 * arithmetic: numbers are read through their shortest string form (8.875 -> "8.875").
 * Throws INVALID_DECIMAL for NaN, Infinity, exponents, more than `maxScale` decimals or values
 * whose units are not safe integers.
 */
export function parseDecimal(input: DecimalInput, what = 'value', maxScale = MAX_DECIMAL_SCALE): ScaledDecimal {
  if (typeof input === 'number' && Number.isSafeInteger(input)) return { units: input === 0 ? 0 : input, scale: 0 };
  const text =
    typeof input === 'number' ? (Number.isFinite(input) ? String(input) : '') : typeof input === 'string' ? input.trim() : '';
  const m = DECIMAL_RE.exec(text);
  if (!m) {
    throw new ValidationError(
      ErrorCode.INVALID_DECIMAL,
      `${what} must be a finite decimal such as "12.5"; got ${describe(input)}.`,
    );
  }
  const [, sign, intPart = '0', rawFrac = ''] = m;
  const frac = rawFrac.replace(/0+$/, '');
  if (frac.length > maxScale) {
    throw new ValidationError(
      ErrorCode.INVALID_DECIMAL,
      `${what} has ${frac.length} decimal places; at most ${maxScale} are supported (got ${describe(input)}).`,
    );
  }
  const units = Number(intPart + frac) * (sign ? -1 : 1);
  if (!Number.isSafeInteger(units)) {
    throw new ValidationError(
      ErrorCode.INVALID_DECIMAL,
      `${what} ${describe(input)} has too many digits to be represented exactly.`,
    );
  }
  return { units: units === 0 ? 0 : units, scale: frac.length };
}

/** Formats a scaled decimal back to its canonical string ("1.235", "-0.5", "3"). */
export function formatDecimal(d: ScaledDecimal): string {
  if (d.scale === 0) return String(d.units);
  const negative = d.units < 0;
  const digits = String(Math.abs(d.units)).padStart(d.scale + 1, '0');
  const int = digits.slice(0, digits.length - d.scale);
  const frac = digits.slice(digits.length - d.scale);
  return `${negative ? '-' : ''}${int}.${frac}`;
}

function describe(input: unknown): string {
  if (typeof input === 'string') return JSON.stringify(input);
  if (typeof input === 'number') return String(input);
  return typeof input;
}
