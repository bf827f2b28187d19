/** How long to wait before reconnect attempts: exponential growth, capped, with full jitter. */
export interface BackoffOptions {
  /** the cap of the first delay (attempt 0), in ms */
  readonly baseMs: number;
  /** no delay is longer than this, in ms */
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 250, maxMs: 30_000 };

/**
 * The delay before reconnect attempt `attempt` (0 for the first retry): a uniformly random time in
 * [0, min(maxMs, baseMs * 2^attempt)) ("full jitter"), so tills that lost the same printer or
 * switch do not all reconnect in step. `random` returns a number in [0, 1), like Math.random.
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number): number {
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 52);
  const cap = Math.min(options.maxMs, options.baseMs * 2 ** exponent);
  const r = random();
  const unit = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1 - Number.EPSILON) : 0.5;
  return Math.floor(cap * unit);
}
