import { parseInput, systemClock, TillkitError, type Clock } from '@tillkit/core';
import { BehaviorSubject, distinctUntilChanged, type Observable } from 'rxjs';
import { z } from 'zod';
import type { CatalogStore } from './catalog-store';
import { stateError, SyncErrorCode, SyncNetworkError } from './errors';
import { serverKey, syncRequest, type FetchFunction, type SyncRequest } from './http';
import {
  enrolRequestSchema,
  enrolResponseSchema,
  SyncPaths,
  SyncProblemCode,
  tenantSchema,
  tokenResponseSchema,
  type DeviceCredentials,
  type EnrolResponse,
  type Tenant,
} from './protocol/index';

// -- enrolment --------------------------------------------------------------------------------

export interface EnrolDeviceOptions {
  /** the server's base url */
  baseUrl: string;
  /** the one-time code from the back office */
  code: string;
  /** this physical device */
  deviceId: string;
  softwareVersion?: string | undefined;
  /** default globalThis.fetch */
  fetch?: FetchFunction | undefined;
  /** default 15 000 ms */
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

const enrolOptionsSchema = enrolRequestSchema.extend({ baseUrl: z.url() });

/**
 * Trades a one-time enrolment code for the till's credentials (`POST /v1/devices/enrol`) and
 * returns the validated answer. Keep `credentials` safe: they are shown once. Throws
 * VALIDATION_FAILED for bad options, SyncNetworkError with the server's code
 * (ENROLMENT_CODE_INVALID for a used, unknown or expired code) or NETWORK_ERROR. Neither the code
 * nor the credentials appear in an error.
 */
export async function enrolDevice(options: EnrolDeviceOptions): Promise<EnrolResponse> {
  const { baseUrl, code, deviceId, softwareVersion } = parseInput(
    enrolOptionsSchema,
    { baseUrl: options.baseUrl, code: options.code, deviceId: options.deviceId, softwareVersion: options.softwareVersion },
    'enrolment',
  );
  const { body } = await syncRequest({
    baseUrl,
    path: SyncPaths.enrol,
    body: { code, deviceId, ...(softwareVersion === undefined ? {} : { softwareVersion }) },
    schema: z.unknown(),
    fetch: options.fetch,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    secrets: [code],
  });
  const parsed = enrolResponseSchema.safeParse(body);
  if (!parsed.success) {
    // the issues only: the body holds the credentials
    const where = parsed.error.issues.map((i) => i.path.join('.') || '(body)').join(', ');
    throw stateError(SyncErrorCode.BAD_RESPONSE, `The enrolment answer does not match the protocol (at ${where}).`);
  }
  if (parsed.data.deviceId !== deviceId) {
    throw stateError(
      SyncErrorCode.BAD_RESPONSE,
      `The server enrolled device "${parsed.data.deviceId}" but this device is "${deviceId}": nothing was stored; ask the back office.`,
    );
  }
  return parsed.data;
}

/** What a till keeps of its enrolment (in its CatalogStore's meta, so a restarted till does not enrol again). */
export interface Enrolment {
  deviceId: string;
  tenant: Tenant;
  currency: string;
  credentials: DeviceCredentials;
  enrolledAt: number;
}

/** The CatalogStore meta key the enrolment lives under. */
export const ENROLMENT_META_KEY = 'tillkit.sync.enrolment';

const enrolmentSchema = z.object({
  deviceId: z.string().min(1),
  tenant: tenantSchema,
  currency: z.string().length(3),
  credentials: z.object({ clientId: z.string().min(1), clientSecret: z.string().min(1) }),
  enrolledAt: z.number(),
});

/** The stored enrolment; undefined when the till is not enrolled (or what is stored is unreadable). */
export async function loadEnrolment(catalog: CatalogStore): Promise<Enrolment | undefined> {
  const stored = await catalog.getMeta(ENROLMENT_META_KEY);
  if (stored === undefined) return undefined;
  const parsed = enrolmentSchema.safeParse(stored);
  return parsed.success ? parsed.data : undefined;
}

export async function saveEnrolment(catalog: CatalogStore, enrolment: Enrolment): Promise<void> {
  await catalog.setMeta(ENROLMENT_META_KEY, parseInput(enrolmentSchema, enrolment, 'enrolment'));
}

// -- tokens -----------------------------------------------------------------------------------

/**
 * - `not-enrolled`: no credentials; enrol the till.
 * - `enrolled`: credentials, no token asked for yet.
 * - `ok`: the last token request succeeded.
 * - `refreshing`: a token request is under way.
 * - `failing`: the server refused the credentials (revoked or wrong): enrol again.
 */
export type AuthState = 'not-enrolled' | 'enrolled' | 'ok' | 'refreshing' | 'failing';

export interface TokenManagerOptions {
  /** reads the stored credentials (undefined when not enrolled) */
  credentials: () => Promise<DeviceCredentials | undefined>;
  fetch?: FetchFunction | undefined;
  clock?: Clock | undefined;
  /** default 15 000 ms */
  timeoutMs?: number | undefined;
  /** a token is renewed this long before it expires; default a fifth of its lifetime, at most 60 000 ms */
  refreshMarginMs?: number | undefined;
  /** a refresh asked for within this long of the last new token reuses it (several 401s at once); default 1 000 ms */
  minRefreshIntervalMs?: number | undefined;
}

export interface TokenManager {
  /** a valid bearer token for the server at `baseUrl`: the cached one, or a new one */
  token(baseUrl: string, signal?: AbortSignal): Promise<string>;
  /**
   * A new token (the server refused the current one: 401/403). Concurrent refreshes share one
   * request; `rejected` (the token that was refused) skips the request when a newer one is cached.
   */
  refresh(baseUrl: string, rejected?: string): Promise<string>;
  /** re-reads the credentials (after an enrolment) and forgets every token */
  reset(): Promise<void>;
  readonly state$: Observable<AuthState>;
  state(): AuthState;
  /** the last token failure, without secrets */
  lastError(): string | undefined;
  /** every secret this manager holds (tokens, the client secret), for redaction */
  secrets(): string[];
}

interface CachedToken {
  token: string;
  obtainedAt: number;
  expiresAt: number;
  renewAt: number;
}

/**
 * Trades the stored credentials for bearer tokens at `POST /v1/auth/token`, one per server, cached
 * until shortly before they expire. Tokens and the client secret never appear in errors, state or
 * `lastError`.
 */
export function createTokenManager(options: TokenManagerOptions): TokenManager {
  const clock = options.clock ?? systemClock;
  const minRefreshMs = options.minRefreshIntervalMs ?? 1000;
  const cache = new Map<string, CachedToken>();
  const running = new Map<string, Promise<string>>();
  const state = new BehaviorSubject<AuthState>('enrolled');
  let credentials: DeviceCredentials | undefined;
  let loaded: Promise<void> | undefined;
  let failure: string | undefined;

  const load = (): Promise<void> =>
    (loaded ??= options.credentials().then(
      (c) => {
        credentials = c;
        if (c === undefined) state.next('not-enrolled');
        else if (state.value === 'not-enrolled') state.next('enrolled');
      },
      (error: unknown) => {
        loaded = undefined; // the store failed: ask again next time
        throw error;
      },
    ));
  void load().catch(() => undefined);

  function secrets(): string[] {
    const out = [...cache.values()].map((c) => c.token);
    if (credentials !== undefined) out.push(credentials.clientSecret);
    return out;
  }

  function request(url: string, signal?: AbortSignal): Promise<string> {
    const baseUrl = serverKey(url);
    const pending = running.get(baseUrl);
    if (pending !== undefined) return pending;
    const previous = state.value;
    const started = (async () => {
      await load();
      const creds = credentials;
      if (creds === undefined) {
        state.next('not-enrolled');
        throw stateError(
          SyncErrorCode.NOT_ENROLLED,
          'This till is not enrolled: enrol it with a code from the back office first.',
        );
      }
      state.next('refreshing');
      try {
        const { body } = await syncRequest({
          baseUrl,
          path: SyncPaths.token,
          body: { clientId: creds.clientId, clientSecret: creds.clientSecret },
          schema: tokenResponseSchema,
          fetch: options.fetch,
          timeoutMs: options.timeoutMs,
          signal,
          secrets: [creds.clientSecret],
        });
        const now = clock.now();
        const lifetime = body.expiresIn * 1000;
        const margin = Math.min(options.refreshMarginMs ?? Math.min(60_000, lifetime / 5), lifetime / 2);
        cache.set(baseUrl, {
          token: body.accessToken,
          obtainedAt: now,
          expiresAt: now + lifetime,
          renewAt: now + lifetime - margin,
        });
        failure = undefined;
        state.next('ok');
        return body.accessToken;
      } catch (error) {
        const refused =
          TillkitError.isInstance(error) &&
          (error.code === SyncProblemCode.INVALID_CREDENTIALS ||
            error.code === SyncProblemCode.UNAUTHENTICATED ||
            error.code === SyncProblemCode.FORBIDDEN ||
            (error as { status?: number }).status === 401 ||
            (error as { status?: number }).status === 403);
        failure = error instanceof Error ? error.message : String(error);
        // a network failure says nothing about the credentials
        state.next(refused ? 'failing' : previous === 'refreshing' ? 'enrolled' : previous);
        if (refused) {
          throw stateError(
            SyncProblemCode.INVALID_CREDENTIALS,
            `The server refused this till's credentials (${failure}). Enrol the till again with a new code from the back office.`,
            { cause: error },
          );
        }
        throw error;
      }
    })().finally(() => running.delete(baseUrl));
    running.set(baseUrl, started);
    return started;
  }

  return {
    async token(url, signal) {
      const baseUrl = serverKey(url);
      const cached = cache.get(baseUrl);
      if (cached !== undefined && clock.now() < cached.renewAt) return cached.token;
      return request(baseUrl, signal);
    },
    async refresh(url, rejected) {
      const baseUrl = serverKey(url);
      const pending = running.get(baseUrl);
      if (pending !== undefined) return pending;
      const cached = cache.get(baseUrl);
      const now = clock.now();
      if (cached !== undefined && now < cached.expiresAt) {
        if (rejected !== undefined && cached.token !== rejected) return cached.token;
        if (rejected === undefined && now - cached.obtainedAt < minRefreshMs && now >= cached.obtainedAt) return cached.token;
      }
      cache.delete(baseUrl);
      return request(baseUrl);
    },
    async reset() {
      cache.clear();
      loaded = undefined;
      failure = undefined;
      await load();
      if (credentials !== undefined) state.next('enrolled');
    },
    state$: state.pipe(distinctUntilChanged()),
    state: () => state.value,
    lastError: () => failure,
    secrets,
  };
}

/**
 * A protocol request with the bearer token of `tokens` for `request.baseUrl`; on 401 it gets a new
 * token and tries once more. No token or secret of the manager appears in an error.
 */
export async function authorizedRequest<S extends z.ZodType | undefined = undefined>(
  tokens: TokenManager,
  request: Omit<SyncRequest<S>, 'token'>,
): ReturnType<typeof syncRequest<S>> {
  const token = await tokens.token(request.baseUrl, request.signal);
  const send = (bearer: string) =>
    syncRequest<S>({ ...request, token: bearer, secrets: [...(request.secrets ?? []), ...tokens.secrets()] });
  try {
    return await send(token);
  } catch (error) {
    if (!(error instanceof SyncNetworkError) || error.status !== 401) throw error;
    return send(await tokens.refresh(request.baseUrl, token));
  }
}
