/**
 * An incremental ESC/POS command parser: bytes go in as they arrive (split anywhere), whole
 * commands come out with their exact parameter lengths, as a printer's command interpreter sees
 * them. Pure: no I/O, no printer state (the emulator executes what this returns).
 *
 * Rules, from the Epson ESC/POS reference:
 * - bytes 0x20-0xFF outside a command are printable data (`TEXT`), whatever the code page;
 * - LF, CR, HT, FF and CAN are one-byte commands; any other control byte is `UNKNOWN`;
 * - ESC, GS, FS and DLE start a command whose length follows from its bytes (fixed, a length
 *   prefix, a header that gives the data size, or a NUL terminator);
 * - an introducer followed by a byte that names no command is logged as `UNKNOWN` with that one
 *   byte, and parsing resumes at the next byte (so garbage never stalls the parser);
 * - a known command with out-of-range parameters keeps its length and carries `error`: the
 *   printer ignores it.
 */

const ESC = 0x1b;
const GS = 0x1d;
const FS = 0x1c;
const DLE = 0x10;

/** One entry of the emulator's command log. */
export interface EmulatedCommand {
  /**
   * 'TEXT', 'LF', 'ESC @', 'GS V', 'GS v 0', 'GS ( k', 'GS 8 L', 'DLE EOT', 'UNKNOWN', ...: the
   * introducer, then the command letter (ESC SP and ESC FF spell their control byte), then for
   * the `(`, `8` and `v` families the function letter.
   */
  readonly name: string;
  /** the exact bytes of the command (for TEXT: the run of printable bytes) */
  readonly bytes: Uint8Array;
  /** decoded parameters (raw `n`/`m` values and meaningful names, e.g. `{ n: 1, align: 'center' }`) */
  readonly params?: Readonly<Record<string, number | string>>;
  /** set when the command is malformed: the printer ignores it (for example an ESC p kick without timing bytes) */
  readonly error?: string;
}

/** A command as the parser returns it. */
export interface ParsedCommand extends EmulatedCommand {
  /** sequence number of the command in the stream (ids survive splits; used to pace raster data) */
  readonly id: number;
  /** TEXT that directly continues the previous TEXT (its run was split across feeds) */
  readonly continuesText: boolean;
}

/** How far a raster image (GS v 0) currently being received has got. */
export interface PartialRaster {
  readonly id: number;
  readonly bytesPerRow: number;
  readonly rows: number;
  readonly rowsReceived: number;
}

type Measure =
  /** the command is at least `total` bytes long: read that many, then measure again */
  | { readonly kind: 'need'; readonly total: number }
  /** the command is the first `length` bytes; any bytes after them are parsed again */
  | { readonly kind: 'done'; readonly length: number; readonly error?: string }
  /** the introducer starts no known command: skip it */
  | { readonly kind: 'unknown' };

const need = (total: number): Measure => ({ kind: 'need', total });
const done = (length: number, error?: string): Measure =>
  error === undefined ? { kind: 'done', length } : { kind: 'done', length, error };
const UNKNOWN: Measure = { kind: 'unknown' };

const at = (p: Uint8Array, i: number): number => p[i] ?? 0;
const u16 = (p: Uint8Array, i: number): number => at(p, i) + at(p, i + 1) * 256;
const u32 = (p: Uint8Array, i: number): number => u16(p, i) + u16(p, i + 2) * 65536;
const hex = (b: number): string => `0x${b.toString(16).toUpperCase().padStart(2, '0')}`;

function fixed(size: number, len: number): Measure {
  return len < size ? need(size) : done(size);
}

/** ESC commands with a fixed length (second byte -> total length) */
const ESC_FIXED: Readonly<Record<number, number>> = {
  0x0c: 2, // ESC FF  print in page mode
  0x20: 3, // ESC SP n  right-side character spacing
  0x21: 3, // ESC ! n  print mode
  0x24: 4, // ESC $ nL nH  absolute position
  0x25: 3, // ESC % n  user-defined characters on/off
  0x2d: 3, // ESC - n  underline
  0x32: 2, // ESC 2  default line spacing
  0x33: 3, // ESC 3 n  line spacing
  0x3d: 3, // ESC = n  select peripheral
  0x3f: 3, // ESC ? n  cancel user-defined character
  0x40: 2, // ESC @  initialize
  0x45: 3, // ESC E n  emphasized
  0x47: 3, // ESC G n  double-strike
  0x4a: 3, // ESC J n  print and feed n dots
  0x4b: 3, // ESC K n  print and reverse feed
  0x4c: 2, // ESC L  page mode
  0x4d: 3, // ESC M n  font
  0x52: 3, // ESC R n  international character set
  0x53: 2, // ESC S  standard mode
  0x54: 3, // ESC T n  page mode direction
  0x55: 3, // ESC U n  unidirectional printing
  0x56: 3, // ESC V n  90 degree rotation
  0x57: 10, // ESC W xL xH yL yH dxL dxH dyL dyH  page mode area
  0x5c: 4, // ESC \ nL nH  relative position
  0x61: 3, // ESC a n  justification
  0x63: 4, // ESC c n1 n2  paper sensors / panel buttons
  0x64: 3, // ESC d n  print and feed n lines
  0x65: 3, // ESC e n  print and reverse feed n lines
  0x69: 2, // ESC i  partial cut (legacy)
  0x6d: 2, // ESC m  partial cut (legacy)
  0x70: 5, // ESC p m t1 t2  generate pulse (drawer kick)
  0x72: 3, // ESC r n  print color
  0x74: 3, // ESC t n  code page
  0x75: 3, // ESC u n  transmit peripheral status (legacy)
  0x76: 2, // ESC v  transmit paper sensor status (legacy)
  0x7b: 3, // ESC { n  upside-down
};

/** GS commands with a fixed length */
const GS_FIXED: Readonly<Record<number, number>> = {
  0x21: 3, // GS ! n  character size
  0x23: 3, // GS # n  select NV image
  0x24: 4, // GS $ nL nH  absolute vertical position (page mode)
  0x2f: 3, // GS / m  print downloaded bit image
  0x3a: 2, // GS :  start/end macro definition
  0x42: 3, // GS B n  reverse (white on black)
  0x45: 3, // GS E n  print density
  0x48: 3, // GS H n  HRI position
  0x49: 3, // GS I n  transmit printer ID
  0x4c: 4, // GS L nL nH  left margin
  0x50: 4, // GS P x y  motion units
  0x54: 3, // GS T n  print position to beginning of line
  0x57: 4, // GS W nL nH  print area width
  0x5c: 4, // GS \ nL nH  relative vertical position (page mode)
  0x5e: 5, // GS ^ r t m  execute macro
  0x61: 3, // GS a n  automatic status back
  0x62: 3, // GS b n  smoothing
  0x63: 2, // GS c  print counter
  0x66: 3, // GS f n  HRI font
  0x67: 5, // GS g 0|2 m nL nH  maintenance counter
  0x68: 3, // GS h n  barcode height
  0x72: 3, // GS r n  transmit status
  0x77: 3, // GS w n  barcode module width
  0x7a: 5, // GS z 0 t1 t2  online recovery wait time
};

/** FS commands with a fixed length */
const FS_FIXED: Readonly<Record<number, number>> = {
  0x21: 3, // FS ! n  Kanji print mode
  0x26: 2, // FS &  Kanji mode on
  0x2d: 3, // FS - n  Kanji underline
  0x2e: 2, // FS .  Kanji mode off
  0x32: 76, // FS 2 c1 c2 d1..d72  user-defined Kanji (24 x 24)
  0x3f: 4, // FS ? c1 c2  cancel user-defined Kanji
  0x43: 3, // FS C n  Kanji character encoding
  0x53: 4, // FS S n1 n2  Kanji spacing
  0x57: 3, // FS W n  quadruple-size Kanji
  0x70: 4, // FS p n m  print NV bit image (legacy)
};

/** `X ( f pL pH d...` : five header bytes, then pL + pH x 256 bytes */
function lengthPrefixed(len: number, p: Uint8Array): Measure {
  if (len < 5) return need(5);
  return fixed(5 + u16(p, 3), len);
}

function measureEsc(p: Uint8Array, len: number): Measure {
  if (len < 2) return need(2);
  const c = at(p, 1);
  const size = ESC_FIXED[c];
  if (size !== undefined) return fixed(size, len);
  switch (c) {
    case 0x28: // ESC ( f pL pH ...
      return lengthPrefixed(len, p);
    case 0x2a: {
      // ESC * m nL nH d1..dk: k = n for 8-dot modes, 3n for 24-dot modes
      if (len < 5) return need(5);
      const m = at(p, 2);
      const n = u16(p, 3);
      if (m === 0 || m === 1) return fixed(5 + n, len);
      if (m === 32 || m === 33) return fixed(5 + 3 * n, len);
      return done(5, `ESC * m must be 0, 1, 32 or 33, got ${m}: the image data that follows prints as text`);
    }
    case 0x26: {
      // ESC & y c1 c2 [x d1..d(y*x)] for each character c1..c2
      if (len < 5) return need(5);
      const y = at(p, 2);
      const c1 = at(p, 3);
      const c2 = at(p, 4);
      if (y < 1 || y > 3 || c1 < 0x20 || c2 > 0x7e || c1 > c2) {
        return done(5, `ESC & needs y 1-3 and 32 <= c1 <= c2 <= 126, got y=${y} c1=${c1} c2=${c2}`);
      }
      let pos = 5;
      for (let ch = c1; ch <= c2; ch++) {
        if (len <= pos) return need(pos + 1);
        pos += 1 + y * at(p, pos);
      }
      return fixed(pos, len);
    }
    case 0x44: {
      // ESC D n1..nk NUL: up to 32 increasing tab positions
      for (let j = 2; j < len; j++) {
        const b = at(p, j);
        if (b === 0) return done(j + 1);
        if (j - 2 >= 32 || (j > 2 && b <= at(p, j - 1))) return done(j); // the rest is ordinary data
      }
      return need(len + 1);
    }
    default:
      return UNKNOWN;
  }
}

const BARCODE_FORM_A_MAX = 255;

function measureGs(p: Uint8Array, len: number): Measure {
  if (len < 2) return need(2);
  const c = at(p, 1);
  const size = GS_FIXED[c];
  if (size !== undefined) return fixed(size, len);
  switch (c) {
    case 0x28: // GS ( f pL pH ...
      return lengthPrefixed(len, p);
    case 0x2a: // GS * x y d1..d(x*y*8)
      if (len < 4) return need(4);
      return fixed(4 + at(p, 2) * at(p, 3) * 8, len);
    case 0x38: // GS 8 L p1 p2 p3 p4 m fn ...
      if (len < 3) return need(3);
      if (at(p, 2) !== 0x4c) return UNKNOWN;
      if (len < 7) return need(7);
      return fixed(7 + u32(p, 3), len);
    case 0x56: {
      // GS V m [n]
      if (len < 3) return need(3);
      const m = at(p, 2);
      if (m === 0 || m === 1 || m === 48 || m === 49) return done(3);
      if (m === 65 || m === 66 || m === 97 || m === 98 || m === 103 || m === 104) return fixed(4, len);
      return done(3, `GS V m must be 0, 1, 48, 49, 65, 66, 97, 98, 103 or 104, got ${m}`);
    }
    case 0x6b: {
      // GS k m d1..dk NUL (m 0-6) or GS k m n d1..dn (m 65-79)
      if (len < 3) return need(3);
      const m = at(p, 2);
      if (m <= 6) {
        for (let j = 3; j < len; j++) {
          const b = at(p, j);
          if (b === 0) return done(j + 1);
          if (b < 0x20 || b > 0x7e) {
            return done(j, `GS k form A data must end with NUL; byte ${hex(b)} ended it early: nothing printed`);
          }
          if (j - 3 >= BARCODE_FORM_A_MAX) return done(j, `GS k form A data longer than ${BARCODE_FORM_A_MAX} bytes`);
        }
        return need(len + 1);
      }
      if (m >= 65 && m <= 79) {
        if (len < 4) return need(4);
        return fixed(4 + at(p, 3), len);
      }
      return done(3, `GS k m must be 0-6 or 65-79, got ${m}: the data that follows prints as text`);
    }
    case 0x76: // GS v 0 m xL xH yL yH d1..dk, k = (xL + xH x 256) x (yL + yH x 256)
      if (len < 3) return need(3);
      if (at(p, 2) !== 0x30) return UNKNOWN;
      if (len < 8) return need(8);
      return fixed(8 + u16(p, 4) * u16(p, 6), len);
    default:
      return UNKNOWN;
  }
}

function measureFs(p: Uint8Array, len: number): Measure {
  if (len < 2) return need(2);
  const c = at(p, 1);
  const size = FS_FIXED[c];
  if (size !== undefined) return fixed(size, len);
  if (c === 0x28) return lengthPrefixed(len, p);
  return UNKNOWN;
}

const DC4_CLEAR_BUFFERS = [0x10, 0x14, 0x08, 0x01, 0x03, 0x14, 0x01, 0x06, 0x02, 0x08] as const;
const DC4_POWER_OFF = [0x10, 0x14, 0x02, 0x01, 0x08] as const;

/**
 * DLE commands are the real-time commands. The same rules drive the parser and the real-time
 * scanner of the receive path (escpos-realtime.ts), so both agree on where each one ends.
 * Anything malformed is not a real-time command: UNKNOWN.
 */
export function measureDle(p: Uint8Array, len: number): Measure {
  if (len < 2) return need(2);
  const c = at(p, 1);
  if (c === 0x04) {
    // DLE EOT n (n 1-4), DLE EOT 7 a, DLE EOT 8 a
    if (len < 3) return need(3);
    const n = at(p, 2);
    if (n >= 1 && n <= 4) return done(3);
    if (n === 7 || n === 8) return fixed(4, len);
    return UNKNOWN;
  }
  if (c === 0x05) {
    // DLE ENQ n (n 0-2)
    if (len < 3) return need(3);
    return at(p, 2) <= 2 ? done(3) : UNKNOWN;
  }
  if (c === 0x14) {
    if (len < 3) return need(3);
    const fn = at(p, 2);
    const expect = (sequence: readonly number[]): Measure => {
      for (let i = 3; i < Math.min(len, sequence.length); i++) if (at(p, i) !== sequence[i]) return UNKNOWN;
      return fixed(sequence.length, len);
    };
    if (fn === 1) return fixed(5, len); // DLE DC4 1 m t  pulse
    if (fn === 2) return expect(DC4_POWER_OFF);
    if (fn === 7) return fixed(4, len); // DLE DC4 7 m  transmit status
    if (fn === 8) return expect(DC4_CLEAR_BUFFERS);
    return UNKNOWN;
  }
  return UNKNOWN;
}

function measure(p: Uint8Array, len: number): Measure {
  switch (at(p, 0)) {
    case ESC:
      return measureEsc(p, len);
    case GS:
      return measureGs(p, len);
    case FS:
      return measureFs(p, len);
    default:
      return measureDle(p, len);
  }
}

const INTRODUCER: Readonly<Record<number, string>> = { [ESC]: 'ESC', [GS]: 'GS', [FS]: 'FS', [DLE]: 'DLE' };
const CONTROL: Readonly<Record<number, string>> = { 0x0a: 'LF', 0x0d: 'CR', 0x09: 'HT', 0x0c: 'FF', 0x18: 'CAN' };
const DLE_NAMES: Readonly<Record<number, string>> = { 0x04: 'EOT', 0x05: 'ENQ', 0x14: 'DC4' };

function commandName(b: Uint8Array): string {
  const intro = INTRODUCER[at(b, 0)] ?? 'UNKNOWN';
  const c = at(b, 1);
  if (intro === 'DLE') return `DLE ${DLE_NAMES[c] ?? hex(c)}`;
  const letter = c === 0x20 ? 'SP' : c === 0x0c ? 'FF' : String.fromCharCode(c);
  if (c === 0x28 || (intro === 'GS' && (c === 0x38 || c === 0x76))) {
    return `${intro} ${letter} ${String.fromCharCode(at(b, 2))}`;
  }
  return `${intro} ${letter}`;
}

const ALIGN = ['left', 'center', 'right'] as const;

/** Barcode symbologies of GS k, by m (form A 0-6, form B 65-79) */
export const BARCODE_TYPES: Readonly<Record<number, string>> = {
  0: 'UPC-A',
  1: 'UPC-E',
  2: 'EAN13',
  3: 'EAN8',
  4: 'CODE39',
  5: 'ITF',
  6: 'CODABAR',
  65: 'UPC-A',
  66: 'UPC-E',
  67: 'EAN13',
  68: 'EAN8',
  69: 'CODE39',
  70: 'ITF',
  71: 'CODABAR',
  72: 'CODE93',
  73: 'CODE128',
  74: 'GS1-128',
  75: 'GS1 DATABAR OMNIDIRECTIONAL',
  76: 'GS1 DATABAR TRUNCATED',
  77: 'GS1 DATABAR LIMITED',
  78: 'GS1 DATABAR EXPANDED',
  79: 'CODE128 AUTO',
};

/** 2D symbols of GS ( k, by cn */
export const SYMBOL_TYPES: Readonly<Record<number, string>> = {
  48: 'PDF417',
  49: 'QR',
  50: 'MAXICODE',
  51: 'GS1 DATABAR',
  52: 'COMPOSITE',
  53: 'AZTEC',
  54: 'DATAMATRIX',
};

const latin1 = (bytes: Uint8Array): string => String.fromCharCode(...bytes);

/**
 * CODE128 data as printed under the bars: `{A` `{B` `{C` switch code sets, `{{` is a brace,
 * other `{x` pairs are function characters (not printed); in code set C each byte is two digits.
 */
export function code128Text(data: Uint8Array): string {
  let out = '';
  let set = 'B';
  for (let i = 0; i < data.length; i++) {
    const b = at(data, i);
    if (b === 0x7b && i + 1 < data.length) {
      const next = String.fromCharCode(at(data, ++i));
      if (next === 'A' || next === 'B' || next === 'C') set = next;
      else if (next === '{') out += '{';
      continue;
    }
    out += set === 'C' ? String(b).padStart(2, '0') : String.fromCharCode(b);
  }
  return out;
}

type Params = Record<string, number | string>;

function escPulseError(m: number, t1: number, t2: number): string | undefined {
  if (m !== 0 && m !== 1 && m !== 48 && m !== 49) return `ESC p m must be 0, 1, 48 or 49 (drawer pin 2 or 5), got ${m}`;
  for (const t of [t1, t2]) {
    if (t === ESC || t === GS || t === FS || t === DLE) {
      return (
        `ESC p timing byte ${hex(t)} is the start of the next command: the kick was sent without its ` +
        `two timing bytes (send 1B 70 m t1 t2, e.g. 1B 70 00 19 FA)`
      );
    }
  }
  if (t1 === 0) return 'ESC p t1 = 0: a zero-length pulse does not open the drawer';
  return undefined;
}

/** A valid DLE DC4 1 m t: m 0 or 1, t 1-8 (pulse of t x 100 ms) */
export function dlePulseError(m: number, t: number): string | undefined {
  if (m !== 0 && m !== 1) return `DLE DC4 1 m must be 0 or 1 (drawer pin 2 or 5), got ${m}`;
  if (t < 1 || t > 8) return `DLE DC4 1 t must be 1-8 (x 100 ms), got ${t}`;
  return undefined;
}

function describe(b: Uint8Array, error: string | undefined): { name: string; params?: Params; error?: string } {
  const name = commandName(b);
  const n = at(b, 2);
  const params = ((): Params | undefined => {
    switch (name) {
      case 'ESC !':
        return {
          n,
          font: n & 0x01 ? 'B' : 'A',
          bold: (n >> 3) & 1,
          doubleHeight: (n >> 4) & 1,
          doubleWidth: (n >> 5) & 1,
          underline: (n >> 7) & 1,
        };
      case 'ESC E':
        return { n, bold: n & 1 };
      case 'ESC G':
        return { n, doubleStrike: n & 1 };
      case 'ESC -':
        return { n, underline: n % 48 };
      case 'ESC a':
        return { n, align: ALIGN[n % 48] ?? 'left' };
      case 'ESC M':
        return { n, font: n % 48 === 0 ? 'A' : n % 48 === 1 ? 'B' : 'C' };
      case 'ESC p': {
        const m = n;
        return { m, t1: at(b, 3), t2: at(b, 4), pin: m % 48 === 0 ? 2 : 5, onMs: at(b, 3) * 2, offMs: at(b, 4) * 2 };
      }
      case 'ESC $':
      case 'ESC \\':
      case 'GS L':
      case 'GS W':
        return { n: u16(b, 2) };
      case 'ESC c':
        return { n1: n, n2: at(b, 3) };
      case 'ESC *':
        return { m: n, width: u16(b, 3), rows: n >= 32 ? 24 : 8 };
      case 'ESC D':
        return { tabs: Array.from(b.subarray(2, b.length - (at(b, b.length - 1) === 0 ? 1 : 0))).join(',') };
      case 'ESC SP':
      case 'ESC 3':
      case 'ESC d':
      case 'ESC e':
      case 'ESC J':
      case 'ESC K':
      case 'ESC t':
      case 'ESC R':
      case 'ESC {':
      case 'ESC V':
      case 'ESC U':
      case 'ESC =':
      case 'ESC %':
      case 'ESC r':
      case 'ESC u':
      case 'GS B':
      case 'GS H':
      case 'GS h':
      case 'GS w':
      case 'GS f':
      case 'GS a':
      case 'GS r':
      case 'GS I':
      case 'GS E':
      case 'GS b':
      case 'GS /':
      case 'GS T':
      case 'FS C':
      case 'FS !':
      case 'FS -':
      case 'FS W':
      case 'DLE EOT':
      case 'DLE ENQ':
        return { n };
      case 'GS !':
        return { n, width: ((n >> 4) & 7) + 1, height: (n & 7) + 1 };
      case 'GS V': {
        // full cut: 0/48 and 65/97/103; partial: 1/49 and 66/98/104
        const mode = (n >= 65 ? n % 2 === 1 : n % 2 === 0) ? 'full' : 'partial';
        return b.length === 4 ? { m: n, n: at(b, 3), mode } : { m: n, mode };
      }
      case 'GS v 0': {
        const bytesPerRow = u16(b, 4);
        return { m: at(b, 3), bytesPerRow, width: bytesPerRow * 8, height: u16(b, 6) };
      }
      case 'GS k': {
        const formB = n >= 65;
        const data = formB ? b.subarray(4) : b.subarray(3, at(b, b.length - 1) === 0 ? b.length - 1 : b.length);
        const type = BARCODE_TYPES[n] ?? `m=${n}`;
        return { m: n, type, data: n === 73 ? code128Text(data) : latin1(data) };
      }
      case 'GS ( k': {
        const cn = at(b, 5);
        const fn = at(b, 6);
        const out: Params = { cn, fn, symbol: SYMBOL_TYPES[cn] ?? `cn=${cn}` };
        if (fn === 80) out['data'] = new TextDecoder().decode(b.subarray(8));
        else if (b.length > 7) out['value'] = at(b, b.length - 1);
        return out;
      }
      case 'GS ( H': {
        const out: Params = { fn: at(b, 5), m: at(b, 6) };
        if (b.length === 11) out['id'] = latin1(b.subarray(7, 11));
        return out;
      }
      case 'GS ( L':
      case 'GS 8 L': {
        const head = name === 'GS ( L' ? 5 : 7;
        const fn = at(b, head + 1);
        const out: Params = { m: at(b, head), fn };
        if (fn === 112 || fn === 67 || fn === 83) {
          // a bx by c xL xH yL yH (112) / a kc1 kc2 b xL xH yL yH (67, 83)
          out['width'] = u16(b, head + 6);
          out['height'] = u16(b, head + 8);
        }
        return out;
      }
      case 'GS ( D':
        return { fn: at(b, 5), m: at(b, 6), enable: at(b, 7) };
      case 'DLE DC4': {
        if (n === 1) return { fn: 1, m: at(b, 3), t: at(b, 4), pin: at(b, 3) === 0 ? 2 : 5 };
        if (n === 7) return { fn: 7, m: at(b, 3) };
        return { fn: n };
      }
      default:
        return undefined;
    }
  })();
  let err = error;
  if (err === undefined && name === 'ESC p') err = escPulseError(n, at(b, 3), at(b, 4));
  if (err === undefined && name === 'DLE DC4' && n === 1) err = dlePulseError(at(b, 3), at(b, 4));
  if (err === undefined && name === 'GS ( H' && !(b.length === 11 && at(b, 5) === 48 && at(b, 6) === 48)) {
    err = 'GS ( H must be 1D 28 48 06 00 30 30 d1 d2 d3 d4 (fn 48, m 48, four id bytes)';
  }
  if (err === undefined && name === 'GS ( H' && b.subarray(7).some((d) => d < 0x20 || d > 0x7e)) {
    err = 'GS ( H id bytes d1..d4 must be 0x20-0x7E';
  }
  return { name, ...(params === undefined ? {} : { params }), ...(err === undefined ? {} : { error: err }) };
}

/**
 * Feed bytes as they arrive; get back every command they complete, in order. Holds the bytes of
 * a command still being received (for large images: the image so far).
 */
export class EscPosCommandParser {
  private pending = new Uint8Array(64);
  private length = 0;
  /** total length of the pending command once known */
  private total: number | undefined;
  private nextId = 0;
  private pendingId = 0;
  private lastWasText = false;

  /** Parse `chunk`; returns the commands it completes. */
  feed(chunk: Uint8Array): ParsedCommand[] {
    const out: ParsedCommand[] = [];
    this.consume(chunk, out);
    return out;
  }

  /** Forget the command being received (buffers cleared, power cycle). */
  reset(): void {
    this.length = 0;
    this.total = undefined;
    this.lastWasText = false;
    if (this.pending.length > 65536) this.pending = new Uint8Array(64);
  }

  /** Bytes held for a command not yet complete. */
  get pendingBytes(): number {
    return this.length;
  }

  /** The GS v 0 image being received, if any, and how many of its rows are in. */
  partialRaster(): PartialRaster | undefined {
    if (this.length < 8 || at(this.pending, 0) !== GS || at(this.pending, 1) !== 0x76) return undefined;
    const bytesPerRow = u16(this.pending, 4);
    if (bytesPerRow === 0) return undefined;
    return {
      id: this.pendingId,
      bytesPerRow,
      rows: u16(this.pending, 6),
      rowsReceived: Math.floor((this.length - 8) / bytesPerRow),
    };
  }

  private consume(chunk: Uint8Array, out: ParsedCommand[]): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.length === 0) {
        const b = at(chunk, i);
        if (b >= 0x20) {
          let j = i + 1;
          while (j < chunk.length && at(chunk, j) >= 0x20) j++;
          this.emitText(chunk.slice(i, j), out);
          i = j;
        } else if (INTRODUCER[b] !== undefined) {
          this.pendingId = this.nextId++;
          this.append(chunk, i, i + 1);
          i++;
        } else {
          const name = CONTROL[b];
          this.emit(name === undefined ? { name: 'UNKNOWN', params: { byte: b } } : { name }, Uint8Array.of(b), out);
          i++;
        }
        continue;
      }
      if (this.total !== undefined) {
        // bulk copy towards the known length
        const take = Math.min(this.total - this.length, chunk.length - i);
        this.append(chunk, i, i + take);
        i += take;
        if (this.length < this.total) continue;
        this.total = undefined;
      } else {
        this.append(chunk, i, i + 1);
        i++;
      }
      this.evaluate(out);
    }
  }

  private evaluate(out: ParsedCommand[]): void {
    const m = measure(this.pending, this.length);
    if (m.kind === 'need') {
      if (m.total > this.length) this.total = m.total;
      return;
    }
    const bytes = this.pending.slice(0, this.length);
    this.length = 0;
    this.total = undefined;
    if (m.kind === 'unknown') {
      this.emit({ name: 'UNKNOWN', params: { byte: at(bytes, 0), next: at(bytes, 1) } }, bytes.slice(0, 1), out);
      this.consume(bytes.subarray(1), out);
      return;
    }
    const command = bytes.slice(0, m.length);
    this.emit(describe(command, m.error), command, out, this.pendingId);
    if (m.length < bytes.length) this.consume(bytes.subarray(m.length), out);
  }

  private emit(
    d: { name: string; params?: Params; error?: string },
    bytes: Uint8Array,
    out: ParsedCommand[],
    id = this.nextId++,
  ): void {
    this.lastWasText = false;
    out.push({ ...d, bytes, id, continuesText: false });
  }

  private emitText(bytes: Uint8Array, out: ParsedCommand[]): void {
    out.push({ name: 'TEXT', bytes, id: this.nextId++, continuesText: this.lastWasText });
    this.lastWasText = true;
  }

  private append(src: Uint8Array, from: number, to: number): void {
    const needed = this.length + (to - from);
    if (needed > this.pending.length) {
      const grown = new Uint8Array(Math.max(needed, this.pending.length * 2));
      grown.set(this.pending.subarray(0, this.length));
      this.pending = grown;
    }
    this.pending.set(src.subarray(from, to), this.length);
    this.length = needed;
  }
}
