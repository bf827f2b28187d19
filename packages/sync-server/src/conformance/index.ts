// @tillkit/sync-server/conformance: checks that a backend implements the tillkit sync protocol v1.
// Browser and Node neutral: global fetch only, no test framework imported.
export { runConformance, conformanceChecks } from './run-conformance';
export { describeConformance } from './describe-conformance';
export type { DescribeConformanceSettings, TestFramework } from './describe-conformance';
export { referenceAdmin, AdminRequestError, ADMIN_REQUEST_FAILED } from './reference-admin';
export type { ReferenceAdminOptions } from './reference-admin';
export type {
  CheckResult,
  CheckStatus,
  ConformanceAdmin,
  ConformanceCheckInfo,
  ConformanceOptions,
  ConformanceReport,
  FetchLike,
  IngestedEvent,
} from './types';
