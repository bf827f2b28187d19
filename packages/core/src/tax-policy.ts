import { z } from 'zod';
import { RoundingModeSchema } from './money';
import type { RoundingMode } from './rounding';

/**
 * Where tax is rounded:
 * - UNIT: per unit of an item, then multiplied by the (whole) quantity; lines with a fractional
 *   quantity (weighed goods) fall back to LINE.
 * - LINE: per line and tax (several US states, most EU tills).
 * - RATE_BUCKET: once per tax rate (strictly: per group of lines carrying the same taxes) per
 *   document, then allocated back to the lines (Japan's invoice rule: once per rate per invoice).
 * - DOCUMENT: the whole document's tax rounded once, then allocated to rates and lines.
 */
export const TaxLevel = { UNIT: 'UNIT', LINE: 'LINE', RATE_BUCKET: 'RATE_BUCKET', DOCUMENT: 'DOCUMENT' } as const;
export type TaxLevel = (typeof TaxLevel)[keyof typeof TaxLevel];

/** For tax-inclusive prices: round the tax (net = gross - tax) or the net (tax = gross - net) first. */
export const InclusiveRoundFirst = { TAX: 'TAX', NET: 'NET' } as const;
export type InclusiveRoundFirst = (typeof InclusiveRoundFirst)[keyof typeof InclusiveRoundFirst];

/** The one place tax rounding is configured. It is recorded on every priced sale and transaction. */
export interface TaxPolicy {
  readonly mode: RoundingMode;
  readonly level: TaxLevel;
  readonly inclusiveRoundFirst: InclusiveRoundFirst;
}

export const TaxPolicySchema = z.object({
  mode: RoundingModeSchema,
  level: z.enum(['UNIT', 'LINE', 'RATE_BUCKET', 'DOCUMENT']),
  inclusiveRoundFirst: z.enum(['TAX', 'NET']),
});

/** Banker's rounding per line, tax rounded first: a common EU default. */
export const DEFAULT_TAX_POLICY: TaxPolicy = Object.freeze({ mode: 'HALF_EVEN', level: 'LINE', inclusiveRoundFirst: 'TAX' });
