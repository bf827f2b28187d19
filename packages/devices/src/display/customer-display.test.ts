import { money, TillkitError } from '@tillkit/core';
import { filter, firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { createDisplaySimulator, type DisplaySimulator } from '../testing/simulators/display-simulator';
import { createCustomerDisplay, type CustomerDisplay, type DisplayDialect } from './customer-display';
import { encodeDisplayText, toDisplayText } from './display-text';

const clock = { now: () => Date.UTC(2025, 0, 1) };
let open: { display: CustomerDisplay; sim: DisplaySimulator }[] = [];
afterEach(async () => {
  await Promise.all(open.map(async ({ display, sim }) => (await display.close(), await sim.close())));
  open = [];
});

async function setup(dialect: DisplayDialect, tcp = false): Promise<{ display: CustomerDisplay; sim: DisplaySimulator }> {
  const sim = createDisplaySimulator({ dialect });
  const transport = tcp ? await sim.connectTcp() : sim.connect();
  const display = createCustomerDisplay({ transport, dialect, clock });
  open.push({ display, sim });
  return { display, sim };
}

const ascii = (s: string): number[] => [...Buffer.from(s, 'latin1')];
const hex = (bytes: Uint8Array | number[]): string => Buffer.from(bytes).toString('hex');

describe('customer display, Epson dialect', () => {
  it('initialises once, then places each line with US $ x y (exact bytes)', async () => {
    const { display, sim } = await setup('epson', true);
    await display.showLines('Hello', 'World');
    await sim.until((s) => s.received().length === 2 + 4 + 20 + 4 + 20);
    const expected = [0x1b, 0x40, 0x1f, 0x24, 1, 1, ...ascii('Hello'.padEnd(20)), 0x1f, 0x24, 1, 2, ...ascii('World'.padEnd(20))];
    expect(hex(sim.received())).toBe(hex(expected));
    expect(sim.lines()).toEqual(['Hello               ', 'World               ']);
    await display.clear();
    await display.setBrightness(2);
    await sim.until((s) => s.brightness === 2);
    expect(hex(sim.received().slice(expected.length))).toBe('0c1f5802');
    expect(sim.lines()).toEqual([' '.repeat(20), ' '.repeat(20)]);
    expect(sim.ignored).toBe(0);
  });

  it('shows an item with its price right-aligned, cut to 20 columns', async () => {
    const { display, sim } = await setup('epson');
    await display.showItem('Organic oat milk 1 litre carton', money(249, 'USD'));
    await sim.until((s) => s.lines()[1].trim() !== '');
    expect(sim.lines()).toEqual(['Organic oat milk 1 l', '               $2.49']);
    expect(display.lines()).toEqual(sim.lines());
    await display.showTotal('TOTAL', '12.50');
    await sim.until((s) => s.lines()[0].startsWith('TOTAL'));
    expect(sim.lines()).toEqual(['TOTAL               ', '               12.50']);
  });
});

describe('customer display, CD5220 dialect', () => {
  it('writes each line in string mode: ESC Q A ... CR, ESC Q B ... CR (exact bytes)', async () => {
    const { display, sim } = await setup('cd5220', true);
    await display.showLines('Coffee', '3.20');
    const expected = [
      0x1b,
      0x40,
      0x1b,
      0x51,
      0x41,
      ...ascii('Coffee'.padEnd(20)),
      0x0d,
      0x1b,
      0x51,
      0x42,
      ...ascii('3.20'.padEnd(20)),
      0x0d,
    ];
    await sim.until((s) => s.received().length === expected.length);
    expect(hex(sim.received())).toBe(hex(expected));
    expect(sim.lines()).toEqual(['Coffee              ', '3.20                ']);
  });

  it('leaves string mode before changing brightness and puts the text back', async () => {
    const { display, sim } = await setup('cd5220');
    await display.showLines('Welcome', 'Till 3');
    await display.setBrightness(1);
    await sim.until((s) => s.brightness === 1 && s.lines()[1].startsWith('Till 3'));
    expect(sim.ignored).toBe(0);
    expect(sim.lines()).toEqual(['Welcome             ', 'Till 3              ']);
    const tail = sim.received().slice(-(4 + 2 * 24));
    expect(hex(tail.slice(0, 4))).toBe('0c1b2a01');
  });

  it('the simulator ignores ESC * in string mode, as the firmware does', async () => {
    const sim = createDisplaySimulator({ dialect: 'cd5220' });
    const transport = sim.connect();
    await transport.write(Uint8Array.from([0x1b, 0x51, 0x41, ...ascii('X'), 0x0d, 0x1b, 0x2a, 0x02]));
    await sim.until((s) => s.ignored === 1);
    expect(sim.brightness).toBe(4);
    await transport.close();
    await sim.close();
  });

  it('clears with CLR', async () => {
    const { display, sim } = await setup('cd5220');
    await display.showLines('A', 'B');
    await display.clear();
    await sim.until((s) => s.received().at(-1) === 0x0c);
    expect(sim.lines()).toEqual([' '.repeat(20), ' '.repeat(20)]);
    expect(display.lines()).toEqual([' '.repeat(20), ' '.repeat(20)]);
  });
});

describe('display text', () => {
  it('keeps what code page 437 has, transliterates the rest, and never sends control bytes', async () => {
    expect(toDisplayText('Crème brûlée')).toBe('Crème brûlée');
    expect(toDisplayText('Crème brûlée', 'ascii')).toBe('Creme brulee');
    expect(toDisplayText('€4 – Łódź “deal”…')).toBe('EUR4 - Lódz "deal"...');
    expect(toDisplayText('€4 – Łódź', 'ascii')).toBe('EUR4 - Lodz');
    expect(toDisplayText('Straße £2')).toBe('Straße £2');
    expect(toDisplayText('Straße £2', 'ascii')).toBe('Strasse GBP2');
    expect(toDisplayText('緑茶 tea')).toBe('?? tea');
    expect(toDisplayText('a\u001b@b\tc\u200bd')).toBe('a?@b cd');
    expect(toDisplayText('e\u0301')).toBe('é');
    expect(hex(encodeDisplayText(toDisplayText('é£½')))).toBe('829cab');

    const { display, sim } = await setup('epson');
    await display.showLines('Café crème €3', '');
    await sim.until((s) => s.lines()[0].trim() !== '');
    expect(sim.lines()[0]).toBe('Café crème EUR3     ');
  });

  it('matches code page 437 as iconv-lite encodes it', async () => {
    const iconv = await import('iconv-lite');
    const sample = 'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥ƒáíóúñÑªº¿¬½¼¡«»░▒▓│┤αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤÷≈°·√²■';
    expect(hex(encodeDisplayText(toDisplayText(sample)))).toBe(iconv.default.encode(sample, 'cp437').toString('hex'));
  });
});

describe('customer display inputs and health', () => {
  it('rejects bad input with a ValidationError before sending anything', async () => {
    const { display, sim } = await setup('epson');
    await expect(display.setBrightness(5 as 4)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(display.showItem('Tea', { amount: 1.5, currency: 'EUR' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(display.showLines(42 as unknown as string)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(sim.received()).toHaveLength(0);
    const transport = sim.connect();
    expect(() => createCustomerDisplay({ transport, dialect: 'vfd' as DisplayDialect })).toThrow(/dialect/);
    expect(() => createCustomerDisplay({ transport, dialect: 'epson', columns: 0 })).toThrow(/columns/);
    await transport.close();
  });

  it('goes online after the first command, and fails commands with a DeviceError once the line is gone', async () => {
    const { display, sim } = await setup('epson', true);
    const states: string[] = [];
    display.health$.subscribe((h) => states.push(h.state));
    await display.showLines('hi');
    await sim.close();
    await firstValueFrom(display.health$.pipe(filter((h) => h.state === 'disconnected')));
    const error = await display.showLines('again').catch((e: unknown) => e);
    expect(TillkitError.hasCode(error, 'DEVICE_ERROR')).toBe(true);
    expect(states[0]).toBe('connecting');
    expect(states[1]).toBe('online');
    expect(states.at(-1)).toBe('disconnected');
  });
});
