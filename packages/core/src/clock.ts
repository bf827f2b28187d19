import { z } from 'zod';

/** A source of the current time in ms: injected wherever time is read, so tests and drills are deterministic. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Validates an injected clock in option schemas: any object with a now() function. */
export const ClockSchema = z.custom<Clock>((v) => typeof (v as Clock | undefined)?.now === 'function', 'a Clock with now()');
