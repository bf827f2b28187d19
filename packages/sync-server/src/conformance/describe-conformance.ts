import type { ConformanceOptions } from './types';
import { checkById, conformanceChecks, newRunId, resolveOptions, runCheck, type ResolvedOptions } from './run-conformance';
import { allChecks } from './checks/index';

/**
 * The parts of a test framework the kit registers its tests with: vitest's, jest's or mocha's
 * (with an assertion library) `describe`, `it` and `expect` fit. Passing them in keeps the kit free
 * of any test framework.
 */
export interface TestFramework {
  describe: (name: string, body: () => void) => unknown;
  it: (name: string, body: () => Promise<void>, timeoutMs?: number) => unknown;
  expect: (actual: unknown, message?: string) => { toBe(expected: unknown): void };
}

export interface DescribeConformanceSettings {
  /** the suite's name; default "tillkit sync protocol v1 conformance" */
  name?: string;
  /** register tests for these check ids only (default: `options.only` when options is an object, else all) */
  only?: readonly string[];
  /** the test framework's timeout per test, less 5 s; default `options.timeoutMs` when options is an object, else 30 000 */
  testTimeoutMs?: number;
}

/**
 * Registers one test per conformance check. `options` may be a function, called when the first
 * test runs: useful when the server starts in a `beforeAll`. A failing test's message is the
 * check's detail.
 */
export function describeConformance(
  options: ConformanceOptions | (() => ConformanceOptions | Promise<ConformanceOptions>),
  framework: TestFramework,
  settings: DescribeConformanceSettings = {},
): void {
  const only = settings.only ?? (typeof options === 'function' ? undefined : options.only);
  const ids = only === undefined ? conformanceChecks.map((c) => c.id) : [...only];
  ids.forEach(checkById); // unknown ids fail at registration, not at run time
  const runId = newRunId();
  let resolved: Promise<ResolvedOptions> | undefined;
  const resolve = (): Promise<ResolvedOptions> =>
    (resolved ??= Promise.resolve(typeof options === 'function' ? options() : options).then(({ only: _only, ...rest }) =>
      resolveOptions(rest),
    ));
  const testTimeoutMs = settings.testTimeoutMs ?? (typeof options === 'function' ? undefined : options.timeoutMs) ?? 30_000;
  framework.describe(settings.name ?? 'tillkit sync protocol v1 conformance', () => {
    for (const id of ids) {
      const check = checkById(id);
      const index = allChecks.indexOf(check);
      framework.it(
        `${check.id}: ${check.title}`,
        async () => {
          const result = await runCheck(check, await resolve(), `k${runId}-${String(index + 1).padStart(2, '0')}`);
          framework.expect(result.status, result.detail ?? `${check.id} ${result.status}`).toBe('passed');
        },
        testTimeoutMs + 5_000,
      );
    }
  });
}
