import { codePointWidth } from '@tillkit/core';
import iconv from 'iconv-lite';
import type { Charset, PrinterProfile } from '../profiles';

type LatinCharset = 'cp437' | 'cp850' | 'cp858' | 'cp1252';
type CjkCharset = 'gb18030' | 'big5' | 'shift_jis';

/** The line text() shows where the paper was cut. */
export const CUT_LINE = '--- cut ---';

const CUT = Symbol('cut');
const DEFAULT_TAB_COLUMNS = 8;

interface Decoder {
  write(buffer: Buffer): string;
  end(): string | undefined;
}

const toBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * The printing side of the emulator: turns printable bytes into lines of text the way the print
 * head lays them out. Bytes decode per the active code page (ESC t) or, in Kanji mode (FS &), per
 * the model's CJK encoding; a line ends at LF or when the next character would not fit the print
 * area (columns from the profile, narrower with double-width characters and wide CJK glyphs).
 * Styles other than size do not show in text.
 */
export class EscPosTextRenderer {
  private readonly printed: (string | typeof CUT)[] = [];
  private line = '';
  private lineDots = 0;
  private codePage: LatinCharset = 'cp437';
  private kanji = false;
  private kanjiEncoding: CjkCharset | undefined;
  private decoder: Decoder | undefined;
  private decoderCharset: Charset | undefined;
  private fontB = false;
  private widthMultiplier = 1;
  private charSpacing = 0;
  private leftMargin = 0;
  private printAreaWidth: number | undefined;
  private tabColumns: readonly number[] | undefined;

  constructor(private readonly profile: PrinterProfile) {
    this.kanjiEncoding = profile.cjk[0];
  }

  /** The character set printable bytes decode with right now. */
  get encoding(): Charset {
    return this.kanji && this.kanjiEncoding !== undefined ? this.kanjiEncoding : this.codePage;
  }

  /** ESC t n. Returns the code page selected, or undefined when the model has none for n (then ignored). */
  selectCodePage(n: number): LatinCharset | undefined {
    const entry = Object.entries(this.profile.codePages).find(([, value]) => value === n);
    if (entry === undefined) return undefined;
    this.switchEncoding(() => {
      this.codePage = entry[0] as LatinCharset;
    });
    return this.codePage;
  }

  /** FS & (on) and FS . (off). Models without a CJK font ignore Kanji mode. */
  setKanjiMode(on: boolean): void {
    if (this.profile.cjk.length === 0) return;
    this.switchEncoding(() => {
      this.kanji = on;
    });
  }

  /**
   * FS C n on a multi-byte model: n (0-2 or 48-50) picks the n-th CJK encoding of the profile
   * when it has several; a model with one encoding keeps it.
   */
  selectKanjiEncoding(n: number): CjkCharset | undefined {
    const choice = this.profile.cjk[n >= 48 ? n - 48 : n];
    if (choice !== undefined) {
      this.switchEncoding(() => {
        this.kanjiEncoding = choice;
      });
    }
    return this.kanjiEncoding;
  }

  /** ESC ! n: font (bit 0) and double width (bit 5). */
  setPrintMode(n: number): void {
    this.fontB = (n & 0x01) !== 0;
    this.widthMultiplier = n & 0x20 ? 2 : 1;
  }

  /** ESC M n: font A (0/48) or B and C (narrower). */
  setFont(n: number): void {
    this.fontB = n % 48 !== 0;
  }

  /** GS ! n: width multiplier 1-8 in the high nibble. */
  setCharacterSize(n: number): void {
    this.widthMultiplier = ((n >> 4) & 0x07) + 1;
  }

  /** ESC SP n: extra dots right of each character. */
  setCharacterSpacing(dots: number): void {
    this.charSpacing = dots;
  }

  /** GS L: left margin in dots. */
  setLeftMargin(dots: number): void {
    this.leftMargin = dots;
  }

  /** GS W: print area width in dots. */
  setPrintAreaWidth(dots: number): void {
    this.printAreaWidth = dots;
  }

  /** ESC D: tab stops in character columns (empty: none). */
  setTabs(columns: readonly number[]): void {
    this.tabColumns = columns;
  }

  /** Printable bytes. */
  write(bytes: Uint8Array): void {
    const decoder = this.currentDecoder();
    this.place(decoder.write(toBuffer(bytes)));
  }

  /** HT: move to the next tab stop (every 8 columns by default). */
  tab(): void {
    const column = Math.floor(this.lineDots / this.cellDots());
    const stops = this.tabColumns ?? [];
    const next =
      this.tabColumns === undefined
        ? (Math.floor(column / DEFAULT_TAB_COLUMNS) + 1) * DEFAULT_TAB_COLUMNS
        : stops.find((stop) => stop > column);
    if (next === undefined) return;
    this.place(' '.repeat(next - column));
  }

  /** LF / ESC d n: print the line buffer, then feed; each extra line is an empty line. */
  printAndFeed(lines: number): void {
    if (lines <= 0) {
      if (this.hasPendingLine()) this.endLine();
      return;
    }
    for (let i = 0; i < lines; i++) this.endLine();
  }

  /** Something printed on a line of its own (raster image, barcode, 2D symbol). */
  printBlock(text: string): void {
    if (this.hasPendingLine()) this.endLine();
    this.printed.push(text);
  }

  /** Something placed in the line buffer (ESC * bit image bands print with the line). */
  printInline(text: string): void {
    this.flushDecoder();
    this.line += text;
  }

  /** GS V: print the line buffer, then cut. */
  cut(): void {
    if (this.hasPendingLine()) this.endLine();
    this.printed.push(CUT);
  }

  /** Drop the line buffer without printing it (DLE DC4 8 clear buffers). */
  clearLineBuffer(): void {
    this.decoder = undefined;
    this.decoderCharset = undefined;
    this.line = '';
    this.lineDots = 0;
  }

  /** ESC @: clear the line buffer, back to power-on modes (code page 0, Kanji off, styles off). */
  initialize(): void {
    this.clearLineBuffer();
    this.codePage = 'cp437';
    this.kanji = false;
    this.kanjiEncoding = this.profile.cjk[0];
    this.fontB = false;
    this.widthMultiplier = 1;
    this.charSpacing = 0;
    this.leftMargin = 0;
    this.printAreaWidth = undefined;
    this.tabColumns = undefined;
  }

  /** Decode bytes with the active encoding, without printing them (for the command log). */
  decode(bytes: Uint8Array): string {
    return iconv.decode(toBuffer(bytes), this.encoding);
  }

  /** Everything printed, one line per line, cuts as CUT_LINE. */
  text(): string {
    return this.printed.map((line) => `${line === CUT ? CUT_LINE : line}\n`).join('');
  }

  /** Printed text split at cuts; trailing empty lines (paper fed before the cut) are left out. */
  receipts(): string[] {
    const receipts: string[] = [];
    let current: string[] = [];
    const close = (): void => {
      while (current.length > 0 && current[current.length - 1] === '') current.pop();
      receipts.push(current.join('\n'));
      current = [];
    };
    for (const line of this.printed) {
      if (line === CUT) close();
      else current.push(line);
    }
    if (current.some((line) => line !== '')) close();
    return receipts;
  }

  /** Printed lines so far (a cut counts as one). */
  get lineCount(): number {
    return this.printed.length;
  }

  private hasPendingLine(): boolean {
    this.flushDecoder();
    return this.line !== '' || this.lineDots > 0;
  }

  private endLine(): void {
    this.flushDecoder();
    this.printed.push(this.line);
    this.line = '';
    this.lineDots = 0;
  }

  private cellDots(): number {
    const columns = this.fontB ? this.profile.columns.fontB : this.profile.columns.fontA;
    return Math.max(1, Math.floor(this.profile.widthDots / columns));
  }

  private capacity(): number {
    const area = this.profile.widthDots - this.leftMargin;
    return Math.max(1, this.printAreaWidth === undefined ? area : Math.min(area, this.printAreaWidth));
  }

  private place(text: string): void {
    const cell = this.cellDots();
    const capacity = this.capacity();
    for (const ch of text) {
      const width = codePointWidth(ch.codePointAt(0) ?? 0);
      if (width === 0) {
        this.line += ch;
        continue;
      }
      const dots = (cell * width + this.charSpacing) * this.widthMultiplier;
      if (this.lineDots > 0 && this.lineDots + dots > capacity) {
        this.printed.push(this.line);
        this.line = '';
        this.lineDots = 0;
      }
      this.line += ch;
      this.lineDots += dots;
    }
  }

  private currentDecoder(): Decoder {
    const charset = this.encoding;
    if (this.decoder === undefined || this.decoderCharset !== charset) {
      this.flushDecoder();
      this.decoder = iconv.getDecoder(charset);
      this.decoderCharset = charset;
    }
    return this.decoder;
  }

  /** Print any bytes the decoder still holds (an incomplete multi-byte character prints as U+FFFD). */
  private flushDecoder(): void {
    if (this.decoder === undefined) return;
    const rest = this.decoder.end();
    this.decoder = undefined;
    this.decoderCharset = undefined;
    if (rest) this.place(rest);
  }

  private switchEncoding(change: () => void): void {
    this.flushDecoder();
    change();
  }
}
