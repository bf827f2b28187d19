import { parseInput } from '@tillkit/core';
import { z } from 'zod';
import { parseRetryAfter } from './backoff';

/** How one delivery call ended, as the transport saw it. */
export type DeliveryOutcome =
  | { kind: 'http'; status: number; retryAfter?: string | undefined }
  | { kind: 'network'; code?: string | undefined /* ECONNRESET, ETIMEDOUT, ENOTFOUND, ... */ }
  | { kind: 'timeout' };

/** What the delivery engine does next with the batch. */
export type DeliveryAction =
  | { action: 'retry'; retryAfterMs?: number }
  | { action: 'refresh-auth' }
  | { action: 'dead-letter'; code: DeadLetterCode }
  | { action: 'acknowledged' };

/** Stable dead-letter codes for validation-class HTTP rejections. Operators and UIs may switch on them. */
export const DeadLetterCode = {
  BAD_REQUEST: 'HTTP_BAD_REQUEST', // 400
  NOT_FOUND: 'HTTP_NOT_FOUND', // 404
  CONFLICT: 'HTTP_CONFLICT', // 409
  GONE: 'HTTP_GONE', // 410
  PAYLOAD_TOO_LARGE: 'HTTP_PAYLOAD_TOO_LARGE', // 413
  UNSUPPORTED_MEDIA_TYPE: 'HTTP_UNSUPPORTED_MEDIA_TYPE', // 415
  UNPROCESSABLE: 'HTTP_UNPROCESSABLE', // 422
  /** any other 4xx: not known to be transient, so kept for an operator rather than retried forever */
  CLIENT_ERROR: 'HTTP_CLIENT_ERROR',
} as const;
export type DeadLetterCode = (typeof DeadLetterCode)[keyof typeof DeadLetterCode];

const DEAD_LETTER_BY_STATUS: ReadonlyMap<number, DeadLetterCode> = new Map([
  [400, DeadLetterCode.BAD_REQUEST],
  [404, DeadLetterCode.NOT_FOUND],
  [409, DeadLetterCode.CONFLICT],
  [410, DeadLetterCode.GONE],
  [413, DeadLetterCode.PAYLOAD_TOO_LARGE],
  [415, DeadLetterCode.UNSUPPORTED_MEDIA_TYPE],
  [422, DeadLetterCode.UNPROCESSABLE],
]);

/** 4xx statuses that are transient: the same request may succeed later. */
const RETRYABLE_4XX: ReadonlySet<number> = new Set([408, 425, 429]);

const outcomeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('http'), status: z.number().int().min(100).max(599), retryAfter: z.string().optional() }),
  z.object({ kind: z.literal('network'), code: z.string().optional() }),
  z.object({ kind: z.literal('timeout') }),
]);

function retry(retryAfter: string | undefined, nowMs: number): DeliveryAction {
  const retryAfterMs = parseRetryAfter(retryAfter, nowMs);
  return retryAfterMs === undefined ? { action: 'retry' } : { action: 'retry', retryAfterMs };
}

/**
 * Classifies how a delivery call ended (bar item 5):
 * - network errors, timeouts, 408, 425, 429 and 5xx retry, honouring Retry-After;
 * - 1xx/3xx retry too: a redirect the transport did not follow is usually a captive portal or a proxy,
 *   never a verdict on the payload;
 * - 401/403 refresh credentials, then retry;
 * - 400/404/409/410/413/415/422 and any other 4xx dead-letter with a stable code (kept until an
 *   operator acts; nothing is dropped);
 * - 2xx acknowledged. For a batch this only means the body carries per-item results: classify each
 *   with classifyItemResult.
 *
 * `nowMs` resolves an HTTP-date Retry-After. Throws ValidationError (VALIDATION_FAILED) for a
 * malformed outcome (for example a status outside 100-599).
 */
export function classifyOutcome(outcome: DeliveryOutcome, nowMs: number = Date.now()): DeliveryAction {
  const parsed = parseInput(outcomeSchema, outcome, 'delivery outcome');
  switch (parsed.kind) {
    case 'network':
    case 'timeout':
      return { action: 'retry' };
    case 'http': {
      const { status } = parsed;
      if (status >= 200 && status < 300) return { action: 'acknowledged' };
      if (status === 401 || status === 403) return { action: 'refresh-auth' };
      if (RETRYABLE_4XX.has(status) || status >= 500) return retry(parsed.retryAfter, nowMs);
      if (status >= 400) return { action: 'dead-letter', code: DEAD_LETTER_BY_STATUS.get(status) ?? DeadLetterCode.CLIENT_ERROR };
      return retry(parsed.retryAfter, nowMs);
    }
  }
}

/** The server's answer for one item of a batch. */
export type ItemResult =
  | { result: 'applied' }
  | { result: 'duplicate' }
  | { result: 'rejected'; code: string; message?: string | undefined }
  | { result: 'retry-after'; ms: number }
  | { result: 'gap'; expectedSeq: number };

/** What the delivery engine does with one item. */
export type ItemAction =
  | { action: 'acknowledged'; duplicate: boolean }
  | { action: 'dead-letter'; code: string; message?: string }
  | { action: 'retry'; retryAfterMs: number }
  | { action: 'rewind'; toSeq: number };

const itemResultSchema = z.discriminatedUnion('result', [
  z.object({ result: z.literal('applied') }),
  z.object({ result: z.literal('duplicate') }),
  z.object({ result: z.literal('rejected'), code: z.string().min(1), message: z.string().optional() }),
  z.object({ result: z.literal('retry-after'), ms: z.number().int().nonnegative() }),
  z.object({ result: z.literal('gap'), expectedSeq: z.number().int().nonnegative() }),
]);

/**
 * Classifies one per-item server result (bar item 3): applied and duplicate are both acknowledged
 * (the effect exists exactly once); rejected goes to the dead-letter store with the server's code;
 * retry-after retries the item after at least that long; gap rewinds the partition to the sequence
 * the server expects. Throws ValidationError (VALIDATION_FAILED) for a malformed result.
 */
export function classifyItemResult(result: ItemResult): ItemAction {
  const parsed = parseInput(itemResultSchema, result, 'item result');
  switch (parsed.result) {
    case 'applied':
      return { action: 'acknowledged', duplicate: false };
    case 'duplicate':
      return { action: 'acknowledged', duplicate: true };
    case 'rejected':
      return parsed.message === undefined
        ? { action: 'dead-letter', code: parsed.code }
        : { action: 'dead-letter', code: parsed.code, message: parsed.message };
    case 'retry-after':
      return { action: 'retry', retryAfterMs: parsed.ms };
    case 'gap':
      return { action: 'rewind', toSeq: parsed.expectedSeq };
  }
}
