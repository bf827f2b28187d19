import { BehaviorSubject, type Observable } from 'rxjs';
import type { Clock, DeviceHealth, DeviceWarning, WarningCode } from '../health';
import { INITIAL_PRINTER_STATUS, printerState, type LinkState, type PrinterStatus } from './printer-status';
import type { Scheduler } from './scheduler';

export interface LatencyWarningOptions {
  /** how many recent jobs the rolling median covers (default 5) */
  readonly window?: number;
  /** warn when the median exceeds the baseline by this factor ... (default 2) */
  readonly factor?: number;
  /** ... and by at least this many ms, so fast printers do not warn over noise (default 300) */
  readonly minRiseMs?: number;
}

export interface ReconnectStormOptions {
  /** warn when more than this many reconnects ... (default 5) */
  readonly count?: number;
  /** ... happen within this time (default 10 minutes) */
  readonly windowMs?: number;
}

export interface PrinterHealthOptions {
  readonly deviceId: string;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly latency?: LatencyWarningOptions;
  readonly reconnectStorm?: ReconnectStormOptions;
  /** facts added to every health's `detail` */
  readonly detail?: Readonly<Record<string, string | number | boolean>>;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * Rolling median of print latency (sent -> printed) against a baseline: the lowest rolling median
 * seen so far. A slow network, a failing head or a printer that keeps pausing shows as the median
 * climbing while single slow jobs (a long receipt) do not.
 */
export class LatencyTracker {
  readonly #window: number;
  readonly #factor: number;
  readonly #minRiseMs: number;
  #recent: number[] = [];
  #baseline: number | undefined;

  constructor(options: LatencyWarningOptions = {}) {
    this.#window = Math.max(1, options.window ?? 5);
    this.#factor = options.factor ?? 2;
    this.#minRiseMs = options.minRiseMs ?? 300;
  }

  record(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    this.#recent.push(ms);
    if (this.#recent.length > this.#window) this.#recent.shift();
    if (this.#recent.length === this.#window) {
      const m = median(this.#recent);
      if (this.#baseline === undefined || m < this.#baseline) this.#baseline = m;
    }
  }

  /** the rolling median, once a full window has been seen */
  get median(): number | undefined {
    return this.#recent.length === this.#window ? median(this.#recent) : undefined;
  }

  get baseline(): number | undefined {
    return this.#baseline;
  }

  get rising(): boolean {
    const m = this.median;
    const b = this.#baseline;
    return m !== undefined && b !== undefined && m > b * this.#factor && m - b >= this.#minRiseMs;
  }
}

/** Counts reconnects in a sliding time window. */
export class ReconnectTracker {
  readonly #count: number;
  readonly #windowMs: number;
  #times: number[] = [];
  total = 0;

  constructor(options: ReconnectStormOptions = {}) {
    this.#count = options.count ?? 5;
    this.#windowMs = options.windowMs ?? 600_000;
  }

  get windowMs(): number {
    return this.#windowMs;
  }

  record(now: number): void {
    this.total += 1;
    this.#times.push(now);
  }

  /** reconnects within the window ending at `now` */
  recent(now: number): number {
    this.#times = this.#times.filter((t) => now - t < this.#windowMs);
    return this.#times.length;
  }

  storm(now: number): boolean {
    return this.recent(now) > this.#count;
  }
}

/**
 * A printer's health: its DeviceState (from the link and the last status) and its early
 * warnings. `health$` replays the current health and emits once per real change (a new state
 * or a warning raised or cleared), never for repeated status reports.
 */
export class PrinterHealthTracker {
  readonly latency: LatencyTracker;
  readonly reconnects: ReconnectTracker;
  readonly #options: PrinterHealthOptions;
  readonly #subject: BehaviorSubject<DeviceHealth>;
  #link: LinkState = 'connecting';
  #everConnected = false;
  #status: PrinterStatus = INITIAL_PRINTER_STATUS;
  #unknownJobs: readonly string[] = [];
  /** when each active warning was first raised */
  #since = new Map<WarningCode, string>();
  #cancelStormTimer: (() => void) | undefined;
  #closed = false;

  constructor(options: PrinterHealthOptions) {
    this.#options = options;
    this.latency = new LatencyTracker(options.latency);
    this.reconnects = new ReconnectTracker(options.reconnectStorm);
    this.#subject = new BehaviorSubject(this.#compute());
  }

  get health$(): Observable<DeviceHealth> {
    return this.#subject.asObservable();
  }

  get current(): DeviceHealth {
    return this.#subject.getValue();
  }

  get link(): LinkState {
    return this.#link;
  }

  /** A 'connected' after an earlier connection counts as a reconnect. */
  setLink(link: LinkState): void {
    if (this.#closed) return;
    if (link === 'connected' && this.#link !== 'connected') {
      if (this.#everConnected) this.#countReconnect();
      this.#everConnected = true;
    }
    this.#link = link;
    this.#refresh();
  }

  setStatus(status: PrinterStatus): void {
    this.#status = status;
    this.#refresh();
  }

  recordLatency(ms: number): void {
    this.latency.record(ms);
    this.#refresh();
  }

  recordReconnect(): void {
    this.#countReconnect();
    this.#refresh();
  }

  #countReconnect(): void {
    const now = this.#options.clock.now();
    this.reconnects.record(now);
    // re-check when this reconnect leaves the window, so the storm warning clears on its own
    this.#cancelStormTimer?.();
    if (!this.#closed)
      this.#cancelStormTimer = this.#options.scheduler.schedule(this.reconnects.windowMs + 1, () => this.#refresh());
  }

  setUnknownJobs(jobIds: readonly string[]): void {
    this.#unknownJobs = [...jobIds];
    this.#refresh();
  }

  /** The device is gone: emits 'disconnected' one last time, then completes health$. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#cancelStormTimer?.();
    this.#link = 'disconnected';
    this.#refresh();
    this.#subject.complete();
  }

  #refresh(): void {
    if (this.#subject.closed) return;
    const next = this.#compute();
    const prev = this.#subject.getValue();
    const codes = (h: DeviceHealth) => h.warnings.map((w) => w.code).join(',');
    if (next.state !== prev.state || codes(next) !== codes(prev)) this.#subject.next(next);
  }

  #compute(): DeviceHealth {
    const { deviceId, clock } = this.#options;
    const now = clock.now();
    const at = new Date(now).toISOString();
    const raised: [WarningCode, string][] = [];
    const connected = this.#link === 'connected';
    if (connected && this.#status.paper === 'near-end') {
      raised.push(['paper-near-end', `Paper is running low on printer ${deviceId}: load a new roll soon.`]);
    }
    if (this.latency.rising) {
      raised.push([
        'print-latency-rising',
        `Printing on ${deviceId} is getting slower (median ${Math.round(this.latency.median ?? 0)} ms, ` +
          `was ${Math.round(this.latency.baseline ?? 0)} ms): check the network link and the printer (head temperature, paper roll).`,
      ]);
    }
    const recent = this.reconnects.recent(now);
    if (this.reconnects.storm(now)) {
      raised.push([
        'reconnect-storm',
        `Printer ${deviceId} lost its connection ${recent} times in ${Math.round(this.reconnects.windowMs / 60_000)} min: ` +
          'check its network cable, power supply and that no other device uses its IP address.',
      ]);
    }
    if (this.#unknownJobs.length > 0) {
      raised.push([
        'job-unknown',
        `${this.#unknownJobs.length} job(s) on printer ${deviceId} may not have printed (the connection dropped before the ` +
          `printer confirmed): check the printout and reprint as a copy if it is missing (${this.#unknownJobs.join(', ')}).`,
      ]);
    }
    const since = new Map<WarningCode, string>();
    const warnings: DeviceWarning[] = raised.map(([code, message]) => {
      const first = this.#since.get(code) ?? at;
      since.set(code, first);
      return { code, message, since: first };
    });
    this.#since = since;
    const median = this.latency.median;
    return {
      deviceId,
      kind: 'printer',
      state: printerState(this.#link, this.#status),
      warnings,
      at,
      detail: {
        ...this.#options.detail,
        reconnects: this.reconnects.total,
        ...(median === undefined ? {} : { latencyMs: Math.round(median) }),
        unknownJobs: this.#unknownJobs.length,
      },
    };
  }
}
