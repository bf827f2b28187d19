import { z } from 'zod';
import { ErrorCode, MoneyError, StateError, ValidationError } from './errors';
import { journalBodyForTransaction, type JournalEntry } from './journal';
import { CurrencyCodeSchema, MinorUnitsSchema, money, toDecimalString } from './money';
import { priceSaleTrusted } from './pricing';
import {
  DiscountSchema,
  LineInputSchema,
  ServiceChargeSchema,
  TaxRateSchema,
  type DiscountInput,
  type LineInput,
  type PricedSale,
  type ServiceChargeInput,
} from './pricing-schema';
import { DEFAULT_TAX_POLICY, TaxPolicySchema } from './tax-policy';
import {
  amountToSettle,
  checkNewTender,
  DEFAULT_TENDER_TYPES,
  findTenderType,
  settle,
  TenderTypeSchema,
  type Settlement,
} from './tenders';
import { nextReceiptNumber, recordJournalEntry, type TillState } from './till';
import type {
  CompletedTransaction,
  DraftTransaction,
  SaleEvent,
  Tender,
  TenderType,
  Transaction,
  VoidedTransaction,
} from './transaction';
import { uuidv7 } from './uuid';
import { parseInput } from './validate';

const IsoTimeSchema = z.iso.datetime({ offset: true });
const IdSchema = z.string().min(1).max(128);

const OpenSaleSchema = z.object({
  id: IdSchema.optional(),
  tillId: IdSchema,
  currency: CurrencyCodeSchema,
  taxes: z.array(TaxRateSchema).max(64),
  policy: TaxPolicySchema.optional(),
  operator: z.string().min(1).max(128).optional(),
  training: z.boolean().optional(),
  at: IsoTimeSchema.optional(),
});
export type OpenSaleInput = z.input<typeof OpenSaleSchema>;

const AtSchema = z.object({ at: IsoTimeSchema.optional() }).optional();
const ReasonSchema = z.object({ reason: z.string().min(1).max(256), at: IsoTimeSchema.optional() });

const TenderInputSchema = z.object({
  id: IdSchema.optional(),
  type: z.string().min(1).max(64),
  /** signed like the transaction; omitted = exactly what remains (cash rounded for cash tenders) */
  amount: MinorUnitsSchema.optional(),
  reference: z.string().max(128).optional(),
});
export type TenderInput = z.input<typeof TenderInputSchema>;

const TenderOptionsSchema = z
  .object({ at: IsoTimeSchema.optional(), tenderTypes: z.array(TenderTypeSchema).min(1).optional() })
  .optional();

const nowIso = (at: string | undefined): string => at ?? new Date().toISOString();

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function isDraft(tx: unknown): tx is DraftTransaction {
  return (
    typeof tx === 'object' && tx !== null && ((tx as Transaction).status === 'open' || (tx as Transaction).status === 'tendering')
  );
}

function requireDraft(
  tx: Transaction,
  action: string,
  allowed: readonly DraftTransaction['status'][] = ['open', 'tendering'],
): DraftTransaction {
  if (!isDraft(tx)) {
    const status = typeof tx === 'object' && tx !== null ? String((tx as { status?: unknown }).status) : typeof tx;
    throw new StateError(
      ErrorCode.INVALID_STATE,
      `Cannot ${action}: the transaction is ${status}. Completed and voided transactions never change; ring a return or a new sale instead.`,
      { details: { status } },
    );
  }
  if (!allowed.includes(tx.status)) {
    const hint = tx.status === 'tendering' ? ' Void its tenders and reopen it with reopenSale() first.' : '';
    throw new StateError(ErrorCode.INVALID_STATE, `Cannot ${action} while the transaction is ${tx.status}.${hint}`, {
      details: { status: tx.status },
    });
  }
  return tx;
}

function withEvent(tx: DraftTransaction, event: SaleEvent, changes: Partial<DraftTransaction>): DraftTransaction {
  return deepFreeze({ ...tx, ...changes, events: [...tx.events, event] });
}

/** Prices a draft from its current lines, discounts and charges (returns replay their stored amounts). */
export function getPricing(tx: DraftTransaction | CompletedTransaction): PricedSale {
  if (tx.status === 'completed') return tx.priced;
  const draft = requireDraft(tx, 'price the transaction');
  if (draft.returnPriced) return draft.returnPriced;
  return priceSaleTrusted({
    currency: draft.currency,
    lines: draft.lines as LineInput[],
    orderDiscounts: draft.orderDiscounts as DiscountInput[],
    serviceCharges: draft.serviceCharges as ServiceChargeInput[],
    taxes: [...draft.taxes],
    policy: draft.policy,
  });
}

/** Totals and how far the tenders go: what the till shows while a sale is rung up. */
export function getSettlement(tx: DraftTransaction): Settlement {
  const draft = requireDraft(tx, 'settle the transaction');
  return settle(getPricing(draft).total, draft.tenders, draft.currency);
}

/**
 * Opens a sale. Its id is a client UUIDv7 (pass `id` to choose it); the gapless sequence and
 * receipt number are assigned when it completes.
 */
export function openSale(input: OpenSaleInput): DraftTransaction {
  const data = parseInput(OpenSaleSchema, input, 'sale');
  const at = nowIso(data.at);
  const draft: DraftTransaction = {
    id: data.id ?? uuidv7({ now: Date.parse(at) }),
    tillId: data.tillId,
    kind: 'sale',
    currency: data.currency,
    operator: data.operator,
    training: data.training ?? false,
    openedAt: at,
    taxes: data.taxes,
    policy: data.policy ?? DEFAULT_TAX_POLICY,
    events: [],
    status: 'open',
    lines: [],
    orderDiscounts: [],
    serviceCharges: [],
    tenders: [],
    returnOf: undefined,
    returnPriced: undefined,
  };
  return deepFreeze(draft);
}

/** Adds a line. The sale is re-priced at once, so a bad line (unknown tax, ...) is refused here. */
export function addLine(tx: DraftTransaction, line: LineInput, options?: { at?: string }): DraftTransaction {
  const draft = requireDraft(tx, 'add a line', ['open']);
  if (draft.kind === 'return')
    throw new StateError(
      ErrorCode.INVALID_STATE,
      'Lines of a return come from the sale it returns; open a new return with the lines to give back.',
    );
  const parsed = parseInput(LineInputSchema, line, 'line');
  const { at } = parseInput(AtSchema, options, 'options') ?? {};
  if (draft.lines.some((l) => l.id === parsed.id)) {
    throw new ValidationError(
      ErrorCode.DUPLICATE_ID,
      `A line with id ${JSON.stringify(parsed.id)} is already on this sale; give every line its own id.`,
    );
  }
  const next = withEvent(draft, { type: 'line_added', at: nowIso(at), lineId: parsed.id }, { lines: [...draft.lines, parsed] });
  getPricing(next);
  return next;
}

/** Voids a line before completion. The void is kept as an event with the line as it was. */
export function voidLine(tx: DraftTransaction, lineId: string, options: { reason: string; at?: string }): DraftTransaction {
  const draft = requireDraft(tx, 'void a line', ['open']);
  const { reason, at } = parseInput(ReasonSchema, options, 'void options');
  const line = draft.lines.find((l) => l.id === lineId);
  if (!line)
    throw new ValidationError(ErrorCode.LINE_NOT_FOUND, `No line ${JSON.stringify(lineId)} on this transaction to void.`, {
      details: { lineId },
    });
  return withEvent(
    draft,
    { type: 'line_voided', at: nowIso(at), lineId, reason, line },
    { lines: draft.lines.filter((l) => l !== line) },
  );
}

/** Adds an order discount; it is allocated over the lines when priced and stored on each. */
export function addOrderDiscount(tx: DraftTransaction, discount: DiscountInput, options?: { at?: string }): DraftTransaction {
  const draft = requireDraft(tx, 'add an order discount', ['open']);
  if (draft.kind === 'return')
    throw new StateError(ErrorCode.INVALID_STATE, 'A return replays the discounts of its sale; it takes no new ones.');
  const parsed = parseInput(DiscountSchema, discount, 'discount');
  const { at } = parseInput(AtSchema, options, 'options') ?? {};
  const next = withEvent(
    draft,
    { type: 'order_discount_added', at: nowIso(at), discount: parsed },
    { orderDiscounts: [...draft.orderDiscounts, parsed] },
  );
  getPricing(next);
  return next;
}

/** Adds a service charge or tip (see ServiceChargeInput for phases). */
export function addServiceCharge(tx: DraftTransaction, charge: ServiceChargeInput, options?: { at?: string }): DraftTransaction {
  const draft = requireDraft(tx, 'add a service charge', ['open']);
  if (draft.kind === 'return')
    throw new StateError(ErrorCode.INVALID_STATE, 'A return replays the service charges of its sale; it takes no new ones.');
  const parsed = parseInput(ServiceChargeSchema, charge, 'service charge');
  const { at } = parseInput(AtSchema, options, 'options') ?? {};
  if (draft.serviceCharges.some((c) => c.id === parsed.id)) {
    throw new ValidationError(
      ErrorCode.DUPLICATE_ID,
      `A service charge with id ${JSON.stringify(parsed.id)} is already on this sale.`,
    );
  }
  const next = withEvent(
    draft,
    { type: 'service_charge_added', at: nowIso(at), chargeId: parsed.id },
    { serviceCharges: [...draft.serviceCharges, parsed] },
  );
  getPricing(next);
  return next;
}

/** Freezes the lines and starts taking tenders. addTender() does this by itself. */
export function startTendering(tx: DraftTransaction, options?: { at?: string }): DraftTransaction {
  const draft = requireDraft(tx, 'start tendering', ['open']);
  const { at } = parseInput(AtSchema, options, 'options') ?? {};
  if (getPricing(draft).lines.length === 0)
    throw new StateError(ErrorCode.INVALID_STATE, 'Add at least one line before taking payment.');
  return withEvent(draft, { type: 'tendering_started', at: nowIso(at) }, { status: 'tendering' });
}

/** Goes back from tendering to editing lines; only while no tender is active. */
export function reopenSale(tx: DraftTransaction): DraftTransaction {
  const draft = requireDraft(tx, 'reopen the transaction', ['tendering']);
  if (draft.tenders.length > 0)
    throw new StateError(ErrorCode.INVALID_STATE, 'Void the tenders taken before changing the lines.');
  return deepFreeze({ ...draft, status: 'open' as const });
}

/**
 * Takes a payment (sale, positive amount) or gives a refund (return, negative amount) in one
 * tender. Without `amount` it tenders exactly what remains, cash-rounded for cash. Card and other
 * exact tenders may not exceed what remains; only tenders that allow change may.
 */
export function addTender(
  tx: DraftTransaction,
  input: TenderInput,
  options?: { at?: string; tenderTypes?: readonly TenderType[] },
): DraftTransaction {
  let draft = requireDraft(tx, 'take a tender');
  const data = parseInput(TenderInputSchema, input, 'tender');
  const opts = parseInput(TenderOptionsSchema, options, 'tender options') ?? {};
  const type = findTenderType(opts.tenderTypes ?? DEFAULT_TENDER_TYPES, data.type);
  const at = nowIso(opts.at);
  if (draft.status === 'open') draft = startTendering(draft, { at });
  const total = getPricing(draft).total;
  const amount = data.amount ?? amountToSettle(total, draft.tenders, type, draft.currency);
  if (data.amount === undefined && amount === 0)
    throw new StateError(ErrorCode.OVER_TENDER, 'Nothing remains to be tendered; complete the transaction.');
  const tender: Tender = {
    id: data.id ?? `${draft.id}:t${draft.tenders.length + 1}`,
    type: type.type,
    kind: type.kind,
    amount,
    reference: data.reference,
    allowsChange: type.allowsChange,
    cashRounding: type.cashRounding,
  };
  if (draft.tenders.some((t) => t.id === tender.id))
    throw new ValidationError(ErrorCode.DUPLICATE_ID, `A tender with id ${JSON.stringify(tender.id)} was already taken.`);
  checkNewTender(total, draft.tenders, tender, draft.currency);
  return withEvent(draft, { type: 'tender_added', at, tenderId: tender.id }, { tenders: [...draft.tenders, tender] });
}

/** Voids a tender taken in error (for example a declined card recorded by hand). */
export function voidTender(tx: DraftTransaction, tenderId: string, options: { reason: string; at?: string }): DraftTransaction {
  const draft = requireDraft(tx, 'void a tender', ['tendering']);
  const { reason, at } = parseInput(ReasonSchema, options, 'void options');
  if (!draft.tenders.some((t) => t.id === tenderId))
    throw new ValidationError(ErrorCode.LINE_NOT_FOUND, `No tender ${JSON.stringify(tenderId)} on this transaction.`);
  return withEvent(
    draft,
    { type: 'tender_voided', at: nowIso(at), tenderId, reason },
    { tenders: draft.tenders.filter((t) => t.id !== tenderId) },
  );
}

/** What a finished (completed or voided) transaction keeps of its draft. */
function recordOf(draft: DraftTransaction) {
  const { id, tillId, kind, currency, operator, training, openedAt, taxes, policy } = draft;
  return { id, tillId, kind, currency, operator, training, openedAt, taxes, policy };
}

export interface Completion<T> {
  readonly transaction: T;
  readonly till: TillState;
  readonly entry: JournalEntry;
}

function checkTill(draft: DraftTransaction, till: TillState): void {
  if (till.tillId !== draft.tillId) {
    throw new ValidationError(
      ErrorCode.VALIDATION_FAILED,
      `This transaction belongs to till ${draft.tillId}, not ${till.tillId}.`,
    );
  }
  if (till.currency !== draft.currency) {
    throw new MoneyError(
      ErrorCode.CURRENCY_MISMATCH,
      `The till keeps its books in ${till.currency}; this transaction is in ${draft.currency}.`,
    );
  }
  if (!till.session)
    throw new StateError(
      ErrorCode.SESSION_NOT_OPEN,
      'Open a cash session (openSession) before completing transactions on this till.',
    );
}

/**
 * Completes a balanced sale or return: assigns the till's next gapless sequence and receipt
 * number (training receipts get 0), freezes the transaction, and journals it. Returns the
 * immutable transaction, the journal entry and the till's next state: store all three together.
 */
export function completeSale(tx: DraftTransaction, till: TillState, options?: { at?: string }): Completion<CompletedTransaction> {
  const draft = requireDraft(tx, 'complete the transaction');
  const { at: rawAt } = parseInput(AtSchema, options, 'options') ?? {};
  checkTill(draft, till);
  const priced = getPricing(draft);
  if (priced.lines.length === 0)
    throw new StateError(ErrorCode.INVALID_STATE, 'A transaction needs at least one line to complete; void it instead.');
  const s = settle(priced.total, draft.tenders, draft.currency);
  if (!s.balanced) {
    throw new StateError(
      ErrorCode.NOT_BALANCED,
      `The transaction does not balance: ${draft.currency} ${toDecimalString(money(Math.abs(s.remaining), draft.currency))} is still to be ${s.remaining < 0 ? 'refunded' : 'paid'}.`,
      { details: { remaining: s.remaining, total: priced.total } },
    );
  }
  const at = nowIso(rawAt);
  let nextTill = till;
  let receiptNumber = 0;
  if (!draft.training) ({ till: nextTill, receiptNumber } = nextReceiptNumber(till));
  const transaction: CompletedTransaction = deepFreeze({
    ...recordOf(draft),
    events: [...draft.events, { type: 'completed', at }],
    status: 'completed',
    sequence: nextTill.journal.sequence + 1,
    receiptNumber,
    completedAt: at,
    priced,
    tenders: draft.tenders,
    change: s.change,
    cashRounding: s.cashRounding,
    amountDue: priced.total + s.cashRounding,
    returnOf: draft.returnOf,
  });
  const recorded = recordJournalEntry(nextTill, journalBodyForTransaction(transaction, { at }));
  return { transaction, till: recorded.till, entry: recorded.entry };
}

/** Abandons a transaction before completion. It is journaled as a void and moves no totals. */
export function voidSale(
  tx: DraftTransaction,
  till: TillState,
  options: { reason: string; at?: string },
): Completion<VoidedTransaction> {
  const draft = requireDraft(tx, 'void the transaction');
  const { reason, at: rawAt } = parseInput(ReasonSchema, options, 'void options');
  checkTill(draft, till);
  if (draft.tenders.length > 0)
    throw new StateError(ErrorCode.INVALID_STATE, 'Void or refund the tenders taken before voiding the transaction.');
  const at = nowIso(rawAt);
  const transaction: VoidedTransaction = deepFreeze({
    ...recordOf(draft),
    events: [...draft.events, { type: 'voided', at, reason }],
    status: 'voided',
    sequence: till.journal.sequence + 1,
    voidedAt: at,
    reason,
    lines: draft.lines,
  });
  const recorded = recordJournalEntry(till, journalBodyForTransaction(transaction, { at }));
  return { transaction, till: recorded.till, entry: recorded.entry };
}
