import type { Clock } from './clock';

/** A hand-advanced clock for tests (internal; not exported from the package). */
export interface ManualClock extends Clock {
  advance(ms: number): void;
}

export function manualClock(start = 0): ManualClock {
  let now = start;
  return {
    now: () => now,
    advance(ms) {
      now += ms;
    },
  };
}
