import { afterEach, describe, expect, it } from 'vitest';
import { createScanDetector, type ScanDetector } from './scan-detector';

let detector: ScanDetector;
afterEach(() => detector.dispose());

/** Types `text` and Enter with `gapMs` between keys, starting at `t0`. */
function type(d: ScanDetector, text: string, gapMs: number, t0 = 1000): void {
  let t = t0;
  for (const ch of text) {
    d.keypress(ch, { name: ch }, t);
    t += gapMs;
  }
  d.keypress('\r', { name: 'return' }, t);
}

describe('telling a wedge scan from typing', () => {
  it('takes a fast burst of digits ended by Enter as a scan', () => {
    detector = createScanDetector();
    type(detector, '7610011000013', 4);
    expect(detector.isScan('7610011000013')).toBe(true);
    expect(detector.isScan('7610011000013')).toBe(false); // consumed
  });

  it('takes the same digits typed by a person as typing', () => {
    detector = createScanDetector();
    type(detector, '7610011000013', 180);
    expect(detector.isScan('7610011000013')).toBe(false);
  });

  it('never takes a command as a scan, however fast it came', () => {
    detector = createScanDetector();
    type(detector, 'open 100', 2);
    expect(detector.isScan('open 100')).toBe(false);
  });
});
