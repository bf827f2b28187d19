/*
 * Byte helpers the driver needs around a job. The ESC/POS commands themselves come from the
 * renderer's `commands` (status, confirmation, drawer); GS I is the one only the driver sends.
 */

/** GS I n: printer id (1..3, one byte) or information (65..69, a 0x5F block) */
export const printerInfo = (n: number): Uint8Array => Uint8Array.of(0x1d, 0x49, n & 0xff);

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** index of the first ESC @ at or after `from`, or -1 */
export function indexOfInit(bytes: Uint8Array, from = 0): number {
  for (let i = Math.max(0, from); i + 1 < bytes.length; i++) if (bytes[i] === 0x1b && bytes[i + 1] === 0x40) return i;
  return -1;
}
