import type { ValidationError } from '@tillkit/core';
import { DeviceError, ErrorCode, validationError, ClockSchema } from '@tillkit/core';
import {
  asyncScheduler,
  BehaviorSubject,
  catchError,
  defer,
  filter,
  firstValueFrom,
  ignoreElements,
  map,
  merge,
  of,
  ReplaySubject,
  repeat,
  Subject,
  take,
  takeUntil,
  throwError,
  timeout,
  timer,
  type Observable,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import { z } from 'zod';
import { systemClock, type Clock, type DeviceHealth, type DeviceState, type DeviceWarning, type HealthSource } from '../health';
import { ByteTransportSchema, type ByteTransport } from '../transport';
import { createNciFramer, NCI_WEIGHT_REQUEST, parseNciReply } from './nci';
import { createToledoFramer, parseToledoReply, TOLEDO_WEIGHT_REQUEST } from './toledo';
import type { ScaleResponse, ScaleUnit, ScaleWeight } from './weight';

export type ScaleProtocol = 'toledo-8213' | 'toledo-8217' | 'nci';

/** One poll of the scale. */
export type ScaleReading =
  /** a weight; `stable` once the motion flag is clear and `stableReadings` polls agreed */
  | {
      readonly status: 'weight';
      readonly weight: ScaleWeight;
      readonly motion: boolean;
      readonly stable: boolean;
      readonly at: number;
    }
  /** in motion, and the scale sent no weight (Toledo) */
  | { readonly status: 'motion'; readonly at: number }
  /** below zero: re-zero the empty scale */
  | { readonly status: 'under-zero'; readonly weight?: ScaleWeight; readonly at: number }
  | { readonly status: 'over-capacity'; readonly at: number }
  /** no reply within responseTimeoutMs */
  | { readonly status: 'no-response'; readonly at: number }
  /** the scale reported a fault, sent something unreadable, or the request could not be sent */
  | { readonly status: 'fault'; readonly message: string; readonly at: number };

/** A weight that may price an item. */
export interface StableWeight extends ScaleWeight {
  /** clock time of the reading */
  readonly at: number;
}

export interface ScaleOptions {
  readonly transport: ByteTransport;
  readonly protocol: ScaleProtocol;
  /** time between a reply and the next request (default 200 ms) */
  readonly pollMs?: number;
  /** device id for health (default "scale") */
  readonly id?: string;
  /** unit of Toledo replies, which carry none (default 'kg'); NCI replies name their unit */
  readonly unit?: ScaleUnit;
  /** implied decimals of replies without a decimal point (default kg 3, lb 2, oz 1, g 0) */
  readonly decimals?: number;
  /** equal settled readings in a row before a weight counts as stable (default 3) */
  readonly stableReadings?: number;
  /** how long to wait for each reply (default 1000 ms) */
  readonly responseTimeoutMs?: number;
  /** raise 'unstable-weight' when a load has not settled for this long (default 5000 ms) */
  readonly unstableAfterMs?: number;
  readonly clock?: Clock;
  /** scheduler for polling and timeouts (default rxjs asyncScheduler) */
  readonly scheduler?: SchedulerLike;
}

export interface Scale extends HealthSource {
  readonly kind: 'scale';
  /** every reading, the latest replayed to new subscribers; completes when the scale is closed */
  readonly weight$: Observable<ScaleReading>;
  /**
   * Resolves with the next stable weight (motion flag clear and `stableReadings` equal readings).
   * Rejects with a DeviceError (code DEVICE_ERROR, `details.reason` 'timeout' | 'over-capacity' |
   * 'negative' | 'closed') when none comes within `timeoutMs`, the load is over capacity or the
   * weight is below zero.
   */
  readStable(timeoutMs: number): Promise<StableWeight>;
  /** Stops polling and closes the transport. */
  close(): Promise<void>;
}

const DEFAULT_DECIMALS: Readonly<Record<ScaleUnit, number>> = { kg: 3, lb: 2, oz: 1, g: 0 };

const OptionsSchema = z.object({
  transport: ByteTransportSchema,
  protocol: z.enum(['toledo-8213', 'toledo-8217', 'nci']),
  pollMs: z.number().int().min(1).max(60_000).default(200),
  id: z.string().min(1).default('scale'),
  unit: z.enum(['kg', 'g', 'lb', 'oz']).default('kg'),
  decimals: z.number().int().min(0).max(6).optional(),
  stableReadings: z.number().int().min(1).max(100).default(3),
  responseTimeoutMs: z.number().int().min(1).max(60_000).default(1000),
  unstableAfterMs: z.number().int().min(1).default(5000),
  clock: ClockSchema.optional(),
  scheduler: z
    .custom<SchedulerLike>((v) => typeof (v as SchedulerLike | undefined)?.schedule === 'function', 'an rxjs scheduler')
    .optional(),
});

const TimeoutSchema = z.number().int().min(1).max(600_000);

const invalid = (what: string, error: z.ZodError): ValidationError => validationError(what, error.issues);

type StableFailure = 'timeout' | 'over-capacity' | 'negative' | 'closed';

const NO_REPLY = Symbol('no reply');

/**
 * A serial scale (Mettler Toledo 8213/8217 or NCI) over any ByteTransport. Polls it every
 * `pollMs`, publishes every reading on `weight$`, and gives weights as integers (the scale's value
 * with its decimals, and whole grams), never floats. Only a stable weight may price an item:
 * `readStable()` waits for one.
 */
export function createScale(options: ScaleOptions): Scale {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) throw invalid('createScale options', parsed.error);
  const o = parsed.data;
  const { transport, protocol, id } = o;
  const clock = o.clock ?? systemClock;
  const scheduler = o.scheduler ?? asyncScheduler;
  const defaults = { unit: o.unit, decimals: o.decimals ?? DEFAULT_DECIMALS[o.unit] };
  const request = protocol === 'nci' ? NCI_WEIGHT_REQUEST : TOLEDO_WEIGHT_REQUEST;
  const framer = protocol === 'nci' ? createNciFramer() : createToledoFramer();
  const parse = (frame: string): ScaleResponse =>
    protocol === 'nci' ? parseNciReply(frame, defaults) : parseToledoReply(frame, defaults);

  const iso = (ms: number): string => new Date(ms).toISOString();
  const replies = new Subject<ScaleResponse>();
  const stop = new Subject<void>();
  const readings = new Subject<ScaleReading>();
  const latest = new ReplaySubject<ScaleReading>(1);
  let closed = false;
  let linkEnded: string | undefined;
  let polling: Subscription | undefined;

  // Health: state from the last reading, warning when a load never settles.
  let warning: DeviceWarning | undefined;
  let unsettledSince: number | undefined;
  const health = new BehaviorSubject<DeviceHealth>({
    deviceId: id,
    kind: 'scale',
    state: 'connecting',
    warnings: [],
    at: iso(clock.now()),
    detail: { protocol },
  });
  const publishHealth = (state: DeviceState, at: number, reason?: string): void => {
    const current = health.getValue();
    const warnings = warning ? [warning] : [];
    if (current.state === state && current.warnings.length === warnings.length && current.warnings[0] === warnings[0]) return;
    health.next({
      deviceId: id,
      kind: 'scale',
      state,
      warnings,
      at: iso(at),
      detail: reason === undefined ? { protocol } : { protocol, reason },
    });
  };

  // Stability: equal settled readings in a row.
  let streakKey: string | undefined;
  let streak = 0;

  const toReading = (reply: ScaleResponse | typeof NO_REPLY | Error, at: number): ScaleReading => {
    if (reply === NO_REPLY) return { status: 'no-response', at };
    if (reply instanceof Error) return { status: 'fault', message: reply.message, at };
    if (reply.fault !== undefined) return { status: 'fault', message: reply.fault, at };
    if (reply.overCapacity) return { status: 'over-capacity', at };
    if (reply.underZero) return reply.weight ? { status: 'under-zero', weight: reply.weight, at } : { status: 'under-zero', at };
    if (!reply.weight) return { status: 'motion', at };
    return { status: 'weight', weight: reply.weight, motion: reply.motion, stable: false, at };
  };

  const record = (reading: ScaleReading): ScaleReading => {
    let out = reading;
    if (reading.status === 'weight' && !reading.motion) {
      const key = `${reading.weight.value}/${reading.weight.decimals}/${reading.weight.unit}`;
      streak = key === streakKey ? streak + 1 : 1;
      streakKey = key;
      if (streak >= o.stableReadings) out = { ...reading, stable: true };
    } else {
      streak = 0;
      streakKey = undefined;
    }
    const at = reading.at;
    const unsettled = out.status === 'motion' || (out.status === 'weight' && !out.stable);
    if (unsettled) {
      unsettledSince ??= at;
      if (!warning && at - unsettledSince >= o.unstableAfterMs) {
        warning = {
          code: 'unstable-weight',
          message: `The scale has not settled for ${Math.round((at - unsettledSince) / 1000)} s: make sure nothing touches the platter and the scale stands level.`,
          since: iso(at),
        };
      }
    } else {
      unsettledSince = undefined;
      warning = undefined;
    }
    const state: DeviceState = out.status === 'no-response' ? 'offline' : out.status === 'fault' ? 'error' : 'online';
    publishHealth(
      state,
      at,
      out.status === 'fault' ? out.message : out.status === 'no-response' ? 'no reply to a weight request' : undefined,
    );
    return out;
  };

  const link: Subscription = transport.data$.subscribe({
    next(bytes) {
      for (const frame of framer(bytes)) replies.next(parse(frame));
    },
    complete() {
      end('the connection to the scale was closed');
    },
    error(e: unknown) {
      end(e instanceof Error ? e.message : String(e));
    },
  });

  const poll$ = defer(() =>
    merge(
      replies.pipe(take(1), timeout({ first: o.responseTimeoutMs, with: () => of(NO_REPLY), scheduler })),
      defer(() => transport.write(request)).pipe(ignoreElements()),
    ).pipe(
      catchError((e: unknown) => of(e instanceof Error ? e : new Error(String(e)))),
      take(1),
      map((reply) => record(toReading(reply, clock.now()))),
    ),
  ).pipe(repeat({ delay: () => timer(o.pollMs, scheduler) }), takeUntil(stop));
  if (linkEnded === undefined) {
    polling = poll$.subscribe({
      next(reading) {
        latest.next(reading);
        readings.next(reading);
      },
    });
  }

  function end(reason: string): void {
    if (linkEnded !== undefined) return;
    linkEnded = reason;
    stop.next();
    polling?.unsubscribe();
    warning = undefined;
    publishHealth('disconnected', clock.now(), reason);
    readings.complete();
    latest.complete();
  }

  const failure = (reason: StableFailure, message: string, extra: Record<string, unknown> = {}): DeviceError =>
    new DeviceError(ErrorCode.DEVICE_ERROR, message, { details: { deviceId: id, reason, ...extra } });

  return {
    id,
    kind: 'scale',
    health$: health.asObservable(),
    weight$: latest.asObservable(),
    readStable(timeoutMs) {
      const ms = TimeoutSchema.safeParse(timeoutMs);
      if (!ms.success) return Promise.reject(invalid('readStable timeout (ms)', ms.error));
      if (linkEnded !== undefined) {
        return Promise.reject(
          failure('closed', `The scale ${id} is not connected (${linkEnded}): reconnect it, then weigh again.`),
        );
      }
      let last: ScaleReading | undefined;
      return firstValueFrom(
        readings.pipe(
          map((r) => {
            last = r;
            if (r.status === 'over-capacity') {
              throw failure('over-capacity', `The load is over the scale's capacity: take it off and weigh it in parts.`);
            }
            if (r.status === 'under-zero') {
              throw failure('negative', `The scale reads below zero: empty the platter and zero the scale, then weigh again.`);
            }
            return r;
          }),
          filter((r): r is Extract<ScaleReading, { status: 'weight' }> => r.status === 'weight' && r.stable),
          map((r): StableWeight => ({ ...r.weight, at: r.at })),
          timeout({
            first: ms.data,
            scheduler,
            with: () =>
              throwError(() =>
                failure(
                  'timeout',
                  last === undefined || last.status === 'no-response'
                    ? `The scale ${id} did not answer within ${ms.data} ms: check its cable and power.`
                    : last?.status === 'fault'
                      ? `The scale ${id} did not give a weight within ${ms.data} ms (${last.message}): check it, or have it serviced.`
                      : `The weight did not settle within ${ms.data} ms: make sure nothing touches the platter, then weigh again.`,
                  { last: last?.status },
                ),
              ),
          }),
        ),
      ).catch((e: unknown) => {
        if (e instanceof DeviceError) throw e;
        // The reading stream completed: the scale was closed or disconnected.
        throw failure(
          'closed',
          `The scale ${id} was disconnected while weighing (${linkEnded ?? 'closed'}): reconnect it, then weigh again.`,
        );
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      end('closed');
      link.unsubscribe();
      try {
        await transport.close();
      } finally {
        health.complete();
      }
    },
  };
}
