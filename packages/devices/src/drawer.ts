import { parseInput, ClockSchema } from '@tillkit/core';
import {
  asyncScheduler,
  BehaviorSubject,
  isObservable,
  Subject,
  type Observable,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import { z } from 'zod';
import { systemClock, type Clock, type DeviceHealth, type DeviceState, type DeviceWarning, type HealthSource } from './health';

/** The drawer sensor as the printer reports it (DLE EOT 1 bit 0x04, or ASB byte 1 bit 0x04). */
export interface DrawerSensorSample {
  /** the drawer kick-out connector pin 3 reads high */
  readonly drawerHigh: boolean;
  /** clock time the printer reported it */
  readonly at: number;
}

export interface DrawerMonitorOptions {
  readonly id: string;
  /** whether the sensor reads high when the drawer is OPEN: drawers differ (see PrinterProfile.drawer) */
  readonly polarity: { readonly openWhenHigh: boolean };
  /** raise 'drawer-open-too-long' once the drawer has been open this long */
  readonly openTooLongMs: number;
  /** the sensor, as the printer driver forwards it; repeats of the same value are fine */
  readonly status$: Observable<DrawerSensorSample>;
  readonly clock?: Clock;
  /** scheduler for the open-too-long timer (default rxjs asyncScheduler) */
  readonly scheduler?: SchedulerLike;
}

export interface DrawerOpened {
  readonly deviceId: string;
  /** when the printer saw it open */
  readonly at: number;
}

export interface DrawerClosed {
  readonly deviceId: string;
  /** when the printer saw it closed */
  readonly at: number;
  /** how long it was open; undefined when it was already open when the monitor started */
  readonly openForMs: number | undefined;
}

export interface DrawerMonitor extends HealthSource {
  readonly kind: 'drawer';
  /** the drawer opened (also at the first sample, when the drawer is already open) */
  readonly opened$: Observable<DrawerOpened>;
  /** the drawer closed */
  readonly closed$: Observable<DrawerClosed>;
  /** true when open, false when closed, undefined before the first sample */
  isOpen(): boolean | undefined;
  /** Stops watching the sensor and completes every stream. */
  dispose(): void;
}

const OptionsSchema = z.object({
  id: z.string().min(1),
  polarity: z.object({ openWhenHigh: z.boolean() }),
  openTooLongMs: z.number().int().min(1),
  status$: z.custom<Observable<DrawerSensorSample>>((v) => isObservable(v), 'an Observable of drawer sensor samples'),
  clock: ClockSchema.optional(),
  scheduler: z
    .custom<SchedulerLike>((v) => typeof (v as SchedulerLike | undefined)?.schedule === 'function', 'an rxjs scheduler')
    .optional(),
});

const SampleSchema = z.object({ drawerHigh: z.boolean(), at: z.number().refine(Number.isFinite, 'a finite time') });

/**
 * Watches the cash drawer through the printer's drawer sensor. The drawer is kicked through the
 * printer (ESC p); this monitor only reads the sensor the printer driver forwards as `status$`.
 *
 * Health (kind 'drawer'): 'connecting' until the first sample, then 'drawer-open' or 'online';
 * 'disconnected' when `status$` completes, 'error' when it fails or sends something unreadable.
 * The warning 'drawer-open-too-long' is raised once the drawer has been open `openTooLongMs`
 * and cleared when it closes.
 */
export function createDrawerMonitor(options: DrawerMonitorOptions): DrawerMonitor {
  const o = parseInput(OptionsSchema, options, 'createDrawerMonitor options');
  const { id, polarity, openTooLongMs, status$ } = o;
  const clock = o.clock ?? systemClock;
  const scheduler = o.scheduler ?? asyncScheduler;
  const iso = (ms: number): string => new Date(ms).toISOString();

  const opened = new Subject<DrawerOpened>();
  const closed = new Subject<DrawerClosed>();
  let open: boolean | undefined;
  let openedAt: number | undefined;
  let warning: DeviceWarning | undefined;
  let timer: Subscription | undefined;

  const health = new BehaviorSubject<DeviceHealth>({
    deviceId: id,
    kind: 'drawer',
    state: 'connecting',
    warnings: [],
    at: iso(clock.now()),
    detail: { reason: 'waiting for the first drawer sensor reading' },
  });
  const publish = (state: DeviceState, at: number, reason?: string): void => {
    health.next({
      deviceId: id,
      kind: 'drawer',
      state,
      warnings: warning ? [warning] : [],
      at: iso(at),
      ...(reason === undefined ? {} : { detail: { reason } }),
    });
  };
  const stopTimer = (): void => {
    timer?.unsubscribe();
    timer = undefined;
  };

  const onSample = (sample: DrawerSensorSample): void => {
    if (!SampleSchema.safeParse(sample).success) {
      publish('error', clock.now(), 'the printer forwarded an unreadable drawer status');
      return;
    }
    const nowOpen = sample.drawerHigh === polarity.openWhenHigh;
    const wasError = health.getValue().state === 'error';
    if (nowOpen === open && !wasError) return;
    const changed = nowOpen !== open;
    const first = open === undefined;
    open = nowOpen;
    if (!changed) {
      publish(nowOpen ? 'drawer-open' : 'online', sample.at);
      return;
    }
    if (nowOpen) {
      openedAt = first ? undefined : sample.at;
      publish('drawer-open', sample.at);
      opened.next({ deviceId: id, at: sample.at });
      // The sample may arrive late: count from when the printer saw the drawer open.
      const elapsed = Math.max(0, clock.now() - sample.at);
      const since = sample.at;
      timer = scheduler.schedule(
        () => {
          timer = undefined;
          const openFor = Math.max(openTooLongMs, clock.now() - since);
          warning = {
            code: 'drawer-open-too-long',
            message: `The cash drawer has been open for ${Math.round(openFor / 1000)} s: close it.`,
            since: iso(clock.now()),
          };
          publish('drawer-open', clock.now());
        },
        Math.max(0, openTooLongMs - elapsed),
      );
    } else {
      stopTimer();
      warning = undefined;
      publish('online', sample.at);
      if (!first)
        closed.next({ deviceId: id, at: sample.at, openForMs: openedAt === undefined ? undefined : sample.at - openedAt });
      openedAt = undefined;
    }
  };

  const finish = (state: DeviceState, reason: string): void => {
    stopTimer();
    warning = undefined;
    open = undefined;
    publish(state, clock.now(), reason);
    opened.complete();
    closed.complete();
  };

  const link = status$.subscribe({
    next: onSample,
    complete: () => finish('disconnected', 'the printer stopped forwarding the drawer sensor'),
    error: (e: unknown) => finish('error', `the drawer sensor failed: ${e instanceof Error ? e.message : String(e)}`),
  });

  return {
    id,
    kind: 'drawer',
    health$: health.asObservable(),
    opened$: opened.asObservable(),
    closed$: closed.asObservable(),
    isOpen: () => open,
    dispose() {
      link.unsubscribe();
      stopTimer();
      opened.complete();
      closed.complete();
      health.complete();
    },
  };
}
