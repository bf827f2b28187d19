import type { Observable } from 'rxjs';

/** The states a device can be in, worst first within each family. */
export type DeviceState =
  | 'online'
  | 'paper-low'
  | 'paper-out'
  | 'cover-open'
  | 'cutter-error'
  | 'drawer-open'
  | 'error'
  | 'offline'
  | 'connecting'
  | 'disconnected';

/** Early warnings, raised before a failure stops the till. */
export type WarningCode =
  | 'paper-near-end'
  | 'drawer-open-too-long'
  | 'print-latency-rising'
  | 'reconnect-storm'
  | 'job-unknown'
  | 'unstable-weight'
  | 'device-silent';

export interface DeviceWarning {
  readonly code: WarningCode;
  /** what a cashier or support should do, in plain words */
  readonly message: string;
  /** ISO 8601 time the warning was raised */
  readonly since: string;
}

export type DeviceKind = 'printer' | 'drawer' | 'scanner' | 'display' | 'scale';

/** One device's health at one moment. Emitted once per real change (debounced). */
export interface DeviceHealth {
  readonly deviceId: string;
  readonly kind: DeviceKind;
  readonly state: DeviceState;
  readonly warnings: readonly DeviceWarning[];
  /** ISO 8601 time of this change */
  readonly at: string;
  /** free-form facts for support (e.g. { latencyMs: 120, reconnects: 3 }) */
  readonly detail?: Readonly<Record<string, string | number | boolean>>;
}

/** What the DeviceManager needs of any device. */
export interface HealthSource {
  readonly id: string;
  readonly kind: DeviceKind;
  /** current health first (replayed to new subscribers), then every change */
  readonly health$: Observable<DeviceHealth>;
}

/** The clock devices use is @tillkit/core's: injectable so tests and drills are deterministic. */
export { systemClock } from '@tillkit/core';
export type { Clock } from '@tillkit/core';
