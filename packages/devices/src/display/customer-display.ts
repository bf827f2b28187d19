import { DeviceError, ErrorCode, formatMoney, MoneySchema, type Money, parseInput, ClockSchema } from '@tillkit/core';
import { BehaviorSubject } from 'rxjs';
import { z } from 'zod';
import { systemClock, type Clock, type DeviceHealth, type DeviceState, type HealthSource } from '../health';
import { ByteTransportSchema, type ByteTransport } from '../transport';
import { encodeDisplayText, fitDisplayLine, toDisplayText, type DisplayCharset } from './display-text';

/**
 * Command sets of 2-line pole displays. 'epson': the Epson DM-D / ESC/POS display commands
 * (ESC @, FF, US $ x y, US X n). 'cd5220': the CD5220 string mode most unbranded VFDs speak
 * (ESC Q A ... CR, ESC Q B ... CR, CLR, ESC * n).
 */
export type DisplayDialect = 'epson' | 'cd5220';

export interface CustomerDisplayOptions {
  readonly transport: ByteTransport;
  readonly dialect: DisplayDialect;
  /** characters per line (default 20) */
  readonly columns?: number;
  /** device id for health (default "customer-display") */
  readonly id?: string;
  /** what the display can show (default 'cp437', the factory setting of most VFDs) */
  readonly charset?: DisplayCharset;
  /** how Money is written (default core formatMoney in `locale`) */
  readonly formatMoney?: (money: Money) => string;
  /** locale of the default money format (default "en-US") */
  readonly locale?: string;
  readonly clock?: Clock;
}

export interface CustomerDisplay extends HealthSource {
  readonly kind: 'display';
  /** Item name on the upper line, its price right-aligned on the lower line. */
  showItem(name: string, price: Money | string): Promise<void>;
  /** A label ("TOTAL") on the upper line, the amount right-aligned on the lower line. */
  showTotal(label: string, amount: Money | string): Promise<void>;
  /** Two lines of text, each cut or padded to the display width. */
  showLines(upper: string, lower?: string): Promise<void>;
  /** Blanks the display. */
  clear(): Promise<void>;
  /** Brightness 1 (dimmest) to 4 (brightest). */
  setBrightness(level: 1 | 2 | 3 | 4): Promise<void>;
  /** the two lines as last sent, exactly as the display shows them */
  lines(): readonly [string, string];
  /** Stops using the display and closes the transport. */
  close(): Promise<void>;
}

const ESC = 0x1b;
const US = 0x1f;
const FF = 0x0c;
const CR = 0x0d;

const OptionsSchema = z.object({
  transport: ByteTransportSchema,
  dialect: z.enum(['epson', 'cd5220']),
  columns: z.number().int().min(8).max(40).default(20),
  id: z.string().min(1).default('customer-display'),
  charset: z.enum(['cp437', 'ascii']).default('cp437'),
  formatMoney: z.custom<(m: Money) => string>((v) => typeof v === 'function', 'a function').optional(),
  locale: z.string().min(1).default('en-US'),
  clock: ClockSchema.optional(),
});

const TextSchema = z.string();
const PriceSchema = z.union([MoneySchema, z.string()]);
const BrightnessSchema = z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]);

const check = <T>(schema: z.ZodType<T>, input: unknown, what: string): T => parseInput(schema, input, what);

function concat(parts: readonly (Uint8Array | readonly number[])[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Drives a 2-line customer (pole) display over any ByteTransport. Each call sends one write,
 * preceded by ESC @ the first time. Text is cut or padded to the display width, and characters
 * the display lacks are transliterated or shown as "?".
 */
export function createCustomerDisplay(options: CustomerDisplayOptions): CustomerDisplay {
  const o = check(OptionsSchema, options, 'createCustomerDisplay options');
  const { transport, dialect, columns, id, charset } = o;
  const clock = o.clock ?? systemClock;
  const format = o.formatMoney ?? ((m: Money) => formatMoney(m, o.locale));
  const blank = ' '.repeat(columns);
  let shown: [string, string] = [blank, blank];
  let initialized = false;
  let closed = false;

  const health = new BehaviorSubject<DeviceHealth>({
    deviceId: id,
    kind: 'display',
    state: 'connecting',
    warnings: [],
    at: new Date(clock.now()).toISOString(),
    detail: { dialect },
  });
  const setState = (state: DeviceState, reason?: string): void => {
    const current = health.getValue();
    // A closed connection stays 'disconnected': a later failed write is its consequence.
    if (current.state === state || (current.state === 'disconnected' && state === 'offline')) return;
    health.next({
      deviceId: id,
      kind: 'display',
      state,
      warnings: [],
      at: new Date(clock.now()).toISOString(),
      detail: reason === undefined ? { dialect } : { dialect, reason },
    });
  };
  const link = transport.data$.subscribe({
    complete: () => setState('disconnected', 'the connection was closed'),
    error: (e: unknown) => setState('disconnected', e instanceof Error ? e.message : String(e)),
  });

  const line = (text: string, align: 'left' | 'right' = 'left'): string =>
    fitDisplayLine(toDisplayText(text, charset), columns, align);
  const priceText = (price: Money | string): string => (typeof price === 'string' ? price : format(price));

  const linesBytes = (upper: string, lower: string): Uint8Array =>
    dialect === 'epson'
      ? concat([[US, 0x24, 1, 1], encodeDisplayText(upper), [US, 0x24, 1, 2], encodeDisplayText(lower)])
      : concat([[ESC, 0x51, 0x41], encodeDisplayText(upper), [CR, ESC, 0x51, 0x42], encodeDisplayText(lower), [CR]]);

  const send = async (bytes: Uint8Array, what: string): Promise<void> => {
    if (closed) {
      throw new DeviceError(ErrorCode.DEVICE_ERROR, `The customer display ${id} is closed: create it again to ${what}.`);
    }
    const payload = initialized ? bytes : concat([[ESC, 0x40], bytes]);
    try {
      await transport.write(payload);
    } catch (cause) {
      setState('offline', cause instanceof Error ? cause.message : String(cause));
      throw new DeviceError(
        ErrorCode.DEVICE_ERROR,
        `The customer display ${id} did not take the command to ${what}${cause instanceof Error ? ` (${cause.message})` : ''}: check its cable and power.`,
        { cause, details: { deviceId: id } },
      );
    }
    initialized = true;
    setState('online');
  };

  const showLines = async (upper: string, lower = ''): Promise<void> => {
    const u = line(check(TextSchema, upper, 'upper line'));
    const l = line(check(TextSchema, lower, 'lower line'));
    await send(linesBytes(u, l), 'show text');
    shown = [u, l];
  };

  return {
    id,
    kind: 'display',
    health$: health.asObservable(),
    showLines,
    async showItem(name, price) {
      const n = check(TextSchema, name, 'item name');
      const p = priceText(check<Money | string>(PriceSchema, price, 'price'));
      const u = line(n);
      const l = line(p, 'right');
      await send(linesBytes(u, l), 'show an item');
      shown = [u, l];
    },
    async showTotal(label, amount) {
      const n = check(TextSchema, label, 'total label');
      const a = priceText(check<Money | string>(PriceSchema, amount, 'amount'));
      const u = line(n);
      const l = line(a, 'right');
      await send(linesBytes(u, l), 'show the total');
      shown = [u, l];
    },
    async clear() {
      await send(Uint8Array.of(FF), 'clear');
      shown = [blank, blank];
    },
    async setBrightness(level) {
      const n = check(BrightnessSchema, level, 'brightness (1 to 4)');
      if (dialect === 'epson') {
        await send(Uint8Array.of(US, 0x58, n), 'set the brightness');
        return;
      }
      // In string mode (after ESC Q A/B) a CD5220 ignores everything but CLR and CAN: leave it
      // with CLR, set the brightness, and put the text back.
      const [u, l] = shown;
      const redraw = u === blank && l === blank ? new Uint8Array(0) : linesBytes(u, l);
      await send(concat([[FF, ESC, 0x2a, n], redraw]), 'set the brightness');
    },
    lines: () => [shown[0], shown[1]] as const,
    async close() {
      if (closed) return;
      closed = true;
      link.unsubscribe();
      try {
        await transport.close();
      } finally {
        setState('disconnected', 'closed');
        health.complete();
      }
    },
  };
}
