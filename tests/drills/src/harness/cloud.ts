import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { JournalEntry, VerifyChainResult } from '@tillkit/core';
import { startSyncServer, type RunningSyncServer } from '@tillkit/sync-server';

export const TENANT = { merchantId: 'drill-merchant', storeId: 'drill-store' } as const;
export const CURRENCY = 'EUR';
export const TAX_RATES = [{ id: 'vat19', name: 'VAT 19%', rate: '19', inclusive: true }];

/** One event as the reference server's admin API lists it. */
export interface CloudEvent {
  partition: string;
  seq: number;
  key: string;
  type: string;
  status?: string;
  code?: string;
  payload: { entry: JournalEntry; transaction?: { id: string; priced: { total: number } } };
}

/** The reference server's admin API: what head office (and the drill's checks) see from outside the till. */
export class Admin {
  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const send = () =>
      fetch(`${this.url}/admin/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    // a stale keep-alive socket of a restarted server: one retry
    const response = await send().catch(() => send());
    const text = await response.text();
    if (!response.ok) throw new Error(`admin ${method} ${path}: HTTP ${response.status} ${text}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  register(registerId: string) {
    return this.call('POST', '/registers', { ...TENANT, registerId, currency: CURRENCY });
  }

  async enrolmentCode(registerId: string): Promise<string> {
    return (await this.call<{ code: string }>('POST', '/enrolments', { ...TENANT, registerId })).code;
  }

  putRecords(dataset: string, records: readonly object[]) {
    return this.call('PUT', `/merchants/${TENANT.merchantId}/stores/${TENANT.storeId}/datasets/${dataset}`, { records });
  }

  /** Every event of the store, applied and rejected, in ingest order. */
  async events(status: 'applied' | 'rejected' | 'all' = 'all'): Promise<CloudEvent[]> {
    const all: CloudEvent[] = [];
    let after: string | null = null;
    do {
      const query = new URLSearchParams({ limit: '1000', status });
      if (after !== null) query.set('after', after);
      const page: { events: CloudEvent[]; next: string | null } = await this.call(
        'GET',
        `/merchants/${TENANT.merchantId}/stores/${TENANT.storeId}/events?${query.toString()}`,
      );
      all.push(...page.events);
      after = page.events.length === 0 ? null : page.next;
    } while (after !== null);
    return all;
  }

  journal(registerId: string) {
    return this.call<{ entries: JournalEntry[]; rejected?: unknown[]; verification: VerifyChainResult }>(
      'GET',
      `/merchants/${TENANT.merchantId}/registers/${registerId}/journal`,
    );
  }
}

export interface Cloud {
  server: RunningSyncServer;
  url: string;
  port: number;
  admin: Admin;
  close(): Promise<void>;
}

/** The reference server on loopback with its SQLite file in `dir`: the register set up, the store's tax rates loaded. */
export async function startCloud(dir: string, registerId: string): Promise<Cloud> {
  const server = await startSyncServer({ db: join(dir, 'cloud.db'), adminToken: randomBytes(24).toString('base64url') });
  const admin = new Admin(server.url, server.adminToken);
  await admin.register(registerId);
  await admin.putRecords('tax-rates', TAX_RATES);
  return { server, url: server.url, port: server.port, admin, close: () => server.close() };
}
