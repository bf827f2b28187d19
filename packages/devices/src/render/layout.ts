import { displayWidth, padToWidth, wrapToWidth, type ReceiptColumn } from '@tillkit/core';

/*
 * Line layout by display width, with the rules of @tillkit/core's renderReceiptText (receipt-text.ts),
 * so the text preview and the paper agree: same wrapping, same 'fill' column shares, same fallback
 * to one cell per line. layout.test.ts checks the two against each other.
 */

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * wrapToWidth, with a shortcut for the common case of a short ASCII cell (same result: it keeps
 * the text whole when it fits and does not end in a space, which wrapping would drop).
 */
function wrap(text: string, width: number): string[] {
  if (text.length <= width && !text.endsWith(' ') && PRINTABLE_ASCII.test(text)) return [text];
  return wrapToWidth(text, width);
}

/** A column narrower than this cannot hold a wide (CJK) character: such rows are stacked instead. */
const MIN_FILL_WIDTH = 2;

/** The width of each column, or undefined when the fixed columns leave too little for fill ones. */
export function columnWidths(columns: readonly ReceiptColumn[], width: number): number[] | undefined {
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

/** Each non-empty cell on its own line(s), for rows whose fixed columns do not fit the width. */
function stacked(columns: readonly ReceiptColumn[], width: number): string[] {
  return columns.filter((c) => c.text !== '').flatMap((c) => wrap(c.text, width).map((line) => padToWidth(line, width, c.align)));
}

/**
 * A columns row as lines of exactly `width` columns (trailing spaces included): cells wrapped
 * inside their widths, top-aligned, separated by one space.
 */
export function layoutColumns(columns: readonly ReceiptColumn[], width: number): string[] {
  const widths = columnWidths(columns, width);
  if (!widths || columns.some((c, i) => !holds(c.text, widths[i] as number))) return stacked(columns, width);
  const cells = columns.map((c, i) => wrap(c.text, widths[i] as number));
  const height = Math.max(...cells.map((lines) => lines.length));
  const lines: string[] = [];
  for (let row = 0; row < height; row++) {
    lines.push(columns.map((c, i) => padToWidth(cells[i]?.[row] ?? '', widths[i] as number, c.align)).join(' '));
  }
  return lines;
}

/** Text wrapped to `width` columns (the printer aligns each line). */
export function layoutText(text: string, width: number): string[] {
  return wrap(text, width);
}

/** Drops trailing spaces, as the text renderer does. */
export function trimEnd(line: string): string {
  return line.replace(/ +$/, '');
}
