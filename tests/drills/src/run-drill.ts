import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Drill, DrillContext, DrillResult } from './drill';

/** Runs one drill in a fresh temp folder, cleans up after it, and decides pass or fail. */
export async function runDrill(drill: Drill, scale: DrillContext['scale'], timeoutMs = 45_000): Promise<DrillResult> {
  const dir = mkdtempSync(join(tmpdir(), `tillkit-drill-${drill.name}-`));
  const cleanups: (() => Promise<void> | void)[] = [];
  const ctx: DrillContext = { dir, scale, defer: (cleanup) => void cleanups.push(cleanup) };
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const measures = await Promise.race([
      drill.run(ctx),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the drill did not finish within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    const pass =
      measures.checks.every((c) => c.ok) &&
      measures.salesLost === 0 &&
      measures.duplicates === 0 &&
      (measures.receiptsLost ?? 0) === 0 &&
      (measures.receiptsDoubled ?? 0) === 0;
    return { ...measures, name: drill.name, title: drill.title, pass, durationMs: performance.now() - started };
  } catch (error) {
    return {
      name: drill.name,
      title: drill.title,
      pass: false,
      durationMs: performance.now() - started,
      salesLost: Number.NaN,
      duplicates: Number.NaN,
      longestWaitMs: Number.NaN,
      checks: [],
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    };
  } finally {
    clearTimeout(timer);
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // a cleanup that fails must not hide the drill's result
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
