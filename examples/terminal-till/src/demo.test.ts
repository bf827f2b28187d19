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
