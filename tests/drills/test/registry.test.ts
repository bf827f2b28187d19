import { describe, expect, it } from 'vitest';
import { DRILLS } from '../src/drills/index';
import { markdownTable } from '../src/report';

describe('the drill list', () => {
  it('has the thirteen drills, each with a unique kebab-case name, and every one is run by a test file', async () => {
    const names = DRILLS.map((d) => d.name);
    expect(names).toHaveLength(13);
    expect(new Set(names).size).toBe(13);
    for (const name of names) expect(name).toMatch(/^[a-z]+(-[a-z]+)*$/);
    const { readFileSync } = await import('node:fs');
    const tested = ['printer-drills', 'sync-drills']
      .map((f) => readFileSync(new URL(`./${f}.test.ts`, import.meta.url), 'utf8'))
      .join('\n');
    for (const drill of DRILLS) {
      const exportName = drill.name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
      expect(tested, `${drill.name} is not run by a test`).toContain(exportName);
    }
  });

  it('prints a markdown table with one row per result', () => {
    const table = markdownTable([
      {
        name: 'paper-out',
        title: 'paper',
        pass: true,
        durationMs: 1,
        salesLost: 0,
        duplicates: 0,
        receiptsLost: 0,
        receiptsDoubled: 0,
        longestWaitMs: 12.34,
        checks: [],
      },
      {
        name: 'captive-portal',
        title: 'portal',
        pass: false,
        durationMs: 1,
        salesLost: 1,
        duplicates: 0,
        longestWaitMs: 3,
        checks: [],
      },
    ]);
    expect(table.split('\n')).toEqual([
      '| drill | result | sales lost | duplicates | receipts lost / doubled | longest wait (ms) |',
      '| ----- | ------ | ---------- | ---------- | ----------------------- | ----------------- |',
      '| paper-out (paper) | pass | 0 | 0 | 0 / 0 | 12.3 |',
      '| captive-portal (portal) | **FAIL** | 1 | 0 | - | 3.0 |',
    ]);
  });
});
