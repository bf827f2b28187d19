import { DeviceError, ErrorCode } from '@tillkit/core';
import { BehaviorSubject, Subject, type Observable } from 'rxjs';
import type { Clock } from '../health';
import type { PrinterProfile } from '../profiles';
import type { BackoffOptions } from './backoff';
import { commands } from '../render/commands';
import { concatBytes, printerInfo } from './control-bytes';
import {
  applyRealtimeStatus,
  applyTransmitStatus,
  INITIAL_PRINTER_STATUS,
  isStopped,
  sameStatus,
  statusFromAsb,
  type LinkState,
  type PrinterStatus,
} from './printer-status';
import type { Scheduler } from './scheduler';
import {
  StatusStreamParser,
  type InfoRequestKind,
  type PendingRequest,
  type PrinterReply,
  type RealtimeStatusKind,
} from './status-parser';
import { TcpConnection, type TcpConnectionEvent, type WriteOptions } from './tcp-connection';

export interface PrinterLinkOptions {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly profile: PrinterProfile;
  readonly connectTimeoutMs: number;
  readonly writeTimeoutMs: number;
  /** a DLE EOT must be answered within this, else the link is dead and is reconnected */
  readonly replyTimeoutMs: number;
  /** after this long without traffic a DLE EOT 1 probes the link (printers drop idle connections) */
  readonly keepAliveMs: number;
  /** DLE EOT polling interval for printers without automatic status back */
  readonly pollMs: number;
  /** GS a mask (bits 0 drawer, 1 online, 2 error, 3 paper) */
  readonly asbMask: number;
  readonly backoff: BackoffOptions;
  readonly stableAfterMs: number;
  readonly random: () => number;
  readonly scheduler: Scheduler;
  readonly clock: Clock;
}

type Waiter = { resolve: (reply: PrinterReply) => void; reject: (error: DeviceError) => void; generation: number };

/**
 * ESC/POS over one supervised TCP connection: a fresh stream parser per connection, a handshake
 * that reads DLE EOT 1, 2 and 4 (the printer must answer to count as connected) and re-enables
 * automatic status back (GS a) on printers that have it, DLE EOT polling on those that do not,
 * keep-alive probes on idle links, and replies routed to whoever asked.
 */
export class PrinterLink {
  readonly connection: TcpConnection;
  readonly #o: PrinterLinkOptions;
  readonly #parser = new StatusStreamParser();
  readonly #status = new BehaviorSubject<PrinterStatus>(INITIAL_PRINTER_STATUS);
  readonly #replies = new Subject<PrinterReply>();
  readonly #linkState = new BehaviorSubject<LinkState>('connecting');
  readonly #waiters = new Map<PendingRequest, Waiter>();
  readonly #completions = new Map<string, Waiter>();
  #cancelTick: (() => void) | undefined;
  #xoff = false;
  #unexpected = 0;
  #closed = false;
  #jobInFlight = false;
  /** the poll or keep-alive probe awaiting its answers */
  #probe: { readonly since: number; remaining: number } | undefined;

  constructor(options: PrinterLinkOptions) {
    this.#o = options;
    this.connection = new TcpConnection({
      host: options.host,
      port: options.port,
      name: `printer ${options.id} (${options.host}:${options.port})`,
      connectTimeoutMs: options.connectTimeoutMs,
      writeTimeoutMs: options.writeTimeoutMs,
      backoff: options.backoff,
      stableAfterMs: options.stableAfterMs,
      random: options.random,
      scheduler: options.scheduler,
      clock: options.clock,
      handshake: (generation) => this.#handshake(generation),
    });
    this.connection.data$.subscribe(({ generation, bytes }) => this.#onBytes(generation, bytes));
    this.connection.events$.subscribe((event) => this.#onEvent(event));
  }

  get status$(): Observable<PrinterStatus> {
    return this.#status.asObservable();
  }

  get status(): PrinterStatus {
    return this.#status.getValue();
  }

  get replies$(): Observable<PrinterReply> {
    return this.#replies.asObservable();
  }

  /** 'connecting' until the first connect succeeds or fails, then 'connected' / 'disconnected' */
  get linkState$(): Observable<LinkState> {
    return this.#linkState.asObservable();
  }

  get linkState(): LinkState {
    return this.#linkState.getValue();
  }

  /** the connected socket's generation, else undefined */
  get generation(): number | undefined {
    return this.connection.state === 'connected' ? this.connection.generation : undefined;
  }

  get xoff(): boolean {
    return this.#xoff;
  }

  /** replies that fit no question (noise, late answers): a fact for support */
  get unexpectedReplies(): number {
    return this.#unexpected;
  }

  start(): void {
    this.connection.start();
  }

  /** Writes bytes on connection `generation` only; the write timeout pauses while the printer is stopped. */
  write(bytes: Uint8Array, options: WriteOptions & { readonly generation: number }): Promise<void> {
    return this.connection.write(bytes, { held: () => this.#xoff || isStopped(this.status), ...options });
  }

  /**
   * Registers the questions, then writes `bytes` (which must ask them, in order), and returns
   * one promise per question. A question unanswered within `timeoutMs` rejects (and is forgotten);
   * all reject when the connection is lost.
   */
  ask(
    generation: number,
    questions: readonly Question[],
    bytes: Uint8Array,
    timeoutMs: number | undefined,
  ): Promise<PrinterReply>[] {
    const promises = questions.map((q) => this.expect(generation, q, timeoutMs).promise);
    this.write(bytes, { generation }).catch((error: unknown) => {
      this.#failGeneration(generation, asDeviceError(error, 'Writing a status request failed.'));
    });
    return promises;
  }

  /**
   * Registers one question (to be sent by the caller right after) and returns its answer, and a
   * `cancel` that forgets it (a late answer then comes out as an unasked reply).
   */
  expect(
    generation: number,
    question: Question,
    timeoutMs: number | undefined,
  ): { promise: Promise<PrinterReply>; cancel: () => void } {
    const pending =
      question.kind === 'realtime'
        ? this.#parser.expectRealtime(question.n)
        : question.kind === 'transmit'
          ? this.#parser.expectTransmit({ command: 'gs-r', n: question.n })
          : question.kind === 'id'
            ? this.#parser.expectTransmit({ command: 'gs-i', n: question.n })
            : this.#parser.expectInfo(question.n);
    const promise = new Promise<PrinterReply>((resolve, reject) => {
      let cancel: (() => void) | undefined;
      this.#waiters.set(pending, {
        generation,
        resolve: (r) => {
          cancel?.();
          resolve(r);
        },
        reject: (e) => {
          cancel?.();
          reject(e);
        },
      });
      if (timeoutMs !== undefined) {
        cancel = this.#o.scheduler.schedule(timeoutMs, () => {
          if (!this.#waiters.delete(pending)) return;
          this.#parser.cancel(pending);
          reject(
            new DeviceError(
              ErrorCode.DEVICE_ERROR,
              `Printer ${this.#o.id} did not answer ${describe(question)} within ${timeoutMs} ms.`,
              {
                details: { printerId: this.#o.id, timeoutMs },
              },
            ),
          );
        });
      }
    });
    promise.catch(() => undefined);
    const cancel = (): void => {
      const w = this.#waiters.get(pending);
      if (w === undefined) return;
      this.#waiters.delete(pending);
      this.#parser.cancel(pending);
      w.reject(
        new DeviceError(ErrorCode.DEVICE_ERROR, `${describe(question)} was cancelled.`, { details: { printerId: this.#o.id } }),
      );
    };
    return { promise, cancel };
  }

  /** Resolves when the GS ( H reply with `id` arrives on `generation`; rejects when that connection is lost. */
  completion(generation: number, id: string): { promise: Promise<void>; cancel: () => void } {
    let cancel = (): void => undefined;
    const promise = new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { generation, resolve: () => resolve(), reject };
      this.#completions.set(id, waiter);
      cancel = () => {
        if (this.#completions.get(id) === waiter) this.#completions.delete(id);
      };
    });
    promise.catch(() => undefined);
    if (this.generation !== generation) this.#failGeneration(generation, this.#lostError());
    return { promise, cancel };
  }

  /** Calls `fn` once when connection `generation` is gone (at once if it already is); returns an unsubscribe. */
  onLost(generation: number, fn: () => void): () => void {
    if (this.connection.generation !== generation) {
      fn();
      return () => undefined;
    }
    const sub = this.connection.events$.subscribe({
      next: (e) => {
        if ((e.type === 'disconnected' && e.generation === generation) || e.type === 'closed') {
          sub.unsubscribe();
          fn();
        }
      },
      complete: fn,
    });
    return () => sub.unsubscribe();
  }

  /** Tells the link a job's bytes are out and unconfirmed: a slow status answer is then no sign of a dead link. */
  setJobInFlight(inFlight: boolean): void {
    this.#jobInFlight = inFlight;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#cancelTick?.();
    await this.connection.close();
    this.#failAll(
      new DeviceError(ErrorCode.DEVICE_ERROR, `Printer ${this.#o.id} was closed.`, { details: { printerId: this.#o.id } }),
    );
    this.#linkState.complete();
    this.#status.complete();
    this.#replies.complete();
  }

  // -------------------------------------------------------------------------------------------

  async #handshake(generation: number): Promise<void> {
    // a new connection: nothing asked on the old one will be answered here
    this.#parser.reset();
    this.#failAll(this.#lostError());
    this.#xoff = false;
    this.#probe = undefined;
    const { profile, asbMask } = this.#o;
    const questions: Question[] = [1, 2, 4].map((n) => ({ kind: 'realtime', n: n as RealtimeStatusKind }));
    const bytes = concatBytes([
      commands.realtimeStatus(1),
      commands.realtimeStatus(2),
      commands.realtimeStatus(4),
      ...(profile.asb ? [commands.enableAsb(asbMask)] : []),
    ]);
    // the connect timeout bounds the handshake; no separate timeout here
    await Promise.all(this.ask(generation, questions, bytes, undefined));
  }

  #onEvent(event: TcpConnectionEvent): void {
    if (event.type === 'connected') {
      this.#linkState.next('connected');
      this.#scheduleTick(event.generation);
    } else if (event.type === 'disconnected' || event.type === 'connect-failed') {
      this.#cancelTick?.();
      this.#failAll(this.#lostError(event.error));
      this.#linkState.next('disconnected');
    }
  }

  #lostError(cause?: DeviceError): DeviceError {
    return new DeviceError(
      ErrorCode.DEVICE_ERROR,
      `The connection to printer ${this.#o.id} was lost${cause ? `: ${cause.message}` : '.'}`,
      { details: { printerId: this.#o.id }, ...(cause === undefined ? {} : { cause }) },
    );
  }

  #failAll(error: DeviceError): void {
    for (const [pending, w] of this.#waiters) {
      this.#waiters.delete(pending);
      w.reject(error);
    }
    for (const [id, w] of this.#completions) {
      this.#completions.delete(id);
      w.reject(error);
    }
  }

  #failGeneration(generation: number, error: DeviceError): void {
    for (const [pending, w] of this.#waiters) {
      if (w.generation !== generation) continue;
      this.#waiters.delete(pending);
      this.#parser.cancel(pending);
      w.reject(error);
    }
    for (const [id, w] of this.#completions) {
      if (w.generation !== generation) continue;
      this.#completions.delete(id);
      w.reject(error);
    }
  }

  #onBytes(generation: number, bytes: Uint8Array): void {
    if (generation !== this.connection.generation) return;
    for (const reply of this.#parser.push(bytes)) {
      this.#apply(reply);
      this.#replies.next(reply);
    }
  }

  #apply(reply: PrinterReply): void {
    let status = this.status;
    switch (reply.type) {
      case 'asb':
        status = statusFromAsb(reply.bytes);
        break;
      case 'realtime-status':
        if (reply.n !== null) status = applyRealtimeStatus(status, reply.n, reply.byte);
        break;
      case 'transmit-status':
        status = applyTransmitStatus(status, reply.n, reply.byte);
        break;
      case 'print-completion': {
        const w = this.#completions.get(reply.id);
        if (w !== undefined) {
          this.#completions.delete(reply.id);
          w.resolve(reply);
        }
        break;
      }
      case 'xon':
        this.#xoff = false;
        break;
      case 'xoff':
        this.#xoff = true;
        break;
      case 'unexpected':
        this.#unexpected += 1;
        break;
      case 'printer-id':
      case 'printer-info':
      case 'block':
        break;
    }
    if ('request' in reply && reply.request !== null) {
      const w = this.#waiters.get(reply.request);
      if (w !== undefined) {
        this.#waiters.delete(reply.request);
        w.resolve(reply);
      }
    }
    if (!sameStatus(status, this.status)) this.#status.next(status);
  }

  /**
   * The link's heartbeat: printers without automatic status back are polled with DLE EOT 1, 2
   * and 4 (and 3 when an error is reported) every pollMs; any link idle for keepAliveMs gets a
   * DLE EOT 1. Nothing is sent while a write is in progress (polls never split a job's commands)
   * or while an earlier poll is unanswered (answers stay in order). A poll unanswered for
   * replyTimeoutMs means a dead link, which is dropped and reconnected, unless the silence is
   * explained: a printer that stopped (paper out, cover open) or is working through a job stops
   * reading its socket when its buffer is full, so the poll waits behind the job's bytes.
   */
  #scheduleTick(generation: number): void {
    this.#cancelTick?.();
    const { pollMs, keepAliveMs, replyTimeoutMs, profile, clock } = this.#o;
    const now = clock.now();
    const idle = now - this.connection.lastActivity;
    let interval = profile.asb ? Math.max(20, keepAliveMs - idle) : Math.min(pollMs, keepAliveMs);
    if (this.#probe !== undefined) interval = Math.max(20, Math.min(interval, this.#probe.since + replyTimeoutMs - now));
    this.#cancelTick = this.#o.scheduler.schedule(interval, () => {
      if (this.#closed || this.generation !== generation) return;
      const at = clock.now();
      const probe = this.#probe;
      if (probe !== undefined) {
        if (at - probe.since >= replyTimeoutMs && !this.#silenceExplained()) {
          this.connection.drop(`the printer did not answer a status request within ${replyTimeoutMs} ms`);
          return;
        }
      } else if ((!profile.asb || at - this.connection.lastActivity >= keepAliveMs) && !this.connection.writing) {
        this.#sendProbe(generation);
      }
      this.#scheduleTick(generation);
    });
  }

  #sendProbe(generation: number): void {
    const ns: RealtimeStatusKind[] = this.#o.profile.asb ? [1] : this.status.error ? [1, 2, 3, 4] : [1, 2, 4];
    const probe = { since: this.#o.clock.now(), remaining: ns.length };
    this.#probe = probe;
    for (const reply of this.ask(
      generation,
      ns.map((n) => ({ kind: 'realtime', n })),
      concatBytes(ns.map((n) => commands.realtimeStatus(n))),
      undefined,
    )) {
      reply.then(
        () => {
          probe.remaining -= 1;
          if (probe.remaining === 0 && this.#probe === probe) this.#probe = undefined;
        },
        () => {
          if (this.#probe === probe) this.#probe = undefined;
        },
      );
    }
  }

  #silenceExplained(): boolean {
    return this.#jobInFlight || this.#xoff || isStopped(this.status);
  }
}

export type Question =
  | { readonly kind: 'realtime'; readonly n: RealtimeStatusKind }
  | { readonly kind: 'transmit'; readonly n: 1 | 2 }
  | { readonly kind: 'id'; readonly n: 1 | 2 | 3 }
  | { readonly kind: 'info'; readonly n: InfoRequestKind };

export function questionBytes(q: Question): Uint8Array {
  switch (q.kind) {
    case 'realtime':
      return commands.realtimeStatus(q.n);
    case 'transmit':
      return commands.transmitStatus(q.n);
    case 'id':
    case 'info':
      return printerInfo(q.n);
  }
}

function describe(q: Question): string {
  return q.kind === 'realtime' ? `DLE EOT ${q.n}` : q.kind === 'transmit' ? `GS r ${q.n}` : `GS I ${q.n}`;
}

export function asDeviceError(error: unknown, message: string): DeviceError {
  return error instanceof DeviceError ? error : new DeviceError(ErrorCode.DEVICE_ERROR, message, { cause: error });
}
