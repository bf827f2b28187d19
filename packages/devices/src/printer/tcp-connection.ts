import { createConnection, type Socket } from 'node:net';
import { DeviceError, ErrorCode } from '@tillkit/core';
import { BehaviorSubject, Subject, type Observable } from 'rxjs';
import { systemClock, type Clock } from '../health';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff';
import { systemScheduler, type Scheduler } from './scheduler';

export type TcpConnectionState = 'connecting' | 'connected' | 'disconnected' | 'closed';

export type TcpConnectionEvent =
  | { readonly type: 'connected'; readonly generation: number; readonly attempt: number; readonly at: number }
  | {
      readonly type: 'connect-failed';
      readonly attempt: number;
      readonly error: DeviceError;
      readonly retryInMs: number;
      readonly at: number;
    }
  | {
      readonly type: 'disconnected';
      readonly generation: number;
      readonly error: DeviceError;
      readonly retryInMs: number;
      readonly at: number;
    }
  | { readonly type: 'closed'; readonly at: number };

export interface TcpConnectionOptions {
  readonly host: string;
  readonly port: number;
  /** TCP connect plus `handshake` must finish within this (default 3000 ms) */
  readonly connectTimeoutMs?: number;
  /** a write fails when its bytes make no progress for this long (default 10000 ms) */
  readonly writeTimeoutMs?: number;
  readonly backoff?: BackoffOptions;
  /** a connection that lived this long counts as stable: the next reconnect starts from attempt 0 (default 10 s) */
  readonly stableAfterMs?: number;
  /** bytes per socket write; larger writes are paced by 'drain' (default 16 KiB) */
  readonly chunkBytes?: number;
  readonly random?: () => number;
  readonly scheduler?: Scheduler;
  readonly clock?: Clock;
  /**
   * Runs after every TCP connect, before the connection counts as connected (write to the new
   * socket with `{ generation }`). A rejection or the connect timeout closes the socket and retries.
   */
  readonly handshake?: (generation: number) => Promise<void>;
  /** for messages: "printer till-1" (default `${host}:${port}`) */
  readonly name?: string;
}

export interface WriteOptions {
  /** only write to this connection; fail if it has been replaced (a job must never continue on a new one) */
  readonly generation?: number;
  /** while this returns true the write timeout is paused (the printer said why it is not reading) */
  readonly held?: () => boolean;
  readonly timeoutMs?: number;
  /** called once, right before the first byte goes to the socket (not called when nothing was sent) */
  readonly onStart?: () => void;
}

interface Generation {
  readonly id: number;
  readonly socket: Socket;
  /** rejects when this socket is gone; never unhandled */
  readonly lost: Promise<never>;
  readonly lose: (error: DeviceError) => void;
  open: boolean;
  connectedAt: number | undefined;
}

function deviceError(message: string, details: Record<string, unknown>, cause?: unknown): DeviceError {
  return new DeviceError(ErrorCode.DEVICE_ERROR, message, { details, ...(cause === undefined ? {} : { cause }) });
}

/**
 * One supervised, persistent TCP connection to a device (a network printer on port 9100): it
 * connects with a timeout, reconnects after any loss with exponential backoff and full jitter,
 * serialises writes (one write's bytes are never interleaved with another's), paces large
 * writes by TCP backpressure and fails writes that stall. Socket errors never escape: every
 * socket has an 'error' listener and every internal promise is handled.
 */
export class TcpConnection {
  readonly #o: Required<Omit<TcpConnectionOptions, 'handshake' | 'name'>> & {
    readonly handshake: ((generation: number) => Promise<void>) | undefined;
  };
  readonly #name: string;
  readonly #state = new BehaviorSubject<TcpConnectionState>('disconnected');
  readonly #events = new Subject<TcpConnectionEvent>();
  readonly #data = new Subject<{ readonly generation: number; readonly bytes: Uint8Array }>();
  #gen: Generation | undefined;
  #nextId = 0;
  #attempt = 0;
  #started = false;
  #closed = false;
  #cancelTimer: (() => void) | undefined;
  #writeChain: Promise<void> = Promise.resolve();
  #writing = 0;
  #lastActivity = 0;

  constructor(options: TcpConnectionOptions) {
    this.#o = {
      host: options.host,
      port: options.port,
      connectTimeoutMs: options.connectTimeoutMs ?? 3000,
      writeTimeoutMs: options.writeTimeoutMs ?? 10_000,
      backoff: options.backoff ?? DEFAULT_BACKOFF,
      stableAfterMs: options.stableAfterMs ?? 10_000,
      chunkBytes: Math.max(1, options.chunkBytes ?? 16 * 1024),
      random: options.random ?? Math.random,
      scheduler: options.scheduler ?? systemScheduler,
      clock: options.clock ?? systemClock,
      handshake: options.handshake,
    };
    this.#name = options.name ?? `${options.host}:${options.port}`;
  }

  /** 'connecting' until TCP connect and handshake succeed; current value replayed */
  get state$(): Observable<TcpConnectionState> {
    return this.#state.asObservable();
  }

  get state(): TcpConnectionState {
    return this.#state.getValue();
  }

  get events$(): Observable<TcpConnectionEvent> {
    return this.#events.asObservable();
  }

  /** bytes from the device, tagged with the connection they came on */
  get data$(): Observable<{ readonly generation: number; readonly bytes: Uint8Array }> {
    return this.#data.asObservable();
  }

  /** the open socket's generation (also during the handshake), else undefined */
  get generation(): number | undefined {
    return this.#gen?.open === true ? this.#gen.id : undefined;
  }

  /** true while a write is in progress (bytes of a job may still be on their way) */
  get writing(): boolean {
    return this.#writing > 0;
  }

  /** the last time bytes went either way (clock ms) */
  get lastActivity(): number {
    return this.#lastActivity;
  }

  start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    this.#connect();
  }

  /**
   * Writes bytes after every earlier write; resolves when the last byte is handed to the OS.
   * Rejects with a DeviceError when not connected, when the connection is lost or replaced
   * meanwhile, or when the bytes stall for the write timeout (the connection is then dropped,
   * since the device may hold half a command).
   */
  write(bytes: Uint8Array, options: WriteOptions = {}): Promise<void> {
    const gen = this.#gen;
    const connected = this.state === 'connected';
    if (this.#closed) return Promise.reject(deviceError(`The connection to ${this.#name} is closed.`, { device: this.#name }));
    if (gen === undefined || !gen.open || (options.generation === undefined ? !connected : options.generation !== gen.id)) {
      return Promise.reject(
        deviceError(`Not connected to ${this.#name}: wait for it to reconnect, then send again.`, {
          device: this.#name,
          generation: options.generation,
        }),
      );
    }
    this.#writing += 1;
    const run = this.#writeChain.then(() => this.#writeNow(gen, bytes, options));
    const settled = run.finally(() => {
      this.#writing -= 1;
    });
    this.#writeChain = settled.catch(() => undefined);
    return settled;
  }

  /** Drops the current socket (e.g. it stopped answering) and reconnects with backoff. */
  drop(reason: string): void {
    const gen = this.#gen;
    if (gen?.open === true)
      this.#lose(gen, deviceError(`Connection to ${this.#name} dropped: ${reason}.`, { device: this.#name }));
  }

  /** Stops reconnecting and closes the socket. Pending writes fail. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#cancelTimer?.();
    const gen = this.#gen;
    if (gen !== undefined) {
      const closedEvent = new Promise<void>((resolve) => {
        if (gen.socket.destroyed) resolve();
        else gen.socket.once('close', () => resolve());
      });
      gen.open = false;
      gen.lose(deviceError(`The connection to ${this.#name} was closed.`, { device: this.#name }));
      gen.socket.destroy();
      await closedEvent;
    }
    this.#state.next('closed');
    this.#events.next({ type: 'closed', at: this.#o.clock.now() });
    this.#state.complete();
    this.#events.complete();
    this.#data.complete();
  }

  #connect(): void {
    if (this.#closed) return;
    this.#cancelTimer = undefined;
    const id = ++this.#nextId;
    const attempt = this.#attempt;
    this.#state.next('connecting');
    let lose!: (error: DeviceError) => void;
    const lost = new Promise<never>((_, reject) => {
      lose = reject;
    });
    lost.catch(() => undefined);
    const socket = createConnection({ host: this.#o.host, port: this.#o.port });
    const gen: Generation = { id, socket, lost, lose, open: false, connectedAt: undefined };
    this.#gen = gen;
    socket.setNoDelay(true);
    // Never let a socket error reach the process: every error goes through #lose.
    socket.on('error', (error) => this.#lose(gen, this.#socketError(error)));
    socket.on('close', () => this.#lose(gen, deviceError(`${this.#name} closed the connection.`, { device: this.#name })));
    socket.on('data', (chunk: Buffer) => {
      if (this.#gen !== gen || !gen.open) return;
      this.#lastActivity = this.#o.clock.now();
      this.#data.next({ generation: id, bytes: new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength) });
    });
    const cancelTimeout = this.#o.scheduler.schedule(this.#o.connectTimeoutMs, () =>
      this.#lose(
        gen,
        deviceError(
          `${this.#name} did not answer within ${this.#o.connectTimeoutMs} ms: check that it is on, on the network and at this address.`,
          { device: this.#name, timeoutMs: this.#o.connectTimeoutMs },
        ),
      ),
    );
    socket.once('connect', () => {
      if (this.#gen !== gen) return;
      gen.open = true;
      this.#lastActivity = this.#o.clock.now();
      socket.setKeepAlive(true, 10_000);
      const handshake = this.#o.handshake?.(id) ?? Promise.resolve();
      Promise.race([handshake, lost]).then(
        () => {
          cancelTimeout();
          if (this.#gen !== gen || !gen.open || this.#closed) return;
          gen.connectedAt = this.#o.clock.now();
          this.#state.next('connected');
          this.#events.next({ type: 'connected', generation: id, attempt, at: gen.connectedAt });
        },
        (error: unknown) => {
          cancelTimeout();
          this.#lose(
            gen,
            error instanceof DeviceError
              ? error
              : deviceError(`${this.#name} failed its handshake.`, { device: this.#name }, error),
          );
        },
      );
    });
    // a connect that fails before 'connect' is reported by 'error' or the timeout
    lost.catch(() => cancelTimeout());
  }

  #socketError(error: Error & { code?: string }): DeviceError {
    const code = error.code ?? 'unknown';
    const hint =
      code === 'ECONNREFUSED'
        ? 'nothing listens at that address: is the printer on, and is this its IP address and port?'
        : code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ETIMEDOUT'
          ? 'the device is unreachable: check its network cable and IP address.'
          : code === 'ECONNRESET' || code === 'EPIPE'
            ? 'the device reset the connection (restarted, or serves another client).'
            : 'check the device and the network.';
    return deviceError(`Connection to ${this.#name} failed (${code}): ${hint}`, { device: this.#name, code }, error);
  }

  /** The socket of `gen` is gone: fail its writes, then reconnect with backoff (once per socket). */
  #lose(gen: Generation, error: DeviceError): void {
    if (this.#gen !== gen) return;
    const wasConnected = gen.connectedAt !== undefined;
    this.#gen = undefined;
    gen.open = false;
    gen.lose(error);
    if (!gen.socket.destroyed) gen.socket.destroy();
    if (this.#closed) return;
    const now = this.#o.clock.now();
    if (wasConnected && now - (gen.connectedAt ?? now) >= this.#o.stableAfterMs) this.#attempt = 0;
    const retryInMs = backoffDelay(this.#attempt, this.#o.backoff, this.#o.random);
    this.#attempt += 1;
    this.#state.next('disconnected');
    this.#events.next(
      wasConnected
        ? { type: 'disconnected', generation: gen.id, error, retryInMs, at: now }
        : { type: 'connect-failed', attempt: this.#attempt - 1, error, retryInMs, at: now },
    );
    this.#cancelTimer = this.#o.scheduler.schedule(retryInMs, () => this.#connect());
  }

  async #writeNow(gen: Generation, bytes: Uint8Array, options: WriteOptions): Promise<void> {
    if (this.#gen !== gen || !gen.open) {
      throw deviceError(`The connection to ${this.#name} was lost before these bytes were sent.`, { device: this.#name });
    }
    if (bytes.length === 0) return;
    const { socket } = gen;
    const timeoutMs = options.timeoutMs ?? this.#o.writeTimeoutMs;
    let stalled!: (error: DeviceError) => void;
    const stall = new Promise<never>((_, reject) => {
      stalled = reject;
    });
    stall.catch(() => undefined);
    // The timeout measures lack of progress: it re-arms while the socket buffer drains or the
    // device is known to be paused (paper out, cover open), so slow printing of a big job is fine.
    let handed = 0;
    const remaining = (): number => socket.writableLength + bytes.length - handed;
    let lastRemaining = remaining();
    let cancel: () => void;
    let wasHeld = false;
    const check = (): void => {
      const pending = remaining();
      const held = options.held?.() === true;
      // a device that was paused gets a full timeout after it resumes
      if (held || wasHeld || pending < lastRemaining) {
        wasHeld = held;
        lastRemaining = pending;
        cancel = this.#o.scheduler.schedule(timeoutMs, check);
        return;
      }
      const error = deviceError(
        `${this.#name} stopped accepting data for ${timeoutMs} ms (${pending} bytes waiting): the connection is reset.`,
        { device: this.#name, timeoutMs, pendingBytes: pending },
      );
      stalled(error);
      this.#lose(gen, error);
    };
    cancel = this.#o.scheduler.schedule(timeoutMs, check);
    try {
      options.onStart?.();
      const { chunkBytes } = this.#o;
      for (let offset = 0; offset < bytes.length; offset += chunkBytes) {
        const part = bytes.subarray(offset, offset + chunkBytes);
        const last = offset + chunkBytes >= bytes.length;
        const accepted = new Promise<void>((resolve, reject) => {
          const room = socket.write(part, (error) => {
            if (error) reject(error instanceof Error ? error : new Error(String(error)));
            else if (last) resolve();
          });
          if (!last) {
            if (room) resolve();
            else socket.once('drain', () => resolve());
          }
        });
        handed = offset + part.length;
        await Promise.race([accepted, gen.lost, stall]);
        this.#lastActivity = this.#o.clock.now();
      }
    } catch (error) {
      throw error instanceof DeviceError ? error : deviceError(`Writing to ${this.#name} failed.`, { device: this.#name }, error);
    } finally {
      cancel();
    }
  }
}
