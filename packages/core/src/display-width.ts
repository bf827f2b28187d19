import { ErrorCode, ValidationError } from './errors';

/**
 * Display width of text in monospace terminal and receipt-printer columns.
 *
 * Rules, per code point (surrogate pairs are one code point):
 * - 2 columns: East Asian Wide (W) and Fullwidth (F) characters of Unicode 15.1
 *   EastAsianWidth.txt: CJK ideographs, Hiragana, Katakana, Hangul syllables, CJK punctuation,
 *   fullwidth forms, emoji with default emoji presentation.
 * - 0 columns: combining marks (Mn, Me), format characters (Cf: zero-width space and joiners,
 *   bidi marks, soft hyphen), variation selectors, Hangul conjoining vowels and finals, and
 *   control characters.
 * - 1 column: everything else, East Asian Ambiguous characters included (as on Western printers).
 *
 * Emoji ZWJ sequences count as the sum of their parts, so they are over-counted, never
 * under-counted: text laid out with these widths never overflows a line.
 */

/** Unicode 15.1 EastAsianWidth.txt W and F ranges, merged where adjacent, as hex "start-end". */
const WIDE_RANGES =
  '1100-115F 231A-231B 2329-232A 23E9-23EC 23F0 23F3 25FD-25FE 2614-2615 2648-2653 267F 2693 26A1 ' +
  '26AA-26AB 26BD-26BE 26C4-26C5 26CE 26D4 26EA 26F2-26F3 26F5 26FA 26FD 2705 270A-270B 2728 274C 274E ' +
  '2753-2755 2757 2795-2797 27B0 27BF 2B1B-2B1C 2B50 2B55 2E80-2E99 2E9B-2EF3 2F00-2FD5 2FF0-2FFF ' +
  '3000-303E 3041-3096 3099-30FF 3105-312F 3131-318E 3190-31E3 31EF-321E 3220-3247 3250-4DBF 4E00-A48C ' +
  'A490-A4C6 A960-A97C AC00-D7A3 F900-FAFF FE10-FE19 FE30-FE52 FE54-FE66 FE68-FE6B FF01-FF60 FFE0-FFE6 ' +
  '16FE0-16FE4 16FF0-16FF1 17000-187F7 18800-18CD5 18D00-18D08 1AFF0-1AFF3 1AFF5-1AFFB 1AFFD-1AFFE ' +
  '1B000-1B122 1B132 1B150-1B152 1B155 1B164-1B167 1B170-1B2FB 1F004 1F0CF 1F18E 1F191-1F19A ' +
  '1F200-1F202 1F210-1F23B 1F240-1F248 1F250-1F251 1F260-1F265 1F300-1F320 1F32D-1F335 1F337-1F37C ' +
  '1F37E-1F393 1F3A0-1F3CA 1F3CF-1F3D3 1F3E0-1F3F0 1F3F4 1F3F8-1F43E 1F440 1F442-1F4FC 1F4FF-1F53D ' +
  '1F54B-1F54E 1F550-1F567 1F57A 1F595-1F596 1F5A4 1F5FB-1F64F 1F680-1F6C5 1F6CC 1F6D0-1F6D2 ' +
  '1F6D5-1F6D7 1F6DC-1F6DF 1F6EB-1F6EC 1F6F4-1F6FC 1F7E0-1F7EB 1F7F0 1F90C-1F93A 1F93C-1F945 ' +
  '1F947-1F9FF 1FA70-1FA7C 1FA80-1FA88 1FA90-1FABD 1FABF-1FAC5 1FACE-1FADB 1FAE0-1FAE8 1FAF0-1FAF8 ' +
  '20000-2FFFD 30000-3FFFD';

/** Flat sorted [start0, end0, start1, end1, ...] for binary search. */
const WIDE: readonly number[] = WIDE_RANGES.split(' ').flatMap((range) => {
  const [start = '', end = start] = range.split('-');
  return [parseInt(start, 16), parseInt(end, 16)];
});

const ZERO_WIDTH_CATEGORY = /^[\p{Mn}\p{Me}\p{Cf}\p{Cc}]$/u;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

function isWide(codePoint: number): boolean {
  let lo = 0;
  let hi = WIDE.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const start = WIDE[2 * mid] as number;
    const end = WIDE[2 * mid + 1] as number;
    if (codePoint < start) hi = mid - 1;
    else if (codePoint > end) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Hangul conjoining vowels and final consonants combine with the preceding initial. */
function isConjoiningJamo(codePoint: number): boolean {
  return (codePoint >= 0x1160 && codePoint <= 0x11ff) || (codePoint >= 0xd7b0 && codePoint <= 0xd7ff);
}

function charWidth(char: string, codePoint: number): 0 | 1 | 2 {
  if (codePoint >= 0x20 && codePoint < 0x7f) return 1;
  if (ZERO_WIDTH_CATEGORY.test(char) || isConjoiningJamo(codePoint)) return 0;
  return isWide(codePoint) ? 2 : 1;
}

/** Columns taken by one code point: 0, 1 or 2 (see the rules at the top of this module). */
export function codePointWidth(codePoint: number): 0 | 1 | 2 {
  if (!Number.isInteger(codePoint) || codePoint < 0 || codePoint > 0x10ffff) {
    throw new ValidationError(
      ErrorCode.VALIDATION_FAILED,
      `A code point must be an integer from 0 to 0x10FFFF; got ${String(codePoint)}.`,
    );
  }
  return charWidth(String.fromCodePoint(codePoint), codePoint);
}

/**
 * Columns `text` takes on a monospace terminal or receipt printer: "Tea" is 3, "緑茶" is 4,
 * "e\u0301" (e + combining acute) is 1.
 */
export function displayWidth(text: string): number {
  if (PRINTABLE_ASCII.test(text)) return text.length;
  let width = 0;
  for (const char of text) width += charWidth(char, char.codePointAt(0) as number);
  return width;
}

/** A base character with the zero-width marks that follow it: never split. */
interface Cluster {
  readonly text: string;
  readonly width: number;
}

function clusters(text: string): Cluster[] {
  const out: { text: string; width: number }[] = [];
  for (const char of text) {
    const width = charWidth(char, char.codePointAt(0) as number);
    const last = out[out.length - 1];
    // Marks join the character before them, but not a space, which may be dropped at a break.
    if (width === 0 && last && !/^\s/u.test(last.text)) last.text += char;
    else out.push({ text: char, width });
  }
  return out;
}

function checkWidth(width: number, min: number, what: string): void {
  if (!Number.isSafeInteger(width) || width < min) {
    throw new ValidationError(
      ErrorCode.VALIDATION_FAILED,
      `${what} must be an integer of at least ${min} columns; got ${String(width)}.`,
    );
  }
}

/** Horizontal alignment of text within a width. */
export type TextAlign = 'left' | 'right' | 'center';

/**
 * Pads `text` with spaces to exactly `width` columns. Centered text puts the odd space on the
 * right. Text already wider than `width` is returned unchanged: truncate or wrap it first.
 */
export function padToWidth(text: string, width: number, align: TextAlign = 'left'): string {
  checkWidth(width, 0, 'padToWidth() width');
  const gap = width - displayWidth(text);
  if (gap <= 0) return text;
  if (align === 'right') return ' '.repeat(gap) + text;
  if (align === 'center') return ' '.repeat(gap >> 1) + text + ' '.repeat(gap - (gap >> 1));
  return text + ' '.repeat(gap);
}

/**
 * Cuts `text` to at most `width` columns without splitting a wide character, a surrogate pair or
 * a character from its combining marks. When text is cut, `ellipsis` (e.g. "…") ends it, within
 * the width.
 */
export function truncateToWidth(text: string, width: number, ellipsis = ''): string {
  checkWidth(width, 0, 'truncateToWidth() width');
  if (displayWidth(text) <= width) return text;
  const room = displayWidth(ellipsis) <= width ? width - displayWidth(ellipsis) : width;
  let out = '';
  let used = 0;
  for (const c of clusters(text)) {
    if (used + c.width > room) break;
    out += c.text;
    used += c.width;
  }
  return room < width ? out + ellipsis : out;
}

interface Token {
  readonly text: string;
  readonly width: number;
  readonly space: boolean;
}

/** Words, runs of spaces, and each wide character on its own (CJK text breaks between characters). */
function tokenize(paragraph: string): Token[] {
  const tokens: Token[] = [];
  let current: { text: string; width: number; space: boolean } | undefined;
  for (const c of clusters(paragraph)) {
    const space = /^\s/u.test(c.text);
    if (c.width === 2) {
      tokens.push({ text: c.text, width: c.width, space: false });
      current = undefined;
    } else if (current?.space === space) {
      current.text += c.text;
      current.width += c.width;
    } else {
      current = { text: c.text, width: c.width, space };
      tokens.push(current);
    }
  }
  return tokens;
}

/** Splits a token wider than the line into pieces of at most `width` columns. */
function hardSplit(token: Token, width: number): string[] {
  const pieces: string[] = [];
  let piece = '';
  let used = 0;
  for (const c of clusters(token.text)) {
    if (used + c.width > width && piece !== '') {
      pieces.push(piece);
      piece = '';
      used = 0;
    }
    piece += c.text;
    used += c.width;
  }
  if (piece !== '') pieces.push(piece);
  return pieces;
}

function wrapParagraph(paragraph: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  let used = 0;
  let pending: Token | undefined;
  const flush = (): void => {
    lines.push(line);
    line = '';
    used = 0;
    pending = undefined;
  };
  for (const token of tokenize(paragraph)) {
    if (token.space) {
      // Spaces are kept between words on one line and dropped at a line break.
      if (line !== '' || lines.length === 0) pending = token;
      continue;
    }
    const gap = pending?.width ?? 0;
    if (used + gap + token.width <= width) {
      line += (pending?.text ?? '') + token.text;
      used += gap + token.width;
      pending = undefined;
      continue;
    }
    if (line !== '') flush();
    pending = undefined;
    const pieces = token.width <= width ? [token.text] : hardSplit(token, width);
    for (const [i, piece] of pieces.entries()) {
      line = piece;
      used = displayWidth(piece);
      if (i < pieces.length - 1) flush();
    }
  }
  if (line !== '' || lines.length === 0) lines.push(line);
  return lines;
}

/**
 * Wraps `text` into lines of at most `width` columns: breaks at spaces, between wide (CJK)
 * characters, and inside words longer than a line; never inside a wide character, a surrogate
 * pair or a character with its combining marks. Line breaks in the text are kept; leading spaces of
 * the text are kept, spaces at a break are dropped. A single wide character on a 1-column line
 * takes a line of its own (the only case that exceeds `width`).
 */
export function wrapToWidth(text: string, width: number): string[] {
  checkWidth(width, 1, 'wrapToWidth() width');
  return text.split(/\r\n|\n|\r/).flatMap((paragraph) => wrapParagraph(paragraph, width));
}
