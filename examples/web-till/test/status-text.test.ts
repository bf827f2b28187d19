import type { SyncStatus } from '@tillkit/sync-client';
import { describe, expect, it } from 'vitest';
import { describeStatus } from '../src/status-text';

const base: SyncStatus = {
  at: 0,
  connectivity: 'online',
  reasons: [],
  pending: 0,
  inFlight: 0,
  deadLetters: 0,
  blockedPartitions: 0,
  lastPushAt: undefined,
  lastPullAt: undefined,
  lagMs: undefined,
  endpoint: 'primary',
  auth: 'ok',
  catchingUp: undefined,
  lastError: undefined,
  lastErrorAt: undefined,
};

describe('describeStatus', () => {
  it('counts events in flight as pending and says when nothing was pushed or pulled yet', () => {
    const { light, pending, text } = describeStatus({ ...base, pending: 2, inFlight: 1 });
    expect(light).toBe('online');
    expect(pending).toBe(3);
    expect(text).toBe('3 pending · last push never · last pull never');
  });

  it('names a catch-up, refused events and the reasons for being offline or degraded', () => {
    const { light, text } = describeStatus({
      ...base,
      connectivity: 'degraded',
      pending: 5,
      deadLetters: 1,
      catchingUp: { total: 10, sent: 5, percent: 50 },
      reasons: ['1 dead letter'],
      lastPushAt: Date.UTC(2026, 2, 2, 8, 0, 0),
    });
    expect(light).toBe('degraded');
    expect(text).toContain('catching up 5 of 10 (50 %)');
    expect(text).toContain('1 refused by the server');
    expect(text).toMatch(/last push \d\d:\d\d:\d\d/);
    expect(text.endsWith('1 dead letter')).toBe(true);
  });
});
