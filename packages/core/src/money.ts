import { z } from 'zod';
import { allocateInteger } from './allocate';
import { currencyExponent, isCurrencyCode } from './currency';
import { parseDecimal, POWERS_OF_TEN, type DecimalInput } from './decimal';
import { ErrorCode, MoneyError, ValidationError } from './errors';
import { mulDivRound, ROUNDING_MODES, type RoundingMode } from './rounding';

/** An amount of money: a safe integer of minor units (cents, yen, fils) and an ISO 4217 code. */
export interface Money {
  readonly amount: number;
  readonly currency: string;
}

export const CurrencyCodeSchema = z
  .string()
  .refine(isCurrencyCode, { message: 'must be an ISO 4217 currency code in upper case, such as "EUR"' });

/** A safe integer count of minor units: no floats, NaN, Infinity or unsafe integers. */
export const MinorUnitsSchema = z
  .number()
  .int()
  .refine(Number.isSafeInteger, { message: 'must be a safe integer of minor units' });

export const MoneySchema = z.object({ amount: MinorUnitsSchema, currency: CurrencyCodeSchema });

export const RoundingModeSchema = z.enum(ROUNDING_MODES as [RoundingMode, ...RoundingMode[]]);

function checkAmount(amount: unknown, what: string): number {
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount)) {
    const shown = typeof amount === 'number' ? String(amount) : typeof amount;
    throw new MoneyError(
      ErrorCode.INVALID_AMOUNT,
      `${what} must be a safe integer of minor units (e.g. 1999 for 19.99); got ${shown}. Convert decimal amounts with moneyFromDecimal().`,
    );
  }
  return amount === 0 ? 0 : amount;
}

function checkMoney(value: unknown, what = 'amount'): Money {
  if (typeof value !== 'object' || value === null) {
    throw new MoneyError(
      ErrorCode.INVALID_AMOUNT,
      `${what} must be a Money object { amount, currency }; got ${value === null ? 'null' : typeof value}.`,
    );
  }
  const m = value as Money;
  checkAmount(m.amount, `${what}.amount`);
  currencyExponent(m.currency);
  return m;
}

function sameCurrency(a: Money, b: Money, op: string): void {
  if (a.currency !== b.currency) {
    throw new MoneyError(
      ErrorCode.CURRENCY_MISMATCH,
      `Cannot ${op} ${a.currency} and ${b.currency}: convert to one currency first.`,
      {
        details: { left: a.currency, right: b.currency },
      },
    );
  }
}

function result(amount: number, currency: string): Money {
  if (!Number.isSafeInteger(amount)) {
    throw new MoneyError(ErrorCode.AMOUNT_OVERFLOW, `The result is beyond the safe integer range of ${currency} minor units.`);
  }
  return { amount: amount === 0 ? 0 : amount, currency };
}

/** Creates Money from minor units: money(1999, 'EUR') is EUR 19.99; money(500, 'JPY') is JPY 500. */
export function money(amount: number, currency: string): Money {
  currencyExponent(currency);
  return { amount: checkAmount(amount, 'amount'), currency };
}

/** A zero amount in a currency. */
export function zero(currency: string): Money {
  return money(0, currency);
}

/**
 * Creates Money from a decimal in major units: moneyFromDecimal('19.99', 'EUR'). More decimals
 * than the currency has are refused unless a rounding mode is given.
 */
export function moneyFromDecimal(value: DecimalInput, currency: string, mode?: RoundingMode): Money {
  const exponent = currencyExponent(currency);
  const d = parseDecimal(value, `${currency} amount`);
  if (d.scale <= exponent) return result(d.units * (POWERS_OF_TEN[exponent - d.scale] as number), currency);
  if (mode === undefined) {
    throw new MoneyError(
      ErrorCode.INVALID_AMOUNT,
      `${currency} has ${exponent} decimal places but ${JSON.stringify(value)} has ${d.scale}; pass a rounding mode to round it.`,
    );
  }
  return result(mulDivRound(d.units, 1, POWERS_OF_TEN[d.scale - exponent] as number, mode), currency);
}

/** The amount as a decimal string in major units: EUR 1999 -> "19.99", KWD 1500 -> "1.500". */
export function toDecimalString(m: Money): string {
  checkMoney(m);
  const exponent = currencyExponent(m.currency);
  if (exponent === 0) return String(m.amount);
  const digits = String(Math.abs(m.amount)).padStart(exponent + 1, '0');
  return `${m.amount < 0 ? '-' : ''}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

export function add(a: Money, b: Money): Money {
  checkMoney(a, 'left');
  checkMoney(b, 'right');
  sameCurrency(a, b, 'add');
  return result(a.amount + b.amount, a.currency);
}

export function subtract(a: Money, b: Money): Money {
  checkMoney(a, 'left');
  checkMoney(b, 'right');
  sameCurrency(a, b, 'subtract');
  return result(a.amount - b.amount, a.currency);
}

/** Adds many amounts of one currency; an empty list needs the currency to be given. */
export function sum(items: readonly Money[], currency?: string): Money {
  const code = currency ?? items[0]?.currency;
  if (code === undefined)
    throw new ValidationError(ErrorCode.VALIDATION_FAILED, 'sum() of an empty list needs the currency as its second argument.');
  let total = 0;
  const first = money(0, code);
  for (const item of items) {
    checkMoney(item, 'item');
    sameCurrency(first, item, 'add');
    total += item.amount;
  }
  return result(total, code);
}

export function negate(m: Money): Money {
  checkMoney(m);
  return result(-m.amount, m.currency);
}

export function abs(m: Money): Money {
  checkMoney(m);
  return result(Math.abs(m.amount), m.currency);
}

/**
 * Multiplies by an exact decimal factor and rounds once: multiply(money(999,'EUR'), '1.5', 'HALF_EVEN').
 * Integer factors need no mode. Floats are read through their shortest decimal form.
 */
export function multiply(m: Money, factor: DecimalInput, mode: RoundingMode = 'HALF_EVEN'): Money {
  checkMoney(m);
  const f = parseDecimal(factor, 'factor');
  return result(mulDivRound(m.amount, f.units, POWERS_OF_TEN[f.scale] as number, mode), m.currency);
}

/** A percentage of an amount, rounded once: percentage(money(1000,'EUR'), '8.875', 'HALF_UP'). */
export function percentage(m: Money, percent: DecimalInput, mode: RoundingMode = 'HALF_EVEN'): Money {
  checkMoney(m);
  const p = parseDecimal(percent, 'percent');
  return result(mulDivRound(m.amount, p.units, 100 * (POWERS_OF_TEN[p.scale] as number), mode), m.currency);
}

/**
 * Splits an amount over ratios so the parts sum exactly, by largest remainder with ties going to
 * the earlier ratio. Ratios are non-negative decimals: allocate(money(100,'EUR'), [1,1,1]) gives
 * 34, 33, 33 cents.
 */
export function allocate(m: Money, ratios: readonly DecimalInput[]): Money[] {
  checkMoney(m);
  if (!Array.isArray(ratios)) throw new ValidationError(ErrorCode.INVALID_ALLOCATION, 'allocate() needs an array of ratios.');
  const parsed = (ratios as readonly DecimalInput[]).map((r) => parseDecimal(r, 'ratio'));
  const scale = parsed.reduce((s, d) => Math.max(s, d.scale), 0);
  const weights = parsed.map((d) => {
    if (d.units < 0) throw new MoneyError(ErrorCode.INVALID_ALLOCATION, `Ratios must not be negative; got ${d.units}.`);
    return d.units * (POWERS_OF_TEN[scale - d.scale] as number);
  });
  return allocateInteger(m.amount, weights).map((a) => result(a, m.currency));
}

/** -1, 0 or 1. Throws on mixed currencies. */
export function compare(a: Money, b: Money): -1 | 0 | 1 {
  checkMoney(a, 'left');
  checkMoney(b, 'right');
  sameCurrency(a, b, 'compare');
  return a.amount < b.amount ? -1 : a.amount > b.amount ? 1 : 0;
}

/** True when both have the same currency and amount. Never throws on mixed currencies. */
export function equals(a: Money, b: Money): boolean {
  return a.currency === b.currency && a.amount === b.amount;
}

export function isZero(m: Money): boolean {
  return checkMoney(m).amount === 0;
}

export function isNegative(m: Money): boolean {
  return checkMoney(m).amount < 0;
}

/** Options for formatMoney: any Intl.NumberFormat option except style and currency. */
export type FormatMoneyOptions = Omit<Intl.NumberFormatOptions, 'style' | 'currency'>;

const formatters = new Map<string, Intl.NumberFormat>();

/**
 * Formats for display with Intl: formatMoney(money(123456,'EUR'), 'de-DE') -> "1.234,56 €".
 * Always shows the currency's ISO number of decimals (KWD 3, JPY 0), whatever the locale's data says.
 */
export function formatMoney(m: Money, locale: string | readonly string[] = 'en-US', options: FormatMoneyOptions = {}): string {
  checkMoney(m);
  const exponent = currencyExponent(m.currency);
  const key = `${String(locale)}|${m.currency}|${JSON.stringify(options)}`;
  let fmt = formatters.get(key);
  if (!fmt) {
    try {
      fmt = new Intl.NumberFormat(locale as string | string[], {
        minimumFractionDigits: exponent,
        maximumFractionDigits: exponent,
        ...options,
        style: 'currency',
        currency: m.currency,
      });
    } catch (cause) {
      throw new ValidationError(
        ErrorCode.VALIDATION_FAILED,
        `Cannot format money for locale ${JSON.stringify(locale)}: ${(cause as Error).message}`,
        { cause },
      );
    }
    if (formatters.size > 256) formatters.clear();
    formatters.set(key, fmt);
  }
  // Format the exact decimal string, never a float division (Intl accepts decimal strings).
  return fmt.format(toDecimalString(m) as unknown as number);
}
