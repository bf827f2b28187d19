// The clock is @tillkit/core's, shared by every package.
export { systemClock, ClockSchema as clockSchema } from '@tillkit/core';
export type { Clock } from '@tillkit/core';
