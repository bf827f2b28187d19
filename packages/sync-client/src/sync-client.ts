import { TillkitError } from '@tillkit/core';
import {
  createOutbox,
  type Endpoint,
  type Outbox,
  type OutboxItem,
  type OutboxMetrics,
  type OutboxRole,
  type OutboxStore,
} from '@tillkit/offline-queue';
import { BehaviorSubject, type Observable, type Subscription } from 'rxjs';
import {
  createTokenManager,
  enrolDevice,
  loadEnrolment,
  saveEnrolment,
  type AuthState,
  type Enrolment,
  type TokenManager,
} from './auth';
import type { CatalogStore } from './catalog-store';
import { createCompatibilityGuard, isProtocolIncompatible, type CompatibilityGuard } from './compatibility';
import { errorMessage, stateError, SyncErrorCode, SyncNetworkError } from './errors';
import { createPuller, type PullReport, type Puller } from './puller';
import type { Dataset, Tenant } from './protocol/index';
import { recordEvent, type RecordEventOptions, type SyncEvent } from './record-event';
import { redactText } from './redact';
import { restoreTill, type RestoreResult } from './restore';
import {
  initialStatusState,
  reduceStatus,
  sameStatus,
  toSyncStatus,
  type StatusInput,
  type StatusState,
  type SyncStatus,
} from './status';
import { parseSyncClientOptions, type ResolvedSyncClientOptions, type SyncClientOptions } from './sync-client-options';
import { createTelemetry, type DiagnosticsInput, type Telemetry } from './telemetry';
import { jitter, unref } from './timers';
import { createSyncTransport, syncAuthHook } from './transport';

/** Backoff of pulls after a failed one: full jitter between PULL_RETRY_MIN_MS and 1 s, 2 s, 4 s ... 60 s. */
const PULL_RETRY_BASE_MS = 1000;
const PULL_RETRY_CAP_MS = 60_000;
const PULL_RETRY_MIN_MS = 100;

/** What a till may know about its enrolment (the credentials stay inside the client). */
export interface EnrolmentInfo {
  deviceId: string;
  tenant: Tenant;
  currency: string;
  enrolledAt: number;
}

export interface SyncClient {
  /** Starts delivery (once enrolled), scheduled pulls and heartbeats. Idempotent. */
  start(): Promise<void>;
  /** Stops delivery, pulls and heartbeats; queued events stay in the outbox. */
  stop(): Promise<void>;
  /** Stops and closes the outbox and completes status$. The stores stay open: they are the application's. */
  close(): Promise<void>;
  /**
   * Enrols this device with a one-time code from the back office; the credentials and tenant are
   * kept in the catalog store's meta, so a restarted till does not enrol again.
   */
  enrol(code: string): Promise<EnrolmentInfo>;
  /** The stored enrolment, without credentials; undefined when not enrolled. */
  enrolment(): Promise<EnrolmentInfo | undefined>;
  /**
   * Records one journal entry durably in the outbox (with the transaction, the journal entry and
   * the till state as companion records, in one transaction) and resolves once it is on stable
   * storage; never waits for the network. Throws SEQUENCE_MISMATCH, writing no item, when the entry
   * does not continue the register's journal in the outbox (see README).
   */
  recordEvent(event: SyncEvent, options?: RecordEventOptions): Promise<OutboxItem>;
  /** Pulls the datasets now (default the configured ones) from the current endpoint. */
  pullNow(datasets?: readonly Dataset[]): Promise<PullReport>;
  /** Restores a replacement till from the server (see restoreTill). */
  restore(options?: { tail?: number }): Promise<RestoreResult>;
  /** Uploads a diagnostic bundle, stripped of secrets; resolves with its id. */
  uploadDiagnostics(input: DiagnosticsInput): Promise<{ id: string }>;
  /** Sends a heartbeat now. */
  heartbeat(): Promise<void>;
  /** The one status stream: the current status first, then every change. */
  readonly status$: Observable<SyncStatus>;
  readonly catalog: CatalogStore;
  readonly outbox: Outbox;
}

const PARTIAL_REASONS = new Set(['sequence gap', 'items without a result']);

function info(enrolment: Enrolment): EnrolmentInfo {
  return {
    deviceId: enrolment.deviceId,
    tenant: enrolment.tenant,
    currency: enrolment.currency,
    enrolledAt: enrolment.enrolledAt,
  };
}

/**
 * Whether a failure means no server answered (or none that speaks our protocol, or one failing
 * with 5xx): true; a server answered: false; no server was asked (not enrolled, a local store
 * failed): undefined.
 */
function unreachable(error: unknown): boolean | undefined {
  if (isProtocolIncompatible(error)) return true;
  if (error instanceof SyncNetworkError) return error.isRetryable;
  return undefined;
}

/**
 * The sync client of a till: pushes journal events through the outbox of @tillkit/offline-queue,
 * pulls catalog, prices, tax rates, members and configuration into the catalog store, keeps the
 * till authenticated, reports one status stream and telemetry, and restores a replaced till.
 * Throws ValidationError (VALIDATION_FAILED, naming the path) for bad options.
 */
export function createSyncClient(options: SyncClientOptions): SyncClient {
  return new SyncClientImpl(parseSyncClientOptions(options));
}

class SyncClientImpl implements SyncClient {
  readonly outbox: Outbox;
  readonly catalog: CatalogStore;
  private readonly store: OutboxStore;
  private readonly endpoints: readonly Endpoint[];
  private readonly tokens: TokenManager;
  private readonly guard: CompatibilityGuard;
  private readonly puller: Puller;
  private readonly telemetry: Telemetry;
  private readonly status = new BehaviorSubject<SyncStatus>(toSyncStatus(initialStatusState(0)));
  private state: StatusState;
  private readonly subscriptions: Subscription[] = [];
  private currentId: string;
  private role: OutboxRole = 'stopped';
  private metrics: OutboxMetrics | undefined;
  private started = false;
  private closed = false;
  private enrolled: Enrolment | undefined;
  private recording: Promise<unknown> = Promise.resolve();
  private pullTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeatTimer: ReturnType<typeof setTimeout> | undefined;
  private scheduledPull: Promise<unknown> | undefined;
  private pullAgain = false;
  /** pulls that failed in a row; a failed pull is tried again with backoff until one succeeds */
  private pullFailures = 0;
  private pullRetryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly opts: ResolvedSyncClientOptions) {
    this.catalog = opts.catalog;
    this.store = opts.outbox.store;
    this.endpoints = [...opts.endpoints].sort((a, b) => a.priority - b.priority);
    this.currentId = this.endpoints[0]!.id;
    this.state = initialStatusState(opts.clock.now());
    this.tokens = createTokenManager({
      credentials: async () => (await this.loadEnrolment())?.credentials,
      fetch: opts.fetch,
      clock: opts.clock,
      timeoutMs: opts.requestTimeoutMs,
    });
    this.guard = createCompatibilityGuard({ fetch: opts.fetch, timeoutMs: opts.requestTimeoutMs });
    const pushedWith = new Map<string, string>();
    this.outbox = createOutbox({
      ...opts.outbox,
      transport: createSyncTransport({
        tokens: this.tokens,
        guard: this.guard,
        fetch: opts.fetch,
        onToken: (url, token) => pushedWith.set(url, token),
      }),
      endpoints: opts.endpoints,
      deviceId: opts.deviceId,
      auth: syncAuthHook(this.tokens, (url) => pushedWith.get(url)),
      clock: opts.outbox.clock ?? opts.clock,
      // a journal event carries its sequence: a rejected one cannot go again under a new number
      deadLetterRetry: false,
    });
    this.puller = createPuller({
      catalog: this.catalog,
      tokens: this.tokens,
      guard: this.guard,
      endpoint: () => this.currentEndpoint(),
      limit: opts.pull.limit,
      unsettledKeys: () => this.unsettledKeys(),
      fetch: opts.fetch,
      timeoutMs: opts.requestTimeoutMs,
      clock: opts.clock,
    });
    this.telemetry = createTelemetry({
      tokens: this.tokens,
      deviceId: opts.deviceId,
      softwareVersion: opts.softwareVersion,
      endpoint: () => this.currentEndpoint(),
      metrics: () => this.metrics,
      devices: opts.heartbeat.devices,
      fetch: opts.fetch,
      timeoutMs: opts.requestTimeoutMs,
      clock: opts.clock,
    });
    this.wire();
  }

  // -- status ---------------------------------------------------------------------------------

  get status$(): Observable<SyncStatus> {
    return this.status.asObservable();
  }

  private dispatch(input: StatusInput): void {
    if (this.closed) return;
    const before = toSyncStatus(this.state);
    const wasOffline = before.connectivity === 'offline';
    const endpointBefore = before.endpoint;
    this.state = reduceStatus(this.state, input);
    const next = toSyncStatus(this.state);
    if (!sameStatus(next, this.status.value)) this.status.next(next);
    // back from an outage, or on another endpoint: pull at once (resync on reconnect)
    if (this.started && wasOffline && next.connectivity !== 'offline' && input.type !== 'pulled') this.pullSoon();
    else if (this.started && endpointBefore !== undefined && next.endpoint !== endpointBefore) this.pullSoon();
  }

  private clean(text: string): string {
    return redactText(text, this.tokens.secrets());
  }

  private wire(): void {
    const now = () => this.opts.clock.now();
    const primary = this.endpoints[0]!.id;
    this.subscriptions.push(
      this.outbox.metrics$.subscribe((m) => {
        this.metrics = m;
        this.dispatch({
          type: 'metrics',
          at: m.at,
          depth: m.depth,
          pending: m.pending,
          inFlight: m.inFlight,
          deadLetters: m.deadLetters,
          blockedPartitions: m.blockedPartitions,
          oldestItemAgeMs: m.oldestItemAgeMs,
          lastError: m.lastError === undefined ? undefined : this.clean(m.lastError),
        });
      }),
      this.outbox.endpoints$.subscribe((h) => {
        this.currentId = h.current;
        const current = h.endpoints.find((e) => e.id === h.current);
        this.dispatch({
          type: 'endpoints',
          at: now(),
          current: h.current,
          primary,
          healthy: current?.healthySince !== undefined,
          currentOpen: current?.state === 'open',
          allOpen: h.endpoints.length > 0 && h.endpoints.every((e) => e.state === 'open'),
        });
      }),
      this.outbox.events$.subscribe((e) => {
        switch (e.type) {
          case 'delivered':
            this.dispatch({ type: 'pushed', at: e.at, count: e.applied.length + e.duplicates.length });
            break;
          case 'retry-scheduled':
            if (!PARTIAL_REASONS.has(e.reason))
              this.dispatch({ type: 'push-failed', at: e.at, reason: this.clean(`push to ${e.endpointId}: ${e.reason}`) });
            break;
          case 'dead-lettered':
            this.dispatch({
              type: 'error',
              at: e.at,
              message: this.clean(
                `event ${e.key} refused by the server (${e.code}${e.message ? `: ${e.message}` : ''}); kept as a dead letter`,
              ),
            });
            break;
          case 'partition-blocked':
            this.dispatch({
              type: 'error',
              at: e.at,
              message: this.clean(`partition ${e.partition} blocked (${e.code}): ${e.message}`),
            });
            break;
          case 'auth-failed':
            this.dispatch({
              type: 'error',
              at: e.at,
              message: this.clean(`authentication at ${e.endpointId} failed: ${e.error}`),
            });
            break;
          case 'error':
            this.dispatch({ type: 'error', at: e.at, message: this.clean(e.error) });
            break;
          case 'endpoint-switched':
          case 'rewound':
          case 'auth-refreshed':
          case 'role-changed':
            break;
        }
      }),
      this.outbox.role$.subscribe((role) => {
        const became = role === 'flusher' && this.role !== 'flusher';
        this.role = role;
        if (became && this.started) {
          this.pullSoon();
          this.scheduleHeartbeat(0);
        }
      }),
      this.tokens.state$.subscribe((auth: AuthState) => {
        const error = this.tokens.lastError();
        this.dispatch({ type: 'auth', at: now(), state: auth, error: error === undefined ? undefined : this.clean(error) });
      }),
    );
  }

  // -- endpoints and enrolment ----------------------------------------------------------------

  private currentEndpoint(): Endpoint {
    return this.endpoints.find((e) => e.id === this.currentId) ?? this.endpoints[0]!;
  }

  private async loadEnrolment(): Promise<Enrolment | undefined> {
    this.enrolled ??= await loadEnrolment(this.catalog);
    return this.enrolled;
  }

  async enrolment(): Promise<EnrolmentInfo | undefined> {
    const enrolment = await this.loadEnrolment();
    return enrolment === undefined ? undefined : info(enrolment);
  }

  async enrol(code: string): Promise<EnrolmentInfo> {
    this.assertOpen();
    const before = await this.loadEnrolment();
    const answer = await enrolDevice({
      baseUrl: this.currentEndpoint().url,
      code,
      deviceId: this.opts.deviceId,
      softwareVersion: this.opts.softwareVersion,
      fetch: this.opts.fetch,
      timeoutMs: this.opts.requestTimeoutMs,
    });
    if (before !== undefined && before.tenant.registerId !== answer.tenant.registerId) {
      const waiting = await this.outbox.items({ partition: before.tenant.registerId, state: 'open', limit: 1 });
      if (waiting.length > 0) {
        throw stateError(
          SyncErrorCode.INVALID_STATE,
          `This till is enrolled for register "${before.tenant.registerId}" and still has its events to send; the code is for register "${answer.tenant.registerId}". ` +
            'Let the outbox deliver them before enrolling the till for another register (the code was used: ask for a new one).',
        );
      }
    }
    const enrolment: Enrolment = {
      deviceId: answer.deviceId,
      tenant: answer.tenant,
      currency: answer.currency,
      credentials: answer.credentials,
      enrolledAt: this.opts.clock.now(),
    };
    await saveEnrolment(this.catalog, enrolment);
    this.enrolled = enrolment;
    await this.tokens.reset();
    if (this.started) {
      this.outbox.start();
      this.pullSoon();
    }
    return info(enrolment);
  }

  // -- lifecycle ------------------------------------------------------------------------------

  async start(): Promise<void> {
    this.assertOpen();
    if (this.started) return;
    this.started = true;
    if ((await this.loadEnrolment()) !== undefined) this.outbox.start();
    this.schedulePull(0);
    this.scheduleHeartbeat(this.opts.heartbeat.intervalMs);
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    if (this.pullTimer !== undefined) clearTimeout(this.pullTimer);
    if (this.pullRetryTimer !== undefined) clearTimeout(this.pullRetryTimer);
    if (this.heartbeatTimer !== undefined) clearTimeout(this.heartbeatTimer);
    this.pullTimer = undefined;
    this.pullRetryTimer = undefined;
    this.heartbeatTimer = undefined;
    await this.outbox.stop();
    await this.scheduledPull?.catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.stop();
    await this.recording.catch(() => undefined);
    await this.outbox.close();
    this.closed = true;
    for (const s of this.subscriptions) s.unsubscribe();
    this.status.complete();
  }

  private assertOpen(): void {
    if (this.closed)
      throw stateError(SyncErrorCode.INVALID_STATE, 'This sync client is closed: create a new one with createSyncClient.');
  }

  // -- push -----------------------------------------------------------------------------------

  recordEvent(event: SyncEvent, options?: RecordEventOptions): Promise<OutboxItem> {
    this.assertOpen();
    // one at a time: the sequence check and the write must not interleave
    const run = this.recording.then(async () =>
      recordEvent({
        outbox: this.outbox,
        store: this.store,
        catalog: this.catalog,
        event,
        options,
        registerId: (await this.loadEnrolment())?.tenant.registerId,
        now: this.opts.clock.now(),
      }),
    );
    this.recording = run.catch(() => undefined);
    return run;
  }

  private async unsettledKeys(): Promise<ReadonlySet<string>> {
    const keys = new Set<string>();
    const page = 10_000;
    for (let offset = 0; ; offset += page) {
      const open = await this.outbox.items({ state: 'open', limit: page, offset });
      for (const item of open) keys.add(item.key);
      if (open.length < page) break;
    }
    for (const item of await this.outbox.deadLetters.list()) keys.add(item.key);
    return keys;
  }

  // -- pull -----------------------------------------------------------------------------------

  async pullNow(datasets?: readonly Dataset[]): Promise<PullReport> {
    this.assertOpen();
    const wanted = datasets ?? this.opts.pull.datasets;
    try {
      const report = await this.puller.pull(wanted);
      this.dispatch({ type: 'pulled', at: report.at });
      return report;
    } catch (error) {
      this.dispatch({
        type: 'pull-failed',
        at: this.opts.clock.now(),
        error: this.clean(`pull: ${errorMessage(error)}`),
        unreachable: unreachable(error),
      });
      throw error;
    }
  }

  /** A pull as soon as the running one (if any) ends; several requests meanwhile make one pull. */
  private pullSoon(): void {
    if (!this.started || this.enrolled === undefined) return;
    if (this.scheduledPull !== undefined) {
      this.pullAgain = true;
      return;
    }
    if (this.pullRetryTimer !== undefined) clearTimeout(this.pullRetryTimer);
    this.pullRetryTimer = undefined;
    this.scheduledPull = this.pullNow()
      .then(() => {
        this.pullFailures = 0;
      })
      .catch(() => {
        // the catalog must not stay stale, and a failed pull is also how the till notices the
        // server is back when nothing waits to be pushed: try again with full-jitter backoff
        this.pullFailures++;
        if (!this.started) return;
        const ceiling = Math.min(PULL_RETRY_CAP_MS, PULL_RETRY_BASE_MS * 2 ** Math.min(this.pullFailures - 1, 16));
        this.pullRetryTimer = setTimeout(
          () => {
            this.pullRetryTimer = undefined;
            this.pullSoon();
          },
          Math.max(PULL_RETRY_MIN_MS, Math.floor(this.opts.random() * ceiling)),
        );
        unref(this.pullRetryTimer);
      })
      .finally(() => {
        this.scheduledPull = undefined;
        if (this.pullAgain) {
          this.pullAgain = false;
          this.pullSoon();
        }
      });
  }

  private schedulePull(delayMs: number): void {
    if (!this.started) return;
    if (this.pullTimer !== undefined) clearTimeout(this.pullTimer);
    this.pullTimer = setTimeout(() => {
      this.pullTimer = undefined;
      // one process or tab pulls on schedule: the one that flushes (a lone client becomes it at once)
      if (this.role === 'flusher') this.pullSoon();
      if (this.opts.pull.intervalMs > 0) this.schedulePull(jitter(this.opts.pull.intervalMs, this.opts.random));
    }, delayMs);
    unref(this.pullTimer);
  }

  // -- telemetry ------------------------------------------------------------------------------

  private scheduleHeartbeat(delayMs: number): void {
    if (!this.started || this.opts.heartbeat.intervalMs === 0) return;
    if (this.heartbeatTimer !== undefined) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = setTimeout(() => {
      this.heartbeatTimer = undefined;
      if (this.role === 'flusher' && this.enrolled !== undefined) void this.heartbeat().catch(() => undefined);
      this.scheduleHeartbeat(jitter(this.opts.heartbeat.intervalMs, this.opts.random));
    }, delayMs);
    unref(this.heartbeatTimer);
  }

  async heartbeat(): Promise<void> {
    this.assertOpen();
    try {
      await this.telemetry.heartbeat();
      this.dispatch({ type: 'contact', at: this.opts.clock.now(), ok: true });
    } catch (error) {
      const at = this.opts.clock.now();
      this.dispatch({ type: 'error', at, message: this.clean(`heartbeat: ${errorMessage(error)}`) });
      const down = unreachable(error);
      if (down !== undefined) this.dispatch({ type: 'contact', at, ok: !down });
      throw error;
    }
  }

  async uploadDiagnostics(input: DiagnosticsInput): Promise<{ id: string }> {
    this.assertOpen();
    return this.telemetry.uploadDiagnostics(input);
  }

  // -- restore --------------------------------------------------------------------------------

  async restore(options: { tail?: number } = {}): Promise<RestoreResult> {
    this.assertOpen();
    const enrolment = await this.loadEnrolment();
    if (enrolment === undefined) {
      throw stateError(SyncErrorCode.NOT_ENROLLED, 'Enrol this till for its register before restoring it.');
    }
    // in line with recordEvent: no event is written between the checks and the rebase
    const run = this.recording.then(() =>
      restoreTill({
        tokens: this.tokens,
        endpoint: this.currentEndpoint(),
        enrolment,
        outbox: this.outbox,
        store: this.store,
        tail: options.tail,
        fetch: this.opts.fetch,
        timeoutMs: this.opts.requestTimeoutMs,
        now: this.opts.clock.now(),
      }),
    );
    this.recording = run.catch(() => undefined);
    try {
      return await run;
    } catch (error) {
      if (TillkitError.isInstance(error))
        this.dispatch({ type: 'error', at: this.opts.clock.now(), message: this.clean(`restore: ${errorMessage(error)}`) });
      throw error;
    }
  }
}
