import { PROTOCOL_HEADER, PROTOCOL_MAJOR } from '@tillkit/sync-client/protocol';
import { fail } from './assert';
import type { FetchLike } from './types';

/** An answer as the checks look at it. */
export interface HttpAnswer {
  /** "POST /v1/sync/push", for failure messages */
  request: string;
  status: number;
  contentType: string;
  headers: Headers;
  text: string;
  /** the parsed body; undefined when it is not JSON */
  json: unknown;
}

export interface RequestOptions {
  /** bearer token */
  token?: string;
  /** a JSON body (sent as application/json) */
  json?: unknown;
  /** a raw body, sent as is */
  body?: string | Uint8Array;
  /** content type of `body`; default application/json */
  contentType?: string;
  /** the protocol header's value; default the protocol's major; null sends none */
  protocol?: string | null;
  headers?: Record<string, string>;
}

/** Talks to the backend under test; every request of a check shares the check's abort signal. */
export class HttpClient {
  readonly baseUrl: string;

  constructor(
    baseUrl: string,
    private readonly fetchFn: FetchLike,
    private readonly signal: AbortSignal,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  async send(method: string, path: string, options: RequestOptions = {}): Promise<HttpAnswer> {
    const request = `${method} ${path}`;
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...options.headers };
    const protocol = options.protocol === undefined ? String(PROTOCOL_MAJOR) : options.protocol;
    if (protocol !== null) headers[PROTOCOL_HEADER] = protocol;
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    let body: string | Uint8Array | undefined;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    } else if (options.body !== undefined) {
      body = options.body;
      headers['content-type'] = options.contentType ?? 'application/json';
    }
    let response: Response;
    try {
      response = await this.fetchFn(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: body as BodyInit }),
        signal: this.signal,
      });
    } catch (error) {
      if (this.signal.aborted) fail(`${request} got no answer within the check's time budget`);
      fail(`${request} failed without an answer: ${describeError(error)}`);
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      if (this.signal.aborted) fail(`${request}: the answer's body did not arrive within the check's time budget`);
      fail(`${request}: reading the answer's body failed: ${describeError(error)}`);
    }
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    return {
      request,
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      headers: response.headers,
      text,
      json,
    };
  }

  get(path: string, options?: RequestOptions): Promise<HttpAnswer> {
    return this.send('GET', path, options);
  }

  post(path: string, json: unknown, options: RequestOptions = {}): Promise<HttpAnswer> {
    return this.send('POST', path, { ...options, json });
  }
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
