import type { JournalEntry, VerifyChainResult } from '@tillkit/core';
import { PROTOCOL_HEADER, type Dataset } from '@tillkit/sync-client/protocol';

/** A register's place in the tenancy. */
export interface RegisterIds {
  merchantId: string;
  storeId: string;
  registerId: string;
}

/** An ingested event as the admin API lists it (the fields the checks read). */
export interface IngestedEventView {
  partition: string;
  seq: number;
  key: string;
  type: string;
  payload: { entry: JournalEntry; transaction?: { id: string } };
}

/** The reference server's admin API over HTTP (bearer admin token). */
export class BenchAdmin {
  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.url}/admin/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`admin ${method} ${path}: HTTP ${response.status} ${text.slice(0, 500)}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  /** Creates the register (an idempotent upsert) and returns a one-time enrolment code for it. */
  async enrolmentCode(ids: RegisterIds, currency = 'EUR'): Promise<string> {
    await this.call('POST', '/registers', { ...ids, currency });
    return (await this.call<{ code: string }>('POST', '/enrolments', ids)).code;
  }

  /** Upserts records of a dataset, in requests of at most `chunk` records. */
  async putRecords(
    merchantId: string,
    storeId: string,
    dataset: Dataset,
    records: readonly object[],
    chunk = 5000,
  ): Promise<void> {
    for (let i = 0; i < records.length; i += chunk) {
      await this.call('PUT', `/merchants/${merchantId}/stores/${storeId}/datasets/${dataset}`, {
        records: records.slice(i, i + chunk),
      });
    }
  }

  /** Every applied event of a store (of one type when given), in ingest order. */
  async events(merchantId: string, storeId: string, type?: string): Promise<IngestedEventView[]> {
    const all: IngestedEventView[] = [];
    let after: string | null = null;
    do {
      const query = new URLSearchParams({ limit: '1000' });
      if (type !== undefined) query.set('type', type);
      if (after !== null) query.set('after', after);
      const page: { events: IngestedEventView[]; next: string | null } = await this.call(
        'GET',
        `/merchants/${merchantId}/stores/${storeId}/events?${query.toString()}`,
      );
      all.push(...page.events);
      after = page.next;
    } while (after !== null);
    return all;
  }

  /** A register's journal as the server holds it, and core's verifyChain of it. */
  journal(merchantId: string, registerId: string) {
    return this.call<{ entries: JournalEntry[]; verification: VerifyChainResult }>(
      'GET',
      `/merchants/${merchantId}/registers/${registerId}/journal`,
    );
  }
}

/** A device's credentials and a bearer token, obtained over the protocol's own routes. */
export async function enrolDirect(url: string, code: string, deviceId: string): Promise<{ token: string }> {
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [PROTOCOL_HEADER]: '1' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`POST ${path}: HTTP ${response.status} ${text.slice(0, 500)}`);
    return JSON.parse(text) as Record<string, unknown>;
  };
  const enrolled = await post('/v1/devices/enrol', { code, deviceId });
  const token = await post('/v1/auth/token', enrolled.credentials);
  return { token: token.accessToken as string };
}
