import { StateError, StorageError, TillkitError, type TillkitErrorOptions } from '@tillkit/core';

/**
 * Stable error codes of the local catalog stores (`@tillkit/sync-client/sqlite` and `/dexie`),
 * beside core's VALIDATION_FAILED for bad input and for a pulled page with a record this client
 * cannot read. Integrators may switch on them; they never change meaning.
 */
export const CatalogStoreErrorCode = {
  /**
   * the page ends before the dataset's stored cursor: another pull (another tab or process) applied
   * newer changes already. Nothing was applied; pull again from `getCursor()`.
   */
  STALE_PAGE: 'STALE_PAGE',
  /** the store was closed by the application; open a new one */
  STORE_CLOSED: 'STORE_CLOSED',
  /** the database was written by a newer tillkit: update the application instead of opening it */
  STORE_VERSION_TOO_NEW: 'STORE_VERSION_TOO_NEW',
  /** a schema migration failed; the database was left as it was before the migration */
  MIGRATION_FAILED: 'MIGRATION_FAILED',
  /** the disk is full, or the browser refused the write for quota; nothing was written */
  STORAGE_FULL: 'STORAGE_FULL',
  /** the underlying database failed (unreadable or corrupt file, I/O error, a connection that would not reopen) */
  STORAGE_ERROR: 'STORAGE_ERROR',
} as const;
export type CatalogStoreErrorCode = (typeof CatalogStoreErrorCode)[keyof typeof CatalogStoreErrorCode];

type StorageCode = Exclude<CatalogStoreErrorCode, 'STALE_PAGE'>;

/** A StorageError with one of the CatalogStoreErrorCode codes. */
export function catalogStorageError(code: StorageCode, message: string, options: TillkitErrorOptions = {}): StorageError {
  return new StorageError(code, message, options);
}

export function stalePageError(message: string, details: Readonly<Record<string, unknown>>): StateError {
  return new StateError(CatalogStoreErrorCode.STALE_PAGE, message, { details });
}

/** Wraps an unexpected failure of the underlying database, keeping tillkit errors as they are. */
export function asCatalogStorageError(error: unknown, doing: string): TillkitError {
  if (TillkitError.isInstance(error)) return error;
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return catalogStorageError(CatalogStoreErrorCode.STORAGE_ERROR, `The catalog store failed while ${doing}: ${text}`, {
    cause: error,
  });
}
