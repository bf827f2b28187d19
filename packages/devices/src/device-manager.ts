import { ErrorCode, StateError, ValidationError, validationError, ClockSchema } from '@tillkit/core';
import { BehaviorSubject, isObservable, Subject, type Observable, type Subscription } from 'rxjs';
import { z } from 'zod';
import { systemClock, type Clock, type DeviceHealth, type DeviceKind, type DeviceWarning, type HealthSource } from './health';

/** A change of one device. */
export type DeviceEvent =
  /** the device's health changed (state or warnings); `previous` is undefined for its first health */
  | {
      readonly type: 'changed';
      readonly deviceId: string;
      readonly previous: DeviceHealth | undefined;
      readonly health: DeviceHealth;
    }
  /** the device was unregistered */
  | { readonly type: 'removed'; readonly deviceId: string; readonly last: DeviceHealth | undefined; readonly at: string };

/** A warning raised or cleared on one device. */
export interface WarningEvent {
  readonly type: 'raised' | 'cleared';
  readonly deviceId: string;
  readonly kind: DeviceKind;
  readonly warning: DeviceWarning;
  /** ISO time of the raise or clear */
  readonly at: string;
}

export interface DeviceManagerOptions {
  /** the clock for times the manager stamps itself (removal, a source failing) */
  readonly clock?: Clock;
}

export interface DeviceManager {
  /**
   * Starts following a device's health. Throws a ValidationError (code DUPLICATE_ID) when a device
   * with the same id is registered.
   */
  register(source: HealthSource): void;
  /** Stops following a device and drops it from the snapshot; false when it was not registered. */
  unregister(deviceId: string): boolean;
  /**
   * Every device's health, replayed to new subscribers, then one snapshot per real change: a
   * device repeating the same state and warnings emits nothing.
   */
  readonly health$: Observable<ReadonlyMap<string, DeviceHealth>>;
  /** per-device changes, as they happen */
  readonly events$: Observable<DeviceEvent>;
  /** warnings raised and cleared on any device */
  readonly warnings$: Observable<WarningEvent>;
  /** the current health of every device */
  snapshot(): ReadonlyMap<string, DeviceHealth>;
  /** Stops following every device and completes the streams. */
  dispose(): void;
}

const KINDS = ['printer', 'drawer', 'scanner', 'display', 'scale'] as const satisfies readonly DeviceKind[];

const SourceSchema = z.object({
  id: z.string().min(1),
  kind: z.enum(KINDS),
  health$: z.custom<Observable<DeviceHealth>>((v) => isObservable(v), 'an Observable of DeviceHealth'),
});

const HealthSchema = z.object({
  deviceId: z.string(),
  kind: z.enum(KINDS),
  state: z.string().min(1),
  warnings: z.array(z.object({ code: z.string().min(1), message: z.string(), since: z.string() })),
  at: z.string(),
});

const OptionsSchema = z.object({
  clock: ClockSchema.optional(),
});

const invalid = (what: string, error: z.ZodError): ValidationError => validationError(what, error.issues);

const warningKey = (w: DeviceWarning): string => `${w.code}@${w.since}`;

/** Same state and the same warnings (code and since): not a real change. */
function sameHealth(a: DeviceHealth | undefined, b: DeviceHealth): boolean {
  if (!a || a.state !== b.state || a.warnings.length !== b.warnings.length) return false;
  const keys = new Set(a.warnings.map(warningKey));
  return b.warnings.every((w) => keys.has(warningKey(w)));
}

/**
 * Gathers the health of every device into one stream for the till UI and telemetry. Each source's
 * health is de-duplicated by state and warnings, so a device repeating its status costs nothing.
 * A source whose health$ fails shows as state 'error'; one whose health$ completes, 'disconnected'.
 */
export function createDeviceManager(options: DeviceManagerOptions = {}): DeviceManager {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) throw invalid('createDeviceManager options', parsed.error);
  const clock = parsed.data.clock ?? systemClock;
  const iso = (): string => new Date(clock.now()).toISOString();

  const devices = new Map<string, DeviceHealth>();
  /** registered ids; the subscription is undefined while subscribing */
  const links = new Map<string, Subscription | undefined>();
  const kinds = new Map<string, DeviceKind>();
  const health = new BehaviorSubject<ReadonlyMap<string, DeviceHealth>>(new Map());
  const events = new Subject<DeviceEvent>();
  const warnings = new Subject<WarningEvent>();
  let disposed = false;

  const apply = (deviceId: string, kind: DeviceKind, next: DeviceHealth): void => {
    if (!links.has(deviceId)) return;
    const previous = devices.get(deviceId);
    if (sameHealth(previous, next)) return;
    devices.set(deviceId, next);
    events.next({ type: 'changed', deviceId, previous, health: next });
    const before = new Map((previous?.warnings ?? []).map((w) => [w.code, w]));
    const after = new Map(next.warnings.map((w) => [w.code, w]));
    for (const [code, w] of before) {
      const now = after.get(code);
      if (!now || now.since !== w.since) warnings.next({ type: 'cleared', deviceId, kind, warning: w, at: next.at });
    }
    for (const [code, w] of after) {
      const was = before.get(code);
      if (!was || was.since !== w.since) warnings.next({ type: 'raised', deviceId, kind, warning: w, at: w.since });
    }
    health.next(new Map(devices));
  };

  const stamped = (source: HealthSource, state: 'error' | 'disconnected', reason: string): DeviceHealth => ({
    deviceId: source.id,
    kind: source.kind,
    state,
    warnings: [],
    at: iso(),
    detail: { reason },
  });

  return {
    register(source) {
      const checked = SourceSchema.safeParse(source);
      if (!checked.success) throw invalid('device for register()', checked.error);
      if (disposed) {
        throw new StateError(ErrorCode.INVALID_STATE, 'This device manager was disposed: create a new one to register devices.');
      }
      if (links.has(source.id)) {
        throw new ValidationError(
          ErrorCode.DUPLICATE_ID,
          `A device with id "${source.id}" is already registered: give each device its own id, or unregister the old one first.`,
          { details: { deviceId: source.id } },
        );
      }
      const { id, kind } = source;
      links.set(id, undefined);
      kinds.set(id, kind);
      const subscription = source.health$.subscribe({
        next(h: DeviceHealth) {
          if (!HealthSchema.safeParse(h).success || h.deviceId !== id || h.kind !== kind) {
            apply(id, kind, stamped(source, 'error', 'the device reported health the manager cannot read'));
            return;
          }
          apply(id, kind, h);
        },
        error(e: unknown) {
          apply(id, kind, stamped(source, 'error', `its health stream failed: ${e instanceof Error ? e.message : String(e)}`));
        },
        complete() {
          apply(id, kind, stamped(source, 'disconnected', 'its health stream ended'));
        },
      });
      // unregister() may have run from inside the first emission.
      if (links.has(id)) links.set(id, subscription);
      else subscription.unsubscribe();
    },
    unregister(deviceId) {
      if (typeof deviceId !== 'string' || !links.has(deviceId)) return false;
      const link = links.get(deviceId);
      const kind = kinds.get(deviceId) as DeviceKind;
      links.delete(deviceId);
      kinds.delete(deviceId);
      link?.unsubscribe();
      const last = devices.get(deviceId);
      devices.delete(deviceId);
      const at = iso();
      for (const w of last?.warnings ?? []) warnings.next({ type: 'cleared', deviceId, kind, warning: w, at });
      events.next({ type: 'removed', deviceId, last, at });
      health.next(new Map(devices));
      return true;
    },
    health$: health.asObservable(),
    events$: events.asObservable(),
    warnings$: warnings.asObservable(),
    snapshot: () => new Map(devices),
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const link of links.values()) link?.unsubscribe();
      links.clear();
      kinds.clear();
      health.complete();
      events.complete();
      warnings.complete();
    },
  };
}
