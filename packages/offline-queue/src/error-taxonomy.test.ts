import { ErrorCode, ValidationError } from '@tillkit/core';
import { describe, expect, it } from 'vitest';
import {
  classifyItemResult,
  classifyOutcome,
  DeadLetterCode,
  type DeliveryAction,
  type DeliveryOutcome,
  type ItemAction,
  type ItemResult,
} from './error-taxonomy';

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const http = (status: number, retryAfter?: string): DeliveryOutcome =>
  retryAfter === undefined ? { kind: 'http', status } : { kind: 'http', status, retryAfter };

describe('classifyOutcome', () => {
  it.each<[string, DeliveryOutcome, DeliveryAction]>([
    // transport failures
    ['network error ECONNRESET', { kind: 'network', code: 'ECONNRESET' }, { action: 'retry' }],
    ['network error ETIMEDOUT', { kind: 'network', code: 'ETIMEDOUT' }, { action: 'retry' }],
    ['network error without code', { kind: 'network' }, { action: 'retry' }],
    ['timeout', { kind: 'timeout' }, { action: 'retry' }],
    // 1xx / 3xx: not a verdict on the payload (captive portal, proxy)
    ['100 Continue', http(100), { action: 'retry' }],
    ['302 Found (captive portal)', http(302), { action: 'retry' }],
    // 2xx
    ['200 OK', http(200), { action: 'acknowledged' }],
    ['201 Created', http(201), { action: 'acknowledged' }],
    ['204 No Content', http(204), { action: 'acknowledged' }],
    // auth
    ['401 Unauthorized', http(401), { action: 'refresh-auth' }],
    ['403 Forbidden', http(403), { action: 'refresh-auth' }],
    // transient 4xx
    ['408 Request Timeout', http(408), { action: 'retry' }],
    ['425 Too Early', http(425), { action: 'retry' }],
    ['429 with delta Retry-After', http(429, '30'), { action: 'retry', retryAfterMs: 30_000 }],
    ['429 with HTTP-date Retry-After', http(429, 'Wed, 25 Nov 2026 12:02:00 GMT'), { action: 'retry', retryAfterMs: 120_000 }],
    ['429 with garbage Retry-After', http(429, 'later'), { action: 'retry' }],
    // validation-class rejections
    ['400 Bad Request', http(400), { action: 'dead-letter', code: DeadLetterCode.BAD_REQUEST }],
    ['404 Not Found', http(404), { action: 'dead-letter', code: DeadLetterCode.NOT_FOUND }],
    ['409 Conflict', http(409), { action: 'dead-letter', code: DeadLetterCode.CONFLICT }],
    ['410 Gone', http(410), { action: 'dead-letter', code: DeadLetterCode.GONE }],
    ['413 Payload Too Large', http(413), { action: 'dead-letter', code: DeadLetterCode.PAYLOAD_TOO_LARGE }],
    ['415 Unsupported Media Type', http(415), { action: 'dead-letter', code: DeadLetterCode.UNSUPPORTED_MEDIA_TYPE }],
    ['422 Unprocessable', http(422), { action: 'dead-letter', code: DeadLetterCode.UNPROCESSABLE }],
    ['405 (other 4xx)', http(405), { action: 'dead-letter', code: DeadLetterCode.CLIENT_ERROR }],
    ['451 (other 4xx)', http(451), { action: 'dead-letter', code: DeadLetterCode.CLIENT_ERROR }],
    // 5xx
    ['500 Internal Server Error', http(500), { action: 'retry' }],
    ['502 Bad Gateway', http(502), { action: 'retry' }],
    ['503 with Retry-After', http(503, '120'), { action: 'retry', retryAfterMs: 120_000 }],
    ['504 Gateway Timeout', http(504), { action: 'retry' }],
    ['599', http(599), { action: 'retry' }],
  ])('%s', (_name, outcome, action) => {
    expect(classifyOutcome(outcome, NOW)).toEqual(action);
  });

  it.each<[string, unknown]>([
    ['status below 100', { kind: 'http', status: 99 }],
    ['status above 599', { kind: 'http', status: 600 }],
    ['fractional status', { kind: 'http', status: 200.5 }],
    ['unknown kind', { kind: 'carrier-pigeon' }],
  ])('%s -> ValidationError', (_name, outcome) => {
    const call = () => classifyOutcome(outcome as DeliveryOutcome, NOW);
    expect(call).toThrow(ValidationError);
    expect(call).toThrow(expect.objectContaining({ code: ErrorCode.VALIDATION_FAILED }) as Error);
  });
});

describe('classifyItemResult', () => {
  it.each<[ItemResult, ItemAction]>([
    [{ result: 'applied' }, { action: 'acknowledged', duplicate: false }],
    [{ result: 'duplicate' }, { action: 'acknowledged', duplicate: true }],
    [
      { result: 'rejected', code: 'TOTAL_MISMATCH' },
      { action: 'dead-letter', code: 'TOTAL_MISMATCH' },
    ],
    [
      { result: 'retry-after', ms: 5000 },
      { action: 'retry', retryAfterMs: 5000 },
    ],
    [
      { result: 'gap', expectedSeq: 41 },
      { action: 'rewind', toSeq: 41 },
    ],
  ])('%j -> %j', (result, action) => {
    expect(classifyItemResult(result)).toEqual(action);
  });

  it.each<[string, unknown]>([
    ['rejected without code', { result: 'rejected', code: '' }],
    ['negative retry-after', { result: 'retry-after', ms: -1 }],
    ['fractional expected seq', { result: 'gap', expectedSeq: 1.5 }],
    ['unknown result', { result: 'maybe' }],
  ])('%s -> ValidationError', (_name, result) => {
    const call = () => classifyItemResult(result as ItemResult);
    expect(call).toThrow(ValidationError);
    expect(call).toThrow(expect.objectContaining({ code: ErrorCode.VALIDATION_FAILED }) as Error);
  });
});
