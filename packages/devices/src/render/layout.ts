import { wrapToWidth } from '@tillkit/core';

/*
 * Line layout by display width. Columns rows use @tillkit/core's layoutColumns, the very function
 * its renderReceiptText uses, so the text preview and the paper agree; layout.test.ts checks the
 * two renderers against each other.
 */
export { layoutColumns } from '@tillkit/core';

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Text wrapped to `width` columns (the printer aligns each line); short ASCII text skips the scan. */
export function layoutText(text: string, width: number): string[] {
  if (text.length <= width && !text.endsWith(' ') && PRINTABLE_ASCII.test(text)) return [text];
  return wrapToWidth(text, width);
}

/** Drops trailing spaces, as the text renderer does. */
export function trimEnd(line: string): string {
  return line.replace(/ +$/, '');
}
