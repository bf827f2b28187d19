import type { DeviceState } from '../health';

/** What the printer last said about itself, merged from automatic status back and DLE EOT replies. */
export interface PrinterStatus {
  readonly paper: 'ok' | 'near-end' | 'out';
  readonly coverOpen: boolean;
  readonly offline: boolean;
  readonly cutterError: boolean;
  /** any error (cutter, mechanical, unrecoverable, auto-recoverable); the flags below say which when known */
  readonly error: boolean;
  readonly mechanicalError: boolean;
  readonly unrecoverableError: boolean;
  /** e.g. the head is too hot: clears by itself */
  readonly autoRecoverableError: boolean;
  /** waiting for online recovery (after an error cleared) */
  readonly waitingForRecovery: boolean;
  readonly feedButton: boolean;
  /** drawer kick-out connector pin 3 reads high (what that means depends on the drawer) */
  readonly drawerHigh: boolean;
}

export const INITIAL_PRINTER_STATUS: PrinterStatus = Object.freeze({
  paper: 'ok',
  coverOpen: false,
  offline: false,
  cutterError: false,
  error: false,
  mechanicalError: false,
  unrecoverableError: false,
  autoRecoverableError: false,
  waitingForRecovery: false,
  feedButton: false,
  drawerHigh: false,
});

function withError(s: Omit<PrinterStatus, 'error'>): PrinterStatus {
  return { ...s, error: s.mechanicalError || s.unrecoverableError || s.autoRecoverableError || s.cutterError };
}

/**
 * The status carried by one automatic status back (GS a), which reports everything at once.
 * B1: 0x04 drawer, 0x08 offline, 0x20 cover open, 0x40 feed button. B2: 0x01 waiting for
 * recovery, 0x04 mechanical, 0x08 autocutter, 0x20 unrecoverable, 0x40 auto-recoverable.
 * B3: 0x03 paper near end, 0x0C paper end.
 */
export function statusFromAsb(bytes: readonly [number, number, number, number]): PrinterStatus {
  const [b1, b2, b3] = bytes;
  return withError({
    drawerHigh: (b1 & 0x04) !== 0,
    offline: (b1 & 0x08) !== 0,
    coverOpen: (b1 & 0x20) !== 0,
    feedButton: (b1 & 0x40) !== 0,
    waitingForRecovery: (b2 & 0x01) !== 0,
    mechanicalError: (b2 & 0x04) !== 0,
    cutterError: (b2 & 0x08) !== 0,
    unrecoverableError: (b2 & 0x20) !== 0,
    autoRecoverableError: (b2 & 0x40) !== 0,
    paper: (b3 & 0x0c) !== 0 ? 'out' : (b3 & 0x03) !== 0 ? 'near-end' : 'ok',
  });
}

/** Updates the fields one DLE EOT n reply reports; leaves the others as they were. */
export function applyRealtimeStatus(status: PrinterStatus, n: 1 | 2 | 3 | 4, byte: number): PrinterStatus {
  switch (n) {
    case 1:
      return {
        ...status,
        drawerHigh: (byte & 0x04) !== 0,
        offline: (byte & 0x08) !== 0,
        waitingForRecovery: (byte & 0x20) !== 0,
        feedButton: (byte & 0x40) !== 0,
      };
    case 2: {
      const errorBit = (byte & 0x40) !== 0;
      return {
        ...status,
        coverOpen: (byte & 0x04) !== 0,
        // "stopped at paper end" proves the paper is out; its absence proves nothing (n=4 tells)
        ...((byte & 0x20) !== 0 ? { paper: 'out' as const } : {}),
        // n=2 only says "an error"; n=3 says which
        error: errorBit,
        ...(errorBit
          ? {}
          : { mechanicalError: false, unrecoverableError: false, autoRecoverableError: false, cutterError: false }),
      };
    }
    case 3:
      return withError({
        ...status,
        mechanicalError: (byte & 0x04) !== 0,
        cutterError: (byte & 0x08) !== 0,
        unrecoverableError: (byte & 0x20) !== 0,
        autoRecoverableError: (byte & 0x40) !== 0,
      });
    case 4:
      return {
        ...status,
        paper: (byte & 0x60) === 0x60 ? 'out' : (byte & 0x0c) === 0x0c ? 'near-end' : 'ok',
      };
  }
}

/** Updates the fields a GS r n reply reports: n=1 paper sensors, n=2 the drawer. */
export function applyTransmitStatus(status: PrinterStatus, n: number, byte: number): PrinterStatus {
  if (n === 1 || n === 49) {
    return { ...status, paper: (byte & 0x0c) !== 0 ? 'out' : (byte & 0x03) !== 0 ? 'near-end' : 'ok' };
  }
  if (n === 2 || n === 50) return { ...status, drawerHigh: (byte & 0x01) !== 0 };
  return status;
}

/** True when the printer will not print until someone acts (or the error clears). */
export function isStopped(status: PrinterStatus): boolean {
  return status.offline || status.coverOpen || status.paper === 'out' || status.cutterError || status.error;
}

export type LinkState = 'connecting' | 'connected' | 'disconnected';

/**
 * The one DeviceState for a printer, worst first: disconnected, offline, cover-open, paper-out,
 * cutter-error, error, paper-low, online. A printer that reports offline *because* its cover is
 * open or its paper ran out (real printers set the offline bit for both) shows the cause, so the
 * cashier is told what to do; 'offline' is left for offline with no cause reported.
 */
export function printerState(link: LinkState, status: PrinterStatus): DeviceState {
  if (link === 'disconnected') return 'disconnected';
  if (link === 'connecting') return 'connecting';
  const explained = status.coverOpen || status.paper === 'out' || status.cutterError || status.error;
  if (status.offline && !explained) return 'offline';
  if (status.coverOpen) return 'cover-open';
  if (status.paper === 'out') return 'paper-out';
  if (status.cutterError) return 'cutter-error';
  if (status.error) return 'error';
  if (status.paper === 'near-end') return 'paper-low';
  return 'online';
}

/** Field by field equality (statuses are small flat objects). */
export function sameStatus(a: PrinterStatus, b: PrinterStatus): boolean {
  return (Object.keys(a) as (keyof PrinterStatus)[]).every((k) => a[k] === b[k]);
}
