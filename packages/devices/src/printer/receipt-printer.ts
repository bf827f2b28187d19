import type { ReceiptDocument } from '@tillkit/core';
import type { Observable } from 'rxjs';
import type { HealthSource } from '../health';
import type { PrinterProfile } from '../profiles';
import type { RenderOptions } from '../render/receipt-renderer';
import type { PrintJob, PrintJobState } from './job-queue';
import type { PrinterStatus } from './printer-status';

export interface PrintOptions {
  /**
   * The job's id (default: generated). Printing again with an id the printer still knows returns
   * that job instead of printing twice, so a till may retry print() safely after a crash.
   */
  readonly jobId?: string;
  /** images the document's image blocks refer to, passed to the renderer */
  readonly images?: RenderOptions['images'];
  /** marks this job as a copy of another (reprint() sets it) */
  readonly copyOf?: string;
}

/**
 * The drawer sensor as the printer reports it (DLE EOT 1 / ASB bit 0x04). Fits the drawer
 * monitor's `status$` (DrawerSensorSample) as it is.
 */
export interface DrawerSensor {
  /** the kick-out connector's pin 3 reads high */
  readonly drawerHigh: boolean;
  /** `drawerHigh` read through the profile's polarity (drawer.openWhenHigh) */
  readonly open: boolean;
  /** clock time (ms) the printer reported it */
  readonly at: number;
}

/** What the printer says about itself (GS I), where it answers. */
export interface PrinterIdentity {
  readonly maker?: string;
  readonly model?: string;
  readonly firmware?: string;
  /** GS I 1 / 2 / 3 one-byte ids, for printers without GS I 65..67 */
  readonly modelId?: number;
  readonly typeId?: number;
  readonly versionId?: number;
}

/** A receipt printer: a queue of print jobs, its status and health, and the drawer behind it. */
export interface ReceiptPrinter extends HealthSource {
  readonly kind: 'printer';
  readonly profile: PrinterProfile;
  /** the printer's last reported status (replayed) */
  readonly status$: Observable<PrinterStatus>;
  /** every state change of every job of this printer */
  readonly jobs$: Observable<PrintJobState>;
  /** the drawer sensor, replayed, then every change (once the printer has been reached) */
  readonly drawer$: Observable<DrawerSensor>;
  print(job: ReceiptDocument | Uint8Array, options?: PrintOptions): PrintJob;
  /** prints a job's document again, marked as a copy, as a new job with `copyOf` */
  reprint(jobId: string, options?: Omit<PrintOptions, 'copyOf'>): PrintJob;
  /** kicks the drawer (ESC p with the profile's pin), as its own job */
  openDrawer(): PrintJob;
  /** a job this printer still remembers (the last few hundred) */
  job(jobId: string): PrintJob | undefined;
  /** a person checked an 'unknown' job's printout: clears its 'job-unknown' warning */
  acknowledgeUnknown(jobId: string): void;
  detect(options?: { readonly timeoutMs?: number }): Promise<PrinterIdentity>;
  close(): Promise<void>;
}
