/** Units a retail scale reports in. */
export type ScaleUnit = 'kg' | 'g' | 'lb' | 'oz';

/** A weight as the scale reported it: an integer with a decimal scale, and the same in whole grams. */
export interface ScaleWeight {
  /** the reading in the scale's unit, times 10^decimals: 1.250 kg is 1250 with 3 decimals */
  readonly value: number;
  readonly decimals: number;
  readonly unit: ScaleUnit;
  /** the weight in whole grams (rounded half away from zero for lb and oz) */
  readonly grams: number;
  /** as the scale shows it, e.g. "1.250 kg", "2.50 lb" */
  readonly display: string;
}

/** What one reply of a scale says, whatever the protocol. */
export interface ScaleResponse {
  /** absent when the scale sent a status instead of a weight (in motion, out of range) */
  readonly weight?: ScaleWeight;
  readonly motion: boolean;
  readonly underZero: boolean;
  readonly overCapacity: boolean;
  /** a fault the scale reported (RAM, ROM, calibration) or a reply that could not be read */
  readonly fault?: string;
}

/** Grams per unit as an exact fraction: [numerator, denominator]. 1 lb = 453.59237 g exactly. */
const GRAMS_PER_UNIT: Readonly<Record<ScaleUnit, readonly [bigint, bigint]>> = {
  kg: [1000n, 1n],
  g: [1n, 1n],
  lb: [45_359_237n, 100_000n],
  oz: [28_349_523_125n, 1_000_000_000n],
};

const UNIT_ALIASES: Readonly<Record<string, ScaleUnit>> = { kg: 'kg', g: 'g', lb: 'lb', lbs: 'lb', oz: 'oz' };

/** The unit a scale wrote ("KG", "lb", "g"), or undefined for one a till does not price by. */
export function scaleUnit(text: string): ScaleUnit | undefined {
  return UNIT_ALIASES[text.trim().toLowerCase()];
}

/** Whole grams of `value` / 10^`decimals` `unit`, in integer arithmetic, rounded half away from zero. */
export function toGrams(value: number, decimals: number, unit: ScaleUnit): number {
  const [num, den] = GRAMS_PER_UNIT[unit];
  const n = BigInt(value) * num;
  const d = den * 10n ** BigInt(decimals);
  const q = (2n * (n < 0n ? -n : n) + d) / (2n * d);
  return Number(n < 0n ? -q : q);
}

/** "1.250 kg" from 1250, 3 decimals, kg. */
export function formatWeight(value: number, decimals: number, unit: ScaleUnit): string {
  const digits = String(Math.abs(value)).padStart(decimals + 1, '0');
  const text = decimals === 0 ? digits : `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
  return `${value < 0 ? '-' : ''}${text} ${unit}`;
}

export function makeWeight(value: number, decimals: number, unit: ScaleUnit): ScaleWeight {
  return { value, decimals, unit, grams: toGrams(value, decimals, unit), display: formatWeight(value, decimals, unit) };
}

const WEIGHT_TEXT = /^\s*([-+]?)\s*(\d*)(?:\.(\d*))?\s*([A-Za-z]*)\s*$/;

/**
 * Reads a weight field such as "001.250kg", "  2.50LB", " 1250g", "01250" (no decimal point and no
 * unit: `decimals` and `unit` implied) or "-0.015 kg". Returns undefined when it is not a weight (dashes, "^^^^" overload
 * marks, an unknown unit).
 */
export function parseWeightText(text: string, defaults: { unit: ScaleUnit; decimals: number }): ScaleWeight | undefined {
  const m = WEIGHT_TEXT.exec(text);
  if (!m) return undefined;
  const [, sign = '', whole = '', fraction, unitText = ''] = m;
  if (whole === '' && (fraction === undefined || fraction === '')) return undefined;
  const unit = unitText === '' ? defaults.unit : scaleUnit(unitText);
  if (unit === undefined) return undefined;
  // A number with its unit but no point is whole units ("1250g"); a bare number has the implied
  // decimals of the protocol (Toledo 8213: "01250" is 1.250 kg).
  const decimals = fraction !== undefined ? fraction.length : unitText === '' ? defaults.decimals : 0;
  const digits = `${whole}${fraction ?? ''}`;
  if (digits.length > 15) return undefined;
  const magnitude = Number(digits);
  return makeWeight(sign === '-' && magnitude !== 0 ? -magnitude : magnitude, decimals, unit);
}

/**
 * Splits a byte stream into frames that start with `start` (or anywhere, when undefined) and end
 * with `end`; bytes outside frames are dropped, and a frame longer than `maxLength` is discarded.
 */
export function createFramer(options: { start?: number; end: number; maxLength: number }): (bytes: Uint8Array) => string[] {
  let buffer: number[] | undefined = options.start === undefined ? [] : undefined;
  return (bytes) => {
    const frames: string[] = [];
    for (const b of bytes) {
      if (buffer === undefined) {
        if (b === options.start) buffer = [];
        continue;
      }
      if (b === options.start) {
        buffer = [];
        continue;
      }
      if (b === options.end) {
        frames.push(String.fromCharCode(...buffer));
        buffer = options.start === undefined ? [] : undefined;
        continue;
      }
      buffer.push(b);
      if (buffer.length > options.maxLength) buffer = options.start === undefined ? [] : undefined;
    }
    return frames;
  };
}
