import type { Duplex } from 'node:stream';
import { ErrorCode, ValidationError } from '@tillkit/core';
import { asyncScheduler, map, merge, timer, type Observable, type SchedulerLike } from 'rxjs';
import { z } from 'zod';
import { US_KEYBOARD, type WedgeKeyEvent } from '../../scanner/keyboard-wedge';
import { simulatorConnections, writeTo, type SimulatorConnections } from './simulator-link';

/** OS keyboard layouts: they change `key`, never `code`. */
export type KeyboardLayout = 'us' | 'azerty' | 'uk';

/** Where the French AZERTY and UK layouts differ from US: code -> [unshifted, shifted] key. */
const LAYOUT_KEYS: Readonly<Record<Exclude<KeyboardLayout, 'us'>, Readonly<Record<string, readonly [string, string]>>>> = {
  azerty: {
    Digit1: ['&', '1'],
    Digit2: ['é', '2'],
    Digit3: ['"', '3'],
    Digit4: ["'", '4'],
    Digit5: ['(', '5'],
    Digit6: ['-', '6'],
    Digit7: ['è', '7'],
    Digit8: ['_', '8'],
    Digit9: ['ç', '9'],
    Digit0: ['à', '0'],
    KeyQ: ['a', 'A'],
    KeyA: ['q', 'Q'],
    KeyW: ['z', 'Z'],
    KeyZ: ['w', 'W'],
    KeyM: [',', '?'],
    Semicolon: ['m', 'M'],
    Comma: [';', '.'],
    Period: [':', '/'],
    Slash: ['!', '§'],
    Minus: [')', '°'],
    BracketLeft: ['Dead', 'Dead'],
    BracketRight: ['$', '£'],
    Quote: ['ù', '%'],
    Backslash: ['*', 'µ'],
    Backquote: ['²', ''],
  },
  uk: {
    Digit2: ['2', '"'],
    Digit3: ['3', '£'],
    Quote: ["'", '@'],
    Backslash: ['#', '~'],
    Backquote: ['`', '¬'],
  },
};

/** The physical key and shift state a scanner set to a US layout sends for each character. */
type Stroke = { readonly code: string; readonly shift: boolean };
const STROKES: ReadonlyMap<string, Stroke> = new Map(
  Object.entries(US_KEYBOARD)
    .filter(([code]) => !code.startsWith('Numpad'))
    .flatMap(([code, [plain, shifted]]): [string, Stroke][] => [
      [shifted, { code, shift: true }],
      [plain, { code, shift: false }],
    ]),
);

export interface KeyboardWedgeSimulatorOptions {
  /** gap between keys of a scan (default 8 ms) */
  readonly interKeyMs?: number;
  /** the OS layout, which only changes `key` (default 'us') */
  readonly layout?: KeyboardLayout;
  /** the key sent after the data (default 'Enter') */
  readonly suffix?: 'Enter' | 'Tab' | 'none';
}

export interface KeyboardWedgeSimulator {
  /**
   * The keydown events a scanner sends for `data` (GS as Ctrl+], upper case with Shift held),
   * optionally preceded by an AIM identifier, starting at `startAt` ms.
   */
  scan(data: string, options?: { startAt?: number; aimId?: string; interKeyMs?: number }): WedgeKeyEvent[];
  /** The keydown events of a person typing `text`, `gapMs` apart (default 100 ms). */
  typing(text: string, options?: { startAt?: number; gapMs?: number }): WedgeKeyEvent[];
  /**
   * Plays events in time: each is emitted when `scheduler.now()` reaches its timeStamp (at once
   * when already past). With a TestScheduler the events arrive in virtual time.
   */
  play(events: readonly WedgeKeyEvent[], scheduler?: SchedulerLike): Observable<WedgeKeyEvent>;
}

const WedgeOptionsSchema = z.object({
  interKeyMs: z.number().min(0).default(8),
  layout: z.enum(['us', 'azerty', 'uk']).default('us'),
  suffix: z.enum(['Enter', 'Tab', 'none']).default('Enter'),
});

function invalid(what: string, error: z.ZodError): ValidationError {
  return new ValidationError(ErrorCode.VALIDATION_FAILED, `Invalid ${what}: ${error.message}`, { issues: error.issues });
}

/** A keyboard-wedge scanner set to a US layout, plugged into a computer with any OS layout. */
export function createKeyboardWedgeSimulator(options: KeyboardWedgeSimulatorOptions = {}): KeyboardWedgeSimulator {
  const parsed = WedgeOptionsSchema.safeParse(options);
  if (!parsed.success) throw invalid('createKeyboardWedgeSimulator options', parsed.error);
  const { interKeyMs, layout, suffix } = parsed.data;
  const keyOf = (code: string, shift: boolean): string => {
    const own = layout === 'us' ? undefined : LAYOUT_KEYS[layout][code];
    const pair = own ?? US_KEYBOARD[code];
    return pair ? pair[shift ? 1 : 0] : code;
  };

  const strokes = (text: string, startAt: number, gap: number): WedgeKeyEvent[] => {
    const events: WedgeKeyEvent[] = [];
    let t = startAt;
    for (const char of text) {
      if (char === '\u001d') {
        events.push({ type: 'keydown', code: 'ControlLeft', key: 'Control', ctrlKey: true, timeStamp: t });
        events.push({ type: 'keydown', code: 'BracketRight', key: keyOf('BracketRight', false), ctrlKey: true, timeStamp: t });
      } else {
        const stroke = STROKES.get(char);
        if (!stroke) {
          throw new ValidationError(ErrorCode.VALIDATION_FAILED, `A US keyboard has no key for ${JSON.stringify(char)}.`);
        }
        if (stroke.shift) events.push({ type: 'keydown', code: 'ShiftLeft', key: 'Shift', shiftKey: true, timeStamp: t });
        events.push({
          type: 'keydown',
          code: stroke.code,
          key: keyOf(stroke.code, stroke.shift),
          shiftKey: stroke.shift,
          timeStamp: t,
        });
      }
      t += gap;
    }
    return events;
  };

  return {
    scan(data, opts = {}) {
      const gap = opts.interKeyMs ?? interKeyMs;
      const events = strokes(`${opts.aimId ?? ''}${data}`, opts.startAt ?? 0, gap);
      if (suffix !== 'none') {
        const last = events[events.length - 1]?.timeStamp ?? (opts.startAt ?? 0) - gap;
        events.push({ type: 'keydown', code: suffix, key: suffix, timeStamp: last + gap });
      }
      return events;
    },
    typing(text, opts = {}) {
      return strokes(text, opts.startAt ?? 0, opts.gapMs ?? 100);
    },
    play(events, scheduler = asyncScheduler) {
      return merge(...events.map((e) => timer(Math.max(0, e.timeStamp - scheduler.now()), scheduler).pipe(map(() => e))));
    },
  };
}

export interface SerialScannerSimulatorOptions {
  /** what ends each scan (default 'CR') */
  readonly suffix?: 'CR' | 'LF' | 'CRLF';
}

export interface SerialScannerSimulator extends SimulatorConnections {
  /**
   * Sends one scan to every connected host: optional AIM identifier, the data (latin1), the suffix.
   * `chunkSize` splits the bytes into separate writes, as a slow serial line delivers them.
   */
  scan(data: string, options?: { aimId?: string; chunkSize?: number }): Promise<void>;
}

const SerialOptionsSchema = z.object({ suffix: z.enum(['CR', 'LF', 'CRLF']).default('CR') });

const SUFFIX_TEXT = { CR: '\r', LF: '\n', CRLF: '\r\n' } as const;

/** A serial barcode scanner that writes framed scans to a real stream. */
export function createSerialScannerSimulator(options: SerialScannerSimulatorOptions = {}): SerialScannerSimulator {
  const parsed = SerialOptionsSchema.safeParse(options);
  if (!parsed.success) throw invalid('createSerialScannerSimulator options', parsed.error);
  const suffix = SUFFIX_TEXT[parsed.data.suffix];
  const hosts = new Set<Duplex>();
  const connections = simulatorConnections('serial scanner', (device) => {
    hosts.add(device);
    device.once('close', () => hosts.delete(device));
    device.resume();
  });
  return {
    ...connections,
    async scan(data, opts = {}) {
      const bytes = Buffer.from(`${opts.aimId ?? ''}${data}${suffix}`, 'latin1');
      const size = Math.max(1, opts.chunkSize ?? bytes.length);
      for (let i = 0; i < bytes.length; i += size) {
        for (const host of hosts) writeTo(host, bytes.subarray(i, i + size));
        // Let each chunk arrive on its own, as separate reads.
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
  };
}
