import { StorageError, TillkitError, type TillkitErrorOptions } from '@tillkit/core';
import { SyncProblemCode } from '@tillkit/sync-client/protocol';

/** Stable codes of the errors the server's storage throws (beyond @tillkit/core's ErrorCode). */
export const SyncServerErrorCode = {
  /** the database was written by a newer @tillkit/sync-server */
  STORE_VERSION_TOO_NEW: 'STORE_VERSION_TOO_NEW',
  /** a schema upgrade failed; the database was left at its old version */
  MIGRATION_FAILED: 'MIGRATION_FAILED',
  /** the storage was used after close() */
  STORAGE_CLOSED: 'STORAGE_CLOSED',
  /** the database failed */
  STORAGE_ERROR: 'STORAGE_ERROR',
} as const;
export type SyncServerErrorCode = (typeof SyncServerErrorCode)[keyof typeof SyncServerErrorCode];

export function storageError(code: SyncServerErrorCode, message: string, options: TillkitErrorOptions = {}): StorageError {
  return new StorageError(code, message, options);
}

/** An issue of a validation problem: where the input was wrong. */
export interface ProblemIssue {
  path: string;
  message: string;
}

/**
 * An HTTP answer other than success, thrown inside route handlers and turned into a problem
 * document (application/problem+json) by the server's error handler. Internal to the server.
 */
export class ProblemError extends TillkitError {
  override readonly name: string = 'ProblemError';
  readonly status: number;
  readonly problemIssues: readonly ProblemIssue[] | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    status: number,
    code: SyncProblemCode,
    detail: string,
    extra: { issues?: readonly ProblemIssue[]; headers?: Record<string, string> } = {},
  ) {
    super(code, detail);
    this.status = status;
    this.problemIssues = extra.issues;
    this.headers = extra.headers ?? {};
  }
}

export function badRequest(detail: string, issues?: readonly ProblemIssue[]): ProblemError {
  return new ProblemError(400, SyncProblemCode.BAD_REQUEST, detail, issues === undefined ? {} : { issues });
}

export function notFound(detail: string): ProblemError {
  return new ProblemError(404, SyncProblemCode.NOT_FOUND, detail);
}

export function unauthenticated(detail: string): ProblemError {
  return new ProblemError(401, SyncProblemCode.UNAUTHENTICATED, detail, { headers: { 'www-authenticate': 'Bearer' } });
}

export function forbidden(detail: string): ProblemError {
  return new ProblemError(403, SyncProblemCode.FORBIDDEN, detail);
}
