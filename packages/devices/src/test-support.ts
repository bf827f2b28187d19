/** Helpers for this package's own tests (not exported). */
import { afterAll, afterEach, beforeAll, expect } from 'vitest';

export type BytePart = number | string | readonly number[] | Uint8Array;

/** Bytes from numbers, latin-1 strings and byte arrays. */
export function bytes(...parts: BytePart[]): Uint8Array {
  const out: number[] = [];
  for (const part of parts) {
    if (typeof part === 'number') out.push(part);
    else if (typeof part === 'string') for (const ch of part) out.push(ch.charCodeAt(0));
    else for (const b of part) out.push(b);
  }
  return Uint8Array.from(out);
}

/**
 * Socket errors and rejections must never escape: fails every test after which an unhandled
 * rejection or exception was seen. Returns a list of cleanups, run (last first) after each test.
 */
export function guardAgainstEscapes(): (() => Promise<unknown>)[] {
  const escaped: unknown[] = [];
  const onEscape = (e: unknown) => escaped.push(e);
  beforeAll(() => {
    process.on('unhandledRejection', onEscape);
    process.on('uncaughtException', onEscape);
  });
  afterAll(() => {
    process.off('unhandledRejection', onEscape);
    process.off('uncaughtException', onEscape);
  });
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
    expect(escaped).toEqual([]);
  });
  return cleanup;
}
