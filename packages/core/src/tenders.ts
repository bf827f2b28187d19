import { z } from 'zod';
import { cashRoundingRule, type CashRoundingRule } from './currency';
import { ErrorCode, StateError, ValidationError } from './errors';
import { CurrencyCodeSchema, MinorUnitsSchema, money, RoundingModeSchema, toDecimalString } from './money';
import { parseInput } from './validate';
import { roundDiv } from './rounding';
import type { Tender, TenderKind, TenderType } from './transaction';

/** Cash pays with change and cash rounding; card, voucher and other settle exactly. */
export const DEFAULT_TENDER_TYPES: readonly TenderType[] = Object.freeze([
  { type: 'cash', kind: 'cash', label: 'Cash', allowsChange: true, cashRounding: true },
  { type: 'card', kind: 'card', label: 'Card', allowsChange: false, cashRounding: false },
  { type: 'voucher', kind: 'voucher', label: 'Voucher', allowsChange: false, cashRounding: false },
  { type: 'other', kind: 'other', label: 'Other', allowsChange: false, cashRounding: false },
] satisfies TenderType[]);

export const TenderTypeSchema = z.object({
  type: z.string().min(1).max(64),
  kind: z.enum(['cash', 'card', 'voucher', 'other']),
  label: z.string().min(1).max(64),
  allowsChange: z.boolean(),
  cashRounding: z.boolean(),
});

const TenderSchema = z.object({
  id: z.string(),
  type: z.string().min(1),
  kind: z.enum(['cash', 'card', 'voucher', 'other']),
  amount: MinorUnitsSchema,
  reference: z.string().optional(),
  allowsChange: z.boolean(),
  cashRounding: z.boolean(),
});
const CashRoundingRuleSchema = z.object({ increment: MinorUnitsSchema.positive(), mode: RoundingModeSchema });
const SettleInputSchema = z.object({
  total: MinorUnitsSchema,
  tenders: z.array(TenderSchema),
  currency: CurrencyCodeSchema,
  rule: CashRoundingRuleSchema.optional(),
});

function checkSettleInput(total: unknown, tenders: unknown, currency: unknown, rule: unknown): void {
  parseInput(SettleInputSchema, { total, tenders, currency, rule }, 'settlement input');
}

/** Finds a configured tender type, or throws UNKNOWN_TENDER_TYPE listing the known ones. */
export function findTenderType(types: readonly TenderType[], type: string): TenderType {
  parseInput(z.array(TenderTypeSchema), types, 'tender types');
  const found = types.find((t) => t.type === type);
  if (!found) {
    throw new ValidationError(
      ErrorCode.UNKNOWN_TENDER_TYPE,
      `Unknown tender type ${JSON.stringify(type)}; configured types are ${types.map((t) => t.type).join(', ')}.`,
      {
        details: { type },
      },
    );
  }
  return found;
}

/** Rounds an amount to a multiple of the cash step: CHF 9.97 -> 9.95, SEK 12.50 -> 13.00. */
export function roundCash(amount: number, rule: CashRoundingRule): number {
  parseInput(z.object({ amount: MinorUnitsSchema, rule: CashRoundingRuleSchema }), { amount, rule }, 'cash rounding input');
  if (rule.increment === 1) return amount || 0;
  return roundDiv(amount, rule.increment, rule.mode) * rule.increment || 0;
}

/** Where a transaction stands against its tenders. All amounts are signed like the transaction. */
export interface Settlement {
  /** what is due before cash rounding (priced total) */
  readonly total: number;
  /** sum of all tenders */
  readonly tendered: number;
  /** signed cash rounding adjustment, applied only when cash settles the rest */
  readonly cashRounding: number;
  /** still to pay (sale, > 0) or refund (return, < 0); 0 once balanced */
  readonly remaining: number;
  /** change to give back (>= 0); always 0 for refunds */
  readonly change: number;
  readonly balanced: boolean;
}

/**
 * Settles tenders against a total. Exact tenders (card, voucher) pay first; the rest is due in
 * cash and rounded to the currency's cash step (the signed adjustment is `cashRounding`). Change
 * comes only from tenders that allow it. Refunds (negative totals) mirror sales exactly and never
 * give change. Invariant when balanced: tendered - change === total + cashRounding.
 */
export function settle(
  total: number,
  tenders: readonly Tender[],
  currency: string,
  rule: CashRoundingRule = cashRoundingRule(currency),
): Settlement {
  checkSettleInput(total, tenders, currency, rule);
  const sign = total < 0 ? -1 : 1;
  const due = total * sign;
  let exact = 0;
  let rounded = 0;
  let changeCapable = 0;
  for (const t of tenders) {
    const amount = t.amount * sign;
    if (t.cashRounding) rounded += amount;
    else exact += amount;
    if (t.allowsChange) changeCapable += amount;
  }
  const tendered = (exact + rounded) * sign || 0;
  let cashRounding = 0;
  let target = due;
  if (rounded > 0) {
    const cashDue = Math.max(due - exact, 0);
    const roundedDue = roundCash(cashDue, rule);
    cashRounding = roundedDue - cashDue;
    target = due + cashRounding;
  }
  const paid = exact + rounded;
  const over = Math.max(paid - target, 0);
  const change = sign > 0 ? Math.min(over, changeCapable) : 0;
  const remaining = Math.max(target - paid, 0);
  const balanced = remaining === 0 && paid - change === target;
  return {
    total,
    tendered,
    cashRounding: cashRounding * sign || 0,
    remaining: remaining * sign || 0,
    change,
    balanced,
  };
}

/**
 * Checks a new tender against what is due: refunds must be negative, payments positive; exact
 * tenders may not exceed what remains; nothing may be tendered once balanced.
 */
export function checkNewTender(total: number, tenders: readonly Tender[], tender: Tender, currency: string): void {
  const sign = total < 0 ? -1 : 1;
  if (tender.amount === 0 || Math.sign(tender.amount) !== sign) {
    throw new ValidationError(
      ErrorCode.VALIDATION_FAILED,
      sign > 0
        ? `A payment must be a positive amount in minor units; got ${tender.amount}.`
        : `A refund tender must be a negative amount in minor units (what goes back to the customer); got ${tender.amount}.`,
    );
  }
  const before = settle(total, tenders, currency);
  if (before.balanced) {
    throw new StateError(ErrorCode.OVER_TENDER, 'The transaction is already fully tendered; complete it or void a tender first.');
  }
  const show = (amount: number) => `${currency} ${toDecimalString(money(Math.abs(amount), currency))}`;
  const unpaid = (total - before.tendered) * sign;
  if (!tender.allowsChange && tender.amount * sign > unpaid) {
    throw new ValidationError(
      ErrorCode.OVER_TENDER,
      `${tender.type} gives no change, so it may pay at most what is still due (${show(unpaid)}); ${show(tender.amount)} was offered.`,
      { details: { remaining: unpaid * sign, offered: tender.amount } },
    );
  }
  const after = settle(total, [...tenders, tender], currency);
  const overBy = (after.tendered - after.change - (total + after.cashRounding)) * sign;
  if (overBy > 0) {
    const kindNote =
      sign < 0 ? 'A refund cannot exceed what is owed back' : `${tender.type} cannot be over-tendered (it gives no change)`;
    throw new ValidationError(
      ErrorCode.OVER_TENDER,
      `${kindNote}: ${show(before.remaining)} remains, ${show(tender.amount)} was offered.`,
      {
        details: { remaining: before.remaining, offered: tender.amount },
      },
    );
  }
}

export type { Tender, TenderKind, TenderType };

/**
 * What one more tender of `type` must be to settle the transaction exactly: the plain remainder
 * for exact tenders, the cash-rounded remainder for cash. Signed like the transaction; 0 when
 * nothing remains.
 */
export function amountToSettle(
  total: number,
  tenders: readonly Tender[],
  type: TenderType,
  currency: string,
  rule: CashRoundingRule = cashRoundingRule(currency),
): number {
  checkSettleInput(total, tenders, currency, rule);
  const sign = total < 0 ? -1 : 1;
  let exact = 0;
  let rounded = 0;
  for (const t of tenders) {
    if (t.cashRounding) rounded += t.amount * sign;
    else exact += t.amount * sign;
  }
  const due = total * sign;
  const left = type.cashRounding ? roundCash(Math.max(due - exact, 0), rule) - rounded : due - exact - rounded;
  return Math.max(left, 0) * sign || 0;
}
