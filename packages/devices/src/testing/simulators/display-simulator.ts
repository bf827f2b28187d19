import type { Duplex } from 'node:stream';
import { ErrorCode, ValidationError } from '@tillkit/core';
import { BehaviorSubject, type Observable } from 'rxjs';
import { z } from 'zod';
import type { DisplayDialect } from '../../display/customer-display';
import { decodeDisplayByte } from '../../display/display-text';
import { simulatorConnections, type SimulatorConnections } from './simulator-link';

export interface DisplaySimulatorOptions {
  readonly dialect: DisplayDialect;
  /** characters per line (default 20) */
  readonly columns?: number;
}

export interface DisplaySimulator extends SimulatorConnections {
  readonly dialect: DisplayDialect;
  /** the two visible lines, each exactly `columns` characters */
  lines(): readonly [string, string];
  /** the visible lines after every change */
  readonly lines$: Observable<readonly [string, string]>;
  /** brightness 1-4 (4 after power-on and ESC @) */
  readonly brightness: number;
  /** every byte received, in order */
  received(): Uint8Array;
  /** commands the display ignored (unknown, or not allowed in CD5220 string mode) */
  readonly ignored: number;
  /** Resolves once `predicate` holds, checked after every received chunk; rejects after `timeoutMs`. */
  until(predicate: (display: DisplaySimulator) => boolean, timeoutMs?: number): Promise<void>;
}

const OptionsSchema = z.object({
  dialect: z.enum(['epson', 'cd5220']),
  columns: z.number().int().min(8).max(40).default(20),
});

const ESC = 0x1b;
const US = 0x1f;

/**
 * A 2-line pole display that decodes the Epson or CD5220 command bytes it receives back into the
 * text a customer would see. Unknown commands are counted in `ignored`; a CD5220 in string mode
 * (after ESC Q A / ESC Q B) ignores everything but CLR, CAN, ESC @ and further ESC Q lines, as the
 * real firmware does.
 */
export function createDisplaySimulator(options: DisplaySimulatorOptions): DisplaySimulator {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new ValidationError(ErrorCode.VALIDATION_FAILED, `Invalid createDisplaySimulator options: ${parsed.error.message}`, {
      issues: parsed.error.issues,
    });
  }
  const { dialect, columns } = parsed.data;
  const blank = (): string[] => Array.from({ length: columns }, () => ' ');
  let grid: [string[], string[]] = [blank(), blank()];
  let x = 0;
  let y = 0;
  let brightness = 4;
  let ignored = 0;
  let stringMode = false;
  const bytes: number[] = [];
  const view = (): readonly [string, string] => [grid[0].join(''), grid[1].join('')];
  const lines = new BehaviorSubject<readonly [string, string]>(view());
  const waiters = new Set<() => void>();

  /** Bytes of the command being read; undefined when between commands. */
  let pending: number[] | undefined;

  const reset = (): void => {
    grid = [blank(), blank()];
    x = 0;
    y = 0;
    stringMode = false;
  };
  const put = (byte: number): void => {
    (grid[y] as string[])[x] = decodeDisplayByte(byte);
    x++;
    if (x >= columns) {
      // Overwrite mode: past the end of a line, continue at the start of the other one.
      x = 0;
      y = y === 0 ? 1 : 0;
    }
  };
  const setLine = (row: 0 | 1, text: number[]): void => {
    const cells = blank();
    text.slice(0, columns).forEach((b, i) => (cells[i] = decodeDisplayByte(b)));
    grid[row] = cells;
  };

  /** Tries to run the command in `seq`; returns false while more bytes are needed. */
  const runEpson = (seq: number[]): boolean => {
    const [first, second] = seq;
    if (first === ESC) {
      if (seq.length < 2) return false;
      if (second === 0x40) {
        reset();
        brightness = 4;
      } else ignored++;
      return true;
    }
    if (first === US) {
      if (seq.length < 2) return false;
      if (second === 0x24) {
        if (seq.length < 4) return false;
        const cx = seq[2] as number;
        const cy = seq[3] as number;
        if (cx >= 1 && cx <= columns && (cy === 1 || cy === 2)) {
          x = cx - 1;
          y = cy - 1;
        } else ignored++;
        return true;
      }
      if (second === 0x58) {
        if (seq.length < 3) return false;
        const n = seq[2] as number;
        if (n >= 1 && n <= 4) brightness = n;
        else ignored++;
        return true;
      }
      if (second === 0x01 || second === 0x02 || second === 0x03) return true; // display modes
      ignored++;
      return true;
    }
    return true;
  };

  const runCd5220 = (seq: number[]): boolean => {
    const [, second, third] = seq;
    if (seq.length < 2) return false;
    if (second === 0x40) {
      reset();
      brightness = 4;
      return true;
    }
    if (second === 0x51) {
      if (seq.length < 3) return false;
      if (third !== 0x41 && third !== 0x42 && third !== 0x44) {
        ignored++;
        return true;
      }
      if (seq[seq.length - 1] !== 0x0d) return seq.length > 3 + 40 ? (ignored++, true) : false;
      setLine(third === 0x42 ? 1 : 0, seq.slice(3, -1));
      stringMode = true;
      return true;
    }
    const needs = second === 0x2a ? 3 : second === 0x6c ? 4 : second === 0x5b ? 3 : 2;
    if (seq.length < needs) return false;
    if (stringMode) {
      ignored++;
      return true;
    }
    if (second === 0x2a) {
      const n = seq[2] as number;
      if (n >= 1 && n <= 4) brightness = n;
      else ignored++;
    } else if (second === 0x6c) {
      const cx = seq[2] as number;
      const cy = seq[3] as number;
      if (cx >= 1 && cx <= columns && (cy === 1 || cy === 2)) {
        x = cx - 1;
        y = cy - 1;
      } else ignored++;
    } else if (second !== 0x11 && second !== 0x12 && second !== 0x13 && second !== 0x5b) {
      ignored++;
    }
    return true;
  };

  const onByte = (byte: number): void => {
    if (pending) {
      pending.push(byte);
      if ((dialect === 'epson' ? runEpson : runCd5220)(pending)) pending = undefined;
      return;
    }
    if (byte === ESC || (dialect === 'epson' && byte === US)) {
      pending = [byte];
      return;
    }
    switch (byte) {
      case 0x0c: // FF / CLR
        reset();
        return;
      case 0x18: // CAN: clear the cursor line
        if (dialect === 'cd5220') {
          grid[y] = blank();
          x = 0;
          stringMode = false;
        } else ignored++;
        return;
      case 0x0d: // CR
        if (!stringMode) x = 0;
        return;
      case 0x0a: // LF
        if (!stringMode) y = 1;
        return;
      case 0x0b: // HOM
        if (!stringMode) {
          x = 0;
          y = 0;
        }
        return;
      case 0x08: // BS
        if (!stringMode) x = Math.max(0, x - 1);
        return;
      case 0x09: // HT
        if (!stringMode) x = Math.min(columns - 1, x + 1);
        return;
      default:
        if (byte < 0x20 || byte === 0x7f) ignored++;
        else if (dialect === 'cd5220' && stringMode) ignored++;
        else put(byte);
    }
  };

  const serve = (device: Duplex): void => {
    device.on('data', (chunk: Buffer) => {
      for (const b of chunk) {
        bytes.push(b);
        onByte(b);
      }
      const now = view();
      const before = lines.getValue();
      if (now[0] !== before[0] || now[1] !== before[1]) lines.next(now);
      for (const w of [...waiters]) w();
    });
  };

  const sim: DisplaySimulator = {
    dialect,
    ...simulatorConnections(`${dialect} display`, serve),
    lines: view,
    lines$: lines.asObservable(),
    get brightness() {
      return brightness;
    },
    received: () => Uint8Array.from(bytes),
    get ignored() {
      return ignored;
    },
    until(predicate, timeoutMs = 1000) {
      return new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (!predicate(sim)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(`The display did not reach the expected state within ${timeoutMs} ms; it shows ${JSON.stringify(view())}.`),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
  return sim;
}
