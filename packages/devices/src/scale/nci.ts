import { createFramer, parseWeightText, type ScaleResponse, type ScaleUnit } from './weight';

/**
 * NCI (Avery Weigh-Tronix) serial protocol: the host sends "W" CR; the scale answers
 * LF + weight with decimal point and unit + CR, then LF + status bytes + CR, then ETX:
 * "\n0001.25lb\r\n20\r\x03". Status-only replies ("\nS20\r\x03") and "\n?\r\x03" (unknown command)
 * have one line.
 *
 * Status byte 1: bit 0 in motion, bit 1 at zero, bit 2 RAM error, bit 3 EEPROM error.
 * Status byte 2: bit 0 under capacity, bit 1 over capacity, bit 2 ROM error, bit 3 faulty
 * calibration. Bits 4 and 5 are always 1 (the bytes are printable: "0" to "?"); bit 6 of a byte
 * says another status byte follows.
 */
export const NCI_WEIGHT_REQUEST: Uint8Array = Uint8Array.of(0x57, 0x0d);

export const ETX = 0x03;

export const NCI_STATUS_1 = { motion: 0x01, atZero: 0x02, ramError: 0x04, eepromError: 0x08, fixed: 0x30 } as const;
export const NCI_STATUS_2 = {
  underCapacity: 0x01,
  overCapacity: 0x02,
  romError: 0x04,
  calibrationError: 0x08,
  fixed: 0x30,
} as const;

/** Frames of an NCI reply stream: everything up to ETX. */
export function createNciFramer(): (bytes: Uint8Array) => string[] {
  return createFramer({ end: ETX, maxLength: 64 });
}

function statusOf(line: string): ScaleResponse | undefined {
  const bytes = line.startsWith('S') ? line.slice(1) : line;
  if (bytes.length < 2) return undefined;
  const s1 = bytes.charCodeAt(0);
  const s2 = bytes.charCodeAt(1);
  if ((s1 & 0x30) !== 0x30 || (s2 & 0x30) !== 0x30) return undefined;
  const faults = [
    (s1 & NCI_STATUS_1.ramError) !== 0 ? 'RAM error' : undefined,
    (s1 & NCI_STATUS_1.eepromError) !== 0 ? 'EEPROM error' : undefined,
    (s2 & NCI_STATUS_2.romError) !== 0 ? 'ROM error' : undefined,
    (s2 & NCI_STATUS_2.calibrationError) !== 0 ? 'faulty calibration' : undefined,
  ].filter((f): f is string => f !== undefined);
  return {
    motion: (s1 & NCI_STATUS_1.motion) !== 0,
    underZero: (s2 & NCI_STATUS_2.underCapacity) !== 0,
    overCapacity: (s2 & NCI_STATUS_2.overCapacity) !== 0,
    ...(faults.length > 0 ? { fault: `the scale reports ${faults.join(', ')}` } : {}),
  };
}

/** Reads one NCI reply (the text before ETX). */
export function parseNciReply(frame: string, defaults: { unit: ScaleUnit; decimals: number }): ScaleResponse {
  const lines = frame
    .split('\r')
    .map((l) => l.replace(/^\n/, ''))
    .filter((l) => l !== '');
  const unreadable: ScaleResponse = {
    motion: false,
    underZero: false,
    overCapacity: false,
    fault: `unreadable reply ${JSON.stringify(frame)}`,
  };
  if (lines.length === 1 && lines[0] === '?') {
    return { motion: false, underZero: false, overCapacity: false, fault: 'the scale rejected the command' };
  }
  const status = statusOf(lines[lines.length - 1] ?? '');
  if (!status || lines.length > 2) return unreadable;
  if (lines.length === 1) return status;
  const weight = parseWeightText(lines[0] as string, defaults);
  if (!weight) {
    // Over or under capacity scales show marks ("^^^^^^", "------") instead of a number.
    return status.overCapacity || status.underZero || status.fault !== undefined ? status : unreadable;
  }
  return { ...status, weight, underZero: status.underZero || weight.value < 0 };
}
