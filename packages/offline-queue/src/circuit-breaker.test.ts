import { ErrorCode, ValidationError } from '@tillkit/core';
import { describe, expect, it } from 'vitest';
import { createCircuitBreaker, type CircuitBreakerOptions, type CircuitState } from './circuit-breaker';
import { manualClock } from './test-clock';

function setup(options: Omit<CircuitBreakerOptions, 'clock'> = {}) {
  const clock = manualClock(1_000);
  const breaker = createCircuitBreaker({ ...options, clock });
  const states: CircuitState[] = [];
  breaker.state$.subscribe((s) => states.push(s));
  return { clock, breaker, states };
}

describe('createCircuitBreaker', () => {
  it('stays closed below the failure threshold and a success resets the count', () => {
    const { breaker } = setup({ failureThreshold: 3 });
    breaker.recordFailure();
    breaker.recordFailure();
    breaker.recordSuccess();
    breaker.recordFailure();
    breaker.recordFailure();
    expect(breaker.state()).toBe('closed');
    expect(breaker.canAttempt()).toBe(true);
  });

  it('walks closed -> open -> half-open -> closed step by step', () => {
    const { clock, breaker, states } = setup({ failureThreshold: 2, openMs: 10_000, halfOpenProbes: 1, closeAfterSuccesses: 2 });
    breaker.recordFailure();
    breaker.recordFailure();
    expect(breaker.state()).toBe('open');
    expect(breaker.canAttempt()).toBe(false);

    clock.advance(9_999);
    expect(breaker.canAttempt()).toBe(false);
    clock.advance(1);
    expect(breaker.state()).toBe('half-open');

    // one probe at a time
    expect(breaker.canAttempt()).toBe(true);
    expect(breaker.canAttempt()).toBe(false);
    breaker.recordSuccess();
    expect(breaker.state()).toBe('half-open');
    expect(breaker.canAttempt()).toBe(true);
    breaker.recordSuccess();
    expect(breaker.state()).toBe('closed');
    expect(states).toEqual(['closed', 'open', 'half-open', 'closed']);
  });

  it('allows halfOpenProbes concurrent probes', () => {
    const { clock, breaker } = setup({ failureThreshold: 1, openMs: 100, halfOpenProbes: 2 });
    breaker.recordFailure();
    clock.advance(100);
    expect([breaker.canAttempt(), breaker.canAttempt(), breaker.canAttempt()]).toEqual([true, true, false]);
  });

  it('reopens on a failed probe and waits a full openMs again', () => {
    const { clock, breaker, states } = setup({ failureThreshold: 1, openMs: 1000, closeAfterSuccesses: 3 });
    breaker.recordFailure();
    clock.advance(1000);
    expect(breaker.canAttempt()).toBe(true);
    breaker.recordSuccess();
    expect(breaker.canAttempt()).toBe(true);
    breaker.recordFailure();
    expect(breaker.state()).toBe('open');
    clock.advance(999);
    expect(breaker.canAttempt()).toBe(false);
    clock.advance(1);
    expect(breaker.canAttempt()).toBe(true);
    expect(states).toEqual(['closed', 'open', 'half-open', 'open', 'half-open']);
  });

  it('ignores late results that arrive while open', () => {
    const { clock, breaker } = setup({ failureThreshold: 1, openMs: 1000 });
    breaker.recordFailure();
    clock.advance(500);
    breaker.recordSuccess();
    breaker.recordFailure();
    expect(breaker.state()).toBe('open');
    clock.advance(500);
    expect(breaker.state()).toBe('half-open');
  });

  it('uses the documented defaults: 5 failures, 30 s open, 3 successes', () => {
    const { clock, breaker } = setup();
    for (let i = 0; i < 4; i++) breaker.recordFailure();
    expect(breaker.state()).toBe('closed');
    breaker.recordFailure();
    expect(breaker.state()).toBe('open');
    clock.advance(29_999);
    expect(breaker.state()).toBe('open');
    clock.advance(1);
    for (let i = 0; i < 2; i++) {
      expect(breaker.canAttempt()).toBe(true);
      breaker.recordSuccess();
      expect(breaker.state()).toBe('half-open');
    }
    expect(breaker.canAttempt()).toBe(true);
    breaker.recordSuccess();
    expect(breaker.state()).toBe('closed');
  });

  it('state$ emits distinct changes only and completes on dispose', () => {
    const { breaker, states } = setup({ failureThreshold: 1 });
    let completed = false;
    breaker.state$.subscribe({ complete: () => (completed = true) });
    breaker.recordSuccess();
    breaker.recordSuccess();
    breaker.recordFailure();
    breaker.recordFailure();
    breaker.dispose();
    expect(states).toEqual(['closed', 'open']);
    expect(completed).toBe(true);
  });

  it.each<[string, unknown]>([
    ['zero failure threshold', { failureThreshold: 0 }],
    ['fractional failure threshold', { failureThreshold: 1.5 }],
    ['negative openMs', { openMs: -1 }],
    ['zero half-open probes', { halfOpenProbes: 0 }],
    ['zero closeAfterSuccesses', { closeAfterSuccesses: 0 }],
    ['clock without now()', { clock: {} }],
    ['string threshold', { failureThreshold: '5' }],
  ])('%s -> ValidationError VALIDATION_FAILED', (_name, options) => {
    const call = () => createCircuitBreaker(options as CircuitBreakerOptions);
    expect(call).toThrow(ValidationError);
    expect(call).toThrow(expect.objectContaining({ code: ErrorCode.VALIDATION_FAILED }) as Error);
  });
});

describe('recordProbe (active health probes)', () => {
  it('a healthy probe turns an open breaker half-open at once, counting as its first success', () => {
    const { breaker, states } = setup({ failureThreshold: 1, openMs: 30_000, closeAfterSuccesses: 2 });
    breaker.recordFailure();
    expect(breaker.state()).toBe('open');
    breaker.recordProbe(true);
    expect(breaker.state()).toBe('half-open');
    expect(breaker.canAttempt()).toBe(true);
    breaker.recordSuccess();
    expect(breaker.state()).toBe('closed');
    expect(states).toEqual(['closed', 'open', 'half-open', 'closed']);
  });

  it('closes on a healthy probe when one success is enough, and an unhealthy probe counts as a failure', () => {
    const { breaker } = setup({ failureThreshold: 2, closeAfterSuccesses: 1 });
    breaker.recordProbe(false);
    expect(breaker.state()).toBe('closed');
    breaker.recordProbe(false);
    expect(breaker.state()).toBe('open');
    breaker.recordProbe(true);
    expect(breaker.state()).toBe('closed');
  });

  it('a late success of a request (not a probe) still cannot close an open breaker', () => {
    const { breaker } = setup({ failureThreshold: 1, openMs: 30_000 });
    breaker.recordFailure();
    breaker.recordSuccess();
    expect(breaker.state()).toBe('open');
  });
});
