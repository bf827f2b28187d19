import { NetworkError, StateError, TillkitError, type TillkitErrorOptions } from '@tillkit/core';
import type { SyncProblemCode } from './protocol/index';

/**
 * Stable error codes of @tillkit/sync-client, beside core's (VALIDATION_FAILED for bad input) and
 * the problem codes a server answers with (SyncProblemCode: INVALID_CREDENTIALS,
 * ENROLMENT_CODE_INVALID, ...), which errors from a server keep as their `code`.
 * Integrators may switch on them; they never change meaning.
 */
export const SyncErrorCode = {
  /** the server speaks no protocol major version this client speaks: update the till or the server */
  PROTOCOL_INCOMPATIBLE: 'PROTOCOL_INCOMPATIBLE',
  /** the till has no credentials yet: enrol it with a code from the back office */
  NOT_ENROLLED: 'NOT_ENROLLED',
  /** the server could not be reached, timed out, or failed (5xx); `isRetryable` is true */
  NETWORK_ERROR: 'NETWORK_ERROR',
  /** the server answered with a status this request does not expect and no problem code */
  HTTP_ERROR: 'HTTP_ERROR',
  /** the server answered 2xx with a body that is not what the protocol says */
  BAD_RESPONSE: 'BAD_RESPONSE',
  /** a journal entry does not continue the outbox partition (an entry skipped or recorded twice) */
  SEQUENCE_MISMATCH: 'SEQUENCE_MISMATCH',
  /** restore refused: local unsynced items, or a store ahead of the server */
  RESTORE_REFUSED: 'RESTORE_REFUSED',
  /** the operation needs a state the client is not in (closed, enrolled for another register) */
  INVALID_STATE: 'INVALID_STATE',
} as const;
export type SyncErrorCode = (typeof SyncErrorCode)[keyof typeof SyncErrorCode];

/** An error from talking to a sync server. `status` is the HTTP status when there was an answer. */
export class SyncNetworkError extends NetworkError {
  override readonly name: string = 'SyncNetworkError';
  readonly status: number | undefined;
  constructor(
    code: string,
    message: string,
    options: TillkitErrorOptions & { isRetryable: boolean; status?: number | undefined },
  ) {
    super(code, message, options);
    this.status = options.status;
  }
}

export function stateError(
  code: SyncErrorCode | SyncProblemCode,
  message: string,
  options: TillkitErrorOptions = {},
): StateError {
  return new StateError(code, message, options);
}

/** The message of any thrown value, for status and logs (callers redact secrets). */
export function errorMessage(error: unknown): string {
  if (TillkitError.isInstance(error)) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}
