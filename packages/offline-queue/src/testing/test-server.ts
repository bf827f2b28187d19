import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode, parseInput, StateError } from '@tillkit/core';
import { z } from 'zod';
import {
  DEFAULT_HEALTH_PATH,
  DEFAULT_PUSH_PATH,
  PROBLEM_CONTENT_TYPE,
  pushRequestSchema,
  type Problem,
  type WireItem,
  type WireItemResult,
} from '../wire';

/** What `onItem` may answer instead of applying an item. */
export type TestServerVerdict = { result: 'rejected'; code: string; message?: string } | { result: 'retry-after'; ms: number };

export interface TestServerOptions {
  /** default '127.0.0.1' */
  host?: string;
  /** default 0 (a free port, kept across stop() and start()) */
  port?: number;
  /** default DEFAULT_PUSH_PATH ('/v1/outbox') */
  pushPath?: string;
  /** default DEFAULT_HEALTH_PATH ('/v1/health') */
  healthPath?: string;
  /** larger push bodies get 413 and apply nothing; default 5 MiB */
  maxBodyBytes?: number;
  /** when set, a push needs `Authorization: Bearer <token>` (else 401) */
  token?: string;
  /** every answer is delayed this long after the request arrived (items are applied after the delay); default 0 */
  latencyMs?: number;
  /**
   * Consulted for an item that is about to be applied (never for duplicates or gaps): return
   * `rejected` (the rejection consumes the item's sequence number and is replayed for the same key
   * and seq) or `retry-after` (nothing is stored), or undefined to apply it. A throw answers the
   * whole request 500; items before it in the request stay applied.
   */
  onItem?: (item: WireItem) => TestServerVerdict | undefined;
}

export interface TestServerFailure {
  /** the status of the answer (200-599); a 2xx with `body` makes a malformed success */
  status: number;
  /** a Retry-After header: delta-seconds (a number or a string) or an HTTP-date */
  retryAfter?: number | string;
  /** the body as is; default a problem document for the status */
  body?: string;
  /** content type of `body`; default 'text/plain; charset=utf-8' */
  contentType?: string;
}

export interface RejectedItem {
  key: string;
  seq: number;
  code: string;
}

export interface TestServer {
  /** 'http://host:port', no trailing slash */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** push requests received (every POST to the push path, whatever its answer) */
  readonly requests: number;
  /** applied items in apply order */
  applied(): WireItem[];
  /** how many times the effect of `key` was applied: exactly-once means never more than 1 */
  appliedCount(key: string): number;
  /** keys of applied items, in apply order */
  keys(): string[];
  /** every rejection onItem made, in order (replays of a stored rejection are not repeated here) */
  rejected(): RejectedItem[];
  /** the next sequence number the partition accepts (1 for a partition never seen) */
  expectedSeq(partition: string): number;
  /** sets the next sequence number a partition accepts (for restore tests) */
  setExpectedSeq(partition: string, seq: number): void;
  /** the next `count` push requests get this answer and apply nothing (queued after earlier failNext calls) */
  failNext(count: number, failure: TestServerFailure): void;
  /** the next `count` valid push requests are applied in full, then their connection is destroyed without an answer */
  loseNextResponses(count: number): void;
  /** an unhealthy server answers its health path with 503 (pushes still work) */
  setHealthy(healthy: boolean): void;
  setToken(token: string | undefined): void;
  /** closes the listener and destroys open connections: the server is dead; its state is kept */
  stop(): Promise<void>;
  /** listens again on the same host and port */
  start(): Promise<void>;
  /** stops for good */
  close(): Promise<void>;
}

const pathSchema = z.string().startsWith('/', 'must start with "/"');
const optionsSchema = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65_535).default(0),
  pushPath: pathSchema.default(DEFAULT_PUSH_PATH),
  healthPath: pathSchema.default(DEFAULT_HEALTH_PATH),
  maxBodyBytes: z
    .number()
    .int()
    .positive()
    .default(5 * 1024 * 1024),
  token: z.string().min(1).optional(),
  latencyMs: z.number().int().nonnegative().default(0),
  onItem: z.custom<NonNullable<TestServerOptions['onItem']>>((v) => typeof v === 'function', 'Expected a function').optional(),
});

const verdictSchema = z
  .discriminatedUnion('result', [
    z.object({ result: z.literal('rejected'), code: z.string().min(1), message: z.string().optional() }),
    z.object({ result: z.literal('retry-after'), ms: z.number().int().nonnegative() }),
  ])
  .optional();

const failureSchema = z.object({
  status: z.number().int().min(200).max(599),
  retryAfter: z.union([z.number().int().nonnegative(), z.string().min(1)]).optional(),
  body: z.string().optional(),
  contentType: z.string().min(1).optional(),
});
const countSchema = z.number().int().nonnegative();
const seqSchema = z.number().int().min(1);

const CORS_HEADERS: Readonly<Record<string, string>> = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'content-type, authorization',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-expose-headers': 'retry-after, www-authenticate',
  'access-control-max-age': '600',
  'cache-control': 'no-store',
};

const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Content Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

interface Body {
  bytes: Buffer;
  tooLarge: boolean;
}

/** Reads the whole request (answering before the client finished sending makes it see a reset), keeping at most `max` bytes. */
function readBody(req: IncomingMessage, max: number): Promise<Body> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) chunks.push(chunk);
    });
    req.on('end', () => resolve({ bytes: Buffer.concat(chunks), tooLarge: size > max }));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new Error('the client went away before its request was complete'));
    });
  });
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
  if (res.destroyed || res.headersSent) return;
  res.writeHead(status, { ...CORS_HEADERS, ...headers, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), { 'content-type': 'application/json' });
}

function sendProblem(res: ServerResponse, status: number, detail?: string, headers: Record<string, string> = {}): void {
  const problem: Problem = { type: 'about:blank', title: REASONS[status] ?? `HTTP ${status}`, status };
  if (detail !== undefined) problem.detail = detail;
  send(res, status, JSON.stringify(problem), { 'content-type': PROBLEM_CONTENT_TYPE, ...headers });
}

/**
 * Starts a reference test server for the wire format over real HTTP: it applies each item exactly
 * once per idempotency key, keeps a gapless sequence per partition (answering `gap` with the
 * sequence it expects), replays stored rejections, and can fail, lose answers, require a token,
 * turn unhealthy, or die and come back on the same port. CORS is open so browser tests on another
 * origin can call it. Throws ValidationError (VALIDATION_FAILED) for bad options.
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const opts = parseInput(optionsSchema, options, 'test server options');
  const state = new TestServerState(opts);
  await state.start();
  return state;
}

type ParsedOptions = z.output<typeof optionsSchema>;

class TestServerState implements TestServer {
  readonly host: string;
  private boundPort: number;
  private server: Server | undefined;
  private closed = false;
  /** bumped by stop(): requests that arrived before it never apply or answer */
  private generation = 0;
  private readonly sleepers = new Set<{ timer: ReturnType<typeof setTimeout>; wake: () => void }>();

  private pushes = 0;
  private token: string | undefined;
  private healthy = true;
  private readonly failures: z.output<typeof failureSchema>[] = [];
  private responsesToLose = 0;

  private readonly log: WireItem[] = [];
  private readonly applyCounts = new Map<string, number>();
  private readonly appliedKeys = new Set<string>();
  private readonly rejections = new Map<string, { seq: number; code: string; message: string | undefined }>();
  private readonly rejectionLog: RejectedItem[] = [];
  private readonly expected = new Map<string, number>();

  constructor(private readonly opts: ParsedOptions) {
    this.host = opts.host;
    this.boundPort = opts.port;
    this.token = opts.token;
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `http://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.boundPort}`;
  }

  get requests(): number {
    return this.pushes;
  }

  applied(): WireItem[] {
    return [...this.log];
  }

  appliedCount(key: string): number {
    return this.applyCounts.get(key) ?? 0;
  }

  keys(): string[] {
    return this.log.map((item) => item.key);
  }

  rejected(): RejectedItem[] {
    return this.rejectionLog.map((r) => ({ ...r }));
  }

  expectedSeq(partition: string): number {
    return this.expected.get(partition) ?? 1;
  }

  setExpectedSeq(partition: string, seq: number): void {
    this.expected.set(partition, parseInput(seqSchema, seq, 'expected sequence'));
  }

  failNext(count: number, failure: TestServerFailure): void {
    const n = parseInput(countSchema, count, 'failNext count');
    const parsed = parseInput(failureSchema, failure, 'failNext failure');
    for (let i = 0; i < n; i++) this.failures.push(parsed);
  }

  loseNextResponses(count: number): void {
    this.responsesToLose += parseInput(countSchema, count, 'loseNextResponses count');
  }

  setHealthy(healthy: boolean): void {
    this.healthy = healthy;
  }

  setToken(token: string | undefined): void {
    this.token = parseInput(z.string().min(1).optional(), token, 'test server token');
  }

  async start(): Promise<void> {
    if (this.closed) {
      throw new StateError(ErrorCode.INVALID_STATE, 'The test server was closed; start a new one with startTestServer().');
    }
    if (this.server) return;
    const server = createServer((req, res) => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent) sendProblem(res, 500, 'the test server failed');
        else res.destroy();
      });
    });
    server.on('clientError', (_error, socket) => socket.destroy());
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.boundPort, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((error: unknown) => {
      this.server = undefined;
      throw error;
    });
    server.on('error', () => undefined);
    this.boundPort = (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.generation++;
    for (const sleeper of this.sleepers) {
      clearTimeout(sleeper.timer);
      sleeper.wake();
    }
    this.sleepers.clear();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.stop();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const sleeper = {
        timer: setTimeout(() => {
          this.sleepers.delete(sleeper);
          resolve();
        }, ms),
        wake: resolve,
      };
      this.sleepers.add(sleeper);
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const generation = this.generation;
    const path = new URL(req.url ?? '/', 'http://test-server').pathname;
    const isPush = path === this.opts.pushPath && req.method === 'POST';
    if (isPush) this.pushes++;
    const body = await readBody(req, this.opts.maxBodyBytes);
    if (this.opts.latencyMs > 0) await this.sleep(this.opts.latencyMs);
    if (generation !== this.generation) return;

    if (req.method === 'OPTIONS') {
      send(res, 204, '', {});
      return;
    }
    if (path === this.opts.healthPath) {
      if (req.method !== 'GET' && req.method !== 'HEAD') sendProblem(res, 405, undefined, { allow: 'GET, OPTIONS' });
      else if (this.healthy) sendJson(res, 200, { status: 'ok' });
      else sendProblem(res, 503, 'the test server was set unhealthy');
      return;
    }
    if (path !== this.opts.pushPath) {
      sendProblem(res, 404, `nothing at ${path}`);
      return;
    }
    if (!isPush) {
      sendProblem(res, 405, undefined, { allow: 'POST, OPTIONS' });
      return;
    }
    this.push(req, res, body);
  }

  /** Synchronous from here: one request's items are applied without interleaving with another's. */
  private push(req: IncomingMessage, res: ServerResponse, body: Body): void {
    const failure = this.failures.shift();
    if (failure) {
      const headers: Record<string, string> = {};
      if (failure.retryAfter !== undefined) headers['retry-after'] = String(failure.retryAfter);
      if (failure.body === undefined) sendProblem(res, failure.status, 'failNext', headers);
      else
        send(res, failure.status, failure.body, {
          'content-type': failure.contentType ?? 'text/plain; charset=utf-8',
          ...headers,
        });
      return;
    }
    if (this.token !== undefined && req.headers.authorization !== `Bearer ${this.token}`) {
      sendProblem(res, 401, 'a valid bearer token is required', { 'www-authenticate': 'Bearer' });
      return;
    }
    if (body.tooLarge) {
      sendProblem(res, 413, `the body is larger than ${this.opts.maxBodyBytes} bytes; send fewer items`);
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(body.bytes.toString('utf8'));
    } catch {
      sendProblem(res, 400, 'the body is not valid JSON');
      return;
    }
    const request = pushRequestSchema.safeParse(json);
    if (!request.success) {
      const issues = request.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
      sendProblem(res, 400, `the body is not a push request: ${issues.join('; ')}`);
      return;
    }

    let results: WireItemResult[];
    try {
      results = request.data.items.map((item) => this.process(item));
    } catch (error) {
      sendProblem(res, 500, `onItem failed: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    if (this.responsesToLose > 0) {
      this.responsesToLose--;
      req.socket.destroy();
      return;
    }
    sendJson(res, 200, { results });
  }

  /** The exactly-once rules for one item, in request order. */
  private process(item: WireItem): WireItemResult {
    const { key, partition, seq } = item;
    const expected = this.expectedSeq(partition);
    if (this.appliedKeys.has(key)) {
      if (seq === expected) this.expected.set(partition, expected + 1);
      return { key, result: 'duplicate' };
    }
    const rejection = this.rejections.get(key);
    if (rejection && rejection.seq === seq) {
      if (seq === expected) this.expected.set(partition, expected + 1);
      return rejectedResult(key, rejection);
    }
    if (seq !== expected) return { key, result: 'gap', expectedSeq: expected };

    const verdict = parseInput(verdictSchema, this.opts.onItem?.(item), `onItem verdict for "${key}"`);
    if (verdict?.result === 'retry-after') return { key, result: 'retry-after', ms: verdict.ms };
    if (verdict?.result === 'rejected') {
      const stored = { seq, code: verdict.code, message: verdict.message };
      this.rejections.set(key, stored);
      this.rejectionLog.push({ key, seq, code: verdict.code });
      this.expected.set(partition, expected + 1);
      return rejectedResult(key, stored);
    }
    this.applyCounts.set(key, (this.applyCounts.get(key) ?? 0) + 1);
    this.appliedKeys.add(key);
    this.log.push(item);
    this.expected.set(partition, expected + 1);
    return { key, result: 'applied' };
  }
}

function rejectedResult(key: string, rejection: { code: string; message: string | undefined }): WireItemResult {
  return rejection.message === undefined
    ? { key, result: 'rejected', code: rejection.code }
    : { key, result: 'rejected', code: rejection.code, message: rejection.message };
}
