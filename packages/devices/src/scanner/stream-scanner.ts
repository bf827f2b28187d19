import { DeviceError, ErrorCode, TillkitError, parseInput, ClockSchema } from '@tillkit/core';
import { BehaviorSubject, Subject, type Observable } from 'rxjs';
import { z } from 'zod';
import { systemClock, type Clock, type DeviceHealth, type DeviceState, type HealthSource } from '../health';
import { ByteTransportSchema, type ByteTransport } from '../transport';
import { buildScanResult, type ScanResult } from './scan-result';

export interface StreamScannerOptions {
  readonly transport: ByteTransport;
  /** device id for health (default "scanner") */
  readonly id?: string;
  /**
   * what ends a scan: 'any' (default) takes CR, LF or CR LF; 'CR', 'LF' and 'CRLF' take only that
   * (use them when data itself may hold the other)
   */
  readonly suffix?: 'any' | 'CR' | 'LF' | 'CRLF';
  /** 'auto' (default) reads a leading AIM identifier ("]E0"); 'never' keeps the data as is */
  readonly aimIds?: 'auto' | 'never';
  /** longest scan in bytes; longer input is dropped up to the next suffix (default 4096) */
  readonly maxLength?: number;
  readonly clock?: Clock;
  /** the year GS1 dates are read against (default the current year) */
  readonly referenceYear?: number;
}

export interface StreamScanner extends HealthSource {
  readonly kind: 'scanner';
  /**
   * One ScanResult per scan. Completes when the connection ends; fails with a DeviceError (code
   * DEVICE_ERROR) when the connection fails.
   */
  readonly scans$: Observable<ScanResult>;
  /** Stops reading and closes the transport. */
  close(): Promise<void>;
}

const OptionsSchema = z.object({
  transport: ByteTransportSchema,
  id: z.string().min(1).default('scanner'),
  suffix: z.enum(['any', 'CR', 'LF', 'CRLF']).default('any'),
  aimIds: z.enum(['auto', 'never']).default('auto'),
  maxLength: z.number().int().min(1).max(65_536).default(4096),
  clock: ClockSchema.optional(),
  referenceYear: z.number().int().min(1900).max(9999).optional(),
});

const CR = 0x0d;
const LF = 0x0a;

/**
 * A serial (RS-232, USB-CDC, or serial-over-TCP) barcode scanner over any ByteTransport: each scan
 * is the scanner's data followed by a suffix, split anywhere across reads. Produces the same
 * ScanResult as the keyboard-wedge decoder (AIM identifier read, GS1 data parsed).
 */
export function createStreamScanner(options: StreamScannerOptions): StreamScanner {
  const o = parseInput(OptionsSchema, options, 'createStreamScanner options');
  const { transport, id } = o;
  const clock = o.clock ?? systemClock;
  const scans = new Subject<ScanResult>();
  const health = new BehaviorSubject<DeviceHealth>({
    deviceId: id,
    kind: 'scanner',
    state: 'online',
    warnings: [],
    at: new Date(clock.now()).toISOString(),
  });
  const setState = (state: DeviceState, reason: string): void => {
    if (health.getValue().state === state) return;
    health.next({
      deviceId: id,
      kind: 'scanner',
      state,
      warnings: [],
      at: new Date(clock.now()).toISOString(),
      detail: { reason },
    });
  };

  let frame: number[] = [];
  let overlong = false;
  let afterCr = false;
  const emit = (): void => {
    const bytes = frame;
    frame = [];
    if (overlong) {
      overlong = false;
      return;
    }
    if (bytes.length === 0) return;
    const text = String.fromCharCode(...bytes);
    scans.next(
      buildScanResult(text, {
        source: 'serial',
        at: clock.now(),
        aimIds: o.aimIds,
        ...(o.referenceYear === undefined ? {} : { referenceYear: o.referenceYear }),
      }),
    );
  };
  const push = (b: number): void => {
    if (frame.length >= o.maxLength) {
      overlong = true;
      frame = [];
    }
    frame.push(b);
  };

  const onBytes = (bytes: Uint8Array): void => {
    for (const b of bytes) {
      switch (o.suffix) {
        case 'any':
          if (b === CR || b === LF) emit();
          else push(b);
          break;
        case 'CR':
          if (b === CR) emit();
          else push(b);
          break;
        case 'LF':
          if (b === LF) emit();
          else push(b);
          break;
        case 'CRLF':
          if (afterCr && b === LF) {
            afterCr = false;
            emit();
            break;
          }
          if (afterCr) push(CR);
          afterCr = b === CR;
          if (!afterCr) push(b);
          break;
      }
    }
  };

  const link = transport.data$.subscribe({
    next: onBytes,
    complete() {
      setState('disconnected', 'the connection to the scanner was closed');
      scans.complete();
    },
    error(e: unknown) {
      const message = e instanceof Error ? e.message : String(e);
      setState('disconnected', message);
      scans.error(
        TillkitError.isInstance(e) && e.code === ErrorCode.DEVICE_ERROR
          ? e
          : new DeviceError(
              ErrorCode.DEVICE_ERROR,
              `The connection to the scanner ${id} failed: ${message}. Check its cable and reconnect.`,
              {
                cause: e,
              },
            ),
      );
    },
  });

  return {
    id,
    kind: 'scanner',
    health$: health.asObservable(),
    scans$: scans.asObservable(),
    async close() {
      link.unsubscribe();
      try {
        await transport.close();
      } finally {
        setState('disconnected', 'closed');
        scans.complete();
        health.complete();
      }
    },
  };
}
