/**
 * Tells a keyboard-wedge scan from typing in a terminal: every keypress goes, with its time, to the
 * devices package's wedge decoder; when readline then delivers a line, `isScan(line)` says whether
 * the decoder saw exactly that line arrive as a fast burst of keys ended by Enter.
 */
import { createKeyboardWedgeDecoder, type WedgeKeyEvent } from '@tillkit/devices';

export interface TerminalKey {
  name?: string | undefined;
  ctrl?: boolean | undefined;
}

export interface ScanDetector {
  /** a keypress as readline's 'keypress' event gives it, at `timeStamp` ms */
  keypress(str: string | undefined, key: TerminalKey | undefined, timeStamp: number): void;
  /** whether this line was scanned (consumes the scan) */
  isScan(line: string): boolean;
  dispose(): void;
}

export function createScanDetector(options: { maxInterKeyMs?: number; minLength?: number } = {}): ScanDetector {
  const decoder = createKeyboardWedgeDecoder({ maxInterKeyMs: options.maxInterKeyMs ?? 50, minLength: options.minLength ?? 6 });
  const scans: string[] = [];
  const sub = decoder.scans$.subscribe((scan) => scans.push(scan.data));
  return {
    keypress(str, key, timeStamp) {
      const event = toWedgeEvent(str, key, timeStamp);
      if (event !== undefined) decoder.feed(event);
    },
    isScan(line) {
      const i = scans.indexOf(line);
      if (i < 0 || !/^\d+$/.test(line)) return false;
      scans.splice(0, i + 1);
      return true;
    },
    dispose() {
      sub.unsubscribe();
      decoder.dispose();
    },
  };
}

/** A terminal keypress as the wedge decoder reads it (digits, letters and Enter; anything else as a space). */
function toWedgeEvent(str: string | undefined, key: TerminalKey | undefined, timeStamp: number): WedgeKeyEvent | undefined {
  if (key?.name === 'return' || key?.name === 'enter') return { code: 'Enter', key: 'Enter', timeStamp, type: 'keydown' };
  if (str === undefined || str.length !== 1 || key?.ctrl === true) return undefined;
  if (/[0-9]/.test(str)) return { code: `Digit${str}`, key: str, timeStamp, type: 'keydown' };
  if (/[a-zA-Z]/.test(str)) {
    return { code: `Key${str.toUpperCase()}`, key: str, shiftKey: str !== str.toLowerCase(), timeStamp, type: 'keydown' };
  }
  return { code: 'Space', key: str, timeStamp, type: 'keydown' };
}
