/** Lets a Node timer not hold the process open; a no-op in browsers. */
export function unref(timer: unknown): void {
  if (typeof timer === 'object' && timer !== null && typeof (timer as { unref?: unknown }).unref === 'function') {
    (timer as { unref: () => void }).unref();
  }
}

/** A delay around `ms` spread by ±`spread` (0.2: 80 % to 120 %), so tills do not call the server in step. */
export function jitter(ms: number, random: () => number, spread = 0.2): number {
  return Math.max(0, Math.round(ms * (1 - spread + 2 * spread * random())));
}
