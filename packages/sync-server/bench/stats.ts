import { availableParallelism, loadavg } from 'node:os';

/** The q-quantile of ascending samples (nearest rank); NaN for none. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

/** p50 and p95 of unsorted samples. */
export function percentiles(samples: readonly number[]): { p50: number; p95: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95) };
}

export const ms = (value: number): string => (Number.isNaN(value) ? '-' : value.toFixed(1));
export const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
export const perSecond = (count: number, elapsedMs: number): number => Math.round((count / elapsedMs) * 1000);
/** `rate` as a share of `baseline`, e.g. "42%" */
export const share = (rate: number, baseline: number): string => `${((rate / baseline) * 100).toFixed(0)}%`;

/** Runs `work` over `items`, at most `limit` at a time. */
export async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** vitest may call a bench function more than once: each case runs (and reports) once. */
export function once(run: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= run());
}

/** The machine, for the table headers: figures from a busy machine are not comparable with a quiet one's. */
export function machine(): string {
  return `${availableParallelism()} cores, load average ${loadavg()[0]!.toFixed(1)}`;
}
