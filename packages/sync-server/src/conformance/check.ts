import type { CheckContext } from './context';

/** One conformance check: a stable id, what it proves, and how. It throws CheckFailure when the backend falls short. */
export interface ConformanceCheck {
  id: string;
  title: string;
  run(ctx: CheckContext): Promise<void>;
}
