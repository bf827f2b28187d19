import { TillkitError, ValidationError, ErrorCode } from '@tillkit/core';
import { GS, parseGs1, type Gs1ElementString } from './gs1';

/** Barcode symbologies a till meets, as named by the AIM symbology identifier. */
export type Symbology =
  | 'ean-13'
  | 'ean-8'
  | 'upc-a'
  | 'upc-e'
  | 'code-128'
  | 'gs1-128'
  | 'code-39'
  | 'code-93'
  | 'codabar'
  | 'itf'
  | 'gs1-databar'
  | 'datamatrix'
  | 'gs1-datamatrix'
  | 'qr'
  | 'gs1-qr'
  | 'pdf417'
  | 'aztec'
  | 'unknown';

/** One decoded scan, from a keyboard-wedge or a serial scanner. */
export interface ScanResult {
  /** the barcode data, AIM identifier removed; GS1 separators kept as GS (ASCII 29) */
  readonly data: string;
  /** from the AIM identifier; 'unknown' when the scanner sent none */
  readonly symbology: Symbology;
  /** the AIM symbology identifier as sent, e.g. "]E0", "]C1" */
  readonly aimId?: string;
  /** the GS1 application identifiers, for GS1 symbologies (or data starting with FNC1) */
  readonly gs1?: Gs1ElementString;
  /** why the GS1 data could not be parsed, when it could not (the scan is still delivered) */
  readonly gs1Error?: ValidationError;
  readonly source: 'keyboard-wedge' | 'serial';
  /** clock time of the scan (ms since the epoch on the system clock) */
  readonly at: number;
}

const AIM_ID = /^\][A-Za-z][0-9A-Za-z]/;

/** The symbology an AIM identifier ("]E0", "]C1", "]d2", "]Q3" ...) names; `data` tells EAN-13/UPC-A/UPC-E apart. */
export function symbologyFromAimId(aimId: string, data = ''): Symbology {
  const code = aimId[1] ?? '';
  const modifier = aimId[2] ?? '0';
  switch (code) {
    case 'E':
      if (modifier === '4') return 'ean-8';
      return data.length === 12 ? 'upc-a' : data.length === 8 || data.length === 7 ? 'upc-e' : 'ean-13';
    case 'C':
      return modifier === '1' ? 'gs1-128' : 'code-128';
    case 'A':
      return 'code-39';
    case 'G':
      return 'code-93';
    case 'F':
      return 'codabar';
    case 'I':
      return 'itf';
    case 'e':
      return 'gs1-databar';
    case 'd':
      return modifier === '2' || modifier === '5' ? 'gs1-datamatrix' : 'datamatrix';
    case 'Q':
      return modifier === '3' || modifier === '4' ? 'gs1-qr' : 'qr';
    case 'L':
      return 'pdf417';
    case 'z':
      return 'aztec';
    default:
      return 'unknown';
  }
}

const GS1_SYMBOLOGIES: ReadonlySet<Symbology> = new Set(['gs1-128', 'gs1-databar', 'gs1-datamatrix', 'gs1-qr']);

export interface BuildScanOptions {
  readonly source: ScanResult['source'];
  readonly at: number;
  /**
   * 'auto' (default): a leading "]" + letter + character is an AIM identifier; 'never': data is
   * taken as is (for codes that may really start with "]").
   */
  readonly aimIds?: 'auto' | 'never';
  /** passed to parseGs1 */
  readonly referenceYear?: number;
}

/**
 * Turns the characters of one scan into a ScanResult: strips and reads the AIM identifier, and
 * parses GS1 data (a GS1 symbology, or data that starts with FNC1 sent as GS). A GS1 parse failure
 * does not drop the scan: it is delivered with `gs1Error`.
 */
export function buildScanResult(raw: string, options: BuildScanOptions): ScanResult {
  let data = raw;
  let aimId: string | undefined;
  if ((options.aimIds ?? 'auto') === 'auto' && AIM_ID.test(raw)) {
    aimId = raw.slice(0, 3);
    data = raw.slice(3);
  }
  const symbology = aimId === undefined ? 'unknown' : symbologyFromAimId(aimId, data);
  const isGs1 = GS1_SYMBOLOGIES.has(symbology) || (aimId === undefined && data.startsWith(GS));
  let gs1: Gs1ElementString | undefined;
  let gs1Error: ValidationError | undefined;
  if (isGs1) {
    try {
      gs1 = parseGs1(data, options.referenceYear === undefined ? {} : { referenceYear: options.referenceYear });
    } catch (error) {
      gs1Error =
        TillkitError.isInstance(error) && error instanceof ValidationError
          ? error
          : new ValidationError(ErrorCode.VALIDATION_FAILED, `GS1 data could not be read: ${String(error)}`, { cause: error });
    }
  }
  return {
    data,
    symbology,
    ...(aimId === undefined ? {} : { aimId }),
    ...(gs1 === undefined ? {} : { gs1 }),
    ...(gs1Error === undefined ? {} : { gs1Error }),
    source: options.source,
    at: options.at,
  };
}
