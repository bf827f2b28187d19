import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The real `npm start` entry (tsx src/till/main.ts), with commands piped to its stdin (not a TTY).
const main = fileURLToPath(new URL('./main.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'till-main-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const start = (args: string[], input: string) =>
  spawnSync(process.execPath, ['--import', 'tsx', main, ...args], {
    input,
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, NO_COLOR: '1' },
  });

describe('npm start with piped input', () => {
  it('rings a sale, reprints it, closes the day and exits 0', () => {
    const run = start(
      [],
      [
        'open 100.00',
        '2*7610011',
        'scan 7610012000012',
        'card 5.00',
        'cash 20',
        'reprint',
        'nosale',
        'close 113.40',
        'quit',
        '',
      ].join('\n'),
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const out = run.stdout.replace(/[\u00a0\u202f]/g, ' ');
    expect(out).toMatch(/tillkit terminal till: register till-1 \(CHF\)/);
    expect(out).toMatch(/till \[session shift-[\d-]+\]> 2\*7610011\n {2}1\. 2 x Cappuccino @ CHF 5\.50 = CHF 11\.00/);
    expect(out).toMatch(/\[scan\] 2\. 1 x Gipfeli/);
    expect(out).toMatch(/Sale done: receipt #1, total CHF 13\.90, CHANGE CHF 11\.10 \(printer: printed\)/);
    expect(out).toMatch(/\*\*\* COPY \*\*\*/);
    expect(out).toMatch(/Z report #1: expected CHF 108\.90, counted CHF 113\.40, over CHF 4\.50/);
    // the status line after every command, without colour codes when piped
    expect(out).toMatch(/ {2}\[printer online \| drawer (closed|OPEN!!) \| net online primary \| queue \d+ \| lag [\d.]+s\]/);
    expect(out).not.toContain('\u001b[');
    expect(out).toMatch(/Bye\./);
  });

  it('exits 1 when the input ends in the middle of a sale', () => {
    const run = start([], 'open 50\n7610010\n');
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/input ended with a sale open/);
  });

  it('exits 2 naming the key when the config file has a typo', () => {
    const file = join(dir, 'till.json');
    writeFileSync(file, JSON.stringify({ printer: { url: 'tcp://192.0.2.10:9100' }, scael: { url: 'tcp://192.0.2.20:4001' } }));
    const run = start(['--config', file], '');
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/till: .*till\.json is invalid:\nunknown key "scael"/);
  });
});
