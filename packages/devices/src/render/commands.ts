import { ErrorCode, ValidationError } from '@tillkit/core';

/*
 * Small, exact ESC/POS byte builders, used by the renderer and by the printer driver for what it
 * sends around a job (status, confirmation, drawer). Each call returns a new array, so callers may
 * keep or change what they get. Byte layouts are Epson's ESC/POS reference; Star printers in
 * ESC/POS emulation accept the same.
 */

function invalid(message: string, details: Record<string, unknown>): ValidationError {
  return new ValidationError(ErrorCode.VALIDATION_FAILED, message, { details });
}

function byteInRange(value: number, min: number, max: number, what: string): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw invalid(`${what} must be an integer from ${min} to ${max}; got ${String(value)}.`, { value });
  return value;
}

/** Milliseconds to a 2 ms pulse unit (ESC p t1 / t2), 1 to 255 units (2 to 510 ms). */
function pulseUnits(ms: number, what: string): number {
  if (!Number.isFinite(ms)) throw invalid(`${what} must be a number of milliseconds from 2 to 510; got ${String(ms)}.`, { ms });
  const units = Math.round(ms / 2);
  if (units < 1 || units > 255)
    throw invalid(`${what} must be from 2 to 510 ms (ESC p counts 2 ms units); got ${String(ms)}.`, { ms });
  return units;
}

/** Kanji code systems selectable with FS C n on Japanese models. */
export type KanjiCodeSystem = 'jis' | 'shift_jis' | 'shift_jis_2004';
const KANJI_CODE_SYSTEM: Record<KanjiCodeSystem, number> = { jis: 0, shift_jis: 1, shift_jis_2004: 2 };

/** ESC/POS byte builders. */
export const commands = {
  /** ESC @: resets the printer: code page, styles and automatic status back (turned off) */
  init: (): Uint8Array => Uint8Array.of(0x1b, 0x40),

  /**
   * ESC p m t1 t2: a drawer kick pulse on pin 2 (m=0) or pin 5 (m=1), on for t1 x 2 ms, off for
   * t2 x 2 ms. The default 50 ms / 500 ms is `1B 70 00 19 FA`, what drawers expect. Both timing
   * bytes are always sent (a bare `ESC p m` makes the printer eat the next two bytes).
   */
  drawerKick(pin: 2 | 5 = 2, onMs = 50, offMs = 500): Uint8Array {
    if (pin !== 2 && pin !== 5) throw invalid(`The drawer pin must be 2 or 5; got ${String(pin)}.`, { pin });
    return Uint8Array.of(0x1b, 0x70, pin === 2 ? 0 : 1, pulseUnits(onMs, 'The on time'), pulseUnits(offMs, 'The off time'));
  },

  /**
   * GS V m n with m=65 (full) or m=66 (partial): feeds the paper to the cutter, then cuts, so the
   * last printed line is never cut off. Nothing follows it (no ESC @).
   */
  cut: (partial = false): Uint8Array => Uint8Array.of(0x1d, 0x56, partial ? 66 : 65, 0),

  /** ESC d n: prints and feeds n lines (0 to 255) */
  feed: (lines: number): Uint8Array => Uint8Array.of(0x1b, 0x64, byteInRange(lines, 0, 255, 'The feed line count')),

  /**
   * GS a n: automatic status back for the events in `mask` (bit 0 drawer, 1 online/offline, 2 error,
   * 3 roll paper sensor; default 0x0F, all four). ESC @ turns it off: send this again after every
   * job that starts with ESC @, and after every reconnect.
   */
  enableAsb: (mask = 0x0f): Uint8Array => Uint8Array.of(0x1d, 0x61, byteInRange(mask, 1, 255, 'The ASB mask')),

  /** GS a 0: automatic status back off */
  disableAsb: (): Uint8Array => Uint8Array.of(0x1d, 0x61, 0),

  /** DLE EOT n: real-time status (1 printer, 2 offline cause, 3 error cause, 4 roll paper), answered at once */
  realtimeStatus(n: 1 | 2 | 3 | 4): Uint8Array {
    if (n !== 1 && n !== 2 && n !== 3 && n !== 4) throw invalid(`DLE EOT n takes n = 1, 2, 3 or 4; got ${String(n)}.`, { n });
    return Uint8Array.of(0x10, 0x04, n);
  },

  /** GS r n: transmit status (1 paper sensor, 2 drawer), answered after all earlier data is processed */
  transmitStatus(n: 1 | 2 = 1): Uint8Array {
    if (n !== 1 && n !== 2) throw invalid(`GS r n takes n = 1 (paper) or 2 (drawer); got ${String(n)}.`, { n });
    return Uint8Array.of(0x1d, 0x72, n);
  },

  /**
   * GS ( H fn=48 (1D 28 48 06 00 30 30 d1 d2 d3 d4): the printer answers 37 22 d1 d2 d3 d4 00 once
   * everything sent before it has printed. `id4` is 4 printable ASCII characters.
   */
  printCompletion(id4: string): Uint8Array {
    if (!/^[\x20-\x7e]{4}$/.test(id4))
      throw invalid(`A print completion id must be exactly 4 printable ASCII characters; got ${JSON.stringify(id4)}.`, {
        id: id4,
      });
    return Uint8Array.of(0x1d, 0x28, 0x48, 0x06, 0x00, 0x30, 0x30, ...[...id4].map((c) => c.charCodeAt(0)));
  },

  /** ESC t n: selects code page n (numbers are per model: see PrinterProfile.codePages) */
  selectCodePage: (n: number): Uint8Array => Uint8Array.of(0x1b, 0x74, byteInRange(n, 0, 255, 'The code page number')),

  /** FS &: Kanji (double-byte character) mode on */
  kanjiOn: (): Uint8Array => Uint8Array.of(0x1c, 0x26),

  /** FS .: Kanji mode off */
  kanjiOff: (): Uint8Array => Uint8Array.of(0x1c, 0x2e),

  /**
   * FS C n: the Kanji code system of Japanese models (0 JIS, 1 Shift-JIS, 2 Shift JIS-2004).
   * Chinese models have one fixed encoding (GB18030 or Big5) and no such command.
   */
  selectKanjiEncoding(system: KanjiCodeSystem): Uint8Array {
    const n = KANJI_CODE_SYSTEM[system] as number | undefined;
    if (n === undefined)
      throw invalid(`The Kanji code system must be 'jis', 'shift_jis' or 'shift_jis_2004'; got ${JSON.stringify(system)}.`, {
        system,
      });
    return Uint8Array.of(0x1c, 0x43, n);
  },
} as const;
