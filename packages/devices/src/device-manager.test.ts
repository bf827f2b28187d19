import { TillkitError } from '@tillkit/core';
import { BehaviorSubject, Subject, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { createDeviceManager, type DeviceEvent, type WarningEvent } from './device-manager';
import { createDrawerMonitor, type DrawerSensorSample } from './drawer';
import type { DeviceHealth, DeviceState, HealthSource } from './health';

/** A device whose health the test sets directly, as any third-party HealthSource would publish it. */
function manualSource(id: string, kind: DeviceHealth['kind'] = 'printer') {
  const subject = new BehaviorSubject<DeviceHealth>({
    deviceId: id,
    kind,
    state: 'connecting',
    warnings: [],
    at: new Date(0).toISOString(),
  });
  const source: HealthSource = { id, kind, health$: subject.asObservable() };
  return {
    source,
    subject,
    set(state: DeviceState, at: number, detail?: Record<string, number>) {
      subject.next({ deviceId: id, kind, state, warnings: [], at: new Date(at).toISOString(), ...(detail ? { detail } : {}) });
    },
  };
}

const view = (m: ReadonlyMap<string, DeviceHealth>): string =>
  [...m.values()].map((h) => `${h.deviceId}:${h.state}${h.warnings.map((w) => `+${w.code}`).join('')}`).join(' ');

describe('device manager', () => {
  it('combines several devices into one snapshot per real change, in virtual time', () => {
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
    scheduler.run(({ flush }) => {
      const clock = { now: () => scheduler.now() };
      const manager = createDeviceManager({ clock });
      const snapshots: string[] = [];
      const warnings: string[] = [];
      const events: DeviceEvent[] = [];
      manager.health$.subscribe((m) => snapshots.push(`${scheduler.now()} ${view(m)}`));
      manager.warnings$.subscribe((w: WarningEvent) =>
        warnings.push(`${scheduler.now()} ${w.type} ${w.deviceId} ${w.warning.code}`),
      );
      manager.events$.subscribe((e) => events.push(e));

      const sensor = new Subject<DrawerSensorSample>();
      const drawer = createDrawerMonitor({
        id: 'drawer',
        polarity: { openWhenHigh: true },
        openTooLongMs: 3000,
        clock,
        status$: sensor,
      });
      const printer = manualSource('printer');
      manager.register(drawer);
      manager.register(printer.source);

      const at = (t: number, fn: () => void): void => void scheduler.schedule(fn, t);
      at(100, () => printer.set('online', 100));
      at(200, () => sensor.next({ drawerHigh: false, at: 200 }));
      // The printer repeats its status with new facts, and the sensor repeats: no real change.
      at(300, () => printer.set('online', 300, { latencyMs: 80 }));
      at(400, () => sensor.next({ drawerHigh: false, at: 400 }));
      at(1000, () => sensor.next({ drawerHigh: true, at: 1000 }));
      at(2000, () => printer.set('paper-low', 2000));
      at(6000, () => sensor.next({ drawerHigh: false, at: 6000 }));
      flush();

      expect(snapshots).toEqual([
        '0 ',
        '0 drawer:connecting',
        '0 drawer:connecting printer:connecting',
        '100 drawer:connecting printer:online',
        '200 drawer:online printer:online',
        '1000 drawer:drawer-open printer:online',
        '2000 drawer:drawer-open printer:paper-low',
        '4000 drawer:drawer-open+drawer-open-too-long printer:paper-low',
        '6000 drawer:online printer:paper-low',
      ]);
      expect(warnings).toEqual(['4000 raised drawer drawer-open-too-long', '6000 cleared drawer drawer-open-too-long']);
      const drawerEvents = events.filter((e) => e.deviceId === 'drawer' && e.type === 'changed');
      expect(drawerEvents.map((e) => (e.type === 'changed' ? `${e.previous?.state ?? '-'}>${e.health.state}` : ''))).toEqual([
        '->connecting',
        'connecting>online',
        'online>drawer-open',
        'drawer-open>drawer-open',
        'drawer-open>online',
      ]);
      expect(view(manager.snapshot())).toBe('drawer:online printer:paper-low');
      // snapshot() is a copy: changing it changes nothing.
      (manager.snapshot() as Map<string, DeviceHealth>).clear();
      expect(manager.snapshot().size).toBe(2);
      manager.dispose();
      drawer.dispose();
    });
  });

  it('unregistering drops the device, clears its warnings and says so', () => {
    const manager = createDeviceManager({ clock: { now: () => 5000 } });
    const sensor = new BehaviorSubject<DrawerSensorSample>({ drawerHigh: true, at: 0 });
    const drawer = createDrawerMonitor({
      id: 'drawer',
      polarity: { openWhenHigh: true },
      openTooLongMs: 1,
      clock: { now: () => 5000 },
      status$: sensor,
    });
    const warnings: WarningEvent[] = [];
    const events: DeviceEvent[] = [];
    manager.warnings$.subscribe((w) => warnings.push(w));
    manager.events$.subscribe((e) => events.push(e));
    manager.register(drawer);
    return new Promise<void>((resolve) => {
      drawer.health$.subscribe((h) => {
        if (h.warnings.length === 0) return;
        expect(manager.unregister('drawer')).toBe(true);
        expect(manager.unregister('drawer')).toBe(false);
        expect(manager.snapshot().size).toBe(0);
        expect(warnings.map((w) => `${w.type} ${w.warning.code}`)).toEqual([
          'raised drawer-open-too-long',
          'cleared drawer-open-too-long',
        ]);
        expect(events.at(-1)).toMatchObject({
          type: 'removed',
          deviceId: 'drawer',
          last: { state: 'drawer-open' },
          at: new Date(5000).toISOString(),
        });
        drawer.dispose();
        resolve();
      });
    });
  });

  it('shows a failed health stream as error and an ended one as disconnected', () => {
    const manager = createDeviceManager({ clock: { now: () => 42 } });
    const failing = new Subject<DeviceHealth>();
    const ending = new Subject<DeviceHealth>();
    manager.register({ id: 'display', kind: 'display', health$: failing });
    manager.register({ id: 'scale', kind: 'scale', health$: ending });
    failing.error(new Error('boom'));
    ending.complete();
    expect(manager.snapshot().get('display')).toMatchObject({
      state: 'error',
      detail: { reason: expect.stringMatching(/boom/) },
    });
    expect(manager.snapshot().get('scale')).toMatchObject({ state: 'disconnected', at: new Date(42).toISOString() });
  });

  it('treats health it cannot read, or for another device, as an error', () => {
    const manager = createDeviceManager();
    const s = new Subject<DeviceHealth>();
    manager.register({ id: 'scanner', kind: 'scanner', health$: s });
    s.next({ deviceId: 'someone-else', kind: 'scanner', state: 'online', warnings: [], at: '' });
    expect(manager.snapshot().get('scanner')?.state).toBe('error');
    s.next({ deviceId: 'scanner', kind: 'scanner', state: 'online', warnings: [], at: '' });
    expect(manager.snapshot().get('scanner')?.state).toBe('online');
  });

  it('refuses duplicate ids, malformed sources and use after dispose', () => {
    const manager = createDeviceManager();
    const a = manualSource('p1');
    manager.register(a.source);
    const dup = (() => {
      try {
        manager.register(manualSource('p1').source);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(TillkitError.hasCode(dup, 'DUPLICATE_ID')).toBe(true);
    expect(() => manager.register({ id: '', kind: 'printer', health$: a.subject })).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    );
    expect(() => manager.register({ id: 'x', kind: 'toaster' as 'printer', health$: a.subject })).toThrow(/kind/);
    expect(() => manager.register({ id: 'x', kind: 'printer', health$: {} as Observable<DeviceHealth> })).toThrow(/health\$/);
    let completed = false;
    manager.health$.subscribe({ complete: () => (completed = true) });
    manager.dispose();
    expect(completed).toBe(true);
    expect(() => manager.register(manualSource('p2').source)).toThrow(expect.objectContaining({ code: 'INVALID_STATE' }));
  });
});
