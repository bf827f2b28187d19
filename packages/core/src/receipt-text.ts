import { z } from 'zod';
import { displayWidth, padToWidth, wrapToWidth, type TextAlign } from './display-width';
import { ReceiptDocumentSchema, type ReceiptBlock, type ReceiptColumn, type ReceiptDocument } from './receipt-document';
import { parseInput } from './validate';

/** Characters per line of common printers: 80 mm paper font A is 48, font B 64; 58 mm is 32. */
export const DEFAULT_TEXT_WIDTH = 42;

/** A column narrower than this cannot hold a wide (CJK) character: such rows are stacked instead. */
const MIN_FILL_WIDTH = 2;

const RenderTextOptionsSchema = z.strictObject({
  /** characters per line, 20 to 512 (default 42) */
  width: z.int().min(20).max(512).optional(),
});
export type RenderTextOptions = z.input<typeof RenderTextOptionsSchema>;

function alignLines(lines: readonly string[], width: number, align: TextAlign): string[] {
  return lines.map((line) => padToWidth(line, width, align));
}

/** Each non-empty cell on its own line(s), for rows whose fixed columns do not fit the width. */
function stacked(columns: readonly ReceiptColumn[], width: number): string[] {
  return columns.filter((c) => c.text !== '').flatMap((c) => alignLines(wrapToWidth(c.text, width), width, c.align));
}

/** The width of each column, or undefined when the fixed columns leave too little for fill ones. */
function columnWidths(columns: readonly ReceiptColumn[], width: number): number[] | undefined {
  const fixed = columns.reduce((s, c) => s + (c.width === 'fill' ? 0 : c.width), 0);
  const fills = columns.filter((c) => c.width === 'fill').length;
  const free = width - fixed - (columns.length - 1);
  if (free < fills * MIN_FILL_WIDTH || free < 0) return undefined;
  let fillIndex = 0;
  return columns.map((c) => {
    if (c.width !== 'fill') return c.width;
    // Share the free columns; the first fill columns take the remainder.
    const share = Math.floor(free / fills) + (fillIndex < free % fills ? 1 : 0);
    fillIndex++;
    return share;
  });
}

/** A 1-column cell cannot hold a wide character. */
function holds(text: string, width: number): boolean {
  return width >= MIN_FILL_WIDTH || [...text].every((char) => displayWidth(char) <= width);
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** wrapToWidth, with a shortcut for a short ASCII cell (the same result, without the scan). */
function wrapCell(text: string, width: number): string[] {
  if (text.length <= width && !text.endsWith(' ') && PRINTABLE_ASCII.test(text)) return [text];
  return wrapToWidth(text, width);
}

/**
 * A columns row as lines of exactly `width` display columns (trailing spaces included): cells
 * wrapped inside their widths, top-aligned, separated by one space; 'fill' columns share what the
 * fixed ones leave. A row whose fixed columns do not fit puts each cell on its own line(s).
 * Printer drivers use it too, so a preview and the paper lay out the same.
 */
export function layoutColumns(columns: readonly ReceiptColumn[], width: number): string[] {
  const widths = columnWidths(columns, width);
  if (!widths || columns.some((c, i) => !holds(c.text, widths[i] as number))) return stacked(columns, width);
  const cells = columns.map((c, i) => wrapCell(c.text, widths[i] as number));
  const height = Math.max(...cells.map((lines) => lines.length));
  const lines: string[] = [];
  for (let row = 0; row < height; row++) {
    const parts = columns.map((c, i) => padToWidth(cells[i]?.[row] ?? '', widths[i] as number, c.align));
    lines.push(parts.join(' '));
  }
  return lines;
}

/** "- - - - -" over the whole line. */
function cutLine(width: number): string {
  return '- '.repeat(Math.ceil(width / 2)).slice(0, width);
}

function placeholder(label: string, width: number): string[] {
  return alignLines(wrapToWidth(`[${label}]`, width), width, 'center');
}

function renderBlock(block: ReceiptBlock, width: number): string[] {
  switch (block.type) {
    case 'text':
      return alignLines(wrapToWidth(block.text, width), width, block.align ?? 'left');
    case 'columns':
      return layoutColumns(block.columns, width);
    case 'divider':
      return [(block.char ?? '-').repeat(width)];
    case 'barcode':
      return placeholder(`${block.symbology}: ${block.data}`, width);
    case 'qr':
      return placeholder(`QR: ${block.data}`, width);
    case 'image':
      return alignLines(wrapToWidth(`[image: ${block.ref}]`, width), width, block.align ?? 'center');
    case 'feed':
      return Array.from({ length: block.lines }, () => '');
    case 'cut':
      return [cutLine(width)];
    case 'drawer-kick':
      return [];
  }
}

/**
 * Renders a receipt document as plain monospace text, e.g. for a preview, an e-mail or a log.
 * Lines are laid out by display width (a CJK character takes two columns) and never exceed
 * `width`; trailing spaces are trimmed. Long text wraps; columns wrap inside their cells.
 * Bold, underline and text sizes are printer styling and are not shown: double-width text is
 * printed as-is at single width, so its amounts stay aligned with the rest. Barcodes, QR codes
 * and images print as "[CODE128: 1042]", "[QR: ...]", "[image: ref]"; a cut as "- - - -";
 * a drawer kick prints nothing.
 *
 * Throws ValidationError when the width is not an integer from 20 to 512 or the document does
 * not match ReceiptDocumentSchema.
 */
export function renderReceiptText(doc: ReceiptDocument, options: RenderTextOptions = {}): string {
  const { width = DEFAULT_TEXT_WIDTH } = parseInput(RenderTextOptionsSchema, options, 'text rendering options');
  const document = parseInput(ReceiptDocumentSchema, doc, 'receipt document');
  return document.blocks
    .flatMap((block) => renderBlock(block, width))
    .map((line) => line.replace(/ +$/, ''))
    .join('\n');
}
