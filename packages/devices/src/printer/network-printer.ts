import { DeviceError, ErrorCode, ReceiptDocumentSchema, ValidationError, type ReceiptDocument, parseInput } from '@tillkit/core';
import { BehaviorSubject, combineLatest, distinctUntilChanged, filter, firstValueFrom, Subject, type Observable } from 'rxjs';
import { z } from 'zod';
import { systemClock, type Clock, type DeviceHealth, type DeviceState } from '../health';
import { PrinterProfileSchema, type PrinterProfile } from '../profiles';
import { commands } from '../render/commands';
import { renderReceipt, type RenderOptions } from '../render/receipt-renderer';
import { concatBytes, indexOfInit } from './control-bytes';
import { detectPrinter } from './detect';
import { markAsCopy } from './mark-as-copy';
import { JobHandle, JobQueue, type PrintJob, type PrintJobKind, type PrintJobState, type RunResult } from './job-queue';
import { PrinterHealthTracker, type LatencyWarningOptions } from './printer-health';
import { asDeviceError, PrinterLink } from './printer-link';
import { isStopped, type PrinterStatus } from './printer-status';
import type { DrawerSensor, PrinterIdentity, PrintOptions, ReceiptPrinter } from './receipt-printer';
import { systemScheduler, type Scheduler } from './scheduler';

/** Renders a receipt document to the printer's bytes (renderReceipt by default). */
export type RenderReceipt = (doc: ReceiptDocument, profile: PrinterProfile, options?: RenderOptions) => Uint8Array;

export interface NetworkPrinterTimeouts {
  /** TCP connect plus the first status answer (default 3000 ms) */
  readonly connectMs?: number;
  /** a write that makes no progress for this long resets the connection (default 10000 ms; paused while the printer reports paper out, cover open...) */
  readonly writeMs?: number;
  /** a DLE EOT unanswered this long means the link is dead (default 2000 ms) */
  readonly replyMs?: number;
  /** probe an idle connection this often, so the printer does not drop it (default 30000 ms) */
  readonly keepAliveMs?: number;
  /** a sent job whose confirmation takes longer than this, while the printer reports no problem, becomes 'unknown' (default 60000 ms) */
  readonly confirmMs?: number;
  /** detect() waits this long for answers (default 2000 ms) */
  readonly detectMs?: number;
  /** with a backup: disconnected or offline this long moves queued jobs to it (default 15000 ms) */
  readonly failoverMs?: number;
}

export interface NetworkPrinterReconnect {
  /** first retry within [0, baseMs) (default 250) */
  readonly baseMs?: number;
  /** retries are at most this far apart (default 30000) */
  readonly maxMs?: number;
  /** a connection that lived this long resets the backoff (default 10000) */
  readonly stableAfterMs?: number;
  /** 'reconnect-storm' when more than stormCount reconnects happen within stormWindowMs (defaults 5, 10 min) */
  readonly stormCount?: number;
  readonly stormWindowMs?: number;
}

export interface NetworkPrinterOptions {
  readonly id: string;
  readonly host: string;
  /** default 9100 */
  readonly port?: number;
  readonly profile: PrinterProfile;
  readonly timeouts?: NetworkPrinterTimeouts;
  readonly reconnect?: NetworkPrinterReconnect;
  /** status polling interval for printers without automatic status back (default 1000 ms) */
  readonly pollMs?: number;
  /** GS a mask (default 0x0F: drawer, online, error, paper) */
  readonly asbMask?: number;
  readonly latency?: LatencyWarningOptions;
  /** where queued jobs go when this printer is down for timeouts.failoverMs */
  readonly backup?: ReceiptPrinter;
  /** health states that count as "down" for failover (default disconnected, offline) */
  readonly failoverOn?: readonly DeviceState[];
  readonly render?: RenderReceipt;
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly scheduler?: Scheduler;
}

const ms = (min = 1) => z.number().int().min(min).max(86_400_000);

const OptionsSchema = z.object({
  id: z.string().min(1).max(128),
  host: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65_535).optional(),
  profile: PrinterProfileSchema,
  timeouts: z
    .strictObject({
      connectMs: ms(),
      writeMs: ms(),
      replyMs: ms(),
      keepAliveMs: ms(),
      confirmMs: ms(),
      detectMs: ms(),
      failoverMs: ms(0),
    })
    .partial()
    .optional(),
  reconnect: z
    .strictObject({
      baseMs: ms(),
      maxMs: ms(),
      stableAfterMs: ms(0),
      stormCount: z.number().int().min(1).max(10_000),
      stormWindowMs: ms(),
    })
    .partial()
    .optional(),
  pollMs: ms(10).optional(),
  asbMask: z.number().int().min(1).max(255).optional(),
  latency: z
    .strictObject({ window: z.number().int().min(1).max(1000), factor: z.number().min(1), minRiseMs: ms(0) })
    .partial()
    .optional(),
  failoverOn: z.array(z.string()).optional(),
});

const PrintOptionsSchema = z
  .strictObject({
    jobId: z.string().min(1).max(128).optional(),
    images: z.record(z.string(), z.union([z.instanceof(Uint8Array), z.object({}).loose()])).optional(),
    copyOf: z.string().min(1).max(128).optional(),
  })
  .optional();

const parse = parseInput;

function definedOnly<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}

/** What a job carries until it has run (kept a while after, for reprints). */
interface JobPayload {
  readonly kind: PrintJobKind;
  readonly input: ReceiptDocument | Uint8Array;
  readonly images: RenderOptions['images'];
}

const TOKEN_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const HISTORY_SIZE = 200;

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * A network receipt printer (ESC/POS on TCP port 9100) with one persistent, supervised
 * connection, one job queue, confirmed printing, live status and health. See ReceiptPrinter.
 */
class NetworkPrinter implements ReceiptPrinter {
  readonly id: string;
  readonly kind = 'printer' as const;
  readonly profile: PrinterProfile;
  readonly #link: PrinterLink;
  readonly #health: PrinterHealthTracker;
  readonly #queue: JobQueue<JobPayload>;
  readonly #jobs = new Subject<PrintJobState>();
  readonly #drawer = new BehaviorSubject<DrawerSensor | undefined>(undefined);
  readonly #history = new Map<string, { job: JobHandle; payload: JobPayload }>();
  readonly #unknown = new Set<string>();
  readonly #recentTokens: string[] = [];
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #scheduler: Scheduler;
  readonly #render: RenderReceipt;
  readonly #backup: ReceiptPrinter | undefined;
  readonly #t: Required<NetworkPrinterTimeouts>;
  readonly #asbMask: number;
  readonly #failoverOn: ReadonlySet<string>;
  #seq = 0;
  #connectedOnce = false;
  #failingOver = false;
  #cancelFailover: (() => void) | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(options: NetworkPrinterOptions) {
    const o = parse(OptionsSchema, options, 'network printer options');
    if (o.profile.dialect !== 'escpos') {
      throw new ValidationError(
        ErrorCode.VALIDATION_FAILED,
        `Printer profile ${o.profile.id} uses the ${o.profile.dialect} dialect; the network driver speaks ESC/POS: switch the printer to ESC/POS emulation and use an ESC/POS profile.`,
      );
    }
    this.id = o.id;
    this.profile = options.profile;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#scheduler = options.scheduler ?? systemScheduler;
    this.#render = options.render ?? renderReceipt;
    this.#backup = options.backup;
    this.#asbMask = o.asbMask ?? 0x0f;
    this.#failoverOn = new Set(o.failoverOn ?? ['disconnected', 'offline']);
    this.#t = {
      connectMs: 3000,
      writeMs: 10_000,
      replyMs: 2000,
      keepAliveMs: 30_000,
      confirmMs: 60_000,
      detectMs: 2000,
      failoverMs: 15_000,
      ...definedOnly(o.timeouts ?? {}),
    };
    const r = o.reconnect ?? {};
    const port = o.port ?? 9100;
    this.#link = new PrinterLink({
      id: o.id,
      host: o.host,
      port,
      profile: this.profile,
      connectTimeoutMs: this.#t.connectMs,
      writeTimeoutMs: this.#t.writeMs,
      replyTimeoutMs: this.#t.replyMs,
      keepAliveMs: this.#t.keepAliveMs,
      pollMs: o.pollMs ?? 1000,
      asbMask: this.#asbMask,
      backoff: { baseMs: r.baseMs ?? 250, maxMs: r.maxMs ?? 30_000 },
      stableAfterMs: r.stableAfterMs ?? 10_000,
      random: this.#random,
      scheduler: this.#scheduler,
      clock: this.#clock,
    });
    this.#health = new PrinterHealthTracker({
      deviceId: o.id,
      clock: this.#clock,
      scheduler: this.#scheduler,
      ...(options.latency === undefined ? {} : { latency: options.latency }),
      reconnectStorm: {
        ...(r.stormCount === undefined ? {} : { count: r.stormCount }),
        ...(r.stormWindowMs === undefined ? {} : { windowMs: r.stormWindowMs }),
      },
      detail: { host: o.host, port, profile: this.profile.id },
    });
    this.#queue = new JobQueue<JobPayload>({
      printerId: o.id,
      scheduler: this.#scheduler,
      run: (job, payload, context) => this.#run(job, payload, context),
    });
    this.#wire();
    this.#link.start();
  }

  get health$(): Observable<DeviceHealth> {
    return this.#health.health$;
  }

  get status$(): Observable<PrinterStatus> {
    return this.#link.status$;
  }

  get jobs$(): Observable<PrintJobState> {
    return this.#jobs.asObservable();
  }

  get drawer$(): Observable<DrawerSensor> {
    return this.#drawer.pipe(filter((d): d is DrawerSensor => d !== undefined));
  }

  print(input: ReceiptDocument | Uint8Array, options?: PrintOptions): PrintJob {
    const o = parse(PrintOptionsSchema, options, 'print options') ?? {};
    const existing = o.jobId === undefined ? undefined : this.#history.get(o.jobId);
    if (existing !== undefined) return existing.job;
    let payload: JobPayload;
    if (input instanceof Uint8Array) {
      payload = { kind: 'raw', input: input.slice(), images: undefined };
    } else {
      const doc = parse(ReceiptDocumentSchema, input, 'receipt document');
      // the images were checked above; keep the caller's objects (RasterImages) as they are
      payload = { kind: 'receipt', input: doc, images: options?.images };
    }
    return this.#submit(payload, o.jobId, o.copyOf);
  }

  reprint(jobId: string, options: Omit<PrintOptions, 'copyOf'> = {}): PrintJob {
    const original = this.#history.get(jobId);
    if (original === undefined) {
      throw new ValidationError(
        ErrorCode.VALIDATION_FAILED,
        `Printer ${this.id} has no job ${JSON.stringify(jobId)} (it remembers the last ${HISTORY_SIZE}): print the copy from its document with buildReceipt(tx, { copy: true }).`,
        { details: { printerId: this.id, jobId } },
      );
    }
    const { payload } = original;
    if (payload.kind !== 'receipt' || payload.input instanceof Uint8Array) {
      throw new ValidationError(
        ErrorCode.VALIDATION_FAILED,
        payload.kind === 'drawer'
          ? `Job ${jobId} on printer ${this.id} kicked the drawer; there is nothing to reprint.`
          : `Job ${jobId} on printer ${this.id} was sent as raw bytes, which cannot be marked as a copy: reprint it from its ReceiptDocument (buildReceipt(tx, { copy: true })).`,
        { details: { printerId: this.id, jobId, kind: payload.kind } },
      );
    }
    this.#resolveUnknown(jobId);
    return this.print(markAsCopy(payload.input), {
      ...options,
      copyOf: jobId,
      ...(payload.images ? { images: payload.images } : {}),
    });
  }

  openDrawer(): PrintJob {
    const { pin } = this.profile.drawer;
    return this.#submit({ kind: 'drawer', input: commands.drawerKick(pin, 50, 500), images: undefined }, undefined, undefined);
  }

  job(jobId: string): PrintJob | undefined {
    return this.#history.get(jobId)?.job;
  }

  acknowledgeUnknown(jobId: string): void {
    this.#resolveUnknown(jobId);
  }

  detect(options: { readonly timeoutMs?: number } = {}): Promise<PrinterIdentity> {
    const timeoutMs = options.timeoutMs ?? this.#t.detectMs;
    if (this.#closed) return Promise.reject(this.#closedError());
    return this.#queue.exclusive(async () => {
      const generation = await this.#whenConnected(timeoutMs);
      return detectPrinter(this.#link, generation, {
        timeoutMs,
        scheduler: this.#scheduler,
        fence:
          this.profile.printCompletion === 'gs-paren-h' ? { completionToken: this.#token(`detect-${this.#seq++}`) } : undefined,
      });
    });
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  // -------------------------------------------------------------------------------------------

  async #close(): Promise<void> {
    this.#closed = true;
    this.#cancelFailover?.();
    const error = this.#closedError();
    for (const { job } of this.#queue.close(error)) job.set({ status: 'failed', printerId: this.id, error });
    await this.#link.close();
    await this.#queue.whenIdle();
    this.#health.close();
    this.#jobs.complete();
    this.#drawer.complete();
  }

  #closedError(): DeviceError {
    return new DeviceError(
      ErrorCode.DEVICE_ERROR,
      `Printer ${this.id} was closed before this job was sent, so it did not print: print it again once the printer is open again, or on another printer.`,
      { details: { printerId: this.id } },
    );
  }

  #wire(): void {
    this.#link.linkState$.subscribe((state) => this.#health.setLink(state));
    this.#link.status$.subscribe((status) => {
      this.#health.setStatus(status);
      if (this.#connectedOnce) this.#emitDrawer(status.drawerHigh);
    });
    this.#link.connection.events$.subscribe((event) => {
      if (event.type !== 'connected') return;
      this.#connectedOnce = true;
      this.#emitDrawer(this.#link.status.drawerHigh);
    });
    combineLatest([this.#link.linkState$, this.#link.status$]).subscribe(([link, status]) =>
      this.#queue.setReady(link === 'connected' && !isStopped(status)),
    );
    if (this.#backup !== undefined) {
      this.#health.health$
        .pipe(distinctUntilChanged((a, b) => a.state === b.state))
        .subscribe((health) => this.#onHealthForFailover(health));
    }
  }

  #emitDrawer(drawerHigh: boolean): void {
    const last = this.#drawer.getValue();
    if (last?.drawerHigh === drawerHigh) return;
    this.#drawer.next({ drawerHigh, open: drawerHigh === this.profile.drawer.openWhenHigh, at: this.#clock.now() });
  }

  #submit(payload: JobPayload, jobId: string | undefined, copyOf: string | undefined): PrintJob {
    const id = jobId ?? this.#newJobId();
    const job = new JobHandle({ id, kind: payload.kind, copyOf, printerId: this.id, clock: this.#clock, sink: this.#jobs });
    this.#remember(job, payload);
    if (this.#closed) {
      job.set({ status: 'failed', printerId: this.id, error: this.#closedError() });
    } else if (this.#failingOver && this.#canFailOver(payload)) {
      this.#forward(job, payload);
    } else {
      this.#queue.enqueue(job, payload);
    }
    return job;
  }

  #newJobId(): string {
    this.#seq += 1;
    const salt = Math.floor(this.#random() * 36 ** 4)
      .toString(36)
      .padStart(4, '0');
    return `${this.id}-${this.#clock.now().toString(36)}-${this.#seq.toString(36)}-${salt}`;
  }

  #remember(job: JobHandle, payload: JobPayload): void {
    this.#history.set(job.id, { job, payload });
    if (this.#history.size <= HISTORY_SIZE) return;
    for (const [id, entry] of this.#history) {
      if (this.#history.size <= HISTORY_SIZE) break;
      if (entry.job.finished) this.#history.delete(id);
    }
  }

  #resolveUnknown(jobId: string): void {
    if (this.#unknown.delete(jobId)) this.#health.setUnknownJobs([...this.#unknown]);
  }

  /** a 4-character GS ( H id derived from the job id, unlike the last few used */
  #token(jobId: string): string {
    for (let salt = 0; ; salt++) {
      let h = fnv1a(salt === 0 ? jobId : `${jobId}#${salt}`);
      let token = '';
      for (let i = 0; i < 4; i++) {
        token += TOKEN_ALPHABET[h % 36];
        h = Math.floor(h / 36);
      }
      if (!this.#recentTokens.includes(token)) {
        this.#recentTokens.push(token);
        if (this.#recentTokens.length > 64) this.#recentTokens.shift();
        return token;
      }
    }
  }

  #bytesOf(payload: JobPayload): Uint8Array {
    if (payload.input instanceof Uint8Array) return payload.input;
    return this.#render(payload.input, this.profile, payload.images === undefined ? {} : { images: payload.images });
  }

  /**
   * The bytes sent for a job: its body, automatic status back switched on again after any ESC @
   * (which turns it off), and the confirmation request at the end.
   */
  #frame(body: Uint8Array, token: string): Uint8Array {
    const parts: Uint8Array[] = [];
    let rest = body;
    if (this.profile.asb) {
      if (indexOfInit(body) === 0) {
        parts.push(commands.init(), commands.enableAsb(this.#asbMask));
        rest = body.subarray(2);
      }
      parts.push(rest);
      if (indexOfInit(rest) >= 0) parts.push(commands.enableAsb(this.#asbMask));
    } else {
      parts.push(rest);
    }
    parts.push(this.profile.printCompletion === 'gs-paren-h' ? commands.printCompletion(token) : commands.transmitStatus(1));
    return concatBytes(parts);
  }

  async #run(job: JobHandle, payload: JobPayload, context: { sent(): void }): Promise<RunResult> {
    const generation = this.#link.generation;
    if (generation === undefined) return { type: 'requeue' };
    let body: Uint8Array;
    try {
      body = this.#bytesOf(payload);
    } catch (error) {
      return this.#failed(
        new DeviceError(ErrorCode.DEVICE_ERROR, `Job ${job.id} could not be rendered for ${this.profile.id}: ${String(error)}`, {
          cause: error,
          details: { printerId: this.id, jobId: job.id },
        }),
      );
    }
    const token = this.#token(job.id);
    const usesCompletion = this.profile.printCompletion === 'gs-paren-h';
    const completion = usesCompletion ? this.#link.completion(generation, token) : undefined;
    let gsr = usesCompletion ? undefined : this.#link.expect(generation, { kind: 'transmit', n: 1 }, undefined);
    let sentAt = 0;
    let started = false;
    let held = isStopped(this.#link.status);
    const watch = this.#link.status$.subscribe((s) => {
      if (isStopped(s)) held = true;
    });
    try {
      try {
        await this.#link.write(this.#frame(body, token), {
          generation,
          onStart: () => {
            started = true;
            sentAt = this.#clock.now();
            this.#link.setJobInFlight(true);
            context.sent();
          },
        });
      } catch (error) {
        completion?.cancel();
        gsr?.cancel();
        if (!started) return { type: 'requeue' };
        return this.#unknownResult(job, `the connection failed while sending: ${asDeviceError(error, 'write failed').message}`);
      }
      if (completion !== undefined) {
        const outcome = await this.#confirm(completion.promise, generation);
        if (outcome !== 'ok') {
          completion.cancel();
          // a printer that reports no problem and does not confirm is wedged: start afresh
          if (this.#link.generation === generation) this.#link.connection.drop('print confirmation timed out');
          return this.#unknownResult(job, outcome);
        }
      } else {
        // GS r 1 is answered once earlier data is processed; while the printer is stopped that
        // may not mean printed: wait for it to recover and ask again.
        for (;;) {
          const outcome = await this.#confirm(gsr!.promise, generation);
          if (outcome !== 'ok') {
            gsr?.cancel();
            // a late GS r answer could confirm the next job: start that one on a fresh connection
            if (this.#link.generation === generation) this.#link.connection.drop('print confirmation timed out');
            return this.#unknownResult(job, outcome);
          }
          if (!isStopped(this.#link.status)) break;
          const recovered = await this.#whenRunning(generation);
          if (!recovered) return this.#unknownResult(job, 'the connection was lost before the printer confirmed the job');
          gsr = this.#link.expect(generation, { kind: 'transmit', n: 1 }, undefined);
          try {
            await this.#link.write(commands.transmitStatus(1), { generation });
          } catch {
            gsr.cancel();
            return this.#unknownResult(job, 'the connection was lost before the printer confirmed the job');
          }
        }
      }
    } finally {
      watch.unsubscribe();
      this.#link.setJobInFlight(false);
    }
    const latencyMs = this.#clock.now() - sentAt;
    if (!held && payload.kind !== 'drawer') this.#health.recordLatency(latencyMs);
    return { type: 'final', state: { status: 'printed', printerId: this.id, latencyMs } };
  }

  #failed(error: DeviceError): RunResult {
    return { type: 'final', state: { status: 'failed', printerId: this.id, error } };
  }

  #unknownResult(job: JobHandle, reason: string): RunResult {
    if (job.kind !== 'drawer') {
      this.#unknown.add(job.id);
      this.#health.setUnknownJobs([...this.#unknown]);
    }
    return { type: 'final', state: { status: 'unknown', printerId: this.id, reason } };
  }

  /**
   * Waits for a confirmation: 'ok', or why not: the connection was lost, or the printer reported
   * nothing wrong for confirmMs and still did not confirm. Time while it is stopped (paper out,
   * cover open) does not count: the job waits there for as long as it takes.
   */
  #confirm(confirmation: Promise<unknown>, generation: number): Promise<string> {
    const confirmMs = this.#t.confirmMs;
    return new Promise((resolve) => {
      let cancel: () => void = () => undefined;
      let stoppedMeanwhile = isStopped(this.#link.status);
      let finished = false;
      const stopWatching: (() => void)[] = [];
      const watch = this.#link.status$.subscribe((s) => {
        if (isStopped(s)) stoppedMeanwhile = true;
      });
      const finish = (outcome: string): void => {
        if (finished) return;
        finished = true;
        cancel();
        watch.unsubscribe();
        for (const stop of stopWatching) stop();
        resolve(outcome);
      };
      const arm = (): void => {
        cancel = this.#scheduler.schedule(confirmMs, () => {
          if (stoppedMeanwhile || isStopped(this.#link.status)) {
            stoppedMeanwhile = isStopped(this.#link.status);
            arm();
          } else {
            finish(`the printer did not confirm the job within ${confirmMs} ms while reporting no problem`);
          }
        });
      };
      arm();
      confirmation.then(
        () => finish('ok'),
        () => finish('the connection was lost before the printer confirmed the job'),
      );
      const unLost = this.#link.onLost(generation, () => {
        // let a confirmation that arrived in the same tick win
        queueMicrotask(() => finish('the connection was lost before the printer confirmed the job'));
      });
      stopWatching.push(unLost);
    });
  }

  /** Resolves true once the printer on `generation` is no longer stopped; false if that connection is lost. */
  #whenRunning(generation: number): Promise<boolean> {
    return new Promise((resolve) => {
      let settled = false;
      const done = (value: boolean): void => {
        if (settled) return;
        settled = true;
        queueMicrotask(() => {
          sub.unsubscribe();
          unLost();
        });
        resolve(value);
      };
      let unLost: () => void = () => undefined;
      const sub = this.#link.status$.subscribe((s) => {
        if (!isStopped(s)) done(true);
      });
      unLost = this.#link.onLost(generation, () => done(false));
    });
  }

  async #whenConnected(timeoutMs: number): Promise<number> {
    const now = this.#link.generation;
    if (now !== undefined) return now;
    let cancel: () => void = () => undefined;
    const timeout = new Promise<never>((_, reject) => {
      cancel = this.#scheduler.schedule(timeoutMs, () =>
        reject(
          new DeviceError(
            ErrorCode.DEVICE_ERROR,
            `Printer ${this.id} is not connected (waited ${timeoutMs} ms): check that it is on and on the network.`,
            {
              details: { printerId: this.id, timeoutMs },
            },
          ),
        ),
      );
    });
    try {
      await Promise.race([firstValueFrom(this.#link.linkState$.pipe(filter((s) => s === 'connected'))), timeout]);
    } finally {
      cancel();
    }
    const generation = this.#link.generation;
    if (generation === undefined) throw this.#closedError();
    return generation;
  }

  // ---------------------------------------------------------------------------------- failover

  #canFailOver(payload: JobPayload): boolean {
    const backup = this.#backup;
    if (backup === undefined || this.#closed) return false;
    // the drawer hangs on this printer; raw bytes only make sense in the same dialect
    if (payload.kind === 'drawer') return false;
    return payload.kind === 'receipt' || backup.profile.dialect === this.profile.dialect;
  }

  #onHealthForFailover(health: DeviceHealth): void {
    const down = this.#failoverOn.has(health.state);
    if (!down) {
      this.#cancelFailover?.();
      this.#cancelFailover = undefined;
      this.#failingOver = false;
      return;
    }
    if (this.#failingOver || this.#cancelFailover !== undefined) return;
    this.#cancelFailover = this.#scheduler.schedule(this.#t.failoverMs, () => {
      this.#cancelFailover = undefined;
      if (this.#closed) return;
      this.#failingOver = true;
      for (const { job, payload } of this.#queue.take((_, p) => this.#canFailOver(p))) this.#forward(job, payload);
    });
  }

  /** Hands a job that was never sent to the backup printer, and mirrors its states. */
  #forward(job: JobHandle, payload: JobPayload): void {
    const backup = this.#backup!;
    let forwarded: PrintJob;
    try {
      forwarded = backup.print(payload.input, {
        jobId: job.id,
        ...(job.copyOf === undefined ? {} : { copyOf: job.copyOf }),
        ...(payload.images === undefined ? {} : { images: payload.images }),
      });
    } catch {
      // the backup refused it: it stays in this printer's queue
      this.#queue.enqueue(job, payload);
      return;
    }
    job.set({ status: 'queued', printerId: backup.id, failoverFrom: this.id });
    forwarded.state$.subscribe((state) => {
      if (state.status === 'queued') return;
      const { jobId: _ignored, ...rest } = state;
      job.set(rest);
    });
  }
}

/**
 * A network receipt printer (ESC/POS, TCP port 9100 by default). It connects at once and keeps
 * one connection, reconnecting with backoff; jobs queue in order and are 'printed' only once the
 * printer confirms them (GS ( H, or GS r 1 on printers without it). See ReceiptPrinter.
 *
 * Throws ValidationError for bad options (or a Star-mode profile).
 */
export function createNetworkPrinter(options: NetworkPrinterOptions): ReceiptPrinter {
  return new NetworkPrinter(options);
}
