import { TillkitError } from '@tillkit/core';
import { asCatalogStorageError, CatalogStoreErrorCode, catalogStorageError } from '../catalog-store-errors';

// How IndexedDB and Dexie failures become tillkit errors. Dexie wraps native errors (`inner`) and
// sometimes wraps those again (an AbortError whose cause was a QuotaExceededError), so every check
// walks the chain.

function* chain(error: unknown): Generator<unknown> {
  let current = error;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    yield current;
    if (typeof current !== 'object') return;
    const next = (current as { inner?: unknown }).inner ?? (current as { cause?: unknown }).cause;
    if (next === current) return;
    current = next;
  }
}

const nameOf = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && typeof (error as { name?: unknown }).name === 'string'
    ? (error as { name: string }).name
    : undefined;

const messageOf = (error: unknown): string =>
  typeof error === 'object' && error !== null && 'message' in error ? String(error.message) : String(error);

/** The first tillkit error in the chain (one thrown inside a transaction or by the open checks). */
export function findTillkitError(error: unknown): TillkitError | undefined {
  for (const e of chain(error)) if (TillkitError.isInstance(e)) return e;
  return undefined;
}

function chainHasName(error: unknown, name: string): boolean {
  for (const e of chain(error)) if (nameOf(e) === name) return true;
  return false;
}

/**
 * The platform closed the connection under us: Safari's "connection is closing" after a long idle,
 * storage cleared by the user, another tab's upgrade, or a connection closed behind Dexie's back.
 * Reopening and trying again once is safe: each operation is one transaction, which either
 * committed (and then did not fail) or wrote nothing.
 */
export function isConnectionLost(error: unknown): boolean {
  if (findTillkitError(error) !== undefined) return false;
  for (const e of chain(error)) {
    const name = nameOf(e);
    if (name === 'DatabaseClosedError' || name === 'InvalidStateError') return true;
    if (/connection is closing|database has been closed/i.test(messageOf(e))) return true;
  }
  return false;
}

/** Maps any failure of an operation to a TillkitError; tillkit errors (validation, stale pages) pass through. */
export function toStoreError(error: unknown, doing: string): TillkitError {
  const tillkit = findTillkitError(error);
  if (tillkit !== undefined) return tillkit;
  if (chainHasName(error, 'QuotaExceededError')) {
    return catalogStorageError(
      CatalogStoreErrorCode.STORAGE_FULL,
      `The browser refused to store more data (quota exceeded) while ${doing}; nothing was written. ` +
        'Free space on the device, or ask for persistent storage (navigator.storage.persist()).',
      { cause: error },
    );
  }
  return asCatalogStorageError(error, doing);
}

/** Maps a failure to open the database. */
export function toOpenError(error: unknown, name: string): TillkitError {
  const tillkit = findTillkitError(error);
  if (tillkit !== undefined) return tillkit;
  if (chainHasName(error, 'UpgradeError')) {
    return catalogStorageError(
      CatalogStoreErrorCode.MIGRATION_FAILED,
      `Upgrading the catalog database "${name}" failed: ${nameOf(error) ?? 'Error'}: ${messageOf(error)}. ` +
        'The database was left as it was; nothing was lost. Reload the application to try again, and report the error if it stays.',
      { cause: error },
    );
  }
  return toStoreError(error, `opening the IndexedDB database "${name}"`);
}
