import {
  journalBodyForTransaction,
  priceSale,
  TillkitError,
  type CompletedTransaction,
  type JournalEntry,
  type LineInput,
  type PricedSale,
  type PricingInput,
  type ServiceChargeInput,
} from '@tillkit/core';
import { PushRejectCode } from '@tillkit/sync-client/protocol';
import { z } from 'zod';
import { stableStringify } from './stable-json';

/** Why a pushed transaction was refused: its totals, or its shape. */
export type TransactionVerdict =
  | { ok: true }
  | { ok: false; code: typeof PushRejectCode.TOTALS_MISMATCH | typeof PushRejectCode.INVALID_EVENT; message: string };

const int = z.number().int();
const lineTaxSchema = z.looseObject({ taxId: z.string(), inclusive: z.boolean(), taxable: int, amount: int });
const pricedLineSchema = z.looseObject({
  id: z.string(),
  sku: z.string().optional(),
  name: z.string(),
  unitPrice: int,
  quantity: z.string(),
  unit: z.string().optional(),
  modifierUnitPrice: int,
  gross: int,
  discounts: z.array(z.looseObject({ amount: int })),
  base: int,
  net: int,
  taxes: z.array(lineTaxSchema),
  total: int,
});
const pricedChargeSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  phase: z.enum(['BEFORE_TAX', 'AFTER_TAX']),
  net: int,
  taxes: z.array(lineTaxSchema),
  total: int,
});
const pricedSchema = z.looseObject({
  lines: z.array(pricedLineSchema),
  serviceCharges: z.array(pricedChargeSchema),
  taxBuckets: z.array(z.looseObject({ taxId: z.string(), net: int, tax: int, gross: int })),
  taxTotal: int,
  roundingAdjustment: int,
  total: int,
  documentRounding: z.looseObject({ increment: int, mode: z.string() }).optional(),
});
const transactionSchema = z.looseObject({
  kind: z.enum(['sale', 'return']),
  currency: z.string(),
  taxes: z.array(z.unknown()),
  policy: z.unknown(),
  priced: pricedSchema,
  tenders: z.array(z.looseObject({ amount: int })),
  change: int,
  cashRounding: int,
  amountDue: int,
});
type CheckedTransaction = z.infer<typeof transactionSchema>;
type Priced = CheckedTransaction['priced'];

const mismatch = (message: string): TransactionVerdict => ({ ok: false, code: PushRejectCode.TOTALS_MISMATCH, message });
const invalid = (message: string): TransactionVerdict => ({ ok: false, code: PushRejectCode.INVALID_EVENT, message });
const sumOf = <T>(items: readonly T[], f: (item: T) => number): number => items.reduce((s, i) => s + f(i), 0);

/**
 * Checks a pushed sale or return against its journal entry with @tillkit/core:
 * - a sale is priced again from what it stored (unit prices, quantities, modifiers, the discount
 *   amounts on each line, service charge amounts, taxes, policy, document rounding) and every
 *   line, charge, tax bucket and the total must come out the same;
 * - a return (replayed from its sale, never re-priced) must add up: lines, charges and rounding to
 *   the total, net + taxes to each line, taxes to the tax total and buckets, and refund, not charge;
 * - both must balance (tenders - change = total + cash rounding = amount due) and be exactly what
 *   the entry records (journalBodyForTransaction gives the entry's total, rates and payments).
 */
export function checkTransaction(raw: unknown, entry: JournalEntry): TransactionVerdict {
  const parsed = transactionSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return invalid(
      `The transaction is not a completed sale or return (${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}).`,
    );
  }
  const tx = parsed.data;
  try {
    const totals = tx.kind === 'sale' ? checkSaleTotals(tx) : checkReturnTotals(tx.priced);
    if (!totals.ok) return totals;
    const balance = checkBalance(tx);
    if (!balance.ok) return balance;
    return checkEntry(raw as CompletedTransaction, entry);
  } catch (error) {
    const text = TillkitError.isInstance(error) || error instanceof Error ? error.message : String(error);
    return invalid(`The transaction cannot be checked with @tillkit/core: ${text}`);
  }
}

/** The pricing input that gives a completed sale's stored amounts back: every discount and charge as the amount it came to. */
export function repricingInput(tx: CheckedTransaction): PricingInput {
  const priced = tx.priced;
  const lines = priced.lines.map((l): LineInput => {
    const discount = sumOf(l.discounts, (d) => d.amount);
    return {
      id: l.id,
      ...(l.sku === undefined ? {} : { sku: l.sku }),
      name: l.name,
      unitPrice: l.unitPrice,
      quantity: l.quantity,
      ...(l.unit === undefined ? {} : { unit: l.unit }),
      ...(l.modifierUnitPrice > 0 ? { modifiers: [{ name: 'modifiers', unitPrice: l.modifierUnitPrice }] } : {}),
      ...(discount > 0 ? { discounts: [{ kind: 'amount' as const, amount: discount }] } : {}),
      taxIds: l.taxes.map((t) => t.taxId),
    };
  });
  const serviceCharges = priced.serviceCharges.map((c): ServiceChargeInput => {
    if (c.phase === 'AFTER_TAX') return { id: c.id, name: c.name, phase: c.phase, charge: { kind: 'amount', amount: c.total } };
    const additive = sumOf(c.taxes, (t) => (t.inclusive ? 0 : t.amount));
    return {
      id: c.id,
      name: c.name,
      phase: c.phase,
      charge: { kind: 'amount', amount: c.total - additive },
      taxIds: c.taxes.map((t) => t.taxId),
    };
  });
  return {
    currency: tx.currency,
    lines,
    serviceCharges,
    taxes: tx.taxes as PricingInput['taxes'],
    policy: tx.policy as PricingInput['policy'],
    ...(priced.documentRounding === undefined
      ? {}
      : { documentRounding: priced.documentRounding as PricingInput['documentRounding'] }),
  };
}

function checkSaleTotals(tx: CheckedTransaction): TransactionVerdict {
  let again: PricedSale;
  try {
    again = priceSale(repricingInput(tx));
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    return invalid(`The sale cannot be priced again from its lines: ${text}`);
  }
  const priced = tx.priced;
  if (again.lines.length !== priced.lines.length)
    return mismatch('The sale has a different number of priced lines than it was rung with.');
  for (let i = 0; i < priced.lines.length; i++) {
    const stored = priced.lines[i]!;
    const line = again.lines[i]!;
    for (const field of ['gross', 'base', 'net', 'total'] as const) {
      if (stored[field] !== line[field]) {
        return mismatch(
          `Line ${stored.id} stores ${field} ${stored[field]}; @tillkit/core computes ${line[field]} from its unit price, quantity and discounts.`,
        );
      }
    }
    if (
      stableStringify(stored.taxes.map((t) => [t.taxId, t.amount])) !==
      stableStringify(line.taxes.map((t) => [t.taxId, t.amount]))
    ) {
      return mismatch(`Line ${stored.id} stores other taxes than @tillkit/core computes for it.`);
    }
  }
  for (let i = 0; i < priced.serviceCharges.length; i++) {
    const stored = priced.serviceCharges[i]!;
    const charge = again.serviceCharges[i];
    if (charge === undefined || charge.total !== stored.total || charge.net !== stored.net) {
      return mismatch(`Service charge ${stored.id} does not add up with its taxes.`);
    }
  }
  if (again.taxTotal !== priced.taxTotal) {
    return mismatch(
      `The sale stores a tax total of ${priced.taxTotal}; @tillkit/core computes ${again.taxTotal} from its lines.`,
    );
  }
  const buckets = (list: readonly { taxId: string; net: number; tax: number; gross: number }[]) =>
    stableStringify(list.map((b) => [b.taxId, b.net, b.tax, b.gross]));
  if (buckets(again.taxBuckets) !== buckets(priced.taxBuckets)) {
    return mismatch('The sale stores other tax buckets than @tillkit/core computes from its lines.');
  }
  if (again.total !== priced.total) {
    return mismatch(`The sale stores a total of ${priced.total}; @tillkit/core computes ${again.total} from its lines.`);
  }
  return { ok: true };
}

function checkReturnTotals(priced: Priced): TransactionVerdict {
  for (const line of priced.lines) {
    const taxes = sumOf(line.taxes, (t) => t.amount);
    if (line.net + taxes !== line.total) {
      return mismatch(`Return line ${line.id}: net ${line.net} + taxes ${taxes} is not its total ${line.total}.`);
    }
    if (line.total > 0) return mismatch(`Return line ${line.id} charges ${line.total}; a return only refunds.`);
  }
  for (const charge of priced.serviceCharges) {
    const taxes = sumOf(charge.taxes, (t) => t.amount);
    if (charge.net + taxes !== charge.total) {
      return mismatch(
        `Returned service charge ${charge.id}: net ${charge.net} + taxes ${taxes} is not its total ${charge.total}.`,
      );
    }
  }
  const total = sumOf(priced.lines, (l) => l.total) + sumOf(priced.serviceCharges, (c) => c.total) + priced.roundingAdjustment;
  if (total !== priced.total) {
    return mismatch(`The return stores a total of ${priced.total}; its lines, charges and rounding add up to ${total}.`);
  }
  const items = [...priced.lines, ...priced.serviceCharges];
  const taxTotal = sumOf(items, (i) => sumOf(i.taxes, (t) => t.amount));
  if (taxTotal !== priced.taxTotal) {
    return mismatch(`The return stores a tax total of ${priced.taxTotal}; its lines and charges add up to ${taxTotal}.`);
  }
  for (const bucket of priced.taxBuckets) {
    let net = 0;
    let tax = 0;
    for (const i of items) {
      for (const t of i.taxes) {
        if (t.taxId !== bucket.taxId) continue;
        net += t.taxable;
        tax += t.amount;
      }
    }
    if (bucket.net !== net || bucket.tax !== tax || bucket.gross !== net + tax) {
      return mismatch(`The return's tax bucket ${bucket.taxId} does not add up from its lines.`);
    }
  }
  return { ok: true };
}

function checkBalance(tx: CheckedTransaction): TransactionVerdict {
  if (tx.amountDue !== tx.priced.total + tx.cashRounding) {
    return mismatch(
      `The amount due ${tx.amountDue} is not the total ${tx.priced.total} plus the cash rounding ${tx.cashRounding}.`,
    );
  }
  const tendered = sumOf(tx.tenders, (t) => t.amount);
  if (tendered - tx.change !== tx.amountDue) {
    return mismatch(`The tenders (${tendered}) minus change (${tx.change}) do not settle the amount due ${tx.amountDue}.`);
  }
  if (tx.change < 0 || (tx.kind === 'return' && tx.change !== 0)) {
    return mismatch(`A ${tx.kind} cannot give ${tx.change} in change.`);
  }
  return { ok: true };
}

const MONEY_FIELDS = ['total', 'rates', 'payments', 'change', 'cashRounding'] as const;
const RECORD_FIELDS = [
  'type',
  'transactionId',
  'receiptNumber',
  'references',
  'currency',
  'training',
  'startedAt',
  'operator',
  'data',
] as const;

/** The entry must be the journal body core makes of this transaction. */
function checkEntry(tx: CompletedTransaction, entry: JournalEntry): TransactionVerdict {
  const body = journalBodyForTransaction(tx, { sessionId: entry.sessionId, at: entry.endedAt });
  for (const field of MONEY_FIELDS) {
    if (stableStringify(body[field]) !== stableStringify(entry[field])) {
      return mismatch(`The journal entry's ${field} is not what the transaction comes to.`);
    }
  }
  for (const field of RECORD_FIELDS) {
    if (stableStringify(body[field] ?? null) !== stableStringify(entry[field] ?? null)) {
      return invalid(`The journal entry's ${field} does not match the transaction it carries.`);
    }
  }
  return { ok: true };
}
