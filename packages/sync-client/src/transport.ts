import {
  createHttpTransport,
  healthResponseSchema,
  type FetchFunction,
  type KeyedItemResult,
  type Transport,
} from '@tillkit/offline-queue';
import type { TokenManager } from './auth';
import type { CompatibilityGuard } from './compatibility';
import { errorMessage, SyncErrorCode } from './errors';
import { serverKey, syncRequest } from './http';
import {
  PROBLEM_CONTENT_TYPE,
  PROTOCOL_HEADER,
  PROTOCOL_MAJOR,
  SyncPaths,
  SyncProblemCode,
  syncProblemSchema,
} from './protocol/index';

export interface SyncTransportOptions {
  /** bearer tokens per endpoint */
  tokens: TokenManager;
  /** checks `GET /v1/meta` of an endpoint before its first push */
  guard: CompatibilityGuard;
  /** default globalThis.fetch */
  fetch?: FetchFunction | undefined;
  /** one push request, body included; default 15 000 ms */
  timeoutMs?: number | undefined;
  /** one health probe; default 5 000 ms */
  probeTimeoutMs?: number | undefined;
  /** told which token each push carried (so a 401 refreshes exactly that one: see syncAuthHook) */
  onToken?: ((baseUrl: string, token: string) => void) | undefined;
}

/**
 * The @tillkit/offline-queue Transport for the sync protocol: pushes batches to
 * `POST /v1/sync/push` with the bearer token and the `tillkit-protocol` header (the outbox's HTTP
 * transport, which keeps header values out of every result), probes `GET /v1/health`, and checks
 * the endpoint's protocol version (`GET /v1/meta`) before its first push.
 *
 * Nothing is ever lost to a protocol or auth problem: a server that speaks another major version
 * (or answers UNSUPPORTED_VERSION), a missing enrolment or a token that cannot be had fail the send
 * as a network failure (codes PROTOCOL_INCOMPATIBLE, NOT_ENROLLED, HEADERS_FAILED), so the outbox
 * keeps the items, backs off and may fail over; none of them is dead-lettered. Batches larger than
 * the server's `maxBatchItems` go in several requests.
 */
export function createSyncTransport(options: SyncTransportOptions): Transport {
  const { tokens, guard } = options;
  const fetchFn: FetchFunction = (input, init) => (options.fetch ?? globalThis.fetch)(input, init);

  // A 400 UNSUPPORTED_VERSION would dead-letter the batch: turn it into a network failure and
  // have the endpoint's version checked again before the next push.
  const guardedFetch: FetchFunction = async (input, init) => {
    const response = await fetchFn(input, init);
    if (response.status === 400 && (response.headers.get('content-type') ?? '').includes(PROBLEM_CONTENT_TYPE.split('/')[1]!)) {
      const problem = syncProblemSchema.safeParse(
        await response
          .clone()
          .json()
          .catch(() => undefined),
      );
      if (problem.success && problem.data.code === SyncProblemCode.UNSUPPORTED_VERSION) {
        guard.forget(input.slice(0, input.length - SyncPaths.push.length));
        await response.body?.cancel().catch(() => undefined);
        throw new Error('the server does not speak this protocol version', {
          cause: { code: SyncErrorCode.PROTOCOL_INCOMPATIBLE },
        });
      }
    }
    return response;
  };

  const http = createHttpTransport({
    pushPath: SyncPaths.push,
    healthPath: SyncPaths.health,
    headers: async (endpoint) => {
      const token = await tokens.token(endpoint.url);
      options.onToken?.(serverKey(endpoint.url), token);
      return { authorization: `Bearer ${token}`, [PROTOCOL_HEADER]: String(PROTOCOL_MAJOR) };
    },
    fetch: guardedFetch,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });

  return {
    async send(request) {
      const { endpoint, items, signal } = request;
      let maxItems: number;
      try {
        maxItems = (await guard.ensure(endpoint.url, signal)).limits.maxBatchItems;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        return {
          kind: 'failed',
          outcome: { kind: 'network', code: typeof code === 'string' ? code : 'META_FAILED' },
          detail: errorMessage(error),
        };
      }
      if (tokens.state() === 'not-enrolled') {
        return {
          kind: 'failed',
          outcome: { kind: 'network', code: SyncErrorCode.NOT_ENROLLED },
          detail: 'this till is not enrolled: enrol it to deliver its events',
        };
      }
      if (items.length <= maxItems) return http.send(request);
      // several requests, in order; a failure after the first keeps what was answered
      const results: KeyedItemResult[] = [];
      for (let i = 0; i < items.length; i += maxItems) {
        const result = await http.send({ endpoint, items: items.slice(i, i + maxItems), signal });
        if (result.kind === 'failed') return i === 0 ? result : { kind: 'results', results };
        results.push(...result.results);
      }
      return { kind: 'results', results };
    },
    async probe({ endpoint, signal }) {
      try {
        await syncRequest({
          baseUrl: serverKey(endpoint.url),
          path: SyncPaths.health,
          schema: healthResponseSchema,
          fetch: options.fetch,
          signal,
          timeoutMs: options.probeTimeoutMs ?? 5000,
        });
        return true;
      } catch {
        return false;
      }
    },
  };
}

/**
 * The outbox's `auth` hook: on 401/403 it asks the token manager for a new token before the batch
 * goes again. `usedToken` names the token the refused push carried (from the transport's
 * `onToken`): when another request already replaced it, the newer token is used without asking.
 */
export function syncAuthHook(
  tokens: TokenManager,
  usedToken?: (baseUrl: string) => string | undefined,
): { refresh(endpoint: { url: string }): Promise<void> } {
  return {
    async refresh(endpoint) {
      await tokens.refresh(endpoint.url, usedToken?.(serverKey(endpoint.url)));
    },
  };
}
