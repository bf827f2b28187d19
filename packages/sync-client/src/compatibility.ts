import { TillkitError } from '@tillkit/core';
import { z } from 'zod';
import { SyncErrorCode, SyncNetworkError } from './errors';
import { displayUrl, serverKey, syncRequest, type FetchFunction } from './http';
import { PROTOCOL_MAJOR, PROTOCOL_NAME, PROTOCOL_VERSION, SyncPaths, serverMetaSchema, type ServerMeta } from './protocol/index';

/** Only what every major version of the protocol keeps in `GET /v1/meta`: its name and majors. */
const protocolPartSchema = z.looseObject({
  protocol: z.looseObject({
    name: z.string(),
    majors: z.array(z.number()),
    version: z.string().optional(),
  }),
});

/**
 * Checks a `GET /v1/meta` body: returns the validated ServerMeta when the server speaks this
 * client's major version; throws SyncNetworkError PROTOCOL_INCOMPATIBLE (naming both versions)
 * when it does not, BAD_RESPONSE when the body is no server meta at all.
 */
export function checkCompatibility(body: unknown, baseUrl: string): ServerMeta {
  const where = displayUrl(baseUrl);
  const part = protocolPartSchema.safeParse(body);
  if (!part.success) {
    throw new SyncNetworkError(
      SyncErrorCode.BAD_RESPONSE,
      `GET ${SyncPaths.meta} at ${where} did not describe a sync protocol: is this the url of a tillkit sync server?`,
      { isRetryable: false },
    );
  }
  const { name, majors, version } = part.data.protocol;
  if (name !== PROTOCOL_NAME || !majors.includes(PROTOCOL_MAJOR)) {
    const theirs = name === PROTOCOL_NAME ? `protocol ${version ?? '?'} (major ${majors.join(', ') || 'none'})` : `"${name}"`;
    throw new SyncNetworkError(
      SyncErrorCode.PROTOCOL_INCOMPATIBLE,
      `The server at ${where} speaks ${theirs}; this client speaks ${PROTOCOL_NAME} ${PROTOCOL_VERSION} (major ${PROTOCOL_MAJOR}). ` +
        `Nothing is sent to it: update the till software or point the till at a server that speaks major ${PROTOCOL_MAJOR}.`,
      { isRetryable: false, details: { serverMajors: majors, serverVersion: version, clientVersion: PROTOCOL_VERSION } },
    );
  }
  const meta = serverMetaSchema.safeParse(body);
  if (!meta.success) {
    const at = meta.error.issues
      .slice(0, 3)
      .map((i) => i.path.join('.'))
      .join(', ');
    throw new SyncNetworkError(
      SyncErrorCode.BAD_RESPONSE,
      `GET ${SyncPaths.meta} at ${where} states protocol major ${PROTOCOL_MAJOR} but its description is malformed (at ${at}).`,
      { isRetryable: false },
    );
  }
  return meta.data;
}

/** Reads and checks `GET /v1/meta` of one server (see checkCompatibility). */
export async function fetchServerMeta(
  baseUrl: string,
  options: { fetch?: FetchFunction | undefined; signal?: AbortSignal | undefined; timeoutMs?: number | undefined } = {},
): Promise<ServerMeta> {
  const { body } = await syncRequest({
    baseUrl,
    path: SyncPaths.meta,
    schema: z.unknown(),
    fetch: options.fetch,
    signal: options.signal,
    timeoutMs: options.timeoutMs,
  });
  return checkCompatibility(body, baseUrl);
}

/**
 * Remembers which endpoints were checked: `ensure` asks `GET /v1/meta` before the first push or
 * pull to an endpoint and after `forget` (a server that answered UNSUPPORTED_VERSION), and shares
 * one request between concurrent callers. A compatible answer is kept; failures are not, so the
 * next call asks again (a server may be upgraded).
 */
export interface CompatibilityGuard {
  ensure(baseUrl: string, signal?: AbortSignal): Promise<ServerMeta>;
  /** the checked meta of an endpoint, if it was checked and compatible */
  known(baseUrl: string): ServerMeta | undefined;
  forget(baseUrl: string): void;
}

export function createCompatibilityGuard(
  options: { fetch?: FetchFunction | undefined; timeoutMs?: number | undefined } = {},
): CompatibilityGuard {
  const checked = new Map<string, ServerMeta>();
  const running = new Map<string, Promise<ServerMeta>>();
  return {
    ensure(url, signal) {
      const baseUrl = serverKey(url);
      const known = checked.get(baseUrl);
      if (known !== undefined) return Promise.resolve(known);
      let pending = running.get(baseUrl);
      if (pending === undefined) {
        pending = fetchServerMeta(baseUrl, { fetch: options.fetch, timeoutMs: options.timeoutMs, signal })
          .then((meta) => {
            checked.set(baseUrl, meta);
            return meta;
          })
          .finally(() => running.delete(baseUrl));
        running.set(baseUrl, pending);
      }
      return pending;
    },
    known: (url) => checked.get(serverKey(url)),
    forget(url) {
      checked.delete(serverKey(url));
    },
  };
}

/** True for the error that says a server speaks another protocol major version. */
export function isProtocolIncompatible(error: unknown): boolean {
  return TillkitError.hasCode(error, SyncErrorCode.PROTOCOL_INCOMPATIBLE);
}
