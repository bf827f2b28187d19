import { parseInput } from '@tillkit/core';
import { z } from 'zod';
import type { Endpoint } from './endpoint-selector';
import type { DeliveryOutcome } from './error-taxonomy';
import type { KeyedItemResult, ProbeRequest, SendRequest, SendResult, Transport } from './transport';
import {
  DEFAULT_HEALTH_PATH,
  DEFAULT_PUSH_PATH,
  healthResponseSchema,
  problemSchema,
  pushResponseSchema,
  toWireItem,
  type PushRequest,
} from './wire';

// Browser-safe: global fetch, AbortController, Headers, TextDecoder; no Node built-ins.

/** Extra request headers for an endpoint (for example Authorization), asked for before every request. */
export type HeadersHook = (endpoint: Endpoint) => Record<string, string> | Promise<Record<string, string>>;

/** The fetch the transport calls: the global one by default. */
export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

export interface HttpTransportOptions {
  /** path of the push request, appended to the endpoint's url; default DEFAULT_PUSH_PATH ('/v1/outbox') */
  pushPath?: string;
  /** path of the health probe, appended to the endpoint's url; default DEFAULT_HEALTH_PATH ('/v1/health') */
  healthPath?: string;
  /**
   * Called before every push and probe, so a refreshed token is picked up at once. Values of
   * headers that carry secrets (authorization, cookies, names with token, key, secret, auth,
   * session or password) and any value of 8 characters or more never appear in results, details
   * or errors. A hook that throws fails that send as a network
   * failure (code HEADERS_FAILED) and makes that probe false.
   */
  headers?: HeadersHook;
  /** how long one send may take, body included, in ms; default 15 000 (the caller's signal also aborts it) */
  timeoutMs?: number;
  /** how long one probe may take, in ms; default 5 000 */
  probeTimeoutMs?: number;
  /** default globalThis.fetch */
  fetch?: FetchFunction;
}

const MAX_TIMER_MS = 2_147_483_647;
const pathSchema = z.string().startsWith('/', 'must start with "/"');
const functionSchema = <T>() => z.custom<T>((v) => typeof v === 'function', { message: 'Expected a function' });

const optionsSchema = z.object({
  pushPath: pathSchema.default(DEFAULT_PUSH_PATH),
  healthPath: pathSchema.default(DEFAULT_HEALTH_PATH),
  headers: functionSchema<HeadersHook>().optional(),
  timeoutMs: z.number().int().positive().max(MAX_TIMER_MS).default(15_000),
  probeTimeoutMs: z.number().int().positive().max(MAX_TIMER_MS).default(5_000),
  fetch: functionSchema<FetchFunction>().optional(),
});

/** Error bodies are read only this far (enough for a problem document), then cancelled. */
const ERROR_BODY_LIMIT = 64 * 1024;
/** Health bodies are small; a captive portal's page is not read beyond this. */
const HEALTH_BODY_LIMIT = 16 * 1024;
const DETAIL_MAX = 300;

const HTTP_REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

interface Deadline {
  signal: AbortSignal;
  dispose(): void;
}

/**
 * A signal that aborts when `outer` aborts or after `ms`, like AbortSignal.any([outer,
 * AbortSignal.timeout(ms)]), but available in every supported browser and with its timer and
 * listener removed by dispose() (no listeners pile up on a long-lived caller signal).
 */
function deadline(outer: AbortSignal, ms: number, what: string): Deadline {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(outer.reason);
  if (outer.aborted) controller.abort(outer.reason);
  else outer.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => controller.abort(new DOMException(`${what} timed out after ${ms} ms`, 'TimeoutError')), ms);
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      outer.removeEventListener('abort', onAbort);
    },
  };
}

function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}

/** The code of a fetch failure: undici puts the socket error (ECONNREFUSED, UND_ERR_SOCKET...) in `cause`. */
function networkCode(error: unknown): string {
  const cause = (error as { cause?: unknown } | null)?.cause;
  for (const candidate of [cause, (cause as { errors?: unknown[] } | undefined)?.errors?.[0]]) {
    const code = (candidate as { code?: unknown } | null | undefined)?.code;
    if (typeof code === 'string' && code !== '') return code;
  }
  return 'NETWORK';
}

/** Removes every header value from a text that will leave the transport (servers may echo them). */
/** Header names whose values are secrets whatever their length. */
const SECRET_HEADER = /authorization|cookie|token|secret|key|auth|session|password/i;
/** Values at least this long are treated as secrets in any header; shorter ones ("1", "en") are not. */
const SECRET_MIN_LENGTH = 8;

function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length > 0) out = out.split(secret).join('[redacted]');
  }
  return out.length > DETAIL_MAX ? `${out.slice(0, DETAIL_MAX)}...` : out;
}

async function discard(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // the connection is already gone: nothing to release
  }
}

/** Reads at most `limit` bytes of the body as UTF-8 and cancels the rest. */
async function readLimited(response: Response, limit: number): Promise<string> {
  const body = response.body;
  if (!body) return '';
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return text + decoder.decode();
      bytes += value.byteLength;
      if (bytes > limit) {
        await reader.cancel().catch(() => undefined);
        return text + decoder.decode(value.subarray(0, Math.max(0, value.byteLength - (bytes - limit))));
      }
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    reader.releaseLock();
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The human part of a non-2xx answer: the problem document's title and detail when there is one. */
async function describeFailure(response: Response, status: number): Promise<string> {
  const head = `HTTP ${status}${HTTP_REASONS[status] ? ` ${HTTP_REASONS[status]}` : ''}`;
  const type = response.headers.get('content-type') ?? '';
  if (status >= 300 && status < 400) {
    await discard(response);
    const location = response.headers.get('location');
    return `${head}: a redirect was not followed (a captive portal or a proxy?)${location ? ` to ${location}` : ''}`;
  }
  if (!/json/i.test(type)) {
    await discard(response);
    return head;
  }
  const problem = problemSchema.safeParse(parseJson(await readLimited(response, ERROR_BODY_LIMIT)));
  if (!problem.success) return head;
  return `${head}: ${problem.data.title}${problem.data.detail ? `: ${problem.data.detail}` : ''}`;
}

type Attempt<T> = { ok: true; value: T } | { ok: false; outcome: DeliveryOutcome; detail: string };

/** Fetch with the deadline; maps a rejection to a timeout (our deadline or the caller's abort) or a network outcome. */
async function attempt<T>(signal: AbortSignal, action: () => Promise<T>, what: string): Promise<Attempt<T>> {
  try {
    return { ok: true, value: await action() };
  } catch (error) {
    if (signal.aborted) {
      const reason: unknown = signal.reason;
      const why = reason instanceof DOMException && reason.name === 'TimeoutError' ? reason.message : `${what} was aborted`;
      return { ok: false, outcome: { kind: 'timeout' }, detail: why };
    }
    const code = networkCode(error);
    // Only the code: fetch's own messages may quote a rejected header value or a URL's credentials.
    return { ok: false, outcome: { kind: 'network', code }, detail: `${what} failed: ${code}` };
  }
}

/**
 * The built-in transport: POSTs each batch as JSON to `<endpoint.url><pushPath>` (see wire.ts) with
 * the global fetch, and probes `GET <endpoint.url><healthPath>`. Browser-safe. `send` never throws
 * for network trouble: timeouts, refused or reset connections, non-2xx answers, redirects (never
 * followed: a redirect is a captive portal, not a server) and unreadable 2xx bodies all resolve as
 * `failed` with an outcome for classifyOutcome. Throws ValidationError (VALIDATION_FAILED) for bad options.
 */
export function createHttpTransport(options: HttpTransportOptions = {}): Transport {
  const opts = parseInput(optionsSchema, options, 'HTTP transport options');

  async function requestHeaders(endpoint: Endpoint): Promise<{ headers: Headers; secrets: string[] }> {
    const extra = opts.headers ? await opts.headers(endpoint) : {};
    const headers = new Headers();
    const secrets: string[] = [];
    for (const [name, value] of Object.entries(extra)) {
      const text = String(value);
      if (SECRET_HEADER.test(name) || text.length >= SECRET_MIN_LENGTH) {
        secrets.push(text);
        // a server may echo the credentials alone, without their scheme ("Bearer ...")
        const credentials = /^[A-Za-z-]+ (.+)$/.exec(text)?.[1];
        if (credentials !== undefined && credentials.length >= 4) secrets.push(credentials);
      }
      headers.set(name, value);
    }
    return { headers, secrets };
  }

  function fetchFn(): FetchFunction {
    return opts.fetch ?? globalThis.fetch;
  }

  async function send(request: SendRequest): Promise<SendResult> {
    const { endpoint, items, signal } = request;
    if (items.length === 0) return { kind: 'results', results: [] };
    const body: PushRequest = { items: items.map(toWireItem) };
    const json = JSON.stringify(body);
    const url = joinUrl(endpoint.url, opts.pushPath);
    const what = `POST ${opts.pushPath} to endpoint "${endpoint.id}"`;

    let prepared: { headers: Headers; secrets: string[] };
    try {
      prepared = await requestHeaders(endpoint);
    } catch (error) {
      const name = error instanceof Error ? error.name : typeof error;
      return {
        kind: 'failed',
        outcome: { kind: 'network', code: 'HEADERS_FAILED' },
        detail: `the headers hook failed or returned an invalid header (${name}) for endpoint "${endpoint.id}"`,
      };
    }
    const { headers, secrets } = prepared;
    headers.set('content-type', 'application/json');
    headers.set('accept', 'application/json, application/problem+json');

    const limit = deadline(signal, opts.timeoutMs, what);
    try {
      const fetched = await attempt(
        limit.signal,
        () => fetchFn()(url, { method: 'POST', headers, body: json, redirect: 'manual', signal: limit.signal }),
        what,
      );
      if (!fetched.ok) return { kind: 'failed', outcome: fetched.outcome, detail: redact(fetched.detail, secrets) };
      const response = fetched.value;

      if (response.type === 'opaqueredirect' || response.status < 200 || response.status >= 300) {
        // a browser hides a manual redirect behind status 0: report it as the 302 it most likely was
        const status = response.type === 'opaqueredirect' ? 302 : response.status;
        const retryAfter = response.headers.get('retry-after') ?? undefined;
        const described = await attempt(limit.signal, () => describeFailure(response, status), what);
        const detail = described.ok ? described.value : `HTTP ${status}`;
        return { kind: 'failed', outcome: { kind: 'http', status, retryAfter }, detail: redact(detail, secrets) };
      }

      const read = await attempt(limit.signal, () => response.text(), what);
      if (!read.ok) {
        if (read.outcome.kind === 'timeout')
          return { kind: 'failed', outcome: read.outcome, detail: redact(read.detail, secrets) };
        return badResponse(`the body of the HTTP ${response.status} answer was cut off (${read.detail})`, secrets);
      }
      const parsed = parseJson(read.value);
      if (parsed === undefined) return badResponse(`HTTP ${response.status} with a body that is not JSON`, secrets);
      const checked = pushResponseSchema.safeParse(parsed);
      if (!checked.success) {
        const where = checked.error.issues
          .slice(0, 3)
          .map((i) => (i.path.length > 0 ? i.path.join('.') : '(body)'))
          .join(', ');
        return badResponse(`HTTP ${response.status} with a body that is not a push response (at ${where})`, secrets);
      }

      const batch = new Set(items.map((item) => item.key));
      const seen = new Set<string>();
      const results: KeyedItemResult[] = [];
      for (const result of checked.data.results) {
        if (!batch.has(result.key) || seen.has(result.key)) continue;
        seen.add(result.key);
        results.push(result);
      }
      return { kind: 'results', results };
    } finally {
      limit.dispose();
    }
  }

  async function probe(request: ProbeRequest): Promise<boolean> {
    const { endpoint, signal } = request;
    const limit = deadline(signal, opts.probeTimeoutMs, `GET ${opts.healthPath}`);
    try {
      const { headers } = await requestHeaders(endpoint);
      headers.set('accept', 'application/json');
      const url = joinUrl(endpoint.url, opts.healthPath);
      const response = await fetchFn()(url, { method: 'GET', headers, redirect: 'manual', signal: limit.signal });
      if (response.type === 'opaqueredirect' || response.status < 200 || response.status >= 300) {
        await discard(response);
        return false;
      }
      const text = await readLimited(response, HEALTH_BODY_LIMIT);
      return healthResponseSchema.safeParse(parseJson(text)).success;
    } catch {
      return false;
    } finally {
      limit.dispose();
    }
  }

  return { send, probe };
}

function badResponse(detail: string, secrets: readonly string[]): SendResult {
  return { kind: 'failed', outcome: { kind: 'network', code: 'BAD_RESPONSE' }, detail: redact(detail, secrets) };
}
