import { describe, expect, it } from 'vitest';
import {
  applyRealtimeStatus,
  applyTransmitStatus,
  INITIAL_PRINTER_STATUS,
  isStopped,
  printerState,
  statusFromAsb,
  type PrinterStatus,
} from './printer-status';

const connected = (s: PrinterStatus) => printerState('connected', s);

describe('printer status', () => {
  it('reads the reference ASB examples', () => {
    expect(connected(statusFromAsb([0x10, 0, 0, 0]))).toBe('online');
    expect(connected(statusFromAsb([0x38, 0, 0, 0]))).toBe('cover-open');
    expect(connected(statusFromAsb([0x10, 0, 0x03, 0]))).toBe('paper-low');
    expect(connected(statusFromAsb([0x18, 0, 0x0f, 0]))).toBe('paper-out');
    expect(connected(statusFromAsb([0x18, 0x08, 0, 0]))).toBe('cutter-error');
    expect(connected(statusFromAsb([0x18, 0x20, 0, 0]))).toBe('error');
    expect(connected(statusFromAsb([0x18, 0, 0, 0]))).toBe('offline');
    expect(statusFromAsb([0x14, 0, 0, 0]).drawerHigh).toBe(true);
  });

  it('reads the reference DLE EOT examples', () => {
    let out = INITIAL_PRINTER_STATUS;
    out = applyRealtimeStatus(out, 1, 0x1a);
    out = applyRealtimeStatus(out, 2, 0x32);
    out = applyRealtimeStatus(out, 4, 0x7e);
    expect(out.paper).toBe('out');
    expect(out.offline).toBe(true);
    expect(connected(out)).toBe('paper-out');
    expect(connected(applyRealtimeStatus(INITIAL_PRINTER_STATUS, 4, 0x1e))).toBe('paper-low');
    expect(connected(applyRealtimeStatus(INITIAL_PRINTER_STATUS, 4, 0x12))).toBe('online');
    // paper back: n=4 says so
    expect(applyRealtimeStatus(out, 4, 0x12).paper).toBe('ok');
  });

  it('takes the error cause from DLE EOT 3 and clears it when DLE EOT 2 reports no error', () => {
    let s = applyRealtimeStatus(INITIAL_PRINTER_STATUS, 2, 0x52);
    expect(connected(s)).toBe('error');
    s = applyRealtimeStatus(s, 3, 0x1a);
    expect(s.cutterError).toBe(true);
    expect(connected(s)).toBe('cutter-error');
    s = applyRealtimeStatus(s, 2, 0x12);
    expect(s.cutterError).toBe(false);
    expect(connected(s)).toBe('online');
  });

  it('reads GS r 1 paper and GS r 2 drawer replies', () => {
    expect(applyTransmitStatus(INITIAL_PRINTER_STATUS, 1, 0x0c).paper).toBe('out');
    expect(applyTransmitStatus(INITIAL_PRINTER_STATUS, 1, 0x03).paper).toBe('near-end');
    expect(applyTransmitStatus(INITIAL_PRINTER_STATUS, 2, 0x01).drawerHigh).toBe(true);
  });

  it('ranks states worst first', () => {
    const all = statusFromAsb([0x38, 0x08, 0x0f, 0]);
    expect(printerState('disconnected', all)).toBe('disconnected');
    expect(printerState('connecting', all)).toBe('connecting');
    expect(connected(all)).toBe('cover-open');
    expect(connected({ ...all, coverOpen: false })).toBe('paper-out');
    expect(connected({ ...all, coverOpen: false, paper: 'near-end' })).toBe('cutter-error');
    expect(connected({ ...INITIAL_PRINTER_STATUS, paper: 'near-end', offline: true })).toBe('offline');
  });

  it('says when the printer will not print', () => {
    expect(isStopped(INITIAL_PRINTER_STATUS)).toBe(false);
    expect(isStopped({ ...INITIAL_PRINTER_STATUS, paper: 'near-end' })).toBe(false);
    expect(isStopped({ ...INITIAL_PRINTER_STATUS, paper: 'out' })).toBe(true);
    expect(isStopped({ ...INITIAL_PRINTER_STATUS, coverOpen: true })).toBe(true);
  });
});
