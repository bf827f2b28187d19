import type { z } from 'zod';
import type { HttpAnswer } from './http';

/** A check's expectation did not hold: its message becomes the check's detail. */
export class CheckFailure extends Error {
  override readonly name = 'CheckFailure';
}

export function fail(message: string): never {
  throw new CheckFailure(message);
}

export function check(condition: boolean, message: string | (() => string)): asserts condition {
  if (!condition) fail(typeof message === 'string' ? message : message());
}

/** A short, single-line rendering of a value for a failure message. */
export function show(value: unknown, max = 300): string {
  let text: string;
  try {
    text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  text = text.replace(/\s+/g, ' ');
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Parses with a schema or fails with where the value was wrong. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length > 0 ? i.path.map(String).join('.') : '(root)'}: ${i.message}`)
    .join('; ');
  fail(`${what} does not match the protocol (${issues}): ${show(value)}`);
}

export function expectStatus(answer: HttpAnswer, expected: number | readonly number[]): void {
  const list = typeof expected === 'number' ? [expected] : expected;
  check(
    list.includes(answer.status),
    () => `${answer.request} answered ${answer.status}, expected ${list.join(' or ')}: ${show(answer.text)}`,
  );
}

export interface ProblemExpectation {
  status: number | readonly number[];
  /** the problem's `code` (any of them when a list) */
  code?: string | readonly string[];
}

/** An error answer with a problem document (application/problem+json, status and code as expected). */
export function expectProblem(answer: HttpAnswer, expected: ProblemExpectation): { code?: string | undefined; title: string } {
  expectStatus(answer, expected.status);
  check(
    answer.contentType.toLowerCase().startsWith('application/problem+json'),
    () =>
      `${answer.request} answered ${answer.status} with content type "${answer.contentType}", expected application/problem+json`,
  );
  const body = answer.json;
  check(
    typeof body === 'object' && body !== null && typeof (body as { title?: unknown }).title === 'string',
    () =>
      `${answer.request} answered ${answer.status} without a problem document (needs title, status, code): ${show(answer.text)}`,
  );
  const problem = body as { title: string; status?: unknown; code?: unknown };
  check(
    problem.status === answer.status,
    () => `${answer.request}: the problem's status ${show(problem.status)} differs from the HTTP status ${answer.status}`,
  );
  if (expected.code !== undefined) {
    const codes = typeof expected.code === 'string' ? [expected.code] : expected.code;
    check(
      typeof problem.code === 'string' && codes.includes(problem.code),
      () =>
        `${answer.request} answered ${answer.status} with problem code ${show(problem.code)}, expected ${codes.join(' or ')}: ${show(answer.text)}`,
    );
  }
  return { title: problem.title, code: typeof problem.code === 'string' ? problem.code : undefined };
}
