import type { ConformanceCheck } from '../check';
import { authChecks } from './auth-checks';
import { isolationChecks } from './isolation-checks';
import { limitsChecks } from './limits-checks';
import { metaChecks } from './meta-checks';
import { pullChecks } from './pull-checks';
import { pushChecks } from './push-checks';
import { restoreChecks } from './restore-checks';
import { telemetryChecks } from './telemetry-checks';

/** Every check, in the order the kit runs them. */
export const allChecks: readonly ConformanceCheck[] = [
  ...metaChecks,
  ...authChecks,
  ...pushChecks,
  ...pullChecks,
  ...isolationChecks,
  ...limitsChecks,
  ...restoreChecks,
  ...telemetryChecks,
];
