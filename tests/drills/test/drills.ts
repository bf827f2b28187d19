import { expect, it } from 'vitest';
import type { Drill } from '../src/drill';
import { failureDetail, resultLine } from '../src/report';
import { runDrill } from '../src/run-drill';

/** One test per drill, in the bounded CI sizes: it must pass, and its line is printed. */
export function drillTests(drills: readonly Drill[]): void {
  for (const drill of drills) {
    it(`${drill.name}: ${drill.title}`, { timeout: 50_000 }, async () => {
      const result = await runDrill(drill, 'ci');
      console.log(resultLine(result));
      expect(failureDetail(result), resultLine(result)).toEqual([]);
      expect(result.pass).toBe(true);
    });
  }
}
