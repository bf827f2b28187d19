import { NEVER, Subject, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import {
  createDrawerMonitor,
  type DrawerClosed,
  type DrawerMonitorOptions,
  type DrawerOpened,
  type DrawerSensorSample,
} from './drawer';

interface Outcome {
  health: string[];
  opened: DrawerOpened[];
  closed: DrawerClosed[];
  completed: boolean;
}

const fmt = (ms: number): string => `${ms}`;

/**
 * Runs a drawer monitor in virtual time. `samples` maps a virtual time to the sensor value the
 * printer reports then (and, optionally, the time it says it saw it).
 */
function drive(
  samples: readonly { t: number; high: boolean; at?: number }[],
  options: Partial<DrawerMonitorOptions> & { end?: 'complete' | 'error' | number } = {},
): Outcome {
  const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
  const out: Outcome = { health: [], opened: [], closed: [], completed: false };
  scheduler.run(({ flush }) => {
    const clock = { now: () => scheduler.now() };
    const status$ = new Subject<DrawerSensorSample>();
    for (const s of samples) {
      scheduler.schedule(() => status$.next({ drawerHigh: s.high, at: s.at ?? s.t }), s.t);
    }
    if (options.end === 'complete') scheduler.schedule(() => status$.complete(), 20_000);
    if (options.end === 'error') scheduler.schedule(() => status$.error(new Error('printer link lost')), 20_000);
    const monitor = createDrawerMonitor({
      id: 'drawer-1',
      polarity: { openWhenHigh: true },
      openTooLongMs: 5000,
      clock,
      status$,
      ...options,
    });
    monitor.health$.subscribe((h) => {
      const w = h.warnings.map((x) => `+${x.code}`).join('');
      out.health.push(`${fmt(Date.parse(h.at))} ${h.state}${w}`);
    });
    monitor.opened$.subscribe({ next: (e) => out.opened.push(e), complete: () => (out.completed = true) });
    monitor.closed$.subscribe((e) => out.closed.push(e));
    flush();
  });
  return out;
}

describe('drawer monitor', () => {
  it('reports open and closed, and warns when the drawer stays open too long', () => {
    const out = drive([
      { t: 0, high: false },
      { t: 1000, high: true },
      { t: 3000, high: true }, // the printer repeats its status: nothing changes
      { t: 9000, high: false },
    ]);
    expect(out.health).toEqual([
      '0 connecting',
      '0 online',
      '1000 drawer-open',
      '6000 drawer-open+drawer-open-too-long',
      '9000 online',
    ]);
    expect(out.opened).toEqual([{ deviceId: 'drawer-1', at: 1000 }]);
    expect(out.closed).toEqual([{ deviceId: 'drawer-1', at: 9000, openForMs: 8000 }]);
  });

  it('clears the timer when the drawer closes in time', () => {
    const out = drive([
      { t: 0, high: false },
      { t: 1000, high: true },
      { t: 5999, high: false },
      { t: 7000, high: true },
      { t: 8000, high: false },
    ]);
    expect(out.health.some((h) => h.includes('too-long'))).toBe(false);
    expect(out.closed.map((c) => c.openForMs)).toEqual([4999, 1000]);
  });

  it('follows the drawer polarity', () => {
    const out = drive(
      [
        { t: 0, high: true },
        { t: 100, high: false },
      ],
      { polarity: { openWhenHigh: false } },
    );
    expect(out.health).toEqual(['0 connecting', '0 online', '100 drawer-open', '5100 drawer-open+drawer-open-too-long']);
  });

  it('counts open time from when the printer saw it, even when the status arrives late', () => {
    const out = drive([
      { t: 0, high: false },
      { t: 4000, high: true, at: 1000 },
    ]);
    expect(out.health.at(-1)).toBe('6000 drawer-open+drawer-open-too-long');
  });

  it('reports a drawer already open at start, without an open time when it closes', () => {
    const out = drive([
      { t: 0, high: true },
      { t: 2000, high: false },
    ]);
    expect(out.opened).toEqual([{ deviceId: 'drawer-1', at: 0 }]);
    expect(out.closed).toEqual([{ deviceId: 'drawer-1', at: 2000, openForMs: undefined }]);
  });

  it('goes disconnected when the printer stops forwarding, and error when it fails', () => {
    const ended = drive([{ t: 1000, high: true }], { end: 'complete' });
    expect(ended.health.at(-1)).toBe('20000 disconnected');
    expect(ended.completed).toBe(true);
    const failed = drive([{ t: 0, high: false }], { end: 'error' });
    expect(failed.health.at(-1)).toBe('20000 error');
  });

  it('shows an unreadable sample as error and recovers on the next one', () => {
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
    scheduler.run(({ flush }) => {
      const status$ = new Subject<DrawerSensorSample>();
      const monitor = createDrawerMonitor({
        id: 'd',
        polarity: { openWhenHigh: true },
        openTooLongMs: 10,
        status$,
        clock: { now: () => scheduler.now() },
      });
      const states: string[] = [];
      monitor.health$.subscribe((h) => states.push(h.state));
      status$.next({ drawerHigh: false, at: 0 });
      status$.next({ drawerHigh: 'yes', at: 0 } as unknown as DrawerSensorSample);
      status$.next({ drawerHigh: false, at: 0 });
      flush();
      expect(states).toEqual(['connecting', 'online', 'error', 'online']);
      monitor.dispose();
    });
  });

  it('validates its options', () => {
    const base = { id: 'd', polarity: { openWhenHigh: true }, openTooLongMs: 1000, status$: NEVER };
    expect(() => createDrawerMonitor({ ...base, id: '' })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(() => createDrawerMonitor({ ...base, openTooLongMs: 1.5 })).toThrow(/openTooLongMs/);
    expect(() => createDrawerMonitor({ ...base, status$: [] as unknown as Observable<DrawerSensorSample> })).toThrow(/status\$/);
    expect(() => createDrawerMonitor({ ...base, polarity: {} as { openWhenHigh: boolean } })).toThrow(/polarity/);
  });
});
