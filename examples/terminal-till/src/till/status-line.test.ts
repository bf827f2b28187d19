import type { DeviceHealth } from '@tillkit/devices';
import type { SyncStatus } from '@tillkit/sync-client';
import { describe, expect, it } from 'vitest';
import { progressBar, renderStatusLine, stripAnsi, type StatusSnapshot } from './status-line';

const health = (
  deviceId: string,
  kind: DeviceHealth['kind'],
  state: DeviceHealth['state'],
  warnings: string[] = [],
): DeviceHealth => ({
  deviceId,
  kind,
  state,
  at: '2026-03-02T08:00:00.000Z',
  warnings: warnings.map((code) => ({
    code: code as DeviceHealth['warnings'][number]['code'],
    message: code,
    since: '2026-03-02T08:00:00.000Z',
  })),
});

const sync = (over: Partial<SyncStatus>): SyncStatus => ({
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
  ...over,
});

const snapshot = (devices: DeviceHealth[], s: Partial<SyncStatus>): StatusSnapshot => ({
  devices: new Map(devices.map((d) => [d.deviceId, d])),
  sync: sync(s),
  primaryEndpoint: 'primary',
});

describe('the status line', () => {
  it('always shows printer, drawer, network and endpoint, queue depth and lag', () => {
    const line = renderStatusLine(snapshot([health('printer', 'printer', 'online'), health('drawer', 'drawer', 'online')], {}), {
      color: false,
    });
    expect(line).toBe('printer online | drawer closed | net online primary | queue 0 | lag 0s');
  });

  it('puts warnings in colour: paper low, drawer open, offline, failing over, dead letters', () => {
    const devices = [health('printer', 'printer', 'paper-low', ['paper-near-end']), health('drawer', 'drawer', 'drawer-open')];
    const offline = renderStatusLine(snapshot(devices, { connectivity: 'offline', pending: 12, lagMs: 95_000, deadLetters: 1 }), {
      color: true,
    });
    expect(offline).toContain('\u001b[33mprinter paper-low (paper-near-end)\u001b[0m');
    expect(offline).toContain('\u001b[31mdrawer OPEN\u001b[0m');
    expect(offline).toContain('\u001b[31mnet OFFLINE (primary)\u001b[0m');
    expect(offline).toContain('\u001b[31mlag 1m35s\u001b[0m');
    expect(offline).toContain('\u001b[31mDEAD LETTERS 1\u001b[0m');
    expect(stripAnsi(offline)).toBe(
      'printer paper-low (paper-near-end) | drawer OPEN | net OFFLINE (primary) | queue 12 | lag 1m35s | DEAD LETTERS 1',
    );
    const failover = renderStatusLine(snapshot(devices, { connectivity: 'degraded', endpoint: 'secondary' }), { color: false });
    expect(failover).toContain('net FAILING OVER -> secondary!');
  });

  it('shows a progress bar while catching up after an outage', () => {
    const line = renderStatusLine(
      snapshot([health('printer', 'printer', 'online')], { pending: 30, catchingUp: { total: 40, sent: 10, percent: 25 } }),
      { color: false },
    );
    expect(line).toContain('catching up [#####...............] 25% 10/40!');
    expect(progressBar(100, 4)).toBe('[####] 100%');
  });
});
