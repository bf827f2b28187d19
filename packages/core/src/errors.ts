import type { z } from 'zod';

/** Stable error codes. Integrators may switch on these; they never change meaning. */
export const ErrorCode = {
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  INVALID_AMOUNT: 'INVALID_AMOUNT',
  INVALID_DECIMAL: 'INVALID_DECIMAL',
  UNKNOWN_CURRENCY: 'UNKNOWN_CURRENCY',
  CURRENCY_MISMATCH: 'CURRENCY_MISMATCH',
  AMOUNT_OVERFLOW: 'AMOUNT_OVERFLOW',
  DIVISION_BY_ZERO: 'DIVISION_BY_ZERO',
  INVALID_ALLOCATION: 'INVALID_ALLOCATION',
  INVALID_STATE: 'INVALID_STATE',
  LINE_NOT_FOUND: 'LINE_NOT_FOUND',
  DUPLICATE_ID: 'DUPLICATE_ID',
  UNKNOWN_TAX: 'UNKNOWN_TAX',
  DISCOUNT_EXCEEDS_AMOUNT: 'DISCOUNT_EXCEEDS_AMOUNT',
  UNKNOWN_TENDER_TYPE: 'UNKNOWN_TENDER_TYPE',
  OVER_TENDER: 'OVER_TENDER',
  CHANGE_NOT_ALLOWED: 'CHANGE_NOT_ALLOWED',
  NOT_BALANCED: 'NOT_BALANCED',
  RETURN_EXCEEDS_QUANTITY: 'RETURN_EXCEEDS_QUANTITY',
  RETURN_SOURCE_MISMATCH: 'RETURN_SOURCE_MISMATCH',
  SESSION_NOT_OPEN: 'SESSION_NOT_OPEN',
  SESSION_ALREADY_OPEN: 'SESSION_ALREADY_OPEN',
  JOURNAL_MISMATCH: 'JOURNAL_MISMATCH',
  DEVICE_ERROR: 'DEVICE_ERROR',
  NETWORK_ERROR: 'NETWORK_ERROR',
  STORAGE_ERROR: 'STORAGE_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const MARKER = Symbol.for('tillkit.error');

export interface TillkitErrorOptions {
  cause?: unknown;
  /** zod issues when the error comes from schema validation */
  issues?: readonly z.core.$ZodIssue[];
  /** machine-readable facts about the failure (ids, amounts), safe to log */
  details?: Readonly<Record<string, unknown>>;
}

/**
 * The base of every error tillkit throws. `code` is stable; `message` says what was wrong and
 * what to do. Use `TillkitError.isInstance(e)` rather than `instanceof`: it also recognises
 * errors thrown by another copy of the package.
 */
export class TillkitError extends Error {
  readonly [MARKER] = true;
  override readonly name: string = 'TillkitError';
  readonly code: string;
  readonly issues: readonly z.core.$ZodIssue[] | undefined;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: string, message: string, options: TillkitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.issues = options.issues;
    this.details = options.details;
  }

  static isInstance(error: unknown): error is TillkitError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }

  /** True when `error` is a tillkit error with the given code. */
  static hasCode(error: unknown, code: string): error is TillkitError {
    return TillkitError.isInstance(error) && error.code === code;
  }
}

/** Input that does not match what a function accepts. */
export class ValidationError extends TillkitError {
  override readonly name: string = 'ValidationError';
}

/** A money or arithmetic rule was broken (mixed currencies, overflow, unsafe integers). */
export class MoneyError extends TillkitError {
  override readonly name: string = 'MoneyError';
}

/** An operation not allowed in the current state (e.g. changing a completed transaction). */
export class StateError extends TillkitError {
  override readonly name: string = 'StateError';
}

/** A hardware device failed or reported a fault. */
export class DeviceError extends TillkitError {
  override readonly name: string = 'DeviceError';
}

/** A network call failed. `isRetryable` tells whether the same call may succeed later. */
export class NetworkError extends TillkitError {
  override readonly name: string = 'NetworkError';
  readonly isRetryable: boolean;
  constructor(code: string, message: string, options: TillkitErrorOptions & { isRetryable: boolean }) {
    super(code, message, options);
    this.isRetryable = options.isRetryable;
  }
}

/** Durable storage failed (quota, closed database, corrupt file). */
export class StorageError extends TillkitError {
  override readonly name: string = 'StorageError';
}
