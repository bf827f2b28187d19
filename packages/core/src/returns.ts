import { z } from 'zod';
import { formatDecimal, parseDecimal, POWERS_OF_TEN, type ScaledDecimal } from './decimal';
import { ErrorCode, StateError, ValidationError } from './errors';
import {
  DecimalInputSchema,
  type LineTax,
  type PricedLine,
  type PricedSale,
  type PricedServiceCharge,
  type TaxBucket,
} from './pricing-schema';
import { mulDivRound, type RoundingMode } from './rounding';
import type { CompletedTransaction, DraftTransaction, ReturnLineLink } from './transaction';
import { uuidv7 } from './uuid';
import { parseInput } from './validate';

const OpenReturnSchema = z.object({
  id: z.string().min(1).max(128).optional(),
  lines: z
    .array(z.object({ sourceLineId: z.string().min(1), quantity: DecimalInputSchema }))
    .min(1, { message: 'name at least one line to return' }),
  operator: z.string().min(1).max(128).optional(),
  at: z.iso.datetime({ offset: true }).optional(),
});

export interface OpenReturnInput {
  /** the completed sale being returned */
  source: CompletedTransaction;
  /** every completed return already made against this sale (from your store) */
  priorReturns?: readonly CompletedTransaction[];
  /** what comes back: the sale line and how much of it */
  lines: readonly { sourceLineId: string; quantity: string | number }[];
  id?: string;
  operator?: string;
  at?: string;
}

/** Quantities of one line on a common integer scale. */
interface LineQuantities {
  readonly sold: number;
  readonly before: number;
  readonly now: number;
}

/** The part of a stored amount that belongs to quantity `now` after `before` was already returned. */
function share(amount: number, q: LineQuantities, mode: RoundingMode): number {
  const upTo = mulDivRound(amount, q.before + q.now, q.sold, mode);
  const already = mulDivRound(amount, q.before, q.sold, mode);
  return upTo - already;
}

const neg = (n: number): number => -n || 0;

function onScale(d: ScaledDecimal, scale: number): number {
  return d.units * (POWERS_OF_TEN[scale - d.scale] as number);
}

function replayLine(line: PricedLine, q: LineQuantities, quantity: string, mode: RoundingMode): PricedLine {
  const total = share(line.total, q, mode);
  const taxes: LineTax[] = line.taxes.map((t) => ({
    ...t,
    taxable: neg(share(t.taxable, q, mode)),
    amount: neg(share(t.amount, q, mode)),
  }));
  const discounts = line.discounts.map((d) => ({ ...d, amount: neg(share(d.amount, q, mode)) }));
  const taxSum = taxes.reduce((s, t) => s + t.amount, 0);
  const additive = taxes.reduce((s, t) => s + (t.inclusive ? 0 : t.amount), 0);
  const lineDiscount = discounts.reduce((s, d) => s + (d.scope === 'line' ? d.amount : 0), 0);
  const orderDiscount = discounts.reduce((s, d) => s + (d.scope === 'order' ? d.amount : 0), 0);
  const base = neg(total) - additive;
  return {
    ...line,
    quantity,
    gross: base + lineDiscount + orderDiscount,
    discounts,
    lineDiscount,
    orderDiscount,
    base,
    net: neg(total) - taxSum,
    taxes,
    total: neg(total),
  };
}

function replayCharge(charge: PricedServiceCharge, q: LineQuantities, mode: RoundingMode): PricedServiceCharge {
  const total = neg(share(charge.total, q, mode));
  const taxes = charge.taxes.map((t) => ({
    ...t,
    taxable: neg(share(t.taxable, q, mode)),
    amount: neg(share(t.amount, q, mode)),
  }));
  return { ...charge, net: total - taxes.reduce((s, t) => s + t.amount, 0), taxes, total };
}

function bucketsOf(source: PricedSale, lines: readonly PricedLine[], charges: readonly PricedServiceCharge[]): TaxBucket[] {
  const byId = new Map<string, { net: number; tax: number }>();
  for (const item of [...lines, ...charges]) {
    for (const t of item.taxes) {
      const b = byId.get(t.taxId) ?? { net: 0, tax: 0 };
      b.net += t.taxable;
      b.tax += t.amount;
      byId.set(t.taxId, b);
    }
  }
  return source.taxBuckets
    .filter((b) => byId.has(b.taxId))
    .map((b) => {
      const sums = byId.get(b.taxId) as { net: number; tax: number };
      return { ...b, net: sums.net, tax: sums.tax, gross: sums.net + sums.tax };
    });
}

function returnedBefore(
  source: CompletedTransaction,
  priorReturns: readonly CompletedTransaction[],
): Map<string, ScaledDecimal[]> {
  const seen = new Set<string>();
  const before = new Map<string, ScaledDecimal[]>();
  for (const r of priorReturns) {
    if (r.status !== 'completed' || r.kind !== 'return' || r.returnOf?.transactionId !== source.id) {
      throw new ValidationError(
        ErrorCode.RETURN_SOURCE_MISMATCH,
        `Transaction ${String(r.id)} is not a completed return of sale ${source.id}; pass only the returns made against this sale.`,
      );
    }
    if (seen.has(r.id)) throw new ValidationError(ErrorCode.DUPLICATE_ID, `Return ${r.id} is listed twice in priorReturns.`);
    seen.add(r.id);
    for (const link of r.returnOf.lines) {
      const list = before.get(link.sourceLineId) ?? [];
      list.push(parseDecimal(link.quantity));
      before.set(link.sourceLineId, list);
    }
  }
  return before;
}

/**
 * Opens a return of (part of) a completed sale. Amounts are replayed from what the sale STORED
 * (discount allocations, taxes, rounding), pro-rated cumulatively over all returns of the sale, so
 * returning everything, in one return or several, negates the sale exactly; nothing is re-priced
 * at today's rates. Refund it with negative tenders (cash refunds get their own cash rounding),
 * then complete it with completeSale().
 */
export function openReturn(input: OpenReturnInput): DraftTransaction {
  const { source } = input;
  if (typeof source !== 'object' || source === null || source.status !== 'completed' || source.kind !== 'sale') {
    throw new StateError(
      ErrorCode.INVALID_STATE,
      'Only a completed sale can be returned; returns of returns and open or voided transactions cannot.',
    );
  }
  const data = parseInput(
    OpenReturnSchema,
    { id: input.id, lines: input.lines, operator: input.operator, at: input.at },
    'return',
  );
  const before = returnedBefore(source, input.priorReturns ?? []);
  const mode = source.policy.mode;
  const requested = new Set<string>();
  for (const r of data.lines) {
    if (requested.has(r.sourceLineId))
      throw new ValidationError(
        ErrorCode.DUPLICATE_ID,
        `Line ${r.sourceLineId} is named twice in this return; name each line once with its total quantity.`,
      );
    if (!source.priced.lines.some((l) => l.id === r.sourceLineId)) {
      throw new ValidationError(ErrorCode.LINE_NOT_FOUND, `Sale ${source.id} has no line ${JSON.stringify(r.sourceLineId)}.`, {
        details: { lineId: r.sourceLineId },
      });
    }
    requested.add(r.sourceLineId);
  }
  const lines: PricedLine[] = [];
  const links: ReturnLineLink[] = [];
  let soldLineTotal = 0;
  let returnedLineTotalBefore = 0;
  let fullBefore = true;
  let fullAfter = true;
  for (const l of source.priced.lines) soldLineTotal += l.total;

  for (const line of source.priced.lines) {
    const sold = parseDecimal(line.quantity);
    const prior = before.get(line.id) ?? [];
    const wanted = data.lines.find((r) => r.sourceLineId === line.id);
    const asked = wanted ? parseDecimal(wanted.quantity, `quantity to return of line ${line.id}`) : undefined;
    const scale = Math.max(sold.scale, asked?.scale ?? 0, ...prior.map((p) => p.scale));
    const q: LineQuantities = {
      sold: onScale(sold, scale),
      before: prior.reduce((s, p) => s + onScale(p, scale), 0),
      now: asked ? onScale(asked, scale) : 0,
    };
    returnedLineTotalBefore += mulDivRound(line.total, q.before, q.sold, mode);
    fullBefore &&= q.before === q.sold;
    fullAfter &&= q.before + q.now >= q.sold;
    if (!wanted || !asked) continue;
    if (q.now <= 0)
      throw new ValidationError(ErrorCode.INVALID_DECIMAL, `The quantity to return of line ${line.id} must be greater than 0.`);
    if (q.before + q.now > q.sold) {
      const left = formatDecimal({ units: q.sold - q.before, scale });
      throw new ValidationError(
        ErrorCode.RETURN_EXCEEDS_QUANTITY,
        `Line ${line.id} (${line.name}) has ${left} left to return (sold ${line.quantity}); ${formatDecimal(asked)} was asked.`,
        { details: { lineId: line.id, sold: line.quantity, returnable: left, requested: formatDecimal(asked) } },
      );
    }
    const quantity = formatDecimal(asked);
    lines.push(replayLine(line, q, quantity, mode));
    links.push({ lineId: line.id, sourceLineId: line.id, quantity });
  }
  // Service charges and document rounding follow the share of the sale's line value returned.
  const returnedNow = lines.reduce((s, l) => s - l.total, 0);
  // A sale whose lines are all free (total 0) gives its charges back only with its last item.
  const whole: LineQuantities =
    soldLineTotal !== 0
      ? { sold: soldLineTotal, before: returnedLineTotalBefore, now: returnedNow }
      : { sold: 1, before: fullBefore ? 1 : 0, now: fullAfter && !fullBefore ? 1 : 0 };
  const serviceCharges = source.priced.serviceCharges.map((c) => replayCharge(c, whole, mode));
  const roundingAdjustment = neg(share(source.priced.roundingAdjustment, whole, mode));
  const sumOf = (items: readonly { total: number }[]) => items.reduce((s, i) => s + i.total, 0);
  const priced: PricedSale = {
    ...source.priced,
    lines,
    serviceCharges,
    taxBuckets: bucketsOf(source.priced, lines, serviceCharges),
    subtotal: lines.reduce((s, l) => s + l.gross, 0),
    discountTotal: lines.reduce((s, l) => s + l.lineDiscount + l.orderDiscount, 0),
    netTotal: lines.reduce((s, l) => s + l.net, 0) + serviceCharges.reduce((s, c) => s + c.net, 0),
    taxTotal: [...lines, ...serviceCharges].reduce((s, i) => s + i.taxes.reduce((t, x) => t + x.amount, 0), 0),
    serviceChargeTotal: sumOf(serviceCharges),
    roundingAdjustment,
    total: sumOf(lines) + sumOf(serviceCharges) + roundingAdjustment,
  };
  const at = data.at ?? new Date().toISOString();
  return Object.freeze({
    id: data.id ?? uuidv7({ now: Date.parse(at) }),
    tillId: source.tillId,
    kind: 'return' as const,
    currency: source.currency,
    operator: data.operator,
    training: source.training,
    openedAt: at,
    taxes: source.taxes,
    policy: source.policy,
    events: [],
    status: 'open' as const,
    lines: [],
    orderDiscounts: [],
    serviceCharges: [],
    tenders: [],
    returnOf: { transactionId: source.id, sequence: source.sequence, receiptNumber: source.receiptNumber, lines: links },
    returnPriced: priced,
  });
}
