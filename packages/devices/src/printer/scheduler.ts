/**
 * Timers the printer driver uses, injectable so tests and drills control time. `schedule` runs
 * `fn` once after `ms` and returns a function that cancels it (calling it twice is harmless).
 */
export interface Scheduler {
  schedule(ms: number, fn: () => void): () => void;
}

export const systemScheduler: Scheduler = {
  schedule(ms, fn) {
    const handle = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(handle);
  },
};
