import { ErrorCode, ValidationError } from '@tillkit/core';
import { describe, expect, it } from 'vitest';
import {
  createEndpointSelector,
  type EndpointSelectorOptions,
  type EndpointSwitch,
  type FlushNow,
  type SelectorHealth,
} from './endpoint-selector';
import { manualClock } from './test-clock';

const ENDPOINTS = [
  { id: 'hub', url: 'http://192.168.1.10:8080', priority: 2 },
  { id: 'primary', url: 'https://eu.example.com', priority: 0 },
  { id: 'secondary', url: 'https://us.example.com', priority: 1 },
];

function setup(overrides: Partial<Omit<EndpointSelectorOptions, 'clock'>> = {}) {
  const clock = manualClock(0);
  const selector = createEndpointSelector({
    endpoints: ENDPOINTS,
    breaker: { failureThreshold: 2, openMs: 10_000, halfOpenProbes: 1, closeAfterSuccesses: 2 },
    minSwitchIntervalMs: 60_000,
    failBackAfterMs: 120_000,
    ...overrides,
    clock,
  });
  const switches: EndpointSwitch[] = [];
  const flushes: FlushNow[] = [];
  const health: SelectorHealth[] = [];
  selector.switches$.subscribe((s) => switches.push(s));
  selector.flushNow$.subscribe((f) => flushes.push(f));
  selector.health$.subscribe((h) => health.push(h));
  const fail = (id: string, times: number) => {
    for (let i = 0; i < times; i++) selector.report(id, 'failure');
  };
  return { clock, selector, switches, flushes, health, fail };
}

describe('createEndpointSelector', () => {
  it('starts on the highest-priority endpoint, whatever the input order', () => {
    const { selector } = setup();
    expect(selector.current().id).toBe('primary');
  });

  it('takes the order of the list as priority when endpoints give none', () => {
    const { selector, fail } = setup({
      endpoints: [
        { id: 'first', url: 'https://eu.example.com' },
        { id: 'second', url: 'https://us.example.com' },
      ],
    });
    expect(selector.current()).toEqual({ id: 'first', url: 'https://eu.example.com', priority: 0 });
    fail('first', 2);
    expect(selector.current()).toEqual({ id: 'second', url: 'https://us.example.com', priority: 1 });
  });

  it('fails over to the next endpoint when the current breaker opens, without waiting', () => {
    const { selector, switches, fail, clock } = setup();
    clock.advance(5_000);
    fail('primary', 1);
    expect(selector.current().id).toBe('primary');
    fail('primary', 1);
    expect(selector.current().id).toBe('secondary');
    expect(switches).toEqual([{ from: 'primary', to: 'secondary', reason: 'failover', at: 5_000 }]);
  });

  it('skips endpoints whose breaker is open and stays put when every endpoint is open', () => {
    const { selector, fail, clock } = setup({ minSwitchIntervalMs: 0 });
    fail('secondary', 2);
    fail('primary', 2);
    expect(selector.current().id).toBe('hub');
    clock.advance(5_000);
    fail('hub', 2);
    expect(selector.current().id).toBe('hub');
    clock.advance(5_000); // primary and secondary half-open, hub still open: failover prefers the higher one
    expect(selector.current().id).toBe('primary');
  });

  it('bounds a flapping endpoint to one switch per minSwitchIntervalMs window', () => {
    const { selector, switches, fail, clock } = setup({
      breaker: { failureThreshold: 1, openMs: 1_000, closeAfterSuccesses: 1 },
    });
    // primary and secondary both flap: fail, recover, fail... every second for three minutes
    for (let t = 0; t < 180; t++) {
      fail(selector.current().id, 1);
      clock.advance(1_000);
      selector.probeResult('primary', true);
      selector.probeResult('secondary', true);
    }
    expect(switches.length).toBeGreaterThan(0);
    for (let i = 1; i < switches.length; i++) {
      expect(switches[i]!.at - switches[i - 1]!.at).toBeGreaterThanOrEqual(60_000);
    }
    expect(switches.length).toBeLessThanOrEqual(3);
  });

  it('fails back only after sustained health, and a failure restarts the count', () => {
    const { selector, switches, fail, clock } = setup({ minSwitchIntervalMs: 0 });
    fail('primary', 2);
    expect(selector.current().id).toBe('secondary');

    clock.advance(10_000); // primary half-open
    selector.probeResult('primary', true); // healthy since 10 000
    selector.probeResult('primary', true); // closed
    clock.advance(60_000);
    selector.probeResult('primary', false); // blip: closed breaker tolerates it, but health restarts
    selector.probeResult('primary', true); // healthy since 70 000
    clock.advance(119_999);
    expect(selector.current().id).toBe('secondary');
    clock.advance(1);
    expect(selector.current().id).toBe('primary');
    expect(switches.map((s) => [s.reason, s.to, s.at])).toEqual([
      ['failover', 'secondary', 0],
      ['fail-back', 'primary', 190_000],
    ]);
  });

  it('does not fail back to an endpoint whose breaker is not closed', () => {
    const { selector, fail, clock } = setup({
      minSwitchIntervalMs: 0,
      breaker: { failureThreshold: 1, openMs: 1000, closeAfterSuccesses: 5 },
    });
    fail('primary', 1);
    clock.advance(1000);
    selector.probeResult('primary', true); // half-open, 1 of 5 successes
    clock.advance(500_000);
    expect(selector.current().id).toBe('secondary');
  });

  it('emits flushNow$ on a healthy probe of the current or a preferred endpoint only', () => {
    const { selector, flushes, fail, clock } = setup();
    fail('primary', 2); // now on secondary
    clock.advance(10_000);
    selector.probeResult('hub', true); // lower priority: no flush
    selector.probeResult('secondary', false); // unhealthy: no flush
    expect(flushes).toEqual([]);
    selector.probeResult('secondary', true);
    selector.probeResult('primary', true);
    expect(flushes).toEqual([
      { endpointId: 'secondary', at: 10_000 },
      { endpointId: 'primary', at: 10_000 },
    ]);
  });

  it('publishes per-endpoint breaker state, current endpoint and last switch time on health$', () => {
    const { health, fail, clock } = setup();
    expect(health[0]).toMatchObject({ current: 'primary', lastSwitchAt: undefined });
    clock.advance(2_000);
    fail('primary', 2);
    const last = health.at(-1)!;
    expect(last.current).toBe('secondary');
    expect(last.lastSwitchAt).toBe(2_000);
    expect(last.endpoints.map((e) => [e.id, e.state])).toEqual([
      ['primary', 'open'],
      ['secondary', 'closed'],
      ['hub', 'closed'],
    ]);
  });

  it('emits health$ only when something changed', () => {
    const { selector, health } = setup();
    selector.report('primary', 'failure');
    const count = health.length;
    selector.current();
    selector.current();
    expect(health.length).toBe(count);
  });

  it('accepts late results for a former endpoint after a mid-batch failover', () => {
    const { selector, fail } = setup();
    fail('primary', 2);
    expect(() => selector.report('primary', 'success')).not.toThrow();
    expect(selector.current().id).toBe('secondary');
  });

  it('completes its streams on dispose', () => {
    const { selector } = setup();
    const done: string[] = [];
    selector.health$.subscribe({ complete: () => done.push('health') });
    selector.switches$.subscribe({ complete: () => done.push('switches') });
    selector.flushNow$.subscribe({ complete: () => done.push('flush') });
    selector.dispose();
    expect(done.sort()).toEqual(['flush', 'health', 'switches']);
  });

  it('rejects an unknown endpoint id with ValidationError', () => {
    const { selector } = setup();
    const call = () => selector.report('nowhere', 'failure');
    expect(call).toThrow(ValidationError);
    expect(call).toThrow(expect.objectContaining({ code: ErrorCode.VALIDATION_FAILED }) as Error);
  });

  it.each<[string, unknown]>([
    ['no endpoints', { endpoints: [] }],
    ['duplicate ids', { endpoints: [ENDPOINTS[0], { ...ENDPOINTS[1], id: 'hub' }] }],
    ['bad url', { endpoints: [{ id: 'a', url: 'not a url', priority: 0 }] }],
    ['empty id', { endpoints: [{ id: '', url: 'https://a.example', priority: 0 }] }],
    ['negative priority', { endpoints: [{ id: 'a', url: 'https://a.example', priority: -1 }] }],
    ['negative minSwitchIntervalMs', { endpoints: ENDPOINTS, minSwitchIntervalMs: -1 }],
    ['fractional failBackAfterMs', { endpoints: ENDPOINTS, failBackAfterMs: 1.5 }],
    ['bad breaker options', { endpoints: ENDPOINTS, breaker: { failureThreshold: 0 } }],
    ['bad clock', { endpoints: ENDPOINTS, clock: { now: 5 } }],
    ['missing options', undefined],
  ])('%s -> ValidationError VALIDATION_FAILED', (_name, options) => {
    const call = () => createEndpointSelector(options as EndpointSelectorOptions);
    expect(call).toThrow(ValidationError);
    expect(call).toThrow(expect.objectContaining({ code: ErrorCode.VALIDATION_FAILED }) as Error);
  });
});

describe('stateOf', () => {
  it('reports an endpoint breaker state and refuses an unknown id', () => {
    const { selector, fail, clock } = setup();
    expect(selector.stateOf('secondary')).toBe('closed');
    fail('secondary', 2);
    expect(selector.stateOf('secondary')).toBe('open');
    clock.advance(10_000);
    expect(selector.stateOf('secondary')).toBe('half-open');
    expect(() => selector.stateOf('tertiary')).toThrow(ValidationError);
  });
});

describe('probes and open breakers', () => {
  it('a healthy probe of an open endpoint lets traffic try it again without waiting openMs', () => {
    const { selector, fail, flushes } = setup({ minSwitchIntervalMs: 0 });
    fail('primary', 2);
    fail('secondary', 2);
    fail('hub', 2);
    expect(selector.stateOf('hub')).toBe('open');
    selector.probeResult('secondary', true);
    expect(selector.stateOf('secondary')).toBe('half-open');
    expect(selector.current().id).toBe('secondary');
    expect(flushes.map((f) => f.endpointId)).toEqual(['secondary']);
  });
});
