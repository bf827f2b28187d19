import { z } from 'zod';
import { currencyExponent } from './currency';
import { displayWidth } from './display-width';
import { ErrorCode, StateError, ValidationError } from './errors';
import { CurrencyCodeSchema, formatMoney, money, toDecimalString } from './money';
import type { PricedLine, PricedSale, TaxBucket } from './pricing-schema';
import type { CompletedTransaction, Tender } from './transaction';
import { parseInput } from './validate';
import {
  ReceiptTextSchema,
  LocaleSchema,
  QrDataSchema,
  ReceiptDocumentSchema,
  type ReceiptRole,
  type ReceiptTextBlock,
  type ReceiptColumn,
  type ReceiptBlock,
  type ReceiptDocument,
} from './receipt-document';

export { RECEIPT_ROLES, ReceiptBlockSchema, ReceiptDocumentSchema } from './receipt-document';
export type {
  ReceiptRole,
  ReceiptTextBlock,
  ReceiptColumn,
  ReceiptColumnsBlock,
  ReceiptBlock,
  ReceiptDocument,
} from './receipt-document';

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------

/** Every fixed text the receipt prints, in English. Override any of them with `labels`. */
export const DEFAULT_RECEIPT_LABELS = Object.freeze({
  copy: '*** COPY ***',
  training: '*** TRAINING - NOT A RECEIPT ***',
  return: '*** RETURN ***',
  receipt: 'Receipt',
  date: 'Date',
  till: 'Till',
  operator: 'Operator',
  originalReceipt: 'Original receipt',
  originalTransaction: 'Original transaction',
  extras: 'incl. extras',
  discount: 'Discount',
  subtotal: 'Subtotal',
  discountTotal: 'Total discounts',
  rounding: 'Rounding',
  total: 'TOTAL',
  cashRounding: 'Cash rounding',
  roundedTotal: 'Rounded total',
  change: 'Change',
  reference: 'Ref',
  taxRate: 'Rate',
  net: 'Net',
  tax: 'Tax',
  gross: 'Gross',
});
export type ReceiptLabels = { -readonly [K in keyof typeof DEFAULT_RECEIPT_LABELS]: string };
const LABEL_KEYS = Object.keys(DEFAULT_RECEIPT_LABELS) as [keyof ReceiptLabels, ...(keyof ReceiptLabels)[]];

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

const HeaderSchema = z.strictObject({
  name: ReceiptTextSchema.min(1),
  /** address, VAT id, phone: one line each */
  lines: z.array(ReceiptTextSchema).max(20).optional(),
});

const ReceiptOptionsSchema = z.strictObject({
  /** BCP 47 locale for amounts, quantities and dates (default "en-US") */
  locale: LocaleSchema.optional(),
  /** IANA time zone for the date (default: the runtime's); pass it for output that is the same everywhere */
  timeZone: z.string().refine(isTimeZone, { message: 'must be an IANA time zone such as "Europe/Berlin"' }).optional(),
  header: HeaderSchema.optional(),
  footer: z.array(ReceiptTextSchema).max(20).optional(),
  /** a reprint: prints a COPY banner and never opens the drawer */
  copy: z.boolean().optional(),
  /** a CODE128 barcode of the receipt number (omitted for training, which has none) or the transaction id */
  barcode: z.union([z.enum(['receipt-number', 'transaction-id']), z.literal(false)]).optional(),
  /** a QR code payload, e.g. a URL or a fiscal QR payload */
  qr: QrDataSchema.optional(),
  /** an image reference for the logo, printed first */
  logo: z.string().min(1).max(512).optional(),
  /** kick the cash drawer at the start of the print (ignored for copies) */
  openDrawer: z.boolean().optional(),
  /** labels of tender types by id (pass your TenderType list); unknown types print as "Gift card" for "gift-card" */
  tenderTypes: z
    .array(z.object({ type: z.string().min(1), label: ReceiptTextSchema.min(1).max(64) }))
    .max(100)
    .optional(),
  /** overrides of DEFAULT_RECEIPT_LABELS, e.g. { total: 'SUMME', tax: 'MwSt' } */
  labels: z.partialRecord(z.enum(LABEL_KEYS), ReceiptTextSchema.max(64)).optional(),
});
export type ReceiptOptions = z.input<typeof ReceiptOptionsSchema>;
type ParsedOptions = z.output<typeof ReceiptOptionsSchema>;

// ---------------------------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------------------------

/** Every string a receipt shows, formatted once for a locale and currency. */
interface Formats {
  /** plain decimal in the locale, no currency symbol: "1,234.50" */
  amount(minor: number): string;
  /** like amount, with a sign also when positive: "+0.01" */
  signed(minor: number): string;
  /** with the currency: "€1,234.50" */
  money(minor: number): string;
  /** a decimal string ("1.235") in the locale */
  decimal(value: string): string;
  dateTime(iso: string): string;
}

function decimalPlaces(value: string): number {
  const dot = value.indexOf('.');
  return dot < 0 ? 0 : value.length - dot - 1;
}

function createFormats(locale: string, currency: string, timeZone: string | undefined): Formats {
  const exponent = currencyExponent(currency);
  const fixed = { minimumFractionDigits: exponent, maximumFractionDigits: exponent };
  const plain = new Intl.NumberFormat(locale, fixed);
  const signed = new Intl.NumberFormat(locale, { ...fixed, signDisplay: 'exceptZero' });
  const date = new Intl.DateTimeFormat(locale, {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    ...(timeZone === undefined ? {} : { timeZone }),
  });
  const decimals = new Map<number, Intl.NumberFormat>();
  // Intl formats decimal strings exactly; never divide minor units as floats.
  const exact = (minor: number) => toDecimalString(money(minor, currency)) as unknown as number;
  return {
    amount: (minor) => plain.format(exact(minor)),
    signed: (minor) => signed.format(exact(minor)),
    money: (minor) => formatMoney(money(minor, currency), locale),
    decimal: (value) => {
      const places = decimalPlaces(value);
      let format = decimals.get(places);
      if (!format) {
        format = new Intl.NumberFormat(locale, { minimumFractionDigits: places, maximumFractionDigits: places });
        decimals.set(places, format);
      }
      return format.format(value as unknown as number);
    },
    dateTime: (iso) => {
      const at = new Date(iso);
      return Number.isNaN(at.getTime()) ? iso : date.format(at);
    },
  };
}

/** Text from transaction data (item names, operator): control characters become spaces. */
function clean(text: string): string {
  return text.replace(/\p{Cc}+/gu, ' ');
}

/** "gift-card" -> "Gift card" */
function humanize(id: string): string {
  const words = clean(id).replace(/[-_]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * The code printed next to lines for each tax: its own `code`, else the first free letter from A.
 */
function taxCodes(buckets: readonly TaxBucket[]): Map<string, string> {
  const own = (b: TaxBucket) => (b.code === undefined ? '' : clean(b.code).trim());
  const taken = new Set(buckets.map(own));
  const free = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'].filter((letter) => !taken.has(letter));
  let next = 0;
  return new Map(buckets.map((b) => [b.taxId, own(b) || (free[next++] ?? String(next))]));
}

// ---------------------------------------------------------------------------------------------
// Building
// ---------------------------------------------------------------------------------------------

/** A label with an amount (and a tax code), laid out in shared amount and code columns at the end. */
interface AmountRow {
  readonly type: 'amount-row';
  readonly label: string;
  readonly amount: string;
  readonly code?: string;
  readonly role: ReceiptRole;
  readonly bold?: boolean;
  readonly size?: ReceiptTextBlock['size'];
}

type Draft = ReceiptBlock | AmountRow;

interface Context {
  readonly tx: CompletedTransaction;
  readonly priced: PricedSale;
  readonly options: ParsedOptions;
  readonly labels: ReceiptLabels;
  readonly f: Formats;
  readonly codes: Map<string, string>;
}

const DIVIDER: ReceiptBlock = { type: 'divider' };

function row(
  label: string,
  amount: string,
  role: ReceiptRole,
  extra: Partial<Pick<AmountRow, 'code' | 'bold' | 'size'>> = {},
): AmountRow {
  return { type: 'amount-row', label, amount, role, ...extra };
}

function text(value: string, role: ReceiptRole, style: Omit<ReceiptTextBlock, 'type' | 'text' | 'role'> = {}): ReceiptBlock {
  return { type: 'text', text: value, role, ...style };
}

/** The narrowest common printer line (58 mm paper): longer label-value pairs are split over two lines. */
const NARROW_LINE = 32;

/** A label on the left and a value right-aligned at the end of the line (below it when long). */
function labelValue(label: string, value: string, role: ReceiptRole, bold?: boolean): ReceiptBlock[] {
  const style = bold === undefined ? {} : { bold };
  const valueWidth = displayWidth(value);
  if (displayWidth(label) + 1 + valueWidth > NARROW_LINE) {
    return [text(label, role, style), text(value, role, { ...style, align: 'right' })];
  }
  const columns: ReceiptColumn[] = [
    { text: label, width: 'fill', align: 'left' },
    { text: value, width: Math.max(1, valueWidth), align: 'right' },
  ];
  return [{ type: 'columns', role, ...style, columns }];
}

function codesOf(ctx: Context, taxes: readonly { taxId: string }[]): string {
  return taxes.map((t) => ctx.codes.get(t.taxId) ?? '').join(',');
}

function headerSection(ctx: Context): Draft[] {
  const { header, logo } = ctx.options;
  const blocks: Draft[] = [];
  if (logo !== undefined) blocks.push({ type: 'image', ref: logo, align: 'center' });
  if (header) {
    blocks.push(text(header.name, 'header', { align: 'center', bold: true, size: 'double' }));
    for (const line of header.lines ?? []) blocks.push(text(line, 'header', { align: 'center' }));
  }
  return blocks;
}

function banner(label: string): ReceiptBlock {
  return text(label, 'banner', { align: 'center', bold: true, size: 'double-height' });
}

/** COPY and TRAINING banners; `top` adds the RETURN banner, printed once. */
function bannerSection(ctx: Context, top: boolean): Draft[] {
  const blocks: Draft[] = [];
  if (ctx.tx.training) blocks.push(banner(ctx.labels.training));
  if (ctx.options.copy === true) blocks.push(banner(ctx.labels.copy));
  if (top && ctx.tx.kind === 'return') blocks.push(banner(ctx.labels.return));
  return blocks;
}

function metaSection(ctx: Context): Draft[] {
  const { tx, labels } = ctx;
  const blocks: Draft[] = [];
  if (tx.receiptNumber > 0) blocks.push(...labelValue(labels.receipt, String(tx.receiptNumber), 'meta'));
  blocks.push(...labelValue(labels.date, ctx.f.dateTime(tx.completedAt), 'meta'));
  blocks.push(...labelValue(labels.till, clean(tx.tillId), 'meta'));
  if (tx.operator !== undefined) blocks.push(...labelValue(labels.operator, clean(tx.operator), 'meta'));
  if (tx.returnOf) {
    blocks.push(...labelValue(labels.originalReceipt, String(tx.returnOf.receiptNumber), 'meta'));
    blocks.push(...labelValue(labels.originalTransaction, clean(tx.returnOf.transactionId), 'meta'));
  }
  return blocks;
}

/** "2 x 3.50", "1.235 kg x 2.99/kg" */
function quantityText(ctx: Context, line: PricedLine): string {
  const unit = line.unit === undefined ? '' : clean(line.unit);
  const quantity = ctx.f.decimal(line.quantity) + (unit === '' ? '' : ` ${unit}`);
  const price = ctx.f.amount(line.unitPrice + line.modifierUnitPrice) + (unit === '' ? '' : `/${unit}`);
  return `${quantity} x ${price}`;
}

/**
 * One item: the name with its amount when one plain unit was sold, else the name on its own
 * and the quantity, unit price and amount below; then extras and the line's own discounts.
 */
function itemDrafts(ctx: Context, line: PricedLine): Draft[] {
  const name = clean(line.name);
  const code = codesOf(ctx, line.taxes);
  const gross = ctx.f.amount(line.gross);
  const single = line.quantity === '1' && line.unit === undefined;
  const drafts: Draft[] = single
    ? [row(name, gross, 'item', { code })]
    : [text(name, 'item'), row(`  ${quantityText(ctx, line)}`, gross, 'item-detail', { code })];
  if (line.modifierUnitPrice !== 0)
    drafts.push(row(`  ${ctx.labels.extras} ${ctx.f.amount(line.modifierUnitPrice)}`, '', 'item-detail'));
  for (const d of line.discounts) {
    // Stored discounts reduce the line (returns store them negated): shown with the opposite sign.
    if (d.scope === 'line') drafts.push(row(`  ${clean(d.name ?? ctx.labels.discount)}`, ctx.f.amount(-d.amount), 'discount'));
  }
  return drafts;
}

/** Order discounts, summed over the lines they were allocated to, in first-seen order. */
function orderDiscountDrafts(ctx: Context): Draft[] {
  const totals = new Map<string, { name: string; amount: number }>();
  for (const line of ctx.priced.lines) {
    for (const d of line.discounts) {
      if (d.scope !== 'order') continue;
      const key = d.id ?? d.name ?? '';
      const entry = totals.get(key) ?? { name: clean(d.name ?? ctx.labels.discount), amount: 0 };
      entry.amount += d.amount;
      totals.set(key, entry);
    }
  }
  return [...totals.values()].map((d) => row(d.name, ctx.f.amount(-d.amount), 'discount'));
}

/**
 * Subtotal (the items as printed above it, line discounts included), order discounts, service
 * charges, additive taxes, document rounding, TOTAL and cash rounding: each row adds up to the next
 * total, so the amount column can be checked by hand.
 */
function totalsSection(ctx: Context): Draft[] {
  const { priced, labels, f } = ctx;
  const lineDiscounts = priced.lines.reduce((s, l) => s + l.lineDiscount, 0);
  const drafts: Draft[] = [
    row(labels.subtotal, f.amount(priced.subtotal - lineDiscounts), 'subtotal'),
    ...orderDiscountDrafts(ctx),
  ];
  for (const charge of priced.serviceCharges) {
    // Additive taxes of the charge are shown with the tax rows below, as for items.
    const additive = charge.taxes.reduce((s, t) => s + (t.inclusive ? 0 : t.amount), 0);
    drafts.push(
      row(clean(charge.name), f.amount(charge.total - additive), 'service-charge', { code: codesOf(ctx, charge.taxes) }),
    );
  }
  for (const bucket of priced.taxBuckets) {
    if (!bucket.inclusive)
      drafts.push(row(clean(bucket.name), f.amount(bucket.tax), 'tax', { code: ctx.codes.get(bucket.taxId) ?? '' }));
  }
  if (priced.roundingAdjustment !== 0) drafts.push(row(labels.rounding, f.signed(priced.roundingAdjustment), 'rounding'));
  drafts.push(row(labels.total, f.money(priced.total), 'total', { bold: true, size: 'double' }));
  if (ctx.tx.cashRounding !== 0) {
    drafts.push(row(labels.cashRounding, f.signed(ctx.tx.cashRounding), 'rounding'));
    drafts.push(row(labels.roundedTotal, f.money(ctx.tx.amountDue), 'rounding', { bold: true }));
  }
  return drafts;
}

/** All discounts, line and order, as one figure after the payments: what the customer saved. */
function discountTotalSection(ctx: Context): Draft[] {
  const total = ctx.priced.discountTotal;
  return total === 0 ? [] : [row(ctx.labels.discountTotal, ctx.f.amount(-total), 'discount')];
}

function tenderLabel(ctx: Context, tender: Tender): string {
  const configured = ctx.options.tenderTypes?.find((t) => t.type === tender.type);
  return configured?.label ?? humanize(tender.type);
}

function paymentSection(ctx: Context): Draft[] {
  const { tx, labels, f } = ctx;
  const drafts: Draft[] = [];
  for (const tender of tx.tenders) {
    drafts.push(row(tenderLabel(ctx, tender), f.amount(tender.amount), 'payment'));
    if (tender.reference !== undefined) drafts.push(row(`  ${labels.reference} ${clean(tender.reference)}`, '', 'payment'));
  }
  const paidCash = tx.tenders.some((t) => t.kind === 'cash');
  if (tx.change !== 0 || (tx.kind === 'sale' && paidCash)) drafts.push(row(labels.change, f.amount(tx.change), 'change'));
  return drafts;
}

function rateText(ctx: Context, bucket: TaxBucket): string {
  const code = ctx.codes.get(bucket.taxId) ?? '';
  return `${code === '' ? '' : `${code} `}${ctx.f.decimal(bucket.rate)}%`;
}

/** Rate, net, tax and gross per tax rate, each amount column as wide as its widest cell. */
function taxBreakdownSection(ctx: Context): Draft[] {
  const { priced, labels, f } = ctx;
  if (priced.taxBuckets.length === 0) return [];
  const header = [labels.taxRate, labels.net, labels.tax, labels.gross];
  const body = priced.taxBuckets.map((b) => [rateText(ctx, b), f.amount(b.net), f.amount(b.tax), f.amount(b.gross)]);
  const widths = [1, 2, 3].map((i) => Math.max(...[header, ...body].map((cells) => displayWidth(cells[i] ?? ''))));
  const toBlock = (cells: string[]): ReceiptBlock => ({
    type: 'columns',
    role: 'tax-breakdown',
    columns: cells.map((cell, i) =>
      i === 0 ? { text: cell, width: 'fill', align: 'left' } : { text: cell, width: widths[i - 1] as number, align: 'right' },
    ),
  });
  return [DIVIDER, toBlock(header), ...body.map(toBlock)];
}

function footerSection(ctx: Context): Draft[] {
  const lines = ctx.options.footer ?? [];
  return lines.length === 0 ? [] : [DIVIDER, ...lines.map((line) => text(line, 'footer', { align: 'center' }))];
}

function codeSection(ctx: Context): Draft[] {
  const { tx, options } = ctx;
  const blocks: Draft[] = [];
  if (options.barcode === 'receipt-number' && tx.receiptNumber > 0) {
    blocks.push({ type: 'barcode', symbology: 'CODE128', data: String(tx.receiptNumber) });
  } else if (options.barcode === 'transaction-id') {
    blocks.push({ type: 'barcode', symbology: 'CODE128', data: tx.id });
  }
  if (options.qr !== undefined) blocks.push({ type: 'qr', data: options.qr });
  return blocks;
}

/** Turns amount rows into columns blocks sharing one amount column and one tax-code column. */
function layoutRows(drafts: readonly Draft[]): ReceiptBlock[] {
  const rows = drafts.filter((d): d is AmountRow => d.type === 'amount-row');
  const amountWidth = Math.max(1, ...rows.map((r) => displayWidth(r.amount)));
  const codeWidth = Math.max(0, ...rows.map((r) => displayWidth(r.code ?? '')));
  return drafts.map((d): ReceiptBlock => {
    if (d.type !== 'amount-row') return d;
    const columns: ReceiptColumn[] = [
      { text: d.label, width: 'fill', align: 'left' },
      { text: d.amount, width: amountWidth, align: 'right' },
    ];
    if (codeWidth > 0) columns.push({ text: d.code ?? '', width: codeWidth, align: 'left' });
    return {
      type: 'columns',
      role: d.role,
      columns,
      ...(d.bold === undefined ? {} : { bold: d.bold }),
      ...(d.size === undefined ? {} : { size: d.size }),
    };
  });
}

function assertCompleted(tx: unknown): asserts tx is CompletedTransaction {
  if (typeof tx !== 'object' || tx === null) {
    throw new ValidationError(
      ErrorCode.VALIDATION_FAILED,
      `buildReceipt() needs a completed transaction; got ${tx === null ? 'null' : typeof tx}.`,
    );
  }
  const status = (tx as { status?: unknown }).status;
  if (status !== 'completed') {
    throw new StateError(
      ErrorCode.INVALID_STATE,
      `Only a completed transaction has a receipt; this one is ${JSON.stringify(status)}. Complete it with completeSale() first.`,
      { details: { status } },
    );
  }
}

/**
 * Lays out the receipt of a completed sale or return as a device-independent document, in order:
 * drawer kick (when asked, never for copies), logo, header, TRAINING / COPY / RETURN banners,
 * receipt number, date, till, operator (and the original receipt of a return); the items with
 * quantity x unit price, extras, line discounts and tax codes; subtotal (the items as printed),
 * order discounts, service charges, additive taxes, document rounding, TOTAL, cash rounding and
 * the rounded total; payments and change; total discounts; the tax breakdown (rate, net, tax,
 * gross); footer, barcode, QR, the banners again and a cut.
 *
 * Amounts are the transaction's stored ones, formatted in `locale`: nothing is recomputed, and the
 * amount column adds up from subtotal to TOTAL. Text from the transaction (item names, operator)
 * has control characters replaced by spaces, so no printer command can hide in it.
 *
 * Throws StateError INVALID_STATE for a transaction that is not completed, and ValidationError
 * VALIDATION_FAILED for bad options.
 */
export function buildReceipt(tx: CompletedTransaction, options: ReceiptOptions = {}): ReceiptDocument {
  assertCompleted(tx);
  const parsed = parseInput(ReceiptOptionsSchema, options, 'receipt options');
  const locale = parsed.locale ?? 'en-US';
  const ctx: Context = {
    tx,
    priced: tx.priced,
    options: parsed,
    labels: { ...DEFAULT_RECEIPT_LABELS, ...parsed.labels },
    f: createFormats(locale, tx.currency, parsed.timeZone),
    codes: taxCodes(tx.priced.taxBuckets),
  };
  const copy = parsed.copy === true;
  const drafts: Draft[] = [
    ...(parsed.openDrawer === true && !copy ? [{ type: 'drawer-kick' } as const] : []),
    ...headerSection(ctx),
    ...bannerSection(ctx, true),
    ...metaSection(ctx),
    DIVIDER,
    ...tx.priced.lines.flatMap((line) => itemDrafts(ctx, line)),
    DIVIDER,
    ...totalsSection(ctx),
    ...paymentSection(ctx),
    ...discountTotalSection(ctx),
    ...taxBreakdownSection(ctx),
    ...footerSection(ctx),
    ...codeSection(ctx),
    ...bannerSection(ctx, false),
    { type: 'cut' },
  ];
  const doc: ReceiptDocument = {
    version: 1,
    kind: tx.kind,
    locale,
    currency: tx.currency,
    copy,
    training: tx.training,
    transactionId: tx.id,
    blocks: layoutRows(drafts),
  };
  // A self-check: drivers get a document that passes the schema they may validate with.
  return parseInput(ReceiptDocumentSchema, doc, 'receipt document (built from the transaction)');
}

// ---------------------------------------------------------------------------------------------
// Generic text documents (X/Z reports, cash counts)
// ---------------------------------------------------------------------------------------------

const TextRowSchema = z.strictObject({
  label: ReceiptTextSchema,
  /** printed right-aligned; a row without a value is a section heading */
  value: ReceiptTextSchema.optional(),
  bold: z.boolean().optional(),
});
export type TextDocumentRow = z.input<typeof TextRowSchema>;

const TextDocumentOptionsSchema = z.strictObject({
  locale: LocaleSchema.optional(),
  currency: CurrencyCodeSchema.optional(),
  header: HeaderSchema.optional(),
  footer: z.array(ReceiptTextSchema).max(20).optional(),
  copy: z.boolean().optional(),
  training: z.boolean().optional(),
  /** end with a cut (default true) */
  cut: z.boolean().optional(),
});
export type TextDocumentOptions = z.input<typeof TextDocumentOptionsSchema>;

/**
 * A simple document of label / value rows under a title, for X and Z reports and other printouts:
 * buildTextDocument('Z report #12', [{ label: 'Sales' }, { label: 'Gross', value: '1,234.50' }]).
 * Values are printed as given: format amounts before (toDecimalString, formatMoney).
 */
export function buildTextDocument(
  title: string,
  rows: readonly TextDocumentRow[],
  options: TextDocumentOptions = {},
): ReceiptDocument {
  const t = parseInput(ReceiptTextSchema.min(1), title, 'document title');
  const parsedRows = parseInput(z.array(TextRowSchema).max(10_000), rows, 'document rows');
  const o = parseInput(TextDocumentOptionsSchema, options, 'document options');
  const banners = [
    ...(o.training === true ? [banner(DEFAULT_RECEIPT_LABELS.training)] : []),
    ...(o.copy === true ? [banner(DEFAULT_RECEIPT_LABELS.copy)] : []),
  ];
  const blocks: ReceiptBlock[] = [
    ...(o.header ? [text(o.header.name, 'header', { align: 'center', bold: true, size: 'double' })] : []),
    ...(o.header?.lines ?? []).map((line) => text(line, 'header', { align: 'center' })),
    ...banners,
    text(t, 'heading', { align: 'center', bold: true, size: 'double-height' }),
    DIVIDER,
    ...parsedRows.flatMap((r) =>
      r.value === undefined ? [text(r.label, 'heading', { bold: r.bold ?? true })] : labelValue(r.label, r.value, 'row', r.bold),
    ),
    ...(o.footer && o.footer.length > 0 ? [DIVIDER, ...o.footer.map((line) => text(line, 'footer', { align: 'center' }))] : []),
    ...banners,
    ...(o.cut === false ? [] : [{ type: 'cut' } as const]),
  ];
  return {
    version: 1,
    kind: 'report',
    locale: o.locale ?? 'en-US',
    ...(o.currency === undefined ? {} : { currency: o.currency }),
    copy: o.copy === true,
    training: o.training === true,
    blocks,
  };
}
