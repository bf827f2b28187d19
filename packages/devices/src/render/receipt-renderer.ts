import {
  codePointWidth,
  DEFAULT_RECEIPT_LABELS,
  ErrorCode,
  ReceiptDocumentSchema,
  ValidationError,
  type ReceiptBlock,
  type ReceiptDocument,
} from '@tillkit/core';
import { PrinterProfileSchema, type PrinterProfile } from '../profiles';
import { decodePng, ditherImage, fitToWidth, type MonochromeBitmap, type RasterImage } from './image';
import { layoutColumns, layoutText, trimEnd } from './layout';
import { barcodeModuleWidth, qrPlan, ThermalBuilder, type TextSize } from './thermal-builder';

export interface RenderOptions {
  /**
   * Print as a copy (a reprint): adds the COPY banners when the document has none and never
   * kicks the drawer, whatever `drawerKick` says. A document built with copy: true already is one.
   */
  copy?: boolean;
  /**
   * Images for the document's image blocks, by `ref`: grayscale RasterImages or PNG bytes. An image
   * block whose ref is not here prints nothing (a missing logo never stops a receipt). Each image
   * object is decoded and dithered once and the result kept with it (a logo on every receipt costs
   * nothing after the first): treat them as immutable, and pass a new object for a new image.
   */
  images?: Record<string, RasterImage | Uint8Array>;
  /**
   * Font A (default) or B, with the profile's characters per line for that font. Documents with
   * CJK text print in font A on CJK printers: Kanji are two font-A columns wide, so font B would
   * break the column layout.
   */
  font?: 'A' | 'B';
  /** true: kick the drawer at the start if the document does not; false: never; default: as the document says */
  drawerKick?: boolean;
}

export type { RasterImage } from './image';

/** Lines fed on printers without a cutter, so the last line clears the tear bar. */
const TEAR_OFF_FEED = 4;

function invalid(message: string, options: ConstructorParameters<typeof ValidationError>[2] = {}): ValidationError {
  return new ValidationError(ErrorCode.VALIDATION_FAILED, message, options);
}

function checkOptions(options: RenderOptions): void {
  if (typeof options !== 'object' || options === null) throw invalid('Render options must be an object.');
  const { font, copy, drawerKick, images } = options;
  if (font !== undefined && font !== 'A' && font !== 'B')
    throw invalid(`The font must be 'A' or 'B'; got ${JSON.stringify(font)}.`);
  if (copy !== undefined && typeof copy !== 'boolean') throw invalid('copy must be true or false.');
  if (drawerKick !== undefined && typeof drawerKick !== 'boolean') throw invalid('drawerKick must be true or false.');
  if (images !== undefined && (typeof images !== 'object' || images === null))
    throw invalid('images must be an object of RasterImages or PNG bytes by image ref.');
}

function parseDocument(doc: ReceiptDocument): ReceiptDocument {
  const parsed = ReceiptDocumentSchema.safeParse(doc);
  if (!parsed.success) {
    throw invalid(
      `The receipt document is not valid (${parsed.error.issues[0]?.message ?? 'unknown issue'}); build it with buildReceipt() or buildTextDocument().`,
      { issues: parsed.error.issues },
    );
  }
  return parsed.data;
}

function parseProfile(profile: PrinterProfile): PrinterProfile {
  const parsed = PrinterProfileSchema.safeParse(profile);
  if (!parsed.success) {
    throw invalid(
      `The printer profile is not valid (${parsed.error.issues[0]?.message ?? 'unknown issue'}); start from one of PRINTER_PROFILES.`,
      { issues: parsed.error.issues },
    );
  }
  return profile;
}

const COPY_BANNER: ReceiptBlock = {
  type: 'text',
  text: DEFAULT_RECEIPT_LABELS.copy,
  align: 'center',
  bold: true,
  size: 'double-height',
  role: 'banner',
};

/** The COPY banner after the logo and header, and again before the final cut. */
function withCopyBanners(blocks: readonly ReceiptBlock[]): ReceiptBlock[] {
  let top = 0;
  while (top < blocks.length) {
    const b = blocks[top] as ReceiptBlock;
    if (b.type === 'image' || b.type === 'drawer-kick' || (b.type === 'text' && b.role === 'header')) top++;
    else break;
  }
  let bottom = blocks.length;
  if (blocks[bottom - 1]?.type === 'cut') bottom--;
  return [...blocks.slice(0, top), COPY_BANNER, ...blocks.slice(top, bottom), COPY_BANNER, ...blocks.slice(bottom)];
}

function jobBlocks(doc: ReceiptDocument, options: RenderOptions): readonly ReceiptBlock[] {
  const copy = doc.copy || options.copy === true;
  let blocks: readonly ReceiptBlock[] = doc.blocks;
  if (copy && !doc.copy) blocks = withCopyBanners(blocks);
  const kicks = blocks.some((b) => b.type === 'drawer-kick');
  if (copy || options.drawerKick === false) {
    if (kicks) blocks = blocks.filter((b) => b.type !== 'drawer-kick');
  } else if (options.drawerKick === true && !kicks) {
    blocks = [{ type: 'drawer-kick' }, ...blocks];
  }
  return blocks;
}

const NOT_PRINTABLE_ASCII = /[^\x20-\x7e]/;

function hasWide(text: string): boolean {
  if (!NOT_PRINTABLE_ASCII.test(text)) return false;
  for (const char of text) if (codePointWidth(char.codePointAt(0) as number) === 2) return true;
  return false;
}

function blockHasWide(block: ReceiptBlock): boolean {
  if (block.type === 'text') return hasWide(block.text);
  if (block.type === 'columns') return block.columns.some((c) => hasWide(c.text));
  return false;
}

function chooseFont(blocks: readonly ReceiptBlock[], profile: PrinterProfile, font: 'A' | 'B'): 'A' | 'B' {
  if (font === 'A' || profile.cjk.length === 0) return font;
  return blocks.some(blockHasWide) ? 'A' : font;
}

/** Characters per line: double width halves them. */
function lineWidth(columns: number, size: TextSize | undefined): number {
  return size === 'double' || size === 'double-width' ? Math.floor(columns / 2) : columns;
}

interface Job {
  readonly builder: ThermalBuilder;
  readonly profile: PrinterProfile;
  readonly columns: number;
  readonly images: RenderOptions['images'];
}

/** Dithered bitmaps by image object and paper width, dropped with the image. */
const bitmaps = new WeakMap<RasterImage | Uint8Array, Map<number, MonochromeBitmap>>();

function bitmapOf(source: RasterImage | Uint8Array, widthDots: number): MonochromeBitmap {
  let byWidth = bitmaps.get(source);
  if (!byWidth) {
    byWidth = new Map();
    bitmaps.set(source, byWidth);
  }
  let bitmap = byWidth.get(widthDots);
  if (!bitmap) {
    const raster = source instanceof Uint8Array ? decodePng(source) : source;
    bitmap = ditherImage(fitToWidth(raster, widthDots));
    byWidth.set(widthDots, bitmap);
  }
  return bitmap;
}

function renderImage(job: Job, block: Extract<ReceiptBlock, { type: 'image' }>): void {
  const source = job.images && Object.hasOwn(job.images, block.ref) ? job.images[block.ref] : undefined;
  if (source === undefined) return;
  if (typeof source !== 'object' || source === null)
    throw invalid(`images.${block.ref} must be a RasterImage or PNG bytes (a Uint8Array).`);
  const bitmap = bitmapOf(source, job.profile.widthDots);
  const { builder } = job;
  builder.setStyle({ align: block.align ?? 'center' });
  builder.raw(builder.dialect.raster(bitmap, job.profile.maxRasterRows));
}

function renderBlock(job: Job, block: ReceiptBlock): void {
  const { builder, profile, columns } = job;
  switch (block.type) {
    case 'text': {
      const size = block.size ?? 'normal';
      builder.setStyle({
        align: block.align ?? 'left',
        bold: block.bold ?? false,
        underline: block.underline ?? false,
        size,
      });
      for (const line of layoutText(block.text, lineWidth(columns, size))) builder.line(trimEnd(line));
      return;
    }
    case 'columns': {
      const size = block.size ?? 'normal';
      builder.setStyle({ bold: block.bold ?? false, size });
      for (const line of layoutColumns(block.columns, lineWidth(columns, size))) builder.line(trimEnd(line));
      return;
    }
    case 'divider':
      builder.setStyle({});
      builder.line((block.char ?? '-').repeat(columns));
      return;
    case 'barcode': {
      builder.setStyle({ align: 'center' });
      const moduleWidth = barcodeModuleWidth(block.symbology, block.data, profile.widthDots);
      // Too long for the paper even with 2-dot bars: the printer would skip it; print the data.
      if (moduleWidth === undefined) for (const line of layoutText(block.data, columns)) builder.line(line);
      else builder.raw(builder.dialect.barcode(block.symbology, block.data, moduleWidth));
      return;
    }
    case 'qr': {
      builder.setStyle({ align: 'center' });
      const data = new TextEncoder().encode(block.data);
      const plan = qrPlan(data.length, profile.widthDots, block.size, builder.dialect.maxQrModule);
      builder.raw(builder.dialect.qr(data, plan.level, plan.moduleSize));
      return;
    }
    case 'image':
      renderImage(job, block);
      return;
    case 'feed':
      builder.raw(builder.dialect.feed(block.lines));
      return;
    case 'cut': {
      if (profile.cutter === 'none') {
        builder.raw(builder.dialect.feed(TEAR_OFF_FEED));
        return;
      }
      const partial = profile.cutter === 'partial' || (profile.cutter === 'both' && block.partial === true);
      builder.raw(builder.dialect.cut(partial));
      return;
    }
    case 'drawer-kick':
      builder.raw(builder.dialect.drawerKick(profile.drawer.pin));
      return;
  }
}

/**
 * Renders a receipt document to the bytes of one print job for `profile`: ESC @ and the settings
 * (Kanji state, code page, font), then every block in order, ending with the document's last
 * block (normally its cut: the cut is never followed by ESC @). No status or confirmation
 * commands: the driver appends those, and since ESC @ turns automatic status back off, it
 * re-enables it (commands.enableAsb) after the job.
 *
 * Layout follows @tillkit/core's renderReceiptText by display width (CJK characters take two
 * columns), so preview and paper agree; double-width and double text get half the columns.
 * Characters the printer cannot show print as '?' (one column) or '??' (two columns), so columns
 * stay aligned. Throws ValidationError for a document, profile or options that are not valid, and
 * for a Star Line Mode profile with Chinese encodings.
 */
export function renderReceipt(doc: ReceiptDocument, profile: PrinterProfile, options: RenderOptions = {}): Uint8Array {
  checkOptions(options);
  const document = parseDocument(doc);
  const printer = parseProfile(profile);
  const blocks = jobBlocks(document, options);
  const font = chooseFont(blocks, printer, options.font ?? 'A');
  const builder = new ThermalBuilder(printer).start(font);
  const job: Job = {
    builder,
    profile: printer,
    columns: font === 'B' ? printer.columns.fontB : printer.columns.fontA,
    images: options.images,
  };
  for (const block of blocks) renderBlock(job, block);
  return builder.finish();
}
