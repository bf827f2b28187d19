import { TillkitError } from '@tillkit/core';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { createKeyboardWedgeSimulator, type KeyboardWedgeSimulatorOptions } from '../testing/simulators/scanner-simulator';
import { GS } from './gs1';
import { createKeyboardWedgeDecoder, type KeyboardWedgeOptions, type WedgeKeyEvent } from './keyboard-wedge';
import type { ScanResult } from './scan-result';

interface Run {
  scans: (ScanResult & { emittedAt: number })[];
  passed: (WedgeKeyEvent & { releasedAt: number })[];
}

/** Plays keyboard events through a decoder in virtual time; returns what came out and when. */
function run(
  build: (sim: ReturnType<typeof createKeyboardWedgeSimulator>) => WedgeKeyEvent[],
  options: { decoder?: KeyboardWedgeOptions; scanner?: KeyboardWedgeSimulatorOptions } = {},
): Run {
  const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
  const out: Run = { scans: [], passed: [] };
  scheduler.run(({ flush }) => {
    const clock = { now: () => scheduler.now() };
    const decoder = createKeyboardWedgeDecoder({ clock, referenceYear: 2025, ...options.decoder });
    decoder.scans$.subscribe((s) => out.scans.push({ ...s, emittedAt: scheduler.now() }));
    decoder.passthrough$.subscribe((e) => out.passed.push({ ...e, releasedAt: scheduler.now() }));
    const sim = createKeyboardWedgeSimulator(options.scanner);
    decoder.connect(sim.play(build(sim)));
    flush();
  });
  return out;
}

const keysOf = (events: readonly WedgeKeyEvent[]): string => events.map((e) => e.key).join('');

describe('keyboard-wedge decoder', () => {
  it('decodes an EAN-13 scan with its AIM identifier', () => {
    const { scans, passed } = run((sim) => sim.scan('4006381333931', { aimId: ']E0' }));
    expect(scans).toHaveLength(1);
    expect(scans[0]).toMatchObject({ data: '4006381333931', symbology: 'ean-13', aimId: ']E0', source: 'keyboard-wedge' });
    // The scan ends with Enter, 13 digits + 3 AIM keys at 8 ms: emitted at the suffix, not later.
    expect(scans[0]?.emittedAt).toBe(16 * 8);
    expect(scans[0]?.at).toBe(16 * 8);
    expect(passed).toEqual([]);
  });

  it.each(['azerty', 'uk'] as const)('decodes by physical key, so a %s OS layout does not corrupt data', (layout) => {
    let sent: WedgeKeyEvent[] = [];
    const { scans } = run((sim) => (sent = sim.scan('Ab-12/x.Z"@#', { aimId: ']C0' })), { scanner: { layout } });
    // What the OS layout made of the keys is not the data...
    expect(keysOf(sent.filter((e) => !e.key.startsWith('Shift')))).not.toContain('Ab-12/x.Z"@#');
    // ...but the decoded scan is.
    expect(scans.map((s) => [s.data, s.symbology])).toEqual([['Ab-12/x.Z"@#', 'code-128']]);
  });

  it('reads Ctrl+] as GS and parses GS1-128 data', () => {
    const { scans } = run((sim) => sim.scan(`0109501101530003172512311012AB${GS}3103001250`, { aimId: ']C1' }));
    const scan = scans[0];
    expect(scan).toMatchObject({ symbology: 'gs1-128', data: `0109501101530003172512311012AB${GS}3103001250` });
    expect(scan?.gs1?.elements.map((e) => e.ai)).toEqual(['01', '17', '10', '3103']);
    expect(scan?.gs1?.byAi['3103']?.value).toMatchObject({ value: 1250, decimals: 3, unit: 'kg' });
    expect(scan?.gs1Error).toBeUndefined();
  });

  it('names GS1 DataMatrix and QR symbologies', () => {
    const { scans } = run((sim) => [
      ...sim.scan('0109501101530003', { aimId: ']d2', startAt: 0 }),
      ...sim.scan('https://example.com/a?b=1', { aimId: ']Q1', startAt: 1000 }),
      ...sim.scan('01095011015300033922199', { aimId: ']Q3', startAt: 2000 }),
    ]);
    expect(scans.map((s) => [s.symbology, s.aimId])).toEqual([
      ['gs1-datamatrix', ']d2'],
      ['qr', ']Q1'],
      ['gs1-qr', ']Q3'],
    ]);
    expect(scans[1]?.gs1).toBeUndefined();
    expect(scans[2]?.gs1?.byAi['3922']?.value).toMatchObject({ value: 199, decimals: 2 });
  });

  it('delivers a GS1 scan it cannot parse, with the error', () => {
    const { scans } = run((sim) => sim.scan('0109501101530004', { aimId: ']C1' }));
    expect(scans[0]?.data).toBe('0109501101530004');
    expect(scans[0]?.gs1).toBeUndefined();
    expect(TillkitError.hasCode(scans[0]?.gs1Error, 'VALIDATION_FAILED')).toBe(true);
    expect(scans[0]?.gs1Error?.message).toMatch(/check digit/);
  });

  it('passes a person typing through, in order, and never as a scan', () => {
    const slow = run((sim) => [...sim.typing('hello'), { code: 'Enter', key: 'Enter', timeStamp: 500 }]);
    expect(slow.scans).toEqual([]);
    expect(keysOf(slow.passed)).toBe('helloEnter');
    // Each key is released when the next one shows the gap was human.
    expect(slow.passed.map((e) => e.releasedAt)).toEqual([100, 200, 300, 400, 500, 500]);

    const fastTypist = run((sim) => [...sim.typing('1234567', { gapMs: 50 }), { code: 'Enter', key: 'Enter', timeStamp: 350 }]);
    expect(fastTypist.scans).toEqual([]);
    expect(keysOf(fastTypist.passed)).toBe('1234567Enter');
  });

  it('releases the last typed key once the end timeout has passed', () => {
    const { passed } = run((sim) => sim.typing('ab'));
    expect(passed.map((e) => [e.key, e.releasedAt])).toEqual([
      ['a', 100],
      ['b', 100 + 120],
    ]);
  });

  it('tells typing followed at once by a scan apart', () => {
    const { scans, passed } = run((sim) => [...sim.typing('ab'), ...sim.scan('73513537', { startAt: 250 })]);
    expect(keysOf(passed)).toBe('ab');
    expect(scans.map((s) => s.data)).toEqual(['73513537']);
  });

  it('treats a fast burst shorter than minLength as typing', () => {
    const { scans, passed } = run((sim) => sim.scan('12'));
    expect(scans).toEqual([]);
    expect(keysOf(passed)).toBe('12Enter');
  });

  it('splits at a gap longer than maxInterKeyMs', () => {
    const { scans, passed } = run((sim) => [
      ...sim.scan('4006381', { startAt: 0 }).slice(0, -1),
      ...sim.scan('333931', { startAt: 7 * 8 + 200 }),
    ]);
    expect(keysOf(passed)).toBe('4006381');
    expect(scans.map((s) => s.data)).toEqual(['333931']);
  });

  it('ends a scan without suffix after endTimeoutMs of quiet', () => {
    const { scans, passed } = run((sim) => sim.scan('9780201379624'), {
      scanner: { suffix: 'none' },
      decoder: { suffix: 'none', endTimeoutMs: 150 },
    });
    expect(passed).toEqual([]);
    expect(scans.map((s) => [s.data, s.emittedAt])).toEqual([['9780201379624', 12 * 8 + 150]]);
  });

  it('takes Tab as the suffix when told to', () => {
    const { scans, passed } = run((sim) => sim.scan('ABC-123'), { scanner: { suffix: 'Tab' }, decoder: { suffix: 'Tab' } });
    expect(scans.map((s) => s.data)).toEqual(['ABC-123']);
    expect(passed).toEqual([]);
  });

  it('honours a slower scanner with a larger maxInterKeyMs', () => {
    const slowScanner = { scanner: { interKeyMs: 60 } };
    expect(run((sim) => sim.scan('4006381333931'), slowScanner).scans).toEqual([]);
    expect(run((sim) => sim.scan('4006381333931'), { ...slowScanner, decoder: { maxInterKeyMs: 70 } }).scans).toHaveLength(1);
  });

  it('never takes auto-repeat of a held key for a scan', () => {
    const held: WedgeKeyEvent[] = Array.from({ length: 10 }, (_, i) => ({
      code: 'KeyA',
      key: 'a',
      repeat: i > 0,
      timeStamp: i * 30,
    }));
    const { scans, passed } = run(() => [...held, { code: 'Enter', key: 'Enter', timeStamp: 300 }]);
    expect(scans).toEqual([]);
    expect(passed).toHaveLength(11);
  });

  it('keeps data that starts with "]" when AIM identifiers are off', () => {
    const { scans } = run((sim) => sim.scan(']E0123'), { decoder: { aimIds: 'never' } });
    expect(scans.map((s) => [s.data, s.symbology, s.aimId])).toEqual([[']E0123', 'unknown', undefined]]);
  });

  it('rejects bad options and malformed events with a ValidationError', () => {
    expect(() => createKeyboardWedgeDecoder({ maxInterKeyMs: -1 })).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    );
    expect(() => createKeyboardWedgeDecoder({ suffix: 'Space' as 'Enter' })).toThrow(/suffix/);
    expect(() => createKeyboardWedgeDecoder({ maxInterKeyMs: 80, endTimeoutMs: 50 })).toThrow(
      /endTimeoutMs: must be at least maxInterKeyMs/,
    );
    const decoder = createKeyboardWedgeDecoder();
    expect(() => decoder.feed({ code: 'KeyA', key: 'a', timeStamp: Number.NaN })).toThrow(/timeStamp/);
    expect(() => decoder.feed({ key: 'a', timeStamp: 1 } as unknown as WedgeKeyEvent)).toThrow(/code/);
    decoder.dispose();
  });
});
