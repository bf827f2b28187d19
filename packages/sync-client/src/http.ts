import type { FetchFunction } from '@tillkit/offline-queue';
import type { z } from 'zod';
import { PROBLEM_CONTENT_TYPE, PROTOCOL_HEADER, PROTOCOL_MAJOR, syncProblemSchema } from './protocol/index';
import { SyncErrorCode, SyncNetworkError } from './errors';
import { redactText } from './redact';

// Browser-safe: global fetch, AbortController, Headers. No Node built-ins.

export type { FetchFunction };

export interface SyncRequest<S extends z.ZodType | undefined> {
  /** the endpoint's base url */
  baseUrl: string;
  /** a path of SyncPaths, with its query string */
  path: string;
  method?: 'GET' | 'POST';
  /** sent as JSON */
  body?: unknown;
  /** a bearer token */
  token?: string | undefined;
  /** validates a 2xx body; undefined: the body is not read */
  schema?: S;
  /** default globalThis.fetch */
  fetch?: FetchFunction | undefined;
  /** default 15 000 ms */
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** values that must never appear in an error (the token is always one) */
  secrets?: readonly (string | undefined)[];
}

const RETRYABLE_STATUS = new Set([408, 425, 429]);
const ERROR_BODY_LIMIT = 64 * 1024;

export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}

/** One key per server, whatever trailing slashes its url is written with. */
export function serverKey(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}

/** A url for messages: without user info (a url may carry a password). */
export function displayUrl(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//');
}

/** What the request was, for messages: method and path without the query string (cursors are long). */
function describe(method: string, path: string): string {
  return `${method} ${path.split('?')[0] ?? path}`;
}

function networkCode(error: unknown): string {
  const cause = (error as { cause?: unknown } | null)?.cause;
  for (const candidate of [cause, (cause as { errors?: unknown[] } | undefined)?.errors?.[0]]) {
    const code = (candidate as { code?: unknown } | null | undefined)?.code;
    if (typeof code === 'string' && code !== '') return code;
  }
  return 'NETWORK';
}

/**
 * One request of the sync protocol: adds the `tillkit-protocol` header (and the bearer token),
 * refuses redirects, applies a timeout, and either returns the validated 2xx body or throws a
 * SyncNetworkError whose `code` is the server's problem code (or NETWORK_ERROR, HTTP_ERROR,
 * BAD_RESPONSE) and whose message never holds the token or any of `secrets`.
 */
export async function syncRequest<S extends z.ZodType | undefined = undefined>(
  request: SyncRequest<S>,
): Promise<{ status: number; body: S extends z.ZodType ? z.output<S> : undefined }> {
  const method = request.method ?? (request.body === undefined ? 'GET' : 'POST');
  const what = describe(method, request.path);
  const where = displayUrl(request.baseUrl);
  const secrets = [request.token, ...(request.secrets ?? [])];
  const clean = (text: string) => redactText(text, secrets);
  const headers = new Headers({ accept: `application/json, ${PROBLEM_CONTENT_TYPE}`, [PROTOCOL_HEADER]: String(PROTOCOL_MAJOR) });
  if (request.token !== undefined) headers.set('authorization', `Bearer ${request.token}`);
  if (request.body !== undefined) headers.set('content-type', 'application/json');

  const controller = new AbortController();
  const timeoutMs = request.timeoutMs ?? 15_000;
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const outer = request.signal;
  const onAbort = () => controller.abort();
  if (outer?.aborted === true) controller.abort();
  else outer?.addEventListener('abort', onAbort, { once: true });
  const fetchFn = request.fetch ?? globalThis.fetch;
  try {
    let response: Response;
    try {
      response = await fetchFn(joinUrl(request.baseUrl, request.path), {
        method,
        headers,
        redirect: 'manual',
        signal: controller.signal,
        ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      });
    } catch (error) {
      const timedOut = controller.signal.aborted && outer?.aborted !== true;
      // only the code: fetch's own messages may quote a header value
      throw new SyncNetworkError(
        SyncErrorCode.NETWORK_ERROR,
        timedOut
          ? `${what} to ${where} timed out after ${timeoutMs} ms; it is tried again later.`
          : `${what} to ${where} failed (${outer?.aborted === true ? 'aborted' : networkCode(error)}); check the network, it is tried again later.`,
        { isRetryable: true, details: { timedOut } },
      );
    }
    const { status } = response;
    if (response.type === 'opaqueredirect' || status < 200 || status >= 300) {
      throw await failure(response, what, where, clean);
    }
    if (request.schema === undefined) {
      await response.body?.cancel().catch(() => undefined);
      return { status, body: undefined as never };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(await response.text()) as unknown;
    } catch {
      throw new SyncNetworkError(
        SyncErrorCode.BAD_RESPONSE,
        `${what} to ${where} answered HTTP ${status} with a body that is not JSON (a proxy or captive portal?); it is tried again later.`,
        { isRetryable: true, status },
      );
    }
    const checked = request.schema.safeParse(parsed);
    if (!checked.success) {
      const where = checked.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(body)'}: ${i.message}`)
        .join('; ');
      throw new SyncNetworkError(
        SyncErrorCode.BAD_RESPONSE,
        clean(`${what} to ${where} answered HTTP ${status} with a body that does not match the protocol (${where}).`),
        { isRetryable: false, status },
      );
    }
    return { status, body: checked.data as never };
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onAbort);
  }
}

async function readLimited(response: Response): Promise<string> {
  const text = await response.text();
  return text.length > ERROR_BODY_LIMIT ? text.slice(0, ERROR_BODY_LIMIT) : text;
}

async function failure(
  response: Response,
  what: string,
  baseUrl: string,
  clean: (t: string) => string,
): Promise<SyncNetworkError> {
  const status = response.type === 'opaqueredirect' ? 302 : response.status;
  const retryable = status >= 500 || RETRYABLE_STATUS.has(status) || (status >= 300 && status < 400);
  if (status >= 300 && status < 400) {
    await response.body?.cancel().catch(() => undefined);
    return new SyncNetworkError(
      SyncErrorCode.NETWORK_ERROR,
      `${what} to ${baseUrl} was redirected (HTTP ${status}): a captive portal or a proxy is in the way; it is tried again later.`,
      { isRetryable: true, status },
    );
  }
  let problem: ReturnType<typeof syncProblemSchema.safeParse> | undefined;
  try {
    const text = await readLimited(response);
    problem = syncProblemSchema.safeParse(JSON.parse(text));
  } catch {
    problem = undefined;
  }
  const retryAfter = response.headers.get('retry-after') ?? undefined;
  if (problem?.success === true) {
    const p = problem.data;
    const code = p.code ?? (retryable ? SyncErrorCode.NETWORK_ERROR : SyncErrorCode.HTTP_ERROR);
    return new SyncNetworkError(
      code,
      clean(`${what} to ${baseUrl}: HTTP ${status} ${p.title}${p.detail ? `: ${p.detail}` : ''}`),
      {
        isRetryable: retryable,
        status,
        details: {
          status,
          ...(p.code === undefined ? {} : { problemCode: p.code }),
          ...(retryAfter === undefined ? {} : { retryAfter }),
        },
      },
    );
  }
  return new SyncNetworkError(
    retryable ? SyncErrorCode.NETWORK_ERROR : SyncErrorCode.HTTP_ERROR,
    `${what} to ${baseUrl}: HTTP ${status}${retryable ? '; it is tried again later' : ''}.`,
    { isRetryable: retryable, status, details: { status, ...(retryAfter === undefined ? {} : { retryAfter }) } },
  );
}
