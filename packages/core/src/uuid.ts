import { ErrorCode, ValidationError } from './errors';

export interface UuidV7Options {
  /** milliseconds since the epoch; defaults to Date.now() */
  now?: number;
  /** fills a byte array with random bytes; defaults to crypto.getRandomValues */
  random?: (bytes: Uint8Array) => Uint8Array;
}

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * A UUID version 7 (RFC 9562): 48-bit millisecond timestamp, then random bits. Ids sort by creation
 * time, so a server can index transactions by id. Time and randomness are injectable for tests.
 */
export function uuidv7(options: UuidV7Options = {}): string {
  const now = options.now ?? Date.now();
  if (!Number.isSafeInteger(now) || now < 0 || now > 0xffff_ffff_ffff) {
    throw new ValidationError(
      ErrorCode.VALIDATION_FAILED,
      `uuidv7 needs a timestamp in milliseconds between 0 and 2^48-1; got ${String(now)}.`,
    );
  }
  const bytes = new Uint8Array(16);
  const random = options.random ?? ((b: Uint8Array) => globalThis.crypto.getRandomValues(b));
  random(bytes);
  let t = now;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = t % 256;
    t = Math.floor(t / 256);
  }
  bytes[6] = 0x70 | ((bytes[6] as number) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] as number) & 0x3f);
  let out = '';
  for (let i = 0; i < 16; i++) {
    out += HEX[bytes[i] as number] as string;
    if (i === 3 || i === 5 || i === 7 || i === 9) out += '-';
  }
  return out;
}

const UUID_V7_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** True for a lower-case UUID version 7 string. */
export function isUuidV7(value: unknown): value is string {
  return typeof value === 'string' && UUID_V7_RE.test(value);
}
