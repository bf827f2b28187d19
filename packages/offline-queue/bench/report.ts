/** Latency samples per case, printed as one table at the end of a bench file. */
export class Samples {
  private readonly byCase = new Map<string, { latencies: number[]; totalMs: number; ops: number }>();

  add(name: string, latencyMs: number): void {
    const entry = this.entry(name);
    entry.latencies.push(latencyMs);
  }

  /** a timed block of `ops` operations (throughput = ops / total time) */
  block(name: string, ops: number, ms: number): void {
    const entry = this.entry(name);
    entry.ops += ops;
    entry.totalMs += ms;
  }

  private entry(name: string) {
    let entry = this.byCase.get(name);
    if (entry === undefined) {
      entry = { latencies: [], totalMs: 0, ops: 0 };
      this.byCase.set(name, entry);
    }
    return entry;
  }

  /** rows with p50/p95 latency and items/s, and throughput relative to `baseline` */
  table(baseline: string): Record<string, string | number>[] {
    const base = this.byCase.get(baseline);
    const baseRate = base === undefined || base.totalMs === 0 ? Number.NaN : (base.ops / base.totalMs) * 1000;
    return [...this.byCase].map(([name, { latencies, totalMs, ops }]) => {
      const sorted = [...latencies].sort((a, b) => a - b);
      const rate = (ops / totalMs) * 1000;
      return {
        case: name,
        n: sorted.length,
        'p50 ms': quantile(sorted, 0.5).toFixed(3),
        'p95 ms': quantile(sorted, 0.95).toFixed(3),
        'items/s': Math.round(rate),
        'vs baseline': `${((rate / baseRate) * 100).toFixed(0)}%`,
      };
    });
  }
}

export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}
