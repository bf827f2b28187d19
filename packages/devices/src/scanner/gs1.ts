import { ErrorCode, ValidationError } from '@tillkit/core';
import { hasValidCheckDigit } from './barcode';

/** The group separator (ASCII 29) that ends a variable-length element (FNC1 in the symbol). */
export const GS = '\u001d';

/** A parsed element value: numbers are integers with a decimal scale, never floats. */
export type Gs1Value =
  /** free text (batch, serial, order number...) */
  | { readonly type: 'text'; readonly text: string }
  /** a numeric key or code where leading zeros count (GTIN, SSCC, GLN, country) */
  | { readonly type: 'digits'; readonly digits: string }
  /** a count (AI 30, 37) */
  | { readonly type: 'count'; readonly count: number }
  /** a date (AI 11-17, 7006): day 00 in the symbol means the last day of the month */
  | {
      readonly type: 'date';
      /** YYYY-MM-DD, day 00 resolved to the month's last day */
      readonly iso: string;
      readonly year: number;
      readonly month: number;
      readonly day: number;
      /** true when the symbol had day 00 (no specific day) */
      readonly dayUnspecified: boolean;
    }
  /**
   * A measure (310n net weight kg, 320n net weight lb ...): `value` / 10^`decimals` `unit`;
   * "3103 001250" is { value: 1250, decimals: 3, unit: 'kg', text: '1.250' }.
   */
  | {
      readonly type: 'measure';
      readonly value: number;
      readonly decimals: number;
      readonly unit: string;
      readonly text: string;
    }
  /** an amount or price (390n-393n, 395n): `value` / 10^`decimals`, with its ISO currency when the AI carries one */
  | {
      readonly type: 'amount';
      readonly value: number;
      readonly decimals: number;
      readonly text: string;
      readonly currency?: { readonly numeric: string; readonly code?: string };
    }
  /** a percentage (394n) */
  | { readonly type: 'percent'; readonly value: number; readonly decimals: number; readonly text: string };

/** One application identifier with its data. */
export interface Gs1Element {
  /** the application identifier, e.g. "01", "3103", "10" */
  readonly ai: string;
  /** the GS1 data title, e.g. "GTIN", "NET WEIGHT (kg)", "BATCH/LOT" */
  readonly title: string;
  /** the data exactly as in the element string */
  readonly raw: string;
  readonly value: Gs1Value;
  /** where the AI starts in the parsed string (0-based) */
  readonly position: number;
}

/** A parsed GS1 element string. */
export interface Gs1ElementString {
  /** the elements in the order they appear */
  readonly elements: readonly Gs1Element[];
  /** the same elements by AI (the first occurrence when an AI repeats) */
  readonly byAi: Readonly<Record<string, Gs1Element>>;
}

export interface ParseGs1Options {
  /**
   * The year dates are read against: YY within -49..+50 years of it (GS1 General Specifications
   * 7.12). Defaults to the current UTC year; pass it when time must be deterministic.
   */
  readonly referenceYear?: number;
  /** the character that ends variable-length data; default GS (ASCII 29) */
  readonly separator?: string;
}

type Format =
  | { readonly t: 'fixed'; readonly len: number; readonly check?: boolean }
  | { readonly t: 'date' }
  | { readonly t: 'count'; readonly max: number }
  | {
      readonly t: 'text';
      readonly max: number;
      readonly min?: number;
      readonly numeric?: boolean;
      /** this many leading digits (a GLN, a country) before the text */
      readonly digitsFirst?: number;
    };

interface AiDef {
  readonly title: string;
  readonly format: Format;
}

type FamilyKind =
  | { readonly t: 'measure'; readonly unit: string }
  | { readonly t: 'amount'; readonly iso: boolean }
  | { readonly t: 'percent' }
  | { readonly t: 'unit-price' };

interface FamilyDef {
  readonly title: string;
  readonly kind: FamilyKind;
}

const fixed = (title: string, len: number, check = false): AiDef => ({ title, format: { t: 'fixed', len, check } });
const date = (title: string): AiDef => ({ title, format: { t: 'date' } });
const text = (title: string, max: number, extra: Partial<Extract<Format, { t: 'text' }>> = {}): AiDef => ({
  title,
  format: { t: 'text', max, ...extra },
});

/** AIs with a fixed code (2, 3 or 4 digits). GS1 AIs are prefix-free, so lookup by length is unambiguous. */
const AIS: Readonly<Record<string, AiDef>> = {
  '00': fixed('SSCC', 18, true),
  '01': fixed('GTIN', 14, true),
  '02': fixed('CONTENT', 14, true),
  '03': fixed('MTO GTIN', 14, true),
  '10': text('BATCH/LOT', 20),
  '11': date('PROD DATE'),
  '12': date('DUE DATE'),
  '13': date('PACK DATE'),
  '15': date('BEST BEFORE or BEST BY'),
  '16': date('SELL BY'),
  '17': date('USE BY OR EXPIRY'),
  '20': fixed('VARIANT', 2),
  '21': text('SERIAL', 20),
  '22': text('CPV', 20),
  '235': text('TPX', 28),
  '240': text('ADDITIONAL ID', 30),
  '241': text('CUST. PART No.', 30),
  '242': text('MTO VARIANT', 6, { numeric: true }),
  '243': text('PCN', 20),
  '250': text('SECONDARY SERIAL', 30),
  '251': text('REF. TO SOURCE', 30),
  '253': text('GDTI', 30, { min: 13, digitsFirst: 13 }),
  '254': text('GLN EXTENSION COMPONENT', 20),
  '255': text('GCN', 25, { min: 13, numeric: true }),
  '30': { title: 'VAR. COUNT', format: { t: 'count', max: 8 } },
  '37': { title: 'COUNT', format: { t: 'count', max: 8 } },
  '400': text('ORDER NUMBER', 30),
  '401': text('GINC', 30),
  '402': fixed('GSIN', 17, true),
  '403': text('ROUTE', 30),
  '410': fixed('SHIP TO LOC', 13, true),
  '411': fixed('BILL TO', 13, true),
  '412': fixed('PURCHASE FROM', 13, true),
  '413': fixed('SHIP FOR LOC', 13, true),
  '414': fixed('LOC No.', 13, true),
  '415': fixed('PAY TO', 13, true),
  '416': fixed('PROD/SERV LOC', 13, true),
  '417': fixed('PARTY', 13, true),
  '420': text('SHIP TO POST', 20),
  '421': text('SHIP TO POST', 12, { min: 4, digitsFirst: 3 }),
  '422': fixed('ORIGIN', 3),
  '423': text('COUNTRY - INITIAL PROCESS', 15, { min: 3, numeric: true }),
  '424': fixed('COUNTRY - PROCESS', 3),
  '425': text('COUNTRY - DISASSEMBLY', 15, { min: 3, numeric: true }),
  '426': fixed('COUNTRY - FULL PROCESS', 3),
  '427': text('ORIGIN SUBDIVISION', 3),
  '7001': fixed('NSN', 13),
  '7002': text('MEAT CUT', 30),
  '7003': fixed('EXPIRY TIME', 10),
  '7004': text('ACTIVE POTENCY', 4, { numeric: true }),
  '7005': text('CATCH AREA', 12),
  '7006': date('FIRST FREEZE DATE'),
  '7007': text('HARVEST DATE', 12, { min: 6, numeric: true }),
  '7008': text('AQUATIC SPECIES', 3),
  '7009': text('FISHING GEAR TYPE', 10),
  '7010': text('PROD METHOD', 2),
  '7020': text('REFURB LOT', 20),
  '7021': text('FUNC STAT', 20),
  '7022': text('REV STAT', 20),
  '7023': text('GIAI - ASSEMBLY', 30),
  '7240': text('PROTOCOL', 20),
  '8001': fixed('DIMENSIONS', 14),
  '8002': text('CMT No.', 20),
  '8003': text('GRAI', 30, { min: 14, digitsFirst: 14 }),
  '8004': text('GIAI', 30),
  '8005': fixed('PRICE PER UNIT', 6),
  '8006': fixed('ITIP', 18),
  '8007': text('IBAN', 34),
  '8008': text('PROD TIME', 12, { min: 8, numeric: true }),
  '8009': text('OPTSEN', 50),
  '8010': text('CPID', 30),
  '8011': text('CPID SERIAL', 12, { numeric: true }),
  '8012': text('VERSION', 20),
  '8013': text('GMN', 25),
  '8017': fixed('GSRN - PROVIDER', 18, true),
  '8018': fixed('GSRN - RECIPIENT', 18, true),
  '8019': text('SRIN', 10, { numeric: true }),
  '8020': text('REF No.', 25),
  '8026': fixed('ITIP CONTENT', 18),
  '8110': text('Coupon', 70),
  '8111': fixed('POINTS', 4),
  '8112': text('Coupon', 70),
  '8200': text('PRODUCT URL', 70),
  '90': text('INTERNAL', 30),
  ...Object.fromEntries(['91', '92', '93', '94', '95', '96', '97', '98', '99'].map((ai) => [ai, text('INTERNAL', 90)])),
};

const m = (title: string, unit: string): FamilyDef => ({ title, kind: { t: 'measure', unit } });

/** 4-digit AIs whose last digit is the number of decimals (310n NET WEIGHT (kg) ...), by their first 3 digits. */
const FAMILIES: Readonly<Record<string, FamilyDef>> = {
  '310': m('NET WEIGHT (kg)', 'kg'),
  '311': m('LENGTH (m)', 'm'),
  '312': m('WIDTH (m)', 'm'),
  '313': m('HEIGHT (m)', 'm'),
  '314': m('AREA (m2)', 'm2'),
  '315': m('NET VOLUME (l)', 'l'),
  '316': m('NET VOLUME (m3)', 'm3'),
  '320': m('NET WEIGHT (lb)', 'lb'),
  '321': m('LENGTH (in)', 'in'),
  '322': m('LENGTH (ft)', 'ft'),
  '323': m('LENGTH (yd)', 'yd'),
  '324': m('WIDTH (in)', 'in'),
  '325': m('WIDTH (ft)', 'ft'),
  '326': m('WIDTH (yd)', 'yd'),
  '327': m('HEIGHT (in)', 'in'),
  '328': m('HEIGHT (ft)', 'ft'),
  '329': m('HEIGHT (yd)', 'yd'),
  '330': m('GROSS WEIGHT (kg)', 'kg'),
  '331': m('LENGTH (m), log', 'm'),
  '332': m('WIDTH (m), log', 'm'),
  '333': m('HEIGHT (m), log', 'm'),
  '334': m('AREA (m2), log', 'm2'),
  '335': m('VOLUME (l), log', 'l'),
  '336': m('VOLUME (m3), log', 'm3'),
  '337': m('KG PER m2', 'kg/m2'),
  '340': m('GROSS WEIGHT (lb)', 'lb'),
  '341': m('LENGTH (in), log', 'in'),
  '342': m('LENGTH (ft), log', 'ft'),
  '343': m('LENGTH (yd), log', 'yd'),
  '344': m('WIDTH (in), log', 'in'),
  '345': m('WIDTH (ft), log', 'ft'),
  '346': m('WIDTH (yd), log', 'yd'),
  '347': m('HEIGHT (in), log', 'in'),
  '348': m('HEIGHT (ft), log', 'ft'),
  '349': m('HEIGHT (yd), log', 'yd'),
  '350': m('AREA (in2)', 'in2'),
  '351': m('AREA (ft2)', 'ft2'),
  '352': m('AREA (yd2)', 'yd2'),
  '353': m('AREA (in2), log', 'in2'),
  '354': m('AREA (ft2), log', 'ft2'),
  '355': m('AREA (yd2), log', 'yd2'),
  '356': m('NET WEIGHT (troy oz)', 'troy oz'),
  '357': m('NET VOLUME (oz)', 'oz'),
  '360': m('NET VOLUME (qt)', 'qt'),
  '361': m('NET VOLUME (gal.)', 'gal'),
  '362': m('VOLUME (qt), log', 'qt'),
  '363': m('VOLUME (gal.), log', 'gal'),
  '364': m('VOLUME (in3)', 'in3'),
  '365': m('VOLUME (ft3)', 'ft3'),
  '366': m('VOLUME (yd3)', 'yd3'),
  '367': m('VOLUME (in3), log', 'in3'),
  '368': m('VOLUME (ft3), log', 'ft3'),
  '369': m('VOLUME (yd3), log', 'yd3'),
  '390': { title: 'AMOUNT', kind: { t: 'amount', iso: false } },
  '391': { title: 'AMOUNT', kind: { t: 'amount', iso: true } },
  '392': { title: 'PRICE', kind: { t: 'amount', iso: false } },
  '393': { title: 'PRICE', kind: { t: 'amount', iso: true } },
  '394': { title: 'PRCNT OFF', kind: { t: 'percent' } },
  '395': { title: 'PRICE/UoM', kind: { t: 'unit-price' } },
};

/** ISO 4217 numeric codes of common currencies (393n/391n carry the numeric code). */
const CURRENCY_BY_NUMERIC: Readonly<Record<string, string>> = {
  '036': 'AUD',
  '124': 'CAD',
  '156': 'CNY',
  '203': 'CZK',
  '208': 'DKK',
  '344': 'HKD',
  '348': 'HUF',
  '352': 'ISK',
  '356': 'INR',
  '360': 'IDR',
  '376': 'ILS',
  '392': 'JPY',
  '410': 'KRW',
  '458': 'MYR',
  '484': 'MXN',
  '554': 'NZD',
  '578': 'NOK',
  '608': 'PHP',
  '682': 'SAR',
  '702': 'SGD',
  '704': 'VND',
  '710': 'ZAR',
  '752': 'SEK',
  '756': 'CHF',
  '764': 'THB',
  '784': 'AED',
  '826': 'GBP',
  '840': 'USD',
  '901': 'TWD',
  '946': 'RON',
  '949': 'TRY',
  '975': 'BGN',
  '978': 'EUR',
  '985': 'PLN',
  '986': 'BRL',
};

/**
 * First two digits of AIs with a predefined length (GS1 General Specifications figure 7.8.5-2):
 * their data needs no separator after it. Every other element ends at a separator or at the end.
 */
const PREDEFINED = new Set([
  '00',
  '01',
  '02',
  '03',
  '04',
  '11',
  '12',
  '13',
  '14',
  '15',
  '16',
  '17',
  '18',
  '19',
  '20',
  '31',
  '32',
  '33',
  '34',
  '35',
  '36',
  '41',
]);

/** GS1 AI encodable character set 82. */
const CSET82 = /[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]/;

interface Resolved {
  readonly ai: string;
  readonly title: string;
  /** data length when fixed, else undefined */
  readonly fixedLength: number | undefined;
  readonly parse: (raw: string, at: number) => Gs1Value;
}

function gs1Error(message: string, position: number, extra: Record<string, unknown> = {}): ValidationError {
  return new ValidationError(ErrorCode.VALIDATION_FAILED, `GS1 element string: ${message} (at position ${position}).`, {
    details: { position, ...extra },
  });
}

function requireDigits(raw: string, at: number, ai: string): void {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c < 48 || c > 57) {
      throw gs1Error(`AI (${ai}) takes digits only; found ${JSON.stringify(raw[i])}`, at + i, { ai });
    }
  }
}

function requireCset82(raw: string, at: number, ai: string): void {
  for (let i = 0; i < raw.length; i++) {
    if (!CSET82.test(raw[i] as string)) {
      throw gs1Error(`AI (${ai}) data may not contain ${JSON.stringify(raw[i])} (not in the GS1 character set 82)`, at + i, {
        ai,
      });
    }
  }
}

function decimalText(value: string, decimals: number): string {
  if (decimals === 0) return value.replace(/^0+(?=\d)/, '');
  const padded = value.padStart(decimals + 1, '0');
  const whole = padded.slice(0, -decimals).replace(/^0+(?=\d)/, '');
  return `${whole}.${padded.slice(-decimals)}`;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function parseDate(raw: string, at: number, ai: string, referenceYear: number): Gs1Value {
  const yy = Number(raw.slice(0, 2));
  const month = Number(raw.slice(2, 4));
  const dd = Number(raw.slice(4, 6));
  const current = referenceYear % 100;
  const century = referenceYear - current;
  const diff = yy - current;
  const year = diff >= 51 ? century - 100 + yy : diff <= -50 ? century + 100 + yy : century + yy;
  if (month < 1 || month > 12) throw gs1Error(`AI (${ai}) has month ${raw.slice(2, 4)}; months run 01-12`, at + 2, { ai });
  const last = daysInMonth(year, month);
  if (dd > last)
    throw gs1Error(`AI (${ai}) has day ${raw.slice(4, 6)}, but ${year}-${raw.slice(2, 4)} has ${last} days`, at + 4, { ai });
  const day = dd === 0 ? last : dd;
  const iso = `${String(year).padStart(4, '0')}-${raw.slice(2, 4)}-${String(day).padStart(2, '0')}`;
  return { type: 'date', iso, year, month, day, dayUnspecified: dd === 0 };
}

function resolve(s: string, pos: number, referenceYear: number): Resolved | undefined {
  for (const len of [2, 3, 4]) {
    const code = s.slice(pos, pos + len);
    if (code.length < len || !/^[0-9]+$/.test(code)) return undefined;
    const def = AIS[code];
    if (def) return fromDef(code, def, referenceYear);
    if (len === 3) {
      const family = FAMILIES[code];
      const n = s.charCodeAt(pos + 3) - 48;
      if (family && n >= 0 && n <= 9) return fromFamily(`${code}${n}`, family, n);
    }
  }
  return undefined;
}

function fromDef(ai: string, def: AiDef, referenceYear: number): Resolved {
  const f = def.format;
  switch (f.t) {
    case 'fixed':
      return {
        ai,
        title: def.title,
        fixedLength: f.len,
        parse(raw, at) {
          requireDigits(raw, at, ai);
          if (f.check === true && !hasValidCheckDigit(raw)) {
            throw gs1Error(`AI (${ai}) ${def.title} ${raw} has a wrong check digit: it was misread`, at + raw.length - 1, { ai });
          }
          return { type: 'digits', digits: raw };
        },
      };
    case 'date':
      return {
        ai,
        title: def.title,
        fixedLength: 6,
        parse(raw, at) {
          requireDigits(raw, at, ai);
          return parseDate(raw, at, ai, referenceYear);
        },
      };
    case 'count':
      return {
        ai,
        title: def.title,
        fixedLength: undefined,
        parse(raw, at) {
          if (raw.length > f.max)
            throw gs1Error(`AI (${ai}) takes at most ${f.max} digits; got ${raw.length}`, at + f.max, { ai });
          requireDigits(raw, at, ai);
          return { type: 'count', count: Number(raw) };
        },
      };
    case 'text':
      return {
        ai,
        title: def.title,
        fixedLength: undefined,
        parse(raw, at) {
          if (raw.length > f.max)
            throw gs1Error(`AI (${ai}) takes at most ${f.max} characters; got ${raw.length}`, at + f.max, { ai });
          if (raw.length < (f.min ?? 1)) {
            throw gs1Error(`AI (${ai}) needs at least ${f.min ?? 1} characters; got ${raw.length}`, at + raw.length, { ai });
          }
          if (f.numeric === true) requireDigits(raw, at, ai);
          else {
            if (f.digitsFirst !== undefined) requireDigits(raw.slice(0, f.digitsFirst), at, ai);
            requireCset82(raw, at, ai);
          }
          return f.numeric === true || (f.digitsFirst !== undefined && raw.length === f.digitsFirst)
            ? { type: 'digits', digits: raw }
            : { type: 'text', text: raw };
        },
      };
  }
}

function fromFamily(ai: string, family: FamilyDef, decimals: number): Resolved {
  const kind = family.kind;
  switch (kind.t) {
    case 'measure':
      return {
        ai,
        title: family.title,
        fixedLength: 6,
        parse(raw, at) {
          if (decimals > 5) throw gs1Error(`AI (${ai}) has ${decimals} decimals; a 6-digit measure allows 0-5`, at - 1, { ai });
          requireDigits(raw, at, ai);
          return { type: 'measure', value: Number(raw), decimals, unit: kind.unit, text: decimalText(raw, decimals) };
        },
      };
    case 'percent':
      return {
        ai,
        title: family.title,
        fixedLength: 4,
        parse(raw, at) {
          requireDigits(raw, at, ai);
          return { type: 'percent', value: Number(raw), decimals, text: decimalText(raw, decimals) };
        },
      };
    case 'unit-price':
      return {
        ai,
        title: family.title,
        fixedLength: 6,
        parse(raw, at) {
          requireDigits(raw, at, ai);
          return { type: 'amount', value: Number(raw), decimals, text: decimalText(raw, decimals) };
        },
      };
    case 'amount':
      return {
        ai,
        title: family.title,
        fixedLength: undefined,
        parse(raw, at) {
          requireDigits(raw, at, ai);
          const head = kind.iso ? 3 : 0;
          const digits = raw.slice(head);
          if (raw.length < head + 1) {
            throw gs1Error(
              `AI (${ai}) needs ${kind.iso ? 'a 3-digit ISO currency and ' : ''}at least one digit`,
              at + raw.length,
              { ai },
            );
          }
          if (digits.length > 15)
            throw gs1Error(`AI (${ai}) takes at most 15 amount digits; got ${digits.length}`, at + head + 15, { ai });
          const value = { type: 'amount', value: Number(digits), decimals, text: decimalText(digits, decimals) } as const;
          if (!kind.iso) return value;
          const numeric = raw.slice(0, 3);
          const code = CURRENCY_BY_NUMERIC[numeric];
          return { ...value, currency: code === undefined ? { numeric } : { numeric, code } };
        },
      };
  }
}

/**
 * Parses a GS1 element string (the data of a GS1-128, GS1 DataMatrix, GS1 QR or GS1 DataBar
 * symbol, AIM prefix already removed): "0109501101530003" + "17251231" + "10ABC" + GS + "21X1".
 * A leading separator (FNC1 sent as GS) is skipped. Predefined-length elements (01, 11-17, 310n
 * ...) need no separator; variable-length ones (10, 21, 30, 392n ...) end at a GS or the end.
 * Check digits of GS1 keys and dates are validated. Malformed input throws a ValidationError
 * whose message and `details.position` say where.
 */
export function parseGs1(elementString: string, options: ParseGs1Options = {}): Gs1ElementString {
  if (typeof elementString !== 'string') {
    throw new ValidationError(ErrorCode.VALIDATION_FAILED, 'parseGs1() takes the element string as a string.');
  }
  const separator = options.separator ?? GS;
  if (separator.length !== 1) {
    throw new ValidationError(
      ErrorCode.VALIDATION_FAILED,
      `The GS1 separator is one character; got ${JSON.stringify(separator)}.`,
    );
  }
  const referenceYear = options.referenceYear ?? new Date().getUTCFullYear();
  if (!Number.isSafeInteger(referenceYear) || referenceYear < 1900 || referenceYear > 9999) {
    throw new ValidationError(
      ErrorCode.VALIDATION_FAILED,
      `referenceYear must be a year from 1900 to 9999; got ${String(referenceYear)}.`,
    );
  }
  const s = elementString;
  let pos = s.startsWith(separator) ? 1 : 0;
  if (pos >= s.length) throw gs1Error('the element string is empty', pos);
  const elements: Gs1Element[] = [];
  const byAi: Record<string, Gs1Element> = {};
  while (pos < s.length) {
    const start = pos;
    const def = resolve(s, pos, referenceYear);
    if (!def) {
      const shown = JSON.stringify(s.slice(pos, pos + 4));
      throw gs1Error(`expected a known application identifier, found ${shown}`, pos);
    }
    const dataStart = pos + def.ai.length;
    let raw: string;
    if (def.fixedLength !== undefined && PREDEFINED.has(def.ai.slice(0, 2))) {
      raw = s.slice(dataStart, dataStart + def.fixedLength);
      const sep = raw.indexOf(separator);
      if (raw.length < def.fixedLength || sep >= 0) {
        const at = sep >= 0 ? dataStart + sep : s.length;
        throw gs1Error(
          `AI (${def.ai}) ${def.title} takes ${def.fixedLength} characters; the data ends after ${sep >= 0 ? sep : raw.length}`,
          at,
          { ai: def.ai },
        );
      }
      pos = dataStart + def.fixedLength;
      // A separator after a predefined-length element is redundant but allowed.
      if (s[pos] === separator) pos++;
    } else {
      const end = s.indexOf(separator, dataStart);
      raw = s.slice(dataStart, end < 0 ? s.length : end);
      pos = end < 0 ? s.length : end + 1;
      if (def.fixedLength !== undefined && raw.length !== def.fixedLength) {
        throw gs1Error(
          `AI (${def.ai}) ${def.title} takes ${def.fixedLength} characters; got ${raw.length}`,
          dataStart + Math.min(raw.length, def.fixedLength),
          { ai: def.ai },
        );
      }
    }
    if (raw.length === 0) throw gs1Error(`AI (${def.ai}) ${def.title} has no data`, dataStart, { ai: def.ai });
    const element: Gs1Element = { ai: def.ai, title: def.title, raw, value: def.parse(raw, dataStart), position: start };
    elements.push(element);
    byAi[def.ai] ??= element;
  }
  return { elements, byAi };
}
