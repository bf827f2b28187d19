import type { ReceiptDocument } from '@tillkit/core';
import {
  createNetworkPrinter,
  PRINTER_PROFILES,
  type NetworkPrinterOptions,
  type PrintJob,
  type ReceiptPrinter,
} from '@tillkit/devices';
import { startEscPosEmulator, type EscPosEmulator, type EscPosEmulatorOptions } from '@tillkit/devices/testing';
import { firstValueFrom, filter, timeout } from 'rxjs';
import type { DeviceState } from '@tillkit/devices';
import { receiptEnd } from './register';

export const PROFILE = PRINTER_PROFILES['epson-tm-t88vi'];

export interface DrillPrinter {
  emulator: EscPosEmulator;
  printer: ReceiptPrinter;
  close(): Promise<void>;
}

/** A printer emulator on a real TCP port and the network printer driver connected to it, tuned for quick recovery. */
export async function startPrinter(
  id: string,
  emulatorOptions: EscPosEmulatorOptions = {},
  printerOptions: Partial<NetworkPrinterOptions> = {},
): Promise<DrillPrinter> {
  const emulator = await startEscPosEmulator({ profile: PROFILE, ...emulatorOptions });
  const printer = createNetworkPrinter({
    id,
    host: emulator.host,
    port: emulator.port,
    profile: PROFILE,
    ...printerOptions,
    timeouts: { connectMs: 500, replyMs: 500, confirmMs: 5000, failoverMs: 300, ...printerOptions.timeouts },
    reconnect: { baseMs: 20, maxMs: 200, ...printerOptions.reconnect },
  });
  return {
    emulator,
    printer,
    async close() {
      await printer.close();
      await emulator.close();
    },
  };
}

/** The receipt's head is on paper and its end is not: the printer is in the middle of it. */
export function startedPrinting(paper: string, receiptNumber: number): boolean {
  return new RegExp(`Receipt\\s+${receiptNumber}\\b`, 'u').test(paper) && !paper.includes(receiptEnd(receiptNumber));
}

/** Waits until the printer's health reaches `state`. */
export async function healthState(printer: ReceiptPrinter, state: DeviceState, ms = 3000): Promise<void> {
  await firstValueFrom(
    printer.health$.pipe(
      filter((h) => h.state === state),
      timeout(ms),
    ),
  );
}

/**
 * The till's print policy: a receipt goes to the printer queue under the sale's id (a retry never
 * prints twice); a job that ends 'unknown' (cut off, it may or may not have printed) is reprinted
 * explicitly, marked as a COPY; a job that failed is printed again as a new job.
 */
export class PrintDesk {
  readonly jobs: PrintJob[] = [];
  private readonly settling: Promise<unknown>[] = [];
  reprints = 0;

  constructor(private readonly printer: ReceiptPrinter) {}

  /** Queues the receipt; returns at once (the cashier never waits for paper). */
  print(receipt: ReceiptDocument, saleId: string): PrintJob {
    const job = this.printer.print(receipt, { jobId: saleId });
    this.jobs.push(job);
    this.settling.push(this.follow(job, receipt, 1));
    return job;
  }

  private async follow(job: PrintJob, receipt: ReceiptDocument, attempt: number): Promise<void> {
    const final = await job.done;
    if (final.status === 'unknown') {
      this.reprints++;
      const copy = this.printer.reprint(job.id);
      this.settling.push(copy.done);
      this.printer.acknowledgeUnknown(job.id);
    } else if (final.status === 'failed' && attempt < 3) {
      // failed means nothing of it went out: print it again as a new job
      this.reprints++;
      const again = this.printer.print(receipt, { jobId: `${job.id}-attempt-${attempt + 1}` });
      this.jobs.push(again);
      this.settling.push(this.follow(again, receipt, attempt + 1));
    }
  }

  /** Resolves when every job and every reprint reached a final state. */
  async settled(): Promise<void> {
    for (let seen = 0; seen < this.settling.length; seen++) await this.settling[seen];
  }
}
