import type { PrinterProfile } from '../profiles';

/**
 * Status replies of an ESC/POS printer, computed from its physical condition. The bit layouts are
 * those of the reference (DLE EOT, GS a automatic status back, GS r, GS I).
 */

/** The physical condition of an emulated printer. */
export interface PrinterCondition {
  readonly paper: 'ok' | 'near-end' | 'out';
  readonly coverOpen: boolean;
  readonly cutterError: boolean;
  /** offline for another reason (set by a test) */
  readonly offline: boolean;
  readonly drawerOpen: boolean;
  /** a drawer is plugged into the kick-out connector (otherwise pin 3 reads low) */
  readonly drawerConnected: boolean;
}

/** Whether printing stops: paper out, cover open, cutter error or offline. Near end keeps printing. */
export function isStopped(c: PrinterCondition): boolean {
  return c.paper === 'out' || c.coverOpen || c.cutterError || c.offline;
}

/**
 * Level of drawer kick-out connector pin 3, the drawer sensor: with a drawer connected it is high
 * when the drawer is open if `profile.drawer.openWhenHigh`, and high when it is closed otherwise.
 */
export function drawerPinHigh(c: PrinterCondition, profile: PrinterProfile): boolean {
  return c.drawerConnected && c.drawerOpen === profile.drawer.openWhenHigh;
}

/** Reply byte to DLE EOT n (n 1-4): 0xx1xx10 plus the flags of the reference table. */
export function realtimeStatus(n: number, c: PrinterCondition, profile: PrinterProfile): number {
  let b = 0x12;
  switch (n) {
    case 1:
      if (drawerPinHigh(c, profile)) b |= 0x04;
      if (isStopped(c)) b |= 0x08;
      break;
    case 2:
      if (c.coverOpen) b |= 0x04;
      if (c.paper === 'out') b |= 0x20;
      if (c.cutterError) b |= 0x40;
      break;
    case 3:
      if (c.cutterError) b |= 0x08;
      break;
    case 4:
      if (c.paper !== 'ok') b |= 0x0c;
      if (c.paper === 'out') b |= 0x60;
      break;
  }
  return b;
}

/**
 * The 4-byte automatic status back block. B1 0xx1xx00: 0x04 drawer pin 3 high, 0x08 offline,
 * 0x20 cover open. B2: 0x08 autocutter error. B3: 0x03 paper near end, 0x0C paper end. B4 0.
 */
export function asbStatus(c: PrinterCondition, profile: PrinterProfile): Uint8Array {
  let b1 = 0x10;
  if (drawerPinHigh(c, profile)) b1 |= 0x04;
  if (isStopped(c)) b1 |= 0x08;
  if (c.coverOpen) b1 |= 0x20;
  const b2 = c.cutterError ? 0x08 : 0x00;
  const b3 = (c.paper !== 'ok' ? 0x03 : 0) | (c.paper === 'out' ? 0x0c : 0);
  return Uint8Array.of(b1, b2, b3, 0x00);
}

/** GS a n bits: which status groups changed between two ASB blocks (bit 0 drawer, 1 online/offline, 2 error, 3 paper). */
export function asbChangedGroups(before: Uint8Array, after: Uint8Array): number {
  const d1 = (before[0] ?? 0) ^ (after[0] ?? 0);
  let groups = 0;
  if (d1 & 0x04) groups |= 0x01;
  if (d1 & 0x28) groups |= 0x02;
  if ((before[1] ?? 0) !== (after[1] ?? 0)) groups |= 0x04;
  if ((before[2] ?? 0) !== (after[2] ?? 0)) groups |= 0x08;
  return groups;
}

/**
 * Reply byte to GS r n: n 1/49 paper sensors (0x03 near end, 0x0C paper end), n 2/50 drawer
 * (0x01 pin 3 high), n 4/52 ink (always 0). Other n: no reply.
 */
export function transmitStatus(n: number, c: PrinterCondition, profile: PrinterProfile): number | undefined {
  switch (n) {
    case 1:
    case 49:
      return (c.paper !== 'ok' ? 0x03 : 0) | (c.paper === 'out' ? 0x0c : 0);
    case 2:
    case 50:
      return drawerPinHigh(c, profile) ? 0x01 : 0x00;
    case 4:
    case 52:
      return 0x00;
    default:
      return undefined;
  }
}

const FONT_OF_LANGUAGE: Readonly<Record<string, string>> = {
  gb18030: 'CHINA GB18030',
  big5: 'TAIWAN BIG-5',
  shift_jis: 'KANJI JAPANESE',
};

/** The model name a printer reports: the profile's model up to any parenthesised note. */
export function reportedModelName(profile: PrinterProfile): string {
  return profile.model.split(' (')[0] ?? profile.model;
}

function block(text: string): Uint8Array {
  return Uint8Array.from([0x5f, ...Array.from(text, (ch) => ch.charCodeAt(0) & 0x7f), 0x00]);
}

/**
 * Reply to GS I n. n 1/49 model id, 2/50 type id (0x01 multi-byte characters, 0x02 autocutter),
 * 3/51 firmware id: one byte each. n 65-69: a block 0x5F text 0x00 with the firmware version,
 * maker, model name, serial number and font of language. Other n: no reply.
 */
export function printerInfo(n: number, profile: PrinterProfile, serial: string): Uint8Array | undefined {
  switch (n) {
    case 1:
    case 49:
      return Uint8Array.of(0x20);
    case 2:
    case 50:
      return Uint8Array.of((profile.cjk.length > 0 ? 0x01 : 0) | (profile.cutter !== 'none' ? 0x02 : 0));
    case 3:
    case 51:
      return Uint8Array.of(0x01);
    case 65:
      return block('EMU-1.00');
    case 66:
      return block(profile.vendor.split(' ')[0]?.toUpperCase() ?? profile.vendor.toUpperCase());
    case 67:
      return block(reportedModelName(profile));
    case 68:
      return block(serial);
    case 69:
      return block(profile.cjk.map((e) => FONT_OF_LANGUAGE[e] ?? e).join(',') || 'ANK');
    default:
      return undefined;
  }
}
