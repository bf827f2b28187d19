import { StorageError, TillkitError, type TillkitErrorOptions } from '@tillkit/core';

/**
 * Stable error codes of @tillkit/offline-queue, beside core's (VALIDATION_FAILED for bad input).
 * Integrators may switch on them; they never change meaning.
 */
export const OutboxErrorCode = {
  /** the same idempotency key was enqueued again with a different payload, partition or type */
  IDEMPOTENCY_CONFLICT: 'IDEMPOTENCY_CONFLICT',
  /** a companion record written with mode 'insert' already exists (nothing was written) */
  RECORD_CONFLICT: 'RECORD_CONFLICT',
  /** storage is at or above its block threshold, or the browser refused the write for quota */
  STORAGE_FULL: 'STORAGE_FULL',
  /** the store was closed by the application; open a new one */
  STORE_CLOSED: 'STORE_CLOSED',
  /** the database was written by a newer tillkit: upgrade the application instead of opening it */
  STORE_VERSION_TOO_NEW: 'STORE_VERSION_TOO_NEW',
  /** a schema migration failed; the database was left as it was before the migration */
  MIGRATION_FAILED: 'MIGRATION_FAILED',
  /** the underlying database failed (I/O error, corrupt file, closed connection that would not reopen) */
  STORAGE_ERROR: 'STORAGE_ERROR',
  /** an operation that needs the flusher role was called on an outbox that does not hold it */
  NOT_FLUSHER: 'NOT_FLUSHER',
  /** deadLetters.retry on an outbox created with deadLetterRetry: false */
  RETRY_NOT_ALLOWED: 'RETRY_NOT_ALLOWED',
} as const;
export type OutboxErrorCode = (typeof OutboxErrorCode)[keyof typeof OutboxErrorCode];

/** A StorageError with one of the OutboxErrorCode codes. */
export function storageError(code: OutboxErrorCode, message: string, options: TillkitErrorOptions = {}): StorageError {
  return new StorageError(code, message, options);
}

/** Wraps an unexpected failure of the underlying database in a StorageError, keeping tillkit errors as they are. */
export function asStorageError(error: unknown, doing: string): TillkitError {
  if (TillkitError.isInstance(error)) return error;
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return storageError(OutboxErrorCode.STORAGE_ERROR, `The outbox store failed while ${doing}: ${text}`, { cause: error });
}
