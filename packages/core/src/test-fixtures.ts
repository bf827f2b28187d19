/**
 * Shared builders for the package's own tests (not exported from the package).
 * They go through the public lifecycle, so fixtures are real transactions.
 */
import { addLine, addOrderDiscount, addTender, completeSale, getSettlement, openSale, type TenderInput } from './sale';
import { openSession } from './session';
import { createTill, type TillState } from './till';
import type { CompletedTransaction } from './transaction';
import type { JournalEntry } from './journal';
import type { DiscountInput, LineInput, TaxRateInput } from './pricing-schema';
import type { TaxPolicy } from './tax-policy';

export const AT = '2026-03-02T09:00:00.000Z';
export const VAT: TaxRateInput[] = [
  { id: 'vat19', name: 'VAT 19%', code: 'A', rate: '19', inclusive: true },
  { id: 'vat7', name: 'VAT 7%', code: 'B', rate: '7', inclusive: true },
];

export function openTill(currency = 'EUR', tillId = 'till-1'): TillState {
  return openTillWithEntry(currency, tillId).till;
}

/** The opened till and its session_opening journal entry. */
export function openTillWithEntry(currency = 'EUR', tillId = 'till-1'): { till: TillState; entry: JournalEntry } {
  return openSession(createTill({ tillId, currency }), { id: 'session-1', at: AT, float: 0 });
}

export interface RingOptions {
  currency?: string;
  taxes?: TaxRateInput[];
  policy?: TaxPolicy;
  lines: LineInput[];
  orderDiscounts?: DiscountInput[];
  tenders?: TenderInput[];
  training?: boolean;
  id?: string;
}

/** Rings and completes a sale; pays exactly in cash when no tenders are given. */
export function ring(till: TillState, o: RingOptions): { till: TillState; tx: CompletedTransaction; entry: JournalEntry } {
  let sale = openSale({
    tillId: till.tillId,
    currency: o.currency ?? till.currency,
    taxes: o.taxes ?? VAT,
    ...(o.policy ? { policy: o.policy } : {}),
    ...(o.training ? { training: true } : {}),
    ...(o.id ? { id: o.id } : {}),
    at: AT,
  });
  for (const line of o.lines) sale = addLine(sale, line, { at: AT });
  for (const d of o.orderDiscounts ?? []) sale = addOrderDiscount(sale, d, { at: AT });
  const free = getSettlement(sale).total === 0;
  for (const t of free ? [] : (o.tenders ?? [{ type: 'cash' }])) sale = addTender(sale, t, { at: AT });
  const done = completeSale(sale, till, { at: AT });
  return { till: done.till, tx: done.transaction, entry: done.entry };
}
