import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { parseInput } from '@tillkit/core';
import { z } from 'zod';

/** A fault the proxy injects into one request exchange. */
export type FaultKind = 'drop' | 'reset' | 'delay' | 'truncate' | 'loseResponse' | 'blackhole';

/** What happened to one exchange: passed, a fault, or reset because the proxy was down. */
export type ExchangeOutcome = 'pass' | FaultKind | 'down';

/**
 * Per-exchange fault probabilities (0..1, default 0, summing to at most 1):
 * - drop: close the client connection without forwarding (the server never sees the request);
 * - reset: reset (RST) the client connection without forwarding;
 * - delay: hold the request for a random time in [minMs, maxMs], then pass it on;
 * - truncate: forward the request, pass on only part of the response (at least its status line
 *   where possible), then close both sides;
 * - loseResponse: forward the request, swallow the response (the server committed) and reset the
 *   client when it arrives;
 * - blackhole: swallow the request and never answer (the client times out).
 */
export interface FaultRates {
  drop?: number;
  reset?: number;
  delay?: { rate: number; minMs: number; maxMs: number };
  truncate?: number;
  loseResponse?: number;
  blackhole?: number;
}

/**
 * - faulty: each exchange draws a fault from the rates;
 * - pass: no faults;
 * - down: every new connection, and every new exchange on an open one, is reset at once;
 * - blackhole: connections are accepted and requests are never answered.
 */
export type FaultProxyMode = 'faulty' | 'pass' | 'down' | 'blackhole';

export interface FaultProxyOptions {
  /** where exchanges that pass go */
  target: { host: string; port: number };
  /** default '127.0.0.1' */
  host?: string;
  /** default 0 (a free port) */
  port?: number;
  /** seeds the fault draws: the same seed and the same sequence of exchanges give the same faults; default 1 */
  seed?: number;
  faults?: FaultRates;
  /** default 'faulty' */
  mode?: FaultProxyMode;
}

export interface FaultProxyStats {
  /** client connections accepted */
  connections: number;
  /** request exchanges seen (a keep-alive connection carries many) */
  exchanges: number;
  /** exchanges forwarded without a fault */
  passed: number;
  drop: number;
  reset: number;
  delay: number;
  truncate: number;
  loseResponse: number;
  blackhole: number;
  /** connections and exchanges reset because the mode was 'down' */
  down: number;
}

export interface FaultProxy {
  /** 'http://host:port' */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly mode: FaultProxyMode;
  /** a snapshot of the counters */
  readonly stats: FaultProxyStats;
  /** what happened to each exchange, in the order exchanges began */
  history(): ExchangeOutcome[];
  setMode(mode: FaultProxyMode): void;
  /** replaces the fault rates (the PRNG keeps its state) */
  setFaults(faults: FaultRates): void;
  /** closes the listener and destroys every socket */
  close(): Promise<void>;
}

const rate = z.number().min(0).max(1);
const ratesSchema = z
  .object({
    drop: rate.default(0),
    reset: rate.default(0),
    delay: z
      .object({ rate, minMs: z.number().int().nonnegative(), maxMs: z.number().int().nonnegative().max(2_147_483_647) })
      .refine((d) => d.maxMs >= d.minMs, { message: 'maxMs must be >= minMs', path: ['maxMs'] })
      .optional(),
    truncate: rate.default(0),
    loseResponse: rate.default(0),
    blackhole: rate.default(0),
  })
  .refine((r) => r.drop + r.reset + (r.delay?.rate ?? 0) + r.truncate + r.loseResponse + r.blackhole <= 1 + 1e-9, {
    message: 'fault rates must sum to at most 1',
  });
type Rates = z.output<typeof ratesSchema>;

const modeSchema = z.enum(['faulty', 'pass', 'down', 'blackhole']);

const optionsSchema = z.object({
  target: z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65_535) }),
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65_535).default(0),
  seed: z.number().int().default(1),
  faults: ratesSchema.default({ drop: 0, reset: 0, truncate: 0, loseResponse: 0, blackhole: 0 }),
  mode: modeSchema.default('faulty'),
});

/** mulberry32: a small, fast, seeded PRNG with uniform output in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Exchange {
  outcome: ExchangeOutcome;
  /** the server began answering: the next client bytes start a new exchange */
  answered: boolean;
  /** request bytes held back while a delay runs */
  held: Buffer[] | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
}

interface Connection {
  client: Socket;
  upstream: Socket | undefined;
  exchange: Exchange | undefined;
  done: boolean;
}

function reset(socket: Socket): void {
  if (socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

/**
 * Starts a fault-injecting TCP proxy in front of `target`. Faults are drawn per request exchange,
 * not per connection (HTTP keep-alive reuses connections): an exchange begins when client bytes
 * arrive on a connection that is idle or whose previous exchange has been answered. Socket errors
 * on either side close the connection and never reach the process. Throws ValidationError
 * (VALIDATION_FAILED) for bad options.
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const opts = parseInput(optionsSchema, options, 'fault proxy options');
  const proxy = new FaultProxyImpl(opts);
  await proxy.listen(opts.port);
  return proxy;
}

type ParsedOptions = z.output<typeof optionsSchema>;

class FaultProxyImpl implements FaultProxy {
  readonly host: string;
  private boundPort = 0;
  private currentMode: FaultProxyMode;
  private rates: Rates;
  private readonly random: () => number;
  private readonly server: Server;
  private readonly connections = new Set<Connection>();
  private readonly outcomes: ExchangeOutcome[] = [];
  private readonly counters: FaultProxyStats = {
    connections: 0,
    exchanges: 0,
    passed: 0,
    drop: 0,
    reset: 0,
    delay: 0,
    truncate: 0,
    loseResponse: 0,
    blackhole: 0,
    down: 0,
  };

  constructor(private readonly opts: ParsedOptions) {
    this.host = opts.host;
    this.currentMode = opts.mode;
    this.rates = opts.faults;
    this.random = mulberry32(opts.seed);
    this.server = createServer((socket) => this.accept(socket));
    this.server.on('error', () => undefined);
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `http://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.boundPort}`;
  }

  get mode(): FaultProxyMode {
    return this.currentMode;
  }

  get stats(): FaultProxyStats {
    return { ...this.counters };
  }

  history(): ExchangeOutcome[] {
    return [...this.outcomes];
  }

  setMode(mode: FaultProxyMode): void {
    this.currentMode = parseInput(modeSchema, mode, 'fault proxy mode');
  }

  setFaults(faults: FaultRates): void {
    this.rates = parseInput(ratesSchema, faults, 'fault rates');
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, this.host, () => {
        this.server.off('error', reject);
        this.boundPort = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const conn of this.connections) this.finish(conn, 'destroy');
    await closed;
  }

  private accept(client: Socket): void {
    this.counters.connections++;
    client.on('error', () => undefined);
    if (this.currentMode === 'down') {
      this.counters.down++;
      reset(client);
      return;
    }
    client.setNoDelay(true);
    const conn: Connection = { client, upstream: undefined, exchange: undefined, done: false };
    this.connections.add(conn);
    client.on('data', (chunk: Buffer) => this.fromClient(conn, chunk));
    client.on('end', () => conn.upstream?.end());
    client.on('close', () => this.finish(conn, 'destroy'));
  }

  /** Ends a connection: both sockets, any delay timer. */
  private finish(conn: Connection, how: 'destroy' | 'reset'): void {
    if (conn.exchange?.timer !== undefined) clearTimeout(conn.exchange.timer);
    conn.done = true;
    this.connections.delete(conn);
    if (how === 'reset') reset(conn.client);
    else conn.client.destroy();
    conn.upstream?.destroy();
  }

  private record(outcome: ExchangeOutcome): void {
    this.outcomes.push(outcome);
    if (outcome === 'pass') this.counters.passed++;
    else this.counters[outcome]++;
  }

  private draw(): ExchangeOutcome {
    switch (this.currentMode) {
      case 'pass':
        return 'pass';
      case 'down':
        return 'down';
      case 'blackhole':
        return 'blackhole';
      case 'faulty': {
        const r = this.random();
        const table: [FaultKind, number][] = [
          ['drop', this.rates.drop],
          ['reset', this.rates.reset],
          ['delay', this.rates.delay?.rate ?? 0],
          ['truncate', this.rates.truncate],
          ['loseResponse', this.rates.loseResponse],
          ['blackhole', this.rates.blackhole],
        ];
        let sum = 0;
        for (const [kind, p] of table) {
          sum += p;
          if (r < sum) return kind;
        }
        return 'pass';
      }
    }
  }

  private begin(conn: Connection): Exchange {
    this.counters.exchanges++;
    const outcome = this.draw();
    this.record(outcome);
    const exchange: Exchange = { outcome, answered: false, held: undefined, timer: undefined };
    conn.exchange = exchange;
    switch (outcome) {
      case 'drop':
        this.finish(conn, 'destroy');
        break;
      case 'reset':
      case 'down':
        this.finish(conn, 'reset');
        break;
      case 'delay': {
        const { minMs, maxMs } = this.rates.delay ?? { minMs: 0, maxMs: 0 };
        const ms = minMs + Math.floor(this.random() * (maxMs - minMs + 1));
        exchange.held = [];
        exchange.timer = setTimeout(() => {
          const held = exchange.held ?? [];
          exchange.held = undefined;
          exchange.timer = undefined;
          for (const chunk of held) this.toUpstream(conn, chunk);
        }, ms);
        break;
      }
      case 'pass':
      case 'truncate':
      case 'loseResponse':
      case 'blackhole':
        break;
    }
    return exchange;
  }

  private fromClient(conn: Connection, chunk: Buffer): void {
    if (conn.done) return;
    const exchange = conn.exchange === undefined || conn.exchange.answered ? this.begin(conn) : conn.exchange;
    if (conn.done || exchange.outcome === 'blackhole') return;
    if (exchange.held) exchange.held.push(chunk);
    else this.toUpstream(conn, chunk);
  }

  private toUpstream(conn: Connection, chunk: Buffer): void {
    if (conn.done) return;
    const upstream = conn.upstream ?? this.openUpstream(conn);
    if (!upstream.write(chunk) && !conn.client.isPaused()) {
      conn.client.pause();
      upstream.once('drain', () => conn.client.resume());
    }
  }

  private openUpstream(conn: Connection): Socket {
    const upstream = connect({ host: this.opts.target.host, port: this.opts.target.port });
    upstream.setNoDelay(true);
    conn.upstream = upstream;
    // the target is unreachable or failed: the client sees its connection reset
    upstream.on('error', () => this.finish(conn, 'reset'));
    upstream.on('data', (chunk: Buffer) => this.fromUpstream(conn, chunk));
    upstream.on('close', () => {
      if (conn.upstream === upstream) conn.upstream = undefined;
      const exchange = conn.exchange;
      // a request the server never got (blackholed, or still held by a delay) keeps waiting: a delayed
      // one goes out on a new upstream connection, a blackholed one is never answered
      if (exchange && !exchange.answered && (exchange.outcome === 'blackhole' || exchange.held !== undefined)) return;
      // otherwise the server closed the connection: what it sent is flushed, then the client side closes too
      conn.done = true;
      if (!conn.client.destroyed && !conn.client.writableEnded) conn.client.end();
    });
    return upstream;
  }

  private fromUpstream(conn: Connection, chunk: Buffer): void {
    if (conn.done) return;
    const exchange = conn.exchange;
    if (exchange?.outcome === 'loseResponse') {
      this.finish(conn, 'reset');
      return;
    }
    if (exchange?.outcome === 'truncate') {
      if (exchange.answered) return;
      exchange.answered = true;
      const lineEnd = chunk.indexOf('\r\n');
      let cut = Math.max(Math.floor(chunk.length / 2), lineEnd >= 0 ? lineEnd + 2 : 0);
      if (cut >= chunk.length) cut = chunk.length - 1;
      conn.done = true;
      this.connections.delete(conn);
      conn.upstream?.destroy();
      conn.client.end(chunk.subarray(0, Math.max(0, cut)), () => conn.client.destroy());
      return;
    }
    if (exchange) exchange.answered = true;
    if (!conn.client.write(chunk) && conn.upstream && !conn.upstream.isPaused()) {
      conn.upstream.pause();
      conn.client.once('drain', () => conn.upstream?.resume());
    }
  }
}
