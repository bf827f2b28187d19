import { z } from 'zod';
import { displayWidth } from './display-width';
import { CurrencyCodeSchema } from './money';
/*
 * A receipt document is plain, serialisable data that a printer driver, a browser preview and
 * the text renderer all consume. It uses few primitives (text, columns, divider, barcode, qr,
 * image, feed, cut, drawer-kick) and carries every amount already formatted, so renderers never
 * do money math. `role` tags say what a block is (item, total, payment, ...) for previews and
 * tests; printers may ignore them.
 */

const CONTROL_CHARACTER = /\p{Cc}/u;

/** One line of text: no control characters, so no line breaks, tabs or ESC/POS commands. */
export const ReceiptTextSchema = z
  .string()
  .max(1024)
  .refine((s) => !CONTROL_CHARACTER.test(s), {
    message: 'must not contain control characters (line breaks, tabs, ESC): use one block per line',
  });

function isLocale(value: string): boolean {
  try {
    return Intl.getCanonicalLocales(value).length === 1;
  } catch {
    return false;
  }
}

export const LocaleSchema = z.string().refine(isLocale, { message: 'must be a BCP 47 locale such as "en-US" or "ja-JP"' });

const AlignSchema = z.enum(['left', 'center', 'right']);

/** Printer text size: double-height keeps the characters per line, double-width and double halve it. */
const TextSizeSchema = z.enum(['normal', 'double-height', 'double-width', 'double']);

/** What a block is, for previews, styling and tests. Printers may ignore it. */
export const RECEIPT_ROLES = [
  'header',
  'banner',
  'meta',
  'item',
  'item-detail',
  'discount',
  'subtotal',
  'service-charge',
  'tax',
  'rounding',
  'total',
  'payment',
  'change',
  'tax-breakdown',
  'footer',
  'heading',
  'row',
] as const;
export type ReceiptRole = (typeof RECEIPT_ROLES)[number];
const RoleSchema = z.enum(RECEIPT_ROLES);

const TextBlockSchema = z.strictObject({
  type: z.literal('text'),
  text: ReceiptTextSchema,
  align: AlignSchema.optional(),
  bold: z.boolean().optional(),
  underline: z.boolean().optional(),
  size: TextSizeSchema.optional(),
  role: RoleSchema.optional(),
});

/**
 * One cell of a columns row. `width` is a count of character columns (a wide CJK character takes
 * two), or 'fill': fill columns share what the fixed columns and the one-column gaps between
 * adjacent cells leave free. Cells wrap inside their width.
 */
const ColumnSchema = z.strictObject({
  text: ReceiptTextSchema,
  width: z.union([z.int().min(1).max(512), z.literal('fill')]),
  align: AlignSchema,
});

/**
 * A row of cells separated by one space. When the fixed columns leave fewer than two columns
 * for each fill column, renderers print each non-empty cell on its own line instead, so no text
 * and no amount is ever cut.
 */
const ColumnsBlockSchema = z.strictObject({
  type: z.literal('columns'),
  columns: z.array(ColumnSchema).min(1).max(8),
  bold: z.boolean().optional(),
  size: TextSizeSchema.optional(),
  role: RoleSchema.optional(),
});

const DividerBlockSchema = z.strictObject({
  type: z.literal('divider'),
  /** one character one column wide, repeated over the line (default "-") */
  char: z
    .string()
    .refine((c) => [...c].length === 1 && displayWidth(c) === 1, {
      message: 'must be one character one column wide, such as "-" or "="',
    })
    .optional(),
});

function ean13CheckDigit(first12: string): number {
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(first12[i]) * (i % 2 === 0 ? 1 : 3);
  return (10 - (sum % 10)) % 10;
}

const BARCODE_RULES = {
  CODE128: { valid: (d: string) => /^[\x20-\x7e]{1,80}$/.test(d), hint: '1 to 80 printable ASCII characters' },
  CODE39: { valid: (d: string) => /^[0-9A-Z \-.$/+%]{1,40}$/.test(d), hint: '1 to 40 of 0-9, A-Z, space and - . $ / + %' },
  EAN13: {
    valid: (d: string) => /^\d{12}$/.test(d) || (/^\d{13}$/.test(d) && ean13CheckDigit(d) === Number(d[12])),
    hint: '12 digits, or 13 digits ending in a correct check digit',
  },
} as const;

const BarcodeBlockSchema = z
  .strictObject({
    type: z.literal('barcode'),
    symbology: z.enum(['CODE128', 'EAN13', 'CODE39']),
    data: z.string(),
  })
  .superRefine((b, ctx) => {
    const rule = BARCODE_RULES[b.symbology];
    if (!rule.valid(b.data))
      ctx.addIssue({ code: 'custom', path: ['data'], message: `${b.symbology} data must be ${rule.hint}` });
  });

/** The most a QR code holds (version 40, level L, byte mode). */
const QR_MAX_BYTES = 2953;
export const QrDataSchema = z
  .string()
  .min(1)
  .refine((d) => new TextEncoder().encode(d).length <= QR_MAX_BYTES, {
    message: `must be at most ${QR_MAX_BYTES} bytes in UTF-8`,
  });

const QrBlockSchema = z.strictObject({
  type: z.literal('qr'),
  data: QrDataSchema,
  /** module size in printer dots, 1-16 (ESC/POS GS ( k function 167); the driver picks when absent */
  size: z.int().min(1).max(16).optional(),
});

const ImageBlockSchema = z.strictObject({
  type: z.literal('image'),
  /** a reference the device resolves (a logo id stored in the printer, a URL, an asset key) */
  ref: z.string().min(1).max(512),
  align: AlignSchema.optional(),
});

const FeedBlockSchema = z.strictObject({ type: z.literal('feed'), lines: z.int().min(1).max(255) });
const CutBlockSchema = z.strictObject({ type: z.literal('cut'), partial: z.boolean().optional() });
const DrawerKickBlockSchema = z.strictObject({ type: z.literal('drawer-kick') });

export const ReceiptBlockSchema = z.discriminatedUnion('type', [
  TextBlockSchema,
  ColumnsBlockSchema,
  DividerBlockSchema,
  BarcodeBlockSchema,
  QrBlockSchema,
  ImageBlockSchema,
  FeedBlockSchema,
  CutBlockSchema,
  DrawerKickBlockSchema,
]);

/** A device-independent receipt: what to print, in order, with every amount pre-formatted. */
export const ReceiptDocumentSchema = z.strictObject({
  version: z.literal(1),
  kind: z.enum(['sale', 'return', 'report']),
  /** the locale amounts and dates were formatted in */
  locale: LocaleSchema,
  currency: CurrencyCodeSchema.optional(),
  /** a reprint: marked as a copy, never opens the drawer */
  copy: z.boolean(),
  /** a training transaction: not a valid receipt */
  training: z.boolean(),
  /** the transaction printed, for de-duplicating print jobs and lookups */
  transactionId: z.string().min(1).max(128).optional(),
  blocks: z.array(ReceiptBlockSchema).max(1_000_000),
});

export type ReceiptTextBlock = z.output<typeof TextBlockSchema>;
export type ReceiptColumn = z.output<typeof ColumnSchema>;
export type ReceiptColumnsBlock = z.output<typeof ColumnsBlockSchema>;
export type ReceiptBlock = z.output<typeof ReceiptBlockSchema>;
export type ReceiptDocument = z.output<typeof ReceiptDocumentSchema>;
