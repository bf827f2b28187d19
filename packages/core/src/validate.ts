import type { z } from 'zod';
import { ErrorCode, ValidationError } from './errors';

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(input)';
  return `${path}: ${issue.message}`;
}

/**
 * Parses `input` with `schema` at a public boundary. Throws a `ValidationError` (code
 * VALIDATION_FAILED) that lists every issue with its path, so the caller can fix all at once.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const shown = issues.slice(0, 5).map(describeIssue).join('; ');
  const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : '';
  throw new ValidationError(ErrorCode.VALIDATION_FAILED, `Invalid ${what}: ${shown}${more}.`, { issues });
}
