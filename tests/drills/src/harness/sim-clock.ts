import type { Clock } from '@tillkit/core';

/** A clock the drill moves by hand: real time plus an offset that jumps forwards or backwards. */
export interface SimClock extends Clock {
  /** moves the clock by `ms` (negative: backwards) */
  jump(ms: number): void;
  /** the clock's time as ISO 8601, for core's `at` */
  iso(): string;
}

export function simClock(startAt?: string): SimClock {
  let offset = startAt === undefined ? 0 : Date.parse(startAt) - Date.now();
  const now = () => Date.now() + offset;
  return {
    now,
    jump: (ms) => (offset += ms),
    iso: () => new Date(now()).toISOString(),
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns true, or throws after `timeoutMs` naming `what`. */
export async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}
