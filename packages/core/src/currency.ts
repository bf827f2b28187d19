import { ErrorCode, ValidationError } from './errors';
import type { RoundingMode } from './rounding';

/**
 * ISO 4217 active currency codes and their minor-unit exponents (ISO 4217 amendment list).
 * Codes absent here have exponent 2. Fund and precious-metal codes without minor units
 * (XAU, XDR, ...) are not accepted as tender currencies.
 */
const EXPONENT_0 = 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF';
const EXPONENT_3 = 'BHD IQD JOD KWD LYD OMR TND';
const EXPONENT_4 = 'CLF UYW';
const EXPONENT_2 =
  'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD ' +
  'CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL ' +
  'GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD ' +
  'LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN ' +
  'PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL ' +
  'THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG ZWL';

const EXPONENTS: ReadonlyMap<string, number> = new Map([
  ...EXPONENT_0.split(' ').map((c) => [c, 0] as const),
  ...EXPONENT_2.split(' ').map((c) => [c, 2] as const),
  ...EXPONENT_3.split(' ').map((c) => [c, 3] as const),
  ...EXPONENT_4.split(' ').map((c) => [c, 4] as const),
]);

/** Every supported ISO 4217 code, sorted. */
export const CURRENCY_CODES: readonly string[] = [...EXPONENTS.keys()].sort();

/** True when `code` is a supported ISO 4217 code (upper case, as issued). */
export function isCurrencyCode(code: unknown): code is string {
  return typeof code === 'string' && EXPONENTS.has(code);
}

/** The number of minor-unit digits of a currency: JPY 0, EUR 2, KWD 3. */
export function currencyExponent(code: string): number {
  const exponent = EXPONENTS.get(code);
  if (exponent === undefined) {
    throw new ValidationError(
      ErrorCode.UNKNOWN_CURRENCY,
      `Unknown currency ${JSON.stringify(code)}: use an ISO 4217 code in upper case, such as "EUR", "JPY" or "KWD".`,
      {
        details: { currency: code },
      },
    );
  }
  return exponent;
}

/** Cash rounding: cash amounts are rounded to a multiple of `increment` minor units. */
export interface CashRoundingRule {
  /** smallest cash step in minor units (CHF 5 = 0.05, SEK 100 = 1.00) */
  readonly increment: number;
  readonly mode: RoundingMode;
}

/**
 * Cash rounding in use by national rule or common practice, in minor units. Currencies not listed
 * have no cash rounding (increment 1). Sources: Swiss 5-Rappen rounding; Canada's 2013 penny
 * withdrawal (0.05); Australia and New Zealand (0.05 and 0.10); Sweden (whole kronor since 2010);
 * Denmark (0.50 since 2008); Norway (whole kroner); Czech Republic (whole koruna);
 * Hungary (5 forint, minor unit 2 -> 500).
 */
const CASH_INCREMENTS: ReadonlyMap<string, number> = new Map([
  ['CHF', 5],
  ['CAD', 5],
  ['AUD', 5],
  ['NZD', 10],
  ['SEK', 100],
  ['NOK', 100],
  ['DKK', 50],
  ['CZK', 100],
  ['HUF', 500],
]);

/** The default cash rounding rule for a currency (half up to the nearest cash step). */
export function cashRoundingRule(code: string): CashRoundingRule {
  currencyExponent(code);
  return { increment: CASH_INCREMENTS.get(code) ?? 1, mode: 'HALF_UP' };
}
