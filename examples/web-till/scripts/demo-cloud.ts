/**
 * The cloud of the demo (and of the test): the reference sync server of @tillkit/sync-server with
 * its SQLite database in a folder, and a head office that sets up one register, loads a small café
 * catalog through the admin API and hands out a one-time enrolment code.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startSyncServer, type RunningSyncServer } from '@tillkit/sync-server';

export const MERCHANT = 'cafe-demo';
export const STORE = 'berlin-mitte';
export const REGISTER = 'web-till-1';
export const CURRENCY = 'EUR';

/** What the café sells: articles and their tax-inclusive prices in cents. */
export const CAFE = [
  { id: 'sku-espresso', name: 'Espresso', barcode: '4006381333931', taxId: 'vat19', price: 250 },
  { id: 'sku-cappuccino', name: 'Cappuccino', barcode: '4006381333948', taxId: 'vat19', price: 380 },
  { id: 'sku-croissant', name: 'Croissant', barcode: '4006381333955', taxId: 'vat7', price: 220 },
] as const;

export interface AdminEvent {
  partition: string;
  seq: number;
  key: string;
  type: string;
  receivedAt: number;
  payload: unknown;
}

export interface DemoCloud {
  server: RunningSyncServer;
  /** the admin API's bearer token (generated for this run) */
  adminToken: string;
  /** the one-time enrolment code for the register */
  code: string;
  /** calls the admin API with the admin token */
  admin(method: string, path: string, body?: unknown): Promise<unknown>;
  /** every applied event of the store of one type, in ingest order */
  events(type: string): Promise<AdminEvent[]>;
  close(): Promise<void>;
}

export async function startDemoCloud(options: { dir: string; port?: number }): Promise<DemoCloud> {
  const adminToken = randomBytes(24).toString('base64url');
  const server = await startSyncServer({ db: join(options.dir, 'cloud.db'), adminToken, port: options.port ?? 0 });
  const admin = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${server.url}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} /admin/v1${path} answered ${response.status}: ${text}`);
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  };
  try {
    const dataset = (name: string) => `/merchants/${MERCHANT}/stores/${STORE}/datasets/${name}`;
    await admin('POST', '/registers', { merchantId: MERCHANT, storeId: STORE, registerId: REGISTER, currency: CURRENCY });
    await admin('PUT', dataset('tax-rates'), {
      records: [
        { id: 'vat19', name: 'VAT 19%', rate: '19', inclusive: true },
        { id: 'vat7', name: 'VAT 7%', rate: '7', inclusive: true },
      ],
    });
    await admin('PUT', dataset('catalog'), {
      records: CAFE.map((a) => ({ id: a.id, name: a.name, barcodes: [a.barcode], taxId: a.taxId })),
    });
    await admin('PUT', dataset('prices'), { records: CAFE.map((a) => ({ id: a.id, currency: CURRENCY, unitPrice: a.price })) });
    await admin('PUT', dataset('config'), { records: [{ id: 'receipt.header', value: 'Café Tillkit' }] });
    const { code } = (await admin('POST', '/enrolments', { merchantId: MERCHANT, storeId: STORE, registerId: REGISTER })) as {
      code: string;
    };
    return {
      server,
      adminToken,
      code,
      admin,
      async events(type) {
        const events: AdminEvent[] = [];
        let after: string | undefined;
        for (;;) {
          const query = `?type=${encodeURIComponent(type)}&limit=1000${after === undefined ? '' : `&after=${encodeURIComponent(after)}`}`;
          const page = (await admin('GET', `/merchants/${MERCHANT}/stores/${STORE}/events${query}`)) as {
            events: AdminEvent[];
            next: string | null;
          };
          events.push(...page.events);
          if (page.next === null || page.events.length === 0) return events;
          after = page.next;
        }
      },
      close: () => server.close(),
    };
  } catch (error) {
    await server.close();
    throw error;
  }
}
