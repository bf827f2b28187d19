import { describe, expect, it } from 'vitest';
import { initialStatusState, reduceStatus, toSyncStatus, type StatusInput, type StatusState } from '../src/status';

const metrics = (depth: number, extra: Partial<Extract<StatusInput, { type: 'metrics' }>> = {}): StatusInput => ({
  type: 'metrics',
  at: 1,
  depth,
  pending: depth,
  inFlight: 0,
  deadLetters: 0,
  blockedPartitions: 0,
  oldestItemAgeMs: depth > 0 ? 5000 : undefined,
  lastError: undefined,
  ...extra,
});

const endpoints = (current: string, extra: Partial<Extract<StatusInput, { type: 'endpoints' }>> = {}): StatusInput => ({
  type: 'endpoints',
  at: 1,
  current,
  primary: 'primary',
  healthy: true,
  currentOpen: false,
  allOpen: false,
  ...extra,
});

function run(inputs: readonly StatusInput[], from: StatusState = initialStatusState(0, 'ok')): StatusState {
  return inputs.reduce(reduceStatus, from);
}

describe('status reducer', () => {
  it('is offline until a server answers, online once one does', () => {
    expect(toSyncStatus(initialStatusState(0)).connectivity).toBe('offline');
    const s = toSyncStatus(run([endpoints('primary', { healthy: false }), { type: 'pulled', at: 10 }]));
    expect(s.connectivity).toBe('online');
    expect(s.reasons).toEqual([]);
    expect(s.lastPullAt).toBe(10);
    expect(s.endpoint).toBe('primary');
  });

  it('goes offline when pushes fail and back online when one is delivered', () => {
    const online = run([{ type: 'pulled', at: 1 }]);
    const offline = reduceStatus(online, { type: 'push-failed', at: 2, reason: 'push to primary: network error ECONNREFUSED' });
    expect(toSyncStatus(offline).connectivity).toBe('offline');
    expect(toSyncStatus(offline).lastError).toBe('push to primary: network error ECONNREFUSED');
    expect(toSyncStatus(offline).lastErrorAt).toBe(2);
    const back = reduceStatus(offline, { type: 'pushed', at: 3, count: 1 });
    expect(toSyncStatus(back).connectivity).toBe('online');
    expect(toSyncStatus(back).lastPushAt).toBe(3);
  });

  it('is offline when every endpoint breaker is open, whatever was last heard', () => {
    const s = run([{ type: 'pulled', at: 1 }, endpoints('secondary', { allOpen: true, currentOpen: true, healthy: false })]);
    expect(toSyncStatus(s).connectivity).toBe('offline');
    expect(toSyncStatus(s).reasons).toContain('every endpoint is failing');
  });

  it('is degraded on a non-primary endpoint, with blocked partitions, dead letters or refused credentials', () => {
    const base = run([{ type: 'pulled', at: 1 }, endpoints('primary')]);
    expect(toSyncStatus(base).connectivity).toBe('online');
    expect(toSyncStatus(reduceStatus(base, endpoints('secondary'))).connectivity).toBe('degraded');
    expect(toSyncStatus(reduceStatus(base, endpoints('secondary'))).reasons.join()).toContain('"secondary"');
    expect(toSyncStatus(reduceStatus(base, metrics(0, { blockedPartitions: 1 }))).connectivity).toBe('degraded');
    expect(toSyncStatus(reduceStatus(base, metrics(0, { deadLetters: 2 }))).connectivity).toBe('degraded');
    const failing = reduceStatus(base, { type: 'auth', at: 2, state: 'failing', error: 'INVALID_CREDENTIALS: refused' });
    expect(toSyncStatus(failing)).toMatchObject({
      connectivity: 'degraded',
      auth: 'failing',
      lastError: 'INVALID_CREDENTIALS: refused',
    });
    // refused credentials mean a server answered, even if pushes fail because of them
    expect(toSyncStatus(reduceStatus(failing, { type: 'push-failed', at: 3, reason: 'x' })).connectivity).toBe('degraded');
  });

  it('reports pending, in flight, dead letters and lag from the queue metrics', () => {
    const s = toSyncStatus(run([metrics(7, { pending: 5, inFlight: 2, deadLetters: 1, oldestItemAgeMs: 42_000 })]));
    expect(s).toMatchObject({ pending: 5, inFlight: 2, deadLetters: 1, lagMs: 42_000 });
  });

  it('tracks a catch-up after an outage with its total fixed at the start', () => {
    let s = run([{ type: 'pulled', at: 1 }, metrics(0)]);
    s = reduceStatus(s, { type: 'push-failed', at: 2, reason: 'timed out' });
    s = reduceStatus(s, metrics(10));
    expect(toSyncStatus(s).catchingUp).toBeUndefined();
    // a probe answers: the catch-up starts with what waits now
    s = reduceStatus(s, endpoints('primary', { healthy: true }));
    expect(toSyncStatus(s).catchingUp).toEqual({ total: 10, sent: 0, percent: 0 });
    s = reduceStatus(s, { type: 'pushed', at: 3, count: 4 });
    expect(toSyncStatus(s).catchingUp).toEqual({ total: 10, sent: 4, percent: 40 });
    // new sales while draining do not move the total
    s = reduceStatus(s, metrics(9));
    s = reduceStatus(s, { type: 'pushed', at: 4, count: 3 });
    expect(toSyncStatus(s).catchingUp).toEqual({ total: 10, sent: 7, percent: 70 });
    // another short outage in between keeps the catch-up
    s = reduceStatus(s, { type: 'push-failed', at: 5, reason: 'timed out' });
    expect(toSyncStatus(s).catchingUp).toEqual({ total: 10, sent: 7, percent: 70 });
    s = reduceStatus(s, { type: 'pushed', at: 6, count: 3 });
    expect(toSyncStatus(s).catchingUp).toBeUndefined();
  });

  it('starts a catch-up at the first delivery when nothing else answered before', () => {
    let s = run([metrics(5), { type: 'pushed', at: 2, count: 2 }]);
    expect(toSyncStatus(s).catchingUp).toEqual({ total: 5, sent: 2, percent: 40 });
    s = reduceStatus(s, metrics(3));
    expect(toSyncStatus(s).catchingUp).toEqual({ total: 5, sent: 2, percent: 40 });
  });

  it('ends a catch-up when the queue is empty', () => {
    let s = run([metrics(5), { type: 'pushed', at: 2, count: 2 }]);
    s = reduceStatus(s, metrics(0));
    expect(toSyncStatus(s).catchingUp).toBeUndefined();
  });

  it('does not start a catch-up for deliveries while online', () => {
    const s = run([{ type: 'pulled', at: 1 }, metrics(3), { type: 'pushed', at: 2, count: 1 }]);
    expect(toSyncStatus(s).catchingUp).toBeUndefined();
  });

  it('keeps bearer tokens out of the last error', () => {
    const s = run([{ type: 'error', at: 1, message: 'upstream said: Bearer abc.def-ghi_jkl is bad' }]);
    expect(toSyncStatus(s).lastError).toBe('upstream said: Bearer [redacted] is bad');
  });

  it('takes a failed pull as unreachable only when no server answered', () => {
    const online = run([{ type: 'pulled', at: 1 }]);
    const refused = reduceStatus(online, { type: 'pull-failed', at: 2, error: 'pull: BAD_RESPONSE', unreachable: false });
    expect(toSyncStatus(refused).connectivity).toBe('online');
    expect(toSyncStatus(refused).lastError).toBe('pull: BAD_RESPONSE');
    const down = reduceStatus(online, { type: 'pull-failed', at: 2, error: 'pull: NETWORK_ERROR', unreachable: true });
    expect(toSyncStatus(down).connectivity).toBe('offline');
    // nobody was asked (not enrolled): what was known stays
    const local = reduceStatus(down, { type: 'pull-failed', at: 3, error: 'pull: NOT_ENROLLED', unreachable: undefined });
    expect(toSyncStatus(local)).toMatchObject({ connectivity: 'offline', lastError: 'pull: NOT_ENROLLED' });
  });
});
