import { ErrorCode, uuidv7, ValidationError } from '@tillkit/core';
import { PROTOCOL_VERSION } from '@tillkit/sync-client/protocol';
import { CheckFailure } from './assert';
import type { ConformanceCheck } from './check';
import { allChecks } from './checks/index';
import { CheckContext } from './context';
import { describeError, HttpClient } from './http';
import type { CheckResult, ConformanceCheckInfo, ConformanceOptions, ConformanceReport, FetchLike } from './types';

const DEFAULT_TIMEOUT_MS = 30_000;

/** The ids and titles of every check, in the order they run. */
export const conformanceChecks: readonly ConformanceCheckInfo[] = allChecks.map(({ id, title }) => ({ id, title }));

/** Options with defaults filled in, checked once. */
export interface ResolvedOptions {
  baseUrl: string;
  admin: ConformanceOptions['admin'];
  fetch: FetchLike;
  timeoutMs: number;
  currency: string;
  only: ReadonlySet<string> | undefined;
}

export function resolveOptions(options: ConformanceOptions): ResolvedOptions {
  const problems: string[] = [];
  let baseUrl = '';
  try {
    const url = new URL(options.baseUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') problems.push(`baseUrl must be http(s), got ${url.protocol}`);
    baseUrl = options.baseUrl.replace(/\/+$/, '');
  } catch {
    problems.push(`baseUrl ${JSON.stringify(options.baseUrl)} is not a url`);
  }
  const admin = options.admin as Partial<ConformanceOptions['admin']> | undefined;
  const methods = ['createRegister', 'createEnrolmentCode', 'putRecords', 'deleteRecord', 'listEvents'] as const;
  const missing = methods.filter((m) => typeof admin?.[m] !== 'function');
  if (missing.length > 0) problems.push(`admin lacks ${missing.join(', ')}`);
  const fetchFn = options.fetch ?? (typeof fetch === 'function' ? fetch : undefined);
  if (fetchFn === undefined) problems.push('no fetch: pass options.fetch on a runtime without a global fetch');
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) problems.push(`timeoutMs must be a positive number of ms, got ${timeoutMs}`);
  const currency = options.currency ?? 'EUR';
  if (!/^[A-Z]{3}$/.test(currency)) problems.push(`currency must be an ISO 4217 code, got ${JSON.stringify(currency)}`);
  const known = new Set(allChecks.map((c) => c.id));
  const unknown = (options.only ?? []).filter((id) => !known.has(id));
  if (unknown.length > 0)
    problems.push(`only names unknown checks ${unknown.join(', ')} (the ids are listed in conformanceChecks)`);
  if (problems.length > 0) {
    throw new ValidationError(ErrorCode.VALIDATION_FAILED, `Cannot run the conformance kit: ${problems.join('; ')}.`);
  }
  return {
    baseUrl,
    admin: options.admin,
    fetch: fetchFn as FetchLike,
    timeoutMs,
    currency,
    only: options.only === undefined ? undefined : new Set(options.only),
  };
}

/** A short random tag for this run, so its merchants, stores and registers are its own. */
export function newRunId(): string {
  return uuidv7().replace(/-/g, '').slice(-8);
}

/** Runs one check with its own context and time budget; never throws. */
export async function runCheck(check: ConformanceCheck, options: ResolvedOptions, prefix: string): Promise<CheckResult> {
  const started = performance.now();
  const ms = (): number => Math.round(performance.now() - started);
  if (options.only !== undefined && !options.only.has(check.id)) {
    return { id: check.id, title: check.title, status: 'skipped', detail: 'not selected (options.only)', ms: 0 };
  }
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new CheckFailure(`the check did not finish within ${options.timeoutMs} ms (options.timeoutMs)`));
    }, options.timeoutMs);
  });
  const ctx = new CheckContext(
    new HttpClient(options.baseUrl, options.fetch, controller.signal),
    options.admin,
    options.currency,
    prefix,
  );
  try {
    await Promise.race([check.run(ctx), timedOut]);
    return { id: check.id, title: check.title, status: 'passed', ms: ms() };
  } catch (error) {
    const detail = error instanceof CheckFailure ? error.message : `the check crashed: ${describeError(error)}`;
    return { id: check.id, title: check.title, status: 'failed', detail, ms: ms() };
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

export function checkById(id: string): ConformanceCheck {
  const check = allChecks.find((c) => c.id === id);
  if (check === undefined) throw new ValidationError(ErrorCode.VALIDATION_FAILED, `There is no conformance check "${id}".`);
  return check;
}

/**
 * Runs the conformance checks of protocol v1 against the backend at `options.baseUrl`, one after
 * the other, each with fresh merchants, stores and registers. Never throws for a failing backend:
 * the report says which checks failed and why. Throws ValidationError for unusable options.
 */
export async function runConformance(options: ConformanceOptions): Promise<ConformanceReport> {
  const resolved = resolveOptions(options);
  const runId = newRunId();
  const startedAt = new Date().toISOString();
  const started = performance.now();
  const checks: CheckResult[] = [];
  for (const [i, check] of allChecks.entries()) {
    checks.push(await runCheck(check, resolved, `k${runId}-${String(i + 1).padStart(2, '0')}`));
  }
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const c of checks) counts[c.status]++;
  return {
    ok: counts.failed === 0 && counts.passed > 0,
    baseUrl: resolved.baseUrl,
    protocolVersion: PROTOCOL_VERSION,
    startedAt,
    ms: Math.round(performance.now() - started),
    checks,
    counts,
  };
}
