import { parseInput } from '@tillkit/core';
import { BehaviorSubject, distinctUntilChanged, type Observable } from 'rxjs';
import { z } from 'zod';
import { clockSchema, systemClock, type Clock } from './clock';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** consecutive failures that open a closed breaker; default 5 */
  failureThreshold?: number | undefined;
  /** how long an open breaker refuses attempts before it lets probes through; default 30 000 ms */
  openMs?: number | undefined;
  /** attempts allowed at once while half-open; default 1 */
  halfOpenProbes?: number | undefined;
  /** consecutive successful probes that close a half-open breaker; default 3 */
  closeAfterSuccesses?: number | undefined;
  clock?: Clock;
}

export interface CircuitBreaker {
  /**
   * Whether an attempt may start now. Closed: always. Open: no, until openMs has passed, then the
   * breaker turns half-open. Half-open: yes while fewer than halfOpenProbes probes are outstanding;
   * a `true` answer reserves a probe slot, released by the matching recordSuccess/recordFailure.
   */
  canAttempt(): boolean;
  recordSuccess(): void;
  recordFailure(): void;
  /**
   * The result of an active health probe: fresh evidence, unlike a late answer to a request started
   * before the breaker opened. A healthy probe turns an open breaker half-open at once (counting as
   * its first success) instead of waiting out openMs; an unhealthy one counts as a failure.
   */
  recordProbe(healthy: boolean): void;
  /** the current state (an open breaker whose openMs has passed reports, and becomes, half-open) */
  state(): CircuitState;
  /**
   * The current state, then every change. Time-driven changes (open -> half-open) are evaluated
   * lazily, on the next call to canAttempt/state/record*, since the breaker owns no timers.
   */
  readonly state$: Observable<CircuitState>;
  /** completes state$ */
  dispose(): void;
}

export const circuitBreakerOptionsSchema = z.object({
  failureThreshold: z.number().int().positive().default(5),
  openMs: z.number().int().nonnegative().default(30_000),
  halfOpenProbes: z.number().int().positive().default(1),
  closeAfterSuccesses: z.number().int().positive().default(3),
  clock: clockSchema.default(systemClock),
});

type Internal =
  | { status: 'closed'; failures: number }
  | { status: 'open'; since: number }
  | { status: 'half-open'; outstanding: number; successes: number };

/**
 * A circuit breaker for one endpoint: closed -> open after failureThreshold consecutive failures ->
 * half-open after openMs (a limited number of probe attempts) -> closed after closeAfterSuccesses
 * consecutive successes, or back to open on a failed probe. Results that arrive while open (late
 * answers to requests started before it opened) are ignored. Throws ValidationError
 * (VALIDATION_FAILED) for bad options.
 */
export function createCircuitBreaker(options: CircuitBreakerOptions = {}): CircuitBreaker {
  const opts = parseInput(circuitBreakerOptionsSchema, options, 'circuit breaker options');
  const { clock } = opts;
  let internal: Internal = { status: 'closed', failures: 0 };
  const subject = new BehaviorSubject<CircuitState>('closed');

  function set(next: Internal): void {
    internal = next;
    subject.next(next.status);
  }

  function tick(): void {
    if (internal.status === 'open' && clock.now() - internal.since >= opts.openMs) {
      set({ status: 'half-open', outstanding: 0, successes: 0 });
    }
  }

  return {
    canAttempt() {
      tick();
      switch (internal.status) {
        case 'closed':
          return true;
        case 'open':
          return false;
        case 'half-open':
          if (internal.outstanding >= opts.halfOpenProbes) return false;
          internal = { ...internal, outstanding: internal.outstanding + 1 };
          return true;
      }
    },
    recordSuccess() {
      tick();
      switch (internal.status) {
        case 'closed':
          internal = { status: 'closed', failures: 0 };
          return;
        case 'open':
          return;
        case 'half-open': {
          const successes = internal.successes + 1;
          if (successes >= opts.closeAfterSuccesses) set({ status: 'closed', failures: 0 });
          else internal = { status: 'half-open', outstanding: Math.max(0, internal.outstanding - 1), successes };
          return;
        }
      }
    },
    recordFailure() {
      tick();
      switch (internal.status) {
        case 'closed': {
          const failures = internal.failures + 1;
          if (failures >= opts.failureThreshold) set({ status: 'open', since: clock.now() });
          else internal = { status: 'closed', failures };
          return;
        }
        case 'open':
          return;
        case 'half-open':
          set({ status: 'open', since: clock.now() });
          return;
      }
    },
    recordProbe(healthy) {
      tick();
      if (!healthy) {
        this.recordFailure();
        return;
      }
      switch (internal.status) {
        case 'closed':
          internal = { status: 'closed', failures: 0 };
          return;
        case 'open':
          if (opts.closeAfterSuccesses <= 1) set({ status: 'closed', failures: 0 });
          else set({ status: 'half-open', outstanding: 0, successes: 1 });
          return;
        case 'half-open': {
          const successes = internal.successes + 1;
          if (successes >= opts.closeAfterSuccesses) set({ status: 'closed', failures: 0 });
          else internal = { ...internal, successes };
          return;
        }
      }
    },
    state() {
      tick();
      return internal.status;
    },
    state$: subject.pipe(distinctUntilChanged()),
    dispose() {
      subject.complete();
    },
  };
}
