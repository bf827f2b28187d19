import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TillkitError } from '@tillkit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, parseConfigFile, TillConfigError } from './config';

const dir = mkdtempSync(join(tmpdir(), 'till-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const errorOf = (f: () => unknown): TillConfigError => {
  try {
    f();
  } catch (e) {
    if (e instanceof TillConfigError) return e;
    throw e;
  }
  throw new Error('expected a TillConfigError');
};

describe('the till configuration', () => {
  it('runs on emulators and the embedded server without options', () => {
    const c = loadConfig([], {});
    expect([c.printer, c.scale, c.servers, c.currency, c.color]).toEqual([undefined, undefined, undefined, 'CHF', true]);
  });

  it('reads real devices and servers from the command line', () => {
    const c = loadConfig(
      [
        '--printer',
        'tcp://192.0.2.10',
        '--backup-printer=tcp://192.0.2.11:9101',
        '--scale',
        'tcp://192.0.2.20:4001',
        '--server',
        'https://eu.example.com',
        '--server',
        'https://us.example.com',
        '--code',
        'ABCD-1234',
      ],
      {},
    );
    expect(c.printer).toEqual({ host: '192.0.2.10', port: 9100, profile: 'epson-tm-t88vi' });
    expect(c.backupPrinter?.port).toBe(9101);
    expect(c.scale).toEqual({ host: '192.0.2.20', port: 4001, protocol: 'toledo-8217' });
    expect(c.servers?.map((s) => s.id)).toEqual(['primary', 'secondary-1']);
    expect(c.code).toBe('ABCD-1234');
  });

  it('names the key of a typo in the config file', () => {
    const e = errorOf(() => parseConfigFile('{"printr": {"url": "tcp://192.0.2.10"}}', 'till.json'));
    expect(TillkitError.hasCode(e, 'CONFIG_INVALID')).toBe(true);
    expect(e.message).toMatch(/unknown key "printr" \(till\.json\)/);
    const nested = errorOf(() =>
      parseConfigFile('{"printer": {"url": "tcp://192.0.2.10", "profle": "generic-58mm"}}', 'till.json'),
    );
    expect(nested.message).toMatch(/unknown key "profle" in "printer"/);
    const value = errorOf(() => parseConfigFile('{"scale": {"url": "http://192.0.2.20"}}', 'till.json'));
    expect(value.message).toMatch(/"scale\.url" \(till\.json\): expected tcp:\/\/HOST/);
  });

  it('reads a config file, with the command line winning', () => {
    const file = join(dir, 'till.json');
    writeFileSync(
      file,
      JSON.stringify({ printer: { url: 'tcp://192.0.2.10:9100', profile: 'generic-58mm' }, currency: 'EUR', color: false }),
    );
    const c = loadConfig(['--config', file, '--printer', 'tcp://192.0.2.99'], {});
    expect(c.printer).toEqual({ host: '192.0.2.99', port: 9100, profile: 'epson-tm-t88vi' });
    expect([c.currency, c.color]).toEqual(['EUR', false]);
  });

  it('says what is wrong with an option', () => {
    expect(errorOf(() => loadConfig(['--printer', 'http://192.0.2.10'], {})).message).toMatch(
      /--printer \(command line\): expected tcp:\/\/HOST/,
    );
    expect(errorOf(() => loadConfig(['--prnter', 'tcp://x'], {})).message).toMatch(/Unknown option "--prnter"/);
    expect(errorOf(() => loadConfig(['--server'], {})).message).toMatch(/--server needs a value/);
    expect(errorOf(() => loadConfig(['--config', join(dir, 'missing.json')], {})).message).toMatch(/Cannot read the config file/);
  });

  it('respects NO_COLOR', () => {
    expect(loadConfig([], { NO_COLOR: '1' }).color).toBe(false);
    expect(loadConfig(['--no-color'], {}).color).toBe(false);
  });
});
