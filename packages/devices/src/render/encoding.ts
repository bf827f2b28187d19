import { codePointWidth, ErrorCode, ValidationError } from '@tillkit/core';
import iconv from 'iconv-lite';
import type { PrinterProfile } from '../profiles';
import type { ByteWriter } from './byte-writer';

/*
 * Text to printer bytes. Which path a character takes follows its display width, so what the
 * layout counted is what the paper shows:
 * - printable ASCII: as is;
 * - one column wide: a byte of one of the profile's Latin code pages (cp858 first, for the euro
 *   sign, then cp1252, cp850, cp437), switching code page only when the current one lacks the
 *   character; none has it: an ASCII look-alike for spaces, dashes and quotes (Intl puts U+202F
 *   in dates and times), else '?';
 * - two columns wide (CJK, fullwidth forms): double-byte in Kanji mode with the profile's CJK
 *   encoding (GB18030, Big5, Shift-JIS); the profile has none, or the encoding or the printer font
 *   lacks the character: '??', two question marks, so the line keeps its width (the ideographic
 *   space: two spaces);
 * - zero columns (joiners, variation selectors, combining marks that NFC cannot compose, control
 *   characters): nothing, as they take no column.
 */

export type LatinCodePage = 'cp858' | 'cp1252' | 'cp850' | 'cp437';
export type CjkEncoding = PrinterProfile['cjk'][number];

/** Code pages in the order they are tried: cp858 has the euro sign, cp437 has the fewest accents. */
export const LATIN_PREFERENCE: readonly LatinCodePage[] = ['cp858', 'cp1252', 'cp850', 'cp437'];

/** iconv-lite names; cp950 is Big5 as printer fonts have it (iconv's "big5" adds HKSCS). */
const CJK_CODEC: Record<CjkEncoding, string> = { gb18030: 'gb18030', big5: 'cp950', shift_jis: 'shift_jis' };

/** What the Latin code page lacks is printed as this (one column). */
export const MISSING_NARROW = 0x3f;

/** One-column look-alikes in ASCII for characters no code page has: same width, same meaning. */
const ASCII_LOOKALIKE = new Map<number, number>([
  ...[0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x202f, 0x205f].map(
    (cp): [number, number] => [cp, 0x20],
  ),
  ...[0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2043, 0x2212].map((cp): [number, number] => [cp, 0x2d]),
  ...[0x2018, 0x2019, 0x201a, 0x201b, 0x2032].map((cp): [number, number] => [cp, 0x27]),
  ...[0x201c, 0x201d, 0x201e, 0x201f, 0x2033].map((cp): [number, number] => [cp, 0x22]),
  [0x2039, 0x3c],
  [0x203a, 0x3e],
]);

const IDEOGRAPHIC_SPACE = 0x3000;

const latinTables = new Map<LatinCodePage, Map<number, number>>();

/** Code point to byte for the upper half (0x80-0xFF) of a code page; the lower half is ASCII. */
function latinTable(page: LatinCodePage): Map<number, number> {
  let table = latinTables.get(page);
  if (!table) {
    table = new Map();
    for (let byte = 0x80; byte <= 0xff; byte++) {
      const char = iconv.decode(Uint8Array.of(byte) as Buffer, page);
      const cp = char.codePointAt(0);
      if (char.length === 1 && cp !== undefined && cp !== 0xfffd && !table.has(cp)) table.set(cp, byte);
    }
    latinTables.set(page, table);
  }
  return table;
}

const cjkCaches = new Map<CjkEncoding, Map<number, Uint8Array | null>>();

/**
 * The double-byte (GB18030: also four-byte CJK Extension A) code of a wide character, or null
 * when the encoding has none. Four-byte GB18030 codes outside Extension A (emoji and other planes)
 * count as missing: printer fonts do not have them.
 */
export function cjkBytes(encoding: CjkEncoding, codePoint: number): Uint8Array | null {
  let cache = cjkCaches.get(encoding);
  if (!cache) {
    cache = new Map();
    cjkCaches.set(encoding, cache);
  }
  const cached = cache.get(codePoint);
  if (cached !== undefined) return cached;
  const bytes = new Uint8Array(iconv.encode(String.fromCodePoint(codePoint), CJK_CODEC[encoding]));
  const extensionA = codePoint >= 0x3400 && codePoint <= 0x4dbf;
  const printable = bytes.length === 2 || (encoding === 'gb18030' && bytes.length === 4 && extensionA);
  const result = printable ? bytes : null;
  cache.set(codePoint, result);
  return result;
}

/** The commands the encoder needs from a dialect. */
export interface EncodingCommands {
  selectCodePage(n: number): Uint8Array;
  readonly kanjiOn: Uint8Array;
  readonly kanjiOff: Uint8Array;
}

/** The code pages a profile has, in preference order, with their numbers. */
export function codePagesOf(profile: PrinterProfile): { page: LatinCodePage; number: number }[] {
  return LATIN_PREFERENCE.flatMap((page) => {
    const number = profile.codePages[page];
    return number === undefined ? [] : [{ page, number }];
  });
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * Encodes lines of one job. It remembers the selected code page, so it is made per job and the
 * first call to `selectInitialCodePage` must come right after the printer reset.
 */
export class LineEncoder {
  private readonly pages: { page: LatinCodePage; number: number; table: Map<number, number> }[];
  private current = -1;
  private readonly run: Uint8Array[] = [];

  constructor(
    private readonly out: ByteWriter,
    private readonly commands: EncodingCommands,
    private readonly cjk: CjkEncoding | undefined,
    profile: PrinterProfile,
  ) {
    this.pages = codePagesOf(profile).map((p) => ({ ...p, table: latinTable(p.page) }));
    if (this.pages.length === 0) {
      throw new ValidationError(
        ErrorCode.VALIDATION_FAILED,
        `Printer profile ${profile.id} lists no Latin code page; add at least cp437 with its ESC t number to codePages.`,
        { details: { profile: profile.id } },
      );
    }
  }

  /** Selects the preferred code page (after ESC @, which resets it to the printer's default). */
  selectInitialCodePage(): void {
    const first = this.pages[0];
    if (first) this.select(0, first.number);
  }

  private select(index: number, number: number): void {
    this.out.bytes(this.commands.selectCodePage(number));
    this.current = index;
  }

  private flushRun(): void {
    if (this.run.length === 0) return;
    this.out.bytes(this.commands.kanjiOn);
    for (const bytes of this.run) this.out.bytes(bytes);
    this.out.bytes(this.commands.kanjiOff);
    this.run.length = 0;
  }

  private latin(codePoint: number): void {
    const table = this.pages[this.current]?.table;
    const byte = table?.get(codePoint);
    if (byte !== undefined) {
      this.out.byte(byte);
      return;
    }
    for (const [index, p] of this.pages.entries()) {
      const other = p.table.get(codePoint);
      if (other !== undefined) {
        this.select(index, p.number);
        this.out.byte(other);
        return;
      }
    }
    this.out.byte(ASCII_LOOKALIKE.get(codePoint) ?? MISSING_NARROW);
  }

  /** Writes `text` (one printed line, no line feed); leaves Kanji mode off. */
  write(text: string): void {
    if (PRINTABLE_ASCII.test(text)) {
      this.out.ascii(text);
      return;
    }
    for (const char of text.normalize('NFC')) {
      const codePoint = char.codePointAt(0) as number;
      if (codePoint >= 0x20 && codePoint < 0x7f) {
        this.flushRun();
        this.out.byte(codePoint);
        continue;
      }
      const width = codePointWidth(codePoint);
      if (width === 0) continue;
      if (width === 2) {
        const bytes = this.cjk === undefined ? null : cjkBytes(this.cjk, codePoint);
        if (bytes) this.run.push(bytes);
        else {
          this.flushRun();
          this.out.ascii(codePoint === IDEOGRAPHIC_SPACE ? '  ' : '??');
        }
        continue;
      }
      this.flushRun();
      this.latin(codePoint);
    }
    this.flushRun();
  }
}
