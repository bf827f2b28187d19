import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Runs the demo exactly as `npm run demo` does, against the built packages.
describe('npm run demo', () => {
  it('narrates the shop day and exits 0 with every check holding', () => {
    const demo = fileURLToPath(new URL('./demo.ts', import.meta.url));
    const run = spawnSync(process.execPath, ['--import', 'tsx', demo], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Demo passed: every step checked out.');
    expect(run.stdout).not.toContain('✗');
    expect(run.stdout).toMatch(/Z report #1/);
    expect(run.stdout).toMatch(/12 sales rung offline/);
    expect(run.stdout).toMatch(/failed over eu-primary -> eu-secondary/);
    expect(run.stdout).toMatch(/enrolled with one-time code .* as register zh-lindenhof-1/);
    expect(run.stdout).toMatch(/the cloud holds 19 entries, each exactly once/);
    expect(run.stdout).toMatch(/pulled 1 changed price through eu-secondary/);
    expect(run.stdout).toMatch(/the next Cappuccino sells at the new price: CHF.5\.80/);
    expect(run.stdout).toMatch(/the cloud's copy of the journal verifies/);
  });
});

// The second half of `npm run demo`: the interactive till's controller and runtime, driven by a script.
describe('npm run demo: the scripted shop day on the terminal till', () => {
  it('rings the day through the till, checks every step from the outside, and exits 0', () => {
    const day = fileURLToPath(new URL('./till/scripted-day.ts', import.meta.url));
    const run = spawnSync(process.execPath, ['--import', 'tsx', day], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    // a failed check names itself here
    expect(run.stdout.split('\n').filter((l) => l.includes('✗'))).toEqual([]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/✓ the scanner burst was told from typing/);
    expect(run.stdout).toMatch(/✓ the weight came from the scale \(0\.183 kg of Bündnerfleisch\)/);
    expect(run.stdout).toMatch(/✓ the cashier is told the receipt is held, not lost/);
    expect(run.stdout).toMatch(/✓ paper loaded: receipt #3 comes out exactly once/);
    expect(run.stdout).toMatch(/✓ 4 sales rung offline/);
    expect(run.stdout).toMatch(/✓ failed over: the till went .*primary -> secondary/);
    expect(run.stdout).toMatch(/✓ the outbox drained through the secondary/);
    expect(run.stdout).toMatch(/✓ the next Cappuccino sells at the new price \(5\.80\)/);
    expect(run.stdout).toMatch(/✓ refunded in cash on receipt #10/);
    expect(run.stdout).toMatch(/✓ Z report #1 printed, the drawer even/);
    expect(run.stdout).toMatch(/✓ the server's copy of the journal verifies \(12 entries/);
    expect(run.stdout).toMatch(/✓ every event exactly once: 12 events, sequences 1\.\.12/);
    expect(run.stdout).toMatch(/✓ every receipt printed exactly once \(10 of 10\)/);
    expect(run.stdout).toContain('Scripted shop day passed: every step checked out.');
  });
});
