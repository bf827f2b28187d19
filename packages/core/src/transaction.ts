import type { DiscountInput, LineInput, PricedSale, ServiceChargeInput, TaxRateInput } from './pricing-schema';
import type { TaxPolicy } from './tax-policy';

/** What a tender is, which decides change, over-tender and cash rounding. */
export type TenderKind = 'cash' | 'card' | 'voucher' | 'other';

/** A configured way to pay. Only tenders with `allowsChange` may exceed what is due. */
export interface TenderType {
  /** stable id, e.g. "cash", "visa", "gift-card" */
  readonly type: string;
  readonly kind: TenderKind;
  readonly label: string;
  /** may be over-tendered, the excess given back as change (cash) */
  readonly allowsChange: boolean;
  /** payments in this tender are rounded to the currency's cash step */
  readonly cashRounding: boolean;
}

/** A payment (positive) or refund (negative) in one tender. */
export interface Tender {
  readonly id: string;
  readonly type: string;
  readonly kind: TenderKind;
  readonly amount: number;
  /** card authorisation, voucher number, ... */
  readonly reference: string | undefined;
  /** copied from the tender type when the tender was taken, so the record explains itself */
  readonly allowsChange: boolean;
  readonly cashRounding: boolean;
}

/** Everything that happened to a transaction before completion, in order. Nothing is deleted. */
export type SaleEvent =
  | { readonly type: 'line_added'; readonly at: string; readonly lineId: string }
  | {
      readonly type: 'line_voided';
      readonly at: string;
      readonly lineId: string;
      readonly reason: string;
      readonly line: LineInput;
    }
  | { readonly type: 'order_discount_added'; readonly at: string; readonly discount: DiscountInput }
  | { readonly type: 'service_charge_added'; readonly at: string; readonly chargeId: string }
  | { readonly type: 'tendering_started'; readonly at: string }
  | { readonly type: 'tender_added'; readonly at: string; readonly tenderId: string }
  | { readonly type: 'tender_voided'; readonly at: string; readonly tenderId: string; readonly reason: string }
  | { readonly type: 'completed'; readonly at: string }
  | { readonly type: 'voided'; readonly at: string; readonly reason: string };

/** A link from a return line to the sale line it gives back. */
export interface ReturnLineLink {
  readonly lineId: string;
  readonly sourceLineId: string;
  /** canonical decimal string of the quantity returned */
  readonly quantity: string;
}

export interface ReturnReference {
  readonly transactionId: string;
  readonly sequence: number;
  readonly receiptNumber: number;
  readonly lines: readonly ReturnLineLink[];
}

interface TransactionBase {
  readonly id: string;
  readonly tillId: string;
  readonly kind: 'sale' | 'return';
  readonly currency: string;
  readonly operator: string | undefined;
  /** training transactions are journaled but move no totals or counters */
  readonly training: boolean;
  readonly openedAt: string;
  readonly taxes: readonly TaxRateInput[];
  readonly policy: TaxPolicy;
  readonly events: readonly SaleEvent[];
}

/** A sale or return being rung up. Change it only through the lifecycle functions. */
export interface DraftTransaction extends TransactionBase {
  readonly status: 'open' | 'tendering';
  readonly lines: readonly LineInput[];
  readonly orderDiscounts: readonly DiscountInput[];
  readonly serviceCharges: readonly ServiceChargeInput[];
  readonly tenders: readonly Tender[];
  /** for returns: the priced lines replayed from the source (never re-priced) */
  readonly returnOf: ReturnReference | undefined;
  readonly returnPriced: PricedSale | undefined;
}

/**
 * A completed sale or return: immutable. `sequence` is the till's gapless journal sequence and
 * `receiptNumber` the gapless receipt counter (training receipts get 0).
 * Balance: sum(tenders) - change === priced.total + cashRounding.
 */
export interface CompletedTransaction extends TransactionBase {
  readonly status: 'completed';
  readonly sequence: number;
  readonly receiptNumber: number;
  readonly completedAt: string;
  readonly priced: PricedSale;
  readonly tenders: readonly Tender[];
  /** change given back in cash (>= 0; for a return, always 0) */
  readonly change: number;
  /** signed cash rounding adjustment: EUR/CHF 9.99 paid in cash as 10.00 is +1 */
  readonly cashRounding: number;
  /** what the customer paid (sale, > 0) or was refunded (return, < 0): priced.total + cashRounding */
  readonly amountDue: number;
  readonly returnOf: ReturnReference | undefined;
}

/** A transaction abandoned before completion. It is journaled as a void and moves no totals. */
export interface VoidedTransaction extends TransactionBase {
  readonly status: 'voided';
  readonly sequence: number;
  readonly voidedAt: string;
  readonly reason: string;
  readonly lines: readonly LineInput[];
}

export type Transaction = DraftTransaction | CompletedTransaction | VoidedTransaction;

export type { DiscountInput, LineInput, ServiceChargeInput, TaxRateInput };
