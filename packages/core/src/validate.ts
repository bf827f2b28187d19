import type { z } from 'zod';
import { ErrorCode, ValidationError } from './errors';

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(input)';
  return `${path}: ${issue.message}`;
}

/**
 * The ValidationError (code VALIDATION_FAILED) for zod issues: the message lists up to five issues
 * with their paths, so the caller can fix them all at once; `issues` keeps every one.
 */
export function validationError(what: string, issues: readonly z.core.$ZodIssue[]): ValidationError {
  const shown = issues.slice(0, 5).map(describeIssue).join('; ');
  const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : '';
  return new ValidationError(ErrorCode.VALIDATION_FAILED, `Invalid ${what}: ${shown}${more}.`, { issues });
}

/**
 * Parses `input` with `schema` at a public boundary; throws validationError(what, issues) when it
 * does not match. Every tillkit package validates its inputs this way.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw validationError(what, result.error.issues);
}
