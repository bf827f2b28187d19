import { z } from 'zod';

/** The clock the delivery policy reads: injectable so tests and drills are deterministic. */
export interface Clock {
  /** milliseconds since the epoch (or any monotonic origin: only differences are used) */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** zod schema for an injected clock (any object with a `now()` function). */
export const clockSchema = z.custom<Clock>(
  (value) => typeof value === 'object' && value !== null && typeof (value as { now?: unknown }).now === 'function',
  { message: 'Expected a clock: an object with a now() function returning milliseconds' },
);
