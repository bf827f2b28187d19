import { firstValueFrom, map, scan, filter } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { StreamTransport } from '../../stream-transport';
import { createDisplaySimulator } from './display-simulator';
import { createScaleSimulator } from './scale-simulator';
import { createKeyboardWedgeSimulator, createSerialScannerSimulator } from './scanner-simulator';
import { createStreamPair } from './stream-pair';

let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.map((c) => c()));
  closers = [];
});

/** Sends `request` and collects the reply text until `done` says it is complete. */
async function ask(transport: StreamTransport, request: string, done: (text: string) => boolean): Promise<string> {
  const reply = firstValueFrom(
    transport.data$.pipe(
      scan((text, bytes) => text + Buffer.from(bytes).toString('latin1'), ''),
      filter(done),
    ),
  );
  await transport.write(Buffer.from(request, 'latin1'));
  return reply;
}

describe('scale simulator', () => {
  it('answers Toledo 8213 "W" with STX, 5 digits, CR, or a status record', async () => {
    const sim = createScaleSimulator({ protocol: 'toledo-8213', capacityGrams: 5000 });
    const t = await sim.connectTcp();
    closers.push(
      () => t.close(),
      () => sim.close(),
    );
    const reply = (): Promise<string> => ask(t, 'W', (s) => s.endsWith('\r'));
    sim.setWeight(1250);
    expect(await reply()).toBe('\u000201250\r');
    sim.setWeight(1250, { moving: true });
    expect(await reply()).toBe('\u0002?a\r'); // 0x60 | motion
    sim.setWeight(5001);
    expect(await reply()).toBe('\u0002?b\r'); // 0x60 | over capacity
    sim.setWeight(-1);
    expect(await reply()).toBe('\u0002?d\r'); // 0x60 | under zero
    expect(sim.requests).toBe(4);
  });

  it('answers Toledo 8217 with decimal point and unit', async () => {
    const sim = createScaleSimulator({ protocol: 'toledo-8217', unit: 'lb' });
    const t = sim.connect();
    closers.push(
      () => t.close(),
      () => sim.close(),
    );
    sim.setWeight(454);
    expect(await ask(t, 'W', (s) => s.endsWith('\r'))).toBe('\u0002001.00lb\r');
  });

  it('answers NCI "W" CR with weight, unit, status bytes and ETX', async () => {
    const sim = createScaleSimulator({ protocol: 'nci' });
    const t = sim.connect();
    closers.push(
      () => t.close(),
      () => sim.close(),
    );
    const reply = (cmd: string): Promise<string> => ask(t, cmd, (s) => s.endsWith('\u0003'));
    sim.setWeight(2345);
    expect(await reply('W\r')).toBe('\n0002.345kg\r\n00\r\u0003');
    sim.setWeight(0, { moving: true });
    // status byte 1 = 0x30 | motion | at zero = "3"
    expect(await reply('W\r')).toBe('\n0000.000kg\r\n30\r\u0003');
    expect(await reply('S\r')).toBe('\n30\r\u0003');
    expect(await reply('X\r')).toBe('\n?\r\u0003');
  });

  it('stays silent when told to, like a scale with a pulled cable', async () => {
    const sim = createScaleSimulator({ protocol: 'nci' });
    const t = sim.connect();
    closers.push(
      () => t.close(),
      () => sim.close(),
    );
    sim.setSilent(true);
    const got: Uint8Array[] = [];
    t.data$.subscribe((b) => got.push(b));
    await t.write(Buffer.from('W\r'));
    await new Promise((r) => setImmediate(r));
    expect(got).toEqual([]);
    expect(sim.requests).toBe(1);
  });
});

describe('display simulator', () => {
  it('wraps text past the end of a line in overwrite mode (Epson)', async () => {
    const sim = createDisplaySimulator({ dialect: 'epson', columns: 8 });
    const t = sim.connect();
    closers.push(
      () => t.close(),
      () => sim.close(),
    );
    const lines = firstValueFrom(
      sim.lines$.pipe(
        map((l) => l.join('|')),
        filter((l) => l.includes('JK')),
      ),
    );
    await t.write(Buffer.from('\u001b@ABCDEFGHIJK', 'latin1'));
    expect(await lines).toBe('ABCDEFGH|IJK     ');
    await t.write(Buffer.from('\u001f$\u0003\u0001xy\u001b?', 'latin1'));
    await sim.until((s) => s.ignored === 1);
    expect(sim.lines()).toEqual(['ABxyEFGH', 'IJK     ']);
  });

  it('decodes code page 437 bytes back to text', async () => {
    const sim = createDisplaySimulator({ dialect: 'cd5220' });
    const t = sim.connect();
    closers.push(
      () => t.close(),
      () => sim.close(),
    );
    await t.write(Uint8Array.from([0x1b, 0x51, 0x41, 0x43, 0x61, 0x66, 0x82, 0x20, 0x9c, 0x33, 0x0d]));
    await sim.until((s) => s.lines()[0].startsWith('Café £3'));
    expect(sim.lines()[0]).toBe('Café £3'.padEnd(20));
  });
});

describe('scanner simulators', () => {
  it('sends the keys a US-layout scanner sends, with the key the OS layout shows', () => {
    const us = createKeyboardWedgeSimulator().scan('aZ1\u001d', { startAt: 100 });
    expect(us.map((e) => [e.code, e.key, e.shiftKey === true, e.ctrlKey === true, e.timeStamp])).toEqual([
      ['KeyA', 'a', false, false, 100],
      ['ShiftLeft', 'Shift', true, false, 108],
      ['KeyZ', 'Z', true, false, 108],
      ['Digit1', '1', false, false, 116],
      ['ControlLeft', 'Control', false, true, 124],
      ['BracketRight', ']', false, true, 124],
      ['Enter', 'Enter', false, false, 132],
    ]);
    const fr = createKeyboardWedgeSimulator({ layout: 'azerty', interKeyMs: 2, suffix: 'Tab' }).scan('aZ1');
    expect(fr.map((e) => `${e.code}:${e.key}`)).toEqual(['KeyA:q', 'ShiftLeft:Shift', 'KeyZ:W', 'Digit1:&', 'Tab:Tab']);
    expect(() => createKeyboardWedgeSimulator().scan('é')).toThrow(/no key/);
  });

  it('writes framed scans, split into chunks, to every connected host', async () => {
    const sim = createSerialScannerSimulator({ suffix: 'CRLF' });
    const [a, b] = [sim.connect(), await sim.connectTcp()];
    closers.push(
      () => a.close(),
      () => b.close(),
      () => sim.close(),
    );
    const collect = (t: StreamTransport): Promise<string> =>
      firstValueFrom(
        t.data$.pipe(
          scan((s, bytes) => s + Buffer.from(bytes).toString('latin1'), ''),
          filter((s) => s.endsWith('\r\n')),
        ),
      );
    const got = Promise.all([collect(a), collect(b)]);
    await sim.scan('12345', { aimId: ']E0', chunkSize: 2 });
    expect(await got).toEqual([']E012345\r\n', ']E012345\r\n']);
  });

  it('stream pairs carry bytes and end-of-stream both ways', async () => {
    const [a, b] = createStreamPair();
    const got = new Promise<string>((resolve) => {
      let text = '';
      b.on('data', (c: Buffer) => (text += c.toString()));
      b.on('end', () => resolve(text));
    });
    a.write('hello ');
    a.end('world');
    expect(await got).toBe('hello world');
    b.destroy();
    a.destroy();
  });
});
