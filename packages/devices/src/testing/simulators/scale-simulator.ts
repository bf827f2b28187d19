import type { Duplex } from 'node:stream';
import { ErrorCode, ValidationError } from '@tillkit/core';
import { z } from 'zod';
import { NCI_STATUS_1, NCI_STATUS_2 } from '../../scale/nci';
import type { ScaleProtocol } from '../../scale/scale';
import { TOLEDO_STATUS } from '../../scale/toledo';
import { simulatorConnections, writeTo, type SimulatorConnections } from './simulator-link';

export interface ScaleSimulatorOptions {
  readonly protocol: ScaleProtocol;
  /** the unit the scale weighs in (default 'kg'); Toledo replies carry no unit, so the host must be told */
  readonly unit?: 'kg' | 'lb';
  /** heaviest load before over capacity (default 15000 g) */
  readonly capacityGrams?: number;
}

export interface ScaleSimulator extends SimulatorConnections {
  readonly protocol: ScaleProtocol;
  /** Puts a load on the platter (whole grams; negative reads below zero). */
  setWeight(grams: number, options?: { moving?: boolean }): void;
  /** Stops answering, as a scale with a pulled cable (true) or answers again (false). */
  setSilent(silent: boolean): void;
  /** Reports a faulty calibration (NCI) or rejects commands (Toledo), as a broken scale. */
  setFault(fault: boolean): void;
  /** how many weight requests the scale has answered or ignored */
  readonly requests: number;
}

const OptionsSchema = z.object({
  protocol: z.enum(['toledo-8213', 'toledo-8217', 'nci']),
  unit: z.enum(['kg', 'lb']).default('kg'),
  capacityGrams: z.number().int().positive().default(15_000),
});

/** Hundredths of a pound in `grams`, rounded half up (integer arithmetic). */
function hundredthsOfPound(grams: number): number {
  const n = BigInt(Math.abs(grams)) * 10_000_000n;
  const d = 45_359_237n;
  const q = Number((2n * n + d) / (2n * d));
  return grams < 0 ? -q : q;
}

function withPoint(value: number, decimals: number, intDigits: number): string {
  const digits = String(Math.abs(value)).padStart(decimals + intDigits, '0');
  return `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
}

/**
 * A serial scale speaking Mettler Toledo 8213/8217 or NCI over a real stream. Answers "W"
 * (Toledo) or "W" CR (NCI) with the weight set by `setWeight`, or with a status when the load is
 * moving, below zero or over capacity, exactly as the protocols define it.
 */
export function createScaleSimulator(options: ScaleSimulatorOptions): ScaleSimulator {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new ValidationError(ErrorCode.VALIDATION_FAILED, `Invalid createScaleSimulator options: ${parsed.error.message}`, {
      issues: parsed.error.issues,
    });
  }
  const { protocol, unit, capacityGrams } = parsed.data;
  let grams = 0;
  let moving = false;
  let silent = false;
  let fault = false;
  let requests = 0;

  /** The load in the scale's unit: [value, decimals]. */
  const reading = (): [number, number] => (unit === 'kg' ? [grams, 3] : [hundredthsOfPound(grams), 2]);

  const toledoReply = (): string => {
    if (fault) return '\u0002?\r';
    const over = grams > capacityGrams;
    const under = grams < 0;
    if (moving || over || under) {
      const status =
        TOLEDO_STATUS.fixed |
        (moving ? TOLEDO_STATUS.motion : 0) |
        (over ? TOLEDO_STATUS.overCapacity : 0) |
        (under ? TOLEDO_STATUS.underZero : 0) |
        (grams === 0 ? TOLEDO_STATUS.centerOfZero : 0);
      return `\u0002?${String.fromCharCode(status)}\r`;
    }
    const [value, decimals] = reading();
    const weight =
      protocol === 'toledo-8213' ? String(value).padStart(5, '0') : `${withPoint(value, decimals, unit === 'kg' ? 2 : 3)}${unit}`;
    return `\u0002${weight}\r`;
  };

  const nciStatus = (): string => {
    const s1 = NCI_STATUS_1.fixed | (moving ? NCI_STATUS_1.motion : 0) | (grams === 0 ? NCI_STATUS_1.atZero : 0);
    const s2 =
      NCI_STATUS_2.fixed |
      (grams < 0 ? NCI_STATUS_2.underCapacity : 0) |
      (grams > capacityGrams ? NCI_STATUS_2.overCapacity : 0) |
      (fault ? NCI_STATUS_2.calibrationError : 0);
    return String.fromCharCode(s1, s2);
  };

  const nciReply = (command: string): string => {
    if (command === 'S') return `\n${nciStatus()}\r\u0003`;
    if (command !== 'W') return '\n?\r\u0003';
    const [value, decimals] = reading();
    const weight = grams > capacityGrams ? '^^^^^^^^' : `${value < 0 ? '-' : ''}${withPoint(value, decimals, 4)}`;
    return `\n${weight}${grams > capacityGrams ? '' : unit}\r\n${nciStatus()}\r\u0003`;
  };

  const serve = (device: Duplex): void => {
    let command = '';
    device.on('data', (chunk: Buffer) => {
      for (const byte of chunk) {
        const c = String.fromCharCode(byte);
        if (protocol === 'nci') {
          if (c !== '\r') {
            command += c;
            continue;
          }
          const cmd = command.trim();
          command = '';
          if (cmd === 'W') requests++;
          if (!silent) writeTo(device, nciReply(cmd));
        } else if (c === 'W') {
          requests++;
          if (!silent) writeTo(device, toledoReply());
        } else if (!silent) {
          // Unknown commands get the status record.
          writeTo(device, `\u0002?${String.fromCharCode(TOLEDO_STATUS.fixed)}\r`);
        }
      }
    });
  };

  return {
    protocol,
    ...simulatorConnections(`${protocol} scale`, serve),
    setWeight(g, opts = {}) {
      if (!Number.isSafeInteger(g)) {
        throw new ValidationError(ErrorCode.VALIDATION_FAILED, `setWeight() takes whole grams; got ${String(g)}.`);
      }
      grams = g;
      moving = opts.moving === true;
    },
    setSilent(s) {
      silent = s;
    },
    setFault(f) {
      fault = f;
    },
    get requests() {
      return requests;
    },
  };
}
