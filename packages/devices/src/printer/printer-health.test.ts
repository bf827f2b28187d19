import { describe, expect, it } from 'vitest';
import type { DeviceHealth } from '../health';
import { LatencyTracker, PrinterHealthTracker } from './printer-health';
import { INITIAL_PRINTER_STATUS } from './printer-status';
import type { Scheduler } from './scheduler';

/** a clock and scheduler the test moves by hand */
function manualTime(start = Date.parse('2026-03-02T09:00:00Z')) {
  let now = start;
  let timers: { at: number; fn: () => void }[] = [];
  const scheduler: Scheduler = {
    schedule(ms, fn) {
      const t = { at: now + ms, fn };
      timers.push(t);
      return () => {
        timers = timers.filter((x) => x !== t);
      };
    },
  };
  return {
    clock: { now: () => now },
    scheduler,
    advance(ms: number) {
      now += ms;
      const due = timers.filter((t) => t.at <= now);
      timers = timers.filter((t) => t.at > now);
      for (const t of due) t.fn();
    },
  };
}

function tracker(time = manualTime()) {
  const health = new PrinterHealthTracker({
    deviceId: 'p1',
    clock: time.clock,
    scheduler: time.scheduler,
    latency: { window: 3, factor: 2, minRiseMs: 100 },
    reconnectStorm: { count: 2, windowMs: 60_000 },
  });
  const seen: DeviceHealth[] = [];
  health.health$.subscribe((h) => seen.push(h));
  return { health, seen, time };
}

describe('PrinterHealthTracker', () => {
  it('emits once per real change, not per repeated status', () => {
    const { health, seen } = tracker();
    expect(seen.map((h) => h.state)).toEqual(['connecting']);
    health.setLink('connected');
    health.setStatus(INITIAL_PRINTER_STATUS);
    health.setStatus({ ...INITIAL_PRINTER_STATUS });
    health.setStatus({ ...INITIAL_PRINTER_STATUS, paper: 'near-end' });
    health.setStatus({ ...INITIAL_PRINTER_STATUS, paper: 'near-end', drawerHigh: true });
    expect(seen.map((h) => [h.state, h.warnings.map((w) => w.code)])).toEqual([
      ['connecting', []],
      ['online', []],
      ['paper-low', ['paper-near-end']],
    ]);
    expect(seen.every((h) => h.kind === 'printer' && h.deviceId === 'p1')).toBe(true);
  });

  it('keeps the time a warning was first raised', () => {
    const { health, seen, time } = tracker();
    health.setLink('connected');
    health.setStatus({ ...INITIAL_PRINTER_STATUS, paper: 'near-end' });
    const since = seen.at(-1)!.warnings[0]!.since;
    time.advance(5000);
    health.setUnknownJobs(['j1']);
    expect(seen.at(-1)!.warnings.find((w) => w.code === 'paper-near-end')!.since).toBe(since);
    expect(seen.at(-1)!.warnings.find((w) => w.code === 'job-unknown')!.message).toContain('j1');
  });

  it('warns when reconnects come in a storm and clears when the window passes', () => {
    const { health, seen, time } = tracker();
    health.setLink('connected');
    for (let i = 0; i < 3; i++) {
      time.advance(1000);
      health.setLink('disconnected');
      health.setLink('connected');
    }
    expect(seen.at(-1)!.detail?.reconnects).toBe(3);
    expect(seen.at(-1)!.warnings.map((w) => w.code)).toEqual(['reconnect-storm']);
    time.advance(61_000);
    expect(seen.at(-1)!.warnings).toEqual([]);
  });

  it('warns when the rolling median latency rises well above its baseline', () => {
    const { health, seen } = tracker();
    health.setLink('connected');
    for (const ms of [200, 210, 190, 220, 205]) health.recordLatency(ms);
    expect(seen.at(-1)!.warnings).toEqual([]);
    // one slow job is not a trend
    health.recordLatency(2000);
    expect(seen.at(-1)!.warnings).toEqual([]);
    health.recordLatency(900);
    expect(seen.at(-1)!.warnings.map((w) => w.code)).toEqual(['print-latency-rising']);
    for (const ms of [200, 200, 200]) health.recordLatency(ms);
    expect(seen.at(-1)!.warnings).toEqual([]);
  });
});

describe('LatencyTracker', () => {
  it('needs a full window before it judges', () => {
    const t = new LatencyTracker({ window: 5 });
    for (const ms of [100, 100, 100, 100]) t.record(ms);
    expect(t.median).toBeUndefined();
    expect(t.rising).toBe(false);
    t.record(100);
    expect(t.median).toBe(100);
    t.record(Number.NaN);
    expect(t.median).toBe(100);
  });
});
