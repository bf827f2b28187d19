import { SyncProblemCode } from '@tillkit/sync-client/protocol';
import type { z } from 'zod';
import { badRequest, type ProblemIssue } from './errors';

// Small helpers the routes share: reading inputs with zod and query strings, answering problems.

const MAX_ISSUES = 20;

export function issuesOf(error: z.ZodError): ProblemIssue[] {
  return error.issues.slice(0, MAX_ISSUES).map((issue) => ({
    path: issue.path.length > 0 ? issue.path.map(String).join('.') : '(body)',
    message: issue.message,
  }));
}

/** Parses a request body (or params) with `schema`; a mismatch is a 400 BAD_REQUEST problem listing the issues. */
export function parseBody<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = issuesOf(result.error);
  const shown = issues
    .slice(0, 3)
    .map((i) => `${i.path}: ${i.message}`)
    .join('; ');
  throw badRequest(`The body is not ${what}: ${shown}${issues.length > 3 ? ' (and more, see issues)' : ''}.`, issues);
}

/** One query parameter as a string (absent: undefined; given twice: a 400 problem). */
export function queryParam(query: unknown, name: string): string | undefined {
  const value = typeof query === 'object' && query !== null ? (query as Record<string, unknown>)[name] : undefined;
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw badRequest(`The query parameter "${name}" must be given once.`);
  return value;
}

/** A non-negative integer query parameter between `min` and `max` (absent: `fallback`). */
export function intParam(query: unknown, name: string, range: { min: number; max: number; fallback: number }): number {
  const text = queryParam(query, name);
  if (text === undefined || text === '') return range.fallback;
  if (!/^\d{1,15}$/.test(text))
    throw badRequest(`The query parameter "${name}" must be a whole number; got "${text.slice(0, 40)}".`);
  const value = Number(text);
  if (value < range.min) throw badRequest(`The query parameter "${name}" must be at least ${range.min}; got ${value}.`);
  return Math.min(value, range.max);
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(header);
  return match?.[1];
}

export const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** The problem code of an HTTP status the server did not choose itself (Fastify's own errors). */
export function codeForStatus(status: number): SyncProblemCode {
  if (status === 401) return SyncProblemCode.UNAUTHENTICATED;
  if (status === 403) return SyncProblemCode.FORBIDDEN;
  if (status === 404) return SyncProblemCode.NOT_FOUND;
  if (status === 413) return SyncProblemCode.TOO_LARGE;
  if (status === 429) return SyncProblemCode.RATE_LIMITED;
  if (status >= 500) return SyncProblemCode.INTERNAL;
  return SyncProblemCode.BAD_REQUEST;
}
