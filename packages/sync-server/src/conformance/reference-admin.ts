import { TillkitError } from '@tillkit/core';
import type { Dataset, DatasetRecords, Tenant } from '@tillkit/sync-client/protocol';
import type { ConformanceAdmin, FetchLike, IngestedEvent } from './types';

/** An admin API call of the reference server failed (an error answer or no answer). */
export class AdminRequestError extends TillkitError {
  override readonly name: string = 'AdminRequestError';
}

export const ADMIN_REQUEST_FAILED = 'ADMIN_REQUEST_FAILED';

export interface ReferenceAdminOptions {
  /** the server's base url */
  baseUrl: string;
  /** the server's admin token (its `adminToken` option, `--admin-token` or TILLKIT_ADMIN_TOKEN) */
  adminToken: string;
  /** default: the global fetch */
  fetch?: FetchLike;
}

const seg = encodeURIComponent;

/** A ConformanceAdmin for the reference server (@tillkit/sync-server), through its admin API. */
export function referenceAdmin(options: ReferenceAdminOptions): ConformanceAdmin {
  const base = options.baseUrl.replace(/\/+$/, '');
  const fetchFn = options.fetch ?? ((input, init) => fetch(input, init));

  async function call(method: string, path: string, body?: unknown): Promise<unknown> {
    const what = `${method} ${path.split('?')[0]}`;
    let response: Response;
    try {
      response = await fetchFn(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${options.adminToken}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (cause) {
      throw new AdminRequestError(
        ADMIN_REQUEST_FAILED,
        `The admin API did not answer ${what} (${String(cause)}); is the server running at ${base}?`,
        {
          cause,
        },
      );
    }
    const text = await response.text();
    if (!response.ok) {
      const hint = response.status === 401 || response.status === 403 ? ' Check the admin token.' : '';
      throw new AdminRequestError(
        ADMIN_REQUEST_FAILED,
        `The admin API answered ${what} with ${response.status}: ${text.slice(0, 300)}.${hint}`,
        { details: { status: response.status } },
      );
    }
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  }

  const storePath = (merchantId: string, storeId: string): string =>
    `/admin/v1/merchants/${seg(merchantId)}/stores/${seg(storeId)}`;

  return {
    async createRegister(tenant: Tenant, currency: string) {
      await call('POST', '/admin/v1/registers', { ...tenant, currency });
    },
    async createEnrolmentCode(tenant: Tenant) {
      const answer = (await call('POST', '/admin/v1/enrolments', tenant)) as { code?: unknown } | undefined;
      if (typeof answer?.code !== 'string') {
        throw new AdminRequestError(
          ADMIN_REQUEST_FAILED,
          `The admin API answered an enrolment without a code: ${JSON.stringify(answer)}.`,
        );
      }
      return answer.code;
    },
    async putRecords<D extends Dataset>(merchantId: string, storeId: string, dataset: D, records: DatasetRecords[D][]) {
      await call('PUT', `${storePath(merchantId, storeId)}/datasets/${seg(dataset)}`, { records });
    },
    async deleteRecord(merchantId: string, storeId: string, dataset: Dataset, id: string) {
      await call('DELETE', `${storePath(merchantId, storeId)}/datasets/${seg(dataset)}/${seg(id)}`);
    },
    async listEvents(merchantId: string, storeId: string) {
      const events: IngestedEvent[] = [];
      let after: string | undefined;
      for (let page = 0; page < 1000; page++) {
        const query = new URLSearchParams({ limit: '500' });
        if (after !== undefined) query.set('after', after);
        const answer = (await call('GET', `${storePath(merchantId, storeId)}/events?${query.toString()}`)) as
          { events?: IngestedEvent[]; next?: unknown } | undefined;
        if (!Array.isArray(answer?.events)) {
          throw new AdminRequestError(
            ADMIN_REQUEST_FAILED,
            `The admin API answered the events list without events: ${JSON.stringify(answer).slice(0, 300)}.`,
          );
        }
        events.push(...answer.events);
        const next = answer.next;
        if ((typeof next !== 'string' && typeof next !== 'number') || answer.events.length === 0) return events;
        after = String(next);
      }
      return events;
    },
  };
}
