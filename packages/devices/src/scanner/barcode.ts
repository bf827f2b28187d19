import { ErrorCode, ValidationError } from '@tillkit/core';

/** Retail article numbers with a GS1 mod-10 check digit. */
export type GtinKind = 'ean-13' | 'ean-8' | 'upc-a' | 'upc-e' | 'gtin-14';

/** Why a code is not a valid article number. */
export type GtinProblem = 'not-digits' | 'wrong-length' | 'bad-check-digit' | 'bad-number-system';

/** The outcome of checking an article number: never throws, so a scan loop can branch on it. */
export type GtinCheck =
  | {
      readonly ok: true;
      readonly kind: GtinKind;
      /** the code as given (digits only) */
      readonly code: string;
      /** the same article as a 14-digit GTIN (UPC-E expanded first), for catalog look-ups */
      readonly gtin14: string;
    }
  | {
      readonly ok: false;
      readonly kind: GtinKind | undefined;
      readonly code: string;
      readonly problem: GtinProblem;
      /** what was wrong and what to do */
      readonly message: string;
      /** for 'bad-check-digit': the digit the code should end with */
      readonly expected?: number;
    };

const LENGTHS: Readonly<Record<GtinKind, number>> = {
  'ean-13': 13,
  'ean-8': 8,
  'upc-a': 12,
  'upc-e': 8,
  'gtin-14': 14,
};

const DIGITS = /^[0-9]+$/;

/**
 * The GS1 mod-10 check digit of `body` (the digits before the check digit): weights 3 and 1
 * alternate from the rightmost digit. Works for every GS1 key (GTIN-8/12/13/14, SSCC, GLN).
 */
export function gs1CheckDigit(body: string): number {
  if (!DIGITS.test(body)) {
    throw new ValidationError(ErrorCode.VALIDATION_FAILED, `gs1CheckDigit() takes digits only; got ${JSON.stringify(body)}.`);
  }
  let sum = 0;
  for (let i = body.length - 1, weight = 3; i >= 0; i--, weight = 4 - weight) {
    sum += (body.charCodeAt(i) - 48) * weight;
  }
  return (10 - (sum % 10)) % 10;
}

/** True when the last digit of `code` is the GS1 check digit of the others. */
export function hasValidCheckDigit(code: string): boolean {
  if (code.length < 2 || !DIGITS.test(code)) return false;
  return gs1CheckDigit(code.slice(0, -1)) === code.charCodeAt(code.length - 1) - 48;
}

function fail(kind: GtinKind | undefined, code: string, problem: GtinProblem, message: string, expected?: number): GtinCheck {
  return expected === undefined
    ? { ok: false, kind, code, problem, message }
    : { ok: false, kind, code, problem, message, expected };
}

/**
 * Expands an 8-digit UPC-E (number system 0 or 1, six digits, check digit) to its 12-digit
 * UPC-A, as the GS1 General Specifications define it: "01234565" -> "012345000065".
 * Throws a ValidationError when the code is not a valid UPC-E.
 */
export function expandUpcE(code: string): string {
  const check = checkUpcE(code);
  if (!check.ok) {
    throw new ValidationError(ErrorCode.VALIDATION_FAILED, check.message, {
      details: { code, problem: check.problem },
    });
  }
  return check.gtin14.slice(2);
}

/** UPC-E body (number system + 6 digits) to the 11 digits of UPC-A before its check digit. */
function upcEBodyToUpcA(ns: string, d: string): string {
  const last = d[5] as string;
  switch (last) {
    case '0':
    case '1':
    case '2':
      return `${ns}${d.slice(0, 2)}${last}0000${d.slice(2, 5)}`;
    case '3':
      return `${ns}${d.slice(0, 3)}00000${d.slice(3, 5)}`;
    case '4':
      return `${ns}${d.slice(0, 4)}00000${d[4] as string}`;
    default:
      return `${ns}${d.slice(0, 5)}0000${last}`;
  }
}

function checkUpcE(code: string): GtinCheck {
  if (!DIGITS.test(code)) {
    return fail('upc-e', code, 'not-digits', `A UPC-E code has digits only; got ${JSON.stringify(code)}.`);
  }
  if (code.length !== 8) {
    return fail('upc-e', code, 'wrong-length', `A UPC-E code has 8 digits; got ${code.length}.`);
  }
  const ns = code[0] as string;
  if (ns !== '0' && ns !== '1') {
    return fail(
      'upc-e',
      code,
      'bad-number-system',
      `A UPC-E code starts with number system 0 or 1; got ${ns}. Scan it again or key in the UPC-A code.`,
    );
  }
  const body = upcEBodyToUpcA(ns, code.slice(1, 7));
  const expected = gs1CheckDigit(body);
  if (expected !== code.charCodeAt(7) - 48) {
    return fail(
      'upc-e',
      code,
      'bad-check-digit',
      `UPC-E ${code} has check digit ${code[7] as string}, but its digits give ${expected}: it was misread or mistyped. Scan it again.`,
      expected,
    );
  }
  return { ok: true, kind: 'upc-e', code, gtin14: `00${body}${expected}` };
}

/**
 * Checks an EAN-13, EAN-8, UPC-A, UPC-E or GTIN-14: digits only, the right length and a correct
 * check digit. Without `kind`, the kind follows from the length (8 digits: EAN-8, 12: UPC-A,
 * 13: EAN-13, 14: GTIN-14); pass `kind: 'upc-e'` for 8-digit UPC-E codes.
 */
export function checkGtin(code: string, kind?: GtinKind): GtinCheck {
  if (typeof code !== 'string') {
    return fail(kind, String(code), 'not-digits', 'An article number is a string of digits.');
  }
  if (kind === 'upc-e') return checkUpcE(code);
  if (!DIGITS.test(code)) {
    return fail(kind, code, 'not-digits', `An article number has digits only; got ${JSON.stringify(code)}.`);
  }
  const resolved: GtinKind | undefined =
    kind ??
    (code.length === 8
      ? 'ean-8'
      : code.length === 12
        ? 'upc-a'
        : code.length === 13
          ? 'ean-13'
          : code.length === 14
            ? 'gtin-14'
            : undefined);
  if (resolved === undefined || LENGTHS[resolved] !== code.length) {
    const want = resolved === undefined ? '8, 12, 13 or 14' : String(LENGTHS[resolved]);
    return fail(
      resolved,
      code,
      'wrong-length',
      `${resolved === undefined ? 'An article number' : `A ${resolved.toUpperCase()} code`} has ${want} digits; got ${code.length}.`,
    );
  }
  const expected = gs1CheckDigit(code.slice(0, -1));
  const actual = code.charCodeAt(code.length - 1) - 48;
  if (expected !== actual) {
    return fail(
      resolved,
      code,
      'bad-check-digit',
      `${resolved.toUpperCase()} ${code} has check digit ${actual}, but its digits give ${expected}: it was misread or mistyped. Scan it again.`,
      expected,
    );
  }
  return { ok: true, kind: resolved, code, gtin14: code.padStart(14, '0') };
}

/** Checks an EAN-13 (13 digits, check digit). */
export function checkEan13(code: string): GtinCheck {
  return checkGtin(code, 'ean-13');
}

/** Checks an EAN-8 (8 digits, check digit). */
export function checkEan8(code: string): GtinCheck {
  return checkGtin(code, 'ean-8');
}

/** Checks a UPC-A (12 digits, check digit). */
export function checkUpcA(code: string): GtinCheck {
  return checkGtin(code, 'upc-a');
}

/**
 * Like checkGtin, but returns the 14-digit GTIN or throws a ValidationError (code
 * VALIDATION_FAILED, `details.problem` and `details.expected` saying what was wrong).
 */
export function parseGtin(code: string, kind?: GtinKind): string {
  const check = checkGtin(code, kind);
  if (check.ok) return check.gtin14;
  const details: Record<string, unknown> = { code: check.code, problem: check.problem };
  if (check.kind !== undefined) details['kind'] = check.kind;
  if (check.expected !== undefined) details['expected'] = check.expected;
  throw new ValidationError(ErrorCode.VALIDATION_FAILED, check.message, { details });
}
