import type { ValidationError } from '@tillkit/core';
import { validationError, ClockSchema } from '@tillkit/core';
import { asyncScheduler, Subject, type Observable, type SchedulerLike, type Subscription } from 'rxjs';
import { z } from 'zod';
import { systemClock, type Clock } from '../health';
import { buildScanResult, type ScanResult } from './scan-result';

/**
 * The parts of a DOM KeyboardEvent (keydown) the decoder reads; pass real KeyboardEvents as they
 * are. `timeStamp` is in ms on any monotonic clock (the DOM's `event.timeStamp` is fine).
 */
export interface WedgeKeyEvent {
  /** the physical key ("Digit1", "KeyA", "Minus", "Enter"), the same on every keyboard layout */
  readonly code: string;
  /** what the OS layout made of it: ignored for decoding (an AZERTY layout turns Digit1 into "&") */
  readonly key: string;
  readonly shiftKey?: boolean;
  readonly ctrlKey?: boolean;
  readonly altKey?: boolean;
  readonly metaKey?: boolean;
  /** auto-repeat of a held key: never scanner data */
  readonly repeat?: boolean;
  /** only "keydown" events are decoded; others are ignored */
  readonly type?: string;
  readonly timeStamp: number;
}

/** The characters a US keyboard layout gives each physical key: [unshifted, shifted]. */
export const US_KEYBOARD: Readonly<Record<string, readonly [string, string]>> = Object.freeze({
  ...Object.fromEntries([...'0123456789'].map((d, i) => [`Digit${d}`, [d, ')!@#$%^&*('[i] as string] as const])),
  ...Object.fromEntries([...'abcdefghijklmnopqrstuvwxyz'].map((c) => [`Key${c.toUpperCase()}`, [c, c.toUpperCase()] as const])),
  ...Object.fromEntries([...'0123456789'].map((d) => [`Numpad${d}`, [d, d] as const])),
  Minus: ['-', '_'],
  Equal: ['=', '+'],
  BracketLeft: ['[', '{'],
  BracketRight: [']', '}'],
  Backslash: ['\\', '|'],
  Semicolon: [';', ':'],
  Quote: ["'", '"'],
  Backquote: ['`', '~'],
  Comma: [',', '<'],
  Period: ['.', '>'],
  Slash: ['/', '?'],
  Space: [' ', ' '],
  NumpadDecimal: ['.', '.'],
  NumpadAdd: ['+', '+'],
  NumpadSubtract: ['-', '-'],
  NumpadMultiply: ['*', '*'],
  NumpadDivide: ['/', '/'],
} satisfies Record<string, readonly [string, string]>);

const MODIFIER_CODES = new Set([
  'ShiftLeft',
  'ShiftRight',
  'ControlLeft',
  'ControlRight',
  'AltLeft',
  'AltRight',
  'MetaLeft',
  'MetaRight',
  'CapsLock',
  'NumLock',
]);

const GS = '\u001d';

export interface KeyboardWedgeOptions {
  /** longest gap between two keys of one scan (default 35 ms; scanners send 1-80 ms by model) */
  readonly maxInterKeyMs?: number;
  /**
   * how long after the last key a scan ends (default 120 ms): with suffix 'none' the scan is
   * emitted then; with Enter/Tab the suffix may come this late; keys that were typing are released
   * to `passthrough$` by then at the latest
   */
  readonly endTimeoutMs?: number;
  /** fewer characters than this is typing, however fast (default 4) */
  readonly minLength?: number;
  /** the key the scanner sends after the data (default 'Enter') */
  readonly suffix?: 'Enter' | 'Tab' | 'none';
  /** 'auto' (default) reads a leading AIM identifier ("]E0"); 'never' keeps the data as is */
  readonly aimIds?: 'auto' | 'never';
  /** the clock for ScanResult.at (default the system clock) */
  readonly clock?: Clock;
  /** the scheduler for the end timeout (default rxjs asyncScheduler) */
  readonly scheduler?: SchedulerLike;
  /** the year GS1 dates are read against (default the current year) */
  readonly referenceYear?: number;
}

export interface KeyboardWedgeDecoder {
  /** Feeds one keydown event; call it for every keydown (and keep it from the focused field, see passthrough$). */
  feed(event: WedgeKeyEvent): void;
  /** Feeds every event of `events$` (skipping malformed ones) until the subscription is ended. */
  connect(events$: Observable<WedgeKeyEvent>): Subscription;
  /** Ends the pending burst now, as the end timeout would. */
  flush(): void;
  /** one per scan */
  readonly scans$: Observable<ScanResult>;
  /**
   * Keys that were a person typing, in order, released once that is clear (at the next key, or
   * `endTimeoutMs` after the last one). Re-insert them where the user types.
   */
  readonly passthrough$: Observable<WedgeKeyEvent>;
  /** Releases pending keys, stops timers, completes both streams. */
  dispose(): void;
}

const OptionsSchema = z
  .object({
    maxInterKeyMs: z.number().int().min(1).max(1000).default(35),
    endTimeoutMs: z.number().int().min(1).max(10_000).default(120),
    minLength: z.number().int().min(1).max(1000).default(4),
    suffix: z.enum(['Enter', 'Tab', 'none']).default('Enter'),
    aimIds: z.enum(['auto', 'never']).default('auto'),
    clock: ClockSchema.optional(),
    scheduler: z
      .custom<SchedulerLike>((v) => typeof (v as SchedulerLike | undefined)?.schedule === 'function', 'an rxjs scheduler')
      .optional(),
    referenceYear: z.number().int().min(1900).max(9999).optional(),
  })
  .refine((o) => o.endTimeoutMs >= o.maxInterKeyMs, {
    message: 'must be at least maxInterKeyMs, or scans are cut before their next key can arrive',
    path: ['endTimeoutMs'],
  });

const EventSchema = z.object({
  code: z.string(),
  key: z.string(),
  shiftKey: z.boolean().optional(),
  ctrlKey: z.boolean().optional(),
  altKey: z.boolean().optional(),
  metaKey: z.boolean().optional(),
  repeat: z.boolean().optional(),
  type: z.string().optional(),
  timeStamp: z.number().refine(Number.isFinite, 'a finite number'),
});

const invalid = (what: string, error: z.ZodError): ValidationError => validationError(what, error.issues);

/** The character a scanner set to a US layout meant by this key, or undefined when it is not data. */
function decodeKey(e: WedgeKeyEvent): string | undefined {
  if (e.repeat === true || e.altKey === true || e.metaKey === true) return undefined;
  if (e.ctrlKey === true) return e.code === 'BracketRight' ? GS : undefined;
  const pair = US_KEYBOARD[e.code];
  return pair === undefined ? undefined : pair[e.shiftKey === true ? 1 : 0];
}

interface Burst {
  readonly events: WedgeKeyEvent[];
  chars: string;
  lastAt: number;
}

/**
 * Tells keyboard-wedge scanner input from typing and decodes it. A scan is a burst of at least
 * `minLength` data keys no more than `maxInterKeyMs` apart, ended by the suffix key (or by
 * `endTimeoutMs` of quiet with suffix 'none'). Keys are decoded by `code` as a scanner set to a
 * US layout sends them, so an AZERTY or UK OS layout does not corrupt data; Ctrl+] is GS (FNC1).
 * A leading AIM identifier is read and removed, and GS1 data is parsed.
 */
export function createKeyboardWedgeDecoder(options: KeyboardWedgeOptions = {}): KeyboardWedgeDecoder {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) throw invalid('createKeyboardWedgeDecoder options', parsed.error);
  const o = parsed.data;
  const clock = o.clock ?? systemClock;
  const scheduler = o.scheduler ?? asyncScheduler;
  const scans = new Subject<ScanResult>();
  const passthrough = new Subject<WedgeKeyEvent>();
  let burst: Burst | undefined;
  let timer: Subscription | undefined;
  let disposed = false;

  const release = (b: Burst): void => {
    for (const e of b.events) passthrough.next(e);
  };
  const emitScan = (b: Burst): void => {
    scans.next(
      buildScanResult(b.chars, {
        source: 'keyboard-wedge',
        at: clock.now(),
        aimIds: o.aimIds,
        ...(o.referenceYear === undefined ? {} : { referenceYear: o.referenceYear }),
      }),
    );
  };
  /** Ends the current burst without a suffix key: a scan only for suffix 'none'. */
  const endBurst = (): void => {
    timer?.unsubscribe();
    timer = undefined;
    const b = burst;
    burst = undefined;
    if (!b) return;
    if (o.suffix === 'none' && b.chars.length >= o.minLength) emitScan(b);
    else release(b);
  };

  const feed = (event: WedgeKeyEvent): void => {
    const checked = EventSchema.safeParse(event);
    if (!checked.success) throw invalid('keyboard event', checked.error);
    if (disposed || (event.type !== undefined && event.type !== 'keydown')) return;
    if (MODIFIER_CODES.has(event.code)) return;
    const plain = event.ctrlKey !== true && event.altKey !== true && event.metaKey !== true && event.repeat !== true;
    const isSuffix =
      plain &&
      ((o.suffix === 'Enter' && (event.code === 'Enter' || event.code === 'NumpadEnter')) ||
        (o.suffix === 'Tab' && event.code === 'Tab'));
    if (burst) {
      const gap = event.timeStamp - burst.lastAt;
      if (gap < 0 || gap > (isSuffix ? o.endTimeoutMs : o.maxInterKeyMs)) endBurst();
    }
    if (isSuffix) {
      const b = burst;
      timer?.unsubscribe();
      timer = undefined;
      burst = undefined;
      if (b && b.chars.length >= o.minLength) emitScan(b);
      else {
        if (b) release(b);
        passthrough.next(event);
      }
      return;
    }
    const char = decodeKey(event);
    if (char === undefined) {
      endBurst();
      passthrough.next(event);
      return;
    }
    if (burst) {
      burst.events.push(event);
      burst.chars += char;
      burst.lastAt = event.timeStamp;
    } else {
      burst = { events: [event], chars: char, lastAt: event.timeStamp };
    }
    timer?.unsubscribe();
    timer = scheduler.schedule(() => {
      timer = undefined;
      endBurst();
    }, o.endTimeoutMs);
  };

  return {
    feed,
    connect: (events$) =>
      events$.subscribe({
        next(event) {
          // A stream cannot take an exception back: malformed events are skipped.
          if (EventSchema.safeParse(event).success) feed(event);
        },
      }),
    flush: endBurst,
    scans$: scans.asObservable(),
    passthrough$: passthrough.asObservable(),
    dispose() {
      if (disposed) return;
      endBurst();
      disposed = true;
      scans.complete();
      passthrough.complete();
    },
  };
}
