import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '@tillkit/core';
import { startFaultProxy, type FaultProxy } from '@tillkit/offline-queue/testing';
import type { SyncEvent, SyncOutboxOptions } from '@tillkit/sync-client';
import type { DrillCheck, DrillContext, DrillMeasures } from '../drill';
import { startCloud, type Cloud } from './cloud';
import { PrintDesk, startPrinter, type DrillPrinter } from './printer';
import { countReceipts, type ReceiptCount } from './receipts';
import { Register, type RungSale } from './register';
import { until } from './sim-clock';
import { openTill, type TillParts } from './till';
import { verifyCloud, type CloudVerdict } from './verify';
import { WaitMeter } from './wait-meter';

export const REGISTER_ID = 'drill-till-1';

export interface ShopOptions {
  /** paths to the cloud, each through its own fault proxy (default 1) */
  paths?: number;
  /** endpoints in front of the proxies (a captive portal, a dead address) */
  endpoints?: (proxies: FaultProxy[]) => Promise<{ id: string; url: string }[]> | { id: string; url: string }[];
  clock?: Clock & { iso(): string };
  outbox?: Partial<Omit<SyncOutboxOptions, 'store'>>;
  /** a printer emulator and its driver for the till's receipts */
  printer?: boolean | Parameters<typeof startPrinter>[1];
  /** a second printer the first one hands queued jobs to when it is down */
  backupPrinter?: boolean;
}

/**
 * One shop for one drill: the reference server (SQLite file in the drill's folder), fault proxies
 * in front of it, a till (sync client, SQLite outbox and catalog) enrolled for the register, the
 * register ringing sales with @tillkit/core, and optionally a receipt printer emulator.
 */
export class Shop {
  readonly meter = new WaitMeter();
  desk: PrintDesk | undefined;

  private constructor(
    readonly ctx: DrillContext,
    readonly cloud: Cloud,
    readonly proxies: FaultProxy[],
    public till: TillParts,
    public register: Register,
    readonly printer: DrillPrinter | undefined,
    readonly backup: DrillPrinter | undefined,
  ) {
    if (printer !== undefined) this.desk = new PrintDesk(printer.printer);
  }

  static async open(ctx: DrillContext, options: ShopOptions = {}): Promise<Shop> {
    const cloud = await startCloud(ctx.dir, REGISTER_ID);
    ctx.defer(() => cloud.close());
    const proxies: FaultProxy[] = [];
    for (let i = 0; i < (options.paths ?? 1); i++) {
      const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: cloud.port }, mode: 'pass', seed: i + 1 });
      ctx.defer(() => proxy.close());
      proxies.push(proxy);
    }
    const endpoints =
      (await options.endpoints?.(proxies)) ?? proxies.map((p, i) => ({ id: i === 0 ? 'primary' : `secondary-${i}`, url: p.url }));
    const tillDir = join(ctx.dir, 'till');
    mkdirSync(tillDir, { recursive: true });
    const till = await openTill({
      dir: tillDir,
      deviceId: 'drill-device-1',
      endpoints,
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...(options.outbox === undefined ? {} : { outbox: options.outbox }),
    });
    ctx.defer(() => till.close());
    await till.client.enrol(await cloud.admin.enrolmentCode(REGISTER_ID));
    const clock = options.clock;
    const register = new Register(REGISTER_ID, clock === undefined ? undefined : () => clock.iso());
    let printer: DrillPrinter | undefined;
    let backup: DrillPrinter | undefined;
    if (options.printer !== undefined && options.printer !== false) {
      if (options.backupPrinter === true) {
        backup = await startPrinter('back-printer');
        ctx.defer(() => backup?.close());
      }
      const emulatorOptions = options.printer === true ? {} : options.printer;
      printer = await startPrinter('front-printer', emulatorOptions, backup === undefined ? {} : { backup: backup.printer });
      ctx.defer(() => printer?.close());
    }
    const shop = new Shop(ctx, cloud, proxies, till, register, printer, backup);
    return shop;
  }

  /** Records a journal entry durably, timed as the cashier's wait. */
  async record(event: SyncEvent): Promise<void> {
    await this.meter.time(() => this.till.client.recordEvent(event));
  }

  async openSession(): Promise<void> {
    await this.record(this.register.openSession());
  }

  /** Rings a sale, records it durably, and hands its receipt to the printer queue (if the shop has one). */
  async sell(): Promise<RungSale> {
    const sale = this.register.sale();
    await this.record(sale);
    const desk = this.desk;
    if (desk !== undefined) await this.meter.time(() => desk.print(sale.receipt, sale.transaction.id));
    return this.register.sales.at(-1)!;
  }

  async sellMany(n: number): Promise<void> {
    for (let i = 0; i < n; i++) await this.sell();
  }

  /** Waits until the outbox holds nothing pending or in flight. */
  async drained(timeoutMs = 15_000): Promise<void> {
    await until(
      'the outbox to drain',
      async () => {
        const report = await this.till.client.outbox.flush();
        return report.remaining === 0;
      },
      timeoutMs,
    );
  }

  /** What the cloud holds compared with what the till recorded. */
  verifyCloud(rejected: readonly string[] = []): Promise<CloudVerdict> {
    return verifyCloud(this.cloud.admin, REGISTER_ID, this.register.journal, rejected);
  }

  /** What the printer(s) put on paper, per sale. */
  async receipts(extraPaper: readonly string[] = []): Promise<ReceiptCount> {
    await this.desk?.settled();
    const paper = [this.printer?.emulator.text() ?? '', this.backup?.emulator.text() ?? '', ...extraPaper];
    return countReceipts(
      paper,
      this.register.sales.map((s) => s.transaction.receiptNumber),
    );
  }

  /**
   * The drill's verdict from the outside: drains the outbox, then compares the cloud (admin API)
   * and the paper (emulator) with what the till rang. `checks` are the drill's own.
   */
  async measure(
    checks: DrillCheck[],
    note: string,
    options: { rejected?: readonly string[]; paper?: readonly string[] } = {},
  ): Promise<DrillMeasures> {
    await this.drained();
    const cloud = await this.verifyCloud(options.rejected ?? []);
    const all = [...checks, ...cloud.checks];
    if (this.printer === undefined) {
      return { salesLost: cloud.salesLost, duplicates: cloud.duplicates, longestWaitMs: this.meter.longest, checks: all, note };
    }
    const paper = await this.receipts(options.paper ?? []);
    all.push(
      {
        what: `every sale's receipt came out whole (${this.register.sales.length} sales, ${paper.copies} copies)`,
        ok: paper.lost.length === 0,
      },
      { what: 'no original receipt came out twice', ok: paper.doubled.length === 0 },
    );
    return {
      salesLost: cloud.salesLost,
      duplicates: cloud.duplicates,
      receiptsLost: paper.lost.length,
      receiptsDoubled: paper.doubled.length,
      longestWaitMs: this.meter.longest,
      checks: all,
      note,
    };
  }
}
