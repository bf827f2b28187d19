import { ErrorCode, ValidationError } from '@tillkit/core';
import { PrinterTypes, ThermalPrinter } from 'node-thermal-printer';
import type { PrinterProfile } from '../profiles';
import { ByteWriter } from './byte-writer';
import { commands } from './commands';
import { LineEncoder, type CjkEncoding } from './encoding';
import { rasterCommands, starRasterCommands, type MonochromeBitmap } from './image';

/*
 * The command dialects (ESC/POS and Star Line Mode) and the per-job builder.
 *
 * node-thermal-printer generates what it gets right: text styles, alignment, fonts, sizes (with
 * its width/height swap undone) and barcodes for both dialects, and the Star drawer kick. It is
 * used as a command generator only: each job gets a fresh instance whose buffer is drained after
 * every call, so nothing carries over between jobs, and its Buffer.concat of the whole buffer on
 * every append (quadratic in the job's size) only ever copies one command. The job itself goes
 * into one ByteWriter. Where it is wrong, the bytes are written here, each with the reason:
 * - drawer (ESC/POS): it sends `ESC p m` without t1 t2; we send `ESC p m t1 t2`;
 * - cut: it appends ESC @ (code page reset, status back off) and feeds 8 lines; we feed to the
 *   cutter and cut (GS V 65/66 0, Star ESC d 2/3) with nothing after;
 * - CJK: it switches ESC R / EUC encodings; we use Kanji mode with the profile's encoding;
 * - QR (ESC/POS): its GS ( k length counts UTF-16 units, not bytes, and it drops module sizes
 *   above 8; QR (Star): it omits the ESC GS y D 1 data command and picks model 1;
 * - text size (ESC/POS): setTextSize(height, width) puts height in GS !'s width nibble;
 * - CODE128 data: it does not escape `{` (ESC/POS) or `%` (Star); we escape before handing it over;
 * - code pages: it knows its own numbering; profiles carry each model's numbers;
 * - images: see image.ts.
 */

type Align = 'left' | 'center' | 'right';
export type TextSize = 'normal' | 'double-height' | 'double-width' | 'double';
export type Symbology = 'CODE128' | 'EAN13' | 'CODE39';

function freshPrinter(dialect: PrinterProfile['dialect']): ThermalPrinter {
  // No interface: a command generator only. The typings require one the code does not need.
  const config = { type: dialect === 'star' ? PrinterTypes.STAR : PrinterTypes.EPSON } as ConstructorParameters<
    typeof ThermalPrinter
  >[0];
  return new ThermalPrinter(config);
}

/** What `call` made node-thermal-printer append, with its buffer emptied again. */
function take(printer: ThermalPrinter, call: (p: ThermalPrinter) => void): Uint8Array {
  call(printer);
  const buffer = printer.getBuffer() as Buffer | null;
  printer.clear();
  return buffer ? new Uint8Array(buffer) : new Uint8Array(0);
}

/** Constant style sequences, generated once by node-thermal-printer for each dialect. */
interface StyleBytes {
  readonly bold: readonly [Uint8Array, Uint8Array];
  readonly underline: readonly [Uint8Array, Uint8Array];
  readonly align: Readonly<Record<Align, Uint8Array>>;
  readonly font: Readonly<Record<'A' | 'B', Uint8Array>>;
  readonly size: Readonly<Record<TextSize, Uint8Array>>;
}

function styleBytes(dialect: PrinterProfile['dialect']): StyleBytes {
  const p = freshPrinter(dialect);
  const t = (call: (p: ThermalPrinter) => void) => take(p, call);
  const size: Record<TextSize, Uint8Array> =
    dialect === 'star'
      ? {
          normal: t((q) => q.setTextNormal()),
          'double-height': t((q) => q.setTextDoubleHeight()),
          'double-width': t((q) => q.setTextDoubleWidth()),
          double: t((q) => q.setTextQuadArea()),
        }
      : {
          // GS ! n (not ESC !, which also resets bold, underline and font, and does not scale
          // Kanji). GS ! takes the width in the high nibble; node-thermal-printer's
          // setTextSize(height, width) puts its first argument there, so width goes first.
          normal: t((q) => q.setTextSize(0, 0)),
          'double-height': t((q) => q.setTextSize(0, 1)),
          'double-width': t((q) => q.setTextSize(1, 0)),
          double: t((q) => q.setTextSize(1, 1)),
        };
  return {
    bold: [t((q) => q.bold(false)), t((q) => q.bold(true))],
    underline: [t((q) => q.underline(false)), t((q) => q.underline(true))],
    align: { left: t((q) => q.alignLeft()), center: t((q) => q.alignCenter()), right: t((q) => q.alignRight()) },
    font: { A: t((q) => q.setTypeFontA()), B: t((q) => q.setTypeFontB()) },
    size,
  };
}

const STYLES: Record<PrinterProfile['dialect'], StyleBytes> = { escpos: styleBytes('escpos'), star: styleBytes('star') };

// QR byte-mode capacities for versions 1-40 at error correction levels M and L (ISO/IEC 18004).
const QR_CAPACITY_M = [
  14, 26, 42, 62, 84, 106, 122, 152, 180, 213, 251, 287, 331, 362, 412, 450, 504, 560, 624, 666, 711, 779, 857, 911, 997, 1059,
  1125, 1190, 1264, 1370, 1452, 1538, 1628, 1722, 1809, 1911, 1989, 2099, 2213, 2331,
];
const QR_CAPACITY_L = [
  17, 32, 53, 78, 106, 134, 154, 192, 230, 271, 321, 367, 425, 458, 520, 586, 644, 718, 792, 858, 929, 1003, 1091, 1171, 1273,
  1367, 1465, 1528, 1628, 1732, 1840, 1952, 2068, 2188, 2303, 2431, 2563, 2699, 2809, 2953,
];
/** Module size in dots when the document gives none (about 0.75 mm at 203 dpi). */
const QR_DEFAULT_MODULE = 6;

/**
 * Error correction M when the data fits, else L; and the module size: the document's (or 6),
 * made smaller when the symbol with its 4-module quiet zones would not fit the paper.
 */
export function qrPlan(byteLength: number, widthDots: number, requested: number | undefined, maxModule: number) {
  let level: 'M' | 'L' = 'M';
  let version = QR_CAPACITY_M.findIndex((c) => c >= byteLength) + 1;
  if (version === 0) {
    level = 'L';
    version = QR_CAPACITY_L.findIndex((c) => c >= byteLength) + 1;
  }
  if (version === 0) version = 40;
  const modules = 17 + 4 * version + 8;
  const fits = Math.max(1, Math.floor(widthDots / modules));
  return { level, version, moduleSize: Math.min(requested ?? QR_DEFAULT_MODULE, fits, maxModule) };
}

/** Module widths of a barcode: CODE128 in code set B, CODE39 at a 1:3 narrow:wide ratio. */
function barcodeModules(symbology: Symbology, data: string): number {
  switch (symbology) {
    case 'CODE128':
      return 11 * (data.length + 2) + 13; // start, data, check digit, stop
    case 'EAN13':
      return 95;
    case 'CODE39':
      return 16 * (data.length + 2) - 1; // the * start and stop characters, a gap between characters
  }
}

/** Narrowest bar in dots: 3 when it fits, else 2; undefined when even 2 is wider than the paper. */
export function barcodeModuleWidth(symbology: Symbology, data: string, widthDots: number): number | undefined {
  const width = Math.min(3, Math.floor(widthDots / barcodeModules(symbology, data)));
  return width >= 2 ? width : undefined;
}

const BARCODE_HEIGHT = 80;

/** The commands of one dialect, for one job. */
export interface Dialect {
  readonly styles: StyleBytes;
  readonly lineFeed: Uint8Array;
  init(cjk: CjkEncoding | undefined): Uint8Array;
  selectCodePage(n: number): Uint8Array;
  readonly kanjiOn: Uint8Array;
  readonly kanjiOff: Uint8Array;
  /** Kanji underline (ESC/POS FS -), sent with ESC - on CJK profiles; empty where ESC - covers it */
  kanjiUnderline(on: boolean): Uint8Array;
  feed(lines: number): Uint8Array;
  cut(partial: boolean): Uint8Array;
  drawerKick(pin: 2 | 5): Uint8Array;
  barcode(symbology: Symbology, data: string, moduleWidth: number): Uint8Array;
  qr(data: Uint8Array, level: 'M' | 'L', moduleSize: number): Uint8Array;
  readonly maxQrModule: number;
  raster(bitmap: MonochromeBitmap, maxRows: number): Uint8Array;
}

const ESCPOS_BARCODE_TYPE: Record<Symbology, number> = { EAN13: 67, CODE39: 69, CODE128: 73 };
const STAR_BARCODE_TYPE: Record<Symbology, number> = { EAN13: 51, CODE39: 52, CODE128: 54 };

function escposDialect(printer: ThermalPrinter): Dialect {
  return {
    styles: STYLES.escpos,
    lineFeed: Uint8Array.of(0x0a),
    init(cjk) {
      // After ESC @ Kanji mode is whatever the model's memory switch says (on, for many Chinese
      // models): turn it off so single bytes print from the code page; pick Shift-JIS on
      // Japanese models.
      if (cjk === undefined) return commands.init();
      const kanji = cjk === 'shift_jis' ? commands.selectKanjiEncoding('shift_jis') : new Uint8Array(0);
      return Uint8Array.from([...commands.init(), ...commands.kanjiOff(), ...kanji]);
    },
    selectCodePage: (n) => commands.selectCodePage(n),
    kanjiOn: commands.kanjiOn(),
    kanjiOff: commands.kanjiOff(),
    kanjiUnderline: (on) => Uint8Array.of(0x1c, 0x2d, on ? 1 : 0),
    feed: (lines) => commands.feed(lines),
    cut: (partial) => commands.cut(partial),
    drawerKick: (pin) => commands.drawerKick(pin),
    barcode(symbology, data, moduleWidth) {
      // In CODE128 data `{` starts a code set switch; a literal `{` is `{{`.
      const escaped = symbology === 'CODE128' ? data.replaceAll('{', '{{') : data;
      return take(printer, (p) =>
        p.printBarcode(escaped, ESCPOS_BARCODE_TYPE[symbology], {
          hriPos: 2,
          hriFont: 0,
          width: moduleWidth,
          height: BARCODE_HEIGHT,
        }),
      );
    },
    qr(data, level, moduleSize) {
      const store = data.length + 3;
      return Uint8Array.from([
        ...[0x1d, 0x28, 0x6b, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00], // model 2
        ...[0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x43, moduleSize], // module size
        ...[0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x45, level === 'M' ? 0x31 : 0x30], // error correction
        ...[0x1d, 0x28, 0x6b, store & 0xff, store >> 8, 0x31, 0x50, 0x30], // store: length in bytes
        ...data,
        ...[0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x51, 0x30], // print
      ]);
    },
    maxQrModule: 16,
    raster: (bitmap, maxRows) => rasterCommands(bitmap, maxRows),
  };
}

function starDialect(printer: ThermalPrinter): Dialect {
  const drawerPin2 = take(printer, (p) => p.openCashDrawer()); // ESC BEL 11 55 BEL: 110 ms pulse, then BEL
  return {
    styles: STYLES.star,
    lineFeed: Uint8Array.of(0x0a),
    init: (cjk) => (cjk === undefined ? commands.init() : Uint8Array.of(0x1b, 0x40, 0x1b, 0x24, 0x00)),
    selectCodePage: (n) => Uint8Array.of(0x1b, 0x1d, 0x74, n), // ESC GS t n
    kanjiOn: Uint8Array.of(0x1b, 0x24, 0x01), // ESC $ 1: Shift-JIS Kanji mode
    kanjiOff: Uint8Array.of(0x1b, 0x24, 0x00),
    kanjiUnderline: () => new Uint8Array(0),
    feed: (lines) => Uint8Array.of(0x1b, 0x61, lines), // ESC a n
    cut: (partial) => Uint8Array.of(0x1b, 0x64, partial ? 3 : 2), // ESC d n: feed to the cutter, cut
    // SUB drives external device 2 (200 ms, fixed); ESC p would print "p" in Star Line Mode.
    drawerKick: (pin) => (pin === 2 ? drawerPin2 : Uint8Array.of(0x1a)),
    barcode(symbology, data, moduleWidth) {
      // Star CODE128 data uses % as an escape: a literal % is %0 (as receiptline sends it).
      const escaped = symbology === 'CODE128' ? data.replaceAll('%', '%0') : data;
      const settings = { characters: 50, mode: 47 + moduleWidth, height: BARCODE_HEIGHT }; // HRI below, then LF
      return take(printer, (p) => p.printBarcode(escaped, STAR_BARCODE_TYPE[symbology], settings));
    },
    qr(data, level, moduleSize) {
      return Uint8Array.from([
        ...[0x1b, 0x1d, 0x79, 0x53, 0x30, 0x02], // model 2
        ...[0x1b, 0x1d, 0x79, 0x53, 0x31, level === 'M' ? 1 : 0],
        ...[0x1b, 0x1d, 0x79, 0x53, 0x32, moduleSize],
        ...[0x1b, 0x1d, 0x79, 0x44, 0x31, 0x00, data.length & 0xff, data.length >> 8], // ESC GS y D 1 0 nL nH
        ...data,
        ...[0x1b, 0x1d, 0x79, 0x50], // print
      ]);
    },
    maxQrModule: 8,
    raster: (bitmap) => starRasterCommands(bitmap),
  };
}

/** The CJK encoding a job prints with: the profile's first, if the dialect can drive it. */
export function cjkEncodingOf(profile: PrinterProfile): CjkEncoding | undefined {
  const cjk = profile.cjk[0];
  if (cjk !== undefined && profile.dialect === 'star' && cjk !== 'shift_jis') {
    throw new ValidationError(
      ErrorCode.VALIDATION_FAILED,
      `Printer profile ${profile.id} is in Star Line Mode with ${cjk}: only Shift-JIS Kanji is supported there. ` +
        'Switch the printer to ESC/POS emulation and set dialect to "escpos".',
      { details: { profile: profile.id, cjk } },
    );
  }
  return cjk;
}

interface Style {
  align: Align;
  bold: boolean;
  underline: boolean;
  size: TextSize;
}

const PLAIN: Style = { align: 'left', bold: false, underline: false, size: 'normal' };

/**
 * One job's bytes. Made fresh for every job: its own writer, its own node-thermal-printer
 * instance, its own code page and style state.
 */
export class ThermalBuilder {
  readonly out = new ByteWriter();
  readonly dialect: Dialect;
  readonly text: LineEncoder;
  private readonly cjk: CjkEncoding | undefined;
  private style: Style = { ...PLAIN };

  constructor(readonly profile: PrinterProfile) {
    this.cjk = cjkEncodingOf(profile);
    const printer = freshPrinter(profile.dialect);
    this.dialect = profile.dialect === 'star' ? starDialect(printer) : escposDialect(printer);
    this.text = new LineEncoder(this.out, this.dialect, this.cjk, profile);
  }

  /** Reset and settings: ESC @, Kanji state, code page, font. */
  start(font: 'A' | 'B'): this {
    this.out.bytes(this.dialect.init(this.cjk));
    this.text.selectInitialCodePage();
    this.out.bytes(this.dialect.styles.font[font]);
    return this;
  }

  /** Sends only the style commands that change something. */
  setStyle(next: Partial<Style>): this {
    const want: Style = { ...PLAIN, ...next };
    const s = this.dialect.styles;
    if (want.align !== this.style.align) this.out.bytes(s.align[want.align]);
    if (want.size !== this.style.size) this.out.bytes(s.size[want.size]);
    if (want.bold !== this.style.bold) this.out.bytes(s.bold[want.bold ? 1 : 0]);
    if (want.underline !== this.style.underline) {
      this.out.bytes(s.underline[want.underline ? 1 : 0]);
      if (this.cjk !== undefined) this.out.bytes(this.dialect.kanjiUnderline(want.underline));
    }
    this.style = want;
    return this;
  }

  /** One printed line: the text, then LF. */
  line(text: string): this {
    this.text.write(text);
    this.out.bytes(this.dialect.lineFeed);
    return this;
  }

  raw(bytes: Uint8Array): this {
    this.out.bytes(bytes);
    return this;
  }

  finish(): Uint8Array {
    return this.out.finish();
  }
}
