import { TillkitError } from '@tillkit/core';
import { filter, firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { createScaleSimulator, type ScaleSimulator, type ScaleSimulatorOptions } from '../testing/simulators/scale-simulator';
import { createScale, type Scale, type ScaleOptions, type ScaleReading } from './scale';

let open: { scale: Scale; sim: ScaleSimulator }[] = [];
afterEach(async () => {
  await Promise.all(open.map(async ({ scale, sim }) => (await scale.close(), await sim.close())));
  open = [];
});

async function setup(
  sim: ScaleSimulatorOptions,
  options: Partial<ScaleOptions> & { tcp?: boolean } = {},
): Promise<{ scale: Scale; sim: ScaleSimulator; readings: ScaleReading[] }> {
  const simulator = createScaleSimulator(sim);
  const { tcp, ...rest } = options;
  const transport = tcp === true ? await simulator.connectTcp() : simulator.connect();
  const scale = createScale({ transport, protocol: sim.protocol, pollMs: 2, responseTimeoutMs: 200, ...rest });
  const readings: ScaleReading[] = [];
  scale.weight$.subscribe((r) => readings.push(r));
  open.push({ scale, sim: simulator });
  return { scale, sim: simulator, readings };
}

async function failureOf(p: Promise<unknown>): Promise<TillkitError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(TillkitError.hasCode(error, 'DEVICE_ERROR')).toBe(true);
  return error as TillkitError;
}

const until = (scale: Scale, predicate: (r: ScaleReading) => boolean): Promise<ScaleReading> =>
  firstValueFrom(scale.weight$.pipe(filter(predicate)));

describe('scale over Toledo 8213', () => {
  it('reads a stable weight as whole grams over a real TCP socket', async () => {
    const { scale, sim } = await setup({ protocol: 'toledo-8213' }, { tcp: true });
    sim.setWeight(1250);
    const weight = await scale.readStable(2000);
    expect(weight).toMatchObject({ grams: 1250, display: '1.250 kg', value: 1250, decimals: 3, unit: 'kg' });
    expect(Number.isInteger(weight.grams)).toBe(true);
  });

  it('waits while the load moves, then needs stableReadings equal readings', async () => {
    const { scale, sim, readings } = await setup({ protocol: 'toledo-8213' }, { stableReadings: 4 });
    sim.setWeight(730, { moving: true });
    const result = scale.readStable(3000);
    await until(scale, (r) => r.status === 'motion');
    sim.setWeight(731);
    await until(scale, (r) => r.status === 'weight' && r.weight.value === 731);
    sim.setWeight(733);
    const weight = await result;
    expect(weight.grams).toBe(733);
    const i = readings.findIndex((r) => r.status === 'weight' && r.stable);
    const run = readings.slice(i - 3, i + 1);
    expect(run.map((r) => (r.status === 'weight' ? r.weight.value : r.status))).toEqual([733, 733, 733, 733]);
    expect(run.map((r) => r.status === 'weight' && r.stable)).toEqual([false, false, false, true]);
    expect(readings.some((r) => r.status === 'motion')).toBe(true);
  });

  it('rejects over capacity and below zero at once, with the reason', async () => {
    const { scale, sim } = await setup({ protocol: 'toledo-8213', capacityGrams: 6000 });
    sim.setWeight(6001);
    const over = await failureOf(scale.readStable(5000));
    expect(over.details).toMatchObject({ reason: 'over-capacity' });
    expect(over.message).toMatch(/over the scale's capacity/);
    sim.setWeight(-15);
    const negative = await failureOf(scale.readStable(5000));
    expect(negative.details).toMatchObject({ reason: 'negative' });
  });
});

describe('scale over Toledo 8217', () => {
  it('reads a pound scale with decimal point and unit, converting to grams in integers', async () => {
    const { scale, sim } = await setup({ protocol: 'toledo-8217', unit: 'lb' }, { unit: 'lb' });
    sim.setWeight(1000); // 2.2046 lb, shown as 2.20 lb
    const weight = await scale.readStable(2000);
    expect(weight).toMatchObject({ value: 220, decimals: 2, unit: 'lb', display: '2.20 lb', grams: 998 });
  });
});

describe('scale over NCI', () => {
  it('reads weight, unit and status', async () => {
    const { scale, sim } = await setup({ protocol: 'nci' }, { tcp: true });
    sim.setWeight(2345);
    expect(await scale.readStable(2000)).toMatchObject({ grams: 2345, display: '2.345 kg' });
  });

  it('reports a moving weight as unstable, with its value', async () => {
    const { scale, sim } = await setup({ protocol: 'nci' });
    sim.setWeight(410, { moving: true });
    const reading = await until(scale, (r) => r.status === 'weight');
    expect(reading).toMatchObject({ status: 'weight', motion: true, stable: false, weight: { grams: 410 } });
  });

  it('rejects when over capacity or below zero', async () => {
    const { scale, sim } = await setup({ protocol: 'nci', capacityGrams: 3000 });
    sim.setWeight(3500);
    expect((await failureOf(scale.readStable(5000))).details).toMatchObject({ reason: 'over-capacity' });
    sim.setWeight(-120);
    expect((await failureOf(scale.readStable(5000))).details).toMatchObject({ reason: 'negative' });
    const under = await until(scale, (r) => r.status === 'under-zero');
    expect(under).toMatchObject({ weight: { grams: -120, display: '-0.120 kg' } });
  });

  it('shows a scale fault as health error', async () => {
    const { scale, sim } = await setup({ protocol: 'nci' });
    sim.setWeight(100);
    sim.setFault(true);
    const fault = await until(scale, (r) => r.status === 'fault');
    expect(fault).toMatchObject({ message: expect.stringMatching(/faulty calibration/) });
    const health = await firstValueFrom(scale.health$.pipe(filter((h) => h.state === 'error')));
    expect(health.detail).toMatchObject({ reason: expect.stringMatching(/calibration/) });
    const error = await failureOf(scale.readStable(60));
    expect(error.details).toMatchObject({ reason: 'timeout', last: 'fault' });
    expect(error.message).toMatch(/faulty calibration/);
  });
});

describe('scale health and failures', () => {
  it('times out with a DeviceError and warns when the weight never settles', async () => {
    const { scale, sim } = await setup({ protocol: 'toledo-8213' }, { unstableAfterMs: 30 });
    sim.setWeight(900, { moving: true });
    const error = await failureOf(scale.readStable(120));
    expect(error.details).toMatchObject({ reason: 'timeout', last: 'motion' });
    expect(error.message).toMatch(/did not settle within 120 ms/);
    const health = await firstValueFrom(scale.health$.pipe(filter((h) => h.warnings.length > 0)));
    expect(health).toMatchObject({ kind: 'scale', state: 'online', warnings: [{ code: 'unstable-weight' }] });
    sim.setWeight(900);
    const settled = await firstValueFrom(scale.health$.pipe(filter((h) => h.warnings.length === 0)));
    expect(settled.state).toBe('online');
  });

  it('goes offline when the scale stops answering, and back online', async () => {
    const { scale, sim } = await setup({ protocol: 'nci' }, { responseTimeoutMs: 20 });
    sim.setWeight(50);
    await firstValueFrom(scale.health$.pipe(filter((h) => h.state === 'online')));
    sim.setSilent(true);
    const error = await failureOf(scale.readStable(100));
    expect(error.message).toMatch(/did not answer/);
    expect((await firstValueFrom(scale.health$)).state).toBe('offline');
    sim.setSilent(false);
    await firstValueFrom(scale.health$.pipe(filter((h) => h.state === 'online')));
  });

  it('says the scale did not answer when nothing at all came back in time', async () => {
    const { scale, sim } = await setup({ protocol: 'nci' }, { responseTimeoutMs: 5_000 });
    sim.setSilent(true);
    const error = await failureOf(scale.readStable(50));
    expect(error.details).toMatchObject({ reason: 'timeout', last: undefined });
    expect(error.message).toMatch(/did not answer within 50 ms/);
  });

  it('reports disconnected and rejects readStable when the link drops', async () => {
    const { scale, sim } = await setup({ protocol: 'toledo-8213' });
    sim.setWeight(10, { moving: true });
    const pending = scale.readStable(5000);
    await sim.close();
    expect((await failureOf(pending)).details).toMatchObject({ reason: 'closed' });
    expect((await firstValueFrom(scale.health$)).state).toBe('disconnected');
    expect((await failureOf(scale.readStable(100))).details).toMatchObject({ reason: 'closed' });
  });

  it('validates options and timeouts', async () => {
    const sim = createScaleSimulator({ protocol: 'nci' });
    const transport = sim.connect();
    expect(() => createScale({ transport, protocol: 'cas' as 'nci' })).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    );
    expect(() => createScale({ transport, protocol: 'nci', pollMs: 0 })).toThrow(/pollMs/);
    const scale = createScale({ transport, protocol: 'nci', pollMs: 5 });
    await expect(scale.readStable(-1)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(scale.readStable(1.5)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(() => sim.setWeight(1.5)).toThrow(/whole grams/);
    await scale.close();
    await sim.close();
  });
});
