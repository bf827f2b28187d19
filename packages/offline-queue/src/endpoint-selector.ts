import { parseInput } from '@tillkit/core';
import { BehaviorSubject, Subject, type Observable } from 'rxjs';
import { z } from 'zod';
import {
  circuitBreakerOptionsSchema,
  createCircuitBreaker,
  type CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitState,
} from './circuit-breaker';
import { clockSchema, systemClock, type Clock } from './clock';

export interface Endpoint {
  id: string;
  url: string;
  /** lower is preferred: 0 primary cloud, 1 secondary region, 2 in-store hub */
  priority: number;
}

/** An endpoint as callers give it: without `priority`, its position in the list is its priority. */
export interface EndpointInput {
  id: string;
  url: string;
  /** lower is preferred; default: the endpoint's index in the list (the first is the primary) */
  priority?: number | undefined;
}

export interface EndpointSelectorOptions {
  endpoints: readonly EndpointInput[];
  /** options for each endpoint's circuit breaker (the selector's clock is used) */
  breaker?: Omit<CircuitBreakerOptions, 'clock'>;
  /** at most one switch per this window, so a flapping endpoint cannot bounce traffic; default 60 000 ms */
  minSwitchIntervalMs?: number;
  /** sustained health a preferred endpoint needs before traffic fails back to it; default 120 000 ms */
  failBackAfterMs?: number;
  clock?: Clock;
}

export interface EndpointHealth {
  id: string;
  url: string;
  priority: number;
  state: CircuitState;
  /** start of the current unbroken run of successes, if the last result was a success */
  healthySince: number | undefined;
}

export interface SelectorHealth {
  current: string;
  /** when the selector last switched endpoint; undefined before the first switch */
  lastSwitchAt: number | undefined;
  endpoints: readonly EndpointHealth[];
}

export interface EndpointSwitch {
  from: string;
  to: string;
  reason: 'failover' | 'fail-back';
  at: number;
}

export interface FlushNow {
  /** the endpoint whose probe came back healthy */
  endpointId: string;
  at: number;
}

export interface EndpointSelector {
  /** the endpoint to deliver to now (re-evaluates failover and fail-back at the current time) */
  current(): Endpoint;
  /** the result of a delivery attempt against an endpoint (late results for a former endpoint are fine) */
  report(endpointId: string, result: 'success' | 'failure'): void;
  /** the result of an active health probe against an endpoint */
  probeResult(endpointId: string, healthy: boolean): void;
  /** an endpoint's breaker state now (open: do not send to it until it turns half-open) */
  stateOf(endpointId: string): CircuitState;
  /** current health first, then every change */
  readonly health$: Observable<SelectorHealth>;
  readonly switches$: Observable<EndpointSwitch>;
  /** a healthy probe on the current or a preferred endpoint: delivery should try again at once */
  readonly flushNow$: Observable<FlushNow>;
  /** completes every stream */
  dispose(): void;
}

const endpointSchema = z.object({
  id: z.string().min(1),
  url: z.url(),
  priority: z.number().int().nonnegative().optional(),
});

const selectorOptionsSchema = z.object({
  endpoints: z
    .array(endpointSchema)
    .min(1)
    .refine((list) => new Set(list.map((e) => e.id)).size === list.length, { message: 'endpoint ids must be unique' }),
  breaker: circuitBreakerOptionsSchema.omit({ clock: true }).partial().optional(),
  minSwitchIntervalMs: z.number().int().nonnegative().default(60_000),
  failBackAfterMs: z.number().int().nonnegative().default(120_000),
  clock: clockSchema.default(systemClock),
});

interface Slot {
  endpoint: Endpoint;
  breaker: CircuitBreaker;
  healthySince: number | undefined;
}

/**
 * Chooses the endpoint the outbox delivers to (bar item 7): ordered endpoints, a circuit breaker
 * each, failover when the current endpoint's breaker opens, fail-back to a preferred endpoint only
 * after it has been healthy for failBackAfterMs, and at most one switch per minSwitchIntervalMs.
 * Switching never waits for in-flight work: idempotency keys make a mid-batch failover safe.
 * Throws ValidationError (VALIDATION_FAILED) for bad options or an unknown endpoint id.
 */
export function createEndpointSelector(options: EndpointSelectorOptions): EndpointSelector {
  const opts = parseInput(selectorOptionsSchema, options, 'endpoint selector options');
  const { clock } = opts;
  const slots: Slot[] = opts.endpoints
    .map((input, index) => ({ endpoint: { ...input, priority: input.priority ?? index }, index }))
    .sort((a, b) => a.endpoint.priority - b.endpoint.priority || a.index - b.index)
    .map(({ endpoint }) => ({
      endpoint: { id: endpoint.id, url: endpoint.url, priority: endpoint.priority },
      breaker: createCircuitBreaker({ ...opts.breaker, clock }),
      healthySince: undefined,
    }));
  let currentIndex = 0;
  let lastSwitchAt: number | undefined;
  const switches = new Subject<EndpointSwitch>();
  const flushNow = new Subject<FlushNow>();

  function snapshot(): SelectorHealth {
    return {
      current: slots[currentIndex]!.endpoint.id,
      lastSwitchAt,
      endpoints: slots.map((s) => ({ ...s.endpoint, state: s.breaker.state(), healthySince: s.healthySince })),
    };
  }
  const health = new BehaviorSubject<SelectorHealth>(snapshot());
  let lastKey = JSON.stringify(health.value);
  function publish(): void {
    const next = snapshot();
    const key = JSON.stringify(next);
    if (key === lastKey) return;
    lastKey = key;
    health.next(next);
  }

  function indexOf(endpointId: string): number {
    const index = slots.findIndex((s) => s.endpoint.id === endpointId);
    if (index < 0) {
      parseInput(z.enum(slots.map((s) => s.endpoint.id) as [string, ...string[]]), endpointId, 'endpoint id');
    }
    return index;
  }

  function switchTo(index: number, reason: EndpointSwitch['reason'], now: number): void {
    const from = slots[currentIndex]!.endpoint.id;
    currentIndex = index;
    lastSwitchAt = now;
    switches.next({ from, to: slots[index]!.endpoint.id, reason, at: now });
  }

  function evaluate(): void {
    const now = clock.now();
    if (lastSwitchAt === undefined || now - lastSwitchAt >= opts.minSwitchIntervalMs) {
      const failBack = slots.findIndex(
        (s, i) =>
          i < currentIndex &&
          s.breaker.state() === 'closed' &&
          s.healthySince !== undefined &&
          now - s.healthySince >= opts.failBackAfterMs,
      );
      if (failBack >= 0) {
        switchTo(failBack, 'fail-back', now);
      } else if (slots[currentIndex]!.breaker.state() === 'open') {
        const failover = slots.findIndex((s, i) => i !== currentIndex && s.breaker.state() !== 'open');
        if (failover >= 0) switchTo(failover, 'failover', now);
      }
    }
    publish();
  }

  function record(index: number, healthy: boolean, probe: boolean): void {
    const slot = slots[index]!;
    if (probe) slot.breaker.recordProbe(healthy);
    else if (healthy) slot.breaker.recordSuccess();
    else slot.breaker.recordFailure();
    if (healthy) slot.healthySince ??= clock.now();
    else slot.healthySince = undefined;
  }

  return {
    current() {
      evaluate();
      return { ...slots[currentIndex]!.endpoint };
    },
    report(endpointId, result) {
      record(indexOf(endpointId), result === 'success', false);
      evaluate();
    },
    probeResult(endpointId, healthy) {
      const index = indexOf(endpointId);
      record(index, healthy, true);
      evaluate();
      if (healthy && index <= currentIndex) flushNow.next({ endpointId, at: clock.now() });
    },
    stateOf(endpointId) {
      return slots[indexOf(endpointId)]!.breaker.state();
    },
    health$: health.asObservable(),
    switches$: switches.asObservable(),
    flushNow$: flushNow.asObservable(),
    dispose() {
      for (const s of slots) s.breaker.dispose();
      health.complete();
      switches.complete();
      flushNow.complete();
    },
  };
}
