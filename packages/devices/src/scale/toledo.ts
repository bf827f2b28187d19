import { createFramer, parseWeightText, type ScaleResponse, type ScaleUnit } from './weight';

/**
 * Mettler Toledo 8213 / 8217 serial protocol, spoken by most POS scanner-scales:
 * the host sends "W" (0x57); a settled scale answers STX + weight + CR, where the weight is
 * 5 digits with an implied decimal point (8213: "01250" = 1.250 kg or 12.50 lb) or carries its
 * decimal point and unit (8217: "01.250kg"). In motion, under zero or over capacity it answers
 * STX "?" + status byte + CR instead.
 *
 * Status byte: bit 0 motion, bit 1 over capacity (out of range), bit 2 under zero, bit 3 outside
 * zero capture range, bit 4 centre of zero, bits 5 and 6 always 1, bit 7 parity.
 */
export const TOLEDO_WEIGHT_REQUEST: Uint8Array = Uint8Array.of(0x57);

export const STX = 0x02;
export const CR = 0x0d;

export const TOLEDO_STATUS = {
  motion: 0x01,
  overCapacity: 0x02,
  underZero: 0x04,
  outsideZeroCapture: 0x08,
  centerOfZero: 0x10,
  /** bits 5 and 6, always set */
  fixed: 0x60,
} as const;

/** Frames of a Toledo reply stream: the text between STX and CR. */
export function createToledoFramer(): (bytes: Uint8Array) => string[] {
  return createFramer({ start: STX, end: CR, maxLength: 32 });
}

/** Reads one Toledo reply (the text between STX and CR). */
export function parseToledoReply(payload: string, defaults: { unit: ScaleUnit; decimals: number }): ScaleResponse {
  if (payload.startsWith('?')) {
    const status = payload.charCodeAt(1);
    if (Number.isNaN(status)) {
      return { motion: false, underZero: false, overCapacity: false, fault: 'the scale rejected the command' };
    }
    return {
      motion: (status & TOLEDO_STATUS.motion) !== 0,
      overCapacity: (status & TOLEDO_STATUS.overCapacity) !== 0,
      underZero: (status & TOLEDO_STATUS.underZero) !== 0,
    };
  }
  const weight = parseWeightText(payload, defaults);
  if (!weight) {
    return { motion: false, underZero: false, overCapacity: false, fault: `unreadable weight reply ${JSON.stringify(payload)}` };
  }
  return { weight, motion: false, underZero: weight.value < 0, overCapacity: false };
}
