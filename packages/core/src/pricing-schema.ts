import { z } from 'zod';
import { CurrencyCodeSchema, MinorUnitsSchema, RoundingModeSchema } from './money';
import { TaxPolicySchema, type TaxPolicy } from './tax-policy';
import type { RoundingMode } from './rounding';

/** A decimal given as a string ("8.875") or a finite number (8.875). */
export const DecimalInputSchema = z.union([
  z.string().regex(/^-?\d+(\.\d+)?$/, { message: 'must be a decimal such as "12.5"' }),
  z.number().refine(Number.isFinite, { message: 'must be a finite number' }),
]);

const IdSchema = z.string().min(1).max(128);

/** A tax rate. `rate` is a percentage: "19" for 19 %, "8.875" for 8.875 %. */
export const TaxRateSchema = z.object({
  id: IdSchema,
  /** shown on receipts and reports, e.g. "VAT 19%" */
  name: z.string().min(1).max(64),
  /** short code printed next to lines, e.g. "A" */
  code: z.string().max(4).optional(),
  rate: DecimalInputSchema,
  /** true when item prices already include this tax (EU VAT, JP consumption tax) */
  inclusive: z.boolean(),
});
export type TaxRateInput = z.input<typeof TaxRateSchema>;

export const DiscountSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('percent'),
    id: IdSchema.optional(),
    name: z.string().max(64).optional(),
    percent: DecimalInputSchema,
  }),
  z.object({
    kind: z.literal('amount'),
    id: IdSchema.optional(),
    name: z.string().max(64).optional(),
    amount: MinorUnitsSchema.nonnegative(),
  }),
]);
export type DiscountInput = z.input<typeof DiscountSchema>;

export const ModifierSchema = z.object({
  id: IdSchema.optional(),
  name: z.string().min(1).max(128),
  /** price of one modifier in minor units (may be 0) */
  unitPrice: MinorUnitsSchema.nonnegative(),
  /** modifiers per unit of the item (default 1) */
  quantity: MinorUnitsSchema.positive().optional(),
});
export type ModifierInput = z.input<typeof ModifierSchema>;

export const LineInputSchema = z.object({
  id: IdSchema,
  sku: z.string().max(64).optional(),
  name: z.string().min(1).max(256),
  /** price per unit (or per kg, per m, ...) in minor units */
  unitPrice: MinorUnitsSchema.nonnegative(),
  /** a whole count (2) or a measured quantity ("1.235" kg); must be > 0 */
  quantity: DecimalInputSchema,
  /** unit of measure for measured quantities, e.g. "kg" */
  unit: z.string().max(16).optional(),
  modifiers: z.array(ModifierSchema).max(100).optional(),
  /** line discounts; percentages apply before fixed amounts, whatever the order given */
  discounts: z.array(DiscountSchema).max(20).optional(),
  /** ids of the tax rates on this line (from PricingInput.taxes) */
  taxIds: z.array(IdSchema).max(8),
});
export type LineInput = z.input<typeof LineInputSchema>;

export const ServiceChargeSchema = z.object({
  id: IdSchema,
  name: z.string().min(1).max(64),
  /** BEFORE_TAX: on the discounted net, taxed with taxIds; AFTER_TAX: on the taxed total, never taxed (tips) */
  phase: z.enum(['BEFORE_TAX', 'AFTER_TAX']),
  charge: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('percent'), percent: DecimalInputSchema }),
    z.object({ kind: z.literal('amount'), amount: MinorUnitsSchema.nonnegative() }),
  ]),
  /** taxes on a BEFORE_TAX charge; empty or absent means not taxable. Must be empty for AFTER_TAX. */
  taxIds: z.array(IdSchema).max(8).optional(),
});
export type ServiceChargeInput = z.input<typeof ServiceChargeSchema>;

export const DocumentRoundingSchema = z.object({
  increment: MinorUnitsSchema.positive(),
  mode: RoundingModeSchema,
});

export const PricingInputSchema = z.object({
  currency: CurrencyCodeSchema,
  lines: z.array(LineInputSchema).max(100_000),
  orderDiscounts: z.array(DiscountSchema).max(20).optional(),
  serviceCharges: z.array(ServiceChargeSchema).max(10).optional(),
  taxes: z.array(TaxRateSchema).max(64),
  policy: TaxPolicySchema,
  /** round the document total to a step (rare; cash rounding is separate and only for cash) */
  documentRounding: DocumentRoundingSchema.optional(),
});
export type PricingInput = z.input<typeof PricingInputSchema>;

/** One tax on one line (or service charge), as stored. */
export interface LineTax {
  readonly taxId: string;
  /** the rate as a canonical decimal percentage string ("19", "8.875") */
  readonly rate: string;
  readonly inclusive: boolean;
  /** the taxable (net) amount this tax was computed on */
  readonly taxable: number;
  readonly amount: number;
}

/** A discount's effect on one line, as stored (amount is positive and reduces the line). */
export interface AppliedDiscount {
  readonly scope: 'line' | 'order';
  readonly id: string | undefined;
  readonly name: string | undefined;
  readonly kind: 'percent' | 'amount';
  readonly amount: number;
}

/**
 * A priced line. All amounts are integer minor units and were computed once, in the documented
 * order; returns replay them, never recompute. Invariants: base = gross - discount;
 * net + sum(tax) = total; for inclusive-only lines total = base.
 */
export interface PricedLine {
  readonly id: string;
  readonly sku: string | undefined;
  readonly name: string;
  readonly unitPrice: number;
  /** canonical decimal string of the quantity ("2", "1.235") */
  readonly quantity: string;
  readonly unit: string | undefined;
  /** sum of modifier prices per unit of the item */
  readonly modifierUnitPrice: number;
  /** (unitPrice + modifiers) x quantity, rounded once for measured quantities */
  readonly gross: number;
  /** all discounts on this line, line and allocated order discounts */
  readonly discounts: readonly AppliedDiscount[];
  /** total of line discounts */
  readonly lineDiscount: number;
  /** this line's share of order discounts */
  readonly orderDiscount: number;
  /** gross - lineDiscount - orderDiscount: the price after discounts (tax included if inclusive) */
  readonly base: number;
  readonly net: number;
  readonly taxes: readonly LineTax[];
  /** what the customer pays for this line: net + all taxes */
  readonly total: number;
}

export interface PricedServiceCharge {
  readonly id: string;
  readonly name: string;
  readonly phase: 'BEFORE_TAX' | 'AFTER_TAX';
  /** the charge before its taxes */
  readonly net: number;
  readonly taxes: readonly LineTax[];
  readonly total: number;
}

/** Totals per tax rate over the document: net (taxable) + tax = gross. */
export interface TaxBucket {
  readonly taxId: string;
  readonly name: string;
  readonly code: string | undefined;
  readonly rate: string;
  readonly inclusive: boolean;
  readonly net: number;
  readonly tax: number;
  readonly gross: number;
}

/** The result of pricing. `total` is what is due before any cash rounding. */
export interface PricedSale {
  readonly currency: string;
  readonly policy: TaxPolicy;
  readonly lines: readonly PricedLine[];
  readonly serviceCharges: readonly PricedServiceCharge[];
  readonly taxBuckets: readonly TaxBucket[];
  /** sum of line gross amounts before discounts */
  readonly subtotal: number;
  /** sum of all discounts (line and order) */
  readonly discountTotal: number;
  /** sum of nets of lines and service charges */
  readonly netTotal: number;
  /** sum of all taxes */
  readonly taxTotal: number;
  /** sum of service charges including their taxes */
  readonly serviceChargeTotal: number;
  /** document rounding adjustment (signed), 0 unless documentRounding was asked for */
  readonly roundingAdjustment: number;
  /** lines + service charges + rounding adjustment */
  readonly total: number;
  readonly documentRounding: { readonly increment: number; readonly mode: RoundingMode } | undefined;
}
